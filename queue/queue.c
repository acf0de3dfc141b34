/*
 * queue.c - the queue process: owns the spool, serves the control
 * socket, and (as the store and scheduler land) commits and schedules.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "queue.h"
#include "roles.h"

static void
queue_on_control_fd(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct queue	*q = arg;

	(void)c;
	(void)id;
	(void)msg;
	if (q->control != NULL)
		fatalx("queue: a second control socket from the parent");
	q->control = control_new(q, fd);
}

static void
queue_on_stats_smtpd(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c;
	(void)fd;
	control_on_stats_smtpd(arg, id, msg);
}

static void
queue_on_stats_deliver(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c;
	(void)fd;
	control_on_stats_deliver(arg, id, msg);
}

static const struct ipc_handler queue_parent_handlers[] = {
	{ MSG_CONTROL_FD,	queue_on_control_fd },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler queue_smtpd_handlers[] = {
	{ MSG_STATS_SMTPD,	queue_on_stats_smtpd },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler queue_lookup_handlers[] = {
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler queue_deliver_handlers[] = {
	{ MSG_STATS_DELIVER,	queue_on_stats_deliver },
	{ MSG_NONE,		NULL }
};

/* queue_on_signal - SIGTERM: stop after the current callbacks */
static void
queue_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	ev_exit();
}

/* queue_channel - the channel to one peer, at its fixed descriptor */
static struct ipc *
queue_channel(struct queue *q, enum proc_role peer,
    const struct ipc_handler *handlers)
{
	return ipc_new(proc_child_fd(PROC_QUEUE, peer), PROC_QUEUE, peer,
	    IPC_TRUST_PEER, handlers, q);
}

/* queue_main - the queue role */
int
queue_main(struct proc_env *env)
{
	static struct queue	 q;
	struct event		*sigterm;

	q.env = env;
	proc_priv_drop(PROC_QUEUE, env->spool, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	q.parent = queue_channel(&q, PROC_PARENT, queue_parent_handlers);
	q.smtpd = queue_channel(&q, PROC_SMTPD, queue_smtpd_handlers);
	q.deliver = queue_channel(&q, PROC_DELIVER, queue_deliver_handlers);
	ipc_set_close_cb(q.smtpd, ipc_on_sibling_lost);
	q.lookup = queue_channel(&q, PROC_LOOKUP, queue_lookup_handlers);
	ipc_set_close_cb(q.deliver, ipc_on_sibling_lost);
	ipc_set_close_cb(q.lookup, ipc_on_sibling_lost);
	sigterm = evsignal_new(ev_base(), SIGTERM, queue_on_signal, &q);
	evsignal_add(sigterm, NULL);
	log_debug("event=ready");
	ev_dispatch();
	log_debug("event=exit");
	return 0;
}
