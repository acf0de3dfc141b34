/*
 * smtp_cmd.c - SMTP command parsing and canonical formatting.
 *
 * One table of verbs says how each verb's argument is parsed; one table
 * of MAIL/RCPT parameters says which verb takes it, which extension must
 * be offered and how its value is checked.  A refused line fills
 * out->err with the reply to give.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp_cmd.h"
#include "xtext.h"

enum smtp_cmd_argmode {
	SMTP_CMD_ARG_NONE,		/* nothing may follow */
	SMTP_CMD_ARG_OPT,		/* optional text */
	SMTP_CMD_ARG_REQ,		/* required text */
	SMTP_CMD_ARG_HOST,		/* one token */
	SMTP_CMD_ARG_SPECIAL		/* its own parser */
};

struct smtp_cmd_verbdef {
	const char		*name;
	enum smtp_cmd_verb	 verb;
	enum smtp_cmd_argmode	 mode;
};

static const struct smtp_cmd_verbdef smtp_cmd_verbs[] = {
	{ "HELO",	SMTP_CMD_HELO,		SMTP_CMD_ARG_HOST },
	{ "EHLO",	SMTP_CMD_EHLO,		SMTP_CMD_ARG_HOST },
	{ "LHLO",	SMTP_CMD_LHLO,		SMTP_CMD_ARG_HOST },
	{ "MAIL",	SMTP_CMD_MAIL,		SMTP_CMD_ARG_SPECIAL },
	{ "RCPT",	SMTP_CMD_RCPT,		SMTP_CMD_ARG_SPECIAL },
	{ "DATA",	SMTP_CMD_DATA,		SMTP_CMD_ARG_NONE },
	{ "BDAT",	SMTP_CMD_BDAT,		SMTP_CMD_ARG_SPECIAL },
	{ "RSET",	SMTP_CMD_RSET,		SMTP_CMD_ARG_NONE },
	{ "NOOP",	SMTP_CMD_NOOP,		SMTP_CMD_ARG_OPT },
	{ "QUIT",	SMTP_CMD_QUIT,		SMTP_CMD_ARG_NONE },
	{ "VRFY",	SMTP_CMD_VRFY,		SMTP_CMD_ARG_REQ },
	{ "EXPN",	SMTP_CMD_EXPN,		SMTP_CMD_ARG_REQ },
	{ "HELP",	SMTP_CMD_HELP,		SMTP_CMD_ARG_OPT },
	{ "STARTTLS",	SMTP_CMD_STARTTLS,	SMTP_CMD_ARG_NONE },
	{ "AUTH",	SMTP_CMD_AUTH,		SMTP_CMD_ARG_SPECIAL },
};

#define SMTP_CMD_NVERBS	(sizeof(smtp_cmd_verbs) / sizeof(smtp_cmd_verbs[0]))

static int	smtp_cmd_p_size(struct smtp_cmd *, const char *, size_t);
static int	smtp_cmd_p_body(struct smtp_cmd *, const char *, size_t);
static int	smtp_cmd_p_ret(struct smtp_cmd *, const char *, size_t);
static int	smtp_cmd_p_envid(struct smtp_cmd *, const char *, size_t);
static int	smtp_cmd_p_auth(struct smtp_cmd *, const char *, size_t);
static int	smtp_cmd_p_notify(struct smtp_cmd *, const char *, size_t);
static int	smtp_cmd_p_orcpt(struct smtp_cmd *, const char *, size_t);

struct smtp_cmd_paramdef {
	const char		*name;
	enum smtp_cmd_verb	 verb;
	unsigned int		 param;		/* SMTP_CMD_P_* */
	int			 enable;	/* SMTP_CMD_F_* needed */
	int			(*value)(struct smtp_cmd *, const char *,
				    size_t);	/* NULL: takes no value */
};

static const struct smtp_cmd_paramdef smtp_cmd_params[] = {
	{ "SIZE",	SMTP_CMD_MAIL,	SMTP_CMD_P_SIZE,	SMTP_CMD_F_SIZE,
	    smtp_cmd_p_size },
	{ "BODY",	SMTP_CMD_MAIL,	SMTP_CMD_P_BODY,
	    SMTP_CMD_F_8BITMIME,	smtp_cmd_p_body },
	{ "SMTPUTF8",	SMTP_CMD_MAIL,	SMTP_CMD_P_SMTPUTF8,
	    SMTP_CMD_F_SMTPUTF8,	NULL },
	{ "RET",	SMTP_CMD_MAIL,	SMTP_CMD_P_RET,		SMTP_CMD_F_DSN,
	    smtp_cmd_p_ret },
	{ "ENVID",	SMTP_CMD_MAIL,	SMTP_CMD_P_ENVID,	SMTP_CMD_F_DSN,
	    smtp_cmd_p_envid },
	{ "AUTH",	SMTP_CMD_MAIL,	SMTP_CMD_P_AUTH,	SMTP_CMD_F_AUTH,
	    smtp_cmd_p_auth },
	{ "NOTIFY",	SMTP_CMD_RCPT,	SMTP_CMD_P_NOTIFY,	SMTP_CMD_F_DSN,
	    smtp_cmd_p_notify },
	{ "ORCPT",	SMTP_CMD_RCPT,	SMTP_CMD_P_ORCPT,	SMTP_CMD_F_DSN,
	    smtp_cmd_p_orcpt },
};

#define SMTP_CMD_NPARAMS \
	(sizeof(smtp_cmd_params) / sizeof(smtp_cmd_params[0]))

static const char *smtp_cmd_notify_names[] = {
	"NEVER", "SUCCESS", "FAILURE", "DELAY"
};

/* smtp_cmd_fail - record the reply for a refused line; returns -1 */
static int
smtp_cmd_fail(struct smtp_cmd *out, int code, const char *enhanced,
    const char *text)
{
	out->err.code = code;
	out->err.enhanced = enhanced;
	out->err.text = text;
	return -1;
}

/* smtp_cmd_is - whether s[0..len) is word, case-insensitively */
static int
smtp_cmd_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* smtp_cmd_number - a 1..20 digit decimal without overflow; 0 or -1 */
static int
smtp_cmd_number(const char *s, size_t len, uint64_t *v)
{
	size_t	i;

	*v = 0;
	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    *v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* smtp_cmd_printable - whether len octets are printable ASCII or space */
static int
smtp_cmd_printable(const char *s, size_t len, int space)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] < (space ? 32 : 33) || s[i] > 126)
			return 0;
	return 1;
}

/* smtp_cmd_p_size - SIZE=n */
static int
smtp_cmd_p_size(struct smtp_cmd *out, const char *v, size_t len)
{
	return smtp_cmd_number(v, len, &out->size);
}

/* smtp_cmd_p_body - BODY=7BIT|8BITMIME */
static int
smtp_cmd_p_body(struct smtp_cmd *out, const char *v, size_t len)
{
	if (smtp_cmd_is(v, len, "7BIT"))
		out->body = SMTP_CMD_BODY_7BIT;
	else if (smtp_cmd_is(v, len, "8BITMIME"))
		out->body = SMTP_CMD_BODY_8BITMIME;
	else
		return -1;
	return 0;
}

/* smtp_cmd_p_ret - RET=FULL|HDRS */
static int
smtp_cmd_p_ret(struct smtp_cmd *out, const char *v, size_t len)
{
	if (smtp_cmd_is(v, len, "FULL"))
		out->ret = SMTP_CMD_RET_FULL;
	else if (smtp_cmd_is(v, len, "HDRS"))
		out->ret = SMTP_CMD_RET_HDRS;
	else
		return -1;
	return 0;
}

/* smtp_cmd_p_envid - ENVID=xtext, at most 100 octets decoded */
static int
smtp_cmd_p_envid(struct smtp_cmd *out, const char *v, size_t len)
{
	return xtext_decode(v, len, out->envid, sizeof(out->envid), NULL, 0);
}

/* smtp_cmd_p_auth - AUTH=xtext (RFC 4954 section 5) */
static int
smtp_cmd_p_auth(struct smtp_cmd *out, const char *v, size_t len)
{
	return xtext_decode(v, len, out->auth, sizeof(out->auth), NULL, 0);
}

/* smtp_cmd_p_notify - NOTIFY=NEVER or a list of SUCCESS,FAILURE,DELAY */
static int
smtp_cmd_p_notify(struct smtp_cmd *out, const char *v, size_t len)
{
	size_t	i = 0, n, k;
	int	bit;

	while (i < len) {
		n = 0;
		while (i + n < len && v[i + n] != ',')
			n++;
		for (k = 0; k < 4; k++)
			if (smtp_cmd_is(v + i, n, smtp_cmd_notify_names[k]))
				break;
		bit = 1 << k;
		if (k == 4 || (out->notify & bit))
			return -1;
		out->notify |= bit;
		i += n;
		if (i < len && ++i == len)
			return -1;			/* trailing comma */
	}
	if ((out->notify & SMTP_CMD_NOTIFY_NEVER) &&
	    out->notify != SMTP_CMD_NOTIFY_NEVER)
		return -1;
	return out->notify != 0 ? 0 : -1;
}

/* smtp_cmd_p_orcpt - ORCPT=addr-type;xtext */
static int
smtp_cmd_p_orcpt(struct smtp_cmd *out, const char *v, size_t len)
{
	const char	*semi;
	size_t		 n, i;

	if ((semi = memchr(v, ';', len)) == NULL)
		return -1;
	n = semi - v;
	if (n == 0 || n >= sizeof(out->orcpt_type) || semi + 1 == v + len)
		return -1;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
			return -1;
	memcpy(out->orcpt_type, v, n);
	out->orcpt_type[n] = '\0';
	return xtext_decode(semi + 1, len - n - 1, out->orcpt,
	    sizeof(out->orcpt), NULL, 0);
}

/* smtp_cmd_param_find - the definition of a parameter keyword, or NULL */
static const struct smtp_cmd_paramdef *
smtp_cmd_param_find(const char *kw, size_t len, enum smtp_cmd_verb verb)
{
	size_t	i;

	for (i = 0; i < SMTP_CMD_NPARAMS; i++)
		if (smtp_cmd_params[i].verb == verb &&
		    smtp_cmd_is(kw, len, smtp_cmd_params[i].name))
			return &smtp_cmd_params[i];
	return NULL;
}

/* smtp_cmd_keyword_len - length of an esmtp-keyword at s */
static size_t
smtp_cmd_keyword_len(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || (i > 0 && s[i] == '-')))
			break;
	return i;
}

/* smtp_cmd_param - parse one "keyword[=value]" of a MAIL or RCPT */
static int
smtp_cmd_param(struct smtp_cmd *out, const char *s, size_t len, int flags)
{
	const struct smtp_cmd_paramdef	*pd;
	size_t				 kw;

	kw = smtp_cmd_keyword_len(s, len);
	if (kw == 0 || (kw < len && s[kw] != '=') || kw + 1 == len ||
	    !smtp_cmd_printable(s, len, 0) ||
	    (kw < len && memchr(s + kw + 1, '=', len - kw - 1) != NULL))
		return smtp_cmd_fail(out, 501, "5.5.4",
		    "syntax error in parameters");
	if ((pd = smtp_cmd_param_find(s, kw, out->verb)) == NULL)
		return smtp_cmd_fail(out, 555, "5.5.4",
		    "unsupported parameter");
	if (!(flags & pd->enable))
		return smtp_cmd_fail(out, 504, "5.5.4",
		    "parameter not enabled");
	if (out->params & pd->param)
		return smtp_cmd_fail(out, 501, "5.5.4", "duplicate parameter");
	out->params |= pd->param;
	if ((pd->value == NULL) != (kw == len) ||
	    (pd->value != NULL &&
	    pd->value(out, s + kw + 1, len - kw - 1) == -1))
		return smtp_cmd_fail(out, 501, "5.5.4",
		    "invalid parameter value");
	return 0;
}

/* smtp_cmd_params_all - the space-separated parameters after a path */
static int
smtp_cmd_params_all(struct smtp_cmd *out, const char *s, size_t len,
    int flags)
{
	size_t	i = 0, n;

	while (i < len) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		for (n = 0; i + n < len && s[i + n] != ' '; n++)
			;
		if (smtp_cmd_param(out, s + i, n, flags) == -1)
			return -1;
		i += n;
	}
	return 0;
}

/* smtp_cmd_path - "FROM:<path> params" or "TO:<path> params" */
static int
smtp_cmd_path(struct smtp_cmd *out, const char *s, size_t len, int flags)
{
	const char	*prefix, *enh;
	size_t		 n, used;
	int		 aflags, utf8;

	if (out->verb == SMTP_CMD_MAIL) {
		prefix = "FROM:";
		enh = "5.1.7";
		aflags = SMTP_ADDR_F_MAIL;
	} else {
		prefix = "TO:";
		enh = "5.1.3";
		aflags = SMTP_ADDR_F_RCPT;
	}
	n = strlen(prefix);
	if (len < n || strncasecmp(s, prefix, n) != 0)
		return smtp_cmd_fail(out, 501, "5.5.4", "syntax error");
	while (n < len && s[n] == ' ')
		n++;
	if (smtp_addr_parse(s + n, len - n, aflags | SMTP_ADDR_F_UTF8,
	    &out->addr, &used, NULL, 0) == -1 ||
	    (n + used < len && s[n + used] != ' '))
		return smtp_cmd_fail(out, 501, enh, out->verb == SMTP_CMD_MAIL ?
		    "bad sender address syntax" :
		    "bad recipient address syntax");
	n += used;
	if (smtp_cmd_params_all(out, s + n, len - n, flags) == -1)
		return -1;
	utf8 = out->verb == SMTP_CMD_MAIL ?
	    (out->params & SMTP_CMD_P_SMTPUTF8) : (flags & SMTP_CMD_F_TX_UTF8);
	if ((out->addr.kind & SMTP_ADDR_UTF8) && !utf8)
		return smtp_cmd_fail(out, 553, "5.6.7",
		    "non-ASCII address requires SMTPUTF8");
	return 0;
}

/* smtp_cmd_bdat - "size [LAST]" */
static int
smtp_cmd_bdat(struct smtp_cmd *out, const char *s, size_t len)
{
	size_t	n;

	for (n = 0; n < len && s[n] != ' '; n++)
		;
	if (smtp_cmd_number(s, n, &out->size) == -1 ||
	    (n < len && !smtp_cmd_is(s + n + 1, len - n - 1, "LAST")))
		return smtp_cmd_fail(out, 501, "5.5.4", "syntax error in BDAT");
	out->last = n < len;
	return 0;
}

/* smtp_cmd_auth - "mechanism [initial-response]" */
static int
smtp_cmd_auth(struct smtp_cmd *out, const char *s, size_t len)
{
	size_t	n, i;

	for (n = 0; n < len && s[n] != ' '; n++) {
		if (n + 1 >= sizeof(out->mech) ||
		    !((s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == '_'))
			return smtp_cmd_fail(out, 501, "5.5.4",
			    "bad AUTH mechanism");
		out->mech[n] = s[n] >= 'a' && s[n] <= 'z' ? s[n] - 32 : s[n];
	}
	out->mech[n] = '\0';
	if (n == 0)
		return smtp_cmd_fail(out, 501, "5.5.4", "bad AUTH mechanism");
	if (n == len)
		return 0;
	for (i = n + 1; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
		    s[i] == '/' || s[i] == '='))
			return smtp_cmd_fail(out, 501, "5.5.4",
			    "bad AUTH initial response");
	if (i == n + 1)
		return smtp_cmd_fail(out, 501, "5.5.4",
		    "bad AUTH initial response");
	memcpy(out->arg, s + n + 1, len - n - 1);
	out->arg[len - n - 1] = '\0';
	return 0;
}

/* smtp_cmd_args - check and keep the argument of a simple verb */
static int
smtp_cmd_args(struct smtp_cmd *out, enum smtp_cmd_argmode mode,
    const char *s, size_t len)
{
	switch (mode) {
	case SMTP_CMD_ARG_NONE:
		if (len > 0)
			return smtp_cmd_fail(out, 501, "5.5.4",
			    "no parameters allowed");
		return 0;
	case SMTP_CMD_ARG_HOST:
		if (len == 0 || len > SMTP_DOMAIN_MAX ||
		    !smtp_cmd_printable(s, len, 0))
			return smtp_cmd_fail(out, 501, "5.5.4",
			    "domain name required");
		break;
	case SMTP_CMD_ARG_REQ:
		if (len == 0)
			return smtp_cmd_fail(out, 501, "5.5.4",
			    "argument required");
		/* FALLTHROUGH */
	case SMTP_CMD_ARG_OPT:
		if (!smtp_cmd_printable(s, len, 1))
			return smtp_cmd_fail(out, 501, "5.5.4",
			    "invalid characters in argument");
		break;
	case SMTP_CMD_ARG_SPECIAL:
		break;
	}
	memcpy(out->arg, s, len);
	out->arg[len] = '\0';
	return 0;
}

/* smtp_cmd_verb_args - parse the argument of a known verb */
static int
smtp_cmd_verb_args(struct smtp_cmd *out, const struct smtp_cmd_verbdef *vd,
    const char *s, size_t len, int flags)
{
	switch (vd->verb) {
	case SMTP_CMD_MAIL:
	case SMTP_CMD_RCPT:
		return smtp_cmd_path(out, s, len, flags);
	case SMTP_CMD_BDAT:
		return smtp_cmd_bdat(out, s, len);
	case SMTP_CMD_AUTH:
		return smtp_cmd_auth(out, s, len);
	default:
		return smtp_cmd_args(out, vd->mode, s, len);
	}
}

/* smtp_cmd_verb_find - the verb heading a line, or NULL */
static const struct smtp_cmd_verbdef *
smtp_cmd_verb_find(const char *s, size_t len, int flags)
{
	size_t	i;

	for (i = 0; i < SMTP_CMD_NVERBS; i++) {
		if (!smtp_cmd_is(s, len, smtp_cmd_verbs[i].name))
			continue;
		if ((smtp_cmd_verbs[i].verb == SMTP_CMD_LHLO) !=
		    ((flags & SMTP_CMD_F_LMTP) != 0) &&
		    (smtp_cmd_verbs[i].verb == SMTP_CMD_LHLO ||
		    smtp_cmd_verbs[i].verb == SMTP_CMD_HELO ||
		    smtp_cmd_verbs[i].verb == SMTP_CMD_EHLO))
			return NULL;
		return &smtp_cmd_verbs[i];
	}
	return NULL;
}

/*
 * smtp_cmd_parse - parse one command line of len octets (without CRLF)
 * offered under flags (SMTP_CMD_F_*); 0, or -1 with out->err set (the
 * reply to send) and its text in err
 */
int
smtp_cmd_parse(const char *line, size_t len, int flags, struct smtp_cmd *out,
    char *err, size_t errsz)
{
	const struct smtp_cmd_verbdef	*vd;
	size_t				 n, alen;
	int				 rc;

	memset(out, 0, sizeof(*out));
	if (len > SMTP_CMD_LINE_MAX - 2)
		rc = smtp_cmd_fail(out, 500, "5.5.6", "line too long");
	else if (memchr(line, '\0', len) || memchr(line, '\r', len) ||
	    memchr(line, '\n', len))
		rc = smtp_cmd_fail(out, 500, "5.5.2",
		    "invalid character in command");
	else {
		while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		for (n = 0; n < len && line[n] != ' '; n++)
			;
		alen = n < len ? len - n - 1 : 0;
		if ((vd = smtp_cmd_verb_find(line, n, flags)) == NULL)
			rc = smtp_cmd_fail(out, 500, "5.5.2",
			    "command unrecognized");
		else if (vd->verb == SMTP_CMD_BDAT &&
		    !(flags & SMTP_CMD_F_CHUNKING))
			rc = smtp_cmd_fail(out, 502, "5.5.1",
			    "command not implemented");
		else {
			out->verb = vd->verb;
			rc = smtp_cmd_verb_args(out, vd, line + len - alen,
			    alen, flags);
		}
	}
	if (rc == -1) {
		out->verb = SMTP_CMD_NONE;
		(void)strlcpy(err, out->err.text, errsz);
	}
	return rc;
}

/* smtp_cmd_name - the canonical name of a verb, or NULL */
const char *
smtp_cmd_name(enum smtp_cmd_verb verb)
{
	size_t	i;

	for (i = 0; i < SMTP_CMD_NVERBS; i++)
		if (smtp_cmd_verbs[i].verb == verb)
			return smtp_cmd_verbs[i].name;
	return NULL;
}

/* smtp_cmd_cat - append formatted text at *o; -1 if it does not fit */
static int __attribute__((format(printf, 4, 5)))
smtp_cmd_cat(char *buf, size_t bufsz, size_t *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (*o >= bufsz)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf + *o, bufsz - *o, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= bufsz - *o)
		return -1;
	*o += n;
	return 0;
}

/* smtp_cmd_cat_xtext - append " NAME=" and the xtext of value */
static int
smtp_cmd_cat_xtext(char *buf, size_t bufsz, size_t *o, const char *name,
    const char *type, const char *value)
{
	char	enc[ORCPT_MAX * 3];

	if (xtext_encode(value, strlen(value), enc, sizeof(enc)) == -1)
		return -1;
	if (type != NULL)
		return smtp_cmd_cat(buf, bufsz, o, " %s=%s;%s", name, type,
		    enc);
	return smtp_cmd_cat(buf, bufsz, o, " %s=%s", name, enc);
}

/* smtp_cmd_format_notify - append " NOTIFY=..." */
static int
smtp_cmd_format_notify(const struct smtp_cmd *c, char *buf, size_t bufsz,
    size_t *o)
{
	const char	*sep = " NOTIFY=";
	size_t		 k;

	for (k = 0; k < 4; k++) {
		if (!(c->notify & (1 << k)))
			continue;
		if (smtp_cmd_cat(buf, bufsz, o, "%s%s", sep,
		    smtp_cmd_notify_names[k]) == -1)
			return -1;
		sep = ",";
	}
	return 0;
}

/* smtp_cmd_format_params - append the parameters of a MAIL or RCPT */
static int
smtp_cmd_format_params(const struct smtp_cmd *c, char *buf, size_t bufsz,
    size_t *o)
{
	unsigned int	p = c->params;

	if (((p & SMTP_CMD_P_SIZE) && smtp_cmd_cat(buf, bufsz, o,
	    " SIZE=%" PRIu64, c->size) == -1) ||
	    ((p & SMTP_CMD_P_BODY) && smtp_cmd_cat(buf, bufsz, o, " BODY=%s",
	    c->body == SMTP_CMD_BODY_7BIT ? "7BIT" : "8BITMIME") == -1) ||
	    ((p & SMTP_CMD_P_SMTPUTF8) &&
	    smtp_cmd_cat(buf, bufsz, o, " SMTPUTF8") == -1) ||
	    ((p & SMTP_CMD_P_RET) && smtp_cmd_cat(buf, bufsz, o, " RET=%s",
	    c->ret == SMTP_CMD_RET_FULL ? "FULL" : "HDRS") == -1) ||
	    ((p & SMTP_CMD_P_ENVID) && smtp_cmd_cat_xtext(buf, bufsz, o,
	    "ENVID", NULL, c->envid) == -1) ||
	    ((p & SMTP_CMD_P_AUTH) && smtp_cmd_cat_xtext(buf, bufsz, o,
	    "AUTH", NULL, c->auth) == -1) ||
	    ((p & SMTP_CMD_P_NOTIFY) &&
	    smtp_cmd_format_notify(c, buf, bufsz, o) == -1) ||
	    ((p & SMTP_CMD_P_ORCPT) && smtp_cmd_cat_xtext(buf, bufsz, o,
	    "ORCPT", c->orcpt_type, c->orcpt) == -1))
		return -1;
	return 0;
}

/* smtp_cmd_format_args - append what follows the verb */
static int
smtp_cmd_format_args(const struct smtp_cmd *c, char *buf, size_t bufsz,
    size_t *o)
{
	char	path[SMTP_PATH_MAX + 1];

	switch (c->verb) {
	case SMTP_CMD_MAIL:
	case SMTP_CMD_RCPT:
		if (smtp_addr_format(&c->addr, path, sizeof(path)) == -1 ||
		    smtp_cmd_cat(buf, bufsz, o, " %s:%s",
		    c->verb == SMTP_CMD_MAIL ? "FROM" : "TO", path) == -1)
			return -1;
		return smtp_cmd_format_params(c, buf, bufsz, o);
	case SMTP_CMD_BDAT:
		return smtp_cmd_cat(buf, bufsz, o, " %" PRIu64 "%s", c->size,
		    c->last ? " LAST" : "");
	case SMTP_CMD_AUTH:
		return smtp_cmd_cat(buf, bufsz, o, " %s%s%s", c->mech,
		    c->arg[0] ? " " : "", c->arg);
	default:
		if (c->arg[0] == '\0')
			return 0;
		return smtp_cmd_cat(buf, bufsz, o, " %s", c->arg);
	}
}

/*
 * smtp_cmd_format - the canonical command line with its CRLF,
 * NUL-terminated; -1 if buf is too small or the verb unknown
 */
int
smtp_cmd_format(const struct smtp_cmd *c, char *buf, size_t bufsz)
{
	const char	*name;
	size_t		 o = 0;

	if ((name = smtp_cmd_name(c->verb)) == NULL ||
	    smtp_cmd_cat(buf, bufsz, &o, "%s", name) == -1 ||
	    smtp_cmd_format_args(c, buf, bufsz, &o) == -1 ||
	    smtp_cmd_cat(buf, bufsz, &o, "\r\n") == -1) {
		if (bufsz > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}
