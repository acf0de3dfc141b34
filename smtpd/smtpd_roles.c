/*
 * smtpd_roles.c - the entry point of each role of smtpd(8).
 */
#include <stddef.h>

#include "proc.h"
#include "roles.h"
#include "smtpd_run.h"

const struct proc_main smtpd_mains[] = {
	{ PROC_PARENT,	parent_main },
	{ PROC_QUEUE,	queue_main },
	{ PROC_SMTPD,	srv_main },
	{ PROC_DELIVER,	worker_main },
	{ PROC_LOOKUP,	lookup_main },
	{ PROC_KEYS,	keys_main },
	{ PROC_MAX,	NULL }
};
