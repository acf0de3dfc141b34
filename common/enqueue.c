/*
 * enqueue.c - submitting one message to the listener over the spool's
 * enqueue socket, with stdio around the client engine of the protocol
 * core (smtp_client.c): greeting, EHLO, MAIL, a RCPT for every
 * recipient (one refused and nothing is submitted), DATA with the
 * message dot-stuffed, QUIT.  enqueue_submit() answers with a
 * sysexits.h code: EX_OK once the listener said 250, EX_UNAVAILABLE
 * when it refused with a 5xx or an address cannot be sent at all,
 * EX_TEMPFAIL for anything else (the daemon down, a 4xx, a lost
 * connection); err then says why, empty when the daemon is simply down.
 * *untaken is set when the daemon certainly does not have the message
 * (it is down, or the session failed before the final dot was sent), so
 * the caller may keep it elsewhere without risking a second copy.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "enqueue.h"
#include "smtp_client.h"
#include "smtp_data.h"
#include "smtp_reply.h"
#include "unixsock.h"

struct enqueue_conn {
	int			 fd;
	FILE			*in;
	const struct buf	*body;
	struct smtp_reply_parser reply;
	char			*err;
	size_t			 errsz;
	int			 dot_sent;	/* the message may be taken */
};

/* enqueue_connect - the enqueue socket in spool; -1, *down set if absent */
int
enqueue_connect(const char *spool, int *down)
{
	struct timeval	tv = { ENQUEUE_TIMEOUT, 0 };
	char		path[PATH_MAX_CFG + 32], err[PATH_MAX_CFG + 128];
	int		fd;

	snprintf(path, sizeof(path), "%s/%s/%s", spool, SPOOL_RUN_DIR,
	    SPOOL_ENQUEUE_SOCK);
	if ((fd = unixsock_connect(path, SOCK_STREAM, err, sizeof(err))) ==
	    -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			*down = 1;
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* enqueue_io_read - smtp_client_io: one whole reply */
static const struct smtp_reply_parser *
enqueue_io_read(void *arg, char *err, size_t errsz)
{
	struct enqueue_conn	*c = arg;
	char			 line[SMTP_REPLY_LINE_MAX * 2];
	int			 st;

	smtp_reply_init(&c->reply);
	do {
		if (fgets(line, sizeof(line), c->in) == NULL) {
			(void)strlcpy(err, "connection lost", errsz);
			return NULL;
		}
		st = smtp_reply_feed(&c->reply, line, strcspn(line, "\r\n"));
	} while (st == SMTP_REPLY_MORE);
	(void)strlcpy(err, c->reply.err, errsz);
	return st == SMTP_REPLY_DONE ? &c->reply : NULL;
}

/* enqueue_write - write all of buf to fd */
int
enqueue_write(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* enqueue_io_send - smtp_client_io: one command line */
static int
enqueue_io_send(void *arg, const char *line, size_t len, char *err,
    size_t errsz)
{
	struct enqueue_conn	*c = arg;

	(void)strlcpy(err, "connection lost", errsz);
	return enqueue_write(c->fd, line, len);
}

/* enqueue_io_body - smtp_client_io: the message, stuffed, and the dot */
static int
enqueue_io_body(void *arg, char *err, size_t errsz)
{
	struct enqueue_conn	*c = arg;
	struct smtp_data_out	 st;
	char			 out[8192];
	size_t			 off = 0, used, outlen;

	(void)strlcpy(err, "connection lost", errsz);
	smtp_data_out_init(&st);
	while (off < c->body->len) {
		smtp_data_stuff(&st, c->body->data + off, c->body->len - off,
		    &used, out, sizeof(out), &outlen);
		if (enqueue_write(c->fd, out, outlen) == -1)
			return -1;
		off += used;
	}
	if (smtp_data_stuff_end(&st, out, sizeof(out), &outlen) == -1 ||
	    enqueue_write(c->fd, out, outlen) == -1)
		return -1;
	c->dot_sent = 1;
	return 0;
}

static const struct smtp_client_io enqueue_io = {
	enqueue_io_send, enqueue_io_read, enqueue_io_body
};

/*
 * enqueue_refused - word why the listener did not take the message
 * (the address, or the step, it concerns); the exit code
 */
static int
enqueue_refused(const struct enqueue_conn *c,
    const struct smtp_client_result *r)
{
	const char	*what;

	what = r->addr == NULL ? r->step : r->addr[0] ? r->addr : "<>";
	if (r->code == 0)
		snprintf(c->err, c->errsz, "%s: %s", what, r->text);
	else
		snprintf(c->err, c->errsz, "%s: %d %s", what, r->code,
		    r->text);
	return r->code / 100 == 5 || r->verdict == SMTP_CLIENT_V_PERMFAIL ?
	    EX_UNAVAILABLE : EX_TEMPFAIL;
}

/* enqueue_8bit - whether the message has octets over 127 */
static int
enqueue_8bit(const struct buf *msg)
{
	size_t	i;

	for (i = 0; i < msg->len; i++)
		if ((unsigned char)msg->data[i] & 0x80)
			return 1;
	return 0;
}

/* enqueue_session - one SMTP transaction; a sysexits.h code */
static int
enqueue_session(const struct enqueue_msg *m, struct enqueue_conn *c)
{
	struct smtp_client		 cl;
	struct smtp_client_params	 p;
	struct smtp_client_rcpt		*cr;
	size_t				 i;
	int				 rv = EX_OK;

	if (m->nrcpt == 0) {
		snprintf(c->err, c->errsz, "no recipients");
		return EX_UNAVAILABLE;
	}
	if ((cr = calloc(m->nrcpt, sizeof(*cr))) == NULL)
		return EX_OSERR;
	for (i = 0; i < m->nrcpt; i++)
		cr[i].addr = m->rcpt[i];
	memset(&p, 0, sizeof(p));
	p.flags = SMTP_CLIENT_F_ALLRCPT |
	    (enqueue_8bit(m->body) ? SMTP_CLIENT_F_8BIT : 0);
	p.helo = "localhost";
	p.sender = m->sender;
	p.rcpts = cr;
	p.nrcpts = m->nrcpt;
	c->body = m->body;
	smtp_client_init(&cl, &p);
	smtp_client_run(&cl, &enqueue_io, c);
	if (cl.res.verdict != SMTP_CLIENT_V_OK)
		rv = enqueue_refused(c, &cl.res);
	for (i = 0; rv == EX_OK && i < m->nrcpt; i++)
		if (cr[i].res.verdict != SMTP_CLIENT_V_OK)
			rv = enqueue_refused(c, &cr[i].res);
	free(cr);
	return rv;
}

/* enqueue_submit - give the message to the running listener */
int
enqueue_submit(const struct enqueue_msg *m, int *untaken, char *err,
    size_t errsz)
{
	struct enqueue_conn	c;
	int			rv;

	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errsz = errsz;
	err[0] = '\0';
	if ((c.fd = enqueue_connect(m->spool, untaken)) == -1) {
		if (!*untaken)
			snprintf(err, errsz, "cannot reach the daemon in %s: "
			    "%s", m->spool, strerror(errno));
		return EX_TEMPFAIL;
	}
	if ((c.in = fdopen(dup(c.fd), "r")) == NULL) {
		close(c.fd);
		return EX_OSERR;
	}
	rv = enqueue_session(m, &c);
	fclose(c.in);
	close(c.fd);
	if (rv == EX_TEMPFAIL && !c.dot_sent)
		*untaken = 1;
	return rv;
}
