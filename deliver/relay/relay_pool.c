/*
 * relay_pool.c - connections kept open between transactions.  A session
 * whose transaction ended cleanly waits here, idle, for the next job
 * to the same route: the same action (TLS, auth, helo, src), address
 * and port, host name (the name TLS verifies) and, when the
 * credentials are looked up by domain, the same domain.  At most
 * RELAY_POOL_ROUTE_MAX sessions wait per route and RELAY_POOL_MAX in
 * all; a session waits RELAY_POOL_IDLE seconds at most (the session's
 * own timer, relay_session.c).  The newest idle session is taken
 * first, so the oldest time out when the load falls.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "relay.h"
#include "xmalloc.h"

struct relay_pool_entry {
	TAILQ_ENTRY(relay_pool_entry)	 entry;
	struct relay_pool_key		 key;
	struct relay_session		*s;
};

struct relay_pool {
	TAILQ_HEAD(, relay_pool_entry)	 idle;	/* newest first */
	size_t				 n;
};

/* relay_pool_new - an empty pool */
struct relay_pool *
relay_pool_new(void)
{
	struct relay_pool	*p;

	p = xcalloc(1, sizeof(*p));
	TAILQ_INIT(&p->idle);
	return p;
}

/* relay_pool_key - the route a job takes through one address */
void
relay_pool_key(const struct relay_job *job, const struct relay_hop *hop,
    struct relay_pool_key *k)
{
	const struct cfg_action	*a = job->action;

	memset(k, 0, sizeof(*k));
	k->action = a;
	k->ss = hop->ss;
	(void)strlcpy(k->name, hop->name, sizeof(k->name));
	if (a->auth != NULL && !a->has_host)
		(void)strlcpy(k->domain, job->domain, sizeof(k->domain));
}

/* relay_pool_addr_same - the same address and port */
static int
relay_pool_addr_same(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in	*b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6	*a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6	*b6 = (const struct sockaddr_in6 *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

/* relay_pool_same - two keys name the same route */
static int
relay_pool_same(const struct relay_pool_key *a, const struct relay_pool_key *b)
{
	return a->action == b->action && relay_pool_addr_same(&a->ss, &b->ss) &&
	    strcmp(a->name, b->name) == 0 && strcmp(a->domain, b->domain) == 0;
}

/* relay_pool_take - an idle session of the route, out of the pool; NULL */
struct relay_session *
relay_pool_take(struct relay_pool *p, const struct relay_pool_key *k)
{
	struct relay_pool_entry	*e;
	struct relay_session	*s;

	TAILQ_FOREACH(e, &p->idle, entry)
		if (relay_pool_same(&e->key, k))
			break;
	if (e == NULL)
		return NULL;
	s = e->s;
	TAILQ_REMOVE(&p->idle, e, entry);
	p->n--;
	free(e);
	return s;
}

/*
 * relay_pool_park - keep an idle session for its route; -1 when the
 * route or the pool has as many as it may
 */
int
relay_pool_park(struct relay_pool *p, const struct relay_pool_key *k,
    struct relay_session *s)
{
	struct relay_pool_entry	*e;
	size_t			 n = 0;

	if (p->n >= RELAY_POOL_MAX)
		return -1;
	TAILQ_FOREACH(e, &p->idle, entry)
		if (relay_pool_same(&e->key, k) && ++n >= RELAY_POOL_ROUTE_MAX)
			return -1;
	e = xcalloc(1, sizeof(*e));
	e->key = *k;
	e->s = s;
	TAILQ_INSERT_HEAD(&p->idle, e, entry);
	p->n++;
	return 0;
}

/* relay_pool_drop - forget an idle session (closed, timed out) */
void
relay_pool_drop(struct relay_pool *p, const struct relay_session *s)
{
	struct relay_pool_entry	*e;

	TAILQ_FOREACH(e, &p->idle, entry)
		if (e->s == s)
			break;
	if (e == NULL)
		return;
	TAILQ_REMOVE(&p->idle, e, entry);
	p->n--;
	free(e);
}

/* relay_pool_count - idle sessions, in all or of a route (k not NULL) */
size_t
relay_pool_count(const struct relay_pool *p, const struct relay_pool_key *k)
{
	const struct relay_pool_entry	*e;
	size_t				 n = 0;

	if (k == NULL)
		return p->n;
	TAILQ_FOREACH(e, &p->idle, entry)
		if (relay_pool_same(&e->key, k))
			n++;
	return n;
}
