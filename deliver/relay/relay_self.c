/*
 * relay_self.c - the addresses this daemon listens on, gathered from the
 * configuration before the chroot: literal addresses and names as they
 * resolve ("localhost" too), interfaces by their addresses, and for
 * "any" every loopback address at the port (a socket bound to the
 * wildcard answers on all of 127.0.0.0/8) besides the interfaces'.
 * relay_self_match() is a pure comparison of address and port.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <ifaddrs.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "relay_self.h"
#include "xmalloc.h"

#define RELAY_SELF_MAX	256	/* addresses remembered at most */

struct relay_self_addr {
	int		family;		/* AF_INET, AF_INET6, or 0: loopback */
	unsigned char	addr[16];
	int		port;
};

struct relay_self {
	struct relay_self_addr	a[RELAY_SELF_MAX];
	size_t			n;
};

/* relay_self_key - family, address octets and port of sa; -1 if neither */
static int
relay_self_key(const struct sockaddr *sa, struct relay_self_addr *k)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	memset(k, 0, sizeof(*k));
	if (sa->sa_family == AF_INET) {
		k->family = AF_INET;
		memcpy(k->addr, &sin->sin_addr, 4);
		k->port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	k->port = ntohs(sin6->sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		k->family = AF_INET;
		memcpy(k->addr, &sin6->sin6_addr.s6_addr[12], 4);
	} else {
		k->family = AF_INET6;
		memcpy(k->addr, &sin6->sin6_addr, 16);
	}
	return 0;
}

/* relay_self_loopback - the address of k is a loopback address */
static int
relay_self_loopback(const struct relay_self_addr *k)
{
	static const unsigned char	one6[16] = { [15] = 1 };

	if (k->family == AF_INET)
		return k->addr[0] == 127;
	return memcmp(k->addr, one6, 16) == 0;
}

/* relay_self_push - remember one entry; -1 when full */
static int
relay_self_push(struct relay_self *s, const struct relay_self_addr *k)
{
	if (s->n == RELAY_SELF_MAX)
		return -1;
	s->a[s->n++] = *k;
	return 0;
}

/* relay_self_add - sa (its port replaced by port) is ours */
int
relay_self_add(struct relay_self *s, const struct sockaddr *sa, int port)
{
	struct relay_self_addr	k;

	if (relay_self_key(sa, &k) == -1)
		return 0;
	k.port = port;
	return relay_self_push(s, &k);
}

/* relay_self_add_loopback - every loopback address at port is ours */
int
relay_self_add_loopback(struct relay_self *s, int port)
{
	struct relay_self_addr	k;

	memset(&k, 0, sizeof(k));
	k.port = port;
	return relay_self_push(s, &k);
}

/* relay_self_match - connecting to sa would reach this daemon */
int
relay_self_match(const struct relay_self *s, const struct sockaddr *sa)
{
	struct relay_self_addr	k;
	size_t			i;
	size_t			alen;

	if (s == NULL || relay_self_key(sa, &k) == -1)
		return 0;
	alen = k.family == AF_INET ? 4 : 16;
	for (i = 0; i < s->n; i++) {
		if (s->a[i].port != k.port)
			continue;
		if (s->a[i].family == 0 ? relay_self_loopback(&k) :
		    s->a[i].family == k.family &&
		    memcmp(s->a[i].addr, k.addr, alen) == 0)
			return 1;
	}
	return 0;
}

/* relay_self_ifaces - the addresses of interface name (NULL: all) */
static void
relay_self_ifaces(struct relay_self *s, const char *name, int port)
{
	struct ifaddrs	*ifap, *ifa;

	if (getifaddrs(&ifap) == -1)
		return;
	for (ifa = ifap; ifa != NULL; ifa = ifa->ifa_next)
		if (ifa->ifa_addr != NULL &&
		    (name == NULL || strcmp(ifa->ifa_name, name) == 0))
			(void)relay_self_add(s, ifa->ifa_addr, port);
	freeifaddrs(ifap);
}

/* relay_self_host - the addresses a literal or a name resolves to */
static void
relay_self_host(struct relay_self *s, const char *host, int port)
{
	struct addrinfo	 hints, *res, *ai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		(void)relay_self_add(s, ai->ai_addr, port);
	freeaddrinfo(res);
}

/* relay_self_new_empty - no address yet */
struct relay_self *
relay_self_new_empty(void)
{
	return xcalloc(1, sizeof(struct relay_self));
}

/* relay_self_new - the listening addresses of cfg's TCP listeners */
struct relay_self *
relay_self_new(const struct cfg *cfg)
{
	const struct cfg_listener	*l;
	struct relay_self		*s;

	s = relay_self_new_empty();
	TAILQ_FOREACH(l, &cfg->listeners, entry) {
		if (l->is_socket)
			continue;
		if (strcmp(l->addr, "any") == 0) {
			(void)relay_self_add_loopback(s, l->port);
			relay_self_ifaces(s, NULL, l->port);
		} else if (strcmp(l->addr, "localhost") == 0)
			relay_self_host(s, "localhost", l->port);
		else {
			relay_self_ifaces(s, l->addr, l->port);
			relay_self_host(s, l->addr, l->port);
		}
	}
	return s;
}

/* relay_self_free - forget the addresses */
void
relay_self_free(struct relay_self *s)
{
	free(s);
}
