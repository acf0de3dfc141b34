/*
 * t_queue_tx_edit.c - a milter's changes to a transaction, as the
 * lookup sends them (MSG_LOOKUP_TX_EDIT) to a queue on real channels:
 * recipients added and removed, the sender changed, the message held;
 * edits of a transaction the session does not own refused; held
 * envelopes kept from delivery, across a restart, until released.
 */
#include "queue_tx_harness.h"

#include "envelope.h"

/* t_person - an envelope of transaction i for name@localhost */
static void
t_person(struct msg_lka_envelope *e, int i, const char *name)
{
	t_evp(e, i, "local", name);
	(void)snprintf(e->evp.rcpt, sizeof(e->evp.rcpt), "%s@localhost",
	    name);
	strlcpy(e->evp.dest, e->evp.rcpt, sizeof(e->evp.dest));
}

/* t_edit - one edit of msgid in session sessid */
static void
t_edit(uint64_t sessid, uint32_t msgid, uint32_t op, const char *addr)
{
	struct msg_lka_txedit	e;

	memset(&e, 0, sizeof(e));
	e.sessid = sessid;
	e.msgid = msgid;
	e.op = op;
	strlcpy(e.addr, addr, sizeof(e.addr));
	ipc_send(t_lookup, MSG_LOOKUP_TX_EDIT, 0, -1, &e, sizeof(e));
}

/* t_end - IPC_TXEDIT_END for msgid of sessid; the queue's answer */
static int
t_end(uint64_t sessid, uint32_t msgid)
{
	int	n = t_p.nedited;

	t_edit(sessid, msgid, IPC_TXEDIT_END, "");
	t_run(&t_p.nedited, n + 1);
	ATF_CHECK_EQ(t_p.edited[n].sessid, sessid);
	ATF_CHECK_EQ(t_p.edited[n].msgid, msgid);
	return t_p.edited[n].result;
}

/* t_i_edit - one edit of transaction i */
static void
t_i_edit(int i, uint32_t op, const char *addr)
{
	t_edit(t_p.opened[i].sessid, t_p.opened[i].msgid, op, addr);
}

/* t_i_end - IPC_TXEDIT_END for transaction i */
static int
t_i_end(int i)
{
	return t_end(t_p.opened[i].sessid, t_p.opened[i].msgid);
}

/* t_addrcpt - the lookup's envelopes of an added recipient, then ADDRCPT */
static void
t_addrcpt(int i, const struct msg_lka_envelope *e, int n, const char *addr)
{
	int	j;

	for (j = 0; j < n; j++)
		ipc_send(t_lookup, MSG_LOOKUP_ENVELOPE, 0, -1, &e[j],
		    sizeof(e[j]));
	t_i_edit(i, IPC_TXEDIT_ADDRCPT, addr);
}

/* t_accept - open transaction 0 with one accepted RCPT per name */
static void
t_accept(const char *const *names)
{
	struct msg_lka_envelope	e;

	t_open(1);
	for (; *names != NULL; names++) {
		t_person(&e, 0, *names);
		ATF_REQUIRE_EQ(t_rcpt(e.sessid, e.msgid, &e, 1, 250)->code,
		    250);
	}
}

/* t_commit_one - commit transaction 0; its answer's code */
static int
t_commit_one(void)
{
	t_commit(0, NULL, 0, t_write(0));
	t_run(&t_p.ncommitted, 1);
	return t_p.committed[0].code;
}

/* t_rcpt_ran - the delivery of rcpt was asked of the parent */
static const struct envelope *
t_rcpt_ran(const char *rcpt)
{
	int	i;

	for (i = 0; i < t_p.nruns; i++)
		if (strcmp(t_p.runs[i].rcpt, rcpt) == 0)
			return &t_p.runs[i];
	return NULL;
}

ATF_TC_WITHOUT_HEAD(queue_tx_edit_delrcpt);
ATF_TC_BODY(queue_tx_edit_delrcpt, tc)
{
	static const char *const names[] = { "alice", "bob", "carol", NULL };

	(void)tc;
	t_start(NULL);
	t_accept(names);
	t_i_edit(0, IPC_TXEDIT_DELRCPT, "Bob@localhost");	/* not bob */
	t_i_edit(0, IPC_TXEDIT_DELRCPT, "alice@LOCALHOST");
	t_i_edit(0, IPC_TXEDIT_DELRCPT, "<carol@localhost>");	/* no match */
	ATF_CHECK_EQ(t_i_end(0), 0);
	ATF_REQUIRE_EQ(t_commit_one(), 0);
	t_run(&t_p.nruns, 2);
	ATF_CHECK(t_rcpt_ran("bob@localhost") != NULL);
	ATF_CHECK(t_rcpt_ran("carol@localhost") != NULL);
	ATF_CHECK(t_rcpt_ran("alice@localhost") == NULL);
	ATF_CHECK_EQ(t_q.stats.received, 2);
}

ATF_TC_WITHOUT_HEAD(queue_tx_edit_delrcpt_last);
ATF_TC_BODY(queue_tx_edit_delrcpt_last, tc)
{
	static const char *const names[] = { "alice", NULL };
	struct msg_lka_envelope	 e;

	(void)tc;
	t_start(NULL);
	t_accept(names);
	t_i_edit(0, IPC_TXEDIT_DELRCPT, "alice@localhost");
	ATF_CHECK_EQ(t_i_end(0), 1);
	/* the same recipient may come back: its destination is forgotten */
	t_person(&e, 0, "alice");
	t_addrcpt(0, &e, 1, "alice@localhost");
	ATF_CHECK_EQ(t_i_end(0), 0);
	t_i_edit(0, IPC_TXEDIT_DELRCPT, "alice@localhost");
	ATF_CHECK_EQ(t_i_end(0), 1);
	ATF_CHECK_EQ(t_commit_one(), 554);	/* no recipient */
	ATF_CHECK_EQ(t_entries("spool/queue"), 0);
}

ATF_TC_WITHOUT_HEAD(queue_tx_edit_chgfrom_then_addrcpt);
ATF_TC_BODY(queue_tx_edit_chgfrom_then_addrcpt, tc)
{
	static const char *const names[] = { "alice", NULL };
	struct msg_lka_envelope	 e[2];
	const struct envelope	*r;

	(void)tc;
	t_start(NULL);
	t_accept(names);
	t_i_edit(0, IPC_TXEDIT_CHGFROM, "new@example.org");
	t_i_edit(0, IPC_TXEDIT_CHGFROM, "not an address");	/* ignored */
	t_i_edit(0, IPC_TXEDIT_CHGFROM, "a@b@c");		/* ignored */
	t_person(&e[0], 0, "bob");
	t_person(&e[1], 0, "alice");			/* a duplicate */
	t_addrcpt(0, e, 2, "bob@localhost");
	ATF_CHECK_EQ(t_i_end(0), 0);
	ATF_REQUIRE_EQ(t_commit_one(), 0);
	t_run(&t_p.nruns, 2);
	ATF_REQUIRE((r = t_rcpt_ran("bob@localhost")) != NULL);
	ATF_CHECK_STREQ(r->sender, "new@example.org");
	ATF_REQUIRE((r = t_rcpt_ran("alice@localhost")) != NULL);
	ATF_CHECK_STREQ(r->sender, "new@example.org");
	ATF_CHECK_EQ(t_q.stats.received, 2);
}

ATF_TC_WITHOUT_HEAD(queue_tx_edit_chgfrom_null);
ATF_TC_BODY(queue_tx_edit_chgfrom_null, tc)
{
	static const char *const names[] = { "alice", NULL };

	(void)tc;
	t_start(NULL);
	t_accept(names);
	t_i_edit(0, IPC_TXEDIT_CHGFROM, "");
	ATF_CHECK_EQ(t_i_end(0), 0);
	ATF_REQUIRE_EQ(t_commit_one(), 0);
	t_run(&t_p.nruns, 1);
	ATF_CHECK_STREQ(t_p.runs[0].sender, "");
}

ATF_TC_WITHOUT_HEAD(queue_tx_edit_addrcpt_none);
ATF_TC_BODY(queue_tx_edit_addrcpt_none, tc)
{
	static const char *const names[] = { "alice", NULL };
	struct msg_lka_envelope	 e[2];

	(void)tc;
	t_start(NULL);
	t_accept(names);
	t_i_edit(0, IPC_TXEDIT_ADDRCPT, "nobody@nowhere.test");	/* no rule */
	t_person(&e[0], 0, "bob");
	t_person(&e[1], 0, "carol");
	strlcpy(e[1].evp.dispatcher, "nosuch", sizeof(e[1].evp.dispatcher));
	t_addrcpt(0, e, 2, "bob@localhost");	/* one refused: none join */
	ATF_CHECK_EQ(t_i_end(0), 0);
	ATF_REQUIRE_EQ(t_commit_one(), 0);
	t_run(&t_p.nruns, 1);
	ATF_CHECK(t_rcpt_ran("alice@localhost") != NULL);
	ATF_CHECK_EQ(t_q.stats.received, 1);
}

ATF_TC_WITHOUT_HEAD(queue_tx_edit_foreign);
ATF_TC_BODY(queue_tx_edit_foreign, tc)
{
	struct msg_lka_envelope	e;
	uint32_t		msgid;

	(void)tc;
	t_start(NULL);
	t_open(2);
	t_person(&e, 0, "alice");
	(void)t_rcpt(e.sessid, e.msgid, &e, 1, 250);
	t_person(&e, 1, "bob");
	(void)t_rcpt(e.sessid, e.msgid, &e, 1, 250);
	/* session 1 names session 0's transaction */
	msgid = t_p.opened[0].msgid;
	t_edit(t_p.opened[1].sessid, msgid, IPC_TXEDIT_DELRCPT,
	    "alice@localhost");
	t_edit(t_p.opened[1].sessid, msgid, IPC_TXEDIT_HOLD, "x");
	t_edit(t_p.opened[1].sessid, msgid, IPC_TXEDIT_CHGFROM, "m@x.test");
	ATF_CHECK_EQ(t_end(t_p.opened[1].sessid, msgid), -1);
	ATF_CHECK_EQ(t_end(t_p.opened[0].sessid, 0x12345678), -1);
	ATF_CHECK_EQ(t_i_end(0), 0);
	ATF_REQUIRE_EQ(t_commit_one(), 0);
	t_run(&t_p.nruns, 1);
	ATF_CHECK_STREQ(t_p.runs[0].rcpt, "alice@localhost");
	ATF_CHECK_STREQ(t_p.runs[0].sender, "s@localhost");
	/* committed: no longer open to edits */
	ATF_CHECK_EQ(t_end(t_p.opened[0].sessid, msgid), -1);
}

/* t_only_evpid_cb - sched_walk callback: the last envelope id seen */
static int
t_only_evpid_cb(const struct sched_info *si, void *arg)
{
	*(uint64_t *)arg = si->evpid;
	return 0;
}

/*
 * t_nothing_due - the scheduler, having run, has nothing to start and
 * only inflight envelopes in flight: none on hold was handed out
 */
static void
t_nothing_due(size_t inflight)
{
	uint64_t	id;

	t_run(NULL, 0);
	ATF_CHECK_EQ(sched_inflight(t_q.sched), inflight);
	ATF_CHECK_EQ(sched_next(t_q.sched, time(NULL), &id), SCHED_JOB_NONE);
}

/* t_held_commit - a transaction held by a milter, committed */
static uint64_t
t_held_commit(void)
{
	static const char *const names[] = { "alice", NULL };
	struct msg_lka_envelope	 e;
	struct sched_info	 si;
	uint64_t		 evpid = 0;

	t_accept(names);
	t_i_edit(0, IPC_TXEDIT_HOLD, "spam \"score\"\n9");
	t_person(&e, 0, "bob");		/* added after the hold: held too */
	t_addrcpt(0, &e, 1, "bob@localhost");
	ATF_CHECK_EQ(t_i_end(0), 0);
	ATF_REQUIRE_EQ(t_commit_one(), 0);
	ATF_CHECK_EQ(sched_count(t_q.sched), 2);
	t_nothing_due(0);
	(void)sched_walk(t_q.sched, 0, t_only_evpid_cb, &evpid);
	ATF_REQUIRE(sched_info(t_q.sched, evpid, &si) == 1);
	ATF_CHECK(si.onhold);
	ATF_CHECK_EQ(sched_schedule_all(t_q.sched, time(NULL)), 0);
	return evpid;
}

/* t_restart - a new scheduler loaded from the spool, as at a start */
static void
t_restart(void)
{
	struct sched_conf	sc;

	memset(&sc, 0, sizeof(sc));
	sched_free(t_q.sched);
	t_q.sched = sched_new(&sc);
	ATF_REQUIRE_EQ(qdispatch_load(&t_q), 0);
	t_run(NULL, 0);
}

/* t_hold_release - hold, restart, release; flat_max 0: directories */
static void
t_hold_release(size_t flat_max)
{
	struct envelope	evp;
	struct sched_info si;
	uint64_t	evpid;
	char		err[256];

	t_start(NULL);
	qstore_set_flat_max(t_q.qs, flat_max);
	evpid = t_held_commit();
	ATF_REQUIRE_EQ(qstore_envelope_load(t_q.qs, evpid, &evp, err,
	    sizeof(err)), 1);
	ATF_CHECK(evp.flags & ENVELOPE_F_HOLD);
	t_restart();
	ATF_CHECK_EQ(sched_count(t_q.sched), 2);
	t_nothing_due(0);
	ATF_REQUIRE(sched_info(t_q.sched, evpid, &si) == 1);
	ATF_CHECK(si.onhold);
	ATF_REQUIRE_MSG(qdispatch_release(&t_q, evpid, err, sizeof(err)) == 0,
	    "%s", err);
	qdispatch_kick(&t_q);
	t_run(&t_p.nruns, 1);
	ATF_CHECK_EQ(t_p.runs[0].evpid, evpid);
	ATF_CHECK_EQ(t_p.runs[0].flags & ENVELOPE_F_HOLD, 0);
	ATF_REQUIRE_EQ(qstore_envelope_load(t_q.qs, evpid, &evp, err,
	    sizeof(err)), 1);
	ATF_CHECK_EQ(evp.flags & ENVELOPE_F_HOLD, 0);
	ATF_CHECK(qdispatch_release(&t_q, evpid, err, sizeof(err)) == -1);
	t_nothing_due(1);		/* the other stays held */
	ATF_CHECK_EQ(t_p.nruns, 1);
}

ATF_TC_WITHOUT_HEAD(queue_tx_edit_hold_flat);
ATF_TC_BODY(queue_tx_edit_hold_flat, tc)
{
	(void)tc;
	t_hold_release(16);
	ATF_CHECK_EQ(t_entries("spool/queue"), 1);
}

ATF_TC_WITHOUT_HEAD(queue_tx_edit_hold_dir);
ATF_TC_BODY(queue_tx_edit_hold_dir, tc)
{
	struct stat	sb;
	char		path[64];

	(void)tc;
	t_hold_release(0);
	(void)snprintf(path, sizeof(path), "spool/queue/%08x",
	    t_p.opened[0].msgid);
	ATF_CHECK(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, queue_tx_edit_delrcpt);
	ATF_TP_ADD_TC(tp, queue_tx_edit_delrcpt_last);
	ATF_TP_ADD_TC(tp, queue_tx_edit_chgfrom_then_addrcpt);
	ATF_TP_ADD_TC(tp, queue_tx_edit_chgfrom_null);
	ATF_TP_ADD_TC(tp, queue_tx_edit_addrcpt_none);
	ATF_TP_ADD_TC(tp, queue_tx_edit_foreign);
	ATF_TP_ADD_TC(tp, queue_tx_edit_hold_flat);
	ATF_TP_ADD_TC(tp, queue_tx_edit_hold_dir);
	return 0;
}
