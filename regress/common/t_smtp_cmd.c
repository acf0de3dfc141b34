/*
 * t_smtp_cmd.c - command parsing (every verb and parameter, the reply
 * for every refusal, limits, malformed lines) and format/parse round
 * trips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "defs.h"
#include "smtp_cmd.h"

#define ALL	(SMTP_CMD_F_SIZE | SMTP_CMD_F_8BITMIME | SMTP_CMD_F_SMTPUTF8 | \
		 SMTP_CMD_F_DSN | SMTP_CMD_F_AUTH | SMTP_CMD_F_CHUNKING)
#define LMTP	(ALL | SMTP_CMD_F_LMTP)
#define TXU	(ALL | SMTP_CMD_F_TX_UTF8)

struct cmd_case {
	const char		*line;
	size_t			 len;		/* 0: strlen */
	int			 flags;
	enum smtp_cmd_verb	 verb;		/* SMTP_CMD_NONE: refused */
	int			 code;		/* the refusal */
	const char		*enh;
};

#define OK(l, f, v)		{ l, 0, f, v, 0, NULL }
#define NO(l, f, c, e)		{ l, 0, f, SMTP_CMD_NONE, c, e }

static const struct cmd_case cmd_cases[] = {
	OK("HELO mx.example.org", 0, SMTP_CMD_HELO),
	OK("ehlo [192.0.2.1]", 0, SMTP_CMD_EHLO),
	OK("EHLO my_host ", 0, SMTP_CMD_EHLO),
	OK("LHLO x", LMTP, SMTP_CMD_LHLO),
	NO("LHLO x", ALL, 500, "5.5.2"),
	NO("EHLO x", LMTP, 500, "5.5.2"),
	NO("HELO x", LMTP, 500, "5.5.2"),
	NO("EHLO", 0, 501, "5.5.4"),
	NO("EHLO a b", 0, 501, "5.5.4"),
	NO("EHLO h\xc3\xa9", 0, 501, "5.5.4"),
	OK("MAIL FROM:<a@b>", 0, SMTP_CMD_MAIL),
	OK("mail from:<a@b>", 0, SMTP_CMD_MAIL),
	OK("MAIL FROM: <a@b>", 0, SMTP_CMD_MAIL),
	OK("MAIL FROM:<>", 0, SMTP_CMD_MAIL),
	OK("MAIL FROM:<a@b> SIZE=1000 BODY=8BITMIME", ALL, SMTP_CMD_MAIL),
	OK("MAIL FROM:<a@b>  size=1000  body=7bit", ALL, SMTP_CMD_MAIL),
	NO("MAIL FROM:<a@b> SIZE=1000", 0, 504, "5.5.4"),
	NO("MAIL FROM:<a@b> BODY=8BITMIME", SMTP_CMD_F_SIZE, 504, "5.5.4"),
	NO("MAIL FROM:<a@b> SMTPUTF8", SMTP_CMD_F_DSN, 504, "5.5.4"),
	NO("MAIL FROM:<a@b> RET=FULL", SMTP_CMD_F_SIZE, 504, "5.5.4"),
	NO("MAIL FROM:<a@b> AUTH=<>", SMTP_CMD_F_DSN, 504, "5.5.4"),
	NO("RCPT TO:<a@b> NOTIFY=NEVER", SMTP_CMD_F_SIZE, 504, "5.5.4"),
	NO("MAIL FROM:<a@b> FOO=bar", ALL, 555, "5.5.4"),
	NO("MAIL FROM:<a@b> X-FOO", ALL, 555, "5.5.4"),
	NO("MAIL FROM:<a@b> NOTIFY=NEVER", ALL, 555, "5.5.4"),
	NO("RCPT TO:<a@b> SIZE=1", ALL, 555, "5.5.4"),
	NO("MAIL FROM:<a@b> SIZE=1 SIZE=2", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> SIZE=1 size=1", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> SIZE=", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> SIZE", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> SIZE=abc", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> SIZE=1=2", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> =1", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> -X=1", ALL, 501, "5.5.4"),
	OK("MAIL FROM:<a@b> SIZE=18446744073709551615", ALL, SMTP_CMD_MAIL),
	NO("MAIL FROM:<a@b> SIZE=18446744073709551616", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> SIZE=000000000000000000001", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> BODY=BINARYMIME", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> SMTPUTF8=yes", ALL, 501, "5.5.4"),
	OK("MAIL FROM:<a@b> RET=HDRS ENVID=QQ+2B1", ALL, SMTP_CMD_MAIL),
	NO("MAIL FROM:<a@b> RET=NONE", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> ENVID=a+2b", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> ENVID=a+00", ALL, 501, "5.5.4"),
	OK("MAIL FROM:<a@b> AUTH=<>", ALL, SMTP_CMD_MAIL),
	NO("MAIL FROM:a@b", 0, 501, "5.1.7"),
	NO("MAIL FROM:<a@b", 0, 501, "5.1.7"),
	NO("MAIL FROM:<a@b>SIZE=1", ALL, 501, "5.1.7"),
	NO("MAIL FROM:<Postmaster>", 0, 501, "5.1.7"),
	NO("MAIL FROM:", 0, 501, "5.1.7"),
	NO("MAIL TO:<a@b>", 0, 501, "5.5.4"),
	NO("MAIL", 0, 501, "5.5.4"),
	NO("MAIL FROM<a@b>", 0, 501, "5.5.4"),
	OK("RCPT TO:<Postmaster>", 0, SMTP_CMD_RCPT),
	OK("rcpt to: <u@[IPv6:::1]>", 0, SMTP_CMD_RCPT),
	NO("RCPT TO:<>", 0, 501, "5.1.3"),
	NO("RCPT TO:<u@x", 0, 501, "5.1.3"),
	NO("RCPT FROM:<u@x>", 0, 501, "5.5.4"),
	OK("RCPT TO:<u@x> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;u+2Bx@y", ALL,
	    SMTP_CMD_RCPT),
	NO("RCPT TO:<u@x> NOTIFY=NEVER,SUCCESS", ALL, 501, "5.5.4"),
	NO("RCPT TO:<u@x> NOTIFY=", ALL, 501, "5.5.4"),
	NO("RCPT TO:<u@x> NOTIFY=SUCCESS,", ALL, 501, "5.5.4"),
	NO("RCPT TO:<u@x> NOTIFY=,SUCCESS", ALL, 501, "5.5.4"),
	NO("RCPT TO:<u@x> NOTIFY=SUCCESS,SUCCESS", ALL, 501, "5.5.4"),
	NO("RCPT TO:<u@x> NOTIFY=SOMETIMES", ALL, 501, "5.5.4"),
	NO("RCPT TO:<u@x> ORCPT=rfc822", ALL, 501, "5.5.4"),
	NO("RCPT TO:<u@x> ORCPT=;u@x", ALL, 501, "5.5.4"),
	NO("RCPT TO:<u@x> ORCPT=rfc822;", ALL, 501, "5.5.4"),
	NO("RCPT TO:<u@x> ORCPT=rfc_822;u@x", ALL, 501, "5.5.4"),
	OK("MAIL FROM:<\xc3\xa9@x> SMTPUTF8", ALL, SMTP_CMD_MAIL),
	NO("MAIL FROM:<\xc3\xa9@x>", ALL, 553, "5.6.7"),
	OK("RCPT TO:<\xc3\xa9@x>", TXU, SMTP_CMD_RCPT),
	NO("RCPT TO:<\xc3\xa9@x>", ALL, 553, "5.6.7"),
	NO("RCPT TO:<\xc3@x>", TXU, 501, "5.1.3"),
	NO("MAIL FROM:<a@b> SIZE=\xc3\xa9", ALL, 501, "5.5.4"),
	NO("MAIL FROM:<a@b> \xc3\xa9", ALL, 501, "5.5.4"),
	OK("DATA", 0, SMTP_CMD_DATA),
	OK("data ", 0, SMTP_CMD_DATA),
	NO("DATA x", 0, 501, "5.5.4"),
	OK("QUIT", 0, SMTP_CMD_QUIT),
	OK("RSET", 0, SMTP_CMD_RSET),
	NO("RSET now", 0, 501, "5.5.4"),
	OK("STARTTLS", 0, SMTP_CMD_STARTTLS),
	NO("STARTTLS x", 0, 501, "5.5.4"),
	OK("NOOP", 0, SMTP_CMD_NOOP),
	OK("NOOP hello there", 0, SMTP_CMD_NOOP),
	NO("NOOP caf\xc3\xa9", 0, 501, "5.5.4"),
	NO("NOOP a\tb", 0, 501, "5.5.4"),
	OK("HELP", 0, SMTP_CMD_HELP),
	OK("HELP MAIL", 0, SMTP_CMD_HELP),
	NO("VRFY", 0, 501, "5.5.4"),
	OK("VRFY user", 0, SMTP_CMD_VRFY),
	OK("EXPN list", 0, SMTP_CMD_EXPN),
	NO("VRFY us\xc3\xa9r", 0, 501, "5.5.4"),
	OK("BDAT 100", ALL, SMTP_CMD_BDAT),
	OK("BDAT 100 last", ALL, SMTP_CMD_BDAT),
	NO("BDAT 100", 0, 502, "5.5.1"),
	NO("BDAT", ALL, 501, "5.5.4"),
	NO("BDAT x", ALL, 501, "5.5.4"),
	NO("BDAT -1", ALL, 501, "5.5.4"),
	NO("BDAT 100 FIRST", ALL, 501, "5.5.4"),
	NO("BDAT 100 LAST x", ALL, 501, "5.5.4"),
	OK("AUTH PLAIN", 0, SMTP_CMD_AUTH),
	OK("auth plain dGVzdAB0ZXN0AHRlc3Q=", 0, SMTP_CMD_AUTH),
	OK("AUTH PLAIN =", 0, SMTP_CMD_AUTH),
	OK("AUTH ABCDEFGHIJKLMNOPQRST", 0, SMTP_CMD_AUTH),
	NO("AUTH ABCDEFGHIJKLMNOPQRSTU", 0, 501, "5.5.4"),
	NO("AUTH", 0, 501, "5.5.4"),
	NO("AUTH PL@IN", 0, 501, "5.5.4"),
	NO("AUTH PLAIN a b", 0, 501, "5.5.4"),
	NO("AUTH PLAIN a!", 0, 501, "5.5.4"),
	NO("FOO", 0, 500, "5.5.2"),
	NO("", 0, 500, "5.5.2"),
	NO("MAILFROM:<a@b>", 0, 500, "5.5.2"),
	NO(" HELO x", 0, 500, "5.5.2"),
	NO("\xc3\xa9HLO x", 0, 500, "5.5.2"),
	NO("HELO\tx", 0, 500, "5.5.2"),
	{ "HELO x\0y", 8, 0, SMTP_CMD_NONE, 500, "5.5.2" },
	{ "\0", 1, 0, SMTP_CMD_NONE, 500, "5.5.2" },
	NO("NOOP a\nb", 0, 500, "5.5.2"),
	NO("NOOP a\rb", 0, 500, "5.5.2"),
	NO("QUIT\n", 0, 500, "5.5.2"),
};

ATF_TC_WITHOUT_HEAD(smtp_cmd_parse_table);
ATF_TC_BODY(smtp_cmd_parse_table, tc)
{
	const struct cmd_case	*c;
	struct smtp_cmd		 cmd;
	char		 err[ERRTEXT_MAX];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(cmd_cases) / sizeof(cmd_cases[0]); i++) {
		c = &cmd_cases[i];
		err[0] = '\0';
		rc = smtp_cmd_parse(c->line, c->len ? c->len : strlen(c->line),
		    c->flags, &cmd, err, sizeof(err));
		ATF_CHECK_EQ_MSG(rc, c->verb == SMTP_CMD_NONE ? -1 : 0,
		    "case %zu \"%s\": %s", i, c->line, err);
		ATF_CHECK_EQ_MSG(cmd.verb, c->verb, "case %zu", i);
		if (rc == 0 || c->verb != SMTP_CMD_NONE)
			continue;
		ATF_CHECK_EQ_MSG(cmd.err.code, c->code, "case %zu \"%s\": %s",
		    i, c->line, err);
		ATF_CHECK_STREQ_MSG(cmd.err.enhanced, c->enh, "case %zu", i);
		ATF_CHECK_MSG(err[0] != '\0' && strcmp(err, cmd.err.text) == 0,
		    "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(smtp_cmd_parse_fields);
ATF_TC_BODY(smtp_cmd_parse_fields, tc)
{
	struct smtp_cmd	 c;
	char	 e[ERRTEXT_MAX];
	const char	*l;

	l = "mail from: <a@b.example> size=42 body=8bitmime smtputf8 "
	    "ret=hdrs envid=QQ+2B1 auth=u+2Bx@y";
	ATF_REQUIRE_EQ(smtp_cmd_parse(l, strlen(l), ALL, &c, e, sizeof(e)), 0);
	ATF_CHECK_STREQ(c.addr.text, "a@b.example");
	ATF_CHECK_EQ(c.params, SMTP_CMD_P_SIZE | SMTP_CMD_P_BODY |
	    SMTP_CMD_P_SMTPUTF8 | SMTP_CMD_P_RET | SMTP_CMD_P_ENVID |
	    SMTP_CMD_P_AUTH);
	ATF_CHECK_EQ(c.size, 42);
	ATF_CHECK_EQ(c.body, SMTP_CMD_BODY_8BITMIME);
	ATF_CHECK_EQ(c.ret, SMTP_CMD_RET_HDRS);
	ATF_CHECK_STREQ(c.envid, "QQ+1");
	ATF_CHECK_STREQ(c.auth, "u+x@y");
	l = "RCPT TO:<@r:u@x> NOTIFY=delay,Failure ORCPT=rfc822;u+2Bx@y";
	ATF_REQUIRE_EQ(smtp_cmd_parse(l, strlen(l), ALL, &c, e, sizeof(e)), 0);
	ATF_CHECK_STREQ(c.addr.text, "u@x");
	ATF_CHECK_EQ(c.notify, SMTP_CMD_NOTIFY_DELAY | SMTP_CMD_NOTIFY_FAILURE);
	ATF_CHECK_STREQ(c.orcpt_type, "rfc822");
	ATF_CHECK_STREQ(c.orcpt, "u+x@y");
	ATF_REQUIRE_EQ(smtp_cmd_parse("BDAT 7 LAST", 11, ALL, &c, e, sizeof(e)),
	    0);
	ATF_CHECK(c.size == 7 && c.last == 1);
	ATF_REQUIRE_EQ(smtp_cmd_parse("auth login dXNlcg==", 19, 0, &c, e,
	    sizeof(e)), 0);
	ATF_CHECK_STREQ(c.mech, "LOGIN");
	ATF_CHECK_STREQ(c.arg, "dXNlcg==");
	ATF_REQUIRE_EQ(smtp_cmd_parse("EHLO  x", 7, 0, &c, e, sizeof(e)), -1);
	ATF_REQUIRE_EQ(smtp_cmd_parse("VRFY  two words ", 16, 0, &c, e,
	    sizeof(e)), 0);
	ATF_CHECK_STREQ(c.arg, " two words");
}

/* cmd_long - head, then x up to len octets, ending in tail */
static char *
cmd_long(const char *head, size_t len, const char *tail)
{
	char	*s;
	size_t	 h = strlen(head), t = strlen(tail);

	ATF_REQUIRE(len >= h + t);
	s = malloc(len + 1);
	ATF_REQUIRE(s != NULL);
	memset(s, 'x', len);
	memcpy(s, head, h);
	memcpy(s + len - t, tail, t);
	s[len] = '\0';
	return s;
}

ATF_TC_WITHOUT_HEAD(smtp_cmd_parse_limits);
ATF_TC_BODY(smtp_cmd_parse_limits, tc)
{
	struct smtp_cmd	 c;
	char	 e[ERRTEXT_MAX];
	char		*s, envid[256];
	size_t		 max = SMTP_CMD_LINE_MAX - 2;

	s = cmd_long("NOOP ", max, "");
	ATF_CHECK_EQ(smtp_cmd_parse(s, max, 0, &c, e, sizeof(e)), 0);
	free(s);
	s = cmd_long("NOOP ", max + 1, "");
	ATF_CHECK_EQ(smtp_cmd_parse(s, max + 1, 0, &c, e, sizeof(e)), -1);
	ATF_CHECK_EQ(c.err.code, 500);
	ATF_CHECK_STREQ(c.err.enhanced, "5.5.6");
	free(s);
	s = cmd_long("NOOP ", 100000, "");
	ATF_CHECK_EQ(smtp_cmd_parse(s, 100000, 0, &c, e, sizeof(e)), -1);
	free(s);

	/* ENVID: 100 octets decoded fit, 101 do not */
	memset(envid, 'e', sizeof(envid));
	snprintf(envid, sizeof(envid), "MAIL FROM:<a@b> ENVID=%.*s", 100,
	    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	ATF_CHECK_EQ(smtp_cmd_parse(envid, strlen(envid), ALL, &c, e,
	    sizeof(e)), 0);
	ATF_CHECK_EQ(strlen(c.envid), ENVID_MAX - 1);
	strlcat(envid, "e", sizeof(envid));
	ATF_CHECK_EQ(smtp_cmd_parse(envid, strlen(envid), ALL, &c, e,
	    sizeof(e)), -1);
	ATF_CHECK_EQ(c.err.code, 501);

	/* HELO host of 255 fits, 256 does not */
	s = cmd_long("HELO ", 5 + SMTP_DOMAIN_MAX, "");
	ATF_CHECK_EQ(smtp_cmd_parse(s, 5 + SMTP_DOMAIN_MAX, 0, &c, e,
	    sizeof(e)), 0);
	free(s);
	s = cmd_long("HELO ", 6 + SMTP_DOMAIN_MAX, "");
	ATF_CHECK_EQ(smtp_cmd_parse(s, 6 + SMTP_DOMAIN_MAX, 0, &c, e,
	    sizeof(e)), -1);
	free(s);
}

/* cmd_same - whether two parsed commands are equal */
static int
cmd_same(const struct smtp_cmd *a, const struct smtp_cmd *b)
{
	return a->verb == b->verb && strcmp(a->arg, b->arg) == 0 &&
	    strcmp(a->mech, b->mech) == 0 && a->addr.kind == b->addr.kind &&
	    strcmp(a->addr.user, b->addr.user) == 0 &&
	    strcmp(a->addr.domain, b->addr.domain) == 0 &&
	    strcmp(a->addr.text, b->addr.text) == 0 &&
	    a->params == b->params && a->size == b->size &&
	    a->last == b->last && a->body == b->body && a->ret == b->ret &&
	    a->notify == b->notify && strcmp(a->envid, b->envid) == 0 &&
	    strcmp(a->orcpt_type, b->orcpt_type) == 0 &&
	    strcmp(a->orcpt, b->orcpt) == 0 && strcmp(a->auth, b->auth) == 0;
}

struct rt_case {
	const char	*line;		/* canonical, with CRLF */
	int		 flags;
};

static const struct rt_case rt_cases[] = {
	{ "HELO mx.example.org\r\n", 0 },
	{ "EHLO [192.0.2.1]\r\n", 0 },
	{ "LHLO client\r\n", LMTP },
	{ "MAIL FROM:<>\r\n", 0 },
	{ "MAIL FROM:<a@b.example> SIZE=12345 BODY=8BITMIME SMTPUTF8 "
	    "RET=HDRS ENVID=id+2B1+3D AUTH=a+2Bb@c\r\n", ALL },
	{ "MAIL FROM:<\xc3\xa9@x> SMTPUTF8\r\n", ALL },
	{ "MAIL FROM:<a@b> BODY=7BIT RET=FULL\r\n", ALL },
	{ "MAIL FROM:<a@b> AUTH=<>\r\n", ALL },
	{ "RCPT TO:<Postmaster>\r\n", 0 },
	{ "RCPT TO:<\"q x\"@[IPv6:::1]> NOTIFY=SUCCESS,FAILURE,DELAY "
	    "ORCPT=rfc822;a+2Bb@c\r\n", ALL },
	{ "RCPT TO:<a@b> NOTIFY=NEVER\r\n", ALL },
	{ "RCPT TO:<u@x> ORCPT=utf-8;+C3+A9@x\r\n", ALL },
	{ "RCPT TO:<\xc3\xa9@\xc3\xa9.x>\r\n", TXU },
	{ "DATA\r\n", 0 },
	{ "BDAT 0\r\n", ALL },
	{ "BDAT 18446744073709551615 LAST\r\n", ALL },
	{ "RSET\r\n", 0 },
	{ "NOOP\r\n", 0 },
	{ "NOOP x y\r\n", 0 },
	{ "QUIT\r\n", 0 },
	{ "VRFY user\r\n", 0 },
	{ "EXPN list\r\n", 0 },
	{ "HELP\r\n", 0 },
	{ "HELP DATA\r\n", 0 },
	{ "STARTTLS\r\n", 0 },
	{ "AUTH PLAIN\r\n", 0 },
	{ "AUTH LOGIN dXNlcg==\r\n", 0 },
};

ATF_TC_WITHOUT_HEAD(smtp_cmd_format_roundtrip);
ATF_TC_BODY(smtp_cmd_format_roundtrip, tc)
{
	struct smtp_cmd	 a, b;
	char	 e[ERRTEXT_MAX];
	char		 buf[SMTP_CMD_LINE_MAX * 2];
	size_t		 i, len;

	for (i = 0; i < sizeof(rt_cases) / sizeof(rt_cases[0]); i++) {
		len = strlen(rt_cases[i].line) - 2;
		ATF_REQUIRE_EQ_MSG(smtp_cmd_parse(rt_cases[i].line, len,
		    rt_cases[i].flags, &a, e, sizeof(e)), 0, "case %zu: %s", i,
		    e);
		ATF_REQUIRE_EQ(smtp_cmd_format(&a, buf, sizeof(buf)), 0);
		ATF_CHECK_STREQ_MSG(buf, rt_cases[i].line, "case %zu", i);
		ATF_REQUIRE_EQ(smtp_cmd_parse(buf, strlen(buf) - 2,
		    rt_cases[i].flags, &b, e, sizeof(e)), 0);
		ATF_CHECK_MSG(cmd_same(&a, &b), "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(smtp_cmd_format_canonical);
ATF_TC_BODY(smtp_cmd_format_canonical, tc)
{
	struct smtp_cmd	 a;
	const char	*l;
	char		 e[ERRTEXT_MAX];
	char		 buf[SMTP_CMD_LINE_MAX];

	l = "mail from: <a@b>  ret=full size=10 ";
	ATF_REQUIRE_EQ(smtp_cmd_parse(l, strlen(l), ALL, &a, e, sizeof(e)), 0);
	ATF_REQUIRE_EQ(smtp_cmd_format(&a, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "MAIL FROM:<a@b> SIZE=10 RET=FULL\r\n");
	l = "rcpt to:<@x,@y:u@z> notify=delay,success";
	ATF_REQUIRE_EQ(smtp_cmd_parse(l, strlen(l), ALL, &a, e, sizeof(e)), 0);
	ATF_REQUIRE_EQ(smtp_cmd_format(&a, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "RCPT TO:<u@z> NOTIFY=SUCCESS,DELAY\r\n");
}

ATF_TC_WITHOUT_HEAD(smtp_cmd_format_struct);
ATF_TC_BODY(smtp_cmd_format_struct, tc)
{
	struct smtp_cmd	 a, b;
	char	 e[ERRTEXT_MAX];
	char		 buf[SMTP_CMD_LINE_MAX * 2];
	int		 c;

	/* every printable ENVID octet survives format and parse */
	memset(&a, 0, sizeof(a));
	a.verb = SMTP_CMD_MAIL;
	a.addr.kind = SMTP_ADDR_NULL;
	a.params = SMTP_CMD_P_ENVID;
	for (c = 32; c < 127; c++)
		a.envid[c - 32] = c == ' ' ? '+' : c;
	a.envid[100] = '\0';
	ATF_REQUIRE_EQ(smtp_cmd_format(&a, buf, sizeof(buf)), 0);
	ATF_REQUIRE_EQ(smtp_cmd_parse(buf, strlen(buf) - 2, ALL, &b, e,
	    sizeof(e)), 0);
	ATF_CHECK_STREQ(b.envid, a.envid);
	ATF_CHECK_STREQ(b.addr.text, "");
}

ATF_TC_WITHOUT_HEAD(smtp_cmd_format_room);
ATF_TC_BODY(smtp_cmd_format_room, tc)
{
	struct smtp_cmd	 a;
	char	 e[ERRTEXT_MAX];
	char		 buf[32];

	ATF_REQUIRE_EQ(smtp_cmd_parse("MAIL FROM:<a@b>", 15, 0, &a, e,
	    sizeof(e)), 0);
	ATF_CHECK_EQ(smtp_cmd_format(&a, buf, 18), 0);
	ATF_CHECK_STREQ(buf, "MAIL FROM:<a@b>\r\n");
	ATF_CHECK_EQ(smtp_cmd_format(&a, buf, 17), -1);
	ATF_CHECK_STREQ(buf, "");
	a.verb = SMTP_CMD_NONE;
	ATF_CHECK_EQ(smtp_cmd_format(&a, buf, sizeof(buf)), -1);
	ATF_CHECK(smtp_cmd_name(SMTP_CMD_STARTTLS) != NULL);
	ATF_CHECK(smtp_cmd_name(SMTP_CMD_NONE) == NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, smtp_cmd_parse_table);
	ATF_TP_ADD_TC(tp, smtp_cmd_parse_fields);
	ATF_TP_ADD_TC(tp, smtp_cmd_parse_limits);
	ATF_TP_ADD_TC(tp, smtp_cmd_format_roundtrip);
	ATF_TP_ADD_TC(tp, smtp_cmd_format_canonical);
	ATF_TP_ADD_TC(tp, smtp_cmd_format_struct);
	ATF_TP_ADD_TC(tp, smtp_cmd_format_room);
	return atf_no_error();
}
