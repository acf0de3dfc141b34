/*
 * t_qstore_replace.c - one envelope durably replaced by others: the
 * whole operation, failures of each step, and a crash after each step
 * (the store is closed where the crash happens and reopened, as a
 * restart after kill -9 does).  Each case works in ./spool.
 */
#include <sys/stat.h>

#include <dirent.h>
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

#define T_MAX	8

struct t_seen {
	uint64_t	ids[QSTORE_REPLACE_MAX + 8];
	char		rcpts[T_MAX][ADDR_MAX];
	size_t		n;
};

/* t_evp - an envelope for recipient name */
static void
t_evp(struct envelope *e, const char *rcpt, const char *dest)
{
	memset(e, 0, sizeof(*e));
	strlcpy(e->rcpt, rcpt, sizeof(e->rcpt));
	strlcpy(e->dest, dest, sizeof(e->dest));
	strlcpy(e->dispatcher, "local", sizeof(e->dispatcher));
	e->flags = ENVELOPE_F_BOUNCE;
	e->ctime = 1700000000;
	e->ttl = 345600;
}

/* t_message - a message with the notice envelope "root" and others */
static uint64_t
t_message(struct qstore *q, int others, uint32_t *msgid)
{
	struct envelope	evps[4];
	char		err[256];
	int		fd, i;

	ATF_REQUIRE(others < 4);
	ATF_REQUIRE(qstore_msg_create(q, msgid, &fd, err, sizeof(err)) == 0);
	ATF_REQUIRE(write(fd, "Subject: x\n\nbody\n", 17) == 17);
	close(fd);
	t_evp(&evps[0], "root", "root");
	evps[0].flags |= ENVELOPE_F_EXPAND;
	for (i = 1; i <= others; i++)
		t_evp(&evps[i], "other", "other");
	if (qstore_msg_commit(q, *msgid, evps, (size_t)others + 1, err,
	    sizeof(err)) == -1)
		atf_tc_fail("commit: %s", err);
	return evps[0].evpid;
}

/* t_repl - n replacements alice0, alice1 ... */
static void
t_repl(struct envelope *evps, size_t n)
{
	char	dest[32];
	size_t	i;

	for (i = 0; i < n; i++) {
		(void)snprintf(dest, sizeof(dest), "alice%zu", i);
		t_evp(&evps[i], "root", dest);
	}
}

/* t_collect - walk callback recording IDs and destinations */
static int
t_collect(struct envelope *evp, void *arg)
{
	struct t_seen	*s = arg;

	if (s->n < T_MAX)
		strlcpy(s->rcpts[s->n], evp->dest, sizeof(s->rcpts[0]));
	if (s->n < sizeof(s->ids) / sizeof(s->ids[0]))
		s->ids[s->n] = evp->evpid;
	s->n++;
	return 0;
}

/* t_restart - close and reopen the store, walk it */
static struct qstore *
t_restart(struct qstore *q, int *dirfd, struct t_seen *s)
{
	qstore_close(q);
	close(*dirfd);
	q = t_spool(dirfd);
	memset(s, 0, sizeof(*s));
	ATF_REQUIRE(qstore_walk(q, t_collect, s) == 0);
	return q;
}

/* t_has - the walk saw envelope id */
static int
t_has(const struct t_seen *s, uint64_t id)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return 1;
	return 0;
}

/* t_reps - replacement files left in queue/<msgid> */
static int
t_reps(uint32_t msgid)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	envelope_msgid_format(msgid, path + snprintf(path, sizeof(path),
	    "spool/queue/"));
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "rep.", 4) == 0)
			n++;
	closedir(d);
	return n;
}

/* t_check_old - only the original envelopes are left, nothing else */
static void
t_check_old(const struct t_seen *s, uint64_t old, size_t others,
    uint32_t msgid)
{
	ATF_CHECK_EQ(s->n, others + 1);
	ATF_CHECK(t_has(s, old));
	ATF_CHECK_EQ(t_reps(msgid), 0);
}

/* t_check_new - the replacements are there, the old one is gone */
static void
t_check_new(const struct t_seen *s, uint64_t old, const struct envelope
    *evps, size_t n, size_t others, uint32_t msgid)
{
	size_t	i;

	ATF_CHECK_EQ(s->n, others + n);
	ATF_CHECK(!t_has(s, old));
	for (i = 0; i < n; i++)
		ATF_CHECK_MSG(t_has(s, evps[i].evpid), "replacement %zu", i);
	ATF_CHECK_EQ(t_reps(msgid), 0);
}

ATF_TC_WITHOUT_HEAD(qstore_replace_whole);
ATF_TC_BODY(qstore_replace_whole, tc)
{
	static const size_t	counts[] = { 1, 2, 5 };
	struct envelope		evps[T_MAX];
	struct t_seen		s;
	struct qstore		*q;
	char			err[256];
	uint64_t		old;
	uint32_t		msgid;
	size_t			i, j;
	int			dirfd;

	(void)tc;
	q = t_spool(&dirfd);
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		old = t_message(q, (int)i, &msgid);
		t_repl(evps, counts[i]);
		ATF_REQUIRE_MSG(qstore_replace(q, old, evps, counts[i], err,
		    sizeof(err)) == 0, "%s", err);
		for (j = 0; j < counts[i]; j++) {
			ATF_CHECK_EQ(envelope_msgid(evps[j].evpid), msgid);
			ATF_CHECK(evps[j].evpid != old);
		}
		ATF_CHECK_EQ(t_reps(msgid), 0);
	}
	q = t_restart(q, &dirfd, &s);
	ATF_CHECK_EQ(s.n, 1 + 2 + 5 + 0 + 1 + 2);
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_replace_limits);
ATF_TC_BODY(qstore_replace_limits, tc)
{
	static struct envelope	evps[QSTORE_REPLACE_MAX + 1];
	struct t_seen		s;
	struct qstore		*q;
	char			err[256];
	uint64_t		old;
	uint32_t		msgid;
	int			dirfd;

	(void)tc;
	q = t_spool(&dirfd);
	old = t_message(q, 0, &msgid);
	t_repl(evps, QSTORE_REPLACE_MAX + 1);
	ATF_CHECK_EQ(qstore_replace(q, old, evps, 0, err, sizeof(err)), -1);
	ATF_CHECK_EQ(qstore_replace(q, old, evps, QSTORE_REPLACE_MAX + 1, err,
	    sizeof(err)), -1);
	ATF_CHECK_EQ(t_reps(msgid), 0);
	/* exactly at the limit */
	ATF_REQUIRE_MSG(qstore_replace(q, old, evps, QSTORE_REPLACE_MAX, err,
	    sizeof(err)) == 0, "%s", err);
	q = t_restart(q, &dirfd, &s);
	ATF_CHECK_EQ(s.n, QSTORE_REPLACE_MAX);
	ATF_CHECK(!t_has(&s, old));
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_replace_step_fails);
ATF_TC_BODY(qstore_replace_step_fails, tc)
{
	struct envelope	evps[T_MAX];
	struct t_seen	s;
	struct qstore	*q;
	char		err[256], path[128], id[ENVELOPE_ID_STRLEN + 1];
	uint64_t	old;
	uint32_t	msgid;
	int		dirfd;

	(void)tc;
	q = t_spool(&dirfd);
	/* prepare: the third replacement cannot be written */
	old = t_message(q, 1, &msgid);
	t_repl(evps, 4);
	evps[2].ctime = -1;
	ATF_CHECK_EQ(qstore_replace(q, old, evps, 4, err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "not representable") != NULL);
	ATF_CHECK_EQ(t_reps(msgid), 0);
	/* prepare: the envelope to replace does not exist */
	t_repl(evps, 2);
	ATF_CHECK_EQ(qstore_replace(q, old + 1, evps, 2, err, sizeof(err)),
	    -1);
	ATF_CHECK_EQ(t_reps(msgid), 0);
	/* commit: the old envelope vanished after prepare */
	ATF_REQUIRE(qstore_replace_prepare(q, old, evps, 2, err,
	    sizeof(err)) == 0);
	ATF_CHECK_EQ(t_reps(msgid), 2);
	envelope_msgid_format(msgid, path + snprintf(path, sizeof(path),
	    "spool/queue/"));
	envelope_id_format(old, id);
	strlcat(path, "/", sizeof(path));
	strlcat(path, id, sizeof(path));
	ATF_REQUIRE(rename(path, "saved") == 0);
	ATF_CHECK_EQ(qstore_replace_commit(q, old, evps, 2, err, sizeof(err)),
	    -1);
	ATF_CHECK_EQ(t_reps(msgid), 0);
	ATF_REQUIRE(rename("saved", path) == 0);
	q = t_restart(q, &dirfd, &s);
	t_check_old(&s, old, 1, msgid);
	qstore_close(q);
	close(dirfd);
}

/* crash points: after which step the process dies */
enum t_crash {
	T_CRASH_PREPARE_PART,	/* some replacement files written */
	T_CRASH_PREPARE,	/* all written and synced */
	T_CRASH_COMMIT,		/* old unlinked */
	T_CRASH_PUBLISH_PART,	/* some replacements renamed */
	T_CRASH_DONE
};

/* t_crash_rename_one - rename the first replacement file, as publish */
static void
t_crash_rename_one(uint32_t msgid, const struct envelope *evps)
{
	char	dir[64], from[512], to[128], b[ENVELOPE_ID_STRLEN + 1];
	DIR	*d;
	struct dirent *de;

	envelope_msgid_format(msgid, dir + snprintf(dir, sizeof(dir),
	    "spool/queue/"));
	envelope_id_format(evps[0].evpid, b);
	ATF_REQUIRE((d = opendir(dir)) != NULL);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "rep.", 4) == 0 &&
		    strcmp(de->d_name + 4 + ENVELOPE_ID_STRLEN + 1, b) == 0)
			break;
	ATF_REQUIRE(de != NULL);
	(void)snprintf(from, sizeof(from), "%s/%s", dir, de->d_name);
	(void)snprintf(to, sizeof(to), "%s/%s", dir, b);
	closedir(d);
	ATF_REQUIRE(rename(from, to) == 0);
}

/* t_crash_drop_one - unlink one replacement file: prepare died early */
static void
t_crash_drop_one(uint32_t msgid, uint64_t old, const struct envelope *evps)
{
	char	path[128], a[ENVELOPE_ID_STRLEN + 1], b[ENVELOPE_ID_STRLEN + 1];

	envelope_id_format(old, a);
	envelope_id_format(evps[2].evpid, b);
	envelope_msgid_format(msgid, path + snprintf(path, sizeof(path),
	    "spool/queue/"));
	strlcat(path, "/rep.", sizeof(path));
	strlcat(path, a, sizeof(path));
	strlcat(path, ".", sizeof(path));
	strlcat(path, b, sizeof(path));
	ATF_REQUIRE(unlink(path) == 0);
}

/* t_crash_at - replace with a crash at point c, restart, check */
static void
t_crash_at(enum t_crash c, int others)
{
	struct envelope	evps[T_MAX];
	struct t_seen	s;
	struct qstore	*q;
	char		err[256];
	uint64_t	old;
	uint32_t	msgid;
	int		dirfd;

	ATF_REQUIRE(system("rm -rf spool") == 0);
	q = t_spool(&dirfd);
	old = t_message(q, others, &msgid);
	t_repl(evps, 3);
	ATF_REQUIRE(qstore_replace_prepare(q, old, evps, 3, err,
	    sizeof(err)) == 0);
	if (c == T_CRASH_PREPARE_PART)
		t_crash_drop_one(msgid, old, evps);
	if (c > T_CRASH_PREPARE)
		ATF_REQUIRE(qstore_replace_commit(q, old, evps, 3, err,
		    sizeof(err)) == 0);
	if (c == T_CRASH_PUBLISH_PART)
		t_crash_rename_one(msgid, evps);
	if (c == T_CRASH_DONE)
		ATF_REQUIRE(qstore_replace_publish(q, old, err,
		    sizeof(err)) == 0);
	q = t_restart(q, &dirfd, &s);
	if (c <= T_CRASH_PREPARE)
		t_check_old(&s, old, (size_t)others, msgid);
	else
		t_check_new(&s, old, evps, 3, (size_t)others, msgid);
	/* a second restart changes nothing */
	q = t_restart(q, &dirfd, &s);
	ATF_CHECK_EQ(s.n, (size_t)others + (c <= T_CRASH_PREPARE ? 1 : 3));
	qstore_close(q);
	close(dirfd);
}

ATF_TC_WITHOUT_HEAD(qstore_replace_crash_windows);
ATF_TC_BODY(qstore_replace_crash_windows, tc)
{
	int	c, others;

	(void)tc;
	for (others = 0; others <= 1; others++)
		for (c = T_CRASH_PREPARE_PART; c <= T_CRASH_DONE; c++)
			t_crash_at((enum t_crash)c, others);
}

ATF_TC_WITHOUT_HEAD(qstore_replace_parse_names);
ATF_TC_BODY(qstore_replace_parse_names, tc)
{
	static const struct {
		const char	*name;
		int		 want;
	} t[] = {
		{ "rep.0badf00d00000001.0badf00d00000002", 1 },
		{ "rep.0badf00d00000001.0badf00d00000001", 0 },	/* same */
		{ "rep.0badf00d00000001.0badf00e00000002", 0 },	/* message */
		{ "rep.0badf00e00000001.0badf00d00000002", 0 },
		{ "rep.0badf00d00000001.0badf00d0000000", 0 },	/* short */
		{ "rep.0badf00d00000001.0badf00d000000022", 0 },	/* long */
		{ "rep.0badf00d00000001-0badf00d00000002", 0 },
		{ "rep.0BADF00D00000001.0badf00d00000002", 0 },
		{ "rep.0badf00d00000000.0badf00d00000002", 0 },	/* zero */
		{ "tmp.0badf00d00000001.0badf00d00000002", 0 },
		{ "rep.0badf00d00000001.0badf00d0000000\n", 0 },
		{ "rep.0badf00d00000001.0badf00d0000000\xe9", 0 },
		{ "0badf00d00000002", 0 },
		{ "", 0 },
	};
	uint64_t	a, b;
	size_t		i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ATF_CHECK_EQ_MSG(qstore_replace_parse(t[i].name, 0x0badf00d,
		    &a, &b), t[i].want, "case %zu", i);
	ATF_REQUIRE(qstore_replace_parse(t[0].name, 0x0badf00d, &a, &b) == 1);
	ATF_CHECK_EQ(a, 0x0badf00d00000001ULL);
	ATF_CHECK_EQ(b, 0x0badf00d00000002ULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, qstore_replace_whole);
	ATF_TP_ADD_TC(tp, qstore_replace_limits);
	ATF_TP_ADD_TC(tp, qstore_replace_step_fails);
	ATF_TP_ADD_TC(tp, qstore_replace_crash_windows);
	ATF_TP_ADD_TC(tp, qstore_replace_parse_names);
	return atf_no_error();
}
