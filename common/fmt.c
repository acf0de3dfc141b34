/*
 * fmt.c - expansion of smtpd.conf format specifiers (see fmt.h).
 *
 * A pure function of the template and the context: no I/O, no logging,
 * no allocation.  Every value is built in a bounded stack buffer and
 * copied into the caller's buffer only when it fits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fmt.h"

#define FMT_SUBADDR_DELIM	'+'
#define FMT_SANE_PUNCT		"+-=_.@[]"
#define FMT_BOUNCE_FROM		"MAILER-DAEMON"

enum fmt_src {
	FMT_SRC_SENDER,
	FMT_SRC_SENDER_USER,
	FMT_SRC_SENDER_DOMAIN,
	FMT_SRC_RCPT,
	FMT_SRC_RCPT_USER,
	FMT_SRC_RCPT_DOMAIN,
	FMT_SRC_DEST,
	FMT_SRC_DEST_USER,
	FMT_SRC_DEST_DOMAIN,
	FMT_SRC_USER_NAME,
	FMT_SRC_USER_DIR,
	FMT_SRC_MBOX_FROM,
	FMT_SRC_MDA
};

/* A token: its name, where its value comes from, whether it is trusted. */
struct fmt_token {
	const char	*name;
	enum fmt_src	 src;
	int		 trusted;	/* from the configuration or NSS */
};

static const struct fmt_token fmt_tokens[] = {
	{ "sender",		FMT_SRC_SENDER,		0 },
	{ "sender.user",	FMT_SRC_SENDER_USER,	0 },
	{ "sender.domain",	FMT_SRC_SENDER_DOMAIN,	0 },
	{ "rcpt",		FMT_SRC_RCPT,		0 },
	{ "rcpt.user",		FMT_SRC_RCPT_USER,	0 },
	{ "rcpt.domain",	FMT_SRC_RCPT_DOMAIN,	0 },
	{ "dest",		FMT_SRC_DEST,		0 },
	{ "dest.user",		FMT_SRC_DEST_USER,	0 },
	{ "dest.domain",	FMT_SRC_DEST_DOMAIN,	0 },
	{ "user.username",	FMT_SRC_USER_NAME,	0 },
	{ "user.directory",	FMT_SRC_USER_DIR,	1 },
	{ "mbox.from",		FMT_SRC_MBOX_FROM,	0 },
	{ "mda",		FMT_SRC_MDA,		1 },
};

/* A parsed "%{name[slice]:mods}". */
struct fmt_spec {
	char		 name[FMT_TOKEN_MAX];
	int		 sliced;
	long		 beg;
	long		 end;
	int		 end_set;
	const char	*mods;		/* into name[], or NULL */
};

/* The output being built: bounded, always NUL-terminated. */
struct fmt_out {
	char		*dst;
	size_t		 size;
	size_t		 len;
};

typedef void	(*fmt_mod_fn)(char *, char);

static void	fmt_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	fmt_out_add(struct fmt_out *, const char *, size_t);
static int	fmt_num(const char *, long *);
static int	fmt_slice_parse(struct fmt_spec *, char *, char *);
static int	fmt_spec_parse(struct fmt_spec *, const char *, size_t);
static int	fmt_join(char *, size_t, const char *, const char *,
		    const char *);
static int	fmt_value(char *, size_t, enum fmt_src,
		    const struct fmt_ctx *);
static void	fmt_mod_lower(char *, char);
static void	fmt_mod_upper(char *, char);
static void	fmt_mod_strip(char *, char);
static int	fmt_mods_apply(char *, const char *, char, int *);
static void	fmt_sanitise(char *, int);
static int	fmt_slice(const struct fmt_spec *, const char *, size_t *,
		    size_t *);
static int	fmt_token_expand(struct fmt_out *, const char *, size_t,
		    const struct fmt_ctx *, char *, size_t);

static const struct {
	const char	*name;
	fmt_mod_fn	 fn;		/* NULL: raw */
} fmt_mods[] = {
	{ "lowercase",	fmt_mod_lower },
	{ "uppercase",	fmt_mod_upper },
	{ "strip",	fmt_mod_strip },
	{ "raw",	NULL },
};

/* fmt_err - write a message into err, if the caller gave room for one. */
static void
fmt_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* fmt_out_add - append n bytes to out; -1 if they do not fit. */
static int
fmt_out_add(struct fmt_out *out, const char *s, size_t n)
{
	if (n >= out->size - out->len)
		return -1;
	memcpy(out->dst + out->len, s, n);
	out->len += n;
	out->dst[out->len] = '\0';
	return 0;
}

/* fmt_num - parse an optionally negative decimal slice offset. */
static int
fmt_num(const char *s, long *v)
{
	long	n = 0;
	int	neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
		if (n > FMT_VALUE_MAX)
			return -1;
	}
	*v = neg ? -n : n;
	return 0;
}

/* fmt_slice_parse - parse the text between '[' and ']' into spec. */
static int
fmt_slice_parse(struct fmt_spec *spec, char *lb, char *rb)
{
	char	*content = lb + 1, *sep;

	if (rb - lb <= 1)
		return -1;
	*lb = *rb = '\0';
	spec->sliced = 1;
	if ((sep = strchr(content, ':')) == NULL) {
		if (fmt_num(content, &spec->beg) == -1)
			return -1;
		spec->end = spec->beg;
		spec->end_set = 1;
		return 0;
	}
	*sep++ = '\0';
	if (*content != '\0' && fmt_num(content, &spec->beg) == -1)
		return -1;
	if (*sep != '\0') {
		if (fmt_num(sep, &spec->end) == -1)
			return -1;
		spec->end_set = 1;
	}
	return 0;
}

/* fmt_spec_parse - split "name[slice]:mods" (n bytes at tok) into spec. */
static int
fmt_spec_parse(struct fmt_spec *spec, const char *tok, size_t n)
{
	char	*lb, *rb, *colon;

	memset(spec, 0, sizeof(*spec));
	if (n >= sizeof(spec->name))
		return -1;
	memcpy(spec->name, tok, n);
	spec->name[n] = '\0';
	if (strchr(spec->name, '{') != NULL)
		return -1;

	lb = strchr(spec->name, '[');
	colon = strchr(spec->name, ':');
	if (lb != NULL && (colon == NULL || lb < colon)) {
		if ((rb = strchr(lb, ']')) == NULL)
			return -1;
		if (rb[1] != '\0' && rb[1] != ':')
			return -1;
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (fmt_slice_parse(spec, lb, rb) == -1)
			return -1;
	} else if (strchr(spec->name, ']') != NULL)
		return -1;
	if (colon != NULL) {
		*colon = '\0';
		spec->mods = colon + 1;
	}
	return 0;
}

/* fmt_join - "user@domain" into dst, or empty for <>; -1 if too long. */
static int
fmt_join(char *dst, size_t dstsz, const char *user, const char *domain,
    const char *empty)
{
	int	n;

	if (user == NULL)
		user = "";
	if (domain == NULL)
		domain = "";
	if (*user == '\0' && *domain == '\0')
		n = snprintf(dst, dstsz, "%s", empty);
	else
		n = snprintf(dst, dstsz, "%s@%s", user, domain);
	if (n < 0 || (size_t)n >= dstsz)
		return -1;
	return 0;
}

/* fmt_value - the raw value of src into dst; -1 if missing or too long. */
static int
fmt_value(char *dst, size_t dstsz, enum fmt_src src, const struct fmt_ctx *c)
{
	const char	*s = NULL;

	switch (src) {
	case FMT_SRC_SENDER:
		return fmt_join(dst, dstsz, c->sender_user, c->sender_domain,
		    "");
	case FMT_SRC_RCPT:
		return fmt_join(dst, dstsz, c->rcpt_user, c->rcpt_domain, "");
	case FMT_SRC_DEST:
		return fmt_join(dst, dstsz, c->dest_user, c->dest_domain, "");
	case FMT_SRC_MBOX_FROM:
		if (c->mbox_from == NULL)
			return fmt_join(dst, dstsz, c->sender_user,
			    c->sender_domain, FMT_BOUNCE_FROM);
		s = c->mbox_from;
		break;
	case FMT_SRC_SENDER_USER:
		s = c->sender_user ? c->sender_user : "";
		break;
	case FMT_SRC_SENDER_DOMAIN:
		s = c->sender_domain ? c->sender_domain : "";
		break;
	case FMT_SRC_RCPT_USER:
		s = c->rcpt_user ? c->rcpt_user : "";
		break;
	case FMT_SRC_RCPT_DOMAIN:
		s = c->rcpt_domain ? c->rcpt_domain : "";
		break;
	case FMT_SRC_DEST_USER:
		s = c->dest_user ? c->dest_user : "";
		break;
	case FMT_SRC_DEST_DOMAIN:
		s = c->dest_domain ? c->dest_domain : "";
		break;
	case FMT_SRC_USER_NAME:
		s = c->user_name;
		break;
	case FMT_SRC_USER_DIR:
		s = c->user_dir;
		break;
	case FMT_SRC_MDA:
		s = c->mda;
		break;
	}
	if (s == NULL || strlcpy(dst, s, dstsz) >= dstsz)
		return -1;
	return 0;
}

/* fmt_mod_lower - ASCII lowercase, whatever the locale. */
static void
fmt_mod_lower(char *s, char delim)
{
	(void)delim;
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
}

/* fmt_mod_upper - ASCII uppercase, whatever the locale. */
static void
fmt_mod_upper(char *s, char delim)
{
	(void)delim;
	for (; *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'z')
			*s -= 'a' - 'A';
}

/* fmt_mod_strip - drop a "+tag" up to the '@' or the end: a+b@c -> a@c. */
static void
fmt_mod_strip(char *s, char delim)
{
	char	*tag, *at;

	if ((tag = strchr(s, delim)) == NULL)
		return;
	if ((at = strchr(tag, '@')) == NULL)
		*tag = '\0';
	else
		memmove(tag, at, strlen(at) + 1);
}

/* fmt_mods_apply - apply the '|'-separated modifiers to val; -1 unknown. */
static int
fmt_mods_apply(char *val, const char *mods, char delim, int *raw)
{
	const char	*end;
	size_t		 n, i;

	for (;;) {
		end = strchr(mods, '|');
		n = end ? (size_t)(end - mods) : strlen(mods);
		for (i = 0; i < sizeof(fmt_mods) / sizeof(fmt_mods[0]); i++)
			if (strlen(fmt_mods[i].name) == n &&
			    strncasecmp(fmt_mods[i].name, mods, n) == 0)
				break;
		if (i == sizeof(fmt_mods) / sizeof(fmt_mods[0]))
			return -1;
		if (fmt_mods[i].fn == NULL)
			*raw = 1;
		else
			fmt_mods[i].fn(val, delim);
		if (end == NULL)
			return 0;
		mods = end + 1;
	}
}

/* fmt_sanitise - replace unsafe bytes by ':' (only controls when raw). */
static void
fmt_sanitise(char *s, int raw)
{
	unsigned char	c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			*s = ':';
		else if (raw || c >= 0x80)
			continue;
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		else if (strchr(FMT_SANE_PUNCT, c) == NULL)
			*s = ':';
	}
}

/* fmt_slice - resolve spec's slice over val into *off and *len. */
static int
fmt_slice(const struct fmt_spec *spec, const char *val, size_t *off,
    size_t *len)
{
	long	n = (long)strlen(val), beg, end;

	*off = *len = 0;
	if (n == 0 || !spec->sliced) {
		*len = (size_t)n;
		return 0;
	}
	beg = spec->beg;
	end = spec->end_set ? spec->end : n - 1;
	if (beg >= n)
		return -1;
	if (end >= n)
		end = n - 1;
	if (beg < 0)
		beg += n;
	if (end < 0)
		end += n - 1;
	if (beg < 0 || end < 0 || end < beg)
		return -1;
	*off = (size_t)beg;
	*len = (size_t)(end - beg + 1);
	return 0;
}

/* fmt_token_expand - expand the n-byte token at tok and append it to out. */
static int
fmt_token_expand(struct fmt_out *out, const char *tok, size_t n,
    const struct fmt_ctx *ctx, char *err, size_t errsz)
{
	struct fmt_spec		 spec;
	const struct fmt_token	*t = NULL;
	char			 val[FMT_VALUE_MAX];
	size_t			 i, off, len;
	int			 raw = 0;

	if (fmt_spec_parse(&spec, tok, n) == -1) {
		fmt_err(err, errsz, "malformed token \"%%{%.*s}\"", (int)n,
		    tok);
		return -1;
	}
	for (i = 0; i < sizeof(fmt_tokens) / sizeof(fmt_tokens[0]); i++)
		if (strcasecmp(fmt_tokens[i].name, spec.name) == 0)
			t = &fmt_tokens[i];
	if (t == NULL) {
		fmt_err(err, errsz, "unknown token \"%s\"", spec.name);
		return -1;
	}
	if (fmt_value(val, sizeof(val), t->src, ctx) == -1) {
		fmt_err(err, errsz, "no value or value too long for \"%s\"",
		    t->name);
		return -1;
	}
	if (spec.mods != NULL && fmt_mods_apply(val, spec.mods,
	    ctx->subaddr_delim ? ctx->subaddr_delim : FMT_SUBADDR_DELIM,
	    &raw) == -1) {
		fmt_err(err, errsz, "unknown modifier in \"%s\"", spec.mods);
		return -1;
	}
	if (!t->trusted)
		fmt_sanitise(val, raw);
	if (fmt_slice(&spec, val, &off, &len) == -1) {
		fmt_err(err, errsz, "slice out of range for \"%s\"", t->name);
		return -1;
	}
	if (!t->trusted && !raw && len > 0 && val[off] == '.')
		val[off] = ':';
	if (fmt_out_add(out, val + off, len) == -1) {
		fmt_err(err, errsz, "expansion too long");
		return -1;
	}
	return 0;
}

/* fmt_expand - expand template for ctx into dst; 0 or -1 with err. */
int
fmt_expand(char *dst, size_t dstsz, const char *template,
    const struct fmt_ctx *ctx, char *err, size_t errsz)
{
	struct fmt_out	 out = { dst, dstsz, 0 };
	const char	*p = template, *end;

	if (dstsz == 0)
		return -1;
	dst[0] = '\0';
	if (strncmp(p, "~/", 2) == 0) {
		if (ctx->user_dir == NULL || *ctx->user_dir == '\0') {
			fmt_err(err, errsz, "\"~/\" without a home directory");
			return -1;
		}
		if (fmt_out_add(&out, ctx->user_dir, strlen(ctx->user_dir)) ==
		    -1 || fmt_out_add(&out, "/", 1) == -1)
			goto toolong;
		p += 2;
	}
	while (*p != '\0') {
		if (p[0] != '%' || (p[1] != '%' && p[1] != '{')) {
			if (fmt_out_add(&out, p++, 1) == -1)
				goto toolong;
			continue;
		}
		if (p[1] == '%') {
			if (fmt_out_add(&out, "%", 1) == -1)
				goto toolong;
			p += 2;
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL) {
			fmt_err(err, errsz, "unterminated \"%%{\"");
			goto fail;
		}
		if (fmt_token_expand(&out, p + 2, end - (p + 2), ctx, err,
		    errsz) == -1)
			goto fail;
		p = end + 1;
	}
	return 0;

toolong:
	fmt_err(err, errsz, "expansion too long");
fail:
	dst[0] = '\0';
	return -1;
}
