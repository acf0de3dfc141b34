/*
 * cfg_sfilter.c - SMTP filters of smtpd.conf ("filter NAME ..."): the
 * model's lookups and the builders behind the grammar.  A builtin
 * filter decides at one phase on conditions; a proc filter is a filter
 * process (cfg_fproc.c), a milter filter a milter (cfg_milter.c); a
 * chain runs builtin, proc and milter filters in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_check.h"
#include "cfg_parse.h"
#include "cfg_sfilter.h"
#include "smtp_addr.h"
#include "xmalloc.h"

static const char *const cfg_sfilter_phases[CFG_SFILTER_ALL_PHASES] = {
	[CFG_SFILTER_CONNECT] = "connect",
	[CFG_SFILTER_HELO] = "helo",
	[CFG_SFILTER_EHLO] = "ehlo",
	[CFG_SFILTER_STARTTLS] = "starttls",
	[CFG_SFILTER_AUTH] = "auth",
	[CFG_SFILTER_MAIL_FROM] = "mail-from",
	[CFG_SFILTER_RCPT_TO] = "rcpt-to",
	[CFG_SFILTER_DATA] = "data",
	[CFG_SFILTER_COMMIT] = "commit",
	[CFG_SFILTER_RSET] = "rset",
	[CFG_SFILTER_QUIT] = "quit",
	[CFG_SFILTER_NOOP] = "noop",
	[CFG_SFILTER_HELP] = "help",
};

/* cfg_sfilter_phase_name - the smtpd.conf word of a phase */
const char *
cfg_sfilter_phase_name(enum cfg_sfilter_phase p)
{
	if ((unsigned)p >= CFG_SFILTER_ALL_PHASES)
		return "?";
	return cfg_sfilter_phases[p];
}

/* cfg_sfilter_find - the filter or chain named name, or NULL */
struct cfg_sfilter *
cfg_sfilter_find(const struct cfg *cfg, const char *name)
{
	struct cfg_sfilter	*f;

	TAILQ_FOREACH(f, &cfg->sfilters, entry)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* cfg_sfilter_at - the filter at position index, or NULL */
struct cfg_sfilter *
cfg_sfilter_at(const struct cfg *cfg, uint32_t index)
{
	struct cfg_sfilter	*f;

	TAILQ_FOREACH(f, &cfg->sfilters, entry)
		if (f->index == index)
			return f;
	return NULL;
}

/* cfg_sfilter_add - append a new filter named name */
struct cfg_sfilter *
cfg_sfilter_add(struct cfg *cfg, const char *name)
{
	struct cfg_sfilter	*f, *last;

	f = xcalloc(1, sizeof(*f));
	strlcpy(f->name, name, sizeof(f->name));
	TAILQ_INIT(&f->conds);
	last = TAILQ_LAST(&cfg->sfilters, cfg_sfilter_list);
	f->index = last != NULL ? last->index + 1 : 0;
	TAILQ_INSERT_TAIL(&cfg->sfilters, f, entry);
	return f;
}

/* cfg_sfilter_cond_add - append a condition to a builtin filter */
struct cfg_filter *
cfg_sfilter_cond_add(struct cfg_sfilter *sf, enum cfg_filter_type type,
    int negate)
{
	struct cfg_filter	*f;

	f = xcalloc(1, sizeof(*f));
	f->type = type;
	f->negate = negate;
	TAILQ_INSERT_TAIL(&sf->conds, f, entry);
	return f;
}

/* cfg_sfilter_free_all - free every filter and its conditions */
void
cfg_sfilter_free_all(struct cfg *cfg)
{
	struct cfg_sfilter	*sf;
	struct cfg_filter	*f;

	while ((sf = TAILQ_FIRST(&cfg->sfilters)) != NULL) {
		TAILQ_REMOVE(&cfg->sfilters, sf, entry);
		while ((f = TAILQ_FIRST(&sf->conds)) != NULL) {
			TAILQ_REMOVE(&sf->conds, f, entry);
			free(f->value);
			free(f);
		}
		free(sf->message);
		free(sf->milter);
		free(sf);
	}
}

/* cfg_sfilter_reaches - rule is the filter f or one of its members */
int
cfg_sfilter_reaches(const struct cfg_sfilter *f,
    const struct cfg_sfilter *rule)
{
	size_t	i;

	if (f == NULL || rule == NULL)
		return 0;
	if (f == rule)
		return 1;
	for (i = 0; f->kind == CFG_SFILTER_CHAIN && i < f->nmembers; i++)
		if (f->members[i] == rule)
			return 1;
	return 0;
}

/*
 * cfg_sfilter_wants - a rule of filter (or chain) f hooks into phase p;
 * a filter process may hook into any (it says which once started), a
 * milter into any (its options say which)
 */
int
cfg_sfilter_wants(const struct cfg_sfilter *f, enum cfg_sfilter_phase p)
{
	size_t	i;

	if (f == NULL)
		return 0;
	if (f->kind == CFG_SFILTER_BUILTIN)
		return f->phase == p;
	if (f->kind == CFG_SFILTER_PROC || f->kind == CFG_SFILTER_MILTER)
		return 1;
	for (i = 0; i < f->nmembers; i++)
		if (cfg_sfilter_wants(f->members[i], p))
			return 1;
	return 0;
}

/* cfg_sfilter_has_kind - filter (or chain) f is or holds one of kind k */
static int
cfg_sfilter_has_kind(const struct cfg_sfilter *f, enum cfg_sfilter_kind k)
{
	size_t	i;

	if (f == NULL)
		return 0;
	if (f->kind == k)
		return 1;
	for (i = 0; f->kind == CFG_SFILTER_CHAIN && i < f->nmembers; i++)
		if (f->members[i]->kind == k)
			return 1;
	return 0;
}

/*
 * cfg_sfilter_has_proc - filter (or chain) f runs a filter process: the
 * session's report events are for it
 */
int
cfg_sfilter_has_proc(const struct cfg_sfilter *f)
{
	return cfg_sfilter_has_kind(f, CFG_SFILTER_PROC);
}

/*
 * cfg_sfilter_has_remote - filter (or chain) f runs a filter process or
 * a milter: a filter outside the lookup, asked at every phase and told
 * of the message's text and of the session's end
 */
int
cfg_sfilter_has_remote(const struct cfg_sfilter *f)
{
	return cfg_sfilter_has_proc(f) ||
	    cfg_sfilter_has_kind(f, CFG_SFILTER_MILTER);
}

/*
 * cfg_sfilter_reply_valid - a reject or disconnect message: a 4xx or
 * 5xx code, a space, printable text that fits one reply line
 */
int
cfg_sfilter_reply_valid(const char *s)
{
	size_t	i, len = strlen(s);

	if (len < 5 || len > CFG_SFILTER_MSG_MAX || (s[0] != '4' &&
	    s[0] != '5') || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
	    s[2] > '9' || s[3] != ' ')
		return 0;
	for (i = 4; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* cfg_sfilter_report_valid - a report's text: one printable line */
static int
cfg_sfilter_report_valid(const char *s)
{
	size_t	i, len = strlen(s);

	if (len == 0 || len > CFG_SFILTER_MSG_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* cfg_sfilter_build_new - start "filter NAME phase|chain ..." */
int
cfg_sfilter_build_new(struct cfg_pstate *ps, const char *name,
    enum cfg_sfilter_kind kind, const struct cfg_loc *loc)
{
	if (cfg_check_name(ps, name, loc) == -1)
		return -1;
	if (cfg_sfilter_find(ps->cfg, name) != NULL) {
		cfg_lex_error(ps, loc, "filter '%s' already defined", name);
		return -1;
	}
	ps->sfilter = cfg_sfilter_add(ps->cfg, name);
	ps->sfilter->kind = kind;
	ps->sfilter->loc = *loc;
	return 0;
}

/* cfg_sfilter_build_phase - "phase PHASE" of the builtin filter */
int
cfg_sfilter_build_phase(struct cfg_pstate *ps, const char *phase,
    const struct cfg_loc *loc)
{
	int	p;

	for (p = 0; p < CFG_SFILTER_PHASES; p++)
		if (strcmp(cfg_sfilter_phases[p], phase) == 0) {
			ps->sfilter->phase = (enum cfg_sfilter_phase)p;
			return 0;
		}
	cfg_lex_error(ps, loc, "unknown filter phase '%s'", phase);
	return -1;
}

/* cfg_sfilter_cond_phases - the phases where a condition has a value */
static unsigned int
cfg_sfilter_cond_phases(enum cfg_filter_type type)
{
	switch (type) {
	case CFG_FILTER_HELO:
		return ~(1u << CFG_SFILTER_CONNECT);
	case CFG_FILTER_MAIL_FROM:
		return (1u << CFG_SFILTER_MAIL_FROM) |
		    (1u << CFG_SFILTER_RCPT_TO) | (1u << CFG_SFILTER_DATA) |
		    (1u << CFG_SFILTER_COMMIT);
	case CFG_FILTER_RCPT_TO:
		return 1u << CFG_SFILTER_RCPT_TO;
	default:
		return ~0u;
	}
}

/* cfg_sfilter_build_cond - a condition the phase can test */
int
cfg_sfilter_build_cond(struct cfg_pstate *ps, enum cfg_filter_type type,
    int negate, struct cfg_table *table, const char *word,
    const struct cfg_loc *loc)
{
	struct cfg_sfilter	*sf = ps->sfilter;

	if (!(cfg_sfilter_cond_phases(type) & (1u << sf->phase))) {
		cfg_lex_error(ps, loc, "filter '%s': condition '%s' is not "
		    "available in phase %s", sf->name, word,
		    cfg_sfilter_phase_name(sf->phase));
		return -1;
	}
	cfg_sfilter_cond_add(sf, type, negate)->table = table;
	return 0;
}

/* cfg_sfilter_rewrite_valid - a new argument for the phase's command */
int
cfg_sfilter_rewrite_valid(enum cfg_sfilter_phase p, const char *v)
{
	struct smtp_addr	 a;
	char			 buf[ADDR_MAX + 2];
	size_t			 used;
	int			 n;

	if (p == CFG_SFILTER_HELO || p == CFG_SFILTER_EHLO)
		return strlen(v) < HOST_MAX &&
		    smtp_addr_domain_valid(v, strlen(v), 0);
	n = snprintf(buf, sizeof(buf), "<%s>", v);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return 0;
	return smtp_addr_parse(buf, (size_t)n, p == CFG_SFILTER_MAIL_FROM ?
	    SMTP_ADDR_F_MAIL : SMTP_ADDR_F_RCPT, &a, &used, NULL, 0) == 0 &&
	    used == (size_t)n;
}

/* cfg_sfilter_decision_check - the decision fits the phase; -1 says why */
static int
cfg_sfilter_decision_check(struct cfg_pstate *ps, enum cfg_sfilter_decision d,
    const char *msg, const struct cfg_loc *loc)
{
	struct cfg_sfilter	*sf = ps->sfilter;
	enum cfg_sfilter_phase	 p = sf->phase;

	if ((d == CFG_SFILTER_REJECT || d == CFG_SFILTER_DISCONNECT) &&
	    !cfg_sfilter_reply_valid(msg))
		cfg_lex_error(ps, loc, "filter '%s': the message must be a "
		    "4xx or 5xx code, a space and printable text (at most %d "
		    "characters)", sf->name, CFG_SFILTER_MSG_MAX);
	else if (d == CFG_SFILTER_REPORT && !cfg_sfilter_report_valid(msg))
		cfg_lex_error(ps, loc, "filter '%s': the report must be "
		    "printable text (at most %d characters)", sf->name,
		    CFG_SFILTER_MSG_MAX);
	else if (d == CFG_SFILTER_JUNK && p == CFG_SFILTER_COMMIT)
		cfg_lex_error(ps, loc, "filter '%s': junk is not possible "
		    "once the message is committed", sf->name);
	else if (d == CFG_SFILTER_REWRITE && p != CFG_SFILTER_HELO &&
	    p != CFG_SFILTER_EHLO && p != CFG_SFILTER_MAIL_FROM &&
	    p != CFG_SFILTER_RCPT_TO)
		cfg_lex_error(ps, loc, "filter '%s': rewrite is not possible "
		    "in phase %s", sf->name, cfg_sfilter_phase_name(p));
	else if (d == CFG_SFILTER_REWRITE && !cfg_sfilter_rewrite_valid(p, msg))
		cfg_lex_error(ps, loc, "filter '%s': invalid %s '%s' to "
		    "rewrite to", sf->name, p <= CFG_SFILTER_EHLO ? "name" :
		    "address", msg);
	return ps->failed ? -1 : 0;
}

/* cfg_sfilter_build_decision - what the builtin filter does (takes msg) */
int
cfg_sfilter_build_decision(struct cfg_pstate *ps,
    enum cfg_sfilter_decision d, char *msg, const struct cfg_loc *loc)
{
	if (cfg_sfilter_decision_check(ps, d, msg, loc) == -1) {
		free(msg);
		return -1;
	}
	ps->sfilter->decision = d;
	ps->sfilter->message = msg;
	return 0;
}

/* cfg_sfilter_build_member - one name of a chain: an earlier filter */
int
cfg_sfilter_build_member(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *loc)
{
	struct cfg_sfilter	*sf = ps->sfilter, *m;
	size_t			 i;

	if (strcmp(name, sf->name) == 0)
		cfg_lex_error(ps, loc, "chain '%s' names itself", name);
	else if ((m = cfg_sfilter_find(ps->cfg, name)) == NULL)
		cfg_lex_error(ps, loc, "undefined filter '%s'", name);
	else if (m->kind == CFG_SFILTER_CHAIN)
		cfg_lex_error(ps, loc, "chain '%s' names chain '%s': chains "
		    "do not nest", sf->name, name);
	else if (sf->nmembers == CFG_SFILTER_MEMBERS)
		cfg_lex_error(ps, loc, "chain '%s': too many filters (at "
		    "most %d)", sf->name, CFG_SFILTER_MEMBERS);
	else {
		for (i = 0; i < sf->nmembers; i++)
			if (sf->members[i] == m) {
				cfg_lex_error(ps, loc, "chain '%s' names "
				    "'%s' twice", sf->name, name);
				return -1;
			}
		sf->members[sf->nmembers++] = m;
	}
	return ps->failed ? -1 : 0;
}

/* cfg_sfilter_build_listener - "filter NAME" on a listen line */
int
cfg_sfilter_build_listener(struct cfg_pstate *ps, const char *name,
    const struct cfg_loc *kw, const struct cfg_loc *nloc)
{
	struct cfg_sfilter	*f;

	if (cfg_check_opt(ps, CFG_OPT_FILTER, kw) == -1)
		return -1;
	if ((f = cfg_sfilter_find(ps->cfg, name)) == NULL) {
		cfg_lex_error(ps, nloc, "undefined filter '%s'", name);
		return -1;
	}
	ps->listener->filter = f;
	return 0;
}
