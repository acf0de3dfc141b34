/*
 * t_control_accept.c - who may hold a connection to the control socket
 * (control_harness.h): the cap of one unprivileged uid, of all of them
 * together and of root, room again once a connection closes, the text
 * a refused client gets, and the close of a connection that sends no
 * command in time.  Needs root: other uids' peer credentials come from
 * seteuid(2) around connect(2).
 */
#include <sys/queue.h>

#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "ev.h"
#include "ipc.h"
#include "control_harness.h"

#define T_BUSY	"too many control connections; try again later"
#define T_USER	CONTROL_HARNESS_USER

/* t_refused - a connection of uid turned away for its cap */
static void
t_refused(uid_t uid)
{
	struct control_harness_client	*cl = control_harness_connect(uid);

	ATF_REQUIRE_MSG(control_harness_wait(&cl->closed, 5),
	    "uid %lu accepted", (unsigned long)uid);
	ATF_CHECK_EQ(cl->ended, 1);
	ATF_CHECK_EQ(cl->end.status, 1);
	ATF_CHECK_STREQ(cl->end.error, T_BUSY);
}

/* t_accepted - a connection of uid held open; the client */
static struct control_harness_client *
t_accepted(uid_t uid)
{
	struct control_harness_client	*cl = control_harness_connect(uid);

	ATF_REQUIRE_MSG(cl->ready && !cl->closed, "uid %lu refused",
	    (unsigned long)uid);
	return cl;
}

/* t_nconns - the connections the queue holds */
static int
t_nconns(const struct control_harness *h)
{
	const struct control_conn	*cc;
	int				 n = 0;

	TAILQ_FOREACH(cc, &h->q.control->conns, entry)
		n++;
	return n;
}

/* t_hangup - the client goes away; wait until the queue forgot it */
static void
t_hangup(const struct control_harness *h, struct control_harness_client *cl)
{
	int	i, before = t_nconns(h);

	ipc_free(cl->ipc);
	cl->ipc = NULL;
	cl->closed = 1;
	for (i = 0; i < 5000 && t_nconns(h) >= before; i++) {
		event_base_loop(ev_base(), EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ATF_REQUIRE_EQ(t_nconns(h), before - 1);
}

ATF_TC_WITHOUT_HEAD(control_accept_limit_user);
ATF_TC_BODY(control_accept_limit_user, tc)
{
	struct control_harness		*h;
	struct control_harness_client	*first;
	int				 i;

	(void)tc;
	h = control_harness_start();
	first = t_accepted(T_USER);
	for (i = 1; i < CONTROL_USER_MAX; i++)
		(void)t_accepted(T_USER);
	t_refused(T_USER);
	/* another user and root are not crowded out */
	(void)t_accepted(T_USER + 1);
	(void)t_accepted(0);
	/* a connection that closes makes room again */
	t_hangup(h, first);
	(void)t_accepted(T_USER);
	t_refused(T_USER);
	ATF_CHECK_EQ(t_nconns(h), CONTROL_USER_MAX + 2);
}

ATF_TC_WITHOUT_HEAD(control_accept_limit_users);
ATF_TC_BODY(control_accept_limit_users, tc)
{
	struct control_harness	*h;
	int			 i;

	(void)tc;
	h = control_harness_start();
	for (i = 0; i < CONTROL_USERS_MAX; i++)
		(void)t_accepted(T_USER + (uid_t)(i / CONTROL_USER_MAX));
	/* a uid that has no connection yet */
	t_refused(T_USER + CONTROL_USERS_MAX);
	(void)t_accepted(0);
	ATF_CHECK_EQ(t_nconns(h), CONTROL_USERS_MAX + 1);
}

ATF_TC_WITHOUT_HEAD(control_accept_limit_admin);
ATF_TC_BODY(control_accept_limit_admin, tc)
{
	struct control_harness	*h;
	int			 i;

	(void)tc;
	h = control_harness_start();
	for (i = 0; i < CONTROL_ADMIN_MAX; i++)
		(void)t_accepted(0);
	t_refused(0);
	(void)t_accepted(T_USER);
	ATF_CHECK_EQ(t_nconns(h), CONTROL_ADMIN_MAX + 1);
}

ATF_TC_WITHOUT_HEAD(control_accept_idle_close);
ATF_TC_BODY(control_accept_idle_close, tc)
{
	struct control_harness		*h;
	struct control_harness_client	*cl, *busy;
	time_t				 t0;

	(void)tc;
	h = control_harness_start();
	/* a command that waits for its answer is not idle */
	h->p.hold_stats = 1;
	busy = control_harness_connect(0);
	ATF_REQUIRE(control_harness_send(busy, MSG_CTL_SHOW_STATS, "") == 0);
	ATF_REQUIRE(control_harness_wait(&h->p.stats_req, 5));
	t0 = time(NULL);
	cl = t_accepted(T_USER);
	ATF_REQUIRE(control_harness_wait(&cl->closed,
	    CONTROL_IDLE_TIMEOUT + 5));
	ATF_CHECK(time(NULL) - t0 >= CONTROL_IDLE_TIMEOUT - 1);
	ATF_CHECK_EQ(cl->ended, 0);
	ATF_CHECK(!busy->closed);
	ATF_CHECK_EQ(t_nconns(h), 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, control_accept_limit_user);
	ATF_TP_ADD_TC(tp, control_accept_limit_users);
	ATF_TP_ADD_TC(tp, control_accept_limit_admin);
	ATF_TP_ADD_TC(tp, control_accept_idle_close);
	return atf_no_error();
}
