/*
 * lmtp.c - the LMTP client of local delivery (see lmtp.h): poll-based
 * I/O around the client engine of the protocol core (smtp_client.c),
 * which decides what to send and what each reply means.  Replies are
 * read with smtp_reply_feed and the message leaves through
 * smtp_data_stuff.  The descriptor is non-blocking and every wait is
 * bounded by the session's time limit.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lmtp.h"
#include "log.h"
#include "smtp_client.h"
#include "smtp_data.h"
#include "smtp_reply.h"
#include "unixsock.h"
#include "xmalloc.h"

#define LMTP_CHUNK	16384
#define LMTP_IN_MAX	(2 * SMTP_REPLY_LINE_MAX)

struct lmtp_conn {
	int				 fd;
	struct lmtp_tx			*tx;
	int				 timeout_ms;
	char				 in[LMTP_IN_MAX];
	size_t				 inlen;
	struct smtp_reply_parser	 rp;
	char				 err[ERRTEXT_MAX];	/* why it broke */
};

/* lmtp_broken - record why the session cannot go on; returns -1 */
static int __attribute__((format(printf, 2, 3)))
lmtp_broken(struct lmtp_conn *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* lmtp_wait - poll fd for events within the time limit; 0 / -1 */
static int
lmtp_wait(struct lmtp_conn *c, short events)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = c->fd;
	pfd.events = events;
	while ((n = poll(&pfd, 1, c->timeout_ms)) == -1 && errno == EINTR)
		;
	if (n == -1)
		return lmtp_broken(c, "poll: %s", strerror(errno));
	if (n == 0)
		return lmtp_broken(c, "time-out");
	return 0;
}

/* lmtp_write - send len bytes within the time limit; 0 / -1 */
static int
lmtp_write(struct lmtp_conn *c, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(c->fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (lmtp_wait(c, POLLOUT) == -1)
				return -1;
			continue;
		}
		if (n == -1)
			return lmtp_broken(c, "write: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* lmtp_line - the next reply line, CRLF or LF stripped; 0 / -1 */
static int
lmtp_line(struct lmtp_conn *c, char *line, size_t linesz, size_t *len)
{
	char	*eol;
	ssize_t	 n;
	size_t	 l;

	while ((eol = memchr(c->in, '\n', c->inlen)) == NULL) {
		if (c->inlen == sizeof(c->in))
			return lmtp_broken(c, "reply line too long");
		n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (lmtp_wait(c, POLLIN) == -1)
				return -1;
			continue;
		}
		if (n == -1)
			return lmtp_broken(c, "read: %s", strerror(errno));
		if (n == 0)
			return lmtp_broken(c, "connection closed by server");
		c->inlen += (size_t)n;
	}
	l = (size_t)(eol - c->in);
	if (l >= linesz)
		return lmtp_broken(c, "reply line too long");
	memcpy(line, c->in, l);
	if (l > 0 && line[l - 1] == '\r')
		l--;
	line[l] = '\0';
	*len = l;
	c->inlen -= (size_t)(eol - c->in) + 1;
	memmove(c->in, eol + 1, c->inlen);
	return 0;
}

/* lmtp_reply - read one whole (multi-line) reply; its code or -1 */
static int
lmtp_reply(struct lmtp_conn *c)
{
	char			 line[LMTP_IN_MAX];
	size_t			 len = 0;
	enum smtp_reply_status	 st;

	smtp_reply_init(&c->rp);
	do {
		if (lmtp_line(c, line, sizeof(line), &len) == -1)
			return -1;
		st = smtp_reply_feed(&c->rp, line, len);
		if (st == SMTP_REPLY_ERROR)
			return lmtp_broken(c, "bad reply: %s", c->rp.err);
	} while (st != SMTP_REPLY_DONE);
	return c->rp.code;
}

/* lmtp_body - the prefix and the message, stuffed, and the final dot */
static int
lmtp_body(struct lmtp_conn *c)
{
	const struct lmtp_tx	*tx = c->tx;
	struct smtp_data_out	 st;
	char			 chunk[LMTP_CHUNK], out[2 * LMTP_CHUNK + 8];
	size_t			 len, off, used, outlen;
	ssize_t			 n;
	int			 first = 1;

	smtp_data_out_init(&st);
	for (;;) {
		if (first && tx->prefix != NULL) {
			len = strlcpy(chunk, tx->prefix, sizeof(chunk));
			if (len >= sizeof(chunk))
				return lmtp_broken(c, "prefix too long");
		} else {
			while ((n = read(tx->msg_fd, chunk, sizeof(chunk))) ==
			    -1 && errno == EINTR)
				;
			if (n == -1)
				return lmtp_broken(c, "reading the message: %s",
				    strerror(errno));
			if (n == 0)
				break;
			len = (size_t)n;
		}
		first = 0;
		for (off = 0; off < len; off += used) {
			smtp_data_stuff(&st, chunk + off, len - off, &used,
			    out, sizeof(out), &outlen);
			if (lmtp_write(c, out, outlen) == -1)
				return -1;
		}
	}
	if (smtp_data_stuff_end(&st, out, sizeof(out), &outlen) == -1)
		panic("lmtp: no room for the final dot");
	return lmtp_write(c, out, outlen);
}

/* lmtp_judge - one recipient's outcome from the engine's result */
static void
lmtp_judge(struct lmtp_rcpt *r, const struct smtp_client_result *res)
{
	enum local_status	 st;
	char			 why[ERRTEXT_MAX];

	st = res->verdict == SMTP_CLIENT_V_OK ? LOCAL_OK :
	    res->verdict == SMTP_CLIENT_V_PERMFAIL ? LOCAL_PERMFAIL :
	    LOCAL_TEMPFAIL;
	if (res->verdict == SMTP_CLIENT_V_HOST || res->code == 0) {
		r->code = 0;
		smtp_client_text_why(res, why, sizeof(why));
		local_result_set(&r->res, st, "lmtp: %s", why);
		return;
	}
	r->code = res->code;
	local_result_set(&r->res, st, "lmtp: %d%s%s %s", res->code,
	    res->enhanced[0] ? " " : "", res->enhanced, res->text);
}

/* lmtp_io_send - smtp_client_io: one command line */
static int
lmtp_io_send(void *arg, const char *line, size_t len, char *err,
    size_t errsz)
{
	struct lmtp_conn	*c = arg;

	if (lmtp_write(c, line, len) == -1)
		return (void)strlcpy(err, c->err, errsz), -1;
	return 0;
}

/* lmtp_io_read - smtp_client_io: one whole reply */
static const struct smtp_reply_parser *
lmtp_io_read(void *arg, char *err, size_t errsz)
{
	struct lmtp_conn	*c = arg;

	if (lmtp_reply(c) == -1)
		return (void)strlcpy(err, c->err, errsz), NULL;
	return &c->rp;
}

/* lmtp_io_body - smtp_client_io: the message and the final dot */
static int
lmtp_io_body(void *arg, char *err, size_t errsz)
{
	struct lmtp_conn	*c = arg;

	if (lmtp_body(c) == -1)
		return (void)strlcpy(err, c->err, errsz), -1;
	return 0;
}

static const struct smtp_client_io lmtp_io = {
	lmtp_io_send, lmtp_io_read, lmtp_io_body
};

/*
 * lmtp_session - run one transaction on a connected fd (made
 * non-blocking here).  Every recipient gets its code and result; those
 * the server never answered are temporary failures naming the reason.
 * 0 when the session ran to its end, -1 when it broke off.
 */
int
lmtp_session(int fd, struct lmtp_tx *tx)
{
	struct lmtp_conn		 c;
	struct smtp_client		 cl;
	struct smtp_client_params	 p;
	struct smtp_client_rcpt		*cr;
	size_t				 i;
	int				 rv;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.timeout_ms = (int)(tx->timeout ? tx->timeout : LMTP_TIMEOUT) * 1000;
	for (i = 0; i < tx->nrcpts; i++)
		tx->rcpts[i].code = 0;
	if (tx->nrcpts == 0 || tx->nrcpts > LMTP_RCPT_MAX)
		(void)lmtp_broken(&c, "%zu recipients", tx->nrcpts);
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		(void)lmtp_broken(&c, "fcntl: %s", strerror(errno));
	if (c.err[0] != '\0') {
		for (i = 0; i < tx->nrcpts; i++)
			local_result_set(&tx->rcpts[i].res, LOCAL_TEMPFAIL,
			    "lmtp: %s", c.err);
		return -1;
	}
	cr = xcalloc(tx->nrcpts, sizeof(*cr));
	for (i = 0; i < tx->nrcpts; i++)
		cr[i].addr = tx->rcpts[i].addr;
	memset(&p, 0, sizeof(p));
	p.flags = SMTP_CLIENT_F_LMTP | SMTP_CLIENT_F_BARE;
	p.helo = tx->lhlo;
	p.sender = tx->sender;
	p.rcpts = cr;
	p.nrcpts = tx->nrcpts;
	smtp_client_init(&cl, &p);
	c.tx = tx;
	smtp_client_run(&cl, &lmtp_io, &c);
	for (i = 0; i < tx->nrcpts; i++)
		lmtp_judge(&tx->rcpts[i], &cr[i].res);
	rv = cl.res.verdict == SMTP_CLIENT_V_OK ? 0 : -1;
	free(cr);
	return rv;
}

/*
 * lmtp_split - host and port of "host:port", "[addr]:port" or "host"
 * (port 24); 0 / -1
 */
static int
lmtp_split(const char *dest, char *host, size_t hostsz, char *port,
    size_t portsz)
{
	const char	*p, *end;
	size_t		 hl;

	if (dest[0] == '[') {
		if ((end = strchr(dest, ']')) == NULL)
			return -1;
		p = end[1] == ':' ? end + 2 : end[1] == '\0' ? NULL : "";
		dest++;
	} else {
		end = strrchr(dest, ':');
		if (end != NULL && strchr(dest, ':') != end)
			end = NULL;	/* a bare IPv6 address */
		p = end ? end + 1 : NULL;
		if (end == NULL)
			end = dest + strlen(dest);
	}
	hl = (size_t)(end - dest);
	if (hl == 0 || hl >= hostsz || (p != NULL && (p[0] == '\0' ||
	    strspn(p, "0123456789") != strlen(p))))
		return -1;
	memcpy(host, dest, hl);
	host[hl] = '\0';
	if (strlcpy(port, p ? p : "24", portsz) >= portsz)
		return -1;
	return 0;
}

/* lmtp_connect_one - connect fd to ai within timeout; 0 / -1 (errno) */
static int
lmtp_connect_one(int fd, const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd	 pfd;
	socklen_t	 sl = sizeof(int);
	int		 n, soerr = 0;

	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	while ((n = poll(&pfd, 1, timeout_ms)) == -1 && errno == EINTR)
		;
	if (n <= 0) {
		errno = n == 0 ? ETIMEDOUT : errno;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

/*
 * lmtp_connect - a stream connected to dest: a Unix socket when it
 * starts with '/', else a host and port tried address by address
 */
int
lmtp_connect(const char *dest, unsigned int timeout, char *err, size_t errsz)
{
	struct addrinfo	 hints, *res, *ai;
	char		 host[HOST_MAX], port[16];
	int		 fd = -1, rc;

	if (dest[0] == '/')
		return unixsock_connect(dest, SOCK_STREAM, err, errsz);
	if (lmtp_split(dest, host, sizeof(host), port, sizeof(port)) == -1)
		return snprintf(err, errsz, "bad destination \"%s\"", dest), -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return snprintf(err, errsz, "%s: %s", host, gai_strerror(rc)),
		    -1;
	snprintf(err, errsz, "%s: no address", host);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd != -1 && lmtp_connect_one(fd, ai,
		    (int)(timeout ? timeout : LMTP_TIMEOUT) * 1000) == 0)
			break;
		snprintf(err, errsz, "%s port %s: %s", host, port,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * lmtp_deliver - deliver ld's message to the LMTP server at dest for one
 * recipient: the login name, or with rcpt_to the recipient address
 */
enum local_status
lmtp_deliver(const struct local_delivery *ld, const char *dest, int rcpt_to,
    struct local_result *res)
{
	struct lmtp_rcpt	 r;
	struct lmtp_tx		 tx;
	struct buf		 prefix;
	struct sigaction	 ign, old;
	char			 host[HOST_MAX], err[ERRTEXT_MAX];
	int			 fd;

	buf_init(&prefix, LOCAL_HDR_MAX);
	if (local_hdr_format(&prefix, ld->sender, ld->rcpt) == -1) {
		buf_free(&prefix);
		return local_result_set(res, LOCAL_PERMFAIL,
		    "invalid sender or recipient address");
	}
	if ((fd = lmtp_connect(dest, 0, err, sizeof(err))) == -1) {
		buf_free(&prefix);
		return local_result_set(res, LOCAL_TEMPFAIL, "lmtp: %s", err);
	}
	if (gethostname(host, sizeof(host)) == -1)
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	memset(&r, 0, sizeof(r));
	local_result_init(&r.res);
	r.addr = rcpt_to ? ld->rcpt : ld->user;
	memset(&tx, 0, sizeof(tx));
	tx.lhlo = host;
	tx.sender = ld->sender;
	tx.prefix = prefix.data;
	tx.msg_fd = ld->msg_fd;
	tx.rcpts = &r;
	tx.nrcpts = 1;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	(void)sigaction(SIGPIPE, &ign, &old);
	(void)lmtp_session(fd, &tx);
	(void)sigaction(SIGPIPE, &old, NULL);
	close(fd);
	buf_free(&prefix);
	*res = r.res;
	return res->status;
}
