/*
 * offline.c - the drop files the local enqueuer writes while the daemon
 * is down, and their strict parser (the queue reads them:
 * queue/queue/qstore_offline.c).
 *
 * offline/ is writable by every local user (sticky), so nothing in a
 * file is trusted: the reader checks the claimed uid against the file's
 * owner.  File format, version 1:
 *
 *	version: 1\n
 *	uid: <decimal uid>\n
 *	sender: <address>\n
 *	rcpt: <address>\n		(1 to OFFLINE_RCPT_MAX lines)
 *	\n
 *	<the message, "\n" line endings>
 *
 * The header lines come in exactly this order.  An address is 1 to
 * SMTP_PATH_MAX - 1 bytes with no control byte, space, DEL, '<' or '>';
 * 8-bit bytes (SMTPUTF8) are allowed.  A file is written as
 * offline/tmp.<random>, fsync'd, then renamed to offline/<random>, so the
 * reader only ever sees whole files and skips "tmp." names.
 *
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "offline.h"
#include "xmalloc.h"

/* offline_addr_ok - an address is acceptable in a drop file */
static int
offline_addr_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len >= SMTP_PATH_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

/* offline_uid - a decimal uid without leading zeros; 0 / -1 */
static int
offline_uid(const char *s, size_t len, uid_t *uid)
{
	unsigned long long	v = 0;
	size_t			i;

	if (len == 0 || len > 10 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (v >= (uid_t)-1)
		return -1;
	*uid = (uid_t)v;
	return 0;
}

/* offline_line - the next line's value for key; its length or -1 */
static int
offline_line(const char *buf, size_t len, size_t *off,
    const char *key, const char **val)
{
	const char	*line = buf + *off, *nl;
	size_t		 klen = strlen(key);

	if ((nl = memchr(line, '\n', len - *off)) == NULL)
		return -1;
	if ((size_t)(nl - line) < klen + 2 || memcmp(line, key, klen) != 0 ||
	    line[klen] != ':' || line[klen + 1] != ' ')
		return -1;
	*val = line + klen + 2;
	*off += (size_t)(nl - line) + 1;
	return (int)(nl - *val);
}

/* offline_fail - set the error and release what was parsed */
static int
offline_fail(struct offline *h, char *err, size_t errsz,
    const char *why)
{
	(void)snprintf(err, errsz, "offline file: %s", why);
	offline_free(h);
	return -1;
}

/* offline_rcpts - parse the rcpt lines up to the blank line */
static int
offline_rcpts(struct offline *h, const char *buf, size_t len,
    size_t *off, char *err, size_t errsz)
{
	const char	*v;
	int		 n;

	h->rcpts = xcalloc(OFFLINE_RCPT_MAX, sizeof(*h->rcpts));
	while (*off < len && buf[*off] != '\n') {
		if ((n = offline_line(buf, len, off, "rcpt", &v)) == -1)
			return offline_fail(h, err, errsz,
			    "bad recipient line");
		if (!offline_addr_ok(v, (size_t)n))
			return offline_fail(h, err, errsz,
			    "bad recipient address");
		if (h->nrcpt == OFFLINE_RCPT_MAX)
			return offline_fail(h, err, errsz,
			    "too many recipients");
		memcpy(h->rcpts[h->nrcpt], v, (size_t)n);
		h->rcpts[h->nrcpt++][n] = '\0';
	}
	if (*off >= len)
		return offline_fail(h, err, errsz, "header not ended");
	if (h->nrcpt == 0)
		return offline_fail(h, err, errsz, "no recipient");
	(*off)++;
	return 0;
}

/*
 * offline_parse - parse the header of an untrusted drop file whose
 * first len bytes are in buf (at most OFFLINE_HDR_MAX are looked
 * at).  On success h->body_off is the message's offset; release h with
 * offline_free.
 */
int
offline_parse(struct offline *h, const char *buf, size_t len,
    char *err, size_t errsz)
{
	const char	*v;
	size_t		 off = 0, i;
	int		 n;

	memset(h, 0, sizeof(*h));
	if (len > OFFLINE_HDR_MAX)
		len = OFFLINE_HDR_MAX;
	for (i = 0; i < len && !(buf[i] == '\n' && i > 0 &&
	    buf[i - 1] == '\n'); i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
			return offline_fail(h, err, errsz,
			    "control character in header");
	if ((n = offline_line(buf, len, &off, "version", &v)) != 1 ||
	    v[0] != '1')
		return offline_fail(h, err, errsz, "not version 1");
	if ((n = offline_line(buf, len, &off, "uid", &v)) == -1 ||
	    offline_uid(v, (size_t)n, &h->uid) == -1)
		return offline_fail(h, err, errsz, "bad uid line");
	if ((n = offline_line(buf, len, &off, "sender", &v)) == -1 ||
	    !offline_addr_ok(v, (size_t)n))
		return offline_fail(h, err, errsz, "bad sender");
	memcpy(h->sender, v, (size_t)n);
	h->sender[n] = '\0';
	if (offline_rcpts(h, buf, len, &off, err, errsz) == -1)
		return -1;
	h->body_off = off;
	return 0;
}

/* offline_free - release a parsed header */
void
offline_free(struct offline *h)
{
	free(h->rcpts);
	h->rcpts = NULL;
	h->nrcpt = 0;
}

/* offline_header - format the header into a new buffer; len or -1 */
static int
offline_header(uid_t uid, const char *sender, const char *const *rcpts,
    size_t nrcpt, char **out, char *err, size_t errsz)
{
	struct buf	b;
	size_t		i;
	int		r;

	if (nrcpt == 0 || nrcpt > OFFLINE_RCPT_MAX ||
	    !offline_addr_ok(sender, strlen(sender))) {
		(void)snprintf(err, errsz, "offline file: bad sender or "
		    "recipient count");
		return -1;
	}
	buf_init(&b, OFFLINE_HDR_MAX);
	r = buf_printf(&b, "version: 1\nuid: %lu\nsender: %s\n",
	    (unsigned long)uid, sender);
	for (i = 0; i < nrcpt && r == 0; i++) {
		if (!offline_addr_ok(rcpts[i], strlen(rcpts[i])))
			r = -1;
		else
			r = buf_printf(&b, "rcpt: %s\n", rcpts[i]);
	}
	if (r == 0)
		r = buf_addstr(&b, "\n");
	if (r == -1) {
		(void)snprintf(err, errsz, "offline file: bad recipient");
		buf_free(&b);
		return -1;
	}
	r = (int)b.len;
	*out = buf_release(&b);
	return r;
}

/* offline_put - write all of data to fd; 0 / -1 */
static int
offline_put(int fd, const char *data, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, data, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * offline_open - start a drop file in offline_dirfd: the header is
 * written, the message goes to tx->fd, then offline_commit.
 */
int
offline_open(struct offline_tx *tx, int offline_dirfd,
    uid_t uid, const char *sender, const char *const *rcpts, size_t nrcpt,
    char *err, size_t errsz)
{
	char	*hdr;
	int	 len, tries;

	memset(tx, 0, sizeof(*tx));
	tx->dirfd = offline_dirfd;
	tx->fd = -1;
	if ((len = offline_header(uid, sender, rcpts, nrcpt, &hdr, err,
	    errsz)) == -1)
		return -1;
	for (tries = 0; tries < 100 && tx->fd == -1; tries++) {
		(void)snprintf(tx->tmp, sizeof(tx->tmp), "%s%08x%08x",
		    OFFLINE_TMP, arc4random(), arc4random());
		tx->fd = openat(offline_dirfd, tx->tmp, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (tx->fd == -1 && errno != EEXIST)
			break;
	}
	/* readable by the spool owner, which is not the writer */
	if (tx->fd == -1 || fchmod(tx->fd, 0644) == -1 ||
	    offline_put(tx->fd, hdr, (size_t)len) == -1) {
		(void)snprintf(err, errsz, "offline file: %s", strerror(errno));
		free(hdr);
		offline_cancel(tx);
		return -1;
	}
	free(hdr);
	return 0;
}

/* offline_commit - fsync the drop file and publish it */
int
offline_commit(struct offline_tx *tx, char *err, size_t errsz)
{
	char	final[sizeof(tx->tmp)];

	strlcpy(final, tx->tmp + strlen(OFFLINE_TMP), sizeof(final));
	if (fsync(tx->fd) == -1 || close(tx->fd) == -1) {
		tx->fd = -1;
		(void)snprintf(err, errsz, "offline file: %s", strerror(errno));
		offline_cancel(tx);
		return -1;
	}
	tx->fd = -1;
	if (renameat(tx->dirfd, tx->tmp, tx->dirfd, final) == -1 ||
	    fsync(tx->dirfd) == -1) {
		(void)snprintf(err, errsz, "offline file: %s", strerror(errno));
		offline_cancel(tx);
		return -1;
	}
	return 0;
}

/* offline_cancel - drop an unfinished drop file */
void
offline_cancel(struct offline_tx *tx)
{
	if (tx->fd != -1)
		close(tx->fd);
	tx->fd = -1;
	if (tx->tmp[0] != '\0')
		(void)unlinkat(tx->dirfd, tx->tmp, 0);
	tx->tmp[0] = '\0';
}

/* offline_write - write a whole drop file from memory */
int
offline_write(int offline_dirfd, uid_t uid, const char *sender,
    const char *const *rcpts, size_t nrcpt, const char *msg, size_t msglen,
    char *err, size_t errsz)
{
	struct offline_tx	tx;

	if (offline_open(&tx, offline_dirfd, uid, sender, rcpts, nrcpt,
	    err, errsz) == -1)
		return -1;
	if (offline_put(tx.fd, msg, msglen) == -1) {
		(void)snprintf(err, errsz, "offline file: %s", strerror(errno));
		offline_cancel(&tx);
		return -1;
	}
	return offline_commit(&tx, err, errsz);
}
