/*
 * cfg_check.c - the semantic checks of smtpd.conf: names, ranges,
 * references, repeated and incompatible options, readable key files.
 * Each check reports "FILE:LINE: message" at the offending line and
 * returns -1, or returns 0 (or the object found).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_check.h"
#include "cfg_parse.h"
#include "xmalloc.h"

#define CFG_OPT_BIT(o)		(1ULL << (o))
#define CFG_OPT_LOCAL		(CFG_OPT_BIT(CFG_OPT_ALIAS) |		\
	CFG_OPT_BIT(CFG_OPT_VIRTUAL) | CFG_OPT_BIT(CFG_OPT_USER) |	\
	CFG_OPT_BIT(CFG_OPT_USERBASE))
#define CFG_OPT_SOCKET		(CFG_OPT_BIT(CFG_OPT_TAG) |		\
	CFG_OPT_BIT(CFG_OPT_MASK_SRC) | CFG_OPT_BIT(CFG_OPT_NO_DSN) |	\
	CFG_OPT_BIT(CFG_OPT_SENDERS))

static const char *const cfg_check_optnames[CFG_OPT_COUNT] = {
	[CFG_OPT_FAMILY] = "inet4/inet6",	[CFG_OPT_PORT] = "port",
	[CFG_OPT_TLS] = "tls",			[CFG_OPT_PKI] = "pki",
	[CFG_OPT_CA] = "ca",			[CFG_OPT_AUTH] = "auth",
	[CFG_OPT_HOSTNAME] = "hostname",	[CFG_OPT_TAG] = "tag",
	[CFG_OPT_MASK_SRC] = "mask-src",	[CFG_OPT_NO_DSN] = "no-dsn",
	[CFG_OPT_SENDERS] = "senders",		[CFG_OPT_FILTER] = "filter",
	[CFG_OPT_ALIAS] = "alias",
	[CFG_OPT_VIRTUAL] = "virtual",		[CFG_OPT_USER] = "user",
	[CFG_OPT_USERBASE] = "userbase",	[CFG_OPT_TTL] = "ttl",
	[CFG_OPT_HOST] = "host",		[CFG_OPT_RTLS] = "tls",
	[CFG_OPT_RAUTH] = "auth",		[CFG_OPT_HELO] = "helo",
	[CFG_OPT_MAIL_FROM] = "mail-from",	[CFG_OPT_SRC] = "src",
	[CFG_OPT_BACKUP] = "backup",		[CFG_OPT_DOMAIN] = "domain",
	[CFG_OPT_RPKI] = "pki",			[CFG_OPT_M_FROM] = "from",
	[CFG_OPT_M_FOR] = "for",		[CFG_OPT_M_AUTH] = "auth",
	[CFG_OPT_M_HELO] = "helo",		[CFG_OPT_M_MAIL_FROM] = "mail-from",
	[CFG_OPT_M_RCPT_TO] = "rcpt-to",	[CFG_OPT_M_TAG] = "tag",
	[CFG_OPT_M_TLS] = "tls",
};

static const char *const cfg_check_tlsnames[] = {
	[CFG_TLS_NONE] = "none",		[CFG_TLS_STARTTLS] = "tls",
	[CFG_TLS_REQUIRE] = "tls-require",	[CFG_TLS_SMTPS] = "smtps",
};

/* cfg_check_name - a table, pki, ca or action name: 1..63 bytes */
int
cfg_check_name(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *loc)
{
	return cfg_check_copy(ps, NULL, NAME_MAX_CFG, "name", name, loc);
}

/* cfg_check_copy - copy a non-empty src of what into dst[size], if it fits */
int
cfg_check_copy(struct cfg_pstate *ps, char *dst, size_t size,
    const char *what, const char *src, const struct cfg_loc *loc)
{
	if (*src == '\0') {
		cfg_lex_error(ps, loc, "empty %s", what);
		return -1;
	}
	if (strlen(src) >= size) {
		cfg_lex_error(ps, loc, "%s too long (at most %zu characters)",
		    what, size - 1);
		return -1;
	}
	if (dst != NULL)
		strlcpy(dst, src, size);
	return 0;
}

/* cfg_check_range - min <= n <= max for the value called what */
int
cfg_check_range(struct cfg_pstate *ps, long long n, long long min,
    long long max, const char *what, const struct cfg_loc *loc)
{
	if (n < min || n > max) {
		cfg_lex_error(ps, loc, "%s %lld out of range (%lld-%lld)",
		    what, n, min, max);
		return -1;
	}
	return 0;
}

/* cfg_check_delay - a delay such as 30, 3s, 5m, 4h or 4d */
int
cfg_check_delay(struct cfg_pstate *ps, const char *s, long long *secs,
    const struct cfg_loc *loc)
{
	if (cfg_delay_parse(s, secs) == -1) {
		cfg_lex_error(ps, loc, "invalid delay '%s'", s);
		return -1;
	}
	return 0;
}

/* cfg_check_file - path must open for reading (keys are loaded as root) */
int
cfg_check_file(struct cfg_pstate *ps, const char *what, const char *path,
    const struct cfg_loc *loc)
{
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		cfg_lex_error(ps, loc, "cannot open %s \"%s\": %s", what, path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* cfg_check_opt - refuse a repeated option or one the object cannot take */
int
cfg_check_opt(struct cfg_pstate *ps, enum cfg_opt opt,
    const struct cfg_loc *loc)
{
	const char	*name = cfg_check_optnames[opt];
	int		 relay;

	if ((ps->seen & CFG_OPT_BIT(opt)) && opt != CFG_OPT_PKI) {
		cfg_lex_error(ps, loc, "'%s' specified twice", name);
		return -1;
	}
	if (opt < CFG_OPT_ALIAS && ps->listener->is_socket &&
	    !(CFG_OPT_SOCKET & CFG_OPT_BIT(opt))) {
		cfg_lex_error(ps, loc, "'%s' is not valid on the socket", name);
		return -1;
	}
	if (opt >= CFG_OPT_ALIAS && opt < CFG_OPT_M_FROM && opt != CFG_OPT_TTL) {
		relay = ps->action->type == CFG_ACTION_RELAY;
		if (relay != !(CFG_OPT_LOCAL & CFG_OPT_BIT(opt))) {
			cfg_lex_error(ps, loc, "'%s' is not valid for %s "
			    "actions", name, relay ? "relay" : "local");
			return -1;
		}
	}
	ps->seen |= CFG_OPT_BIT(opt);
	ps->optloc[opt] = *loc;
	return 0;
}

/* cfg_check_table - the table a rule refers to, which must exist */
struct cfg_table *
cfg_check_table(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *loc)
{
	struct cfg_table	*t;

	if ((t = cfg_table_find(ps->cfg, name)) == NULL)
		cfg_lex_error(ps, loc, "undefined table '%s'", name);
	return t;
}

/* cfg_check_pki - the pki a rule refers to, which must exist */
struct cfg_pki *
cfg_check_pki(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *loc)
{
	struct cfg_pki	*p;

	if ((p = cfg_pki_find(ps->cfg, name)) == NULL)
		cfg_lex_error(ps, loc, "undefined pki '%s'", name);
	return p;
}

/* cfg_check_ca - the ca a rule refers to, which must exist */
struct cfg_ca *
cfg_check_ca(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *loc)
{
	struct cfg_ca	*c;

	if ((c = cfg_ca_find(ps->cfg, name)) == NULL)
		cfg_lex_error(ps, loc, "undefined ca '%s'", name);
	return c;
}

/* cfg_check_listener_tls - set the TLS mode once; smtps implies port 465 */
int
cfg_check_listener_tls(struct cfg_pstate *ps, enum cfg_tls mode, int verify,
    const struct cfg_loc *loc)
{
	struct cfg_listener	*l = ps->listener;

	if ((ps->seen & CFG_OPT_BIT(CFG_OPT_TLS)) && l->tls != mode) {
		cfg_lex_error(ps, loc, "'%s' and '%s' are mutually exclusive",
		    cfg_check_tlsnames[l->tls], cfg_check_tlsnames[mode]);
		return -1;
	}
	if (cfg_check_opt(ps, CFG_OPT_TLS, loc) == -1)
		return -1;
	l->tls = mode;
	l->tls_verify = verify;
	if (mode == CFG_TLS_SMTPS && !(ps->seen & CFG_OPT_BIT(CFG_OPT_PORT)))
		l->port = CFG_PORT_SMTPS;
	return 0;
}

/* cfg_check_listener - a finished listen line: options must agree */
int
cfg_check_listener(struct cfg_pstate *ps, const struct cfg_loc *loc)
{
	struct cfg_listener	*l = ps->listener, *o;
	const struct cfg_loc	*ol = ps->optloc;
	int			 tls = l->tls != CFG_TLS_NONE;

	if (l->is_socket)
		TAILQ_FOREACH(o, &ps->cfg->listeners, entry)
			if (o != l && o->is_socket) {
				cfg_lex_error(ps, loc, "socket listener "
				    "already defined");
				return -1;
			}
	if (tls && l->npki == 0)
		cfg_lex_error(ps, &ol[CFG_OPT_TLS], "'%s' requires a pki",
		    cfg_check_tlsnames[l->tls]);
	else if (!tls && l->npki > 0)
		cfg_lex_error(ps, &ol[CFG_OPT_PKI], "pki requires tls, "
		    "tls-require or smtps");
	else if (!tls && l->ca != NULL)
		cfg_lex_error(ps, &ol[CFG_OPT_CA], "ca requires tls, "
		    "tls-require or smtps");
	else if (l->tls_verify && l->ca == NULL)
		cfg_lex_error(ps, &ol[CFG_OPT_TLS], "verify requires a ca");
	else if (!tls && l->auth != CFG_AUTH_NONE)
		cfg_lex_error(ps, &ol[CFG_OPT_AUTH], "auth requires tls, "
		    "tls-require or smtps");
	return ps->failed ? -1 : 0;
}

/* cfg_check_action - a finished action line: options must agree */
int
cfg_check_action(struct cfg_pstate *ps, const struct cfg_loc *loc)
{
	struct cfg_action	*a = ps->action;
	const struct cfg_loc	*ol = ps->optloc;
	enum cfg_relay_scheme	 s = a->host.scheme;
	int			 notls;

	(void)loc;
	notls = a->has_host && (s == CFG_RELAY_SMTP_NOTLS ||
	    s == CFG_RELAY_LMTP);
	if (a->alias != NULL && a->virtual != NULL)
		cfg_lex_error(ps, &ol[CFG_OPT_VIRTUAL], "alias and virtual "
		    "are mutually exclusive");
	else if (a->backup && a->has_host)
		cfg_lex_error(ps, &ol[CFG_OPT_BACKUP], "backup and host are "
		    "mutually exclusive");
	else if (a->auth != NULL && !a->has_host)
		cfg_lex_error(ps, &ol[CFG_OPT_RAUTH], "auth requires host");
	else if (a->auth != NULL && notls)
		cfg_lex_error(ps, &ol[CFG_OPT_RAUTH], "auth requires a relay "
		    "host with TLS");
	else if (a->tls && notls)
		cfg_lex_error(ps, &ol[CFG_OPT_RTLS], "tls conflicts with the "
		    "host's scheme");
	return ps->failed ? -1 : 0;
}

/* cfg_check_match - a finished match line: needs an end; from/for default */
int
cfg_check_match(struct cfg_pstate *ps, const struct cfg_loc *loc)
{
	struct cfg_match	*m = ps->match;

	if (!m->reject && m->action == NULL) {
		cfg_lex_error(ps, loc, "match needs 'action NAME' or 'reject'");
		return -1;
	}
	if (!(ps->seen & CFG_OPT_BIT(CFG_OPT_M_FROM)))
		cfg_filter_add(m, CFG_FILTER_FROM_LOCAL, 0);
	if (!(ps->seen & CFG_OPT_BIT(CFG_OPT_M_FOR)))
		cfg_filter_add(m, CFG_FILTER_FOR_LOCAL, 0);
	return 0;
}

/* cfg_check_final - whole-file checks once everything is read */
int
cfg_check_final(struct cfg_pstate *ps)
{
	struct cfg		*cfg = ps->cfg;
	struct cfg_pki		*p;
	struct cfg_listener	*l;
	long long		 t;
	size_t			 i, j;

	TAILQ_FOREACH(p, &cfg->pkis, entry) {
		if (p->cert == NULL || p->key == NULL) {
			cfg_lex_error(ps, &p->loc, "pki '%s' has no %s",
			    p->name, p->cert == NULL ? "certificate" : "key");
			return -1;
		}
	}
	TAILQ_FOREACH(l, &cfg->listeners, entry)
		if (l->is_socket)
			break;
	if (l == NULL) {
		l = cfg_listener_add(cfg, "socket");
		l->is_socket = 1;
		l->port = 0;
		l->loc.file = cfg->files[0];
	}
	for (i = 1; i < cfg->nbounce_warn; i++)
		for (j = i; j > 0 && cfg->bounce_warn[j - 1] >
		    cfg->bounce_warn[j]; j--) {
			t = cfg->bounce_warn[j];
			cfg->bounce_warn[j] = cfg->bounce_warn[j - 1];
			cfg->bounce_warn[j - 1] = t;
		}
	return 0;
}
