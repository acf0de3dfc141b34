/*
 * t_ctl.c - smtpctl's command words: each command's message and the
 * number of arguments it takes.
 */
#include <atf-c.h>
#include <string.h>

#include "../../../queue/smtpctl/ctl.h"

ATF_TC_WITHOUT_HEAD(ctl_parse_table);
ATF_TC_BODY(ctl_parse_table, tc)
{
	static const struct {
		const char	*words[4];
		int		 rv;
		enum ipc_type	 type;
		const char	*arg;
	} t[] = {
		{ { "show", "stats" }, 0, MSG_CTL_SHOW_STATS, NULL },
		{ { "show", "queue" }, 0, MSG_CTL_SHOW_QUEUE, NULL },
		{ { "show", "queue", "x" }, -1, 0, NULL },
		{ { "show", "envelope", "5a1c93e041e7b001" }, 0,
		    MSG_CTL_SHOW_ENVELOPE, "5a1c93e041e7b001" },
		{ { "show", "envelope" }, -1, 0, NULL },
		{ { "show", "message", "5a1c93e0" }, 0, MSG_CTL_SHOW_MESSAGE,
		    "5a1c93e0" },
		{ { "schedule", "all" }, 0, MSG_CTL_SCHEDULE, "all" },
		{ { "remove", "all" }, 0, MSG_CTL_REMOVE, "all" },
		{ { "remove" }, -1, 0, NULL },
		{ { "update", "table", "aliases" }, 0, MSG_CTL_UPDATE_TABLE,
		    "aliases" },
		{ { "update", "table" }, 0, MSG_CTL_UPDATE_TABLE, NULL },
		{ { "update", "table", "a", "b" }, -1, 0, NULL },
		{ { "pause", "mta" }, 0, MSG_CTL_PAUSE, "mta" },
		{ { "resume", "smtp" }, 0, MSG_CTL_RESUME, "smtp" },
		{ { "log", "verbose" }, 0, MSG_CTL_LOG, "verbose" },
		{ { "stop" }, 0, MSG_CTL_STOP, NULL },
		{ { "stop", "now" }, -1, 0, NULL },
		{ { "show" }, -1, 0, NULL },
		{ { "frobnicate" }, -1, 0, NULL },
		{ { NULL }, -1, 0, NULL },
	};
	enum ipc_type	 type;
	const char	*arg;
	size_t		 i;
	int		 n;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (n = 0; n < 4 && t[i].words[n] != NULL; n++)
			;
		type = MSG_NONE;
		arg = "unset";
		ATF_CHECK_EQ_MSG(ctl_parse(n, (char **)t[i].words, &type,
		    &arg), t[i].rv, "case %zu", i);
		if (t[i].rv == -1)
			continue;
		ATF_CHECK_EQ_MSG(type, t[i].type, "case %zu", i);
		ATF_CHECK_MSG(t[i].arg == NULL ? arg == NULL :
		    arg != NULL && strcmp(arg, t[i].arg) == 0, "case %zu", i);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ctl_parse_table);
	return atf_no_error();
}
