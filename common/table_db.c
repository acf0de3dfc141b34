/*
 * table_db.c - db: tables, Berkeley DB hash files (built by makemap.c).
 *
 * Layout (written by makemap_build, read by the backend): one record
 * per entry; the key is the lower-case key and the value is the value,
 * both stored with their terminating NUL byte counted in the size.  A
 * list entry has the empty value (a single NUL byte).  For aliases the
 * value is the entry's values joined by ", ", quoted where needed.
 */
#include <db.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "xmalloc.h"

struct table_db {
	DB		*db;
	enum table_type	 type;
};

/* table_db_str - is d a NUL-terminated string without inner NUL? */
static int
table_db_str(const DBT *d)
{
	const char	*p = d->data;

	return d->size > 0 && p[d->size - 1] == '\0' &&
	    strlen(p) == d->size - 1;
}

/* table_db_first_type - list or map, from the first record */
static int
table_db_first_type(DB *db, enum table_type *type)
{
	DBC	*cur;
	DBT	 k, v;
	int	 r;

	*type = TABLE_T_NONE;
	if (db->cursor(db, NULL, &cur, 0) != 0)
		return -1;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	r = cur->get(cur, &k, &v, DB_NEXT);
	cur->close(cur);
	if (r == DB_NOTFOUND)
		return 0;
	if (r != 0 || !table_db_str(&v))
		return -1;
	*type = v.size == 1 ? TABLE_T_LIST : TABLE_T_MAP;
	return 0;
}

/* table_db_open - backend open: the hash file, read-only */
static int
table_db_open(const char *path, void **handle, char *err, size_t errsz)
{
	struct table_db	*tdb;
	DB		*db;
	int		 r;

	if ((r = db_create(&db, NULL, 0)) != 0) {
		snprintf(err, errsz, "%s: %s", path, db_strerror(r));
		return -1;
	}
	if ((r = db->open(db, NULL, path, NULL, DB_HASH, DB_RDONLY, 0)) != 0) {
		snprintf(err, errsz, "%s: %s", path, db_strerror(r));
		db->close(db, 0);
		return -1;
	}
	tdb = xcalloc(1, sizeof(*tdb));
	tdb->db = db;
	if (table_db_first_type(db, &tdb->type) == -1) {
		snprintf(err, errsz, "%s: not a table database", path);
		db->close(db, 0);
		free(tdb);
		return -1;
	}
	*handle = tdb;
	return 0;
}

/* table_db_close - backend close */
static void
table_db_close(void *handle)
{
	struct table_db	*tdb = handle;

	tdb->db->close(tdb->db, 0);
	free(tdb);
}

/* table_db_get - exact lookup of a lower-case key */
static int
table_db_get(void *handle, const char *key, char *val, size_t valsz)
{
	struct table_db	*tdb = handle;
	DBT		 k, v;
	int		 r;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)strlen(key) + 1;
	if ((r = tdb->db->get(tdb->db, NULL, &k, &v, 0)) == DB_NOTFOUND)
		return 0;
	if (r != 0 || !table_db_str(&v))
		return -1;
	if (val != NULL && strlcpy(val, v.data, valsz) >= valsz)
		return -1;
	return 1;
}

/* table_db_foreach - visit every record in hash order */
static int
table_db_foreach(void *handle, table_cb cb, void *arg)
{
	struct table_db	*tdb = handle;
	DBC		*cur;
	DBT		 k, v;
	int		 r, stop = 0;

	if (tdb->db->cursor(tdb->db, NULL, &cur, 0) != 0)
		return -1;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while (stop == 0 && (r = cur->get(cur, &k, &v, DB_NEXT)) == 0) {
		if (!table_db_str(&k) || !table_db_str(&v))
			stop = -1;
		else
			stop = cb(arg, k.data, v.data);
	}
	cur->close(cur);
	if (stop != 0)
		return stop;
	return r == DB_NOTFOUND ? 0 : -1;
}

/* table_db_type - list, map or none (empty) */
static enum table_type
table_db_type(void *handle)
{
	return ((struct table_db *)handle)->type;
}

const struct table_backend table_db_backend = {
	"db", 1, table_db_open, table_db_close, table_db_get,
	table_db_foreach, table_db_type
};
