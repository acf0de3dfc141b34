/*
 * lmtp.h - an LMTP client (RFC 2033) on the client engine of the
 * shared SMTP protocol core (smtp_client.h).
 *
 * It runs in a local delivery agent, as the recipient, and talks to an
 * LMTP server at "host:port", "[v6addr]:port", "host" (port 24) or a
 * Unix socket "/path".  One session: LHLO, MAIL FROM, one RCPT TO per
 * recipient, DATA (when at least one RCPT was accepted), the message
 * dot-stuffed with CRLF line endings, then one reply per accepted
 * recipient after the final dot, QUIT.  Every recipient gets its own
 * outcome by the engine's verdicts: 2xx delivered, 5xx permanent, 4xx
 * and protocol errors temporary; a broken connection, a malformed reply
 * or a time-out is temporary for every recipient still without an
 * answer.
 */
#ifndef POSTHORN_LMTP_H
#define POSTHORN_LMTP_H

#include <stddef.h>

#include "defs.h"
#include "local.h"

#define LMTP_TIMEOUT		300	/* seconds per reply, by default */
#define LMTP_RCPT_MAX		100	/* recipients in one session */

/* one recipient of a session and, after lmtp_session, its outcome */
struct lmtp_rcpt {
	const char		*addr;		/* "user" or "user@domain" */
	int			 code;		/* reply code, 0 = none */
	struct local_result	 res;
};

/* what one session sends */
struct lmtp_tx {
	const char		*lhlo;		/* our name */
	const char		*sender;	/* "" = null sender */
	const char		*prefix;	/* header lines before the message */
	int			 msg_fd;	/* "\n" text, read to its end */
	struct lmtp_rcpt	*rcpts;
	size_t			 nrcpts;
	unsigned int		 timeout;	/* seconds, 0 = LMTP_TIMEOUT */
};

int	lmtp_connect(const char *dest, unsigned int timeout, char *err,
	    size_t errsz);
int	lmtp_session(int fd, struct lmtp_tx *);

enum local_status lmtp_deliver(const struct local_delivery *,
	    const char *dest, int rcpt_to, struct local_result *);

#endif
