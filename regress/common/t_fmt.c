/*
 * t_fmt.c - format specifier expansion: tokens, modifiers, slices,
 * sanitising of hostile addresses, limits.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "fmt.h"

/* One expansion: template, context overrides, expected result or NULL. */
struct fmt_case {
	const char	*tmpl;
	const char	*want;		/* NULL: fmt_expand must fail */
};

static const struct fmt_ctx base = {
	.sender_user = "alice",
	.sender_domain = "example.org",
	.rcpt_user = "Bob+Lists",
	.rcpt_domain = "Example.COM",
	.dest_user = "bob",
	.dest_domain = "example.com",
	.user_name = "bob",
	.user_dir = "/home/bob",
	.mbox_from = NULL,
	.mda = "/usr/bin/procmail -d bob",
	.subaddr_delim = '+',
};

/* run - expand every case of tab against ctx and check the outcome. */
static void
run(const struct fmt_ctx *ctx, const struct fmt_case *tab, size_t n)
{
	char	out[FMT_VALUE_MAX], err[128];
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++) {
		err[0] = '\0';
		rc = fmt_expand(out, sizeof(out), tab[i].tmpl, ctx, err,
		    sizeof(err));
		if (tab[i].want == NULL) {
			ATF_CHECK_MSG(rc == -1, "\"%s\" expanded to \"%s\"",
			    tab[i].tmpl, out);
			ATF_CHECK_MSG(rc != -1 || err[0] != '\0',
			    "\"%s\" failed without a message", tab[i].tmpl);
			ATF_CHECK_MSG(rc != -1 || out[0] == '\0',
			    "\"%s\" left output behind", tab[i].tmpl);
			continue;
		}
		ATF_CHECK_MSG(rc == 0, "\"%s\" failed: %s", tab[i].tmpl, err);
		if (rc == 0)
			ATF_CHECK_MSG(strcmp(out, tab[i].want) == 0,
			    "\"%s\": got \"%s\", want \"%s\"", tab[i].tmpl,
			    out, tab[i].want);
	}
}

#define RUN(ctx, tab)	run((ctx), (tab), sizeof(tab) / sizeof((tab)[0]))

ATF_TC_WITHOUT_HEAD(fmt_expand_tokens);
ATF_TC_BODY(fmt_expand_tokens, tc)
{
	static const struct fmt_case tab[] = {
		{ "%{sender}",		"alice@example.org" },
		{ "%{sender.user}",	"alice" },
		{ "%{sender.domain}",	"example.org" },
		{ "%{rcpt}",		"Bob+Lists@Example.COM" },
		{ "%{rcpt.user}",	"Bob+Lists" },
		{ "%{rcpt.domain}",	"Example.COM" },
		{ "%{dest}",		"bob@example.com" },
		{ "%{dest.user}",	"bob" },
		{ "%{dest.domain}",	"example.com" },
		{ "%{user.username}",	"bob" },
		{ "%{user.directory}",	"/home/bob" },
		{ "%{mbox.from}",	"alice@example.org" },
		{ "%{mda}",		"/usr/bin/procmail -d bob" },
		{ "%{RCPT.User}",	"Bob+Lists" },
		{ "/var/mail/%{user.username}", "/var/mail/bob" },
		{ "%{user.directory}/Maildir/.%{rcpt.domain}",
		    "/home/bob/Maildir/.Example.COM" },
		{ "lmtp:%{dest.domain}:24", "lmtp:example.com:24" },
		{ "",			"" },
		{ "no tokens here",	"no tokens here" },
	};

	RUN(&base, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_unknown_token);
ATF_TC_BODY(fmt_expand_unknown_token, tc)
{
	static const struct fmt_case tab[] = {
		{ "%{}",		NULL },
		{ "%{rcpt.local}",	NULL },
		{ "%{sender.}",		NULL },
		{ "%{ rcpt}",		NULL },
		{ "%{rcpt",		NULL },
		{ "x%{",		NULL },
		{ "%{%{rcpt}}",		NULL },
		{ "%{user.home}",	NULL },
	};

	RUN(&base, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_empty_sender);
ATF_TC_BODY(fmt_expand_empty_sender, tc)
{
	struct fmt_ctx	ctx = base;
	static const struct fmt_case tab[] = {
		{ "<%{sender}>",	"<>" },
		{ "<%{sender.user}>",	"<>" },
		{ "%{mbox.from}",	"MAILER-DAEMON" },
		{ "<%{sender[2:]}>",	"<>" },
	};

	ctx.sender_user = "";
	ctx.sender_domain = NULL;
	RUN(&ctx, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_mbox_from_given);
ATF_TC_BODY(fmt_expand_mbox_from_given, tc)
{
	struct fmt_ctx	ctx = base;
	static const struct fmt_case tab[] = {
		{ "%{mbox.from}",	"bounce@example.net" },
	};

	ctx.mbox_from = "bounce@example.net";
	RUN(&ctx, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_missing_user);
ATF_TC_BODY(fmt_expand_missing_user, tc)
{
	struct fmt_ctx	ctx = base;
	static const struct fmt_case tab[] = {
		{ "%{user.username}",	NULL },
		{ "%{user.directory}",	NULL },
		{ "%{mda}",		NULL },
		{ "~/Maildir",		NULL },
		{ "%{rcpt.user}",	"Bob+Lists" },
	};

	ctx.user_name = ctx.user_dir = ctx.mda = NULL;
	RUN(&ctx, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_modifiers);
ATF_TC_BODY(fmt_expand_modifiers, tc)
{
	static const struct fmt_case tab[] = {
		{ "%{rcpt:lowercase}",		"bob+lists@example.com" },
		{ "%{rcpt:uppercase}",		"BOB+LISTS@EXAMPLE.COM" },
		{ "%{rcpt:strip}",		"Bob@Example.COM" },
		{ "%{rcpt.user:strip}",		"Bob" },
		{ "%{rcpt:lowercase|strip}",	"bob@example.com" },
		{ "%{rcpt:STRIP|UpperCase}",	"BOB@EXAMPLE.COM" },
		{ "%{rcpt.domain:raw}",		"Example.COM" },
		{ "%{dest:strip}",		"bob@example.com" },
		{ "%{rcpt.user[0:2]:lowercase}", "bob" },
		{ "%{rcpt:nosuch}",		NULL },
		{ "%{rcpt:}",			NULL },
		{ "%{rcpt:lowercase|}",		NULL },
		{ "%{rcpt:lowercase,strip}",	NULL },
		{ "%{rcpt:lower}",		NULL },
	};

	RUN(&base, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_strip_delim);
ATF_TC_BODY(fmt_expand_strip_delim, tc)
{
	struct fmt_ctx	ctx = base;
	static const struct fmt_case tab[] = {
		{ "%{rcpt:strip}",	"Bob+Lists@Example.COM" },
		{ "%{dest:strip}",	"bob@example.com" },
	};
	static const struct fmt_case dash[] = {
		{ "%{rcpt:strip}",	"bob@example.com" },
		{ "%{rcpt.user:strip}",	"bob" },
	};
	static const struct fmt_case def[] = {
		{ "%{rcpt.user:strip}",	"Bob" },
	};

	ctx.subaddr_delim = '-';
	RUN(&ctx, tab);
	ctx.rcpt_user = "bob-ext-more";
	ctx.rcpt_domain = "example.com";
	RUN(&ctx, dash);
	ctx = base;
	ctx.subaddr_delim = '\0';	/* means '+' */
	RUN(&ctx, def);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_slices);
ATF_TC_BODY(fmt_expand_slices, tc)
{
	/* rcpt.domain is "Example.COM", 11 characters. */
	static const struct fmt_case tab[] = {
		{ "%{rcpt.domain[0]}",		"E" },
		{ "%{rcpt.domain[1]}",		"x" },
		{ "%{rcpt.domain[10]}",		"M" },
		{ "%{rcpt.domain[8:]}",		"COM" },
		{ "%{rcpt.domain[-3:]}",	"COM" },
		{ "%{rcpt.domain[:6]}",		"Example" },
		{ "%{rcpt.domain[0:6]}",	"Example" },
		{ "%{rcpt.domain[2:3]}",	"am" },
		{ "%{rcpt.domain[:-1]}",	"Example.CO" },
		{ "%{rcpt.domain[:-4]}",	"Example" },
		{ "%{rcpt.domain[-11:]}",	"Example.COM" },
		{ "%{rcpt.domain[:]}",		"Example.COM" },
		{ "%{rcpt.domain[0:1000]}",	"Example.COM" },
		{ "%{rcpt.domain[3:3]}",	"m" },
		{ "%{rcpt.domain[11]}",		NULL },
		{ "%{rcpt.domain[11:]}",	NULL },
		{ "%{rcpt.domain[-12:]}",	NULL },
		{ "%{rcpt.domain[5:2]}",	NULL },
		{ "%{rcpt.domain[:-12]}",	NULL },
		{ "%{rcpt.domain[]}",		NULL },
		{ "%{rcpt.domain[x]}",		NULL },
		{ "%{rcpt.domain[1:x]}",	NULL },
		{ "%{rcpt.domain[-]}",		NULL },
		{ "%{rcpt.domain[+1]}",		NULL },
		{ "%{rcpt.domain[ 1]}",		NULL },
		{ "%{rcpt.domain[1}",		NULL },
		{ "%{rcpt.domain]1[}",		NULL },
		{ "%{rcpt.domain[1]x}",		NULL },
		{ "%{rcpt.domain[99999999999999999999]}", NULL },
		{ "%{rcpt.domain[1025]}",	NULL },
	};

	RUN(&base, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_slice_empty_value);
ATF_TC_BODY(fmt_expand_slice_empty_value, tc)
{
	struct fmt_ctx	ctx = base;
	static const struct fmt_case tab[] = {
		{ "[%{rcpt.user[5]}]",		"[]" },
		{ "[%{rcpt.user[-3:]}]",	"[]" },
		{ "[%{rcpt.user}]",		"[]" },
	};

	ctx.rcpt_user = "";
	RUN(&ctx, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_escapes);
ATF_TC_BODY(fmt_expand_escapes, tc)
{
	static const struct fmt_case tab[] = {
		{ "%%",				"%" },
		{ "100%%",			"100%" },
		{ "%%{rcpt}",			"%{rcpt}" },
		{ "%%%{dest.user}",		"%bob" },
		{ "%d %s %",			"%d %s %" },
		{ "a%",				"a%" },
		{ "~/Maildir",			"/home/bob/Maildir" },
		{ "~/",				"/home/bob/" },
		{ "~bob/Maildir",		"~bob/Maildir" },
		{ "/x/~/y",			"/x/~/y" },
		{ "~",				"~" },
	};

	RUN(&base, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_sanitise_chars);
ATF_TC_BODY(fmt_expand_sanitise_chars, tc)
{
	static const char	bad[] = ";|$`&<>(){}'\"\\!#%*/?^~, \t\r\n\v"
	    "\x01\x1b\x7f";
	struct fmt_ctx		ctx = base;
	char			user[4], out[64], err[128];
	size_t			i;

	for (i = 0; i < sizeof(bad) - 1; i++) {
		user[0] = 'a';
		user[1] = bad[i];
		user[2] = 'b';
		user[3] = '\0';
		ctx.rcpt_user = user;
		ATF_CHECK_EQ(fmt_expand(out, sizeof(out), "%{rcpt.user}",
		    &ctx, err, sizeof(err)), 0);
		ATF_CHECK_MSG(strcmp(out, "a:b") == 0,
		    "byte 0x%02x gave \"%s\"", (unsigned char)bad[i], out);
	}
}

ATF_TC_WITHOUT_HEAD(fmt_expand_sanitise_keeps);
ATF_TC_BODY(fmt_expand_sanitise_keeps, tc)
{
	struct fmt_ctx	ctx = base;
	static const struct fmt_case tab[] = {
		{ "%{rcpt}",	"a.b-c_d=e+f@[192.0.2.1]" },
		{ "%{sender}",	"J\xc3\xb6rg@b\xc3\xbc" "cher.example" },
	};

	ctx.rcpt_user = "a.b-c_d=e+f";
	ctx.rcpt_domain = "[192.0.2.1]";
	ctx.sender_user = "J\xc3\xb6rg";
	ctx.sender_domain = "b\xc3\xbc" "cher.example";
	RUN(&ctx, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_shell_injection);
ATF_TC_BODY(fmt_expand_shell_injection, tc)
{
	struct fmt_ctx	ctx = base;
	char		out[256], err[128];
	static const struct {
		const char	*user;
		const char	*domain;
		const char	*want;
	} tab[] = {
		/* CVE-2020-7247: MAIL FROM:<;sleep 66;> */
		{ ";sleep 3;",	"",		":sleep:3:@" },
		{ ";sleep 3;",	NULL,		":sleep:3:@" },
		{ "$(id)",	"example.org",	"::id:@example.org" },
		{ "`id`",	"example.org",	":id:@example.org" },
		{ "a'b",	"x\";rm -rf /;\"", "a:b@x::rm:-rf::::" },
		{ "x\ny",	"z",		"x:y@z" },
		{ "${IFS}",	"z",		"::IFS:@z" },
		{ "a|b&c",	"z",		"a:b:c@z" },
	};
	size_t		i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		ctx.sender_user = tab[i].user;
		ctx.sender_domain = tab[i].domain;
		ATF_CHECK_EQ(fmt_expand(out, sizeof(out),
		    "/usr/libexec/mail.local -f %{sender} %{user.username}",
		    &ctx, err, sizeof(err)), 0);
		ATF_CHECK_MSG(strncmp(out, "/usr/libexec/mail.local -f ", 27)
		    == 0 && strcmp(out + 27 + strlen(tab[i].want), " bob") == 0
		    && strncmp(out + 27, tab[i].want, strlen(tab[i].want)) == 0,
		    "case %zu: \"%s\"", i, out);
		ATF_CHECK_MSG(strpbrk(out + 27, ";$`'\"|&\n") == NULL,
		    "case %zu kept a shell character: \"%s\"", i, out);
	}
}

ATF_TC_WITHOUT_HEAD(fmt_expand_path_traversal);
ATF_TC_BODY(fmt_expand_path_traversal, tc)
{
	struct fmt_ctx	ctx = base;
	char		out[256], err[128];
	static const struct {
		const char	*user;
		const char	*want;
	} tab[] = {
		{ "..",			"/var/mail/:." },
		{ ".",			"/var/mail/:" },
		{ "../../etc/passwd",	"/var/mail/:.:..:etc:passwd" },
		{ "..%2f..",		"/var/mail/:.:2f.." },
		{ "a/../../b",		"/var/mail/a:..:..:b" },
		{ ".profile",		"/var/mail/:profile" },
		{ "/etc/passwd",	"/var/mail/:etc:passwd" },
		{ "a..b",		"/var/mail/a..b" },
	};
	size_t		i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		ctx.rcpt_user = tab[i].user;
		ATF_CHECK_EQ(fmt_expand(out, sizeof(out),
		    "/var/mail/%{rcpt.user}", &ctx, err, sizeof(err)), 0);
		ATF_CHECK_MSG(strcmp(out, tab[i].want) == 0,
		    "\"%s\" gave \"%s\"", tab[i].user, out);
	}
	/* A slice cannot uncover a leading dot either. */
	ctx.rcpt_user = "a..";
	ATF_CHECK_EQ(fmt_expand(out, sizeof(out), "/m/%{rcpt.user[1:]}",
	    &ctx, err, sizeof(err)), 0);
	ATF_CHECK_STREQ(out, "/m/:.");
}

ATF_TC_WITHOUT_HEAD(fmt_expand_raw);
ATF_TC_BODY(fmt_expand_raw, tc)
{
	struct fmt_ctx	ctx = base;
	static const struct fmt_case tab[] = {
		{ "%{rcpt.user:raw}",		"a/b$c'd..:e" },
		{ "%{rcpt.user:raw|uppercase}",	"A/B$C'D..:E" },
		{ "%{rcpt.user}",		"a:b:c:d..:e" },
		{ "%{sender.user:raw}",		".x:y" },
		{ "%{sender.user}",		":x:y" },
	};

	ctx.rcpt_user = "a/b$c'd..\re";
	ctx.sender_user = ".x\ny";
	RUN(&ctx, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_trusted_unsanitised);
ATF_TC_BODY(fmt_expand_trusted_unsanitised, tc)
{
	struct fmt_ctx	ctx = base;
	static const struct fmt_case tab[] = {
		{ "%{user.directory}/Maildir",	"/home/o'brien/Maildir" },
		{ "~/Maildir",			"/home/o'brien/Maildir" },
		{ "%{mda}",			"/bin/x | /bin/y" },
		{ "%{user.username}",		"o:brien" },
	};

	ctx.user_dir = "/home/o'brien";
	ctx.user_name = "o'brien";
	ctx.mda = "/bin/x | /bin/y";
	RUN(&ctx, tab);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_limits);
ATF_TC_BODY(fmt_expand_limits, tc)
{
	char	out[16], err[128], tmpl[FMT_TOKEN_MAX + 8];

	/* "bob@example.com" is 15 bytes: fits 16 exactly, not 15. */
	ATF_CHECK_EQ(fmt_expand(out, 16, "%{dest}", &base, err,
	    sizeof(err)), 0);
	ATF_CHECK_STREQ(out, "bob@example.com");
	ATF_CHECK_EQ(fmt_expand(out, 15, "%{dest}", &base, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(out, "");
	ATF_CHECK_EQ(fmt_expand(out, 16, "123456789012345", &base, err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(fmt_expand(out, 16, "1234567890123456", &base, err,
	    sizeof(err)), -1);
	ATF_CHECK_EQ(fmt_expand(out, 16, "12345678901234%%", &base, err,
	    sizeof(err)), 0);
	ATF_CHECK_STREQ(out, "12345678901234%");
	ATF_CHECK_EQ(fmt_expand(out, 16, "123456789012345%%", &base, err,
	    sizeof(err)), -1);
	ATF_CHECK_EQ(fmt_expand(out, 12, "~/Maildir", &base, err,
	    sizeof(err)), -1);
	ATF_CHECK_EQ(fmt_expand(out, 1, "", &base, err, sizeof(err)), 0);
	ATF_CHECK_EQ(fmt_expand(out, 0, "", &base, NULL, 0), -1);

	/* A token name of FMT_TOKEN_MAX bytes is refused as malformed. */
	memset(tmpl, 'a', sizeof(tmpl));
	memcpy(tmpl, "%{", 2);
	tmpl[2 + FMT_TOKEN_MAX] = '}';
	tmpl[3 + FMT_TOKEN_MAX] = '\0';
	ATF_CHECK_EQ(fmt_expand(out, sizeof(out), tmpl, &base, err,
	    sizeof(err)), -1);
	ATF_CHECK(strstr(err, "malformed") != NULL);
	/* One byte less is parsed, and is merely an unknown name. */
	tmpl[1 + FMT_TOKEN_MAX] = '}';
	tmpl[2 + FMT_TOKEN_MAX] = '\0';
	ATF_CHECK_EQ(fmt_expand(out, sizeof(out), tmpl, &base, err,
	    sizeof(err)), -1);
	ATF_CHECK(strstr(err, "unknown token") != NULL);
}

ATF_TC_WITHOUT_HEAD(fmt_expand_overlong_value);
ATF_TC_BODY(fmt_expand_overlong_value, tc)
{
	struct fmt_ctx	ctx = base;
	static char	user[FMT_VALUE_MAX + 1], out[4 * FMT_VALUE_MAX];
	char		err[128];

	/* A value of FMT_VALUE_MAX - 1 bytes fits; one more does not. */
	memset(user, 'u', FMT_VALUE_MAX - 1);
	user[FMT_VALUE_MAX - 1] = '\0';
	ctx.rcpt_user = user;
	ATF_CHECK_EQ(fmt_expand(out, sizeof(out), "%{rcpt.user}", &ctx, err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(strlen(out), FMT_VALUE_MAX - 1);
	ATF_CHECK_EQ(fmt_expand(out, sizeof(out), "%{rcpt}", &ctx, err,
	    sizeof(err)), -1);
	user[FMT_VALUE_MAX - 1] = 'u';
	user[FMT_VALUE_MAX] = '\0';
	ATF_CHECK_EQ(fmt_expand(out, sizeof(out), "%{rcpt.user}", &ctx, err,
	    sizeof(err)), -1);
	/* Many tokens each within bounds, together too long. */
	user[100] = '\0';
	ATF_CHECK_EQ(fmt_expand(out, 1000, "%{rcpt.user}%{rcpt.user}"
	    "%{rcpt.user}%{rcpt.user}%{rcpt.user}%{rcpt.user}%{rcpt.user}"
	    "%{rcpt.user}%{rcpt.user}%{rcpt.user}", &ctx, err, sizeof(err)),
	    -1);
	ATF_CHECK_EQ(fmt_expand(out, 1001, "%{rcpt.user}%{rcpt.user}"
	    "%{rcpt.user}%{rcpt.user}%{rcpt.user}%{rcpt.user}%{rcpt.user}"
	    "%{rcpt.user}%{rcpt.user}%{rcpt.user}", &ctx, err, sizeof(err)),
	    0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, fmt_expand_tokens);
	ATF_TP_ADD_TC(tp, fmt_expand_unknown_token);
	ATF_TP_ADD_TC(tp, fmt_expand_empty_sender);
	ATF_TP_ADD_TC(tp, fmt_expand_mbox_from_given);
	ATF_TP_ADD_TC(tp, fmt_expand_missing_user);
	ATF_TP_ADD_TC(tp, fmt_expand_modifiers);
	ATF_TP_ADD_TC(tp, fmt_expand_strip_delim);
	ATF_TP_ADD_TC(tp, fmt_expand_slices);
	ATF_TP_ADD_TC(tp, fmt_expand_slice_empty_value);
	ATF_TP_ADD_TC(tp, fmt_expand_escapes);
	ATF_TP_ADD_TC(tp, fmt_expand_sanitise_chars);
	ATF_TP_ADD_TC(tp, fmt_expand_sanitise_keeps);
	ATF_TP_ADD_TC(tp, fmt_expand_shell_injection);
	ATF_TP_ADD_TC(tp, fmt_expand_path_traversal);
	ATF_TP_ADD_TC(tp, fmt_expand_raw);
	ATF_TP_ADD_TC(tp, fmt_expand_trusted_unsanitised);
	ATF_TP_ADD_TC(tp, fmt_expand_limits);
	ATF_TP_ADD_TC(tp, fmt_expand_overlong_value);
	return atf_no_error();
}
