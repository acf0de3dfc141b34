/*
 * table_cfg.c - a configured table (struct cfg_table) made an open one.
 *
 * file: and db: tables are read from their path now; inline lists and
 * maps get their entries from the configuration.  On failure nothing is
 * kept and err says why, beginning with "table NAME:".
 */
#include <sys/queue.h>

#include <stdio.h>

#include "cfg.h"
#include "table.h"
#include "table_cfg.h"

/* table_cfg_create - an empty struct table of the configured backend */
static struct table *
table_cfg_create(const struct cfg_table *ct, char *err, size_t errsz)
{
	switch (ct->type) {
	case CFG_TABLE_FILE:
		return table_create(ct->name, "file", ct->path, err, errsz);
	case CFG_TABLE_DB:
		return table_create(ct->name, "db", ct->path, err, errsz);
	case CFG_TABLE_LIST:
	case CFG_TABLE_MAP:
		return table_create(ct->name, "inline", NULL, err, errsz);
	}
	snprintf(err, errsz, "table %s: unknown type %d", ct->name,
	    (int)ct->type);
	return NULL;
}

/*
 * table_cfg_open - create, fill (inline entries) and open the table ct
 * describes; the table, or NULL with err set
 */
struct table *
table_cfg_open(const struct cfg_table *ct, char *err, size_t errsz)
{
	const struct cfg_table_entry	*e;
	struct table			*t;

	if ((t = table_cfg_create(ct, err, errsz)) == NULL)
		return NULL;
	if (ct->type == CFG_TABLE_LIST || ct->type == CFG_TABLE_MAP)
		TAILQ_FOREACH(e, &ct->entries, entry)
			if (table_add(t, e->key, e->value) == -1) {
				snprintf(err, errsz, "table %s: invalid "
				    "entry \"%s\"", ct->name, e->key);
				goto fail;
			}
	if (table_open(t, err, errsz) == -1)
		goto fail;
	return t;
fail:
	table_free(t);
	return NULL;
}
