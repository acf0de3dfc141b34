/*
 * t_smtp_reply.c - reply formatting (folding, sanitising, limits) and the
 * bounded multi-line reply parser; format/parse round trips.
 */
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "defs.h"
#include "smtp_reply.h"

struct fmt_case {
	int		 code;
	const char	*enh;
	const char	*text;
	int		 rc;
	const char	*out;
};

static const struct fmt_case fmt_cases[] = {
	{ 250, "2.0.0", "ok", 0, "250 2.0.0 ok\r\n" },
	{ 250, NULL, "ok", 0, "250 ok\r\n" },
	{ 250, NULL, "a\nb\nc", 0, "250-a\r\n250-b\r\n250 c\r\n" },
	{ 214, "2.0.0", "a\nb\n", 0, "214-2.0.0 a\r\n214 2.0.0 b\r\n" },
	{ 250, NULL, "a\n\nb", 0, "250-a\r\n250-\r\n250 b\r\n" },
	{ 250, NULL, "", 0, "250 \r\n" },
	{ 250, "2.0.0", "", 0, "250 2.0.0\r\n" },
	{ 550, "5.1.1", "bad\rinj\x01", 0, "550 5.1.1 bad?inj?\r\n" },
	{ 550, NULL, "caf\xc3\xa9\x7f", 0, "550 caf???\r\n" },
	{ 250, NULL, "a\tb", 0, "250 a\tb\r\n" },
	{ 354, NULL, "go ahead", 0, "354 go ahead\r\n" },
	{ 452, "4.5.3", "too many", 0, "452 4.5.3 too many\r\n" },
	{ 250, "2.100.999", "x", 0, "250 2.100.999 x\r\n" },
	{ 354, "2.0.0", "x", -1, NULL },
	{ 250, "5.0.0", "x", -1, NULL },
	{ 199, NULL, "x", -1, NULL },
	{ 600, NULL, "x", -1, NULL },
	{ 250, "2.0", "x", -1, NULL },
	{ 250, "2.1000.0", "x", -1, NULL },
	{ 250, "2..0", "x", -1, NULL },
	{ 250, "2.0.0 ", "x", -1, NULL },
	{ 250, "2.0.0.0", "x", -1, NULL },
};

ATF_TC_WITHOUT_HEAD(smtp_reply_format_table);
ATF_TC_BODY(smtp_reply_format_table, tc)
{
	const struct fmt_case	*c;
	char			 buf[1024];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		c = &fmt_cases[i];
		rc = smtp_reply_format(buf, sizeof(buf), c->code, c->enh, "%s",
		    c->text);
		ATF_CHECK_EQ_MSG(rc, c->rc, "case %zu", i);
		if (rc == 0 && c->rc == 0)
			ATF_CHECK_STREQ_MSG(buf, c->out, "case %zu", i);
		if (rc == -1)
			ATF_CHECK_STREQ(buf, "");
	}
}

/* reply_lines_ok - every line of buf ends in CRLF and fits the limit */
static int
reply_lines_ok(const char *buf, size_t *nlines)
{
	const char	*p = buf, *e;

	*nlines = 0;
	while (*p != '\0') {
		if ((e = strstr(p, "\r\n")) == NULL)
			return 0;
		if ((size_t)(e + 2 - p) > SMTP_REPLY_LINE_MAX)
			return 0;
		if (memchr(p, '\n', e - p) || memchr(p, '\r', e - p))
			return 0;
		(*nlines)++;
		p = e + 2;
	}
	return 1;
}

ATF_TC_WITHOUT_HEAD(smtp_reply_format_line_limit);
ATF_TC_BODY(smtp_reply_format_line_limit, tc)
{
	char	text[2048], buf[8192];
	size_t	max, nlines;

	/* "250 2.0.0 " + text + CRLF = 512 exactly */
	max = SMTP_REPLY_LINE_MAX - 2 - 10;
	memset(text, 'x', sizeof(text));
	text[max] = '\0';
	ATF_REQUIRE_EQ(smtp_reply_format(buf, sizeof(buf), 250, "2.0.0",
	    "%s", text), 0);
	ATF_CHECK_EQ(strlen(buf), SMTP_REPLY_LINE_MAX);
	ATF_CHECK(reply_lines_ok(buf, &nlines) && nlines == 1);
	text[max] = 'x';
	text[max + 1] = '\0';
	ATF_REQUIRE_EQ(smtp_reply_format(buf, sizeof(buf), 250, "2.0.0",
	    "%s", text), 0);
	ATF_CHECK(reply_lines_ok(buf, &nlines) && nlines == 2);
	ATF_CHECK(strncmp(buf, "250-2.0.0 x", 11) == 0);
	ATF_CHECK(strstr(buf, "\r\n250 2.0.0 x\r\n") != NULL);
	/* folding prefers a space */
	memset(text, 'y', 1500);
	text[300] = ' ';
	text[1500] = '\0';
	ATF_REQUIRE_EQ(smtp_reply_format(buf, sizeof(buf), 550, NULL, "%s",
	    text), 0);
	ATF_CHECK(reply_lines_ok(buf, &nlines) && nlines == 4);
	ATF_CHECK(strncmp(buf + 4 + 300, "\r\n550-yyy", 9) == 0);
	/* overlong text is cut, never overflowing */
	memset(text, 'z', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	ATF_REQUIRE_EQ(smtp_reply_format(buf, sizeof(buf), 550, NULL,
	    "%s%s", text, text), 0);
	ATF_CHECK(reply_lines_ok(buf, &nlines));
}

ATF_TC_WITHOUT_HEAD(smtp_reply_format_room);
ATF_TC_BODY(smtp_reply_format_room, tc)
{
	char	buf[16];

	ATF_CHECK_EQ(smtp_reply_format(buf, 15, 250, NULL, "%s", "0123456"),
	    0);
	ATF_CHECK_STREQ(buf, "250 0123456\r\n");
	ATF_CHECK_EQ(smtp_reply_format(buf, 13, 250, NULL, "%s", "0123456"),
	    -1);
	ATF_CHECK_STREQ(buf, "");
	ATF_CHECK_EQ(smtp_reply_format(buf, 14, 250, NULL, "%s", "0123456"),
	    0);
	ATF_CHECK_EQ(smtp_reply_format(buf, 0, 250, NULL, "x"), -1);
}

struct parse_case {
	const char	*lines[4];
	size_t		 lens[4];		/* 0: strlen */
	int		 status;		/* of the last line fed */
	int		 code;
	const char	*enh;
	const char	*text[4];
};

static const struct parse_case parse_cases[] = {
	{ { "250 ok" }, { 0 }, SMTP_REPLY_DONE, 250, "", { "ok" } },
	{ { "250-a", "250-b", "250 c" }, { 0 }, SMTP_REPLY_DONE, 250, "",
	    { "a", "b", "c" } },
	{ { "250-a", "250-b" }, { 0 }, SMTP_REPLY_MORE, 250, "",
	    { "a", "b" } },
	{ { "550-5.1.1 no such", "550 5.1.1 user" }, { 0 }, SMTP_REPLY_DONE,
	    550, "5.1.1", { "no such", "user" } },
	{ { "550-5.1.1 a", "550 b" }, { 0 }, SMTP_REPLY_DONE, 550, "5.1.1",
	    { "a", "b" } },
	{ { "250 5.0.0 x" }, { 0 }, SMTP_REPLY_DONE, 250, "", { "5.0.0 x" } },
	{ { "250 2.0.0" }, { 0 }, SMTP_REPLY_DONE, 250, "2.0.0", { "" } },
	{ { "250" }, { 0 }, SMTP_REPLY_DONE, 250, "", { "" } },
	{ { "250-" , "250 " }, { 0 }, SMTP_REPLY_DONE, 250, "", { "", "" } },
	{ { "220 mx ESMTP caf\xc3\xa9" }, { 0 }, SMTP_REPLY_DONE, 220, "",
	    { "mx ESMTP caf\xc3\xa9" } },
	{ { "250 a\x01" "b\tc" }, { 0 }, SMTP_REPLY_DONE, 250, "",
	    { "a?b\tc" } },
	{ { "250-a", "251 b" }, { 0 }, SMTP_REPLY_ERROR, 250, "", { "a" } },
	{ { "25" }, { 0 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "" }, { 0 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "2500 x" }, { 0 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "abc ok" }, { 0 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "650 x" }, { 0 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "150 x" }, { 0 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "250\tx" }, { 0 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "250-a\n250 b" }, { 0 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "250 a\rb" }, { 0 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "250 a\0b" }, { 7 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
	{ { "25\0 ok" }, { 6 }, SMTP_REPLY_ERROR, 0, "", { NULL } },
};

/* parse_feed - feed one case; the status of the last line */
static int
parse_feed(struct smtp_reply_parser *p, const struct parse_case *c)
{
	size_t	i;
	int	st = SMTP_REPLY_ERROR;

	smtp_reply_init(p);
	for (i = 0; i < 4 && c->lines[i] != NULL; i++)
		st = smtp_reply_feed(p, c->lines[i],
		    c->lens[i] ? c->lens[i] : strlen(c->lines[i]));
	return st;
}

ATF_TC_WITHOUT_HEAD(smtp_reply_feed_table);
ATF_TC_BODY(smtp_reply_feed_table, tc)
{
	const struct parse_case		*c;
	struct smtp_reply_parser	 p;
	size_t				 i, j;
	int				 st;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		c = &parse_cases[i];
		st = parse_feed(&p, c);
		ATF_CHECK_EQ_MSG(st, c->status, "case %zu", i);
		if (st == SMTP_REPLY_ERROR) {
			ATF_CHECK(p.err[0] != '\0');
			ATF_CHECK_EQ(smtp_reply_feed(&p, "250 ok", 6),
			    SMTP_REPLY_ERROR);
			continue;
		}
		ATF_CHECK_EQ_MSG(p.code, c->code, "case %zu", i);
		ATF_CHECK_STREQ_MSG(p.enhanced, c->enh, "case %zu", i);
		for (j = 0; j < 4 && c->text[j] != NULL; j++)
			ATF_CHECK_STREQ_MSG(smtp_reply_line(&p, j), c->text[j],
			    "case %zu line %zu", i, j);
		ATF_CHECK_EQ(p.nlines, j);
		ATF_CHECK(smtp_reply_line(&p, j) == NULL);
	}
}

ATF_TC_WITHOUT_HEAD(smtp_reply_feed_limits);
ATF_TC_BODY(smtp_reply_feed_limits, tc)
{
	struct smtp_reply_parser	p;
	char				line[600];
	size_t				i, max = SMTP_REPLY_LINE_MAX - 2;

	memset(line, 'x', sizeof(line));
	memcpy(line, "250 ", 4);
	smtp_reply_init(&p);
	ATF_CHECK_EQ(smtp_reply_feed(&p, line, max), SMTP_REPLY_DONE);
	ATF_CHECK_EQ(strlen(smtp_reply_line(&p, 0)), max - 4);
	smtp_reply_init(&p);
	ATF_CHECK_EQ(smtp_reply_feed(&p, line, max + 1), SMTP_REPLY_ERROR);

	/* SMTP_REPLY_LINES_MAX lines fit, one more does not */
	memcpy(line, "250-", 4);
	smtp_reply_init(&p);
	for (i = 0; i < SMTP_REPLY_LINES_MAX - 1; i++)
		ATF_REQUIRE_EQ(smtp_reply_feed(&p, line, 10), SMTP_REPLY_MORE);
	ATF_CHECK_EQ(smtp_reply_feed(&p, "250 end", 7), SMTP_REPLY_DONE);
	smtp_reply_init(&p);
	for (i = 0; i < SMTP_REPLY_LINES_MAX; i++)
		ATF_REQUIRE_EQ(smtp_reply_feed(&p, line, 10), SMTP_REPLY_MORE);
	ATF_CHECK_EQ(smtp_reply_feed(&p, "250 end", 7), SMTP_REPLY_ERROR);

	/* 16 lines of 255 octets and their NULs fill the text exactly */
	smtp_reply_init(&p);
	for (i = 0; i < 15; i++)
		ATF_REQUIRE_EQ(smtp_reply_feed(&p, line, 4 + 255),
		    SMTP_REPLY_MORE);
	ATF_CHECK_EQ(p.textlen, 15 * 256);
	line[3] = ' ';
	ATF_CHECK_EQ(smtp_reply_feed(&p, line, 4 + 255), SMTP_REPLY_DONE);
	line[3] = '-';
	smtp_reply_init(&p);
	for (i = 0; i < 15; i++)
		ATF_REQUIRE_EQ(smtp_reply_feed(&p, line, 4 + 255),
		    SMTP_REPLY_MORE);
	line[3] = ' ';
	ATF_CHECK_EQ(smtp_reply_feed(&p, line, 4 + 256), SMTP_REPLY_ERROR);
}

ATF_TC_WITHOUT_HEAD(smtp_reply_feed_next_reply);
ATF_TC_BODY(smtp_reply_feed_next_reply, tc)
{
	struct smtp_reply_parser	p;

	smtp_reply_init(&p);
	ATF_CHECK_EQ(smtp_reply_feed(&p, "250 2.1.0 ok", 12), SMTP_REPLY_DONE);
	ATF_CHECK_EQ(smtp_reply_feed(&p, "354 go", 6), SMTP_REPLY_DONE);
	ATF_CHECK_EQ(p.code, 354);
	ATF_CHECK_STREQ(p.enhanced, "");
	ATF_CHECK_EQ(p.nlines, 1);
	ATF_CHECK_STREQ(smtp_reply_line(&p, 0), "go");
}

ATF_TC_WITHOUT_HEAD(smtp_reply_format_roundtrip);
ATF_TC_BODY(smtp_reply_format_roundtrip, tc)
{
	struct smtp_reply_parser	 p;
	char				 buf[2048], text[1200];
	const char			*s, *e;
	size_t				 n;
	int				 st = SMTP_REPLY_ERROR;

	memset(text, 'w', sizeof(text));
	text[600] = '\n';
	text[sizeof(text) - 1] = '\0';
	ATF_REQUIRE_EQ(smtp_reply_format(buf, sizeof(buf), 451, "4.3.0",
	    "first\nsecond\n%s", text), 0);
	smtp_reply_init(&p);
	for (s = buf; *s != '\0'; s = e + 2) {
		e = strstr(s, "\r\n");
		ATF_REQUIRE(e != NULL);
		st = smtp_reply_feed(&p, s, e - s);
		ATF_REQUIRE(st != SMTP_REPLY_ERROR);
	}
	ATF_CHECK_EQ(st, SMTP_REPLY_DONE);
	ATF_CHECK_EQ(p.code, 451);
	ATF_CHECK_STREQ(p.enhanced, "4.3.0");
	ATF_CHECK_STREQ(smtp_reply_line(&p, 0), "first");
	ATF_CHECK_STREQ(smtp_reply_line(&p, 1), "second");
	/* 600 octets fold after 500: "451-4.3.0 " + 500 + CRLF = 512 */
	ATF_CHECK_EQ(strlen(smtp_reply_line(&p, 2)), 500);
	ATF_CHECK_EQ(strlen(smtp_reply_line(&p, 3)), 100);
	for (n = 2, st = 0; smtp_reply_line(&p, n) != NULL; n++)
		st += strlen(smtp_reply_line(&p, n));
	ATF_CHECK_EQ(st, sizeof(text) - 2);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, smtp_reply_format_table);
	ATF_TP_ADD_TC(tp, smtp_reply_format_line_limit);
	ATF_TP_ADD_TC(tp, smtp_reply_format_room);
	ATF_TP_ADD_TC(tp, smtp_reply_feed_table);
	ATF_TP_ADD_TC(tp, smtp_reply_feed_limits);
	ATF_TP_ADD_TC(tp, smtp_reply_feed_next_reply);
	ATF_TP_ADD_TC(tp, smtp_reply_format_roundtrip);
	return atf_no_error();
}
