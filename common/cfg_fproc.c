/*
 * cfg_fproc.c - filter processes of smtpd.conf: "proc NAME CMD" and the
 * process of "filter NAME proc-exec CMD", each with its options user,
 * group and chroot; "filter NAME proc PROC" names a process defined
 * before.  One process serves every filter that names it.
 */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_check.h"
#include "cfg_fproc.h"
#include "cfg_parse.h"
#include "cfg_sfilter.h"
#include "xmalloc.h"

/* cfg_fproc_find - the filter process named name, or NULL */
struct cfg_fproc *
cfg_fproc_find(const struct cfg *cfg, const char *name)
{
	struct cfg_fproc	*p;

	TAILQ_FOREACH(p, &cfg->fprocs, entry)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* cfg_fproc_at - the filter process at position index, or NULL */
struct cfg_fproc *
cfg_fproc_at(const struct cfg *cfg, uint32_t index)
{
	struct cfg_fproc	*p;

	TAILQ_FOREACH(p, &cfg->fprocs, entry)
		if (p->index == index)
			return p;
	return NULL;
}

/* cfg_fproc_free_all - free every filter process */
void
cfg_fproc_free_all(struct cfg *cfg)
{
	struct cfg_fproc	*p;

	while ((p = TAILQ_FIRST(&cfg->fprocs)) != NULL) {
		TAILQ_REMOVE(&cfg->fprocs, p, entry);
		free(p->command);
		free(p);
	}
}

/* cfg_fproc_build_new - a process named name running command */
int
cfg_fproc_build_new(struct cfg_pstate *ps, const char *name,
    const char *command, const struct cfg_loc *loc)
{
	struct cfg_fproc	*p, *last;

	if (cfg_check_name(ps, name, loc) == -1 ||
	    cfg_check_copy(ps, NULL, CFG_SFILTER_MSG_MAX, "command", command,
	    loc) == -1)
		return -1;
	last = TAILQ_LAST(&ps->cfg->fprocs, cfg_fproc_list);
	if (cfg_fproc_find(ps->cfg, name) != NULL)
		cfg_lex_error(ps, loc, "proc '%s' already defined", name);
	else if (last != NULL && last->index + 1 >= CFG_FPROC_MAX)
		cfg_lex_error(ps, loc, "too many filter processes (at most "
		    "%d)", CFG_FPROC_MAX);
	if (ps->failed)
		return -1;
	p = xcalloc(1, sizeof(*p));
	strlcpy(p->name, name, sizeof(p->name));
	p->index = last != NULL ? last->index + 1 : 0;
	p->command = xstrdup(command);
	p->loc = *loc;
	TAILQ_INSERT_TAIL(&ps->cfg->fprocs, p, entry);
	ps->fproc = p;
	return 0;
}

/* cfg_fproc_build_opt - "user U", "group G" or "chroot DIR" */
int
cfg_fproc_build_opt(struct cfg_pstate *ps, const char *opt,
    const char *value, const struct cfg_loc *loc)
{
	struct cfg_fproc	*p = ps->fproc;
	char			*dst;
	size_t			 size;

	if (strcmp(opt, "user") == 0) {
		dst = p->user;
		size = sizeof(p->user);
	} else if (strcmp(opt, "group") == 0) {
		dst = p->group;
		size = sizeof(p->group);
	} else if (strcmp(opt, "chroot") == 0) {
		dst = p->chroot;
		size = sizeof(p->chroot);
	} else {
		cfg_lex_error(ps, loc, "unexpected '%s'", opt);
		return -1;
	}
	if (*dst != '\0')
		cfg_lex_error(ps, loc, "'%s' specified twice", opt);
	else if (dst == p->chroot && value[0] != '/')
		cfg_lex_error(ps, loc, "chroot '%s' is not an absolute path",
		    value);
	else if (dst == p->user && strcmp(value, "root") == 0)
		cfg_lex_error(ps, loc, "proc '%s': filters never run as "
		    "root", p->name);
	if (ps->failed)
		return -1;
	return cfg_check_copy(ps, dst, size, opt, value, loc);
}

/* cfg_fproc_build_exec - "filter NAME proc-exec CMD": its own process */
int
cfg_fproc_build_exec(struct cfg_pstate *ps, const char *name,
    const char *command, const struct cfg_loc *loc)
{
	if (cfg_sfilter_build_new(ps, name, CFG_SFILTER_PROC, loc) == -1 ||
	    cfg_fproc_build_new(ps, name, command, loc) == -1)
		return -1;
	ps->sfilter->proc = ps->fproc;
	return 0;
}

/* cfg_fproc_build_filter - "filter NAME proc PROC": a process defined */
int
cfg_fproc_build_filter(struct cfg_pstate *ps, const char *name,
    const char *proc, const struct cfg_loc *loc)
{
	struct cfg_fproc	*p;

	if ((p = cfg_fproc_find(ps->cfg, proc)) == NULL) {
		cfg_lex_error(ps, loc, "undefined proc '%s'", proc);
		return -1;
	}
	if (cfg_sfilter_build_new(ps, name, CFG_SFILTER_PROC, loc) == -1)
		return -1;
	ps->sfilter->proc = p;
	return 0;
}
