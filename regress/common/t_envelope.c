/*
 * t_envelope.c - envelope IDs and records: round trips, limits, and
 * malformed records the loader must refuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "envelope.h"

/* t_sample - a fully populated envelope */
static void
t_sample(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
	e->evpid = 0x5a1c93e0deadbeefULL;
	strlcpy(e->sender, "alice@example.org", sizeof(e->sender));
	strlcpy(e->rcpt, "Bob+tag@Example.NET", sizeof(e->rcpt));
	strlcpy(e->orig_rcpt, "rfc822;bob@example.net", sizeof(e->orig_rcpt));
	strlcpy(e->dest, "bob@example.net", sizeof(e->dest));
	strlcpy(e->dispatcher, "local_mail", sizeof(e->dispatcher));
	strlcpy(e->tag, "from-lan", sizeof(e->tag));
	strlcpy(e->helo, "client.example.org", sizeof(e->helo));
	strlcpy(e->client, "[IPv6:2001:db8::1]", sizeof(e->client));
	strlcpy(e->hostname, "mx.example.net", sizeof(e->hostname));
	strlcpy(e->envid, "QQ314159", sizeof(e->envid));
	strlcpy(e->errmsg, "451 4.7.1 try\tlater \\ \"please\"\r\n",
	    sizeof(e->errmsg));
	e->flags = ENVELOPE_F_AUTH | ENVELOPE_F_TLS | ENVELOPE_F_SMTPUTF8;
	e->dsn_notify = ENVELOPE_DSN_SUCCESS | ENVELOPE_DSN_DELAY;
	e->dsn_ret = ENVELOPE_RET_HDRS;
	e->state = ENVELOPE_ST_INFLIGHT;
	e->ctime = 1700000000;
	e->ttl = 4 * 86400;
	e->lasttry = 1700000100;
	e->nexttry = 1700000900;
	e->retry = 3;
	e->warn = 1;
}

/* t_equal - field by field comparison (bytes after a NUL do not count) */
static int
t_equal(const struct envelope *a, const struct envelope *b)
{
	return a->evpid == b->evpid && strcmp(a->sender, b->sender) == 0 &&
	    strcmp(a->rcpt, b->rcpt) == 0 &&
	    strcmp(a->orig_rcpt, b->orig_rcpt) == 0 &&
	    strcmp(a->dest, b->dest) == 0 &&
	    strcmp(a->dispatcher, b->dispatcher) == 0 &&
	    strcmp(a->user, b->user) == 0 && a->dest_type == b->dest_type &&
	    a->origin == b->origin &&
	    strcmp(a->tag, b->tag) == 0 && strcmp(a->helo, b->helo) == 0 &&
	    strcmp(a->client, b->client) == 0 &&
	    strcmp(a->hostname, b->hostname) == 0 &&
	    strcmp(a->envid, b->envid) == 0 &&
	    strcmp(a->errmsg, b->errmsg) == 0 && a->flags == b->flags &&
	    a->dsn_notify == b->dsn_notify && a->dsn_ret == b->dsn_ret &&
	    a->state == b->state && a->ctime == b->ctime &&
	    a->ttl == b->ttl && a->lasttry == b->lasttry &&
	    a->nexttry == b->nexttry && a->retry == b->retry &&
	    a->warn == b->warn;
}

/* t_roundtrip - dump then load must give the same envelope */
static void
t_roundtrip(const struct envelope *e)
{
	struct envelope	 back;
	char		 buf[ENVELOPE_DUMP_MAX + 1], err[256];
	int		 n;

	n = envelope_dump(e, buf, sizeof(buf));
	ATF_REQUIRE(n > 0);
	ATF_REQUIRE_EQ((size_t)n, strlen(buf));
	if (envelope_load(&back, buf, (size_t)n, err, sizeof(err)) == -1)
		atf_tc_fail("load: %s\n%s", err, buf);
	ATF_CHECK(t_equal(e, &back));
}

ATF_TC_WITHOUT_HEAD(envelope_dump_roundtrip);
ATF_TC_BODY(envelope_dump_roundtrip, tc)
{
	struct envelope	e;

	t_sample(&e);
	t_roundtrip(&e);
	/* null sender, empty optional fields, state pending */
	memset(e.orig_rcpt, 0, sizeof(e.orig_rcpt));
	e.sender[0] = e.tag[0] = e.errmsg[0] = '\0';
	e.flags = e.dsn_notify = 0;
	e.dsn_ret = ENVELOPE_RET_NONE;
	e.state = ENVELOPE_ST_PENDING;
	t_roundtrip(&e);
	e.dsn_notify = ENVELOPE_DSN_NEVER;
	e.state = ENVELOPE_ST_HELD;
	e.flags = 0x1f;
	t_roundtrip(&e);
}

ATF_TC_WITHOUT_HEAD(envelope_dump_origin_versions);
ATF_TC_BODY(envelope_dump_origin_versions, tc)
{
	static const struct {
		uint32_t	 origin;
		uint32_t	 flags;
		const char	*first;
		const char	*line;		/* NULL: no origin line */
	} t[] = {
		{ ENVELOPE_ORIGIN_NONE, 0, "version: 1\n", NULL },
		{ ENVELOPE_ORIGIN_NONE, ENVELOPE_F_EXPAND, "version: 2\n",
		    NULL },
		{ ENVELOPE_ORIGIN_MAILBOX, 0, "version: 3\n",
		    "\norigin: mailbox\n" },
		{ ENVELOPE_ORIGIN_ALIAS, ENVELOPE_F_EXPAND, "version: 3\n",
		    "\norigin: alias\n" },
		{ ENVELOPE_ORIGIN_FORWARD, 0, "version: 3\n",
		    "\norigin: forward\n" },
	};
	struct envelope	e;
	char		buf[ENVELOPE_DUMP_MAX + 1];
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		t_sample(&e);
		strlcpy(e.user, "alice", sizeof(e.user));
		e.dest_type = ENVELOPE_DEST_COMMAND;
		e.origin = t[i].origin;
		e.flags = t[i].flags;
		ATF_REQUIRE(envelope_dump(&e, buf, sizeof(buf)) > 0);
		ATF_CHECK_MSG(strncmp(buf, t[i].first, strlen(t[i].first)) ==
		    0, "case %zu: %.12s", i, buf);
		ATF_CHECK_MSG((strstr(buf, "\norigin: ") != NULL) ==
		    (t[i].line != NULL), "case %zu", i);
		ATF_CHECK_MSG(t[i].line == NULL || strstr(buf, t[i].line) !=
		    NULL, "case %zu", i);
		t_roundtrip(&e);
	}
	/* an origin no version knows */
	t_sample(&e);
	e.origin = 4;
	ATF_CHECK_EQ(envelope_dump(&e, buf, sizeof(buf)), -1);
}

ATF_TC_WITHOUT_HEAD(envelope_load_origin);
ATF_TC_BODY(envelope_load_origin, tc)
{
	static const struct {
		const char	*rec;
		int		 ok;
		uint32_t	 origin;
	} t[] = {
		{ "version: 3\norigin: forward\n", 1, ENVELOPE_ORIGIN_FORWARD },
		{ "version: 3\norigin: \n", 1, ENVELOPE_ORIGIN_NONE },
		{ "version: 3\n", 1, ENVELOPE_ORIGIN_NONE },
		{ "version: 2\norigin: alias\n", 0, 0 },
		{ "version: 3\norigin: Alias\n", 0, 0 },
		{ "version: 3\norigin: alias,forward\n", 0, 0 },
		{ "version: 3\norigin: alias\norigin: alias\n", 0, 0 },
	};
	static const char rest[] = "evpid: 0badf00d00000001\n"
	    "state: pending\nsender: \nrcpt: root\ndest: root\n"
	    "dispatcher: local\nctime: 1\nttl: 2\n";
	struct envelope	e;
	char		rec[1024], err[128];
	size_t		i;
	int		n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = snprintf(rec, sizeof(rec), "%s%s", t[i].rec, rest);
		ATF_REQUIRE(n > 0 && (size_t)n < sizeof(rec));
		ATF_CHECK_EQ_MSG(envelope_load(&e, rec, (size_t)n, err,
		    sizeof(err)) == 0, t[i].ok, "case %zu: %s", i, err);
		if (t[i].ok)
			ATF_CHECK_EQ_MSG(e.origin, t[i].origin, "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(envelope_dump_at_limit);
ATF_TC_BODY(envelope_dump_at_limit, tc)
{
	struct envelope	e;
	char		small[64];

	t_sample(&e);
	/* every string full, with 8-bit and control bytes: 4x escaping */
	memset(e.sender, 0xe9, sizeof(e.sender) - 1);
	memset(e.rcpt, 0x01, sizeof(e.rcpt) - 1);
	memset(e.orig_rcpt, '\\', sizeof(e.orig_rcpt) - 1);
	memset(e.dest, 0x7f, sizeof(e.dest) - 1);
	memset(e.errmsg, '\n', sizeof(e.errmsg) - 1);
	memset(e.helo, 0xff, sizeof(e.helo) - 1);
	memset(e.client, 0x80, sizeof(e.client) - 1);
	memset(e.hostname, 0x1b, sizeof(e.hostname) - 1);
	memset(e.envid, 0x02, sizeof(e.envid) - 1);
	memset(e.dispatcher, 0x0d, sizeof(e.dispatcher) - 1);
	memset(e.tag, 0xc3, sizeof(e.tag) - 1);
	e.ctime = INT64_MAX;
	e.retry = e.warn = UINT32_MAX;
	t_roundtrip(&e);
	ATF_CHECK_EQ(envelope_dump(&e, small, sizeof(small)), -1);
}

ATF_TC_WITHOUT_HEAD(envelope_dump_bad_values);
ATF_TC_BODY(envelope_dump_bad_values, tc)
{
	struct envelope	e;
	char		buf[ENVELOPE_DUMP_MAX];

	t_sample(&e);
	e.ttl = -1;
	ATF_CHECK_EQ(envelope_dump(&e, buf, sizeof(buf)), -1);
	t_sample(&e);
	e.state = (enum envelope_state)42;
	ATF_CHECK_EQ(envelope_dump(&e, buf, sizeof(buf)), -1);
}

/* t_record - the sample record with line `from` replaced by `to` */
static size_t
t_record(char *out, size_t outsz, const char *from, const char *to)
{
	struct envelope	 e;
	char		 buf[ENVELOPE_DUMP_MAX];
	char		*p;
	size_t		 pre;

	t_sample(&e);
	ATF_REQUIRE(envelope_dump(&e, buf, sizeof(buf)) > 0);
	if (from == NULL) {
		strlcpy(out, buf, outsz);
		return strlen(out);
	}
	ATF_REQUIRE_MSG((p = strstr(buf, from)) != NULL, "no %s", from);
	pre = (size_t)(p - buf);
	ATF_REQUIRE(pre + strlen(to) < outsz);
	memcpy(out, buf, pre);
	memcpy(out + pre, to, strlen(to));
	ATF_REQUIRE(strlcpy(out + pre + strlen(to), p + strlen(from),
	    outsz - pre - strlen(to)) < outsz - pre - strlen(to));
	return strlen(out);
}

static const struct {
	const char	*name;
	const char	*from;		/* text of the valid record ... */
	const char	*to;		/* ... replaced by this */
	const char	*err;		/* expected in the error */
} t_bad[] = {
	{ "version 5", "version: 1\n", "version: 5\n", "version" },
	{ "hold in v1", "flags: auth,tls,smtputf8\n", "flags: auth,hold\n",
	    "flag hold before version 4" },
	{ "origin in v1", "warn: 1\n", "warn: 1\norigin: alias\n",
	    "key origin in a version 1 record" },
	{ "no version", "version: 1\n", "", "version" },
	{ "version later", "version: 1\nevpid", "evpid", "version" },
	{ "unknown key", "retry: 3\n", "retry: 3\ncolour: red\n", "unknown" },
	{ "dup key", "warn: 1\n", "warn: 1\nwarn: 1\n", "duplicated" },
	{ "missing rcpt", "rcpt: Bob+tag@Example.NET\n", "", "missing key rcpt" },
	{ "missing evpid", "evpid: 5a1c93e0deadbeef\n", "", "missing key evpid" },
	{ "bare CR", "tag: from-lan\n", "tag: from\r-lan\n", "bad byte 0x0d" },
	{ "8-bit", "tag: from-lan\n", "tag: fr\xc3\xa9\n", "bad byte 0xc3" },
	{ "tab", "tag: from-lan\n", "tag: a\tb\n", "bad byte 0x09" },
	{ "no space", "tag: from-lan\n", "tag:from-lan\n", "malformed" },
	{ "no colon", "tag: from-lan\n", "tag from-lan\n", "malformed" },
	{ "unterminated", "\\x0d\\x0a\n", "\\x0d\\x0a", "unterminated" },
	{ "escaped NUL", "tag: from-lan\n", "tag: a\\x00b\n", "bad value for tag" },
	{ "bad escape", "tag: from-lan\n", "tag: a\\qb\n", "bad value for tag" },
	{ "upper hex", "tag: from-lan\n", "tag: a\\x0Ab\n", "bad value for tag" },
	{ "short escape", "tag: from-lan\n", "tag: a\\x0\n", "bad value for tag" },
	{ "trailing bs", "tag: from-lan\n", "tag: a\\\n", "bad value for tag" },
	{ "noncanonical", "tag: from-lan\n", "tag: \\x41\n", "bad value for tag" },
	{ "negative", "retry: 3\n", "retry: -3\n", "bad value for retry" },
	{ "leading 0", "retry: 3\n", "retry: 03\n", "bad value for retry" },
	{ "u32 overflow", "retry: 3\n", "retry: 4294967296\n", "bad value" },
	{ "i64 overflow", "ttl: 345600\n", "ttl: 9223372036854775808\n",
	    "bad value for ttl" },
	{ "empty number", "retry: 3\n", "retry: \n", "bad value for retry" },
	{ "junk number", "retry: 3\n", "retry: 3x\n", "bad value for retry" },
	{ "short evpid", "evpid: 5a1c93e0deadbeef\n", "evpid: 5a1c93e0deadbee\n",
	    "bad value for evpid" },
	{ "upper evpid", "evpid: 5a1c93e0deadbeef\n", "evpid: 5A1C93E0DEADBEEF\n",
	    "bad value for evpid" },
	{ "zero msgid", "evpid: 5a1c93e0deadbeef\n", "evpid: 00000000deadbeef\n",
	    "bad value for evpid" },
	{ "bad state", "state: inflight\n", "state: flying\n", "bad value" },
	{ "bad flag", "flags: auth,tls,smtputf8\n", "flags: auth,magic\n",
	    "bad value for flags" },
	{ "dup flag", "flags: auth,tls,smtputf8\n", "flags: tls,tls\n",
	    "bad value for flags" },
	{ "empty flag", "flags: auth,tls,smtputf8\n", "flags: auth,\n",
	    "bad value for flags" },
	{ "never+delay", "dsn-notify: success,delay\n",
	    "dsn-notify: never,delay\n", "bad value for dsn-notify" },
	{ "bad ret", "dsn-ret: hdrs\n", "dsn-ret: some\n", "bad value" },
	{ "tag overlong", "tag: from-lan\n",
	    "tag: 0123456789012345678901234567890123456789"
	    "012345678901234567890123\n", "bad value for tag" },
};

ATF_TC_WITHOUT_HEAD(envelope_load_malformed);
ATF_TC_BODY(envelope_load_malformed, tc)
{
	struct envelope	e;
	char		rec[ENVELOPE_DUMP_MAX + 64], err[256];
	size_t		i, len;

	for (i = 0; i < sizeof(t_bad) / sizeof(t_bad[0]); i++) {
		len = t_record(rec, sizeof(rec), t_bad[i].from, t_bad[i].to);
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(envelope_load(&e, rec, len, err,
		    sizeof(err)), -1, "%s: accepted", t_bad[i].name);
		ATF_CHECK_MSG(strstr(err, t_bad[i].err) != NULL,
		    "%s: error \"%s\", want \"%s\"", t_bad[i].name, err,
		    t_bad[i].err);
	}
}

ATF_TC_WITHOUT_HEAD(envelope_load_string_limit);
ATF_TC_BODY(envelope_load_string_limit, tc)
{
	struct envelope	e;
	char		rec[ENVELOPE_DUMP_MAX + 64], val[NAME_MAX_CFG + 16];
	char		err[256];
	size_t		len;

	/* NAME_MAX_CFG - 1 characters fit, NAME_MAX_CFG do not */
	memset(val, 0, sizeof(val));
	strlcpy(val, "tag: ", sizeof(val));
	memset(val + 5, 'x', NAME_MAX_CFG - 1);
	strlcat(val, "\n", sizeof(val));
	len = t_record(rec, sizeof(rec), "tag: from-lan\n", val);
	ATF_CHECK_EQ(envelope_load(&e, rec, len, err, sizeof(err)), 0);
	ATF_CHECK_EQ(strlen(e.tag), NAME_MAX_CFG - 1);
	val[5 + NAME_MAX_CFG - 1] = 'x';
	val[5 + NAME_MAX_CFG] = '\n';
	len = t_record(rec, sizeof(rec), "tag: from-lan\n", val);
	ATF_CHECK_EQ(envelope_load(&e, rec, len, err, sizeof(err)), -1);
	/* an escape that would end past the buffer */
	memset(val + 5, 'x', NAME_MAX_CFG - 2);
	strlcpy(val + 5 + NAME_MAX_CFG - 2, "\\x01\n", 6);
	len = t_record(rec, sizeof(rec), "tag: from-lan\n", val);
	ATF_CHECK_EQ(envelope_load(&e, rec, len, err, sizeof(err)), 0);
	ATF_CHECK_EQ(e.tag[NAME_MAX_CFG - 2], 0x01);
}

ATF_TC_WITHOUT_HEAD(envelope_load_whole_record);
ATF_TC_BODY(envelope_load_whole_record, tc)
{
	struct envelope	 e;
	char		*big, *p, err[256], rec[ENVELOPE_DUMP_MAX];
	size_t		 len;

	ATF_CHECK_EQ(envelope_load(&e, "", 0, err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "empty") != NULL);
	ATF_CHECK_EQ(envelope_load(&e, "version: 1\n", 11, err,
	    sizeof(err)), -1);
	ATF_CHECK(strstr(err, "missing") != NULL);
	big = malloc(ENVELOPE_DUMP_MAX + 1);
	ATF_REQUIRE(big != NULL);
	memset(big, '\n', ENVELOPE_DUMP_MAX + 1);
	ATF_CHECK_EQ(envelope_load(&e, big, ENVELOPE_DUMP_MAX + 1, err,
	    sizeof(err)), -1);
	ATF_CHECK(strstr(err, "too long") != NULL);
	free(big);
	/* a NUL inside a line */
	len = t_record(rec, sizeof(rec), NULL, NULL);
	ATF_REQUIRE((p = strstr(rec, "tag: from")) != NULL);
	p[6] = '\0';
	ATF_CHECK_EQ(envelope_load(&e, rec, len, err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "bad byte 0x00") != NULL);
	/* the unmodified record loads */
	p[6] = 'r';
	ATF_CHECK_EQ(envelope_load(&e, rec, len, err, sizeof(err)), 0);
}

ATF_TC_WITHOUT_HEAD(envelope_id_parse_cases);
ATF_TC_BODY(envelope_id_parse_cases, tc)
{
	static const struct {
		const char	*s;
		int		 ret;
	} c[] = {
		{ "5a1c93e0deadbeef", 0 },
		{ "0000000100000001", 0 },
		{ "ffffffffffffffff", 0 },
		{ "5a1c93e0deadbee", -1 },
		{ "5a1c93e0deadbeef0", -1 },
		{ "5a1c93e0DEADBEEF", -1 },
		{ "000000000000beef", -1 },
		{ "5a1c93e000000000", -1 },
		{ "5a1c93e0deadbeeg", -1 },
		{ "", -1 },
	};
	uint64_t	v;
	char		buf[ENVELOPE_ID_STRLEN + 1];
	size_t		i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ATF_CHECK_EQ_MSG(envelope_id_parse(c[i].s, &v), c[i].ret,
		    "%s", c[i].s);
		if (c[i].ret == 0) {
			envelope_id_format(v, buf);
			ATF_CHECK_STREQ(buf, c[i].s);
		}
	}
	ATF_CHECK_EQ(envelope_msgid(0x5a1c93e0deadbeefULL), 0x5a1c93e0U);
}

ATF_TC_WITHOUT_HEAD(envelope_msgid_parse_cases);
ATF_TC_BODY(envelope_msgid_parse_cases, tc)
{
	uint32_t	m;
	char		buf[ENVELOPE_MSGID_STRLEN + 1];

	ATF_CHECK_EQ(envelope_msgid_parse("5a1c93e0", &m), 0);
	ATF_CHECK_EQ(m, 0x5a1c93e0U);
	envelope_msgid_format(m, buf);
	ATF_CHECK_STREQ(buf, "5a1c93e0");
	envelope_msgid_format(1, buf);
	ATF_CHECK_STREQ(buf, "00000001");
	ATF_CHECK_EQ(envelope_msgid_parse("00000000", &m), -1);
	ATF_CHECK_EQ(envelope_msgid_parse("5a1c93e", &m), -1);
	ATF_CHECK_EQ(envelope_msgid_parse("5a1c93e00", &m), -1);
	ATF_CHECK_EQ(envelope_msgid_parse("5a1c93eX", &m), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, envelope_dump_roundtrip);
	ATF_TP_ADD_TC(tp, envelope_dump_origin_versions);
	ATF_TP_ADD_TC(tp, envelope_load_origin);
	ATF_TP_ADD_TC(tp, envelope_dump_at_limit);
	ATF_TP_ADD_TC(tp, envelope_dump_bad_values);
	ATF_TP_ADD_TC(tp, envelope_load_malformed);
	ATF_TP_ADD_TC(tp, envelope_load_string_limit);
	ATF_TP_ADD_TC(tp, envelope_load_whole_record);
	ATF_TP_ADD_TC(tp, envelope_id_parse_cases);
	ATF_TP_ADD_TC(tp, envelope_msgid_parse_cases);
	return atf_no_error();
}
