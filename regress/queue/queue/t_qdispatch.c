/*
 * t_qdispatch.c - when the queue hands relay envelopes out: at once, in
 * the handler that made it possible (a commit, a result that frees a
 * slot of the destination), never a loop turn later; up to the
 * destination's limit; and not to a destination that a temporary
 * failure has just suspended.  The relay worker's end is a bare socket
 * read without turning the event loop, so a job that is there was sent
 * by the call under test itself.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "cfg.h"
#include "envelope.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "../../../queue/queue/qstore.h"
#include "../../../queue/queue/queue.h"
#include "../../../queue/queue/sched.h"
#include "../../common/ev_harness.h"
#include "../../common/file_harness.h"

#define T_RUNS_MAX	32

static struct queue	 t_q;
static struct proc_env	 t_env;
static int		 t_relay = -1;	/* the relay worker, bare */

static const struct ipc_handler t_q_relay_handlers[] = {
	{ MSG_RELAY_RESULT,	qdispatch_on_relay_result },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler t_q_none[] = {
	{ MSG_NONE,		NULL }
};

/* t_start - a queue on ./spool whose relay worker is t_relay */
static void
t_start(const char *extra)
{
	char	conf[512], err[1024];
	int	rv[2], pv[2], dfd;

	log_init("t_qdispatch", 1, 0);
	ev_init();
	memset(&t_q, 0, sizeof(t_q));
	(void)snprintf(conf, sizeof(conf), "%s"
	    "action \"local\" mbox\naction \"out\" relay\n"
	    "match from local for local action \"local\"\n"
	    "match from local for any action \"out\"\n", extra);
	file_harness_text("smtpd.conf", conf);
	t_env.cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(t_env.cfg != NULL, "%s", err);
	t_env.started = time(NULL) - 5;
	t_q.env = &t_env;
	ATF_REQUIRE(mkdir("spool", 0700) == 0);
	ATF_REQUIRE((dfd = open("spool", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE((t_q.qs = qstore_open(dfd, err, sizeof(err))) != NULL);
	t_q.tx = queue_tx_new(&t_q);
	t_q.dsp = qdispatch_new(&t_q);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, rv) == 0);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pv) == 0);
	t_q.deliver = ipc_new(rv[0], PROC_QUEUE, PROC_RELAY, IPC_TRUST_PEER,
	    t_q_relay_handlers, &t_q);
	t_q.parent = ipc_new(pv[0], PROC_QUEUE, PROC_PARENT, IPC_TRUST_PEER,
	    t_q_none, &t_q);
	t_relay = rv[1];
}

/*
 * t_inject - one message committed with n relay envelopes, the i-th
 * for rcpt<i>@domain; their IDs in ids
 */
static void
t_inject(const char *domain, size_t n, uint64_t *ids)
{
	struct envelope	evps[8];
	char		err[256];
	uint32_t	msgid;
	size_t		i;
	int		fd;

	ATF_REQUIRE(n <= sizeof(evps) / sizeof(evps[0]));
	ATF_REQUIRE(qstore_msg_create(t_q.qs, &msgid, &fd, err,
	    sizeof(err)) == 0);
	ATF_REQUIRE(write(fd, "Subject: t\n\nbody\n", 17) == 17);
	close(fd);
	memset(evps, 0, sizeof(evps));
	for (i = 0; i < n; i++) {
		strlcpy(evps[i].sender, "s@example.org",
		    sizeof(evps[i].sender));
		(void)snprintf(evps[i].rcpt, sizeof(evps[i].rcpt),
		    "rcpt%zu@%s", i, domain);
		strlcpy(evps[i].dest, evps[i].rcpt, sizeof(evps[i].dest));
		strlcpy(evps[i].dispatcher, "out",
		    sizeof(evps[i].dispatcher));
		evps[i].dest_type = ENVELOPE_DEST_ADDRESS;
		evps[i].ctime = evps[i].nexttry = time(NULL);
		evps[i].ttl = 86400;
	}
	ATF_REQUIRE_MSG(queue_tx_inject(&t_q, msgid, evps, n, err,
	    sizeof(err)) == 0, "%s", err);
	for (i = 0; i < n; i++)
		ids[i] = evps[i].evpid;
}

/*
 * t_runs - the MSG_RELAY_RUN frames waiting at the relay worker's end,
 * read without turning the event loop; their envelope IDs in ids
 */
static size_t
t_runs(uint64_t *ids, size_t max)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct {
		struct ipc_hdr		h;
		struct msg_relay_run	run;
	} f;
	struct iovec	 iov = { &f, sizeof(f) };
	struct msghdr	 mh;
	struct cmsghdr	*c;
	size_t		 n = 0;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		if (recvmsg(t_relay, &mh, MSG_DONTWAIT) == -1) {
			ATF_REQUIRE_EQ_MSG(errno, EAGAIN, "%s",
			    strerror(errno));
			return n;
		}
		if ((c = CMSG_FIRSTHDR(&mh)) != NULL &&
		    c->cmsg_type == SCM_RIGHTS)
			close(*(int *)CMSG_DATA(c));
		if (f.h.type == MSG_HELLO)	/* the channel's first */
			continue;
		ATF_REQUIRE_EQ(f.h.type, MSG_RELAY_RUN);
		ATF_REQUIRE(n < max);
		ids[n++] = f.run.evp.evpid;
	}
}

/* t_has - id is among the n of ids */
static int
t_has(const uint64_t *ids, size_t n, uint64_t id)
{
	while (n-- > 0)
		if (ids[n] == id)
			return 1;
	return 0;
}

/* t_result - the relay worker's result for evpid, as its handler gets it */
static void
t_result(uint64_t evpid, int status)
{
	struct msg_dlv_result	r;

	memset(&r, 0, sizeof(r));
	r.evpid = evpid;
	r.status = status;
	strlcpy(r.text, status == IPC_DLV_OK ? "250 2.0.0 ok" :
	    "421 4.4.2 host went away", sizeof(r.text));
	qdispatch_on_relay_result(t_q.deliver, 0, -1, &r, &t_q);
}

ATF_TC_WITHOUT_HEAD(qdispatch_commit_relays_at_once);
ATF_TC_BODY(qdispatch_commit_relays_at_once, tc)
{
	uint64_t	ids[3], runs[T_RUNS_MAX];

	(void)tc;
	t_start("");
	/* the recipients of one message go out together */
	t_inject("example.net", 3, ids);
	ATF_REQUIRE_EQ(t_runs(runs, T_RUNS_MAX), 3);
	ATF_CHECK(t_has(runs, 3, ids[0]));
	ATF_CHECK(t_has(runs, 3, ids[1]));
	ATF_CHECK(t_has(runs, 3, ids[2]));
	ATF_CHECK_EQ(sched_inflight(t_q.sched), 3);
	/* and nothing is sent twice when the loop turns */
	ev_harness_turns(5);
	ATF_CHECK_EQ(t_runs(runs, T_RUNS_MAX), 0);
}

ATF_TC_WITHOUT_HEAD(qdispatch_result_fills_slot);
ATF_TC_BODY(qdispatch_result_fills_slot, tc)
{
	uint64_t	ids[SCHED_DEST_INFLIGHT_MAX + 2], runs[T_RUNS_MAX];
	uint64_t	first[SCHED_DEST_INFLIGHT_MAX], next[2];
	size_t		i, n = 0;

	(void)tc;
	t_start("");
	for (i = 0; i < SCHED_DEST_INFLIGHT_MAX + 2; i++)
		t_inject("example.net", 1, &ids[i]);
	/* the destination's limit, however often the loop turns */
	ev_harness_turns(5);
	ATF_REQUIRE_EQ(t_runs(first, SCHED_DEST_INFLIGHT_MAX),
	    SCHED_DEST_INFLIGHT_MAX);
	ATF_CHECK_EQ(sched_inflight(t_q.sched), SCHED_DEST_INFLIGHT_MAX);
	for (i = 0; i < SCHED_DEST_INFLIGHT_MAX + 2; i++)
		if (!t_has(first, SCHED_DEST_INFLIGHT_MAX, ids[i]))
			next[n++] = ids[i];
	ATF_REQUIRE_EQ(n, 2);
	/* a success frees a slot: the next one goes in the same handler */
	t_result(first[0], IPC_DLV_OK);
	ATF_CHECK_EQ(t_q.stats.delivered, 1);
	ATF_REQUIRE_EQ(t_runs(runs, T_RUNS_MAX), 1);
	ATF_CHECK(t_has(next, 2, runs[0]));
	/* so does a failure of one recipient alone */
	t_result(first[1], IPC_DLV_TEMPFAIL_RCPT);
	ATF_REQUIRE_EQ(t_runs(&runs[1], T_RUNS_MAX - 1), 1);
	ATF_CHECK(t_has(next, 2, runs[1]));
	ATF_CHECK(runs[0] != runs[1]);
	ATF_CHECK_EQ(sched_inflight(t_q.sched), SCHED_DEST_INFLIGHT_MAX);
}

ATF_TC_WITHOUT_HEAD(qdispatch_result_suspends_first);
ATF_TC_BODY(qdispatch_result_suspends_first, tc)
{
	uint64_t		ids[SCHED_DEST_INFLIGHT_MAX + 1];
	uint64_t		runs[T_RUNS_MAX], other, waiting = 0;
	struct sched_info	si;
	size_t			i;

	(void)tc;
	t_start("mta max-deferred 10\n");
	for (i = 0; i < SCHED_DEST_INFLIGHT_MAX + 1; i++)
		t_inject("example.net", 1, &ids[i]);
	ATF_REQUIRE_EQ(t_runs(runs, T_RUNS_MAX), SCHED_DEST_INFLIGHT_MAX);
	for (i = 0; i < SCHED_DEST_INFLIGHT_MAX + 1; i++)
		if (!t_has(runs, SCHED_DEST_INFLIGHT_MAX, ids[i]))
			waiting = ids[i];
	/*
	 * the destination failed: its waiting envelope is held, not sent
	 * into the failure by the slot the failure freed
	 */
	t_result(runs[0], IPC_DLV_TEMPFAIL);
	ATF_CHECK_EQ(t_runs(runs, T_RUNS_MAX), 0);
	ATF_REQUIRE_EQ(sched_info(t_q.sched, waiting, &si), 1);
	ATF_CHECK_EQ(si.inflight, 0);
	ATF_CHECK_EQ(si.held, 1);
	/* another destination is not held up by it */
	t_inject("example.com", 1, &other);
	ATF_REQUIRE_EQ(t_runs(runs, T_RUNS_MAX), 1);
	ATF_CHECK_EQ(runs[0], other);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, qdispatch_commit_relays_at_once);
	ATF_TP_ADD_TC(tp, qdispatch_result_fills_slot);
	ATF_TP_ADD_TC(tp, qdispatch_result_suspends_first);
	return atf_no_error();
}
