/*
 * qstore_commit.c - group commit: make many received messages durable
 * with shared syncs.
 *
 * The caller (the queue's event loop) gathers the commit requests that
 * arrive in one loop turn and passes them here at once.  For each
 * request the envelopes are written into incoming/<msgid>/ and the
 * writeback of their data and of the message's is started; then, for a
 * big batch, one syncfs(2) of the spool's file system makes it all
 * durable.  Every message is then published (its directory, or its two
 * flat files, renamed into queue/); a small batch then syncs each file
 * (and each message directory), and queue/ is fsync'd once.  With all
 * the data on its way and all the names changed before the first sync,
 * that sync commits the file system's journal for the whole batch.
 * A request whose status is 0 is durable: its listener may answer 250.
 *
 * If the final fsync of queue/ fails, the whole batch reports failure
 * although the renames happened: the listeners answer 4xx and a client
 * retry may duplicate a message, but nothing answered 250 can be lost.
 *
 * Cost of a flat message (qstore_flat.c, the form of every message
 * with few envelopes): one fdatasync of its envelope file and one of
 * the message, and a share of the one fsync of queue/ (its two names;
 * it also makes durable the removals of whole messages since the last
 * batch, which sync nothing themselves).  A message directory costs
 * one fdatasync per envelope and one for the message, one fsync of the
 * directory and the same share.  The envelopes stay apart from the
 * message because deliveries, bounces and `show message` read the
 * message file from its start to its end through the fd qstore_msg_fd
 * gives, and deliveries run as the recipient must not see the other
 * recipients.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "log.h"
#include "qstore.h"
#include "qstore_priv.h"
#include "xmalloc.h"

/* qstore_commit_fail - mark a request failed with errno's text */
static int
qstore_commit_fail(struct qstore_commit *req, const char *what)
{
	char	name[ENVELOPE_MSGID_STRLEN + 1];

	envelope_msgid_format(req->msgid, name);
	(void)snprintf(req->err, sizeof(req->err), "%s %s: %s", what, name,
	    strerror(errno));
	req->status = -1;
	return -1;
}

/* qstore_commit_unwind - remove the envelope files written so far */
static void
qstore_commit_unwind(int dfd, struct qstore_commit *req, size_t done)
{
	char	id[ENVELOPE_ID_STRLEN + 1];
	size_t	i;

	if (req->flat)
		(void)unlinkat(dfd, QSTORE_ENVELOPES, 0);
	for (i = 0; i < done; i++) {
		envelope_id_format(req->evps[i].evpid, id);
		(void)unlinkat(dfd, id, 0);
		req->evps[i].evpid = 0;
	}
}

/*
 * qstore_commit_put - create name in dfd exclusively and write data;
 * with start, begin its writeback now so that the syncs of the batch
 * (qstore_commit_settle) find the data of all its files on the way
 * together.  -1 with errno (EEXIST: the name is taken).
 */
static int
qstore_commit_put(int dfd, const char *name, const char *data, size_t len,
    int start)
{
	ssize_t	n;
	size_t	off = 0;
	int	fd, saved;

	if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			(void)unlinkat(dfd, name, 0);
			errno = saved;
			return -1;
		}
		off += (size_t)n;
	}
	/* only a hint: the fdatasync that follows reports any error */
	if (start)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	close(fd);
	return 0;
}

/*
 * qstore_commit_evp - give evp a fresh ID and write it into dfd; the
 * exclusive create makes IDs unique within the message.
 */
static int
qstore_commit_evp(int dfd, uint32_t msgid, struct envelope *evp, int start,
    char *buf, struct qstore_commit *req)
{
	char	id[ENVELOPE_ID_STRLEN + 1];
	int	len, tries;

	for (tries = 0; tries < 100; tries++) {
		evp->evpid = ((uint64_t)msgid << 32) | arc4random();
		if ((evp->evpid & 0xffffffffU) == 0)
			continue;
		if ((len = envelope_dump(evp, buf, ENVELOPE_DUMP_MAX + 1)) == -1) {
			(void)snprintf(req->err, sizeof(req->err),
			    "envelope not representable");
			return -1;
		}
		envelope_id_format(evp->evpid, id);
		if (qstore_commit_put(dfd, id, buf, (size_t)len, start) == 0)
			return 0;
		if (errno != EEXIST)
			return qstore_commit_fail(req, "write envelope");
	}
	(void)snprintf(req->err, sizeof(req->err), "no free envelope id");
	return -1;
}

/* qstore_commit_check - a request's arguments are sane */
static int
qstore_commit_check(struct qstore_commit *req)
{
	if (req->msgid == 0 || req->nevp == 0 ||
	    req->nevp > QSTORE_MSG_RCPT_MAX) {
		(void)snprintf(req->err, sizeof(req->err),
		    "bad commit request");
		req->status = -1;
		return -1;
	}
	return 0;
}

/* qstore_commit_flat_ids - fresh envelope IDs, distinct within the request */
static void
qstore_commit_flat_ids(struct qstore_commit *req)
{
	size_t	i, j;

	for (i = 0; i < req->nevp; i++) {
		do {
			req->evps[i].evpid = ((uint64_t)req->msgid << 32) |
			    arc4random();
			for (j = 0; j < i; j++)
				if (req->evps[j].evpid == req->evps[i].evpid)
					break;
		} while ((req->evps[i].evpid & 0xffffffffU) == 0 || j < i);
	}
}

/* qstore_commit_flat_write - the envelope file of a flat commit in dfd */
static int
qstore_commit_flat_write(int dfd, struct qstore_commit *req, int start)
{
	char	*buf;
	ssize_t	 len;
	int	 r = 0;

	if ((len = qstore_flat_encode(req->evps, req->nevp, &buf, req->err,
	    sizeof(req->err))) == -1)
		return -1;
	if (qstore_commit_put(dfd, QSTORE_ENVELOPES, buf, (size_t)len,
	    start) == -1)
		r = qstore_commit_fail(req, "write envelopes");
	free(buf);
	return r;
}

/* qstore_commit_flat - write a flat request's envelope file; -1 failed */
static int
qstore_commit_flat(int dfd, struct qstore_commit *req, int sync)
{
	qstore_commit_flat_ids(req);
	if (qstore_commit_flat_write(dfd, req, sync) == -1) {
		req->status = -1;
		qstore_commit_unwind(dfd, req, req->nevp);
		return -1;
	}
	return 0;
}

/* qstore_commit_evps - write a directory request's envelope files */
static int
qstore_commit_evps(int dfd, struct qstore_commit *req, int sync, char *buf)
{
	size_t	i;

	for (i = 0; i < req->nevp; i++) {
		if (qstore_commit_evp(dfd, req->msgid, &req->evps[i], sync,
		    buf, req) == -1) {
			req->status = -1;
			qstore_commit_unwind(dfd, req, i);
			return -1;
		}
	}
	return 0;
}

/*
 * qstore_commit_prepare - write one request's envelopes; with sync,
 * start the writeback of their data and of the message's
 */
static int
qstore_commit_prepare(struct qstore *q, struct qstore_commit *req, int sync,
    char *buf)
{
	char	name[ENVELOPE_MSGID_STRLEN + 1];
	int	dfd, mfd, r;

	if (qstore_commit_check(req) == -1)
		return -1;
	req->flat = qstore_flat_ok(q, req->evps, req->nevp);
	envelope_msgid_format(req->msgid, name);
	if ((dfd = openat(qstore_area_fd(q, SPOOL_AREA_INCOMING), name,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return qstore_commit_fail(req, "open incoming");
	r = req->flat ? qstore_commit_flat(dfd, req, sync) :
	    qstore_commit_evps(dfd, req, sync, buf);
	if (r == -1) {
		close(dfd);
		return -1;
	}
	/* the message must be there, whatever the sync path */
	if ((mfd = openat(dfd, QSTORE_MESSAGE, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		qstore_commit_fail(req, "open message");
		qstore_commit_unwind(dfd, req, req->nevp);
		close(dfd);
		return -1;
	}
	if (sync)
		(void)sync_file_range(mfd, 0, 0, SYNC_FILE_RANGE_WRITE);
	close(mfd);
	close(dfd);
	req->status = 0;
	return 0;
}

/* qstore_commit_datasync - fdatasync the file name of dfd */
static int
qstore_commit_datasync(struct qstore *q, int dfd, const char *name)
{
	int	fd, r, saved;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	r = fdatasync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	qstore_count_sync(q, 0);
	return r;
}

/* qstore_commit_settle_dir - sync a published message directory */
static int
qstore_commit_settle_dir(struct qstore *q, struct qstore_commit *req)
{
	char	name[ENVELOPE_MSGID_STRLEN + 1], id[ENVELOPE_ID_STRLEN + 1];
	size_t	i;
	int	dfd, r = 0;

	envelope_msgid_format(req->msgid, name);
	if ((dfd = openat(qstore_area_fd(q, SPOOL_AREA_QUEUE), name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	for (i = 0; i < req->nevp && r == 0; i++) {
		envelope_id_format(req->evps[i].evpid, id);
		r = qstore_commit_datasync(q, dfd, id);
	}
	if (r == 0 && (qstore_commit_datasync(q, dfd, QSTORE_MESSAGE) == -1 ||
	    qstore_sync_dir(q, dfd, NULL) == -1))
		r = -1;
	close(dfd);
	return r;
}

/*
 * qstore_commit_settle - make a published request's files durable: the
 * data of its envelopes and message, and for a directory its entries
 * (queue/ itself is synced once for the batch).  Their writeback began
 * at prepare and their renames are done, so the first sync of a batch
 * commits the file system's journal for all of it and the others find
 * little left to wait for.  A power loss before the end may leave a
 * published message whose data is not whole, which no 250 named: the
 * walk at start quarantines it.
 */
static void
qstore_commit_settle(struct qstore *q, struct qstore_commit *req)
{
	char	name[QSTORE_FLAT_NAME_LEN + 1];
	int	qu = qstore_area_fd(q, SPOOL_AREA_QUEUE), r;

	if (req->flat) {
		qstore_flat_name(req->msgid, QSTORE_FLAT_ENVELOPES, name);
		r = qstore_commit_datasync(q, qu, name);
		qstore_flat_name(req->msgid, QSTORE_FLAT_MESSAGE, name);
		if (r == 0)
			r = qstore_commit_datasync(q, qu, name);
	} else
		r = qstore_commit_settle_dir(q, req);
	if (r == -1)
		qstore_commit_fail(req, "sync");
}

/*
 * qstore_commit_publish_flat - move a flat request's message and then
 * its envelope file (the mark of a commit) into queue/
 */
static int
qstore_commit_publish_flat(struct qstore_commit *req, int in, int qu)
{
	char	src[ENVELOPE_MSGID_STRLEN + sizeof(QSTORE_ENVELOPES) + 1];
	char	name[ENVELOPE_MSGID_STRLEN + 1];
	char	dst[QSTORE_FLAT_NAME_LEN + 1];

	envelope_msgid_format(req->msgid, name);
	(void)snprintf(src, sizeof(src), "%s/%s", name, QSTORE_MESSAGE);
	qstore_flat_name(req->msgid, QSTORE_FLAT_MESSAGE, dst);
	if (renameat(in, src, qu, dst) == -1)
		return qstore_commit_fail(req, "publish");
	(void)snprintf(src, sizeof(src), "%s/%s", name, QSTORE_ENVELOPES);
	qstore_flat_name(req->msgid, QSTORE_FLAT_ENVELOPES, dst);
	if (renameat(in, src, qu, dst) == -1) {
		qstore_commit_fail(req, "publish");
		qstore_flat_name(req->msgid, QSTORE_FLAT_MESSAGE, dst);
		(void)unlinkat(qu, dst, 0);
		return -1;
	}
	(void)unlinkat(in, name, AT_REMOVEDIR);
	return 0;
}

/* qstore_commit_publish - rename each prepared message into queue/ */
static size_t
qstore_commit_publish(struct qstore *q, struct qstore_commit *reqs, size_t n)
{
	char	name[ENVELOPE_MSGID_STRLEN + 1];
	size_t	i, moved = 0;
	int	in = qstore_area_fd(q, SPOOL_AREA_INCOMING);
	int	qu = qstore_area_fd(q, SPOOL_AREA_QUEUE);

	for (i = 0; i < n; i++) {
		if (reqs[i].status == -1)
			continue;
		envelope_msgid_format(reqs[i].msgid, name);
		/* rename(2) would replace an empty directory: refuse */
		if (qstore_msg_exists(q, reqs[i].msgid)) {
			errno = EEXIST;
			qstore_commit_fail(&reqs[i], "publish");
		} else if (reqs[i].flat) {
			if (qstore_commit_publish_flat(&reqs[i], in, qu) == 0)
				moved++;
		} else if (renameat(in, name, qu, name) == -1)
			qstore_commit_fail(&reqs[i], "publish");
		else
			moved++;
	}
	return moved;
}

/*
 * qstore_commit_batch - make n commit requests durable together; each
 * request's status and err tell its outcome.  Returns 0 when all
 * succeeded, -1 otherwise.
 */
int
qstore_commit_batch(struct qstore *q, struct qstore_commit *reqs, size_t n)
{
	char	*buf;
	size_t	 i, files = 0, moved;
	int	 sync, r = 0;

	for (i = 0; i < n; i++)
		files += qstore_flat_ok(q, reqs[i].evps, reqs[i].nevp) ? 2 :
		    reqs[i].nevp + 1;
	sync = files < qstore_syncfs_min(q);
	buf = xmalloc(ENVELOPE_DUMP_MAX + 1);
	for (i = 0; i < n; i++)
		(void)qstore_commit_prepare(q, &reqs[i], sync, buf);
	free(buf);
	if (!sync && syncfs(qstore_dirfd(q)) == -1) {
		for (i = 0; i < n; i++)
			if (reqs[i].status == 0)
				qstore_commit_fail(&reqs[i], "syncfs for");
	}
	if (!sync)
		qstore_count_sync(q, 1);
	moved = qstore_commit_publish(q, reqs, n);
	for (i = 0; sync && i < n; i++)
		if (reqs[i].status == 0)
			qstore_commit_settle(q, &reqs[i]);
	if (moved > 0 && qstore_sync_dir(q,
	    qstore_area_fd(q, SPOOL_AREA_QUEUE), NULL) == -1) {
		log_warnx("queue event=sync-failed dir=queue commits=%zu "
		    "error=\"%s\"", moved, strerror(errno));
		for (i = 0; i < n; i++)
			if (reqs[i].status == 0)
				qstore_commit_fail(&reqs[i], "fsync queue for");
	}
	for (i = 0; i < n; i++) {
		if (reqs[i].status == 0)
			qstore_count_commit(q, reqs[i].nevp);
		else
			r = -1;
	}
	qstore_count_batch(q);
	return r;
}

/* qstore_msg_commit - make one message and its envelopes durable */
int
qstore_msg_commit(struct qstore *q, uint32_t msgid, struct envelope *evps,
    size_t n, char *err, size_t errsz)
{
	struct qstore_commit	req;

	memset(&req, 0, sizeof(req));
	req.msgid = msgid;
	req.evps = evps;
	req.nevp = n;
	(void)qstore_commit_batch(q, &req, 1);
	if (req.status == -1)
		strlcpy(err, req.err, errsz);
	return req.status;
}
