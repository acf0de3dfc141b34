/*
 * t_dns_files.c - the resolver's /etc/hosts and DNS in the order of an
 * nsswitch.conf `hosts:` line, and no memory kept by a query that went
 * through both.
 */
#include "dns_harness.h"

static const char *const t_hosts =
    "# hosts(5) of the tests\n"
    "192.0.2.1 files.test\n"
    "192.0.2.3 servfail.files.test\n"
    "192.0.2.5 slow.files.test\n"
    "192.0.2.12 only.files.test only\n"
    "2001:db8::1 both.test\n"
    "198.51.100.1 fail.test\n";

ATF_TC_WITHOUT_HEAD(dns_files_first);
ATF_TC_BODY(dns_files_first, tc)
{
	static const struct dns_harness_case t[] = {
		{ 'p', "192.0.2.1", 0, "ok|files.test" },
		{ 'p', "::ffff:192.0.2.12", 0, "ok|only.files.test" },
		{ 'p', "192.0.2.10", 0, "ok|under_score.test" },
		{ 'p', "192.0.2.2", 0, "none|" },
		{ 'a', "both.test", AF_UNSPEC, "ok|2001:db8::1" },
		{ 'a', "Only.", AF_INET, "ok|192.0.2.12" },
		{ 'a', "fail.test", AF_INET, "ok|198.51.100.1" },
		{ 'a', "fail.test", AF_INET6, "tempfail|" },
		{ 'a', "v4.test", AF_INET, "ok|192.0.2.4" },
		{ 'm', "fail.test", 0, "tempfail|" },	/* MX: DNS alone */
	};

	dns_harness_setup(tc, dns_harness_zone, 2000);
	dns_harness_files(t_hosts, "hosts: files dns\n");
	dns_harness_cases(t,
	    DNS_HARNESS_NITEMS(t), 10);
	/* what /etc/hosts answered never reached the nameserver */
	ATF_CHECK_EQ(dns_harness_queried("1.2.0.192.in-addr.arpa PTR"), 0);
	ATF_CHECK_EQ(dns_harness_queried("12.2.0.192.in-addr.arpa PTR"), 0);
	ATF_CHECK_EQ(dns_harness_queried("both.test AAAA"), 0);
	ATF_CHECK_EQ(dns_harness_queried("both.test A"), 0);
	ATF_CHECK_EQ(dns_harness_queried("only A"), 0);
	ATF_CHECK_EQ(dns_harness_queried("fail.test A"), 0);
	ATF_CHECK_EQ(dns_harness_queried("2.2.0.192.in-addr.arpa PTR"), 1);
	ATF_CHECK(dns_harness_queried("fail.test AAAA") >= 1);
	ATF_CHECK(dns_harness_queried("fail.test MX") >= 1);
	dns_harness_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_dns_first);
ATF_TC_BODY(dns_dns_first, tc)
{
	static const struct dns_harness_case t[] = {
		{ 'p', "192.0.2.1", 0, "ok|host.test" },
		{ 'p', "192.0.2.12", 0, "ok|only.files.test" },	/* NXDOMAIN */
		{ 'p', "192.0.2.3", 0, "ok|servfail.files.test" },
		{ 'p', "192.0.2.5", 0, "ok|slow.files.test" },	/* time-out */
		{ 'p', "192.0.2.2", 0, "none|" },
		{ 'a', "both.test", AF_UNSPEC, "ok|192.0.2.1,2001:db8::1" },
		{ 'a', "fail.test", AF_INET, "ok|198.51.100.1" },
		{ 'a', "fail.test", AF_INET6, "tempfail|" },
		{ 'a', "slow.test", AF_INET, "tempfail|" },
	};

	dns_harness_setup(tc, dns_harness_zone, 500);
	dns_harness_files(t_hosts, "hosts: dns files\n");
	dns_harness_cases(t,
	    DNS_HARNESS_NITEMS(t), 10);
	ATF_CHECK_EQ(dns_harness_queried("1.2.0.192.in-addr.arpa PTR"), 1);
	ATF_CHECK_EQ(dns_harness_queried("12.2.0.192.in-addr.arpa PTR"), 1);
	dns_harness_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_order_actions);
ATF_TC_BODY(dns_order_actions, tc)
{
	static const struct dns_harness_case files_only[] = {
		{ 'p', "192.0.2.1", 0, "ok|files.test" },
		{ 'p', "192.0.2.10", 0, "none|" },
		{ 'm', "mx.test", 0, "ok|10 a.mx.test,20 b.mx.test,"
		    "30 c.mx.test" },
	}, notfound_return[] = {
		{ 'p', "192.0.2.1", 0, "ok|files.test" },
		{ 'p', "192.0.2.11", 0, "none|" },
	}, unavail_return[] = {
		{ 'p', "192.0.2.12", 0, "none|" },		/* NXDOMAIN */
		{ 'p', "192.0.2.3", 0, "tempfail|" },		/* SERVFAIL */
		{ 'p', "192.0.2.10", 0, "ok|under_score.test" },
	}, tryagain_continue[] = {
		{ 'p', "192.0.2.12", 0, "none|" },
		{ 'p', "192.0.2.3", 0, "ok|servfail.files.test" },
	};

	dns_harness_setup(tc, dns_harness_zone, 500);
	dns_harness_files(t_hosts, "hosts: files\n");
	dns_harness_cases(files_only,
	    DNS_HARNESS_NITEMS(files_only), 10);
	dns_harness_files(t_hosts, "hosts: files [NOTFOUND=return] dns\n");
	dns_harness_cases(notfound_return,
	    DNS_HARNESS_NITEMS(notfound_return), 10);
	ATF_CHECK_EQ(dns_harness_queried("10.2.0.192.in-addr.arpa PTR"), 0);
	ATF_CHECK_EQ(dns_harness_queried("11.2.0.192.in-addr.arpa PTR"), 0);
	dns_harness_files(t_hosts, "hosts: dns [!UNAVAIL=return] files\n");
	dns_harness_cases(unavail_return,
	    DNS_HARNESS_NITEMS(unavail_return), 10);
	dns_harness_files(t_hosts, "hosts: dns [NOTFOUND=return] files\n");
	dns_harness_cases(tryagain_continue,
	    DNS_HARNESS_NITEMS(tryagain_continue), 10);
	dns_harness_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_files_without_servers);
ATF_TC_BODY(dns_files_without_servers, tc)
{
	static const struct dns_harness_case dns_files[] = {
		{ 'p', "192.0.2.1", 0, "ok|files.test" },
		{ 'p', "192.0.2.2", 0, "tempfail|" },
		{ 'a', "both.test", AF_UNSPEC, "ok|2001:db8::1" },
		{ 'm', "mx.test", 0, "tempfail|" },
	}, unavail_return[] = {
		{ 'p', "192.0.2.1", 0, "tempfail|" },
	};

	/* no dns_init: DNS is unavailable, /etc/hosts still answers */
	(void)tc;
	dns_harness_files(t_hosts, "hosts: dns files\n");
	dns_harness_cases(dns_files,
	    DNS_HARNESS_NITEMS(dns_files), 5);
	dns_harness_files(t_hosts, "hosts: dns [UNAVAIL=return] files\n");
	dns_harness_cases(unavail_return,
	    DNS_HARNESS_NITEMS(unavail_return), 5);
}

ATF_TC_WITHOUT_HEAD(dns_files_cancel);
ATF_TC_BODY(dns_files_cancel, tc)
{
	struct dns_harness_answer	 a[2], last;

	(void)tc;
	dns_harness_files(t_hosts, "hosts: files dns\n");
	memset(a, 0, sizeof(a));
	memset(&last, 0, sizeof(last));
	dns_cancel(dns_harness_ptr("192.0.2.1", &a[0]));
	dns_cancel(dns_harness_addr("both.test", AF_INET6, &a[1]));
	dns_harness_pending -= 2;
	dns_harness_addr("only", AF_INET, &last);
	dns_harness_run(5);
	ATF_CHECK_STREQ(last.text, "ok|192.0.2.12");
	ATF_CHECK_EQ(a[0].calls + a[1].calls, 0);
}

/*
 * a query that /etc/hosts could not answer and DNS did keeps nothing:
 * the heap in use after 200 of them is what it was before (each once
 * leaked the empty array the files left, 2 KiB)
 */
ATF_TC_WITHOUT_HEAD(dns_files_then_dns_no_growth);
ATF_TC_BODY(dns_files_then_dns_no_growth, tc)
{
	struct dns_harness_answer	 a;
	struct mallinfo2		 m0, m1;
	long long		grown;
	int	 i;

	dns_harness_setup(tc, dns_harness_zone, 2000);
	dns_harness_files(t_hosts, "hosts: files dns\n");
	memset(&m0, 0, sizeof(m0));
	for (i = 0; i < 250; i++) {
		if (i == 50)
			m0 = mallinfo2();
		memset(&a, 0, sizeof(a));
		dns_harness_addr("v4.test", AF_INET, &a);
		dns_harness_run(5);
		ATF_REQUIRE_STREQ(a.text, "ok|192.0.2.4");
	}
	m1 = mallinfo2();
	grown = (long long)m1.uordblks - (long long)m0.uordblks;
	ATF_CHECK_MSG(grown < 64 * 1024, "heap grew by %lld octets", grown);
	dns_harness_kill_dnsd();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, dns_files_first);
	ATF_TP_ADD_TC(tp, dns_dns_first);
	ATF_TP_ADD_TC(tp, dns_order_actions);
	ATF_TP_ADD_TC(tp, dns_files_without_servers);
	ATF_TP_ADD_TC(tp, dns_files_cancel);
	ATF_TP_ADD_TC(tp, dns_files_then_dns_no_growth);
	return atf_no_error();
}
