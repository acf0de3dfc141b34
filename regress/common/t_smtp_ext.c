/*
 * t_smtp_ext.c - EHLO advertising and parsing, limits, malformed replies
 * and round trips.
 */
#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "smtp_ext.h"
#include "smtp_reply.h"

/* ext_feed - feed a whole formatted reply to a parser; its last status */
static int
ext_feed(struct smtp_reply_parser *p, const char *buf)
{
	const char	*s, *e;
	int		 st = SMTP_REPLY_ERROR;

	smtp_reply_init(p);
	for (s = buf; *s != '\0'; s = e + 2) {
		if ((e = strstr(s, "\r\n")) == NULL)
			return SMTP_REPLY_ERROR;
		if ((st = smtp_reply_feed(p, s, e - s)) == SMTP_REPLY_ERROR)
			return st;
	}
	return st;
}

ATF_TC_WITHOUT_HEAD(smtp_ext_advertise_full);
ATF_TC_BODY(smtp_ext_advertise_full, tc)
{
	struct smtp_ext	 ext;
	char		 buf[1024];

	memset(&ext, 0, sizeof(ext));
	ext.flags = SMTP_EXT_PIPELINING | SMTP_EXT_SIZE | SMTP_EXT_8BITMIME |
	    SMTP_EXT_ENHANCEDSTATUSCODES | SMTP_EXT_SMTPUTF8 | SMTP_EXT_DSN |
	    SMTP_EXT_CHUNKING | SMTP_EXT_HELP | SMTP_EXT_AUTH;
	ext.size = 36700160;
	strlcpy(ext.auth, "PLAIN LOGIN", sizeof(ext.auth));
	ATF_REQUIRE_EQ(smtp_ext_advertise(&ext, "mx.example.org",
	    "Hello client [192.0.2.1]", buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf,
	    "250-mx.example.org Hello client [192.0.2.1]\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 36700160\r\n"
	    "250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250-SMTPUTF8\r\n"
	    "250-DSN\r\n"
	    "250-CHUNKING\r\n"
	    "250-HELP\r\n"
	    "250 AUTH PLAIN LOGIN\r\n");
	ext.flags = SMTP_EXT_STARTTLS | SMTP_EXT_SIZE;
	ext.size = 0;
	ATF_REQUIRE_EQ(smtp_ext_advertise(&ext, "mx", NULL, buf,
	    sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "250-mx\r\n250-SIZE\r\n250 STARTTLS\r\n");
	ext.flags = 0;
	ATF_REQUIRE_EQ(smtp_ext_advertise(&ext, "mx", "", buf, sizeof(buf)),
	    0);
	ATF_CHECK_STREQ(buf, "250 mx\r\n");
}

ATF_TC_WITHOUT_HEAD(smtp_ext_advertise_bad);
ATF_TC_BODY(smtp_ext_advertise_bad, tc)
{
	struct smtp_ext	 ext;
	char		 buf[256], host[300];

	memset(&ext, 0, sizeof(ext));
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "", NULL, buf, sizeof(buf)), -1);
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "a b", NULL, buf, sizeof(buf)),
	    -1);
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "a\nb", NULL, buf, sizeof(buf)),
	    -1);
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "h\xc3\xa9", NULL, buf,
	    sizeof(buf)), -1);
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "mx", "hi\n250 x", buf,
	    sizeof(buf)), -1);
	memset(host, 'h', sizeof(host));
	host[255] = '\0';				/* 255: fits HOST_MAX */
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, host, NULL, buf, sizeof(buf)),
	    -1);					/* buf too small */
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, host, NULL, host, 0), -1);
	host[256] = '\0';
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, host + 1, NULL, buf,
	    sizeof(buf)), -1);
	ext.flags = SMTP_EXT_AUTH;
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "mx", NULL, buf, sizeof(buf)),
	    -1);					/* no mechanism */
	strlcpy(ext.auth, "PLAIN  LOGIN", sizeof(ext.auth));
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "mx", NULL, buf, sizeof(buf)),
	    -1);
	strlcpy(ext.auth, "plain", sizeof(ext.auth));
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "mx", NULL, buf, sizeof(buf)),
	    -1);
	strlcpy(ext.auth, "ABCDEFGHIJKLMNOPQRSTU", sizeof(ext.auth));
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "mx", NULL, buf, sizeof(buf)),
	    -1);					/* 21 octets */
	ext.auth[20] = '\0';
	ATF_CHECK_EQ(smtp_ext_advertise(&ext, "mx", NULL, buf, sizeof(buf)),
	    0);
}

struct ext_case {
	const char	*reply;
	int		 rc;
	unsigned int	 flags;
	uint64_t	 size;
	const char	*auth;
};

static const struct ext_case ext_cases[] = {
	{ "250-mx hi\r\n250-pipelining\r\n250-Size 1000\r\n250 8BITMIME\r\n",
	    0, SMTP_EXT_PIPELINING | SMTP_EXT_SIZE | SMTP_EXT_8BITMIME, 1000,
	    "" },
	{ "250-mx\r\n250-AUTH login plain\r\n250-AUTH=LOGIN\r\n250 X-FOO\r\n",
	    0, SMTP_EXT_AUTH, 0, "LOGIN PLAIN" },
	{ "250-mx\r\n250-AUTH\r\n250 STARTTLS\r\n", 0, SMTP_EXT_STARTTLS, 0,
	    "" },
	{ "250-mx\r\n250-AUTH PLAIN B\xc3\xa9 ABCDEFGHIJKLMNOPQRSTU\r\n250 DSN\r\n",
	    0, SMTP_EXT_AUTH | SMTP_EXT_DSN, 0, "PLAIN" },
	{ "250-mx\r\n250-SIZE\r\n250 CHUNKING\r\n", 0,
	    SMTP_EXT_SIZE | SMTP_EXT_CHUNKING, 0, "" },
	{ "250-mx\r\n250-SIZE 18446744073709551615\r\n250 HELP\r\n", 0,
	    SMTP_EXT_SIZE | SMTP_EXT_HELP, UINT64_MAX, "" },
	{ "250-mx\r\n250-SIZE 18446744073709551616\r\n250 HELP\r\n", 0,
	    SMTP_EXT_HELP, 0, "" },
	{ "250-mx\r\n250-SIZE 12x\r\n250 SMTPUTF8\r\n", 0, SMTP_EXT_SMTPUTF8,
	    0, "" },
	{ "250-mx\r\n250-PIPELININGX\r\n250 ENHANCEDSTATUSCODES\r\n", 0,
	    SMTP_EXT_ENHANCEDSTATUSCODES, 0, "" },
	{ "250 mx\r\n", 0, 0, 0, "" },
	{ "502 5.5.1 no\r\n", -1, 0, 0, "" },
	{ "250-mx\r\n", -1, 0, 0, "" },
};

ATF_TC_WITHOUT_HEAD(smtp_ext_parse_table);
ATF_TC_BODY(smtp_ext_parse_table, tc)
{
	const struct ext_case		*c;
	struct smtp_reply_parser	 p;
	struct smtp_ext			 ext;
	size_t				 i;

	for (i = 0; i < sizeof(ext_cases) / sizeof(ext_cases[0]); i++) {
		c = &ext_cases[i];
		ATF_REQUIRE(ext_feed(&p, c->reply) != SMTP_REPLY_ERROR);
		ATF_CHECK_EQ_MSG(smtp_ext_parse(&ext, &p), c->rc, "case %zu", i);
		if (c->rc != 0)
			continue;
		ATF_CHECK_EQ_MSG(ext.flags, c->flags, "case %zu", i);
		ATF_CHECK_EQ_MSG(ext.size, c->size, "case %zu", i);
		ATF_CHECK_STREQ_MSG(ext.auth, c->auth, "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(smtp_ext_auth_has_names);
ATF_TC_BODY(smtp_ext_auth_has_names, tc)
{
	struct smtp_ext	ext;

	memset(&ext, 0, sizeof(ext));
	strlcpy(ext.auth, "PLAIN LOGIN CRAM-MD5", sizeof(ext.auth));
	ATF_CHECK(smtp_ext_auth_has(&ext, "PLAIN"));
	ATF_CHECK(smtp_ext_auth_has(&ext, "login"));
	ATF_CHECK(smtp_ext_auth_has(&ext, "CRAM-MD5"));
	ATF_CHECK(!smtp_ext_auth_has(&ext, "CRAM"));
	ATF_CHECK(!smtp_ext_auth_has(&ext, "PLAINX"));
	ATF_CHECK(!smtp_ext_auth_has(&ext, ""));
}

ATF_TC_WITHOUT_HEAD(smtp_ext_advertise_roundtrip);
ATF_TC_BODY(smtp_ext_advertise_roundtrip, tc)
{
	struct smtp_reply_parser	 p;
	struct smtp_ext			 in, out;
	char				 buf[1024];
	unsigned int			 f;

	/* every subset of the ten extensions comes back unchanged */
	for (f = 0; f < 1024; f++) {
		memset(&in, 0, sizeof(in));
		in.flags = f;
		in.size = f & SMTP_EXT_SIZE ? 10485760 + f : 0;
		if (f & SMTP_EXT_AUTH)
			strlcpy(in.auth, f & 1 ? "PLAIN" : "PLAIN LOGIN",
			    sizeof(in.auth));
		ATF_REQUIRE_EQ(smtp_ext_advertise(&in, "mx.example.org",
		    "greets you", buf, sizeof(buf)), 0);
		ATF_REQUIRE_EQ(ext_feed(&p, buf), SMTP_REPLY_DONE);
		ATF_REQUIRE_EQ(smtp_ext_parse(&out, &p), 0);
		ATF_CHECK_EQ_MSG(out.flags, in.flags, "flags %#x", f);
		ATF_CHECK_EQ(out.size, in.size);
		ATF_CHECK_STREQ(out.auth, in.auth);
		ATF_CHECK_STREQ(smtp_reply_line(&p, 0),
		    "mx.example.org greets you");
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, smtp_ext_advertise_full);
	ATF_TP_ADD_TC(tp, smtp_ext_advertise_bad);
	ATF_TP_ADD_TC(tp, smtp_ext_parse_table);
	ATF_TP_ADD_TC(tp, smtp_ext_auth_has_names);
	ATF_TP_ADD_TC(tp, smtp_ext_advertise_roundtrip);
	return atf_no_error();
}
