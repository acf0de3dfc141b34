/*
 * t_srv_text.c - the listener's pure text functions: the Received:
 * counter, the BDAT converter, the Received: header, base64 and PLAIN.
 */
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "../../../smtpd/listener/srv.h"

ATF_TC_WITHOUT_HEAD(srv_tx_hdr_feed_counts);
ATF_TC_BODY(srv_tx_hdr_feed_counts, tc)
{
	static const struct {
		const char	*text;
		size_t		 received;
	} cases[] = {
		{ "", 0 },
		{ "Received: a\n", 1 },
		{ "received:a\nRECEIVED: b\n", 2 },
		{ "Received: a\n\tcontinued Received: x\n", 1 },
		{ "X-Received: a\n", 0 },
		{ "Received a\n", 0 },
		{ "Receive: a\n", 0 },
		{ "Subject: x\n\nReceived: body\n", 0 },
		{ "\nReceived: body\n", 0 },
		{ "Received: a\nReceived: b\n\nReceived: c\n", 2 },
		{ "Rec\0eived: a\n", 0 },
		{ "\xc3\xa9Received: a\n", 0 },
	};
	struct srv_tx_hdr	 h;
	size_t			 i, j, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].text);
		if (i == 10)
			len = 13;
		srv_tx_hdr_init(&h);
		srv_tx_hdr_feed(&h, cases[i].text, len);
		ATF_CHECK_EQ_MSG(h.received, cases[i].received, "case %zu", i);
		/* one octet at a time gives the same count */
		srv_tx_hdr_init(&h);
		for (j = 0; j < len; j++)
			srv_tx_hdr_feed(&h, cases[i].text + j, 1);
		ATF_CHECK_EQ_MSG(h.received, cases[i].received, "split %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(srv_tx_conv_feed_lines);
ATF_TC_BODY(srv_tx_conv_feed_lines, tc)
{
	static const struct {
		const char	*chunks[3];
		const char	*out;
		int		 flags;
	} cases[] = {
		{ { "a\r\nb\r\n", NULL }, "a\nb\n", 0 },
		{ { "a\r", "\nb\r\n", NULL }, "a\nb\n", 0 },
		{ { "a\nb\r\n", NULL }, "a\nb\n", SMTP_DATA_BARE_EOL },
		{ { "a\rb\r\n", NULL }, "a\rb\n", SMTP_DATA_BARE_EOL },
		{ { "a\r", "b", NULL }, "a\rb", SMTP_DATA_BARE_EOL },
		{ { "a\r", NULL }, "a", SMTP_DATA_BARE_EOL },
		{ { "\xff\r\n", NULL }, "\xff\n", SMTP_DATA_8BIT },
		{ { "", "", NULL }, "", 0 },
	};
	struct srv_tx_conv	 b;
	char			 out[64], buf[64];
	size_t			 i, j, o, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		srv_tx_conv_init(&b);
		o = 0;
		for (j = 0; j < 3 && cases[i].chunks[j] != NULL; j++) {
			n = srv_tx_conv_feed(&b, cases[i].chunks[j],
			    strlen(cases[i].chunks[j]), buf);
			memcpy(out + o, buf, n);
			o += n;
		}
		srv_tx_conv_end(&b);
		out[o] = '\0';
		ATF_CHECK_STREQ_MSG(out, cases[i].out, "case %zu", i);
		ATF_CHECK_EQ_MSG(b.flags, cases[i].flags, "flags %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(srv_tx_conv_feed_limits);
ATF_TC_BODY(srv_tx_conv_feed_limits, tc)
{
	struct srv_tx_conv	 b;
	char			 in[1200], *out = malloc(sizeof(in) + 1);
	size_t			 n;

	/* 998 octets + CRLF is a line at the limit */
	memset(in, 'a', 998);
	memcpy(in + 998, "\r\n", 2);
	srv_tx_conv_init(&b);
	n = srv_tx_conv_feed(&b, in, 1000, out);
	ATF_CHECK_EQ(n, 999);
	ATF_CHECK_EQ(b.flags, 0);
	ATF_CHECK_EQ(b.size, 1000);
	/* one more octet is over it */
	memset(in, 'a', 999);
	memcpy(in + 999, "\r\n", 2);
	srv_tx_conv_init(&b);
	srv_tx_conv_feed(&b, in, 1001, out);
	ATF_CHECK_EQ(b.flags, SMTP_DATA_LINE_TOO_LONG);
	/* NUL */
	srv_tx_conv_init(&b);
	srv_tx_conv_feed(&b, "a\0b\r\n", 5, out);
	ATF_CHECK_EQ(b.flags, SMTP_DATA_NUL);
	free(out);
}

ATF_TC_WITHOUT_HEAD(srv_tx_received_forms);
ATF_TC_BODY(srv_tx_received_forms, tc)
{
	char	buf[1024];

	ATF_REQUIRE_EQ(srv_tx_received(buf, sizeof(buf), "c.test", "",
	    "192.0.2.1", "mx.test", "ESMTP", NULL, 0xab, "u@d.test", "D"), 0);
	ATF_CHECK_STREQ(buf, "Received: from c.test ([192.0.2.1])\n"
	    "\tby mx.test (posthorn) with ESMTP id 000000ab\n"
	    "\tfor <u@d.test>;\n\tD\n");
	ATF_REQUIRE_EQ(srv_tx_received(buf, sizeof(buf), "c.test", "r.test",
	    "192.0.2.1", "mx.test", "ESMTPSA", "TLSv1.3:X:256:NO", 1, NULL,
	    "D"), 0);
	ATF_CHECK_STREQ(buf, "Received: from c.test (r.test [192.0.2.1])\n"
	    "\tby mx.test (posthorn) with ESMTPSA id 00000001\n"
	    "\t(TLSv1.3:X:256:NO);\n\tD\n");
	/* mask-src: no client at all */
	ATF_REQUIRE_EQ(srv_tx_received(buf, sizeof(buf), NULL, "",
	    "192.0.2.1", "mx.test", "SMTP", NULL, 2, NULL, "D"), 0);
	ATF_CHECK_STREQ(buf, "Received: by mx.test (posthorn) with SMTP id "
	    "00000002;\n\tD\n");
	/* the local socket */
	ATF_REQUIRE_EQ(srv_tx_received(buf, sizeof(buf), "me", "", NULL,
	    "mx.test", "ESMTP", NULL, 3, NULL, "D"), 0);
	ATF_CHECK(strncmp(buf, "Received: from me (localhost)\n", 30) == 0);
	/* too small a buffer fails and leaves an empty string */
	ATF_CHECK_EQ(srv_tx_received(buf, 40, "c.test", "", "192.0.2.1",
	    "mx.test", "ESMTP", NULL, 1, NULL, "D"), -1);
	ATF_CHECK_STREQ(buf, "");
}

ATF_TC_WITHOUT_HEAD(srv_auth_b64_decode_cases);
ATF_TC_BODY(srv_auth_b64_decode_cases, tc)
{
	static const struct {
		const char	*in;
		int		 rc;
		const char	*out;
		size_t		 len;
	} cases[] = {
		{ "YWxpY2U=", 0, "alice", 5 },
		{ "YWxp", 0, "ali", 3 },
		{ "YQ==", 0, "a", 1 },
		{ "AGFsaWNlAHNlY3JldA==", 0, "\0alice\0secret", 13 },
		{ "", -1, NULL, 0 },
		{ "YWx", -1, NULL, 0 },
		{ "YW=p", -1, NULL, 0 },
		{ "Y===", -1, NULL, 0 },
		{ "YW\nx", -1, NULL, 0 },
		{ "YW x", -1, NULL, 0 },
		{ "YW\xc3\xa9", -1, NULL, 0 },
	};
	char	out[64];
	size_t	i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ATF_CHECK_EQ_MSG(srv_auth_b64_decode(cases[i].in, out,
		    sizeof(out), &len), cases[i].rc, "case %zu", i);
		if (cases[i].rc == 0) {
			ATF_CHECK_EQ_MSG(len, cases[i].len, "len %zu", i);
			ATF_CHECK_MSG(memcmp(out, cases[i].out, len) == 0,
			    "out %zu", i);
		}
	}
	/* the output must fit with its NUL */
	ATF_CHECK_EQ(srv_auth_b64_decode("YWxpY2U=", out, 6, &len), -1);
	ATF_CHECK_EQ(srv_auth_b64_decode("YWxpY2U=", out, 7, &len), 0);
}

ATF_TC_WITHOUT_HEAD(srv_auth_plain_decode_cases);
ATF_TC_BODY(srv_auth_plain_decode_cases, tc)
{
	static const struct {
		const char	*b64;
		int		 rc;
		const char	*user, *pass;
	} cases[] = {
		{ "AGFsaWNlAHNlY3JldA==", 0, "alice", "secret" },	/* \0alice\0secret */
		{ "YWxpY2UAYWxpY2UAc2VjcmV0", 0, "alice", "secret" },	/* alice\0alice\0secret */
		{ "Ym9iAGFsaWNlAHNlY3JldA==", -1, NULL, NULL },	/* bob\0alice\0secret */
		{ "AGFsaWNlAA==", -1, NULL, NULL },			/* \0alice\0 */
		{ "AABzZWNyZXQ=", -1, NULL, NULL },			/* \0\0secret */
		{ "YWxpY2U=", -1, NULL, NULL },				/* alice */
		{ "AGFsaWNlAHNlYwByZXQ=", -1, NULL, NULL },		/* \0alice\0sec\0ret */
		{ "!!!!", -1, NULL, NULL },
	};
	char	user[ADDR_MAX], pass[512];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ATF_CHECK_EQ_MSG(srv_auth_plain_decode(cases[i].b64, user,
		    sizeof(user), pass, sizeof(pass)), cases[i].rc,
		    "case %zu", i);
		if (cases[i].rc == 0) {
			ATF_CHECK_STREQ(user, cases[i].user);
			ATF_CHECK_STREQ(pass, cases[i].pass);
		}
	}
	/* a user name exactly filling the buffer is refused, one less fits */
	ATF_CHECK_EQ(srv_auth_plain_decode("AGFsaWNlAHNlY3JldA==", user, 5,
	    pass, sizeof(pass)), -1);
	ATF_CHECK_EQ(srv_auth_plain_decode("AGFsaWNlAHNlY3JldA==", user, 6,
	    pass, sizeof(pass)), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, srv_tx_hdr_feed_counts);
	ATF_TP_ADD_TC(tp, srv_tx_conv_feed_lines);
	ATF_TP_ADD_TC(tp, srv_tx_conv_feed_limits);
	ATF_TP_ADD_TC(tp, srv_tx_received_forms);
	ATF_TP_ADD_TC(tp, srv_auth_b64_decode_cases);
	ATF_TP_ADD_TC(tp, srv_auth_plain_decode_cases);
	return atf_no_error();
}
