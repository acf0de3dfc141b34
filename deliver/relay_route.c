/*
 * relay_route.c - the addresses one relay job tries, in order (see
 * relay_mx.c for the choice): one at a time through a callback that
 * always runs from the event loop.  A route that ends says why: the
 * hosts are used up (RELAY_OK: the job reports its last error), or
 * routing itself failed (a null MX, a DNS failure: status and text).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "log.h"
#include "relay.h"
#include "xmalloc.h"

struct relay_route {
	struct relay_job	*job;
	struct relay_hop	 hops[RELAY_HOPS_MAX];
	size_t			 nhops;
	size_t			 next;
	struct event		*ev;
	relay_route_cb		 cb;
	enum relay_status	 st;		/* RELAY_OK: not failed */
	char			 text[ERRTEXT_MAX];
};

/* relay_route_fail - routing itself failed: remember why */
static void __attribute__((format(printf, 3, 4)))
relay_route_fail(struct relay_route *r, enum relay_status st,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	r->st = st;
}

/* relay_route_add - one more address to try, under the name it goes by */
static void
relay_route_add(struct relay_route *r, const struct sockaddr_storage *ss,
    const char *name)
{
	if (r->nhops == RELAY_HOPS_MAX)
		return;
	r->hops[r->nhops].ss = *ss;
	(void)strlcpy(r->hops[r->nhops].name, name,
	    sizeof(r->hops[r->nhops].name));
	r->nhops++;
}

/* relay_route_on_ev - hand the next address (or the end) to the job */
static void
relay_route_on_ev(evutil_socket_t fd, short what, void *arg)
{
	struct relay_route	*r = arg;

	(void)fd;
	(void)what;
	if (r->st == RELAY_OK && r->next < r->nhops) {
		r->cb(r->job, &r->hops[r->next++], RELAY_OK, NULL);
		return;
	}
	r->cb(r->job, NULL, r->st, r->text);
}

/* relay_route_new - the route of a job, from its action */
struct relay_route *
relay_route_new(struct relay_job *job)
{
	const struct cfg_action	*a = job->action;
	struct relay_route	*r;
	struct sockaddr_storage	 ss;
	int			 port = relay_mx_port(a);

	r = xcalloc(1, sizeof(*r));
	r->job = job;
	r->st = RELAY_OK;
	if ((r->ev = evtimer_new(ev_base(), relay_route_on_ev, r)) == NULL)
		fatalx("relay: evtimer_new");
	if (a->has_host && relay_mx_literal(a->host.host, port, &ss))
		relay_route_add(r, &ss, a->host.host);
	else if (!a->has_host && relay_mx_literal(job->domain, port, &ss))
		relay_route_add(r, &ss, job->domain);
	else
		relay_route_fail(r, RELAY_TEMPFAIL, "4.4.3 cannot resolve %s: "
		    "no resolver", a->has_host ? a->host.host : job->domain);
	return r;
}

/* relay_route_free - forget a route */
void
relay_route_free(struct relay_route *r)
{
	if (r == NULL)
		return;
	event_free(r->ev);
	free(r);
}

/* relay_route_next - the next address, through cb from the event loop */
void
relay_route_next(struct relay_route *r, relay_route_cb cb)
{
	struct timeval	tv = { 0, 0 };

	r->cb = cb;
	evtimer_add(r->ev, &tv);
}
