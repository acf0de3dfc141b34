/*
 * t_smtp_client_text.c - the pure pieces of the client engine: queue
 * addresses as SMTP paths (bare LMTP names, limits, malformed input),
 * the text of a reply, the AUTH PLAIN token and ORCPT halves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "defs.h"
#include "smtp_client.h"
#include "smtp_cmd.h"
#include "smtp_reply.h"

ATF_TC_WITHOUT_HEAD(smtp_client_text_addr_table);
ATF_TC_BODY(smtp_client_text_addr_table, tc)
{
	static const struct {
		const char	*in;
		int		 flags;
		int		 ok;
		int		 kind;		/* bits that must be set */
	} t[] = {
		{ "bob@example.org", SMTP_ADDR_F_RCPT, 1, 0 },
		{ "", SMTP_ADDR_F_MAIL, 1, SMTP_ADDR_NULL },
		{ "", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "", SMTP_ADDR_F_RCPT | SMTP_CLIENT_TEXT_BARE, 0, 0 },
		{ "bob", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "postmaster", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "bob", SMTP_ADDR_F_RCPT | SMTP_CLIENT_TEXT_BARE, 1, 0 },
		{ "b.o-b_1+x", SMTP_ADDR_F_MAIL | SMTP_CLIENT_TEXT_BARE, 1, 0 },
		{ "sh`x`", SMTP_ADDR_F_RCPT | SMTP_CLIENT_TEXT_BARE, 0, 0 },
		{ "a b", SMTP_ADDR_F_RCPT | SMTP_CLIENT_TEXT_BARE, 0, 0 },
		{ "bob@[192.0.2.1]", SMTP_ADDR_F_RCPT, 1, SMTP_ADDR_LITERAL },
		{ "j\xc3\xb6rg@example.org", SMTP_ADDR_F_RCPT, 1,
		    SMTP_ADDR_UTF8 },
		{ "bob@exa mple.org", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "bob@example.org\n", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "bob@example.org>", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "<bob@example.org>", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "bob\r@example.org", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "\xff@example.org", SMTP_ADDR_F_RCPT, 0, 0 },
	};
	struct smtp_addr	a;
	char			path[SMTP_PATH_MAX + 1];
	size_t			i;
	int			r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = smtp_client_text_addr(t[i].in, t[i].flags, &a);
		ATF_CHECK_EQ_MSG(r == 0, t[i].ok, "case %zu", i);
		if (r != 0)
			continue;
		ATF_CHECK_MSG((a.kind & t[i].kind) == t[i].kind,
		    "case %zu kind %x", i, a.kind);
		/* the path goes out as it came in */
		ATF_REQUIRE_EQ(smtp_addr_format(&a, path, sizeof(path)), 0);
		ATF_CHECK_EQ(strlen(path), strlen(t[i].in) + 2);
		ATF_CHECK(strncmp(path + 1, t[i].in, strlen(t[i].in)) == 0);
	}
}

ATF_TC_WITHOUT_HEAD(smtp_client_text_addr_limits);
ATF_TC_BODY(smtp_client_text_addr_limits, tc)
{
	struct smtp_addr	a;
	char			s[SMTP_LOCALPART_MAX + 32];

	/* a local part of exactly 64 octets, then 65; bare names too */
	memset(s, 'a', SMTP_LOCALPART_MAX);
	strlcpy(s + SMTP_LOCALPART_MAX, "@example.org",
	    sizeof(s) - SMTP_LOCALPART_MAX);
	ATF_CHECK_EQ(smtp_client_text_addr(s, SMTP_ADDR_F_RCPT, &a), 0);
	memset(s, 'a', SMTP_LOCALPART_MAX + 1);
	strlcpy(s + SMTP_LOCALPART_MAX + 1, "@example.org",
	    sizeof(s) - SMTP_LOCALPART_MAX - 1);
	ATF_CHECK_EQ(smtp_client_text_addr(s, SMTP_ADDR_F_RCPT, &a), -1);
	s[SMTP_LOCALPART_MAX] = '\0';
	ATF_CHECK_EQ(smtp_client_text_addr(s, SMTP_ADDR_F_RCPT |
	    SMTP_CLIENT_TEXT_BARE, &a), 0);
	s[SMTP_LOCALPART_MAX] = 'a';
	s[SMTP_LOCALPART_MAX + 1] = '\0';
	ATF_CHECK_EQ(smtp_client_text_addr(s, SMTP_ADDR_F_RCPT |
	    SMTP_CLIENT_TEXT_BARE, &a), -1);
}

ATF_TC_WITHOUT_HEAD(smtp_client_text_reply_lines);
ATF_TC_BODY(smtp_client_text_reply_lines, tc)
{
	struct smtp_reply_parser	rp;
	char				buf[64], tiny[8];

	smtp_reply_init(&rp);
	ATF_REQUIRE_EQ(smtp_reply_feed(&rp, "550-5.1.1 first", 15),
	    SMTP_REPLY_MORE);
	ATF_REQUIRE_EQ(smtp_reply_feed(&rp, "550 5.1.1 second\t\xc3\xa9", 19),
	    SMTP_REPLY_DONE);
	smtp_client_text_reply(&rp, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "first second???");
	smtp_client_text_reply(&rp, tiny, sizeof(tiny));
	ATF_CHECK_STREQ(tiny, "first s");
}

ATF_TC_WITHOUT_HEAD(smtp_client_text_plain_vectors);
ATF_TC_BODY(smtp_client_text_plain_vectors, tc)
{
	char	buf[SMTP_CMD_LINE_MAX], small[8];
	char	user[400];

	ATF_CHECK_EQ(smtp_client_text_plain(buf, sizeof(buf), "user", "pass"), 0);
	ATF_CHECK_STREQ(buf, "AHVzZXIAcGFzcw==");
	ATF_CHECK_EQ(smtp_client_text_plain(buf, sizeof(buf), "tim",
	    "tanstaaftanstaaf"), 0);
	ATF_CHECK_STREQ(buf, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	ATF_CHECK_EQ(smtp_client_text_plain(buf, sizeof(buf), "", "pass"), -1);
	ATF_CHECK_EQ(smtp_client_text_plain(small, sizeof(small), "user", "pass"),
	    -1);
	/* 382 octets encode to 512 characters: no room for the NUL */
	memset(user, 'u', 380);
	user[380] = '\0';
	ATF_CHECK_EQ(smtp_client_text_plain(buf, sizeof(buf), user, ""), -1);
	user[379] = '\0';
	ATF_CHECK_EQ(smtp_client_text_plain(buf, sizeof(buf), user, ""), 0);
	ATF_CHECK_EQ(strlen(buf), 508);
}

ATF_TC_WITHOUT_HEAD(smtp_client_text_orcpt_split);
ATF_TC_BODY(smtp_client_text_orcpt_split, tc)
{
	char	type[8], addr[32];

	ATF_CHECK_EQ(smtp_client_text_orcpt("rfc822;bob@b.test", type,
	    sizeof(type), addr, sizeof(addr)), 0);
	ATF_CHECK_STREQ(type, "rfc822");
	ATF_CHECK_STREQ(addr, "bob@b.test");
	ATF_CHECK_EQ(smtp_client_text_orcpt("", type, sizeof(type), addr,
	    sizeof(addr)), -1);
	ATF_CHECK_EQ(smtp_client_text_orcpt(";bob@b.test", type, sizeof(type), addr,
	    sizeof(addr)), -1);
	ATF_CHECK_EQ(smtp_client_text_orcpt("rfc822;", type, sizeof(type), addr,
	    sizeof(addr)), -1);
	/* a type of exactly 7 octets fits, 8 does not */
	ATF_CHECK_EQ(smtp_client_text_orcpt("abcdefg;x", type, sizeof(type), addr,
	    sizeof(addr)), 0);
	ATF_CHECK_EQ(smtp_client_text_orcpt("abcdefgh;x", type, sizeof(type), addr,
	    sizeof(addr)), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, smtp_client_text_addr_table);
	ATF_TP_ADD_TC(tp, smtp_client_text_addr_limits);
	ATF_TP_ADD_TC(tp, smtp_client_text_reply_lines);
	ATF_TP_ADD_TC(tp, smtp_client_text_plain_vectors);
	ATF_TP_ADD_TC(tp, smtp_client_text_orcpt_split);
	return atf_no_error();
}
