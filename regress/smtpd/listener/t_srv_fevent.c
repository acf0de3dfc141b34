/*
 * t_srv_fevent.c - what a session tells the filter processes of its
 * listener, with a scripted lookup (srv_harness.h): the events in
 * order, a time-out before its 421, AUTH's initial response masked, and
 * nothing at all from a listener without filter processes.
 */
#include <atf-c.h>

#include "srv_harness.h"
#include "../../common/ev_harness.h"

#define EHLO	"EHLO client.test\r\n"
#define FPROC	"filter f proc-exec \"cat\""

/* h_fev_find - the index of the first event e from i on, or -1 */
static int
h_fev_find(int i, uint32_t e)
{
	for (; i < H.nfev; i++)
		if (H.fev[i].event == e)
			return i;
	return -1;
}

/* h_fev_check - event i is e with text */
static void
h_fev_check(int i, uint32_t e, const char *text)
{
	ATF_REQUIRE_MSG(i >= 0 && i < H.nfev, "no event %u", e);
	ATF_CHECK_EQ(H.fev[i].event, e);
	ATF_CHECK_STREQ(H.fev[i].text, text);
	ATF_CHECK_EQ(H.fev[i].listener, 0);
}

ATF_TC_WITHOUT_HEAD(srv_fevent_order);
ATF_TC_BODY(srv_fevent_order, tc)
{
	static const char *const	parts[] = { EHLO,
	    "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n", "AUTH LOGIN\r\n",
	    "NOOP\r\n", "@", NULL };
	int				i;

	h_setup_full(FPROC, "filter f", "");
	H.srv.timeout_cmd = 1;
	h_talk(parts);
	H_CODES("220 250 503 503 250 421 ");
	ATF_REQUIRE(ev_harness_until(&H.fends, 1, 5));
	h_fev_check(0, IPC_FEV_PROTOCOL_SERVER, "220 mx.test ESMTP posthorn");
	h_fev_check(1, IPC_FEV_LINK_GREETING, "mx.test");
	h_fev_check(2, IPC_FEV_PROTOCOL_CLIENT, "EHLO client.test");
	h_fev_check(3, IPC_FEV_LINK_IDENTIFY, "client.test");
	ATF_CHECK_EQ(H.fev[3].result, 1);
	ATF_CHECK_EQ(strncmp(H.fev[4].text, "250-mx.test ", 12), 0);
	/* AUTH's initial response never leaves; without one, nothing hides */
	i = h_fev_find(4, IPC_FEV_PROTOCOL_CLIENT);
	h_fev_check(i, IPC_FEV_PROTOCOL_CLIENT, "AUTH PLAIN ********");
	h_fev_check(i + 1, IPC_FEV_PROTOCOL_SERVER,
	    "503 5.5.1 AUTH not available");
	h_fev_check(i + 2, IPC_FEV_PROTOCOL_CLIENT, "AUTH LOGIN");
	i = h_fev_find(i + 3, IPC_FEV_PROTOCOL_CLIENT);
	h_fev_check(i, IPC_FEV_PROTOCOL_CLIENT, "NOOP");
	/* the time-out is told before its 421 */
	i = h_fev_find(i, IPC_FEV_TIMEOUT);
	h_fev_check(i, IPC_FEV_TIMEOUT, "");
	h_fev_check(i + 1, IPC_FEV_PROTOCOL_SERVER,
	    "421 4.4.2 mx.test Timeout, closing");
	ATF_CHECK_EQ(H.nfev, i + 2);
}

ATF_TC_WITHOUT_HEAD(srv_fevent_none);
ATF_TC_BODY(srv_fevent_none, tc)
{
	static const char *const	parts[] = { EHLO,
	    "MAIL FROM:<a@b.test>\r\n", NULL };

	h_setup("");
	h_talk(parts);
	/* the 250 to MAIL came through the lookup: whatever the session
	   sent it before, it has read */
	H_CODES("220 250 250 ");
	ATF_CHECK_EQ(H.nfev, 0);
	ATF_CHECK_EQ(H.fends, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, srv_fevent_order);
	ATF_TP_ADD_TC(tp, srv_fevent_none);
	return atf_no_error();
}
