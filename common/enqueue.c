/*
 * enqueue.c - submitting one message to the listener over the spool's
 * enqueue socket: greeting, EHLO, MAIL, RCPT, DATA with the message
 * dot-stuffed, QUIT.  enqueue_submit() answers with a sysexits.h code:
 * EX_OK once the listener said 250, EX_UNAVAILABLE when it refused with
 * a 5xx, EX_TEMPFAIL for anything else (the daemon down, a 4xx, a lost
 * connection); err then says why, empty when the daemon is simply down.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "enqueue.h"
#include "smtp_data.h"
#include "smtp_reply.h"
#include "unixsock.h"

struct enqueue_conn {
	int			 fd;
	FILE			*in;
	struct smtp_reply_parser reply;
	char			*err;
	size_t			 errsz;
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

/* enqueue_reply - read one whole reply; its code, or -1 */
static int
enqueue_reply(struct enqueue_conn *c)
{
	char	line[SMTP_REPLY_LINE_MAX * 2];
	size_t	len;
	int	st;

	smtp_reply_init(&c->reply);
	do {
		if (fgets(line, sizeof(line), c->in) == NULL)
			return -1;
		len = strcspn(line, "\r\n");
		st = smtp_reply_feed(&c->reply, line, len);
	} while (st == SMTP_REPLY_MORE);
	return st == SMTP_REPLY_DONE ? c->reply.code : -1;
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

/* enqueue_cmd - send one command line and read its reply code */
static int
enqueue_cmd(struct enqueue_conn *c, const char *fmt, ...)
{
	char	line[SMTP_CMD_LINE_MAX + 2];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return -1;
	memcpy(line + n, "\r\n", 2);
	if (enqueue_write(c->fd, line, (size_t)n + 2) == -1)
		return -1;
	return enqueue_reply(c);
}

/* enqueue_data - the message, dot-stuffed, and the final dot */
static int
enqueue_data(struct enqueue_conn *c, const struct buf *msg)
{
	struct smtp_data_out	st;
	char			out[8192];
	size_t			off = 0, used, outlen;

	smtp_data_out_init(&st);
	while (off < msg->len) {
		smtp_data_stuff(&st, msg->data + off, msg->len - off, &used,
		    out, sizeof(out), &outlen);
		if (enqueue_write(c->fd, out, outlen) == -1)
			return -1;
		off += used;
	}
	if (smtp_data_stuff_end(&st, out, sizeof(out), &outlen) == -1 ||
	    enqueue_write(c->fd, out, outlen) == -1)
		return -1;
	return enqueue_reply(c);
}

/* enqueue_refused - word what the listener answered; the exit code */
static int
enqueue_refused(const struct enqueue_conn *c, int code, const char *what)
{
	const char	*text = c->reply.nlines ? smtp_reply_line(&c->reply,
			    0) : "no reply";

	if (code == -1) {
		snprintf(c->err, c->errsz, "%s: connection lost", what);
		return EX_TEMPFAIL;
	}
	snprintf(c->err, c->errsz, "%s: %d %s", what, code, text);
	return code >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL;
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
	size_t	i;
	int	code;

	if ((code = enqueue_reply(c)) != 220)
		return enqueue_refused(c, code, "greeting");
	if ((code = enqueue_cmd(c, "EHLO localhost")) != 250)
		return enqueue_refused(c, code, "EHLO");
	if ((code = enqueue_cmd(c, "MAIL FROM:<%s>%s", m->sender,
	    enqueue_8bit(m->body) ? " BODY=8BITMIME" : "")) != 250)
		return enqueue_refused(c, code, m->sender);
	for (i = 0; i < m->nrcpt; i++)
		if ((code = enqueue_cmd(c, "RCPT TO:<%s>", m->rcpt[i])) !=
		    250 && code != 251)
			return enqueue_refused(c, code, m->rcpt[i]);
	if ((code = enqueue_cmd(c, "DATA")) != 354)
		return enqueue_refused(c, code, "DATA");
	if ((code = enqueue_data(c, m->body)) != 250)
		return enqueue_refused(c, code, "message");
	(void)enqueue_cmd(c, "QUIT");
	return EX_OK;
}

/* enqueue_submit - give the message to the running listener */
int
enqueue_submit(const struct enqueue_msg *m, int *down, char *err,
    size_t errsz)
{
	struct enqueue_conn	c;
	int			rv;

	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errsz = errsz;
	err[0] = '\0';
	if ((c.fd = enqueue_connect(m->spool, down)) == -1) {
		if (!*down)
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
	return rv;
}
