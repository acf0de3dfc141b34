/*
 * t_local_mda.c - delivery through a command: input, environment,
 * exit statuses, time limit and hostile addresses.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "local_harness.h"

static const char msg_text[] = "Subject: hi\n\nFrom here\nbody\n";

/* t_setup - a message file and a delivery to the command cmd */
static void
t_setup(struct local_delivery *ld, const char *text, size_t len,
    const char *cmd)
{
	local_harness_msg(ld, "msg", text, len);
	strlcpy(ld->rcpt, "bob+tag@example.net", sizeof(ld->rcpt));
	strlcpy(ld->orig_rcpt, "Bob+tag@Example.NET", sizeof(ld->orig_rcpt));
	ATF_REQUIRE(getcwd(ld->home, sizeof(ld->home)) != NULL);
	strlcpy(ld->shell, "/bin/false", sizeof(ld->shell));
	strlcpy(ld->mda, cmd, sizeof(ld->mda));
	strlcpy(ld->extension, "tag", sizeof(ld->extension));
	strlcpy(ld->domain, "example.net", sizeof(ld->domain));
	strlcpy(ld->localpart, "bob+tag", sizeof(ld->localpart));
	ld->mda_timeout = 20;
}

/* t_run - deliver, check status and (when given) reason */
static void
t_run(struct local_delivery *ld, enum local_status want, const char *reason)
{
	struct local_result	 res;

	ATF_REQUIRE(lseek(ld->msg_fd, 0, SEEK_SET) == 0);
	ATF_CHECK_EQ_MSG(local_mda_deliver(ld, &res), want, "%s: %s",
	    ld->mda, res.reason);
	ATF_CHECK_EQ(res.status, want);
	if (reason != NULL)
		ATF_CHECK_STREQ_MSG(res.reason, reason, "%s", ld->mda);
}

ATF_TC_WITHOUT_HEAD(local_mda_status_cases);
ATF_TC_BODY(local_mda_status_cases, tc)
{
	static char	 longline[ERRTEXT_MAX + 100], want[ERRTEXT_MAX];
	const struct {
		int			 wstatus;
		const char		*output;
		enum local_status	 st;
		const char		*reason;
	} t[] = {
		{ 0 << 8, "", LOCAL_OK, "delivered to mda" },
		{ 0 << 8, "noise\n", LOCAL_OK, "delivered to mda" },
		{ 75 << 8, "", LOCAL_TEMPFAIL, "exit status 75" },
		{ 71 << 8, "", LOCAL_TEMPFAIL, "exit status 71" },
		{ 75 << 8, "quota exceeded\nmore\n", LOCAL_TEMPFAIL,
		  "quota exceeded" },
		{ 1 << 8, "", LOCAL_PERMFAIL, "exit status 1" },
		{ 67 << 8, "no such user\r\nx\n", LOCAL_PERMFAIL,
		  "no such user" },
		{ 255 << 8, "\n", LOCAL_PERMFAIL, "exit status 255" },
		{ 1 << 8, "bad\tthing \xc3\xa9\x1b[1m", LOCAL_PERMFAIL,
		  "bad?thing ???[1m" },
		{ 9, "", LOCAL_PERMFAIL, "killed by signal 9" },
		{ 15, "dying\n", LOCAL_PERMFAIL, "dying" },
		{ 1 << 8, longline, LOCAL_PERMFAIL, want },
	};
	struct local_result	 res;
	size_t			 i;

	memset(longline, 'e', sizeof(longline) - 1);
	memset(want, 'e', sizeof(want) - 1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ_MSG(local_mda_status(t[i].wstatus, t[i].output,
		    &res), t[i].st, "case %zu", i);
		ATF_CHECK_EQ(res.status, t[i].st);
		ATF_CHECK_STREQ_MSG(res.reason, t[i].reason, "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(local_mda_deliver_content);
ATF_TC_BODY(local_mda_deliver_content, tc)
{
	struct local_delivery	 ld;

	t_setup(&ld, msg_text, sizeof(msg_text) - 1, "cat > out");
	t_run(&ld, LOCAL_OK, "delivered to mda");
	ATF_CHECK_STREQ(local_harness_slurp("out", NULL),
	    "Return-Path: <alice@example.org>\n"
	    "Delivered-To: bob+tag@example.net\n"
	    "Subject: hi\n\nFrom here\nbody\n");
	/* the null sender */
	ld.sender[0] = '\0';
	t_run(&ld, LOCAL_OK, NULL);
	ATF_CHECK(strncmp(local_harness_slurp("out", NULL),
	    "Return-Path: <>\n", 16) == 0);
}

ATF_TC_WITHOUT_HEAD(local_mda_deliver_exit);
ATF_TC_BODY(local_mda_deliver_exit, tc)
{
	const struct {
		const char		*cmd;
		enum local_status	 st;
		const char		*reason;
	} t[] = {
		{ "cat >/dev/null; exit 0", LOCAL_OK, "delivered to mda" },
		{ "cat >/dev/null; exit 75", LOCAL_TEMPFAIL, "exit status 75" },
		{ "cat >/dev/null; exit 71", LOCAL_TEMPFAIL, "exit status 71" },
		{ "cat >/dev/null; exit 1", LOCAL_PERMFAIL, "exit status 1" },
		{ "echo 'mailbox full' >&2; exit 75", LOCAL_TEMPFAIL,
		  "mailbox full" },
		{ "echo unknown user; echo second; exit 67", LOCAL_PERMFAIL,
		  "unknown user" },
		{ "kill -KILL $$", LOCAL_PERMFAIL, "killed by signal 9" },
		{ "kill -TERM $$", LOCAL_PERMFAIL, "killed by signal 15" },
		{ "no-such-command-here", LOCAL_PERMFAIL, NULL },
		{ "yes | head -c 100000; exit 1", LOCAL_PERMFAIL, "y" },
	};
	struct local_delivery	 ld;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		t_setup(&ld, msg_text, sizeof(msg_text) - 1, t[i].cmd);
		t_run(&ld, t[i].st, t[i].reason);
		close(ld.msg_fd);
	}
}

ATF_TC_WITHOUT_HEAD(local_mda_deliver_env);
ATF_TC_BODY(local_mda_deliver_env, tc)
{
	struct local_delivery	 ld;
	char			 want[8192], *got, *line, *save;
	size_t			 n = 0;

	t_setup(&ld, msg_text, sizeof(msg_text) - 1, "env > envout");
	t_run(&ld, LOCAL_OK, NULL);
	snprintf(want, sizeof(want),
	    "|HOME=%s|USER=bob|LOGNAME=bob|SHELL=/bin/false|PATH=/usr/bin:/bin"
	    "|SENDER=alice@example.org|RECIPIENT=bob+tag@example.net"
	    "|ORIGINAL_RECIPIENT=Bob+tag@Example.NET|EXTENSION=tag"
	    "|DOMAIN=example.net|LOCAL=bob+tag|", ld.home);
	got = local_harness_slurp("envout", NULL);
	for (line = strtok_r(got, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char	 key[8300];

		/* the shell exports its own PWD, which is the home */
		if (strncmp(line, "PWD=", 4) == 0) {
			ATF_CHECK_STREQ(line + 4, ld.home);
			continue;
		}
		snprintf(key, sizeof(key), "|%s|", line);
		ATF_CHECK_MSG(strstr(want, key) != NULL, "unexpected %s", line);
		n++;
	}
	ATF_CHECK_EQ(n, 11);
}

ATF_TC_WITHOUT_HEAD(local_mda_deliver_cwd);
ATF_TC_BODY(local_mda_deliver_cwd, tc)
{
	struct local_delivery	 ld;
	char			 top[512], cmd[1200], want[1100];

	ATF_REQUIRE(getcwd(top, sizeof(top)) != NULL);
	ATF_REQUIRE(mkdir("h", 0700) == 0);
	snprintf(cmd, sizeof(cmd), "pwd > %s/where", top);
	t_setup(&ld, msg_text, sizeof(msg_text) - 1, cmd);
	snprintf(ld.home, sizeof(ld.home), "%s/h", top);
	t_run(&ld, LOCAL_OK, NULL);
	snprintf(want, sizeof(want), "%s/h\n", top);
	ATF_CHECK_STREQ(local_harness_slurp("where", NULL), want);
	/* an unusable home: the root directory */
	snprintf(ld.home, sizeof(ld.home), "%s/missing", top);
	t_run(&ld, LOCAL_OK, NULL);
	ATF_CHECK_STREQ(local_harness_slurp("where", NULL), "/\n");
}

/* t_group_gone - whether process group pgid is gone within 5 s */
static int
t_group_gone(pid_t pgid)
{
	int	i;

	for (i = 0; i < 500; i++) {
		if (kill(-pgid, 0) == -1 && errno == ESRCH)
			return 1;
		usleep(10000);
	}
	return 0;
}

ATF_TC_WITHOUT_HEAD(local_mda_deliver_timeout);
ATF_TC_BODY(local_mda_deliver_timeout, tc)
{
	struct local_delivery	 ld;
	struct timespec		 t0, t1;
	long			 pgid;

	t_setup(&ld, msg_text, sizeof(msg_text) - 1,
	    "echo $$ > pgid; (sleep 2; touch late) & sleep 30; touch done");
	ld.mda_timeout = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_run(&ld, LOCAL_TEMPFAIL, "timeout");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ATF_CHECK_MSG(t1.tv_sec - t0.tv_sec < 5, "took %ld s",
	    (long)(t1.tv_sec - t0.tv_sec));
	/* the background child went down with its process group, whose
	 * leader is the shell: nothing is left to touch the files */
	pgid = strtol(local_harness_slurp("pgid", NULL), NULL, 10);
	ATF_REQUIRE(pgid > 1);
	ATF_CHECK_MSG(t_group_gone((pid_t)pgid), "process group %ld lives",
	    pgid);
	ATF_CHECK(access("late", F_OK) == -1);
	ATF_CHECK(access("done", F_OK) == -1);
}

ATF_TC_WITHOUT_HEAD(local_mda_deliver_no_read);
ATF_TC_BODY(local_mda_deliver_no_read, tc)
{
	const struct {
		const char		*cmd;
		enum local_status	 st;
	} t[] = {
		{ "exit 0", LOCAL_OK },
		{ "sleep 1; exit 0", LOCAL_OK },
		{ "head -c 10 > /dev/null; exit 0", LOCAL_OK },
		{ "exec 0<&-; sleep 1; exit 0", LOCAL_OK },
		{ "exit 75", LOCAL_TEMPFAIL },
		{ "head -c 10 > /dev/null; exit 1", LOCAL_PERMFAIL },
	};
	struct local_delivery	 ld;
	char			*big;
	size_t			 i, len = 4 << 20;

	big = malloc(len);
	ATF_REQUIRE(big != NULL);
	memset(big, 'z', len);
	for (i = 0; i < len; i += 100)
		big[i] = '\n';
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		t_setup(&ld, big, len, t[i].cmd);
		t_run(&ld, t[i].st, NULL);
		close(ld.msg_fd);
	}
	free(big);
}

ATF_TC_WITHOUT_HEAD(local_mda_deliver_hostile_sender);
ATF_TC_BODY(local_mda_deliver_hostile_sender, tc)
{
	const char	*t[] = {
		";sleep 3;",
		"$(touch pwned)",
		"`touch pwned`",
		"a\";touch pwned;\"@b",
		"'$(touch pwned)'@b",
		"|touch pwned",
		"${IFS}touch${IFS}pwned",
	};
	struct local_delivery	 ld;
	struct timespec		 t0, t1;
	char			 want[ADDR_MAX + 2];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		t_setup(&ld, msg_text, sizeof(msg_text) - 1,
		    "printf '%s\\n' \"$SENDER\" > s; "
		    "printf '%s\\n' \"$RECIPIENT\" > r; cat > /dev/null");
		strlcpy(ld.sender, t[i], sizeof(ld.sender));
		strlcpy(ld.rcpt, t[i], sizeof(ld.rcpt));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		t_run(&ld, LOCAL_OK, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ATF_CHECK_MSG(t1.tv_sec - t0.tv_sec < 3, "case %zu slow", i);
		snprintf(want, sizeof(want), "%s\n", t[i]);
		ATF_CHECK_STREQ(local_harness_slurp("s", NULL), want);
		ATF_CHECK_STREQ(local_harness_slurp("r", NULL), want);
		ATF_CHECK_MSG(access("pwned", F_OK) == -1, "case %zu", i);
		close(ld.msg_fd);
	}
}

ATF_TC_WITHOUT_HEAD(local_mda_deliver_refused);
ATF_TC_BODY(local_mda_deliver_refused, tc)
{
	struct local_delivery	 ld;

	/* a header-breaking address: the command never runs */
	t_setup(&ld, msg_text, sizeof(msg_text) - 1, "touch ran");
	strlcpy(ld.sender, "a@b\nX-Evil: 1", sizeof(ld.sender));
	t_run(&ld, LOCAL_PERMFAIL, NULL);
	ATF_CHECK(access("ran", F_OK) == -1);
	/* an empty command */
	t_setup(&ld, msg_text, sizeof(msg_text) - 1, "");
	t_run(&ld, LOCAL_PERMFAIL, "empty mda command");
	/* a message that cannot be read */
	t_setup(&ld, msg_text, sizeof(msg_text) - 1, "cat > /dev/null");
	close(ld.msg_fd);
	ATF_REQUIRE(mkdir("d", 0700) == 0);
	ld.msg_fd = open("d", O_RDONLY | O_DIRECTORY);
	ATF_REQUIRE(ld.msg_fd != -1);
	t_run(&ld, LOCAL_TEMPFAIL, NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, local_mda_status_cases);
	ATF_TP_ADD_TC(tp, local_mda_deliver_content);
	ATF_TP_ADD_TC(tp, local_mda_deliver_exit);
	ATF_TP_ADD_TC(tp, local_mda_deliver_env);
	ATF_TP_ADD_TC(tp, local_mda_deliver_cwd);
	ATF_TP_ADD_TC(tp, local_mda_deliver_timeout);
	ATF_TP_ADD_TC(tp, local_mda_deliver_no_read);
	ATF_TP_ADD_TC(tp, local_mda_deliver_hostile_sender);
	ATF_TP_ADD_TC(tp, local_mda_deliver_refused);
	return atf_no_error();
}
