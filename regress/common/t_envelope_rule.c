/*
 * t_envelope_rule.c - which envelopes the expansion rules can make:
 * mailboxes per action kind and `user`, files and commands from alias
 * tables (as the alias account) and from ~/.forward (only where one is
 * read), relay envelopes, records without an origin, account names and
 * file paths that would leave their place.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "cfg.h"
#include "envelope.h"
#include "envelope_rule.h"

#define A	ENVELOPE_DEST_ADDRESS
#define F	ENVELOPE_DEST_FILE
#define C	ENVELOPE_DEST_COMMAND
#define NONE	ENVELOPE_ORIGIN_NONE
#define MBOX	ENVELOPE_ORIGIN_MAILBOX
#define ALIAS	ENVELOPE_ORIGIN_ALIAS
#define FWD	ENVELOPE_ORIGIN_FORWARD

static const char t_conf[] =
	"table al { x = y }\n"
	"table ub { u = \"1001:1001:/home/u\" }\n"
	"action \"md\" maildir\n"
	"action \"mda\" mda \"cat\"\n"
	"action \"lm\" lmtp \"/run/lmtp.sock\"\n"
	"action \"al\" mbox alias <al>\n"
	"action \"vt\" maildir virtual <al>\n"
	"action \"us\" maildir alias <al> user \"vmail\"\n"
	"action \"ub\" maildir userbase <ub>\n"
	"action \"exp\" expand-only alias <al>\n"
	"action \"fwo\" forward-only alias <al>\n"
	"action \"r\" relay\n";

static const struct {
	const char	*disp;
	uint32_t	 type;
	const char	*dest;
	const char	*user;
	uint32_t	 origin;
	const char	*why;		/* NULL: accepted, else in the reason */
} t_cases[] = {
	/* mailboxes */
	{ "md", A, "alice@x", "alice", MBOX, NULL },
	{ "md", A, "alice@x", "alice", NONE, NULL },
	{ "mda", A, "alice@x", "alice", MBOX, NULL },
	{ "lm", A, "alice@x", "alice", MBOX, NULL },
	{ "ub", A, "u@x", "u", MBOX, NULL },
	{ "us", A, "alice@x", "vmail", MBOX, NULL },
	{ "us", A, "alice@x", "alice", MBOX, "not the action's user" },
	{ "exp", A, "alice@x", "alice", MBOX, "no mailbox" },
	{ "fwo", A, "alice@x", "alice", MBOX, "no mailbox" },
	{ "md", A, "alice@x", "alice", ALIAS, "origin does not fit a mailbox" },
	{ "md", A, "alice@x", "alice", FWD, "origin does not fit a mailbox" },
	/* alias and virtual entries */
	{ "al", C, "/bin/true", "nobody", ALIAS, NULL },
	{ "vt", F, "/var/log/copy", "nobody", ALIAS, NULL },
	{ "us", C, "/bin/true", "vmail", ALIAS, NULL },
	{ "exp", C, "/bin/true", "nobody", ALIAS, NULL },
	{ "md", C, "/bin/true", "nobody", ALIAS, "no alias or virtual table" },
	{ "mda", F, "/tmp/x", "nobody", ALIAS, "no alias or virtual table" },
	{ "al", C, "/bin/true", "alice", ALIAS, "not the one of alias" },
	{ "al", C, "/bin/true", "root", ALIAS, "not the one of alias" },
	{ "us", C, "/bin/true", "nobody", ALIAS, "not the one of alias" },
	{ "fwo", C, "/bin/true", "nobody", ALIAS, "no file or command" },
	/* ~/.forward entries */
	{ "md", C, "/bin/true", "alice", FWD, NULL },
	{ "al", F, "/home/alice/log", "alice", FWD, NULL },
	{ "us", C, "/bin/true", "alice", FWD, "reads no ~/.forward" },
	{ "ub", C, "/bin/true", "u", FWD, "reads no ~/.forward" },
	{ "fwo", C, "/bin/true", "alice", FWD, "no file or command" },
	{ "md", C, "/bin/true", "alice", MBOX, "origin does not fit a file" },
	/* records without an origin get the one their action allows */
	{ "al", C, "/bin/true", "nobody", NONE, NULL },
	{ "al", C, "/bin/true", "alice", NONE, NULL },	/* as forward */
	{ "us", C, "/bin/true", "alice", NONE, "reads no ~/.forward" },
	{ "ub", F, "/tmp/x", "u", NONE, "reads no ~/.forward" },
	/* file paths */
	{ "al", F, "relative/x", "nobody", ALIAS, "no absolute path" },
	{ "al", F, "", "nobody", ALIAS, "empty recipient" },
	{ "al", F, "/var/mail/../../etc/x", "nobody", ALIAS, "absolute path" },
	{ "al", F, "/var/./x", "nobody", ALIAS, "absolute path" },
	{ "al", F, "/var/x/..", "nobody", ALIAS, "absolute path" },
	{ "al", F, "/var/x/.", "nobody", ALIAS, "absolute path" },
	{ "al", F, "/var/..x/x..", "nobody", ALIAS, NULL },
	{ "al", F, "//var//x", "nobody", ALIAS, NULL },
	/* account names */
	{ "md", A, "alice@x", "", MBOX, "bad account name" },
	{ "md", A, "alice@x", "../alice", MBOX, "bad account name" },
	{ "md", A, "alice@x", "..", MBOX, "bad account name" },
	{ "md", A, "alice@x", "a b", MBOX, "bad account name" },
	{ "md", A, "alice@x", "a\nb", MBOX, "bad account name" },
	{ "md", A, "alice@x", "a\x7f", MBOX, "bad account name" },
	{ "md", A, "alice@x", "o'brien.x-y", MBOX, NULL },
	/* relaying */
	{ "r", A, "bob@example.org", "", NONE, NULL },
	{ "r", A, "bob@example.org", "bob", NONE, "relay action" },
	{ "r", A, "bob@example.org", "", MBOX, "relay action" },
	{ "r", C, "/bin/true", "", NONE, "relay action" },
	/* the rest */
	{ "nosuch", A, "alice@x", "alice", MBOX, "unknown dispatcher" },
	{ "MD", A, "alice@x", "alice", MBOX, "unknown dispatcher" },
	{ "md", 3, "alice@x", "alice", MBOX, "bad destination type" },
	{ "md", A, "alice@x", "alice", 4, "unknown origin" },
};

ATF_TC_WITHOUT_HEAD(envelope_rule_check_cases);
ATF_TC_BODY(envelope_rule_check_cases, tc)
{
	struct envelope	 e;
	struct cfg	*cfg;
	const char	*why;
	char		 err[256];
	FILE		*f;
	size_t		 i;

	ATF_REQUIRE((f = fopen("smtpd.conf", "w")) != NULL);
	fputs(t_conf, f);
	ATF_REQUIRE(fclose(f) == 0);
	if ((cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err))) == NULL)
		atf_tc_fail("%s", err);
	for (i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		strlcpy(e.rcpt, "rcpt@x", sizeof(e.rcpt));
		strlcpy(e.dispatcher, t_cases[i].disp, sizeof(e.dispatcher));
		strlcpy(e.dest, t_cases[i].dest, sizeof(e.dest));
		strlcpy(e.user, t_cases[i].user, sizeof(e.user));
		e.dest_type = t_cases[i].type;
		e.origin = t_cases[i].origin;
		why = envelope_rule_check(cfg, &e);
		if (t_cases[i].why == NULL)
			ATF_CHECK_MSG(why == NULL, "case %zu: refused: %s", i,
			    why);
		else
			ATF_CHECK_MSG(why != NULL && strstr(why,
			    t_cases[i].why) != NULL, "case %zu: \"%s\", want "
			    "\"%s\"", i, why ? why : "(accepted)",
			    t_cases[i].why);
	}
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(envelope_rule_user_valid_cases);
ATF_TC_BODY(envelope_rule_user_valid_cases, tc)
{
	char	at[NAME_MAX_CFG];

	ATF_CHECK(envelope_rule_user_valid("alice"));
	ATF_CHECK(envelope_rule_user_valid(".alice"));
	ATF_CHECK(envelope_rule_user_valid("a\xc3\xa9"));
	ATF_CHECK(!envelope_rule_user_valid("."));
	ATF_CHECK(!envelope_rule_user_valid("a/"));
	ATF_CHECK(!envelope_rule_user_valid("a\tb"));
	memset(at, 'a', sizeof(at) - 1);
	at[sizeof(at) - 1] = '\0';
	ATF_CHECK(envelope_rule_user_valid(at));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, envelope_rule_check_cases);
	ATF_TP_ADD_TC(tp, envelope_rule_user_valid_cases);
	return atf_no_error();
}
