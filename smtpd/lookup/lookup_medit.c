/*
 * lookup_medit.c - the header fields of a spooled message as a milter
 * is sent them, and the edits a milter asks for at the end of the
 * message, recorded as they come and applied to the message in one pass
 * (the rules are in lookup_medit.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xmalloc.h"
#include "lookup_mproto.h"
#include "lookup_medit.h"

/* one header edit as received, the value with LF line ends */
struct lookup_medit_edit {
	char		 kind;
	uint32_t	 index;
	char		*name;
	char		*value;
};

/* where a body replacement stands */
enum lookup_medit_body {
	LOOKUP_MEDIT_BODY_KEPT,
	LOOKUP_MEDIT_BODY_OPEN,		/* chunks coming */
	LOOKUP_MEDIT_BODY_DONE		/* another edit came after them */
};

struct lookup_medit {
	struct lookup_medit_edit *edits;
	size_t			  n, cap;
	struct buf		  body;		/* REPLBODY chunks as sent */
	enum lookup_medit_body	  body_state;
	size_t			  size, max;	/* octets recorded, bound */
};

/* a header field of the message being edited */
struct lookup_medit_field {
	const char	*p;		/* the text, its line end included */
	size_t		 len;
	size_t		 nlen;		/* the name's length */
	char		*own;		/* p if the field is new, else NULL */
};

/* the header fields of the message being edited */
struct lookup_medit_hdr {
	struct lookup_medit_field *v;
	size_t			   n, cap;
};

/* lookup_medit_new - no edit yet */
struct lookup_medit *
lookup_medit_new(void)
{
	struct lookup_medit	*m = xcalloc(1, sizeof(*m));

	buf_init(&m->body, SIZE_MAX);
	m->body_state = LOOKUP_MEDIT_BODY_KEPT;
	m->max = LOOKUP_MEDIT_SIZE_DEFAULT;
	return m;
}

/* lookup_medit_free - forget the edits */
void
lookup_medit_free(struct lookup_medit *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->edits[i].name);
		free(m->edits[i].value);
	}
	free(m->edits);
	buf_free(&m->body);
	free(m);
}

/* lookup_medit_bound - the octets the edits may carry at most */
void
lookup_medit_bound(struct lookup_medit *m, size_t max)
{
	m->max = max;
}

/* lookup_medit_empty - 1 when nothing is to change */
int
lookup_medit_empty(const struct lookup_medit *m)
{
	return m->n == 0 && m->body_state == LOOKUP_MEDIT_BODY_KEPT;
}

/* lookup_medit_unfold - a copy of a valid value without its CRs */
static char *
lookup_medit_unfold(const char *v)
{
	char	*s = xstrdup(v), *w = s;

	/* a valid value holds a CR only before a LF */
	for (; *v != '\0'; v++)
		if (*v != '\r')
			*w++ = *v;
	*w = '\0';
	return s;
}

/* lookup_medit_add_header - record ADDHEADER, INSHEADER or CHGHEADER */
static int
lookup_medit_add_header(struct lookup_medit *m,
    const struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	struct lookup_medit_edit	*e;
	size_t				 sz;

	if (!lookup_mproto_name_valid(r->s1) ||
	    !lookup_mproto_value_valid(r->s2)) {
		snprintf(err, errsz, "invalid header field in %s",
		    lookup_mproto_reply_name(r->kind));
		return -1;
	}
	sz = strlen(r->s1) + strlen(r->s2) + 2;
	if (m->n >= LOOKUP_MEDIT_EDITS_MAX || sz > m->max - m->size) {
		snprintf(err, errsz, "more than %d edits or %zu octets",
		    LOOKUP_MEDIT_EDITS_MAX, m->max);
		return -1;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 8;
		m->edits = xreallocarray(m->edits, m->cap, sizeof(*e));
	}
	e = &m->edits[m->n++];
	e->kind = r->kind;
	e->index = r->index;
	e->name = xstrdup(r->s1);
	e->value = lookup_medit_unfold(r->s2);
	m->size += sz;
	if (m->body_state == LOOKUP_MEDIT_BODY_OPEN)
		m->body_state = LOOKUP_MEDIT_BODY_DONE;
	return 0;
}

/* lookup_medit_add_body - record a REPLBODY chunk */
static int
lookup_medit_add_body(struct lookup_medit *m,
    const struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	if (m->body_state == LOOKUP_MEDIT_BODY_DONE) {
		snprintf(err, errsz, "body replacement resumed after "
		    "other edits");
		return -1;
	}
	if (r->len > m->max - m->size || (r->len > 0 && r->data == NULL) ||
	    buf_add(&m->body, r->data, r->len) == -1) {
		snprintf(err, errsz, "edits over %zu octets", m->max);
		return -1;
	}
	m->size += r->len;
	m->body_state = LOOKUP_MEDIT_BODY_OPEN;
	return 0;
}

/* lookup_medit_add - record one edit a milter asked for */
int
lookup_medit_add(struct lookup_medit *m,
    const struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	switch (r->kind) {
	case LOOKUP_MPROTO_R_ADDHEADER:
	case LOOKUP_MPROTO_R_INSHEADER:
	case LOOKUP_MPROTO_R_CHGHEADER:
		return lookup_medit_add_header(m, r, err, errsz);
	case LOOKUP_MPROTO_R_REPLBODY:
		return lookup_medit_add_body(m, r, err, errsz);
	default:
		snprintf(err, errsz, "%s is not a message edit",
		    lookup_mproto_reply_name(r->kind));
		return -1;
	}
}

/* lookup_medit_line - the line at p: its octets, its LF included */
static size_t
lookup_medit_line(const char *p, size_t left)
{
	const char	*lf = memchr(p, '\n', left);

	return lf != NULL ? (size_t)(lf - p) + 1 : left;
}

/*
 * lookup_medit_name - the length of the name if the line at p (n
 * octets) begins a header field ("Name", blanks, ':'), else 0; *colon
 * the colon's offset
 */
static size_t
lookup_medit_name(const char *p, size_t n, size_t *colon)
{
	size_t	i = 0, nlen;

	while (i < n && (unsigned char)p[i] > 0x20 &&
	    (unsigned char)p[i] < 0x7f && p[i] != ':')
		i++;
	nlen = i;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (nlen == 0 || i == n || p[i] != ':')
		return 0;
	*colon = i;
	return nlen;
}

/*
 * lookup_medit_next - the header field at *off into f and *off past
 * it: 1; 0 when the header section ends at *off
 */
static int
lookup_medit_next(const char *msg, size_t len, size_t *off,
    struct lookup_medit_field *f, size_t *colon)
{
	size_t	at = *off, n;

	if (at >= len)
		return 0;
	n = lookup_medit_line(msg + at, len - at);
	if ((f->nlen = lookup_medit_name(msg + at, n, colon)) == 0)
		return 0;
	for (at += n; at < len && (msg[at] == ' ' || msg[at] == '\t');
	    at += lookup_medit_line(msg + at, len - at))
		;
	f->p = msg + *off;
	f->len = at - *off;
	f->own = NULL;
	*off = at;
	return 1;
}

/* lookup_medit_body_off - the body's offset, the header ending at off */
static size_t
lookup_medit_body_off(const char *msg, size_t len, size_t off)
{
	return off < len && msg[off] == '\n' ? off + 1 : off;
}

/*
 * lookup_medit_split - "name\0value\0" of a field: the value from the
 * colon on, the first space dropped unless leadspc, no last line end
 */
static char *
lookup_medit_split(const struct lookup_medit_field *f, size_t colon,
    int leadspc)
{
	size_t	vs = colon + 1, ve = f->len;
	char	*s;

	if (!leadspc && vs < ve && f->p[vs] == ' ')
		vs++;
	if (ve > vs && f->p[ve - 1] == '\n')
		ve--;
	s = xmalloc(f->nlen + 1 + (ve - vs) + 1);
	memcpy(s, f->p, f->nlen);
	s[f->nlen] = '\0';
	memcpy(s + f->nlen + 1, f->p + vs, ve - vs);
	s[f->nlen + 1 + (ve - vs)] = '\0';
	return s;
}

/*
 * lookup_medit_field - fn for the header field at *off, as a milter gets
 * it, and *off past it: 1; 0 when the header section ends at *off (*off
 * then the body's offset); -1 when fn returns -1
 */
int
lookup_medit_field(const char *msg, size_t len, size_t *off, int leadspc,
    int (*fn)(void *, const char *, const char *), void *arg)
{
	struct lookup_medit_field	 f;
	size_t				 colon;
	char				*s;
	int				 r;

	if (!lookup_medit_next(msg, len, off, &f, &colon)) {
		*off = lookup_medit_body_off(msg, len, *off);
		return 0;
	}
	s = lookup_medit_split(&f, colon, leadspc);
	r = fn(arg, s, s + f.nlen + 1);
	free(s);
	return r == -1 ? -1 : 1;
}

/* lookup_medit_fields - fn for every header field, as a milter gets it */
int
lookup_medit_fields(const char *msg, size_t len, int leadspc,
    int (*fn)(void *, const char *, const char *), void *arg,
    size_t *body_off)
{
	size_t	off = 0;
	int	r;

	while ((r = lookup_medit_field(msg, len, &off, leadspc, fn, arg)) ==
	    1)
		;
	if (r == -1)
		return -1;
	*body_off = off;
	return 0;
}

/* lookup_medit_headers - the same without HDR_LEADSPC */
int
lookup_medit_headers(const char *msg, size_t len,
    int (*fn)(void *, const char *, const char *), void *arg,
    size_t *body_off)
{
	return lookup_medit_fields(msg, len, 0, fn, arg, body_off);
}

/* lookup_medit_crlf - LF -> CRLF into out (2 * len room): octets written */
size_t
lookup_medit_crlf(const char *p, size_t len, char *out)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n')
			out[n++] = '\r';
		out[n++] = p[i];
	}
	return n;
}

/* lookup_medit_insert - f becomes the field at position at */
static void
lookup_medit_insert(struct lookup_medit_hdr *h, size_t at,
    const struct lookup_medit_field *f)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 16;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	memmove(&h->v[at + 1], &h->v[at], (h->n - at) * sizeof(*h->v));
	h->v[at] = *f;
	h->n++;
}

/* lookup_medit_remove - the field at position at goes */
static void
lookup_medit_remove(struct lookup_medit_hdr *h, size_t at)
{
	free(h->v[at].own);
	memmove(&h->v[at], &h->v[at + 1], (h->n - at - 1) * sizeof(*h->v));
	h->n--;
}

/* lookup_medit_find - the position of the index-th field named name */
static size_t
lookup_medit_find(const struct lookup_medit_hdr *h, const char *name,
    uint32_t index)
{
	size_t	i, nlen = strlen(name);

	for (i = 0; i < h->n; i++)
		if (h->v[i].nlen == nlen &&
		    strncasecmp(h->v[i].p, name, nlen) == 0 && --index == 0)
			return i;
	return h->n;
}

/* lookup_medit_field_new - the field an edit writes: "Name: value\n" */
static void
lookup_medit_field_new(const struct lookup_medit_edit *e,
    struct lookup_medit_field *f)
{
	const char	*sp = e->value[0] == ' ' || e->value[0] == '\t' ?
			    "" : " ";

	f->len = (size_t)xasprintf(&f->own, "%s:%s%s\n", e->name, sp,
	    e->value);
	f->p = f->own;
	f->nlen = strlen(e->name);
}

/* lookup_medit_edit - one header edit on the fields as they stand */
static void
lookup_medit_edit(struct lookup_medit_hdr *h,
    const struct lookup_medit_edit *e)
{
	struct lookup_medit_field	 f;
	size_t				 at;

	if (e->kind == LOOKUP_MPROTO_R_CHGHEADER) {
		at = lookup_medit_find(h, e->name,
		    e->index == 0 ? 1 : e->index);
		if (e->value[0] == '\0') {
			if (at < h->n)
				lookup_medit_remove(h, at);
			return;
		}
		lookup_medit_field_new(e, &f);
		if (at < h->n) {
			free(h->v[at].own);
			h->v[at] = f;
		} else
			lookup_medit_insert(h, h->n, &f);
		return;
	}
	at = h->n;
	if (e->kind == LOOKUP_MPROTO_R_INSHEADER && e->index < h->n)
		at = e->index;
	lookup_medit_field_new(e, &f);
	lookup_medit_insert(h, at, &f);
}

/* lookup_medit_put_body - a replacement body, CRLF -> LF, ended */
static int
lookup_medit_put_body(struct buf *out, const char *p, size_t n)
{
	size_t	i, from = 0;

	for (i = 0; i + 1 < n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n') {
			if (buf_add(out, p + from, i - from) == -1)
				return -1;
			from = i + 1;
		}
	if (buf_add(out, p + from, n - from) == -1)
		return -1;
	if (n > 0 && p[n - 1] != '\n')
		return buf_add(out, "\n", 1);
	return 0;
}

/* the parts of the message being edited */
struct lookup_medit_msg {
	const char	*hdr;		/* the header section as it was */
	size_t		 hlen;
	int		 blank;		/* an empty line ended it */
	const char	*body;
	size_t		 blen;
};

/* lookup_medit_put_line - n octets that end with a LF, given one if not */
static int
lookup_medit_put_line(struct buf *out, const char *p, size_t n)
{
	if (buf_add(out, p, n) == -1)
		return -1;
	if (n > 0 && p[n - 1] != '\n')
		return buf_add(out, "\n", 1);
	return 0;
}

/*
 * lookup_medit_write - the fields (h, or when h is NULL the header
 * section as it was), the empty line if it was there or a body follows,
 * the body (the old one, or the replacement)
 */
static int
lookup_medit_write(const struct lookup_medit *m,
    const struct lookup_medit_hdr *h, const struct lookup_medit_msg *g,
    struct buf *out)
{
	size_t	i, blen = g->blen;
	int	replaced;

	replaced = m->body_state != LOOKUP_MEDIT_BODY_KEPT;
	if (replaced)
		blen = m->body.len;
	if (h == NULL && lookup_medit_put_line(out, g->hdr, g->hlen) == -1)
		return -1;
	for (i = 0; h != NULL && i < h->n; i++)
		if (lookup_medit_put_line(out, h->v[i].p, h->v[i].len) == -1)
			return -1;
	if ((g->blank || blen > 0) && buf_add(out, "\n", 1) == -1)
		return -1;
	if (replaced)
		return lookup_medit_put_body(out, m->body.data, m->body.len);
	return buf_add(out, g->body, g->blen);
}

/*
 * lookup_medit_split_msg - the parts of msg, and its header fields into
 * h unless h is NULL; -1 past LOOKUP_MEDIT_FIELDS_MAX fields
 */
static int
lookup_medit_split_msg(const char *msg, size_t len,
    struct lookup_medit_hdr *h, struct lookup_medit_msg *g)
{
	struct lookup_medit_field	 f;
	size_t				 off = 0, colon, body;

	while (lookup_medit_next(msg, len, &off, &f, &colon)) {
		if (h == NULL)
			continue;
		if (h->n == LOOKUP_MEDIT_FIELDS_MAX)
			return -1;
		lookup_medit_insert(h, h->n, &f);
	}
	body = lookup_medit_body_off(msg, len, off);
	g->hdr = msg;
	g->hlen = off;
	g->blank = body > off;
	g->body = msg + body;
	g->blen = len - body;
	return 0;
}

/* lookup_medit_apply - the message with the edits into out */
int
lookup_medit_apply(const struct lookup_medit *m, const char *msg,
    size_t len, struct buf *out, char *err, size_t errsz)
{
	struct lookup_medit_hdr	 h = { NULL, 0, 0 };
	struct lookup_medit_msg	 g;
	size_t			 i, start = out->len;
	int			 r = -1;

	/* only header edits need the fields one by one */
	if (lookup_medit_split_msg(msg, len, m->n > 0 ? &h : NULL, &g) == -1)
		snprintf(err, errsz, "more than %d header fields to edit",
		    LOOKUP_MEDIT_FIELDS_MAX);
	else {
		for (i = 0; i < m->n; i++)
			lookup_medit_edit(&h, &m->edits[i]);
		if ((r = lookup_medit_write(m, m->n > 0 ? &h : NULL, &g,
		    out)) == -1)
			snprintf(err, errsz, "edited message over %zu octets",
			    out->max);
	}
	for (i = 0; i < h.n; i++)
		free(h.v[i].own);
	free(h.v);
	if (r == -1) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return r;
}
