/*
 * hostile_smtpd.c - a compromised listener.
 */
#include <string.h>

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

const struct hostile_scenario hostile_smtpd_scenarios[] = {
	{ "route",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_route },
	{ "hello",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_hello },
	{ "oversized",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_oversized },
	{ "short",	PROC_SMTPD, HOSTILE_INLINE, hostile_smtpd_short },
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
