/*
 * hostile_smtpd.c - a compromised listener.
 */
#include <string.h>

#include <openssl/rsa.h>

#include "hostile.h"

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

/* hostile_smtpd_keys_algorithm - operations the RSA key h->arg must refuse */
static void
hostile_smtpd_keys_algorithm(struct hostile *h)
{
	hostile_smtpd_key_op(h, MSG_KEY_ECDSA_SIGN, h->arg, 0, 32);
	hostile_smtpd_key_op(h, MSG_KEY_RSA_SIGN, h->arg,
	    RSA_PKCS1_OAEP_PADDING, 32);
	hostile_smtpd_key_op(h, MSG_KEY_RSA_DECRYPT, h->arg, RSA_NO_PADDING,
	    256);
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
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
