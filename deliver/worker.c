/*
 * worker.c - the deliver role: the unprivileged worker that runs relay
 * jobs for the queue (outbound SMTP and LMTP).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "roles.h"

struct worker {
	struct proc_env			*env;
	struct ipc			*parent;
	struct ipc			*queue;
	struct msg_stats_deliver	 stats;
};

static void
worker_on_stats_req(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)msg;
	ipc_send(c, MSG_STATS_DELIVER, id, -1, &w->stats, sizeof(w->stats));
}

static const struct ipc_handler worker_queue_handlers[] = {
	{ MSG_STATS_REQ,	worker_on_stats_req },
	{ MSG_LOG_VERBOSE,	ipc_on_log_verbose },
	{ MSG_LOG_BRIEF,	ipc_on_log_brief },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler worker_parent_handlers[] = {
	{ MSG_NONE,		NULL }
};

/* worker_on_signal - SIGTERM: stop */
static void
worker_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	ev_exit();
}

/* worker_main - the deliver role */
int
worker_main(struct proc_env *env)
{
	static struct worker	 w;
	struct event		*sigterm;
	char			 empty[PATH_MAX_CFG + 16];

	w.env = env;
	snprintf(empty, sizeof(empty), "%s/%s", env->spool, SPOOL_EMPTY_DIR);
	proc_priv_drop(PROC_DELIVER, env->spool, empty);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	w.parent = ipc_new(proc_child_fd(PROC_DELIVER, PROC_PARENT),
	    PROC_DELIVER, PROC_PARENT, IPC_TRUST_PEER, worker_parent_handlers,
	    &w);
	w.queue = ipc_new(proc_child_fd(PROC_DELIVER, PROC_QUEUE),
	    PROC_DELIVER, PROC_QUEUE, IPC_TRUST_PEER, worker_queue_handlers, &w);
	ipc_set_close_cb(w.queue, ipc_on_sibling_lost);
	sigterm = evsignal_new(ev_base(), SIGTERM, worker_on_signal, &w);
	evsignal_add(sigterm, NULL);
	ev_dispatch();
	log_debug("event=exit");
	return 0;
}
