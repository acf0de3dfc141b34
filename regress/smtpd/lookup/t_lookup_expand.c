/*
 * t_lookup_expand.c - recipient expansion: alias chains, loops, the
 * depth limit, duplicates, :include:, error:, |command and /file
 * results, virtual catch-alls, sub-addresses, `user NAME`, userbase,
 * ~/.forward (root's included), expand-only, forward-only, unknown
 * users.  Accounts, include files and ~/.forward files are fakes
 * behind the callbacks; tables and rules are the real ones.  Every
 * result must be one the queue's and the parent's check accepts
 * (envelope_rule.h), with the origin of the rule that made it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "cfg.h"
#include "envelope.h"
#include "envelope_rule.h"
#include "table.h"
#include "xmalloc.h"
#include "../../../smtpd/lookup/lookup.h"
#include "../../../smtpd/lookup/lookup_expand.h"
#include "../../../smtpd/lookup/lookup_rule.h"

static const char t_conf[] =
	"table aliases { root = bob, postmaster = root, loop1 = loop2,\n"
	"  loop2 = loop1, self = \"self, carol\", list = \":include:/inc/list\",\n"
	"  bad = \"error:550 5.1.1 No such list\", temp = \"error:451 later\",\n"
	"  cmd = \"|/usr/bin/procmail -a x\", file = \"/var/log/mail.copy\",\n"
	"  dup = \"bob, bob, BOB, bob@localhost, root\",\n"
	"  remote = someone@remote.org, deny = x@denied.org, ghost = nosuch,\n"
	"  d1 = d2, d2 = d3, d3 = d4, d4 = d5, d5 = d6, d6 = d7, d7 = d8,\n"
	"  d8 = d9, d9 = d10, d10 = d11, d11 = bob,\n"
	"  big1000 = \":include:/inc/1000\", big1001 = \":include:/inc/1001\",\n"
	"  noinc = \":include:/inc/missing\", badinc = \":include:/inc/bad\",\n"
	"  tofail = fail, mix = \"bob, someone@remote.org, |/bin/cat\" }\n"
	"table vusers { \"alice@virt.org\" = bob,\n"
	"  \"sales@virt.org\" = \"alice@virt.org, carol\", \"@catch.org\" = bob,\n"
	"  info = bob, \"fwd@virt.org\" = someone@remote.org,\n"
	"  \"loop@virt.org\" = \"loop@virt.org\" }\n"
	"table ubase { vuser1 = \"3000:3000:/var/vmail/vuser1\",\n"
	"  rootish = \"0:0:/root\" }\n"
	"action \"local\" mbox alias <aliases>\n"
	"action \"noalias\" maildir\n"
	"action \"virt\" mbox virtual <vusers>\n"
	"action \"vmail\" maildir virtual <vusers> user vmail\n"
	"action \"ub\" maildir userbase <ubase>\n"
	"action \"exp\" expand-only alias <aliases>\n"
	"action \"fwo\" forward-only alias <aliases>\n"
	"action \"relay\" relay\n"
	"match from local for domain virt.org action \"virt\"\n"
	"match from local for domain catch.org action \"virt\"\n"
	"match from local for domain denied.org reject\n"
	"match from local for local action \"local\"\n"
	"match from local for any action \"relay\"\n";

struct t_ctx {
	struct cfg		*cfg;
	struct lookup_tables	*lt;
	const char		*fw_user;	/* one ~/.forward override */
	const char		*fw_text;
};

static const struct {
	const char	*name;
	uid_t		 uid;
} t_accounts[] = {
	{ "root", 0 }, { "bob", 1001 }, { "alice", 1002 }, { "carol", 1003 },
	{ "self", 1004 }, { "eve", 1005 }, { "mal", 1006 }, { "vmail", 2000 },
	{ "nobody", 65534 },
};

static const struct {
	const char	*user;
	const char	*text;
} t_forwards[] = {
	{ "carol", "carol@remote.org, \\carol\n" },
	{ "alice", "# vacation\n|/usr/bin/vacation alice\n"
	    "/home/alice/mail.log\n" },
	{ "root", "|/bin/sh -c evil\n/etc/passwd\nadmin@remote.org\n" },
	{ "eve", "eve@remote.org\n:include:/inc/list\n" },
	{ "mal", "\"unterminated\n" },
};

/* t_table - lookup_table_fn over the test's opened tables */
static int
t_table(void *arg, const struct cfg_table *t, enum table_kind k,
    const char *key, union table_result *out)
{
	struct t_ctx	*c = arg;

	return lookup_tables_lookup(c->lt, t, k, key, out);
}

/* t_account - the fake passwd: "fail" cannot be looked up */
static int
t_account(void *arg, const char *name, struct lookup_expand_account *out)
{
	size_t	i;

	(void)arg;
	if (strcmp(name, "fail") == 0)
		return -1;
	for (i = 0; i < sizeof(t_accounts) / sizeof(t_accounts[0]); i++)
		if (strcmp(t_accounts[i].name, name) == 0) {
			strlcpy(out->name, name, sizeof(out->name));
			out->uid = t_accounts[i].uid;
			return 1;
		}
	return 0;
}

/* t_include - the fake include files */
static int
t_include(void *arg, const char *path, char **text)
{
	char	*s;
	size_t	 n, i;

	(void)arg;
	if (strcmp(path, "/inc/list") == 0) {
		*text = xstrdup("bob\n# comment\n\n  carol, dave@remote.org\r\n");
		return 0;
	}
	if (strcmp(path, "/inc/bad") == 0) {
		*text = xstrdup("bob\n\"open quote\n");
		return 0;
	}
	if (strcmp(path, "/inc/1000") != 0 && strcmp(path, "/inc/1001") != 0)
		return -1;
	n = strcmp(path, "/inc/1000") == 0 ? 1000 : 1001;
	s = xcalloc(n, 32);
	for (i = 0; i < n; i++)
		snprintf(s + strlen(s), 32, "|/bin/c %zu\n", i);
	*text = s;
	return 0;
}

/* t_route - the real rules, as for a local submission */
static int
t_route(void *arg, const char *addr, const struct cfg_match **m)
{
	static const char *const names[] = { "localhost", "mx.test", NULL };
	struct t_ctx		*c = arg;
	struct lookup_rule_ctx	 ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = LOOKUP_RULE_SOCKET;
	ctx.src = ctx.rdns = ctx.helo = ctx.auth_user = ctx.tag = "";
	ctx.sender = "sender@mx.test";
	ctx.rcpt = addr;
	ctx.localnames = names;
	return lookup_rule_match(c->cfg, &ctx, t_table, c, m);
}

/* t_forward_text - the ~/.forward of user, NULL if none */
static const char *
t_forward_text(const struct t_ctx *c, const char *user)
{
	size_t	i;

	if (c->fw_user != NULL && strcmp(c->fw_user, user) == 0)
		return c->fw_text;
	for (i = 0; i < sizeof(t_forwards) / sizeof(t_forwards[0]); i++)
		if (strcmp(t_forwards[i].user, user) == 0)
			return t_forwards[i].text;
	return NULL;
}

/* t_rule_agrees - the checks of the queue and parent take result r */
static void
t_rule_agrees(const struct t_ctx *c, const char *rcpt,
    const struct lookup_expand_result *r)
{
	struct envelope	 e;
	const char	*why;

	memset(&e, 0, sizeof(e));
	strlcpy(e.rcpt, rcpt, sizeof(e.rcpt));
	strlcpy(e.dest, r->dest, sizeof(e.dest));
	strlcpy(e.dispatcher, r->action->name, sizeof(e.dispatcher));
	strlcpy(e.user, r->user, sizeof(e.user));
	e.dest_type = r->dest_type;
	e.origin = r->origin;
	why = envelope_rule_check(c->cfg, &e);
	ATF_CHECK_MSG(why == NULL, "%s: %s:%u:%s:%s refused: %s", rcpt,
	    r->action->name, r->dest_type, r->dest, r->user, why);
}

/* t_cmp - qsort on strings */
static int
t_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * t_expand - expand rcpt under the action; the outcome as text: the
 * sorted results "action:type:dest:user" joined by " | ", or the
 * refusal "CODE ENH TEXT".  *nres gets the number of results.
 */
static char *
t_expand(struct t_ctx *c, const char *action, const char *rcpt, size_t *nres)
{
	struct lookup_expand_ops		 ops = { t_table, t_account,
	    t_include, t_route, c };
	struct lookup_expand			*x;
	const struct lookup_expand_result	*r;
	enum lookup_expand_status		 st;
	const char				*enh, *text;
	char					**v, *out;
	size_t					 i, n, len = 1;

	x = lookup_expand_new(&ops, '+', cfg_action_find(c->cfg, action),
	    rcpt);
	while ((st = lookup_expand_run(x)) == LOOKUP_EXPAND_FORWARD)
		lookup_expand_forward(x, t_forward_text(c,
		    lookup_expand_forward_user(x)));
	n = *nres = lookup_expand_nresults(x);
	if (st == LOOKUP_EXPAND_REFUSED) {
		ATF_CHECK(lookup_expand_error(x, &enh, &text) != 0);
		xasprintf(&out, "%d %s %s", lookup_expand_error(x, &enh, &text),
		    enh, text);
		lookup_expand_free(x);
		return out;
	}
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		r = lookup_expand_result(x, i);
		t_rule_agrees(c, rcpt, r);
		xasprintf(&v[i], "%s:%u:%s:%s", r->action->name, r->dest_type,
		    r->dest, r->user);
		len += strlen(v[i]) + 3;
	}
	qsort(v, n, sizeof(*v), t_cmp);
	out = xcalloc(1, len);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strlcat(out, " | ", len);
		strlcat(out, v[i], len);
		free(v[i]);
	}
	free(v);
	lookup_expand_free(x);
	return out;
}

/* t_setup - load the configuration and open its tables */
static void
t_setup(struct t_ctx *c)
{
	char	 err[1024];
	FILE	*f;

	memset(c, 0, sizeof(*c));
	ATF_REQUIRE((f = fopen("smtpd.conf", "w")) != NULL);
	fputs(t_conf, f);
	ATF_REQUIRE(fclose(f) == 0);
	if ((c->cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err))) == NULL)
		atf_tc_fail("%s", err);
	if ((c->lt = lookup_tables_open(c->cfg, err, sizeof(err))) == NULL)
		atf_tc_fail("%s", err);
}

/* t_teardown - release what t_setup made */
static void
t_teardown(struct t_ctx *c)
{
	lookup_tables_free(c->lt);
	cfg_free(c->cfg);
}

struct t_row {
	const char	*action;
	const char	*rcpt;
	const char	*fw_user;
	const char	*fw_text;
	const char	*want;
};

#define CAROL	"local:0:carol@localhost:carol | relay:0:carol@remote.org:"

static const struct t_row t_rows[] = {
	/* plain users, sub-addresses, unknown users */
	{ "local", "bob@localhost", NULL, NULL, "local:0:bob@localhost:bob" },
	{ "local", "BOB+tag@localhost", NULL, NULL,
	    "local:0:BOB+tag@localhost:bob" },
	{ "local", "bob+@localhost", NULL, NULL, "local:0:bob+@localhost:bob" },
	{ "local", "+bob@localhost", NULL, NULL, "550 5.1.1 User unknown" },
	{ "local", "nosuch@localhost", NULL, NULL, "550 5.1.1 User unknown" },
	{ "local", "b\xc3\xa9@localhost", NULL, NULL,
	    "550 5.1.1 User unknown" },
	{ "local", "bob", NULL, NULL, "local:0:bob:bob" },
	/* alias chains, self reference, loops, the depth limit */
	{ "local", "root@localhost", NULL, NULL, "local:0:bob@localhost:bob" },
	{ "local", "postmaster@localhost", NULL, NULL,
	    "local:0:bob@localhost:bob" },
	{ "local", "ghost@localhost", NULL, NULL, "550 5.1.1 User unknown" },
	{ "local", "loop1@localhost", NULL, NULL,
	    "550 5.4.6 Mail loop detected" },
	{ "local", "self@localhost", NULL, NULL,
	    "local:0:carol@localhost:carol | local:0:self@localhost:self | "
	    "relay:0:carol@remote.org:" },
	{ "local", "d2@localhost", NULL, NULL, "local:0:bob@localhost:bob" },
	{ "local", "d1@localhost", NULL, NULL,
	    "550 5.2.4 Alias expansion too deep" },
	/* duplicates are delivered once */
	{ "local", "dup@localhost", NULL, NULL, "local:0:bob@localhost:bob" },
	/* :include:, error:, |command, /file, remote addresses */
	{ "local", "list@localhost", NULL, NULL, "local:0:bob@localhost:bob | "
	    CAROL " | relay:0:dave@remote.org:" },
	{ "local", "noinc@localhost", NULL, NULL,
	    "451 4.3.0 Temporary failure" },
	{ "local", "badinc@localhost", NULL, NULL,
	    "451 4.3.0 Invalid include file" },
	{ "local", "bad@localhost", NULL, NULL, "550 5.1.1 No such list" },
	{ "local", "temp@localhost", NULL, NULL, "451 4.0.0 later" },
	{ "local", "cmd@localhost", NULL, NULL,
	    "local:2:/usr/bin/procmail -a x:nobody" },
	{ "local", "file@localhost", NULL, NULL,
	    "local:1:/var/log/mail.copy:nobody" },
	{ "local", "remote@localhost", NULL, NULL,
	    "relay:0:someone@remote.org:" },
	{ "local", "deny@localhost", NULL, NULL,
	    "550 5.7.1 Delivery not authorized" },
	{ "local", "mix@localhost", NULL, NULL, "local:0:bob@localhost:bob | "
	    "local:2:/bin/cat:nobody | relay:0:someone@remote.org:" },
	{ "local", "tofail@localhost", NULL, NULL,
	    "451 4.3.0 Temporary failure" },
	/* ~/.forward: commands and files run as the owner; root's may not */
	{ "local", "alice@localhost", NULL, NULL,
	    "local:1:/home/alice/mail.log:alice | "
	    "local:2:/usr/bin/vacation alice:alice" },
	{ "local", "carol@localhost", NULL, NULL, CAROL },
	{ "local", "eve@localhost", NULL, NULL, "relay:0:eve@remote.org:" },
	{ "local", "mal@localhost", NULL, NULL,
	    "451 4.3.0 Invalid ~/.forward" },
	{ "local", "bob@localhost", "bob", "\n# nothing\n",
	    "local:0:bob@localhost:bob" },
	{ "local", "bob@localhost", "bob", "bob", "local:0:bob@localhost:bob" },
	{ "noalias", "root@localhost", NULL, NULL,
	    "relay:0:admin@remote.org:" },
	{ "noalias", "root@localhost", "root", "|/bin/evil\n/etc/shadow\n",
	    "550 5.1.1 root mail must be aliased" },
	{ "noalias", "root@localhost", "root", NULL,
	    "550 5.1.1 root mail must be aliased" },
	/* virtual: address, tagged, user-only key, catch-all, chains */
	{ "virt", "alice@virt.org", NULL, NULL, "virt:0:bob@virt.org:bob" },
	{ "virt", "Alice+x@virt.org", NULL, NULL, "virt:0:bob@virt.org:bob" },
	{ "virt", "info@virt.org", NULL, NULL, "virt:0:bob@virt.org:bob" },
	{ "virt", "anyone@catch.org", NULL, NULL, "virt:0:bob@catch.org:bob" },
	{ "virt", "sales@virt.org", NULL, NULL, "relay:0:carol@remote.org: | "
	    "virt:0:bob@virt.org:bob | virt:0:carol@virt.org:carol" },
	{ "virt", "fwd@virt.org", NULL, NULL, "relay:0:someone@remote.org:" },
	{ "virt", "unknown@virt.org", NULL, NULL, "550 5.1.1 User unknown" },
	{ "virt", "loop@virt.org", NULL, NULL,
	    "550 5.4.6 Mail loop detected" },
	/* user NAME, userbase */
	{ "vmail", "alice@virt.org", NULL, NULL, "vmail:0:bob@virt.org:vmail" },
	{ "ub", "vuser1@localhost", NULL, NULL,
	    "ub:0:vuser1@localhost:vuser1" },
	{ "ub", "bob@localhost", NULL, NULL, "550 5.1.1 User unknown" },
	{ "ub", "rootish@localhost", NULL, NULL,
	    "550 5.1.1 root mail must be aliased" },
	/* expand-only and forward-only */
	{ "exp", "cmd@localhost", NULL, NULL,
	    "exp:2:/usr/bin/procmail -a x:nobody" },
	{ "exp", "bob@localhost", NULL, NULL,
	    "550 5.7.1 No local delivery for this recipient" },
	{ "fwo", "remote@localhost", NULL, NULL,
	    "relay:0:someone@remote.org:" },
	{ "fwo", "cmd@localhost", NULL, NULL,
	    "550 5.7.1 No local delivery for this recipient" },
	{ "fwo", "bob@localhost", NULL, NULL,
	    "550 5.7.1 No local delivery for this recipient" },
	/* relay: no expansion */
	{ "relay", "X+y@Remote.org", NULL, NULL, "relay:0:X+y@Remote.org:" },
};

ATF_TC_WITHOUT_HEAD(lookup_expand_run_table);
ATF_TC_BODY(lookup_expand_run_table, tc)
{
	struct t_ctx	 c;
	char		*got;
	size_t		 i, n;

	t_setup(&c);
	for (i = 0; i < sizeof(t_rows) / sizeof(t_rows[0]); i++) {
		c.fw_user = t_rows[i].fw_user;
		c.fw_text = t_rows[i].fw_text;
		got = t_expand(&c, t_rows[i].action, t_rows[i].rcpt, &n);
		ATF_CHECK_MSG(strcmp(got, t_rows[i].want) == 0,
		    "row %zu (%s %s):\n got  \"%s\"\n want \"%s\"", i,
		    t_rows[i].action, t_rows[i].rcpt, got, t_rows[i].want);
		free(got);
	}
	t_teardown(&c);
}

ATF_TC_WITHOUT_HEAD(lookup_expand_run_origins);
ATF_TC_BODY(lookup_expand_run_origins, tc)
{
	static const struct {
		const char	*action;
		const char	*rcpt;
		uint32_t	 origin;	/* of every result */
	} t[] = {
		{ "local", "bob@localhost", ENVELOPE_ORIGIN_MAILBOX },
		{ "local", "cmd@localhost", ENVELOPE_ORIGIN_ALIAS },
		{ "local", "file@localhost", ENVELOPE_ORIGIN_ALIAS },
		{ "exp", "cmd@localhost", ENVELOPE_ORIGIN_ALIAS },
		{ "local", "alice@localhost", ENVELOPE_ORIGIN_FORWARD },
		{ "vmail", "alice@virt.org", ENVELOPE_ORIGIN_MAILBOX },
		{ "relay", "x@remote.org", ENVELOPE_ORIGIN_NONE },
	};
	struct lookup_expand_ops	 ops = { t_table, t_account,
	    t_include, t_route, NULL };
	struct lookup_expand		*x;
	struct t_ctx			 c;
	size_t				 i, j;

	t_setup(&c);
	ops.arg = &c;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		x = lookup_expand_new(&ops, '+', cfg_action_find(c.cfg,
		    t[i].action), t[i].rcpt);
		while (lookup_expand_run(x) == LOOKUP_EXPAND_FORWARD)
			lookup_expand_forward(x, t_forward_text(&c,
			    lookup_expand_forward_user(x)));
		ATF_CHECK_MSG(lookup_expand_nresults(x) > 0, "case %zu", i);
		for (j = 0; j < lookup_expand_nresults(x); j++)
			ATF_CHECK_EQ_MSG(lookup_expand_result(x, j)->origin,
			    t[i].origin, "case %zu result %zu", i, j);
		lookup_expand_free(x);
	}
	t_teardown(&c);
}

ATF_TC_WITHOUT_HEAD(lookup_expand_run_result_limit);
ATF_TC_BODY(lookup_expand_run_result_limit, tc)
{
	struct t_ctx	 c;
	char		*got;
	size_t		 n;

	t_setup(&c);
	got = t_expand(&c, "local", "big1000@localhost", &n);
	ATF_CHECK_EQ(n, LOOKUP_EXPAND_MAX);
	ATF_CHECK(strncmp(got, "local:2:/bin/c ", 15) == 0);
	free(got);
	got = t_expand(&c, "local", "big1001@localhost", &n);
	ATF_CHECK_STREQ(got, "550 5.2.4 Too many recipients after expansion");
	free(got);
	t_teardown(&c);
}

ATF_TC_WITHOUT_HEAD(lookup_expand_new_overlong);
ATF_TC_BODY(lookup_expand_new_overlong, tc)
{
	struct t_ctx	 c;
	char		 addr[ADDR_MAX + 1], *got;
	size_t		 n;

	t_setup(&c);
	memset(addr, 'a', sizeof(addr));
	memcpy(addr + ADDR_MAX - 1 - 4, "@x.y", 4);
	addr[ADDR_MAX - 1] = '\0';	/* exactly at the limit */
	got = t_expand(&c, "relay", addr, &n);
	ATF_CHECK_EQ(n, 1);
	ATF_CHECK(strncmp(got, "relay:0:aaa", 11) == 0);
	free(got);
	memset(addr, 'a', sizeof(addr));
	memcpy(addr + ADDR_MAX - 4, "@x.y", 4);
	addr[ADDR_MAX] = '\0';		/* one more */
	got = t_expand(&c, "relay", addr, &n);
	ATF_CHECK_STREQ(got, "550 5.1.3 Address too long");
	free(got);
	t_teardown(&c);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_expand_run_table);
	ATF_TP_ADD_TC(tp, lookup_expand_run_origins);
	ATF_TP_ADD_TC(tp, lookup_expand_run_result_limit);
	ATF_TP_ADD_TC(tp, lookup_expand_new_overlong);
	return atf_no_error();
}
