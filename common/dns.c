/*
 * dns.c - asynchronous DNS on the process's event loop, over c-ares.
 *
 * c-ares tells us through its socket-state callback which sockets it
 * wants watched; each gets one persistent libevent event, and one timer
 * follows ares_timeout().  Answers are copied out of c-ares at once and
 * handed to the caller from a separate event, so a callback never runs
 * inside the call that started its query nor inside ares_process_fd().
 * A query stays allocated while c-ares holds it: dns_cancel() then only
 * marks it, and the c-ares callback frees it.
 *
 * Address and PTR queries walk the sources of the `hosts:` order
 * (dns_conf.h) from q->step on: /etc/hosts answers from the table read
 * at dns_init, DNS through c-ares; dns_query_stop decides after each
 * source whether the query ends.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <ares.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "dns.h"
#include "dns_answer.h"
#include "dns_conf.h"
#include "dns_hosts.h"
#include "ev.h"
#include "log.h"
#include "xmalloc.h"

enum dns_kind {
	DNS_KIND_MX,
	DNS_KIND_ADDR,
	DNS_KIND_PTR
};

struct dns_query {
	enum dns_kind		 kind;
	union {
		dns_mx_cb	 mx;
		dns_addr_cb	 addr;
		dns_name_cb	 name;
	}			 cb;
	void			*arg;
	struct event		*ev;		/* hands the answer over */
	int			 held;		/* c-ares still has it */
	int			 cancelled;
	enum dns_status		 status;
	size_t			 n;
	struct dns_mx		*mx;
	struct sockaddr_storage	*addrs;
	char			*name;
	struct sockaddr_storage	 sa;		/* PTR: the address */
	char			 host[HOST_MAX];	/* ADDR: the name */
	int			 family;	/* ADDR: the family asked */
	size_t			 step;		/* in the hosts: order */
	int			 tempfailed;	/* a source failed for now */
};

struct dns_sock {
	LIST_ENTRY(dns_sock)	 entry;
	ares_socket_t		 fd;
	struct event		*ev;
};

static struct {
	ares_channel		 ch;
	int			 ready;
	struct event		*timer;
	LIST_HEAD(, dns_sock)	 socks;
	struct dns_conf_order	 order;		/* n == 0: files, dns */
	struct dns_hosts	*hosts;
} dns_st;

static void	dns_timer_arm(void);
static void	dns_query_after(struct dns_query *, enum dns_status);

/* dns_on_io - a c-ares socket is readable or writable */
static void
dns_on_io(evutil_socket_t fd, short what, void *arg)
{
	(void)arg;
	ares_process_fd(dns_st.ch, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	dns_timer_arm();
}

/* dns_on_timer - a query may have timed out */
static void
dns_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	ares_process_fd(dns_st.ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_timer_arm();
}

/* dns_timer_arm - wake up when c-ares next needs to time something out */
static void
dns_timer_arm(void)
{
	struct timeval	 tv, *tvp;

	if (!dns_st.ready)
		return;
	if ((tvp = ares_timeout(dns_st.ch, NULL, &tv)) != NULL)
		evtimer_add(dns_st.timer, tvp);
	else
		evtimer_del(dns_st.timer);
}

/* dns_on_sock_state - c-ares opened, closed or changed interest in fd */
static void
dns_on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_sock	*s;
	short		 what = EV_PERSIST;

	(void)data;
	LIST_FOREACH(s, &dns_st.socks, entry)
		if (s->fd == fd)
			break;
	if (s != NULL)
		event_del(s->ev);
	if (!readable && !writable) {
		if (s != NULL) {
			LIST_REMOVE(s, entry);
			event_free(s->ev);
			free(s);
		}
		return;
	}
	what |= (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->ev = event_new(ev_base(), fd, what, dns_on_io, NULL);
		if (s->ev == NULL)
			fatalx("dns: cannot create a socket event");
		LIST_INSERT_HEAD(&dns_st.socks, s, entry);
	} else
		event_assign(s->ev, ev_base(), fd, what, dns_on_io, NULL);
	event_add(s->ev, NULL);
}

/* dns_shutdown - destroy the channel; its queries answer DNS_TEMPFAIL */
static void
dns_shutdown(void)
{
	struct dns_sock	*s;

	if (!dns_st.ready)
		return;
	dns_st.ready = 0;		/* its queries must not ask again */
	ares_destroy(dns_st.ch);
	while ((s = LIST_FIRST(&dns_st.socks)) != NULL) {
		LIST_REMOVE(s, entry);
		event_free(s->ev);
		free(s);
	}
	evtimer_del(dns_st.timer);
}

/* dns_channel - create the channel from options; 0 or -1 with err */
static int
dns_channel(struct ares_options *o, int mask, char *err, size_t errsz)
{
	int	 rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(err, errsz, "c-ares: %s", ares_strerror(rc));
		return -1;
	}
	dns_shutdown();
	if (dns_st.timer == NULL) {
		LIST_INIT(&dns_st.socks);
		if ((dns_st.timer = evtimer_new(ev_base(), dns_on_timer,
		    NULL)) == NULL)
			fatalx("dns: cannot create the timer");
	}
	o->sock_state_cb = dns_on_sock_state;
	o->sock_state_cb_data = NULL;
	o->lookups = (char *)"b";	/* /etc/hosts: ours (dns_hosts.c) */
	mask |= ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS;
	if ((rc = ares_init_options(&dns_st.ch, o, mask)) != ARES_SUCCESS) {
		snprintf(err, errsz, "c-ares: %s", ares_strerror(rc));
		return -1;
	}
	dns_st.ready = 1;
	return 0;
}

/* dns_use - look names up in this order and hosts table from now on */
static void
dns_use(struct dns_conf *c)
{
	dns_hosts_free(dns_st.hosts);
	dns_st.hosts = c->hosts;
	dns_st.order = c->order;
}

/* dns_init - read the resolver's files (NULL: the system's) */
int
dns_init(const struct dns_files *files, char *err, size_t errsz)
{
	struct ares_options	 o;
	struct dns_conf		 c;

	dns_conf_load(&c, files);
	dns_use(&c);
	memset(&o, 0, sizeof(o));
	o.resolvconf_path = (char *)c.resolvconf;
	o.timeout = c.opts.timeout * 1000;
	o.tries = c.opts.attempts;
	return dns_channel(&o, ARES_OPT_RESOLVCONF | ARES_OPT_TIMEOUTMS |
	    ARES_OPT_TRIES, err, errsz);
}

/* dns_init_files - the hosts table and order of files; servers stay */
void
dns_init_files(const struct dns_files *files)
{
	struct dns_conf		 c;

	dns_conf_load(&c, files);
	dns_use(&c);
}

/* dns_init_servers - use the given nameservers ("127.0.0.1:5353,...") */
int
dns_init_servers(const char *servers, int timeout_ms, int tries, char *err,
    size_t errsz)
{
	struct ares_options	 o;
	int			 rc;

	memset(&o, 0, sizeof(o));
	o.timeout = timeout_ms;
	o.tries = tries;
	if (dns_channel(&o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES, err,
	    errsz) == -1)
		return -1;
	if ((rc = ares_set_servers_ports_csv(dns_st.ch, servers)) !=
	    ARES_SUCCESS) {
		snprintf(err, errsz, "nameservers \"%s\": %s", servers,
		    ares_strerror(rc));
		dns_shutdown();
		return -1;
	}
	return 0;
}

/* dns_query_free - release a query and its answer */
static void
dns_query_free(struct dns_query *q)
{
	event_free(q->ev);
	free(q->mx);
	free(q->addrs);
	free(q->name);
	free(q);
}

/* dns_on_deliver - hand a finished query's answer to its caller */
static void
dns_on_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct dns_query	*q = arg;

	(void)fd;
	(void)what;
	switch (q->kind) {
	case DNS_KIND_MX:
		q->cb.mx(q->status, q->mx, q->n, q->arg);
		break;
	case DNS_KIND_ADDR:
		q->cb.addr(q->status, q->addrs, q->n, q->arg);
		break;
	case DNS_KIND_PTR:
		q->cb.name(q->status, q->name, q->arg);
		break;
	}
	dns_query_free(q);
}

/* dns_query_new - a query of a kind, not yet started */
static struct dns_query *
dns_query_new(enum dns_kind kind, void *arg)
{
	struct dns_query	*q;

	q = xcalloc(1, sizeof(*q));
	q->kind = kind;
	q->arg = arg;
	if ((q->ev = event_new(ev_base(), -1, 0, dns_on_deliver, q)) == NULL)
		fatalx("dns: cannot create a query event");
	return q;
}

/* dns_query_done - the answer is complete: deliver it from the loop */
static void
dns_query_done(struct dns_query *q, enum dns_status status)
{
	q->held = 0;
	q->status = status;
	if (status != DNS_OK)
		q->n = 0;
	if (q->cancelled) {
		dns_query_free(q);
		return;
	}
	event_active(q->ev, EV_TIMEOUT, 0);
}

/* dns_name_ok - a name worth asking for: printable ASCII, bounded */
static int
dns_name_ok(const char *name)
{
	size_t	 len = strlen(name);
	size_t	 i;

	if (len == 0 || len >= HOST_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' ||
		    (unsigned char)name[i] >= 0x7f)
			return 0;
	return 1;
}

/* dns_on_mx - c-ares answered an MX query */
static void
dns_on_mx(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_query	*q = arg;
	enum dns_status		 st;

	(void)timeouts;
	if ((st = dns_answer_status(status)) == DNS_OK && !q->cancelled) {
		q->mx = xcalloc(DNS_MX_MAX, sizeof(*q->mx));
		st = dns_answer_mx(abuf, alen, q->mx, &q->n);
	}
	dns_query_done(q, st);
}

/* dns_mx - look up the MX records of a domain */
struct dns_query *
dns_mx(const char *domain, dns_mx_cb cb, void *arg)
{
	struct dns_query	*q;

	q = dns_query_new(DNS_KIND_MX, arg);
	q->cb.mx = cb;
	if (!dns_name_ok(domain))
		dns_query_done(q, DNS_NONE);
	else if (!dns_st.ready)
		dns_query_done(q, DNS_TEMPFAIL);
	else {
		q->held = 1;
		ares_query(dns_st.ch, domain, ns_c_in, ns_t_mx, dns_on_mx, q);
		dns_timer_arm();
	}
	return q;
}

/*
 * dns_addrs_new - an empty array for the addresses of q's answer, in
 * place of the one an earlier source left (/etc/hosts or DNS that had
 * none): the sources of an nsswitch.conf line take turns on one query
 */
static void
dns_addrs_new(struct dns_query *q)
{
	free(q->addrs);
	q->addrs = xcalloc(DNS_ADDR_MAX, sizeof(*q->addrs));
	q->n = 0;
}

/* dns_addr_copy - the addresses of a getaddrinfo result, bounded */
static enum dns_status
dns_addr_copy(struct dns_query *q, const struct ares_addrinfo *ai)
{
	const struct ares_addrinfo_node	*nd;
	struct sockaddr_storage		*ss;

	dns_addrs_new(q);
	for (nd = ai->nodes; nd != NULL && q->n < DNS_ADDR_MAX;
	    nd = nd->ai_next) {
		if ((nd->ai_family != AF_INET && nd->ai_family != AF_INET6) ||
		    nd->ai_addrlen > sizeof(*ss))
			continue;
		ss = &q->addrs[q->n++];
		memcpy(ss, nd->ai_addr, nd->ai_addrlen);
		if (ss->ss_family == AF_INET)
			((struct sockaddr_in *)ss)->sin_port = 0;
		else
			((struct sockaddr_in6 *)ss)->sin6_port = 0;
	}
	return q->n > 0 ? DNS_OK : DNS_NONE;
}

/* dns_on_addrinfo - c-ares answered an address query */
static void
dns_on_addrinfo(void *arg, int status, int timeouts,
    struct ares_addrinfo *ai)
{
	struct dns_query	*q = arg;
	enum dns_status		 st;

	(void)timeouts;
	if ((st = dns_answer_status(status)) == DNS_OK && !q->cancelled)
		st = ai != NULL ? dns_addr_copy(q, ai) : DNS_NONE;
	if (ai != NULL)
		ares_freeaddrinfo(ai);
	dns_query_after(q, st);
}

/* dns_addr_literal - an IP literal answers itself; 1 if host was one */
static int
dns_addr_literal(struct dns_query *q, const char *host, int family)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	sin.sin_family = AF_INET;
	sin6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		q->addrs = xcalloc(1, sizeof(*q->addrs));
		memcpy(q->addrs, &sin, sizeof(sin));
	} else if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
		q->addrs = xcalloc(1, sizeof(*q->addrs));
		memcpy(q->addrs, &sin6, sizeof(sin6));
	} else
		return 0;
	q->n = 1;
	if (family != AF_UNSPEC && family != q->addrs->ss_family)
		dns_query_done(q, DNS_NONE);
	else
		dns_query_done(q, DNS_OK);
	return 1;
}

/* dns_on_ptr - c-ares answered a PTR query */
static void
dns_on_ptr(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_query	*q = arg;
	enum dns_status		 st;
	char			 name[HOST_MAX];

	(void)timeouts;
	if ((st = dns_answer_status(status)) == DNS_OK && !q->cancelled &&
	    (st = dns_answer_ptr(abuf, alen, name, sizeof(name))) == DNS_OK) {
		q->name = xstrdup(name);
		q->n = 1;
	}
	dns_query_after(q, st);
}

/* dns_ptr_name - the in-addr.arpa or ip6.arpa name of an address */
int
dns_ptr_name(const struct sockaddr *sa, char *out, size_t outsz)
{
	static const char		 hex[] = "0123456789abcdef";
	const struct sockaddr_in6	*sin6 = (const void *)sa;
	const unsigned char		*a;
	char				 part[8];
	int				 i;

	out[0] = '\0';
	if (sa->sa_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		a = sin6->sin6_addr.s6_addr;
		for (i = 15; i >= 0; i--) {
			snprintf(part, sizeof(part), "%c.%c.", hex[a[i] & 0xf],
			    hex[a[i] >> 4]);
			strlcat(out, part, outsz);
		}
		return strlcat(out, "ip6.arpa", outsz) < outsz ? 0 : -1;
	}
	if (sa->sa_family == AF_INET6)
		a = &sin6->sin6_addr.s6_addr[12];
	else if (sa->sa_family == AF_INET)
		a = (const void *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
	else
		return -1;
	return snprintf(out, outsz, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2],
	    a[1], a[0]) < (int)outsz ? 0 : -1;
}

/* dns_order - the hosts: order in force */
static const struct dns_conf_order *
dns_order(void)
{
	if (dns_st.order.n == 0)
		dns_conf_order_default(&dns_st.order);
	return &dns_st.order;
}

/* dns_files_answer - what /etc/hosts says to an address or PTR query */
static enum dns_status
dns_files_answer(struct dns_query *q)
{
	char	 name[HOST_MAX];

	if (q->kind == DNS_KIND_PTR) {
		if (dns_hosts_name(dns_st.hosts, (struct sockaddr *)&q->sa,
		    name, sizeof(name)) != 1)
			return DNS_NONE;
		q->name = xstrdup(name);
		q->n = 1;
		return DNS_OK;
	}
	dns_addrs_new(q);
	q->n = dns_hosts_addrs(dns_st.hosts, q->host, q->family, q->addrs,
	    DNS_ADDR_MAX);
	return q->n > 0 ? DNS_OK : DNS_NONE;
}

/* dns_query_stop - the source at q->step answered st (nss, as
 * nsswitch.conf names it): end the query if the order says so; 1 if */
static int
dns_query_stop(struct dns_query *q, enum dns_status st, enum dns_conf_nss nss)
{
	if (st == DNS_TEMPFAIL)
		q->tempfailed = 1;
	if (st != DNS_OK && !(dns_order()->step[q->step].stop &
	    DNS_CONF_NSS_BIT(nss)))
		return 0;
	dns_query_done(q, st == DNS_OK ? DNS_OK : q->tempfailed ?
	    DNS_TEMPFAIL : DNS_NONE);
	return 1;
}

/* dns_query_ask - send the query at q->step to the nameservers */
static void
dns_query_ask(struct dns_query *q)
{
	struct ares_addrinfo_hints	 hints;
	char				 name[DNS_PTR_NAME_MAX];

	q->held = 1;
	if (q->kind == DNS_KIND_PTR) {
		(void)dns_ptr_name((struct sockaddr *)&q->sa, name,
		    sizeof(name));
		ares_query(dns_st.ch, name, ns_c_in, ns_t_ptr, dns_on_ptr, q);
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = q->family;
		hints.ai_flags = ARES_AI_NOSORT;
		ares_getaddrinfo(dns_st.ch, q->host, NULL, &hints,
		    dns_on_addrinfo, q);
	}
	dns_timer_arm();
}

/* dns_query_walk - ask the sources from q->step on until one ends it;
 * DNS answers later, through dns_query_after */
static void
dns_query_walk(struct dns_query *q)
{
	const struct dns_conf_order	*o = dns_order();
	enum dns_status			 st;

	for (; q->step < o->n; q->step++) {
		if (o->step[q->step].src == DNS_CONF_DNS && dns_st.ready) {
			dns_query_ask(q);
			return;
		}
		if (o->step[q->step].src == DNS_CONF_DNS) {
			if (dns_query_stop(q, DNS_TEMPFAIL, DNS_CONF_UNAVAIL))
				return;
			continue;
		}
		st = dns_files_answer(q);
		if (dns_query_stop(q, st, st == DNS_OK ? DNS_CONF_SUCCESS :
		    DNS_CONF_NOTFOUND))
			return;
	}
	dns_query_done(q, q->tempfailed ? DNS_TEMPFAIL : DNS_NONE);
}

/* dns_query_after - DNS answered: end the query or go on walking */
static void
dns_query_after(struct dns_query *q, enum dns_status st)
{
	q->held = 0;
	if (q->cancelled) {
		dns_query_done(q, st);		/* frees it */
		return;
	}
	if (dns_query_stop(q, st, st == DNS_OK ? DNS_CONF_SUCCESS :
	    st == DNS_NONE ? DNS_CONF_NOTFOUND : DNS_CONF_TRYAGAIN))
		return;
	q->step++;
	dns_query_walk(q);
}

/* dns_addr - look up the A and/or AAAA records of a host */
struct dns_query *
dns_addr(const char *host, int family, dns_addr_cb cb, void *arg)
{
	struct dns_query	*q;

	q = dns_query_new(DNS_KIND_ADDR, arg);
	q->cb.addr = cb;
	if (!dns_name_ok(host) || (family != AF_INET && family != AF_INET6 &&
	    family != AF_UNSPEC))
		dns_query_done(q, DNS_NONE);
	else if (!dns_addr_literal(q, host, family)) {
		strlcpy(q->host, host, sizeof(q->host));
		q->family = family;
		dns_query_walk(q);
	}
	return q;
}

/* dns_ptr - look up the name of an address (IPv4-mapped ones as IPv4) */
struct dns_query *
dns_ptr(const struct sockaddr *sa, dns_name_cb cb, void *arg)
{
	struct dns_query	*q;
	char			 name[DNS_PTR_NAME_MAX];

	q = dns_query_new(DNS_KIND_PTR, arg);
	q->cb.name = cb;
	if (dns_ptr_name(sa, name, sizeof(name)) == -1)
		dns_query_done(q, DNS_NONE);
	else {
		memcpy(&q->sa, sa, sa->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		dns_query_walk(q);
	}
	return q;
}

/* dns_cancel - forget a query: its callback will never run */
void
dns_cancel(struct dns_query *q)
{
	if (q == NULL)
		return;
	if (q->held) {
		q->cancelled = 1;	/* freed when c-ares lets it go */
		return;
	}
	dns_query_free(q);
}
