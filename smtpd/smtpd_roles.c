/*
 * smtpd_roles.c - the entry point of each role of smtpd(8).  The daemon
 * is made of the processes below smtpd/, queue/queue/ and deliver/relay/;
 * this table is the one place that names them all, so it includes each
 * process's header.  The parent starts the others by re-executing the
 * program with -X ROLE; each entry returns the process's exit status.
 */
#include <stddef.h>

#include "proc.h"
#include "smtpd_run.h"

#include "keys/keys.h"
#include "listener/srv.h"
#include "lookup/lookup.h"
#include "parent/parent.h"
#include "../deliver/relay/relay_worker.h"
#include "../queue/queue/queue.h"

const struct proc_main smtpd_mains[] = {
	{ PROC_PARENT,	parent_main },
	{ PROC_QUEUE,	queue_main },
	{ PROC_SMTPD,	srv_main },
	{ PROC_DELIVER,	relay_worker_main },
	{ PROC_LOOKUP,	lookup_main },
	{ PROC_KEYS,	keys_main },
	{ PROC_MAX,	NULL }
};
