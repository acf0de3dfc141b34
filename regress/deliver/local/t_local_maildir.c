/*
 * t_local_maildir.c - Maildir delivery, the header prefix and spam marks.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "local_harness.h"

#define EVPID	LOCAL_HARNESS_EVPID

static const char msg_text[] =
    "Subject: hi\nFrom: a@example.org\n\nFrom here\nbody\n";

/* t_setup - a message file and a delivery to the Maildir "md" */
static void
t_setup(struct local_delivery *ld, const char *text, const char *maildir)
{
	local_harness_msg(ld, "msg", text, strlen(text));
	ATF_REQUIRE(getcwd(ld->home, sizeof(ld->home)) != NULL);
	strlcpy(ld->maildir, maildir, sizeof(ld->maildir));
}

/* t_count - number of entries in dir other than . and ..; -1 if missing */
static int
t_count(const char *dir, char *last, size_t lastsz)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (last != NULL)
			strlcpy(last, de->d_name, lastsz);
		n++;
	}
	closedir(d);
	return n;
}

/* t_deliver - deliver and check the status */
static void
t_deliver(struct local_delivery *ld, enum local_status want)
{
	struct local_result	 res;

	local_harness_deliver(ld, local_maildir_deliver, want, &res);
}

ATF_TC_WITHOUT_HEAD(local_hdr_format_cases);
ATF_TC_BODY(local_hdr_format_cases, tc)
{
	static char	 at[ADDR_MAX], over[ADDR_MAX + 1];
	const struct {
		const char	*sender, *rcpt;
		int		 rv;
		const char	*want;
	} t[] = {
		{ "a@b", "c@d", 0, "Return-Path: <a@b>\nDelivered-To: c@d\n" },
		{ "", "c@d", 0, "Return-Path: <>\nDelivered-To: c@d\n" },
		{ "j\xc3\xbcrg@b", "c@d", 0,
		  "Return-Path: <j\xc3\xbcrg@b>\nDelivered-To: c@d\n" },
		{ at, "c@d", 0, NULL },
		{ over, "c@d", -1, NULL },
		{ "a@b", over, -1, NULL },
		{ "a\n@b", "c@d", -1, NULL },
		{ "a@b", "c@d\nX-Evil: 1", -1, NULL },
		{ "a\r@b", "c@d", -1, NULL },
		{ "a@b", "c\t@d", -1, NULL },
		{ "a@b", "", -1, NULL },
	};
	struct buf	 b;
	size_t		 i;

	memset(at, 'a', sizeof(at) - 1);
	memset(over, 'o', sizeof(over) - 1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_init(&b, LOCAL_HDR_MAX);
		ATF_CHECK_EQ_MSG(local_hdr_format(&b, t[i].sender, t[i].rcpt),
		    t[i].rv, "case %zu", i);
		if (t[i].want != NULL)
			ATF_CHECK_STREQ(b.data, t[i].want);
		if (t[i].rv == -1)
			ATF_CHECK_EQ(b.len, 0);
		if (t[i].sender == at)
			ATF_CHECK_EQ(b.len, strlen(at) +
			    strlen("Return-Path: <>\nDelivered-To: c@d\n"));
		buf_free(&b);
	}
}

ATF_TC_WITHOUT_HEAD(local_maildir_junk_cases);
ATF_TC_BODY(local_maildir_junk_cases, tc)
{
	const struct {
		const char	*hdr;
		int		 want;
	} t[] = {
		{ "Subject: x\nX-Spam: yes\n\nbody\n", 1 },
		{ "x-spam:YES\n\n", 1 },
		{ "X-Spam-Flag: YES\n", 1 },
		{ "X-Spam-Flag:   yes  \n\n", 1 },
		{ "X-Spam-Flag: YES", 1 },
		{ "X-Spam: no\n\n", 0 },
		{ "X-Spam-Flag: NO\n\n", 0 },
		{ "X-Spam: yesno\n\n", 0 },
		{ "X-Spam-Status: Yes, score=9\n\n", 0 },
		{ "Subject: x\n\nX-Spam: yes\n", 0 },
		{ "Subject: x\n X-Spam: yes\n\n", 0 },
		{ "X-Spamx: yes\n\n", 0 },
		{ "", 0 },
		{ "\n", 0 },
		{ "X-Spam: y\xe9s\n\n", 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ATF_CHECK_EQ_MSG(local_maildir_junk(t[i].hdr, strlen(t[i].hdr)),
		    t[i].want, "case %zu", i);
	/* a NUL byte does not end the scan */
	ATF_CHECK_EQ(local_maildir_junk("A: \0\nX-Spam: yes\n", 17), 1);
}

ATF_TC_WITHOUT_HEAD(local_maildir_name_match_cases);
ATF_TC_BODY(local_maildir_name_match_cases, tc)
{
	const struct {
		const char	*name;
		int		 want;
	} t[] = {
		{ "1700000000.5a1c93e041e7b001.vm", 1 },
		{ "1.5a1c93e041e7b001.host.example:2,S", 1 },
		{ "1700000000.5a1c93e041e7b002.vm", 0 },
		{ "1700000000.5a1c93e041e7b0011.vm", 0 },
		{ "1700000000.5a1c93e041e7b00.vm", 0 },
		{ "5a1c93e041e7b001.vm", 0 },
		{ "1700000000.5a1c93e041e7b001", 0 },
		{ "", 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ATF_CHECK_EQ_MSG(local_maildir_name_match(t[i].name, EVPID),
		    t[i].want, "case %zu", i);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_content);
ATF_TC_BODY(local_maildir_deliver_content, tc)
{
	struct local_delivery	 ld;
	struct stat		 sb;
	char			 name[512], path[1024];
	const char		*dirs[] = { "a/b/md", "a/b/md/tmp", "a/b/md/new",
				    "a/b/md/cur" };
	size_t			 i;

	umask(022);
	t_setup(&ld, msg_text, "a/b/md");
	t_deliver(&ld, LOCAL_OK);
	for (i = 0; i < 4; i++) {
		ATF_REQUIRE(lstat(dirs[i], &sb) == 0);
		ATF_CHECK(S_ISDIR(sb.st_mode));
		ATF_CHECK_EQ(sb.st_mode & 07777, 0700);
		ATF_CHECK_EQ(sb.st_uid, geteuid());
	}
	ATF_CHECK_EQ(t_count("a/b/md/tmp", NULL, 0), 0);
	ATF_CHECK_EQ(t_count("a/b/md/cur", NULL, 0), 0);
	ATF_REQUIRE_EQ(t_count("a/b/md/new", name, sizeof(name)), 1);
	ATF_CHECK(local_maildir_name_match(name, EVPID));
	ATF_CHECK(strchr(name, ':') == NULL);
	snprintf(path, sizeof(path), "a/b/md/new/%s", name);
	ATF_CHECK_STREQ(local_harness_slurp(path, NULL),
	    "Return-Path: <alice@example.org>\nDelivered-To: bob@example.net\n"
	    "Subject: hi\nFrom: a@example.org\n\nFrom here\nbody\n");
	ATF_REQUIRE(stat(path, &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0600);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_sync_new);
ATF_TC_BODY(local_maildir_deliver_sync_new, tc)
{
	struct local_delivery	 ld;
	struct local_result	 res;
	struct stat		 a, b;
	int			 i;

	/* a success, written or found, waits for its caller's sync of new/ */
	t_setup(&ld, msg_text, "md");
	for (i = 0; i < 2; i++) {
		local_result_init(&res);
		ATF_REQUIRE(lseek(ld.msg_fd, 0, SEEK_SET) == 0);
		ATF_REQUIRE_EQ(local_maildir_deliver(&ld, &res), LOCAL_OK);
		ATF_CHECK_STREQ(res.reason, i ? "already delivered" :
		    "delivered to maildir");
		/* written, not yet in new/: the commit syncs and links it */
		ATF_CHECK_EQ(t_count("md/new", NULL, 0), i);
		local_maildir_commit();
		ATF_CHECK_EQ(t_count("md/new", NULL, 0), 1);
		ATF_REQUIRE(res.sync_dir != -1);
		ATF_REQUIRE(fstat(res.sync_dir, &a) == 0);
		ATF_REQUIRE(stat("md/new", &b) == 0);
		ATF_CHECK(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
		ATF_CHECK_EQ(local_result_sync(&res), 0);
		ATF_CHECK_EQ(res.sync_dir, -1);
		ATF_CHECK_EQ(res.status, LOCAL_OK);
	}
	/* a failed sync turns the success into a temporary failure */
	local_result_init(&res);
	res.status = LOCAL_OK;
	res.sync_dir = open("/dev/null", O_RDONLY);
	ATF_REQUIRE(res.sync_dir != -1);
	ATF_CHECK_EQ(local_result_sync(&res), -1);
	ATF_CHECK_EQ(res.status, LOCAL_TEMPFAIL);
	ATF_CHECK(strncmp(res.reason, "maildir fsync new: ", 19) == 0);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_default_path);
ATF_TC_BODY(local_maildir_deliver_default_path, tc)
{
	struct local_delivery	 ld;

	t_setup(&ld, "\n", "");
	ld.sender[0] = '\0';
	t_deliver(&ld, LOCAL_OK);
	ATF_CHECK_EQ(t_count("Maildir/new", NULL, 0), 1);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_fresh);
ATF_TC_BODY(local_maildir_deliver_fresh, tc)
{
	struct local_delivery	 ld;
	int			 fd;

	/* a first attempt does not read the Maildir: a leftover stays */
	t_setup(&ld, msg_text, "md");
	t_deliver(&ld, LOCAL_OK);
	fd = open("md/tmp/1.5a1c93e041e7b001.crashed", O_CREAT | O_WRONLY,
	    0600);
	ATF_REQUIRE(fd != -1);
	close(fd);
	ld.evpid = EVPID + 2;
	ld.fresh = 1;
	t_deliver(&ld, LOCAL_OK);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 2);
	ATF_CHECK_EQ(t_count("md/tmp", NULL, 0), 1);
	/* a retry looks, and finds the copy already there */
	ld.fresh = 0;
	ld.evpid = EVPID;
	t_deliver(&ld, LOCAL_OK);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 2);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_idempotent);
ATF_TC_BODY(local_maildir_deliver_idempotent, tc)
{
	struct local_delivery	 ld;
	char			 name[512], from[1024], to[1100];
	int			 fd;

	t_setup(&ld, msg_text, "md");
	t_deliver(&ld, LOCAL_OK);
	t_deliver(&ld, LOCAL_OK);
	ATF_REQUIRE_EQ(t_count("md/new", name, sizeof(name)), 1);
	/* a reader moved it to cur/ with flags: still delivered */
	snprintf(from, sizeof(from), "md/new/%s", name);
	snprintf(to, sizeof(to), "md/cur/%s:2,S", name);
	ATF_REQUIRE(rename(from, to) == 0);
	/* an incomplete copy left in tmp/ by a crash is removed */
	fd = open("md/tmp/1.5a1c93e041e7b001.crashed", O_CREAT | O_WRONLY,
	    0600);
	ATF_REQUIRE(fd != -1);
	close(fd);
	t_deliver(&ld, LOCAL_OK);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 0);
	ATF_CHECK_EQ(t_count("md/cur", NULL, 0), 1);
	/* a different envelope of the same message is a new delivery */
	ld.evpid = EVPID + 1;
	t_deliver(&ld, LOCAL_OK);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 1);
	ATF_CHECK_EQ(t_count("md/tmp", NULL, 0), 1);
	ld.evpid = EVPID;
	ATF_REQUIRE(unlink(to) == 0);
	t_deliver(&ld, LOCAL_OK);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 2);
	ATF_CHECK_EQ(t_count("md/tmp", NULL, 0), 0);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_symlink);
ATF_TC_BODY(local_maildir_deliver_symlink, tc)
{
	struct local_delivery	 ld;

	t_setup(&ld, msg_text, "md");
	ATF_REQUIRE(mkdir("real", 0700) == 0);
	ATF_REQUIRE(symlink("real", "md") == 0);
	t_deliver(&ld, LOCAL_TEMPFAIL);
	ATF_CHECK_EQ(t_count("real", NULL, 0), 0);

	/* a symlinked sub-folder is refused too */
	strlcpy(ld.maildir, "md2", sizeof(ld.maildir));
	ATF_REQUIRE(mkdir("md2", 0700) == 0);
	ATF_REQUIRE(symlink("../real", "md2/new") == 0);
	t_deliver(&ld, LOCAL_TEMPFAIL);
	ATF_CHECK_EQ(t_count("real", NULL, 0), 0);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_world_writable);
ATF_TC_BODY(local_maildir_deliver_world_writable, tc)
{
	struct local_delivery	 ld;
	struct local_result	 res;

	t_setup(&ld, msg_text, "md");
	ATF_REQUIRE(mkdir("md", 0700) == 0);
	ATF_REQUIRE(chmod("md", 0777) == 0);
	t_deliver(&ld, LOCAL_TEMPFAIL);
	ATF_CHECK_EQ(t_count("md", NULL, 0), 0);
	ATF_REQUIRE(chmod("md", 0700) == 0);
	ATF_REQUIRE(mkdir("md/cur", 0700) == 0);
	ATF_REQUIRE(chmod("md/cur", 0703) == 0);
	ATF_CHECK_EQ(local_maildir_deliver(&ld, &res), LOCAL_TEMPFAIL);
	ATF_CHECK(strstr(res.reason, "world-writable") != NULL);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 0);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_other_owner);
ATF_TC_BODY(local_maildir_deliver_other_owner, tc)
{
	struct local_delivery	 ld;
	struct local_result	 res;

	if (geteuid() != 0)
		atf_tc_fail("needs root to give a folder away (make check "
		    "runs as root)");
	t_setup(&ld, msg_text, "md");
	ATF_REQUIRE(mkdir("md", 0700) == 0);
	ATF_REQUIRE(mkdir("md/tmp", 0700) == 0);
	ATF_REQUIRE(chown("md/tmp", 65534, 65534) == 0);
	ATF_CHECK_EQ(local_maildir_deliver(&ld, &res), LOCAL_TEMPFAIL);
	ATF_CHECK(strstr(res.reason, "another user") != NULL);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), -1);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_junk);
ATF_TC_BODY(local_maildir_deliver_junk, tc)
{
	struct local_delivery	 ld;
	struct stat		 sb;

	t_setup(&ld, "Subject: buy\nX-Spam-Flag: YES\n\nbody\n", "md");
	ld.junk = 1;
	t_deliver(&ld, LOCAL_OK);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 0);
	ATF_CHECK_EQ(t_count("md/.Junk/new", NULL, 0), 1);
	ATF_REQUIRE(lstat("md/.Junk", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0700);
	/* without the flag, spam goes to the inbox */
	ld.junk = 0;
	ld.evpid++;
	t_deliver(&ld, LOCAL_OK);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 1);
	/* with the flag, clean mail goes to the inbox */
	t_setup(&ld, "Subject: hi\nX-Spam: no\n\nX-Spam: yes\n", "md");
	ld.junk = 1;
	ld.evpid += 2;
	t_deliver(&ld, LOCAL_OK);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 2);
	ATF_CHECK_EQ(t_count("md/.Junk/new", NULL, 0), 1);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_bad_address);
ATF_TC_BODY(local_maildir_deliver_bad_address, tc)
{
	struct local_delivery	 ld;

	t_setup(&ld, msg_text, "md");
	strlcpy(ld.sender, "a@b\nX-Injected: 1", sizeof(ld.sender));
	t_deliver(&ld, LOCAL_PERMFAIL);
	ATF_CHECK_EQ(t_count("md", NULL, 0), -1);
}

ATF_TC_WITHOUT_HEAD(local_maildir_deliver_disk_full);
ATF_TC_BODY(local_maildir_deliver_disk_full, tc)
{
	struct local_delivery	 ld;
	struct local_result	 res;
	struct rlimit		 rl = { 4096, 4096 };
	char			*big;
	pid_t			 pid;
	int			 status;

	big = malloc(65536);
	ATF_REQUIRE(big != NULL);
	memset(big, 'x', 65535);
	big[65535] = '\0';
	big[100] = '\n';
	t_setup(&ld, big, "md");
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(99);
		local_maildir_deliver(&ld, &res);
		_exit(res.status == LOCAL_TEMPFAIL &&
		    strstr(res.reason, "large") != NULL ? 0 : 1);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ATF_CHECK_EQ(t_count("md/tmp", NULL, 0), 0);
	ATF_CHECK_EQ(t_count("md/new", NULL, 0), 0);
	free(big);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, local_hdr_format_cases);
	ATF_TP_ADD_TC(tp, local_maildir_junk_cases);
	ATF_TP_ADD_TC(tp, local_maildir_name_match_cases);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_content);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_sync_new);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_default_path);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_idempotent);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_fresh);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_symlink);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_world_writable);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_other_owner);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_junk);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_bad_address);
	ATF_TP_ADD_TC(tp, local_maildir_deliver_disk_full);
	return atf_no_error();
}
