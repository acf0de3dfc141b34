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

/* worker_main - the deliver role */
int
worker_main(struct proc_env *env)
{
	static struct worker	 w;

	w.env = env;
	proc_child_start(PROC_DELIVER, env->spool, NULL, NULL);
	w.parent = proc_channel(PROC_DELIVER, PROC_PARENT,
	    worker_parent_handlers, &w);
	w.queue = proc_channel(PROC_DELIVER, PROC_QUEUE, worker_queue_handlers,
	    &w);
	ev_dispatch();
	log_debug("event=exit");
	return 0;
}
