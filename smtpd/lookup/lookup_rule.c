/*
 * lookup_rule.c - the "match" rules of smtpd.conf, evaluated in order.
 *
 * Every filter answers -1 (a table could not be read), 0 or 1 before
 * its negation; a rule matches when all of its filters do.  Nothing
 * here does I/O except through the table callback.
 */
#include <sys/socket.h>

#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "lookup_rule.h"
#include "table.h"

/* lookup_rule_domain - the domain of an address, "" if it has none */
static const char *
lookup_rule_domain(const char *addr)
{
	const char	*at;

	if ((at = strrchr(addr, '@')) == NULL)
		return "";
	return at + 1;
}

/* lookup_rule_loopback - is src a loopback address (127/8, ::1)? */
int
lookup_rule_loopback(const char *src)
{
	struct table_netaddr	a;

	if (table_netaddr_parse(src, &a) == -1 ||
	    a.bits != (a.family == AF_INET ? 32u : 128u))
		return 0;
	if (a.family == AF_INET)
		return a.addr[0] == 127;
	return memcmp(a.addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
}

/* lookup_rule_local_domain - is the domain of addr one of our names? */
int
lookup_rule_local_domain(const struct lookup_rule_ctx *ctx, const char *addr)
{
	const char	*dom = lookup_rule_domain(addr);
	size_t		 i;

	if (strchr(addr, '@') == NULL)
		return 1;	/* "postmaster" without a domain is ours */
	for (i = 0; ctx->localnames != NULL && ctx->localnames[i] != NULL; i++)
		if (strcasecmp(ctx->localnames[i], dom) == 0)
			return 1;
	return 0;
}

/* lookup_rule_netaddr - src against a value or a table of networks */
static int
lookup_rule_netaddr(const struct cfg_filter *f, const char *src,
    lookup_table_fn fn, void *arg)
{
	struct table_netaddr	addr, net;

	if (table_netaddr_parse(src, &addr) == -1)
		return 0;	/* the enqueuer socket has no address */
	if (f->table != NULL)
		return fn(arg, f->table, TABLE_K_NETADDR, src, NULL);
	if (table_netaddr_parse(f->value, &net) == -1)
		return 0;
	return table_netaddr_match(&net, &addr);
}

/* lookup_rule_mailaddr - an address against a value or a table */
static int
lookup_rule_mailaddr(const struct cfg_filter *f, const char *addr,
    lookup_table_fn fn, void *arg)
{
	struct table_mailaddr	pat;

	if (f->table != NULL)
		return fn(arg, f->table, TABLE_K_MAILADDR, addr, NULL);
	if (table_mailaddr_parse(f->value, &pat) == -1)
		return 0;
	return table_mailaddr_match(&pat, addr);
}

/* lookup_rule_domainf - a domain against a value or a table */
static int
lookup_rule_domainf(const struct cfg_filter *f, const char *dom,
    lookup_table_fn fn, void *arg)
{
	if (*dom == '\0')
		return 0;
	if (f->table != NULL)
		return fn(arg, f->table, TABLE_K_DOMAIN, dom, NULL);
	return table_domain_match(f->value, dom);
}

/* lookup_rule_auth - authenticated, optionally as a user or one of a table */
static int
lookup_rule_auth(const struct cfg_filter *f, const struct lookup_rule_ctx *ctx,
    lookup_table_fn fn, void *arg)
{
	if (!(ctx->flags & LOOKUP_RULE_AUTH))
		return 0;
	if (f->table != NULL)
		return fn(arg, f->table, TABLE_K_STRING, ctx->auth_user, NULL);
	if (f->value != NULL)
		return strcmp(f->value, ctx->auth_user) == 0;
	return 1;
}

/* lookup_rule_filter_raw - one filter before its negation */
static int
lookup_rule_filter_raw(const struct cfg_filter *f,
    const struct lookup_rule_ctx *ctx, lookup_table_fn fn, void *arg)
{
	switch (f->type) {
	case CFG_FILTER_FROM_ANY:
	case CFG_FILTER_FOR_ANY:
		return 1;
	case CFG_FILTER_FROM_LOCAL:
		return (ctx->flags & LOOKUP_RULE_SOCKET) ||
		    lookup_rule_loopback(ctx->src);
	case CFG_FILTER_FROM_SOCKET:
		return (ctx->flags & LOOKUP_RULE_SOCKET) != 0;
	case CFG_FILTER_FROM_AUTH:
	case CFG_FILTER_AUTH:
		return lookup_rule_auth(f, ctx, fn, arg);
	case CFG_FILTER_FROM_SRC:
		return lookup_rule_netaddr(f, ctx->src, fn, arg);
	case CFG_FILTER_FROM_MAIL_FROM:
	case CFG_FILTER_MAIL_FROM:
		return lookup_rule_mailaddr(f, ctx->sender, fn, arg);
	case CFG_FILTER_FROM_RDNS:
		if (f->table == NULL)
			return *ctx->rdns != '\0';
		return lookup_rule_domainf(f, ctx->rdns, fn, arg);
	case CFG_FILTER_FOR_LOCAL:
		return lookup_rule_local_domain(ctx, ctx->rcpt);
	case CFG_FILTER_FOR_DOMAIN:
		return lookup_rule_domainf(f, lookup_rule_domain(ctx->rcpt),
		    fn, arg);
	case CFG_FILTER_FOR_RCPT_TO:
	case CFG_FILTER_RCPT_TO:
		return lookup_rule_mailaddr(f, ctx->rcpt, fn, arg);
	case CFG_FILTER_HELO:
		return lookup_rule_domainf(f, ctx->helo, fn, arg);
	case CFG_FILTER_TAG:
		return strcmp(f->value, ctx->tag) == 0;
	case CFG_FILTER_TLS:
		return (ctx->flags & LOOKUP_RULE_TLS) != 0;
	}
	return -1;
}

/* lookup_rule_filter - one filter: -1 error, 0 no match, 1 match */
int
lookup_rule_filter(const struct cfg_filter *f,
    const struct lookup_rule_ctx *ctx, lookup_table_fn fn, void *arg)
{
	int	r;

	if ((r = lookup_rule_filter_raw(f, ctx, fn, arg)) == -1)
		return -1;
	return f->negate ? !r : r;
}

/*
 * lookup_rule_match - the first rule whose filters all match: 1 (with
 * *matched set; it may be a reject rule), 0 none, -1 a table failed.
 */
int
lookup_rule_match(const struct cfg *cfg, const struct lookup_rule_ctx *ctx,
    lookup_table_fn fn, void *arg, const struct cfg_match **matched)
{
	const struct cfg_match	*m;
	const struct cfg_filter	*f;
	int			 r;

	*matched = NULL;
	TAILQ_FOREACH(m, &cfg->matches, entry) {
		r = 1;
		TAILQ_FOREACH(f, &m->filters, entry)
			if ((r = lookup_rule_filter(f, ctx, fn, arg)) != 1)
				break;
		if (r == -1)
			return -1;
		if (r == 1) {
			*matched = m;
			return 1;
		}
	}
	return 0;
}
