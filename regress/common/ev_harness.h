/*
 * ev_harness.h - what tests that drive processes' handlers in one event
 * loop share: turning the loop until a counter the handlers raise
 * reaches a value, which is the event proving the state.
 */
#ifndef POSTHORN_EV_HARNESS_H
#define POSTHORN_EV_HARNESS_H

#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ev.h"

#define EV_HARNESS_TAIL	20	/* turns after: what is in flight lands */

/* ev_harness_turns - turn the loop n times, a millisecond apart */
static inline void
ev_harness_turns(int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		event_base_loop(ev_base(), EVLOOP_NONBLOCK);
		usleep(1000);
	}
	for (i = 0; i < EV_HARNESS_TAIL; i++)
		event_base_loop(ev_base(), EVLOOP_NONBLOCK);
}

/*
 * ev_harness_until - turn the loop until *n reaches want, for secs
 * seconds at most; whether it did
 */
static inline int
ev_harness_until(const int *n, int want, int secs)
{
	struct timespec	t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		event_base_loop(ev_base(), EVLOOP_NONBLOCK);
		if (*n >= want)
			break;
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < secs);
	ev_harness_turns(0);
	return *n >= want;
}

#endif
