/*
 * t_qstore_flat.c - messages kept flat (queue/<msgid>.m and .e): which
 * commits take the form, loading, updates and removals through the
 * envelope file, what a restart finds after a crash at each step, and
 * torn envelope files.  Each case works in ./spool.
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
	uint64_t	ids[64];
	size_t		n;
};

/* t_collect - walk callback keeping the IDs */
static int
t_collect(struct envelope *evp, void *arg)
{
	struct t_walked	*w = arg;

	if (w->n < 64)
		w->ids[w->n] = evp->evpid;
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

/* t_at - whether ./spool/<area>/<%08x><suffix> exists */
static int
t_at(const char *area, uint32_t msgid, const char *suffix)
{
	char	path[256];

	(void)snprintf(path, sizeof(path), "spool/%s/%08x%s", area, msgid,
	    suffix);
	return access(path, F_OK) == 0;
}

/* t_has - whether the walk reported evpid */
static int
t_has(const struct t_walked *w, uint64_t evpid)
{
	size_t	i;

	for (i = 0; i < w->n && i < 64; i++)
		if (w->ids[i] == evpid)
			return 1;
	return 0;
}

ATF_TC_WITHOUT_HEAD(qstore_flat_commit_form);
ATF_TC_BODY(qstore_flat_commit_form, tc)
{
	struct qstore	*q;
	struct envelope	 few[2], many[QSTORE_FLAT_MAX + 1], notice[1];
	struct t_walked	 w;
	char		 err[256], body[128];
	uint32_t	 a, b, c;
	ssize_t		 n;
	int		 dirfd, fd;

	(void)tc;
	q = t_spool(&dirfd);
	a = t_committed(q, few, 2);
	b = t_committed(q, many, QSTORE_FLAT_MAX + 1);
	c = t_received(q);
	t_evps(notice, 1);
	notice[0].flags |= ENVELOPE_F_EXPAND;
	ATF_REQUIRE(qstore_msg_commit(q, c, notice, 1, err, sizeof(err)) == 0);
	/* few envelopes: flat, no directory, incoming/ empty */
	ATF_CHECK(t_at("queue", a, ".m") && t_at("queue", a, ".e"));
	ATF_CHECK(!t_at("queue", a, "") && !t_at("incoming", a, ""));
	/* too many, or one awaiting expansion: a directory */
	ATF_CHECK(t_at("queue", b, "") && !t_at("queue", b, ".e"));
	ATF_CHECK(t_at("queue", c, "") && !t_at("queue", c, ".e"));
	ATF_REQUIRE((fd = qstore_msg_fd(q, a)) != -1);
	ATF_REQUIRE((n = read(fd, body, sizeof(body))) >= 0);
	ATF_CHECK(n == (ssize_t)strlen(T_BODY) && memcmp(body, T_BODY,
	    (size_t)n) == 0);
	close(fd);
	q = t_rewalk(q, &dirfd, &w);
	ATF_CHECK_EQ(w.n, 2 + QSTORE_FLAT_MAX + 1 + 1);
	ATF_CHECK(t_has(&w, few[0].evpid) && t_has(&w, few[1].evpid));
	ATF_CHECK(envelope_msgid(few[0].evpid) == a);
	ATF_CHECK(few[0].evpid != few[1].evpid);
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_flat_update_remove);
ATF_TC_BODY(qstore_flat_update_remove, tc)
{
	struct qstore		*q;
	struct qstore_stats	 st;
	struct envelope		 evps[3], got;
	struct t_walked		 w;
	char			 err[256];
	uint32_t		 msgid;
	int			 dirfd;

	(void)tc;
	q = t_spool(&dirfd);
	msgid = t_committed(q, evps, 3);
	evps[1].retry = 7;
	ATF_REQUIRE(qstore_envelope_update(q, &evps[1], err,
	    sizeof(err)) == 0);
	ATF_REQUIRE(qstore_envelope_remove(q, evps[0].evpid, err,
	    sizeof(err)) == 0);
	q = t_rewalk(q, &dirfd, &w);
	ATF_CHECK_EQ(w.n, 2);
	ATF_CHECK(!t_has(&w, evps[0].evpid));
	ATF_REQUIRE_EQ(qstore_envelope_load(q, evps[1].evpid, &got, err,
	    sizeof(err)), 1);
	ATF_CHECK_EQ(got.retry, 7);
	ATF_CHECK_EQ(qstore_envelope_load(q, evps[0].evpid, &got, err,
	    sizeof(err)), 0);
	/* unknown envelopes of a flat message are refused, not invented */
	got = evps[0];
	ATF_CHECK(qstore_envelope_update(q, &got, err, sizeof(err)) == -1);
	ATF_CHECK(qstore_envelope_remove(q, evps[0].evpid, err,
	    sizeof(err)) == -1);
	ATF_REQUIRE(qstore_envelope_remove(q, evps[1].evpid, err,
	    sizeof(err)) == 0);
	ATF_REQUIRE(qstore_envelope_remove(q, evps[2].evpid, err,
	    sizeof(err)) == 0);
	ATF_CHECK(!t_at("queue", msgid, ".m") && !t_at("queue", msgid, ".e"));
	ATF_CHECK_EQ(qstore_msg_fd(q, msgid), -1);
	qstore_stats(q, &st);
	ATF_CHECK_EQ(st.msg_removed, 1);
	ATF_CHECK_EQ(st.evp_removed, 2);
	q = t_rewalk(q, &dirfd, &w);
	ATF_CHECK_EQ(w.n, 0);
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_flat_sync_counts);
ATF_TC_BODY(qstore_flat_sync_counts, tc)
{
	struct qstore		*q;
	struct qstore_stats	 a, b;
	struct envelope		 evps[2];
	char			 err[256];
	int			 dirfd;

	(void)tc;
	q = t_spool(&dirfd);
	(void)t_committed(q, evps, 2);
	/* removing one of two rewrites the set: one file sync */
	qstore_stats(q, &a);
	ATF_REQUIRE(qstore_envelope_remove(q, evps[0].evpid, err,
	    sizeof(err)) == 0);
	qstore_stats(q, &b);
	ATF_CHECK_EQ(b.file_syncs - a.file_syncs, 1);
	ATF_CHECK_EQ(b.dir_syncs - a.dir_syncs, 0);
	/* removing the last syncs nothing */
	ATF_REQUIRE(qstore_envelope_remove(q, evps[1].evpid, err,
	    sizeof(err)) == 0);
	qstore_stats(q, &a);
	ATF_CHECK_EQ(a.file_syncs + a.dir_syncs, b.file_syncs + b.dir_syncs);
	qstore_close(q);
	close(dirfd);
}

/* t_put - write text to ./spool/queue/<%08x><suffix> */
static void
t_put(uint32_t msgid, const char *suffix, const char *text)
{
	char	path[256];
	FILE	*fp;

	(void)snprintf(path, sizeof(path), "spool/queue/%08x%s", msgid,
	    suffix);
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	fputs(text, fp);
	ATF_REQUIRE(fclose(fp) == 0);
}

ATF_TC_WITHOUT_HEAD(qstore_flat_crash_leftovers);
ATF_TC_BODY(qstore_flat_crash_leftovers, tc)
{
	struct qstore	*q;
	struct envelope	 evps[1];
	struct t_walked	 w;
	uint32_t	 kept, alone = 0x0badf00d, orphan = 0x0defaced;
	int		 dirfd;

	(void)tc;
	q = t_spool(&dirfd);
	kept = t_committed(q, evps, 1);
	/* a rewrite cut before its rename; a commit cut between renames */
	t_put(kept, ".t", "posthorn envelopes 1\n3\nbad");
	t_put(alone, ".m", T_BODY);
	/* envelopes without their message */
	t_put(orphan, ".e", "posthorn envelopes 1\n");
	q = t_rewalk(q, &dirfd, &w);
	ATF_CHECK_EQ(w.n, 1);
	ATF_CHECK(t_has(&w, evps[0].evpid));
	ATF_CHECK(!t_at("queue", kept, ".t"));
	ATF_CHECK(!t_at("queue", alone, ".m"));
	ATF_CHECK(!t_at("queue", orphan, ".e"));
	ATF_CHECK(t_at("quarantine", orphan, ".e"));
	qstore_close(q);
	close(dirfd);
}

/* t_torn_at - cut a fresh flat message's envelope file to off bytes */
static void
t_torn_at(off_t off, off_t len, size_t *quarantined)
{
	struct qstore	*q;
	struct envelope	 evps[2];
	struct t_walked	 w;
	char		 path[256];
	uint32_t	 msgid;
	int		 dirfd;

	ATF_REQUIRE(system("rm -rf spool") == 0);
	q = t_spool(&dirfd);
	msgid = t_committed(q, evps, 2);
	(void)snprintf(path, sizeof(path), "spool/queue/%08x.e", msgid);
	ATF_REQUIRE(truncate(path, off) == 0);
	q = t_rewalk(q, &dirfd, &w);
	if (off == len)
		ATF_CHECK_EQ(w.n, 2);
	else if (w.n == 0) {
		ATF_CHECK(t_at("quarantine", msgid, ".e") &&
		    t_at("quarantine", msgid, ".m"));
		(*quarantined)++;
	} else
		/* a cut at a record's end leaves whole records only */
		ATF_CHECK_MSG(w.n == 1 && t_has(&w, evps[0].evpid),
		    "cut at %lld: %zu envelopes", (long long)off, w.n);
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_flat_torn);
ATF_TC_BODY(qstore_flat_torn, tc)
{
	struct qstore	*q;
	struct envelope	 evps[2];
	struct stat	 sb;
	char		 path[256];
	size_t		 quarantined = 0;
	uint32_t	 msgid;
	off_t		 off;
	int		 dirfd;

	(void)tc;
	q = t_spool(&dirfd);
	msgid = t_committed(q, evps, 2);
	(void)snprintf(path, sizeof(path), "spool/queue/%08x.e", msgid);
	ATF_REQUIRE(stat(path, &sb) == 0);
	qstore_close(q);
	close(dirfd);
	for (off = 0; off <= sb.st_size; off++)
		t_torn_at(off, sb.st_size, &quarantined);
	ATF_CHECK(quarantined > (size_t)sb.st_size / 2);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, qstore_flat_commit_form);
	ATF_TP_ADD_TC(tp, qstore_flat_update_remove);
	ATF_TP_ADD_TC(tp, qstore_flat_sync_counts);
	ATF_TP_ADD_TC(tp, qstore_flat_crash_leftovers);
	ATF_TP_ADD_TC(tp, qstore_flat_torn);
	return atf_no_error();
}
