/*
 * t_qstore_commit.c - group commit: big batches on both sync paths,
 * failing requests inside a batch, shared directory syncs.
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

#define T_NMSG	100
#define T_NEVP	2

/* t_count - walk callback counting envelopes */
static int
t_count(struct envelope *evp, void *arg)
{
	(void)evp;
	(*(size_t *)arg)++;
	return 0;
}

/* t_prepare - n received messages with T_NEVP envelopes each */
static void
t_prepare(struct qstore *q, struct qstore_commit *reqs, size_t n,
    struct envelope evps[][T_NEVP])
{
	char	err[256], body[64];
	size_t	i, j;
	int	fd, len;

	for (i = 0; i < n; i++) {
		memset(&reqs[i], 0, sizeof(reqs[i]));
		ATF_REQUIRE(qstore_msg_create(q, &reqs[i].msgid, &fd, err,
		    sizeof(err)) == 0);
		len = snprintf(body, sizeof(body), "Subject: %zu\n\n.\n", i);
		ATF_REQUIRE(write(fd, body, (size_t)len) == len);
		close(fd);
		for (j = 0; j < T_NEVP; j++) {
			memset(&evps[i][j], 0, sizeof(evps[i][j]));
			(void)snprintf(evps[i][j].rcpt, ADDR_MAX,
			    "u%zu.%zu@example.net", i, j);
			strlcpy(evps[i][j].dest, evps[i][j].rcpt, ADDR_MAX);
			strlcpy(evps[i][j].dispatcher, "local", NAME_MAX_CFG);
			evps[i][j].ctime = 1;
		}
		reqs[i].evps = evps[i];
		reqs[i].nevp = T_NEVP;
	}
}

/* t_batch - commit T_NMSG messages in one batch with a syncfs threshold */
static void
t_batch(size_t syncfs_min, uint64_t want_dir_syncs_max)
{
	static struct envelope	 evps[T_NMSG][T_NEVP];
	struct qstore_commit	 reqs[T_NMSG];
	struct qstore_stats	 before, after;
	struct qstore		*q;
	size_t			 i, n = 0;
	int			 dirfd;

	q = t_spool(&dirfd);
	qstore_set_syncfs_min(q, syncfs_min);
	t_prepare(q, reqs, T_NMSG, evps);
	qstore_stats(q, &before);
	ATF_CHECK_EQ(qstore_commit_batch(q, reqs, T_NMSG), 0);
	qstore_stats(q, &after);
	for (i = 0; i < T_NMSG; i++) {
		ATF_CHECK_EQ_MSG(reqs[i].status, 0, "%zu: %s", i, reqs[i].err);
		ATF_CHECK_EQ(envelope_msgid(evps[i][0].evpid), reqs[i].msgid);
	}
	ATF_CHECK_EQ(after.msg_committed - before.msg_committed, T_NMSG);
	ATF_CHECK_EQ(after.evp_committed - before.evp_committed,
	    T_NMSG * T_NEVP);
	ATF_CHECK_EQ(after.commit_batches - before.commit_batches, 1);
	ATF_CHECK_MSG(after.dir_syncs - before.dir_syncs <= want_dir_syncs_max,
	    "%ju directory syncs",
	    (uintmax_t)(after.dir_syncs - before.dir_syncs));
	qstore_close(q);
	close(dirfd);
	q = t_spool(&dirfd);
	ATF_CHECK_EQ(qstore_walk(q, t_count, &n), 0);
	ATF_CHECK_EQ(n, T_NMSG * T_NEVP);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_commit_batch_fdatasync);
ATF_TC_BODY(qstore_commit_batch_fdatasync, tc)
{
	/* per-message directory syncs, plus one for queue/ */
	t_batch((size_t)-1, T_NMSG + 1);
}

ATF_TC_WITHOUT_HEAD(qstore_commit_batch_syncfs);
ATF_TC_BODY(qstore_commit_batch_syncfs, tc)
{
	/* one syncfs and one fsync of queue/ for the whole batch */
	t_batch(0, 2);
}

ATF_TC_WITHOUT_HEAD(qstore_commit_batch_partial);
ATF_TC_BODY(qstore_commit_batch_partial, tc)
{
	static struct envelope	 evps[4][T_NEVP];
	struct qstore_commit	 reqs[4];
	struct qstore		*q;
	size_t			 n = 0;
	int			 dirfd;

	q = t_spool(&dirfd);
	t_prepare(q, reqs, 4, evps);
	ATF_REQUIRE_EQ(qstore_msg_abort(q, reqs[1].msgid), 0);	/* gone */
	reqs[2].nevp = 0;					/* empty */
	evps[3][1].ctime = -1;				/* unwritable */
	ATF_CHECK_EQ(qstore_commit_batch(q, reqs, 4), -1);
	ATF_CHECK_EQ(reqs[0].status, 0);
	ATF_CHECK_EQ(reqs[1].status, -1);
	ATF_CHECK(reqs[1].err[0] != '\0');
	ATF_CHECK_EQ(reqs[2].status, -1);
	ATF_CHECK_EQ(reqs[3].status, -1);
	/* the failed request left no envelope behind and can be retried */
	evps[3][1].ctime = 1;
	ATF_CHECK_EQ(qstore_commit_batch(q, &reqs[3], 1), 0);
	ATF_CHECK_EQ(qstore_walk(q, t_count, &n), 0);
	ATF_CHECK_EQ(n, 2 * T_NEVP);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_commit_batch_many_rcpts);
ATF_TC_BODY(qstore_commit_batch_many_rcpts, tc)
{
	struct envelope		*evps;
	struct qstore		*q;
	char			 err[256];
	uint32_t		 msgid;
	size_t			 i, j, n = 0;
	int			 dirfd, fd;

	q = t_spool(&dirfd);
	evps = calloc(1000, sizeof(*evps));
	ATF_REQUIRE(evps != NULL);
	for (i = 0; i < 1000; i++) {
		(void)snprintf(evps[i].rcpt, ADDR_MAX, "r%zu@x", i);
		strlcpy(evps[i].dest, evps[i].rcpt, ADDR_MAX);
		strlcpy(evps[i].dispatcher, "local", NAME_MAX_CFG);
	}
	ATF_REQUIRE(qstore_msg_create(q, &msgid, &fd, err, sizeof(err)) == 0);
	close(fd);
	ATF_REQUIRE_EQ(qstore_msg_commit(q, msgid, evps, 1000, err,
	    sizeof(err)), 0);
	for (i = 0; i < 1000; i++)
		for (j = i + 1; j < 1000; j++)
			ATF_REQUIRE(evps[i].evpid != evps[j].evpid);
	ATF_CHECK_EQ(qstore_walk(q, t_count, &n), 0);
	ATF_CHECK_EQ(n, 1000);
	free(evps);
	qstore_close(q);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, qstore_commit_batch_fdatasync);
	ATF_TP_ADD_TC(tp, qstore_commit_batch_syncfs);
	ATF_TP_ADD_TC(tp, qstore_commit_batch_partial);
	ATF_TP_ADD_TC(tp, qstore_commit_batch_many_rcpts);
	return atf_no_error();
}
