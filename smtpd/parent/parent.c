/*
 * parent.c - the small root parent of smtpd(8).
 *
 * It reads the configuration, binds the listeners, starts the roles
 * (queue, smtpd, relay, lookup, keys), the filter processes
 * (parent_fproc.c) and the local delivery agents (parent_agent.c), and
 * reaps them.  It never parses
 * network input.  When a role dies unexpectedly it says which and why
 * and takes the whole daemon down: no half-running state.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "xmalloc.h"

#define PARENT_NCHILD	PROC_NCHILD

struct parent {
	struct proc_env		*env;
	struct proc_child	 child[PARENT_NCHILD];
	struct ipc		*ipc[PARENT_NCHILD];
	int			 alive[PARENT_NCHILD];
	int			 stopping;
	int			 status;
	struct event		*ev_kill;
	struct parent_spool	 spool;
};

static void	parent_on_shutdown(struct ipc *, uint32_t, int, const void *,
		    void *);

static const struct ipc_handler parent_queue_handlers[] = {
	{ MSG_SHUTDOWN,	parent_on_shutdown },
	{ MSG_MDA_RUN,	parent_on_mda_run },
	{ MSG_NONE,	NULL }
};
static const struct ipc_handler parent_no_handlers[] = {
	{ MSG_NONE,	NULL }
};

/* what the parent accepts from each role; a role not named sends nothing */
static const struct parent_peer {
	enum proc_role			 role;
	const struct ipc_handler	*handlers;
} parent_peers[] = {
	{ PROC_QUEUE,	parent_queue_handlers },
	{ PROC_LOOKUP,	parent_lookup_handlers },
};

/* parent_handlers - the handlers of a role's channel */
static const struct ipc_handler *
parent_handlers(enum proc_role role)
{
	size_t	i;

	for (i = 0; i < sizeof(parent_peers) / sizeof(parent_peers[0]); i++)
		if (parent_peers[i].role == role)
			return parent_peers[i].handlers;
	return parent_no_handlers;
}

/* parent_ipc - the channel to a role's process */
static struct ipc *
parent_ipc(struct parent *p, enum proc_role role)
{
	size_t	i;

	for (i = 0; i < PARENT_NCHILD; i++)
		if (p->child[i].role == role)
			return p->ipc[i];
	panic("parent_ipc: no %s process", proc_role_name(role));
}

/* parent_child_index - which role a pid was; -1 if none of ours */
static int
parent_child_index(const struct parent *p, pid_t pid)
{
	size_t	i;

	for (i = 0; i < PARENT_NCHILD; i++)
		if (p->child[i].pid == pid)
			return (int)i;
	return -1;
}

/* parent_finish - every child is gone: clean up and exit */
static void __attribute__((noreturn))
parent_finish(struct parent *p)
{
	parent_spool_cleanup(&p->spool);
	log_info("parent event=stop status=%d", p->status);
	exit(p->status);
}

/* parent_on_kill_timer - children that ignored SIGTERM get SIGKILL */
static void
parent_on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
	struct parent	*p = arg;
	size_t		 i;

	(void)fd;
	(void)what;
	for (i = 0; i < PARENT_NCHILD; i++)
		if (p->alive[i]) {
			log_warnx("parent event=child-kill role=%s pid=%d "
			    "reason=\"did not stop\"",
			    proc_role_name(p->child[i].role),
			    (int)p->child[i].pid);
			kill(p->child[i].pid, SIGKILL);
		}
}

/* parent_shutdown - stop every role, then exit with status */
static void
parent_shutdown(struct parent *p, int status)
{
	struct timeval	tv = { 10, 0 };
	size_t		i;

	if (p->stopping)
		return;
	p->stopping = 1;
	p->status = status;
	parent_agent_shutdown();
	parent_fproc_shutdown();
	for (i = 0; i < PARENT_NCHILD; i++)
		if (p->alive[i])
			kill(p->child[i].pid, SIGTERM);
	p->ev_kill = evtimer_new(ev_base(), parent_on_kill_timer, p);
	evtimer_add(p->ev_kill, &tv);
}

/* parent_reaped - account for one dead child */
static void
parent_reaped(struct parent *p, pid_t pid, int wstatus)
{
	int	i;

	if (parent_fproc_reaped(pid, wstatus))
		return;
	if ((i = parent_child_index(p, pid)) == -1 || !p->alive[i])
		return;
	p->alive[i] = 0;
	if (p->stopping)
		return;
	if (WIFSIGNALED(wstatus))
		log_warnx("parent event=child-exit role=%s pid=%d signal=%d "
		    "action=shutdown", proc_role_name(p->child[i].role),
		    (int)pid, WTERMSIG(wstatus));
	else
		log_warnx("parent event=child-exit role=%s pid=%d status=%d "
		    "action=shutdown", proc_role_name(p->child[i].role),
		    (int)pid, WEXITSTATUS(wstatus));
	parent_shutdown(p, 1);
}

/* parent_on_signal - SIGTERM/SIGINT stop, SIGCHLD reaps */
static void
parent_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct parent	*p = arg;
	pid_t		 pid;
	int		 wstatus;
	size_t		 i;

	(void)what;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("parent event=signal signal=%d", (int)sig);
		parent_shutdown(p, 0);
		break;
	case SIGHUP:
		log_info("parent event=sighup-ignored "
		    "reason=\"restart smtpd to reload\"");
		break;
	case SIGCHLD:
		while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
			parent_reaped(p, pid, wstatus);
		break;
	}
	for (i = 0; i < PARENT_NCHILD; i++)
		if (p->alive[i])
			return;
	if (p->stopping)
		parent_finish(p);
}

/* parent_on_shutdown - `smtpctl stop`, relayed by the queue */
static void
parent_on_shutdown(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c;
	(void)id;
	(void)fd;
	(void)msg;
	log_info("parent event=stop-requested by=control");
	parent_shutdown(arg, 0);
}

/* parent_on_close - a child's channel closed; SIGCHLD tells the rest */
static void
parent_on_close(struct ipc *c, void *arg)
{
	(void)c;
	(void)arg;
}

/* parent_extra_args - the options every re-executed role receives */
static char **
parent_extra_args(const struct proc_env *env)
{
	char	**v;
	size_t	  n = 0, i;

	for (i = 0; env->defines && env->defines[i]; i++)
		;
	v = xcalloc(2 * i + 6, sizeof(char *));
	v[n++] = xstrdup("-f");
	v[n++] = xstrdup(env->conf);
	if (env->debug)
		v[n++] = xstrdup("-d");
	if (env->verbose)
		v[n++] = xstrdup("-v");
	for (i = 0; env->defines && env->defines[i]; i++) {
		v[n++] = xstrdup("-D");
		v[n++] = xstrdup(env->defines[i]);
	}
	return v;
}

/* parent_hand_over - give the listener its sockets, the queue its control */
static void
parent_hand_over(struct parent *p, struct parent_socks *ps, int ctlfd)
{
	struct msg_listener	l;
	struct msg_empty	e;
	struct ipc		*smtpd = parent_ipc(p, PROC_SMTPD);
	struct ipc		*queue = parent_ipc(p, PROC_QUEUE);
	size_t			i;

	for (i = 0; i < ps->n; i++) {
		memset(&l, 0, sizeof(l));
		l.index = (uint32_t)ps->v[i].index;
		l.flags = ps->v[i].flags;
		strlcpy(l.name, ps->v[i].name, sizeof(l.name));
		if (ipc_send(smtpd, MSG_LISTENER, 0, ps->v[i].fd, &l,
		    sizeof(l)) == -1)
			fatal("parent: handing over %s", l.name);
		close(ps->v[i].fd);
	}
	memset(&e, 0, sizeof(e));
	if (ipc_send(queue, MSG_CONTROL_FD, 0, ctlfd, &e, sizeof(e)) == -1)
		fatal("parent: handing over the control socket");
	close(ctlfd);
}

/* parent_bind - prepare the spool, bind listeners and sockets, or die */
static int
parent_bind(struct parent *p, struct parent_socks *ps)
{
	char	err[PATH_MAX_CFG + 1024];
	int	ctlfd;

	if (parent_spool_prepare(&p->spool, p->env->spool, err,
	    sizeof(err)) == -1)
		fatalx("event=spool-refused %s", err);
	if (parent_listen_all(p->env->cfg, ps, err, sizeof(err)) == -1 ||
	    parent_listen_local(ps, &p->spool, err, sizeof(err)) == -1 ||
	    (ctlfd = parent_listen_unix(&p->spool, SPOOL_CONTROL_SOCK,
	    SOCK_SEQPACKET, 0666, err, sizeof(err))) == -1)
		fatalx("%s", err);
	return ctlfd;
}

/*
 * parent_spawn - start the roles; the queue's key from the environment
 * goes to the queue alone and is forgotten here once it is started
 */
static void
parent_spawn(struct parent *p)
{
	struct proc_env		*env = p->env;
	struct proc_secret	 secret = { PROC_QUEUE, env->queue_key };

	proc_spawn(env->exe, parent_extra_args(env), &secret, p->child);
	if (env->queue_key != NULL) {
		freezero(env->queue_key, strlen(env->queue_key));
		env->queue_key = NULL;
	}
}

/* parent_main - bind, start the roles, supervise them */
int
parent_main(struct proc_env *env)
{
	static struct parent	 p;
	struct parent_socks	 ps = { NULL, 0 };
	struct event		*sigev[4];
	const int		 sigs[4] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	char			 err[PATH_MAX_CFG + 256];
	int			 ctlfd;
	size_t			 i;

	p.env = env;
	ctlfd = parent_bind(&p, &ps);
	if (!env->debug && daemon(1, 0) == -1)
		fatal("daemon");
	log_init("parent", env->debug, env->verbose);
	if (proc_devmode())
		log_info("parent event=development-mode uid=%d "
		    "note=\"development mode: no chroot, no privilege drop\"",
		    (int)getuid());
	if (parent_spool_pidfile(&p.spool, err, sizeof(err)) == -1)
		fatalx("event=pidfile-failed %s", err);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(ev_base(), sigs[i], parent_on_signal, &p);
		evsignal_add(sigev[i], NULL);
	}
	parent_spawn(&p);
	for (i = 0; i < PARENT_NCHILD; i++) {
		p.alive[i] = 1;
		p.ipc[i] = ipc_new(p.child[i].fd, PROC_PARENT, p.child[i].role,
		    IPC_TRUST_PEER, parent_handlers(p.child[i].role), &p);
		ipc_set_close_cb(p.ipc[i], parent_on_close);
	}
	parent_hand_over(&p, &ps, ctlfd);
	free(ps.v);
	parent_fproc_init(env->cfg, parent_ipc(&p, PROC_LOOKUP));
	log_info("parent event=start pid=%d spool=%s", (int)getpid(),
	    env->spool);
	ev_dispatch();
	return p.status;
}
PROC_ENTRY(PROC_PARENT, parent_main);
