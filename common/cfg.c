/*
 * cfg.c - the configuration model: creation, defaults, lookups, freeing,
 * and the value parsers (delays, sizes, relay URLs) the grammar uses.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_check.h"
#include "cfg_parse.h"
#include "xmalloc.h"

#define CFG_DEFAULT_MSG_SIZE	(35LL * 1024 * 1024)
#define CFG_DEFAULT_QUEUE_TTL	(4LL * 24 * 3600)
#define CFG_DEFAULT_WARN	(4LL * 3600)

/* cfg_new - an empty configuration holding every default */
struct cfg *
cfg_new(void)
{
	struct cfg	*cfg;

	cfg = xcalloc(1, sizeof(*cfg));
	TAILQ_INIT(&cfg->listeners);
	TAILQ_INIT(&cfg->tables);
	TAILQ_INIT(&cfg->pkis);
	TAILQ_INIT(&cfg->cas);
	TAILQ_INIT(&cfg->actions);
	TAILQ_INIT(&cfg->matches);
	TAILQ_INIT(&cfg->sfilters);
	TAILQ_INIT(&cfg->fprocs);
	cfg->smtp.max_message_size = CFG_DEFAULT_MSG_SIZE;
	cfg->smtp.max_mails = 100;
	cfg->smtp.max_rcpt = 1000;
	cfg->smtp.max_sessions = 1000;
	cfg->smtp.max_sessions_per_address = 50;
	cfg->smtp.sub_addr_delim = '+';
	strlcpy(cfg->queue.path, POSTHORN_SPOOL, sizeof(cfg->queue.path));
	cfg->queue.ttl = CFG_DEFAULT_QUEUE_TTL;
	cfg->bounce_warn[0] = CFG_DEFAULT_WARN;
	cfg->nbounce_warn = 1;
	cfg->mta_max_deferred = 100;
	return cfg;
}

/* cfg_load - read path (and its includes) with -D defines into a cfg */
struct cfg *
cfg_load(const char *path, char *const *defines, char *err, size_t errsz)
{
	struct cfg_pstate	*ps;
	struct cfg		*cfg;
	size_t			 i;
	int			 r = 0;

	ps = xcalloc(1, sizeof(*ps));
	ps->cfg = cfg = cfg_new();
	ps->err = err;
	ps->errsz = errsz;
	if (errsz > 0)
		err[0] = '\0';
	for (i = 0; defines != NULL && defines[i] != NULL && r == 0; i++)
		r = cfg_lex_define(ps, defines[i]);
	if (r == 0)
		r = cfg_lex_open(ps, path, NULL);
	if (r == 0)
		r = cfg_parse_run(ps);
	if (r == 0)
		r = cfg_check_final(ps);
	cfg_lex_close(ps);
	freezero(ps, sizeof(*ps));	/* tokens and macro text */
	if (r == -1) {
		cfg_free(cfg);
		return NULL;
	}
	return cfg;
}

/*
 * cfg_wipe_queue_key - forget the key of `queue encryption`: every
 * process but the queue does so as soon as it has read the file
 */
void
cfg_wipe_queue_key(struct cfg *cfg)
{
	if (cfg->queue.encryption_key == NULL)
		return;
	freezero(cfg->queue.encryption_key, strlen(cfg->queue.encryption_key));
	cfg->queue.encryption_key = NULL;
}

/* cfg_file_add - remember a file name for the lifetime of cfg */
const char *
cfg_file_add(struct cfg *cfg, const char *path)
{
	cfg->files = xreallocarray(cfg->files, cfg->nfiles + 1,
	    sizeof(*cfg->files));
	cfg->files[cfg->nfiles] = xstrdup(path);
	return cfg->files[cfg->nfiles++];
}

/* cfg_table_add - append a new, empty table named name */
struct cfg_table *
cfg_table_add(struct cfg *cfg, const char *name)
{
	struct cfg_table	*t;

	t = xcalloc(1, sizeof(*t));
	strlcpy(t->name, name, sizeof(t->name));
	TAILQ_INIT(&t->entries);
	TAILQ_INSERT_TAIL(&cfg->tables, t, entry);
	return t;
}

/* cfg_table_entry_add - append key (and value for a map) to table t */
void
cfg_table_entry_add(struct cfg_table *t, const char *key, const char *value)
{
	struct cfg_table_entry	*e;

	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->value = value ? xstrdup(value) : NULL;
	TAILQ_INSERT_TAIL(&t->entries, e, entry);
	t->nentries++;
}

/* cfg_pki_add - append a new pki named name */
struct cfg_pki *
cfg_pki_add(struct cfg *cfg, const char *name)
{
	struct cfg_pki	*p;

	p = xcalloc(1, sizeof(*p));
	strlcpy(p->name, name, sizeof(p->name));
	TAILQ_INSERT_TAIL(&cfg->pkis, p, entry);
	return p;
}

/* cfg_ca_add - append a new ca named name */
struct cfg_ca *
cfg_ca_add(struct cfg *cfg, const char *name)
{
	struct cfg_ca	*c;

	c = xcalloc(1, sizeof(*c));
	strlcpy(c->name, name, sizeof(c->name));
	TAILQ_INSERT_TAIL(&cfg->cas, c, entry);
	return c;
}

/* cfg_action_add - append a new action named name */
struct cfg_action *
cfg_action_add(struct cfg *cfg, const char *name)
{
	struct cfg_action	*a;

	a = xcalloc(1, sizeof(*a));
	strlcpy(a->name, name, sizeof(a->name));
	TAILQ_INSERT_TAIL(&cfg->actions, a, entry);
	return a;
}

/* cfg_listener_add - append a listener on addr with the default port */
struct cfg_listener *
cfg_listener_add(struct cfg *cfg, const char *addr)
{
	struct cfg_listener	*l;

	l = xcalloc(1, sizeof(*l));
	strlcpy(l->addr, addr, sizeof(l->addr));
	l->port = CFG_PORT_SMTP;
	TAILQ_INSERT_TAIL(&cfg->listeners, l, entry);
	return l;
}

/* cfg_match_add - append an empty match rule */
struct cfg_match *
cfg_match_add(struct cfg *cfg)
{
	struct cfg_match	*m;

	m = xcalloc(1, sizeof(*m));
	TAILQ_INIT(&m->filters);
	TAILQ_INSERT_TAIL(&cfg->matches, m, entry);
	return m;
}

/* cfg_filter_add - append a filter of the given type to rule m */
struct cfg_filter *
cfg_filter_add(struct cfg_match *m, enum cfg_filter_type type, int negate)
{
	struct cfg_filter	*f;

	f = xcalloc(1, sizeof(*f));
	f->type = type;
	f->negate = negate;
	TAILQ_INSERT_TAIL(&m->filters, f, entry);
	return f;
}

/* cfg_table_find - the table named name, or NULL */
struct cfg_table *
cfg_table_find(const struct cfg *cfg, const char *name)
{
	struct cfg_table	*t;

	TAILQ_FOREACH(t, &cfg->tables, entry)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

/* cfg_action_find - the action named name, or NULL */
struct cfg_action *
cfg_action_find(const struct cfg *cfg, const char *name)
{
	struct cfg_action	*a;

	TAILQ_FOREACH(a, &cfg->actions, entry)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* cfg_pki_find - the pki named name, or NULL */
struct cfg_pki *
cfg_pki_find(const struct cfg *cfg, const char *name)
{
	struct cfg_pki	*p;

	TAILQ_FOREACH(p, &cfg->pkis, entry)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* cfg_ca_find - the ca named name, or NULL */
struct cfg_ca *
cfg_ca_find(const struct cfg *cfg, const char *name)
{
	struct cfg_ca	*c;

	TAILQ_FOREACH(c, &cfg->cas, entry)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* cfg_free_tables - free every table and its entries */
static void
cfg_free_tables(struct cfg *cfg)
{
	struct cfg_table	*t;
	struct cfg_table_entry	*e;

	while ((t = TAILQ_FIRST(&cfg->tables)) != NULL) {
		TAILQ_REMOVE(&cfg->tables, t, entry);
		while ((e = TAILQ_FIRST(&t->entries)) != NULL) {
			TAILQ_REMOVE(&t->entries, e, entry);
			free(e->key);
			free(e->value);
			free(e);
		}
		free(t->path);
		free(t);
	}
}

/* cfg_free_matches - free every match rule and its filters */
static void
cfg_free_matches(struct cfg *cfg)
{
	struct cfg_match	*m;
	struct cfg_filter	*f;

	while ((m = TAILQ_FIRST(&cfg->matches)) != NULL) {
		TAILQ_REMOVE(&cfg->matches, m, entry);
		while ((f = TAILQ_FIRST(&m->filters)) != NULL) {
			TAILQ_REMOVE(&m->filters, f, entry);
			free(f->value);
			free(f);
		}
		free(m);
	}
}

/* cfg_free_actions - free every action */
static void
cfg_free_actions(struct cfg *cfg)
{
	struct cfg_action	*a;

	while ((a = TAILQ_FIRST(&cfg->actions)) != NULL) {
		TAILQ_REMOVE(&cfg->actions, a, entry);
		free(a->maildir_path);
		free(a->mda_command);
		free(a->lmtp_dest);
		free(a);
	}
}

/* cfg_free - release a configuration and everything it owns */
void
cfg_free(struct cfg *cfg)
{
	struct cfg_listener	*l;
	struct cfg_pki		*p;
	struct cfg_ca		*c;
	size_t			 i;

	if (cfg == NULL)
		return;
	cfg_free_matches(cfg);
	cfg_sfilter_free_all(cfg);
	cfg_fproc_free_all(cfg);
	cfg_free_actions(cfg);
	cfg_free_tables(cfg);
	while ((l = TAILQ_FIRST(&cfg->listeners)) != NULL) {
		TAILQ_REMOVE(&cfg->listeners, l, entry);
		free(l);
	}
	while ((p = TAILQ_FIRST(&cfg->pkis)) != NULL) {
		TAILQ_REMOVE(&cfg->pkis, p, entry);
		free(p->cert);
		free(p->key);
		free(p);
	}
	while ((c = TAILQ_FIRST(&cfg->cas)) != NULL) {
		TAILQ_REMOVE(&cfg->cas, c, entry);
		free(c->cert);
		free(c);
	}
	free(cfg->smtp.ciphers);
	freezero(cfg->queue.encryption_key, cfg->queue.encryption_key ?
	    strlen(cfg->queue.encryption_key) : 0);
	for (i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->files);
	free(cfg);
}

/* cfg_number_prefix - parse leading decimal digits of s; -1 on overflow */
static int
cfg_number_prefix(const char *s, long long *n, const char **end)
{
	long long	 v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (LLONG_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*n = v;
	*end = s;
	return 0;
}

/* cfg_scale - multiply n by mult; -1 on overflow */
static int
cfg_scale(long long n, long long mult, long long *out)
{
	if (n > LLONG_MAX / mult)
		return -1;
	*out = n * mult;
	return 0;
}

/* cfg_delay_parse - "N", "Ns", "Nm", "Nh" or "Nd" to seconds */
int
cfg_delay_parse(const char *s, long long *secs)
{
	const char	*end;
	long long	 n, mult;

	if (cfg_number_prefix(s, &n, &end) == -1)
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		mult = 1;
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	return cfg_scale(n, mult, secs);
}

/* cfg_size_parse - "N" bytes or "N" with a K, M, G or T suffix */
int
cfg_size_parse(const char *s, long long *bytes)
{
	const char	*end;
	long long	 n, mult;

	if (cfg_number_prefix(s, &n, &end) == -1)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		mult = 1;
		break;
	case 'k':
		mult = 1024LL;
		break;
	case 'm':
		mult = 1024LL * 1024;
		break;
	case 'g':
		mult = 1024LL * 1024 * 1024;
		break;
	case 't':
		mult = 1024LL * 1024 * 1024 * 1024;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	return cfg_scale(n, mult, bytes);
}

static const struct {
	const char		*name;
	enum cfg_relay_scheme	 scheme;
	int			 port;
} cfg_schemes[] = {
	{ "smtp://",		CFG_RELAY_SMTP,		CFG_PORT_SMTP },
	{ "smtp+tls://",	CFG_RELAY_SMTP_TLS,	CFG_PORT_SMTP },
	{ "smtp+notls://",	CFG_RELAY_SMTP_NOTLS,	CFG_PORT_SMTP },
	{ "smtps://",		CFG_RELAY_SMTPS,	CFG_PORT_SMTPS },
	{ "lmtp://",		CFG_RELAY_LMTP,		CFG_PORT_LMTP },
};

/* cfg_relay_scheme - strip a known scheme off *s; no scheme means smtp */
static int
cfg_relay_scheme(const char **s, struct cfg_relay_host *h)
{
	size_t	 i, len;

	for (i = 0; i < sizeof(cfg_schemes) / sizeof(cfg_schemes[0]); i++) {
		len = strlen(cfg_schemes[i].name);
		if (strncasecmp(*s, cfg_schemes[i].name, len) == 0) {
			h->scheme = cfg_schemes[i].scheme;
			h->port = cfg_schemes[i].port;
			*s += len;
			return 0;
		}
	}
	if (strstr(*s, "://") != NULL)
		return -1;
	h->scheme = CFG_RELAY_SMTP;
	h->port = CFG_PORT_SMTP;
	return 0;
}

/* cfg_relay_port - parse the ":port" suffix starting at p */
static int
cfg_relay_port(const char *p, struct cfg_relay_host *h, char *err,
    size_t errsz)
{
	const char	*end;
	long long	 n;

	if (cfg_number_prefix(p, &n, &end) == -1 || *end != '\0' ||
	    n < 1 || n > 65535) {
		(void)strlcpy(err, "invalid port in relay URL", errsz);
		return -1;
	}
	h->port = (int)n;
	return 0;
}

/* cfg_relay_url_parse - split [scheme://][label@]host[:port] into h */
int
cfg_relay_url_parse(const char *url, struct cfg_relay_host *h,
    char *err, size_t errsz)
{
	const char	*s = url, *at, *hend, *port = NULL;
	size_t		 len;

	memset(h, 0, sizeof(*h));
	if (cfg_relay_scheme(&s, h) == -1) {
		(void)strlcpy(err, "unknown scheme in relay URL", errsz);
		return -1;
	}
	if ((at = strchr(s, '@')) != NULL) {
		len = at - s;
		if (len == 0 || len >= sizeof(h->label)) {
			(void)strlcpy(err, "invalid label in relay URL", errsz);
			return -1;
		}
		memcpy(h->label, s, len);
		s = at + 1;
	}
	if (*s == '[') {
		if ((hend = strchr(s, ']')) == NULL) {
			(void)strlcpy(err, "invalid host in relay URL", errsz);
			return -1;
		}
		s++;
		if (hend[1] == ':')
			port = hend + 2;
		else if (hend[1] != '\0')
			hend = s;	/* forces the error below */
	} else {
		hend = s + strcspn(s, ":");
		if (*hend == ':')
			port = hend + 1;
	}
	len = hend - s;
	if (len == 0 || len >= sizeof(h->host) || memchr(s, '/', len) ||
	    memchr(s, '@', len)) {
		(void)strlcpy(err, "invalid host in relay URL", errsz);
		return -1;
	}
	memcpy(h->host, s, len);
	if (port != NULL && cfg_relay_port(port, h, err, errsz) == -1)
		return -1;
	return 0;
}
