/*
 * lookup_tables.c - the tables of the configuration, opened once by
 * the lookup process (before it drops privileges, so that root-only
 * credentials files can be read) and reloaded on `smtpctl update table
 * NAME`, or all at once on `smtpctl update table`.  A reload that fails
 * keeps the old contents.
 *
 * The files of file: and db: tables are watched: every
 * LOOKUP_TABLES_CHECK seconds each is stat(2)ed, and one whose identity
 * (device, inode, size, modification time) changed and then stayed the
 * same for one more check (so that a file still being written is not
 * read half way) is reloaded, as after `newaliases`, `makemap` or an
 * editor.  A failed reload is logged once per new identity; the old
 * contents stay.  Reloads run as the lookup account: a file only root
 * can read needs a restart.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ev.h"
#include "log.h"
#include "lookup.h"
#include "table.h"
#include "table_cfg.h"
#include "xmalloc.h"

#define LOOKUP_TABLES_CHECK	1	/* seconds between two looks */

/* What a table's file was when last looked at. */
struct lookup_tables_id {
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime;
	int		exists;
};

struct lookup_tables_file {
	struct lookup_tables_id	loaded;	/* the contents in use */
	struct lookup_tables_id	seen;	/* the last look */
	int			failed;	/* seen could not be loaded */
};

struct lookup_tables {
	size_t				  n;
	const struct cfg_table		**cfgt;
	struct table			**t;
	struct lookup_tables_file	 *f;
	struct event			 *timer;
};

/* lookup_tables_stat - the identity of a table's file (none: inline) */
static void
lookup_tables_stat(const struct cfg_table *ct, struct lookup_tables_id *id)
{
	struct stat	sb;

	memset(id, 0, sizeof(*id));
	if ((ct->type != CFG_TABLE_FILE && ct->type != CFG_TABLE_DB) ||
	    stat(ct->path, &sb) == -1)
		return;
	id->exists = 1;
	id->dev = sb.st_dev;
	id->ino = sb.st_ino;
	id->size = sb.st_size;
	id->mtime = sb.st_mtim;
}

/* lookup_tables_same - two looks at a file saw the same file */
static int
lookup_tables_same(const struct lookup_tables_id *a,
    const struct lookup_tables_id *b)
{
	return a->exists == b->exists && a->dev == b->dev &&
	    a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
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
		if ((t = table_cfg_open(ct, err, errsz)) == NULL)
			goto fail;
		lt->cfgt = xreallocarray(lt->cfgt, lt->n + 1,
		    sizeof(*lt->cfgt));
		lt->t = xreallocarray(lt->t, lt->n + 1, sizeof(*lt->t));
		lt->f = xreallocarray(lt->f, lt->n + 1, sizeof(*lt->f));
		memset(&lt->f[lt->n], 0, sizeof(lt->f[lt->n]));
		lookup_tables_stat(ct, &lt->f[lt->n].loaded);
		lt->f[lt->n].seen = lt->f[lt->n].loaded;
		lt->cfgt[lt->n] = ct;
		lt->t[lt->n++] = t;
	}
	return lt;
fail:
	lookup_tables_free(lt);
	return NULL;
}

/*
 * lookup_tables_reload_one - reload table i, and remember which file
 * its contents came from
 */
static int
lookup_tables_reload_one(struct lookup_tables *lt, size_t i, char *err,
    size_t errsz)
{
	struct lookup_tables_id	id;

	lookup_tables_stat(lt->cfgt[i], &id);
	if (table_reload(lt->t[i], err, errsz) == -1)
		return -1;
	lt->f[i].loaded = id;
	lt->f[i].failed = 0;
	return 0;
}

/* lookup_tables_reload_at - reload the i-th table and log the outcome */
static int
lookup_tables_reload_at(struct lookup_tables *lt, size_t i, char *err,
    size_t errsz)
{
	if (lookup_tables_reload_one(lt, i, err, errsz) == -1) {
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

/*
 * lookup_tables_check - one look at every table file: reload those that
 * changed and have stayed the same since the previous look
 */
void
lookup_tables_check(struct lookup_tables *lt)
{
	struct lookup_tables_id	 now;
	struct lookup_tables_file	*f;
	char			 err[512];
	size_t			 i;

	for (i = 0; i < lt->n; i++) {
		f = &lt->f[i];
		lookup_tables_stat(lt->cfgt[i], &now);
		if (!lookup_tables_same(&now, &f->seen)) {
			f->seen = now;		/* wait until it settles */
			f->failed = 0;
			continue;
		}
		if (!now.exists || f->failed ||
		    lookup_tables_same(&now, &f->loaded))
			continue;
		if (lookup_tables_reload_one(lt, i, err, sizeof(err)) == -1) {
			f->failed = 1;
			log_warnx("lookup event=table-reload table=%s "
			    "error=\"%s\": the old contents stay",
			    lt->cfgt[i]->name, err);
		} else
			log_info("lookup event=table-reload table=%s "
			    "reason=changed", lt->cfgt[i]->name);
	}
}

/* lookup_tables_on_timer - the periodic look at the table files */
static void
lookup_tables_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lookup_tables_check(arg);
}

/* lookup_tables_watch - look at the table files from now on */
void
lookup_tables_watch(struct lookup_tables *lt)
{
	struct timeval	tv = { LOOKUP_TABLES_CHECK, 0 };

	lt->timer = event_new(ev_base(), -1, EV_PERSIST,
	    lookup_tables_on_timer, lt);
	if (lt->timer == NULL || event_add(lt->timer, &tv) == -1)
		fatalx("lookup: cannot watch the table files");
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
	if (lt->timer != NULL)
		event_free(lt->timer);
	free(lt->f);
	free(lt->t);
	free(lt->cfgt);
	free(lt);
}
