/*
 * table_file.c - file: tables (table(5)), parsed into the in-memory store.
 *
 * One entry per line: a key alone (a list) or a key, then white space or
 * ": ", then the value (a map).  '#' starts a comment line; blank lines
 * are ignored; in a map, a line that starts with white space continues
 * the previous value (as in aliases(5)).  A trailing CR is dropped.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "table.h"
#include "xmalloc.h"

struct table_file_ctx {
	const char		*fname;
	struct table_inline	*store;
	enum table_type		 expect;
	struct buf		 key;
	struct buf		 value;
	size_t			 keyline;	/* line of the pending entry */
	int			 pending;
};

/* table_file_err - "file:line: message" */
static int
table_file_err(const struct table_file_ctx *c, size_t line, const char *msg,
    char *err, size_t errsz)
{
	snprintf(err, errsz, "%s:%zu: %s", c->fname, line, msg);
	return -1;
}

/* table_file_flush - store the pending entry, if any */
static int
table_file_flush(struct table_file_ctx *c, char *err, size_t errsz)
{
	char	msg[256];

	if (!c->pending)
		return 0;
	c->pending = 0;
	if (c->expect == TABLE_T_LIST && c->value.len > 0)
		return table_file_err(c, c->keyline,
		    "list entries take no value", err, errsz);
	if (c->expect == TABLE_T_MAP && c->value.len == 0)
		return table_file_err(c, c->keyline, "missing value",
		    err, errsz);
	if (table_inline_put(c->store, c->key.data,
	    c->value.len > 0 ? c->value.data : NULL, msg, sizeof(msg)) == -1)
		return table_file_err(c, c->keyline, msg, err, errsz);
	return 0;
}

/* table_file_check_line - refuse NUL, control characters but TAB, long lines */
const char *
table_file_check_line(const char *s, size_t len)
{
	size_t	i;

	if (len >= TABLE_LINE_MAX)
		return "line too long";
	for (i = 0; i < len; i++) {
		if (s[i] == '\0')
			return "NUL byte in line";
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return "control character in line";
	}
	return NULL;
}

/* table_file_trim - length of s without trailing white space */
static size_t
table_file_trim(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len;
}

/* table_file_continue - append a continuation line to the pending value */
static int
table_file_continue(struct table_file_ctx *c, const char *s, size_t len,
    size_t lineno, char *err, size_t errsz)
{
	if (!c->pending || c->value.len == 0)
		return table_file_err(c, lineno,
		    "continuation line without a map entry", err, errsz);
	if (buf_add(&c->value, " ", 1) == -1 || buf_add(&c->value, s, len) == -1)
		return table_file_err(c, lineno, "value too long", err, errsz);
	return 0;
}

/* table_file_entry - start a new entry from "key [sep value]" */
static int
table_file_entry(struct table_file_ctx *c, const char *s, size_t len,
    size_t lineno, char *err, size_t errsz)
{
	size_t	klen, v;

	if (table_file_flush(c, err, errsz) == -1)
		return -1;
	for (klen = 0; klen < len && s[klen] != ' ' && s[klen] != '\t'; klen++)
		;
	for (v = klen; v < len && (s[v] == ' ' || s[v] == '\t'); v++)
		;
	/* "key: value" and "key:" followed by a value: drop the colon */
	if (v < len && klen > 1 && s[klen - 1] == ':')
		klen--;
	buf_reset(&c->key);
	buf_reset(&c->value);
	if (buf_add(&c->key, s, klen) == -1)
		return table_file_err(c, lineno, "key too long", err, errsz);
	if (buf_add(&c->value, s + v, len - v) == -1)
		return table_file_err(c, lineno, "value too long", err, errsz);
	c->pending = 1;
	c->keyline = lineno;
	return 0;
}

/* table_file_line - handle one physical line (without its LF) */
static int
table_file_line(struct table_file_ctx *c, const char *s, size_t len,
    size_t lineno, char *err, size_t errsz)
{
	const char	*msg;
	size_t		 i;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if ((msg = table_file_check_line(s, len)) != NULL)
		return table_file_err(c, lineno, msg, err, errsz);
	len = table_file_trim(s, len);
	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == len || s[i] == '#')
		return table_file_flush(c, err, errsz);
	if (i > 0 && c->pending && c->value.len > 0)
		return table_file_continue(c, s + i, len - i, lineno,
		    err, errsz);
	return table_file_entry(c, s + i, len - i, lineno, err, errsz);
}

/* table_file_parse - parse a table(5) buffer into store; pure */
int
table_file_parse(const char *buf, size_t len, const char *fname,
    enum table_type expect, struct table_inline *store, char *err,
    size_t errsz)
{
	struct table_file_ctx	 c;
	const char		*nl;
	size_t			 off, n, lineno;
	int			 r = 0;

	memset(&c, 0, sizeof(c));
	c.fname = fname;
	c.store = store;
	c.expect = expect;
	buf_init(&c.key, TABLE_KEY_MAX - 1);
	buf_init(&c.value, TABLE_VALUE_MAX - 1);
	for (off = 0, lineno = 1; off < len && r == 0; lineno++) {
		nl = memchr(buf + off, '\n', len - off);
		n = nl == NULL ? len - off : (size_t)(nl - (buf + off));
		r = table_file_line(&c, buf + off, n, lineno, err, errsz);
		off += n + 1;
	}
	if (r == 0)
		r = table_file_flush(&c, err, errsz);
	buf_free(&c.key);
	buf_free(&c.value);
	return r;
}

/* table_file_read - read a whole regular file of bounded size */
int
table_file_read(const char *path, char **data, size_t *len, char *err,
    size_t errsz)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TABLE_FILE_MAX) {
		snprintf(err, errsz, "%s: not a regular file of at most %d "
		    "bytes", path, TABLE_FILE_MAX);
		close(fd);
		return -1;
	}
	*data = xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size &&
	    (n = read(fd, *data + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (off != (size_t)st.st_size) {
		snprintf(err, errsz, "%s: short read", path);
		free(*data);
		return -1;
	}
	*len = off;
	return 0;
}

/* table_file_load - read and parse path into a new store */
int
table_file_load(const char *path, enum table_type expect,
    struct table_inline **out, char *err, size_t errsz)
{
	struct table_inline	*ti;
	char			*data;
	size_t			 len;

	if (table_file_read(path, &data, &len, err, errsz) == -1)
		return -1;
	ti = table_inline_new();
	if (table_file_parse(data, len, path, expect, ti, err, errsz) == -1) {
		table_inline_free(ti);
		free(data);
		return -1;
	}
	free(data);
	*out = ti;
	return 0;
}

/* table_file_open - backend open: load the file into a fresh store */
static int
table_file_open(const char *path, void **handle, char *err, size_t errsz)
{
	struct table_inline	*ti;

	if (table_file_load(path, TABLE_T_NONE, &ti, err, errsz) == -1)
		return -1;
	*handle = ti;
	return 0;
}

/* table_file_get - exact lookup in the loaded store */
static int
table_file_get(void *handle, const char *key, char *val, size_t valsz)
{
	return table_inline_backend.get(handle, key, val, valsz);
}

/* table_file_foreach - visit the loaded entries */
static int
table_file_foreach(void *handle, table_cb cb, void *arg)
{
	return table_inline_backend.foreach(handle, cb, arg);
}

/* table_file_type - content type of the loaded store */
static enum table_type
table_file_type(void *handle)
{
	return table_inline_backend.type(handle);
}

const struct table_backend table_file_backend = {
	"file", 1, table_file_open, table_inline_free, table_file_get,
	table_file_foreach, table_file_type
};
