/*
 * sendmail_submit.c - handing a message to the daemon: SMTP over the
 * spool's enqueue socket, or the offline area when the daemon is down.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "sendmail.h"
#include "smtp_data.h"
#include "smtp_reply.h"
#include "unixsock.h"
#include "../queue/qstore.h"

#define SENDMAIL_TIMEOUT	300	/* seconds, per command */

struct sendmail_conn {
	int			 fd;
	FILE			*in;
	struct smtp_reply_parser reply;
};

/* sendmail_connect - the enqueue socket; -1 with daemon_down when absent */
static int
sendmail_connect(struct sendmail *sm)
{
	struct timeval		tv = { SENDMAIL_TIMEOUT, 0 };
	char			path[PATH_MAX_CFG + 32], err[PATH_MAX_CFG + 128];
	int			fd;

	snprintf(path, sizeof(path), "%s/%s", sm->spool, SPOOL_ENQUEUE_SOCK);
	if ((fd = unixsock_connect(path, SOCK_STREAM, err, sizeof(err))) ==
	    -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			sm->daemon_down = 1;
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* sendmail_reply - read one whole reply; its code, or -1 */
static int
sendmail_reply(struct sendmail_conn *c)
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

/* sendmail_write - write all of buf */
static int
sendmail_write(int fd, const char *buf, size_t len)
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

/* sendmail_cmd - send one command line and read its reply code */
static int
sendmail_cmd(struct sendmail_conn *c, const char *fmt, ...)
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
	if (sendmail_write(c->fd, line, (size_t)n + 2) == -1)
		return -1;
	return sendmail_reply(c);
}

/* sendmail_data - the message, dot-stuffed, and the final dot */
static int
sendmail_data(struct sendmail_conn *c, const struct buf *msg)
{
	struct smtp_data_out	st;
	char			out[8192];
	size_t			off = 0, used, outlen;

	smtp_data_out_init(&st);
	while (off < msg->len) {
		smtp_data_stuff(&st, msg->data + off, msg->len - off, &used,
		    out, sizeof(out), &outlen);
		if (sendmail_write(c->fd, out, outlen) == -1)
			return -1;
		off += used;
	}
	if (smtp_data_stuff_end(&st, out, sizeof(out), &outlen) == -1 ||
	    sendmail_write(c->fd, out, outlen) == -1)
		return -1;
	return sendmail_reply(c);
}

/* sendmail_refused - say what the daemon answered; the exit code */
static int
sendmail_refused(const struct sendmail_conn *c, int code, const char *what)
{
	const char	*text = c->reply.nlines ? smtp_reply_line(&c->reply,
			    0) : "no reply";

	if (code == -1) {
		fprintf(stderr, "sendmail: %s: connection lost\n", what);
		return EX_TEMPFAIL;
	}
	fprintf(stderr, "sendmail: %s: %d %s\n", what, code, text);
	return code >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL;
}

/* sendmail_8bit - whether the message has octets over 127 */
static int
sendmail_8bit(const struct buf *msg)
{
	size_t	i;

	for (i = 0; i < msg->len; i++)
		if ((unsigned char)msg->data[i] & 0x80)
			return 1;
	return 0;
}

/* sendmail_session - one SMTP transaction; a sysexits.h code */
static int
sendmail_session(struct sendmail *sm, struct sendmail_conn *c)
{
	size_t	i;
	int	code;

	if ((code = sendmail_reply(c)) != 220)
		return sendmail_refused(c, code, "greeting");
	if ((code = sendmail_cmd(c, "EHLO localhost")) != 250)
		return sendmail_refused(c, code, "EHLO");
	if ((code = sendmail_cmd(c, "MAIL FROM:<%s>%s", sm->sender,
	    sendmail_8bit(&sm->msg) ? " BODY=8BITMIME" : "")) != 250)
		return sendmail_refused(c, code, sm->sender);
	for (i = 0; i < sm->nrcpt; i++)
		if ((code = sendmail_cmd(c, "RCPT TO:<%s>", sm->rcpt[i])) !=
		    250 && code != 251)
			return sendmail_refused(c, code, sm->rcpt[i]);
	if ((code = sendmail_cmd(c, "DATA")) != 354)
		return sendmail_refused(c, code, "DATA");
	if ((code = sendmail_data(c, &sm->msg)) != 250)
		return sendmail_refused(c, code, "message");
	(void)sendmail_cmd(c, "QUIT");
	return EX_OK;
}

/* sendmail_submit - give the message to the running daemon */
int
sendmail_submit(struct sendmail *sm)
{
	struct sendmail_conn	c;
	int			rv;

	memset(&c, 0, sizeof(c));
	if ((c.fd = sendmail_connect(sm)) == -1) {
		if (!sm->daemon_down)
			fprintf(stderr, "sendmail: cannot reach the daemon in "
			    "%s: %s\n", sm->spool, strerror(errno));
		return EX_TEMPFAIL;
	}
	if ((c.in = fdopen(dup(c.fd), "r")) == NULL) {
		close(c.fd);
		return EX_OSERR;
	}
	rv = sendmail_session(sm, &c);
	fclose(c.in);
	close(c.fd);
	return rv;
}

/* sendmail_offline - the daemon is down: leave the message in offline/ */
int
sendmail_offline(struct sendmail *sm)
{
	char	path[PATH_MAX_CFG + 16], err[1024];
	int	dfd, rv;

	if (sm->sender[0] == '\0') {
		fprintf(stderr, "sendmail: the daemon is down and a message "
		    "from <> cannot wait offline\n");
		return EX_TEMPFAIL;
	}
	snprintf(path, sizeof(path), "%s/offline", sm->spool);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "sendmail: the daemon is down and %s is not "
		    "usable: %s\n", path, strerror(errno));
		return EX_TEMPFAIL;
	}
	rv = qstore_offline_write(dfd, getuid(), sm->sender,
	    (const char *const *)sm->rcpt, sm->nrcpt, sm->msg.data,
	    sm->msg.len, err, sizeof(err));
	close(dfd);
	if (rv == -1) {
		fprintf(stderr, "sendmail: %s\n", err);
		return EX_TEMPFAIL;
	}
	return EX_OK;
}

/* sendmail_pump - copy what is readable from one fd to another */
static int
sendmail_pump(int from, int to)
{
	char	buf[4096];
	ssize_t	n;

	if ((n = read(from, buf, sizeof(buf))) <= 0)
		return -1;
	return sendmail_write(to, buf, (size_t)n);
}

/* sendmail_stdio - `sendmail -bs`: SMTP on stdin/stdout, to the daemon */
int
sendmail_stdio(struct sendmail *sm)
{
	struct pollfd	pfd[2];
	int		fd;

	if ((fd = sendmail_connect(sm)) == -1) {
		printf("421 4.3.0 The mail system is not running\r\n");
		return EX_TEMPFAIL;
	}
	pfd[0].fd = STDIN_FILENO;
	pfd[1].fd = fd;
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, SENDMAIL_TIMEOUT * 1000) <= 0)
			break;
		if (pfd[0].revents && sendmail_pump(STDIN_FILENO, fd) == -1)
			shutdown(fd, SHUT_WR), pfd[0].fd = -1;
		if (pfd[1].revents && sendmail_pump(fd, STDOUT_FILENO) == -1)
			break;
	}
	close(fd);
	return EX_OK;
}
