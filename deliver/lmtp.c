/*
 * lmtp.c - the LMTP client of local delivery (see lmtp.h).
 *
 * Commands are built with smtp_cmd_format, replies are read with
 * smtp_reply_feed and the message leaves through smtp_data_stuff, so the
 * wire syntax is the protocol core's.  The descriptor is non-blocking and
 * every wait is bounded by the session's time limit.
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
#include "smtp_cmd.h"
#include "smtp_data.h"
#include "smtp_reply.h"
#include "unixsock.h"

#define LMTP_CHUNK	16384
#define LMTP_IN_MAX	(2 * SMTP_REPLY_LINE_MAX)

struct lmtp_conn {
	int				 fd;
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
			return lmtp_broken(c, "bad reply: %s", c->rp.errstr);
	} while (st != SMTP_REPLY_DONE);
	return c->rp.code;
}

/* lmtp_cmd - send one command and read its reply; the code or -1 */
static int
lmtp_cmd(struct lmtp_conn *c, const struct smtp_cmd *cmd)
{
	char	 line[SMTP_CMD_LINE_MAX + 2];

	if (smtp_cmd_format(cmd, line, sizeof(line)) == -1)
		return lmtp_broken(c, "cannot format %s",
		    smtp_cmd_name(cmd->verb));
	if (lmtp_write(c, line, strlen(line)) == -1)
		return -1;
	return lmtp_reply(c);
}

/*
 * lmtp_addr - an address as a Path for MAIL or RCPT: "" is "<>", a bare
 * login name is sent as "<name>", anything else must parse as a path.
 */
static int
lmtp_addr(const char *s, int flags, struct smtp_addr *a)
{
	char		 path[ADDR_MAX + 2];
	const char	*errstr;
	size_t		 used, i;

	memset(a, 0, sizeof(*a));
	if (s[0] != '\0' && strchr(s, '@') == NULL) {
		for (i = 0; s[i] != '\0'; i++)
			if (strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+", s[i]) ==
			    NULL)
				return -1;
		if (strlcpy(a->user, s, sizeof(a->user)) >= sizeof(a->user))
			return -1;
		a->kind = SMTP_ADDR_POSTMASTER;	/* formats as "<user>" */
		return 0;
	}
	if ((size_t)snprintf(path, sizeof(path), "<%s>", s) >= sizeof(path))
		return -1;
	return smtp_addr_parse(path, strlen(path), flags | SMTP_ADDR_F_UTF8,
	    a, &used, &errstr) == 0 && used == strlen(path) ? 0 : -1;
}

/* lmtp_judge - one recipient's outcome from the reply just read */
static void
lmtp_judge(struct lmtp_conn *c, struct lmtp_rcpt *r, int code)
{
	enum local_status	 st;
	const char		*text = smtp_reply_line(&c->rp, 0);

	st = code / 100 == 2 ? LOCAL_OK : code / 100 == 4 ? LOCAL_TEMPFAIL :
	    LOCAL_PERMFAIL;
	r->code = code;
	local_hdr_result(&r->res, st, "lmtp: %d%s%s %s", code,
	    c->rp.enhanced[0] ? " " : "", c->rp.enhanced, text ? text : "");
}

/* lmtp_judge_all - every recipient still open gets this reply's verdict */
static void
lmtp_judge_all(struct lmtp_conn *c, struct lmtp_tx *tx, int code)
{
	size_t	 i;

	for (i = 0; i < tx->nrcpts; i++)
		if (tx->rcpts[i].code == 0)
			lmtp_judge(c, &tx->rcpts[i], code);
}

/* lmtp_hello - greeting, LHLO and MAIL FROM; 0, or -1 (session over) */
static int
lmtp_hello(struct lmtp_conn *c, struct lmtp_tx *tx)
{
	struct smtp_cmd	 cmd;
	int		 code;

	if ((code = lmtp_reply(c)) == -1)
		return -1;
	if (code != 220)
		return lmtp_broken(c, "greeting: %d %s", code,
		    smtp_reply_line(&c->rp, 0));
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = SMTP_CMD_LHLO;
	if (strlcpy(cmd.arg, tx->lhlo, sizeof(cmd.arg)) >= sizeof(cmd.arg))
		return lmtp_broken(c, "LHLO name too long");
	if ((code = lmtp_cmd(c, &cmd)) == -1)
		return -1;
	if (code != 250)
		return lmtp_broken(c, "LHLO: %d %s", code,
		    smtp_reply_line(&c->rp, 0));
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = SMTP_CMD_MAIL;
	if (tx->sender[0] == '\0')
		cmd.addr.kind = SMTP_ADDR_NULL;
	else if (lmtp_addr(tx->sender, SMTP_ADDR_F_MAIL, &cmd.addr) == -1) {
		lmtp_judge_all(c, tx, 553);
		return lmtp_broken(c, "invalid sender address");
	}
	if (cmd.addr.kind & SMTP_ADDR_UTF8)
		cmd.params |= SMTP_CMD_P_SMTPUTF8;
	if ((code = lmtp_cmd(c, &cmd)) == -1)
		return -1;
	if (code != 250) {
		lmtp_judge_all(c, tx, code);
		return -1;
	}
	return 0;
}

/* lmtp_rcpts - one RCPT TO per recipient; how many were accepted, or -1 */
static int
lmtp_rcpts(struct lmtp_conn *c, struct lmtp_tx *tx, int *accepted)
{
	struct smtp_cmd	 cmd;
	size_t		 i;
	int		 code, n = 0;

	for (i = 0; i < tx->nrcpts; i++) {
		accepted[i] = 0;
		memset(&cmd, 0, sizeof(cmd));
		cmd.verb = SMTP_CMD_RCPT;
		if (lmtp_addr(tx->rcpts[i].addr, SMTP_ADDR_F_RCPT,
		    &cmd.addr) == -1) {
			tx->rcpts[i].code = 553;
			local_hdr_result(&tx->rcpts[i].res, LOCAL_PERMFAIL,
			    "lmtp: invalid recipient address");
			continue;
		}
		if ((code = lmtp_cmd(c, &cmd)) == -1)
			return -1;
		if (code / 100 == 2) {
			accepted[i] = 1;
			n++;
		} else
			lmtp_judge(c, &tx->rcpts[i], code);
	}
	return n;
}

/* lmtp_body - the prefix and the message, stuffed, and the final dot */
static int
lmtp_body(struct lmtp_conn *c, struct lmtp_tx *tx)
{
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

/* lmtp_data - DATA, the message, one reply per accepted recipient */
static int
lmtp_data(struct lmtp_conn *c, struct lmtp_tx *tx, const int *accepted)
{
	struct smtp_cmd	 cmd;
	size_t		 i;
	int		 code;

	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = SMTP_CMD_DATA;
	if ((code = lmtp_cmd(c, &cmd)) == -1)
		return -1;
	if (code != 354) {
		lmtp_judge_all(c, tx, code / 100 == 5 ? code : 451);
		return -1;
	}
	if (lmtp_body(c, tx) == -1)
		return -1;
	for (i = 0; i < tx->nrcpts; i++) {
		if (!accepted[i])
			continue;
		if ((code = lmtp_reply(c)) == -1)
			return -1;
		lmtp_judge(c, &tx->rcpts[i], code);
	}
	return 0;
}

/*
 * lmtp_session - run one transaction on a connected fd (made
 * non-blocking here).  Every recipient gets its code and result; those
 * the server never answered are temporary failures naming the reason.
 * 0 when the session ran to its end, -1 when it broke off.
 */
int
lmtp_session(int fd, struct lmtp_tx *tx)
{
	struct lmtp_conn	 c;
	struct smtp_cmd		 quit;
	int			 accepted[LMTP_RCPT_MAX], n, rv = -1;
	size_t			 i;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.timeout_ms = (int)(tx->timeout ? tx->timeout : LMTP_TIMEOUT) * 1000;
	for (i = 0; i < tx->nrcpts; i++)
		tx->rcpts[i].code = 0;
	if (tx->nrcpts == 0 || tx->nrcpts > LMTP_RCPT_MAX)
		(void)lmtp_broken(&c, "%zu recipients", tx->nrcpts);
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		(void)lmtp_broken(&c, "fcntl: %s", strerror(errno));
	else if (lmtp_hello(&c, tx) == 0 &&
	    (n = lmtp_rcpts(&c, tx, accepted)) != -1 &&
	    (n == 0 || lmtp_data(&c, tx, accepted) == 0)) {
		memset(&quit, 0, sizeof(quit));
		quit.verb = SMTP_CMD_QUIT;
		(void)lmtp_cmd(&c, &quit);
		rv = 0;
	}
	for (i = 0; i < tx->nrcpts; i++)
		if (tx->rcpts[i].code == 0)
			local_hdr_result(&tx->rcpts[i].res, LOCAL_TEMPFAIL,
			    "lmtp: %s", c.err[0] ? c.err : "no answer");
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
		return local_hdr_result(res, LOCAL_PERMFAIL,
		    "invalid sender or recipient address");
	}
	if ((fd = lmtp_connect(dest, 0, err, sizeof(err))) == -1) {
		buf_free(&prefix);
		return local_hdr_result(res, LOCAL_TEMPFAIL, "lmtp: %s", err);
	}
	if (gethostname(host, sizeof(host)) == -1)
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	memset(&r, 0, sizeof(r));
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
