/*
 * ipc_msgs.h - every message between posthorn's processes.
 *
 * Change a line or a payload => bump IPC_PROTO_VERSION.
 * Columns: name, allowed senders, allowed receivers, payload, fd rule.
 * The enum, names, sizes, routes and string checks are generated from
 * this table; a receiver rejects anything that does not match it before
 * any handler runs.  Message bodies travel as file descriptors, never
 * in frames.
 *
 * Each payload struct is followed by IPC_STRS_<struct>(S, t): its
 * string fields, S(t, field) each, that must hold a NUL (a field that
 * is not a char array does not compile).  A new message is its struct,
 * that line and its row; a payload without strings has an empty list.
 */
#ifndef POSTHORN_IPC_MSGS_H
#define POSTHORN_IPC_MSGS_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "envelope.h"
#include "proc_role.h"

#define IPC_PROTO_VERSION	13

#define P_(r)		PROC_BIT(PROC_##r)

/* the strings of a struct envelope (envelope.h) embedded as member m */
#define IPC_STRS_ENVELOPE(S, t, m)					\
	S(t, m.sender) S(t, m.rcpt) S(t, m.orig_rcpt) S(t, m.dest)	\
	S(t, m.dispatcher) S(t, m.user) S(t, m.auth_user) S(t, m.tag)	\
	S(t, m.helo) S(t, m.client) S(t, m.hostname) S(t, m.envid)	\
	S(t, m.errmsg)

/* fd rules */
#define IPC_FD_NONE	0	/* must not carry a descriptor */
#define IPC_FD_MUST	1	/* must carry exactly one */
#define IPC_FD_MAY	2	/* may carry one */

struct msg_hello {
	uint32_t	version;
	uint32_t	role;
	uint32_t	pid;
};
#define IPC_STRS_msg_hello(S, t)

struct msg_empty {
	uint32_t	unused;
};
#define IPC_STRS_msg_empty(S, t)

/* A listening socket handed from the parent to the listener. */
struct msg_listener {
	uint32_t	index;		/* position in the configuration */
	uint32_t	flags;		/* IPC_LSN_* */
	char		name[HOST_MAX];	/* printable address:port or socket */
};
#define IPC_STRS_msg_listener(S, t)	S(t, name)
#define IPC_LSN_LOCAL	0x01	/* the local enqueuer socket */

/* A control command with an optional argument (an id, a table name). */
struct msg_ctl_arg {
	char		arg[NAME_MAX_CFG * 4];
};
#define IPC_STRS_msg_ctl_arg(S, t)	S(t, arg)

/* One line of a control command's output. */
struct msg_ctl_line {
	char		line[1024];
};
#define IPC_STRS_msg_ctl_line(S, t)	S(t, line)

/* The end of a control command's output. */
struct msg_ctl_end {
	int32_t		status;		/* 0 ok, else an error */
	char		error[ERRTEXT_MAX];
};
#define IPC_STRS_msg_ctl_end(S, t)	S(t, error)

/* Counters of the listener, reported to the queue on request. */
struct msg_stats_smtpd {
	uint64_t	sessions_total;
	uint64_t	sessions_current;
	uint64_t	sessions_refused;
	uint64_t	messages_received;
	uint64_t	recipients_received;
	uint64_t	errors;
};
#define IPC_STRS_msg_stats_smtpd(S, t)

/* Counters of a relay worker. */
struct msg_stats_relay {
	uint64_t	jobs_total;
	uint64_t	jobs_current;
};
#define IPC_STRS_msg_stats_relay(S, t)

/*
 * Policy: what the lookup process needs to know about a session to
 * evaluate the match rules (smtpd.conf "match") and to make its
 * envelopes: the listener's claims about the client.  What the
 * configuration says about the listener (tag, hostname) the lookup
 * takes from its own copy.
 */
#define IPC_SESS_LOCAL		0x01	/* arrived on the enqueuer's socket */
#define IPC_SESS_TLS		0x02	/* the session is in TLS */
#define IPC_SESS_AUTH		0x04	/* the client authenticated */
struct ipc_sess {
	uint64_t	id;			/* session id, for logs */
	uint32_t	flags;			/* IPC_SESS_* */
	uint32_t	listener;		/* index in cfg->listeners */
	char		src[HOST_MAX];		/* numeric client address */
	char		rdns[HOST_MAX];		/* "" if unknown */
	char		helo[HOST_MAX];
	char		auth_user[ADDR_MAX];	/* "" unless IPC_SESS_AUTH */
};
/* the strings of a struct ipc_sess embedded as member m */
#define IPC_STRS_SESS(S, t, m)						\
	S(t, m.src) S(t, m.rdns) S(t, m.helo) S(t, m.auth_user)

/* smtpd -> lookup: may this sender be used (senders <table>, rules)? */
struct msg_lka_mail {
	struct ipc_sess	sess;
	char		sender[ADDR_MAX];	/* "" is <> */
};
#define IPC_STRS_msg_lka_mail(S, t)	IPC_STRS_SESS(S, t, sess) S(t, sender)

/*
 * smtpd -> lookup: match and expand one recipient of the transaction
 * msgid (opened by MSG_TX_OPEN), with the client's claims of MAIL and
 * RCPT.  The lookup hands the envelopes and then the verdict to the
 * queue itself (MSG_LOOKUP_ENVELOPE, MSG_LOOKUP_RCPT_RESULT); the listener
 * hears the verdict from the queue (MSG_TX_RCPT_RESULT).
 */
struct msg_lka_rcpt {
	struct ipc_sess	sess;
	uint32_t	msgid;
	uint32_t	flags;			/* 8BITMIME, SMTPUTF8 claimed */
	uint32_t	notify;			/* ENVELOPE_DSN_* */
	uint32_t	ret;			/* enum envelope_ret */
	char		sender[ADDR_MAX];	/* "" is <> */
	char		rcpt[ADDR_MAX];
	char		orcpt[ORCPT_MAX];	/* DSN ORCPT, "" if none */
	char		envid[ENVID_MAX];	/* DSN ENVID, "" if none */
};
#define IPC_STRS_msg_lka_rcpt(S, t)					\
	IPC_STRS_SESS(S, t, sess) S(t, sender) S(t, rcpt) S(t, orcpt)	\
	S(t, envid)

/*
 * lookup -> queue: one envelope of the RCPT in flight in transaction
 * msgid of session sessid (zero or more, then MSG_LOOKUP_RCPT_RESULT).
 * Everything but the queue's own fields (evpid, times, state) is set.
 */
struct msg_lka_envelope {
	uint64_t	sessid;
	uint32_t	msgid;
	uint32_t	unused;
	struct envelope	evp;
};
#define IPC_STRS_msg_lka_envelope(S, t)	IPC_STRS_ENVELOPE(S, t, evp)

/*
 * lookup -> queue: a milter's change of the envelopes of transaction
 * msgid of session sessid, at the end of its message, applied in the
 * order sent:
 *   IPC_TXEDIT_ADDRCPT  the envelopes of addr's expansion, sent just
 *                       before (MSG_LOOKUP_ENVELOPE), join the
 *                       transaction (none: addr matched no rule)
 *   IPC_TXEDIT_DELRCPT  the envelopes of the RCPT addr (evp.rcpt,
 *                       compared as the listener's RCPT) leave it
 *   IPC_TXEDIT_CHGFROM  every envelope's sender becomes addr ("" <>)
 *   IPC_TXEDIT_HOLD     the message is held (ENVELOPE_F_HOLD): queued
 *                       but not delivered until released; addr is the
 *                       reason, for the log
 *   IPC_TXEDIT_END      the last: the queue answers MSG_LOOKUP_TX_EDITED
 * The lookup returns the message's text to the listener, which commits
 * it, only once the queue answered, so every change is in before the
 * commit.
 */
#define IPC_TXEDIT_ADDRCPT	1
#define IPC_TXEDIT_DELRCPT	2
#define IPC_TXEDIT_CHGFROM	3
#define IPC_TXEDIT_HOLD		4
#define IPC_TXEDIT_END		5
struct msg_lka_txedit {
	uint64_t	sessid;
	uint32_t	msgid;
	uint32_t	op;			/* IPC_TXEDIT_* */
	char		addr[ADDR_MAX];
};
#define IPC_STRS_msg_lka_txedit(S, t)	S(t, addr)

/*
 * queue -> lookup: the changes of MSG_LOOKUP_TX_EDIT are made (result
 * 0), the transaction is gone (-1: the message cannot be accepted), or
 * no envelope is left (1: the message has no recipient any more).
 */
struct msg_lka_txedited {
	uint64_t	sessid;
	uint32_t	msgid;
	int32_t		result;
};
#define IPC_STRS_msg_lka_txedited(S, t)

/*
 * lookup -> queue (MSG_LOOKUP_RCPT_RESULT), then queue -> smtpd
 * (MSG_TX_RCPT_RESULT): the verdict on one RCPT.  The queue forwards
 * it once it holds the envelopes, so the listener cannot commit before.
 */
struct msg_rcpt_result {
	uint64_t	sessid;
	uint32_t	msgid;
	int32_t		code;			/* 250 ok, else the reply */
	char		enhanced[16];		/* "5.1.1" */
	char		text[ERRTEXT_MAX];
};
#define IPC_STRS_msg_rcpt_result(S, t)	S(t, enhanced) S(t, text)

/* lookup -> smtpd: the verdict on a MAIL or AUTH request. */
struct msg_lka_result {
	uint64_t	sessid;
	int32_t		code;			/* 250/235 ok, else the reply code */
	char		enhanced[16];		/* "5.7.1" */
	char		text[ERRTEXT_MAX];
};
#define IPC_STRS_msg_lka_result(S, t)	S(t, enhanced) S(t, text)

/*
 * smtpd -> lookup: run the filter (smtpd.conf "filter") of the
 * session's listener at one phase.  At helo and ehlo, sess.helo is the
 * name the command gives.  Answered by MSG_LOOKUP_FILTER_RESULT.  A
 * listener whose filter runs filter processes asks at every phase (rset,
 * quit, noop and help included), tells of its sessions' events
 * (MSG_LOOKUP_FILTER_EVENT) and says when a session ends
 * (MSG_LOOKUP_FILTER_END).
 */
struct msg_lka_filter {
	struct ipc_sess	sess;
	uint32_t	phase;			/* enum cfg_sfilter_phase */
	char		sender[ADDR_MAX];	/* MAIL FROM; "" <> or none */
	char		rcpt[ADDR_MAX];		/* at rcpt-to, else "" */
	char		link_src[HOST_MAX];	/* at connect: "addr:port" */
	char		link_dest[HOST_MAX];	/* at connect: "addr:port" */
	char		arg[64];		/* at auth: the mechanism */
};
#define IPC_STRS_msg_lka_filter(S, t)					\
	IPC_STRS_SESS(S, t, sess) S(t, sender) S(t, rcpt) S(t, link_src) \
	S(t, link_dest) S(t, arg)

/*
 * smtpd -> lookup: the text of a session's message begins; the
 * descriptor is a socket on which the listener writes it and reads it
 * back through the filter processes' data-line phase (dot-stuffed lines
 * ended by ".", both ways).
 */
struct msg_lka_filter_data {
	uint64_t	sessid;
	uint32_t	listener;
	uint32_t	msgid;			/* the transaction's */
};
#define IPC_STRS_msg_lka_filter_data(S, t)

/* smtpd -> lookup: a session of a listener with filter processes ended */
struct msg_lka_filter_end {
	uint64_t	sessid;
	uint32_t	listener;
};
#define IPC_STRS_msg_lka_filter_end(S, t)

/*
 * smtpd -> lookup: something happened in a session of a listener with
 * filter processes; the lookup formats the report event (smtpd-filters(7))
 * for the processes that registered it.  Which fields count depends on
 * the event; the others are zero or "".
 */
#define IPC_FEV_LINK_GREETING	0	/* text: the name of the 220 */
#define IPC_FEV_LINK_IDENTIFY	1	/* result: 1 EHLO, 0 HELO; text */
#define IPC_FEV_LINK_TLS	2	/* text: version, cipher, bits */
#define IPC_FEV_LINK_AUTH	3	/* result; text: the user name */
#define IPC_FEV_TX_RESET	4	/* msgid, 0 if none */
#define IPC_FEV_TX_BEGIN	5	/* msgid */
#define IPC_FEV_TX_MAIL		6	/* msgid (0: none), result, text */
#define IPC_FEV_TX_RCPT		7	/* msgid, result, text: the address */
#define IPC_FEV_TX_DATA		8	/* msgid, result */
#define IPC_FEV_TX_COMMIT	9	/* msgid, size: octets spooled */
#define IPC_FEV_TX_ROLLBACK	10	/* msgid */
#define IPC_FEV_PROTOCOL_CLIENT	11	/* text: a command line, AUTH masked */
#define IPC_FEV_PROTOCOL_SERVER	12	/* text: one reply line */
#define IPC_FEV_TIMEOUT		13
#define IPC_FEV_MAX		14
#define IPC_FEV_OK		0	/* result: ok, pass */
#define IPC_FEV_PERMFAIL	1	/* permfail, fail */
#define IPC_FEV_TEMPFAIL	2	/* tempfail, error */
#define IPC_FEV_TEXT_MAX	1024	/* > SMTP_CMD_LINE_MAX, a reply line */
struct msg_lka_filter_event {
	uint64_t	sessid;
	uint64_t	size;
	uint32_t	listener;
	uint32_t	event;			/* IPC_FEV_* */
	uint32_t	msgid;
	uint32_t	result;			/* IPC_FEV_OK ... */
	char		text[IPC_FEV_TEXT_MAX];
};
#define IPC_STRS_msg_lka_filter_event(S, t)	S(t, text)

/*
 * lookup -> smtpd: the filter's verdict at that phase: the filter that
 * decided (its index in the configuration) or none.  The listener takes
 * a builtin filter's message from its own configuration, a filter
 * process's from message, which it checks as it would its own.
 */
#define IPC_FILTER_NONE		0	/* no rule decided: go on */
#define IPC_FILTER_DECIDED	1	/* rule decided */
#define IPC_FILTER_TEMPFAIL	2	/* a table could not be read */
#define IPC_FILTER_FAILED	3	/* a filter process failed: 421 */
#define IPC_FILTER_MSG_MAX	512	/* > CFG_SFILTER_MSG_MAX */
struct msg_lka_filter_result {
	uint64_t	sessid;
	uint32_t	phase;
	uint32_t	status;			/* IPC_FILTER_* */
	uint32_t	rule;			/* when IPC_FILTER_DECIDED */
	uint32_t	decision;		/* that rule's decision */
	char		message[IPC_FILTER_MSG_MAX];	/* a process's */
};
#define IPC_STRS_msg_lka_filter_result(S, t)	S(t, message)

/*
 * parent -> lookup: a filter process (smtpd.conf "proc", "filter NAME
 * proc-exec") was started; the descriptor is the lookup's end of the
 * socket that is the process's standard input and output.  index and
 * name are the process's in the configuration, generation counts its
 * starts (1 the first); the lookup takes only the processes it knows.
 */
struct msg_filter_proc {
	uint32_t	index;
	uint32_t	generation;
	uint32_t	pid;
	char		name[NAME_MAX_CFG];
};
#define IPC_STRS_msg_filter_proc(S, t)	S(t, name)

/*
 * smtpd -> lookup: check AUTH credentials of a listener.  src is the
 * client's address as the listener's socket knows it, never what the
 * client says: failures are counted per address (lookup_authlimit.c).
 */
struct msg_lka_auth {
	uint64_t	sessid;
	uint32_t	listener;
	char		src[HOST_MAX];
	char		user[ADDR_MAX];
	char		pass[512];
};
#define IPC_STRS_msg_lka_auth(S, t)	S(t, src) S(t, user) S(t, pass)

/* lookup -> parent and back: a system account's password. */
struct msg_auth_system {
	uint64_t	reqid;
	char		user[ADDR_MAX];
	char		pass[512];
};
#define IPC_STRS_msg_auth_system(S, t)	S(t, user) S(t, pass)
struct msg_auth_system_result {
	uint64_t	reqid;
	int32_t		result;			/* 1 ok, 0 refused, -1 error */
};
#define IPC_STRS_msg_auth_system_result(S, t)

/*
 * lookup -> parent: a user's ~/.forward, opened as that user; the reply
 * carries a copy of its text (less than IPC_FORWARD_MAX bytes)
 * when the status is IPC_FORWARD_OK.
 */
#define IPC_FORWARD_MAX		(1024 * 1024)
#define IPC_FORWARD_OK		0	/* fd attached */
#define IPC_FORWARD_NONE	1	/* no ~/.forward */
#define IPC_FORWARD_REFUSED	(-1)	/* unsafe or unreadable: ignored */
#define IPC_FORWARD_TEMPFAIL	2	/* time limit or no answer: retry */
struct msg_forward_open {
	uint64_t	reqid;
	char		user[NAME_MAX_CFG];
};
#define IPC_STRS_msg_forward_open(S, t)	S(t, user)
struct msg_forward_fd {
	uint64_t	reqid;
	int32_t		status;			/* IPC_FORWARD_* */
};
#define IPC_STRS_msg_forward_fd(S, t)

/* queue -> lookup and back: `smtpctl update table [NAME]`; an empty name
 * reloads every named table. */
struct msg_table_update {
	uint64_t	reqid;
	char		name[NAME_MAX_CFG];
};
#define IPC_STRS_msg_table_update(S, t)	S(t, name)
struct msg_table_updated {
	uint64_t	reqid;
	int32_t		status;			/* 0 ok */
	char		error[ERRTEXT_MAX];
};
#define IPC_STRS_msg_table_updated(S, t)	S(t, error)

/*
 * A transaction between the listener and the queue, opened when MAIL
 * is accepted; MSG_TX_COMMIT commits the envelopes the queue holds.
 */
struct msg_tx {
	uint64_t	sessid;
	uint32_t	msgid;			/* 0 in MSG_TX_OPEN */
	uint32_t	unused;
	uint64_t	size;			/* MSG_TX_COMMIT: message octets */
};
#define IPC_STRS_msg_tx(S, t)
struct msg_tx_result {
	uint64_t	sessid;
	uint32_t	msgid;
	int32_t		code;			/* 0 ok; else 421/451/452/554 */
	char		enhanced[16];
	char		text[ERRTEXT_MAX];
};
#define IPC_STRS_msg_tx_result(S, t)	S(t, enhanced) S(t, text)

/* queue -> parent: deliver one envelope locally (message fd attached). */
struct msg_mda_run {
	struct envelope	evp;
	int32_t		fresh;	/* first attempt in this queue's life */
};
#define IPC_STRS_msg_mda_run(S, t)	IPC_STRS_ENVELOPE(S, t, evp)

/* parent -> queue: the outcome of a local delivery. */
#define IPC_DLV_OK		0
#define IPC_DLV_TEMPFAIL	1
#define IPC_DLV_PERMFAIL	2
#define IPC_DLV_TEMPFAIL_RCPT	3	/* the recipient's own 4xx: only it waits */
struct msg_dlv_result {
	uint64_t	evpid;
	int32_t		status;			/* IPC_DLV_* */
	char		text[ERRTEXT_MAX];
};
#define IPC_STRS_msg_dlv_result(S, t)	S(t, text)

/*
 * parent -> local: one delivery for the local delivery agent, which runs
 * as the one account named here (message fd attached, read-only, at
 * offset 0).  The parent has checked the envelope against its own
 * configuration and expanded the action; the agent checks uid and gid
 * against its own and answers MSG_LOCAL_RESULT with the same seq.
 */
#define IPC_LOCAL_MAILDIR	1	/* target: "" = HOME/Maildir */
#define IPC_LOCAL_MBOX		2	/* IPC_LOCAL_MBOX_DIR/user */
#define IPC_LOCAL_MDA		3	/* target: the expanded command */
#define IPC_LOCAL_LMTP		4	/* target: the expanded destination */
#define IPC_LOCAL_FILE		5	/* target: "/path" of an alias */
#define IPC_LOCAL_COMMAND	6	/* target: "command" of an alias */
#define IPC_LOCAL_TARGET_MAX	4096
#define IPC_LOCAL_MBOX_DIR	"/var/mail"
struct msg_local_run {
	uint64_t	evpid;
	uint32_t	seq;			/* the agent's n-th delivery */
	uint32_t	method;			/* IPC_LOCAL_* */
	uint32_t	uid;			/* the agent's account */
	uint32_t	gid;
	int32_t		fresh;			/* no earlier attempt */
	int32_t		junk;			/* maildir junk: spam to .Junk */
	int32_t		forward;		/* a ~/.forward entry: recheck */
	int32_t		rcpt_to;		/* lmtp: RCPT TO the address */
	int32_t		subaddr_delim;		/* smtp sub-addr-delim */
	uint32_t	unused;
	char		user[NAME_MAX_CFG];
	char		home[PATH_MAX_CFG];
	char		shell[PATH_MAX_CFG];
	char		sender[ADDR_MAX];	/* "" = null sender */
	char		rcpt[ADDR_MAX];		/* final recipient */
	char		orig_rcpt[ADDR_MAX];	/* as given at RCPT TO */
	char		target[IPC_LOCAL_TARGET_MAX];
};
#define IPC_STRS_msg_local_run(S, t)					\
	S(t, user) S(t, home) S(t, shell) S(t, sender) S(t, rcpt)	\
	S(t, orig_rcpt) S(t, target)

/* local -> parent: the outcome of the delivery seq (IPC_DLV_OK,
 * IPC_DLV_TEMPFAIL or IPC_DLV_PERMFAIL). */
struct msg_local_result {
	uint64_t	evpid;
	uint32_t	seq;
	int32_t		status;			/* IPC_DLV_* */
	char		text[ERRTEXT_MAX];	/* one line */
};
#define IPC_STRS_msg_local_result(S, t)	S(t, text)

/* queue -> relay: relay one envelope (message fd attached). */
struct msg_relay_run {
	struct envelope	evp;
};
#define IPC_STRS_msg_relay_run(S, t)	IPC_STRS_ENVELOPE(S, t, evp)

/*
 * queue -> lookup: expand the recipient of a notice to a local sender
 * exactly as a RCPT to it would be expanded under the action named
 * dispatcher (the notice's).  Answered by zero or more
 * MSG_LOOKUP_NOTICE_EXPANDED, then one MSG_LOOKUP_NOTICE_RESULT, same reqid.
 */
struct msg_lka_notice {
	uint64_t	reqid;
	uint64_t	evpid;			/* the notice's, for logs */
	char		rcpt[ADDR_MAX];
	char		dispatcher[NAME_MAX_CFG];
};
#define IPC_STRS_msg_lka_notice(S, t)	S(t, rcpt) S(t, dispatcher)

/* lookup -> queue: one final recipient (dispatcher, dest, type, user). */
struct msg_lka_notice_expanded {
	uint64_t	reqid;
	struct envelope	evp;
};
#define IPC_STRS_msg_lka_notice_expanded(S, t)	IPC_STRS_ENVELOPE(S, t, evp)

/* lookup -> queue: 250 (one or more expanded), 4xx again later, 5xx no. */
struct msg_lka_notice_result {
	uint64_t	reqid;
	int32_t		code;
	char		enhanced[16];
	char		text[ERRTEXT_MAX];
};
#define IPC_STRS_msg_lka_notice_result(S, t)	S(t, enhanced) S(t, text)

/*
 * smtpd, relay -> keys: one operation with the private key of a pki
 * (OpenSSL's RSA private encryption with its padding, RSA decryption,
 * ECDSA signature of a digest), answered by MSG_KEY_RESULT with the
 * same id.  The key holder checks the pki, the operation, the padding
 * and the length against the key it holds and refuses anything else.
 */
#define IPC_KEY_DATA_MAX	2048	/* RSA up to 16384 bits */
struct msg_key_op {
	char		pki[NAME_MAX_CFG];
	uint32_t	padding;		/* RSA_*_PADDING; 0 for ECDSA */
	uint32_t	len;			/* octets of data in use */
	uint8_t		data[IPC_KEY_DATA_MAX];
};
#define IPC_STRS_msg_key_op(S, t)	S(t, pki)

/* keys -> smtpd, relay: the result (a signature or a plaintext). */
#define IPC_KEY_OK		0
#define IPC_KEY_REFUSED		(-1)
struct msg_key_result {
	int32_t		status;			/* IPC_KEY_* */
	uint32_t	len;
	uint8_t		data[IPC_KEY_DATA_MAX];
};
#define IPC_STRS_msg_key_result(S, t)

/*   name		from			to			payload			fd */
#define IPC_MESSAGES(X)							\
	X(MSG_HELLO,	PROC_ANY,		PROC_ANY,		msg_hello,		IPC_FD_NONE)	\
	X(MSG_LISTENER,	P_(PARENT),		P_(SMTPD),		msg_listener,		IPC_FD_MUST)	\
	X(MSG_CONTROL_FD, P_(PARENT),		P_(QUEUE),		msg_empty,		IPC_FD_MUST)	\
	X(MSG_SHUTDOWN,	P_(QUEUE),		P_(PARENT),		msg_empty,		IPC_FD_NONE)	\
	X(MSG_STATS_REQ, P_(QUEUE),		P_(SMTPD) | P_(RELAY), msg_empty,		IPC_FD_NONE)	\
	X(MSG_STATS_SMTPD, P_(SMTPD),		P_(QUEUE),		msg_stats_smtpd,	IPC_FD_NONE)	\
	X(MSG_STATS_RELAY, P_(RELAY),	P_(QUEUE),		msg_stats_relay,	IPC_FD_NONE)	\
	X(MSG_PAUSE_SMTP, P_(QUEUE),		P_(SMTPD),		msg_empty,		IPC_FD_NONE)	\
	X(MSG_RESUME_SMTP, P_(QUEUE),		P_(SMTPD),		msg_empty,		IPC_FD_NONE)	\
	X(MSG_LOG_VERBOSE, P_(QUEUE),		PROC_ANY,		msg_empty,		IPC_FD_NONE)	\
	X(MSG_LOG_BRIEF, P_(QUEUE),		PROC_ANY,		msg_empty,		IPC_FD_NONE)	\
	X(MSG_CTL_STOP,	P_(CONTROL),		P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_SHOW_STATS, P_(CONTROL),	P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_PAUSE, P_(CONTROL),		P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_RESUME, P_(CONTROL),		P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_LOG,	P_(CONTROL),		P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_LINE,	P_(QUEUE),		P_(CONTROL),		msg_ctl_line,		IPC_FD_NONE)	\
	X(MSG_CTL_END,	P_(QUEUE),		P_(CONTROL),		msg_ctl_end,		IPC_FD_NONE)	\
	X(MSG_CTL_SHOW_QUEUE, P_(CONTROL),	P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_SHOW_ENVELOPE, P_(CONTROL),	P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_SHOW_MESSAGE, P_(CONTROL),	P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_MESSAGE_FD, P_(QUEUE),	P_(CONTROL),		msg_empty,		IPC_FD_MUST)	\
	X(MSG_CTL_SCHEDULE, P_(CONTROL),	P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_REMOVE, P_(CONTROL),		P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_CTL_UPDATE_TABLE, P_(CONTROL),	P_(QUEUE),		msg_ctl_arg,		IPC_FD_NONE)	\
	X(MSG_LOOKUP_MAIL,	P_(SMTPD),		P_(LOOKUP),		msg_lka_mail,		IPC_FD_NONE)	\
	X(MSG_LOOKUP_RCPT,	P_(SMTPD),		P_(LOOKUP),		msg_lka_rcpt,		IPC_FD_NONE)	\
	X(MSG_LOOKUP_RESULT, P_(LOOKUP),		P_(SMTPD),		msg_lka_result,		IPC_FD_NONE)	\
	X(MSG_LOOKUP_AUTH,	P_(SMTPD),		P_(LOOKUP),		msg_lka_auth,		IPC_FD_NONE)	\
	X(MSG_LOOKUP_FILTER, P_(SMTPD),		P_(LOOKUP),		msg_lka_filter,		IPC_FD_NONE)	\
	X(MSG_LOOKUP_FILTER_DATA, P_(SMTPD),	P_(LOOKUP),		msg_lka_filter_data,	IPC_FD_MUST)	\
	X(MSG_LOOKUP_FILTER_END, P_(SMTPD),	P_(LOOKUP),		msg_lka_filter_end,	IPC_FD_NONE)	\
	X(MSG_LOOKUP_FILTER_EVENT, P_(SMTPD),	P_(LOOKUP),		msg_lka_filter_event,	IPC_FD_NONE)	\
	X(MSG_LOOKUP_FILTER_RESULT, P_(LOOKUP),	P_(SMTPD),		msg_lka_filter_result,	IPC_FD_NONE)	\
	X(MSG_FILTER_PROC, P_(PARENT),		P_(LOOKUP),		msg_filter_proc,	IPC_FD_MUST)	\
	X(MSG_AUTH_SYSTEM, P_(LOOKUP),		P_(PARENT),		msg_auth_system,	IPC_FD_NONE)	\
	X(MSG_AUTH_SYSTEM_RESULT, P_(PARENT),	P_(LOOKUP),		msg_auth_system_result,	IPC_FD_NONE)	\
	X(MSG_FORWARD_OPEN, P_(LOOKUP),		P_(PARENT),		msg_forward_open,	IPC_FD_NONE)	\
	X(MSG_FORWARD_FD, P_(PARENT),		P_(LOOKUP),		msg_forward_fd,		IPC_FD_MAY)	\
	X(MSG_TABLE_UPDATE, P_(QUEUE),		P_(LOOKUP),		msg_table_update,	IPC_FD_NONE)	\
	X(MSG_TABLE_UPDATED, P_(LOOKUP),	P_(QUEUE),		msg_table_updated,	IPC_FD_NONE)	\
	X(MSG_TX_OPEN,	P_(SMTPD),		P_(QUEUE),		msg_tx,			IPC_FD_NONE)	\
	X(MSG_TX_OPENED, P_(QUEUE),		P_(SMTPD),		msg_tx_result,		IPC_FD_MAY)	\
	X(MSG_LOOKUP_ENVELOPE, P_(LOOKUP),		P_(QUEUE),		msg_lka_envelope,	IPC_FD_NONE)	\
	X(MSG_LOOKUP_RCPT_RESULT, P_(LOOKUP),	P_(QUEUE),		msg_rcpt_result,	IPC_FD_NONE)	\
	X(MSG_LOOKUP_TX_EDIT, P_(LOOKUP),	P_(QUEUE),		msg_lka_txedit,		IPC_FD_NONE)	\
	X(MSG_LOOKUP_TX_EDITED, P_(QUEUE),	P_(LOOKUP),		msg_lka_txedited,	IPC_FD_NONE)	\
	X(MSG_TX_RCPT_RESULT, P_(QUEUE),	P_(SMTPD),		msg_rcpt_result,	IPC_FD_NONE)	\
	X(MSG_TX_COMMIT, P_(SMTPD),		P_(QUEUE),		msg_tx,			IPC_FD_NONE)	\
	X(MSG_TX_COMMITTED, P_(QUEUE),		P_(SMTPD),		msg_tx_result,		IPC_FD_NONE)	\
	X(MSG_TX_ABORT,	P_(SMTPD),		P_(QUEUE),		msg_tx,			IPC_FD_NONE)	\
	X(MSG_MDA_RUN,	P_(QUEUE),		P_(PARENT),		msg_mda_run,		IPC_FD_MUST)	\
	X(MSG_MDA_RESULT, P_(PARENT),		P_(QUEUE),		msg_dlv_result,		IPC_FD_NONE)	\
	X(MSG_LOCAL_RUN, P_(PARENT),		P_(LOCAL),		msg_local_run,		IPC_FD_MUST)	\
	X(MSG_LOCAL_RESULT, P_(LOCAL),		P_(PARENT),		msg_local_result,	IPC_FD_NONE)	\
	X(MSG_RELAY_RUN, P_(QUEUE),		P_(RELAY),		msg_relay_run,		IPC_FD_MUST)	\
	X(MSG_RELAY_RESULT, P_(RELAY),	P_(QUEUE),		msg_dlv_result,		IPC_FD_NONE)	\
	X(MSG_LOOKUP_NOTICE, P_(QUEUE),		P_(LOOKUP),		msg_lka_notice,		IPC_FD_NONE)	\
	X(MSG_LOOKUP_NOTICE_EXPANDED, P_(LOOKUP),	P_(QUEUE),		msg_lka_notice_expanded, IPC_FD_NONE)	\
	X(MSG_LOOKUP_NOTICE_RESULT, P_(LOOKUP),	P_(QUEUE),		msg_lka_notice_result,	IPC_FD_NONE)	\
	X(MSG_KEY_RSA_SIGN, P_(SMTPD) | P_(RELAY), P_(KEYS),		msg_key_op,		IPC_FD_NONE)	\
	X(MSG_KEY_ECDSA_SIGN, P_(SMTPD) | P_(RELAY), P_(KEYS),	msg_key_op,		IPC_FD_NONE)	\
	X(MSG_KEY_RESULT, P_(KEYS),		P_(SMTPD) | P_(RELAY), msg_key_result,	IPC_FD_NONE)

enum ipc_type {
	MSG_NONE = 0,
#define IPC_ENUM(name, from, to, payload, fd)	name,
	IPC_MESSAGES(IPC_ENUM)
#undef IPC_ENUM
	MSG_MAX
};

#endif
