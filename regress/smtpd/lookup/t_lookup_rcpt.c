/*
 * t_lookup_rcpt.c - recipients in the lookup process (lookup_rcpt.c)
 * through its real handler tables (lookup_harness.h): the verdict on
 * RCPT per rule (accepted, rejected, no rule, a temporary failure, an
 * unknown user), the client's claims refused when the listener could
 * not have sent them, the envelopes handed to the queue before the
 * verdict (session, listener, DSN and expansion fields), ~/.forward
 * through the parent, and a notice's recipient expanded for the queue.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "envelope.h"
#include "ipc.h"
#include "lookup_harness.h"

#define T_CREDS		LOOKUP_HARNESS_CREDS
#define T_PLAIN		LOOKUP_HARNESS_PLAIN
#define T_LOCAL		UINT32_MAX

/* one RCPT and what the queue must get for it */
struct t_rcpt {
	uint32_t	 ls;
	const char	*auth;
	const char	*sender;
	const char	*rcpt;
	uint32_t	 flags, notify, ret;
	int		 code;
	const char	*enh;
	int		 nevps;		/* envelopes before the verdict */
	const char	*dispatcher;	/* of the first */
	const char	*dest;		/* of the first */
};

/* t_rcpt_send - MSG_LOOKUP_RCPT of case c as session sessid */
static void
t_rcpt_send(struct lookup_harness *h, const struct t_rcpt *c,
    uint64_t sessid)
{
	struct msg_lka_rcpt	m;

	memset(&m, 0, sizeof(m));
	lookup_harness_sess(&m.sess, sessid, c->ls, c->auth);
	m.msgid = 0x5a1c0000 + (uint32_t)sessid;
	m.flags = c->flags;
	m.notify = c->notify;
	m.ret = c->ret;
	strlcpy(m.sender, c->sender, sizeof(m.sender));
	strlcpy(m.rcpt, c->rcpt, sizeof(m.rcpt));
	strlcpy(m.orcpt, "rfc822;orig@mx.test", sizeof(m.orcpt));
	strlcpy(m.envid, "ENV1", sizeof(m.envid));
	ATF_REQUIRE(ipc_send(h->smtpd, MSG_LOOKUP_RCPT, 0, -1, &m,
	    sizeof(m)) == 0);
}

/* t_rcpt_check - the envelopes and the verdict of case c (index i) */
static void
t_rcpt_check(struct lookup_harness *h, const struct t_rcpt *c, size_t i,
    int evp0)
{
	const struct msg_rcpt_result	*v = &h->verdicts[h->nverdicts - 1];
	const struct msg_lka_envelope	*e = &h->evps[evp0];
	int				 j;

	ATF_CHECK_EQ_MSG(v->code, c->code, "case %zu <%s>: %d %s %s", i,
	    c->rcpt, v->code, v->enhanced, v->text);
	ATF_CHECK_STREQ_MSG(v->enhanced, c->enh, "case %zu", i);
	ATF_CHECK_EQ(v->sessid, 0x100 + i);
	ATF_CHECK_EQ(v->msgid, 0x5a1c0100 + (uint32_t)i);
	ATF_CHECK_EQ_MSG(h->nevps - evp0, c->nevps, "case %zu: %d envelopes",
	    i, h->nevps - evp0);
	for (j = evp0; j < h->nevps; j++) {
		ATF_CHECK_EQ(h->evps[j].sessid, 0x100 + i);
		ATF_CHECK_EQ(h->evps[j].msgid, 0x5a1c0100 + (uint32_t)i);
		ATF_CHECK_STREQ(h->evps[j].evp.rcpt, c->rcpt);
		ATF_CHECK_STREQ(h->evps[j].evp.sender, c->sender);
	}
	if (c->nevps == 0 || h->nevps == evp0)
		return;
	ATF_CHECK_STREQ_MSG(e->evp.dispatcher, c->dispatcher, "case %zu", i);
	ATF_CHECK_STREQ_MSG(e->evp.dest, c->dest, "case %zu", i);
}

static const struct t_rcpt t_rcpts[] = {
	/* accepted: a local user, an alias list, a relay for alice */
	{ T_PLAIN, NULL, "s@remote.test", "nobody@localhost", 0, 0, 0,
	    250, "2.1.5", 1, "local", "nobody@localhost" },
	{ T_PLAIN, NULL, "s@remote.test", "NOBODY@MX.TEST", 0, 0, 0,
	    250, "2.1.5", 1, "local", "NOBODY@MX.TEST" },
	{ T_PLAIN, NULL, "", "root@localhost", 0, 0, 0,
	    250, "2.1.5", 1, "local", "nobody@localhost" },
	{ T_PLAIN, NULL, "s@remote.test", "list@localhost", 0, 0, 0,
	    250, "2.1.5", 2, "local", "nobody@localhost" },
	{ T_CREDS, "alice", "alice@mx.test", "x@remote.test", 0, 0, 0,
	    250, "2.1.5", 1, "out", "x@remote.test" },
	{ T_LOCAL, NULL, "root@localhost", "y@remote.test", 0, 0, 0,
	    250, "2.1.5", 1, "out", "y@remote.test" },
	/* refused by the rules or the expansion */
	{ T_PLAIN, NULL, "s@remote.test", "x@remote.test", 0, 0, 0,
	    550, "5.7.1", 0, NULL, NULL },
	{ T_CREDS, "alice", "alice@mx.test", "x@denied.test", 0, 0, 0,
	    550, "5.7.1", 0, NULL, NULL },
	{ T_PLAIN, NULL, "s@remote.test", "gone@localhost", 0, 0, 0,
	    550, "5.1.1", 0, NULL, NULL },
	{ T_PLAIN, NULL, "s@remote.test", "later@localhost", 0, 0, 0,
	    451, "4.3.0", 0, NULL, NULL },
	{ T_PLAIN, NULL, "s@remote.test", "nosuchuser@localhost", 0, 0, 0,
	    550, "5.1.1", 0, NULL, NULL },
	/* claims the listener could not have parsed */
	{ T_PLAIN, NULL, "s@remote.test", "not an address", 0, 0, 0,
	    553, "5.1.3", 0, NULL, NULL },
	{ T_PLAIN, NULL, "not@an@address", "nobody@localhost", 0, 0, 0,
	    553, "5.1.3", 0, NULL, NULL },
	{ T_PLAIN, NULL, "s@remote.test", "nobody@localhost", 0x80, 0, 0,
	    553, "5.1.3", 0, NULL, NULL },
	{ T_PLAIN, NULL, "s@remote.test", "nobody@localhost", 0,
	    ENVELOPE_DSN_NEVER | ENVELOPE_DSN_SUCCESS, 0,
	    553, "5.1.3", 0, NULL, NULL },
	{ T_PLAIN, NULL, "s@remote.test", "nobody@localhost", 0, 0x100, 0,
	    553, "5.1.3", 0, NULL, NULL },
	{ T_PLAIN, NULL, "s@remote.test", "nobody@localhost", 0, 0,
	    ENVELOPE_RET_HDRS + 1, 553, "5.1.3", 0, NULL, NULL },
};

ATF_TC_WITHOUT_HEAD(lookup_rcpt_on_request_verdict);
ATF_TC_BODY(lookup_rcpt_on_request_verdict, tc)
{
	struct lookup_harness	*h;
	size_t			 i;
	int			 evp0;

	(void)tc;
	h = lookup_harness_start();
	for (i = 0; i < sizeof(t_rcpts) / sizeof(t_rcpts[0]); i++) {
		evp0 = h->nevps;
		t_rcpt_send(h, &t_rcpts[i], 0x100 + i);
		ATF_REQUIRE_MSG(lookup_harness_wait(&h->nverdicts, (int)i + 1),
		    "case %zu: no verdict", i);
		t_rcpt_check(h, &t_rcpts[i], i, evp0);
	}
	/* the listener hears of RCPT from the queue only */
	ATF_CHECK_EQ(h->nresults, 0);
	ATF_CHECK(TAILQ_EMPTY(&h->l.reqs));
}

ATF_TC_WITHOUT_HEAD(lookup_rcpt_on_request_envelope);
ATF_TC_BODY(lookup_rcpt_on_request_envelope, tc)
{
	static const struct t_rcpt c = { T_CREDS, "alice", "alice@mx.test",
	    "nobody@localhost", ENVELOPE_F_8BITMIME, ENVELOPE_DSN_SUCCESS |
	    ENVELOPE_DSN_FAILURE, ENVELOPE_RET_HDRS, 250, "2.1.5", 1, "local",
	    "nobody@localhost" };
	struct lookup_harness	*h;
	const struct envelope	*e;

	(void)tc;
	h = lookup_harness_start();
	t_rcpt_send(h, &c, 0x100);
	ATF_REQUIRE(lookup_harness_wait(&h->nverdicts, 1));
	t_rcpt_check(h, &c, 0, 0);
	e = &h->evps[0].evp;
	ATF_CHECK_STREQ(e->user, "nobody");
	ATF_CHECK_STREQ(e->helo, "client.test");
	ATF_CHECK_STREQ(e->client, "192.0.2.7");
	ATF_CHECK_STREQ(e->auth_user, "alice");
	/* the listener's own tag and name, from the configuration */
	ATF_CHECK_STREQ(e->tag, "SUB");
	ATF_CHECK_STREQ(e->hostname, "sub.mx.test");
	ATF_CHECK_STREQ(e->orig_rcpt, "rfc822;orig@mx.test");
	ATF_CHECK_STREQ(e->envid, "ENV1");
	ATF_CHECK_EQ(e->flags, ENVELOPE_F_8BITMIME | ENVELOPE_F_TLS |
	    ENVELOPE_F_AUTH);
	ATF_CHECK_EQ(e->dsn_notify, ENVELOPE_DSN_SUCCESS |
	    ENVELOPE_DSN_FAILURE);
	ATF_CHECK_EQ(e->dsn_ret, ENVELOPE_RET_HDRS);
	ATF_CHECK_EQ(e->dest_type, ENVELOPE_DEST_ADDRESS);
	ATF_CHECK_EQ(e->origin, ENVELOPE_ORIGIN_MAILBOX);
	/* asked for nobody's ~/.forward before deciding */
	ATF_CHECK_EQ(h->nforwards, 1);
	ATF_CHECK_STREQ(h->forward.user, "nobody");
}

ATF_TC_WITHOUT_HEAD(lookup_rcpt_on_forward_answer);
ATF_TC_BODY(lookup_rcpt_on_forward_answer, tc)
{
	static const struct t_rcpt c = { T_PLAIN, NULL, "s@remote.test",
	    "nobody@localhost", 0, 0, 0, 250, "2.1.5", 1, "out",
	    "y@remote.test" };
	static const struct t_rcpt tmp = { T_PLAIN, NULL, "s@remote.test",
	    "nobody@localhost", 0, 0, 0, 451, "4.3.0", 0, NULL, NULL };
	struct lookup_harness	*h;

	(void)tc;
	h = lookup_harness_start();
	/* the text of ~/.forward: mail goes on to another address */
	h->forward_status = IPC_FORWARD_OK;
	h->forward_text = "# away\ny@remote.test\n";
	t_rcpt_send(h, &c, 0x100);
	ATF_REQUIRE(lookup_harness_wait(&h->nverdicts, 1));
	t_rcpt_check(h, &c, 0, 0);
	/* relayed on: no local origin to check at delivery */
	ATF_CHECK_EQ(h->evps[0].evp.origin, ENVELOPE_ORIGIN_NONE);
	/* the parent could not read it in time: try again later */
	h->forward_status = IPC_FORWARD_TEMPFAIL;
	t_rcpt_send(h, &tmp, 0x101);
	ATF_REQUIRE(lookup_harness_wait(&h->nverdicts, 2));
	t_rcpt_check(h, &tmp, 1, 1);
	ATF_CHECK(TAILQ_EMPTY(&h->l.reqs));
}

/* one notice recipient and the queue's answer */
static const struct {
	const char	*rcpt;
	const char	*dispatcher;
	int		 code;
	const char	*enh;
	int		 nexpanded;
	const char	*action;	/* of the first */
} t_notices[] = {
	{ "nobody",		"",	 250, "2.1.5", 1, "local" },
	{ "nobody",		"local", 250, "2.1.5", 1, "local" },
	{ "list",		"",	 250, "2.1.5", 2, "local" },
	{ "nobody@mx.test",	"",	 250, "2.1.5", 1, "local" },
	{ "gone",		"",	 550, "5.1.1", 0, NULL },
	{ "x@denied.test",	"",	 550, "5.7.1", 0, NULL },
	/* requests the queue should never make */
	{ "nobody",		"out",	 554, "5.3.5", 0, NULL },
	{ "nobody",		"nosuch", 554, "5.3.5", 0, NULL },
	{ "not an address",	"",	 554, "5.3.5", 0, NULL },
	{ "",			"",	 554, "5.3.5", 0, NULL },
};

ATF_TC_WITHOUT_HEAD(lookup_rcpt_on_notice_answer);
ATF_TC_BODY(lookup_rcpt_on_notice_answer, tc)
{
	struct lookup_harness	*h;
	struct msg_lka_notice	 m;
	size_t			 i;
	int			 x0;

	(void)tc;
	h = lookup_harness_start();
	for (i = 0; i < sizeof(t_notices) / sizeof(t_notices[0]); i++) {
		x0 = h->nexpanded;
		memset(&m, 0, sizeof(m));
		m.reqid = 500 + i;
		m.evpid = 0x77000000000000ULL + i;
		strlcpy(m.rcpt, t_notices[i].rcpt, sizeof(m.rcpt));
		strlcpy(m.dispatcher, t_notices[i].dispatcher,
		    sizeof(m.dispatcher));
		ATF_REQUIRE(ipc_send(h->queue, MSG_LOOKUP_NOTICE, 0, -1, &m,
		    sizeof(m)) == 0);
		ATF_REQUIRE(lookup_harness_wait(&h->nnotices, (int)i + 1));
		ATF_CHECK_EQ(h->notices[i].reqid, 500 + i);
		ATF_CHECK_EQ_MSG(h->notices[i].code, t_notices[i].code,
		    "case %zu: %d %s", i, h->notices[i].code,
		    h->notices[i].text);
		ATF_CHECK_STREQ(h->notices[i].enhanced, t_notices[i].enh);
		ATF_CHECK_EQ_MSG(h->nexpanded - x0, t_notices[i].nexpanded,
		    "case %zu", i);
		if (h->nexpanded == x0 || t_notices[i].action == NULL)
			continue;
		ATF_CHECK_EQ(h->expanded[x0].reqid, 500 + i);
		ATF_CHECK_STREQ(h->expanded[x0].evp.dispatcher,
		    t_notices[i].action);
		ATF_CHECK_STREQ(h->expanded[x0].evp.rcpt, t_notices[i].rcpt);
	}
	/* notices make no envelope of a transaction */
	ATF_CHECK_EQ(h->nevps + h->nverdicts, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_rcpt_on_request_verdict);
	ATF_TP_ADD_TC(tp, lookup_rcpt_on_request_envelope);
	ATF_TP_ADD_TC(tp, lookup_rcpt_on_forward_answer);
	ATF_TP_ADD_TC(tp, lookup_rcpt_on_notice_answer);
	return atf_no_error();
}
