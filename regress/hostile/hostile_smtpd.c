/*
 * hostile_smtpd.c - a compromised listener.
 */
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rsa.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "hostile.h"

#define HOSTILE_SMTPD_SESS	0x484f5354494c45ULL	/* no real session */
#define HOSTILE_SMTPD_MSGID	0x0badcafeU		/* never opened */

/* hostile_smtpd_route - a control command, which only smtpctl may send */
static void
hostile_smtpd_route(struct hostile *h)
{
	struct msg_ctl_arg	m;

	memset(&m, 0, sizeof(m));
	hostile_msg(h, PROC_QUEUE, MSG_CTL_STOP, 0, -1, &m);
}

/* hostile_smtpd_hello - a second handshake in the middle of the stream */
static void
hostile_smtpd_hello(struct hostile *h)
{
	hostile_hello(h, PROC_QUEUE);
}

/* hostile_smtpd_oversized - a frame larger than any message */
static void
hostile_smtpd_oversized(struct hostile *h)
{
	static char	big[IPC_FRAME_MAX * 2];

	memset(big, 'A', sizeof(big));
	hostile_send(h, PROC_QUEUE, MSG_TX_OPEN, 0, -1, big, sizeof(big));
}

/* hostile_smtpd_short - a payload shorter than its type's */
static void
hostile_smtpd_short(struct hostile *h)
{
	char	shortmsg[4] = { 0 };

	hostile_send(h, PROC_QUEUE, MSG_TX_COMMIT, 0, -1, shortmsg,
	    sizeof(shortmsg));
}

/*
 * hostile_smtpd_key_op - one request to the key holder on the
 * listener's own channel (not on its event loop), and the answer logged
 * as "hostile event=key-answer status=N"
 */
static void
hostile_smtpd_key_op(struct hostile *h, enum ipc_type type, const char *pki,
    uint32_t padding, uint32_t len)
{
	struct msg_key_op	m;
	struct msg_key_result	r;
	struct ipc_hdr		hdr;
	int			fd;

	memset(&m, 0, sizeof(m));
	strlcpy(m.pki, pki, sizeof(m.pki));
	m.padding = padding;
	m.len = len;
	memset(m.data, 0x5a, sizeof(m.data));
	hostile_msg(h, PROC_KEYS, type, 0x4b4b, -1, &m);
	if (hostile_recv(h, PROC_KEYS, &hdr, &r, sizeof(r), &fd, 5000) == 1)
		hostile_log("event=key-answer type=%s status=%d len=%u",
		    ipc_type_name(hdr.type), (int)r.status, r.len);
	else
		hostile_log("event=key-answer type=none");
}

/* hostile_smtpd_keys_pki - signatures with pki not the listener's */
static void
hostile_smtpd_keys_pki(struct hostile *h)
{
	hostile_smtpd_key_op(h, MSG_KEY_RSA_SIGN, h->arg, RSA_PKCS1_PADDING,
	    51);
	hostile_smtpd_key_op(h, MSG_KEY_RSA_SIGN, "no.such.pki",
	    RSA_PKCS1_PADDING, 51);
}

/* hostile_smtpd_keys_oversized - lengths beyond the frame and the key */
static void
hostile_smtpd_keys_oversized(struct hostile *h)
{
	hostile_smtpd_key_op(h, MSG_KEY_RSA_SIGN, h->arg, RSA_NO_PADDING,
	    IPC_KEY_DATA_MAX + 1);
	hostile_smtpd_key_op(h, MSG_KEY_RSA_SIGN, h->arg, RSA_NO_PADDING,
	    0xffffffffU);
	hostile_smtpd_key_op(h, MSG_KEY_RSA_SIGN, h->arg, RSA_NO_PADDING,
	    IPC_KEY_DATA_MAX);
	hostile_smtpd_key_op(h, MSG_KEY_RSA_SIGN, h->arg, RSA_PKCS1_PADDING,
	    IPC_KEY_DATA_MAX);
}

/*
 * hostile_smtpd_keys_algorithm - operations the RSA key h->arg must
 * refuse: ECDSA, OAEP, and a raw block that is no PSS encoding (which
 * would make the key holder a decryption oracle)
 */
static void
hostile_smtpd_keys_algorithm(struct hostile *h)
{
	hostile_smtpd_key_op(h, MSG_KEY_ECDSA_SIGN, h->arg, 0, 32);
	hostile_smtpd_key_op(h, MSG_KEY_RSA_SIGN, h->arg,
	    RSA_PKCS1_OAEP_PADDING, 32);
	hostile_smtpd_key_op(h, MSG_KEY_RSA_SIGN, h->arg, RSA_NO_PADDING,
	    256);
}

/* hostile_smtpd_lookup_type - a lookup's envelope, sent by the listener */
static void
hostile_smtpd_lookup_type(struct hostile *h)
{
	static struct msg_lka_envelope	m;

	memset(&m, 0, sizeof(m));
	m.sessid = HOSTILE_SMTPD_SESS;
	m.msgid = HOSTILE_SMTPD_MSGID;
	strlcpy(m.evp.rcpt, "root@localhost", sizeof(m.evp.rcpt));
	strlcpy(m.evp.dest, "touch /tmp/pwned", sizeof(m.evp.dest));
	strlcpy(m.evp.dispatcher, "local", sizeof(m.evp.dispatcher));
	strlcpy(m.evp.user, "root", sizeof(m.evp.user));
	m.evp.dest_type = ENVELOPE_DEST_COMMAND;
	hostile_msg(h, PROC_QUEUE, MSG_LOOKUP_ENVELOPE, 0, -1, &m);
}

/* hostile_smtpd_filter_none - a filter run for a listener that has none */
static void
hostile_smtpd_filter_none(struct hostile *h)
{
	static struct msg_lka_filter	m;

	memset(&m, 0, sizeof(m));
	m.sess.id = HOSTILE_SMTPD_SESS;
	m.sess.listener = 0;
	strlcpy(m.sess.src, "192.0.2.1", sizeof(m.sess.src));
	m.phase = CFG_SFILTER_HELO;
	hostile_msg(h, PROC_LOOKUP, MSG_LOOKUP_FILTER, 0, -1, &m);
}

/*
 * hostile_smtpd_filter_stream - a message stream through the filter
 * processes of a listener that runs none
 */
static void
hostile_smtpd_filter_stream(struct hostile *h)
{
	static struct msg_lka_filter_data	m;
	int					sp[2];

	memset(&m, 0, sizeof(m));
	m.sessid = HOSTILE_SMTPD_SESS;
	m.listener = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		return;
	hostile_msg(h, PROC_LOOKUP, MSG_LOOKUP_FILTER_DATA, 0, sp[1], &m);
}

/*
 * hostile_smtpd_filter_event - a report event of a listener that runs
 * no filter process
 */
static void
hostile_smtpd_filter_event(struct hostile *h)
{
	static struct msg_lka_filter_event	m;

	memset(&m, 0, sizeof(m));
	m.sessid = HOSTILE_SMTPD_SESS;
	m.listener = 0;
	m.event = IPC_FEV_PROTOCOL_CLIENT;
	strlcpy(m.text, "NOOP", sizeof(m.text));
	hostile_msg(h, PROC_LOOKUP, MSG_LOOKUP_FILTER_EVENT, 0, -1, &m);
}

/* hostile_smtpd_rcpt_oversized - a RCPT request longer than its type */
static void
hostile_smtpd_rcpt_oversized(struct hostile *h)
{
	static char	big[sizeof(struct msg_lka_rcpt) + 1];

	memset(big, 'A', sizeof(big));
	hostile_send(h, PROC_LOOKUP, MSG_LOOKUP_RCPT, 0, -1, big, sizeof(big));
}

/* hostile_smtpd_rcpt - a RCPT request of session sessid in msgid */
static void
hostile_smtpd_rcpt(struct hostile *h, uint64_t sessid, uint32_t msgid,
    const char *rcpt)
{
	static struct msg_lka_rcpt	m;

	memset(&m, 0, sizeof(m));
	m.sess.id = sessid;
	m.sess.flags = IPC_SESS_LOCAL;
	m.sess.listener = UINT32_MAX;
	strlcpy(m.sess.src, "local", sizeof(m.sess.src));
	strlcpy(m.sess.helo, "hostile.test", sizeof(m.sess.helo));
	m.msgid = msgid;
	strlcpy(m.sender, "hostile@example.net", sizeof(m.sender));
	strlcpy(m.rcpt, rcpt, sizeof(m.rcpt));
	hostile_msg(h, PROC_LOOKUP, MSG_LOOKUP_RCPT, 0, -1, &m);
}

/* hostile_smtpd_tx - a transaction frame of session sessid for msgid */
static void
hostile_smtpd_tx(struct hostile *h, enum ipc_type type, uint64_t sessid,
    uint32_t msgid)
{
	struct msg_tx	m;

	memset(&m, 0, sizeof(m));
	m.sessid = sessid;
	m.msgid = msgid;
	hostile_msg(h, PROC_QUEUE, type, 0, -1, &m);
}

/*
 * hostile_smtpd_unopened - transaction frames out of order: a commit and
 * a recipient for a msgid never opened, a second open for one session,
 * an abort of nothing
 */
static void
hostile_smtpd_unopened(struct hostile *h)
{
	hostile_smtpd_tx(h, MSG_TX_COMMIT, HOSTILE_SMTPD_SESS,
	    HOSTILE_SMTPD_MSGID);
	hostile_smtpd_tx(h, MSG_TX_OPEN, HOSTILE_SMTPD_SESS, 0);
	hostile_smtpd_tx(h, MSG_TX_OPEN, HOSTILE_SMTPD_SESS, 0);
	hostile_smtpd_rcpt(h, HOSTILE_SMTPD_SESS, HOSTILE_SMTPD_MSGID,
	    h->arg[0] != '\0' ? h->arg : "root@localhost");
	hostile_smtpd_tx(h, MSG_TX_ABORT, HOSTILE_SMTPD_SESS,
	    HOSTILE_SMTPD_MSGID);
}

/*
 * hostile_smtpd_on_target - poll for the file PH_HOSTILE_ARG names (in
 * the listener's root): "SESSID MSGID RCPT" in hex, hex and text; then
 * name that transaction in a RCPT and a commit, once
 */
static void
hostile_smtpd_on_target(evutil_socket_t fd, short what, void *arg)
{
	struct hostile	*h = arg;
	char		 rcpt[256];
	uint64_t	 sessid;
	uint32_t	 msgid;
	FILE		*f;
	int		 n;

	(void)fd;
	(void)what;
	if ((f = fopen(h->arg, "r")) == NULL)
		return;
	n = fscanf(f, "%16" SCNx64 " %8" SCNx32 " %255s", &sessid, &msgid,
	    rcpt);
	fclose(f);
	if (n != 3)
		return;
	event_del(event_base_get_running_event(ev_base()));
	hostile_log("event=target sessid=%016" PRIx64 " msgid=%08" PRIx32,
	    sessid, msgid);
	hostile_smtpd_rcpt(h, sessid, msgid, rcpt);
	hostile_smtpd_tx(h, MSG_TX_COMMIT, sessid, msgid);
}

/* hostile_smtpd_target - wait for the transaction to name (see above) */
static void
hostile_smtpd_target(struct hostile *h)
{
	struct timeval	 tv = { 0, 100000 };
	struct event	*ev;

	ev = event_new(ev_base(), -1, EV_PERSIST, hostile_smtpd_on_target, h);
	event_add(ev, &tv);
}

/*
 * hostile_smtpd_on_usr1 - the test's signal: what an attacker who owns
 * the listener does first, start a shell (the sandbox kills it)
 */
static void
hostile_smtpd_on_usr1(evutil_socket_t sig, short what, void *arg)
{
	char *const	argv[] = { "sh", "-c", "id", NULL };

	(void)sig;
	(void)what;
	(void)arg;
	hostile_log("event=execve");
	execve("/bin/sh", argv, NULL);
	hostile_log("event=execve-returned errno=%d", errno);
}

/* hostile_smtpd_syscall - from the real listener, on SIGUSR1: execve */
static void
hostile_smtpd_syscall(struct hostile *h)
{
	hostile_on_signal(SIGUSR1, hostile_smtpd_on_usr1, h);
}

const struct hostile_scenario hostile_smtpd_scenarios[] = {
	{ "route",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_route },
	{ "hello",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_hello },
	{ "oversized",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_oversized },
	{ "short",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_short },
	{ "keys-pki",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_keys_pki },
	{ "keys-oversized", PROC_SMTPD, HOSTILE_INLINE,
	    hostile_smtpd_keys_oversized },
	{ "keys-algorithm", PROC_SMTPD, HOSTILE_INLINE,
	    hostile_smtpd_keys_algorithm },
	{ "lookup-type", PROC_SMTPD, HOSTILE_INLINE,
	    hostile_smtpd_lookup_type },
	{ "filter-none", PROC_SMTPD, HOSTILE_INLINE,
	    hostile_smtpd_filter_none },
	{ "filter-stream", PROC_SMTPD, HOSTILE_INLINE,
	    hostile_smtpd_filter_stream },
	{ "filter-event", PROC_SMTPD, HOSTILE_INLINE,
	    hostile_smtpd_filter_event },
	{ "rcpt-oversized", PROC_SMTPD, HOSTILE_INLINE,
	    hostile_smtpd_rcpt_oversized },
	{ "unopened",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_unopened },
	{ "target",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_target },
	{ "syscall",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_syscall },
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
