/*
 * t_queue_tx.c - the queue's message path in one process: a scripted
 * listener, lookup and parent on real IPC channels drive transactions
 * (the lookup's envelopes and verdicts, group commit, refusals, aborts,
 * transactions named by the wrong session), local dispatch with the
 * message fd, and delivery results (removal, retry, failure notices),
 * also with a compressed and encrypted spool.
 */
#include "queue_tx_harness.h"

ATF_TC_WITHOUT_HEAD(queue_tx_group_commit);
ATF_TC_BODY(queue_tx_group_commit, tc)
{
	struct msg_lka_envelope	e;
	struct qstore_stats	st;
	int			i;

	(void)tc;
	t_start(NULL);
	t_open(6);
	for (i = 0; i < 6; i++) {
		t_evp(&e, i, "local", "rcpt");
		(void)t_rcpt(e.sessid, e.msgid, &e, 1, 250);
	}
	for (i = 0; i < 6; i++)
		t_commit(i, NULL, 0, t_write(i));
	t_run(&t_p.ncommitted, 6);
	for (i = 0; i < 6; i++) {
		ATF_CHECK_EQ(t_p.committed[i].code, 0);
		ATF_CHECK_EQ(t_p.committed[i].msgid, t_p.opened[i].msgid);
	}
	qstore_stats(t_q.qs, &st);
	ATF_CHECK_EQ_MSG(st.commit_batches, 1, "%llu batches",
	    (unsigned long long)st.commit_batches);
	ATF_CHECK_EQ(st.msg_committed, 6);
	ATF_CHECK_EQ(t_q.stats.received, 6);
	/* dispatched at once, with the message's text */
	t_run(&t_p.nruns, 6);
	for (i = 0; i < 6; i++) {
		ATF_CHECK_STREQ(t_p.runs[i].dispatcher, "local");
		ATF_CHECK(t_p.runs[i].evpid != 0);
		ATF_CHECK(strstr(t_p.bodies[i], "Subject: message ") != NULL);
	}
	ATF_CHECK_EQ(t_entries("spool/incoming"), 0);
	ATF_CHECK_EQ(t_entries("spool/queue"), 6);
}

ATF_TC_WITHOUT_HEAD(queue_tx_refused);
ATF_TC_BODY(queue_tx_refused, tc)
{
	struct msg_lka_envelope	e[2];
	uint64_t		size;
	int			i;

	(void)tc;
	t_start(NULL);
	t_open(7);
	t_evp(&e[0], 0, "nosuch", "rcpt");		/* unknown action */
	t_commit(0, e, 1, t_write(0));
	t_evp(&e[0], 1, "out", "");			/* relay to a file */
	e[0].evp.dest_type = ENVELOPE_DEST_FILE;
	t_commit(1, e, 1, t_write(1));
	t_evp(&e[0], 2, "local", "");			/* local, no user */
	t_commit(2, e, 1, t_write(2));
	t_evp(&e[0], 3, "local", "rcpt");		/* size mismatch */
	size = t_write(3);
	t_commit(3, e, 1, size + 1);
	t_commit(4, e, 0, t_write(4));			/* no envelope */
	t_evp(&e[0], 5, "local", "rcpt");		/* one good, one bad */
	t_evp(&e[1], 5, "local", "rcpt");
	e[1].evp.dest_type = 7;
	t_commit(5, e, 2, t_write(5));
	t_evp(&e[0], 6, "local", "rcpt");		/* at the size */
	t_commit(6, e, 1, t_write(6));
	t_run(&t_p.ncommitted, 7);
	for (i = 0; i < 6; i++) {
		ATF_CHECK_EQ_MSG(t_p.committed[i].code, 554, "case %d: %d", i,
		    t_p.committed[i].code);
		ATF_CHECK_STREQ(t_p.committed[i].enhanced, "5.5.0");
	}
	/* the RCPTs with a refused envelope were refused, for now */
	ATF_REQUIRE_EQ(t_p.nrcpts, 6);
	for (i = 0; i < 6; i++)
		ATF_CHECK_EQ_MSG(t_p.rcpts[i].code, i == 3 || i == 5 ? 250 :
		    451, "rcpt %d: %d", i, t_p.rcpts[i].code);
	ATF_CHECK_EQ(t_p.committed[6].code, 0);
	ATF_CHECK_EQ(t_entries("spool/incoming"), 0);
	ATF_CHECK_EQ(t_entries("spool/queue"), 1);
	/* a commit nobody opened, and one repeated */
	t_commit(6, e, 0, 0);
	t_run(&t_p.ncommitted, 8);
	ATF_CHECK_EQ(t_p.committed[7].code, 554);
}

ATF_TC_WITHOUT_HEAD(queue_tx_keep_pending_duplicates);
ATF_TC_BODY(queue_tx_keep_pending_duplicates, tc)
{
	struct msg_lka_envelope	 e[3];
	int			 i;

	(void)tc;
	t_start(NULL);
	t_open(1);
	t_evp(&e[0], 0, "local", "rcpt");
	t_evp(&e[1], 0, "local", "other");
	strlcpy(e[1].evp.dest, "other@localhost", sizeof(e[1].evp.dest));
	e[2] = e[0];
	/* one RCPT, the same one with another, then it alone once more */
	ATF_CHECK_EQ(t_rcpt(e[0].sessid, e[0].msgid, e, 1, 250)->code, 250);
	ATF_CHECK_EQ(t_rcpt(e[0].sessid, e[0].msgid, e, 2, 250)->code, 250);
	ATF_CHECK_EQ(t_rcpt(e[0].sessid, e[0].msgid, &e[2], 1, 250)->code,
	    250);
	t_commit(0, NULL, 0, t_write(0));
	t_run(&t_p.ncommitted, 1);
	ATF_CHECK_EQ(t_p.committed[0].code, 0);
	/* two destinations, one delivery each */
	t_run(&t_p.nruns, 2);
	ATF_CHECK_EQ(t_q.stats.received, 2);
	i = strcmp(t_p.runs[0].dest, "rcpt@localhost") == 0;
	ATF_CHECK_STREQ(t_p.runs[!i].dest, "rcpt@localhost");
	ATF_CHECK_STREQ(t_p.runs[i].dest, "other@localhost");
}

ATF_TC_WITHOUT_HEAD(queue_tx_on_envelope_too_many);
ATF_TC_BODY(queue_tx_on_envelope_too_many, tc)
{
	const struct msg_rcpt_result	*r;
	struct msg_lka_envelope		*e;
	int				 i, n = 10001;

	(void)tc;
	t_start(NULL);
	t_open(1);
	e = xcalloc((size_t)n, sizeof(*e));
	for (i = 0; i < n; i++) {
		t_evp(&e[i], 0, "local", "rcpt");
		(void)snprintf(e[i].evp.dest, sizeof(e[i].evp.dest),
		    "r%d@localhost", i);
	}
	/* an expansion past the transaction's cap: 452, nothing kept */
	r = t_rcpt(e[0].sessid, e[0].msgid, e, n, 250);
	ATF_CHECK_EQ(r->code, 452);
	ATF_CHECK_STREQ(r->enhanced, "4.5.3");
	/* the cap less one: accepted */
	r = t_rcpt(e[0].sessid, e[0].msgid, e, n - 1, 250);
	ATF_CHECK_EQ(r->code, 250);
	free(e);
}

ATF_TC_WITHOUT_HEAD(queue_tx_on_rcpt_result_foreign);
ATF_TC_BODY(queue_tx_on_rcpt_result_foreign, tc)
{
	struct msg_lka_envelope	 e;
	struct msg_tx		 m;
	const struct msg_rcpt_result *v;

	(void)tc;
	t_start(NULL);
	t_open(2);
	/* session 100 names the transaction of session 101 */
	t_evp(&e, 1, "local", "rcpt");
	e.sessid = t_p.opened[0].sessid;
	v = t_rcpt(e.sessid, t_p.opened[1].msgid, &e, 1, 250);
	ATF_CHECK_EQ(v->code, 554);
	memset(&m, 0, sizeof(m));
	m.sessid = t_p.opened[0].sessid;
	m.msgid = t_p.opened[1].msgid;
	m.size = t_write(1);
	ipc_send(t_smtpd, MSG_TX_COMMIT, 0, -1, &m, sizeof(m));
	t_run(&t_p.ncommitted, 1);
	ATF_CHECK_EQ(t_p.committed[0].code, 554);
	/* a msgid nobody opened */
	v = t_rcpt(e.sessid, 0x12345678, &e, 1, 250);
	ATF_CHECK_EQ(v->code, 554);
	/* session 101's own transaction got no envelope from all that */
	m.sessid = t_p.opened[1].sessid;
	ipc_send(t_smtpd, MSG_TX_COMMIT, 0, -1, &m, sizeof(m));
	t_run(&t_p.ncommitted, 2);
	ATF_CHECK_EQ(t_p.committed[1].code, 554);
	ATF_CHECK_STREQ(t_p.committed[1].enhanced, "5.5.0");
	/* session 100 commits its own; then the msgid is closed */
	t_evp(&e, 0, "local", "rcpt");
	t_commit(0, &e, 1, t_write(0));
	t_run(&t_p.ncommitted, 3);
	ATF_CHECK_EQ(t_p.committed[2].code, 0);
	v = t_rcpt(e.sessid, e.msgid, &e, 1, 250);
	ATF_CHECK_EQ(v->code, 554);
	t_commit(0, &e, 0, 0);
	t_run(&t_p.ncommitted, 4);
	ATF_CHECK_EQ(t_p.committed[3].code, 554);
	ATF_CHECK_EQ(t_entries("spool/queue"), 1);
	ATF_CHECK_EQ(t_entries("spool/incoming"), 0);
}

ATF_TC_WITHOUT_HEAD(queue_tx_on_rcpt_result_checks);
ATF_TC_BODY(queue_tx_on_rcpt_result_checks, tc)
{
	struct msg_lka_envelope	 e;
	struct msg_rcpt_result	 bad;
	struct msg_tx		 o;
	const struct msg_rcpt_result *v;

	(void)tc;
	t_start(NULL);
	t_open(1);
	/* a command under an action without alias table */
	t_evp(&e, 0, "local", "nobody");
	e.evp.dest_type = ENVELOPE_DEST_COMMAND;
	e.evp.origin = ENVELOPE_ORIGIN_ALIAS;
	strlcpy(e.evp.dest, "touch /tmp/x", sizeof(e.evp.dest));
	ATF_CHECK_EQ(t_rcpt(e.sessid, e.msgid, &e, 1, 250)->code, 451);
	/* with an alias table, as another account than the alias one */
	strlcpy(e.evp.dispatcher, "al", sizeof(e.evp.dispatcher));
	strlcpy(e.evp.user, "bob", sizeof(e.evp.user));
	ATF_CHECK_EQ(t_rcpt(e.sessid, e.msgid, &e, 1, 250)->code, 451);
	/* a file with a ".." component */
	strlcpy(e.evp.user, "nobody", sizeof(e.evp.user));
	e.evp.dest_type = ENVELOPE_DEST_FILE;
	strlcpy(e.evp.dest, "/var/mail/../../tmp/x", sizeof(e.evp.dest));
	ATF_CHECK_EQ(t_rcpt(e.sessid, e.msgid, &e, 1, 250)->code, 451);
	/* a mailbox as another account than the action's user */
	t_evp(&e, 0, "as", "bob");
	ATF_CHECK_EQ(t_rcpt(e.sessid, e.msgid, &e, 1, 250)->code, 451);
	/* 250 without envelopes, a verdict the listener cannot send */
	ATF_CHECK_EQ(t_rcpt(e.sessid, e.msgid, &e, 0, 250)->code, 451);
	memset(&bad, 0, sizeof(bad));
	bad.sessid = e.sessid;
	bad.msgid = e.msgid;
	bad.code = 999;
	ipc_send(t_lookup, MSG_LOOKUP_RCPT_RESULT, 0, -1, &bad, sizeof(bad));
	t_run(&t_p.nrcpts, 6);
	ATF_CHECK_EQ(t_p.rcpts[5].code, 451);
	/* a refusal passes as it is; the alias command as nobody is fine */
	v = t_rcpt(e.sessid, e.msgid, &e, 0, 550);
	ATF_CHECK_EQ(v->code, 550);
	ATF_CHECK_STREQ(v->enhanced, "5.1.1");
	t_evp(&e, 0, "al", "nobody");
	e.evp.dest_type = ENVELOPE_DEST_COMMAND;
	strlcpy(e.evp.dest, "cat > /dev/null", sizeof(e.evp.dest));
	ATF_CHECK_EQ(t_rcpt(e.sessid, e.msgid, &e, 1, 250)->code, 250);
	/* a second transaction for the same session */
	memset(&o, 0, sizeof(o));
	o.sessid = e.sessid;
	ipc_send(t_smtpd, MSG_TX_OPEN, 0, -1, &o, sizeof(o));
	t_run(&t_p.nopened, 2);
	ATF_CHECK_EQ(t_p.opened[1].code, 503);
	ATF_CHECK_EQ(t_p.fds[1], -1);
	t_commit(0, &e, 0, t_write(0));
	t_run(&t_p.nruns, 1);
	ATF_CHECK_EQ(t_p.committed[0].code, 0);
	ATF_CHECK_EQ(t_p.runs[0].dest_type, ENVELOPE_DEST_COMMAND);
	ATF_CHECK_STREQ(t_p.runs[0].user, "nobody");
}

ATF_TC_WITHOUT_HEAD(queue_tx_abort);
ATF_TC_BODY(queue_tx_abort, tc)
{
	struct msg_tx	m;

	(void)tc;
	t_start(NULL);
	t_open(3);
	(void)t_write(0);
	memset(&m, 0, sizeof(m));
	m.sessid = t_p.opened[0].sessid;
	m.msgid = t_p.opened[0].msgid;
	ipc_send(t_smtpd, MSG_TX_ABORT, 0, -1, &m, sizeof(m));
	/* an abort with another session's id changes nothing */
	m.sessid = 999;
	m.msgid = t_p.opened[1].msgid;
	ipc_send(t_smtpd, MSG_TX_ABORT, 0, -1, &m, sizeof(m));
	/* the queue reads its channel in order: once a later open is
	 * answered, both aborts were handled */
	t_open(1);
	ATF_CHECK_EQ(t_entries("spool/incoming"), 3);
	/* the listener goes away */
	queue_tx_abort_all(&t_q);
	ATF_CHECK_EQ(t_entries("spool/incoming"), 0);
	ATF_CHECK_EQ(t_entries("spool/queue"), 0);
}

/* t_result - the scripted parent reports on run i */
static void
t_result(int i, int status, const char *text)
{
	struct msg_dlv_result	r;

	memset(&r, 0, sizeof(r));
	r.evpid = t_p.runs[i].evpid;
	r.status = status;
	strlcpy(r.text, text, sizeof(r.text));
	ipc_send(t_parent, MSG_MDA_RESULT, 0, -1, &r, sizeof(r));
}

ATF_TC_WITHOUT_HEAD(qdispatch_results);
ATF_TC_BODY(qdispatch_results, tc)
{
	struct msg_lka_envelope	e;
	struct msg_dlv_result	r;
	struct sched_info	si;
	struct envelope		evp;
	char			err[256];
	int			i;

	(void)tc;
	t_start(NULL);
	t_open(3);
	for (i = 0; i < 3; i++) {
		t_evp(&e, i, "local", "rcpt");
		t_commit(i, &e, 1, t_write(i));
	}
	t_run(&t_p.nruns, 3);
	/* an unknown envelope's result is ignored */
	memset(&r, 0, sizeof(r));
	r.evpid = 0x1234567812345678ULL;
	ipc_send(t_parent, MSG_MDA_RESULT, 0, -1, &r, sizeof(r));
	/*
	 * statuses the parent may not send are refused, and the deliveries
	 * stay in flight for their real results below
	 */
	t_result(0, 9, "4.0.0 made up");
	t_result(2, IPC_DLV_TEMPFAIL_RCPT, "4.2.0 only the relay says this");
	t_result(0, IPC_DLV_OK, "");
	t_result(1, IPC_DLV_TEMPFAIL, "451 4.2.1 mailbox busy");
	t_result(2, IPC_DLV_PERMFAIL, "550 5.1.1 no such mailbox");
	/* the failure notice to s@localhost is dispatched locally */
	t_run(&t_p.nruns, 4);
	ATF_CHECK_EQ(t_q.stats.delivered, 1);
	ATF_CHECK_EQ(t_q.stats.deferred, 1);
	ATF_CHECK_EQ(t_q.stats.bounced, 1);
	ATF_CHECK_EQ(qstore_envelope_load(t_q.qs, t_p.runs[0].evpid, &evp,
	    err, sizeof(err)), 0);
	ATF_CHECK_EQ(qstore_envelope_load(t_q.qs, t_p.runs[2].evpid, &evp,
	    err, sizeof(err)), 0);
	ATF_REQUIRE_EQ(qstore_envelope_load(t_q.qs, t_p.runs[1].evpid, &evp,
	    err, sizeof(err)), 1);
	ATF_CHECK_EQ(evp.retry, 1);
	ATF_CHECK_STREQ(evp.errmsg, "451 4.2.1 mailbox busy");
	ATF_CHECK(evp.nexttry >= time(NULL) + 50);
	ATF_REQUIRE_EQ(sched_info(t_q.sched, evp.evpid, &si), 1);
	ATF_CHECK(!si.inflight);
	/* the notice */
	ATF_CHECK_STREQ(t_p.runs[3].sender, "");
	ATF_CHECK_STREQ(t_p.runs[3].rcpt, "s@localhost");
	ATF_CHECK_STREQ(t_p.runs[3].user, "s");
	ATF_CHECK_STREQ(t_p.runs[3].dispatcher, "local");
	ATF_CHECK(t_p.runs[3].flags & ENVELOPE_F_BOUNCE);
	ATF_CHECK(strstr(t_p.bodies[3], "multipart/report") != NULL);
	ATF_CHECK(strstr(t_p.bodies[3], "Status: 5.1.1\n") != NULL);
	ATF_CHECK(strstr(t_p.bodies[3], "text/rfc822-headers\n\nReceived: by "
	    "mx.test\nSubject: message ") != NULL);
	/* the notice fails too: one to the postmaster, then no more */
	t_result(3, IPC_DLV_PERMFAIL, "550 5.1.1 gone");
	t_run(&t_p.nruns, 5);
	ATF_CHECK_STREQ(t_p.runs[4].rcpt, "postmaster");
	t_result(4, IPC_DLV_PERMFAIL, "550 5.1.1 gone");
	t_run(&t_p.nruns, 5);
	ATF_CHECK_EQ(sched_count(t_q.sched), 1);
}

/* t_find_notice - walk callback: the envelope whose rcpt is arg's */
static int
t_find_notice(const struct sched_info *si, void *arg)
{
	struct envelope	*evp = arg;
	struct envelope	 e;
	char		 err[256];

	if (qstore_envelope_load(t_q.qs, si->evpid, &e, err,
	    sizeof(err)) == 1 && strcmp(e.rcpt, evp->rcpt) == 0) {
		*evp = e;
		return -1;
	}
	return 0;
}

ATF_TC_WITHOUT_HEAD(qdispatch_notice_expansion);
ATF_TC_BODY(qdispatch_notice_expansion, tc)
{
	static const char	*senders[] = { "root", "unknown@localhost",
	    "busy@localhost", "bad@localhost" };
	struct msg_lka_envelope	 e;
	struct envelope		 evp;
	int			 i, seen = 0;

	(void)tc;
	t_start(NULL);
	t_open(4);
	for (i = 0; i < 4; i++) {
		t_evp(&e, i, "local", "rcpt");
		strlcpy(e.evp.sender, senders[i], sizeof(e.evp.sender));
		t_commit(i, &e, 1, t_write(i));
	}
	t_run(&t_p.nruns, 4);
	for (i = 0; i < 4; i++)
		t_result(i, IPC_DLV_PERMFAIL, "550 5.1.1 no such mailbox");
	/* root -> alice, bob; unknown -> postmaster; busy, bad: deferred */
	t_run(&t_p.nruns, 7);
	ATF_CHECK_EQ(t_nnotices, 5);
	for (i = 4; i < 7; i++) {
		ATF_CHECK_STREQ(t_p.runs[i].sender, "");
		ATF_CHECK_EQ(t_p.runs[i].flags, ENVELOPE_F_BOUNCE);
		ATF_CHECK_STREQ(t_p.runs[i].dispatcher, "local");
		ATF_CHECK(strstr(t_p.bodies[i], "multipart/report") != NULL);
		if (strcmp(t_p.runs[i].user, "alice") == 0)
			seen |= 1;
		else if (strcmp(t_p.runs[i].user, "bob") == 0)
			seen |= 2;
		else if (strcmp(t_p.runs[i].user, "postmaster") == 0)
			seen |= 4;
		ATF_CHECK_STREQ(t_p.runs[i].rcpt, (seen & 4) &&
		    strcmp(t_p.runs[i].user, "postmaster") == 0 ?
		    "postmaster" : "root");
	}
	ATF_CHECK_EQ(seen, 7);
	/* the deferred ones wait unexpanded, with the reason */
	memset(&evp, 0, sizeof(evp));
	strlcpy(evp.rcpt, "busy@localhost", sizeof(evp.rcpt));
	ATF_REQUIRE(sched_walk(t_q.sched, 0, t_find_notice, &evp) == -1);
	ATF_CHECK(evp.flags & ENVELOPE_F_EXPAND);
	ATF_CHECK_EQ(evp.retry, 1);
	ATF_CHECK(strstr(evp.errmsg, "451 4.3.0") != NULL);
	memset(&evp, 0, sizeof(evp));
	strlcpy(evp.rcpt, "bad@localhost", sizeof(evp.rcpt));
	ATF_REQUIRE(sched_walk(t_q.sched, 0, t_find_notice, &evp) == -1);
	ATF_CHECK(evp.flags & ENVELOPE_F_EXPAND);
	ATF_CHECK_EQ(evp.retry, 1);
	ATF_CHECK(strstr(evp.errmsg, "dispatcher") != NULL);
	/* the postmaster's notice fails: nothing more, no loop */
	for (i = 4; i < 7; i++)
		if (strcmp(t_p.runs[i].rcpt, "postmaster") == 0)
			t_result(i, IPC_DLV_PERMFAIL, "550 5.1.1 gone");
	t_run(&t_p.nruns, 7);
	ATF_CHECK_EQ(t_nnotices, 5);
	/* 2 for root, busy, bad */
	ATF_CHECK_EQ(sched_count(t_q.sched), 4);
	ATF_CHECK_EQ(t_entries("spool/queue"), 3);
}

ATF_TC_WITHOUT_HEAD(queue_tx_encrypted_spool);
ATF_TC_BODY(queue_tx_encrypted_spool, tc)
{
	struct msg_lka_envelope	e;
	char			path[64], head[4];
	int			fd;

	(void)tc;
	t_start("a key");
	t_open(1);
	t_evp(&e, 0, "local", "rcpt");
	t_commit(0, &e, 1, t_write(0));
	t_run(&t_p.nruns, 1);
	ATF_CHECK_EQ(t_p.committed[0].code, 0);
	snprintf(path, sizeof(path), "spool/queue/%08x.m",
	    t_p.opened[0].msgid);
	ATF_REQUIRE((fd = open(path, O_RDONLY)) != -1);
	ATF_REQUIRE_EQ(read(fd, head, sizeof(head)), 4);
	ATF_CHECK(memcmp(head, "\0PHQ", 4) == 0);
	close(fd);
	ATF_CHECK(strncmp(t_p.bodies[0], "Received: by mx.test\n", 21) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, queue_tx_group_commit);
	ATF_TP_ADD_TC(tp, queue_tx_refused);
	ATF_TP_ADD_TC(tp, queue_tx_keep_pending_duplicates);
	ATF_TP_ADD_TC(tp, queue_tx_on_envelope_too_many);
	ATF_TP_ADD_TC(tp, queue_tx_on_rcpt_result_foreign);
	ATF_TP_ADD_TC(tp, queue_tx_on_rcpt_result_checks);
	ATF_TP_ADD_TC(tp, queue_tx_abort);
	ATF_TP_ADD_TC(tp, qdispatch_results);
	ATF_TP_ADD_TC(tp, qdispatch_notice_expansion);
	ATF_TP_ADD_TC(tp, queue_tx_encrypted_spool);
	return atf_no_error();
}
