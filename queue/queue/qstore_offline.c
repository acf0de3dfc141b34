/*
 * qstore_offline.c - the queue's side of the offline area: the walk over
 * the local enqueuer's drop files (their format and parser are in
 * common/offline.c).
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
#include "offline.h"
#include "qstore.h"
#include "qstore_priv.h"
#include "xmalloc.h"

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
	log_warnx("queue event=offline-quarantine file=%s reason=\"%s\"", vis,
	    log_vis(wvis, sizeof(wvis), why));
	(void)snprintf(dst, sizeof(dst), "offline.%.200s", name);
	for (i = 0; i < 10; i++) {
		if (renameat2(qstore_area_fd(q, SPOOL_AREA_OFFLINE), name,
		    qstore_area_fd(q, SPOOL_AREA_QUARANTINE), dst,
		    RENAME_NOREPLACE) == 0) {
			qstore_count_quarantined(q);
			return;
		}
		if (errno != EEXIST)
			break;
		(void)snprintf(dst, sizeof(dst), "offline.%.200s.%08x", name,
		    arc4random());
	}
	log_warnx("queue event=offline-quarantine-failed file=%s "
	    "error=\"%s\"", vis, strerror(errno));
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
	int		dfd = qstore_area_fd(q, SPOOL_AREA_OFFLINE);

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
		log_warnx("queue event=sync-failed dir=offline error=\"%s\"",
		    strerror(errno));
	return QSTORE_OFFLINE_FAILED;
}

/* qstore_offline_load - open, read and check one drop file; fd or -1 */
static int
qstore_offline_load(struct qstore *q, const char *name,
    struct offline *h, struct stat *sb, char *err, size_t errsz)
{
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = openat(qstore_area_fd(q, SPOOL_AREA_OFFLINE), name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode) ||
	    sb->st_nlink != 1) {
		(void)snprintf(err, errsz, "not a plain file");
		if (fd != -1)
			close(fd);
		return -1;
	}
	buf = xmalloc(OFFLINE_HDR_MAX);
	while (len < OFFLINE_HDR_MAX && (n = read(fd, buf + len,
	    OFFLINE_HDR_MAX - len)) > 0)
		len += (size_t)n;
	if (offline_parse(h, buf, len, err, errsz) == -1) {
		free(buf);
		close(fd);
		return -1;
	}
	free(buf);
	if (h->uid != sb->st_uid || lseek(fd, (off_t)h->body_off,
	    SEEK_SET) == -1) {
		(void)snprintf(err, errsz, "claimed uid %lu, owner %lu",
		    (unsigned long)h->uid, (unsigned long)sb->st_uid);
		offline_free(h);
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
    int (*cb)(const struct offline *, int fd, void *), void *arg)
{
	struct offline	 h;
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
		offline_free(&h);
		close(fd);
		qstore_offline_quarantine(q, name, err);
		return QSTORE_OFFLINE_QUARANTINED;
	}
	h.name = name;
	h.tries = qstore_offline_tries(name, &baselen);
	r = cb(&h, fd, arg);
	close(fd);
	offline_free(&h);
	if (r == QSTORE_OFFLINE_FAILED)
		return qstore_offline_failed(q, name);
	if (r == QSTORE_OFFLINE_QUEUED && (unlinkat(qstore_area_fd(q,
	    SPOOL_AREA_OFFLINE), name, 0) == -1 || fsync(qstore_area_fd(q,
	    SPOOL_AREA_OFFLINE)) == -1))
		log_warnx("queue event=remove-failed file=offline/%s "
		    "error=\"%s\"", log_vis(err, sizeof(err), name),
		    strerror(errno));
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
    int (*cb)(const struct offline *, int fd, void *), void *arg,
    struct qstore_offline_stats *st)
{
	struct qstore_names	nm;
	size_t			i;
	int			r = 0;

	memset(st, 0, sizeof(*st));
	if (qstore_names_read(qstore_area_fd(q, SPOOL_AREA_OFFLINE), ".",
	    &nm) == -1)
		return -1;
	for (i = 0; i < nm.n && r != QSTORE_OFFLINE_STOP; i++) {
		if (nm.v[i][0] == '.' || strncmp(nm.v[i], OFFLINE_TMP,
		    strlen(OFFLINE_TMP)) == 0)
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
