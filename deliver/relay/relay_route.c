/*
 * relay_route.c - the addresses one relay job tries, in order (see
 * relay_mx.c for the choice of MX hosts): one at a time through a
 * callback that always runs from the event loop.  Names are resolved
 * only when their turn comes (the MX list first, then each MX's
 * addresses), so a job that gets through at its first host costs one
 * or two queries.  A route that ends says why: the hosts are used up
 * (RELAY_OK: the job reports its last error), or routing itself failed
 * (a null MX, a DNS failure: status and text).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cfg.h"
#include "dns.h"
#include "ev.h"
#include "log.h"
#include "relay.h"
#include "xmalloc.h"

enum relay_route_want {
	RELAY_ROUTE_NOTHING,
	RELAY_ROUTE_MX,			/* the MX records of the domain */
	RELAY_ROUTE_HOST,		/* the addresses of `host` */
	RELAY_ROUTE_IMPLICIT,		/* no MX: the domain's addresses */
	RELAY_ROUTE_MXHOST		/* the addresses of one MX */
};

struct relay_route {
	struct relay_job	*job;
	struct relay_hop	 hops[RELAY_HOPS_MAX];
	size_t			 nhops;
	size_t			 next;
	struct dns_mx		 mx[DNS_MX_MAX];
	size_t			 nmx;
	size_t			 mxnext;
	enum relay_route_want	 want;
	enum relay_route_want	 asking;	/* what the query is for */
	char			 name[HOST_MAX];	/* being resolved */
	int			 port;
	struct dns_query	*q;
	struct event		*ev;
	relay_route_cb		 cb;
	size_t			 self;		/* addresses of ours skipped */
	enum relay_status	 st;		/* RELAY_OK: not failed */
	char			 text[ERRTEXT_MAX];
};

static void	relay_route_on_mx(enum dns_status, const struct dns_mx *,
		    size_t, void *);
static void	relay_route_on_addr(enum dns_status,
		    const struct sockaddr_storage *, size_t, void *);

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
	struct relay_hop	*h;

	if (r->nhops == RELAY_HOPS_MAX)
		return;
	h = &r->hops[r->nhops];
	h->ss = *ss;
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)&h->ss)->sin6_port =
		    htons((uint16_t)r->port);
	else
		((struct sockaddr_in *)&h->ss)->sin_port =
		    htons((uint16_t)r->port);
	if (relay_job_is_self(r->job, (struct sockaddr *)&h->ss)) {
		log_info("relay event=skip-self host=%s", name);
		r->self++;
		return;
	}
	(void)strlcpy(h->name, name, sizeof(h->name));
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
	if (r->st == RELAY_OK && r->nhops == 0 && r->self > 0)
		relay_route_fail(r, RELAY_PERMFAIL, "5.4.6 mail for %s loops "
		    "back to myself", r->job->domain);
	r->cb(r->job, NULL, r->st, r->text);
}

/* relay_route_ask - resolve name (as what); the answer continues */
static void
relay_route_ask(struct relay_route *r, const char *name,
    enum relay_route_want what)
{
	(void)strlcpy(r->name, name, sizeof(r->name));
	r->asking = what;
	if (what == RELAY_ROUTE_MX)
		r->q = dns_mx(name, relay_route_on_mx, r);
	else
		r->q = dns_addr(name, AF_UNSPEC, relay_route_on_addr, r);
}

/* relay_route_more - start the next lookup; 1 if one is under way */
static int
relay_route_more(struct relay_route *r)
{
	enum relay_route_want	want = r->want;

	if (r->q != NULL)
		return 1;
	r->want = RELAY_ROUTE_NOTHING;
	if (want == RELAY_ROUTE_MX)
		relay_route_ask(r, r->job->domain, RELAY_ROUTE_MX);
	else if (want == RELAY_ROUTE_HOST)
		relay_route_ask(r, r->job->action->host.host, want);
	else if (r->mxnext < r->nmx)
		relay_route_ask(r, r->mx[r->mxnext++].host,
		    RELAY_ROUTE_MXHOST);
	else
		return 0;
	return 1;
}

/* relay_route_step - the next address now, or after the next lookup */
static void
relay_route_step(struct relay_route *r)
{
	struct timeval	tv = { 0, 0 };

	if (r->st == RELAY_OK && r->next >= r->nhops && relay_route_more(r))
		return;
	evtimer_add(r->ev, &tv);
}

/* relay_route_mx_pick - the usable MX records of an answer */
static void
relay_route_mx_pick(struct relay_route *r, const struct dns_mx *mx, size_t n)
{
	const struct cfg_action	*a = r->job->action;
	enum relay_mx_verdict	 v;

	v = relay_mx_select(mx, n, a->backup, a->backup_mx[0] ?
	    a->backup_mx : relay_job_hostname(r->job), r->mx, &r->nmx);
	if (v == RELAY_MX_NULL)
		relay_route_fail(r, RELAY_PERMFAIL, "5.1.10 domain %s "
		    "accepts no mail (null MX)", r->name);
	else if (v == RELAY_MX_SELF)
		relay_route_fail(r, RELAY_TEMPFAIL, "4.4.4 no MX of %s "
		    "better than this backup", r->name);
}

/* relay_route_on_mx - the MX records of the domain */
static void
relay_route_on_mx(enum dns_status st, const struct dns_mx *mx, size_t n,
    void *arg)
{
	struct relay_route	*r = arg;

	r->q = NULL;
	if (st == DNS_TEMPFAIL)
		relay_route_fail(r, RELAY_TEMPFAIL, "4.4.3 MX lookup of %s "
		    "failed temporarily", r->name);
	else if (st == DNS_OK)
		relay_route_mx_pick(r, mx, n);
	if (r->st == RELAY_OK && r->nmx == 0) {
		/* no MX record: the domain is its own mail host */
		relay_route_ask(r, r->job->domain, RELAY_ROUTE_IMPLICIT);
		return;
	}
	relay_route_step(r);
}

/* relay_route_on_addr - the addresses of a host, MX or domain */
static void
relay_route_on_addr(enum dns_status st, const struct sockaddr_storage *ss,
    size_t n, void *arg)
{
	struct relay_route	*r = arg;
	size_t			 i;

	r->q = NULL;
	for (i = 0; st == DNS_OK && i < n; i++)
		relay_route_add(r, &ss[i], r->name);
	if (st != DNS_OK && r->asking == RELAY_ROUTE_IMPLICIT)
		relay_route_fail(r, st == DNS_NONE ? RELAY_PERMFAIL :
		    RELAY_TEMPFAIL, st == DNS_NONE ? "5.1.2 domain %s has "
		    "no MX and no address" : "4.4.3 address lookup of %s "
		    "failed temporarily", r->name);
	else if (st != DNS_OK && r->asking == RELAY_ROUTE_HOST)
		relay_route_fail(r, RELAY_TEMPFAIL, "4.4.3 relay host %s: %s",
		    r->name, st == DNS_NONE ? "no address" :
		    "address lookup failed temporarily");
	else if (st != DNS_OK)
		relay_text_fmt(r->job->lasterr, sizeof(r->job->lasterr),
		    "%s at %s", st == DNS_NONE ? "no address" :
		    "address lookup failed", r->name);
	relay_route_step(r);
}

/* relay_route_new - the route of a job, from its action */
struct relay_route *
relay_route_new(struct relay_job *job)
{
	const struct cfg_action	*a = job->action;
	struct relay_route	*r;
	struct sockaddr_storage	 ss;

	r = xcalloc(1, sizeof(*r));
	r->job = job;
	r->st = RELAY_OK;
	r->port = relay_mx_port(a);
	if ((r->ev = evtimer_new(ev_base(), relay_route_on_ev, r)) == NULL)
		fatalx("relay: evtimer_new");
	if (a->has_host && relay_mx_literal(a->host.host, r->port, &ss))
		relay_route_add(r, &ss, a->host.host);
	else if (a->has_host)
		r->want = RELAY_ROUTE_HOST;
	else if (relay_mx_literal(job->domain, r->port, &ss))
		relay_route_add(r, &ss, job->domain);
	else
		r->want = RELAY_ROUTE_MX;
	return r;
}

/* relay_route_free - forget a route and its lookup under way */
void
relay_route_free(struct relay_route *r)
{
	if (r == NULL)
		return;
	if (r->q != NULL)
		dns_cancel(r->q);
	event_free(r->ev);
	free(r);
}

/* relay_route_next - the next address, through cb from the event loop */
void
relay_route_next(struct relay_route *r, relay_route_cb cb)
{
	r->cb = cb;
	relay_route_step(r);
}
