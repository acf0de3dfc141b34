/*
 * ipc_msgs.h - every message between posthorn's processes.
 *
 * Change a line or a payload => bump IPC_PROTO_VERSION.
 * Columns: name, allowed senders, allowed receivers, payload, fd rule,
 * string fields (an array of IPC_STR entries checked for termination).
 * The enum, names, sizes and routes are generated from this table; a
 * receiver rejects anything that does not match it before any handler
 * runs.  Message bodies travel as file descriptors, never in frames.
 */
#ifndef POSTHORN_IPC_MSGS_H
#define POSTHORN_IPC_MSGS_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "proc_role.h"

#define IPC_PROTO_VERSION	1

#define P_(r)		PROC_BIT(PROC_##r)

/* fd rules */
#define IPC_FD_NONE	0	/* must not carry a descriptor */
#define IPC_FD_MUST	1	/* must carry exactly one */
#define IPC_FD_MAY	2	/* may carry one */

struct msg_hello {
	uint32_t	version;
	uint32_t	role;
	uint32_t	pid;
};

struct msg_empty {
	uint32_t	unused;
};

/* A listening socket handed from the parent to the listener. */
struct msg_listener {
	uint32_t	index;		/* position in the configuration */
	uint32_t	flags;		/* IPC_LSN_* */
	char		name[HOST_MAX];	/* printable address:port or socket */
};
#define IPC_LSN_LOCAL	0x01	/* the local enqueuer socket */

/* A control command with an optional argument (an id, a table name). */
struct msg_ctl_arg {
	char		arg[NAME_MAX_CFG * 4];
};

/* One line of a control command's output. */
struct msg_ctl_line {
	char		line[1024];
};

/* The end of a control command's output. */
struct msg_ctl_end {
	int32_t		status;		/* 0 ok, else an error */
	char		error[ERRTEXT_MAX];
};

/* Counters of the listener, reported to the queue on request. */
struct msg_stats_smtpd {
	uint64_t	sessions_total;
	uint64_t	sessions_current;
	uint64_t	sessions_refused;
	uint64_t	messages_received;
	uint64_t	recipients_received;
	uint64_t	errors;
};

/* Counters of a relay worker. */
struct msg_stats_deliver {
	uint64_t	jobs_total;
	uint64_t	jobs_current;
};

struct ipc_strfield {
	size_t	off;
	size_t	size;
};
#define IPC_STR(type, field)						\
	{ offsetof(struct type, field), sizeof(((struct type *)0)->field) }
#define IPC_STR_END	{ 0, 0 }

extern const struct ipc_strfield ipc_str_none[];
extern const struct ipc_strfield ipc_str_listener[];
extern const struct ipc_strfield ipc_str_ctl_arg[];
extern const struct ipc_strfield ipc_str_ctl_line[];
extern const struct ipc_strfield ipc_str_ctl_end[];

/*   name		from			to			payload			fd	strings */
#define IPC_MESSAGES(X)							\
	X(MSG_HELLO,	PROC_ANY,		PROC_ANY,		msg_hello,		IPC_FD_NONE, ipc_str_none)	\
	X(MSG_LISTENER,	P_(PARENT),		P_(SMTPD),		msg_listener,		IPC_FD_MUST, ipc_str_listener)	\
	X(MSG_CONTROL_FD, P_(PARENT),		P_(QUEUE),		msg_empty,		IPC_FD_MUST, ipc_str_none)	\
	X(MSG_SHUTDOWN,	P_(QUEUE),		P_(PARENT),		msg_empty,		IPC_FD_NONE, ipc_str_none)	\
	X(MSG_STATS_REQ, P_(QUEUE),		P_(SMTPD) | P_(DELIVER), msg_empty,		IPC_FD_NONE, ipc_str_none)	\
	X(MSG_STATS_SMTPD, P_(SMTPD),		P_(QUEUE),		msg_stats_smtpd,	IPC_FD_NONE, ipc_str_none)	\
	X(MSG_STATS_DELIVER, P_(DELIVER),	P_(QUEUE),		msg_stats_deliver,	IPC_FD_NONE, ipc_str_none)	\
	X(MSG_PAUSE_SMTP, P_(QUEUE),		P_(SMTPD),		msg_empty,		IPC_FD_NONE, ipc_str_none)	\
	X(MSG_RESUME_SMTP, P_(QUEUE),		P_(SMTPD),		msg_empty,		IPC_FD_NONE, ipc_str_none)	\
	X(MSG_LOG_VERBOSE, P_(QUEUE),		PROC_ANY,		msg_empty,		IPC_FD_NONE, ipc_str_none)	\
	X(MSG_LOG_BRIEF, P_(QUEUE),		PROC_ANY,		msg_empty,		IPC_FD_NONE, ipc_str_none)	\
	X(MSG_CTL_STOP,	P_(CONTROL),		P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE, ipc_str_ctl_arg)	\
	X(MSG_CTL_SHOW_STATS, P_(CONTROL),	P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE, ipc_str_ctl_arg)	\
	X(MSG_CTL_PAUSE, P_(CONTROL),		P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE, ipc_str_ctl_arg)	\
	X(MSG_CTL_RESUME, P_(CONTROL),		P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE, ipc_str_ctl_arg)	\
	X(MSG_CTL_LOG,	P_(CONTROL),		P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE, ipc_str_ctl_arg)	\
	X(MSG_CTL_LINE,	P_(QUEUE),		P_(CONTROL),		msg_ctl_line,		IPC_FD_NONE, ipc_str_ctl_line)	\
	X(MSG_CTL_END,	P_(QUEUE),		P_(CONTROL),		msg_ctl_end,		IPC_FD_NONE, ipc_str_ctl_end)

enum ipc_type {
	MSG_NONE = 0,
#define IPC_ENUM(name, from, to, payload, fd, strs)	name,
	IPC_MESSAGES(IPC_ENUM)
#undef IPC_ENUM
	MSG_MAX
};

#endif
