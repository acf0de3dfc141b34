/*
 * makemap.c - build a Berkeley DB hash from a table(5) or aliases(5)
 * file, in the layout table_db.c reads: parse everything first, write a
 * temporary file in the target's directory, fsync it, rename it into
 * place and fsync the directory.
 */
#include <sys/stat.h>

#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "aliases.h"
#include "table.h"
#include "xmalloc.h"

#define MAKEMAP_EX_DATA	1	/* malformed input: exit 1 */

/* makemap_put - store one record, key and value with their NUL */
static int
makemap_put(void *arg, const char *key, const char *value)
{
	DB	*db = arg;
	DBT	 k, v;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)strlen(key) + 1;
	v.data = (void *)value;
	v.size = (u_int32_t)strlen(value) + 1;
	return db->put(db, NULL, &k, &v, DB_NOOVERWRITE) == 0 ? 0 : -1;
}

/* makemap_aliases - parse an aliases(5) buffer into the store */
static int
makemap_aliases(const char *data, size_t len, const char *src,
    struct table_inline *store, char *err, size_t errsz)
{
	struct aliases_list	 list;
	char			*val, msg[256];
	size_t			 i;
	int			 r = 0;

	if (aliases_parse(data, len, src, &list, err, errsz) == -1)
		return -1;
	val = xmalloc(TABLE_VALUE_MAX);
	for (i = 0; i < list.n && r == 0; i++) {
		r = aliases_format_values(list.entries[i].values,
		    list.entries[i].nvalues, val, TABLE_VALUE_MAX);
		if (r == 0)
			r = table_inline_put(store, list.entries[i].name, val,
			    msg, sizeof(msg));
		if (r == -1)
			snprintf(err, errsz, "%s:%zu: %s", src,
			    list.entries[i].lineno, "entry too long");
	}
	free(val);
	aliases_list_free(&list);
	return r;
}

/* makemap_parse - read and parse src; 0, EX_NOINPUT or MAKEMAP_EX_DATA */
static int
makemap_parse(const char *src, enum makemap_source type,
    struct table_inline *store, char *err, size_t errsz)
{
	char	*data;
	size_t	 len;
	int	 r;

	if (table_file_read(src, &data, &len, err, errsz) == -1)
		return EX_NOINPUT;
	if (type == MAKEMAP_SRC_ALIASES)
		r = makemap_aliases(data, len, src, store, err, errsz);
	else
		r = table_file_parse(data, len, src, type == MAKEMAP_SRC_SET ?
		    TABLE_T_LIST : TABLE_T_NONE, store, err, errsz);
	free(data);
	return r == 0 ? 0 : MAKEMAP_EX_DATA;
}

/* makemap_write_db - write every entry of store into the DB file path */
static int
makemap_write_db(const char *path, mode_t mode, struct table_inline *store,
    char *err, size_t errsz)
{
	DB	*db;
	int	 r;

	if ((r = db_create(&db, NULL, 0)) != 0) {
		snprintf(err, errsz, "%s: %s", path, db_strerror(r));
		return -1;
	}
	if ((r = db->open(db, NULL, path, NULL, DB_HASH,
	    DB_CREATE | DB_EXCL, (int)mode)) != 0) {
		snprintf(err, errsz, "%s: %s", path, db_strerror(r));
		db->close(db, 0);
		return -1;
	}
	if (table_inline_backend.foreach(store, makemap_put, db) != 0) {
		snprintf(err, errsz, "%s: cannot store a record", path);
		db->close(db, 0);
		return -1;
	}
	if ((r = db->close(db, 0)) != 0) {
		snprintf(err, errsz, "%s: %s", path, db_strerror(r));
		return -1;
	}
	return 0;
}

/* makemap_fsync_path - fsync a file or directory by name */
static int
makemap_fsync_path(const char *path, int flags)
{
	int	fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | flags)) == -1)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* makemap_dir - the directory part of path into dir */
static void
makemap_dir(const char *path, char *dir, size_t dirsz)
{
	char	*slash;

	strlcpy(dir, path, dirsz);
	if ((slash = strrchr(dir, '/')) == NULL)
		strlcpy(dir, ".", dirsz);
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
}

/* makemap_install - write store to a temp file, then rename it to dst */
static int
makemap_install(const char *dst, mode_t mode, struct table_inline *store,
    char *err, size_t errsz)
{
	char	tmp[PATH_MAX], dir[PATH_MAX];

	/* a random name next to dst; the database creates it exclusively */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp%08x%08x", dst, arc4random(),
	    arc4random()) >= (int)sizeof(tmp)) {
		snprintf(err, errsz, "%s: path too long", dst);
		return -1;
	}
	if (makemap_write_db(tmp, mode, store, err, errsz) == -1)
		goto fail;
	if (chmod(tmp, mode) == -1) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (makemap_fsync_path(tmp, 0) == -1 || rename(tmp, dst) == -1) {
		snprintf(err, errsz, "%s: %s", dst, strerror(errno));
		goto fail;
	}
	makemap_dir(dst, dir, sizeof(dir));
	if (makemap_fsync_path(dir, O_DIRECTORY) == -1) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
fail:
	(void)unlink(tmp);
	return -1;
}

/* makemap_build_code - build dst (NULL: src.db); 0 or an exit code */
static int
makemap_build_code(const char *src, const char *dst,
    enum makemap_source type, char *err, size_t errsz)
{
	struct table_inline	*store;
	struct stat		 st;
	char			*def = NULL;
	int			 r;

	store = table_inline_new();
	if ((r = makemap_parse(src, type, store, err, errsz)) == 0) {
		if (dst == NULL)
			xasprintf(&def, "%s.db", src);
		if (stat(src, &st) == -1)
			st.st_mode = 0600;
		if (makemap_install(dst != NULL ? dst : def,
		    st.st_mode & 0666, store, err, errsz) == -1)
			r = EX_CANTCREAT;
	}
	free(def);
	table_inline_free(store);
	return r;
}

/* makemap_build - build a DB file from src: 0, or -1 with err */
int
makemap_build(const char *src, const char *dst, enum makemap_source type,
    char *err, size_t errsz)
{
	return makemap_build_code(src, dst, type, err, errsz) == 0 ? 0 : -1;
}

/* makemap_usage - the synopsis, exit code EX_USAGE */
static int
makemap_usage(void)
{
	fprintf(stderr, "usage: makemap [-t aliases|set] [-o dbfile] file\n");
	return EX_USAGE;
}

/* makemap_run - the makemap(8) command line; returns the exit code */
int
makemap_run(int argc, char *argv[])
{
	enum makemap_source	 type = MAKEMAP_SRC_MAP;
	const char		*dst = NULL;
	char			 err[1024];
	int			 ch, r;

	optind = 1;
	while ((ch = getopt(argc, argv, "o:t:")) != -1) {
		if (ch == 'o')
			dst = optarg;
		else if (ch == 't' && strcmp(optarg, "aliases") == 0)
			type = MAKEMAP_SRC_ALIASES;
		else if (ch == 't' && strcmp(optarg, "set") == 0)
			type = MAKEMAP_SRC_SET;
		else
			return makemap_usage();
	}
	if (argc - optind != 1)
		return makemap_usage();
	if ((r = makemap_build_code(argv[optind], dst, type, err,
	    sizeof(err))) != 0)
		fprintf(stderr, "makemap: %s\n", err);
	return r;
}
