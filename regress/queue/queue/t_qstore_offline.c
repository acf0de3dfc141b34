/*
 * t_qstore_offline.c - the queue's walk over the local enqueuer's drop
 * files: import, failures counted in the name up to the quarantine, the
 * size limit (the format itself: regress/common/t_offline.c).
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
#include "qstore_harness.h"

struct t_got {
	int	n;
	char	body[64];
	int	keep;		/* the callback's verdict, when not 0 */
	char	name[64];	/* the last file's name */
	unsigned tries;		/* and its failures so far */
};

/* t_take - offline walk callback reading the message */
static int
t_take(const struct offline *h, int fd, void *arg)
{
	struct t_got	*g = arg;
	ssize_t		 n;

	g->n++;
	strlcpy(g->name, h->name, sizeof(g->name));
	g->tries = h->tries;
	n = read(fd, g->body, sizeof(g->body) - 1);
	g->body[n > 0 ? n : 0] = '\0';
	return g->keep;
}

/* t_walk - one walk with a generous size limit; the files seen */
static size_t
t_walk(struct qstore *q, struct t_got *got, int keep)
{
	struct qstore_offline_stats	st;

	memset(got, 0, sizeof(*got));
	got->keep = keep;
	ATF_CHECK_EQ(qstore_offline_walk(q, 1024 * 1024, t_take, got, &st),
	    0);
	return st.seen;
}

/* t_drop - a drop file of uid getuid() named name, body bytes long */
static void
t_drop(int dirfd, const char *name, size_t body)
{
	char	hdr[128];
	int	fd;

	(void)snprintf(hdr, sizeof(hdr), "version: 1\nuid: %lu\nsender: a@x\n"
	    "rcpt: b@x\n\n", (unsigned long)getuid());
	ATF_REQUIRE((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL,
	    0644)) != -1);
	ATF_REQUIRE(write(fd, hdr, strlen(hdr)) == (ssize_t)strlen(hdr));
	ATF_REQUIRE(ftruncate(fd, (off_t)(strlen(hdr) + body)) == 0);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(qstore_offline_walk_imports);
ATF_TC_BODY(qstore_offline_walk_imports, tc)
{
	const char	*rcpt[] = { "b@x" };
	struct qstore	*q;
	struct t_got	 got;
	char		 err[256], hdr[128], name[64];
	int		 dirfd, off, fd;

	q = t_spool(&dirfd);
	off = qstore_area_fd(q, SPOOL_AREA_OFFLINE);
	ATF_REQUIRE_EQ(offline_write(off, getuid(), "a@x", rcpt, 1,
	    "hello\n", 6, err, sizeof(err)), 0);
	/* an unfinished temp file is left alone */
	ATF_REQUIRE((fd = openat(off, "tmp.0000000000000001", O_WRONLY |
	    O_CREAT, 0600)) != -1);
	close(fd);
	/* a file claiming another uid is quarantined */
	(void)snprintf(hdr, sizeof(hdr), "version: 1\nuid: %lu\nsender: a@x\n"
	    "rcpt: b@x\n\nforged\n", (unsigned long)getuid() + 1);
	ATF_REQUIRE((fd = openat(off, "forged", O_WRONLY | O_CREAT,
	    0600)) != -1);
	ATF_REQUIRE(write(fd, hdr, strlen(hdr)) == (ssize_t)strlen(hdr));
	close(fd);
	(void)t_walk(q, &got, QSTORE_OFFLINE_FAILED);
	ATF_CHECK_EQ(got.n, 1);
	ATF_CHECK_STREQ(got.body, "hello\n");
	ATF_CHECK_EQ(faccessat(dirfd, "quarantine/offline.forged", F_OK, 0),
	    0);
	/* kept, so seen again; taken, so removed */
	(void)t_walk(q, &got, QSTORE_OFFLINE_QUEUED);
	ATF_CHECK_EQ(got.n, 1);
	ATF_CHECK_EQ(got.tries, 1);
	strlcpy(name, got.name, sizeof(name));
	(void)t_walk(q, &got, QSTORE_OFFLINE_QUEUED);
	ATF_CHECK_EQ(got.n, 0);
	/* of the three files only the temp file is left in offline/ */
	ATF_CHECK_EQ(faccessat(off, name, F_OK, 0), -1);
	ATF_CHECK_EQ(faccessat(off, "forged", F_OK, 0), -1);
	ATF_CHECK_EQ(faccessat(off, "tmp.0000000000000001", F_OK, 0), 0);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_offline_tries_names);
ATF_TC_BODY(qstore_offline_tries_names, tc)
{
	static const struct {
		const char	*name;
		unsigned	 tries;
		size_t		 baselen;
	} t[] = {
		{ "0123456789abcdef", 0, 16 },
		{ "0123456789abcdef,1", 1, 16 },
		{ "x,4", 4, 1 },
		{ "x,5", 0, 3 },	/* QSTORE_OFFLINE_TRIES: never */
		{ "x,0", 0, 3 },
		{ "x,9", 0, 3 },
		{ ",1", 0, 2 },			/* no base */
		{ "x,,1", 1, 2 },
		{ "x;1", 0, 3 },
		{ "", 0, 0 },
	};
	size_t	i, baselen;

	ATF_REQUIRE_EQ(QSTORE_OFFLINE_TRIES, 5);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ_MSG(qstore_offline_tries(t[i].name, &baselen),
		    t[i].tries, "%s", t[i].name);
		ATF_CHECK_EQ_MSG(baselen, t[i].baselen, "%s", t[i].name);
	}
}

ATF_TC_WITHOUT_HEAD(qstore_offline_walk_fails_to_quarantine);
ATF_TC_BODY(qstore_offline_walk_fails_to_quarantine, tc)
{
	struct qstore	*q;
	struct t_got	 got;
	char		 name[64];
	unsigned	 i;
	int		 dirfd, off;

	q = t_spool(&dirfd);
	off = qstore_area_fd(q, SPOOL_AREA_OFFLINE);
	t_drop(off, "f", 5);
	/* each failure is counted in the name, one per walk */
	for (i = 0; i < QSTORE_OFFLINE_TRIES - 1; i++) {
		ATF_CHECK_EQ(t_walk(q, &got, QSTORE_OFFLINE_FAILED), 1);
		ATF_CHECK_EQ(got.n, 1);
		ATF_CHECK_EQ(got.tries, i);
		(void)snprintf(name, sizeof(name), "f,%u", i + 1);
		ATF_CHECK_EQ_MSG(faccessat(off, name, F_OK, 0), 0, "%s", name);
	}
	/* the last failure quarantines it; it is never offered again */
	ATF_CHECK_EQ(t_walk(q, &got, QSTORE_OFFLINE_FAILED), 1);
	ATF_CHECK_EQ(got.tries, QSTORE_OFFLINE_TRIES - 1);
	ATF_CHECK_EQ(faccessat(dirfd, "quarantine/offline.f,4", F_OK, 0), 0);
	ATF_CHECK_EQ(t_walk(q, &got, QSTORE_OFFLINE_FAILED), 0);
	ATF_CHECK_EQ(got.n, 0);
	/* a daemon that is down costs no failure and ends the walk */
	t_drop(off, "g", 5);
	t_drop(off, "h", 5);
	ATF_CHECK_EQ(t_walk(q, &got, QSTORE_OFFLINE_STOP), 1);
	ATF_CHECK_EQ(got.n, 1);
	ATF_CHECK_EQ(faccessat(off, "g", F_OK, 0), 0);
	ATF_CHECK_EQ(faccessat(off, "h", F_OK, 0), 0);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_offline_walk_too_large);
ATF_TC_BODY(qstore_offline_walk_too_large, tc)
{
	struct qstore_offline_stats	 st;
	struct qstore			*q;
	struct t_got			 got;
	int				 dirfd, off;

	q = t_spool(&dirfd);
	off = qstore_area_fd(q, SPOOL_AREA_OFFLINE);
	t_drop(off, "limit", 100);
	t_drop(off, "over", 101);
	memset(&got, 0, sizeof(got));
	ATF_CHECK_EQ(qstore_offline_walk(q, 100, t_take, &got, &st), 0);
	/* exactly at the limit is offered; one byte more never is */
	ATF_CHECK_EQ(got.n, 1);
	ATF_CHECK_STREQ(got.name, "limit");
	ATF_CHECK_EQ(st.seen, 2);
	ATF_CHECK_EQ(st.queued, 1);
	ATF_CHECK_EQ(st.quarantined, 1);
	ATF_CHECK_EQ(faccessat(dirfd, "quarantine/offline.over", F_OK, 0), 0);
	ATF_CHECK_EQ(faccessat(off, "over", F_OK, 0), -1);
	/* a second quarantined file of the same name keeps the first */
	t_drop(off, "over", 200);
	ATF_CHECK_EQ(qstore_offline_walk(q, 100, t_take, &got, &st), 0);
	ATF_CHECK_EQ(st.quarantined, 1);
	ATF_CHECK_EQ(faccessat(dirfd, "quarantine/offline.over", F_OK, 0), 0);
	ATF_CHECK_EQ(faccessat(off, "over", F_OK, 0), -1);
	qstore_close(q);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, qstore_offline_walk_imports);
	ATF_TP_ADD_TC(tp, qstore_offline_tries_names);
	ATF_TP_ADD_TC(tp, qstore_offline_walk_fails_to_quarantine);
	ATF_TP_ADD_TC(tp, qstore_offline_walk_too_large);
	return atf_no_error();
}
