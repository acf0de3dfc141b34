/*
 * t_lookup_rule.c - the match rules: every filter type, negations,
 * first match wins, no match, tables of each kind, table failures.
 * Each configuration is one or two rules over a shared preamble; each
 * row is a session and envelope with the verdict it must get.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "cfg.h"
#include "pwhash.h"
#include "table.h"
#include "../../../smtpd/lookup/lookup.h"
#include "../../../smtpd/lookup/lookup_rule.h"

#define T_PREAMBLE							\
	"table nets { 192.168.1.0/24, 10.0.0.1, \"[2001:db8::]/32\" }\n" \
	"table doms { example.org, \"*.example.net\" }\n"		\
	"table froms { alice@example.org, \"@trusted.org\" }\n"	\
	"table rcpts { bob@example.com, postmaster }\n"			\
	"table users { alice, carol }\n"				\
	"table creds { alice = \"$6$x$y\" }\n"				\
	"table helos { mx.example.org, \"*.helo.org\" }\n"		\
	"table rdnsok { \"*.good.org\" }\n"				\
	"listen on 127.0.0.1\n"						\
	"action \"A\" relay\n"						\
	"action \"B\" mbox\n"

static const char *const t_confs[] = {
	/* 0 */ "match from any for domain example.org action A\n",
	/* 1 */ "match from local for local action A\n",
	/* 2 */ "match from socket for any action A\n",
	/* 3 */ "match from auth for any action A\n",
	/* 4 */ "match from auth alice for any action A\n",
	/* 5 */ "match from auth <users> for any action A\n",
	/* 6 */ "match from src 192.168.1.0/24 for any action A\n",
	/* 7 */ "match from src <nets> for any action A\n",
	/* 8 */ "match from mail-from alice@example.org for any action A\n",
	/* 9 */ "match from mail-from <froms> for any action A\n",
	/* 10 */ "match from rdns for any action A\n",
	/* 11 */ "match from rdns <rdnsok> for any action A\n",
	/* 12 */ "match from any for domain <doms> action A\n",
	/* 13 */ "match from any for rcpt-to <rcpts> action A\n",
	/* 14 */ "match from any for any auth action A\n",
	/* 15 */ "match from any for any helo <helos> action A\n",
	/* 16 */ "match from any for any tag MX action A\n",
	/* 17 */ "match from any for any tls action A\n",
	/* 18 */ "match from any for domain example.org reject\n"
		 "match from any for any action A\n",
	/* 19 */ "match !from local for any action A\n"
		 "match from any !for domain example.org action B\n",
	/* 20 */ "match from any for any mail-from \"@example.org\" "
		 "rcpt-to <rcpts> action A\n",
	/* 21 */ "match for local action B\n",
	/* 22 */ "match from any for any !tls !auth action A\n"
		 "match from any for any action B\n",
	/* 23 */ "match from auth <creds> for any action A\n",
	/* 24 */ "match from any for rcpt-to bob@example.com action A\n"
		 "match from any for any helo mx.example.org action B\n",
	/* 25 */ "match from any for any !tag MX action A\n",
	/* 26 */ "",
};

#define T_SOCK	LOOKUP_RULE_SOCKET
#define T_TLS	LOOKUP_RULE_TLS
#define T_AUTH	LOOKUP_RULE_AUTH

struct t_row {
	int		 conf;
	uint32_t	 flags;
	const char	*src;
	const char	*rdns;
	const char	*helo;
	const char	*auth_user;
	const char	*tag;
	const char	*sender;
	const char	*rcpt;
	const char	*expect;	/* action, "reject" or "" (none) */
};

static const struct t_row t_rows[] = {
	/* for domain NAME: case-insensitive, no subdomains */
	{ 0, 0, "192.0.2.1", "", "h", "", "", "a@b", "x@example.org", "A" },
	{ 0, 0, "192.0.2.1", "", "h", "", "", "a@b", "x@EXAMPLE.Org", "A" },
	{ 0, 0, "192.0.2.1", "", "h", "", "", "a@b", "x@sub.example.org", "" },
	{ 0, 0, "192.0.2.1", "", "h", "", "", "a@b", "x@example.com", "" },
	{ 0, 0, "192.0.2.1", "", "h", "", "", "a@b", "x", "" },
	/* from local: socket or loopback; for local: our names */
	{ 1, T_SOCK, "", "", "", "", "", "", "root@mx.test", "A" },
	{ 1, 0, "127.0.0.1", "", "", "", "", "", "root@localhost", "A" },
	{ 1, 0, "127.8.9.10", "", "", "", "", "", "root@LOCALHOST", "A" },
	{ 1, 0, "::1", "", "", "", "", "", "root@[127.0.0.1]", "A" },
	{ 1, 0, "::ffff:127.0.0.1", "", "", "", "", "", "root", "A" },
	{ 1, 0, "192.0.2.1", "", "", "", "", "", "root@localhost", "" },
	{ 1, 0, "128.0.0.1", "", "", "", "", "", "root@localhost", "" },
	{ 1, 0, "::2", "", "", "", "", "", "root@localhost", "" },
	{ 1, T_SOCK, "", "", "", "", "", "", "root@example.org", "" },
	{ 1, T_SOCK, "", "", "", "", "", "", "root@mx.test.evil", "" },
	/* from socket: the enqueuer only */
	{ 2, T_SOCK, "", "", "", "", "", "", "a@example.org", "A" },
	{ 2, 0, "127.0.0.1", "", "", "", "", "", "a@example.org", "" },
	/* from auth, from auth USER, from auth <list>, from auth <map> */
	{ 3, T_AUTH, "192.0.2.1", "", "", "bob", "", "", "a@b", "A" },
	{ 3, 0, "192.0.2.1", "", "", "", "", "", "a@b", "" },
	{ 4, T_AUTH, "192.0.2.1", "", "", "alice", "", "", "a@b", "A" },
	{ 4, T_AUTH, "192.0.2.1", "", "", "alicea", "", "", "a@b", "" },
	{ 4, T_AUTH, "192.0.2.1", "", "", "bob", "", "", "a@b", "" },
	{ 4, 0, "192.0.2.1", "", "", "alice", "", "", "a@b", "" },
	{ 5, T_AUTH, "192.0.2.1", "", "", "carol", "", "", "a@b", "A" },
	{ 5, T_AUTH, "192.0.2.1", "", "", "bob", "", "", "a@b", "" },
	{ 23, T_AUTH, "192.0.2.1", "", "", "alice", "", "", "a@b", "A" },
	{ 23, T_AUTH, "192.0.2.1", "", "", "carol", "", "", "a@b", "" },
	/* from src ADDR/CIDR and <netaddr table> */
	{ 6, 0, "192.168.1.0", "", "", "", "", "", "a@b", "A" },
	{ 6, 0, "192.168.1.255", "", "", "", "", "", "a@b", "A" },
	{ 6, 0, "192.168.2.0", "", "", "", "", "", "a@b", "" },
	{ 6, 0, "::ffff:192.168.1.7", "", "", "", "", "", "a@b", "A" },
	{ 6, T_SOCK, "", "", "", "", "", "", "a@b", "" },
	{ 6, 0, "not-an-address", "", "", "", "", "", "a@b", "" },
	{ 7, 0, "10.0.0.1", "", "", "", "", "", "a@b", "A" },
	{ 7, 0, "10.0.0.2", "", "", "", "", "", "a@b", "" },
	{ 7, 0, "2001:db8::25", "", "", "", "", "", "a@b", "A" },
	{ 7, 0, "2001:db9::25", "", "", "", "", "", "a@b", "" },
	{ 7, 0, "192.168.1.77", "", "", "", "", "", "a@b", "A" },
	/* from mail-from ADDR and <mailaddr table>; <> */
	{ 8, 0, "192.0.2.1", "", "", "", "", "alice@example.org", "a@b", "A" },
	{ 8, 0, "192.0.2.1", "", "", "", "", "ALICE@Example.ORG", "a@b", "A" },
	{ 8, 0, "192.0.2.1", "", "", "", "", "alice+x@example.org", "a@b",
	    "A" },
	{ 8, 0, "192.0.2.1", "", "", "", "", "bob@example.org", "a@b", "" },
	{ 8, 0, "192.0.2.1", "", "", "", "", "", "a@b", "" },
	{ 9, 0, "192.0.2.1", "", "", "", "", "any@trusted.org", "a@b", "A" },
	{ 9, 0, "192.0.2.1", "", "", "", "", "any@untrusted.org", "a@b", "" },
	{ 9, 0, "192.0.2.1", "", "", "", "", "alice@example.org", "a@b", "A" },
	/* from rdns [<domain table>] */
	{ 10, 0, "192.0.2.1", "mx.good.org", "", "", "", "", "a@b", "A" },
	{ 10, 0, "192.0.2.1", "", "", "", "", "", "a@b", "" },
	{ 11, 0, "192.0.2.1", "mx.good.org", "", "", "", "", "a@b", "A" },
	{ 11, 0, "192.0.2.1", "good.org", "", "", "", "", "a@b", "" },
	{ 11, 0, "192.0.2.1", "mx.bad.org", "", "", "", "", "a@b", "" },
	{ 11, 0, "192.0.2.1", "", "", "", "", "", "a@b", "" },
	/* for domain <domain table> with wildcards */
	{ 12, 0, "192.0.2.1", "", "", "", "", "", "u@example.org", "A" },
	{ 12, 0, "192.0.2.1", "", "", "", "", "", "u@a.b.example.net", "A" },
	{ 12, 0, "192.0.2.1", "", "", "", "", "", "u@example.net", "" },
	{ 12, 0, "192.0.2.1", "", "", "", "", "", "u@exampleXorg", "" },
	/* for rcpt-to <mailaddr table>: user without domain matches any */
	{ 13, 0, "192.0.2.1", "", "", "", "", "", "bob@example.com", "A" },
	{ 13, 0, "192.0.2.1", "", "", "", "", "", "postmaster@x.org", "A" },
	{ 13, 0, "192.0.2.1", "", "", "", "", "", "bob@example.org", "" },
	/* auth, helo, tag, tls options */
	{ 14, T_AUTH, "192.0.2.1", "", "", "u", "", "", "a@b", "A" },
	{ 14, 0, "192.0.2.1", "", "", "", "", "", "a@b", "" },
	{ 15, 0, "192.0.2.1", "", "MX.example.org", "", "", "", "a@b", "A" },
	{ 15, 0, "192.0.2.1", "", "a.helo.org", "", "", "", "a@b", "A" },
	{ 15, 0, "192.0.2.1", "", "helo.org", "", "", "", "a@b", "" },
	{ 15, 0, "192.0.2.1", "", "", "", "", "", "a@b", "" },
	{ 16, 0, "192.0.2.1", "", "", "", "MX", "", "a@b", "A" },
	{ 16, 0, "192.0.2.1", "", "", "", "MXX", "", "a@b", "" },
	{ 16, 0, "192.0.2.1", "", "", "", "", "", "a@b", "" },
	{ 25, 0, "192.0.2.1", "", "", "", "MX", "", "a@b", "" },
	{ 25, 0, "192.0.2.1", "", "", "", "", "", "a@b", "A" },
	{ 17, T_TLS, "192.0.2.1", "", "", "", "", "", "a@b", "A" },
	{ 17, 0, "192.0.2.1", "", "", "", "", "", "a@b", "" },
	/* first match wins */
	{ 18, 0, "192.0.2.1", "", "", "", "", "", "u@example.org", "reject" },
	{ 18, 0, "192.0.2.1", "", "", "", "", "", "u@example.com", "A" },
	/* negations */
	{ 19, 0, "192.0.2.1", "", "", "", "", "", "u@example.org", "A" },
	{ 19, T_SOCK, "", "", "", "", "", "", "u@example.com", "B" },
	{ 19, T_SOCK, "", "", "", "", "", "", "u@example.org", "" },
	{ 22, 0, "192.0.2.1", "", "", "", "", "", "a@b", "A" },
	{ 22, T_TLS, "192.0.2.1", "", "", "", "", "", "a@b", "B" },
	{ 22, T_AUTH, "192.0.2.1", "", "", "u", "", "", "a@b", "B" },
	/* every filter of a rule must match */
	{ 20, 0, "192.0.2.1", "", "", "", "", "x@example.org", "postmaster",
	    "A" },
	{ 20, 0, "192.0.2.1", "", "", "", "", "x@example.com", "postmaster",
	    "" },
	{ 20, 0, "192.0.2.1", "", "", "", "", "x@example.org", "carl@x", "" },
	{ 24, 0, "192.0.2.1", "", "mx.example.org", "", "", "",
	    "bob@example.com", "A" },
	{ 24, 0, "192.0.2.1", "", "mx.example.org", "", "", "",
	    "joe@example.com", "B" },
	{ 24, 0, "192.0.2.1", "", "mx.example.org.", "", "", "",
	    "joe@example.com", "" },
	/* defaults: from local for local */
	{ 21, 0, "127.0.0.1", "", "", "", "", "", "u@localhost", "B" },
	{ 21, 0, "192.0.2.1", "", "", "", "", "", "u@localhost", "" },
	{ 21, 0, "127.0.0.1", "", "", "", "", "", "u@example.org", "" },
	/* no rules: nothing matches, nothing is relayed */
	{ 26, T_SOCK, "", "", "", "", "", "", "u@localhost", "" },
	{ 26, T_AUTH, "192.0.2.1", "", "", "u", "", "", "u@example.org", "" },
};

static const char *const t_localnames[] = {
	"mx.test", "localhost", "localhost.localdomain", "[127.0.0.1]", NULL
};

/* t_load - the configuration number i with the preamble */
static struct cfg *
t_load(int i)
{
	struct cfg	*cfg;
	char		 err[1024];
	FILE		*f;

	ATF_REQUIRE((f = fopen("smtpd.conf", "w")) != NULL);
	fprintf(f, "%s%s", T_PREAMBLE, t_confs[i]);
	ATF_REQUIRE(fclose(f) == 0);
	if ((cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err))) == NULL)
		atf_tc_fail("configuration %d: %s", i, err);
	return cfg;
}

/* t_verdict - the name of what matched: action, "reject" or "" */
static const char *
t_verdict(const struct cfg_match *m)
{
	if (m == NULL)
		return "";
	return m->reject ? "reject" : m->action->name;
}

ATF_TC_WITHOUT_HEAD(lookup_rule_match_table);
ATF_TC_BODY(lookup_rule_match_table, tc)
{
	struct cfg		*cfg;
	struct lookup_tables	*lt;
	struct lookup_rule_ctx	 ctx;
	const struct cfg_match	*m;
	const struct t_row	*r;
	char			 err[512];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(t_rows) / sizeof(t_rows[0]); i++) {
		r = &t_rows[i];
		cfg = t_load(r->conf);
		if ((lt = lookup_tables_open(cfg, err, sizeof(err))) == NULL)
			atf_tc_fail("tables: %s", err);
		memset(&ctx, 0, sizeof(ctx));
		ctx.flags = r->flags;
		ctx.src = r->src;
		ctx.rdns = r->rdns;
		ctx.helo = r->helo;
		ctx.auth_user = r->auth_user;
		ctx.tag = r->tag;
		ctx.sender = r->sender;
		ctx.rcpt = r->rcpt;
		ctx.localnames = t_localnames;
		rc = lookup_rule_match(cfg, &ctx, lookup_tables_lookup, lt, &m);
		ATF_CHECK_MSG(rc == (*r->expect != '\0'), "row %zu: rc %d",
		    i, rc);
		ATF_CHECK_MSG(strcmp(t_verdict(m), r->expect) == 0,
		    "row %zu (conf %d, rcpt %s): got \"%s\", want \"%s\"", i,
		    r->conf, r->rcpt, t_verdict(m), r->expect);
		lookup_tables_free(lt);
		cfg_free(cfg);
	}
}

/* t_fail_lookup - a table backend that cannot answer */
static int
t_fail_lookup(void *arg, const struct cfg_table *t, enum table_kind k,
    const char *key, union table_result *out)
{
	(void)arg;
	(void)t;
	(void)k;
	(void)key;
	(void)out;
	return -1;
}

ATF_TC_WITHOUT_HEAD(lookup_rule_match_table_error);
ATF_TC_BODY(lookup_rule_match_table_error, tc)
{
	static const int	 confs[] = { 5, 7, 9, 11, 12, 13, 15 };
	struct lookup_rule_ctx	 ctx;
	const struct cfg_match	*m;
	struct cfg		*cfg;
	size_t			 i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = T_AUTH;
	ctx.src = "10.0.0.1";
	ctx.rdns = "mx.good.org";
	ctx.helo = "mx.example.org";
	ctx.auth_user = "alice";
	ctx.tag = "";
	ctx.sender = "alice@example.org";
	ctx.rcpt = "bob@example.org";
	for (i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
		cfg = t_load(confs[i]);
		ATF_CHECK_EQ_MSG(lookup_rule_match(cfg, &ctx, t_fail_lookup,
		    NULL, &m), -1, "conf %d", confs[i]);
		ATF_CHECK(m == NULL);
		cfg_free(cfg);
	}
}

ATF_TC_WITHOUT_HEAD(lookup_rule_loopback_addresses);
ATF_TC_BODY(lookup_rule_loopback_addresses, tc)
{
	static const struct {
		const char	*src;
		int		 want;
	} v[] = {
		{ "127.0.0.1", 1 }, { "127.255.255.255", 1 }, { "::1", 1 },
		{ "[::1]", 1 }, { "::ffff:127.0.0.2", 1 }, { "126.0.0.1", 0 },
		{ "::", 0 }, { "::2", 0 }, { "", 0 }, { "local", 0 },
		{ "127.0.0.1/8", 0 }, { "127.0.0.1\n", 0 },
		{ "127.0.0.1 ", 0 }, { "127.0.0.\xc3\xa9", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ATF_CHECK_EQ_MSG(lookup_rule_loopback(v[i].src), v[i].want,
		    "%s", v[i].src);
}

ATF_TC_WITHOUT_HEAD(lookup_rule_local_domain_names);
ATF_TC_BODY(lookup_rule_local_domain_names, tc)
{
	static const struct {
		const char	*addr;
		int		 want;
	} v[] = {
		{ "u@mx.test", 1 }, { "u@MX.TEST", 1 }, { "u@localhost", 1 },
		{ "u@localhost.localdomain", 1 }, { "u@[127.0.0.1]", 1 },
		{ "postmaster", 1 }, { "u@mx.test.", 0 }, { "u@x.mx.test", 0 },
		{ "u@[127.0.0.2]", 0 }, { "u@", 0 }, { "u@mx.tes", 0 },
		{ "a@mx.test@evil.org", 0 }, { "u@mx\ntest", 0 },
	};
	struct lookup_rule_ctx	ctx;
	size_t			i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.localnames = t_localnames;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ATF_CHECK_EQ_MSG(lookup_rule_local_domain(&ctx, v[i].addr),
		    v[i].want, "%s", v[i].addr);
}

/* t_auth_setup - a listener with a credentials and a senders table */
static struct cfg *
t_auth_setup(struct lookup_tables **lt)
{
	struct cfg	*cfg;
	char		 hash[PWHASH_HASH_MAX], err[1024];
	FILE		*f;

	ATF_REQUIRE(pwhash_hash("s3cret", hash, sizeof(hash)) == 0);
	ATF_REQUIRE((f = fopen("creds", "w")) != NULL);
	fprintf(f, "alice %s\nlocked *\nbroken $6$\n", hash);
	ATF_REQUIRE(fclose(f) == 0);
	ATF_REQUIRE((f = fopen("cert.pem", "w")) != NULL && fclose(f) == 0);
	ATF_REQUIRE((f = fopen("key.pem", "w")) != NULL && fclose(f) == 0);
	ATF_REQUIRE((f = fopen("smtpd.conf", "w")) != NULL);
	fprintf(f, "table creds file:creds\n"
	    "table snd { alice = \"alice@example.org, @alice.org\" }\n"
	    "pki p cert \"cert.pem\"\npki p key \"key.pem\"\n"
	    "listen on 127.0.0.1 tls pki p auth-optional <creds> "
	    "senders <snd>\n"
	    "listen on 127.0.0.1 port 26\n");
	ATF_REQUIRE(fclose(f) == 0);
	if ((cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err))) == NULL)
		atf_tc_fail("%s", err);
	if ((*lt = lookup_tables_open(cfg, err, sizeof(err))) == NULL)
		atf_tc_fail("%s", err);
	return cfg;
}

ATF_TC_WITHOUT_HEAD(lookup_auth_table_credentials);
ATF_TC_BODY(lookup_auth_table_credentials, tc)
{
	static const struct {
		const char	*user, *pass;
		int		 want;
	} v[] = {
		{ "alice", "s3cret", LOOKUP_AUTH_OK },
		{ "ALICE", "s3cret", LOOKUP_AUTH_OK },
		{ "alice", "s3cret ", LOOKUP_AUTH_REFUSED },
		{ "alice", "S3cret", LOOKUP_AUTH_REFUSED },
		{ "alice", "", LOOKUP_AUTH_REFUSED },
		{ "", "s3cret", LOOKUP_AUTH_REFUSED },
		{ "bob", "s3cret", LOOKUP_AUTH_REFUSED },
		{ "locked", "*", LOOKUP_AUTH_REFUSED },
		{ "broken", "$6$", LOOKUP_AUTH_REFUSED },
		{ "alice\n", "s3cret", LOOKUP_AUTH_REFUSED },
		{ "al\xc3\xaf" "ce", "s3cret", LOOKUP_AUTH_REFUSED },
	};
	struct lookup_tables	*lt;
	struct cfg		*cfg;
	size_t			 i;

	cfg = t_auth_setup(&lt);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ATF_CHECK_EQ_MSG(lookup_auth_table(lt, cfg_table_find(cfg,
		    "creds"), v[i].user, v[i].pass), v[i].want, "case %zu", i);
	lookup_tables_free(lt);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(lookup_auth_senders_table);
ATF_TC_BODY(lookup_auth_senders_table, tc)
{
	static const struct {
		int		 listener;
		const char	*user, *sender;
		int		 want;
	} v[] = {
		{ 0, "alice", "alice@example.org", 1 },
		{ 0, "alice", "Alice@Example.org", 1 },
		{ 0, "alice", "alice+tag@example.org", 1 },
		{ 0, "alice", "anything@alice.org", 1 },
		{ 0, "alice", "bob@example.org", 0 },
		{ 0, "alice", "", 0 },
		{ 0, "bob", "bob@example.org", 0 },
		{ 0, "", "bob@example.org", 1 },	/* not authenticated */
		{ 1, "alice", "bob@example.org", 1 },	/* no senders table */
	};
	const struct cfg_listener	*ls[2];
	struct lookup_tables		*lt;
	struct cfg			*cfg;
	size_t				 i;

	cfg = t_auth_setup(&lt);
	ls[0] = TAILQ_FIRST(&cfg->listeners);
	ls[1] = TAILQ_NEXT(ls[0], entry);
	ATF_REQUIRE(ls[1] != NULL);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ATF_CHECK_EQ_MSG(lookup_auth_senders(lt, ls[v[i].listener],
		    v[i].user, v[i].sender), v[i].want, "case %zu", i);
	lookup_tables_free(lt);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(lookup_tables_reload_named);
ATF_TC_BODY(lookup_tables_reload_named, tc)
{
	struct lookup_tables	*lt;
	struct cfg		*cfg;
	char			 err[512];
	FILE			*f;

	cfg = t_auth_setup(&lt);
	ATF_CHECK_EQ(lookup_auth_table(lt, cfg_table_find(cfg, "creds"),
	    "carol", "pw"), LOOKUP_AUTH_REFUSED);
	ATF_REQUIRE((f = fopen("creds", "a")) != NULL);
	fprintf(f, "carol $6$rounds=5000$abcdefgh$x\n");
	ATF_REQUIRE(fclose(f) == 0);
	ATF_CHECK_EQ(lookup_tables_reload(lt, "creds", err, sizeof(err)), 0);
	ATF_CHECK_EQ(lookup_auth_table(lt, cfg_table_find(cfg, "creds"),
	    "alice", "s3cret"), LOOKUP_AUTH_OK);
	ATF_CHECK_EQ(lookup_tables_reload(lt, "nosuch", err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "nosuch") != NULL);
	ATF_REQUIRE(unlink("creds") == 0);
	ATF_CHECK_EQ(lookup_tables_reload(lt, "creds", err, sizeof(err)), -1);
	ATF_CHECK_EQ(lookup_auth_table(lt, cfg_table_find(cfg, "creds"),
	    "alice", "s3cret"), LOOKUP_AUTH_OK);	/* old contents kept */
	lookup_tables_free(lt);
	cfg_free(cfg);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_auth_table_credentials);
	ATF_TP_ADD_TC(tp, lookup_auth_senders_table);
	ATF_TP_ADD_TC(tp, lookup_tables_reload_named);
	ATF_TP_ADD_TC(tp, lookup_rule_match_table);
	ATF_TP_ADD_TC(tp, lookup_rule_match_table_error);
	ATF_TP_ADD_TC(tp, lookup_rule_loopback_addresses);
	ATF_TP_ADD_TC(tp, lookup_rule_local_domain_names);
	return atf_no_error();
}
