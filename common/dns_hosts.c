/*
 * dns_hosts.c - the hosts(5) table: a pure parser, and lookups by name
 * and by address through two indexes sorted once, so that a large file
 * costs one binary search per lookup.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "defs.h"
#include "dns_hosts.h"
#include "xmalloc.h"

#define DNS_HOSTS_BLANKS	" \t\r\f\v"

/* an address as the table keys it */
struct dns_hosts_ip {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];	/* IPv4 in the first 4 octets */
};

/* one name of one line */
struct dns_hosts_entry {
	struct dns_hosts_ip	 ip;
	int			 canonical;	/* the first name of its line */
	char			*name;
};

struct dns_hosts {
	struct dns_hosts_entry	 *e;		/* in file order */
	size_t			  n;
	size_t			  cap;
	struct dns_hosts_entry	**byname;	/* by name, then file order */
	struct dns_hosts_entry	**byaddr;	/* canonical names by address,
						   then file order */
	size_t			  naddr;
};

typedef int (*dns_hosts_cmp_fn)(const struct dns_hosts_entry *, const void *);

/* dns_hosts_name_ok - a host name: LDH and '_' (ASCII), bounded */
int
dns_hosts_name_ok(const char *name, size_t len)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < len; i++) {
		c = name[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_')
			return 0;
	}
	return len > 0 && len < HOST_MAX;
}

/* dns_hosts_ip_parse - the address of a hosts line; 0, or -1 if none */
static int
dns_hosts_ip_parse(const char *text, struct dns_hosts_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, text, ip->addr) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, text, ip->addr) == 1)
		ip->family = AF_INET6;
	else
		return -1;
	return 0;
}

/* dns_hosts_ip_of - the key of a socket address (IPv4-mapped as IPv4) */
static int
dns_hosts_ip_of(const struct sockaddr *sa, struct dns_hosts_ip *ip)
{
	const struct sockaddr_in6	*sin6 = (const void *)sa;
	const struct sockaddr_in	*sin = (const void *)sa;

	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	if (sa->sa_family == AF_INET)
		memcpy(ip->addr, &sin->sin_addr, 4);
	else if (sa->sa_family != AF_INET6)
		return -1;
	else if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		memcpy(ip->addr, &sin6->sin6_addr.s6_addr[12], 4);
	else {
		ip->family = AF_INET6;
		memcpy(ip->addr, &sin6->sin6_addr, 16);
	}
	return 0;
}

/* dns_hosts_sockaddr - the socket address (port 0) of a key */
static void
dns_hosts_sockaddr(const struct dns_hosts_ip *ip, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ip->addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ip->addr, 16);
	}
}

/* dns_hosts_add - one name of a line; 0, or -1 if it cannot be kept */
static int
dns_hosts_add(struct dns_hosts *h, const struct dns_hosts_ip *ip,
    const char *name, int canonical)
{
	struct dns_hosts_entry	*e;
	size_t			 len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (!dns_hosts_name_ok(name, len) || h->n == DNS_HOSTS_NAMES_MAX)
		return -1;
	if (h->n == h->cap) {
		h->cap = h->cap > 0 ? h->cap * 2 : 16;
		h->e = xreallocarray(h->e, h->cap, sizeof(*h->e));
	}
	e = &h->e[h->n++];
	e->ip = *ip;
	e->canonical = canonical;
	e->name = xstrndup(name, len);
	return 0;
}

/* dns_hosts_line - the names of one line (NUL-terminated, no LF) */
static void
dns_hosts_line(struct dns_hosts *h, char *line, size_t *skipped)
{
	struct dns_hosts_ip	 ip;
	char			*tok, *last, *hash;
	int			 first = 1;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	if ((tok = strtok_r(line, DNS_HOSTS_BLANKS, &last)) == NULL)
		return;				/* blank, or a comment */
	if (dns_hosts_ip_parse(tok, &ip) == -1) {
		(*skipped)++;
		return;
	}
	while ((tok = strtok_r(NULL, DNS_HOSTS_BLANKS, &last)) != NULL) {
		if (dns_hosts_add(h, &ip, tok, first) == -1)
			(*skipped)++;
		else
			first = 0;
	}
	if (first)
		(*skipped)++;			/* no usable name */
}

/* dns_hosts_ip_cmp - order an entry against an address key */
static int
dns_hosts_ip_cmp(const struct dns_hosts_entry *e, const void *key)
{
	const struct dns_hosts_ip	*ip = key;

	if (e->ip.family != ip->family)
		return e->ip.family < ip->family ? -1 : 1;
	return memcmp(e->ip.addr, ip->addr, sizeof(ip->addr));
}

/* dns_hosts_name_cmp - order an entry against a name key */
static int
dns_hosts_name_cmp(const struct dns_hosts_entry *e, const void *key)
{
	return strcasecmp(e->name, key);
}

/* dns_hosts_sort_addr - qsort: by address, then in file order */
static int
dns_hosts_sort_addr(const void *a, const void *b)
{
	const struct dns_hosts_entry	*x, *y;
	int				 c;

	x = *(struct dns_hosts_entry *const *)a;
	y = *(struct dns_hosts_entry *const *)b;
	if ((c = dns_hosts_ip_cmp(x, &y->ip)) != 0)
		return c;
	return x < y ? -1 : x > y;
}

/* dns_hosts_sort_name - qsort: by name, then in file order */
static int
dns_hosts_sort_name(const void *a, const void *b)
{
	const struct dns_hosts_entry	*x, *y;
	int				 c;

	x = *(struct dns_hosts_entry *const *)a;
	y = *(struct dns_hosts_entry *const *)b;
	if ((c = dns_hosts_name_cmp(x, y->name)) != 0)
		return c;
	return x < y ? -1 : x > y;
}

/* dns_hosts_index - sort the lookup indexes once the file is read */
static void
dns_hosts_index(struct dns_hosts *h)
{
	size_t	 i;

	h->byname = xcalloc(h->n + 1, sizeof(*h->byname));
	h->byaddr = xcalloc(h->n + 1, sizeof(*h->byaddr));
	for (i = 0; i < h->n; i++) {
		h->byname[i] = &h->e[i];
		if (h->e[i].canonical)
			h->byaddr[h->naddr++] = &h->e[i];
	}
	qsort(h->byname, h->n, sizeof(*h->byname), dns_hosts_sort_name);
	qsort(h->byaddr, h->naddr, sizeof(*h->byaddr), dns_hosts_sort_addr);
}

/* dns_hosts_parse - the table of the text of a hosts file */
struct dns_hosts *
dns_hosts_parse(const char *text, size_t len, size_t *skipped)
{
	struct dns_hosts	*h;
	char			 line[DNS_HOSTS_LINE_MAX + 1];
	const char		*nl;
	size_t			 off = 0, n;

	h = xcalloc(1, sizeof(*h));
	*skipped = 0;
	while (off < len) {
		nl = memchr(text + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		if (n > DNS_HOSTS_LINE_MAX || memchr(text + off, '\0', n))
			(*skipped)++;
		else {
			memcpy(line, text + off, n);
			line[n] = '\0';
			dns_hosts_line(h, line, skipped);
		}
		off += n + 1;
	}
	dns_hosts_index(h);
	return h;
}

/* dns_hosts_free - release a table */
void
dns_hosts_free(struct dns_hosts *h)
{
	size_t	 i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		free(h->e[i].name);
	free(h->e);
	free(h->byname);
	free(h->byaddr);
	free(h);
}

/* dns_hosts_count - the names the table holds */
size_t
dns_hosts_count(const struct dns_hosts *h)
{
	return h != NULL ? h->n : 0;
}

/* dns_hosts_lower - the first index whose entry is not below key */
static size_t
dns_hosts_lower(struct dns_hosts_entry *const *v, size_t n, const void *key,
    dns_hosts_cmp_fn cmp)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cmp(v[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* dns_hosts_name - the canonical name of the first line of an address */
int
dns_hosts_name(const struct dns_hosts *h, const struct sockaddr *sa,
    char *name, size_t namesz)
{
	struct dns_hosts_ip	 ip;
	size_t			 i;

	if (h == NULL || dns_hosts_ip_of(sa, &ip) == -1)
		return 0;
	i = dns_hosts_lower(h->byaddr, h->naddr, &ip, dns_hosts_ip_cmp);
	if (i == h->naddr || dns_hosts_ip_cmp(h->byaddr[i], &ip) != 0)
		return 0;
	return strlcpy(name, h->byaddr[i]->name, namesz) < namesz;
}

/* dns_hosts_seen - the address is among the first n of out already */
static int
dns_hosts_seen(const struct sockaddr_storage *out, size_t n,
    const struct sockaddr_storage *ss)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (memcmp(&out[i], ss, sizeof(*ss)) == 0)
			return 1;
	return 0;
}

/* dns_hosts_addrs - the addresses of every line naming name */
size_t
dns_hosts_addrs(const struct dns_hosts *h, const char *name, int family,
    struct sockaddr_storage *out, size_t max)
{
	const struct dns_hosts_entry	*e;
	char				 key[HOST_MAX];
	size_t				 i, n = 0, len;

	if (h == NULL || (len = strlen(name)) == 0 || len >= sizeof(key))
		return 0;
	memcpy(key, name, len + 1);
	if (key[len - 1] == '.')
		key[len - 1] = '\0';
	i = dns_hosts_lower(h->byname, h->n, key, dns_hosts_name_cmp);
	for (; i < h->n && n < max; i++) {
		e = h->byname[i];
		if (dns_hosts_name_cmp(e, key) != 0)
			break;
		if (family != AF_UNSPEC && family != e->ip.family)
			continue;
		dns_hosts_sockaddr(&e->ip, &out[n]);
		if (!dns_hosts_seen(out, n, &out[n]))
			n++;
	}
	return n;
}
