/*
 * table_inline.c - the in-memory store: inline tables of the
 * configuration ({ a, b } and { k = v }) and loaded file: tables.
 */
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "xmalloc.h"

struct table_inline_entry {
	RB_ENTRY(table_inline_entry)	 node;
	char				*key;
	char				*value;	/* "" for a list entry */
};

RB_HEAD(table_inline_tree, table_inline_entry);

struct table_inline {
	struct table_inline_tree	tree;
	enum table_type			type;
	size_t				count;
};

static int	table_inline_cmp(struct table_inline_entry *,
		    struct table_inline_entry *);

RB_PROTOTYPE(table_inline_tree, table_inline_entry, node, table_inline_cmp);
RB_GENERATE(table_inline_tree, table_inline_entry, node, table_inline_cmp);

/* table_inline_cmp - order entries by key */
static int
table_inline_cmp(struct table_inline_entry *a, struct table_inline_entry *b)
{
	return strcmp(a->key, b->key);
}

/* table_inline_new - an empty store */
struct table_inline *
table_inline_new(void)
{
	struct table_inline	*ti;

	ti = xcalloc(1, sizeof(*ti));
	RB_INIT(&ti->tree);
	ti->type = TABLE_T_NONE;
	return ti;
}

/* table_inline_free - release a store and all its entries */
void
table_inline_free(void *handle)
{
	struct table_inline		*ti = handle;
	struct table_inline_entry	*e, *next;

	if (ti == NULL)
		return;
	RB_FOREACH_SAFE(e, table_inline_tree, &ti->tree, next) {
		RB_REMOVE(table_inline_tree, &ti->tree, e);
		free(e->key);
		free(e->value);
		free(e);
	}
	free(ti);
}

/* table_inline_check - refuse empty, overlong or control-character text */
static int
table_inline_check(const char *what, const char *s, size_t max,
    char *err, size_t errsz)
{
	const unsigned char	*p;

	if (strlen(s) >= max) {
		snprintf(err, errsz, "%s too long", what);
		return -1;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errsz, "control character in %s", what);
			return -1;
		}
	return 0;
}

/* table_inline_put - add key (lowered) with value, NULL for a list entry */
int
table_inline_put(struct table_inline *ti, const char *key, const char *value,
    char *err, size_t errsz)
{
	struct table_inline_entry	*e, find;
	enum table_type			 type;
	char				 lkey[TABLE_KEY_MAX];

	type = value == NULL ? TABLE_T_LIST : TABLE_T_MAP;
	if (*key == '\0') {
		snprintf(err, errsz, "empty key");
		return -1;
	}
	if (table_inline_check("key", key, TABLE_KEY_MAX, err, errsz) == -1 ||
	    (value != NULL && table_inline_check("value", value,
	    TABLE_VALUE_MAX, err, errsz) == -1))
		return -1;
	if (value != NULL && *value == '\0') {
		snprintf(err, errsz, "empty value");
		return -1;
	}
	if (ti->type != TABLE_T_NONE && ti->type != type) {
		snprintf(err, errsz, "mixed list and map entries");
		return -1;
	}
	(void)table_key_lower(lkey, sizeof(lkey), key);
	find.key = lkey;
	if (RB_FIND(table_inline_tree, &ti->tree, &find) != NULL) {
		if (type == TABLE_T_LIST)
			return 0;
		snprintf(err, errsz, "duplicate key \"%s\"", lkey);
		return -1;
	}
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(lkey);
	e->value = xstrdup(value == NULL ? "" : value);
	RB_INSERT(table_inline_tree, &ti->tree, e);
	ti->type = type;
	ti->count++;
	return 0;
}

/* table_inline_count - number of entries */
size_t
table_inline_count(const struct table_inline *ti)
{
	return ti->count;
}

/* table_inline_get - exact lookup of a lower-case key */
static int
table_inline_get(void *handle, const char *key, char *val, size_t valsz)
{
	struct table_inline		*ti = handle;
	struct table_inline_entry	 find, *e;

	find.key = (char *)key;
	if ((e = RB_FIND(table_inline_tree, &ti->tree, &find)) == NULL)
		return 0;
	if (val != NULL && strlcpy(val, e->value, valsz) >= valsz)
		return -1;
	return 1;
}

/* table_inline_foreach - visit entries in key order */
static int
table_inline_foreach(void *handle, table_cb cb, void *arg)
{
	struct table_inline		*ti = handle;
	struct table_inline_entry	*e;
	int				 r;

	RB_FOREACH(e, table_inline_tree, &ti->tree)
		if ((r = cb(arg, e->key, e->value)) != 0)
			return r;
	return 0;
}

/* table_inline_type - list, map, or none while empty */
static enum table_type
table_inline_type(void *handle)
{
	return ((struct table_inline *)handle)->type;
}

const struct table_backend table_inline_backend = {
	"inline", 0, NULL, table_inline_free, table_inline_get,
	table_inline_foreach, table_inline_type
};
