/*
 * t_smtp_addr.c - RFC 5321 paths: valid forms, limits, malformed input,
 * SMTPUTF8 gating and format/parse round trips.
 */
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "defs.h"
#include "smtp_addr.h"

#define M	SMTP_ADDR_F_MAIL
#define R	SMTP_ADDR_F_RCPT
#define U	SMTP_ADDR_F_UTF8

struct addr_case {
	const char	*in;
	size_t		 len;		/* 0: strlen */
	int		 flags;
	int		 rc;
	const char	*user;
	const char	*domain;
	int		 kind;
	size_t		 used;		/* 0: the whole input */
};

static const struct addr_case addr_cases[] = {
	{ "<user@example.com>", 0, M, 0, "user", "example.com", 0, 0 },
	{ "<User.Name+tag@Example.COM>", 0, R, 0, "User.Name+tag",
	    "Example.COM", 0, 0 },
	{ "<\"john doe\"@example.com>", 0, R, 0, "\"john doe\"",
	    "example.com", 0, 0 },
	{ "<\"a\\\"b\"@x>", 0, R, 0, "\"a\\\"b\"", "x", 0, 0 },
	{ "<\"a>b\"@x>", 0, R, 0, "\"a>b\"", "x", 0, 0 },
	{ "<@a.example,@b.example:user@c.example>", 0, R, 0, "user",
	    "c.example", 0, 0 },
	{ "<@[10.0.0.1]:u@d>", 0, R, 0, "u", "d", 0, 0 },
	{ "<>", 0, M, 0, "", "", SMTP_ADDR_NULL, 0 },
	{ "<>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<Postmaster>", 0, R, 0, "Postmaster", "", SMTP_ADDR_POSTMASTER, 0 },
	{ "<postMASTER>", 0, R, 0, "postMASTER", "", SMTP_ADDR_POSTMASTER,
	    0 },
	{ "<Postmaster>", 0, M, -1, NULL, NULL, 0, 0 },
	{ "<postmaster@x.org>", 0, M, 0, "postmaster", "x.org", 0, 0 },
	{ "<u@[192.0.2.1]>", 0, R, 0, "u", "[192.0.2.1]",
	    SMTP_ADDR_LITERAL, 0 },
	{ "<u@[IPv6:2001:db8::1]>", 0, R, 0, "u", "[IPv6:2001:db8::1]",
	    SMTP_ADDR_LITERAL, 0 },
	{ "<u@[ipv6:::1]>", 0, R, 0, "u", "[ipv6:::1]", SMTP_ADDR_LITERAL,
	    0 },
	{ "<u@x> SIZE=10", 0, M, 0, "u", "x", 0, 5 },
	{ "<u@x>>", 0, M, 0, "u", "x", 0, 5 },
	{ "<u@[999.1.1.1]>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@[IPv6:zz]>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@[1.2.3.4>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@[]>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@[tag:x]>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "user@example.com", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<user@example.com", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<user>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<@x>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<@x:>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<@x,u@y>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@-a.com>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@a-.com>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@a..b>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@a.>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u@a_b.c>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<.u@x>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u.@x>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u..v@x>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u v@x>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "< u@x>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<\"u\"x@x>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<\"u@x>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<\"a\tb\"@x>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<", 0, M, -1, NULL, NULL, 0, 0 },
	{ "", 0, M, -1, NULL, NULL, 0, 0 },
	{ "<u\n@x>", 0, R, -1, NULL, NULL, 0, 0 },		/* bare LF */
	{ "<u@x\r\n>", 0, R, -1, NULL, NULL, 0, 0 },
	{ "<u\0v@x>", 7, R, -1, NULL, NULL, 0, 0 },		/* NUL */
	{ "<\"u\0\"@x>", 8, R, -1, NULL, NULL, 0, 0 },
	{ "<u@x\0>", 6, R, -1, NULL, NULL, 0, 0 },
	{ "<us\xc3\xa9r@x>", 0, R, -1, NULL, NULL, 0, 0 },	/* 8-bit */
	{ "<us\xc3\xa9r@x>", 0, R | U, 0, "us\xc3\xa9r", "x",
	    SMTP_ADDR_UTF8, 0 },
	{ "<u@\xc3\xa9t\xc3\xa9.fr>", 0, R | U, 0, "u",
	    "\xc3\xa9t\xc3\xa9.fr", SMTP_ADDR_UTF8, 0 },
	{ "<\"\xc3\xa9 x\"@y>", 0, R | U, 0, "\"\xc3\xa9 x\"", "y",
	    SMTP_ADDR_UTF8, 0 },
	{ "<@\xc3\xa9:u@x>", 0, R, -1, NULL, NULL, 0, 0 },
	/* the route is dropped: the address kept is plain ASCII (fuzz) */
	{ "<@\xc3\xa9:u@x>", 0, R | U, 0, "u", "x", 0, 0 },
	{ "<@\xd4\x92l:u@ce>", 0, M | U, 0, "u", "ce", 0, 0 },
	{ "<\xc3@x>", 0, R | U, -1, NULL, NULL, 0, 0 },	/* truncated */
	{ "<\xc0\xaf@x>", 0, R | U, -1, NULL, NULL, 0, 0 },	/* overlong */
	{ "<\xed\xa0\x80@x>", 0, R | U, -1, NULL, NULL, 0, 0 },	/* surrogate */
	{ "<\xf4\x90\x80\x80@x>", 0, R | U, -1, NULL, NULL, 0, 0 },
	{ "<\xff@x>", 0, R | U, -1, NULL, NULL, 0, 0 },
};

/* addr_same - whether two parsed addresses are equal */
static int
addr_same(const struct smtp_addr *a, const struct smtp_addr *b)
{
	return a->kind == b->kind && strcmp(a->user, b->user) == 0 &&
	    strcmp(a->domain, b->domain) == 0 && strcmp(a->text, b->text) == 0;
}

ATF_TC_WITHOUT_HEAD(smtp_addr_parse_table);
ATF_TC_BODY(smtp_addr_parse_table, tc)
{
	const struct addr_case	*c;
	struct smtp_addr	 a, b;
	char		 err[ERRTEXT_MAX];
	char			 buf[SMTP_PATH_MAX];
	size_t			 i, len, used, used2;
	int			 rc;

	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		c = &addr_cases[i];
		len = c->len ? c->len : strlen(c->in);
		err[0] = '\0';
		rc = smtp_addr_parse(c->in, len, c->flags, &a, &used, err,
		    sizeof(err));
		ATF_CHECK_EQ_MSG(rc, c->rc, "case %zu %s: %s", i, c->in,
		    err);
		if (rc != 0 || c->rc != 0) {
			if (rc == -1)
				ATF_CHECK_MSG(err[0] != '\0', "case %zu", i);
			continue;
		}
		ATF_CHECK_STREQ_MSG(a.user, c->user, "case %zu", i);
		ATF_CHECK_STREQ_MSG(a.domain, c->domain, "case %zu", i);
		ATF_CHECK_EQ_MSG(a.kind, c->kind, "case %zu", i);
		ATF_CHECK_EQ_MSG(used, c->used ? c->used : len, "case %zu", i);
		ATF_REQUIRE_EQ(smtp_addr_format(&a, buf, sizeof(buf)), 0);
		ATF_CHECK_EQ(smtp_addr_parse(buf, strlen(buf), c->flags, &b,
		    &used2, err, sizeof(err)), 0);
		ATF_CHECK_MSG(addr_same(&a, &b), "round trip %zu: %s", i, buf);
		ATF_CHECK_EQ(used2, strlen(buf));
	}
}

ATF_TC_WITHOUT_HEAD(smtp_addr_parse_text);
ATF_TC_BODY(smtp_addr_parse_text, tc)
{
	struct smtp_addr	 a;
	char		 err[ERRTEXT_MAX];
	size_t			 used;

	ATF_REQUIRE_EQ(smtp_addr_parse("<@r:u@d.org>", 12, R, &a, &used,
	    err, sizeof(err)), 0);
	ATF_CHECK_STREQ(a.text, "u@d.org");
	ATF_REQUIRE_EQ(smtp_addr_parse("<>", 2, M, &a, &used, err, sizeof(err)),
	    0);
	ATF_CHECK_STREQ(a.text, "");
	ATF_REQUIRE_EQ(smtp_addr_parse("<POSTMASTER>", 12, R, &a, &used,
	    err, sizeof(err)), 0);
	ATF_CHECK_STREQ(a.text, "POSTMASTER");
}

/* addr_make - "<" local "@" domain ">" with domain labels of 63 octets */
static char *
addr_make(size_t local, size_t domain, size_t *len)
{
	char	*s;
	size_t	 i, o = 0;

	s = malloc(local + domain + 4);
	ATF_REQUIRE(s != NULL);
	s[o++] = '<';
	memset(s + o, 'l', local);
	o += local;
	s[o++] = '@';
	for (i = 0; i < domain; i++)
		s[o++] = (i + 1) % 64 == 0 ? '.' : 'd';
	s[o++] = '>';
	s[o] = '\0';
	*len = o;
	return s;
}

ATF_TC_WITHOUT_HEAD(smtp_addr_parse_limits);
ATF_TC_BODY(smtp_addr_parse_limits, tc)
{
	struct smtp_addr	 a;
	char		 err[ERRTEXT_MAX];
	char			*s;
	size_t			 len, used;

	s = addr_make(SMTP_LOCALPART_MAX, 10, &len);
	ATF_CHECK_EQ(smtp_addr_parse(s, len, R, &a, &used, err, sizeof(err)),
	    0);
	free(s);
	s = addr_make(SMTP_LOCALPART_MAX + 1, 10, &len);
	ATF_CHECK_EQ(smtp_addr_parse(s, len, R, &a, &used, err, sizeof(err)),
	    -1);
	free(s);
	s = addr_make(1, SMTP_PATH_MAX - 4, &len);	/* path of 256 */
	ATF_CHECK_EQ(len, SMTP_PATH_MAX);
	ATF_CHECK_EQ(smtp_addr_parse(s, len, R, &a, &used, err, sizeof(err)),
	    0);
	ATF_CHECK_EQ(used, SMTP_PATH_MAX);
	free(s);
	s = addr_make(2, SMTP_PATH_MAX - 4, &len);	/* path of 257 */
	ATF_CHECK_EQ(smtp_addr_parse(s, len, R, &a, &used, err, sizeof(err)),
	    -1);
	free(s);
	s = addr_make(1, 63, &len);			/* label of 63 */
	ATF_CHECK_EQ(smtp_addr_parse(s, len, R, &a, &used, err, sizeof(err)),
	    0);
	free(s);
	s = addr_make(1, 64, &len);			/* "ddd...d." */
	ATF_CHECK_EQ(smtp_addr_parse(s, len, R, &a, &used, err, sizeof(err)),
	    -1);
	s[1 + 1 + 63] = 'd';				/* label of 64 */
	ATF_CHECK_EQ(smtp_addr_parse(s, len, R, &a, &used, err, sizeof(err)),
	    -1);
	free(s);
}

/* domain_make - a domain of labels of the given lengths */
static size_t
domain_make(char *s, const size_t *labels, size_t n)
{
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		if (i > 0)
			s[o++] = '.';
		memset(s + o, 'a' + i, labels[i]);
		o += labels[i];
	}
	s[o] = '\0';
	return o;
}

ATF_TC_WITHOUT_HEAD(smtp_addr_domain_valid_limits);
ATF_TC_BODY(smtp_addr_domain_valid_limits, tc)
{
	static const size_t	 at[] = { 63, 63, 63, 63 };
	static const size_t	 over[] = { 63, 63, 63, 62, 1 };
	static const size_t	 label[] = { 64, 1 };
	char			 s[300];
	size_t			 len;

	len = domain_make(s, at, 4);
	ATF_CHECK_EQ(len, SMTP_DOMAIN_MAX);
	ATF_CHECK(smtp_addr_domain_valid(s, len, 0));
	len = domain_make(s, over, 5);
	ATF_CHECK_EQ(len, SMTP_DOMAIN_MAX + 1);
	ATF_CHECK(!smtp_addr_domain_valid(s, len, 0));
	ATF_CHECK(smtp_addr_domain_valid(s + 2, len - 2, 0));
	len = domain_make(s, label, 2);
	ATF_CHECK(!smtp_addr_domain_valid(s, len, 0));
	ATF_CHECK(smtp_addr_domain_valid(s + 1, len - 1, 0));
	ATF_CHECK(smtp_addr_domain_valid("[127.0.0.1]", 11, 0));
	ATF_CHECK(smtp_addr_domain_valid("a.b-c.d", 7, 0));
	ATF_CHECK(!smtp_addr_domain_valid("a.b ", 4, 0));
	ATF_CHECK(!smtp_addr_domain_valid("a\nb", 3, 0));
	ATF_CHECK(!smtp_addr_domain_valid("", 0, 0));
	ATF_CHECK(!smtp_addr_domain_valid("\xc3\xa9", 2, 0));
	ATF_CHECK(smtp_addr_domain_valid("\xc3\xa9", 2, 1));
}

ATF_TC_WITHOUT_HEAD(smtp_addr_format_room);
ATF_TC_BODY(smtp_addr_format_room, tc)
{
	struct smtp_addr	 a;
	char		 err[ERRTEXT_MAX];
	char			 buf[8];
	size_t			 used;

	ATF_REQUIRE_EQ(smtp_addr_parse("<ab@cd>", 7, R, &a, &used, err,
	    sizeof(err)),
	    0);
	ATF_CHECK_EQ(smtp_addr_format(&a, buf, 8), 0);
	ATF_CHECK_STREQ(buf, "<ab@cd>");
	ATF_CHECK_EQ(smtp_addr_format(&a, buf, 7), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, smtp_addr_parse_table);
	ATF_TP_ADD_TC(tp, smtp_addr_parse_text);
	ATF_TP_ADD_TC(tp, smtp_addr_parse_limits);
	ATF_TP_ADD_TC(tp, smtp_addr_domain_valid_limits);
	ATF_TP_ADD_TC(tp, smtp_addr_format_room);
	return atf_no_error();
}
