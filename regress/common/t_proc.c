/*
 * t_proc.c - the role table: names, links, descriptor layout, spawn.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "proc.h"

ATF_TC_WITHOUT_HEAD(proc_role_parse_names);
ATF_TC_BODY(proc_role_parse_names, tc)
{
	enum proc_role	r;
	int		i;

	for (i = 0; i < PROC_MAX; i++) {
		ATF_REQUIRE_EQ(proc_role_parse(proc_role_name(i), &r), 0);
		ATF_CHECK_EQ((int)r, i);
	}
	ATF_CHECK_EQ(proc_role_parse("root", &r), -1);
	ATF_CHECK_EQ(proc_role_parse("", &r), -1);
	ATF_CHECK_EQ(proc_role_parse("queue ", &r), -1);
	ATF_CHECK_STREQ(proc_role_name(PROC_MAX), "unknown");
}

ATF_TC_WITHOUT_HEAD(proc_links_symmetric);
ATF_TC_BODY(proc_links_symmetric, tc)
{
	int	a, b;

	for (a = 0; a < PROC_MAX; a++) {
		ATF_CHECK(!proc_links(a, a));
		for (b = 0; b < PROC_MAX; b++)
			ATF_CHECK_EQ(proc_links(a, b), proc_links(b, a));
	}
	/* the listener never talks to the relay worker or to smtpctl */
	ATF_CHECK(!proc_links(PROC_SMTPD, PROC_RELAY));
	ATF_CHECK(!proc_links(PROC_SMTPD, PROC_CONTROL));
	ATF_CHECK(proc_links(PROC_SMTPD, PROC_QUEUE));
	ATF_CHECK(proc_links(PROC_SMTPD, PROC_LOOKUP));
	/* the key holder serves those that make handshakes, nobody else */
	ATF_CHECK(proc_links(PROC_KEYS, PROC_PARENT));
	ATF_CHECK(proc_links(PROC_KEYS, PROC_SMTPD));
	ATF_CHECK(proc_links(PROC_KEYS, PROC_RELAY));
	ATF_CHECK(!proc_links(PROC_KEYS, PROC_QUEUE));
	ATF_CHECK(!proc_links(PROC_KEYS, PROC_LOOKUP));
	ATF_CHECK(!proc_links(PROC_KEYS, PROC_CONTROL));
}

ATF_TC_WITHOUT_HEAD(proc_child_fd_layout);
ATF_TC_BODY(proc_child_fd_layout, tc)
{
	int	a, b, fd, seen;

	for (a = 0; a < PROC_MAX; a++) {
		seen = 0;
		for (b = 0; b < PROC_MAX; b++) {
			fd = proc_child_fd(a, b);
			if (!proc_links(a, b)) {
				ATF_CHECK_EQ(fd, -1);
				continue;
			}
			/* distinct, dense, starting at PROC_FD_FIRST */
			ATF_CHECK(fd >= PROC_FD_FIRST && fd < PROC_FD_FIRST + 8);
			ATF_CHECK(!(seen & (1 << fd)));
			seen |= 1 << fd;
		}
	}
	ATF_CHECK_EQ(proc_child_fd(PROC_QUEUE, PROC_PARENT), PROC_FD_FIRST);
}

ATF_TC_WITHOUT_HEAD(proc_spec_accounts);
ATF_TC_BODY(proc_spec_accounts, tc)
{
	ATF_CHECK_STREQ(proc_spec(PROC_QUEUE)->user, "_posthornq");
	ATF_CHECK_EQ(proc_spec(PROC_QUEUE)->root, PROC_ROOT_SPOOL);
	ATF_CHECK_STREQ(proc_spec(PROC_SMTPD)->user, "_posthorn");
	ATF_CHECK_EQ(proc_spec(PROC_SMTPD)->root, PROC_ROOT_EMPTY);
	ATF_CHECK_STREQ(proc_spec(PROC_RELAY)->user, "_posthorn");
	ATF_CHECK_EQ(proc_spec(PROC_RELAY)->root, PROC_ROOT_EMPTY);
	ATF_CHECK_STREQ(proc_spec(PROC_LOOKUP)->user, "_posthorn");
	ATF_CHECK_STREQ(proc_spec(PROC_KEYS)->user, "_posthorn");
	ATF_CHECK_EQ(proc_spec(PROC_KEYS)->root, PROC_ROOT_EMPTY);
}

/* proc_spawn starts one child per role, in table order, each with a channel */
ATF_TC_WITHOUT_HEAD(proc_spawn_wiring);
ATF_TC_BODY(proc_spawn_wiring, tc)
{
	struct proc_child	 ch[PROC_NCHILD];
	char			*extra[] = { NULL };
	int			 i, status;

	ATF_REQUIRE(proc_spawn("/bin/true", extra, NULL, ch) == 0);
	for (i = 0; i < PROC_NCHILD; i++) {
		ATF_CHECK(ch[i].pid > 0);
		ATF_CHECK(ch[i].fd > 2);
		ATF_REQUIRE(waitpid(ch[i].pid, &status, 0) == ch[i].pid);
		ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		close(ch[i].fd);
	}
	ATF_CHECK_EQ(ch[0].role, PROC_QUEUE);
	ATF_CHECK_EQ(ch[1].role, PROC_SMTPD);
	ATF_CHECK_EQ(ch[PROC_NCHILD - 1].role, PROC_KEYS);
}

/* proc_spawn gives the secret to its role alone, not to the others */
ATF_TC_WITHOUT_HEAD(proc_spawn_secret);
ATF_TC_BODY(proc_spawn_secret, tc)
{
	static const struct proc_secret	 secret = { PROC_QUEUE, "T_SECRET=yes" };
	static const char		 script[] =
	    "#!/bin/sh\ntest \"$T_SECRET\" = yes\n";
	struct proc_child		 ch[PROC_NCHILD];
	char				*extra[] = { NULL };
	int				 i, fd, status;

	/* a program that says, by its status, whether it got the secret */
	fd = open("secret.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, script, sizeof(script) - 1) ==
	    (ssize_t)sizeof(script) - 1);
	close(fd);
	ATF_REQUIRE(unsetenv("T_SECRET") == 0);
	ATF_REQUIRE(proc_spawn("./secret.sh", extra, &secret, ch) == 0);
	for (i = 0; i < PROC_NCHILD; i++) {
		ATF_REQUIRE(waitpid(ch[i].pid, &status, 0) == ch[i].pid);
		ATF_REQUIRE(WIFEXITED(status));
		ATF_CHECK_EQ(WEXITSTATUS(status) == 0, ch[i].role == PROC_QUEUE);
		close(ch[i].fd);
	}
	ATF_CHECK(getenv("T_SECRET") == NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, proc_role_parse_names);
	ATF_TP_ADD_TC(tp, proc_links_symmetric);
	ATF_TP_ADD_TC(tp, proc_child_fd_layout);
	ATF_TP_ADD_TC(tp, proc_spec_accounts);
	ATF_TP_ADD_TC(tp, proc_spawn_wiring);
	ATF_TP_ADD_TC(tp, proc_spawn_secret);
	return atf_no_error();
}
