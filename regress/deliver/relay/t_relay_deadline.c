/*
 * t_relay_deadline.c - the deadline of the replies a relay session
 * awaits: due a stage's time-out after the command went out, moved by
 * whole replies only, the stage's time given again to the reply after
 * a whole one, nothing due when nothing is awaited.
 */
#include <time.h>

#include <atf-c.h>

#include "../../../deliver/relay/relay.h"

ATF_TC_WITHOUT_HEAD(due_after_timeout);
ATF_TC_BODY(due_after_timeout, tc)
{
	struct relay_deadline	d = { 0, 0 };

	ATF_CHECK_EQ(relay_deadline_left(&d, 1000), -1);
	relay_deadline_await(&d, 1000, 300);
	ATF_CHECK_EQ(relay_deadline_left(&d, 1000), 300);
	ATF_CHECK_EQ(relay_deadline_left(&d, 1299), 1);
	ATF_CHECK_EQ(relay_deadline_left(&d, 1300), 0);
	ATF_CHECK_EQ(relay_deadline_left(&d, 5000), 0);
}

/* octets move nothing: only awaits and whole replies touch the deadline */
ATF_TC_WITHOUT_HEAD(trickle_moves_nothing);
ATF_TC_BODY(trickle_moves_nothing, tc)
{
	struct relay_deadline	d = { 0, 0 };
	time_t			t;

	relay_deadline_await(&d, 1000, 600);
	/* a command of the same group, or a second A_READ, keeps it */
	for (t = 1000; t < 1600; t += 299)
		relay_deadline_await(&d, t, 600);
	ATF_CHECK_EQ(relay_deadline_left(&d, 1599), 1);
	ATF_CHECK_EQ(relay_deadline_left(&d, 1600), 0);
}

/* a whole reply gives the next awaited reply the whole time again */
ATF_TC_WITHOUT_HEAD(reply_restarts);
ATF_TC_BODY(reply_restarts, tc)
{
	struct relay_deadline	d = { 0, 0 };

	relay_deadline_await(&d, 1000, 300);	/* MAIL, RCPT, DATA */
	relay_deadline_reply(&d, 1250);		/* 250 to MAIL */
	ATF_CHECK_EQ(relay_deadline_left(&d, 1250), 300);
	ATF_CHECK_EQ(relay_deadline_left(&d, 1550), 0);
}

/* stopped, nothing is due; a reply then restarts nothing */
ATF_TC_WITHOUT_HEAD(stop);
ATF_TC_BODY(stop, tc)
{
	struct relay_deadline	d = { 0, 0 };

	relay_deadline_await(&d, 1000, 300);
	relay_deadline_stop(&d);
	ATF_CHECK_EQ(relay_deadline_left(&d, 9000), -1);
	relay_deadline_reply(&d, 9000);
	ATF_CHECK_EQ(relay_deadline_left(&d, 9000), -1);
	/* the final dot: its own stage, from its write */
	relay_deadline_await(&d, 9000, 600);
	ATF_CHECK_EQ(relay_deadline_left(&d, 9000), 600);
}

/* the stage of the last command is the one a whole reply restarts */
ATF_TC_WITHOUT_HEAD(stage_follows);
ATF_TC_BODY(stage_follows, tc)
{
	struct relay_deadline	d = { 0, 0 };

	relay_deadline_await(&d, 1000, 300);
	relay_deadline_await(&d, 1010, 10);	/* QUIT of the same group */
	ATF_CHECK_EQ(relay_deadline_left(&d, 1010), 290);
	relay_deadline_reply(&d, 1020);
	ATF_CHECK_EQ(relay_deadline_left(&d, 1020), 10);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, due_after_timeout);
	ATF_TP_ADD_TC(tp, trickle_moves_nothing);
	ATF_TP_ADD_TC(tp, reply_restarts);
	ATF_TP_ADD_TC(tp, stop);
	ATF_TP_ADD_TC(tp, stage_follows);
	return atf_no_error();
}
