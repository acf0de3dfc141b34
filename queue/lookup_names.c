/*
 * lookup_names.c - the names "for local" accepts: localhost, this
 * host's name and canonical name, the listeners' hostnames, and the
 * address literals of its interfaces.  Computed once at start.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cfg.h"
#include "lookup.h"
#include "xmalloc.h"

/* lookup_names_add - one more local name, lower case, no duplicates */
static void
lookup_names_add(char ***v, size_t *n, const char *name)
{
	size_t	i;

	if (*name == '\0')
		return;
	for (i = 0; i < *n; i++)
		if (strcasecmp((*v)[i], name) == 0)
			return;
	*v = xreallocarray(*v, *n + 2, sizeof(**v));
	(*v)[(*n)++] = xstrdup(name);
	(*v)[*n] = NULL;
}

/* lookup_names_addrs - the literals of this host's addresses */
static void
lookup_names_addrs(char ***v, size_t *n)
{
	struct ifaddrs	*ifa, *i;
	char		 a[INET6_ADDRSTRLEN], lit[INET6_ADDRSTRLEN + 8];
	const void	*p;

	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			p = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			p = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, p, a, sizeof(a)) == NULL)
			continue;
		snprintf(lit, sizeof(lit), "[%s%s]", i->ifa_addr->sa_family ==
		    AF_INET6 ? "IPv6:" : "", a);
		lookup_names_add(v, n, lit);
	}
	freeifaddrs(ifa);
}

/* lookup_names_local - every name "for local" accepts (NULL-ended) */
char **
lookup_names_local(const struct cfg *cfg)
{
	const struct cfg_listener	*ls;
	struct addrinfo			 hints, *res;
	char				 host[HOST_MAX], **v = NULL;
	size_t				 n = 0;

	lookup_names_add(&v, &n, "localhost");
	lookup_names_add(&v, &n, "localhost.localdomain");
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		lookup_names_add(&v, &n, host);
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_CANONNAME;
		if (getaddrinfo(host, NULL, &hints, &res) == 0) {
			if (res->ai_canonname != NULL)
				lookup_names_add(&v, &n, res->ai_canonname);
			freeaddrinfo(res);
		}
	}
	TAILQ_FOREACH(ls, &cfg->listeners, entry)
		lookup_names_add(&v, &n, ls->hostname);
	lookup_names_addrs(&v, &n);
	return v;
}
