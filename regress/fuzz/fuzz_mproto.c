/*
 * fuzz_mproto.c - what a milter sends, as the lookup reads it, and the
 * message its edits make: the input is a 2-octet length (network order),
 * that many octets of spooled message, then reply packets, parsed one
 * after the other until one is refused or cut short.  A packet that
 * parses must lie inside the input and hold what its kind promises; the
 * edits among them are recorded, then applied to the message, and the
 * result must parse again with the body that the edits leave.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "../../smtpd/lookup/lookup_mproto.h"
#include "../../smtpd/lookup/lookup_medit.h"
#include "fuzz.h"

#define FUZZ_MPROTO_OUT_MAX	(1024 * 1024)

/* fuzz_mproto_inside - s lies, NUL included, within [p, p + len) */
static void
fuzz_mproto_inside(const char *s, const char *p, size_t len)
{
	if (s != NULL && (s < p || s >= p + len ||
	    memchr(s, '\0', (size_t)(p + len - s)) == NULL))
		abort();
}

/* fuzz_mproto_check - what a parsed packet must hold */
static void
fuzz_mproto_check(const struct lookup_mproto_reply *r, const char *p,
    size_t used)
{
	fuzz_mproto_inside(r->s1, p, used);
	fuzz_mproto_inside(r->s2, p, used);
	if (r->data != NULL && (r->data < p || r->len > used ||
	    r->data + r->len != p + used))
		abort();
	switch (r->kind) {
	case LOOKUP_MPROTO_R_ADDHEADER:
	case LOOKUP_MPROTO_R_INSHEADER:
	case LOOKUP_MPROTO_R_CHGHEADER:
		if (!lookup_mproto_name_valid(r->s1) ||
		    !lookup_mproto_value_valid(r->s2))
			abort();
		break;
	case LOOKUP_MPROTO_R_REPLYCODE:
		if (r->s1 == NULL || (r->s1[0] != '4' && r->s1[0] != '5'))
			abort();
		break;
	case LOOKUP_MPROTO_R_CHGFROM:
	case LOOKUP_MPROTO_R_ADDRCPT_PAR:
		if (r->s1 == NULL || r->s1[0] == '\0' || r->s2 == NULL)
			abort();
		break;
	}
}

/* fuzz_mproto_count - a header callback counting the fields */
static int
fuzz_mproto_count(void *arg, const char *name, const char *value)
{
	(void)value;
	if (!lookup_mproto_name_valid(name))
		abort();
	++*(size_t *)arg;
	return 0;
}

/* fuzz_mproto_lf - a replacement body as the message holds it */
static void
fuzz_mproto_lf(struct buf *b, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((p[i] != '\r' || i + 1 == n || p[i + 1] != '\n') &&
		    buf_add(b, p + i, 1) == -1)
			abort();
	if (n > 0 && p[n - 1] != '\n' && buf_add(b, "\n", 1) == -1)
		abort();
}

/*
 * fuzz_mproto_apply - the edits on msg; the result must parse again,
 * with no more fields than edits could add, and the body the edits
 * leave: the new one (repl, when set) or the old one
 */
static void
fuzz_mproto_apply(const struct lookup_medit *m, size_t edits,
    const struct buf *repl, const char *msg, size_t len)
{
	struct buf	out, body;
	char		err[128];
	size_t		before = 0, after = 0, off, ooff;

	buf_init(&out, FUZZ_MPROTO_OUT_MAX);
	buf_init(&body, FUZZ_MPROTO_OUT_MAX);
	if (lookup_medit_headers(msg, len, fuzz_mproto_count, &before,
	    &off) == -1 || off > len)
		abort();
	if (repl != NULL)
		fuzz_mproto_lf(&body, repl->data, repl->len);
	else if (buf_add(&body, msg + off, len - off) == -1)
		abort();
	if (lookup_medit_apply(m, msg, len, &out, err, sizeof(err)) == 0) {
		if (lookup_medit_headers(out.data, out.len,
		    fuzz_mproto_count, &after, &ooff) == -1 ||
		    after > before + edits || out.len - ooff != body.len ||
		    (body.len > 0 &&
		    memcmp(out.data + ooff, body.data, body.len) != 0))
			abort();
	} else if (out.len != 0)
		abort();
	buf_free(&out);
	buf_free(&body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lookup_mproto_reply	 r;
	struct lookup_medit		*m;
	const char			*p = (const char *)data, *msg;
	char				 err[128];
	size_t				 mlen, used, edits = 0;
	struct buf			 repl;
	int				 replaced = 0;

	if (size < 2)
		return 0;
	mlen = (size_t)data[0] << 8 | data[1];
	if (mlen > size - 2)
		mlen = size - 2;
	msg = p + 2;
	p += 2 + mlen;
	size -= 2 + mlen;
	m = lookup_medit_new();
	buf_init(&repl, SIZE_MAX);
	while (lookup_mproto_parse(p, size, &used, &r, err, sizeof(err)) ==
	    1) {
		if (used < 5 || used > size)
			abort();
		fuzz_mproto_check(&r, p, used);
		if (lookup_medit_add(m, &r, err, sizeof(err)) == 0) {
			edits++;
			if (r.kind == LOOKUP_MPROTO_R_REPLBODY) {
				replaced = 1;
				if (buf_add(&repl, r.data, r.len) == -1)
					abort();
			}
		}
		p += used;
		size -= used;
	}
	fuzz_mproto_apply(m, edits, replaced ? &repl : NULL, msg, mlen);
	buf_free(&repl);
	lookup_medit_free(m);
	return 0;
}
