/*
 * parent_fproc.c - the filter processes of the configuration ("proc",
 * "filter NAME proc-exec").  The parent starts each with /bin/sh -c as
 * its user (never root; by default _posthornf, an account no role of
 * the daemon uses, so a filter can neither signal nor trace one), in its
 * chroot if any, with one end of a socket pair as standard input and
 * output, whose other end goes to the lookup (MSG_FILTER_PROC), and a
 * pipe as standard error, whose lines go to the log.  Each runs in a
 * session of its own: when it dies, what it started is killed too, so
 * that nothing keeps the lookup's socket open.  A filter process
 * that dies is started again after a delay that doubles with each
 * death soon after a start (1 s up to PARENT_FPROC_DELAY_MAX); the
 * daemon goes on meanwhile.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "xmalloc.h"

#define PARENT_FPROC_DELAY_MAX	60	/* seconds between restarts, at most */
#define PARENT_FPROC_STABLE	60	/* seconds alive: deaths forgotten */
#define PARENT_FPROC_ERRLINE	512	/* bytes of a standard error line */

struct parent_fproc {
	const struct cfg_fproc	*cfg;
	const char		*user;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;		/* 0: not running */
	uint32_t		 generation;
	unsigned int		 deaths;	/* soon after their start */
	time_t			 started;
	struct event		*ev_restart;
	struct event		*ev_err;
	int			 errfd;
	char			 errline[PARENT_FPROC_ERRLINE];
	size_t			 errlen;
};

static void	parent_fproc_errpipe(struct parent_fproc *, int);
static void	parent_fproc_later(struct parent_fproc *);

static struct {
	struct parent_fproc	*v;
	size_t			 n;
	struct ipc		*lookup;
	int			 stopping;
} parent_fprocs;

/* parent_fproc_account - the process's user and group, or die */
static void
parent_fproc_account(struct parent_fproc *pf)
{
	const struct cfg_fproc	*c = pf->cfg;
	struct passwd		*pw;
	struct group		*gr;

	pf->user = c->user[0] != '\0' ? c->user : POSTHORN_FILTER_USER;
	if (proc_devmode()) {
		pf->uid = geteuid();
		pf->gid = getegid();
		return;
	}
	if ((pw = getpwnam(pf->user)) == NULL)
		fatalx("parent event=filter-refused name=%s reason=\"unknown "
		    "user %s\"", c->name, pf->user);
	pf->uid = pw->pw_uid;
	pf->gid = pw->pw_gid;
	if (c->group[0] != '\0') {
		if ((gr = getgrnam(c->group)) == NULL)
			fatalx("parent event=filter-refused name=%s reason="
			    "\"unknown group %s\"", c->name, c->group);
		pf->gid = gr->gr_gid;
	}
	if (pf->uid == 0 || pf->gid == 0)
		fatalx("parent event=filter-refused name=%s reason=\"filters "
		    "never run as root\"", c->name);
}

/* parent_fproc_errlog - one line the process wrote on standard error */
static void
parent_fproc_errlog(const struct parent_fproc *pf, const char *line,
    size_t len)
{
	char	vis[4 * PARENT_FPROC_ERRLINE + 1];

	strnvisx(vis, sizeof(vis), line, len, VIS_SAFE | VIS_OCTAL |
	    VIS_DQ);
	log_info("parent event=filter-stderr name=%s pid=%d line=\"%s\"",
	    pf->cfg->name, (int)pf->pid, vis);
}

/* parent_fproc_on_err - standard error of a process: log it by lines */
static void
parent_fproc_on_err(evutil_socket_t fd, short what, void *arg)
{
	struct parent_fproc	*pf = arg;
	char			*nl;
	ssize_t			 n;
	size_t			 len;

	(void)what;
	n = read(fd, pf->errline + pf->errlen, sizeof(pf->errline) -
	    pf->errlen);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0)
		pf->errlen += (size_t)n;
	while ((nl = memchr(pf->errline, '\n', pf->errlen)) != NULL) {
		len = (size_t)(nl - pf->errline);
		parent_fproc_errlog(pf, pf->errline, len);
		memmove(pf->errline, nl + 1, pf->errlen - len - 1);
		pf->errlen -= len + 1;
	}
	if (pf->errlen == sizeof(pf->errline) || (n <= 0 && pf->errlen)) {
		parent_fproc_errlog(pf, pf->errline, pf->errlen);
		pf->errlen = 0;
	}
	if (n <= 0) {
		event_free(pf->ev_err);
		pf->ev_err = NULL;
		close(fd);
	}
}

/* parent_fproc_errpipe - watch the read end of a new standard error */
static void
parent_fproc_errpipe(struct parent_fproc *pf, int fd)
{
	if (pf->ev_err != NULL) {
		close(event_get_fd(pf->ev_err));
		event_free(pf->ev_err);
	}
	pf->errlen = 0;
	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	pf->ev_err = event_new(ev_base(), fd, EV_READ | EV_PERSIST,
	    parent_fproc_on_err, pf);
	event_add(pf->ev_err, NULL);
}

/* parent_fproc_child - in the child: become the filter, never return */
static void __attribute__((noreturn))
parent_fproc_child(const struct parent_fproc *pf, int sock, int err)
{
	const struct cfg_fproc	*c = pf->cfg;
	sigset_t		 none;

	if (dup2(sock, STDIN_FILENO) == -1 ||
	    dup2(sock, STDOUT_FILENO) == -1 ||
	    dup2(err, STDERR_FILENO) == -1)
		_exit(126);
	closefrom(STDERR_FILENO + 1);
	if (setsid() == -1)
		_exit(126);
	if (!proc_devmode() && c->chroot[0] != '\0' &&
	    (chroot(c->chroot) == -1 || chdir("/") == -1))
		_exit(126);
	if (parent_helper_become(pf->user, pf->uid, pf->gid, 0) == -1)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execl("/bin/sh", "sh", "-c", c->command, (char *)NULL);
	_exit(127);
}

/* parent_fproc_hand_over - the lookup gets its end of the new process */
static void
parent_fproc_hand_over(struct parent_fproc *pf, int fd)
{
	struct msg_filter_proc	m;

	memset(&m, 0, sizeof(m));
	m.index = pf->cfg->index;
	m.generation = pf->generation;
	m.pid = (uint32_t)pf->pid;
	strlcpy(m.name, pf->cfg->name, sizeof(m.name));
	if (ipc_send(parent_fprocs.lookup, MSG_FILTER_PROC, 0, fd, &m,
	    sizeof(m)) == -1)
		log_warnx("parent event=send-failed what=filter-proc name=%s",
		    pf->cfg->name);
	close(fd);
}

/* parent_fproc_start - start the process; -1 when it could not be */
static int
parent_fproc_start(struct parent_fproc *pf)
{
	int	sp[2], ep[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if (pipe2(ep, O_CLOEXEC) == -1) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if ((pf->pid = fork()) == -1) {
		pf->pid = 0;
		close(sp[0]);
		close(sp[1]);
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (pf->pid == 0)
		parent_fproc_child(pf, sp[1], ep[1]);
	close(sp[1]);
	close(ep[1]);
	pf->generation++;
	pf->started = time(NULL);
	parent_fproc_errpipe(pf, ep[0]);
	log_info("parent event=filter-start name=%s pid=%d user=%s "
	    "generation=%u", pf->cfg->name, (int)pf->pid, pf->user,
	    pf->generation);
	parent_fproc_hand_over(pf, sp[0]);
	return 0;
}

/* parent_fproc_on_restart - the delay is over: start the process again */
static void
parent_fproc_on_restart(evutil_socket_t fd, short what, void *arg)
{
	struct parent_fproc	*pf = arg;

	(void)fd;
	(void)what;
	if (parent_fprocs.stopping || pf->pid != 0)
		return;
	if (parent_fproc_start(pf) == -1) {
		log_warn("parent event=filter-start-failed name=%s",
		    pf->cfg->name);
		parent_fproc_later(pf);
	}
}

/* parent_fproc_later - start the process again after the back-off */
static void
parent_fproc_later(struct parent_fproc *pf)
{
	struct timeval	tv = { 1, 0 };
	unsigned int	i;

	for (i = 0; i < pf->deaths && tv.tv_sec < PARENT_FPROC_DELAY_MAX; i++)
		tv.tv_sec *= 2;
	if (tv.tv_sec > PARENT_FPROC_DELAY_MAX)
		tv.tv_sec = PARENT_FPROC_DELAY_MAX;
	pf->deaths++;
	if (pf->ev_restart == NULL)
		pf->ev_restart = evtimer_new(ev_base(),
		    parent_fproc_on_restart, pf);
	evtimer_add(pf->ev_restart, &tv);
	log_info("parent event=filter-restart-scheduled name=%s delay=%lld",
	    pf->cfg->name, (long long)tv.tv_sec);
}

/* parent_fproc_reaped - pid was a filter process: log, restart; 0 if not */
int
parent_fproc_reaped(pid_t pid, int wstatus)
{
	struct parent_fproc	*pf;
	size_t			 i;

	for (i = 0; i < parent_fprocs.n; i++)
		if (parent_fprocs.v[i].pid == pid)
			break;
	if (i == parent_fprocs.n)
		return 0;
	pf = &parent_fprocs.v[i];
	pf->pid = 0;
	/* what it started must not keep the lookup's socket open */
	(void)kill(-pid, SIGKILL);
	log_warnx("parent event=filter-exit name=%s pid=%d %s=%d",
	    pf->cfg->name, (int)pid, WIFSIGNALED(wstatus) ? "signal" :
	    "status", WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) :
	    WEXITSTATUS(wstatus));
	if (parent_fprocs.stopping)
		return 1;
	if (time(NULL) - pf->started >= PARENT_FPROC_STABLE)
		pf->deaths = 0;
	parent_fproc_later(pf);
	return 1;
}

/* parent_fproc_init - start every filter process of cfg, or die */
void
parent_fproc_init(const struct cfg *cfg, struct ipc *lookup)
{
	const struct cfg_fproc	*c;
	size_t			 n = 0;

	TAILQ_FOREACH(c, &cfg->fprocs, entry)
		n++;
	parent_fprocs.v = xcalloc(n + 1, sizeof(*parent_fprocs.v));
	parent_fprocs.lookup = lookup;
	TAILQ_FOREACH(c, &cfg->fprocs, entry) {
		parent_fprocs.v[parent_fprocs.n].cfg = c;
		parent_fproc_account(&parent_fprocs.v[parent_fprocs.n++]);
	}
	for (n = 0; n < parent_fprocs.n; n++)
		if (parent_fproc_start(&parent_fprocs.v[n]) == -1)
			fatal("parent: starting filter %s",
			    parent_fprocs.v[n].cfg->name);
}

/* parent_fproc_shutdown - the daemon stops: so do the filter processes */
void
parent_fproc_shutdown(void)
{
	size_t	i;

	parent_fprocs.stopping = 1;
	for (i = 0; i < parent_fprocs.n; i++)
		if (parent_fprocs.v[i].pid != 0)
			(void)kill(-parent_fprocs.v[i].pid, SIGTERM);
}
