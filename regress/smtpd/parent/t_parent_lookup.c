/*
 * t_parent_lookup.c - what the root parent does for the lookup: which
 * accounts may never use AUTH, and the handlers over a real channel
 * (answers for root, unknown accounts, a missing ~/.forward and
 * root's, each from a child of its own).  The handlers need root.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <pwd.h>
#include <shadow.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "../../../smtpd/parent/parent.h"

/* a shadow entry: last change, maximum age, account expiry (days) */
static struct spwd *
t_sp(struct spwd *sp, long lstchg, long max, long expire)
{
	memset(sp, 0, sizeof(*sp));
	sp->sp_lstchg = lstchg;
	sp->sp_max = max;
	sp->sp_expire = expire;
	sp->sp_min = sp->sp_warn = sp->sp_inact = -1;
	return sp;
}

ATF_TC_WITHOUT_HEAD(parent_lookup_auth_refusal_accounts);
ATF_TC_BODY(parent_lookup_auth_refusal_accounts, tc)
{
	static const char	 h[] = "$6$salt$hash";
	struct spwd		 sp;
	const long		 today = 20000;

	ATF_CHECK_STREQ(parent_lookup_auth_refusal(0, h, NULL, today),
	    "uid 0");
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(1000, "", NULL, today),
	    "no password");
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(1000, NULL, NULL, today),
	    "no password");
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(1000, "!", NULL, today),
	    "locked");
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(1000, "!!", NULL, today),
	    "locked");
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(1000, "*", NULL, today),
	    "locked");
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(1000, "!$6$salt$hash",
	    NULL, today), "locked");
	ATF_CHECK(parent_lookup_auth_refusal(1000, h, NULL, today) == NULL);
	/* shadow: unset fields are -1 */
	ATF_CHECK(parent_lookup_auth_refusal(1000, h, t_sp(&sp, 19000, -1,
	    -1), today) == NULL);
	ATF_CHECK(parent_lookup_auth_refusal(1000, h, t_sp(&sp, 19000, 99999,
	    today + 1), today) == NULL);
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(1000, h, t_sp(&sp, 19000,
	    -1, today), today), "account expired");
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(1000, h, t_sp(&sp, 0, -1,
	    -1), today), "password expired");
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(1000, h, t_sp(&sp, 19000,
	    1000, -1), today), "password expired");
	ATF_CHECK(parent_lookup_auth_refusal(1000, h, t_sp(&sp, 19000, 1001,
	    -1), today) == NULL);
	/* uid 0 whatever the rest */
	ATF_CHECK_STREQ(parent_lookup_auth_refusal(0, "!", t_sp(&sp, 0, -1,
	    1), today), "uid 0");
}

static struct {
	struct msg_auth_system_result	auth[4];
	struct msg_forward_fd		fwd[4];
	size_t				nauth, nfwd, want;
} t_got;

/* t_on_auth - the lookup's side: MSG_AUTH_SYSTEM_RESULT */
static void
t_on_auth(struct ipc *c, uint32_t id, int fd, const void *p, void *arg)
{
	(void)c;
	(void)id;
	(void)fd;
	(void)arg;
	t_got.auth[t_got.nauth++ % 4] =
	    *(const struct msg_auth_system_result *)p;
	if (t_got.nauth + t_got.nfwd == t_got.want)
		ev_exit();
}

/* t_on_forward - the lookup's side: MSG_FORWARD_FD */
static void
t_on_forward(struct ipc *c, uint32_t id, int fd, const void *p, void *arg)
{
	(void)c;
	(void)id;
	(void)arg;
	if (fd != -1)
		close(fd);
	t_got.fwd[t_got.nfwd++ % 4] = *(const struct msg_forward_fd *)p;
	if (t_got.nauth + t_got.nfwd == t_got.want)
		ev_exit();
}

static const struct ipc_handler t_lookup_handlers[] = {
	{ MSG_AUTH_SYSTEM_RESULT,	t_on_auth },
	{ MSG_FORWARD_FD,		t_on_forward },
	{ MSG_NONE,			NULL }
};

/* t_root_forward - what root's ~/.forward must get, as it is here */
static int32_t
t_root_forward(void)
{
	struct passwd	*pw;
	struct stat	 sb;
	char		 path[1024];

	if ((pw = getpwnam("root")) == NULL)
		atf_tc_fail("no account root: every Debian system has it");
	(void)snprintf(path, sizeof(path), "%s/.forward", pw->pw_dir);
	if (lstat(path, &sb) == -1)
		return IPC_FORWARD_NONE;
	return S_ISREG(sb.st_mode) && sb.st_uid == 0 &&
	    !(sb.st_mode & (S_IWGRP | S_IWOTH)) ? IPC_FORWARD_OK :
	    IPC_FORWARD_REFUSED;
}

ATF_TC_WITHOUT_HEAD(parent_lookup_handlers_answers);
ATF_TC_BODY(parent_lookup_handlers_answers, tc)
{
	struct msg_auth_system	a;
	struct msg_forward_open	f;
	struct ipc		*l;
	int			 sv[2], i;

	if (geteuid() != 0)
		atf_tc_fail("opens ~/.forward as another account: needs root "
		    "(make check runs as root)");
	log_init("t_parent_lookup", 1, 0);
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	(void)ipc_new(sv[0], PROC_PARENT, PROC_LOOKUP, IPC_TRUST_PEER,
	    parent_lookup_handlers, NULL);
	l = ipc_new(sv[1], PROC_LOOKUP, PROC_PARENT, IPC_TRUST_PEER,
	    t_lookup_handlers, NULL);
	memset(&t_got, 0, sizeof(t_got));
	t_got.want = 5;
	memset(&a, 0, sizeof(a));
	a.reqid = 1;
	strlcpy(a.user, "root", sizeof(a.user));
	strlcpy(a.pass, "whatever", sizeof(a.pass));
	ATF_REQUIRE(ipc_send(l, MSG_AUTH_SYSTEM, 0, -1, &a, sizeof(a)) == 0);
	a.reqid = 2;
	strlcpy(a.user, "no-such-account-here", sizeof(a.user));
	ATF_REQUIRE(ipc_send(l, MSG_AUTH_SYSTEM, 0, -1, &a, sizeof(a)) == 0);
	memset(&f, 0, sizeof(f));
	f.reqid = 3;
	strlcpy(f.user, "no-such-account-here", sizeof(f.user));
	ATF_REQUIRE(ipc_send(l, MSG_FORWARD_OPEN, 0, -1, &f, sizeof(f)) == 0);
	f.reqid = 4;
	strlcpy(f.user, "../etc", sizeof(f.user));
	ATF_REQUIRE(ipc_send(l, MSG_FORWARD_OPEN, 0, -1, &f, sizeof(f)) == 0);
	/* root's own is opened as root, who is already there */
	f.reqid = 5;
	strlcpy(f.user, "root", sizeof(f.user));
	ATF_REQUIRE(ipc_send(l, MSG_FORWARD_OPEN, 0, -1, &f, sizeof(f)) == 0);
	ev_dispatch();
	ATF_REQUIRE_EQ(t_got.nauth, 2);
	ATF_REQUIRE_EQ(t_got.nfwd, 3);
	ATF_CHECK_EQ(t_got.auth[0].result + t_got.auth[1].result, 0);
	for (i = 0; i < 3; i++)
		ATF_CHECK_EQ_MSG(t_got.fwd[i].status, t_got.fwd[i].reqid == 5 ?
		    t_root_forward() : IPC_FORWARD_NONE, "request %llu",
		    (unsigned long long)t_got.fwd[i].reqid);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parent_lookup_auth_refusal_accounts);
	ATF_TP_ADD_TC(tp, parent_lookup_handlers_answers);
	return atf_no_error();
}
