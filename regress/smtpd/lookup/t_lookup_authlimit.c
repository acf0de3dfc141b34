/*
 * t_lookup_authlimit.c - failed AUTH per client address: the limit
 * reached exactly at the threshold, the window's end, addresses apart,
 * IPv6 by /64, the bound on remembered addresses, addresses that cannot
 * be counted.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "defs.h"
#include "../../../smtpd/lookup/lookup.h"

ATF_TC_WITHOUT_HEAD(lookup_authlimit_threshold);
ATF_TC_BODY(lookup_authlimit_threshold, tc)
{
	struct lookup_authlimit	*al;
	unsigned		 i;

	al = lookup_authlimit_new(3, 60, 100);
	for (i = 1; i < 3; i++) {
		ATF_CHECK_EQ(lookup_authlimit_fail(al, "192.0.2.1", 1000), i);
		ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.1", 1000), 0);
	}
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "192.0.2.1", 1000), 3);
	ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.1", 1000), 1);
	/* more failures do not count beyond the limit */
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "192.0.2.1", 1001), 3);
	/* another address is not limited */
	ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.2", 1000), 0);
	lookup_authlimit_free(al);
}

ATF_TC_WITHOUT_HEAD(lookup_authlimit_window);
ATF_TC_BODY(lookup_authlimit_window, tc)
{
	struct lookup_authlimit	*al;

	al = lookup_authlimit_new(2, 60, 100);
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "192.0.2.1", 1000), 1);
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "192.0.2.1", 1059), 2);
	ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.1", 1059), 1);
	/* the window opened at the first failure ends 60 s later */
	ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.1", 1060), 0);
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "192.0.2.1", 1060), 1);
	/* a clock that went back starts afresh */
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "192.0.2.1", 500), 1);
	lookup_authlimit_free(al);
}

ATF_TC_WITHOUT_HEAD(lookup_authlimit_ipv6);
ATF_TC_BODY(lookup_authlimit_ipv6, tc)
{
	struct lookup_authlimit	*al;

	al = lookup_authlimit_new(2, 60, 100);
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "2001:db8:1:2::1", 10), 1);
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "2001:db8:1:2:ffff::9", 10), 2);
	ATF_CHECK_EQ(lookup_authlimit_check(al, "2001:db8:1:2::77", 10), 1);
	ATF_CHECK_EQ(lookup_authlimit_check(al, "2001:db8:1:3::1", 10), 0);
	/* a v4 address is its own */
	ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.1", 10), 0);
	lookup_authlimit_free(al);
}

ATF_TC_WITHOUT_HEAD(lookup_authlimit_bounded);
ATF_TC_BODY(lookup_authlimit_bounded, tc)
{
	struct lookup_authlimit	*al;
	char			 a[32];
	int			 i;

	al = lookup_authlimit_new(1, 60, 3);
	for (i = 1; i <= 3; i++) {
		(void)snprintf(a, sizeof(a), "192.0.2.%d", i);
		ATF_CHECK_EQ(lookup_authlimit_fail(al, a, 10 + i), 1);
	}
	/* 192.0.2.1 failed longest ago: the fourth address replaces it */
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "192.0.2.2", 20), 1);
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "192.0.2.4", 21), 1);
	ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.1", 22), 0);
	ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.2", 22), 1);
	ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.3", 22), 1);
	ATF_CHECK_EQ(lookup_authlimit_check(al, "192.0.2.4", 22), 1);
	lookup_authlimit_free(al);
}

ATF_TC_WITHOUT_HEAD(lookup_authlimit_uncountable);
ATF_TC_BODY(lookup_authlimit_uncountable, tc)
{
	struct lookup_authlimit	*al;
	char			 big[HOST_MAX + 8];

	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	al = lookup_authlimit_new(1, 60, 10);
	ATF_CHECK_EQ(lookup_authlimit_fail(al, "", 10), 0);
	ATF_CHECK_EQ(lookup_authlimit_check(al, "", 10), 0);
	ATF_CHECK_EQ(lookup_authlimit_fail(al, big, 10), 0);
	ATF_CHECK_EQ(lookup_authlimit_check(al, big, 10), 0);
	lookup_authlimit_free(al);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_authlimit_threshold);
	ATF_TP_ADD_TC(tp, lookup_authlimit_window);
	ATF_TP_ADD_TC(tp, lookup_authlimit_ipv6);
	ATF_TP_ADD_TC(tp, lookup_authlimit_bounded);
	ATF_TP_ADD_TC(tp, lookup_authlimit_uncountable);
	return atf_no_error();
}
