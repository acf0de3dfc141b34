/*
 * lookup_mproto.c - the milter protocol, version 6: packets out are
 * appended to a buffer whole or not at all; packets in come from a
 * program posthorn does not trust, and every field is checked.
 *
 * Every packet: len (4 octets, network order, = 1 + data octets), the
 * command octet, then the data.  "s" below is a string and its NUL,
 * u32 / u16 are in network order.
 *
 * lookup to milter:
 *   O  u32 version, u32 actions, u32 protocol
 *   D  command octet, then (name s, value s) for each macro
 *   C  host s, family octet, and unless the family is 'U':
 *      u16 port, address s
 *   H  helo name s
 *   M  R  "<address>" s, then each ESMTP parameter s
 *   L  name s, value s (folded lines joined by "\n")
 *   B  body octets (CRLF line ends), LOOKUP_MPROTO_CHUNK at most
 *   T N E A Q K  nothing
 * milter to lookup:
 *   O  u32 version, u32 actions, u32 protocol, then (u32 stage,
 *      macro names s) for each list the milter wants instead
 *   + -  address s
 *   2 e  address s [ESMTP arguments s]
 *   h  name s, value s
 *   i m  u32 index, name s, value s
 *   b  body octets
 *   q  reason s
 *   y  SMTP reply s
 *   4 a c d f p r s t  nothing
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "lookup_mproto.h"

/* lookup_mproto_put32 - a 32-bit word in network order at p */
static void
lookup_mproto_put32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

/* lookup_mproto_get32 - the 32-bit word in network order at p */
static uint32_t
lookup_mproto_get32(const char *p)
{
	const unsigned char	*u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | u[3];
}

/* lookup_mproto_begin - the length (filled in later) and command octet */
static int
lookup_mproto_begin(struct buf *b, char cmd)
{
	char	hdr[5] = { 0, 0, 0, 0, cmd };

	return buf_add(b, hdr, sizeof(hdr));
}

/* lookup_mproto_end - set the length of the packet at start, or undo it */
static int
lookup_mproto_end(struct buf *b, size_t start, int r)
{
	if (r == 0 && b->len >= start + 5 &&
	    b->len - start - 4 <= UINT32_MAX) {
		lookup_mproto_put32(b->data + start,
		    (uint32_t)(b->len - start - 4));
		return 0;
	}
	b->len = start;
	if (b->data != NULL)
		b->data[start] = '\0';
	return -1;
}

/* lookup_mproto_str - a string and its NUL; -1 for NULL or no room */
static int
lookup_mproto_str(struct buf *b, const char *s)
{
	if (s == NULL)
		return -1;
	return buf_add(b, s, strlen(s) + 1);
}

/* lookup_mproto_word - a 32-bit word in network order */
static int
lookup_mproto_word(struct buf *b, uint32_t v)
{
	char	w[4];

	lookup_mproto_put32(w, v);
	return buf_add(b, w, sizeof(w));
}

/* lookup_mproto_optneg - the option negotiation that opens a session */
int
lookup_mproto_optneg(struct buf *b, uint32_t version, uint32_t actions,
    uint32_t protocol)
{
	size_t	start = b->len;
	int	r;

	r = lookup_mproto_begin(b, LOOKUP_MPROTO_C_OPTNEG);
	if (r == 0)
		r = lookup_mproto_word(b, version);
	if (r == 0)
		r = lookup_mproto_word(b, actions);
	if (r == 0)
		r = lookup_mproto_word(b, protocol);
	return lookup_mproto_end(b, start, r);
}

/* lookup_mproto_macro_cmd - 1 if macros may be sent for command c */
static int
lookup_mproto_macro_cmd(char c)
{
	return c != '\0' && strchr("CHMRTLNEBU", c) != NULL;
}

/* lookup_mproto_macros - the macros of the command cmd about to follow */
int
lookup_mproto_macros(struct buf *b, char cmd, const char *const *nv,
    size_t n)
{
	size_t	start = b->len, i;
	int	r;

	if (!lookup_mproto_macro_cmd(cmd) || (n > 0 && nv == NULL))
		return -1;
	r = lookup_mproto_begin(b, LOOKUP_MPROTO_C_MACRO);
	if (r == 0)
		r = buf_add(b, &cmd, 1);
	for (i = 0; r == 0 && i < n; i++) {
		if (nv[2 * i] == NULL || nv[2 * i][0] == '\0')
			r = -1;
		else if ((r = lookup_mproto_str(b, nv[2 * i])) == 0)
			r = lookup_mproto_str(b, nv[2 * i + 1]);
	}
	return lookup_mproto_end(b, start, r);
}

/* lookup_mproto_connect - the client's name and address */
int
lookup_mproto_connect(struct buf *b, const char *host, char family,
    uint16_t port, const char *addr)
{
	size_t	start = b->len;
	char	p[2];
	int	r;

	if (family != LOOKUP_MPROTO_A_INET && family != LOOKUP_MPROTO_A_INET6 &&
	    family != LOOKUP_MPROTO_A_UNIX && family != LOOKUP_MPROTO_A_UNKNOWN)
		return -1;
	r = lookup_mproto_begin(b, LOOKUP_MPROTO_C_CONNECT);
	if (r == 0)
		r = lookup_mproto_str(b, host);
	if (r == 0)
		r = buf_add(b, &family, 1);
	if (r == 0 && family != LOOKUP_MPROTO_A_UNKNOWN) {
		p[0] = (char)(port >> 8);
		p[1] = (char)port;
		if ((r = buf_add(b, p, sizeof(p))) == 0)
			r = lookup_mproto_str(b, addr);
	}
	return lookup_mproto_end(b, start, r);
}

/* lookup_mproto_helo - the name the client gave in HELO or EHLO */
int
lookup_mproto_helo(struct buf *b, const char *name)
{
	size_t	start = b->len;
	int	r;

	r = lookup_mproto_begin(b, LOOKUP_MPROTO_C_HELO);
	if (r == 0)
		r = lookup_mproto_str(b, name);
	return lookup_mproto_end(b, start, r);
}

/* lookup_mproto_args - MAIL or RCPT: the address, then its parameters */
int
lookup_mproto_args(struct buf *b, char cmd, const char *const *args,
    size_t n)
{
	size_t	start = b->len, i;
	int	r;

	if ((cmd != LOOKUP_MPROTO_C_MAIL && cmd != LOOKUP_MPROTO_C_RCPT) ||
	    n == 0 || args == NULL)
		return -1;
	r = lookup_mproto_begin(b, cmd);
	for (i = 0; r == 0 && i < n; i++)
		r = lookup_mproto_str(b, args[i]);
	return lookup_mproto_end(b, start, r);
}

/* lookup_mproto_header - one header field, name and value */
int
lookup_mproto_header(struct buf *b, const char *name, const char *value)
{
	size_t	start = b->len;
	int	r;

	if (name == NULL || name[0] == '\0')
		return -1;
	r = lookup_mproto_begin(b, LOOKUP_MPROTO_C_HEADER);
	if (r == 0)
		r = lookup_mproto_str(b, name);
	if (r == 0)
		r = lookup_mproto_str(b, value);
	return lookup_mproto_end(b, start, r);
}

/* lookup_mproto_body - one chunk of the body */
int
lookup_mproto_body(struct buf *b, const void *p, size_t len)
{
	size_t	start = b->len;
	int	r;

	if (len > LOOKUP_MPROTO_CHUNK || (len > 0 && p == NULL))
		return -1;
	r = lookup_mproto_begin(b, LOOKUP_MPROTO_C_BODY);
	if (r == 0)
		r = buf_add(b, p, len);
	return lookup_mproto_end(b, start, r);
}

/* lookup_mproto_cmd - a command without data */
int
lookup_mproto_cmd(struct buf *b, char cmd)
{
	size_t	start = b->len;

	if (cmd == '\0' || strchr("TNEAQK", cmd) == NULL)
		return -1;
	return lookup_mproto_end(b, start, lookup_mproto_begin(b, cmd));
}

/* what is left of a packet's data as it is parsed */
struct lookup_mproto_cur {
	const char	*p;
	size_t		 left;
};

/* lookup_mproto_take - the next string of the data; NULL without a NUL */
static const char *
lookup_mproto_take(struct lookup_mproto_cur *c)
{
	const char	*s = c->p, *nul;

	if ((nul = memchr(c->p, '\0', c->left)) == NULL)
		return NULL;
	c->left -= (size_t)(nul - c->p) + 1;
	c->p = nul + 1;
	return s;
}

/* lookup_mproto_text_valid - 1 if s holds no control octet */
static int
lookup_mproto_text_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* lookup_mproto_name_valid - 1 for a header field name a milter may set */
int
lookup_mproto_name_valid(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == ':')
			return 0;
	return 1;
}

/*
 * lookup_mproto_value_valid - 1 for a header field value a milter may
 * set: a line end is "\r\n" or "\n" and starts a continuation line,
 * blanks then something else than a line end
 */
int
lookup_mproto_value_valid(const char *s)
{
	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '\r' && *++s != '\n')
			return 0;
		if (*s != '\n')
			continue;
		if (s[1] != ' ' && s[1] != '\t')
			return 0;
		s += strspn(s + 1, " \t");
		if (s[1] == '\0' || s[1] == '\r' || s[1] == '\n')
			return 0;
	}
	return 1;
}

/* lookup_mproto_fail - say why a packet is refused; -1 */
static int
lookup_mproto_fail(char *err, size_t errsz, const char *why, char kind)
{
	snprintf(err, errsz, "%s in %s reply", why,
	    lookup_mproto_reply_name(kind));
	return -1;
}

/* lookup_mproto_p_none - a reply without data */
static int
lookup_mproto_p_none(struct lookup_mproto_cur *c,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	(void)c;
	(void)r;
	(void)err;
	(void)errsz;
	return 0;
}

/* lookup_mproto_p_addr - ADDRCPT, DELRCPT: one address */
static int
lookup_mproto_p_addr(struct lookup_mproto_cur *c,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	if ((r->s1 = lookup_mproto_take(c)) == NULL)
		return lookup_mproto_fail(err, errsz, "unterminated address",
		    r->kind);
	if (r->s1[0] == '\0' || !lookup_mproto_text_valid(r->s1))
		return lookup_mproto_fail(err, errsz, "invalid address",
		    r->kind);
	return 0;
}

/* lookup_mproto_p_addr_args - CHGFROM, ADDRCPT_PAR: address [args] */
static int
lookup_mproto_p_addr_args(struct lookup_mproto_cur *c,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	if (lookup_mproto_p_addr(c, r, err, errsz) == -1)
		return -1;
	if (c->left == 0) {
		r->s2 = c->p - 1;	/* the address's NUL: "" in p */
		return 0;
	}
	if ((r->s2 = lookup_mproto_take(c)) == NULL)
		return lookup_mproto_fail(err, errsz,
		    "unterminated ESMTP arguments", r->kind);
	if (!lookup_mproto_text_valid(r->s2))
		return lookup_mproto_fail(err, errsz,
		    "invalid ESMTP arguments", r->kind);
	return 0;
}

/* lookup_mproto_p_header - ADDHEADER: name, value */
static int
lookup_mproto_p_header(struct lookup_mproto_cur *c,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	if ((r->s1 = lookup_mproto_take(c)) == NULL ||
	    (r->s2 = lookup_mproto_take(c)) == NULL)
		return lookup_mproto_fail(err, errsz, "unterminated header",
		    r->kind);
	if (!lookup_mproto_name_valid(r->s1))
		return lookup_mproto_fail(err, errsz, "invalid header name",
		    r->kind);
	if (!lookup_mproto_value_valid(r->s2))
		return lookup_mproto_fail(err, errsz, "invalid header value",
		    r->kind);
	return 0;
}

/* lookup_mproto_p_iheader - INSHEADER, CHGHEADER: index, name, value */
static int
lookup_mproto_p_iheader(struct lookup_mproto_cur *c,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	if (c->left < 4)
		return lookup_mproto_fail(err, errsz, "no index", r->kind);
	r->index = lookup_mproto_get32(c->p);
	c->p += 4;
	c->left -= 4;
	return lookup_mproto_p_header(c, r, err, errsz);
}

/* lookup_mproto_p_body - REPLBODY: the data as it is */
static int
lookup_mproto_p_body(struct lookup_mproto_cur *c,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	(void)err;
	(void)errsz;
	r->data = c->p;
	r->len = c->left;
	c->p += c->left;
	c->left = 0;
	return 0;
}

/* lookup_mproto_p_reason - QUARANTINE: a reason */
static int
lookup_mproto_p_reason(struct lookup_mproto_cur *c,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	if ((r->s1 = lookup_mproto_take(c)) == NULL)
		return lookup_mproto_fail(err, errsz, "unterminated reason",
		    r->kind);
	if (!lookup_mproto_text_valid(r->s1))
		return lookup_mproto_fail(err, errsz, "invalid reason",
		    r->kind);
	return 0;
}

/* lookup_mproto_digit - 1 for an ASCII digit */
static int
lookup_mproto_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * lookup_mproto_line_valid - 1 if the reply line l (n octets) carries
 * code (3 octets), then sep, and no control octet
 */
static int
lookup_mproto_line_valid(const char *l, size_t n, const char *code,
    char sep)
{
	size_t	i;

	if (n < 4 || n > LOOKUP_MPROTO_REPLY_LINE_MAX ||
	    (l[0] != '4' && l[0] != '5') || !lookup_mproto_digit(l[1]) ||
	    !lookup_mproto_digit(l[2]) || memcmp(l, code, 3) != 0 ||
	    l[3] != sep || (lookup_mproto_digit(l[4]) && l[4] != l[0]))
		return 0;
	for (i = 4; i < n; i++)
		if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f)
			return 0;
	return 1;
}

/* lookup_mproto_p_reply - REPLYCODE: a 4xx or 5xx SMTP reply */
static int
lookup_mproto_p_reply(struct lookup_mproto_cur *c,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	const char	*l, *end;

	if ((r->s1 = lookup_mproto_take(c)) == NULL)
		return lookup_mproto_fail(err, errsz, "unterminated text",
		    r->kind);
	for (l = r->s1; ; l = end + 2) {
		end = strstr(l, "\r\n");
		if (!lookup_mproto_line_valid(l, end != NULL ?
		    (size_t)(end - l) : strlen(l), r->s1,
		    end != NULL ? '-' : ' '))
			return lookup_mproto_fail(err, errsz,
			    "not a 4xx or 5xx SMTP reply", r->kind);
		if (end == NULL)
			return 0;
	}
}

/* lookup_mproto_p_optneg - OPTNEG: three words, then macro lists */
static int
lookup_mproto_p_optneg(struct lookup_mproto_cur *c,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	const char	*list;

	if (c->left < 12)
		return lookup_mproto_fail(err, errsz, "fewer than 12 octets",
		    r->kind);
	r->version = lookup_mproto_get32(c->p);
	r->actions = lookup_mproto_get32(c->p + 4);
	r->protocol = lookup_mproto_get32(c->p + 8);
	c->p += 12;
	c->left -= 12;
	while (c->left > 0) {
		if (c->left < 4)
			return lookup_mproto_fail(err, errsz,
			    "macro list without stage", r->kind);
		c->p += 4;
		c->left -= 4;
		if ((list = lookup_mproto_take(c)) == NULL)
			return lookup_mproto_fail(err, errsz,
			    "unterminated macro list", r->kind);
		for (; *list != '\0'; list++)
			if ((unsigned char)*list < 0x20 ||
			    (unsigned char)*list > 0x7e)
				return lookup_mproto_fail(err, errsz,
				    "invalid macro list", r->kind);
	}
	return 0;
}

/* the replies: octet, name, parser of the data */
static const struct lookup_mproto_kind {
	char	 kind;
	const char *name;
	int	(*parse)(struct lookup_mproto_cur *,
		    struct lookup_mproto_reply *, char *, size_t);
} lookup_mproto_kinds[] = {
	{ LOOKUP_MPROTO_R_ADDRCPT, "ADDRCPT", lookup_mproto_p_addr },
	{ LOOKUP_MPROTO_R_DELRCPT, "DELRCPT", lookup_mproto_p_addr },
	{ LOOKUP_MPROTO_R_ADDRCPT_PAR, "ADDRCPT_PAR",
	    lookup_mproto_p_addr_args },
	{ LOOKUP_MPROTO_R_SHUTDOWN, "SHUTDOWN", lookup_mproto_p_none },
	{ LOOKUP_MPROTO_R_ACCEPT, "ACCEPT", lookup_mproto_p_none },
	{ LOOKUP_MPROTO_R_REPLBODY, "REPLBODY", lookup_mproto_p_body },
	{ LOOKUP_MPROTO_R_CONTINUE, "CONTINUE", lookup_mproto_p_none },
	{ LOOKUP_MPROTO_R_DISCARD, "DISCARD", lookup_mproto_p_none },
	{ LOOKUP_MPROTO_R_CHGFROM, "CHGFROM", lookup_mproto_p_addr_args },
	{ LOOKUP_MPROTO_R_CONN_FAIL, "CONN_FAIL", lookup_mproto_p_none },
	{ LOOKUP_MPROTO_R_ADDHEADER, "ADDHEADER", lookup_mproto_p_header },
	{ LOOKUP_MPROTO_R_INSHEADER, "INSHEADER", lookup_mproto_p_iheader },
	{ LOOKUP_MPROTO_R_SETSYMLIST, "SETSYMLIST", NULL },
	{ LOOKUP_MPROTO_R_CHGHEADER, "CHGHEADER", lookup_mproto_p_iheader },
	{ LOOKUP_MPROTO_R_PROGRESS, "PROGRESS", lookup_mproto_p_none },
	{ LOOKUP_MPROTO_R_QUARANTINE, "QUARANTINE", lookup_mproto_p_reason },
	{ LOOKUP_MPROTO_R_REJECT, "REJECT", lookup_mproto_p_none },
	{ LOOKUP_MPROTO_R_SKIP, "SKIP", lookup_mproto_p_none },
	{ LOOKUP_MPROTO_R_TEMPFAIL, "TEMPFAIL", lookup_mproto_p_none },
	{ LOOKUP_MPROTO_R_REPLYCODE, "REPLYCODE", lookup_mproto_p_reply },
	{ LOOKUP_MPROTO_R_OPTNEG, "OPTNEG", lookup_mproto_p_optneg },
};
#define LOOKUP_MPROTO_KINDS \
	(sizeof(lookup_mproto_kinds) / sizeof(lookup_mproto_kinds[0]))

/* lookup_mproto_kind - the table row of a reply octet, or NULL */
static const struct lookup_mproto_kind *
lookup_mproto_kind(char kind)
{
	size_t	i;

	for (i = 0; i < LOOKUP_MPROTO_KINDS; i++)
		if (lookup_mproto_kinds[i].kind == kind)
			return &lookup_mproto_kinds[i];
	return NULL;
}

/* lookup_mproto_reply_name - the reply octet's name, for the logs */
const char *
lookup_mproto_reply_name(char kind)
{
	const struct lookup_mproto_kind	*k = lookup_mproto_kind(kind);

	return k != NULL ? k->name : "?";
}

/* lookup_mproto_parse - one packet from p, checked field by field */
int
lookup_mproto_parse(const char *p, size_t len, size_t *used,
    struct lookup_mproto_reply *r, char *err, size_t errsz)
{
	const struct lookup_mproto_kind	*k;
	struct lookup_mproto_cur	 c;
	uint32_t			 n;

	if (len < 4)
		return 0;
	n = lookup_mproto_get32(p);
	if (n == 0 || n > LOOKUP_MPROTO_PACKET_MAX) {
		snprintf(err, errsz, "packet length %lu out of range",
		    (unsigned long)n);
		return -1;
	}
	if (len - 4 < n)
		return 0;
	memset(r, 0, sizeof(*r));
	r->kind = p[4];
	if ((k = lookup_mproto_kind(r->kind)) == NULL || k->parse == NULL) {
		snprintf(err, errsz, "unexpected reply octet 0x%02x",
		    (unsigned char)r->kind);
		return -1;
	}
	c.p = p + 5;
	c.left = n - 1;
	if (k->parse(&c, r, err, errsz) == -1)
		return -1;
	if (c.left > 0)
		return lookup_mproto_fail(err, errsz, "octets left over",
		    r->kind);
	*used = 4 + (size_t)n;
	return 1;
}
