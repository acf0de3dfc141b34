/*
 * queue.c - the queue process: owns the spool, commits the listener's
 * transactions with the lookup's envelopes (queue_tx.c), schedules and
 * dispatches deliveries
 * (sched.c, qdispatch.c), writes notices (bounce.c) and serves the
 * control socket (control.c).
 */
#include <fcntl.h>
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
#include "qstore.h"
#include "qstore_crypt.h"
#include "queue.h"
#include "sandbox.h"

/* queue_on_control_fd - MSG_CONTROL_FD: serve the control socket */
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

/* queue_on_stats_smtpd - MSG_STATS_SMTPD, for show stats */
static void
queue_on_stats_smtpd(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c;
	(void)fd;
	control_on_stats_smtpd(arg, id, msg);
}

/* queue_on_stats_deliver - MSG_STATS_RELAY, for show stats */
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
	{ MSG_MDA_RESULT,	qdispatch_on_mda_result },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler queue_smtpd_handlers[] = {
	{ MSG_STATS_SMTPD,	queue_on_stats_smtpd },
	{ MSG_TX_OPEN,		queue_tx_on_open },
	{ MSG_TX_COMMIT,	queue_tx_on_commit },
	{ MSG_TX_ABORT,		queue_tx_on_abort },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler queue_lookup_handlers[] = {
	{ MSG_TABLE_UPDATED,	control_on_table_updated },
	{ MSG_LOOKUP_ENVELOPE,	queue_tx_on_envelope },
	{ MSG_LOOKUP_RCPT_RESULT,	queue_tx_on_rcpt_result },
	{ MSG_LOOKUP_TX_EDIT,	queue_tx_edit_on_edit },
	{ MSG_LOOKUP_NOTICE_EXPANDED, qdispatch_on_notice_expanded },
	{ MSG_LOOKUP_NOTICE_RESULT, qdispatch_on_notice_result },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler queue_deliver_handlers[] = {
	{ MSG_STATS_RELAY,	queue_on_stats_deliver },
	{ MSG_RELAY_RESULT,	qdispatch_on_relay_result },
	{ MSG_NONE,		NULL }
};

/* queue_on_smtpd_lost - the listener went away: drop open transactions */
static void
queue_on_smtpd_lost(struct ipc *c, void *arg)
{
	queue_tx_abort_all(arg);
	ipc_on_sibling_lost(c, arg);
}

/* queue_store_open - the spool (our cwd) and its message coding */
static void
queue_store_open(struct queue *q)
{
	const struct cfg	*cfg = q->env->cfg;
	const char		*key = NULL;
	char			 err[256];
	int			 fd;

	if ((fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("queue: opening the spool");
	if ((q->qs = qstore_open(fd, err, sizeof(err))) == NULL)
		fatalx("queue: %s", err);
	if (cfg->queue.encryption &&
	    (key = cfg->queue.encryption_key) == NULL &&
	    (key = getenv(POSTHORN_QUEUE_KEY_ENV)) == NULL)
		fatalx("queue: queue encryption needs a key (or %s)",
		    POSTHORN_QUEUE_KEY_ENV);
	if (cfg->queue.compression || key != NULL) {
		q->crypt = qstore_crypt_new(cfg->queue.compression, key, err,
		    sizeof(err));
		if (q->crypt == NULL)
			fatalx("queue: %s", err);
	}
	if ((key = getenv(POSTHORN_QUEUE_KEY_ENV)) != NULL) {
		explicit_bzero((char *)key, strlen(key));
		(void)unsetenv(POSTHORN_QUEUE_KEY_ENV);
	}
}

/* queue_main - the queue role */
int
queue_main(struct proc_env *env)
{
	static struct queue	 q;

	q.env = env;
	proc_child_start(PROC_QUEUE, env->spool, NULL, NULL);
	queue_store_open(&q);
	q.tx = queue_tx_new(&q);
	q.dsp = qdispatch_new(&q);
	q.parent = proc_channel(PROC_QUEUE, PROC_PARENT, queue_parent_handlers,
	    &q);
	q.smtpd = proc_channel(PROC_QUEUE, PROC_SMTPD, queue_smtpd_handlers, &q);
	ipc_set_close_cb(q.smtpd, queue_on_smtpd_lost);
	q.deliver = proc_channel(PROC_QUEUE, PROC_RELAY,
	    queue_deliver_handlers, &q);
	q.lookup = proc_channel(PROC_QUEUE, PROC_LOOKUP, queue_lookup_handlers,
	    &q);
	(void)qdispatch_load(&q);
	queue_offline_start(&q);
	log_debug("queue event=ready");
	sandbox_enter(PROC_QUEUE);
	ev_dispatch();
	log_debug("queue event=exit");
	return 0;
}
PROC_ENTRY(PROC_QUEUE, queue_main);
