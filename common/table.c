/*
 * table.c - the registry of table backends and the lookup kinds.
 *
 * A lookup lowers the key, asks the backend for the exact key or walks
 * the entries (netaddr, source, mailaddr), then reads the value the way
 * the kind says.  The pure parsers and matchers of the kinds follow.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "table.h"
#include "xmalloc.h"

struct table {
	char				 name[NAME_MAX_CFG];
	const struct table_backend	*backend;
	char				*path;
	void				*handle;
	int				 opened;
};

/* The registry: one line per store. */
static const struct table_backend *const table_backends[] = {
	&table_file_backend,
	&table_db_backend,
	&table_inline_backend,
};

#define TABLE_NBACKENDS	(sizeof(table_backends) / sizeof(table_backends[0]))

/* table_backend_find - the registered backend called name, or NULL */
static const struct table_backend *
table_backend_find(const char *name)
{
	size_t	i;

	for (i = 0; i < TABLE_NBACKENDS; i++)
		if (strcmp(table_backends[i]->name, name) == 0)
			return table_backends[i];
	return NULL;
}

/* table_create - a new, not yet opened table */
struct table *
table_create(const char *name, const char *backend, const char *path,
    char *err, size_t errsz)
{
	const struct table_backend	*be;
	struct table			*t;

	if (*name == '\0' || strlen(name) >= NAME_MAX_CFG) {
		snprintf(err, errsz, "invalid table name");
		return NULL;
	}
	if ((be = table_backend_find(backend)) == NULL) {
		snprintf(err, errsz, "table %s: unknown backend \"%s\"",
		    name, backend);
		return NULL;
	}
	if (be->needs_path != (path != NULL) ||
	    (path != NULL && (*path == '\0' || strlen(path) >= PATH_MAX_CFG))) {
		snprintf(err, errsz, "table %s: %s", name, be->needs_path ?
		    "missing or invalid path" : "backend takes no path");
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	strlcpy(t->name, name, sizeof(t->name));
	t->backend = be;
	if (path != NULL)
		t->path = xstrdup(path);
	if (be->open == NULL)
		t->handle = table_inline_new();
	return t;
}

/* table_add - add an entry to an inline table before its first use */
int
table_add(struct table *t, const char *key, const char *value)
{
	char	err[256];

	if (t->backend != &table_inline_backend || t->opened)
		return -1;
	return table_inline_put(t->handle, key, value, err, sizeof(err));
}

/* table_open - load the contents; on an open table, reload */
int
table_open(struct table *t, char *err, size_t errsz)
{
	if (t->backend->open == NULL) {
		t->opened = 1;
		return 0;
	}
	return table_reload(t, err, errsz);
}

/* table_reload - swap in fresh contents; the old stay on failure */
int
table_reload(struct table *t, char *err, size_t errsz)
{
	void	*handle = NULL;
	char	 msg[512];

	if (t->backend->open == NULL) {
		t->opened = 1;
		return 0;
	}
	if (t->backend->open(t->path, &handle, msg, sizeof(msg)) == -1) {
		snprintf(err, errsz, "table %s: %s", t->name, msg);
		return -1;
	}
	if (t->handle != NULL)
		t->backend->close(t->handle);
	t->handle = handle;
	t->opened = 1;
	return 0;
}

/* table_free - close and release a table */
void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	if (t->handle != NULL)
		t->backend->close(t->handle);
	free(t->path);
	free(t);
}

/* table_name - the name the configuration gave */
const char *
table_name(const struct table *t)
{
	return t->name;
}

/* table_type - list, map, or none (empty or not open) */
enum table_type
table_type(const struct table *t)
{
	if (!t->opened || t->handle == NULL)
		return TABLE_T_NONE;
	return t->backend->type(t->handle);
}

/* table_value - read an exact entry's value as the kind says */
static int
table_value(enum table_kind kind, const char *key, const char *val,
    union table_result *out)
{
	char	err[256];

	switch (kind) {
	case TABLE_K_CREDENTIALS:
		return table_credentials_parse(key, val, &out->creds) == 0 ?
		    1 : -1;
	case TABLE_K_USERINFO:
		return table_userinfo_parse(val, &out->userinfo) == 0 ? 1 : -1;
	case TABLE_K_ALIAS:
		if (aliases_check_values(val, err, sizeof(err)) == -1)
			return -1;
		break;
	default:
		break;
	}
	if (strlcpy(out->string, val, sizeof(out->string)) >=
	    sizeof(out->string))
		return -1;
	return 1;
}

/* table_get_exact - exact lookup of a lower-case key, value read by kind */
static int
table_get_exact(struct table *t, enum table_kind kind, const char *lkey,
    union table_result *out)
{
	char	*val;
	int	 r;

	val = xmalloc(TABLE_VALUE_MAX);
	r = t->backend->get(t->handle, lkey, val, TABLE_VALUE_MAX);
	if (r == 1 && out != NULL)
		r = table_value(kind, lkey, val, out);
	free(val);
	return r;
}

/* table_lookup_domain - exact name, then "*.parent" for every parent */
static int
table_lookup_domain(struct table *t, const char *lkey, union table_result *out)
{
	char		 wild[TABLE_KEY_MAX];
	const char	*p;
	int		 r;

	if ((r = table_get_exact(t, TABLE_K_DOMAIN, lkey, out)) != 0)
		return r;
	for (p = strchr(lkey, '.'); p != NULL; p = strchr(p + 1, '.')) {
		if (p[1] == '\0')
			break;
		if (snprintf(wild, sizeof(wild), "*%s", p) >= (int)sizeof(wild))
			return -1;
		if ((r = table_get_exact(t, TABLE_K_DOMAIN, wild, out)) != 0)
			return r;
	}
	return 0;
}

struct table_walk {
	enum table_kind			 kind;
	const char			*key;
	struct table_netaddr		 addr;
	union table_result		*out;
	size_t				 index;		/* for fetch */
	size_t				 seen;
};

/* table_walk_netaddr - does this entry's network hold the key address? */
static int
table_walk_netaddr(void *arg, const char *key, const char *value)
{
	struct table_walk	*w = arg;
	struct table_netaddr	 net;

	(void)value;
	if (table_netaddr_parse(key, &net) == -1)
		return 0;	/* not an address entry: never matches */
	if (!table_netaddr_match(&net, &w->addr))
		return 0;
	if (w->out != NULL)
		w->out->netaddr = net;
	return 1;
}

/* table_walk_mailaddr - does this entry's pattern match the key address? */
static int
table_walk_mailaddr(void *arg, const char *key, const char *value)
{
	struct table_walk	*w = arg;
	struct table_mailaddr	 pat;

	(void)value;
	if (table_mailaddr_parse(key, &pat) == -1)
		return 0;	/* not a mail address entry: never matches */
	if (!table_mailaddr_match(&pat, w->key))
		return 0;
	if (w->out != NULL)
		w->out->mailaddr = pat;
	return 1;
}

/* table_lookup - look key up as kind: -1 error, 0 not found, 1 found */
int
table_lookup(struct table *t, enum table_kind kind, const char *key,
    union table_result *out)
{
	struct table_walk	w;
	char			lkey[TABLE_KEY_MAX];

	if (!t->opened || t->handle == NULL ||
	    table_key_lower(lkey, sizeof(lkey), key) == -1)
		return -1;
	memset(&w, 0, sizeof(w));
	w.kind = kind;
	w.key = lkey;
	w.out = out;
	switch (kind) {
	case TABLE_K_DOMAIN:
		return table_lookup_domain(t, lkey, out);
	case TABLE_K_NETADDR:
	case TABLE_K_SOURCE:
		if (table_netaddr_parse(lkey, &w.addr) == -1 ||
		    w.addr.bits != (w.addr.family == AF_INET6 ? 128u : 32u))
			return -1;
		return t->backend->foreach(t->handle, table_walk_netaddr, &w);
	case TABLE_K_MAILADDR:
		return t->backend->foreach(t->handle, table_walk_mailaddr, &w);
	default:
		return table_get_exact(t, kind, lkey, out);
	}
}

/* table_match - membership of key with the kind's matching rules */
int
table_match(struct table *t, enum table_kind kind, const char *key)
{
	return table_lookup(t, kind, key, NULL);
}

/* table_walk_fetch - stop at the entry numbered w->index */
static int
table_walk_fetch(void *arg, const char *key, const char *value)
{
	struct table_walk	*w = arg;

	(void)value;
	if (w->seen++ < w->index)
		return 0;
	if (w->kind == TABLE_K_SOURCE || w->kind == TABLE_K_NETADDR)
		return table_netaddr_parse(key, &w->out->netaddr) == 0 ? 1 : -1;
	if (w->kind == TABLE_K_MAILADDR)
		return table_mailaddr_parse(key, &w->out->mailaddr) == 0 ? 1 : -1;
	if (strlcpy(w->out->string, key, sizeof(w->out->string)) >=
	    sizeof(w->out->string))
		return -1;
	return 1;
}

/* table_fetch - the entry at *cursor (round robin), cursor advanced */
int
table_fetch(struct table *t, enum table_kind kind, size_t *cursor,
    union table_result *out)
{
	struct table_walk	w;
	int			r;

	if (!t->opened || t->handle == NULL)
		return -1;
	memset(&w, 0, sizeof(w));
	w.kind = kind;
	w.out = out;
	w.index = *cursor;
	r = t->backend->foreach(t->handle, table_walk_fetch, &w);
	if (r == 0 && w.seen > 0 && *cursor != 0) {
		/* past the end: wrap around */
		memset(&w, 0, sizeof(w));
		w.kind = kind;
		w.out = out;
		*cursor = 0;
		r = t->backend->foreach(t->handle, table_walk_fetch, &w);
	}
	if (r == 1)
		(*cursor)++;
	return r;
}

/* table_mailaddrmap_check - may key use mailaddr? (senders tables) */
int
table_mailaddrmap_check(struct table *t, const char *key, const char *mailaddr)
{
	union table_result	*res;
	struct table_mailaddr	 pat;
	char			*p, *tok;
	int			 r;

	res = xmalloc(sizeof(*res));
	if ((r = table_lookup(t, TABLE_K_MAILADDRMAP, key, res)) == 1) {
		r = 0;
		p = res->string;
		while (r == 0 && (tok = strsep(&p, ", \t")) != NULL) {
			if (*tok == '\0')
				continue;
			if (table_mailaddr_parse(tok, &pat) == -1)
				r = -1;
			else if (table_mailaddr_match(&pat, mailaddr))
				r = 1;
		}
	}
	free(res);
	return r;
}

/* table_key_lower - ASCII lower-case copy of key; -1 if it does not fit */
int
table_key_lower(char *dst, size_t dstsz, const char *key)
{
	size_t	i;

	for (i = 0; key[i] != '\0'; i++) {
		if (i + 1 >= dstsz)
			return -1;
		dst[i] = (char)tolower((unsigned char)key[i]);
	}
	if (dstsz == 0)
		return -1;
	dst[i] = '\0';
	return 0;
}

/* table_netaddr_bits - parse a decimal prefix length of at most max */
static int
table_netaddr_bits(const char *s, unsigned int max, unsigned int *bits)
{
	unsigned int	v = 0;
	size_t		i;

	if (*s == '\0' || strlen(s) > 3)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*bits = v;
	return 0;
}

/* table_netaddr_unmap - an IPv4-mapped IPv6 address becomes IPv4 */
static void
table_netaddr_unmap(struct table_netaddr *na)
{
	static const unsigned char	mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (na->family != AF_INET6 || memcmp(na->addr, mapped, 12) != 0 ||
	    na->bits < 96)
		return;
	memmove(na->addr, na->addr + 12, 4);
	memset(na->addr + 4, 0, 12);
	na->family = AF_INET;
	na->bits -= 96;
}

/* table_netaddr_parse - "a.b.c.d[/n]", "v6[/n]" or "[v6][/n]"; pure */
int
table_netaddr_parse(const char *s, struct table_netaddr *na)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *a = buf;
	unsigned int	 max;

	memset(na, 0, sizeof(*na));
	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (*a == '[') {
		size_t	len = strlen(a);

		if (len < 3 || a[len - 1] != ']')
			return -1;
		a[len - 1] = '\0';
		a++;
		if (inet_pton(AF_INET6, a, na->addr) != 1)
			return -1;
		na->family = AF_INET6;
	} else if (inet_pton(AF_INET, a, na->addr) == 1)
		na->family = AF_INET;
	else if (inet_pton(AF_INET6, a, na->addr) == 1)
		na->family = AF_INET6;
	else
		return -1;
	max = na->family == AF_INET ? 32 : 128;
	na->bits = max;
	if (slash != NULL && table_netaddr_bits(slash, max, &na->bits) == -1)
		return -1;
	table_netaddr_unmap(na);
	return 0;
}

/* table_netaddr_match - is addr inside the network net? */
int
table_netaddr_match(const struct table_netaddr *net,
    const struct table_netaddr *addr)
{
	unsigned int	full, rest;
	unsigned char	mask;

	if (net->family != addr->family || addr->bits < net->bits)
		return 0;
	full = net->bits / 8;
	rest = net->bits % 8;
	if (memcmp(net->addr, addr->addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (net->addr[full] & mask) == (addr->addr[full] & mask);
}

/* table_domain_match - "*.example.org" matches subdomains only; pure */
int
table_domain_match(const char *pattern, const char *domain)
{
	size_t	plen, dlen;

	if (pattern[0] != '*' || pattern[1] != '.')
		return strcasecmp(pattern, domain) == 0;
	pattern++;			/* ".example.org" */
	plen = strlen(pattern);
	dlen = strlen(domain);
	if (plen < 2 || dlen <= plen)
		return 0;
	return strcasecmp(domain + dlen - plen, pattern) == 0;
}

/* table_mailaddr_parse - "user@domain", "@domain" or "user"; pure */
int
table_mailaddr_parse(const char *s, struct table_mailaddr *ma)
{
	const char	*at;
	size_t		 ulen;

	memset(ma, 0, sizeof(*ma));
	if (*s == '\0' || strpbrk(s, " \t<>,") != NULL)
		return -1;
	if ((at = strrchr(s, '@')) == NULL)
		return strlcpy(ma->user, s, sizeof(ma->user)) <
		    sizeof(ma->user) ? 0 : -1;
	ulen = (size_t)(at - s);
	if (at[1] == '\0' || ulen >= sizeof(ma->user) ||
	    strlcpy(ma->domain, at + 1, sizeof(ma->domain)) >=
	    sizeof(ma->domain))
		return -1;
	memcpy(ma->user, s, ulen);
	ma->user[ulen] = '\0';
	return 0;
}

/* table_mailaddr_user - does pattern user match user, or user minus +tag? */
static int
table_mailaddr_user(const char *pattern, const char *user, size_t ulen)
{
	const char	*plus;

	if (strlen(pattern) == ulen && strncasecmp(pattern, user, ulen) == 0)
		return 1;
	plus = memchr(user, '+', ulen);
	if (plus == NULL || plus == user)
		return 0;
	ulen = (size_t)(plus - user);
	return strlen(pattern) == ulen && strncasecmp(pattern, user, ulen) == 0;
}

/* table_mailaddr_match - does the full address addr match pattern? */
int
table_mailaddr_match(const struct table_mailaddr *pat, const char *addr)
{
	const char	*at;
	size_t		 ulen;

	at = strrchr(addr, '@');
	ulen = at == NULL ? strlen(addr) : (size_t)(at - addr);
	if (pat->user[0] != '\0' && !table_mailaddr_user(pat->user, addr, ulen))
		return 0;
	if (pat->domain[0] != '\0' &&
	    (at == NULL || !table_domain_match(pat->domain, at + 1)))
		return 0;
	return 1;
}

/* table_userinfo_id - a decimal id below max, digits only */
static int
table_userinfo_id(const char *s, size_t len, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long	v = 0;
	size_t			i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (v >= max)
		return -1;
	*out = v;
	return 0;
}

/* table_userinfo_parse - "uid:gid:/home/dir"; pure */
int
table_userinfo_parse(const char *s, struct table_userinfo *ui)
{
	const char		*c1, *c2;
	unsigned long long	 uid, gid;

	memset(ui, 0, sizeof(*ui));
	if ((c1 = strchr(s, ':')) == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
		return -1;
	if (table_userinfo_id(s, (size_t)(c1 - s), UINT_MAX, &uid) == -1 ||
	    table_userinfo_id(c1 + 1, (size_t)(c2 - c1 - 1), UINT_MAX,
	    &gid) == -1)
		return -1;
	if (c2[1] != '/' || strlcpy(ui->directory, c2 + 1,
	    sizeof(ui->directory)) >= sizeof(ui->directory))
		return -1;
	ui->uid = (uid_t)uid;
	ui->gid = (gid_t)gid;
	return 0;
}

/* table_credentials_parse - value "hash" (user = key) or "user:secret" */
int
table_credentials_parse(const char *key, const char *value,
    struct table_credentials *cr)
{
	const char	*colon;
	size_t		 ulen;

	memset(cr, 0, sizeof(*cr));
	if (*value == '\0')
		return -1;
	if ((colon = strchr(value, ':')) == NULL) {
		if (*key == '\0' || strlcpy(cr->username, key,
		    sizeof(cr->username)) >= sizeof(cr->username))
			return -1;
	} else {
		ulen = (size_t)(colon - value);
		if (ulen == 0 || colon[1] == '\0' || ulen >= sizeof(cr->username))
			return -1;
		memcpy(cr->username, value, ulen);
		cr->username[ulen] = '\0';
		value = colon + 1;
	}
	if (strlcpy(cr->password, value, sizeof(cr->password)) >=
	    sizeof(cr->password))
		return -1;
	return 0;
}
