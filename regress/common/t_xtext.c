/*
 * t_xtext.c - RFC 3461 xtext: valid, escapes, limits, malformed, round trip.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "defs.h"
#include "xtext.h"

struct xtext_case {
	const char	*in;
	size_t		 len;
	int		 rc;
	const char	*out;
};

static const struct xtext_case xtext_cases[] = {
	{ "abc", 3, 0, "abc" },
	{ "", 0, 0, "" },
	{ "a+2Bb", 5, 0, "a+b" },
	{ "+3D", 3, 0, "=" },
	{ "+20x+7E", 7, 0, " x~" },
	{ "<>", 2, 0, "<>" },
	{ "!~", 2, 0, "!~" },
	{ "+C3+A9", 6, 0, "\xc3\xa9" },
	{ "a+2b", 4, -1, NULL },	/* lowercase hex */
	{ "a+2", 3, -1, NULL },		/* truncated escape */
	{ "a+", 2, -1, NULL },
	{ "a+G0", 4, -1, NULL },
	{ "+00", 3, -1, NULL },		/* NUL */
	{ "a=b", 3, -1, NULL },
	{ "a b", 3, -1, NULL },
	{ "a\nb", 3, -1, NULL },	/* bare LF */
	{ "a\rb", 3, -1, NULL },
	{ "a\0b", 3, -1, NULL },	/* NUL */
	{ "a\xc3\xa9", 3, -1, NULL },	/* 8-bit */
	{ "a\x7f", 2, -1, NULL },
};

ATF_TC_WITHOUT_HEAD(xtext_decode_table);
ATF_TC_BODY(xtext_decode_table, tc)
{
	const struct xtext_case	*c;
	char		 err[ERRTEXT_MAX];
	char			 out[64];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(xtext_cases) / sizeof(xtext_cases[0]); i++) {
		c = &xtext_cases[i];
		err[0] = '\0';
		rc = xtext_decode(c->in, c->len, out, sizeof(out), err,
		    sizeof(err));
		ATF_CHECK_EQ_MSG(rc, c->rc, "case %zu", i);
		if (rc == 0)
			ATF_CHECK_STREQ_MSG(out, c->out, "case %zu", i);
		else
			ATF_CHECK_MSG(err[0] != '\0', "case %zu", i);
		ATF_CHECK_EQ_MSG(xtext_validate(c->in, c->len, err,
		    sizeof(err)),
		    c->rc, "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(xtext_decode_at_limit);
ATF_TC_BODY(xtext_decode_at_limit, tc)
{
	char	 err[ERRTEXT_MAX];
	char	 out[5];

	/* four octets plus the NUL fit exactly; five do not */
	ATF_CHECK_EQ(xtext_decode("ab+2Bc", 6, out, sizeof(out), err,
	    sizeof(err)), 0);
	ATF_CHECK_STREQ(out, "ab+c");
	ATF_CHECK_EQ(xtext_decode("ab+2Bcd", 7, out, sizeof(out), err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "xtext too long");
	ATF_CHECK_EQ(xtext_decode("", 0, out, 0, err, sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "no room for xtext");
	/* a caller that does not want the reason passes no buffer */
	ATF_CHECK_EQ(xtext_decode("a+G0", 4, out, sizeof(out), NULL, 0), -1);
}

ATF_TC_WITHOUT_HEAD(xtext_encode_at_limit);
ATF_TC_BODY(xtext_encode_at_limit, tc)
{
	char	out[9];

	/* eight encoded octets plus the NUL fit in nine, not in eight */
	ATF_CHECK_EQ(xtext_encode("a=b+", 4, out, sizeof(out)), 0);
	ATF_CHECK_STREQ(out, "a+3Db+2B");
	ATF_CHECK_EQ(xtext_encode("a=b+", 4, out, 8), -1);
	ATF_CHECK_EQ(xtext_encode("a=b", 3, out, 6), 0);
	ATF_CHECK_EQ(xtext_encode("a=b", 3, out, 5), -1);
	ATF_CHECK_EQ(xtext_encode("abcdefg", 7, out, 8), 0);
	ATF_CHECK_EQ(xtext_encode("abcdefgh", 8, out, 8), -1);
	ATF_CHECK_EQ(xtext_encode("", 0, out, 1), 0);
	ATF_CHECK_STREQ(out, "");
	ATF_CHECK_EQ(xtext_encode("", 0, out, 0), -1);
}

ATF_TC_WITHOUT_HEAD(xtext_encode_roundtrip);
ATF_TC_BODY(xtext_encode_roundtrip, tc)
{
	char	 err[ERRTEXT_MAX];
	char		 in[2], enc[8], dec[4];
	int		 c;

	/* every octet but NUL survives encode then decode */
	for (c = 1; c < 256; c++) {
		in[0] = c;
		in[1] = '\0';
		ATF_REQUIRE_EQ(xtext_encode(in, 1, enc, sizeof(enc)), 0);
		ATF_CHECK_EQ_MSG(xtext_validate(enc, strlen(enc), err,
		    sizeof(err)), 0,
		    "octet %d", c);
		ATF_REQUIRE_EQ(xtext_decode(enc, strlen(enc), dec,
		    sizeof(dec), err, sizeof(err)), 0);
		ATF_CHECK_EQ_MSG((unsigned char)dec[0], c, "octet %d", c);
		ATF_CHECK_EQ(dec[1], '\0');
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, xtext_decode_table);
	ATF_TP_ADD_TC(tp, xtext_decode_at_limit);
	ATF_TP_ADD_TC(tp, xtext_encode_at_limit);
	ATF_TP_ADD_TC(tp, xtext_encode_roundtrip);
	return atf_no_error();
}
