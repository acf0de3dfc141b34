/*
 * t_parent_agent.c - the result the parent accepts from a local
 * delivery agent: only that of the one delivery in flight, with a
 * status a local delivery may have.
 */
#include <string.h>

#include <atf-c.h>

#include "ipc.h"
#include "../../../smtpd/parent/parent.h"

#define T_EVPID	0x5a1c93e041e7b001ULL

ATF_TC_WITHOUT_HEAD(parent_agent_result_check_cases);
ATF_TC_BODY(parent_agent_result_check_cases, tc)
{
	static const struct {
		int		 busy;
		uint32_t	 seq;
		uint64_t	 evpid;
		int32_t		 status;
		const char	*why;		/* NULL: accepted */
	} cases[] = {
		{ 1, 3, T_EVPID, IPC_DLV_OK, NULL },
		{ 1, 3, T_EVPID, IPC_DLV_TEMPFAIL, NULL },
		{ 1, 3, T_EVPID, IPC_DLV_PERMFAIL, NULL },
		{ 0, 3, T_EVPID, IPC_DLV_OK, "no delivery in flight" },
		{ 1, 2, T_EVPID, IPC_DLV_OK, "not the delivery" },
		{ 1, 4, T_EVPID, IPC_DLV_OK, "not the delivery" },
		{ 1, 3, T_EVPID + 1, IPC_DLV_OK, "not the delivery" },
		{ 1, 3, 0, IPC_DLV_OK, "not the delivery" },
		{ 1, 3, T_EVPID, IPC_DLV_TEMPFAIL_RCPT, "may not give" },
		{ 1, 3, T_EVPID, -1, "may not give" },
		{ 1, 3, T_EVPID, 99, "may not give" },
	};
	struct msg_local_result	 r;
	const char		*why;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.seq = cases[i].seq;
		r.evpid = cases[i].evpid;
		r.status = cases[i].status;
		why = parent_agent_result_check(3, T_EVPID, cases[i].busy, &r);
		if (cases[i].why == NULL)
			ATF_CHECK_MSG(why == NULL, "case %zu: %s", i, why);
		else
			ATF_CHECK_MSG(why != NULL &&
			    strstr(why, cases[i].why) != NULL,
			    "case %zu: %s", i, why ? why : "(null)");
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parent_agent_result_check_cases);
	return atf_no_error();
}
