/*
 * t_local_maildir_index.c - the set of envelope ids a Maildir holds:
 * read once for a run of deliveries, read again after any change made
 * by another process.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "local_harness.h"

#define EVPID	LOCAL_HARNESS_EVPID

/* t_file - an empty file in dir named as a delivery of evpid */
static void
t_file(const char *dir, uint64_t evpid, const char *suffix)
{
	char	 path[256];
	int	 fd;

	snprintf(path, sizeof(path), "%s/1700000000.%016" PRIx64 ".other%s",
	    dir, evpid, suffix);
	ATF_REQUIRE((fd = open(path, O_CREAT | O_WRONLY, 0600)) != -1);
	close(fd);
}

/* t_maildir - md/ with n files in new/ and n in cur/ of other envelopes */
static void
t_maildir(int n)
{
	int	 i;

	ATF_REQUIRE(mkdir("md", 0700) == 0);
	ATF_REQUIRE(mkdir("md/tmp", 0700) == 0);
	ATF_REQUIRE(mkdir("md/new", 0700) == 0);
	ATF_REQUIRE(mkdir("md/cur", 0700) == 0);
	for (i = 0; i < n; i++) {
		t_file("md/new", 0x1000 + i, "");
		t_file("md/cur", 0x2000 + i, ":2,S");
	}
}

/* t_deliver - one delivery of evpid to md/, not fresh: OK and reason */
static void
t_deliver(uint64_t evpid, const char *reason)
{
	struct local_delivery	 ld;
	struct local_result	 res;

	local_harness_msg(&ld, "msg", "Subject: x\n\nbody\n", 17);
	ATF_REQUIRE(getcwd(ld.home, sizeof(ld.home)) != NULL);
	strlcpy(ld.maildir, "md", sizeof(ld.maildir));
	ld.evpid = evpid;
	local_harness_deliver(&ld, local_maildir_deliver, LOCAL_OK, &res);
	ATF_CHECK_STREQ(res.reason, reason);
	close(ld.msg_fd);
}

/* t_count - files of md/new and md/cur */
static int
t_count(void)
{
	const char	*dirs[] = { "md/new", "md/cur" };
	DIR		*d;
	struct dirent	*de;
	int		 n = 0, i;

	for (i = 0; i < 2; i++) {
		ATF_REQUIRE((d = opendir(dirs[i])) != NULL);
		while ((de = readdir(d)) != NULL)
			n += de->d_name[0] != '.';
		closedir(d);
	}
	return n;
}

ATF_TC_WITHOUT_HEAD(name_evpid_cases);
ATF_TC_BODY(name_evpid_cases, tc)
{
	const struct {
		const char	*name;
		int		 ok;
		uint64_t	 evpid;
	} t[] = {
		{ "1700000000.5a1c93e041e7b001.vm", 1, EVPID },
		{ "1.0000000000000001.h:2,S", 1, 1 },
		{ "1.5A1C93E041E7B001.vm", 0, 0 },
		{ "1.5a1c93e041e7b00.vm", 0, 0 },
		{ "1.5a1c93e041e7b0012.vm", 0, 0 },
		{ "1.5a1c93e041e7b001", 0, 0 },
		{ "5a1c93e041e7b001.vm", 0, 0 },
		{ "", 0, 0 },
	};
	uint64_t	 v;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 0;
		ATF_CHECK_EQ_MSG(local_maildir_name_evpid(t[i].name, &v),
		    t[i].ok, "case %zu", i);
		ATF_CHECK_EQ_MSG(v, t[i].evpid, "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(read_once);
ATF_TC_BODY(read_once, tc)
{
	unsigned long	 scans;
	int		 i;

	/* retries into a big Maildir read its folders once, not each time */
	t_maildir(600);
	scans = local_maildir_index_scans();
	for (i = 0; i < 20; i++)
		t_deliver(EVPID + i, "delivered to maildir");
	t_deliver(0x1000 + 7, "already delivered");
	t_deliver(0x2000 + 599, "already delivered");
	t_deliver(EVPID + 3, "already delivered");
	ATF_CHECK_EQ(local_maildir_index_scans() - scans, 1);
	ATF_CHECK_EQ(t_count(), 1200 + 20);
}

ATF_TC_WITHOUT_HEAD(outside_changes);
ATF_TC_BODY(outside_changes, tc)
{
	unsigned long	 scans;
	char		 from[256], to[256];

	t_maildir(10);
	t_deliver(EVPID, "delivered to maildir");
	scans = local_maildir_index_scans();
	/* another process delivered EVPID + 1 meanwhile: seen */
	t_file("md/new", EVPID + 1, "");
	t_deliver(EVPID + 1, "already delivered");
	ATF_CHECK_EQ(local_maildir_index_scans() - scans, 1);
	/* a reader removed one: a retry of it delivers again */
	snprintf(from, sizeof(from), "md/cur/1700000000.%016x.other:2,S",
	    0x2003);
	ATF_REQUIRE(unlink(from) == 0);
	t_deliver(0x2003, "delivered to maildir");
	/* a reader moved one from new/ to cur/: still delivered */
	snprintf(from, sizeof(from), "md/new/1700000000.%016x.other", 0x1004);
	snprintf(to, sizeof(to), "md/cur/1700000000.%016x.other:2,S",
	    0x1004);
	ATF_REQUIRE(rename(from, to) == 0);
	t_deliver(0x1004, "already delivered");
	ATF_CHECK_EQ(local_maildir_index_scans() - scans, 3);
	ATF_CHECK_EQ(t_count(), 20 + 2);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, name_evpid_cases);
	ATF_TP_ADD_TC(tp, read_once);
	ATF_TP_ADD_TC(tp, outside_changes);
	return atf_no_error();
}
