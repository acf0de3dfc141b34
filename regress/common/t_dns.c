/*
 * t_dns.c - the asynchronous resolver against regress/tools/dnsd.py,
 * started on a free port of 127.0.0.1 for each test case: MX order,
 * null MX, A/AAAA, literals, PTR, NXDOMAIN, NODATA, SERVFAIL, time-out,
 * bounds, cancellation, and callbacks that never run synchronously.
 */
#include "dns_harness.h"

ATF_TC_WITHOUT_HEAD(dns_mx_answers);
ATF_TC_BODY(dns_mx_answers, tc)
{
	static char	 at253[256], at255[256], over[HOST_MAX + 2];
	static const struct {
		const char	*name;
		const char	*want;
	} t[] = {
		{ "mx.test", "ok|10 a.mx.test,20 b.mx.test,30 c.mx.test" },
		{ "MX.Test.", "ok|10 a.mx.test,20 b.mx.test,30 c.mx.test" },
		{ "null.test", "ok|0 ." },
		{ "nx.test", "none|" },
		{ "nodata.test", "none|" },
		{ "fail.test", "tempfail|" },
		{ at253, "ok|5 long.test" },
		{ at255, "none|" },		/* longer than DNS allows */
		{ over, "none|" },		/* HOST_MAX + 1 */
		{ "", "none|" },
		{ "bad name.test", "none|" },
		{ "bad\nname.test", "none|" },
		{ "bad\rname.test", "none|" },
		{ "b\xc3\xa4" "d.test", "none|" },
	};
	struct dns_harness_answer	 a[sizeof(t) / sizeof(t[0])];
	char				 zone[4096];
	size_t				 i;

	dns_harness_long_name(at253, 253);
	dns_harness_long_name(at255, 255);
	dns_harness_long_name(over, HOST_MAX + 1);
	snprintf(zone, sizeof(zone), "%s%s MX 5 long.test\n",
	    dns_harness_zone, at253);
	dns_harness_setup(tc, zone, 2000);
	memset(a, 0, sizeof(a));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		dns_harness_mx(t[i].name, &a[i]);
	dns_harness_run(10);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ_MSG(a[i].calls, 1, "%zu: %d calls", i, a[i].calls);
		ATF_CHECK_MSG(!a[i].sync, "%zu: synchronous callback", i);
		ATF_CHECK_STREQ_MSG(a[i].text, t[i].want, "%zu", i);
	}
	dns_harness_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_mx_bounded_and_shuffled);
ATF_TC_BODY(dns_mx_bounded_and_shuffled, tc)
{
	struct dns_harness_answer	 a[20];
	char				 zone[8192], line[64];
	char				 first[DNS_HARNESS_ANSWER_MAX];
	size_t				 i;
	int				 differ = 0;

	/* 40 records: too big for UDP, so this also goes over TCP */
	zone[0] = '\0';
	for (i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "many.test MX %zu h%02zu.test\n",
		    i < 8 ? (size_t)1 : i, i);
		strlcat(zone, line, sizeof(zone));
	}
	dns_harness_setup(tc, zone, 2000);
	memset(a, 0, sizeof(a));
	for (i = 0; i < 20; i++)
		dns_harness_mx("many.test", &a[i]);
	dns_harness_run(10);
	strlcpy(first, a[0].text, sizeof(first));
	for (i = 0; i < 20; i++) {
		ATF_REQUIRE_EQ(a[i].calls, 1);
		/* DNS_MX_MAX records: 8 at preference 1, then 8..31 */
		ATF_CHECK_MSG(strstr(a[i].text, ",8 h08.test,9 h09.test,") !=
		    NULL, "%s", a[i].text);
		ATF_CHECK_MSG(strstr(a[i].text, ",31 h31.test") + 12 ==
		    a[i].text + strlen(a[i].text), "%s", a[i].text);
		ATF_CHECK(strstr(a[i].text, "32 h32") == NULL);
		ATF_CHECK(strncmp(a[i].text, "ok|1 h0", 7) == 0);
		if (strcmp(a[i].text, first) != 0)
			differ = 1;
	}
	ATF_CHECK_MSG(differ, "ties always in the same order: %s", first);
	dns_harness_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_addr_answers);
ATF_TC_BODY(dns_addr_answers, tc)
{
	static const struct {
		const char	*name;
		int		 family;
		const char	*want;
	} t[] = {
		{ "both.test", AF_UNSPEC, "ok|192.0.2.1,2001:db8::1" },
		{ "both.test", AF_INET, "ok|192.0.2.1" },
		{ "both.test", AF_INET6, "ok|2001:db8::1" },
		{ "v4.test", AF_INET6, "none|" },
		{ "v4.test", AF_UNSPEC, "ok|192.0.2.4" },
		{ "cname.test", AF_INET, "ok|192.0.2.4" },
		{ "nx.test", AF_UNSPEC, "none|" },
		{ "fail.test", AF_INET, "tempfail|" },
		{ "192.0.2.9", AF_UNSPEC, "ok|192.0.2.9" },
		{ "192.0.2.9", AF_INET, "ok|192.0.2.9" },
		{ "192.0.2.9", AF_INET6, "none|" },
		{ "2001:db8::9", AF_UNSPEC, "ok|2001:db8::9" },
		{ "2001:db8::9", AF_INET, "none|" },
		{ "both.test", AF_UNIX, "none|" },
		{ "bad\x01.test", AF_INET, "none|" },
		{ "many.test", AF_INET, "ok|10.0.0.10,10.0.0.11,10.0.0.12,"
		    "10.0.0.13,10.0.0.14,10.0.0.15,10.0.0.16,10.0.0.17,"
		    "10.0.0.18,10.0.0.19,10.0.0.20,10.0.0.21,10.0.0.22,"
		    "10.0.0.23,10.0.0.24,10.0.0.25" },
	};
	struct dns_harness_answer	 a[sizeof(t) / sizeof(t[0])];
	char				 zone[4096], line[64];
	size_t				 i;

	strlcpy(zone, dns_harness_zone, sizeof(zone));
	for (i = 10; i < 30; i++) {	/* DNS_ADDR_MAX + 4, in order */
		snprintf(line, sizeof(line), "many.test A 10.0.0.%zu\n", i);
		strlcat(zone, line, sizeof(zone));
	}
	dns_harness_setup(tc, zone, 2000);
	memset(a, 0, sizeof(a));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		dns_harness_addr(t[i].name, t[i].family, &a[i]);
	dns_harness_run(10);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ_MSG(a[i].calls, 1, "%zu: %d calls", i, a[i].calls);
		ATF_CHECK_MSG(!a[i].sync, "%zu: synchronous callback", i);
		ATF_CHECK_STREQ_MSG(a[i].text, t[i].want, "%zu", i);
	}
	dns_harness_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_ptr_answers);
ATF_TC_BODY(dns_ptr_answers, tc)
{
	static const struct {
		const char	*addr;
		const char	*want;
	} t[] = {
		{ "192.0.2.1", "ok|host.test" },
		{ "::ffff:192.0.2.1", "ok|host.test" },
		{ "2001:db8::1", "ok|host6.test" },
		{ "192.0.2.2", "none|" },
		{ "192.0.2.3", "tempfail|" },
		{ "192.0.2.6", "ok|slow.test" },
		{ "192.0.2.8", "none|" },	/* not a host name */
		{ "192.0.2.11", "tempfail|" },	/* c-ares: malformed */
		{ "192.0.2.10", "ok|under_score.test" },
		{ "not-an-address", "none|" },	/* AF_UNIX */
	};
	struct dns_harness_answer	 a[sizeof(t) / sizeof(t[0])];
	size_t				 i;

	dns_harness_setup(tc, dns_harness_zone, 2000);
	memset(a, 0, sizeof(a));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		dns_harness_ptr(t[i].addr, &a[i]);
	dns_harness_run(10);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ_MSG(a[i].calls, 1, "%zu: %d calls", i, a[i].calls);
		ATF_CHECK_MSG(!a[i].sync, "%zu: synchronous callback", i);
		ATF_CHECK_STREQ_MSG(a[i].text, t[i].want, "%zu", i);
	}
	dns_harness_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_timeout_tempfail);
ATF_TC_BODY(dns_timeout_tempfail, tc)
{
	struct dns_harness_answer	 a[3];
	time_t				 start;

	dns_harness_setup(tc, dns_harness_zone, 300);
	memset(a, 0, sizeof(a));
	start = time(NULL);
	dns_harness_mx("slow.test", &a[0]);
	dns_harness_addr("slow.test", AF_UNSPEC, &a[1]);
	dns_harness_ptr("192.0.2.5", &a[2]);
	dns_harness_run(10);
	ATF_CHECK(time(NULL) - start <= 3);
	ATF_CHECK_STREQ(a[0].text, "tempfail|");
	ATF_CHECK_STREQ(a[1].text, "tempfail|");
	ATF_CHECK_STREQ(a[2].text, "tempfail|");
	dns_harness_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_cancel_no_callback);
ATF_TC_BODY(dns_cancel_no_callback, tc)
{
	struct dns_harness_answer	 a[6], last;
	struct dns_query		*q[6];
	size_t				 i;

	dns_harness_setup(tc, dns_harness_zone, 500);
	memset(a, 0, sizeof(a));
	memset(&last, 0, sizeof(last));
	/* on the wire; never answered (3); answered at once (4); refused
	 * at once (5) */
	q[0] = dns_harness_mx("mx.test", &a[0]);
	q[1] = dns_harness_addr("both.test", AF_UNSPEC, &a[1]);
	q[2] = dns_harness_ptr("192.0.2.1", &a[2]);
	q[3] = dns_harness_mx("slow.test", &a[3]);
	q[4] = dns_harness_addr("192.0.2.9", AF_INET, &a[4]);
	q[5] = dns_harness_mx("", &a[5]);
	for (i = 0; i < 6; i++) {
		dns_cancel(q[i]);
		dns_harness_pending--;
	}
	dns_cancel(NULL);
	/* a query after them, past the time-out of the slow one */
	dns_harness_addr("slow.test", AF_INET, &last);
	dns_harness_run(10);
	ATF_CHECK_STREQ(last.text, "tempfail|");
	for (i = 0; i < 6; i++)
		ATF_CHECK_EQ_MSG(a[i].calls, 0, "%zu called back", i);
	dns_harness_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_no_server_tempfail);
ATF_TC_BODY(dns_no_server_tempfail, tc)
{
	struct dns_harness_answer	 a[3];
	char				 err[256];
	int				 port;

	/* a port nobody listens on: the server's, once it is gone */
	port = dns_harness_dnsd(tc, dns_harness_zone);
	dns_harness_kill_dnsd();
	snprintf(err, sizeof(err), "127.0.0.1:%d", port);
	ATF_REQUIRE(dns_init_servers(err, 300, 1, err, sizeof(err)) == 0);
	memset(a, 0, sizeof(a));
	dns_harness_mx("mx.test", &a[0]);
	dns_harness_addr("both.test", AF_UNSPEC, &a[1]);
	dns_harness_ptr("192.0.2.1", &a[2]);
	dns_harness_run(10);
	ATF_CHECK_STREQ(a[0].text, "tempfail|");
	ATF_CHECK_STREQ(a[1].text, "tempfail|");
	ATF_CHECK_STREQ(a[2].text, "tempfail|");
	ATF_CHECK(!a[0].sync && !a[1].sync && !a[2].sync);
}

ATF_TC_WITHOUT_HEAD(dns_init_servers_malformed);
ATF_TC_BODY(dns_init_servers_malformed, tc)
{
	static const char *const bad[] = {
		"not an address", "127.0.0.1:port", "300.1.1.1",
	};
	char	 err[256];
	size_t	 i;

	(void)tc;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(dns_init_servers(bad[i], 300, 1, err,
		    sizeof(err)), -1, "%s accepted", bad[i]);
		ATF_CHECK(err[0] != '\0');
	}
}

ATF_TC_WITHOUT_HEAD(dns_uninitialised_tempfail);
ATF_TC_BODY(dns_uninitialised_tempfail, tc)
{
	struct dns_harness_answer	 a[4];

	(void)tc;
	memset(a, 0, sizeof(a));
	dns_harness_mx("mx.test", &a[0]);
	dns_harness_addr("both.test", AF_UNSPEC, &a[1]);
	dns_harness_ptr("192.0.2.1", &a[2]);
	/* a literal needs no server */
	dns_harness_addr("192.0.2.9", AF_UNSPEC, &a[3]);
	ATF_CHECK_EQ(a[0].calls + a[1].calls + a[2].calls + a[3].calls, 0);
	dns_harness_run(5);
	ATF_CHECK_STREQ(a[0].text, "tempfail|");
	ATF_CHECK_STREQ(a[1].text, "tempfail|");
	ATF_CHECK_STREQ(a[2].text, "tempfail|");
	ATF_CHECK_STREQ(a[3].text, "ok|192.0.2.9");
	ATF_CHECK(!a[0].sync && !a[1].sync && !a[2].sync && !a[3].sync);
}

ATF_TC_WITHOUT_HEAD(dns_ptr_name_forms);
ATF_TC_BODY(dns_ptr_name_forms, tc)
{
	static const struct {
		const char	*addr;
		size_t		 outsz;
		int		 want;
		const char	*name;
	} t[] = {
		{ "192.0.2.1", 64, 0, "1.2.0.192.in-addr.arpa" },
		{ "255.255.255.255", 64, 0, "255.255.255.255.in-addr.arpa" },
		{ "::ffff:192.0.2.1", 64, 0, "1.2.0.192.in-addr.arpa" },
		{ "192.0.2.1", 23, 0, "1.2.0.192.in-addr.arpa" }, /* limit */
		{ "192.0.2.1", 22, -1, NULL },			/* one short */
		{ "2001:db8::1", DNS_PTR_NAME_MAX, 0,
		    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "8.b.d.0.1.0.0.2.ip6.arpa" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 73, 0,
		    "f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f."
		    "f.f.f.f.f.f.f.f.ip6.arpa" },
		{ "::1", 72, -1, NULL },
		{ "unix", 64, -1, NULL },
	};
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	char			 out[DNS_PTR_NAME_MAX];
	size_t			 i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, t[i].addr, &sin->sin_addr) == 1)
			sin->sin_family = AF_INET;
		else if (inet_pton(AF_INET6, t[i].addr, &sin6->sin6_addr) == 1)
			sin6->sin6_family = AF_INET6;
		else
			ss.ss_family = AF_UNIX;
		ATF_CHECK_EQ_MSG(dns_ptr_name((struct sockaddr *)&ss, out,
		    t[i].outsz), t[i].want, "%zu", i);
		if (t[i].want == 0)
			ATF_CHECK_STREQ_MSG(out, t[i].name, "%zu", i);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, dns_mx_answers);
	ATF_TP_ADD_TC(tp, dns_mx_bounded_and_shuffled);
	ATF_TP_ADD_TC(tp, dns_addr_answers);
	ATF_TP_ADD_TC(tp, dns_ptr_answers);
	ATF_TP_ADD_TC(tp, dns_timeout_tempfail);
	ATF_TP_ADD_TC(tp, dns_cancel_no_callback);
	ATF_TP_ADD_TC(tp, dns_no_server_tempfail);
	ATF_TP_ADD_TC(tp, dns_init_servers_malformed);
	ATF_TP_ADD_TC(tp, dns_uninitialised_tempfail);
	ATF_TP_ADD_TC(tp, dns_ptr_name_forms);
	return atf_no_error();
}
