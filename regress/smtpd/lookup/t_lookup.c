/*
 * t_lookup.c - the lookup process's own messages (lookup.c) through its
 * real handler tables (lookup_harness.h): the verdict on MAIL per
 * listener and senders table, AUTH against a credentials table, system
 * accounts through the parent and the failure limit, table reloads for
 * the queue, and the messages of each peer that must kill the process
 * (answers for unknown requests, answers of the wrong kind, bad status,
 * messages on the wrong channel, unterminated strings).
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "ipc.h"
#include "lookup_harness.h"

#define T_CREDS		LOOKUP_HARNESS_CREDS
#define T_SYSTEM	LOOKUP_HARNESS_SYSTEM
#define T_PLAIN		LOOKUP_HARNESS_PLAIN
#define T_LOCAL		UINT32_MAX

/* t_mail - MSG_LOOKUP_MAIL on listener ls; the listener's verdict */
static const struct msg_lka_result *
t_mail(struct lookup_harness *h, uint32_t ls, const char *auth,
    const char *sender)
{
	struct msg_lka_mail	m;
	int			n = h->nresults;

	memset(&m, 0, sizeof(m));
	lookup_harness_sess(&m.sess, 0x1000 + (uint64_t)n, ls, auth);
	strlcpy(m.sender, sender, sizeof(m.sender));
	ATF_REQUIRE(ipc_send(h->smtpd, MSG_LOOKUP_MAIL, 0, -1, &m,
	    sizeof(m)) == 0);
	ATF_REQUIRE(lookup_harness_wait(&h->nresults, n + 1));
	ATF_CHECK_EQ(h->results[n].sessid, 0x1000 + (uint64_t)n);
	return &h->results[n];
}

/* t_auth - MSG_LOOKUP_AUTH on listener ls from src; the verdict */
static const struct msg_lka_result *
t_auth(struct lookup_harness *h, uint32_t ls, const char *src,
    const char *user, const char *pass)
{
	struct msg_lka_auth	m;
	int			n = h->nresults;

	memset(&m, 0, sizeof(m));
	m.sessid = 0x2000 + (uint64_t)n;
	m.listener = ls;
	strlcpy(m.src, src, sizeof(m.src));
	strlcpy(m.user, user, sizeof(m.user));
	strlcpy(m.pass, pass, sizeof(m.pass));
	ATF_REQUIRE(ipc_send(h->smtpd, MSG_LOOKUP_AUTH, 0, -1, &m,
	    sizeof(m)) == 0);
	ATF_REQUIRE(lookup_harness_wait(&h->nresults, n + 1));
	ATF_CHECK_EQ(h->results[n].sessid, 0x2000 + (uint64_t)n);
	return &h->results[n];
}

/* t_verdict - check a verdict's code and enhanced code */
static void
t_verdict(const struct msg_lka_result *r, int code, const char *enh,
    const char *what)
{
	ATF_CHECK_EQ_MSG(r->code, code, "%s: %d %s %s", what, r->code,
	    r->enhanced, r->text);
	ATF_CHECK_STREQ_MSG(r->enhanced, enh, "%s", what);
}

/* one MAIL and the verdict it must get */
static const struct {
	uint32_t	 ls;
	const char	*auth;
	const char	*sender;
	int		 code;
	const char	*enh;
} t_mails[] = {
	{ T_PLAIN,	NULL,	 "bob@remote.test",	250, "2.1.0" },
	{ T_PLAIN,	NULL,	 "",			250, "2.1.0" },
	{ T_LOCAL,	NULL,	 "root@localhost",	250, "2.1.0" },
	{ T_PLAIN,	NULL,	 "not an address",	553, "5.1.7" },
	{ T_PLAIN,	NULL,	 "a@b@c.test",		553, "5.1.7" },
	{ T_PLAIN,	NULL,	 "<bob@remote.test>",	553, "5.1.7" },
	/* senders <snd>: alice may use her own address only */
	{ T_CREDS,	"alice", "alice@mx.test",	250, "2.1.0" },
	{ T_CREDS,	"alice", "ALICE@mx.test",	250, "2.1.0" },
	{ T_CREDS,	"alice", "bob@mx.test",		553, "5.7.1" },
	{ T_CREDS,	"mallory", "alice@mx.test",	553, "5.7.1" },
	/* no senders table, or not authenticated: no check */
	{ T_CREDS,	NULL,	 "bob@mx.test",		250, "2.1.0" },
	{ T_SYSTEM,	"bob",	 "anyone@remote.test",	250, "2.1.0" },
};

ATF_TC_WITHOUT_HEAD(lookup_on_mail_verdict);
ATF_TC_BODY(lookup_on_mail_verdict, tc)
{
	struct lookup_harness	*h;
	char			 what[64];
	size_t			 i;

	(void)tc;
	h = lookup_harness_start();
	for (i = 0; i < sizeof(t_mails) / sizeof(t_mails[0]); i++) {
		snprintf(what, sizeof(what), "case %zu <%s>", i,
		    t_mails[i].sender);
		t_verdict(t_mail(h, t_mails[i].ls, t_mails[i].auth,
		    t_mails[i].sender), t_mails[i].code, t_mails[i].enh, what);
	}
	/* MAIL makes no envelope and asks nothing of the others */
	ATF_CHECK_EQ(h->nevps + h->nverdicts + h->nauths + h->nforwards, 0);
}

/* one AUTH against the credentials table and its verdict */
static const struct {
	uint32_t	 ls;
	const char	*user;
	const char	*pass;
	int		 code;
	const char	*enh;
} t_auths[] = {
	{ T_CREDS,	"alice",	"secret",	235, "2.7.0" },
	{ T_CREDS,	"ALICE",	"secret",	235, "2.7.0" },
	{ T_CREDS,	"alice",	"Secret",	535, "5.7.8" },
	{ T_CREDS,	"alice",	"",		535, "5.7.8" },
	{ T_CREDS,	"",		"secret",	535, "5.7.8" },
	{ T_CREDS,	"mallory",	"secret",	535, "5.7.8" },
	/* a listener without AUTH, or none at all */
	{ T_PLAIN,	"alice",	"secret",	535, "5.7.8" },
	{ 7,		"alice",	"secret",	535, "5.7.8" },
};

ATF_TC_WITHOUT_HEAD(lookup_on_auth_table);
ATF_TC_BODY(lookup_on_auth_table, tc)
{
	struct lookup_harness	*h;
	char			 what[64], src[32];
	size_t			 i;

	(void)tc;
	h = lookup_harness_start();
	for (i = 0; i < sizeof(t_auths) / sizeof(t_auths[0]); i++) {
		/* one address each: no case reaches the failure limit */
		snprintf(src, sizeof(src), "192.0.2.%zu", 10 + i);
		snprintf(what, sizeof(what), "case %zu %s/%s", i,
		    t_auths[i].user, t_auths[i].pass);
		t_verdict(t_auth(h, t_auths[i].ls, src, t_auths[i].user,
		    t_auths[i].pass), t_auths[i].code, t_auths[i].enh, what);
	}
	ATF_CHECK_EQ(h->nauths, 0);
}

ATF_TC_WITHOUT_HEAD(lookup_on_auth_system);
ATF_TC_BODY(lookup_on_auth_system, tc)
{
	static const struct {
		int32_t		 result;
		int		 code;
		const char	*enh;
	} cases[] = {
		{ 1, 235, "2.7.0" }, { 0, 535, "5.7.8" }, { -1, 454, "4.7.0" },
	};
	struct lookup_harness	*h;
	size_t			 i;

	(void)tc;
	h = lookup_harness_start();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h->auth_result = cases[i].result;
		t_verdict(t_auth(h, T_SYSTEM, "192.0.2.1", "bob", "pw"),
		    cases[i].code, cases[i].enh, "system account");
		ATF_CHECK_EQ((size_t)h->nauths, i + 1);
		ATF_CHECK_STREQ(h->auth.user, "bob");
		ATF_CHECK_STREQ(h->auth.pass, "pw");
	}
	ATF_CHECK(TAILQ_EMPTY(&h->l.reqs));
}

ATF_TC_WITHOUT_HEAD(lookup_on_auth_limit);
ATF_TC_BODY(lookup_on_auth_limit, tc)
{
	struct lookup_harness	*h;
	int			 i;

	(void)tc;
	h = lookup_harness_start();
	for (i = 0; i < LOOKUP_AUTHLIMIT_FAILS; i++)
		t_verdict(t_auth(h, T_CREDS, "192.0.2.66", "alice", "guess"),
		    535, "5.7.8", "failure");
	/* the right password no longer helps this address */
	t_verdict(t_auth(h, T_CREDS, "192.0.2.66", "alice", "secret"), 454,
	    "4.7.0", "limited");
	ATF_CHECK(strstr(h->results[h->nresults - 1].text, "Too many") !=
	    NULL);
	/* nor does asking the parent: it is not asked */
	t_verdict(t_auth(h, T_SYSTEM, "192.0.2.66", "bob", "pw"), 454,
	    "4.7.0", "limited, system");
	ATF_CHECK_EQ(h->nauths, 0);
	/* another address is not concerned */
	t_verdict(t_auth(h, T_CREDS, "192.0.2.67", "alice", "secret"), 235,
	    "2.7.0", "other address");
}

ATF_TC_WITHOUT_HEAD(lookup_on_table_update_answer);
ATF_TC_BODY(lookup_on_table_update_answer, tc)
{
	static const struct {
		const char	*name;
		int32_t		 status;
	} cases[] = { { "", 0 }, { "al", 0 }, { "nosuch", -1 } };
	struct lookup_harness	*h;
	struct msg_table_update	 m;
	size_t			 i;

	(void)tc;
	h = lookup_harness_start();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.reqid = 40 + i;
		strlcpy(m.name, cases[i].name, sizeof(m.name));
		ATF_REQUIRE(ipc_send(h->queue, MSG_TABLE_UPDATE, 0, -1, &m,
		    sizeof(m)) == 0);
		ATF_REQUIRE(lookup_harness_wait(&h->nupdated, (int)i + 1));
		ATF_CHECK_EQ(h->updated.reqid, 40 + i);
		ATF_CHECK_EQ_MSG(h->updated.status, cases[i].status, "%s: %s",
		    cases[i].name, h->updated.error);
		ATF_CHECK_EQ(h->updated.error[0] != '\0', cases[i].status != 0);
	}
}

/* t_auth_held - a system AUTH the parent has not answered; its reqid */
static uint64_t
t_auth_held(struct lookup_harness *h)
{
	struct msg_lka_auth	m;

	h->auth_result = LOOKUP_HARNESS_HOLD;
	memset(&m, 0, sizeof(m));
	m.listener = T_SYSTEM;
	strlcpy(m.src, "192.0.2.1", sizeof(m.src));
	strlcpy(m.user, "bob", sizeof(m.user));
	strlcpy(m.pass, "pw", sizeof(m.pass));
	ipc_send(h->smtpd, MSG_LOOKUP_AUTH, 0, -1, &m, sizeof(m));
	(void)lookup_harness_wait(&h->nauths, 1);
	return h->auth.reqid;
}

/* t_rcpt_held - a RCPT waiting for nobody's ~/.forward; its reqid */
static uint64_t
t_rcpt_held(struct lookup_harness *h)
{
	struct msg_lka_rcpt	m;

	h->forward_status = LOOKUP_HARNESS_HOLD;
	memset(&m, 0, sizeof(m));
	lookup_harness_sess(&m.sess, 1, T_PLAIN, NULL);
	strlcpy(m.rcpt, "nobody@localhost", sizeof(m.rcpt));
	ipc_send(h->smtpd, MSG_LOOKUP_RCPT, 0, -1, &m, sizeof(m));
	(void)lookup_harness_wait(&h->nforwards, 1);
	return h->forward.reqid;
}

/* t_bad_auth_unknown - an AUTH answer nobody asked for */
static void
t_bad_auth_unknown(struct lookup_harness *h)
{
	lookup_harness_auth_answer(h, 99, 1);
}

/* t_bad_forward_unknown - a ~/.forward answer nobody asked for */
static void
t_bad_forward_unknown(struct lookup_harness *h)
{
	lookup_harness_forward_answer(h, 98, IPC_FORWARD_NONE, NULL);
}

/* t_bad_auth_for_rcpt - an AUTH answer to a ~/.forward request */
static void
t_bad_auth_for_rcpt(struct lookup_harness *h)
{
	lookup_harness_auth_answer(h, t_rcpt_held(h), 1);
}

/* t_bad_forward_for_auth - a ~/.forward answer to an AUTH request */
static void
t_bad_forward_for_auth(struct lookup_harness *h)
{
	lookup_harness_forward_answer(h, t_auth_held(h), IPC_FORWARD_NONE,
	    NULL);
}

/* t_bad_forward_nofd - "here is the file", without the file */
static void
t_bad_forward_nofd(struct lookup_harness *h)
{
	lookup_harness_forward_answer(h, t_rcpt_held(h), IPC_FORWARD_OK,
	    NULL);
}

/* t_bad_forward_status - a status the catalogue does not know */
static void
t_bad_forward_status(struct lookup_harness *h)
{
	lookup_harness_forward_answer(h, t_rcpt_held(h), 7, NULL);
}

/* t_bad_queue_mail - the queue sends what only the listener may */
static void
t_bad_queue_mail(struct lookup_harness *h)
{
	struct msg_lka_mail	m;

	memset(&m, 0, sizeof(m));
	ipc_send(h->queue, MSG_LOOKUP_MAIL, 0, -1, &m, sizeof(m));
}

/* t_bad_smtpd_update - the listener sends what only the queue may */
static void
t_bad_smtpd_update(struct lookup_harness *h)
{
	struct msg_table_update	m;

	memset(&m, 0, sizeof(m));
	ipc_send(h->smtpd, MSG_TABLE_UPDATE, 0, -1, &m, sizeof(m));
}

/* t_bad_smtpd_unterminated - a recipient without its NUL */
static void
t_bad_smtpd_unterminated(struct lookup_harness *h)
{
	struct msg_lka_rcpt	m;

	memset(&m, 0, sizeof(m));
	memset(m.rcpt, 'a', sizeof(m.rcpt));
	ipc_send(h->smtpd, MSG_LOOKUP_RCPT, 0, -1, &m, sizeof(m));
}

/* t_bad_parent_notice - the parent sends what only the queue may */
static void
t_bad_parent_notice(struct lookup_harness *h)
{
	struct msg_lka_notice	m;

	memset(&m, 0, sizeof(m));
	strlcpy(m.rcpt, "nobody", sizeof(m.rcpt));
	ipc_send(h->parent, MSG_LOOKUP_NOTICE, 0, -1, &m, sizeof(m));
}

/* a peer breaking the contract, and what the lookup says as it dies */
static const struct {
	void		(*send)(struct lookup_harness *);
	const char	*why;
} t_fatals[] = {
	{ t_bad_auth_unknown,	"auth result for unknown request 99" },
	{ t_bad_forward_unknown, "forward for unknown request 98" },
	{ t_bad_auth_for_rcpt,	"auth result for a RCPT request" },
	{ t_bad_forward_for_auth, "forward answer for an AUTH request" },
	{ t_bad_forward_nofd,	"MSG_FORWARD_FD from parent: bad status 0" },
	{ t_bad_forward_status,	"MSG_FORWARD_FD from parent: bad status 7" },
	{ t_bad_queue_mail,	"MSG_LOOKUP_MAIL from queue" },
	{ t_bad_smtpd_update,	"MSG_TABLE_UPDATE from smtpd" },
	{ t_bad_smtpd_unterminated, "unterminated string" },
	{ t_bad_parent_notice,	"MSG_LOOKUP_NOTICE from parent" },
};

ATF_TC_WITHOUT_HEAD(lookup_on_peer_violation);
ATF_TC_BODY(lookup_on_peer_violation, tc)
{
	size_t	i;

	(void)tc;
	for (i = 0; i < sizeof(t_fatals) / sizeof(t_fatals[0]); i++)
		lookup_harness_fatal(t_fatals[i].send, t_fatals[i].why);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_on_mail_verdict);
	ATF_TP_ADD_TC(tp, lookup_on_auth_table);
	ATF_TP_ADD_TC(tp, lookup_on_auth_system);
	ATF_TP_ADD_TC(tp, lookup_on_auth_limit);
	ATF_TP_ADD_TC(tp, lookup_on_table_update_answer);
	ATF_TP_ADD_TC(tp, lookup_on_peer_violation);
	return atf_no_error();
}
