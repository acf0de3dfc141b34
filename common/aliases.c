/*
 * aliases.c - the aliases(5) parser: entries, continuation lines and the
 * value forms, with "file:line: message" errors.  Pure but for
 * aliases_load, which reads the file and hands the bytes over.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "buf.h"
#include "table.h"
#include "xmalloc.h"

/* aliases_classify - set the type and text of one unquoted token */
static int
aliases_classify(const char *tok, struct aliases_value *v, char *err,
    size_t errsz)
{
	const char	*text = tok, *at;

	memset(v, 0, sizeof(*v));
	if (*tok == '|') {
		v->type = ALIASES_T_COMMAND;
		for (text = tok + 1; *text == ' ' || *text == '\t'; text++)
			;
	} else if (*tok == '/')
		v->type = ALIASES_T_FILENAME;
	else if (strncasecmp(tok, ":include:", 9) == 0) {
		v->type = ALIASES_T_INCLUDE;
		text = tok + 9;
		if (*text != '/') {
			snprintf(err, errsz, "include needs an absolute path");
			return -1;
		}
	} else if (strncasecmp(tok, "error:", 6) == 0) {
		v->type = ALIASES_T_ERROR;
		text = tok + 6;
		if ((text[0] != '4' && text[0] != '5') ||
		    !isdigit((unsigned char)text[1]) ||
		    !isdigit((unsigned char)text[2]) ||
		    (text[3] != ' ' && text[3] != '\0')) {
			snprintf(err, errsz, "error needs a 4xx or 5xx code");
			return -1;
		}
		v->code = (text[0] - '0') * 100 + (text[1] - '0') * 10 +
		    (text[2] - '0');
	} else if ((at = strrchr(tok, '@')) != NULL) {
		v->type = ALIASES_T_ADDRESS;
		if (at == tok || at[1] == '\0' ||
		    strpbrk(tok, " \t<>\"") != NULL) {
			snprintf(err, errsz, "invalid address \"%s\"", tok);
			return -1;
		}
	} else {
		v->type = ALIASES_T_USER;
		if (strpbrk(tok, " \t<>\":") != NULL) {
			snprintf(err, errsz, "invalid user name \"%s\"", tok);
			return -1;
		}
	}
	if (*text == '\0') {
		snprintf(err, errsz, "empty value");
		return -1;
	}
	strlcpy(v->text, text, sizeof(v->text));
	return 0;
}

/* aliases_token - copy one value (quoted or not) from *sp into tok */
static int
aliases_token(const char **sp, struct buf *tok, char *err, size_t errsz)
{
	const char	*s = *sp;
	size_t		 len;

	buf_reset(tok);
	if (*s != '"') {
		for (len = 0; s[len] != '\0' && s[len] != ','; len++)
			;
		*sp = s + len;
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (buf_add(tok, s, len) == -1)
			goto toolong;
		return 0;
	}
	for (s++; *s != '"'; s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		if (*s == '\0') {
			snprintf(err, errsz, "unterminated quote");
			return -1;
		}
		if (buf_add(tok, s, 1) == -1)
			goto toolong;
	}
	for (s++; *s == ' ' || *s == '\t'; s++)
		;
	if (*s != '\0' && *s != ',') {
		snprintf(err, errsz, "text after closing quote");
		return -1;
	}
	*sp = s;
	return 0;
toolong:
	snprintf(err, errsz, "value too long");
	return -1;
}

/* aliases_parse_values - split a comma-separated value list; pure */
int
aliases_parse_values(const char *s, struct aliases_value **vals,
    size_t *nvals, char *err, size_t errsz)
{
	struct aliases_value	*v = NULL;
	struct buf		 tok;
	size_t			 n = 0;

	buf_init(&tok, ALIASES_VALUE_MAX - 1);
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (aliases_token(&s, &tok, err, errsz) == -1)
			goto fail;
		if (tok.len == 0) {
			snprintf(err, errsz, "empty value");
			goto fail;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		if (aliases_classify(tok.data, &v[n], err, errsz) == -1)
			goto fail;
		n++;
		if (*s == '\0')
			break;
		s++;			/* the comma */
	}
	buf_free(&tok);
	*vals = v;
	*nvals = n;
	return 0;
fail:
	buf_free(&tok);
	free(v);
	return -1;
}

/* aliases_check_values - is s a valid value list? */
int
aliases_check_values(const char *s, char *err, size_t errsz)
{
	struct aliases_value	*v;
	size_t			 n;

	if (aliases_parse_values(s, &v, &n, err, errsz) == -1)
		return -1;
	free(v);
	return 0;
}

/*
 * aliases_forward_line - the next value list of a ~/.forward text held
 * at *cursor (cut in place, like strsep), without the CR of a CRLF and
 * leading blanks; NULL at the end
 */
char *
aliases_forward_line(char **cursor)
{
	char	*line;

	while ((line = strsep(cursor, "\n")) != NULL) {
		line[strcspn(line, "\r")] = '\0';
		line += strspn(line, " \t");
		if (*line != '\0' && *line != '#')
			return line;
	}
	return NULL;
}

/*
 * aliases_forward_has - does a ~/.forward text hold a value of this type
 * and text?  1 yes, 0 no, -1 when the text does not parse; pure
 */
int
aliases_forward_has(const char *text, enum aliases_type type,
    const char *value)
{
	struct aliases_value	*v;
	char			*copy, *p, *line, err[128];
	size_t			 n, i;
	int			 found = 0;

	p = copy = xstrdup(text);
	while (!found && (line = aliases_forward_line(&p)) != NULL) {
		if (aliases_parse_values(line, &v, &n, err,
		    sizeof(err)) == -1) {
			found = -1;
			break;
		}
		for (i = 0; i < n && !found; i++)
			found = v[i].type == type &&
			    strcmp(v[i].text, value) == 0;
		free(v);
	}
	free(copy);
	return found;
}

/*
 * aliases_forward_safe - a ~/.forward that may be used for account uid:
 * a regular file, writable by its owner alone, owned by the account or
 * by root, and then not a second link to someone's file
 */
int
aliases_forward_safe(const struct stat *st, uid_t uid)
{
	if (!S_ISREG(st->st_mode) || (st->st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	if (st->st_uid != uid && st->st_uid != 0)
		return 0;
	return st->st_uid == uid || st->st_nlink == 1;
}

/* aliases_format_one - append one value, quoted when it needs to be */
static int
aliases_format_one(const struct aliases_value *v, struct buf *b)
{
	static const char *const prefix[] = {
		[ALIASES_T_USER] = "", [ALIASES_T_ADDRESS] = "",
		[ALIASES_T_FILENAME] = "", [ALIASES_T_COMMAND] = "|",
		[ALIASES_T_INCLUDE] = ":include:", [ALIASES_T_ERROR] = "error:",
	};
	const char	*p;
	int		 quote;

	quote = strpbrk(v->text, ",\"\\") != NULL || v->text[0] == ' ' ||
	    v->text[0] == '\t' || v->text[strlen(v->text) - 1] == ' ' ||
	    v->text[strlen(v->text) - 1] == '\t';
	if (quote && buf_add(b, "\"", 1) == -1)
		return -1;
	if (buf_addstr(b, prefix[v->type]) == -1)
		return -1;
	for (p = v->text; *p != '\0'; p++) {
		if (quote && (*p == '"' || *p == '\\') &&
		    buf_add(b, "\\", 1) == -1)
			return -1;
		if (buf_add(b, p, 1) == -1)
			return -1;
	}
	return quote ? buf_add(b, "\"", 1) : 0;
}

/* aliases_format_values - the list as text that parses back to it */
int
aliases_format_values(const struct aliases_value *vals, size_t nvals,
    char *dst, size_t dstsz)
{
	struct buf	b;
	size_t		i;
	int		r = 0;

	if (dstsz == 0 || nvals == 0)
		return -1;
	buf_init(&b, dstsz - 1);
	for (i = 0; i < nvals && r == 0; i++) {
		if (i > 0)
			r = buf_add(&b, ", ", 2);
		if (r == 0)
			r = aliases_format_one(&vals[i], &b);
	}
	if (r == 0)
		strlcpy(dst, b.len > 0 ? b.data : "", dstsz);
	buf_free(&b);
	return r;
}

struct aliases_ctx {
	const char		*fname;
	struct aliases_list	*list;
	struct buf		 values;	/* the pending entry's values */
	char			 name[ALIASES_NAME_MAX];
	size_t			 lineno;	/* the pending entry's line */
	int			 pending;
};

/* aliases_err - "file:line: message" */
static int
aliases_err(const struct aliases_ctx *c, size_t line, const char *msg,
    char *err, size_t errsz)
{
	snprintf(err, errsz, "%s:%zu: %s", c->fname, line, msg);
	return -1;
}

/* aliases_flush - parse the pending entry's values and append it */
static int
aliases_flush(struct aliases_ctx *c, char *err, size_t errsz)
{
	struct aliases_entry	*e;
	char			 msg[256];
	size_t			 i;

	if (!c->pending)
		return 0;
	c->pending = 0;
	for (i = 0; i < c->list->n; i++)
		if (strcmp(c->list->entries[i].name, c->name) == 0)
			return aliases_err(c, c->lineno, "duplicate alias",
			    err, errsz);
	if (c->values.len == 0)
		return aliases_err(c, c->lineno, "missing value", err, errsz);
	c->list->entries = xreallocarray(c->list->entries, c->list->n + 1,
	    sizeof(*c->list->entries));
	e = &c->list->entries[c->list->n];
	memset(e, 0, sizeof(*e));
	if (aliases_parse_values(c->values.data, &e->values, &e->nvalues,
	    msg, sizeof(msg)) == -1)
		return aliases_err(c, c->lineno, msg, err, errsz);
	strlcpy(e->name, c->name, sizeof(e->name));
	e->lineno = c->lineno;
	c->list->n++;
	return 0;
}

/* aliases_entry_start - "name: values" begins a new entry */
static int
aliases_entry_start(struct aliases_ctx *c, const char *s, size_t len,
    size_t lineno, size_t *valoff, char *err, size_t errsz)
{
	const char	*colon;
	size_t		 nlen;

	if (aliases_flush(c, err, errsz) == -1)
		return -1;
	if ((colon = memchr(s, ':', len)) == NULL)
		return aliases_err(c, lineno, "missing ':' after name",
		    err, errsz);
	nlen = (size_t)(colon - s);
	while (nlen > 0 && (s[nlen - 1] == ' ' || s[nlen - 1] == '\t'))
		nlen--;
	if (nlen == 0 || memchr(s, ' ', nlen) != NULL ||
	    memchr(s, '\t', nlen) != NULL)
		return aliases_err(c, lineno, "invalid alias name", err, errsz);
	if (nlen >= sizeof(c->name))
		return aliases_err(c, lineno, "alias name too long", err, errsz);
	memcpy(c->name, s, nlen);
	c->name[nlen] = '\0';
	(void)table_key_lower(c->name, sizeof(c->name), c->name);
	buf_reset(&c->values);
	c->pending = 1;
	c->lineno = lineno;
	*valoff = (size_t)(colon + 1 - s);
	return 0;
}

/* aliases_append - add value text to the pending entry */
static int
aliases_append(struct aliases_ctx *c, const char *s, size_t len,
    size_t lineno, char *err, size_t errsz)
{
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (len == 0)
		return 0;
	if ((c->values.len > 0 && buf_add(&c->values, " ", 1) == -1) ||
	    buf_add(&c->values, s, len) == -1)
		return aliases_err(c, lineno, "entry too long", err, errsz);
	return 0;
}

/* aliases_line - one physical line, without its LF */
static int
aliases_line(struct aliases_ctx *c, const char *s, size_t len,
    size_t lineno, char *err, size_t errsz)
{
	const char	*msg;
	size_t		 i, off;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if ((msg = table_file_check_line(s, len)) != NULL)
		return aliases_err(c, lineno, msg, err, errsz);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == len || s[i] == '#')
		return aliases_flush(c, err, errsz);
	if (i > 0) {
		if (!c->pending)
			return aliases_err(c, lineno,
			    "continuation line without an alias", err, errsz);
		return aliases_append(c, s + i, len - i, lineno, err, errsz);
	}
	if (aliases_entry_start(c, s, len, lineno, &off, err, errsz) == -1)
		return -1;
	return aliases_append(c, s + off, len - off, lineno, err, errsz);
}

/* aliases_parse - parse an aliases(5) buffer into list; pure */
int
aliases_parse(const char *buf, size_t len, const char *fname,
    struct aliases_list *list, char *err, size_t errsz)
{
	struct aliases_ctx	 c;
	const char		*nl;
	size_t			 off, n, lineno;
	int			 r = 0;

	memset(&c, 0, sizeof(c));
	memset(list, 0, sizeof(*list));
	c.fname = fname;
	c.list = list;
	buf_init(&c.values, ALIASES_LIST_MAX - 1);
	for (off = 0, lineno = 1; off < len && r == 0; lineno++) {
		nl = memchr(buf + off, '\n', len - off);
		n = nl == NULL ? len - off : (size_t)(nl - (buf + off));
		r = aliases_line(&c, buf + off, n, lineno, err, errsz);
		off += n + 1;
	}
	if (r == 0)
		r = aliases_flush(&c, err, errsz);
	buf_free(&c.values);
	if (r == -1)
		aliases_list_free(list);
	return r;
}

/* aliases_load - read and parse an aliases(5) file */
int
aliases_load(const char *path, struct aliases_list *list, char *err,
    size_t errsz)
{
	char	*data;
	size_t	 len;
	int	 r;

	memset(list, 0, sizeof(*list));
	if (table_file_read(path, &data, &len, err, errsz) == -1)
		return -1;
	r = aliases_parse(data, len, path, list, err, errsz);
	free(data);
	return r;
}

/* aliases_list_free - release every entry of list */
void
aliases_list_free(struct aliases_list *list)
{
	size_t	i;

	for (i = 0; i < list->n; i++)
		free(list->entries[i].values);
	free(list->entries);
	memset(list, 0, sizeof(*list));
}
