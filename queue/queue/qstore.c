/*
 * qstore.c - the durable spool.
 *
 * Spool layout, version 1, relative to the spool directory:
 *
 *	version				"posthorn spool 1\n", written at creation
 *	incoming/<msgid>/message	a message being received (the listener
 *					writes it through an fd it was given)
 *	incoming/<msgid>/<evpid>	its envelopes, written at commit
 *	queue/<msgid>/message		a committed message, never rewritten
 *	queue/<msgid>/<evpid>		one envelope record each (envelope.c)
 *	queue/<msgid>/tmp.<evpid>	an envelope update in progress
 *	queue/<msgid>/rep.<old>.<new>	a replacement of envelope <old>
 *					(qstore_replace.c)
 *	queue/<msgid>.m, <msgid>.e	a flat message: the message and all
 *					its envelopes in one file, the form
 *					of every message with at most
 *					QSTORE_FLAT_MAX envelopes none of
 *					which awaits expansion (qstore_flat.c)
 *	quarantine/<msgid>/<file>	what failed to load, kept for inspection
 *	quarantine/<name>		a foreign entry found in queue/
 *	offline/<name>			drop files of the local enqueuer while
 *					the daemon is down; format in
 *					qstore_offline.c.  Mode 1777: anyone
 *					may drop a file (and must open the
 *					directory to fsync it); files are 0600
 *					and the sticky bit keeps users off
 *					each other's files.
 *
 * <msgid> is 8 lowercase hex digits, <evpid> 16 (the first 8 are msgid).
 * The spool directory and the version file are root's, as are empty/
 * and run/ beside the areas: the root parent creates all of them at
 * start (parent_spool.c), so a queue that cannot write the spool
 * directory finds its areas in place.
 *
 * Commit (qstore_commit.c) of a flat message: see qstore_flat.c.
 * Commit of a message directory: each envelope file is written and fdatasync'd
 * in incoming/<msgid>/, the message file is fdatasync'd, the message
 * directory fsync'd, then incoming/<msgid> is renamed to queue/<msgid> and
 * queue/ is fsync'd.  The rename moves the message with all its envelopes
 * at once: after a crash a message is either wholly in queue/ or still in
 * incoming/, which qstore_open empties.
 *
 * Update: write queue/<msgid>/tmp.<evpid>, fdatasync, rename over
 * <evpid>.  The directory is not synced: after a power loss the name
 * holds either the old record or the new one, both whole (the data was
 * synced before the rename), and an old one only retries sooner or
 * sends a delay notice again.
 *
 * Removal syncs nothing: unlink <evpid>; the last envelope takes the
 * message and its directory along, envelope files first and the
 * message last; the next commit's fsync of queue/ makes the removal of
 * a whole message durable.  A removal undone by a power loss only
 * delivers that envelope again (at least once, never lost); a kill -9
 * loses nothing the kernel already holds.  Each sync left out here is one per
 * delivered envelope, in the queue's event loop.
 *
 * qstore_walk (qstore_walk.c) finishes what a crash interrupted: temp
 * files are unlinked, a message without envelopes is removed,
 * envelopes without a message or unreadable are quarantined.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "log.h"
#include "qstore.h"
#include "qstore_priv.h"
#include "xmalloc.h"

struct qstore {
	int			dirfd;		/* the spool */
	int			incoming;
	int			queue;
	int			quarantine;
	int			offline;
	size_t			syncfs_min;	/* files; see qstore_commit.c */
	size_t			flat_max;	/* envelopes; qstore_flat.c */
	struct qstore_stats	stats;
};

/* qstore_err - format an error with errno's text */
static int
qstore_err(char *err, size_t errsz, const char *what, const char *name)
{
	(void)snprintf(err, errsz, "%s %s: %s", what, name, strerror(errno));
	return -1;
}

/* qstore_count_sync - count one file or directory sync */
void
qstore_count_sync(struct qstore *q, int dir)
{
	if (dir)
		q->stats.dir_syncs++;
	else
		q->stats.file_syncs++;
}

/* qstore_count_quarantined - count one item moved to quarantine/ */
void
qstore_count_quarantined(struct qstore *q)
{
	q->stats.quarantined++;
}

/* qstore_count_removed - count one removed envelope, msg: its message too */
void
qstore_count_removed(struct qstore *q, int msg)
{
	q->stats.evp_removed++;
	if (msg)
		q->stats.msg_removed++;
}

/* qstore_count_batch - count one commit batch */
void
qstore_count_batch(struct qstore *q)
{
	q->stats.commit_batches++;
}

/* qstore_syncfs_min - files in a batch from which one syncfs is used */
size_t
qstore_syncfs_min(const struct qstore *q)
{
	return q->syncfs_min;
}

/* qstore_set_syncfs_min - tune the syncfs threshold (0: always syncfs) */
void
qstore_set_syncfs_min(struct qstore *q, size_t files)
{
	q->syncfs_min = files;
}

/* qstore_flat_max - envelopes of a message from which it is a directory */
size_t
qstore_flat_max(const struct qstore *q)
{
	return q->flat_max;
}

/* qstore_set_flat_max - tune the flat form (0: every message a directory) */
void
qstore_set_flat_max(struct qstore *q, size_t n)
{
	q->flat_max = n < QSTORE_FLAT_MAX ? n : QSTORE_FLAT_MAX;
}

/* qstore_count_commit - count one committed message */
void
qstore_count_commit(struct qstore *q, size_t nevp)
{
	q->stats.msg_committed++;
	q->stats.evp_committed += nevp;
}

/* qstore_sync_dir - fsync the directory path (NULL: dirfd itself) */
int
qstore_sync_dir(struct qstore *q, int dirfd, const char *path)
{
	int	fd, r, saved;

	if (path == NULL)
		fd = dirfd;
	else if ((fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	if (path != NULL)
		close(fd);
	errno = saved;
	qstore_count_sync(q, 1);
	return r;
}

/* qstore_write_file - create name (exclusively), write data, fdatasync */
int
qstore_write_file(int dirfd, const char *name, const char *data, size_t len,
    char *err, size_t errsz)
{
	ssize_t	n;
	size_t	off = 0;
	int	fd;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return qstore_err(err, errsz, "create", name);
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fdatasync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
 fail:
	qstore_err(err, errsz, "write", name);
	if (fd != -1)
		close(fd);
	(void)unlinkat(dirfd, name, 0);
	return -1;
}

/* qstore_names_read - the entry names of a directory, "." and ".." aside */
int
qstore_names_read(int dirfd, const char *path, struct qstore_names *nm)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd;

	memset(nm, 0, sizeof(*nm));
	if ((fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		nm->v = xreallocarray(nm->v, nm->n + 1, sizeof(*nm->v));
		nm->v[nm->n++] = xstrdup(de->d_name);
	}
	closedir(d);
	return 0;
}

/* qstore_names_free - release a name list */
void
qstore_names_free(struct qstore_names *nm)
{
	size_t	i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	memset(nm, 0, sizeof(*nm));
}

/* qstore_rmtree - remove name (a file, or a directory of files) in dirfd */
static int
qstore_rmtree(int dirfd, const char *name)
{
	struct qstore_names	nm;
	size_t			i;
	int			fd, r = 0;

	if (unlinkat(dirfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return errno == ENOENT ? 0 : -1;
	if (qstore_names_read(dirfd, name, &nm) == -1)
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		qstore_names_free(&nm);
		return -1;
	}
	for (i = 0; i < nm.n; i++)
		if (unlinkat(fd, nm.v[i], 0) == -1 && errno != ENOENT)
			r = -1;
	close(fd);
	qstore_names_free(&nm);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		r = -1;
	return r;
}

/* qstore_subdir - create (if missing) and open one spool area */
static int
qstore_subdir(int dirfd, enum spool_area area, char *err, size_t errsz)
{
	const char	*name = spool_dirs[area].name;
	mode_t		 mode = spool_dirs[area].mode;
	int		 fd;

	if (mkdirat(dirfd, name, mode) == 0) {
		/* mkdir applies the umask; the sticky mode must be exact */
		if (fchmodat(dirfd, name, mode, 0) == -1)
			return qstore_err(err, errsz, "chmod", name);
	} else if (errno != EEXIST)
		return qstore_err(err, errsz, "mkdir", name);
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return qstore_err(err, errsz, "open", name);
	return fd;
}

/* qstore_version_check - create or check the spool's version file */
static int
qstore_version_check(struct qstore *q, char *err, size_t errsz)
{
	char	buf[64];
	ssize_t	n;
	int	fd;

	if ((fd = openat(q->dirfd, SPOOL_VERSION_FILE, O_RDONLY |
	    O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			return qstore_err(err, errsz, "open",
			    SPOOL_VERSION_FILE);
		if (qstore_write_file(q->dirfd, SPOOL_VERSION_FILE,
		    SPOOL_VERSION_TEXT, strlen(SPOOL_VERSION_TEXT), err,
		    errsz) == -1)
			return -1;
		return qstore_sync_dir(q, q->dirfd, NULL);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n != (ssize_t)strlen(SPOOL_VERSION_TEXT) ||
	    memcmp(buf, SPOOL_VERSION_TEXT, (size_t)n) != 0) {
		(void)snprintf(err, errsz, "spool version not supported");
		return -1;
	}
	return 0;
}

/* qstore_clean_incoming - remove every unfinished message */
static void
qstore_clean_incoming(struct qstore *q)
{
	struct qstore_names	nm;
	char			vis[NAME_MAX * 4 + 1];
	size_t			i;

	if (qstore_names_read(q->incoming, ".", &nm) == -1) {
		log_warnx("queue event=read-failed dir=incoming error=\"%s\"",
		    strerror(errno));
		return;
	}
	for (i = 0; i < nm.n; i++) {
		log_vis(vis, sizeof(vis), nm.v[i]);
		log_debug("queue event=incoming-removed file=incoming/%s "
		    "reason=unfinished", vis);
		if (qstore_rmtree(q->incoming, nm.v[i]) == -1)
			log_warnx("queue event=remove-failed file=incoming/%s "
			    "error=\"%s\"", vis, strerror(errno));
	}
	qstore_names_free(&nm);
}

/*
 * qstore_open - take over the spool at spool_dirfd (the fd stays the
 * caller's): create the layout if missing, check its version, and empty
 * incoming/.  Returns NULL with a reason in err.
 */
struct qstore *
qstore_open(int spool_dirfd, char *err, size_t errsz)
{
	struct qstore	*q;

	q = xcalloc(1, sizeof(*q));
	q->incoming = q->queue = q->quarantine = q->offline = -1;
	q->dirfd = spool_dirfd;
	q->syncfs_min = QSTORE_SYNCFS_MIN;
	q->flat_max = QSTORE_FLAT_MAX;
	if (qstore_version_check(q, err, errsz) == -1 ||
	    (q->incoming = qstore_subdir(spool_dirfd, SPOOL_AREA_INCOMING,
	    err, errsz)) == -1 ||
	    (q->queue = qstore_subdir(spool_dirfd, SPOOL_AREA_QUEUE, err,
	    errsz)) == -1 ||
	    (q->quarantine = qstore_subdir(spool_dirfd,
	    SPOOL_AREA_QUARANTINE, err, errsz)) == -1 ||
	    (q->offline = qstore_subdir(spool_dirfd, SPOOL_AREA_OFFLINE, err,
	    errsz)) == -1) {
		qstore_close(q);
		return NULL;
	}
	qstore_clean_incoming(q);
	if (qstore_sync_dir(q, q->dirfd, NULL) == -1) {
		qstore_err(err, errsz, "fsync", "spool");
		qstore_close(q);
		return NULL;
	}
	return q;
}

/* qstore_close - release the store (the spool fd is the caller's) */
void
qstore_close(struct qstore *q)
{
	if (q == NULL)
		return;
	if (q->incoming != -1)
		close(q->incoming);
	if (q->queue != -1)
		close(q->queue);
	if (q->quarantine != -1)
		close(q->quarantine);
	if (q->offline != -1)
		close(q->offline);
	free(q);
}

/* qstore_dirfd - the spool directory fd */
int
qstore_dirfd(const struct qstore *q)
{
	return q->dirfd;
}

/* qstore_stats - copy the counters */
void
qstore_stats(const struct qstore *q, struct qstore_stats *st)
{
	*st = q->stats;
}

/* qstore_area_fd - the directory fd of one spool area */
int
qstore_area_fd(const struct qstore *q, enum spool_area area)
{
	switch (area) {
	case SPOOL_AREA_INCOMING:
		return q->incoming;
	case SPOOL_AREA_QUEUE:
		return q->queue;
	case SPOOL_AREA_QUARANTINE:
		return q->quarantine;
	case SPOOL_AREA_OFFLINE:
		return q->offline;
	}
	panic("qstore_area_fd: area %d", (int)area);
}

/*
 * qstore_msg_create - pick a fresh random message ID and open
 * incoming/<msgid>/message for writing; the fd goes to the listener.
 */
int
qstore_msg_create(struct qstore *q, uint32_t *msgid, int *fd, char *err,
    size_t errsz)
{
	char		name[ENVELOPE_MSGID_STRLEN + 1];
	int		tries, dfd;

	for (tries = 0; tries < 100; tries++) {
		if ((*msgid = arc4random()) == 0)
			continue;
		envelope_msgid_format(*msgid, name);
		if (qstore_msg_exists(q, *msgid))
			continue;
		if (mkdirat(q->incoming, name, 0700) == -1) {
			if (errno == EEXIST)
				continue;
			return qstore_err(err, errsz, "mkdir incoming", name);
		}
		if ((dfd = openat(q->incoming, name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1 ||
		    (*fd = openat(dfd, QSTORE_MESSAGE, O_WRONLY | O_CREAT |
		    O_EXCL | O_CLOEXEC, 0600)) == -1) {
			qstore_err(err, errsz, "create incoming", name);
			if (dfd != -1)
				close(dfd);
			(void)qstore_rmtree(q->incoming, name);
			return -1;
		}
		close(dfd);
		q->stats.msg_created++;
		return 0;
	}
	(void)snprintf(err, errsz, "no free message id");
	return -1;
}

/* qstore_msg_abort - forget an uncommitted message */
int
qstore_msg_abort(struct qstore *q, uint32_t msgid)
{
	char	name[ENVELOPE_MSGID_STRLEN + 1];

	envelope_msgid_format(msgid, name);
	q->stats.msg_aborted++;
	return qstore_rmtree(q->incoming, name);
}

/*
 * qstore_msg_exists - whether queue/ holds message msgid in either form
 * (or a flat message file left by an unfinished commit)
 */
int
qstore_msg_exists(struct qstore *q, uint32_t msgid)
{
	char		name[QSTORE_FLAT_NAME_LEN + 1];
	struct stat	sb;

	envelope_msgid_format(msgid, name);
	if (fstatat(q->queue, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	qstore_flat_name(msgid, QSTORE_FLAT_ENVELOPES, name);
	if (fstatat(q->queue, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	qstore_flat_name(msgid, QSTORE_FLAT_MESSAGE, name);
	return fstatat(q->queue, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* qstore_msg_fd - a read-only fd to a committed message, or -1 */
int
qstore_msg_fd(struct qstore *q, uint32_t msgid)
{
	char	path[ENVELOPE_MSGID_STRLEN + sizeof(QSTORE_MESSAGE) + 1];
	int	fd;

	envelope_msgid_format(msgid, path);
	strlcat(path, "/" QSTORE_MESSAGE, sizeof(path));
	if ((fd = openat(q->queue, path, O_RDONLY | O_CLOEXEC)) != -1 ||
	    (errno != ENOENT && errno != ENOTDIR))
		return fd;
	qstore_flat_name(msgid, QSTORE_FLAT_MESSAGE, path);
	return openat(q->queue, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

/* qstore_read_small - read a whole file of at most max bytes; len or -1 */
ssize_t
qstore_read_small(int dirfd, const char *path, char *buf, size_t max)
{
	ssize_t	n;
	size_t	off = 0;
	int	fd, saved;

	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	for (;;) {
		n = read(fd, buf + off, max + 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || (off += (size_t)n) > max)
			break;
	}
	saved = errno;
	close(fd);
	if (n == -1) {
		errno = saved;
		return -1;
	}
	if (off > max) {
		errno = EFBIG;
		return -1;
	}
	return (ssize_t)off;
}

/* qstore_envelope_load - read queue/<msgid>/<evpid>; -1 / 0 / 1 */
int
qstore_envelope_load(struct qstore *q, uint64_t evpid, struct envelope *evp,
    char *err, size_t errsz)
{
	char	path[ENVELOPE_MSGID_STRLEN + ENVELOPE_ID_STRLEN + 2];
	char	id[ENVELOPE_ID_STRLEN + 1], why[128];
	char	*buf;
	ssize_t	n;

	envelope_msgid_format(envelope_msgid(evpid), path);
	envelope_id_format(evpid, id);
	strlcat(path, "/", sizeof(path));
	strlcat(path, id, sizeof(path));
	buf = xmalloc(ENVELOPE_DUMP_MAX + 1);
	if ((n = qstore_read_small(q->queue, path, buf,
	    ENVELOPE_DUMP_MAX)) == -1) {
		free(buf);
		if (errno == ENOENT || errno == ENOTDIR)
			return qstore_flat_load(q, evpid, evp, err, errsz);
		return qstore_err(err, errsz, "read envelope", id);
	}
	if (envelope_load(evp, buf, (size_t)n, why, sizeof(why)) == -1 ||
	    evp->evpid != evpid) {
		(void)snprintf(err, errsz, "envelope %s: %s", id,
		    evp->evpid != evpid ? "id mismatch" : why);
		free(buf);
		return -1;
	}
	free(buf);
	return 1;
}

/* qstore_msg_dir - open queue/<msgid>; -1 with errno */
int
qstore_msg_dir(struct qstore *q, uint32_t msgid)
{
	char	name[ENVELOPE_MSGID_STRLEN + 1];

	envelope_msgid_format(msgid, name);
	return openat(q->queue, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * qstore_envelope_update - replace an existing envelope record: temp
 * file, fdatasync, rename (the directory is not synced; see above).
 */
int
qstore_envelope_update(struct qstore *q, const struct envelope *evp,
    char *err, size_t errsz)
{
	char		 id[ENVELOPE_ID_STRLEN + 1];
	char		 tmp[sizeof(QSTORE_TMP_PREFIX) + ENVELOPE_ID_STRLEN];
	char		*buf;
	struct stat	 sb;
	int		 dfd, len, r = -1;

	envelope_id_format(evp->evpid, id);
	if ((dfd = qstore_msg_dir(q, envelope_msgid(evp->evpid))) == -1) {
		if (errno == ENOENT && (r = qstore_flat_update(q, evp, err,
		    errsz)) != 0) {
			if (r == 1)
				q->stats.evp_updated++;
			return r == 1 ? 0 : -1;
		}
		errno = ENOENT;
		return qstore_err(err, errsz, "update: message of", id);
	}
	if (fstatat(dfd, id, &sb, AT_SYMLINK_NOFOLLOW) == -1) {
		qstore_err(err, errsz, "update: envelope", id);
		goto done;
	}
	buf = xmalloc(ENVELOPE_DUMP_MAX + 1);
	if ((len = envelope_dump(evp, buf, ENVELOPE_DUMP_MAX + 1)) == -1) {
		(void)snprintf(err, errsz, "update %s: unrepresentable", id);
		free(buf);
		goto done;
	}
	(void)snprintf(tmp, sizeof(tmp), "%s%s", QSTORE_TMP_PREFIX, id);
	(void)unlinkat(dfd, tmp, 0);
	r = qstore_write_file(dfd, tmp, buf, (size_t)len, err, errsz);
	free(buf);
	if (r == -1)
		goto done;
	qstore_count_sync(q, 0);
	if ((r = renameat(dfd, tmp, dfd, id)) == -1) {
		qstore_err(err, errsz, "rename", id);
		(void)unlinkat(dfd, tmp, 0);
	} else
		q->stats.evp_updated++;
 done:
	close(dfd);
	return r;
}

/* qstore_is_evpid_of - name is an envelope ID of message msgid */
int
qstore_is_evpid_of(const char *name, uint32_t msgid)
{
	uint64_t	evpid;

	return envelope_id_parse(name, &evpid) == 0 &&
	    envelope_msgid(evpid) == msgid;
}

/* qstore_msg_count - count the envelope files of an open message dir */
static int
qstore_msg_count(int dfd, uint32_t msgid, size_t *n)
{
	struct qstore_names	nm;
	size_t			i;

	if (qstore_names_read(dfd, ".", &nm) == -1)
		return -1;
	for (*n = 0, i = 0; i < nm.n; i++)
		if (qstore_is_evpid_of(nm.v[i], msgid))
			(*n)++;
	qstore_names_free(&nm);
	return 0;
}

/*
 * qstore_msg_remove - remove a message without envelopes: whatever is
 * left in its directory, the message file last, then the directory.
 * Nothing is synced: a removal lost to a power loss leaves a message
 * that qstore_walk removes again (or envelopes it delivers again).
 */
int
qstore_msg_remove(struct qstore *q, int dfd, uint32_t msgid, char *err,
    size_t errsz)
{
	struct qstore_names	nm;
	char			name[ENVELOPE_MSGID_STRLEN + 1];
	size_t			i;

	envelope_msgid_format(msgid, name);
	if (qstore_names_read(dfd, ".", &nm) == -1)
		return qstore_err(err, errsz, "read message dir", name);
	for (i = 0; i < nm.n; i++)
		if (strcmp(nm.v[i], QSTORE_MESSAGE) != 0)
			(void)unlinkat(dfd, nm.v[i], 0);
	qstore_names_free(&nm);
	(void)unlinkat(dfd, QSTORE_MESSAGE, 0);
	if (unlinkat(q->queue, name, AT_REMOVEDIR) == -1)
		return qstore_err(err, errsz, "rmdir", name);
	q->stats.msg_removed++;
	return 0;
}

/*
 * qstore_envelope_remove - remove a delivered or bounced envelope (no
 * sync; see above); the last one takes its message along.
 */
int
qstore_envelope_remove(struct qstore *q, uint64_t evpid, char *err,
    size_t errsz)
{
	char	id[ENVELOPE_ID_STRLEN + 1];
	size_t	left;
	int	dfd, r = -1;

	envelope_id_format(evpid, id);
	if ((dfd = qstore_msg_dir(q, envelope_msgid(evpid))) == -1) {
		if (errno == ENOENT && (r = qstore_flat_remove(q, evpid, err,
		    errsz)) != 0) {
			if (r > 0)
				qstore_count_removed(q, r == 2);
			return r > 0 ? 0 : -1;
		}
		errno = ENOENT;
		return qstore_err(err, errsz, "remove: message of", id);
	}
	if (unlinkat(dfd, id, 0) == -1)
		qstore_err(err, errsz, "remove envelope", id);
	else if (qstore_msg_count(dfd, envelope_msgid(evpid), &left) == -1)
		qstore_err(err, errsz, "count envelopes of", id);
	else if (left == 0)
		r = qstore_msg_remove(q, dfd, envelope_msgid(evpid), err, errsz);
	else
		r = 0;
	if (r == 0)
		q->stats.evp_removed++;
	close(dfd);
	return r;
}

/*
 * qstore_quarantine_list - report each quarantined item ("msgid/file" or
 * a foreign "name") to cb; cb returns -1 to stop.
 */
int
qstore_quarantine_list(struct qstore *q, int (*cb)(const char *, void *),
    void *arg)
{
	struct qstore_names	top, sub;
	char			item[2 * NAME_MAX + 2];
	size_t			i, j;
	int			r = 0;

	if (qstore_names_read(q->quarantine, ".", &top) == -1)
		return -1;
	for (i = 0; i < top.n && r == 0; i++) {
		if (qstore_names_read(q->quarantine, top.v[i], &sub) == -1) {
			r = cb(top.v[i], arg);
			continue;
		}
		for (j = 0; j < sub.n && r == 0; j++) {
			(void)snprintf(item, sizeof(item), "%s/%s", top.v[i],
			    sub.v[j]);
			r = cb(item, arg);
		}
		qstore_names_free(&sub);
	}
	qstore_names_free(&top);
	return r;
}
