/*
 * t_proc.c - the role table: names, links, descriptor layout, spawn.
 */
#include <sys/socket.h>
#include <sys/wait.h>

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
	ATF_CHECK(!proc_links(PROC_SMTPD, PROC_DELIVER));
	ATF_CHECK(!proc_links(PROC_SMTPD, PROC_CONTROL));
	ATF_CHECK(proc_links(PROC_SMTPD, PROC_QUEUE));
	ATF_CHECK(proc_links(PROC_SMTPD, PROC_LOOKUP));
	/* the key holder serves those that make handshakes, nobody else */
	ATF_CHECK(proc_links(PROC_KEYS, PROC_PARENT));
	ATF_CHECK(proc_links(PROC_KEYS, PROC_SMTPD));
	ATF_CHECK(proc_links(PROC_KEYS, PROC_DELIVER));
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
	ATF_CHECK_STREQ(proc_spec(PROC_DELIVER)->user, "_posthorn");
	ATF_CHECK_EQ(proc_spec(PROC_DELIVER)->root, PROC_ROOT_EMPTY);
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

	ATF_REQUIRE(proc_spawn("/bin/true", extra, ch) == 0);
	for (i = 0; i < PROC_NCHILD; i++) {
		ATF_CHECK(ch[i].pid > 0);
		ATF_CHECK(ch[i].fd > 2);
		ATF_REQUIRE(waitpid(ch[i].pid, &status, 0) == ch[i].pid);
		ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		close(ch[i].fd);
	}
	ATF_CHECK_EQ(ch[0].role, PROC_QUEUE);
	ATF_CHECK_EQ(ch[1].role, PROC_SMTPD);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, proc_role_parse_names);
	ATF_TP_ADD_TC(tp, proc_links_symmetric);
	ATF_TP_ADD_TC(tp, proc_child_fd_layout);
	ATF_TP_ADD_TC(tp, proc_spec_accounts);
	ATF_TP_ADD_TC(tp, proc_spawn_wiring);
	return atf_no_error();
}
