/*
 * relay_mx.c - where a relay job goes: the action's `host` (an address
 * literal, or a name resolved to its A/AAAA records) or the MX records
 * of the recipient's domain, tried in preference order, each MX's
 * addresses in turn (no MX: the domain's own addresses; a null MX: the
 * domain takes no mail).  `backup` keeps only the MX strictly better
 * than our own.  A route hands out one address at a time and always
 * answers from the event loop, never from inside the call.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "cfg.h"
#include "dns.h"
#include "ev.h"
#include "log.h"
#include "relay.h"
#include "xmalloc.h"

/* relay_mx_port - the port of an action's next hop */
int
relay_mx_port(const struct cfg_action *a)
{
	if (!a->has_host)
		return CFG_PORT_SMTP;
	if (a->host.port != 0)
		return a->host.port;
	switch (a->host.scheme) {
	case CFG_RELAY_SMTPS:
		return CFG_PORT_SMTPS;
	case CFG_RELAY_LMTP:
		return CFG_PORT_LMTP;
	default:
		return CFG_PORT_SMTP;
	}
}

/*
 * relay_mx_literal - an address literal ("192.0.2.1", "[192.0.2.1]",
 * "2001:db8::1", "[IPv6:2001:db8::1]") with port; 1 if it is one, else 0
 */
int
relay_mx_literal(const char *host, int port, struct sockaddr_storage *ss)
{
	char			 buf[HOST_MAX];
	const char		*p = host;
	size_t			 len;
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	len = strlen(p);
	if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
		p++;
		len -= 2;
		if (len > 5 && strncasecmp(p, "IPv6:", 5) == 0) {
			p += 5;
			len -= 5;
		}
	}
	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, p, len);
	buf[len] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return 1;
	}
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return 1;
	}
	return 0;
}

/* relay_mx_same - two host names equal, case and a final dot aside */
static int
relay_mx_same(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/*
 * relay_mx_select - the MX records worth trying, in the given order:
 * a lone "." is a null MX (RFC 7505), other "." records are skipped;
 * with backup, only those strictly better than self's own preference
 * (all of them when self is not listed), never self
 */
enum relay_mx_verdict
relay_mx_select(const struct dns_mx *in, size_t n, int backup,
    const char *self, struct dns_mx *out, size_t *nout)
{
	unsigned int	limit = ~0U;
	size_t		i, k = 0, real = 0;

	for (i = 0; i < n; i++)
		if (strcmp(in[i].host, ".") != 0 && in[i].host[0] != '\0')
			real++;
	if (n > 0 && real == 0)
		return RELAY_MX_NULL;
	for (i = 0; backup && i < n; i++)
		if (relay_mx_same(in[i].host, self) && in[i].pref < limit)
			limit = in[i].pref;
	for (i = 0; i < n; i++) {
		if (strcmp(in[i].host, ".") == 0 || in[i].host[0] == '\0')
			continue;
		if (backup && (in[i].pref >= limit ||
		    relay_mx_same(in[i].host, self)))
			continue;
		out[k++] = in[i];
	}
	*nout = k;
	return k == 0 && backup ? RELAY_MX_SELF : RELAY_MX_OK;
}

/* relay_mx_addrstr - the printable address of a hop */
const char *
relay_mx_addrstr(const struct sockaddr_storage *ss, char *buf, size_t bufsz)
{
	const void	*a;

	if (ss->ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)bufsz) == NULL)
		(void)strlcpy(buf, "?", bufsz);
	return buf;
}
