/*
 * qstore_offline.c - drop files of the local enqueuer while the daemon
 * is down, and their strict parser.
 *
 * offline/ is writable by every local user (sticky), so nothing in a
 * file is trusted: the reader checks the claimed uid against the file's
 * owner.  File format, version 1:
 *
 *	version: 1\n
 *	uid: <decimal uid>\n
 *	sender: <address>\n
 *	rcpt: <address>\n		(1 to QSTORE_OFFLINE_RCPT_MAX lines)
 *	\n
 *	<the message, "\n" line endings>
 *
 * The header lines come in exactly this order.  An address is 1 to
 * SMTP_PATH_MAX - 1 bytes with no control byte, space, DEL, '<' or '>';
 * 8-bit bytes (SMTPUTF8) are allowed.  A file is written as
 * offline/tmp.<random>, fsync'd, then renamed to offline/<random>, so the
 * reader only ever sees whole files and skips "tmp." names.
 *
 * The walk (at the queue's start and then periodically) never lets a
 * file stay for good: one whose message is larger than the limit, or
 * that could not be queued QSTORE_OFFLINE_TRIES times, moves to
 * quarantine/offline.<name> with an event=offline-quarantine line.  A
 * file's failures so far are part of its name (",1" to ",4" appended),
 * so they survive restarts and cost no other file.
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
#include "log.h"
#include "qstore.h"
#include "qstore_priv.h"
#include "xmalloc.h"

#define QSTORE_OFFLINE_TMP	"tmp."

/* qstore_offline_addr_ok - an address is acceptable in a drop file */
static int
qstore_offline_addr_ok(const char *s, size_t len)
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

/* qstore_offline_uid - a decimal uid without leading zeros; 0 / -1 */
static int
qstore_offline_uid(const char *s, size_t len, uid_t *uid)
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

/* qstore_offline_line - the next line's value for key; its length or -1 */
static int
qstore_offline_line(const char *buf, size_t len, size_t *off,
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

/* qstore_offline_fail - set the error and release what was parsed */
static int
qstore_offline_fail(struct qstore_offline *h, char *err, size_t errsz,
    const char *why)
{
	(void)snprintf(err, errsz, "offline file: %s", why);
	qstore_offline_free(h);
	return -1;
}

/* qstore_offline_rcpts - parse the rcpt lines up to the blank line */
static int
qstore_offline_rcpts(struct qstore_offline *h, const char *buf, size_t len,
    size_t *off, char *err, size_t errsz)
{
	const char	*v;
	int		 n;

	h->rcpts = xcalloc(QSTORE_OFFLINE_RCPT_MAX, sizeof(*h->rcpts));
	while (*off < len && buf[*off] != '\n') {
		if ((n = qstore_offline_line(buf, len, off, "rcpt", &v)) == -1)
			return qstore_offline_fail(h, err, errsz,
			    "bad recipient line");
		if (!qstore_offline_addr_ok(v, (size_t)n))
			return qstore_offline_fail(h, err, errsz,
			    "bad recipient address");
		if (h->nrcpt == QSTORE_OFFLINE_RCPT_MAX)
			return qstore_offline_fail(h, err, errsz,
			    "too many recipients");
		memcpy(h->rcpts[h->nrcpt], v, (size_t)n);
		h->rcpts[h->nrcpt++][n] = '\0';
	}
	if (*off >= len)
		return qstore_offline_fail(h, err, errsz, "header not ended");
	if (h->nrcpt == 0)
		return qstore_offline_fail(h, err, errsz, "no recipient");
	(*off)++;
	return 0;
}

/*
 * qstore_offline_parse - parse the header of an untrusted drop file whose
 * first len bytes are in buf (at most QSTORE_OFFLINE_HDR_MAX are looked
 * at).  On success h->body_off is the message's offset; release h with
 * qstore_offline_free.
 */
int
qstore_offline_parse(struct qstore_offline *h, const char *buf, size_t len,
    char *err, size_t errsz)
{
	const char	*v;
	size_t		 off = 0, i;
	int		 n;

	memset(h, 0, sizeof(*h));
	if (len > QSTORE_OFFLINE_HDR_MAX)
		len = QSTORE_OFFLINE_HDR_MAX;
	for (i = 0; i < len && !(buf[i] == '\n' && i > 0 &&
	    buf[i - 1] == '\n'); i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
			return qstore_offline_fail(h, err, errsz,
			    "control character in header");
	if ((n = qstore_offline_line(buf, len, &off, "version", &v)) != 1 ||
	    v[0] != '1')
		return qstore_offline_fail(h, err, errsz, "not version 1");
	if ((n = qstore_offline_line(buf, len, &off, "uid", &v)) == -1 ||
	    qstore_offline_uid(v, (size_t)n, &h->uid) == -1)
		return qstore_offline_fail(h, err, errsz, "bad uid line");
	if ((n = qstore_offline_line(buf, len, &off, "sender", &v)) == -1 ||
	    !qstore_offline_addr_ok(v, (size_t)n))
		return qstore_offline_fail(h, err, errsz, "bad sender");
	memcpy(h->sender, v, (size_t)n);
	h->sender[n] = '\0';
	if (qstore_offline_rcpts(h, buf, len, &off, err, errsz) == -1)
		return -1;
	h->body_off = off;
	return 0;
}

/* qstore_offline_free - release a parsed header */
void
qstore_offline_free(struct qstore_offline *h)
{
	free(h->rcpts);
	h->rcpts = NULL;
	h->nrcpt = 0;
}

/* qstore_offline_header - format the header into a new buffer; len or -1 */
static int
qstore_offline_header(uid_t uid, const char *sender, const char *const *rcpts,
    size_t nrcpt, char **out, char *err, size_t errsz)
{
	struct buf	b;
	size_t		i;
	int		r;

	if (nrcpt == 0 || nrcpt > QSTORE_OFFLINE_RCPT_MAX ||
	    !qstore_offline_addr_ok(sender, strlen(sender))) {
		(void)snprintf(err, errsz, "offline file: bad sender or "
		    "recipient count");
		return -1;
	}
	buf_init(&b, QSTORE_OFFLINE_HDR_MAX);
	r = buf_printf(&b, "version: 1\nuid: %lu\nsender: %s\n",
	    (unsigned long)uid, sender);
	for (i = 0; i < nrcpt && r == 0; i++) {
		if (!qstore_offline_addr_ok(rcpts[i], strlen(rcpts[i])))
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

/* qstore_offline_put - write all of data to fd; 0 / -1 */
static int
qstore_offline_put(int fd, const char *data, size_t len)
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
 * qstore_offline_open - start a drop file in offline_dirfd: the header is
 * written, the message goes to tx->fd, then qstore_offline_commit.
 */
int
qstore_offline_open(struct qstore_offline_tx *tx, int offline_dirfd,
    uid_t uid, const char *sender, const char *const *rcpts, size_t nrcpt,
    char *err, size_t errsz)
{
	char	*hdr;
	int	 len, tries;

	memset(tx, 0, sizeof(*tx));
	tx->dirfd = offline_dirfd;
	tx->fd = -1;
	if ((len = qstore_offline_header(uid, sender, rcpts, nrcpt, &hdr, err,
	    errsz)) == -1)
		return -1;
	for (tries = 0; tries < 100 && tx->fd == -1; tries++) {
		(void)snprintf(tx->tmp, sizeof(tx->tmp), "%s%08x%08x",
		    QSTORE_OFFLINE_TMP, arc4random(), arc4random());
		tx->fd = openat(offline_dirfd, tx->tmp, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (tx->fd == -1 && errno != EEXIST)
			break;
	}
	/* readable by the spool owner, which is not the writer */
	if (tx->fd == -1 || fchmod(tx->fd, 0644) == -1 ||
	    qstore_offline_put(tx->fd, hdr, (size_t)len) == -1) {
		(void)snprintf(err, errsz, "offline file: %s", strerror(errno));
		free(hdr);
		qstore_offline_cancel(tx);
		return -1;
	}
	free(hdr);
	return 0;
}

/* qstore_offline_commit - fsync the drop file and publish it */
int
qstore_offline_commit(struct qstore_offline_tx *tx, char *err, size_t errsz)
{
	char	final[sizeof(tx->tmp)];

	strlcpy(final, tx->tmp + strlen(QSTORE_OFFLINE_TMP), sizeof(final));
	if (fsync(tx->fd) == -1 || close(tx->fd) == -1) {
		tx->fd = -1;
		(void)snprintf(err, errsz, "offline file: %s", strerror(errno));
		qstore_offline_cancel(tx);
		return -1;
	}
	tx->fd = -1;
	if (renameat(tx->dirfd, tx->tmp, tx->dirfd, final) == -1 ||
	    fsync(tx->dirfd) == -1) {
		(void)snprintf(err, errsz, "offline file: %s", strerror(errno));
		qstore_offline_cancel(tx);
		return -1;
	}
	return 0;
}

/* qstore_offline_cancel - drop an unfinished drop file */
void
qstore_offline_cancel(struct qstore_offline_tx *tx)
{
	if (tx->fd != -1)
		close(tx->fd);
	tx->fd = -1;
	if (tx->tmp[0] != '\0')
		(void)unlinkat(tx->dirfd, tx->tmp, 0);
	tx->tmp[0] = '\0';
}

/* qstore_offline_write - write a whole drop file from memory */
int
qstore_offline_write(int offline_dirfd, uid_t uid, const char *sender,
    const char *const *rcpts, size_t nrcpt, const char *msg, size_t msglen,
    char *err, size_t errsz)
{
	struct qstore_offline_tx	tx;

	if (qstore_offline_open(&tx, offline_dirfd, uid, sender, rcpts, nrcpt,
	    err, errsz) == -1)
		return -1;
	if (qstore_offline_put(tx.fd, msg, msglen) == -1) {
		(void)snprintf(err, errsz, "offline file: %s", strerror(errno));
		qstore_offline_cancel(&tx);
		return -1;
	}
	return qstore_offline_commit(&tx, err, errsz);
}

/*
 * qstore_offline_quarantine - move a drop file to quarantine/ as
 * offline.<name> (never over an earlier one), with a log line
 */
static void
qstore_offline_quarantine(struct qstore *q, const char *name, const char *why)
{
	char	dst[NAME_MAX + 1], vis[NAME_MAX * 4 + 1], wvis[256];
	int	i;

	log_vis(vis, sizeof(vis), name);
	log_warnx("qstore event=offline-quarantine file=%s reason=\"%s\"", vis,
	    log_vis(wvis, sizeof(wvis), why));
	(void)snprintf(dst, sizeof(dst), "offline.%.200s", name);
	for (i = 0; i < 10; i++) {
		if (renameat2(qstore_area_fd(q, QSTORE_AREA_OFFLINE), name,
		    qstore_area_fd(q, QSTORE_AREA_QUARANTINE), dst,
		    RENAME_NOREPLACE) == 0) {
			qstore_count_quarantined(q);
			return;
		}
		if (errno != EEXIST)
			break;
		(void)snprintf(dst, sizeof(dst), "offline.%.200s.%08x", name,
		    arc4random());
	}
	log_warn("qstore event=offline-quarantine file=%s", vis);
}

/*
 * qstore_offline_tries - the failures a drop file's name records: a
 * name ending in ",N" (N from 1 to QSTORE_OFFLINE_TRIES - 1) after a
 * base of at least one character has failed N times; any other none
 */
unsigned
qstore_offline_tries(const char *name, size_t *baselen)
{
	size_t	len = strlen(name);

	*baselen = len;
	if (len < 3 || name[len - 2] != ',' || name[len - 1] < '1' ||
	    name[len - 1] >= '0' + QSTORE_OFFLINE_TRIES)
		return 0;
	*baselen = len - 2;
	return (unsigned)(name[len - 1] - '0');
}

/*
 * qstore_offline_failed - one more failure of a drop file: renamed to
 * record it, or quarantined after QSTORE_OFFLINE_TRIES (or when the
 * rename is not possible: a file is never kept without its count);
 * QSTORE_OFFLINE_FAILED or QSTORE_OFFLINE_QUARANTINED
 */
static int
qstore_offline_failed(struct qstore *q, const char *name)
{
	char		dst[NAME_MAX + 1], why[64];
	size_t		baselen;
	unsigned	tries = qstore_offline_tries(name, &baselen) + 1;
	int		dfd = qstore_area_fd(q, QSTORE_AREA_OFFLINE);

	(void)snprintf(why, sizeof(why), "failed %u times", tries);
	if (tries >= QSTORE_OFFLINE_TRIES || baselen > NAME_MAX - 2) {
		qstore_offline_quarantine(q, name, why);
		return QSTORE_OFFLINE_QUARANTINED;
	}
	(void)snprintf(dst, sizeof(dst), "%.*s,%u", (int)baselen, name, tries);
	if (renameat2(dfd, name, dfd, dst, RENAME_NOREPLACE) == -1) {
		qstore_offline_quarantine(q, name, strerror(errno));
		return QSTORE_OFFLINE_QUARANTINED;
	}
	if (fsync(dfd) == -1)
		log_warn("qstore: fsync offline");
	return QSTORE_OFFLINE_FAILED;
}

/* qstore_offline_load - open, read and check one drop file; fd or -1 */
static int
qstore_offline_load(struct qstore *q, const char *name,
    struct qstore_offline *h, struct stat *sb, char *err, size_t errsz)
{
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = openat(qstore_area_fd(q, QSTORE_AREA_OFFLINE), name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode) ||
	    sb->st_nlink != 1) {
		(void)snprintf(err, errsz, "not a plain file");
		if (fd != -1)
			close(fd);
		return -1;
	}
	buf = xmalloc(QSTORE_OFFLINE_HDR_MAX);
	while (len < QSTORE_OFFLINE_HDR_MAX && (n = read(fd, buf + len,
	    QSTORE_OFFLINE_HDR_MAX - len)) > 0)
		len += (size_t)n;
	if (qstore_offline_parse(h, buf, len, err, errsz) == -1) {
		free(buf);
		close(fd);
		return -1;
	}
	free(buf);
	if (h->uid != sb->st_uid || lseek(fd, (off_t)h->body_off,
	    SEEK_SET) == -1) {
		(void)snprintf(err, errsz, "claimed uid %lu, owner %lu",
		    (unsigned long)h->uid, (unsigned long)sb->st_uid);
		qstore_offline_free(h);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * qstore_offline_one - one drop file: checked, too large or handed to
 * cb; what became of it (QSTORE_OFFLINE_* of cb, or _QUARANTINED)
 */
static int
qstore_offline_one(struct qstore *q, const char *name, uint64_t maxbody,
    int (*cb)(const struct qstore_offline *, int fd, void *), void *arg)
{
	struct qstore_offline	 h;
	struct stat		 sb;
	char			 err[128];
	uint64_t		 body;
	size_t			 baselen;
	int			 fd, r;

	if ((fd = qstore_offline_load(q, name, &h, &sb, err,
	    sizeof(err))) == -1) {
		qstore_offline_quarantine(q, name, err);
		return QSTORE_OFFLINE_QUARANTINED;
	}
	body = (uint64_t)sb.st_size > h.body_off ? (uint64_t)sb.st_size -
	    h.body_off : 0;
	if (body > maxbody) {
		(void)snprintf(err, sizeof(err), "too large: %llu bytes",
		    (unsigned long long)body);
		qstore_offline_free(&h);
		close(fd);
		qstore_offline_quarantine(q, name, err);
		return QSTORE_OFFLINE_QUARANTINED;
	}
	h.name = name;
	h.tries = qstore_offline_tries(name, &baselen);
	r = cb(&h, fd, arg);
	close(fd);
	qstore_offline_free(&h);
	if (r == QSTORE_OFFLINE_FAILED)
		return qstore_offline_failed(q, name);
	if (r == QSTORE_OFFLINE_QUEUED && (unlinkat(qstore_area_fd(q,
	    QSTORE_AREA_OFFLINE), name, 0) == -1 || fsync(qstore_area_fd(q,
	    QSTORE_AREA_OFFLINE)) == -1))
		log_warn("qstore: removing offline/%s", log_vis(err,
		    sizeof(err), name));
	return r;
}

/*
 * qstore_offline_walk - hand each complete drop file to cb with its
 * checked header and an fd positioned at the message.  cb returns
 * QSTORE_OFFLINE_QUEUED once the message is durably queued (the file
 * is then removed), QSTORE_OFFLINE_FAILED when it was not (the file is
 * kept, its failures counted in its name, and quarantined after
 * QSTORE_OFFLINE_TRIES), or QSTORE_OFFLINE_STOP to end the walk with
 * the file as it was (the daemon is down).  Bad files, and files whose
 * message is larger than maxbody, are quarantined without calling cb.
 * The names are read first, so a renamed file is not seen twice.
 */
int
qstore_offline_walk(struct qstore *q, uint64_t maxbody,
    int (*cb)(const struct qstore_offline *, int fd, void *), void *arg,
    struct qstore_offline_stats *st)
{
	struct qstore_names	nm;
	size_t			i;
	int			r = 0;

	memset(st, 0, sizeof(*st));
	if (qstore_names_read(qstore_area_fd(q, QSTORE_AREA_OFFLINE), ".",
	    &nm) == -1)
		return -1;
	for (i = 0; i < nm.n && r != QSTORE_OFFLINE_STOP; i++) {
		if (nm.v[i][0] == '.' || strncmp(nm.v[i], QSTORE_OFFLINE_TMP,
		    strlen(QSTORE_OFFLINE_TMP)) == 0)
			continue;
		st->seen++;
		switch ((r = qstore_offline_one(q, nm.v[i], maxbody, cb,
		    arg))) {
		case QSTORE_OFFLINE_QUEUED:
			st->queued++;
			break;
		case QSTORE_OFFLINE_QUARANTINED:
			st->quarantined++;
			break;
		default:
			st->kept++;
			break;
		}
	}
	qstore_names_free(&nm);
	return 0;
}
