/*
 * relay_worker.c - the deliver role: the unprivileged worker that runs relay
 * jobs for the queue (outbound SMTP and LMTP, relay*.c beside it).
 *
 * Everything the relay reads from disk (the resolver's files
 * resolv.conf, hosts and nsswitch.conf, the CA bundle, client
 * certificates, credentials and domain tables) is loaded before
 * proc_child_start() chroots the process to an empty directory; relay
 * hosts named in /etc/hosts are found there as the system resolver
 * would find them.  Client keys stay in the key holder.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cfg.h"
#include "dns.h"
#include "ev.h"
#include "ipc.h"
#include "keyproxy.h"
#include "log.h"
#include "proc.h"
#include "relay.h"
#include "relay_worker.h"
#include "sandbox.h"

struct relay_worker {
	struct proc_env			*env;
	struct ipc			*parent;
	struct ipc			*queue;
	struct relay			*relay;
};

/* relay_worker_on_stats_req - the relay's counters for `show stats` */
static void
relay_worker_on_stats_req(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct relay_worker			*w = arg;
	struct msg_stats_relay	 st;

	(void)fd;
	(void)msg;
	memset(&st, 0, sizeof(st));
	relay_stats(w->relay, &st.jobs_total, &st.jobs_current);
	ipc_send(c, MSG_STATS_RELAY, id, -1, &st, sizeof(st));
}

/* relay_worker_on_relay_run - MSG_RELAY_RUN: a job for the relay */
static void
relay_worker_on_relay_run(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct relay_worker	*w = arg;

	relay_on_run(c, id, fd, msg, w->relay);
}

static const struct ipc_handler relay_worker_queue_handlers[] = {
	{ MSG_STATS_REQ,	relay_worker_on_stats_req },
	{ MSG_RELAY_RUN,	relay_worker_on_relay_run },
	{ MSG_LOG_VERBOSE,	ipc_on_log_verbose },
	{ MSG_LOG_BRIEF,	ipc_on_log_brief },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler relay_worker_parent_handlers[] = {
	{ MSG_NONE,		NULL }
};

/*
 * relay_worker_keys - the channel to the key holder, when a relay action
 * presents a client certificate; NULL otherwise
 */
static struct keyproxy *
relay_worker_keys(const struct cfg *cfg)
{
	const struct cfg_action	*a;

	TAILQ_FOREACH(a, &cfg->actions, entry)
		if (a->type == CFG_ACTION_RELAY && a->pki != NULL)
			return keyproxy_new(proc_child_fd(PROC_RELAY,
			    PROC_KEYS), PROC_RELAY);
	return NULL;
}

/* relay_worker_main - the deliver role */
int
relay_worker_main(struct proc_env *env)
{
	static struct relay_worker	 w;
	char			 err[256];

	w.env = env;
	if (dns_init(NULL, err, sizeof(err)) == -1)
		log_warnx("relay event=dns-init-failed reason=\"%s\" "
		    "effect=\"MX lookups will fail\"", err);
	w.relay = relay_new(env->cfg, NULL, relay_worker_keys(env->cfg));
	proc_child_start(PROC_RELAY, env->spool, NULL, NULL);
	w.parent = proc_channel(PROC_RELAY, PROC_PARENT,
	    relay_worker_parent_handlers, &w);
	w.queue = proc_channel(PROC_RELAY, PROC_QUEUE,
	    relay_worker_queue_handlers, &w);
	relay_set_queue(w.relay, w.queue);
	sandbox_enter(PROC_RELAY);
	ev_dispatch();
	log_debug("relay event=exit");
	return 0;
}
PROC_ENTRY(PROC_RELAY, relay_worker_main);
