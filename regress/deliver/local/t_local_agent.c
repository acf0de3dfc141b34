/*
 * t_local_agent.c - what a local delivery agent accepts from the parent
 * (local_agent_check: its own uid and gid, known methods with their
 * targets, account names and paths) and the delivery it makes of an
 * accepted request (local_agent_fill).
 */
#include <string.h>

#include <atf-c.h>

#include "ipc.h"
#include "../../../deliver/local/local.h"

#define T_UID	1001
#define T_GID	1002

/* t_run - a request the agent of T_UID/T_GID accepts */
static void
t_run(struct msg_local_run *m)
{
	memset(m, 0, sizeof(*m));
	m->evpid = 0x5a1c93e041e7b001ULL;
	m->seq = 1;
	m->method = IPC_LOCAL_MAILDIR;
	m->uid = T_UID;
	m->gid = T_GID;
	strlcpy(m->user, "bob", sizeof(m->user));
	strlcpy(m->home, "/home/bob", sizeof(m->home));
	strlcpy(m->rcpt, "bob+lists@example.net", sizeof(m->rcpt));
}

ATF_TC_WITHOUT_HEAD(local_agent_check_cases);
ATF_TC_BODY(local_agent_check_cases, tc)
{
	static const struct {
		const char	*field;		/* what the case changes */
		const char	*value;
		unsigned int	 method;
		const char	*why;		/* NULL: accepted */
	} cases[] = {
		{ NULL, NULL, IPC_LOCAL_MAILDIR, NULL },
		{ NULL, NULL, IPC_LOCAL_MBOX, NULL },
		{ "target", "/srv/mail/bob", IPC_LOCAL_MAILDIR, NULL },
		{ "target", "procmail", IPC_LOCAL_MDA, NULL },
		{ "target", "/var/log/x", IPC_LOCAL_FILE, NULL },
		{ "target", "cat", IPC_LOCAL_COMMAND, NULL },
		{ "target", "/run/lmtp", IPC_LOCAL_LMTP, NULL },
		{ "home", "", IPC_LOCAL_MAILDIR, NULL },
		{ "uid", NULL, IPC_LOCAL_MAILDIR, "another account" },
		{ "gid", NULL, IPC_LOCAL_MAILDIR, "another account" },
		{ "evpid", NULL, IPC_LOCAL_MAILDIR, "without id" },
		{ "seq", NULL, IPC_LOCAL_MAILDIR, "without id" },
		{ NULL, NULL, 0, "unknown method" },
		{ NULL, NULL, IPC_LOCAL_COMMAND + 1, "unknown method" },
		{ "user", "", IPC_LOCAL_MBOX, "bad account name" },
		{ "user", "../root", IPC_LOCAL_MBOX, "bad account name" },
		{ "user", "..", IPC_LOCAL_MBOX, "bad account name" },
		{ "user", ".", IPC_LOCAL_MBOX, "bad account name" },
		{ "home", "home/bob", IPC_LOCAL_MAILDIR, "relative home" },
		{ "target", "", IPC_LOCAL_MDA, "without a target" },
		{ "target", "", IPC_LOCAL_FILE, "without a target" },
		{ "target", "x/y", IPC_LOCAL_FILE, "relative path" },
		{ "target", "Maildir", IPC_LOCAL_MAILDIR, "relative path" },
		{ "forward", NULL, IPC_LOCAL_FILE, "bad flag" },
		{ "delim", NULL, IPC_LOCAL_MAILDIR, "bad flag" },
	};
	struct msg_local_run	 m;
	char			 why[128];
	size_t			 i;
	int			 rv;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t_run(&m);
		m.method = cases[i].method;
		if (cases[i].method == IPC_LOCAL_FILE)
			strlcpy(m.target, "/tmp/f", sizeof(m.target));
		if (cases[i].field == NULL)
			;
		else if (strcmp(cases[i].field, "target") == 0)
			strlcpy(m.target, cases[i].value, sizeof(m.target));
		else if (strcmp(cases[i].field, "user") == 0)
			strlcpy(m.user, cases[i].value, sizeof(m.user));
		else if (strcmp(cases[i].field, "home") == 0)
			strlcpy(m.home, cases[i].value, sizeof(m.home));
		else if (strcmp(cases[i].field, "uid") == 0)
			m.uid = 0;
		else if (strcmp(cases[i].field, "gid") == 0)
			m.gid = T_GID + 1;
		else if (strcmp(cases[i].field, "evpid") == 0)
			m.evpid = 0;
		else if (strcmp(cases[i].field, "seq") == 0)
			m.seq = 0;
		else if (strcmp(cases[i].field, "forward") == 0)
			m.forward = 2;
		else if (strcmp(cases[i].field, "delim") == 0)
			m.subaddr_delim = 0x7f;
		why[0] = '\0';
		rv = local_agent_check(&m, T_UID, T_GID, why, sizeof(why));
		if (cases[i].why == NULL)
			ATF_CHECK_EQ_MSG(rv, 0, "case %zu: %s", i, why);
		else
			ATF_CHECK_MSG(rv == -1 &&
			    strstr(why, cases[i].why) != NULL,
			    "case %zu: %d %s", i, rv, why);
	}
}

ATF_TC_WITHOUT_HEAD(local_agent_fill_parts);
ATF_TC_BODY(local_agent_fill_parts, tc)
{
	struct msg_local_run	m;
	struct local_delivery	ld;

	t_run(&m);
	strlcpy(m.target, "/srv/mail/bob", sizeof(m.target));
	local_agent_fill(&m, 7, &ld);
	ATF_CHECK_EQ(ld.msg_fd, 7);
	ATF_CHECK_EQ(ld.uid, (uid_t)T_UID);
	ATF_CHECK_EQ(ld.gid, (gid_t)T_GID);
	ATF_CHECK_STREQ(ld.mbox, IPC_LOCAL_MBOX_DIR "/bob");
	ATF_CHECK_STREQ(ld.maildir, "/srv/mail/bob");
	ATF_CHECK_STREQ(ld.mda, "");
	ATF_CHECK_STREQ(ld.localpart, "bob+lists");
	ATF_CHECK_STREQ(ld.domain, "example.net");
	ATF_CHECK_STREQ(ld.extension, "lists");
	/* another delimiter; the target of an mda is its command */
	m.subaddr_delim = '-';
	m.method = IPC_LOCAL_MDA;
	strlcpy(m.rcpt, "bob-x+y@example.net", sizeof(m.rcpt));
	local_agent_fill(&m, 7, &ld);
	ATF_CHECK_STREQ(ld.extension, "x+y");
	ATF_CHECK_STREQ(ld.maildir, "");
	ATF_CHECK_STREQ(ld.mda, "/srv/mail/bob");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, local_agent_check_cases);
	ATF_TP_ADD_TC(tp, local_agent_fill_parts);
	return atf_no_error();
}
