/*
 * t_aliases.c - aliases(5): value forms, quoting, continuation lines,
 * limits, errors with line numbers, and format/parse round trips; the
 * lines and entries of a ~/.forward and the files that may be used.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "aliases.h"

ATF_TC_WITHOUT_HEAD(aliases_parse_values_forms);
ATF_TC_BODY(aliases_parse_values_forms, tc)
{
	static const struct {
		const char		*in;
		enum aliases_type	 type;
		const char		*text;
		int			 code;
	} cases[] = {
		{ "bob", ALIASES_T_USER, "bob", 0 },
		{ "bob@example.org", ALIASES_T_ADDRESS, "bob@example.org", 0 },
		{ "/var/mail/archive", ALIASES_T_FILENAME, "/var/mail/archive", 0 },
		{ "|/usr/bin/procmail -d x", ALIASES_T_COMMAND,
		    "/usr/bin/procmail -d x", 0 },
		{ "| cmd", ALIASES_T_COMMAND, "cmd", 0 },
		{ ":include:/etc/list", ALIASES_T_INCLUDE, "/etc/list", 0 },
		{ ":INCLUDE:/etc/list", ALIASES_T_INCLUDE, "/etc/list", 0 },
		{ "error:550 no such user", ALIASES_T_ERROR,
		    "550 no such user", 550 },
		{ "error:421", ALIASES_T_ERROR, "421", 421 },
		{ "\"|/bin/cat a,b\"", ALIASES_T_COMMAND, "/bin/cat a,b", 0 },
		{ "\"/path/with \\\"q\\\"\"", ALIASES_T_FILENAME,
		    "/path/with \"q\"", 0 },
		{ "caf\xc3\xa9", ALIASES_T_USER, "caf\xc3\xa9", 0 },
	};
	struct aliases_value	*v;
	size_t			 i, n;
	char			 err[256];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ATF_REQUIRE_EQ_MSG(aliases_parse_values(cases[i].in, &v, &n,
		    err, sizeof(err)), 0, "%s: %s", cases[i].in, err);
		ATF_REQUIRE_EQ(n, 1);
		ATF_CHECK_EQ_MSG(v[0].type, cases[i].type, "%s", cases[i].in);
		ATF_CHECK_STREQ_MSG(v[0].text, cases[i].text, "%s",
		    cases[i].in);
		ATF_CHECK_EQ(v[0].code, cases[i].code);
		free(v);
	}
}

ATF_TC_WITHOUT_HEAD(aliases_parse_values_malformed);
ATF_TC_BODY(aliases_parse_values_malformed, tc)
{
	static const struct {
		const char	*in;
		const char	*err;
	} cases[] = {
		{ "", "empty value" },
		{ "a,,b", "empty value" },
		{ "a,", "empty value" },
		{ "\"unterminated", "unterminated quote" },
		{ "\"a\"b", "text after closing quote" },
		{ "two words", "invalid user name \"two words\"" },
		{ "a b@c", "invalid address \"a b@c\"" },
		{ "@c", "invalid address \"@c\"" },
		{ "b@", "invalid address \"b@\"" },
		{ ":include:relative", "include needs an absolute path" },
		{ "error:250 ok", "error needs a 4xx or 5xx code" },
		{ "error:55 x", "error needs a 4xx or 5xx code" },
		{ "error:5500", "error needs a 4xx or 5xx code" },
		{ "|", "empty value" },
		{ "\"\"", "empty value" },
	};
	struct aliases_value	*v;
	size_t			 i, n;
	char			 err[256];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(aliases_parse_values(cases[i].in, &v, &n,
		    err, sizeof(err)), -1, "%s", cases[i].in);
		ATF_CHECK_STREQ_MSG(err, cases[i].err, "%s", cases[i].in);
	}
}

ATF_TC_WITHOUT_HEAD(aliases_parse_values_limits);
ATF_TC_BODY(aliases_parse_values_limits, tc)
{
	struct aliases_value	*v;
	size_t			 n;
	char			 s[ALIASES_VALUE_MAX + 2], err[256];

	memset(s, 'u', sizeof(s));
	s[ALIASES_VALUE_MAX - 1] = '\0';
	ATF_CHECK_EQ(aliases_parse_values(s, &v, &n, err, sizeof(err)), 0);
	free(v);
	s[ALIASES_VALUE_MAX - 1] = 'u';
	s[ALIASES_VALUE_MAX] = '\0';
	ATF_CHECK_EQ(aliases_parse_values(s, &v, &n, err, sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "value too long");
}

ATF_TC_WITHOUT_HEAD(aliases_format_values_round_trip);
ATF_TC_BODY(aliases_format_values_round_trip, tc)
{
	static const char *const lists[] = {
		"bob",
		"bob, alice@example.org, /var/mail/x",
		"\"|/bin/cat a,b\", error:550 gone, :include:/etc/l",
		"\"/odd \\\\ \\\"name\\\"\"",
		"\"/tmp/a b ,c\"",
	};
	struct aliases_value	*v, *w;
	size_t			 i, j, n, m;
	char			 out[ALIASES_LIST_MAX], err[256];

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		ATF_REQUIRE_EQ_MSG(aliases_parse_values(lists[i], &v, &n, err,
		    sizeof(err)), 0, "%s: %s", lists[i], err);
		ATF_REQUIRE_EQ(aliases_format_values(v, n, out, sizeof(out)),
		    0);
		ATF_CHECK_STREQ(out, lists[i]);
		ATF_REQUIRE_EQ(aliases_parse_values(out, &w, &m, err,
		    sizeof(err)), 0);
		ATF_REQUIRE_EQ(m, n);
		for (j = 0; j < n; j++) {
			ATF_CHECK_EQ(v[j].type, w[j].type);
			ATF_CHECK_STREQ(v[j].text, w[j].text);
		}
		free(v);
		free(w);
	}
	ATF_REQUIRE_EQ(aliases_parse_values("abcdef, ghi", &v, &n, err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(aliases_format_values(v, n, out, 12), 0);
	ATF_CHECK_EQ(aliases_format_values(v, n, out, 11), -1);
	free(v);
}

ATF_TC_WITHOUT_HEAD(aliases_parse_file_entries);
ATF_TC_BODY(aliases_parse_file_entries, tc)
{
	const char		*src =
	    "# system aliases\n"
	    "\n"
	    "MAILER-DAEMON: postmaster\n"
	    "postmaster:root\n"
	    "root: bob,\n"
	    "\talice@example.org,\n"
	    "  \"|/usr/bin/vacation bob\"\r\n"
	    "# between\n"
	    "list : :include:/etc/mail/list, error:450 later\n";
	struct aliases_list	 l;
	char			 err[256];

	ATF_REQUIRE_EQ_MSG(aliases_parse(src, strlen(src), "aliases", &l,
	    err, sizeof(err)), 0, "%s", err);
	ATF_REQUIRE_EQ(l.n, 4);
	ATF_CHECK_STREQ(l.entries[0].name, "mailer-daemon");
	ATF_CHECK_EQ(l.entries[0].lineno, 3);
	ATF_CHECK_STREQ(l.entries[1].name, "postmaster");
	ATF_CHECK_STREQ(l.entries[1].values[0].text, "root");
	ATF_CHECK_STREQ(l.entries[2].name, "root");
	ATF_REQUIRE_EQ(l.entries[2].nvalues, 3);
	ATF_CHECK_EQ(l.entries[2].values[1].type, ALIASES_T_ADDRESS);
	ATF_CHECK_EQ(l.entries[2].values[2].type, ALIASES_T_COMMAND);
	ATF_CHECK_STREQ(l.entries[2].values[2].text, "/usr/bin/vacation bob");
	ATF_CHECK_STREQ(l.entries[3].name, "list");
	ATF_CHECK_EQ(l.entries[3].lineno, 9);
	ATF_CHECK_EQ(l.entries[3].values[1].code, 450);
	aliases_list_free(&l);
}

ATF_TC_WITHOUT_HEAD(aliases_parse_file_errors);
ATF_TC_BODY(aliases_parse_file_errors, tc)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*err;
	} cases[] = {
		{ "a: b\nnocolon\n", 13, "f:2: missing ':' after name" },
		{ "  b\n", 4, "f:1: continuation line without an alias" },
		{ "a: b\n\n  c\n", 10, "f:3: continuation line without an alias" },
		{ "a: b\nA: c\n", 10, "f:2: duplicate alias" },
		{ "a:\n", 3, "f:1: missing value" },
		{ "a b: c\n", 7, "f:1: invalid alias name" },
		{ ": c\n", 4, "f:1: invalid alias name" },
		{ "a: b\nc: d,,e\n", 13, "f:2: empty value" },
		{ "a: b\nc: d\0e\n", 12, "f:2: NUL byte in line" },
		{ "a: b\rc\n", 7, "f:1: control character in line" },
		{ "x: y\n\n\nz: \"open\n", 16, "f:4: unterminated quote" },
		{ "r: a,\n  b c\n", 12, "f:1: invalid user name \"b c\"" },
	};
	struct aliases_list	l;
	char			err[256];
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(aliases_parse(cases[i].in, cases[i].len, "f",
		    &l, err, sizeof(err)), -1, "case %zu", i);
		ATF_CHECK_STREQ_MSG(err, cases[i].err, "case %zu", i);
		ATF_CHECK_EQ(l.n, 0);
	}
}

ATF_TC_WITHOUT_HEAD(aliases_parse_name_limits);
ATF_TC_BODY(aliases_parse_name_limits, tc)
{
	struct aliases_list	l;
	char			line[ALIASES_NAME_MAX + 16], err[256];

	memset(line, 'n', ALIASES_NAME_MAX - 1);
	strlcpy(line + ALIASES_NAME_MAX - 1, ": x\n", 8);
	ATF_CHECK_EQ_MSG(aliases_parse(line, strlen(line), "f", &l, err,
	    sizeof(err)), 0, "%s", err);
	aliases_list_free(&l);
	memset(line, 'n', ALIASES_NAME_MAX);
	strlcpy(line + ALIASES_NAME_MAX, ": x\n", 8);
	ATF_CHECK_EQ(aliases_parse(line, strlen(line), "f", &l, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "f:1: alias name too long");
}

ATF_TC_WITHOUT_HEAD(aliases_load_missing);
ATF_TC_BODY(aliases_load_missing, tc)
{
	struct aliases_list	l;
	char			err[256];

	ATF_CHECK_EQ(aliases_load("nonexistent", &l, err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "nonexistent") != NULL);
}

ATF_TC_WITHOUT_HEAD(aliases_forward_line_walk);
ATF_TC_BODY(aliases_forward_line_walk, tc)
{
	char	text[] = "# me\n\n  \\bob, |cmd\r\n\t\r\n/file\n#x\nlast";
	char	*p = text, *line;

	ATF_REQUIRE((line = aliases_forward_line(&p)) != NULL);
	ATF_CHECK_STREQ(line, "\\bob, |cmd");
	ATF_REQUIRE((line = aliases_forward_line(&p)) != NULL);
	ATF_CHECK_STREQ(line, "/file");
	ATF_REQUIRE((line = aliases_forward_line(&p)) != NULL);
	ATF_CHECK_STREQ(line, "last");
	ATF_CHECK(aliases_forward_line(&p) == NULL);
}

ATF_TC_WITHOUT_HEAD(aliases_forward_has_entries);
ATF_TC_BODY(aliases_forward_has_entries, tc)
{
	static const char text[] = "# vacation\nbob@example.org, "
	    "\"|/usr/bin/vacation -a x\"\n  /home/alice/log\r\n"
	    "|touch /tmp/a\n";

	ATF_CHECK_EQ(aliases_forward_has(text, ALIASES_T_COMMAND,
	    "/usr/bin/vacation -a x"), 1);
	ATF_CHECK_EQ(aliases_forward_has(text, ALIASES_T_COMMAND,
	    "touch /tmp/a"), 1);
	ATF_CHECK_EQ(aliases_forward_has(text, ALIASES_T_FILENAME,
	    "/home/alice/log"), 1);
	/* another type, a prefix, a comment, another case: no */
	ATF_CHECK_EQ(aliases_forward_has(text, ALIASES_T_FILENAME,
	    "touch /tmp/a"), 0);
	ATF_CHECK_EQ(aliases_forward_has(text, ALIASES_T_COMMAND,
	    "/usr/bin/vacation"), 0);
	ATF_CHECK_EQ(aliases_forward_has(text, ALIASES_T_COMMAND,
	    "vacation"), 0);
	ATF_CHECK_EQ(aliases_forward_has(text, ALIASES_T_FILENAME,
	    "/home/Alice/log"), 0);
	ATF_CHECK_EQ(aliases_forward_has("", ALIASES_T_COMMAND, "x"), 0);
	ATF_CHECK_EQ(aliases_forward_has("|x\n\"open\n",
	    ALIASES_T_COMMAND, "y"), -1);
}

ATF_TC_WITHOUT_HEAD(aliases_forward_safe_modes);
ATF_TC_BODY(aliases_forward_safe_modes, tc)
{
	struct stat	st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_uid = 1001;
	st.st_nlink = 2;
	ATF_CHECK(aliases_forward_safe(&st, 1001));
	ATF_CHECK(!aliases_forward_safe(&st, 1002));	/* someone else's */
	st.st_mode = S_IFREG | 0664;
	ATF_CHECK(!aliases_forward_safe(&st, 1001));	/* group-writable */
	st.st_mode = S_IFREG | 0646;
	ATF_CHECK(!aliases_forward_safe(&st, 1001));
	st.st_mode = S_IFLNK | 0644;
	ATF_CHECK(!aliases_forward_safe(&st, 1001));
	st.st_mode = S_IFREG | 0644;
	st.st_uid = 0;
	ATF_CHECK(!aliases_forward_safe(&st, 1001));	/* root's, 2 links */
	st.st_nlink = 1;
	ATF_CHECK(aliases_forward_safe(&st, 1001));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, aliases_parse_values_forms);
	ATF_TP_ADD_TC(tp, aliases_parse_values_malformed);
	ATF_TP_ADD_TC(tp, aliases_parse_values_limits);
	ATF_TP_ADD_TC(tp, aliases_format_values_round_trip);
	ATF_TP_ADD_TC(tp, aliases_parse_file_entries);
	ATF_TP_ADD_TC(tp, aliases_parse_file_errors);
	ATF_TP_ADD_TC(tp, aliases_parse_name_limits);
	ATF_TP_ADD_TC(tp, aliases_load_missing);
	ATF_TP_ADD_TC(tp, aliases_forward_line_walk);
	ATF_TP_ADD_TC(tp, aliases_forward_has_entries);
	ATF_TP_ADD_TC(tp, aliases_forward_safe_modes);
	return atf_no_error();
}
