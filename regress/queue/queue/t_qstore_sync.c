/*
 * t_qstore_sync.c - what each spool operation syncs, and what a crash
 * between them may leave: a commit costs two file and two directory
 * syncs (a flat one two file syncs and one of queue/), an update one
 * file sync, a removal none; a torn envelope or a
 * commit never published is never reported half.  Each case works in
 * ./spool.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "envelope.h"
#include "../../../queue/queue/qstore.h"
#include "qstore_harness.h"

struct t_walked {
	struct envelope	evp;
	size_t		n;
};

/* t_collect - walk callback keeping the last envelope and a count */
static int
t_collect(struct envelope *evp, void *arg)
{
	struct t_walked	*w = arg;

	w->evp = *evp;
	w->n++;
	return 0;
}

/* t_rewalk - close, reopen and walk the store, as a restart does */
static struct qstore *
t_rewalk(struct qstore *q, int *dirfd, struct t_walked *w)
{
	memset(w, 0, sizeof(*w));
	return t_spool_walk(q, dirfd, t_collect, w);
}

/* t_syncs - file and directory syncs since before */
static void
t_syncs(struct qstore *q, const struct qstore_stats *before,
    uint64_t *files, uint64_t *dirs)
{
	struct qstore_stats	now;

	qstore_stats(q, &now);
	*files = now.file_syncs - before->file_syncs;
	*dirs = now.dir_syncs - before->dir_syncs;
}

/* t_path - ./spool/<area>/<msgid>/<evpid> of an envelope */
static void
t_path(char *buf, size_t bufsz, const char *area, uint64_t evpid)
{
	char	id[ENVELOPE_ID_STRLEN + 1];

	envelope_id_format(evpid, id);
	(void)snprintf(buf, bufsz, "spool/%s/%08x/%s", area,
	    envelope_msgid(evpid), id);
}

ATF_TC_WITHOUT_HEAD(qstore_sync_commit_counts_flat);
ATF_TC_BODY(qstore_sync_commit_counts_flat, tc)
{
	struct qstore		*q;
	struct qstore_stats	 before;
	struct envelope		 evps[3];
	uint64_t		 files, dirs;
	int			 dirfd;

	q = t_spool(&dirfd);
	qstore_stats(q, &before);
	(void)t_committed(q, evps, 3);
	t_syncs(q, &before, &files, &dirs);
	/* one envelope file and the message; queue/ only */
	ATF_CHECK_EQ(files, 2);
	ATF_CHECK_EQ(dirs, 1);
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_sync_commit_counts);
ATF_TC_BODY(qstore_sync_commit_counts, tc)
{
	struct qstore		*q;
	struct qstore_stats	 before;
	struct envelope		 evps[1];
	uint64_t		 files, dirs;
	int			 dirfd;

	q = t_spool_dirs(&dirfd);
	qstore_stats(q, &before);
	(void)t_committed(q, evps, 1);
	t_syncs(q, &before, &files, &dirs);
	/* envelope and message data; message directory and queue/ */
	ATF_CHECK_EQ(files, 2);
	ATF_CHECK_EQ(dirs, 2);
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_sync_update_one);
ATF_TC_BODY(qstore_sync_update_one, tc)
{
	struct qstore		*q;
	struct qstore_stats	 before;
	struct envelope		 evps[2], got;
	struct t_walked		 w;
	uint64_t		 files, dirs;
	char			 err[256];
	int			 dirfd;

	q = t_spool(&dirfd);
	(void)t_committed(q, evps, 2);
	evps[1].retry = 9;
	qstore_stats(q, &before);
	ATF_REQUIRE_EQ(qstore_envelope_update(q, &evps[1], err,
	    sizeof(err)), 0);
	t_syncs(q, &before, &files, &dirs);
	ATF_CHECK_EQ(files, 1);
	ATF_CHECK_EQ(dirs, 0);
	q = t_rewalk(q, &dirfd, &w);
	ATF_CHECK_EQ(w.n, 2);
	ATF_REQUIRE_EQ(qstore_envelope_load(q, evps[1].evpid, &got, err,
	    sizeof(err)), 1);
	ATF_CHECK_EQ(got.retry, 9);
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_sync_remove_none);
ATF_TC_BODY(qstore_sync_remove_none, tc)
{
	struct qstore		*q;
	struct qstore_stats	 before;
	struct envelope		 evps[3];
	struct t_walked		 w;
	uint64_t		 files, dirs;
	char			 err[256];
	uint32_t		 msgid;
	int			 dirfd;

	q = t_spool_dirs(&dirfd);
	msgid = t_committed(q, evps, 3);
	qstore_stats(q, &before);
	ATF_REQUIRE_EQ(qstore_envelope_remove(q, evps[1].evpid, err,
	    sizeof(err)), 0);
	t_syncs(q, &before, &files, &dirs);
	ATF_CHECK_EQ(files + dirs, 0);
	q = t_rewalk(q, &dirfd, &w);
	ATF_CHECK_EQ(w.n, 2);
	qstore_stats(q, &before);
	ATF_REQUIRE_EQ(qstore_envelope_remove(q, evps[0].evpid, err,
	    sizeof(err)), 0);
	ATF_REQUIRE_EQ(qstore_envelope_remove(q, evps[2].evpid, err,
	    sizeof(err)), 0);
	t_syncs(q, &before, &files, &dirs);
	ATF_CHECK_EQ(files + dirs, 0);
	ATF_CHECK_EQ(qstore_msg_fd(q, msgid), -1);
	q = t_rewalk(q, &dirfd, &w);
	ATF_CHECK_EQ(w.n, 0);
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_sync_unpublished_discarded);
ATF_TC_BODY(qstore_sync_unpublished_discarded, tc)
{
	struct qstore	*q;
	struct envelope	 evp;
	struct t_walked	 w;
	char		 path[256], rec[ENVELOPE_DUMP_MAX];
	FILE		*fp;
	uint32_t	 msgid;
	int		 dirfd, len;

	/* a commit whose envelope is whole but whose rename never came */
	q = t_spool(&dirfd);
	msgid = t_received(q);
	t_evps(&evp, 1);
	evp.evpid = ((uint64_t)msgid << 32) | 1;
	ATF_REQUIRE((len = envelope_dump(&evp, rec, sizeof(rec))) > 0);
	t_path(path, sizeof(path), "incoming", evp.evpid);
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fwrite(rec, 1, (size_t)len, fp) == (size_t)len);
	ATF_REQUIRE(fclose(fp) == 0);
	q = t_rewalk(q, &dirfd, &w);
	ATF_CHECK_EQ(w.n, 0);
	ATF_CHECK_EQ(qstore_msg_fd(q, msgid), -1);
	ATF_CHECK_EQ(access(path, F_OK), -1);
	qstore_close(q);
	close(dirfd);
}

/* t_torn_at - truncate a fresh message's envelope to off bytes, restart */
static void
t_torn_at(off_t off, size_t *quarantined, size_t *whole)
{
	struct qstore	*q;
	struct envelope	 evps[1];
	struct t_walked	 w;
	char		 path[256], body[128];
	ssize_t		 n;
	int		 dirfd, fd;

	ATF_REQUIRE(system("rm -rf spool") == 0);
	q = t_spool_dirs(&dirfd);
	(void)t_committed(q, evps, 1);
	t_path(path, sizeof(path), "queue", evps[0].evpid);
	ATF_REQUIRE(truncate(path, off) == 0);
	q = t_rewalk(q, &dirfd, &w);
	if (w.n == 0) {
		t_path(path, sizeof(path), "quarantine", evps[0].evpid);
		ATF_CHECK_MSG(access(path, F_OK) == 0,
		    "offset %jd: neither walked nor quarantined",
		    (intmax_t)off);
		(*quarantined)++;
	} else {
		/* what is read must be the envelope as committed */
		ATF_CHECK_EQ(w.evp.evpid, evps[0].evpid);
		ATF_CHECK_STREQ(w.evp.sender, evps[0].sender);
		ATF_CHECK_STREQ(w.evp.rcpt, evps[0].rcpt);
		ATF_CHECK_STREQ(w.evp.dest, evps[0].dest);
		ATF_CHECK_STREQ(w.evp.dispatcher, evps[0].dispatcher);
		ATF_REQUIRE((fd = qstore_msg_fd(q, envelope_msgid(
		    evps[0].evpid))) != -1);
		ATF_REQUIRE((n = read(fd, body, sizeof(body) - 1)) >= 0);
		body[n] = '\0';
		close(fd);
		ATF_CHECK_STREQ(body, T_BODY);
		(*whole)++;
	}
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_sync_torn_envelope);
ATF_TC_BODY(qstore_sync_torn_envelope, tc)
{
	struct envelope	evp;
	char		rec[ENVELOPE_DUMP_MAX];
	size_t		quarantined = 0, whole = 0;
	off_t		off;
	int		len;

	t_evps(&evp, 1);
	evp.evpid = 0x1234567800000001ULL;
	ATF_REQUIRE((len = envelope_dump(&evp, rec, sizeof(rec))) > 0);
	/* every length short of the record, and the record itself */
	for (off = 0; off <= len; off++)
		t_torn_at(off, &quarantined, &whole);
	ATF_CHECK(quarantined > 0);
	ATF_CHECK(whole > 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, qstore_sync_commit_counts);
	ATF_TP_ADD_TC(tp, qstore_sync_commit_counts_flat);
	ATF_TP_ADD_TC(tp, qstore_sync_update_one);
	ATF_TP_ADD_TC(tp, qstore_sync_remove_none);
	ATF_TP_ADD_TC(tp, qstore_sync_unpublished_discarded);
	ATF_TP_ADD_TC(tp, qstore_sync_torn_envelope);
	return atf_no_error();
}
