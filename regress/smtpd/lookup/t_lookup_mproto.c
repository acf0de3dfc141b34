/*
 * t_lookup_mproto.c - the milter protocol: every command packet byte for
 * byte, every reply kind parsed, packets cut at every length, and the
 * packets a hostile milter may send instead.
 */
#include <string.h>

#include <atf-c.h>

#include "buf.h"
#include "../../../smtpd/lookup/lookup_mproto.h"

/* a packet written as a string literal, its length without the last NUL */
#define T_PKT(s)	(s), (sizeof(s) - 1)

/* t_same - b holds exactly the n octets of want */
static void
t_same(const struct buf *b, const char *want, size_t n)
{
	ATF_CHECK_EQ_MSG(b->len, n, "length %zu, want %zu", b->len, n);
	ATF_CHECK(b->len == n && memcmp(b->data, want, n) == 0);
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_optneg_macros);
ATF_TC_BODY(lookup_mproto_optneg_macros, tc)
{
	const char	*nv[] = { "j", "mx.example.org", "{daemon_name}",
			    "posthorn", "_", "" };
	struct buf	 b;

	buf_init(&b, 4096);
	ATF_REQUIRE_EQ(lookup_mproto_optneg(&b, LOOKUP_MPROTO_VERSION,
	    0x1ff, 0x1fffff), 0);
	t_same(&b, T_PKT("\0\0\0\x0d" "O" "\0\0\0\x06" "\0\0\x01\xff"
	    "\0\x1f\xff\xff"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_macros(&b, LOOKUP_MPROTO_C_CONNECT, nv,
	    3), 0);
	t_same(&b, T_PKT("\0\0\0\x2d" "D" "C" "j\0mx.example.org\0"
	    "{daemon_name}\0posthorn\0" "_\0\0"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_macros(&b, LOOKUP_MPROTO_C_BODYEOB, NULL,
	    0), 0);
	t_same(&b, T_PKT("\0\0\0\x02" "DE"));
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_connect_helo);
ATF_TC_BODY(lookup_mproto_connect_helo, tc)
{
	struct buf	 b;

	buf_init(&b, 4096);
	ATF_REQUIRE_EQ(lookup_mproto_connect(&b, "mail.example.org",
	    LOOKUP_MPROTO_A_INET, 33174, "192.0.2.25"), 0);
	t_same(&b, T_PKT("\0\0\0\x20" "C" "mail.example.org\0" "4"
	    "\x81\x96" "192.0.2.25\0"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_connect(&b, "[2001:db8::1]",
	    LOOKUP_MPROTO_A_INET6, 25, "2001:db8::1"), 0);
	t_same(&b, T_PKT("\0\0\0\x1e" "C" "[2001:db8::1]\0" "6" "\0\x19"
	    "2001:db8::1\0"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_connect(&b, "localhost",
	    LOOKUP_MPROTO_A_UNIX, 0, "/var/run/s"), 0);
	t_same(&b, T_PKT("\0\0\0\x19" "C" "localhost\0" "L" "\0\0"
	    "/var/run/s\0"));
	buf_reset(&b);
	/* unknown family: neither port nor address */
	ATF_REQUIRE_EQ(lookup_mproto_connect(&b, "localhost",
	    LOOKUP_MPROTO_A_UNKNOWN, 25, NULL), 0);
	t_same(&b, T_PKT("\0\0\0\x0c" "C" "localhost\0" "U"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_helo(&b, "client.example.org"), 0);
	t_same(&b, T_PKT("\0\0\0\x14" "H" "client.example.org\0"));
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_envelope_content);
ATF_TC_BODY(lookup_mproto_envelope_content, tc)
{
	const char	*mail[] = { "<bob@example.org>", "SIZE=1024",
			    "BODY=8BITMIME" };
	const char	*rcpt[] = { "<alice@example.net>" };
	struct buf	 b;

	buf_init(&b, 4096);
	ATF_REQUIRE_EQ(lookup_mproto_args(&b, LOOKUP_MPROTO_C_MAIL, mail, 3),
	    0);
	t_same(&b, T_PKT("\0\0\0\x2b" "M" "<bob@example.org>\0"
	    "SIZE=1024\0" "BODY=8BITMIME\0"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_args(&b, LOOKUP_MPROTO_C_RCPT, rcpt, 1),
	    0);
	t_same(&b, T_PKT("\0\0\0\x15" "R" "<alice@example.net>\0"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_header(&b, "Subject", "a\n\tb"), 0);
	t_same(&b, T_PKT("\0\0\0\x0e" "L" "Subject\0" "a\n\tb\0"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_header(&b, "X-Empty", ""), 0);
	t_same(&b, T_PKT("\0\0\0\x0a" "L" "X-Empty\0" "\0"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_body(&b, "hi\r\n", 4), 0);
	t_same(&b, T_PKT("\0\0\0\x05" "B" "hi\r\n"));
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_cmd(&b, LOOKUP_MPROTO_C_DATA), 0);
	ATF_REQUIRE_EQ(lookup_mproto_cmd(&b, LOOKUP_MPROTO_C_EOH), 0);
	ATF_REQUIRE_EQ(lookup_mproto_cmd(&b, LOOKUP_MPROTO_C_BODYEOB), 0);
	ATF_REQUIRE_EQ(lookup_mproto_cmd(&b, LOOKUP_MPROTO_C_ABORT), 0);
	ATF_REQUIRE_EQ(lookup_mproto_cmd(&b, LOOKUP_MPROTO_C_QUIT), 0);
	ATF_REQUIRE_EQ(lookup_mproto_cmd(&b, LOOKUP_MPROTO_C_QUIT_NC), 0);
	t_same(&b, T_PKT("\0\0\0\x01T" "\0\0\0\x01N" "\0\0\0\x01" "E"
	    "\0\0\0\x01" "A" "\0\0\0\x01Q" "\0\0\0\x01K"));
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_body_chunk);
ATF_TC_BODY(lookup_mproto_body_chunk, tc)
{
	static char	 chunk[LOOKUP_MPROTO_CHUNK + 1];
	struct buf	 b;

	memset(chunk, 'x', sizeof(chunk));
	buf_init(&b, 2 * sizeof(chunk));
	ATF_REQUIRE_EQ(lookup_mproto_body(&b, chunk, LOOKUP_MPROTO_CHUNK), 0);
	ATF_CHECK_EQ(b.len, 5 + LOOKUP_MPROTO_CHUNK);
	ATF_CHECK(memcmp(b.data, "\0\x01\0\0" "B", 5) == 0);
	ATF_CHECK_EQ(lookup_mproto_body(&b, chunk, LOOKUP_MPROTO_CHUNK + 1),
	    -1);
	ATF_CHECK_EQ(b.len, 5 + LOOKUP_MPROTO_CHUNK);
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_mproto_body(&b, NULL, 0), 0);
	t_same(&b, T_PKT("\0\0\0\x01" "B"));
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_encode_refused);
ATF_TC_BODY(lookup_mproto_encode_refused, tc)
{
	const char	*nv[] = { "", "x" };
	const char	*nv2[] = { "j", NULL };
	const char	*args[] = { NULL };
	struct buf	 b;

	buf_init(&b, 24);
	ATF_REQUIRE_EQ(buf_addstr(&b, "kept"), 0);
	ATF_CHECK_EQ(lookup_mproto_macros(&b, 'Z', NULL, 0), -1);
	ATF_CHECK_EQ(lookup_mproto_macros(&b, LOOKUP_MPROTO_C_HELO, nv, 1),
	    -1);
	ATF_CHECK_EQ(lookup_mproto_macros(&b, LOOKUP_MPROTO_C_HELO, nv2, 1),
	    -1);
	ATF_CHECK_EQ(lookup_mproto_connect(&b, "h", 'X', 25, "a"), -1);
	ATF_CHECK_EQ(lookup_mproto_connect(&b, NULL, '4', 25, "a"), -1);
	ATF_CHECK_EQ(lookup_mproto_connect(&b, "h", '4', 25, NULL), -1);
	ATF_CHECK_EQ(lookup_mproto_helo(&b, NULL), -1);
	ATF_CHECK_EQ(lookup_mproto_args(&b, LOOKUP_MPROTO_C_HELO, args, 0),
	    -1);
	ATF_CHECK_EQ(lookup_mproto_args(&b, LOOKUP_MPROTO_C_MAIL, args, 0),
	    -1);
	ATF_CHECK_EQ(lookup_mproto_args(&b, LOOKUP_MPROTO_C_MAIL, args, 1),
	    -1);
	ATF_CHECK_EQ(lookup_mproto_header(&b, "", "v"), -1);
	ATF_CHECK_EQ(lookup_mproto_header(&b, "N", NULL), -1);
	ATF_CHECK_EQ(lookup_mproto_cmd(&b, LOOKUP_MPROTO_C_HELO), -1);
	ATF_CHECK_EQ(lookup_mproto_cmd(&b, '\0'), -1);
	/* past the cap: 4 + 5 + 15 = 24 fits, one more does not */
	ATF_CHECK_EQ(lookup_mproto_helo(&b, "0123456789abcde"), -1);
	ATF_CHECK_EQ(b.len, 4);
	ATF_CHECK_STREQ(b.data, "kept");
	ATF_CHECK_EQ(lookup_mproto_helo(&b, "0123456789abcd"), 0);
	ATF_CHECK_EQ(b.len, 24);
	buf_free(&b);
}

/* t_parse - parse the whole of p as one packet; the result */
static int
t_parse(const char *p, size_t len, struct lookup_mproto_reply *r)
{
	char	err[128];
	size_t	used = 0;
	int	ret;

	err[0] = '\0';
	ret = lookup_mproto_parse(p, len, &used, r, err, sizeof(err));
	if (ret == 1)
		ATF_CHECK_EQ(used, len);
	if (ret == -1)
		ATF_CHECK_MSG(err[0] != '\0', "no reason");
	return ret;
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_parse_simple);
ATF_TC_BODY(lookup_mproto_parse_simple, tc)
{
	const char			*kinds = "4acdfprst";
	struct lookup_mproto_reply	 r;
	char				 pkt[5] = { 0, 0, 0, 1, 0 };

	for (; *kinds != '\0'; kinds++) {
		pkt[4] = *kinds;
		ATF_REQUIRE_EQ_MSG(t_parse(pkt, 5, &r), 1, "%c", *kinds);
		ATF_CHECK_EQ(r.kind, *kinds);
		ATF_CHECK(r.s1 == NULL && r.s2 == NULL && r.data == NULL);
	}
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x0d" "O" "\0\0\0\x06"
	    "\0\0\0\x13" "\0\x10\0\x02"), &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_OPTNEG);
	ATF_CHECK_EQ(r.version, 6);
	ATF_CHECK_EQ(r.actions, 0x13);
	ATF_CHECK_EQ(r.protocol, LOOKUP_MPROTO_P_HDR_LEADSPC |
	    LOOKUP_MPROTO_P_NOHELO);
	/* with macro lists: accepted, ignored */
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x26" "O" "\0\0\0\x06"
	    "\0\0\x01\0" "\0\0\0\0" "\0\0\0\x02" "{auth_authen} i\0"
	    "\0\0\0\x05" "\0"), &r), 1);
	ATF_CHECK_EQ(r.actions, LOOKUP_MPROTO_F_SETSYMLIST);
	ATF_CHECK_STREQ(lookup_mproto_reply_name('y'), "REPLYCODE");
	ATF_CHECK_STREQ(lookup_mproto_reply_name('Z'), "?");
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_parse_edits);
ATF_TC_BODY(lookup_mproto_parse_edits, tc)
{
	struct lookup_mproto_reply	 r;

	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x09" "+" "<a@b.c>\0"), &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_ADDRCPT);
	ATF_CHECK_STREQ(r.s1, "<a@b.c>");
	ATF_CHECK(r.s2 == NULL);
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x09" "-" "<a@b.c>\0"), &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_DELRCPT);
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x09" "2" "<a@b.c>\0"), &r), 1);
	ATF_CHECK_STREQ(r.s2, "");
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x16" "2" "<a@b.c>\0"
	    "NOTIFY=NEVER\0"), &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_ADDRCPT_PAR);
	ATF_CHECK_STREQ(r.s2, "NOTIFY=NEVER");
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x04" "e" "<>\0"), &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_CHGFROM);
	ATF_CHECK_STREQ(r.s1, "<>");
	/* no arguments: "", inside the packet like every pointer */
	ATF_CHECK(r.s2 == r.s1 + 2 && r.s2[0] == '\0');
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x0b" "h" "X-A\0" "v\r\n w\0"),
	    &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_ADDHEADER);
	ATF_CHECK_STREQ(r.s1, "X-A");
	ATF_CHECK_STREQ(r.s2, "v\r\n w");
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x09" "i" "\0\0\0\0" "X\0" "1\0"),
	    &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_INSHEADER);
	ATF_CHECK_EQ(r.index, 0);
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x08" "m" "\xff\xff\xff\xff" "X\0"
	    "\0"), &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_CHGHEADER);
	ATF_CHECK_EQ(r.index, 0xffffffffU);
	ATF_CHECK_STREQ(r.s2, "");
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x06" "b" "a\r\0b\n"), &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_REPLBODY);
	ATF_CHECK_EQ(r.len, 5);
	ATF_CHECK(memcmp(r.data, "a\r\0b\n", 5) == 0);
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x01" "b"), &r), 1);
	ATF_CHECK_EQ(r.len, 0);
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x06" "q" "spam\0"), &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_QUARANTINE);
	ATF_CHECK_STREQ(r.s1, "spam");
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_parse_replycode);
ATF_TC_BODY(lookup_mproto_parse_replycode, tc)
{
	struct lookup_mproto_reply	 r;

	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x13" "y" "550 5.7.1 go away\0"),
	    &r), 1);
	ATF_CHECK_EQ(r.kind, LOOKUP_MPROTO_R_REPLYCODE);
	ATF_CHECK_STREQ(r.s1, "550 5.7.1 go away");
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x1e" "y" "451-4.7.1 one\r\n"
	    "451 4.7.1 two\0"), &r), 1);
	ATF_CHECK_STREQ(r.s1, "451-4.7.1 one\r\n451 4.7.1 two");
	ATF_REQUIRE_EQ(t_parse(T_PKT("\0\0\0\x06" "y" "421 \0"), &r), 1);
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_parse_partial);
ATF_TC_BODY(lookup_mproto_parse_partial, tc)
{
	static const char	 stream[] = "\0\0\0\x0b" "h" "X-A\0" "v\r\n w\0"
				    "\0\0\0\x01" "c"
				    "\0\0\0\x13" "y" "550 5.7.1 go away\0";
	static const size_t	 ends[] = { 15, 20, 43 };
	struct lookup_mproto_reply r;
	char			 err[128];
	size_t			 split, used, at, i;
	int			 ret;

	/* the stream cut at every length: each packet parsed once whole */
	for (split = 0; split <= sizeof(stream) - 1; split++) {
		for (at = 0, i = 0; i < 3; i++) {
			used = 0;
			ret = lookup_mproto_parse(stream + at, split - at,
			    &used, &r, err, sizeof(err));
			ATF_CHECK_EQ_MSG(ret, ends[i] <= split ? 1 : 0,
			    "split %zu packet %zu", split, i);
			if (ret != 1)
				break;
			at += used;
			ATF_CHECK_EQ(at, ends[i]);
		}
	}
}

ATF_TC_WITHOUT_HEAD(lookup_mproto_parse_hostile);
ATF_TC_BODY(lookup_mproto_parse_hostile, tc)
{
#define T_BAD(s)	{ (s), sizeof(s) - 1 }
	static const struct {
		const char	*p;
		size_t		 len;
	} bad[] = {
		T_BAD("\0\0\0\0"),			/* length 0 */
		T_BAD("\0\x10\0\x01"),			/* over the maximum */
		T_BAD("\xff\xff\xff\xff"),
		T_BAD("\0\0\0\x01" "Z"),		/* unknown reply */
		T_BAD("\0\0\0\x01" "\0"),
		T_BAD("\0\0\0\x01" "l"),		/* not on its own */
		T_BAD("\0\0\0\x01" "C"),		/* a command */
		T_BAD("\0\0\0\x02" "cx"),		/* data after c */
		T_BAD("\0\0\0\x02" "a\0"),
		T_BAD("\0\0\0\x05" "O" "\0\0\0\x06"),	/* short optneg */
		T_BAD("\0\0\0\x0f" "O" "\0\0\0\x06" "\0\0\0\0" "\0\0\0\0"
		    "\0\0"),				/* list w/o stage */
		T_BAD("\0\0\0\x12" "O" "\0\0\0\x06" "\0\0\0\0" "\0\0\0\0"
		    "\0\0\0\x01" "j"),			/* unterminated */
		T_BAD("\0\0\0\x13" "O" "\0\0\0\x06" "\0\0\0\0" "\0\0\0\0"
		    "\0\0\0\x01" "\n\0"),		/* control octet */
		T_BAD("\0\0\0\x04" "+" "a@b"),		/* unterminated */
		T_BAD("\0\0\0\x02" "+" "\0"),		/* empty address */
		T_BAD("\0\0\0\x05" "+" "a\0b\0"),	/* left over */
		T_BAD("\0\0\0\x06" "-" "a\r\nb\0"),	/* line end */
		T_BAD("\0\0\0\x06" "2" "a\0b\tc"),	/* unterminated args */
		T_BAD("\0\0\0\x07" "e" "a\0b\0c\0"),	/* left over */
		T_BAD("\0\0\0\x04" "h" "X\0v"),		/* unterminated */
		T_BAD("\0\0\0\x03" "h" "X\0"),		/* no value */
		T_BAD("\0\0\0\x06" "h" "X\0v\0\0"),	/* left over */
		T_BAD("\0\0\0\x04" "h" "\0v\0"),	/* empty name */
		T_BAD("\0\0\0\x06" "h" "X:Y\0\0"),	/* ':' in name */
		T_BAD("\0\0\0\x06" "h" "X Y\0\0"),	/* space in name */
		T_BAD("\0\0\0\x06" "h" "X\xe9Y\0\0"),	/* 8-bit name */
		T_BAD("\0\0\0\x07" "h" "X\0a\rb\0"),	/* bare CR */
		T_BAD("\0\0\0\x07" "h" "X\0a\nb\0"),	/* LF, no blank */
		T_BAD("\0\0\0\x08" "h" "X\0a\r\nb\0"),	/* CRLF, no blank */
		T_BAD("\0\0\0\x06" "h" "X\0a\n\0"),	/* ends with LF */
		T_BAD("\0\0\0\x08" "h" "X\0a\n \n\0"),	/* blank line */
		T_BAD("\0\0\0\x06" "h" "X\0a\r\0"),	/* ends with CR */
		T_BAD("\0\0\0\x04" "i" "\0\0\0"),	/* short index */
		T_BAD("\0\0\0\x07" "m" "\0\0\0\x01" "X\0"),	/* no value */
		T_BAD("\0\0\0\x04" "q" "a\n\0"),	/* control */
		T_BAD("\0\0\0\x02" "q" "a"),		/* unterminated */
		T_BAD("\0\0\0\x0b" "y" "250 2.0.0\0"),	/* not 4xx/5xx */
		T_BAD("\0\0\0\x05" "y" "550\0"),	/* code alone */
		T_BAD("\0\0\0\x0b" "y" "550:5.7.1\0"),	/* separator */
		T_BAD("\0\0\0\x0b" "y" "5x0 5.7.1\0"),
		T_BAD("\0\0\0\x0b" "y" "550 4.7.1\0"),	/* class mismatch */
		T_BAD("\0\0\0\x0b" "y" "550-5.7.1\0"),	/* last line '-' */
		T_BAD("\0\0\0\x0e" "y" "550 a\r\n550 b\0"),	/* ' ' first */
		T_BAD("\0\0\0\x0e" "y" "550-a\r\n551 b\0"),	/* other code */
		T_BAD("\0\0\0\x0c" "y" "550-a\r\n550\0"),
		T_BAD("\0\0\0\x09" "y" "550-a\r\n\0"),	/* empty last line */
		T_BAD("\0\0\0\x09" "y" "550 a\nb\0"),	/* bare LF */
		T_BAD("\0\0\0\x09" "y" "550 a\tb\0"),	/* control */
		T_BAD("\0\0\0\x06" "y" "550 a"),	/* unterminated */
		T_BAD("\0\0\0\x09" "y" "550 a\0b\0"),	/* left over */
	};
	struct lookup_mproto_reply	 r;
	char				 line[LOOKUP_MPROTO_REPLY_LINE_MAX + 8];
	char				 pkt[sizeof(line) + 8];
	size_t				 i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(t_parse(bad[i].p, bad[i].len, &r), -1,
		    "packet %zu", i);
	/* a reply line at the SMTP limit, then one octet over */
	for (n = LOOKUP_MPROTO_REPLY_LINE_MAX; n <= sizeof(line) - 7; n++) {
		memset(line, 'x', n);
		memcpy(line, "550 ", 4);
		pkt[0] = pkt[1] = 0;
		pkt[2] = (char)((n + 2) >> 8);
		pkt[3] = (char)(n + 2);
		pkt[4] = 'y';
		memcpy(pkt + 5, line, n);
		pkt[5 + n] = '\0';
		ATF_CHECK_EQ_MSG(t_parse(pkt, n + 6, &r),
		    n == LOOKUP_MPROTO_REPLY_LINE_MAX ? 1 : -1, "line %zu", n);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_mproto_optneg_macros);
	ATF_TP_ADD_TC(tp, lookup_mproto_connect_helo);
	ATF_TP_ADD_TC(tp, lookup_mproto_envelope_content);
	ATF_TP_ADD_TC(tp, lookup_mproto_body_chunk);
	ATF_TP_ADD_TC(tp, lookup_mproto_encode_refused);
	ATF_TP_ADD_TC(tp, lookup_mproto_parse_simple);
	ATF_TP_ADD_TC(tp, lookup_mproto_parse_edits);
	ATF_TP_ADD_TC(tp, lookup_mproto_parse_replycode);
	ATF_TP_ADD_TC(tp, lookup_mproto_parse_partial);
	ATF_TP_ADD_TC(tp, lookup_mproto_parse_hostile);
	return atf_no_error();
}
