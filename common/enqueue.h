/*
 * enqueue.h - the client of the listener's enqueue socket: one message
 * handed over as an SMTP transaction on the spool's Unix socket.  Used
 * by sendmail(8) and by the queue's pickup of offline drop files, so
 * both submit exactly the same way.
 */
#ifndef POSTHORN_ENQUEUE_H
#define POSTHORN_ENQUEUE_H

#include <stddef.h>

#include "buf.h"
#include "defs.h"
#include "smtp_reply.h"

#define ENQUEUE_TIMEOUT		300	/* seconds, per command */
#define ENQUEUE_ERR_MAX		(PATH_MAX_CFG + ADDR_MAX + \
				    SMTP_REPLY_TEXT_MAX + 64)

/* one message to submit */
struct enqueue_msg {
	const char		*spool;		/* directory of the socket */
	const char		*sender;	/* "" is <> */
	const char *const	*rcpt;
	size_t			 nrcpt;
	const struct buf	*body;		/* the whole message */
};

int	enqueue_connect(const char *spool, int *down);
int	enqueue_write(int fd, const char *buf, size_t len);
int	enqueue_submit(const struct enqueue_msg *, int *untaken, char *err,
	    size_t errsz);

#endif
