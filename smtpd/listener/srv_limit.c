/*
 * srv_limit.c - the budgets that keep one client from taking every
 * session: concurrent sessions and new sessions per minute of one
 * address (smtp limit max-sessions-per-address, session-rate; clients
 * on loopback are exempt, as Postfix exempts mynetworks), the local
 * enqueuer's sessions counted apart from the network's, and each
 * session's deadline.
 *
 * A deadline is not moved by single bytes, only by progress: a command
 * line must be whole within the command time-out of the previous one,
 * and a message's data must keep up SRV_DATA_MIN_RATE octets a second on
 * top of the data time-out; a client that trickles bytes to hold its
 * slot is answered 421 by the sweep, which runs every SRV_SWEEP seconds
 * and also forgets addresses with no session and no recent connection.
 * Time is the monotonic clock's, so a clock step moves no deadline.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "srv.h"
#include "xmalloc.h"

#define SRV_SWEEP		5	/* seconds between deadline sweeps */
#define SRV_RATE_WINDOW		60	/* session-rate counts per minute */

struct srv_limit_addr {
	RB_ENTRY(srv_limit_addr)	 node;
	unsigned int			 sessions;	/* open now */
	unsigned int			 recent;	/* started this window */
	time_t				 window;	/* its start */
	char				 key[INET6_ADDRSTRLEN];
};

RB_HEAD(srv_limit_tree, srv_limit_addr);

/* srv_limit_cmp - order of the address tree */
static int
srv_limit_cmp(const struct srv_limit_addr *a, const struct srv_limit_addr *b)
{
	return strcmp(a->key, b->key);
}

RB_PROTOTYPE(srv_limit_tree, srv_limit_addr, node, srv_limit_cmp);
RB_GENERATE(srv_limit_tree, srv_limit_addr, node, srv_limit_cmp);

static struct srv_limit_tree	 srv_limit_addrs =
    RB_INITIALIZER(&srv_limit_addrs);
static size_t			 srv_limit_naddrs;

/* srv_limit_now - seconds of the monotonic clock */
time_t
srv_limit_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* srv_limit_key - the numeric address a budget is kept for; -1 if none */
static int
srv_limit_key(const struct sockaddr *sa, char *key, size_t keysz)
{
	const struct sockaddr_in6	*sin6;
	const void			*a;
	int				 af = sa->sa_family;

	if (af == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (af == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a = &sin6->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			af = AF_INET;
			a = &sin6->sin6_addr.s6_addr[12];
		}
	} else
		return -1;
	return inet_ntop(af, a, key, keysz) == NULL ? -1 : 0;
}

/*
 * srv_limit_loopback - whether a client is this host over loopback,
 * exempt from the per-address limits as Postfix exempts mynetworks
 */
static int
srv_limit_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in6	*sin6;
	const struct sockaddr_in	*sin;

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	sin6 = (const struct sockaddr_in6 *)(const void *)sa;
	return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
	    (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
	    sin6->sin6_addr.s6_addr[12] == 127);
}

/* srv_limit_get - the budget of an address, made when first seen */
static struct srv_limit_addr *
srv_limit_get(const char *key, time_t now)
{
	struct srv_limit_addr	 find, *a;

	strlcpy(find.key, key, sizeof(find.key));
	if ((a = RB_FIND(srv_limit_tree, &srv_limit_addrs, &find)) != NULL)
		return a;
	a = xcalloc(1, sizeof(*a));
	strlcpy(a->key, key, sizeof(a->key));
	a->window = now;
	RB_INSERT(srv_limit_tree, &srv_limit_addrs, a);
	srv_limit_naddrs++;
	return a;
}

/* srv_limit_forget - drop an address's budget */
static void
srv_limit_forget(struct srv_limit_addr *a)
{
	RB_REMOVE(srv_limit_tree, &srv_limit_addrs, a);
	srv_limit_naddrs--;
	free(a);
}

/*
 * srv_limit_network - the budget of a network client; NULL and err set
 * when over one (the session is not started)
 */
static struct srv_limit_addr *
srv_limit_network(struct srv *s, const char *key, char *err,
    size_t errsz)
{
	const struct cfg_smtp	*c = &s->env->cfg->smtp;
	struct srv_limit_addr	*a;
	time_t			 now = srv_limit_now();

	a = srv_limit_get(key, now);
	if (now - a->window >= SRV_RATE_WINDOW) {
		a->window = now;
		a->recent = 0;
	}
	if (a->sessions >= (unsigned int)c->max_sessions_per_address)
		strlcpy(err, "max-sessions-per-address", errsz);
	else if (c->session_rate > 0 &&
	    a->recent >= (unsigned int)c->session_rate)
		strlcpy(err, "session-rate", errsz);
	else {
		a->sessions++;
		a->recent++;
		return a;
	}
	if (a->sessions == 0 && a->recent == 0)
		srv_limit_forget(a);
	return NULL;
}

/*
 * srv_limit_admit - whether a new connection may have a session: 0 and
 * *ap set (NULL for the local socket), or -1 with the limit's name in
 * err
 */
int
srv_limit_admit(struct srv *s, const struct srv_listener *l,
    const struct sockaddr *sa, struct srv_limit_addr **ap, char *err,
    size_t errsz)
{
	char	key[INET6_ADDRSTRLEN];

	*ap = NULL;
	if (l->flags & IPC_LSN_LOCAL) {
		if (s->local_current >= SRV_LOCAL_MAX) {
			strlcpy(err, "local-sessions", errsz);
			return -1;
		}
		s->local_current++;
		return 0;
	}
	if (srv_limit_key(sa, key, sizeof(key)) == -1)
		strlcpy(key, "unknown", sizeof(key));
	if (s->net_current >= (unsigned int)s->env->cfg->smtp.max_sessions) {
		strlcpy(err, "max-sessions", errsz);
		return -1;
	}
	if (!srv_limit_loopback(sa) &&
	    (*ap = srv_limit_network(s, key, err, errsz)) == NULL)
		return -1;
	s->net_current++;
	return 0;
}

/* srv_limit_release - a session admitted by srv_limit_admit ended */
void
srv_limit_release(struct srv *s, struct srv_session *ss)
{
	struct srv_limit_addr	*a = ss->limit;

	ss->limit = NULL;
	if (ss->flags & SRV_F_LOCAL) {
		if (s->local_current > 0)
			s->local_current--;
		return;
	}
	if (s->net_current > 0)
		s->net_current--;
	if (a == NULL)
		return;
	if (a->sessions > 0)
		a->sessions--;
	if (a->sessions == 0 && (s->env->cfg->smtp.session_rate == 0 ||
	    srv_limit_now() - a->window >= SRV_RATE_WINDOW))
		srv_limit_forget(a);
}

/* srv_limit_data - a message's data advanced: the deadline moves with it */
void
srv_limit_data(struct srv_session *ss, uint64_t octets)
{
	ss->deadline = ss->data_start + ss->srv->timeout_data +
	    (time_t)(octets / SRV_DATA_MIN_RATE);
}

/* srv_limit_sweep_addrs - forget addresses whose minute is over */
static void
srv_limit_sweep_addrs(time_t now)
{
	struct srv_limit_addr	*a, *tmp;

	RB_FOREACH_SAFE(a, srv_limit_tree, &srv_limit_addrs, tmp)
		if (a->sessions == 0 && now - a->window >= SRV_RATE_WINDOW)
			srv_limit_forget(a);
}

/* srv_limit_on_sweep - 421 to every session past its deadline */
static void
srv_limit_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct srv		*s = arg;
	struct srv_session	*ss, *tmp;
	time_t			 now = srv_limit_now();

	(void)fd;
	(void)what;
	TAILQ_FOREACH_SAFE(ss, &s->sessions, entry, tmp) {
		if (ss->deadline == 0 || now <= ss->deadline ||
		    ss->input == SRV_IN_WAIT ||
		    (ss->flags & SRV_F_CLOSING))
			continue;
		log_info("%016llx smtp event=timeout reason=deadline "
		    "src=%s input=%d", (unsigned long long)ss->id, ss->src,
		    (int)ss->input);
		srv_session_timeout(ss);
	}
	srv_limit_sweep_addrs(now);
}

/*
 * srv_limit_start - sweep sessions and addresses every SRV_SWEEP seconds,
 * or as often as the shortest time-out if that is shorter
 */
void
srv_limit_start(struct srv *s)
{
	struct timeval	 tv = { SRV_SWEEP, 0 };
	struct event	*ev;

	if (s->timeout_cmd < tv.tv_sec)
		tv.tv_sec = s->timeout_cmd;
	if (s->timeout_data < tv.tv_sec)
		tv.tv_sec = s->timeout_data;

	ev = event_new(ev_base(), -1, EV_PERSIST, srv_limit_on_sweep, s);
	if (ev == NULL || event_add(ev, &tv) == -1)
		fatalx("srv_limit_start: cannot make the sweep timer");
	s->sweep = ev;
}

/* srv_limit_addresses - how many addresses have a budget (for tests) */
size_t
srv_limit_addresses(void)
{
	return srv_limit_naddrs;
}
