/*
 * t_srv_limit.c - the listener's per-client budgets: sessions of one
 * address, new sessions per minute, and deadlines that single bytes do
 * not move (srv_limit.c), through the real sessions of srv_harness.h.
 */
#include <atf-c.h>

#include "srv_harness.h"
#include "xmalloc.h"

#define EHLO	"EHLO client.test\r\n"
#define TX	"MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n"

/* t_sa - an IPv4 client address */
static struct sockaddr *
t_sa(struct sockaddr_in *sin, const char *addr)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	ATF_REQUIRE(inet_pton(AF_INET, addr, &sin->sin_addr) == 1);
	return (struct sockaddr *)sin;
}

/* t_admit - admit a client of addr on a network listener: 0 or -1 */
static int
t_admit(const char *addr, struct srv_limit_addr **a, char *why)
{
	struct srv_listener	l;
	struct sockaddr_in	sin;

	memset(&l, 0, sizeof(l));
	return srv_limit_admit(&H.srv, &l, t_sa(&sin, addr), a, why, 64);
}

/* t_release - the end of a session admitted with budget a */
static void
t_release(struct srv_limit_addr *a)
{
	struct srv_session	ss;

	memset(&ss, 0, sizeof(ss));
	ss.limit = a;
	srv_limit_release(&H.srv, &ss);
}

/*
 * t_trickle - a listener whose time-outs are 1 s; a client that sends
 * the prefix, then a byte every 30 ms (it never idles): its transcript
 */
static void
t_trickle(const char *prefix)
{
	const char	**parts;
	size_t		  i = 0;

	h_setup("");
	H.srv.timeout_cmd = 1;
	H.srv.timeout_data = 1;
	srv_limit_start(&H.srv);
	parts = xcalloc(153, sizeof(*parts));
	parts[i++] = prefix;
	while (i < 151)
		parts[i++] = "x";
	h_talk(parts);
	free(parts);
}

ATF_TC_WITHOUT_HEAD(srv_limit_admit_per_address);
ATF_TC_BODY(srv_limit_admit_per_address, tc)
{
	struct srv_limit_addr	*a[3], *b;
	char			 why[64] = "";

	h_setup("smtp limit max-sessions-per-address 2");
	ATF_REQUIRE_EQ(t_admit("192.0.2.1", &a[0], why), 0);
	ATF_REQUIRE_EQ(t_admit("192.0.2.1", &a[1], why), 0);
	ATF_CHECK(a[0] != NULL && a[0] == a[1]);
	ATF_CHECK_EQ(t_admit("192.0.2.1", &a[2], why), -1);
	ATF_CHECK_STREQ(why, "max-sessions-per-address");
	/* another address has a budget of its own */
	ATF_CHECK_EQ(t_admit("192.0.2.2", &b, why), 0);
	t_release(b);
	/* once one session is gone, the address may have another */
	t_release(a[0]);
	ATF_CHECK_EQ(t_admit("192.0.2.1", &a[2], why), 0);
	t_release(a[1]);
	t_release(a[2]);
	ATF_CHECK_EQ(srv_limit_addresses(), 0);
	ATF_CHECK_EQ(H.srv.net_current, 0);
}

ATF_TC_WITHOUT_HEAD(srv_limit_admit_rate);
ATF_TC_BODY(srv_limit_admit_rate, tc)
{
	struct srv_limit_addr	*a;
	char			 why[64] = "";
	int			 i;

	h_setup("smtp limit session-rate 3");
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(t_admit("192.0.2.1", &a, why), 0);
		t_release(a);
	}
	/* the fourth in the same minute: refused, though nothing is open */
	ATF_CHECK_EQ(t_admit("192.0.2.1", &a, why), -1);
	ATF_CHECK_STREQ(why, "session-rate");
	ATF_CHECK_EQ(t_admit("192.0.2.2", &a, why), 0);
	t_release(a);
	/* the addresses are remembered for their minute */
	ATF_CHECK_EQ(srv_limit_addresses(), 2);
}

ATF_TC_WITHOUT_HEAD(srv_limit_admit_loopback_exempt);
ATF_TC_BODY(srv_limit_admit_loopback_exempt, tc)
{
	struct srv_limit_addr	*a;
	char			 why[64] = "";
	int			 i;

	h_setup("smtp limit max-sessions 5 max-sessions-per-address 1 "
	    "session-rate 1");
	/* this host's own clients: only max-sessions counts */
	for (i = 0; i < 5; i++) {
		ATF_REQUIRE_EQ(t_admit(i % 2 ? "127.0.0.1" : "127.1.2.3", &a,
		    why), 0);
		ATF_CHECK(a == NULL);
	}
	ATF_CHECK_EQ(t_admit("127.0.0.1", &a, why), -1);
	ATF_CHECK_STREQ(why, "max-sessions");
	ATF_CHECK_EQ(srv_limit_addresses(), 0);
}

ATF_TC_WITHOUT_HEAD(srv_limit_admit_refused_session);
ATF_TC_BODY(srv_limit_admit_refused_session, tc)
{
	static const char *const	 talk[] = { EHLO, "QUIT\r\n", NULL };

	/* through the real accept: over the budget, 421 and no session */
	h_setup("smtp limit max-sessions 1");
	H.srv.net_current = 1;
	h_talk(talk);
	H_CODES("421 ");
	ATF_CHECK(strstr(H.out, "421 4.3.2 Too many sessions") != NULL);
	ATF_CHECK_EQ(H.srv.stats.sessions_refused, 1);
	ATF_CHECK_EQ(H.srv.stats.sessions_total, 0);
}

ATF_TC_WITHOUT_HEAD(srv_limit_admit_local_apart);
ATF_TC_BODY(srv_limit_admit_local_apart, tc)
{
	struct srv_listener	 l;
	struct srv_limit_addr	*a;
	char			 why[64] = "";
	struct sockaddr		 sa;
	unsigned int		 i;

	h_setup("smtp limit max-sessions 1");
	memset(&l, 0, sizeof(l));
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	l.flags = IPC_LSN_LOCAL;
	/* the enqueuer's sessions do not count against max-sessions */
	for (i = 0; i < SRV_LOCAL_MAX; i++)
		ATF_REQUIRE_EQ(srv_limit_admit(&H.srv, &l, &sa, &a, why,
		    sizeof(why)), 0);
	ATF_CHECK(a == NULL);
	ATF_CHECK_EQ(srv_limit_admit(&H.srv, &l, &sa, &a, why,
		    sizeof(why)), -1);
	ATF_CHECK_STREQ(why, "local-sessions");
	ATF_CHECK_EQ(H.srv.net_current, 0);
	ATF_CHECK_EQ(H.srv.local_current, SRV_LOCAL_MAX);
}

ATF_TC_WITHOUT_HEAD(srv_limit_on_sweep_command_trickle);
ATF_TC_BODY(srv_limit_on_sweep_command_trickle, tc)
{
	/* the line never ends */
	t_trickle(EHLO);
	H_CODES("220 250 421 ");
	ATF_CHECK(strstr(H.out, "421 4.4.2 mx.test Timeout") != NULL);
}

ATF_TC_WITHOUT_HEAD(srv_limit_on_sweep_data_trickle);
ATF_TC_BODY(srv_limit_on_sweep_data_trickle, tc)
{
	/* 33 octets a second of data: far below the minimum rate */
	t_trickle(EHLO TX "DATA\r\n");
	H_CODES("220 250 250 250 354 421 ");
	ATF_CHECK_EQ(H.commits, 0);
	ATF_CHECK_EQ(H.aborts, 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, srv_limit_admit_per_address);
	ATF_TP_ADD_TC(tp, srv_limit_admit_rate);
	ATF_TP_ADD_TC(tp, srv_limit_admit_loopback_exempt);
	ATF_TP_ADD_TC(tp, srv_limit_admit_refused_session);
	ATF_TP_ADD_TC(tp, srv_limit_admit_local_apart);
	ATF_TP_ADD_TC(tp, srv_limit_on_sweep_command_trickle);
	ATF_TP_ADD_TC(tp, srv_limit_on_sweep_data_trickle);
	return atf_no_error();
}
