/*
 * t_table.c - table(5) tables: backends, file format, every lookup kind,
 * reload, and Berkeley DB files built by makemap read back by table_db.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "table.h"
#include "file_harness.h"

/* open_file_table - a file: table over data, opened */
static struct table *
open_file_table(const char *data, char *err, size_t errsz, int *r)
{
	struct table	*t;

	file_harness_write("t.txt", data, strlen(data));
	t = table_create("t", "file", "t.txt", err, errsz);
	ATF_REQUIRE(t != NULL);
	*r = table_open(t, err, errsz);
	return t;
}

/* inline_list - an opened inline list of the given entries */
static struct table *
inline_list(const char *const *entries)
{
	struct table	*t;
	char		 err[256];

	t = table_create("l", "inline", NULL, err, sizeof(err));
	ATF_REQUIRE(t != NULL);
	for (; *entries != NULL; entries++)
		ATF_REQUIRE_EQ(table_add(t, *entries, NULL), 0);
	ATF_REQUIRE_EQ(table_open(t, err, sizeof(err)), 0);
	return t;
}

ATF_TC_WITHOUT_HEAD(table_netaddr_parse_cases);
ATF_TC_BODY(table_netaddr_parse_cases, tc)
{
	static const struct {
		const char	*in;
		int		 r, family;
		unsigned int	 bits;
	} cases[] = {
		{ "192.168.0.0/16",	0, AF_INET, 16 },
		{ "10.0.0.1",		0, AF_INET, 32 },
		{ "0.0.0.0/0",		0, AF_INET, 0 },
		{ "10.0.0.1/32",	0, AF_INET, 32 },
		{ "10.0.0.1/33",	-1, 0, 0 },
		{ "::1",		0, AF_INET6, 128 },
		{ "[::1]",		0, AF_INET6, 128 },
		{ "[2001:db8::]/32",	0, AF_INET6, 32 },
		{ "::/0",		0, AF_INET6, 0 },
		{ "::1/128",		0, AF_INET6, 128 },
		{ "::1/129",		-1, 0, 0 },
		{ "::ffff:10.1.2.3",	0, AF_INET, 32 },
		{ "10.0.0.0/",		-1, 0, 0 },
		{ "10.0.0.0/-1",	-1, 0, 0 },
		{ "10.0.0.0/1a",	-1, 0, 0 },
		{ "10.0.0.0/0032",	-1, 0, 0 },
		{ "10.0.0",		-1, 0, 0 },
		{ "[::1",		-1, 0, 0 },
		{ "[10.0.0.1]",		-1, 0, 0 },
		{ "",			-1, 0, 0 },
		{ "host.example.org",	-1, 0, 0 },
		{ "10.0.0.1 ",		-1, 0, 0 },
		{ "10.0.0.\xe9",	-1, 0, 0 },
	};
	struct table_netaddr	na;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ATF_CHECK_EQ_MSG(table_netaddr_parse(cases[i].in, &na),
		    cases[i].r, "%s", cases[i].in);
		if (cases[i].r == 0) {
			ATF_CHECK_EQ_MSG(na.family, cases[i].family, "%s",
			    cases[i].in);
			ATF_CHECK_EQ_MSG(na.bits, cases[i].bits, "%s",
			    cases[i].in);
		}
	}
}

ATF_TC_WITHOUT_HEAD(table_match_netaddr_boundaries);
ATF_TC_BODY(table_match_netaddr_boundaries, tc)
{
	static const char *const v4[] = { "192.168.0.0/16", "10.0.0.1",
	    "172.16.0.0/12", NULL };
	static const char *const v6[] = { "[2001:db8::]/32", "::1", NULL };
	static const char *const all[] = { "0.0.0.0/0", "::/0", NULL };
	static const struct {
		int		 set;
		const char	*key;
		int		 r;
	} cases[] = {
		{ 0, "192.168.0.0", 1 },	{ 0, "192.168.255.255", 1 },
		{ 0, "192.167.255.255", 0 },	{ 0, "192.169.0.0", 0 },
		{ 0, "10.0.0.1", 1 },		{ 0, "10.0.0.2", 0 },
		{ 0, "172.31.255.255", 1 },	{ 0, "172.32.0.0", 0 },
		{ 0, "::ffff:192.168.1.1", 1 },	{ 0, "::1", 0 },
		{ 0, "192.168.0.0/16", -1 },	{ 0, "not-an-address", -1 },
		{ 1, "2001:db8::", 1 },
		{ 1, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ 1, "2001:db9::", 0 },		{ 1, "2001:db7:ffff::", 0 },
		{ 1, "::1", 1 },		{ 1, "[::1]", 1 },
		{ 1, "::2", 0 },		{ 1, "127.0.0.1", 0 },
		{ 2, "255.255.255.255", 1 },	{ 2, "ffff::1", 1 },
	};
	struct table	*t[3];
	size_t		 i;

	t[0] = inline_list(v4);
	t[1] = inline_list(v6);
	t[2] = inline_list(all);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ATF_CHECK_EQ_MSG(table_match(t[cases[i].set], TABLE_K_NETADDR,
		    cases[i].key), cases[i].r, "%s", cases[i].key);
	for (i = 0; i < 3; i++)
		table_free(t[i]);
}

ATF_TC_WITHOUT_HEAD(table_match_netaddr_malformed_entry);
ATF_TC_BODY(table_match_netaddr_malformed_entry, tc)
{
	static const char *const bad[] = { "10.0.0.0/33", "a.example.org",
	    "10.0.0.9", NULL };
	struct table	*t;

	/* entries that are not addresses never match, the others still do */
	t = inline_list(bad);
	ATF_CHECK_EQ(table_match(t, TABLE_K_NETADDR, "10.0.0.1"), 0);
	ATF_CHECK_EQ(table_match(t, TABLE_K_NETADDR, "10.0.0.9"), 1);
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_match_domain_wildcard);
ATF_TC_BODY(table_match_domain_wildcard, tc)
{
	static const char *const doms[] = { "*.example.org", "Example.NET",
	    NULL };
	static const struct {
		const char	*key;
		int		 r;
	} cases[] = {
		{ "a.example.org", 1 },		{ "a.b.example.org", 1 },
		{ "A.B.EXAMPLE.ORG", 1 },	{ "example.org", 0 },
		{ "xexample.org", 0 },		{ "example.net", 1 },
		{ "a.example.net", 0 },		{ "org", 0 },
		{ "", 0 },
	};
	struct table	*t;
	size_t		 i;

	t = inline_list(doms);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ATF_CHECK_EQ_MSG(table_match(t, TABLE_K_DOMAIN, cases[i].key),
		    cases[i].r, "%s", cases[i].key);
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_domain_match_cases);
ATF_TC_BODY(table_domain_match_cases, tc)
{
	ATF_CHECK_EQ(table_domain_match("*.example.org", "a.example.org"), 1);
	ATF_CHECK_EQ(table_domain_match("*.example.org", "example.org"), 0);
	ATF_CHECK_EQ(table_domain_match("*.example.org", ".example.org"), 0);
	ATF_CHECK_EQ(table_domain_match("example.org", "EXAMPLE.org"), 1);
	ATF_CHECK_EQ(table_domain_match("*.", "a."), 0);
}

ATF_TC_WITHOUT_HEAD(table_match_mailaddr_forms);
ATF_TC_BODY(table_match_mailaddr_forms, tc)
{
	static const char *const pats[] = { "alice@example.org",
	    "@example.net", "postmaster", NULL };
	static const struct {
		const char	*key;
		int		 r;
	} cases[] = {
		{ "alice@example.org", 1 },	{ "Alice@Example.ORG", 1 },
		{ "alice+tag@example.org", 1 },	{ "bob@example.org", 0 },
		{ "alice@example.com", 0 },	{ "anyone@example.net", 1 },
		{ "anyone@sub.example.net", 0 }, { "postmaster@any.where", 1 },
		{ "postmaster", 1 },		{ "alice", 0 },
	};
	struct table	*t;
	size_t		 i;

	t = inline_list(pats);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ATF_CHECK_EQ_MSG(table_match(t, TABLE_K_MAILADDR, cases[i].key),
		    cases[i].r, "%s", cases[i].key);
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_mailaddr_parse_cases);
ATF_TC_BODY(table_mailaddr_parse_cases, tc)
{
	struct table_mailaddr	ma;

	ATF_CHECK_EQ(table_mailaddr_parse("u@d.org", &ma), 0);
	ATF_CHECK_STREQ(ma.user, "u");
	ATF_CHECK_STREQ(ma.domain, "d.org");
	ATF_CHECK_EQ(table_mailaddr_parse("@d.org", &ma), 0);
	ATF_CHECK_STREQ(ma.user, "");
	ATF_CHECK_EQ(table_mailaddr_parse("u", &ma), 0);
	ATF_CHECK_STREQ(ma.domain, "");
	ATF_CHECK_EQ(table_mailaddr_parse("u@", &ma), -1);
	ATF_CHECK_EQ(table_mailaddr_parse("", &ma), -1);
	ATF_CHECK_EQ(table_mailaddr_parse("a b@c", &ma), -1);
	ATF_CHECK_EQ(table_mailaddr_parse("<a@c>", &ma), -1);
}

ATF_TC_WITHOUT_HEAD(table_userinfo_parse_cases);
ATF_TC_BODY(table_userinfo_parse_cases, tc)
{
	static const struct {
		const char	*in;
		int		 r;
	} cases[] = {
		{ "1000:100:/home/alice", 0 },	{ "0:0:/root", 0 },
		{ "4294967294:1:/x", 0 },	{ "4294967295:1:/x", -1 },
		{ "-1:100:/home/a", -1 },	{ "abc:100:/home/a", -1 },
		{ "1000:1x:/home/a", -1 },	{ ":100:/home/a", -1 },
		{ "1000:100:home/a", -1 },	{ "1000:100", -1 },
		{ "1000:100:", -1 },		{ "", -1 },
		{ "99999999999:1:/x", -1 },
	};
	struct table_userinfo	ui;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ATF_CHECK_EQ_MSG(table_userinfo_parse(cases[i].in, &ui),
		    cases[i].r, "%s", cases[i].in);
	ATF_REQUIRE_EQ(table_userinfo_parse("1000:100:/home/alice", &ui), 0);
	ATF_CHECK_EQ(ui.uid, 1000);
	ATF_CHECK_EQ(ui.gid, 100);
	ATF_CHECK_STREQ(ui.directory, "/home/alice");
}

ATF_TC_WITHOUT_HEAD(table_lookup_credentials);
ATF_TC_BODY(table_lookup_credentials, tc)
{
	union table_result	*res;
	struct table		*t;
	char			 err[256];

	res = malloc(sizeof(*res));
	ATF_REQUIRE(res != NULL);
	t = table_create("c", "inline", NULL, err, sizeof(err));
	ATF_REQUIRE(t != NULL);
	ATF_REQUIRE_EQ(table_add(t, "Alice", "$6$salt$hash"), 0);
	ATF_REQUIRE_EQ(table_add(t, "relay1", "bob:s3cr:et"), 0);
	ATF_REQUIRE_EQ(table_add(t, "bad1", ":nouser"), 0);
	ATF_REQUIRE_EQ(table_add(t, "bad2", "nopass:"), 0);
	ATF_REQUIRE_EQ(table_open(t, err, sizeof(err)), 0);
	ATF_CHECK_EQ(table_add(t, "late", "x"), -1);
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_CREDENTIALS, "alice", res), 1);
	ATF_CHECK_STREQ(res->creds.username, "alice");
	ATF_CHECK_STREQ(res->creds.password, "$6$salt$hash");
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_CREDENTIALS, "RELAY1", res), 1);
	ATF_CHECK_STREQ(res->creds.username, "bob");
	ATF_CHECK_STREQ(res->creds.password, "s3cr:et");
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_CREDENTIALS, "bad1", res), -1);
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_CREDENTIALS, "bad2", res), -1);
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_CREDENTIALS, "carol", res), 0);
	table_free(t);
	free(res);
}

ATF_TC_WITHOUT_HEAD(table_lookup_userinfo_kind);
ATF_TC_BODY(table_lookup_userinfo_kind, tc)
{
	union table_result	*res;
	struct table		*t;
	char			 err[256];
	int			 r;

	res = malloc(sizeof(*res));
	ATF_REQUIRE(res != NULL);
	t = open_file_table("alice 1000:100:/home/alice\n"
	    "bob x:100:/home/bob\n", err, sizeof(err), &r);
	ATF_REQUIRE_EQ_MSG(r, 0, "%s", err);
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_USERINFO, "alice", res), 1);
	ATF_CHECK_EQ(res->userinfo.uid, 1000);
	ATF_CHECK_STREQ(res->userinfo.directory, "/home/alice");
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_USERINFO, "bob", res), -1);
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_USERINFO, "carol", res), 0);
	table_free(t);
	free(res);
}

ATF_TC_WITHOUT_HEAD(table_mailaddrmap_check_senders);
ATF_TC_BODY(table_mailaddrmap_check_senders, tc)
{
	struct table	*t;
	char		 err[256];
	int		 r;

	t = open_file_table("alice alice@example.org, @example.net\n"
	    "bob bob\n" "eve bad@@, x\n", err, sizeof(err), &r);
	ATF_REQUIRE_EQ_MSG(r, 0, "%s", err);
	ATF_CHECK_EQ(table_mailaddrmap_check(t, "alice", "alice@example.org"),
	    1);
	ATF_CHECK_EQ(table_mailaddrmap_check(t, "alice", "x@example.net"), 1);
	ATF_CHECK_EQ(table_mailaddrmap_check(t, "alice", "bob@example.org"),
	    0);
	ATF_CHECK_EQ(table_mailaddrmap_check(t, "bob", "bob@anywhere.org"), 1);
	ATF_CHECK_EQ(table_mailaddrmap_check(t, "carol", "carol@x.org"), 0);
	ATF_CHECK_EQ(table_mailaddrmap_check(t, "eve", "x@y.org"), -1);
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_fetch_round_robin);
ATF_TC_BODY(table_fetch_round_robin, tc)
{
	static const char *const src[] = { "10.0.0.1", "10.0.0.2", NULL };
	union table_result	*res;
	struct table		*t;
	size_t			 cursor = 0;
	char			 seen[3][64];
	int			 i;

	res = malloc(sizeof(*res));
	ATF_REQUIRE(res != NULL);
	t = inline_list(src);
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(table_fetch(t, TABLE_K_SOURCE, &cursor, res), 1);
		ATF_REQUIRE_EQ(res->netaddr.family, AF_INET);
		snprintf(seen[i], sizeof(seen[i]), "%u",
		    (unsigned int)res->netaddr.addr[3]);
	}
	ATF_CHECK_STREQ(seen[0], "1");
	ATF_CHECK_STREQ(seen[1], "2");
	ATF_CHECK_STREQ(seen[2], "1");
	table_free(t);
	free(res);
}

ATF_TC_WITHOUT_HEAD(table_file_map_and_list);
ATF_TC_BODY(table_file_map_and_list, tc)
{
	union table_result	*res;
	struct table		*t;
	char			 err[256];
	int			 r;

	res = malloc(sizeof(*res));
	ATF_REQUIRE(res != NULL);
	t = open_file_table("# comment\n\n  # indented comment\n"
	    "Root: bob, alice\r\n" "relay\tsmtp+tls://mx.example.org:587\n"
	    "long first,\n    second\n" "utf8 caf\xc3\xa9\n" "last value",
	    err, sizeof(err), &r);
	ATF_REQUIRE_EQ_MSG(r, 0, "%s", err);
	ATF_CHECK_EQ(table_type(t), TABLE_T_MAP);
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_STRING, "ROOT", res), 1);
	ATF_CHECK_STREQ(res->string, "bob, alice");
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_RELAYHOST, "relay", res), 1);
	ATF_CHECK_STREQ(res->string, "smtp+tls://mx.example.org:587");
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_STRING, "long", res), 1);
	ATF_CHECK_STREQ(res->string, "first, second");
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_STRING, "utf8", res), 1);
	ATF_CHECK_STREQ(res->string, "caf\xc3\xa9");
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_STRING, "last", res), 1);
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_STRING, "comment", res), 0);
	table_free(t);

	t = open_file_table("a.example.org\n  b.example.org\n# x\n::1\n",
	    err, sizeof(err), &r);
	ATF_REQUIRE_EQ_MSG(r, 0, "%s", err);
	ATF_CHECK_EQ(table_type(t), TABLE_T_LIST);
	ATF_CHECK_EQ(table_match(t, TABLE_K_STRING, "b.example.org"), 1);
	ATF_CHECK_EQ(table_match(t, TABLE_K_NETADDR, "::1"), 1);
	ATF_CHECK_EQ(table_match(t, TABLE_K_NETADDR, "::2"), 0);
	ATF_CHECK_EQ(table_match(t, TABLE_K_DOMAIN, "a.example.org"), 1);
	table_free(t);
	free(res);
}

ATF_TC_WITHOUT_HEAD(table_file_parse_malformed);
ATF_TC_BODY(table_file_parse_malformed, tc)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*err;
	} cases[] = {
		{ "a b\nc\n", 6, "f:2: mixed list and map entries" },
		{ "a\nc d\n", 6, "f:2: mixed list and map entries" },
		{ "a b\na c\n", 8, "f:2: duplicate key \"a\"" },
		{ "a b\nA c\n", 8, "f:2: duplicate key \"a\"" },
		{ "a b\nc\0d\n", 8, "f:2: NUL byte in line" },
		{ "a b\nc\rd\n", 8, "f:2: control character in line" },
		{ "a\n b\n", 5, NULL },
		{ " b\n", 3, NULL },
		{ "\n\na b\x1b\n", 7, "f:3: control character in line" },
	};
	struct table_inline	*ti;
	char			 err[256];
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ti = table_inline_new();
		err[0] = '\0';
		r = table_file_parse(cases[i].in, cases[i].len, "f",
		    TABLE_T_NONE, ti, err, sizeof(err));
		ATF_CHECK_EQ_MSG(r, cases[i].err == NULL ? 0 : -1,
		    "case %zu: %s", i, err);
		if (cases[i].err != NULL)
			ATF_CHECK_STREQ_MSG(err, cases[i].err, "case %zu", i);
		table_inline_free(ti);
	}
}

/* parse_line - parse one line built as prefix + n times c + suffix */
static int
parse_line(const char *prefix, int c, size_t n, const char *suffix,
    enum table_type expect, char *err, size_t errsz)
{
	struct table_inline	*ti;
	char			*buf;
	size_t			 plen = strlen(prefix), slen = strlen(suffix);
	int			 r;

	buf = malloc(plen + n + slen + 1);
	ATF_REQUIRE(buf != NULL);
	memcpy(buf, prefix, plen);
	memset(buf + plen, c, n);
	memcpy(buf + plen + n, suffix, slen);
	ti = table_inline_new();
	r = table_file_parse(buf, plen + n + slen, "f", expect, ti, err, errsz);
	table_inline_free(ti);
	free(buf);
	return r;
}

ATF_TC_WITHOUT_HEAD(table_file_parse_limits);
ATF_TC_BODY(table_file_parse_limits, tc)
{
	char	err[256];

	ATF_CHECK_EQ(parse_line("", 'k', TABLE_KEY_MAX - 1, "\n",
	    TABLE_T_NONE, err, sizeof(err)), 0);
	ATF_CHECK_EQ(parse_line("", 'k', TABLE_KEY_MAX, "\n",
	    TABLE_T_NONE, err, sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "f:1: key too long");
	ATF_CHECK_EQ(parse_line("k ", 'v', TABLE_VALUE_MAX - 1, "\n",
	    TABLE_T_NONE, err, sizeof(err)), 0);
	ATF_CHECK_EQ(parse_line("k ", 'v', TABLE_VALUE_MAX, "\n",
	    TABLE_T_NONE, err, sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "f:1: value too long");
	ATF_CHECK_EQ(parse_line("k", ' ', TABLE_LINE_MAX - 2, "\n",
	    TABLE_T_NONE, err, sizeof(err)), 0);
	ATF_CHECK_EQ(parse_line("k", ' ', TABLE_LINE_MAX - 1, "\n",
	    TABLE_T_NONE, err, sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "f:1: line too long");
	ATF_CHECK_EQ(parse_line("k v", ' ', 0, "\n", TABLE_T_LIST, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "f:1: list entries take no value");
	ATF_CHECK_EQ(parse_line("k", ' ', 0, "\n", TABLE_T_MAP, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "f:1: missing value");
}

ATF_TC_WITHOUT_HEAD(table_open_missing_file);
ATF_TC_BODY(table_open_missing_file, tc)
{
	struct table	*t;
	char		 err[256];

	t = table_create("m", "file", "nonexistent", err, sizeof(err));
	ATF_REQUIRE(t != NULL);
	ATF_CHECK_EQ(table_open(t, err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "nonexistent") != NULL);
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_STRING, "x", NULL), -1);
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_create_invalid);
ATF_TC_BODY(table_create_invalid, tc)
{
	char	name[NAME_MAX_CFG + 1], err[256];
	struct table	*t;

	ATF_CHECK(table_create("x", "ldap", "p", err, sizeof(err)) == NULL);
	ATF_CHECK_STREQ(err, "table x: unknown backend \"ldap\"");
	ATF_CHECK(table_create("x", "file", NULL, err, sizeof(err)) == NULL);
	ATF_CHECK(table_create("x", "inline", "p", err, sizeof(err)) == NULL);
	ATF_CHECK(table_create("", "inline", NULL, err, sizeof(err)) == NULL);
	memset(name, 'n', sizeof(name));
	name[NAME_MAX_CFG] = '\0';
	ATF_CHECK(table_create(name, "inline", NULL, err, sizeof(err)) == NULL);
	name[NAME_MAX_CFG - 1] = '\0';
	t = table_create(name, "inline", NULL, err, sizeof(err));
	ATF_REQUIRE(t != NULL);
	ATF_CHECK_STREQ(table_name(t), name);
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_add_inline_rules);
ATF_TC_BODY(table_add_inline_rules, tc)
{
	union table_result	*res;
	struct table		*t;
	char			 err[256];

	res = malloc(sizeof(*res));
	ATF_REQUIRE(res != NULL);
	t = table_create("i", "inline", NULL, err, sizeof(err));
	ATF_REQUIRE(t != NULL);
	ATF_CHECK_EQ(table_add(t, "K1", "Value One"), 0);
	ATF_CHECK_EQ(table_add(t, "k2", "v2"), 0);
	ATF_CHECK_EQ(table_add(t, "k1", "again"), -1);
	ATF_CHECK_EQ(table_add(t, "k3", NULL), -1);
	ATF_CHECK_EQ(table_add(t, "", "v"), -1);
	ATF_CHECK_EQ(table_add(t, "k4", ""), -1);
	ATF_CHECK_EQ(table_add(t, "k\n5", "v"), -1);
	ATF_REQUIRE_EQ(table_open(t, err, sizeof(err)), 0);
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_STRING, "k1", res), 1);
	ATF_CHECK_STREQ(res->string, "Value One");
	ATF_CHECK_EQ(table_type(t), TABLE_T_MAP);
	table_free(t);
	free(res);
}

ATF_TC_WITHOUT_HEAD(table_reload_keeps_old_on_failure);
ATF_TC_BODY(table_reload_keeps_old_on_failure, tc)
{
	union table_result	*res;
	struct table		*t;
	char			 err[256];
	int			 r;

	res = malloc(sizeof(*res));
	ATF_REQUIRE(res != NULL);
	t = open_file_table("k old\n", err, sizeof(err), &r);
	ATF_REQUIRE_EQ(r, 0);
	file_harness_write("t.txt", "k new\nbroken\n", 13);
	ATF_CHECK_EQ(table_reload(t, err, sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "table t: t.txt:2: mixed list and map entries");
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_STRING, "k", res), 1);
	ATF_CHECK_STREQ(res->string, "old");
	unlink("t.txt");
	ATF_CHECK_EQ(table_reload(t, err, sizeof(err)), -1);
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_STRING, "k", res), 1);
	file_harness_write("t.txt", "k new\n", 6);
	ATF_CHECK_EQ(table_reload(t, err, sizeof(err)), 0);
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_STRING, "k", res), 1);
	ATF_CHECK_STREQ(res->string, "new");
	table_free(t);
	free(res);
}

ATF_TC_WITHOUT_HEAD(table_db_round_trip);
ATF_TC_BODY(table_db_round_trip, tc)
{
	union table_result	*res;
	struct table		*t;
	char			 err[256];
	const char		*map = "Alice 1000:100:/home/alice\n"
				    "relay smtp://mx.example.org\n";

	res = malloc(sizeof(*res));
	ATF_REQUIRE(res != NULL);
	file_harness_write("map", map, strlen(map));
	ATF_REQUIRE_EQ_MSG(makemap_build("map", NULL, MAKEMAP_SRC_MAP, err,
	    sizeof(err)), 0, "%s", err);
	t = table_create("d", "db", "map.db", err, sizeof(err));
	ATF_REQUIRE(t != NULL);
	ATF_REQUIRE_EQ_MSG(table_open(t, err, sizeof(err)), 0, "%s", err);
	ATF_CHECK_EQ(table_type(t), TABLE_T_MAP);
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_USERINFO, "ALICE", res), 1);
	ATF_CHECK_EQ(res->userinfo.uid, 1000);
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_STRING, "relay", res), 1);
	ATF_CHECK_STREQ(res->string, "smtp://mx.example.org");
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_STRING, "nobody", res), 0);
	table_free(t);
	free(res);
}

ATF_TC_WITHOUT_HEAD(table_db_set_and_aliases);
ATF_TC_BODY(table_db_set_and_aliases, tc)
{
	union table_result	*res;
	struct table		*t;
	char			 err[256];
	const char		*set = "*.example.org\n10.0.0.0/8\n";
	const char		*al = "Root: bob,\n  \"|/bin/cat a,b\"\n";

	res = malloc(sizeof(*res));
	ATF_REQUIRE(res != NULL);
	file_harness_write("set", set, strlen(set));
	ATF_REQUIRE_EQ_MSG(makemap_build("set", "out.db", MAKEMAP_SRC_SET,
	    err, sizeof(err)), 0, "%s", err);
	t = table_create("s", "db", "out.db", err, sizeof(err));
	ATF_REQUIRE(t != NULL && table_open(t, err, sizeof(err)) == 0);
	ATF_CHECK_EQ(table_type(t), TABLE_T_LIST);
	ATF_CHECK_EQ(table_match(t, TABLE_K_DOMAIN, "a.b.example.org"), 1);
	ATF_CHECK_EQ(table_match(t, TABLE_K_DOMAIN, "example.org"), 0);
	ATF_CHECK_EQ(table_match(t, TABLE_K_NETADDR, "10.255.0.1"), 1);
	table_free(t);

	file_harness_write("aliases", al, strlen(al));
	ATF_REQUIRE_EQ_MSG(makemap_build("aliases", NULL,
	    MAKEMAP_SRC_ALIASES, err, sizeof(err)), 0, "%s", err);
	t = table_create("a", "db", "aliases.db", err, sizeof(err));
	ATF_REQUIRE(t != NULL && table_open(t, err, sizeof(err)) == 0);
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_ALIAS, "root", res), 1);
	ATF_CHECK_STREQ(res->string, "bob, \"|/bin/cat a,b\"");
	table_free(t);
	free(res);
}

ATF_TC_WITHOUT_HEAD(makemap_build_refuses_malformed);
ATF_TC_BODY(makemap_build_refuses_malformed, tc)
{
	char	err[256];

	file_harness_write("bad", "a b\nc\n", 6);
	ATF_CHECK_EQ(makemap_build("bad", NULL, MAKEMAP_SRC_MAP, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "bad:2: mixed list and map entries");
	ATF_CHECK_EQ(access("bad.db", F_OK), -1);
	file_harness_write("set", "a b\n", 4);
	ATF_CHECK_EQ(makemap_build("set", NULL, MAKEMAP_SRC_SET, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "set:1: list entries take no value");
	file_harness_write("al", "root bob\n", 9);
	ATF_CHECK_EQ(makemap_build("al", NULL, MAKEMAP_SRC_ALIASES, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "al:1: missing ':' after name");
	ATF_CHECK_EQ(makemap_build("missing", NULL, MAKEMAP_SRC_MAP, err,
	    sizeof(err)), -1);
}

ATF_TC_WITHOUT_HEAD(makemap_run_exit_codes);
ATF_TC_BODY(makemap_run_exit_codes, tc)
{
	char	*ok[] = { "makemap", "-o", "x.db", "good", NULL };
	char	*bad[] = { "makemap", "bad", NULL };
	char	*usage[] = { "makemap", "-t", "hash", "good", NULL };
	char	*none[] = { "makemap", NULL };
	char	*missing[] = { "makemap", "missing", NULL };

	file_harness_write("good", "k v\n", 4);
	file_harness_write("bad", "k v\nk w\n", 8);
	ATF_CHECK_EQ(makemap_run(4, ok), 0);
	ATF_CHECK_EQ(access("x.db", R_OK), 0);
	ATF_CHECK_EQ(makemap_run(2, bad), 1);
	ATF_CHECK_EQ(makemap_run(4, usage), 64);
	ATF_CHECK_EQ(makemap_run(1, none), 64);
	ATF_CHECK_EQ(makemap_run(2, missing), 66);
}

ATF_TC_WITHOUT_HEAD(table_db_open_not_a_db);
ATF_TC_BODY(table_db_open_not_a_db, tc)
{
	struct table	*t;
	char		 err[256];

	file_harness_write("junk.db", "not a database at all\n", 22);
	t = table_create("j", "db", "junk.db", err, sizeof(err));
	ATF_REQUIRE(t != NULL);
	ATF_CHECK_EQ(table_open(t, err, sizeof(err)), -1);
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_lookup_alias_file);
ATF_TC_BODY(table_lookup_alias_file, tc)
{
	union table_result	*res;
	struct table		*t;
	char			 err[256];
	int			 r;

	res = malloc(sizeof(*res));
	ATF_REQUIRE(res != NULL);
	t = open_file_table("MAILER-DAEMON: postmaster\n"
	    "root: alice,\n\tbob@example.org\n"
	    "bugs: \"|/bin/tracker a,b\"\n" "broken: a,,b\n",
	    err, sizeof(err), &r);
	ATF_REQUIRE_EQ_MSG(r, 0, "%s", err);
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_ALIAS, "mailer-daemon", res), 1);
	ATF_CHECK_STREQ(res->string, "postmaster");
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_ALIAS, "root", res), 1);
	ATF_CHECK_STREQ(res->string, "alice, bob@example.org");
	ATF_REQUIRE_EQ(table_lookup(t, TABLE_K_ALIAS, "bugs", res), 1);
	ATF_CHECK_STREQ(res->string, "\"|/bin/tracker a,b\"");
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_ALIAS, "broken", res), -1);
	ATF_CHECK_EQ(table_lookup(t, TABLE_K_STRING, "broken", res), 1);
	table_free(t);
	free(res);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, table_lookup_alias_file);
	ATF_TP_ADD_TC(tp, table_netaddr_parse_cases);
	ATF_TP_ADD_TC(tp, table_match_netaddr_boundaries);
	ATF_TP_ADD_TC(tp, table_match_netaddr_malformed_entry);
	ATF_TP_ADD_TC(tp, table_match_domain_wildcard);
	ATF_TP_ADD_TC(tp, table_domain_match_cases);
	ATF_TP_ADD_TC(tp, table_match_mailaddr_forms);
	ATF_TP_ADD_TC(tp, table_mailaddr_parse_cases);
	ATF_TP_ADD_TC(tp, table_userinfo_parse_cases);
	ATF_TP_ADD_TC(tp, table_lookup_credentials);
	ATF_TP_ADD_TC(tp, table_lookup_userinfo_kind);
	ATF_TP_ADD_TC(tp, table_mailaddrmap_check_senders);
	ATF_TP_ADD_TC(tp, table_fetch_round_robin);
	ATF_TP_ADD_TC(tp, table_file_map_and_list);
	ATF_TP_ADD_TC(tp, table_file_parse_malformed);
	ATF_TP_ADD_TC(tp, table_file_parse_limits);
	ATF_TP_ADD_TC(tp, table_open_missing_file);
	ATF_TP_ADD_TC(tp, table_create_invalid);
	ATF_TP_ADD_TC(tp, table_add_inline_rules);
	ATF_TP_ADD_TC(tp, table_reload_keeps_old_on_failure);
	ATF_TP_ADD_TC(tp, table_db_round_trip);
	ATF_TP_ADD_TC(tp, table_db_set_and_aliases);
	ATF_TP_ADD_TC(tp, makemap_build_refuses_malformed);
	ATF_TP_ADD_TC(tp, makemap_run_exit_codes);
	ATF_TP_ADD_TC(tp, table_db_open_not_a_db);
	return atf_no_error();
}
