/*
 * t_lookup_medit.c - the message as a milter sees it (header fields,
 * body line ends) and as its edits leave it: each edit kind, indexes at
 * the edges, deletions, folded values, body replacement, messages
 * without body or without header, the output's cap.
 */
#include <string.h>

#include <atf-c.h>

#include "buf.h"
#include "../../../smtpd/lookup/lookup_mproto.h"
#include "../../../smtpd/lookup/lookup_medit.h"

/* t_hdr - a header edit as the parser would give it */
static struct lookup_mproto_reply
t_hdr(char kind, uint32_t index, const char *name, const char *value)
{
	struct lookup_mproto_reply	r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.index = index;
	r.s1 = name;
	r.s2 = value;
	return r;
}

/* t_add - record a header edit, which must be accepted */
static void
t_add(struct lookup_medit *m, char kind, uint32_t index, const char *name,
    const char *value)
{
	struct lookup_mproto_reply	r = t_hdr(kind, index, name, value);
	char				err[128];

	ATF_REQUIRE_EQ_MSG(lookup_medit_add(m, &r, err, sizeof(err)), 0,
	    "%s", err);
}

/* t_body - record a REPLBODY chunk; lookup_medit_add's result */
static int
t_body(struct lookup_medit *m, const char *data)
{
	struct lookup_mproto_reply	r;
	char				err[128];

	memset(&r, 0, sizeof(r));
	r.kind = LOOKUP_MPROTO_R_REPLBODY;
	r.data = data;
	r.len = strlen(data);
	return lookup_medit_add(m, &r, err, sizeof(err));
}

/* t_apply - the edits on msg must give want; frees m */
static void
t_apply(struct lookup_medit *m, const char *msg, const char *want)
{
	struct buf	out;
	char		err[128];

	buf_init(&out, 65536);
	ATF_REQUIRE_EQ_MSG(lookup_medit_apply(m, msg, strlen(msg), &out, err,
	    sizeof(err)), 0, "%s", err);
	ATF_CHECK_STREQ(out.data, want);
	buf_free(&out);
	lookup_medit_free(m);
}

/* what lookup_medit_headers gave, one "name=value|" per field */
struct t_seen {
	char	text[1024];
	int	stop_at;	/* the field whose callback fails, or 0 */
	int	count;
};

/* t_field - the header callback: note the field */
static int
t_field(void *arg, const char *name, const char *value)
{
	struct t_seen	*s = arg;

	strlcat(s->text, name, sizeof(s->text));
	strlcat(s->text, "=", sizeof(s->text));
	strlcat(s->text, value, sizeof(s->text));
	strlcat(s->text, "|", sizeof(s->text));
	return ++s->count == s->stop_at ? -1 : 0;
}

/* t_headers - the fields of msg and its body's offset must be these */
static void
t_headers(const char *msg, int leadspc, const char *want, size_t body)
{
	struct t_seen	s;
	size_t		off = 12345;

	memset(&s, 0, sizeof(s));
	ATF_REQUIRE_EQ(lookup_medit_fields(msg, strlen(msg), leadspc,
	    t_field, &s, &off), 0);
	ATF_CHECK_STREQ_MSG(s.text, want, "in %s", msg);
	ATF_CHECK_EQ_MSG(off, body, "in %s", msg);
}

ATF_TC_WITHOUT_HEAD(lookup_medit_headers);
ATF_TC_BODY(lookup_medit_headers, tc)
{
	const char	*msg = "Subject: hi\nX-A:\tb\nX-B : two\n lines\n"
			    "\tthree\nX-C:  spaced\nX-D:\n\nbody\n"
			    "X-E: not a field\n";
	struct t_seen	 s;
	size_t		 off;

	t_headers(msg, 0, "Subject=hi|X-A=\tb|X-B=two\n lines\n\tthree|"
	    "X-C= spaced|X-D=|", 62);
	t_headers(msg, 1, "Subject= hi|X-A=\tb|X-B= two\n lines\n\tthree|"
	    "X-C=  spaced|X-D=|", 62);
	/* the first line that is not a field ends the header section */
	t_headers("A: 1\nnot a field\nB: 2\n", 0, "A=1|", 5);
	t_headers("A: 1\nB 2\n", 0, "A=1|", 5);
	t_headers("A: 1\n:x\n", 0, "A=1|", 5);
	t_headers("A: 1\nSub\xe9: x\n", 0, "A=1|", 5);
	t_headers(" folded: x\nA: 1\n", 0, "", 0);
	/* no body: no empty line, or no line end at all */
	t_headers("A: 1\nB: 2\n", 0, "A=1|B=2|", 10);
	t_headers("A: 1\nB: 2", 0, "A=1|B=2|", 9);
	t_headers("A: 1\n\n", 0, "A=1|", 6);
	/* no header */
	t_headers("\nbody\n", 0, "", 1);
	t_headers("body\n", 0, "", 0);
	t_headers("", 0, "", 0);
	/* the callback stops the walk */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	ATF_CHECK_EQ(lookup_medit_headers(msg, strlen(msg), t_field, &s,
	    &off), -1);
	ATF_CHECK_EQ(s.count, 2);
}

ATF_TC_WITHOUT_HEAD(lookup_medit_field);
ATF_TC_BODY(lookup_medit_field, tc)
{
	const char	*msg = "A: 1\nB:  2\n\tfolded\n\nbody\n";
	struct t_seen	 s;
	size_t		 off = 0;

	/* one field per call, the offset past each */
	memset(&s, 0, sizeof(s));
	ATF_REQUIRE_EQ(lookup_medit_field(msg, strlen(msg), &off, 0, t_field,
	    &s), 1);
	ATF_CHECK_EQ(off, 5);
	ATF_REQUIRE_EQ(lookup_medit_field(msg, strlen(msg), &off, 1, t_field,
	    &s), 1);
	ATF_CHECK_EQ(off, 19);
	ATF_CHECK_STREQ(s.text, "A=1|B=  2\n\tfolded|");
	/* the end: the body's offset */
	ATF_CHECK_EQ(lookup_medit_field(msg, strlen(msg), &off, 0, t_field,
	    &s), 0);
	ATF_CHECK_EQ(off, 20);
	/* the callback's failure */
	off = 0;
	s.stop_at = s.count + 1;
	ATF_CHECK_EQ(lookup_medit_field(msg, strlen(msg), &off, 0, t_field,
	    &s), -1);
}

ATF_TC_WITHOUT_HEAD(lookup_medit_fields_max);
ATF_TC_BODY(lookup_medit_fields_max, tc)
{
	struct lookup_medit	*m;
	struct buf		 msg, out;
	char			 err[128];
	size_t			 i;

	buf_init(&msg, 1024 * 1024);
	for (i = 0; i < LOOKUP_MEDIT_FIELDS_MAX; i++)
		ATF_REQUIRE_EQ(buf_addstr(&msg, "X: 1\n"), 0);
	buf_init(&out, 1024 * 1024);
	m = lookup_medit_new();
	t_add(m, LOOKUP_MPROTO_R_CHGHEADER, LOOKUP_MEDIT_FIELDS_MAX, "X", "");
	ATF_REQUIRE_EQ(lookup_medit_apply(m, msg.data, msg.len, &out, err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(out.len, msg.len - 5);
	/* one field more: header edits refused, out as it was */
	ATF_REQUIRE_EQ(buf_addstr(&msg, "Y: 2\n"), 0);
	buf_reset(&out);
	ATF_CHECK_EQ(lookup_medit_apply(m, msg.data, msg.len, &out, err,
	    sizeof(err)), -1);
	ATF_CHECK_EQ(out.len, 0);
	lookup_medit_free(m);
	/* a new body alone takes the header section as it is */
	m = lookup_medit_new();
	ATF_REQUIRE_EQ(t_body(m, "b"), 0);
	ATF_REQUIRE_EQ(lookup_medit_apply(m, msg.data, msg.len, &out, err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(out.len, msg.len + 3);
	ATF_CHECK(memcmp(out.data, msg.data, msg.len) == 0);
	ATF_CHECK_STREQ(out.data + msg.len, "\nb\n");
	lookup_medit_free(m);
	buf_free(&msg);
	buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(lookup_medit_crlf);
ATF_TC_BODY(lookup_medit_crlf, tc)
{
	char	out[32];
	size_t	n;

	n = lookup_medit_crlf("a\nb\n\nc", 6, out);
	ATF_CHECK_EQ(n, 9);
	ATF_CHECK(memcmp(out, "a\r\nb\r\n\r\nc", 9) == 0);
	n = lookup_medit_crlf("\n\n", 2, out);
	ATF_CHECK_EQ(n, 4);
	ATF_CHECK(memcmp(out, "\r\n\r\n", 4) == 0);
	ATF_CHECK_EQ(lookup_medit_crlf("", 0, out), 0);
}

/* header edits on a message, and what they must give */
struct t_case {
	const char	*msg;
	struct {
		char		 kind;
		uint32_t	 index;
		const char	*name, *value;
	} e[4];
	const char	*want;
};

/* t_cases - run each case on a fresh set of edits */
static void
t_cases(const struct t_case *c, size_t n)
{
	struct lookup_medit	*m;
	size_t			 i, j;

	for (i = 0; i < n; i++) {
		m = lookup_medit_new();
		for (j = 0; j < 4 && c[i].e[j].kind != 0; j++)
			t_add(m, c[i].e[j].kind, c[i].e[j].index,
			    c[i].e[j].name, c[i].e[j].value);
		ATF_CHECK_EQ(lookup_medit_empty(m), j == 0);
		t_apply(m, c[i].msg, c[i].want);
	}
}

#define T_ADD	LOOKUP_MPROTO_R_ADDHEADER
#define T_INS	LOOKUP_MPROTO_R_INSHEADER
#define T_CHG	LOOKUP_MPROTO_R_CHGHEADER
#define T_AB	"A: 1\nB: 2\n\nbody\n"
#define T_RCVD	"To: a\nReceived: 1\nreceived: 2\nReceived: 3\n  folded\n" \
		"\nbody\n"

ATF_TC_WITHOUT_HEAD(lookup_medit_add_insert);
ATF_TC_BODY(lookup_medit_add_insert, tc)
{
	static const struct t_case	cases[] = {
		{ T_AB, { { T_ADD, 0, "X-Spam", "no" },
		    { T_ADD, 0, "X-Tab", "\tv" },
		    { T_ADD, 0, "X-Empty", "" } },
		    "A: 1\nB: 2\nX-Spam: no\nX-Tab:\tv\nX-Empty: \n\nbody\n" },
		/* 0: first; 1: after the first; n: after the last */
		{ T_AB, { { T_INS, 0, "I0", "a" } },
		    "I0: a\nA: 1\nB: 2\n\nbody\n" },
		{ T_AB, { { T_INS, 1, "I1", "a" } },
		    "A: 1\nI1: a\nB: 2\n\nbody\n" },
		{ T_AB, { { T_INS, 2, "I2", "a" } },
		    "A: 1\nB: 2\nI2: a\n\nbody\n" },
		/* past the end: appended */
		{ T_AB, { { T_INS, 0xffffffffU, "I9", "a" } },
		    "A: 1\nB: 2\nI9: a\n\nbody\n" },
		/* each index counts the fields the edits before it left */
		{ T_AB, { { T_INS, 0, "X", "1" }, { T_INS, 0, "X", "2" },
		    { T_INS, 3, "Y", "3" }, { T_CHG, 2, "x", "one" } },
		    "X: 2\nx: one\nA: 1\nY: 3\nB: 2\n\nbody\n" },
		/* nothing to change: the message as it was */
		{ T_AB, { { 0 } }, T_AB },
	};

	t_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

ATF_TC_WITHOUT_HEAD(lookup_medit_change);
ATF_TC_BODY(lookup_medit_change, tc)
{
	static const struct t_case	cases[] = {
		/* the n-th of that name, whatever the case */
		{ T_RCVD, { { T_CHG, 2, "RECEIVED", "two" } },
		    "To: a\nReceived: 1\nRECEIVED: two\nReceived: 3\n"
		    "  folded\n\nbody\n" },
		/* 0 counts as 1 */
		{ T_RCVD, { { T_CHG, 0, "Received", "one" } },
		    "To: a\nReceived: one\nreceived: 2\nReceived: 3\n"
		    "  folded\n\nbody\n" },
		/* the last one, folded, replaced whole; then appended */
		{ T_RCVD, { { T_CHG, 3, "Received", "three" },
		    { T_CHG, 4, "Received", "four" } },
		    "To: a\nReceived: 1\nreceived: 2\nReceived: three\n"
		    "Received: four\n\nbody\n" },
		/* deletions: the first, then (indexes move) the new first */
		{ T_RCVD, { { T_CHG, 1, "Received", "" },
		    { T_CHG, 1, "Received", "" }, { T_CHG, 9, "Received", "" },
		    { T_CHG, 1, "Absent", "" } },
		    "To: a\nReceived: 3\n  folded\n\nbody\n" },
		/* every field deleted: the empty line and the body stay */
		{ "To: a\nCc: b\n\nbody\n", { { T_CHG, 1, "To", "" },
		    { T_CHG, 1, "cc", "" } }, "\nbody\n" },
		/* folded values: CRLF or LF, a leading blank kept */
		{ "A: 1\n\nbody\n", { { T_ADD, 0, "X-Crlf", "a\r\n\tb\r\n c" },
		    { T_ADD, 0, "X-Lf", "a\n b" },
		    { T_ADD, 0, "X-Lead", " x" } },
		    "A: 1\nX-Crlf: a\n\tb\n c\nX-Lf: a\n b\nX-Lead: x\n\n"
		    "body\n" },
	};

	t_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

ATF_TC_WITHOUT_HEAD(lookup_medit_body);
ATF_TC_BODY(lookup_medit_body, tc)
{
	struct lookup_medit	*m;

	/* chunks concatenate; a CRLF cut between two chunks is one */
	m = lookup_medit_new();
	ATF_REQUIRE_EQ(t_body(m, "new\r\nbody\r"), 0);
	ATF_REQUIRE_EQ(t_body(m, "\nbare\rcr\r\nlast"), 0);
	ATF_CHECK_EQ(lookup_medit_empty(m), 0);
	t_apply(m, "A: 1\n\nold\nbody\n", "A: 1\n\nnew\nbody\nbare\rcr\n"
	    "last\n");
	/* an empty replacement: no body */
	m = lookup_medit_new();
	ATF_REQUIRE_EQ(t_body(m, ""), 0);
	ATF_CHECK_EQ(lookup_medit_empty(m), 0);
	t_apply(m, "A: 1\n\nold\n", "A: 1\n\n");
	m = lookup_medit_new();
	ATF_REQUIRE_EQ(t_body(m, ""), 0);
	t_apply(m, "A: 1\n", "A: 1\n");
	/* a header edit between the chunks ends the replacement */
	m = lookup_medit_new();
	ATF_REQUIRE_EQ(t_body(m, "a\r\n"), 0);
	ATF_REQUIRE_EQ(t_body(m, "b\r\n"), 0);
	t_add(m, LOOKUP_MPROTO_R_ADDHEADER, 0, "X", "y");
	ATF_CHECK_EQ(t_body(m, "c\r\n"), -1);
	t_apply(m, "A: 1\n\nold\n", "A: 1\nX: y\n\na\nb\n");
	/* a header edit then a body: fine */
	m = lookup_medit_new();
	t_add(m, LOOKUP_MPROTO_R_ADDHEADER, 0, "X", "y");
	ATF_REQUIRE_EQ(t_body(m, "c\r\n"), 0);
	t_apply(m, "A: 1\n\nold\n", "A: 1\nX: y\n\nc\n");
}

ATF_TC_WITHOUT_HEAD(lookup_medit_no_body_no_header);
ATF_TC_BODY(lookup_medit_no_body_no_header, tc)
{
	static const struct t_case	cases[] = {
		/* without body, without line end, without empty line */
		{ "A: 1", { { T_ADD, 0, "X", "y" } }, "A: 1\nX: y\n" },
		{ "A: 1\n\n", { { T_INS, 0, "X", "y" } }, "X: y\nA: 1\n\n" },
		/* without header: the body after an empty line, or none */
		{ "\nbody\n", { { T_ADD, 0, "X", "y" } }, "X: y\n\nbody\n" },
		{ " indented body\n", { { T_INS, 5, "X", "y" } },
		    "X: y\n\n indented body\n" },
		{ "", { { T_CHG, 1, "X", "y" } }, "X: y\n" },
	};
	struct lookup_medit		*m;

	t_cases(cases, sizeof(cases) / sizeof(cases[0]));
	m = lookup_medit_new();
	ATF_REQUIRE_EQ(t_body(m, "new"), 0);
	t_apply(m, "A: 1\n", "A: 1\n\nnew\n");
}

ATF_TC_WITHOUT_HEAD(lookup_medit_refused);
ATF_TC_BODY(lookup_medit_refused, tc)
{
	static const char *const values[] = {
		"a\nb", "a\rb", "a\r", "a\n", "a\n \n b", "a\r\nb", "a\n\t",
	};
	static const char *const names[] = { "", "A:B", "A B", "A\xe9" };
	static const char kinds[] = "+-2ecaqyO4";
	struct lookup_medit		*m;
	struct lookup_mproto_reply	 r;
	char				 err[128];
	size_t				 i;

	m = lookup_medit_new();
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		r = t_hdr(LOOKUP_MPROTO_R_ADDHEADER, 0, "X", values[i]);
		ATF_CHECK_EQ_MSG(lookup_medit_add(m, &r, err, sizeof(err)),
		    -1, "value %zu", i);
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		r = t_hdr(LOOKUP_MPROTO_R_CHGHEADER, 1, names[i], "v");
		ATF_CHECK_EQ_MSG(lookup_medit_add(m, &r, err, sizeof(err)),
		    -1, "name %zu", i);
	}
	for (i = 0; i < sizeof(kinds) - 1; i++) {
		r = t_hdr(kinds[i], 0, "X", "v");
		ATF_CHECK_EQ_MSG(lookup_medit_add(m, &r, err, sizeof(err)),
		    -1, "kind %c", kinds[i]);
	}
	ATF_CHECK_EQ(lookup_medit_empty(m), 1);
	/* the bound on what edits carry */
	lookup_medit_bound(m, 10);
	ATF_CHECK_EQ(t_body(m, "0123456789x"), -1);
	ATF_CHECK_EQ(t_body(m, "0123456789"), 0);
	ATF_CHECK_EQ(t_body(m, "x"), -1);
	lookup_medit_free(m);
	m = lookup_medit_new();
	for (i = 0; i < LOOKUP_MEDIT_EDITS_MAX; i++)
		t_add(m, LOOKUP_MPROTO_R_CHGHEADER, 1, "X", "");
	r = t_hdr(LOOKUP_MPROTO_R_CHGHEADER, 1, "X", "");
	ATF_CHECK_EQ(lookup_medit_add(m, &r, err, sizeof(err)), -1);
	lookup_medit_free(m);
}

ATF_TC_WITHOUT_HEAD(lookup_medit_cap);
ATF_TC_BODY(lookup_medit_cap, tc)
{
	const char		*msg = "A: 1\n\nbody\n";
	const char		*want = "A: 1\nX: y\n\nbody\n";
	struct lookup_medit	*m;
	struct buf		 out;
	char			 err[128];

	m = lookup_medit_new();
	t_add(m, LOOKUP_MPROTO_R_ADDHEADER, 0, "X", "y");
	/* exactly at the cap, after what out held */
	buf_init(&out, 3 + strlen(want));
	ATF_REQUIRE_EQ(buf_addstr(&out, "old"), 0);
	ATF_REQUIRE_EQ(lookup_medit_apply(m, msg, strlen(msg), &out, err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(out.len, 3 + strlen(want));
	ATF_CHECK(memcmp(out.data + 3, want, strlen(want)) == 0);
	buf_free(&out);
	/* one octet short: out as it was */
	buf_init(&out, 2 + strlen(want));
	ATF_REQUIRE_EQ(buf_addstr(&out, "old"), 0);
	err[0] = '\0';
	ATF_CHECK_EQ(lookup_medit_apply(m, msg, strlen(msg), &out, err,
	    sizeof(err)), -1);
	ATF_CHECK(err[0] != '\0');
	ATF_CHECK_STREQ(out.data, "old");
	ATF_CHECK_EQ(out.len, 3);
	buf_free(&out);
	lookup_medit_free(m);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_medit_headers);
	ATF_TP_ADD_TC(tp, lookup_medit_field);
	ATF_TP_ADD_TC(tp, lookup_medit_fields_max);
	ATF_TP_ADD_TC(tp, lookup_medit_crlf);
	ATF_TP_ADD_TC(tp, lookup_medit_add_insert);
	ATF_TP_ADD_TC(tp, lookup_medit_change);
	ATF_TP_ADD_TC(tp, lookup_medit_body);
	ATF_TP_ADD_TC(tp, lookup_medit_no_body_no_header);
	ATF_TP_ADD_TC(tp, lookup_medit_refused);
	ATF_TP_ADD_TC(tp, lookup_medit_cap);
	return atf_no_error();
}
