/*
 * ev.c - owns the libevent base of the process.
 */
#include <event2/event.h>

#include "ev.h"
#include "log.h"

static struct event_base *ev_the_base;

/* ev_init - create the event base; called once per process */
void
ev_init(void)
{
	if (ev_the_base != NULL)
		return;
	if ((ev_the_base = event_base_new()) == NULL)
		fatalx("ev_init: cannot create the event base");
}

/* ev_base - the event base, created on first use */
struct event_base *
ev_base(void)
{
	if (ev_the_base == NULL)
		ev_init();
	return ev_the_base;
}

/* ev_dispatch - run the loop until ev_exit() or nothing is left */
int
ev_dispatch(void)
{
	return event_base_dispatch(ev_base());
}

/* ev_exit - make ev_dispatch() return after the current callbacks */
void
ev_exit(void)
{
	event_base_loopbreak(ev_base());
}

/* ev_after_fork - reinitialise the backend in a forked child */
void
ev_after_fork(void)
{
	if (ev_the_base != NULL && event_reinit(ev_the_base) == -1)
		fatalx("ev_after_fork: event_reinit failed");
}
