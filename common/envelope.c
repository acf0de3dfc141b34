/*
 * envelope.c - the envelope record: IDs and the versioned text format.
 *
 * Record format, version 1 to 4:
 *
 *	version: 1
 *	evpid: 5a1c93e0deadbeef
 *	sender: alice@example.org
 *	...
 *
 * One "key: value" line per field, each ending in "\n"; "version: 1" is
 * the first line, the other keys may come in any order, each at most once.
 * Every key the dumper writes is known to the loader; an unknown key, a
 * missing required key or a duplicated key rejects the record (a new key
 * means a new version).  Lines hold printable ASCII only: in values a
 * backslash is written "\\" and any byte outside 0x20-0x7e is written
 * "\xhh" (lowercase hex), so no value can inject a line or a NUL.
 * Numbers are unsigned decimal without leading zeros; flag sets are
 * comma-separated words; an empty set or string is an empty value.
 *
 * Version 2 adds the flag word "expand" (ENVELOPE_F_EXPAND: a notice
 * whose recipient the queue still has to expand); version 3 adds the key
 * "origin" (mailbox, alias or forward: the expansion rule that made a
 * local delivery, which the parent checks); version 4 adds the flag word
 * "hold" (ENVELOPE_F_HOLD: not delivered until released).  The dumper
 * writes the lowest version that can hold the record, and leaves out
 * the keys of later versions, so a record without origin or those flags
 * stays one any earlier loader reads; the loader takes all four and
 * refuses "expand" in version 1, "origin" before version 3 and "hold"
 * before version 4.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

enum envelope_kind {
	ENVELOPE_K_STR,
	ENVELOPE_K_ID,
	ENVELOPE_K_I64,
	ENVELOPE_K_U32,
	ENVELOPE_K_STATE,
	ENVELOPE_K_FLAGS,
	ENVELOPE_K_NOTIFY,
	ENVELOPE_K_RET,
	ENVELOPE_K_ORIGIN
};

struct envelope_key {
	const char		*name;
	enum envelope_kind	 kind;
	size_t			 off;
	size_t			 size;		/* string buffers */
	int			 required;
	int			 version;	/* the first that has it */
};

#define ENVELOPE_STR(n, f, r) \
	{ n, ENVELOPE_K_STR, offsetof(struct envelope, f), \
	    sizeof(((struct envelope *)0)->f), r, 1 }
#define ENVELOPE_NUM(n, k, f, r) \
	{ n, k, offsetof(struct envelope, f), 0, r, 1 }

static const struct envelope_key envelope_keys[] = {
	ENVELOPE_NUM("evpid",		ENVELOPE_K_ID,	evpid,		1),
	ENVELOPE_NUM("state",		ENVELOPE_K_STATE, state,	1),
	ENVELOPE_STR("sender",		sender,				1),
	ENVELOPE_STR("rcpt",		rcpt,				1),
	ENVELOPE_STR("orig-rcpt",	orig_rcpt,			0),
	ENVELOPE_STR("dest",		dest,				1),
	ENVELOPE_STR("dispatcher",	dispatcher,			1),
	ENVELOPE_STR("user",		user,				0),
	ENVELOPE_NUM("dest-type",	ENVELOPE_K_U32,	dest_type,	0),
	{ "origin", ENVELOPE_K_ORIGIN, offsetof(struct envelope, origin), 0,
	    0, 3 },
	ENVELOPE_STR("auth-user",	auth_user,			0),
	ENVELOPE_STR("tag",		tag,				0),
	ENVELOPE_STR("helo",		helo,				0),
	ENVELOPE_STR("client",		client,				0),
	ENVELOPE_STR("hostname",	hostname,			0),
	ENVELOPE_NUM("flags",		ENVELOPE_K_FLAGS, flags,	0),
	ENVELOPE_NUM("dsn-notify",	ENVELOPE_K_NOTIFY, dsn_notify,	0),
	ENVELOPE_NUM("dsn-ret",		ENVELOPE_K_RET,	dsn_ret,	0),
	ENVELOPE_STR("dsn-envid",	envid,				0),
	ENVELOPE_NUM("ctime",		ENVELOPE_K_I64,	ctime,		1),
	ENVELOPE_NUM("ttl",		ENVELOPE_K_I64,	ttl,		1),
	ENVELOPE_NUM("lasttry",		ENVELOPE_K_I64,	lasttry,	0),
	ENVELOPE_NUM("nexttry",		ENVELOPE_K_I64,	nexttry,	0),
	ENVELOPE_NUM("retry",		ENVELOPE_K_U32,	retry,		0),
	ENVELOPE_NUM("warn",		ENVELOPE_K_U32,	warn,		0),
	ENVELOPE_STR("errmsg",		errmsg,				0),
};
#define ENVELOPE_NKEYS	(sizeof(envelope_keys) / sizeof(envelope_keys[0]))

struct envelope_word {
	const char	*name;
	uint32_t	 value;
};

static const char *const envelope_version_lines[] = {
	"version: 1\n", "version: 2\n", "version: 3\n", "version: 4\n"
};

static const struct envelope_word envelope_flag_words[] = {
	{ "bounce",	ENVELOPE_F_BOUNCE },
	{ "auth",	ENVELOPE_F_AUTH },
	{ "tls",	ENVELOPE_F_TLS },
	{ "8bitmime",	ENVELOPE_F_8BITMIME },
	{ "smtputf8",	ENVELOPE_F_SMTPUTF8 },
	{ "expand",	ENVELOPE_F_EXPAND },
	{ "hold",	ENVELOPE_F_HOLD },
	{ NULL,		0 }
};

static const struct envelope_word envelope_notify_words[] = {
	{ "never",	ENVELOPE_DSN_NEVER },
	{ "success",	ENVELOPE_DSN_SUCCESS },
	{ "failure",	ENVELOPE_DSN_FAILURE },
	{ "delay",	ENVELOPE_DSN_DELAY },
	{ NULL,		0 }
};

static const struct envelope_word envelope_state_words[] = {
	{ "pending",	ENVELOPE_ST_PENDING },
	{ "inflight",	ENVELOPE_ST_INFLIGHT },
	{ "held",	ENVELOPE_ST_HELD },
	{ NULL,		0 }
};

static const struct envelope_word envelope_origin_words[] = {
	{ "",		ENVELOPE_ORIGIN_NONE },
	{ "mailbox",	ENVELOPE_ORIGIN_MAILBOX },
	{ "alias",	ENVELOPE_ORIGIN_ALIAS },
	{ "forward",	ENVELOPE_ORIGIN_FORWARD },
	{ NULL,		0 }
};

static const struct envelope_word envelope_ret_words[] = {
	{ "",		ENVELOPE_RET_NONE },
	{ "full",	ENVELOPE_RET_FULL },
	{ "hdrs",	ENVELOPE_RET_HDRS },
	{ NULL,		0 }
};

/* a bounded output cursor for envelope_dump */
struct envelope_out {
	char	*buf;
	size_t	 size;
	size_t	 len;
	int	 overflow;
};

/* envelope_msgid - the message ID part of an envelope ID */
uint32_t
envelope_msgid(uint64_t evpid)
{
	return (uint32_t)(evpid >> 32);
}

/* envelope_id_format - print an envelope ID as 16 lowercase hex digits */
void
envelope_id_format(uint64_t evpid, char buf[ENVELOPE_ID_STRLEN + 1])
{
	(void)snprintf(buf, ENVELOPE_ID_STRLEN + 1, "%016" PRIx64, evpid);
}

/* envelope_msgid_format - print a message ID as 8 lowercase hex digits */
void
envelope_msgid_format(uint32_t msgid, char buf[ENVELOPE_MSGID_STRLEN + 1])
{
	(void)snprintf(buf, ENVELOPE_MSGID_STRLEN + 1, "%08" PRIx32, msgid);
}

/* envelope_hex_parse - exactly n lowercase hex digits into *v; 0 / -1 */
static int
envelope_hex_parse(const char *s, size_t n, uint64_t *v)
{
	size_t	i;
	int	d;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else
			return -1;
		*v = (*v << 4) | (uint64_t)d;
	}
	return s[n] == '\0' ? 0 : -1;
}

/* envelope_id_parse - 16 hex digits, nonzero halves, into *evpid; 0 / -1 */
int
envelope_id_parse(const char *s, uint64_t *evpid)
{
	uint64_t	v;

	if (strnlen(s, ENVELOPE_ID_STRLEN + 1) != ENVELOPE_ID_STRLEN ||
	    envelope_hex_parse(s, ENVELOPE_ID_STRLEN, &v) == -1)
		return -1;
	if ((v >> 32) == 0 || (v & 0xffffffffU) == 0)
		return -1;
	*evpid = v;
	return 0;
}

/* envelope_msgid_parse - 8 hex digits, nonzero, into *msgid; 0 / -1 */
int
envelope_msgid_parse(const char *s, uint32_t *msgid)
{
	uint64_t	v;

	if (strnlen(s, ENVELOPE_MSGID_STRLEN + 1) != ENVELOPE_MSGID_STRLEN ||
	    envelope_hex_parse(s, ENVELOPE_MSGID_STRLEN, &v) == -1 || v == 0)
		return -1;
	*msgid = (uint32_t)v;
	return 0;
}

/* envelope_out_add - append n bytes, or mark the output overflowed */
static void
envelope_out_add(struct envelope_out *o, const char *s, size_t n)
{
	if (o->overflow || n >= o->size - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* envelope_out_str - append a C string */
static void
envelope_out_str(struct envelope_out *o, const char *s)
{
	envelope_out_add(o, s, strlen(s));
}

/* envelope_out_escaped - append a value with "\\" and "\xhh" escapes */
static void
envelope_out_escaped(struct envelope_out *o, const char *s)
{
	static const char	hex[] = "0123456789abcdef";
	const unsigned char	*p;
	char			 e[4];

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\\')
			envelope_out_add(o, "\\\\", 2);
		else if (*p >= 0x20 && *p <= 0x7e)
			envelope_out_add(o, (const char *)p, 1);
		else {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[*p >> 4];
			e[3] = hex[*p & 0xf];
			envelope_out_add(o, e, 4);
		}
	}
}

/* envelope_out_words - append a set of bits as comma-separated words */
static void
envelope_out_words(struct envelope_out *o, const struct envelope_word *w,
    uint32_t bits)
{
	int	first = 1;

	for (; w->name != NULL; w++) {
		if ((bits & w->value) == 0)
			continue;
		if (!first)
			envelope_out_add(o, ",", 1);
		envelope_out_str(o, w->name);
		first = 0;
	}
}

/* envelope_word_name - the word naming an enum value */
static const char *
envelope_word_name(const struct envelope_word *w, uint32_t value)
{
	for (; w->name != NULL; w++)
		if (w->value == value)
			return w->name;
	return NULL;
}

/* envelope_dump_value - append one field's value */
static int
envelope_dump_value(struct envelope_out *o, const struct envelope_key *k,
    const struct envelope *evp)
{
	const char	*p = (const char *)evp + k->off;
	const char	*w;
	char		 num[32];

	switch (k->kind) {
	case ENVELOPE_K_STR:
		envelope_out_escaped(o, p);
		return 0;
	case ENVELOPE_K_ID:
		envelope_id_format(evp->evpid, num);
		break;
	case ENVELOPE_K_I64:
		if (*(const int64_t *)(const void *)p < 0)
			return -1;
		(void)snprintf(num, sizeof(num), "%" PRId64,
		    *(const int64_t *)(const void *)p);
		break;
	case ENVELOPE_K_U32:
		(void)snprintf(num, sizeof(num), "%" PRIu32,
		    *(const uint32_t *)(const void *)p);
		break;
	case ENVELOPE_K_FLAGS:
		envelope_out_words(o, envelope_flag_words, evp->flags);
		return 0;
	case ENVELOPE_K_NOTIFY:
		envelope_out_words(o, envelope_notify_words, evp->dsn_notify);
		return 0;
	case ENVELOPE_K_STATE:
	case ENVELOPE_K_RET:
	case ENVELOPE_K_ORIGIN:
		w = k->kind == ENVELOPE_K_STATE ?
		    envelope_word_name(envelope_state_words, evp->state) :
		    k->kind == ENVELOPE_K_RET ?
		    envelope_word_name(envelope_ret_words, evp->dsn_ret) :
		    envelope_word_name(envelope_origin_words, evp->origin);
		if (w == NULL)
			return -1;
		envelope_out_str(o, w);
		return 0;
	}
	envelope_out_str(o, num);
	return 0;
}

/*
 * envelope_dump - write the record into buf; returns its length, or -1
 * when buf is too small or a field holds an impossible value.
 */
int
envelope_dump(const struct envelope *evp, char *buf, size_t bufsz)
{
	struct envelope_out	o = { buf, bufsz, 0, 0 };
	size_t			i;
	int			version;

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	version = (evp->flags & ENVELOPE_F_HOLD) ? 4 :
	    evp->origin != ENVELOPE_ORIGIN_NONE ? 3 :
	    (evp->flags & ENVELOPE_F_EXPAND) ? 2 : 1;
	envelope_out_str(&o, envelope_version_lines[version - 1]);
	for (i = 0; i < ENVELOPE_NKEYS; i++) {
		if (envelope_keys[i].version > version)
			continue;
		envelope_out_str(&o, envelope_keys[i].name);
		envelope_out_add(&o, ": ", 2);
		if (envelope_dump_value(&o, &envelope_keys[i], evp) == -1)
			return -1;
		envelope_out_add(&o, "\n", 1);
	}
	if (o.overflow || o.len > ENVELOPE_DUMP_MAX)
		return -1;
	return (int)o.len;
}

/* envelope_num_parse - unsigned decimal, no leading zeros, <= max; 0 / -1 */
static int
envelope_num_parse(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t	n = 0;
	size_t		i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (n > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*v = n;
	return 0;
}

/* envelope_words_parse - comma-separated words into a bit set; 0 / -1 */
static int
envelope_words_parse(const char *s, const struct envelope_word *words,
    uint32_t *bits)
{
	const struct envelope_word	*w;
	size_t				 n;

	*bits = 0;
	if (*s == '\0')
		return 0;
	for (;;) {
		n = strcspn(s, ",");
		for (w = words; w->name != NULL; w++)
			if (strlen(w->name) == n && strncmp(w->name, s, n) == 0)
				break;
		if (w->name == NULL || (*bits & w->value))
			return -1;
		*bits |= w->value;
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
}

/* envelope_word_parse - exactly one word of the list into *value */
static int
envelope_word_parse(const char *s, const struct envelope_word *w,
    uint32_t *value)
{
	for (; w->name != NULL; w++)
		if (strcmp(w->name, s) == 0) {
			*value = w->value;
			return 0;
		}
	return -1;
}

/* envelope_unescape - decode a value into dst of dstsz bytes; 0 / -1 */
static int
envelope_unescape(const char *s, size_t len, char *dst, size_t dstsz)
{
	size_t		i, o = 0;
	uint64_t	v;
	char		hex[3];

	for (i = 0; i < len; i++) {
		if (o + 1 >= dstsz)
			return -1;
		if (s[i] != '\\') {
			dst[o++] = s[i];
			continue;
		}
		if (i + 1 < len && s[i + 1] == '\\') {
			dst[o++] = '\\';
			i++;
			continue;
		}
		if (i + 3 >= len || s[i + 1] != 'x')
			return -1;
		memcpy(hex, s + i + 2, 2);
		hex[2] = '\0';
		if (envelope_hex_parse(hex, 2, &v) == -1 || v == 0 ||
		    (v >= 0x20 && v <= 0x7e))	/* only the canonical form */
			return -1;
		dst[o++] = (char)v;
		i += 3;
	}
	dst[o] = '\0';
	return 0;
}

/* envelope_load_value - decode one field's value into evp; 0 / -1 */
static int
envelope_load_value(struct envelope *evp, const struct envelope_key *k,
    const char *v, size_t vlen)
{
	char		 s[64];
	void		*p = (char *)evp + k->off;
	uint64_t	 n;
	uint32_t	 w;

	if (k->kind == ENVELOPE_K_STR)
		return envelope_unescape(v, vlen, p, k->size);
	if (vlen >= sizeof(s))
		return -1;
	memcpy(s, v, vlen);
	s[vlen] = '\0';
	switch (k->kind) {
	case ENVELOPE_K_ID:
		return envelope_id_parse(s, &evp->evpid);
	case ENVELOPE_K_I64:
		if (envelope_num_parse(s, INT64_MAX, &n) == -1)
			return -1;
		*(int64_t *)p = (int64_t)n;
		return 0;
	case ENVELOPE_K_U32:
		if (envelope_num_parse(s, UINT32_MAX, &n) == -1)
			return -1;
		*(uint32_t *)p = (uint32_t)n;
		return 0;
	case ENVELOPE_K_FLAGS:
		return envelope_words_parse(s, envelope_flag_words, &evp->flags);
	case ENVELOPE_K_NOTIFY:
		if (envelope_words_parse(s, envelope_notify_words, &w) == -1 ||
		    ((w & ENVELOPE_DSN_NEVER) && w != ENVELOPE_DSN_NEVER))
			return -1;
		evp->dsn_notify = w;
		return 0;
	case ENVELOPE_K_STATE:
		if (envelope_word_parse(s, envelope_state_words, &w) == -1)
			return -1;
		evp->state = (enum envelope_state)w;
		return 0;
	case ENVELOPE_K_RET:
		if (envelope_word_parse(s, envelope_ret_words, &w) == -1)
			return -1;
		evp->dsn_ret = (enum envelope_ret)w;
		return 0;
	case ENVELOPE_K_ORIGIN:
		return envelope_word_parse(s, envelope_origin_words,
		    &evp->origin);
	default:
		return -1;
	}
}

/* envelope_line_check - printable ASCII only; the bad byte or -1 if fine */
static int
envelope_line_check(const char *line, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 ||
		    (unsigned char)line[i] > 0x7e)
			return (unsigned char)line[i];
	return -1;
}

/* envelope_load_line - one "key: value" line into evp; 0 / -1 with err */
static int
envelope_load_line(struct envelope *evp, int version, const char *line,
    size_t len, uint32_t *seen, char *err, size_t errsz)
{
	const char	*colon;
	size_t		 i, klen;

	if ((colon = memchr(line, ':', len)) == NULL ||
	    (size_t)(colon - line) + 1 >= len || colon[1] != ' ') {
		(void)snprintf(err, errsz, "malformed line");
		return -1;
	}
	klen = (size_t)(colon - line);
	for (i = 0; i < ENVELOPE_NKEYS; i++)
		if (strlen(envelope_keys[i].name) == klen &&
		    memcmp(envelope_keys[i].name, line, klen) == 0)
			break;
	if (i == ENVELOPE_NKEYS) {
		(void)snprintf(err, errsz, "unknown key \"%.*s\"",
		    (int)(klen > 32 ? 32 : klen), line);
		return -1;
	}
	if (envelope_keys[i].version > version) {
		(void)snprintf(err, errsz, "key %s in a version %d record",
		    envelope_keys[i].name, version);
		return -1;
	}
	if (*seen & (1U << i)) {
		(void)snprintf(err, errsz, "duplicated key %s",
		    envelope_keys[i].name);
		return -1;
	}
	*seen |= 1U << i;
	if (envelope_load_value(evp, &envelope_keys[i], colon + 2,
	    len - klen - 2) == -1) {
		(void)snprintf(err, errsz, "bad value for %s",
		    envelope_keys[i].name);
		return -1;
	}
	return 0;
}

/* envelope_load_required - check every required key was seen */
static int
envelope_load_required(uint32_t seen, char *err, size_t errsz)
{
	size_t	i;

	for (i = 0; i < ENVELOPE_NKEYS; i++)
		if (envelope_keys[i].required && (seen & (1U << i)) == 0) {
			(void)snprintf(err, errsz, "missing key %s",
			    envelope_keys[i].name);
			return -1;
		}
	return 0;
}

/* envelope_version - the version a first line names: 1 to 4, or -1 */
static int
envelope_version(const char *line, size_t len)
{
	static const char	vers[] = "version: ";
	size_t			n = sizeof(vers) - 1;

	if (len != n + 1 || memcmp(line, vers, n) != 0 || line[n] < '1' ||
	    line[n] > '0' + ENVELOPE_VERSION)
		return -1;
	return line[n] - '0';
}

/*
 * envelope_load - parse an untrusted record of len bytes into evp.
 * Returns 0, or -1 with a reason in err (the line number included).
 */
int
envelope_load(struct envelope *evp, const char *buf, size_t len,
    char *err, size_t errsz)
{
	const char		*nl, *line = buf, *end = buf + len;
	char			 why[128];
	uint32_t		 seen = 0;
	int			 bad, lineno, version = 0;

	memset(evp, 0, sizeof(*evp));
	if (len > ENVELOPE_DUMP_MAX) {
		(void)snprintf(err, errsz, "record too long");
		return -1;
	}
	for (lineno = 1; line < end; lineno++, line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL) {
			(void)snprintf(err, errsz, "line %d: unterminated",
			    lineno);
			return -1;
		}
		if ((bad = envelope_line_check(line, (size_t)(nl - line))) != -1) {
			(void)snprintf(err, errsz, "line %d: bad byte 0x%02x",
			    lineno, bad);
			return -1;
		}
		if (lineno == 1) {
			if ((version = envelope_version(line,
			    (size_t)(nl - line))) == -1) {
				(void)snprintf(err, errsz,
				    "line 1: not a version 1 to 4 envelope");
				return -1;
			}
			continue;
		}
		if (envelope_load_line(evp, version, line,
		    (size_t)(nl - line), &seen, why, sizeof(why)) == -1) {
			(void)snprintf(err, errsz, "line %d: %s", lineno, why);
			return -1;
		}
	}
	if (lineno == 1) {
		(void)snprintf(err, errsz, "empty record");
		return -1;
	}
	if (version == 1 && (evp->flags & ENVELOPE_F_EXPAND)) {
		(void)snprintf(err, errsz, "flag expand in a version 1 record");
		return -1;
	}
	if (version < 4 && (evp->flags & ENVELOPE_F_HOLD)) {
		(void)snprintf(err, errsz, "flag hold before version 4");
		return -1;
	}
	return envelope_load_required(seen, err, errsz);
}
