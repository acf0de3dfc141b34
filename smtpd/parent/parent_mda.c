/*
 * parent_mda.c - local deliveries, forked by the root parent.
 *
 * The queue asks for one delivery per MSG_MDA_RUN (envelope + read-only
 * message fd).  The parent trusts nothing in it: the envelope must be one
 * the expansion rules of the parent's own configuration can make
 * (envelope_rule.h: the action exists and is local, a file or command
 * only from an alias table of the action as its alias account, or from
 * a ~/.forward as its owner), and the descriptor must be a readable
 * regular file; it is never reopened.  What may block is left to one
 * child per delivery, still root at first: it looks the account up now
 * (getpwnam, or the action's userbase table), refuses uid 0 or gid 0
 * (root's mail goes through aliases), expands the action's path or
 * command with fmt_expand (sanitised) and for mbox creates
 * /var/mail/USER (0600, owned by the user), since users cannot create
 * files there.  Then it becomes the recipient (groups, gid, uid,
 * verified), checks that an entry from a ~/.forward is still in that
 * file (read as the user), runs the method of deliver/ and writes its
 * struct local_result into a pipe, with whether the checks refused the
 * envelope.  Refusals are logged as "mda event=refused".  The parent
 * turns that into MSG_MDA_RESULT; a child that ends without a whole
 * result (killed, crashed) is a temporary failure.  At most
 * PARENT_MDA_MAX children run at once; further requests wait in order.
 *
 * parent.c reaps every child on SIGCHLD; the result travels through the
 * pipe, never through the exit status.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "envelope_rule.h"
#include "ev.h"
#include "fmt.h"
#include "ipc.h"
#include "local_agent.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "table.h"
#include "table_cfg.h"
#include "xmalloc.h"

#define PARENT_MDA_MAX		32		/* concurrent deliveries */
#define PARENT_MDA_SPOOL	"/var/mail"	/* mbox directory */

enum parent_mda_method {
	PARENT_MDA_NONE,		/* not known yet: envelope refused */
	PARENT_MDA_MAILDIR,
	PARENT_MDA_MBOX,
	PARENT_MDA_MDA,
	PARENT_MDA_LMTP,
	PARENT_MDA_FILE,
	PARENT_MDA_COMMAND
};

static const char *const parent_mda_methods[] = {
	[PARENT_MDA_NONE] = "none",
	[PARENT_MDA_MAILDIR] = "maildir",
	[PARENT_MDA_MBOX] = "mbox",
	[PARENT_MDA_MDA] = "mda",
	[PARENT_MDA_LMTP] = "lmtp",
	[PARENT_MDA_FILE] = "file",
	[PARENT_MDA_COMMAND] = "command",
};

/* What a delivery process writes into its pipe. */
struct parent_mda_report {
	struct local_result	res;
	int32_t			refused;	/* by the checks */
};

struct parent_mda_job {
	TAILQ_ENTRY(parent_mda_job)	 entry;
	struct ipc			*queue;
	const struct cfg		*cfg;
	const struct cfg_action		*action;
	struct envelope			 evp;
	int				 fresh;	/* msg_mda_run.fresh */
	char				 lmtp_dest[PATH_MAX_CFG];
	int				 msg_fd;
	int				 pipe_fd;
	struct event			*ev;
	enum parent_mda_method		 method;
	int				 forward; /* entry of ~/.forward */
	int				 refused; /* by the checks */
	struct local_result		 res;
	struct parent_mda_report	 report; /* from the child */
	size_t				 got;	/* bytes of report read */
};

TAILQ_HEAD(parent_mda_list, parent_mda_job);

/* The deliveries of this parent: how many run, and those waiting. */
static struct {
	struct parent_mda_list	 waiting;
	size_t			 nrunning;
	int			 init;
} parent_mda;

static void	parent_mda_next(void);

/*
 * parent_mda_env - the parent's options; the handler's arg is parent.c's
 * struct parent, whose first member is its struct proc_env pointer
 */
static const struct proc_env *
parent_mda_env(void *arg)
{
	return *(struct proc_env **)arg;
}

/* parent_mda_answer - report a job's result to the queue and free it */
static void
parent_mda_answer(struct parent_mda_job *job)
{
	struct msg_dlv_result	 r;
	char			 vis[ERRTEXT_MAX * 4], user[NAME_MAX_CFG * 4];

	memset(&r, 0, sizeof(r));
	r.evpid = job->evp.evpid;
	r.status = job->res.status == LOCAL_OK ? IPC_DLV_OK :
	    job->res.status == LOCAL_PERMFAIL ? IPC_DLV_PERMFAIL :
	    IPC_DLV_TEMPFAIL;
	(void)strlcpy(r.text, job->res.reason, sizeof(r.text));
	log_info("%016llx mda event=%s user=%s method=%s result=\"%s\"",
	    (unsigned long long)r.evpid, job->refused ? "refused" :
	    r.status == IPC_DLV_OK ? "delivered" :
	    r.status == IPC_DLV_PERMFAIL ? "failed" : "deferred",
	    log_vis(user, sizeof(user), job->evp.user),
	    parent_mda_methods[job->method],
	    log_vis(vis, sizeof(vis), r.text));
	if (ipc_send(job->queue, MSG_MDA_RESULT, 0, -1, &r, sizeof(r)) == -1)
		log_warnx("%016llx mda: cannot report to the queue",
		    (unsigned long long)r.evpid);
	if (job->msg_fd != -1)
		close(job->msg_fd);
	if (job->pipe_fd != -1)
		close(job->pipe_fd);
	if (job->ev != NULL)
		event_free(job->ev);
	free(job);
}

/* parent_mda_method - the method for an envelope under an action; -1 bad */
static int
parent_mda_method(const struct cfg_action *a, const struct envelope *evp,
    enum parent_mda_method *m)
{
	if (a->type == CFG_ACTION_RELAY)
		return -1;
	switch (evp->dest_type) {
	case ENVELOPE_DEST_FILE:
		*m = PARENT_MDA_FILE;
		return evp->dest[0] == '/' ? 0 : -1;
	case ENVELOPE_DEST_COMMAND:
		*m = PARENT_MDA_COMMAND;
		return evp->dest[0] != '\0' ? 0 : -1;
	case ENVELOPE_DEST_ADDRESS:
		break;
	default:
		return -1;
	}
	switch (a->type) {
	case CFG_ACTION_MAILDIR:
		*m = PARENT_MDA_MAILDIR;
		return 0;
	case CFG_ACTION_MBOX:
		*m = PARENT_MDA_MBOX;
		return 0;
	case CFG_ACTION_MDA:
		*m = PARENT_MDA_MDA;
		return 0;
	case CFG_ACTION_LMTP:
		*m = PARENT_MDA_LMTP;
		return 0;
	default:
		return -1;
	}
}

/* parent_mda_nouser - getpwnam failed: unknown account or lookup error */
static int
parent_mda_nouser(const char *user, struct local_result *res)
{
	if (errno == 0 || errno == ENOENT || errno == ESRCH ||
	    errno == EBADF || errno == EPERM)
		local_result_set(res, LOCAL_PERMFAIL, "user %s: unknown "
		    "account", user);
	else
		local_result_set(res, LOCAL_TEMPFAIL, "user %s: %s", user,
		    strerror(errno));
	return -1;
}

/*
 * parent_mda_account - the recipient's account into ld (uid, gid, home,
 * shell); 0, or -1 with the result set
 */
static int
parent_mda_account(const struct cfg_action *a, const char *user,
    struct local_delivery *ld, struct local_result *res)
{
	union table_result	 u;
	struct passwd		*pw;
	struct table		*t;
	char			 err[ERRTEXT_MAX];
	int			 rv;

	if (strlcpy(ld->user, user, sizeof(ld->user)) >= sizeof(ld->user))
		return local_result_set(res, LOCAL_PERMFAIL, "bad user"), -1;
	if (a->userbase == NULL) {
		errno = 0;
		if ((pw = getpwnam(user)) == NULL)
			return parent_mda_nouser(user, res);
		ld->uid = pw->pw_uid;
		ld->gid = pw->pw_gid;
		(void)strlcpy(ld->home, pw->pw_dir, sizeof(ld->home));
		(void)strlcpy(ld->shell, pw->pw_shell, sizeof(ld->shell));
		return 0;
	}
	if ((t = table_cfg_open(a->userbase, err, sizeof(err))) == NULL)
		return local_result_set(res, LOCAL_TEMPFAIL, "%s", err), -1;
	rv = table_lookup(t, TABLE_K_USERINFO, user, &u);
	table_free(t);
	if (rv != 1)
		return local_result_set(res, rv == 0 ? LOCAL_PERMFAIL :
		    LOCAL_TEMPFAIL, "user %s: %s", user, rv == 0 ?
		    "not in userbase" : "userbase lookup failed"), -1;
	ld->uid = u.userinfo.uid;
	ld->gid = u.userinfo.gid;
	(void)strlcpy(ld->home, u.userinfo.directory, sizeof(ld->home));
	(void)strlcpy(ld->shell, "/bin/sh", sizeof(ld->shell));
	return 0;
}

/* parent_mda_addr - split addr into the parts local.h wants */
static void
parent_mda_addr(struct local_delivery *ld, const char *addr, char delim)
{
	const char	*at = strrchr(addr, '@');
	char		*ext;
	size_t		 n = at ? (size_t)(at - addr) : strlen(addr);

	if (n >= sizeof(ld->localpart))
		n = sizeof(ld->localpart) - 1;
	memcpy(ld->localpart, addr, n);
	ld->localpart[n] = '\0';
	(void)strlcpy(ld->domain, at ? at + 1 : "", sizeof(ld->domain));
	if ((ext = strchr(ld->localpart, delim ? delim : '+')) != NULL)
		(void)strlcpy(ld->extension, ext + 1, sizeof(ld->extension));
}

/* parent_mda_refuse - a request the checks refuse; -1 */
static int __attribute__((format(printf, 2, 3)))
parent_mda_refuse(struct parent_mda_job *job, const char *fmt, ...)
{
	char	text[ERRTEXT_MAX];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	job->refused = 1;
	local_result_set(&job->res, LOCAL_PERMFAIL, "%s", text);
	return -1;
}

/* parent_mda_fd_ok - the message: a regular file opened to be read */
static int
parent_mda_fd_ok(int fd)
{
	struct stat	sb;
	int		fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 || (fl & O_PATH) ||
	    (fl & O_ACCMODE) != O_RDONLY)
		return 0;
	return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
}

/*
 * parent_mda_check - may this envelope be delivered at all: one the
 * rules of the parent's configuration can make, with a message to
 * read; 0, or -1 with the result set
 */
static int
parent_mda_check(struct parent_mda_job *job)
{
	const struct envelope	*evp = &job->evp;
	const struct cfg_action	*a;
	const char		*why;

	if ((a = cfg_action_find(job->cfg, evp->dispatcher)) == NULL)
		return parent_mda_refuse(job, "no action %s", evp->dispatcher);
	job->action = a;
	if (parent_mda_method(a, evp, &job->method) == -1)
		return parent_mda_refuse(job, "destination does not fit "
		    "action %s", a->name);
	if (evp->evpid == 0 || evp->user[0] == '\0')
		return parent_mda_refuse(job, "envelope without id or user");
	if ((why = envelope_rule_check(job->cfg, evp)) != NULL)
		return parent_mda_refuse(job, "action %s: %s", a->name, why);
	if (!parent_mda_fd_ok(job->msg_fd))
		return parent_mda_refuse(job, "message descriptor refused");
	job->forward = (job->method == PARENT_MDA_FILE ||
	    job->method == PARENT_MDA_COMMAND) &&
	    envelope_rule_origin(a, evp) == ENVELOPE_ORIGIN_FORWARD;
	return 0;
}

/*
 * parent_mda_prepare - in the child, still root: look the account up
 * (NSS or userbase, which may block) and fill ld; 0, or -1 with the
 * result set
 */
static int
parent_mda_prepare(struct parent_mda_job *job, struct local_delivery *ld)
{
	const struct envelope	*evp = &job->evp;

	memset(ld, 0, sizeof(*ld));
	if (parent_mda_account(job->action, evp->user, ld, &job->res) == -1)
		return -1;
	if (ld->uid == 0 || ld->gid == 0)
		return parent_mda_refuse(job, "delivery as root refused (uid "
		    "or gid 0; use an alias)");
	if (proc_devmode() && ld->uid != geteuid())
		return local_result_set(&job->res, LOCAL_TEMPFAIL,
		    "development mode: cannot deliver as %s", evp->user), -1;
	ld->evpid = evp->evpid;
	ld->fresh = job->fresh;
	(void)strlcpy(ld->sender, evp->sender, sizeof(ld->sender));
	(void)strlcpy(ld->orig_rcpt, evp->rcpt, sizeof(ld->orig_rcpt));
	(void)strlcpy(ld->rcpt, evp->dest_type == ENVELOPE_DEST_ADDRESS ?
	    evp->dest : evp->rcpt, sizeof(ld->rcpt));
	parent_mda_addr(ld, ld->rcpt, job->cfg->smtp.sub_addr_delim);
	if ((size_t)snprintf(ld->mbox, sizeof(ld->mbox), "%s/%s",
	    PARENT_MDA_SPOOL, ld->user) >= sizeof(ld->mbox))
		return parent_mda_refuse(job, "bad user");
	ld->junk = job->action->maildir_junk;
	return 0;
}

/* parent_mda_split - user and domain parts of addr into u and d */
static void
parent_mda_split(const char *addr, char *u, char *d, size_t sz)
{
	const char	*at = strrchr(addr, '@');
	size_t		 n = at ? (size_t)(at - addr) : strlen(addr);

	if (n >= sz)
		n = sz - 1;
	memcpy(u, addr, n);
	u[n] = '\0';
	(void)strlcpy(d, at ? at + 1 : "", sz);
}

/*
 * parent_mda_expand - the action's maildir path, mda command or lmtp
 * destination with its format specifiers expanded (sanitised unless
 * ":raw"); 0, or -1 with the result set
 */
static int
parent_mda_expand(struct parent_mda_job *job, struct local_delivery *ld)
{
	const struct cfg_action	*a = job->action;
	const struct envelope	*evp = &job->evp;
	struct fmt_ctx		 ctx;
	char			 su[ADDR_MAX], sd[ADDR_MAX], ru[ADDR_MAX];
	char			 rd[ADDR_MAX], du[ADDR_MAX], dd[ADDR_MAX];
	char			 err[ERRTEXT_MAX];
	int			 rv = 0;

	parent_mda_split(evp->sender, su, sd, sizeof(su));
	parent_mda_split(evp->rcpt, ru, rd, sizeof(ru));
	parent_mda_split(ld->rcpt, du, dd, sizeof(du));
	memset(&ctx, 0, sizeof(ctx));
	ctx.sender_user = su;
	ctx.sender_domain = sd;
	ctx.rcpt_user = ru;
	ctx.rcpt_domain = rd;
	ctx.dest_user = du;
	ctx.dest_domain = dd;
	ctx.user_name = ld->user;
	ctx.user_dir = ld->home;
	ctx.mda = a->mda_command;
	ctx.subaddr_delim = job->cfg->smtp.sub_addr_delim;
	err[0] = '\0';
	if (job->method == PARENT_MDA_MAILDIR && a->maildir_path != NULL)
		rv = fmt_expand(ld->maildir, sizeof(ld->maildir),
		    a->maildir_path, &ctx, err, sizeof(err));
	else if (job->method == PARENT_MDA_MDA)
		rv = fmt_expand(ld->mda, sizeof(ld->mda), a->mda_command, &ctx,
		    err, sizeof(err));
	else if (job->method == PARENT_MDA_LMTP)
		rv = fmt_expand(job->lmtp_dest, sizeof(job->lmtp_dest),
		    a->lmtp_dest, &ctx, err, sizeof(err));
	if (rv == -1)
		local_result_set(&job->res, LOCAL_PERMFAIL, "action %s: %s",
		    a->name, err);
	return rv;
}

/*
 * parent_mda_mbox_create - as root, create the user's mbox (0600, owned
 * by the user) when missing; an existing one is left to the child's
 * checks, except that a symbolic link or another owner is refused here
 * too.  0, or -1 with the result set.
 */
static int
parent_mda_mbox_create(const struct local_delivery *ld,
    struct local_result *res)
{
	struct stat	 sb;
	int		 fd;

	if (proc_devmode())
		return 0;
	fd = open(ld->mbox, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd != -1) {
		if (fchown(fd, ld->uid, ld->gid) == -1) {
			local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: "
			    "chown: %s", ld->mbox, strerror(errno));
			(void)unlink(ld->mbox);
			close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	if (errno != EEXIST)
		return local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: %s",
		    ld->mbox, strerror(errno)), -1;
	if (lstat(ld->mbox, &sb) == -1)
		return local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: %s",
		    ld->mbox, strerror(errno)), -1;
	if (S_ISLNK(sb.st_mode) || !S_ISREG(sb.st_mode) ||
	    sb.st_uid != ld->uid)
		return local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: %s",
		    ld->mbox, S_ISLNK(sb.st_mode) ? "is a symbolic link" :
		    !S_ISREG(sb.st_mode) ? "not a regular file" :
		    "owned by another user"), -1;
	return 0;
}

/* parent_mda_become - take the recipient's identity and prove it; 0 / -1 */
static int
parent_mda_become(const struct local_delivery *ld, int userbase)
{
	return parent_helper_become(ld->user, ld->uid, ld->gid, !userbase);
}

/* parent_mda_run - the method itself, in the child, as the recipient */
static void
parent_mda_run(const struct parent_mda_job *job,
    const struct local_delivery *ld, struct local_result *res)
{
	switch (job->method) {
	case PARENT_MDA_MAILDIR:
		local_maildir_deliver(ld, res);
		break;
	case PARENT_MDA_MBOX:
		local_mbox_deliver(ld, res);
		break;
	case PARENT_MDA_MDA:
		local_mda_deliver(ld, res);
		break;
	case PARENT_MDA_LMTP:
		lmtp_deliver(ld, job->lmtp_dest, job->action->lmtp_rcpt_to,
		    res);
		break;
	case PARENT_MDA_FILE:
		if (!job->forward || local_file_forward_check(ld, 0,
		    job->evp.dest, res) == 0)
			local_file_deliver(ld, job->evp.dest, res);
		break;
	case PARENT_MDA_COMMAND:
		if (!job->forward || local_file_forward_check(ld, 1,
		    job->evp.dest, res) == 0)
			local_file_command(ld, job->evp.dest, res);
		break;
	case PARENT_MDA_NONE:
		panic("parent_mda_run: delivery without a method");
	}
}

/* parent_mda_deliver - in the child: become the recipient, deliver */
static void
parent_mda_deliver(const struct parent_mda_job *job, struct local_delivery *ld,
    struct local_result *res)
{
	ld->msg_fd = 3;		/* see parent_mda_fd_ok; never reopened */
	(void)lseek(ld->msg_fd, 0, SEEK_SET);
	if (parent_mda_become(ld, job->action->userbase != NULL) == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "cannot become %s",
		    ld->user);
		return;
	}
	umask(077);
	if (ld->home[0] == '\0' || chdir(ld->home) == -1)
		(void)chdir("/");
	parent_mda_run(job, ld, res);
}

/*
 * parent_mda_child - the delivery process: message on fd 3, result pipe
 * on fd 4, nothing else open beyond stdio.  As root it looks the
 * account up, expands the action and creates an mbox (what may block
 * stays out of the parent), then delivers as the recipient; never
 * returns.
 */
static void __attribute__((noreturn))
parent_mda_child(struct parent_mda_job *job, int msg_fd, int pipe_fd)
{
	struct parent_mda_report	 rep;
	struct local_delivery		 ld;
	int				 sig, hi_msg, hi_pipe;

	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	if ((hi_msg = fcntl(msg_fd, F_DUPFD, 64)) == -1 ||
	    (hi_pipe = fcntl(pipe_fd, F_DUPFD, 64)) == -1 ||
	    dup2(hi_msg, 3) == -1 || dup2(hi_pipe, 4) == -1)
		_exit(1);
	closefrom(5);
	memset(&job->res, 0, sizeof(job->res));
	if (parent_mda_prepare(job, &ld) == 0 &&
	    parent_mda_expand(job, &ld) == 0 &&
	    (job->method != PARENT_MDA_MBOX ||
	    parent_mda_mbox_create(&ld, &job->res) == 0))
		parent_mda_deliver(job, &ld, &job->res);
	memset(&rep, 0, sizeof(rep));
	rep.res = job->res;
	rep.refused = job->refused;
	if (local_hdr_writeall(4, &rep, sizeof(rep)) == -1)
		_exit(1);
	_exit(0);
}

/* parent_mda_on_pipe - the child's result arrives, or its end */
static void
parent_mda_on_pipe(evutil_socket_t fd, short what, void *arg)
{
	struct parent_mda_job	*job = arg;
	char			 reason[ERRTEXT_MAX];
	ssize_t			 n;

	(void)what;
	n = read(fd, (char *)&job->report + job->got, sizeof(job->report) -
	    job->got);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		job->got += (size_t)n;
		if (job->got < sizeof(job->report))
			return;
	}
	job->res = job->report.res;
	job->refused = job->got == sizeof(job->report) &&
	    job->report.refused == 1;
	if (job->got != sizeof(job->report) ||
	    (job->res.status != LOCAL_OK && job->res.status != LOCAL_TEMPFAIL &&
	    job->res.status != LOCAL_PERMFAIL))
		local_result_set(&job->res, LOCAL_TEMPFAIL,
		    "delivery process ended without a result");
	else {
		/* it ran as the user: printable, terminated, or nothing */
		job->res.reason[sizeof(job->res.reason) - 1] = '\0';
		(void)strlcpy(reason, job->res.reason, sizeof(reason));
		local_result_set(&job->res, job->res.status, "%s", reason);
	}
	parent_mda_answer(job);
	parent_mda.nrunning--;
	parent_mda_next();
}

/*
 * parent_mda_start - check and fork one delivery; a refusal by the
 * configuration is answered at once, everything that may block (the
 * account, the file system) is the child's
 */
static void
parent_mda_start(struct parent_mda_job *job)
{
	int	p[2];
	pid_t	pid;

	if (parent_mda_check(job) == -1) {
		parent_mda_answer(job);
		return;
	}
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		local_result_set(&job->res, LOCAL_TEMPFAIL, "fork: %s",
		    strerror(errno));
		parent_mda_answer(job);
		return;
	}
	if (pid == 0)
		parent_mda_child(job, job->msg_fd, p[1]);
	close(p[1]);
	close(job->msg_fd);
	job->msg_fd = -1;
	job->pipe_fd = p[0];
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	job->ev = event_new(ev_base(), p[0], EV_READ | EV_PERSIST,
	    parent_mda_on_pipe, job);
	event_add(job->ev, NULL);
	parent_mda.nrunning++;
	log_debug("%016llx mda event=start pid=%d user=%s method=%s",
	    (unsigned long long)job->evp.evpid, (int)pid, job->evp.user,
	    parent_mda_methods[job->method]);
}

/* parent_mda_next - start waiting deliveries while there is room */
static void
parent_mda_next(void)
{
	struct parent_mda_job	*job;

	while (parent_mda.nrunning < PARENT_MDA_MAX &&
	    (job = TAILQ_FIRST(&parent_mda.waiting)) != NULL) {
		TAILQ_REMOVE(&parent_mda.waiting, job, entry);
		parent_mda_start(job);
	}
}

/* parent_on_mda_run - MSG_MDA_RUN from the queue: one local delivery */
void
parent_on_mda_run(struct ipc *c, uint32_t id, int fd, const void *payload,
    void *arg)
{
	const struct msg_mda_run	*m = payload;
	struct parent_mda_job		*job;

	(void)id;
	if (!parent_mda.init) {
		TAILQ_INIT(&parent_mda.waiting);
		parent_mda.init = 1;
	}
	job = xcalloc(1, sizeof(*job));
	job->queue = c;
	job->cfg = parent_mda_env(arg)->cfg;
	job->evp = m->evp;
	job->fresh = m->fresh == 1;
	job->msg_fd = fd;
	job->pipe_fd = -1;
	TAILQ_INSERT_TAIL(&parent_mda.waiting, job, entry);
	parent_mda_next();
}
