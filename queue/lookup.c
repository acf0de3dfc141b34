/*
 * lookup.c - the lookup role: the one process that reads tables and the
 * user database on behalf of the others.  It evaluates the match rules
 * for the listener, expands recipients (aliases, virtual, ~/.forward)
 * and checks AUTH credentials.  It runs as _posthorn without chroot, so
 * it can open the tables the configuration names; anything that needs
 * root (system passwords, a user's ~/.forward) it asks of the parent.
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

struct lookup {
	struct proc_env		*env;
	struct ipc		*parent;
	struct ipc		*queue;
	struct ipc		*smtpd;
};

static const struct ipc_handler lookup_parent_handlers[] = {
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler lookup_queue_handlers[] = {
	{ MSG_LOG_VERBOSE,	ipc_on_log_verbose },
	{ MSG_LOG_BRIEF,	ipc_on_log_brief },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler lookup_smtpd_handlers[] = {
	{ MSG_NONE,		NULL }
};

/* lookup_on_signal - SIGTERM: stop */
static void
lookup_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	ev_exit();
}

/* lookup_channel - the channel to one peer, at its fixed descriptor */
static struct ipc *
lookup_channel(struct lookup *l, enum proc_role peer,
    const struct ipc_handler *handlers)
{
	return ipc_new(proc_child_fd(PROC_LOOKUP, peer), PROC_LOOKUP, peer,
	    IPC_TRUST_PEER, handlers, l);
}

/* lookup_main - the lookup role */
int
lookup_main(struct proc_env *env)
{
	static struct lookup	 l;
	struct event		*sigterm;

	l.env = env;
	proc_priv_drop(PROC_LOOKUP, env->spool, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	l.parent = lookup_channel(&l, PROC_PARENT, lookup_parent_handlers);
	l.queue = lookup_channel(&l, PROC_QUEUE, lookup_queue_handlers);
	l.smtpd = lookup_channel(&l, PROC_SMTPD, lookup_smtpd_handlers);
	ipc_set_close_cb(l.queue, ipc_on_sibling_lost);
	ipc_set_close_cb(l.smtpd, ipc_on_sibling_lost);
	sigterm = evsignal_new(ev_base(), SIGTERM, lookup_on_signal, &l);
	evsignal_add(sigterm, NULL);
	ev_dispatch();
	log_debug("event=exit");
	return 0;
}
