/*
 * t_cfg_sfilter.c - smtpd.conf "filter" lines: builtin filters, chains
 * and "listen on ... filter NAME" parsed into the model, and the lines
 * refused, each with its exact "FILE:LINE: message".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "cfg.h"
#include "cfg_harness.h"
#include "file_harness.h"

/* t_load - write s to smtpd.conf and load it; fail the test on error */
static struct cfg *
t_load(const char *s)
{
	struct cfg	*cfg;
	char		 err[1024];

	file_harness_text("smtpd.conf", s);
	cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err));
	if (cfg == NULL)
		atf_tc_fail("unexpected error: %s", err);
	return cfg;
}

/* t_cond - the n-th condition of builtin filter f */
static struct cfg_filter *
t_cond(struct cfg_sfilter *f, int n)
{
	struct cfg_filter	*c;

	TAILQ_FOREACH(c, &f->conds, entry)
		if (n-- == 0)
			return c;
	atf_tc_fail("no condition %d", n);
	return NULL;
}

ATF_TC_WITHOUT_HEAD(cfg_sfilter_builtin);
ATF_TC_BODY(cfg_sfilter_builtin, tc)
{
	struct cfg		*cfg;
	struct cfg_sfilter	*f;
	struct cfg_filter	*c;

	cfg = t_load("table bad { 192.0.2.0/24 }\n"
	    "filter nobad phase connect match src <bad> !rdns "
	    "reject \"550 go away\"\n"
	    "filter j phase rcpt-to match rcpt-to { spam@example.org } "
	    "auth junk\n"
	    "filter rw phase mail-from match fcrdns rewrite "
	    "\"new@example.org\"\n"
	    "filter bye phase helo match helo <bad> disconnect "
	    "\"421 4.7.0 bye\"\n"
	    "filter by phase commit match !auth <bad> bypass\n"
	    "filter st phase starttls match src <bad> reject \"454 no\"\n"
	    "filter au phase auth match helo <bad> junk\n");
	f = cfg_sfilter_find(cfg, "nobad");
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(f->kind, CFG_SFILTER_BUILTIN);
	ATF_CHECK_EQ(f->index, 0);
	ATF_CHECK_EQ(f->phase, CFG_SFILTER_CONNECT);
	ATF_CHECK_EQ(f->decision, CFG_SFILTER_REJECT);
	ATF_CHECK_STREQ(f->message, "550 go away");
	ATF_CHECK_EQ(f->loc.line, 2);
	c = t_cond(f, 0);
	ATF_CHECK(c->type == CFG_FILTER_FROM_SRC && !c->negate &&
	    c->table == cfg_table_find(cfg, "bad"));
	c = t_cond(f, 1);
	ATF_CHECK(c->type == CFG_FILTER_FROM_RDNS && c->negate &&
	    c->table == NULL);
	f = cfg_sfilter_find(cfg, "j");
	ATF_CHECK(f->phase == CFG_SFILTER_RCPT_TO &&
	    f->decision == CFG_SFILTER_JUNK && f->message == NULL);
	ATF_CHECK(t_cond(f, 0)->type == CFG_FILTER_RCPT_TO &&
	    t_cond(f, 0)->table->anonymous);
	ATF_CHECK(t_cond(f, 1)->type == CFG_FILTER_AUTH);
	f = cfg_sfilter_find(cfg, "rw");
	ATF_CHECK(f->decision == CFG_SFILTER_REWRITE &&
	    strcmp(f->message, "new@example.org") == 0);
	f = cfg_sfilter_find(cfg, "bye");
	ATF_CHECK(f->decision == CFG_SFILTER_DISCONNECT &&
	    f->phase == CFG_SFILTER_HELO);
	f = cfg_sfilter_find(cfg, "by");
	ATF_CHECK(f->decision == CFG_SFILTER_BYPASS && f->index == 4 &&
	    cfg_sfilter_at(cfg, 4) == f && t_cond(f, 0)->negate);
	ATF_CHECK_EQ(cfg_sfilter_find(cfg, "st")->phase, CFG_SFILTER_STARTTLS);
	ATF_CHECK_EQ(cfg_sfilter_find(cfg, "au")->phase, CFG_SFILTER_AUTH);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_sfilter_chain_listener);
ATF_TC_BODY(cfg_sfilter_chain_listener, tc)
{
	struct cfg		*cfg;
	struct cfg_sfilter	*a, *b, *ch;
	struct cfg_listener	*l;

	cfg = t_load("filter a phase helo match rdns bypass\n"
	    "filter b phase mail-from match !fcrdns reject \"451 later\"\n"
	    "filter ch chain {\n\ta,\n\tb\n}\n"
	    "listen on 127.0.0.1 port 2525 filter ch\n"
	    "listen on 127.0.0.1 port 2526\n");
	a = cfg_sfilter_find(cfg, "a");
	b = cfg_sfilter_find(cfg, "b");
	ch = cfg_sfilter_find(cfg, "ch");
	ATF_REQUIRE(a != NULL && b != NULL && ch != NULL);
	ATF_CHECK_EQ(ch->kind, CFG_SFILTER_CHAIN);
	ATF_CHECK_EQ(ch->nmembers, 2);
	ATF_CHECK(ch->members[0] == a && ch->members[1] == b);
	l = TAILQ_FIRST(&cfg->listeners);
	ATF_CHECK(l->filter == ch);
	ATF_CHECK(TAILQ_NEXT(l, entry)->filter == NULL);
	ATF_CHECK(cfg_sfilter_wants(ch, CFG_SFILTER_HELO));
	ATF_CHECK(cfg_sfilter_wants(ch, CFG_SFILTER_MAIL_FROM));
	ATF_CHECK(!cfg_sfilter_wants(ch, CFG_SFILTER_CONNECT));
	ATF_CHECK(cfg_sfilter_reaches(ch, b) && cfg_sfilter_reaches(b, b));
	ATF_CHECK(!cfg_sfilter_reaches(a, b));
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_sfilter_reply_valid);
ATF_TC_BODY(cfg_sfilter_reply_valid, tc)
{
	char	 longest[CFG_SFILTER_MSG_MAX + 2];

	ATF_CHECK(cfg_sfilter_reply_valid("550 no"));
	ATF_CHECK(cfg_sfilter_reply_valid("421 4.7.0 bye"));
	ATF_CHECK(!cfg_sfilter_reply_valid("250 ok"));
	ATF_CHECK(!cfg_sfilter_reply_valid("550"));
	ATF_CHECK(!cfg_sfilter_reply_valid("550 "));
	ATF_CHECK(!cfg_sfilter_reply_valid("550-more"));
	ATF_CHECK(!cfg_sfilter_reply_valid("5x0 no"));
	ATF_CHECK(!cfg_sfilter_reply_valid("go away"));
	ATF_CHECK(!cfg_sfilter_reply_valid("550 a\tb"));
	ATF_CHECK(!cfg_sfilter_reply_valid("550 a\x7f"));
	memset(longest, 'x', sizeof(longest));
	memcpy(longest, "550 ", 4);
	longest[CFG_SFILTER_MSG_MAX] = '\0';
	ATF_CHECK(cfg_sfilter_reply_valid(longest));
	longest[CFG_SFILTER_MSG_MAX] = 'x';
	longest[CFG_SFILTER_MSG_MAX + 1] = '\0';
	ATF_CHECK(!cfg_sfilter_reply_valid(longest));
}

static const struct {
	const char	*conf;
	const char	*msg;
} t_refused[] = {
	{ "filter a phase connect match rdns reject \"go away\"\n",
	  "smtpd.conf:1: filter 'a': the message must be a 4xx or 5xx code, "
	  "a space and printable text (at most 500 characters)" },
	{ "\nfilter a phase rcpt-to match rdns disconnect \"250 fine\"\n",
	  "smtpd.conf:2: filter 'a': the message must be a 4xx or 5xx code, "
	  "a space and printable text (at most 500 characters)" },
	{ "filter a phase quit match rdns bypass\n",
	  "smtpd.conf:1: unknown filter phase 'quit'" },
	{ "table t { x }\nfilter a phase connect match helo <t> bypass\n",
	  "smtpd.conf:2: filter 'a': condition 'helo' is not available in "
	  "phase connect" },
	{ "table t { x }\nfilter a phase helo match mail-from <t> junk\n",
	  "smtpd.conf:2: filter 'a': condition 'mail-from' is not available "
	  "in phase helo" },
	{ "table t { x }\nfilter a phase data match rcpt-to <t> junk\n",
	  "smtpd.conf:2: filter 'a': condition 'rcpt-to' is not available "
	  "in phase data" },
	{ "filter a phase commit match rdns junk\n",
	  "smtpd.conf:1: filter 'a': junk is not possible once the message "
	  "is committed" },
	{ "filter a phase data match rdns rewrite \"x\"\n",
	  "smtpd.conf:1: filter 'a': rewrite is not possible in phase data" },
	{ "filter a phase auth match rdns rewrite \"x\"\n",
	  "smtpd.conf:1: filter 'a': rewrite is not possible in phase auth" },
	{ "table t { x }\nfilter a phase starttls match rcpt-to <t> junk\n",
	  "smtpd.conf:2: filter 'a': condition 'rcpt-to' is not available "
	  "in phase starttls" },
	{ "filter a phase mail-from match rdns rewrite \"not an address\"\n",
	  "smtpd.conf:1: filter 'a': invalid address 'not an address' to "
	  "rewrite to" },
	{ "filter a phase helo match rdns rewrite \"bad..name\"\n",
	  "smtpd.conf:1: filter 'a': invalid name 'bad..name' to rewrite to" },
	{ "filter a phase helo match rdns\n",
	  "smtpd.conf:1: missing argument" },
	{ "filter a phase helo match bypass\n",
	  "smtpd.conf:1: unexpected 'bypass'" },
	{ "filter a phase helo match src <nope> bypass\n",
	  "smtpd.conf:1: undefined table 'nope'" },
	{ "filter a phase helo match rdns bypass\n"
	  "filter a phase ehlo match rdns bypass\n",
	  "smtpd.conf:2: filter 'a' already defined" },
	{ "filter c chain { a }\n",
	  "smtpd.conf:1: undefined filter 'a'" },
	{ "filter a phase helo match rdns bypass\nfilter c chain { a, c }\n",
	  "smtpd.conf:2: chain 'c' names itself" },
	{ "filter a phase helo match rdns bypass\nfilter c chain { a, a }\n",
	  "smtpd.conf:2: chain 'c' names 'a' twice" },
	{ "filter a phase helo match rdns bypass\nfilter c chain { a }\n"
	  "filter d chain { c }\n",
	  "smtpd.conf:3: chain 'd' names chain 'c': chains do not nest" },
	{ "listen on 127.0.0.1 filter nope\n",
	  "smtpd.conf:1: undefined filter 'nope'" },
	{ "filter a phase helo match rdns bypass\n"
	  "listen on 127.0.0.1 filter a filter a\n",
	  "smtpd.conf:2: 'filter' specified twice" },
	{ "filter a phase helo match rdns bypass\n"
	  "listen on socket filter a\n",
	  "smtpd.conf:2: 'filter' is not valid on the socket" },
	{ "\n\nfilter p proc myproc\n",
	  "smtpd.conf:3: undefined proc 'myproc'" },
	{ "proc p \"/bin/f\"\nproc p \"/bin/g\"\n",
	  "smtpd.conf:2: proc 'p' already defined" },
	{ "proc p \"/bin/f\"\nfilter p proc-exec \"/bin/g\"\n",
	  "smtpd.conf:2: proc 'p' already defined" },
	{ "filter p proc-exec \"\"\n",
	  "smtpd.conf:1: empty command" },
	{ "filter p proc-exec \"/bin/f\" user root\n",
	  "smtpd.conf:1: proc 'p': filters never run as root" },
	{ "filter p proc-exec \"/bin/f\" user a user b\n",
	  "smtpd.conf:1: 'user' specified twice" },
	{ "filter p proc-exec \"/bin/f\" chroot \"var/empty\"\n",
	  "smtpd.conf:1: chroot 'var/empty' is not an absolute path" },
	{ "proc p \"/bin/f\" home \"/x\"\n",
	  "smtpd.conf:1: unexpected 'home'" },
	{ "proc p \"/bin/f\"\nfilter a proc p\nfilter c chain { a }\n"
	  "filter d chain { c }\n",
	  "smtpd.conf:4: chain 'd' names chain 'c': chains do not nest" },
	{ "filter m milter \"tcp:127.0.0.1:8891\"\n",
	  "smtpd.conf:1: filter 'm': invalid milter address "
	  "'tcp:127.0.0.1:8891' (inet:HOST:PORT or unix:/PATH)" },
	{ "filter m milter \"inet:127.0.0.1\"\n",
	  "smtpd.conf:1: filter 'm': invalid milter address 'inet:127.0.0.1' "
	  "(inet:HOST:PORT or unix:/PATH)" },
	{ "filter m milter \"inet:127.0.0.1:70000\"\n",
	  "smtpd.conf:1: filter 'm': invalid milter address "
	  "'inet:127.0.0.1:70000' (inet:HOST:PORT or unix:/PATH)" },
	{ "filter m milter \"inet::8891\"\n",
	  "smtpd.conf:1: filter 'm': invalid milter address 'inet::8891' "
	  "(inet:HOST:PORT or unix:/PATH)" },
	{ "filter m milter \"unix:run/m.sock\"\n",
	  "smtpd.conf:1: filter 'm': invalid milter address 'unix:run/m.sock' "
	  "(inet:HOST:PORT or unix:/PATH)" },
	{ "filter m milter \"unix:/r\" on-error maybe\n",
	  "smtpd.conf:1: on-error 'maybe': accept, tempfail or reject" },
	{ "filter m milter \"unix:/r\" on-error accept on-error reject\n",
	  "smtpd.conf:1: 'on-error' specified twice" },
	{ "filter m milter \"unix:/r\" timeout 0\n",
	  "smtpd.conf:1: milter timeout 0 out of range (1-3600)" },
	{ "filter m milter \"unix:/r\" timeout soon\n",
	  "smtpd.conf:1: invalid delay 'soon'" },
	{ "filter m milter \"unix:/r\" timeout 5s timeout 6s\n",
	  "smtpd.conf:1: 'timeout' specified twice" },
	{ "filter m milter \"unix:/r\" user nobody\n",
	  "smtpd.conf:1: unexpected 'user'" },
	{ "filter m milter \"unix:/r\"\nfilter m milter \"unix:/s\"\n",
	  "smtpd.conf:2: filter 'm' already defined" },
	{ "filter a phase helo match rdns report \"\"\n",
	  "smtpd.conf:1: filter 'a': the report must be printable text (at "
	  "most 500 characters)" },
};

ATF_TC_WITHOUT_HEAD(cfg_sfilter_refused);
ATF_TC_BODY(cfg_sfilter_refused, tc)
{
	size_t	i;

	for (i = 0; i < sizeof(t_refused) / sizeof(t_refused[0]); i++)
		cfg_harness_fails(t_refused[i].conf, 0,
		    t_refused[i].msg);
}

ATF_TC_WITHOUT_HEAD(cfg_sfilter_proc);
ATF_TC_BODY(cfg_sfilter_proc, tc)
{
	const struct cfg_sfilter	*f, *c;
	const struct cfg_fproc		*p, *q;
	struct cfg			*cfg;

	cfg = t_load("filter b phase helo match rdns bypass\n"
	    "filter x proc-exec \"/usr/bin/f -v\" user nobody group nogroup "
	    "chroot \"/var/empty\"\n"
	    "proc shared \"exec /usr/bin/g\"\n"
	    "filter y proc shared\n"
	    "filter z proc shared\n"
	    "filter c chain { b, x, y }\n"
	    "listen on 127.0.0.1 filter c\n");
	p = cfg_fproc_find(cfg, "x");
	ATF_REQUIRE(p != NULL);
	ATF_CHECK_EQ(p->index, 0);
	ATF_CHECK_STREQ(p->command, "/usr/bin/f -v");
	ATF_CHECK_STREQ(p->user, "nobody");
	ATF_CHECK_STREQ(p->group, "nogroup");
	ATF_CHECK_STREQ(p->chroot, "/var/empty");
	q = cfg_fproc_find(cfg, "shared");
	ATF_REQUIRE(q != NULL);
	ATF_CHECK(cfg_fproc_at(cfg, 1) == q);
	ATF_CHECK_STREQ(q->user, "");
	ATF_CHECK_STREQ(q->chroot, "");
	f = cfg_sfilter_find(cfg, "x");
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(f->kind, CFG_SFILTER_PROC);
	ATF_CHECK(f->proc == p);
	ATF_CHECK(cfg_sfilter_find(cfg, "y")->proc == q);
	ATF_CHECK(cfg_sfilter_find(cfg, "z")->proc == q);
	c = cfg_sfilter_find(cfg, "c");
	ATF_CHECK(cfg_sfilter_has_proc(c));
	ATF_CHECK(!cfg_sfilter_has_proc(cfg_sfilter_find(cfg, "b")));
	/* a process says which phases it wants once it runs: all of them */
	ATF_CHECK(cfg_sfilter_wants(c, CFG_SFILTER_COMMIT));
	ATF_CHECK(cfg_sfilter_wants(f, CFG_SFILTER_CONNECT));
	ATF_CHECK(!cfg_sfilter_wants(cfg_sfilter_find(cfg, "b"),
	    CFG_SFILTER_CONNECT));
	ATF_CHECK(TAILQ_FIRST(&cfg->listeners)->filter == c);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_sfilter_milter);
ATF_TC_BODY(cfg_sfilter_milter, tc)
{
	const struct cfg_sfilter	*f, *c;
	struct cfg			*cfg;

	cfg = t_load("filter dkim milter \"inet:localhost:8891\"\n"
	    "filter spam milter \"unix:/run/rspamd/milter.sock\" "
	    "on-error accept timeout 2m\n"
	    "filter v6 milter \"inet:[::1]:8893\" on-error reject\n"
	    "filter sm milter \"inet:8894@127.0.0.1\" timeout 5\n"
	    "filter b phase helo match rdns bypass\n"
	    "filter c chain { b, dkim, spam }\n"
	    "listen on 127.0.0.1 filter c\n");
	f = cfg_sfilter_find(cfg, "dkim");
	ATF_REQUIRE(f != NULL && f->milter != NULL);
	ATF_CHECK_EQ(f->kind, CFG_SFILTER_MILTER);
	ATF_CHECK_STREQ(f->milter->address, "inet:localhost:8891");
	ATF_CHECK(!f->milter->unix);
	ATF_CHECK_STREQ(f->milter->host, "localhost");
	ATF_CHECK_STREQ(f->milter->port, "8891");
	ATF_CHECK_EQ(f->milter->on_error, CFG_MILTER_TEMPFAIL);
	ATF_CHECK_EQ(f->milter->timeout, CFG_MILTER_TIMEOUT);
	f = cfg_sfilter_find(cfg, "spam");
	ATF_CHECK(f->milter->unix);
	ATF_CHECK_STREQ(f->milter->path, "/run/rspamd/milter.sock");
	ATF_CHECK_EQ(f->milter->on_error, CFG_MILTER_ACCEPT);
	ATF_CHECK_EQ(f->milter->timeout, 120);
	f = cfg_sfilter_find(cfg, "v6");
	ATF_CHECK_STREQ(f->milter->host, "::1");
	ATF_CHECK_STREQ(f->milter->port, "8893");
	ATF_CHECK_EQ(f->milter->on_error, CFG_MILTER_REJECT);
	f = cfg_sfilter_find(cfg, "sm");
	ATF_CHECK_STREQ(f->milter->host, "127.0.0.1");
	ATF_CHECK_STREQ(f->milter->port, "8894");
	ATF_CHECK_EQ(f->milter->timeout, 5);
	c = cfg_sfilter_find(cfg, "c");
	/* a milter, like a process, is asked at every phase */
	ATF_CHECK(cfg_sfilter_has_remote(c));
	ATF_CHECK(cfg_sfilter_has_remote(cfg_sfilter_find(cfg, "dkim")));
	/* but the report events are for filter processes only */
	ATF_CHECK(!cfg_sfilter_has_proc(c));
	ATF_CHECK(!cfg_sfilter_has_proc(cfg_sfilter_find(cfg, "dkim")));
	ATF_CHECK(cfg_sfilter_wants(c, CFG_SFILTER_COMMIT));
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_sfilter_keywords_as_values);
ATF_TC_BODY(cfg_sfilter_keywords_as_values, tc)
{
	struct cfg		*cfg;
	struct cfg_table	*t;

	cfg = t_load("table words { filter, chain, phase, bypass, "
	    "disconnect, rewrite, fcrdns, proc, proc-exec, milter, report }\n");
	t = cfg_table_find(cfg, "words");
	ATF_REQUIRE(t != NULL);
	ATF_CHECK_EQ(t->nentries, 11);
	cfg_free(cfg);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, cfg_sfilter_builtin);
	ATF_TP_ADD_TC(tp, cfg_sfilter_chain_listener);
	ATF_TP_ADD_TC(tp, cfg_sfilter_reply_valid);
	ATF_TP_ADD_TC(tp, cfg_sfilter_refused);
	ATF_TP_ADD_TC(tp, cfg_sfilter_proc);
	ATF_TP_ADD_TC(tp, cfg_sfilter_milter);
	ATF_TP_ADD_TC(tp, cfg_sfilter_keywords_as_values);
	return atf_no_error();
}
