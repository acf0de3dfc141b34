/*
 * t_qstore.c - the spool: layout, commit and recovery, crash leftovers,
 * quarantine, update and removal.  Each case works in ./spool.
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

struct t_seen {
	struct envelope	evps[256];
	size_t		n;
};

/* t_reopen - close and reopen the store, as a restart does */
static struct qstore *
t_reopen(struct qstore *q, int *dirfd)
{
	qstore_close(q);
	close(*dirfd);
	return t_spool(dirfd);
}

/* t_evp - an envelope for recipient number i */
static void
t_evp(struct envelope *e, int i)
{
	memset(e, 0, sizeof(*e));
	strlcpy(e->sender, "alice@example.org", sizeof(e->sender));
	(void)snprintf(e->rcpt, sizeof(e->rcpt), "rcpt%d@example.net", i);
	strlcpy(e->dest, e->rcpt, sizeof(e->dest));
	strlcpy(e->dispatcher, "relay", sizeof(e->dispatcher));
	e->ctime = 1700000000;
	e->ttl = 345600;
}

/* t_message - create a message with body text, commit n envelopes */
static uint32_t
t_message(struct qstore *q, const char *body, struct envelope *evps, int n)
{
	uint32_t	msgid;
	char		err[256];
	int		fd, i;

	ATF_REQUIRE(qstore_msg_create(q, &msgid, &fd, err, sizeof(err)) == 0);
	ATF_REQUIRE(write(fd, body, strlen(body)) == (ssize_t)strlen(body));
	close(fd);
	for (i = 0; i < n; i++)
		t_evp(&evps[i], i);
	if (qstore_msg_commit(q, msgid, evps, (size_t)n, err,
	    sizeof(err)) == -1)
		atf_tc_fail("commit: %s", err);
	return msgid;
}

/* t_collect - walk callback storing every envelope */
static int
t_collect(struct envelope *evp, void *arg)
{
	struct t_seen	*s = arg;

	if (s->n < sizeof(s->evps) / sizeof(s->evps[0]))
		s->evps[s->n] = *evp;
	s->n++;
	return 0;
}

/* t_stop - walk callback asking to stop after the first envelope */
static int
t_stop(struct envelope *evp, void *arg)
{
	(void)evp;
	(*(int *)arg)++;
	return -1;
}

/* t_find - the envelope with this ID among those walked, or NULL */
static struct envelope *
t_find(struct t_seen *s, uint64_t evpid)
{
	size_t	i;

	for (i = 0; i < s->n && i < 256; i++)
		if (s->evps[i].evpid == evpid)
			return &s->evps[i];
	return NULL;
}

/* t_exists - a path under ./spool exists */
static int
t_exists(const char *path)
{
	char		full[512];
	struct stat	sb;

	(void)snprintf(full, sizeof(full), "spool/%s", path);
	return lstat(full, &sb) == 0;
}

/* t_put - write a file under ./spool */
static void
t_put(const char *path, const char *text)
{
	char	full[512];
	FILE	*fp;

	(void)snprintf(full, sizeof(full), "spool/%s", path);
	ATF_REQUIRE((fp = fopen(full, "w")) != NULL);
	fputs(text, fp);
	fclose(fp);
}

/* t_read_msg - the content of a committed message */
static void
t_read_msg(struct qstore *q, uint32_t msgid, char *buf, size_t bufsz)
{
	ssize_t	n;
	int	fd;

	ATF_REQUIRE((fd = qstore_msg_fd(q, msgid)) != -1);
	ATF_REQUIRE((n = read(fd, buf, bufsz - 1)) >= 0);
	buf[n] = '\0';
	close(fd);
}

ATF_TC_WITHOUT_HEAD(qstore_open_creates_layout);
ATF_TC_BODY(qstore_open_creates_layout, tc)
{
	struct qstore	*q;
	struct stat	 sb;
	int		 dirfd;

	umask(022);
	q = t_spool(&dirfd);
	ATF_CHECK(t_exists("incoming") && t_exists("queue") &&
	    t_exists("quarantine") && t_exists("version"));
	ATF_REQUIRE(stat("spool/offline", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 01777);
	ATF_REQUIRE(stat("spool/queue", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0700);
	/* a second open of an existing spool works */
	q = t_reopen(q, &dirfd);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_open_bad_version);
ATF_TC_BODY(qstore_open_bad_version, tc)
{
	char	err[256];
	int	dirfd;

	ATF_REQUIRE(mkdir("spool", 0700) == 0);
	t_put("version", "posthorn spool 2\n");
	ATF_REQUIRE((dirfd = open("spool", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_CHECK(qstore_open(dirfd, err, sizeof(err)) == NULL);
	ATF_CHECK(strstr(err, "version") != NULL);
}

ATF_TC_WITHOUT_HEAD(qstore_msg_commit_reopen);
ATF_TC_BODY(qstore_msg_commit_reopen, tc)
{
	struct qstore	*q;
	struct envelope	 evps[3], got;
	struct t_seen	 seen;
	char		 buf[256], err[256];
	uint32_t	 msgid;
	int		 dirfd, i;

	q = t_spool(&dirfd);
	msgid = t_message(q, "Subject: hi\n\nbody\n", evps, 3);
	for (i = 0; i < 3; i++) {
		ATF_CHECK_EQ(envelope_msgid(evps[i].evpid), msgid);
		ATF_CHECK((evps[i].evpid & 0xffffffffU) != 0);
	}
	ATF_CHECK(evps[0].evpid != evps[1].evpid &&
	    evps[1].evpid != evps[2].evpid && evps[0].evpid != evps[2].evpid);
	q = t_reopen(q, &dirfd);
	memset(&seen, 0, sizeof(seen));
	ATF_CHECK_EQ(qstore_walk(q, t_collect, &seen), 0);
	ATF_REQUIRE_EQ(seen.n, 3);
	for (i = 0; i < 3; i++) {
		struct envelope	*e = t_find(&seen, evps[i].evpid);

		ATF_REQUIRE(e != NULL);
		ATF_CHECK_STREQ(e->rcpt, evps[i].rcpt);
		ATF_CHECK_STREQ(e->sender, "alice@example.org");
	}
	t_read_msg(q, msgid, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "Subject: hi\n\nbody\n");
	ATF_CHECK_EQ(qstore_envelope_load(q, evps[1].evpid, &got, err,
	    sizeof(err)), 1);
	ATF_CHECK_STREQ(got.rcpt, "rcpt1@example.net");
	ATF_CHECK_EQ(qstore_envelope_load(q, evps[1].evpid ^ 1, &got, err,
	    sizeof(err)), 0);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_msg_commit_bad_requests);
ATF_TC_BODY(qstore_msg_commit_bad_requests, tc)
{
	struct qstore	*q;
	struct envelope	 evp;
	char		 err[256], path[64];
	uint32_t	 msgid;
	int		 dirfd, fd;

	q = t_spool(&dirfd);
	t_evp(&evp, 0);
	/* unknown message */
	ATF_CHECK_EQ(qstore_msg_commit(q, 0x12345678, &evp, 1, err,
	    sizeof(err)), -1);
	ATF_REQUIRE(qstore_msg_create(q, &msgid, &fd, err, sizeof(err)) == 0);
	close(fd);
	/* no envelope */
	ATF_CHECK_EQ(qstore_msg_commit(q, msgid, &evp, 0, err,
	    sizeof(err)), -1);
	/* an envelope that cannot be written */
	evp.ttl = -5;
	ATF_CHECK_EQ(qstore_msg_commit(q, msgid, &evp, 1, err,
	    sizeof(err)), -1);
	/* the message is still uncommitted and can be committed now */
	evp.ttl = 5;
	ATF_CHECK_EQ(qstore_msg_commit(q, msgid, &evp, 1, err,
	    sizeof(err)), 0);
	/* twice is an error */
	ATF_CHECK_EQ(qstore_msg_commit(q, msgid, &evp, 1, err,
	    sizeof(err)), -1);
	/* a message file that vanished, on both sync paths */
	ATF_REQUIRE(qstore_msg_create(q, &msgid, &fd, err, sizeof(err)) == 0);
	close(fd);
	(void)snprintf(path, sizeof(path), "spool/incoming/%08x/message",
	    msgid);
	ATF_REQUIRE(unlink(path) == 0);
	ATF_CHECK_EQ(qstore_msg_commit(q, msgid, &evp, 1, err,
	    sizeof(err)), -1);
	qstore_set_syncfs_min(q, 0);
	ATF_CHECK_EQ(qstore_msg_commit(q, msgid, &evp, 1, err,
	    sizeof(err)), -1);
	(void)snprintf(path, sizeof(path), "spool/queue/%08x", msgid);
	ATF_CHECK(access(path, F_OK) == -1);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_open_cleans_incoming);
ATF_TC_BODY(qstore_open_cleans_incoming, tc)
{
	struct qstore	*q;
	struct t_seen	 seen;
	char		 err[256];
	uint32_t	 msgid;
	int		 dirfd, fd;

	q = t_spool(&dirfd);
	/* a message received but never committed: the crash case */
	ATF_REQUIRE(qstore_msg_create(q, &msgid, &fd, err, sizeof(err)) == 0);
	ATF_REQUIRE(write(fd, "data\n", 5) == 5);
	close(fd);
	t_put("incoming/stray", "x");
	ATF_REQUIRE(mkdir("spool/incoming/deadbeef", 0700) == 0);
	t_put("incoming/deadbeef/message", "half");
	t_put("incoming/deadbeef/deadbeef00000001", "version: 1\n");
	q = t_reopen(q, &dirfd);
	ATF_CHECK(!t_exists("incoming/stray"));
	ATF_CHECK(!t_exists("incoming/deadbeef"));
	memset(&seen, 0, sizeof(seen));
	ATF_CHECK_EQ(qstore_walk(q, t_collect, &seen), 0);
	ATF_CHECK_EQ(seen.n, 0);
	ATF_CHECK_EQ(qstore_msg_fd(q, msgid), -1);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_msg_abort_removes);
ATF_TC_BODY(qstore_msg_abort_removes, tc)
{
	struct qstore	*q;
	struct envelope	 evp;
	char		 err[256], path[64];
	uint32_t	 msgid;
	int		 dirfd, fd;

	q = t_spool(&dirfd);
	ATF_REQUIRE(qstore_msg_create(q, &msgid, &fd, err, sizeof(err)) == 0);
	close(fd);
	(void)snprintf(path, sizeof(path), "incoming/%08x/message", msgid);
	ATF_CHECK(t_exists(path));
	ATF_CHECK_EQ(qstore_msg_abort(q, msgid), 0);
	ATF_CHECK(!t_exists(path));
	t_evp(&evp, 0);
	ATF_CHECK_EQ(qstore_msg_commit(q, msgid, &evp, 1, err,
	    sizeof(err)), -1);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_msg_create_unique);
ATF_TC_BODY(qstore_msg_create_unique, tc)
{
	struct qstore	*q;
	uint32_t	 ids[300];
	char		 err[256];
	int		 dirfd, fd, i, j;

	q = t_spool(&dirfd);
	for (i = 0; i < 300; i++) {
		ATF_REQUIRE(qstore_msg_create(q, &ids[i], &fd, err,
		    sizeof(err)) == 0);
		ATF_CHECK(ids[i] != 0);
		close(fd);
		for (j = 0; j < i; j++)
			ATF_CHECK(ids[i] != ids[j]);
	}
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_walk_crash_leftovers);
ATF_TC_BODY(qstore_walk_crash_leftovers, tc)
{
	struct qstore	*q;
	struct envelope	 evps[2];
	struct t_seen	 seen;
	char		 path[128], id[ENVELOPE_ID_STRLEN + 1];
	uint32_t	 msgid;
	int		 dirfd;

	q = t_spool_dirs(&dirfd);
	msgid = t_message(q, "m\n", evps, 2);
	/* an update interrupted before its rename */
	envelope_id_format(evps[0].evpid, id);
	(void)snprintf(path, sizeof(path), "queue/%08x/tmp.%s", msgid, id);
	t_put(path, "version: 1\nevpid: ");
	/* a removal interrupted after the last envelope went */
	ATF_REQUIRE(mkdir("spool/queue/0badc0de", 0700) == 0);
	t_put("queue/0badc0de/message", "x");
	/* an envelope whose message is gone */
	ATF_REQUIRE(mkdir("spool/queue/0badf00d", 0700) == 0);
	t_put("queue/0badf00d/0badf00d00000001", "version: 1\n");
	/* an empty message directory */
	ATF_REQUIRE(mkdir("spool/queue/0badbeef", 0700) == 0);
	q = t_reopen(q, &dirfd);
	memset(&seen, 0, sizeof(seen));
	ATF_CHECK_EQ(qstore_walk(q, t_collect, &seen), 0);
	ATF_CHECK_EQ(seen.n, 2);
	ATF_CHECK(t_find(&seen, evps[0].evpid) != NULL);
	ATF_CHECK(!t_exists(path));
	ATF_CHECK(!t_exists("queue/0badc0de"));
	ATF_CHECK(!t_exists("queue/0badbeef"));
	ATF_CHECK(!t_exists("queue/0badf00d"));
	ATF_CHECK(t_exists("quarantine/0badf00d/0badf00d00000001"));
	qstore_close(q);
}

/* t_list - quarantine list callback appending items to a string */
static int
t_list(const char *item, void *arg)
{
	strlcat(arg, item, 1024);
	strlcat(arg, " ", 1024);
	return 0;
}

ATF_TC_WITHOUT_HEAD(qstore_walk_quarantines_corrupt);
ATF_TC_BODY(qstore_walk_quarantines_corrupt, tc)
{
	struct qstore		*q;
	struct envelope		 evps[3];
	struct t_seen		 seen;
	struct qstore_stats	 st;
	char			 path[128], want[128], list[1024];
	char			 id[ENVELOPE_ID_STRLEN + 1];
	char			 id2[ENVELOPE_ID_STRLEN + 1], path2[128];
	char			 rec[ENVELOPE_DUMP_MAX];
	uint32_t		 msgid;
	int			 dirfd;

	q = t_spool_dirs(&dirfd);
	msgid = t_message(q, "m\n", evps, 3);
	envelope_id_format(evps[1].evpid, id);
	(void)snprintf(path, sizeof(path), "queue/%08x/%s", msgid, id);
	t_put(path, "version: 1\nevpid: 0000000100000001\nrcpt: \x01\n");
	t_put("queue/junk", "not a message");
	/* a well-formed record under another envelope's name */
	envelope_id_format(evps[2].evpid ^ 0x100, id2);
	(void)snprintf(path2, sizeof(path2), "queue/%08x/%s", msgid, id2);
	ATF_REQUIRE(envelope_dump(&evps[2], rec, sizeof(rec)) > 0);
	t_put(path2, rec);
	q = t_reopen(q, &dirfd);
	memset(&seen, 0, sizeof(seen));
	ATF_CHECK_EQ(qstore_walk(q, t_collect, &seen), 0);
	ATF_CHECK_EQ(seen.n, 2);
	ATF_CHECK(t_find(&seen, evps[0].evpid) != NULL);
	ATF_CHECK(t_find(&seen, evps[1].evpid) == NULL);
	ATF_CHECK(t_find(&seen, evps[2].evpid) != NULL);
	ATF_CHECK(!t_exists(path));
	ATF_CHECK(!t_exists("queue/junk"));
	memset(list, 0, sizeof(list));
	ATF_CHECK_EQ(qstore_quarantine_list(q, t_list, list), 0);
	(void)snprintf(want, sizeof(want), "%08x/%s ", msgid, id);
	ATF_CHECK_MSG(strstr(list, want) != NULL, "list: %s", list);
	(void)snprintf(want, sizeof(want), "%08x/message ", msgid);
	ATF_CHECK_MSG(strstr(list, want) != NULL, "list: %s", list);
	ATF_CHECK_MSG(strstr(list, "junk ") != NULL, "list: %s", list);
	qstore_stats(q, &st);
	ATF_CHECK_EQ(st.quarantined, 3);
	ATF_CHECK(!t_exists(path2));
	(void)snprintf(want, sizeof(want), "%08x/%s ", msgid, id2);
	ATF_CHECK_MSG(strstr(list, want) != NULL, "list: %s", list);
	/* the remaining envelopes still have their message */
	t_read_msg(q, msgid, path, sizeof(path));
	ATF_CHECK_STREQ(path, "m\n");
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_envelope_update_durable);
ATF_TC_BODY(qstore_envelope_update_durable, tc)
{
	struct qstore	*q;
	struct envelope	 evps[2], got, ghost;
	char		 err[256];
	int		 dirfd;

	q = t_spool(&dirfd);
	(void)t_message(q, "m\n", evps, 2);
	evps[0].retry = 7;
	evps[0].nexttry = 1700009999;
	evps[0].state = ENVELOPE_ST_INFLIGHT;
	strlcpy(evps[0].errmsg, "421 4.4.2 timeout\n", sizeof(evps[0].errmsg));
	ATF_REQUIRE_EQ(qstore_envelope_update(q, &evps[0], err,
	    sizeof(err)), 0);
	q = t_reopen(q, &dirfd);
	ATF_REQUIRE_EQ(qstore_envelope_load(q, evps[0].evpid, &got, err,
	    sizeof(err)), 1);
	ATF_CHECK_EQ(got.retry, 7);
	ATF_CHECK_EQ(got.nexttry, 1700009999);
	ATF_CHECK_EQ(got.state, ENVELOPE_ST_INFLIGHT);
	ATF_CHECK_STREQ(got.errmsg, "421 4.4.2 timeout\n");
	ATF_REQUIRE_EQ(qstore_envelope_load(q, evps[1].evpid, &got, err,
	    sizeof(err)), 1);
	ATF_CHECK_EQ(got.retry, 0);
	/* an envelope that does not exist is not created by an update */
	ghost = evps[1];
	ghost.evpid ^= 0x10;
	ATF_CHECK_EQ(qstore_envelope_update(q, &ghost, err, sizeof(err)), -1);
	ATF_CHECK_EQ(qstore_envelope_load(q, ghost.evpid, &got, err,
	    sizeof(err)), 0);
	ghost.evpid = 0x1122334455667788ULL;
	ATF_CHECK_EQ(qstore_envelope_update(q, &ghost, err, sizeof(err)), -1);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_envelope_remove_last);
ATF_TC_BODY(qstore_envelope_remove_last, tc)
{
	struct qstore	*q;
	struct envelope	 evps[2];
	struct t_seen	 seen;
	char		 err[256], dir[32];
	uint32_t	 msgid;
	int		 dirfd, fd;

	q = t_spool_dirs(&dirfd);
	msgid = t_message(q, "m\n", evps, 2);
	(void)snprintf(dir, sizeof(dir), "queue/%08x", msgid);
	ATF_CHECK_EQ(qstore_envelope_remove(q, evps[0].evpid, err,
	    sizeof(err)), 0);
	ATF_CHECK(t_exists(dir));
	ATF_REQUIRE((fd = qstore_msg_fd(q, msgid)) != -1);
	close(fd);
	ATF_CHECK_EQ(qstore_envelope_remove(q, evps[0].evpid, err,
	    sizeof(err)), -1);
	q = t_reopen(q, &dirfd);
	memset(&seen, 0, sizeof(seen));
	ATF_CHECK_EQ(qstore_walk(q, t_collect, &seen), 0);
	ATF_CHECK_EQ(seen.n, 1);
	ATF_CHECK_EQ(qstore_envelope_remove(q, evps[1].evpid, err,
	    sizeof(err)), 0);
	ATF_CHECK(!t_exists(dir));
	ATF_CHECK_EQ(qstore_msg_fd(q, msgid), -1);
	ATF_CHECK_EQ(qstore_envelope_remove(q, evps[1].evpid, err,
	    sizeof(err)), -1);
	qstore_close(q);
}

ATF_TC_WITHOUT_HEAD(qstore_walk_stops_on_request);
ATF_TC_BODY(qstore_walk_stops_on_request, tc)
{
	struct qstore	*q;
	struct envelope	 evps[3];
	int		 dirfd, calls = 0;

	q = t_spool(&dirfd);
	(void)t_message(q, "m\n", evps, 3);
	ATF_CHECK_EQ(qstore_walk(q, t_stop, &calls), -1);
	ATF_CHECK_EQ(calls, 1);
	qstore_close(q);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, qstore_open_creates_layout);
	ATF_TP_ADD_TC(tp, qstore_open_bad_version);
	ATF_TP_ADD_TC(tp, qstore_msg_commit_reopen);
	ATF_TP_ADD_TC(tp, qstore_msg_commit_bad_requests);
	ATF_TP_ADD_TC(tp, qstore_open_cleans_incoming);
	ATF_TP_ADD_TC(tp, qstore_msg_abort_removes);
	ATF_TP_ADD_TC(tp, qstore_msg_create_unique);
	ATF_TP_ADD_TC(tp, qstore_walk_crash_leftovers);
	ATF_TP_ADD_TC(tp, qstore_walk_quarantines_corrupt);
	ATF_TP_ADD_TC(tp, qstore_envelope_update_durable);
	ATF_TP_ADD_TC(tp, qstore_envelope_remove_last);
	ATF_TP_ADD_TC(tp, qstore_walk_stops_on_request);
	return atf_no_error();
}
