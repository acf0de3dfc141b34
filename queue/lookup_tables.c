/*
 * lookup_tables.c - the tables of the configuration, opened once by
 * the lookup process (before it drops privileges, so that root-only
 * credentials files can be read) and reloaded on `smtpctl update table
 * NAME`, or all at once on `smtpctl update table`.  A reload that fails
 * keeps the old contents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "lookup.h"
#include "table.h"
#include "xmalloc.h"

struct lookup_tables {
	size_t			  n;
	const struct cfg_table	**cfgt;
	struct table		**t;
};

/* lookup_tables_create - a struct table for one configured table */
static struct table *
lookup_tables_create(const struct cfg_table *ct, char *err, size_t errsz)
{
	const struct cfg_table_entry	*e;
	struct table			*t;

	switch (ct->type) {
	case CFG_TABLE_FILE:
		return table_create(ct->name, "file", ct->path, err, errsz);
	case CFG_TABLE_DB:
		return table_create(ct->name, "db", ct->path, err, errsz);
	default:
		break;
	}
	if ((t = table_create(ct->name, "inline", NULL, err, errsz)) == NULL)
		return NULL;
	TAILQ_FOREACH(e, &ct->entries, entry)
		if (table_add(t, e->key, e->value) == -1) {
			snprintf(err, errsz, "table %s: invalid entry \"%s\"",
			    ct->name, e->key);
			table_free(t);
			return NULL;
		}
	return t;
}

/* lookup_tables_open - create and open every table of cfg */
struct lookup_tables *
lookup_tables_open(const struct cfg *cfg, char *err, size_t errsz)
{
	struct lookup_tables	*lt;
	const struct cfg_table	*ct;
	struct table		*t;

	lt = xcalloc(1, sizeof(*lt));
	TAILQ_FOREACH(ct, &cfg->tables, entry) {
		if ((t = lookup_tables_create(ct, err, errsz)) == NULL)
			goto fail;
		if (table_open(t, err, errsz) == -1) {
			table_free(t);
			goto fail;
		}
		lt->cfgt = xreallocarray(lt->cfgt, lt->n + 1,
		    sizeof(*lt->cfgt));
		lt->t = xreallocarray(lt->t, lt->n + 1, sizeof(*lt->t));
		lt->cfgt[lt->n] = ct;
		lt->t[lt->n++] = t;
	}
	return lt;
fail:
	lookup_tables_free(lt);
	return NULL;
}

/* lookup_tables_reload_at - reload the i-th table and log the outcome */
static int
lookup_tables_reload_at(struct lookup_tables *lt, size_t i, char *err,
    size_t errsz)
{
	if (table_reload(lt->t[i], err, errsz) == -1) {
		log_warnx("lookup event=table-update table=%s error=\"%s\"",
		    lt->cfgt[i]->name, err);
		return -1;
	}
	log_info("lookup event=table-update table=%s", lt->cfgt[i]->name);
	return 0;
}

/*
 * lookup_tables_reload - reload the named (not anonymous) table, or every
 * named table when name is empty.  Each table is tried even when another
 * fails; err gets the first failure and how many more there were.
 */
int
lookup_tables_reload(struct lookup_tables *lt, const char *name, char *err,
    size_t errsz)
{
	char	first[512], e[512];
	size_t	i, found = 0, failed = 0;

	for (i = 0; i < lt->n; i++) {
		if (lt->cfgt[i]->anonymous || (name[0] != '\0' &&
		    strcmp(lt->cfgt[i]->name, name) != 0))
			continue;
		found++;
		if (lookup_tables_reload_at(lt, i, e, sizeof(e)) == -1 &&
		    failed++ == 0)
			strlcpy(first, e, sizeof(first));
	}
	if (found == 0 && name[0] != '\0') {
		snprintf(err, errsz, "no table named \"%s\"", name);
		log_warnx("lookup event=table-update table=%s "
		    "error=\"no such table\"", name);
		return -1;
	}
	if (failed == 0)
		return 0;
	if (failed == 1)
		strlcpy(err, first, errsz);
	else
		snprintf(err, errsz, "%s (and %zu more)", first, failed - 1);
	return -1;
}

/* lookup_tables_find - the opened table behind a configured one */
struct table *
lookup_tables_find(const struct lookup_tables *lt, const struct cfg_table *ct)
{
	size_t	i;

	for (i = 0; i < lt->n; i++)
		if (lt->cfgt[i] == ct)
			return lt->t[i];
	return NULL;
}

/* lookup_tables_lookup - the lookup_table_fn over opened tables (arg) */
int
lookup_tables_lookup(void *arg, const struct cfg_table *ct,
    enum table_kind kind, const char *key, union table_result *out)
{
	struct table	*t;

	if ((t = lookup_tables_find(arg, ct)) == NULL)
		return -1;
	return table_lookup(t, kind, key, out);
}

/* lookup_tables_free - close every table */
void
lookup_tables_free(struct lookup_tables *lt)
{
	size_t	i;

	if (lt == NULL)
		return;
	for (i = 0; i < lt->n; i++)
		table_free(lt->t[i]);
	free(lt->t);
	free(lt->cfgt);
	free(lt);
}
