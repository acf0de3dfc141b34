/*
 * cfg_build.c - the builders behind the smtpd.conf grammar: each takes
 * the words of one statement (or option) with their locations, checks
 * them with cfg_check.c and fills in the struct cfg under construction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_build.h"
#include "cfg_check.h"
#include "cfg_parse.h"
#include "xmalloc.h"

/* cfg_build_table_new - start a named (or, name NULL, an inline) table */
int
cfg_build_table_new(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *loc)
{
	char	 anon[NAME_MAX_CFG];

	if (name == NULL) {
		snprintf(anon, sizeof(anon), "{%d}", ++ps->nanon);
		ps->table = cfg_table_add(ps->cfg, anon);
		ps->table->anonymous = 1;
	} else {
		if (cfg_check_name(ps, name, loc) == -1)
			return -1;
		if (cfg_table_find(ps->cfg, name) != NULL) {
			cfg_lex_error(ps, loc, "table '%s' already defined",
			    name);
			return -1;
		}
		ps->table = cfg_table_add(ps->cfg, name);
	}
	ps->table->type = CFG_TABLE_LIST;
	ps->table->loc = *loc;
	return 0;
}

/* cfg_build_table_src - "[file:]PATH" or "db:PATH" for the current table */
int
cfg_build_table_src(struct cfg_pstate *ps, const char *src,
    const struct cfg_loc *loc)
{
	struct cfg_table	*t = ps->table;
	const char		*colon, *path = src;
	size_t			 len;

	t->type = CFG_TABLE_FILE;
	colon = strchr(src, ':');
	len = strcspn(src, ":/");
	if (colon != NULL && src + len == colon) {
		if (len == 4 && strncmp(src, "file", 4) == 0)
			t->type = CFG_TABLE_FILE;
		else if (len == 2 && strncmp(src, "db", 2) == 0)
			t->type = CFG_TABLE_DB;
		else {
			cfg_lex_error(ps, loc, "unsupported table backend "
			    "'%.*s'", (int)len, src);
			return -1;
		}
		path = colon + 1;
	}
	if (cfg_check_copy(ps, NULL, PATH_MAX_CFG, "table path", path,
	    loc) == -1)
		return -1;
	t->path = xstrdup(path);
	return 0;
}

/* cfg_build_table_value - add a value or key = value to the table */
int
cfg_build_table_value(struct cfg_pstate *ps, const char *key,
    const char *value, const struct cfg_loc *loc)
{
	struct cfg_table	*t = ps->table;
	enum cfg_table_type	 type;

	type = value == NULL ? CFG_TABLE_LIST : CFG_TABLE_MAP;
	if (t->nentries > 0 && t->type != type) {
		cfg_lex_error(ps, loc, "table '%s' mixes values and key-value "
		    "pairs", t->name);
		return -1;
	}
	t->type = type;
	cfg_table_entry_add(t, key, value);
	return 0;
}

/* cfg_build_pki_decl - the pki a "pki NAME" line adds to, made if new */
static struct cfg_pki *
cfg_build_pki_decl(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *loc)
{
	struct cfg_pki	*p;

	if (cfg_check_name(ps, name, loc) == -1)
		return NULL;
	if ((p = cfg_pki_find(ps->cfg, name)) == NULL) {
		p = cfg_pki_add(ps->cfg, name);
		p->loc = *loc;
	}
	return p;
}

/*
 * cfg_build_pki - "pki NAME cert|key PATH": give the pki that file once.
 * The key holder reads a private key as root; an ordinary user's parse
 * (sendmail, smtpctl) cannot open it and has no need to, so only root
 * checks that it opens.
 */
int
cfg_build_pki(struct cfg_pstate *ps, enum cfg_build_pki_part part,
    const char *name, const char *path, const struct cfg_loc *decl,
    const struct cfg_loc *kw, const struct cfg_loc *ploc)
{
	const char	*what;
	struct cfg_pki	*p;
	char		**slot;

	what = part == CFG_BUILD_PKI_KEY ? "key" : "certificate";
	if (((part != CFG_BUILD_PKI_KEY || geteuid() == 0) &&
	    cfg_check_file(ps, what, path, ploc) == -1) ||
	    (p = cfg_build_pki_decl(ps, name, decl)) == NULL)
		return -1;
	slot = part == CFG_BUILD_PKI_KEY ? &p->key : &p->cert;
	if (*slot != NULL) {
		cfg_lex_error(ps, kw, "pki '%s': %s already specified",
		    p->name, what);
		return -1;
	}
	*slot = xstrdup(path);
	return 0;
}

/* cfg_build_ca - "ca NAME cert PATH": a new certificate authority */
int
cfg_build_ca(struct cfg_pstate *ps, const char *name, const char *path,
    const struct cfg_loc *kw, const struct cfg_loc *nloc,
    const struct cfg_loc *ploc)
{
	struct cfg_ca	*c;

	if (cfg_check_file(ps, "certificate", path, ploc) == -1 ||
	    cfg_check_name(ps, name, nloc) == -1)
		return -1;
	if (cfg_ca_find(ps->cfg, name) != NULL) {
		cfg_lex_error(ps, nloc, "ca '%s' already defined", name);
		return -1;
	}
	c = cfg_ca_add(ps->cfg, name);
	c->cert = xstrdup(path);
	c->loc = *kw;
	return 0;
}

/* cfg_build_listener - start "listen on ADDR" (or any, or the socket) */
int
cfg_build_listener(struct cfg_pstate *ps, const char *addr, int is_socket,
    const struct cfg_loc *loc)
{
	if (cfg_check_copy(ps, NULL, HOST_MAX, "address", addr, loc) == -1)
		return -1;
	ps->listener = cfg_listener_add(ps->cfg, addr);
	ps->listener->loc = *loc;
	if (is_socket) {
		ps->listener->is_socket = 1;
		ps->listener->port = 0;
	}
	ps->seen = 0;
	return 0;
}

/* cfg_build_listener_pki - "pki NAME" on a listener: one more for SNI */
int
cfg_build_listener_pki(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *kw, const struct cfg_loc *nloc)
{
	struct cfg_listener	*l = ps->listener;
	struct cfg_pki		*p;
	size_t			 i;

	if (cfg_check_opt(ps, CFG_OPT_PKI, kw) == -1 ||
	    (p = cfg_check_pki(ps, name, nloc)) == NULL)
		return -1;
	for (i = 0; i < l->npki; i++)
		if (l->pki[i] == p)
			break;
	if (i < l->npki || l->npki == CFG_PKI_MAX) {
		cfg_lex_error(ps, nloc, i < l->npki ? "duplicate pki '%s'" :
		    "too many pki (at '%s')", name);
		return -1;
	}
	l->pki[l->npki++] = p;
	return 0;
}

/* cfg_build_action_new - start action name of the given type */
int
cfg_build_action_new(struct cfg_pstate *ps, const char *name,
    enum cfg_action_type type, const struct cfg_loc *loc)
{
	if (cfg_check_name(ps, name, loc) == -1)
		return -1;
	if (cfg_action_find(ps->cfg, name) != NULL) {
		cfg_lex_error(ps, loc, "action '%s' already defined", name);
		return -1;
	}
	ps->action = cfg_action_add(ps->cfg, name);
	ps->action->type = type;
	ps->action->loc = *loc;
	ps->seen = 0;
	return 0;
}

/* cfg_build_action_host - "host URL": the relay host of the action */
int
cfg_build_action_host(struct cfg_pstate *ps, const char *url,
    const struct cfg_loc *kw, const struct cfg_loc *uloc)
{
	char		 err[ERRTEXT_MAX];
	int		 r;

	r = cfg_check_opt(ps, CFG_OPT_HOST, kw);
	if (r == 0 && cfg_relay_url_parse(url, &ps->action->host,
	    err, sizeof(err)) == -1) {
		cfg_lex_error(ps, uloc, "%s", err);
		r = -1;
	}
	ps->action->has_host = 1;
	return r;
}

/* cfg_build_filter_opt - the option slot (from, for, ...) of a filter */
static enum cfg_opt
cfg_build_filter_opt(enum cfg_filter_type type)
{
	if (type <= CFG_FILTER_FROM_RDNS)
		return CFG_OPT_M_FROM;
	if (type <= CFG_FILTER_FOR_RCPT_TO)
		return CFG_OPT_M_FOR;
	return CFG_OPT_M_AUTH + (type - CFG_FILTER_AUTH);
}

/* cfg_build_filter - add a filter (taking value) to the current rule */
int
cfg_build_filter(struct cfg_pstate *ps, enum cfg_filter_type type,
    int negate, char *value, struct cfg_table *table, const struct cfg_loc *loc)
{
	struct cfg_filter	*f;

	if (cfg_check_opt(ps, cfg_build_filter_opt(type), loc) == -1 ||
	    (value != NULL && cfg_check_copy(ps, NULL, type == CFG_FILTER_TAG ?
	    NAME_MAX_CFG : ADDR_MAX, "value", value, loc) == -1)) {
		free(value);
		return -1;
	}
	f = cfg_filter_add(ps->match, type, negate);
	f->value = value;
	f->table = table;
	return 0;
}

/* cfg_build_match_action - "action NAME" ends a rule; it must exist */
int
cfg_build_match_action(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *loc)
{
	ps->match->action = cfg_action_find(ps->cfg, name);
	if (ps->match->action == NULL) {
		cfg_lex_error(ps, loc, "undefined action '%s'", name);
		return -1;
	}
	return 0;
}

/* cfg_build_sub_addr_delim - "smtp sub-addr-delim C": one character */
int
cfg_build_sub_addr_delim(struct cfg_pstate *ps, const char *s,
    const struct cfg_loc *loc)
{
	if (strlen(s) != 1) {
		cfg_lex_error(ps, loc, "sub-addr-delim must be one character");
		return -1;
	}
	ps->cfg->smtp.sub_addr_delim = s[0];
	return 0;
}

/* cfg_build_queue_key - "queue encryption KEY": takes key, drops the old */
void
cfg_build_queue_key(struct cfg_pstate *ps, char *key)
{
	struct cfg_queue	*q = &ps->cfg->queue;

	q->encryption = 1;
	freezero(q->encryption_key, q->encryption_key ?
	    strlen(q->encryption_key) : 0);
	q->encryption_key = key;
}

/* cfg_build_queue_path - "queue path PATH": an absolute spool path */
int
cfg_build_queue_path(struct cfg_pstate *ps, const char *path,
    const struct cfg_loc *loc)
{
	if (cfg_check_copy(ps, ps->cfg->queue.path, PATH_MAX_CFG,
	    "queue path", path, loc) == -1)
		return -1;
	if (path[0] != '/') {
		cfg_lex_error(ps, loc, "queue path must be absolute");
		return -1;
	}
	return 0;
}

/* cfg_build_bounce_warn - one "bounce warn-interval" delay */
int
cfg_build_bounce_warn(struct cfg_pstate *ps, long long delay,
    const struct cfg_loc *loc)
{
	struct cfg	*c = ps->cfg;

	if (cfg_check_range(ps, delay, 1, 365LL * 86400, "warn-interval",
	    loc) == -1)
		return -1;
	if (c->nbounce_warn == CFG_WARN_MAX) {
		cfg_lex_error(ps, loc, "too many warn-interval delays "
		    "(at most %d)", CFG_WARN_MAX);
		return -1;
	}
	c->bounce_warn[c->nbounce_warn++] = delay;
	return 0;
}
