/*
 * t_local_file.c - a file or command that the envelope says comes from
 * the recipient's ~/.forward runs only when that file, read as the
 * recipient, holds it: present, absent, near misses, unsafe files.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "../../../deliver/local/local.h"
#include "../../../deliver/local/local_file.h"

/* t_home - the working directory as the recipient's home */
static void
t_home(struct local_delivery *ld)
{
	memset(ld, 0, sizeof(*ld));
	strlcpy(ld->user, "bob", sizeof(ld->user));
	ld->uid = getuid();
	ld->gid = getgid();
	ATF_REQUIRE(getcwd(ld->home, sizeof(ld->home)) != NULL);
}

/* t_forward - write ./.forward with mode */
static void
t_forward(const char *text, mode_t mode)
{
	int	fd;

	(void)unlink(".forward");
	fd = open(".forward", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	ATF_REQUIRE(fchmod(fd, mode) == 0);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(local_file_forward_check_entries);
ATF_TC_BODY(local_file_forward_check_entries, tc)
{
	struct local_delivery	ld;
	struct local_result	res;

	t_home(&ld);
	memset(&res, 0, sizeof(res));
	ATF_CHECK_EQ(local_file_forward_check(&ld, 1, "cat", &res), -1);
	ATF_CHECK_EQ(res.status, LOCAL_PERMFAIL);
	ATF_CHECK(strstr(res.reason, "no ~/.forward") != NULL);
	t_forward("bob@example.org, \"|cat > /dev/null\"\n/tmp/bob.log\n",
	    0644);
	ATF_CHECK_EQ(local_file_forward_check(&ld, 1, "cat > /dev/null",
	    &res), 0);
	ATF_CHECK_EQ(local_file_forward_check(&ld, 0, "/tmp/bob.log", &res),
	    0);
	/* the right text as the other kind, a near miss */
	ATF_CHECK_EQ(local_file_forward_check(&ld, 0, "cat > /dev/null",
	    &res), -1);
	ATF_CHECK(strstr(res.reason, "not in ~/.forward of bob") != NULL);
	ATF_CHECK_EQ(local_file_forward_check(&ld, 1, "cat > /tmp/x",
	    &res), -1);
	ATF_CHECK_EQ(local_file_forward_check(&ld, 1, "cat", &res), -1);
}

ATF_TC_WITHOUT_HEAD(local_file_forward_check_unsafe);
ATF_TC_BODY(local_file_forward_check_unsafe, tc)
{
	struct local_delivery	ld;
	struct local_result	res;

	t_home(&ld);
	memset(&res, 0, sizeof(res));
	/* writable by the group: the expansion ignores it, so does this */
	t_forward("|cat\n", 0664);
	ATF_CHECK_EQ(local_file_forward_check(&ld, 1, "cat", &res), -1);
	ATF_CHECK(strstr(res.reason, "not a safe file") != NULL);
	/* a symbolic link is not followed */
	t_forward("|cat\n", 0644);
	ATF_REQUIRE(rename(".forward", "real") == 0);
	ATF_REQUIRE(symlink("real", ".forward") == 0);
	ATF_CHECK_EQ(local_file_forward_check(&ld, 1, "cat", &res), -1);
	ATF_CHECK(strstr(res.reason, "no ~/.forward") != NULL);
	/* a home that is no absolute path */
	ATF_REQUIRE(unlink(".forward") == 0);
	t_forward("|cat\n", 0644);
	strlcpy(ld.home, ".", sizeof(ld.home));
	ATF_CHECK_EQ(local_file_forward_check(&ld, 1, "cat", &res), -1);
	/* a NUL in the file */
	ATF_REQUIRE(getcwd(ld.home, sizeof(ld.home)) != NULL);
	ATF_REQUIRE(truncate(".forward", 0) == 0);
	t_forward("|cat\n", 0644);
	ATF_CHECK_EQ(local_file_forward_check(&ld, 1, "cat", &res), 0);
	ATF_REQUIRE(truncate(".forward", 64) == 0);
	ATF_CHECK_EQ(local_file_forward_check(&ld, 1, "cat", &res), -1);
	ATF_CHECK(strstr(res.reason, "unreadable") != NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, local_file_forward_check_entries);
	ATF_TP_ADD_TC(tp, local_file_forward_check_unsafe);
	return atf_no_error();
}
