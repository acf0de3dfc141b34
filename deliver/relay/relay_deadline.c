/*
 * relay_deadline.c - the deadline of the replies a relay session awaits
 * (RFC 5321 4.5.3.2: a time-out per reply, not per octet).
 *
 * A reply is due within its stage's time-out of the moment its command
 * (or the message's final dot) went out; the octets of a reply in
 * progress move nothing, only a whole reply does: the reply after it
 * then gets its full time from that moment on, as its command may have
 * gone out in the same pipelined group.  So a server that trickles a
 * reply holds the connection for one time-out at most, however slowly
 * it writes.  Time is the monotonic clock's, as the listener's
 * deadlines are, so a clock step moves no deadline.  Pure, but for
 * relay_deadline_now and relay_deadline_timer.
 */
#include <sys/time.h>

#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "relay.h"

/* relay_deadline_now - seconds of the monotonic clock */
time_t
relay_deadline_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * relay_deadline_await - a reply of a stage of secs is awaited from now
 * on: due at now + secs, unless an earlier reply is already awaited
 * (that one is due first, and when it comes the stage's time starts
 * again)
 */
void
relay_deadline_await(struct relay_deadline *d, time_t now, int secs)
{
	d->secs = secs;
	if (d->at == 0)
		d->at = now + secs;
}

/*
 * relay_deadline_reply - a whole reply came: whatever is still awaited
 * is due a whole time-out from now
 */
void
relay_deadline_reply(struct relay_deadline *d, time_t now)
{
	if (d->at != 0)
		d->at = now + d->secs;
}

/* relay_deadline_stop - no reply is awaited */
void
relay_deadline_stop(struct relay_deadline *d)
{
	d->at = 0;
}

/*
 * relay_deadline_left - seconds until the awaited reply is late: 0 when
 * it is, -1 when none is awaited
 */
long
relay_deadline_left(const struct relay_deadline *d, time_t now)
{
	if (d->at == 0)
		return -1;
	return d->at > now ? (long)(d->at - now) : 0;
}

/* relay_deadline_timer - ev fires at the deadline, or not at all */
void
relay_deadline_timer(const struct relay_deadline *d, struct event *ev)
{
	struct timeval	 tv = { 0, 0 };
	long		 left;

	if ((left = relay_deadline_left(d, relay_deadline_now())) == -1) {
		evtimer_del(ev);
		return;
	}
	tv.tv_sec = left;
	if (evtimer_add(ev, &tv) == -1)
		fatalx("relay: cannot set a reply deadline");
}
