/*
 * qstore_commit.c - group commit: make many received messages durable
 * with shared syncs.
 *
 * The caller (the queue's event loop) gathers the commit requests that
 * arrive in one loop turn and passes them here at once.  For each
 * request the envelope files are written into incoming/<msgid>/; then
 * everything is made durable, either file by file (fdatasync of each
 * envelope and message, fsync of each message directory) or, for a big
 * batch, with one syncfs(2) of the spool's file system; then every
 * message directory is renamed into queue/ and queue/ is fsync'd once.
 * A request whose status is 0 is durable: its listener may answer 250.
 *
 * If the final fsync of queue/ fails, the whole batch reports failure
 * although the renames happened: the listeners answer 4xx and a client
 * retry may duplicate a message, but nothing answered 250 can be lost.
 *
 * Cost: per message, one fdatasync per envelope and one for the message
 * (their data), one fsync of its directory (their names), and a share
 * of the one fsync of queue/ (the rename; it also makes durable the
 * removals of whole messages since the last batch, which sync nothing
 * themselves).  Fewer would need the envelopes inside the message file
 * (one fdatasync) in a directory shared by the batch (one fsync), but
 * deliveries, bounces and `show message` read the message file from
 * its start to its end through the fd qstore_msg_fd gives; so envelopes
 * and body stay apart, and the rename of the whole directory stays the
 * mark that a commit is complete, needing no format of its own.
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

	for (i = 0; i < done; i++) {
		envelope_id_format(req->evps[i].evpid, id);
		(void)unlinkat(dfd, id, 0);
		req->evps[i].evpid = 0;
	}
}

/*
 * qstore_commit_evp - give evp a fresh ID and write it into dfd; the
 * exclusive create makes IDs unique within the message.
 */
static int
qstore_commit_evp(int dfd, uint32_t msgid, struct envelope *evp, int sync,
    char *buf, struct qstore_commit *req)
{
	char	id[ENVELOPE_ID_STRLEN + 1];
	int	len, tries, fd;

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
		if (!sync) {
			if ((fd = openat(dfd, id, O_WRONLY | O_CREAT | O_EXCL |
			    O_CLOEXEC, 0600)) == -1) {
				if (errno == EEXIST)
					continue;
				return qstore_commit_fail(req, "create envelope");
			}
			if (write(fd, buf, (size_t)len) != len) {
				close(fd);
				(void)unlinkat(dfd, id, 0);
				return qstore_commit_fail(req, "write envelope");
			}
			close(fd);
			return 0;
		}
		if (qstore_write_file(dfd, id, buf, (size_t)len, req->err,
		    sizeof(req->err)) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
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

/*
 * qstore_commit_prepare - write one request's envelopes; with sync, also
 * fdatasync them and the message and fsync the message directory.
 */
static int
qstore_commit_prepare(struct qstore *q, struct qstore_commit *req, int sync,
    char *buf)
{
	char	name[ENVELOPE_MSGID_STRLEN + 1];
	size_t	i;
	int	dfd, mfd;

	if (qstore_commit_check(req) == -1)
		return -1;
	envelope_msgid_format(req->msgid, name);
	if ((dfd = openat(qstore_area_fd(q, SPOOL_AREA_INCOMING), name,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return qstore_commit_fail(req, "open incoming");
	for (i = 0; i < req->nevp; i++) {
		if (qstore_commit_evp(dfd, req->msgid, &req->evps[i], sync,
		    buf, req) == -1) {
			req->status = -1;
			qstore_commit_unwind(dfd, req, i);
			close(dfd);
			return -1;
		}
		if (sync)
			qstore_count_sync(q, 0);
	}
	/* the message must be there, whatever the sync path */
	if ((mfd = openat(dfd, "message", O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || (sync && (fdatasync(mfd) == -1 ||
	    qstore_sync_dir(q, dfd, NULL) == -1))) {
		qstore_commit_fail(req, "sync message");
		qstore_commit_unwind(dfd, req, req->nevp);
		if (mfd != -1)
			close(mfd);
		close(dfd);
		return -1;
	}
	if (sync)
		qstore_count_sync(q, 0);
	close(mfd);
	close(dfd);
	req->status = 0;
	return 0;
}

/* qstore_commit_publish - rename each prepared message into queue/ */
static size_t
qstore_commit_publish(struct qstore *q, struct qstore_commit *reqs, size_t n)
{
	char	name[ENVELOPE_MSGID_STRLEN + 1];
	struct stat sb;
	size_t	i, moved = 0;
	int	in = qstore_area_fd(q, SPOOL_AREA_INCOMING);
	int	qu = qstore_area_fd(q, SPOOL_AREA_QUEUE);

	for (i = 0; i < n; i++) {
		if (reqs[i].status == -1)
			continue;
		envelope_msgid_format(reqs[i].msgid, name);
		/* rename(2) would replace an empty directory: refuse */
		if (fstatat(qu, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			errno = EEXIST;
			qstore_commit_fail(&reqs[i], "publish");
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
		files += reqs[i].nevp + 1;
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
