/*
 * t_relay_pool.c - the idle connections kept between transactions:
 * found again only by their exact route (action, address and port,
 * host name, domain when credentials go by domain), the newest first,
 * at most RELAY_POOL_ROUTE_MAX per route and RELAY_POOL_MAX in all.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "cfg.h"
#include "../../../deliver/relay/relay.h"

/* t_key - the route of a job for domain through ip:port named name */
static void
t_key(const struct cfg_action *a, const char *domain, const char *ip,
    int port, const char *name, struct relay_pool_key *k)
{
	struct relay_job	 job;
	struct relay_hop	 hop;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&hop.ss;

	memset(&job, 0, sizeof(job));
	memset(&hop, 0, sizeof(hop));
	job.action = a;
	strlcpy(job.domain, domain, sizeof(job.domain));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
	strlcpy(hop.name, name, sizeof(hop.name));
	relay_pool_key(&job, &hop, k);
}

/* t_s - a stand-in for session n (the pool never looks inside) */
#define t_s(n)	((struct relay_session *)(uintptr_t)(0x1000 + (n)))

ATF_TC_WITHOUT_HEAD(relay_pool_route_match);
ATF_TC_BODY(relay_pool_route_match, tc)
{
	struct cfg_action	a, b, auth;
	struct cfg_table	t;
	struct relay_pool	*p = relay_pool_new();
	struct relay_pool_key	k, other;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&auth, 0, sizeof(auth));
	auth.auth = &t;
	t_key(&a, "b.test", "192.0.2.1", 25, "mx.b.test", &k);
	ATF_REQUIRE_EQ(relay_pool_park(p, &k, t_s(1)), 0);
	/* another action, port, address or name is another route */
	t_key(&b, "b.test", "192.0.2.1", 25, "mx.b.test", &other);
	ATF_CHECK(relay_pool_take(p, &other) == NULL);
	t_key(&a, "b.test", "192.0.2.1", 587, "mx.b.test", &other);
	ATF_CHECK(relay_pool_take(p, &other) == NULL);
	t_key(&a, "b.test", "192.0.2.2", 25, "mx.b.test", &other);
	ATF_CHECK(relay_pool_take(p, &other) == NULL);
	t_key(&a, "b.test", "192.0.2.1", 25, "mx2.b.test", &other);
	ATF_CHECK(relay_pool_take(p, &other) == NULL);
	/* the domain counts only when the credentials go by domain */
	t_key(&a, "c.test", "192.0.2.1", 25, "mx.b.test", &other);
	ATF_CHECK(relay_pool_take(p, &other) == t_s(1));
	t_key(&auth, "b.test", "192.0.2.1", 25, "mx.b.test", &k);
	t_key(&auth, "c.test", "192.0.2.1", 25, "mx.b.test", &other);
	ATF_REQUIRE_EQ(relay_pool_park(p, &k, t_s(2)), 0);
	ATF_CHECK(relay_pool_take(p, &other) == NULL);
	ATF_CHECK(relay_pool_take(p, &k) == t_s(2));
	ATF_CHECK_EQ(relay_pool_count(p, NULL), 0);
}

ATF_TC_WITHOUT_HEAD(relay_pool_limits);
ATF_TC_BODY(relay_pool_limits, tc)
{
	struct cfg_action	a;
	struct relay_pool	*p = relay_pool_new();
	struct relay_pool_key	k;
	int			i;

	memset(&a, 0, sizeof(a));
	t_key(&a, "b.test", "192.0.2.1", 25, "mx.b.test", &k);
	for (i = 0; i < RELAY_POOL_ROUTE_MAX; i++)
		ATF_REQUIRE_EQ(relay_pool_park(p, &k, t_s(i)), 0);
	ATF_CHECK_EQ(relay_pool_park(p, &k, t_s(99)), -1);
	ATF_CHECK_EQ(relay_pool_count(p, &k), RELAY_POOL_ROUTE_MAX);
	/* the newest first; a dropped one is gone */
	ATF_CHECK(relay_pool_take(p, &k) == t_s(RELAY_POOL_ROUTE_MAX - 1));
	relay_pool_drop(p, t_s(RELAY_POOL_ROUTE_MAX - 2));
	ATF_CHECK(relay_pool_take(p, &k) == t_s(RELAY_POOL_ROUTE_MAX - 3));
	ATF_CHECK_EQ(relay_pool_count(p, &k), RELAY_POOL_ROUTE_MAX - 3);
	/* in all: other routes fill the pool up to its limit */
	for (i = 0; relay_pool_count(p, NULL) < RELAY_POOL_MAX; i++) {
		t_key(&a, "b.test", "192.0.2.9", 1000 + i, "mx.b.test", &k);
		ATF_REQUIRE_EQ(relay_pool_park(p, &k, t_s(100 + i)), 0);
	}
	t_key(&a, "b.test", "192.0.2.10", 25, "mx.b.test", &k);
	ATF_CHECK_EQ(relay_pool_park(p, &k, t_s(999)), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, relay_pool_route_match);
	ATF_TP_ADD_TC(tp, relay_pool_limits);
	return atf_no_error();
}
