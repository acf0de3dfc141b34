/*
 * t_table_cfg.c - table_cfg_open(): a configured table (file:, db:,
 * inline list, inline map) made an open one, and the refusals.
 */
#include <sys/queue.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "cfg.h"
#include "table.h"
#include "table_cfg.h"
#include "file_harness.h"

/* cfg_table_init - an empty configured table of the given type */
static void
cfg_table_init(struct cfg_table *ct, const char *name,
    enum cfg_table_type type, char *path)
{
	memset(ct, 0, sizeof(*ct));
	strlcpy(ct->name, name, sizeof(ct->name));
	ct->type = type;
	ct->path = path;
	TAILQ_INIT(&ct->entries);
}

/* cfg_table_push - append one entry (value NULL: list) to ct */
static void
cfg_table_push(struct cfg_table *ct, struct cfg_table_entry *e,
    const char *key, const char *value)
{
	e->key = (char *)key;
	e->value = (char *)value;
	TAILQ_INSERT_TAIL(&ct->entries, e, entry);
	ct->nentries++;
}

/* string_of - the TABLE_K_STRING value of key in t, "" when absent */
static const char *
string_of(struct table *t, const char *key)
{
	static union table_result	res;

	if (table_lookup(t, TABLE_K_STRING, key, &res) != 1)
		return "";
	return res.string;
}

/* open_ok - table_cfg_open(ct), which must succeed */
static struct table *
open_ok(const struct cfg_table *ct)
{
	struct table	*t;
	char		 err[256];

	t = table_cfg_open(ct, err, sizeof(err));
	ATF_REQUIRE_MSG(t != NULL, "%s", err);
	ATF_CHECK_STREQ(table_name(t), ct->name);
	return t;
}

ATF_TC_WITHOUT_HEAD(table_cfg_open_file);
ATF_TC_BODY(table_cfg_open_file, tc)
{
	struct cfg_table	 ct;
	struct table		*t;
	char			 path[] = "map.txt";

	file_harness_text(path, "Alice alice@example.org\nbob bob@example.org\n");
	cfg_table_init(&ct, "users", CFG_TABLE_FILE, path);
	t = open_ok(&ct);
	ATF_CHECK_EQ(table_type(t), TABLE_T_MAP);
	ATF_CHECK_STREQ(string_of(t, "ALICE"), "alice@example.org");
	ATF_CHECK_STREQ(string_of(t, "carol"), "");
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_cfg_open_db);
ATF_TC_BODY(table_cfg_open_db, tc)
{
	struct cfg_table	 ct;
	struct table		*t;
	char			 err[256], path[] = "set.db";

	file_harness_text("set", "example.org\nExample.NET\n");
	ATF_REQUIRE_EQ_MSG(makemap_build("set", NULL, MAKEMAP_SRC_SET, err,
	    sizeof(err)), 0, "%s", err);
	cfg_table_init(&ct, "domains", CFG_TABLE_DB, path);
	t = open_ok(&ct);
	ATF_CHECK_EQ(table_type(t), TABLE_T_LIST);
	ATF_CHECK_EQ(table_match(t, TABLE_K_DOMAIN, "example.net"), 1);
	ATF_CHECK_EQ(table_match(t, TABLE_K_DOMAIN, "example.com"), 0);
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_cfg_open_inline_list);
ATF_TC_BODY(table_cfg_open_inline_list, tc)
{
	struct cfg_table	 ct;
	struct cfg_table_entry	 e[2];
	struct table		*t;

	cfg_table_init(&ct, "nets", CFG_TABLE_LIST, NULL);
	cfg_table_push(&ct, &e[0], "127.0.0.0/8", NULL);
	cfg_table_push(&ct, &e[1], "192.0.2.1", NULL);
	t = open_ok(&ct);
	ATF_CHECK_EQ(table_type(t), TABLE_T_LIST);
	ATF_CHECK_EQ(table_match(t, TABLE_K_NETADDR, "127.1.2.3"), 1);
	ATF_CHECK_EQ(table_match(t, TABLE_K_NETADDR, "192.0.2.1"), 1);
	ATF_CHECK_EQ(table_match(t, TABLE_K_NETADDR, "192.0.2.2"), 0);
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_cfg_open_inline_map);
ATF_TC_BODY(table_cfg_open_inline_map, tc)
{
	struct cfg_table	 ct;
	struct cfg_table_entry	 e[2];
	struct table		*t;

	cfg_table_init(&ct, "aliases", CFG_TABLE_MAP, NULL);
	cfg_table_push(&ct, &e[0], "Root", "Alice");
	cfg_table_push(&ct, &e[1], "postmaster", "root");
	t = open_ok(&ct);
	ATF_CHECK_EQ(table_type(t), TABLE_T_MAP);
	ATF_CHECK_STREQ(string_of(t, "root"), "Alice");
	ATF_CHECK_STREQ(string_of(t, "postmaster"), "root");
	ATF_CHECK_STREQ(string_of(t, "abuse"), "");
	table_free(t);
}

ATF_TC_WITHOUT_HEAD(table_cfg_open_missing_file);
ATF_TC_BODY(table_cfg_open_missing_file, tc)
{
	struct cfg_table	 ct;
	char			 err[256], file[] = "nonexistent.txt",
				 db[] = "nonexistent.db";

	cfg_table_init(&ct, "gone", CFG_TABLE_FILE, file);
	err[0] = '\0';
	ATF_CHECK(table_cfg_open(&ct, err, sizeof(err)) == NULL);
	ATF_CHECK_MSG(strncmp(err, "table gone: ", 12) == 0, "%s", err);
	ATF_CHECK_MSG(strstr(err, "nonexistent.txt") != NULL, "%s", err);

	cfg_table_init(&ct, "gonedb", CFG_TABLE_DB, db);
	err[0] = '\0';
	ATF_CHECK(table_cfg_open(&ct, err, sizeof(err)) == NULL);
	ATF_CHECK_MSG(strncmp(err, "table gonedb: ", 14) == 0, "%s", err);
}

ATF_TC_WITHOUT_HEAD(table_cfg_open_invalid_entry);
ATF_TC_BODY(table_cfg_open_invalid_entry, tc)
{
	struct cfg_table	 ct;
	struct cfg_table_entry	 e[2];
	char			 err[256];

	/* a map entry that repeats a key */
	cfg_table_init(&ct, "dup", CFG_TABLE_MAP, NULL);
	cfg_table_push(&ct, &e[0], "k", "one");
	cfg_table_push(&ct, &e[1], "K", "two");
	ATF_CHECK(table_cfg_open(&ct, err, sizeof(err)) == NULL);
	ATF_CHECK_STREQ(err, "table dup: invalid entry \"K\"");

	/* a list entry with a control character */
	cfg_table_init(&ct, "ctl", CFG_TABLE_LIST, NULL);
	cfg_table_push(&ct, &e[0], "good", NULL);
	cfg_table_push(&ct, &e[1], "bad\nkey", NULL);
	ATF_CHECK(table_cfg_open(&ct, err, sizeof(err)) == NULL);
	ATF_CHECK_MSG(strncmp(err, "table ctl: invalid entry", 24) == 0,
	    "%s", err);
}

ATF_TC_WITHOUT_HEAD(table_cfg_open_bad_path);
ATF_TC_BODY(table_cfg_open_bad_path, tc)
{
	struct cfg_table	 ct;
	char			 err[256];

	cfg_table_init(&ct, "nopath", CFG_TABLE_FILE, NULL);
	ATF_CHECK(table_cfg_open(&ct, err, sizeof(err)) == NULL);
	ATF_CHECK_STREQ(err, "table nopath: missing or invalid path");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, table_cfg_open_file);
	ATF_TP_ADD_TC(tp, table_cfg_open_db);
	ATF_TP_ADD_TC(tp, table_cfg_open_inline_list);
	ATF_TP_ADD_TC(tp, table_cfg_open_inline_map);
	ATF_TP_ADD_TC(tp, table_cfg_open_missing_file);
	ATF_TP_ADD_TC(tp, table_cfg_open_invalid_entry);
	ATF_TP_ADD_TC(tp, table_cfg_open_bad_path);
	return atf_no_error();
}
