/*
 * cfg_lex.c - the smtpd.conf tokenizer: comments, "\" continuations,
 * quoting, macros (name = "value", $name, -D name=value) and the stack
 * of included files.  Every error is reported as "FILE:LINE: message".
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "cfg.h"
#include "cfg_parse.h"
#include "xmalloc.h"

#define CFG_LEX_NONE	(-2)		/* no pushed-back byte */
#define CFG_LEX_ERROR	CFG_T_CFG_PARSE_error	/* makes the parse fail */

static const struct {
	const char	*word;
	int		 tok;
} cfg_lex_keywords[] = {	/* sorted by strcmp */
	{ "action",		CFG_T_ACTION },
	{ "alias",		CFG_T_ALIAS },
	{ "any",		CFG_T_ANY },
	{ "auth",		CFG_T_AUTH },
	{ "auth-optional",	CFG_T_AUTH_OPTIONAL },
	{ "backup",		CFG_T_BACKUP },
	{ "bounce",		CFG_T_BOUNCE },
	{ "bypass",		CFG_T_BYPASS },
	{ "ca",			CFG_T_CA },
	{ "cert",		CFG_T_CERT },
	{ "chain",		CFG_T_CHAIN },
	{ "ciphers",		CFG_T_CIPHERS },
	{ "compression",	CFG_T_COMPRESSION },
	{ "disconnect",	CFG_T_DISCONNECT },
	{ "domain",		CFG_T_DOMAIN },
	{ "encryption",		CFG_T_ENCRYPTION },
	{ "expand-only",	CFG_T_EXPAND_ONLY },
	{ "fcrdns",		CFG_T_FCRDNS },
	{ "filter",		CFG_T_FILTER },
	{ "for",		CFG_T_FOR },
	{ "forward-only",	CFG_T_FORWARD_ONLY },
	{ "from",		CFG_T_FROM },
	{ "helo",		CFG_T_HELO },
	{ "host",		CFG_T_HOST },
	{ "hostname",		CFG_T_HOSTNAME },
	{ "include",		CFG_T_INCLUDE },
	{ "inet4",		CFG_T_INET4 },
	{ "inet6",		CFG_T_INET6 },
	{ "junk",		CFG_T_JUNK },
	{ "key",		CFG_T_KEY },
	{ "limit",		CFG_T_LIMIT },
	{ "listen",		CFG_T_LISTEN },
	{ "lmtp",		CFG_T_LMTP },
	{ "local",		CFG_T_LOCAL },
	{ "mail-from",		CFG_T_MAIL_FROM },
	{ "maildir",		CFG_T_MAILDIR },
	{ "mask-src",		CFG_T_MASK_SRC },
	{ "masquerade",		CFG_T_MASQUERADE },
	{ "match",		CFG_T_MATCH },
	{ "max-deferred",	CFG_T_MAX_DEFERRED },
	{ "max-mails",		CFG_T_MAX_MAILS },
	{ "max-message-size",	CFG_T_MAX_MESSAGE_SIZE },
	{ "max-rcpt",		CFG_T_MAX_RCPT },
	{ "max-sessions",	CFG_T_MAX_SESSIONS },
	{ "max-sessions-per-address",CFG_T_MAX_SESSIONS_PER_ADDRESS },
	{ "mbox",		CFG_T_MBOX },
	{ "mda",		CFG_T_MDA },
	{ "milter",		CFG_T_MILTER },
	{ "mta",		CFG_T_MTA },
	{ "mx",			CFG_T_MX },
	{ "no-dsn",		CFG_T_NO_DSN },
	{ "no-verify",		CFG_T_NO_VERIFY },
	{ "on",			CFG_T_ON },
	{ "path",		CFG_T_PATH },
	{ "phase",		CFG_T_PHASE },
	{ "pki",		CFG_T_PKI },
	{ "port",		CFG_T_PORT },
	{ "proc",		CFG_T_PROC },
	{ "proc-exec",		CFG_T_PROC_EXEC },
	{ "queue",		CFG_T_QUEUE },
	{ "rcpt-to",		CFG_T_RCPT_TO },
	{ "rdns",		CFG_T_RDNS },
	{ "reject",		CFG_T_REJECT },
	{ "relay",		CFG_T_RELAY },
	{ "report",		CFG_T_REPORT },
	{ "rewrite",		CFG_T_REWRITE },
	{ "senders",		CFG_T_SENDERS },
	{ "session-rate",	CFG_T_SESSION_RATE },
	{ "smtp",		CFG_T_SMTP },
	{ "smtps",		CFG_T_SMTPS },
	{ "socket",		CFG_T_SOCKET },
	{ "src",		CFG_T_SRC },
	{ "sub-addr-delim",	CFG_T_SUB_ADDR_DELIM },
	{ "table",		CFG_T_TABLE },
	{ "tag",		CFG_T_TAG },
	{ "tls",		CFG_T_TLS },
	{ "tls-require",	CFG_T_TLS_REQUIRE },
	{ "ttl",		CFG_T_TTL },
	{ "user",		CFG_T_USER },
	{ "userbase",		CFG_T_USERBASE },
	{ "verify",		CFG_T_VERIFY },
	{ "virtual",		CFG_T_VIRTUAL },
	{ "warn-interval",	CFG_T_WARN_INTERVAL },
};

/* cfg_lex_error - record the first error as "FILE:LINE: message" */
void
cfg_lex_error(struct cfg_pstate *ps, const struct cfg_loc *loc,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	if (ps->failed)
		return;
	ps->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errsz, "%s:%d: %s", loc->file, loc->line, msg);
}

/* cfg_lex_syntax - word a grammar error from the token that caused it */
void
cfg_lex_syntax(struct cfg_pstate *ps, const struct cfg_loc *loc)
{
	char	 tok[4 * sizeof(ps->tokstr) + 1];

	strnvis(tok, ps->tokstr, sizeof(tok), VIS_SAFE | VIS_OCTAL);
	if (ps->stmt_tok == CFG_T_STRING && ps->stmt_ntok > 1 &&
	    ps->stmt_tok2 != '=') {
		strnvis(tok, ps->stmt_str, sizeof(tok), VIS_SAFE | VIS_OCTAL);
		cfg_lex_error(ps, loc, "unknown directive '%s'", tok);
	} else if (ps->tok == '\n' || ps->tok == CFG_T_YYEOF)
		cfg_lex_error(ps, loc, "missing argument");
	else if (ps->tok_first)
		cfg_lex_error(ps, loc, "unknown directive '%s'", tok);
	else
		cfg_lex_error(ps, loc, "unexpected '%s'", tok);
}

/* cfg_lex_here - the location of the next byte of the current file */
static struct cfg_loc
cfg_lex_here(struct cfg_pstate *ps)
{
	struct cfg_loc	 loc;

	loc.file = ps->file->name;
	loc.line = ps->file->lineno;
	return loc;
}

/* cfg_lex_open - push path on the file stack (an include when loc set) */
int
cfg_lex_open(struct cfg_pstate *ps, const char *path,
    const struct cfg_loc *loc)
{
	struct cfg_lex_file	*f;
	struct cfg_loc		 top;
	FILE			*fp;

	if (loc == NULL) {
		top.file = cfg_file_add(ps->cfg, path);
		top.line = 0;
		loc = &top;
	}
	if (ps->depth >= CFG_INCLUDE_MAX) {
		cfg_lex_error(ps, loc, "include nesting too deep (at most %d)",
		    CFG_INCLUDE_MAX);
		return -1;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		cfg_lex_error(ps, loc, "cannot open \"%s\": %s", path,
		    strerror(errno));
		return -1;
	}
	f = xcalloc(1, sizeof(*f));
	f->iobuf = xmalloc(CFG_LEX_IOBUF);
	(void)setvbuf(fp, f->iobuf, _IOFBF, CFG_LEX_IOBUF);
	f->fp = fp;
	f->name = loc == &top ? top.file : cfg_file_add(ps->cfg, path);
	f->lineno = 1;
	f->ungot = CFG_LEX_NONE;
	f->pending_nl = ps->file != NULL;
	f->parent = ps->file;
	ps->file = f;
	ps->depth++;
	return 0;
}

/* cfg_lex_pop - close the innermost file; 0 if an outer one remains */
static int
cfg_lex_pop(struct cfg_pstate *ps)
{
	struct cfg_lex_file	*f = ps->file;

	ps->file = f->parent;
	ps->depth--;
	fclose(f->fp);
	freezero(f->iobuf, CFG_LEX_IOBUF);
	free(f);
	return ps->file == NULL ? -1 : 0;
}

/* cfg_lex_close - close every open file and forget the macros */
void
cfg_lex_close(struct cfg_pstate *ps)
{
	struct cfg_macro	*m;

	while (ps->file != NULL)
		(void)cfg_lex_pop(ps);
	while ((m = ps->macros) != NULL) {
		ps->macros = m->next;
		free(m->name);
		freezero(m->value, strlen(m->value));
		free(m);
	}
}

/* cfg_lex_raw - next byte of the current file, pushed-back byte first */
static int
cfg_lex_raw(struct cfg_lex_file *f)
{
	int	 c;

	if (f->ungot != CFG_LEX_NONE) {
		c = f->ungot;
		f->ungot = CFG_LEX_NONE;
		return c;
	}
	return getc(f->fp);
}

/* cfg_lex_getc - next byte: macro text, then the file; joins "\"+LF */
static int
cfg_lex_getc(struct cfg_pstate *ps, int *from_pb)
{
	struct cfg_lex_file	*f = ps->file;
	int			 c, next;

	*from_pb = ps->pbpos < ps->pblen;
	if (*from_pb)
		return (unsigned char)ps->pb[ps->pbpos++];
	ps->pblen = ps->pbpos = 0;
	while ((c = cfg_lex_raw(f)) == '\\') {
		if ((next = cfg_lex_raw(f)) != '\n') {
			f->ungot = next;
			break;
		}
		f->lineno++;
	}
	return c;
}

/* cfg_lex_ungetc - give back the byte last read */
static void
cfg_lex_ungetc(struct cfg_pstate *ps, int c, int from_pb)
{
	if (from_pb)
		ps->pbpos--;
	else
		ps->file->ungot = c;
}

/* cfg_lex_wordchar - may c appear in an unquoted word? */
static int
cfg_lex_wordchar(int c)
{
	if (c == EOF || c > 0x7e || c < 0x21)
		return 0;
	return strchr("(){}<>!=#,\"'", c) == NULL;
}

/* cfg_lex_badchar - report a byte no token may contain */
static int
cfg_lex_badchar(struct cfg_pstate *ps, int c, struct cfg_loc *loc)
{
	if (c == '\0')
		cfg_lex_error(ps, loc, "NUL byte");
	else
		cfg_lex_error(ps, loc, "invalid character 0x%02x", c);
	return CFG_LEX_ERROR;
}

/* cfg_lex_quoted - read a quoted string up to the closing quote */
static int
cfg_lex_quoted(struct cfg_pstate *ps, int quote, CFG_PARSE_STYPE *lval,
    struct cfg_loc *loc)
{
	char	 buf[CFG_TOKEN_MAX];
	size_t	 len = 0;
	int	 c, next, pb;

	for (;;) {
		c = cfg_lex_getc(ps, &pb);
		if (c == EOF || c == '\n') {
			cfg_lex_error(ps, loc, "unterminated quoted string");
			return CFG_LEX_ERROR;
		}
		if (c == quote)
			break;
		if (c == '\\') {
			next = cfg_lex_getc(ps, &pb);
			if (next == quote || next == '\\')
				c = next;
			else
				cfg_lex_ungetc(ps, next, pb);
		}
		if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
			return cfg_lex_badchar(ps, c, loc);
		if (len == sizeof(buf) - 1) {
			cfg_lex_error(ps, loc, "string too long");
			return CFG_LEX_ERROR;
		}
		buf[len++] = c;
	}
	buf[len] = '\0';
	lval->str = xstrdup(buf);
	strlcpy(ps->tokstr, buf, sizeof(ps->tokstr));
	explicit_bzero(buf, len);
	return CFG_T_STRING;
}

/* cfg_lex_classify - turn an unquoted word into a keyword, number or string */
static int
cfg_lex_classify(struct cfg_pstate *ps, const char *buf, size_t len,
    CFG_PARSE_STYPE *lval)
{
	size_t	 lo = 0, hi, mid, i;
	int	 cmp;

	strlcpy(ps->tokstr, buf, sizeof(ps->tokstr));
	hi = sizeof(cfg_lex_keywords) / sizeof(cfg_lex_keywords[0]);
	while (lo < hi) {
		mid = (lo + hi) / 2;
		cmp = strcmp(buf, cfg_lex_keywords[mid].word);
		if (cmp == 0) {
			lval->kw = cfg_lex_keywords[mid].word;
			return cfg_lex_keywords[mid].tok;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (i = 0; i < len && isdigit((unsigned char)buf[i]); i++)
		;
	if (i == len && len <= 18 && (buf[0] != '0' || len == 1)) {
		lval->num = strtoll(buf, NULL, 10);
		return CFG_T_NUMBER;
	}
	lval->str = xstrdup(buf);
	return CFG_T_STRING;
}

/* cfg_lex_word - read an unquoted word starting with c */
static int
cfg_lex_word(struct cfg_pstate *ps, int c, CFG_PARSE_STYPE *lval,
    struct cfg_loc *loc)
{
	char	 buf[CFG_TOKEN_MAX];
	size_t	 len = 0;
	int	 pb, tok;

	do {
		if (len == sizeof(buf) - 1) {
			cfg_lex_error(ps, loc, "string too long");
			return CFG_LEX_ERROR;
		}
		buf[len++] = c;
		c = cfg_lex_getc(ps, &pb);
	} while (cfg_lex_wordchar(c));
	cfg_lex_ungetc(ps, c, pb);
	buf[len] = '\0';
	tok = cfg_lex_classify(ps, buf, len, lval);
	explicit_bzero(buf, len);
	return tok;
}

/* cfg_lex_expand - replace $name by the macro's value; -1 if undefined */
static int
cfg_lex_expand(struct cfg_pstate *ps, struct cfg_loc *loc)
{
	struct cfg_macro	*m;
	char			 name[CFG_TOKEN_MAX];
	size_t			 len = 0;
	int			 c, pb;

	while ((c = cfg_lex_getc(ps, &pb)) != EOF &&
	    (isalnum(c) || c == '_') && len < sizeof(name) - 1)
		name[len++] = c;
	cfg_lex_ungetc(ps, c, pb);
	name[len] = '\0';
	for (m = ps->macros; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0)
			break;
	if (m == NULL) {
		cfg_lex_error(ps, loc, "macro '%s' not defined", name);
		return -1;
	}
	ps->pblen = strlcpy(ps->pb, m->value, sizeof(ps->pb));
	ps->pbpos = 0;
	return 0;
}

/* cfg_lex_token - the next token with its location */
static int
cfg_lex_token(struct cfg_pstate *ps, CFG_PARSE_STYPE *lval,
    struct cfg_loc *loc)
{
	struct cfg_lex_file	*f;
	int			 c, pb;

again:
	f = ps->file;
	*loc = cfg_lex_here(ps);
	if (f->pending_nl) {
		f->pending_nl = 0;
		return '\n';
	}
	while ((c = cfg_lex_getc(ps, &pb)) == ' ' || c == '\t')
		;
	*loc = cfg_lex_here(ps);
	if (c == '#')
		while ((c = cfg_lex_getc(ps, &pb)) != '\n' && c != EOF)
			;
	if (c == '$' && !pb) {
		if (cfg_lex_expand(ps, loc) == -1)
			return CFG_LEX_ERROR;
		goto again;
	}
	if (c == EOF) {
		if (f->need_nl) {
			f->need_nl = 0;
			return '\n';
		}
		if (cfg_lex_pop(ps) == -1)
			return CFG_T_YYEOF;
		goto again;
	}
	f->need_nl = c != '\n';
	if (c == '\n') {
		f->lineno++;
		return '\n';
	}
	if (c == '"' || c == '\'')
		return cfg_lex_quoted(ps, c, lval, loc);
	if (c != '\0' && strchr("{}<>!=,", c) != NULL) {
		ps->braces += c == '{' ? 1 : c == '}' ? -1 : 0;
		return c;
	}
	if (cfg_lex_wordchar(c))
		return cfg_lex_word(ps, c, lval, loc);
	return cfg_lex_badchar(ps, c, loc);
}

/* cfg_lex_next - the parser's token source; notes the token for errors */
int
cfg_lex_next(struct cfg_pstate *ps, CFG_PARSE_STYPE *lval,
    struct cfg_loc *loc)
{
	int	 tok, first;

	first = (ps->tok == '\n' && ps->braces <= 0) || ps->tok == 0;
	ps->tokstr[0] = '\0';
	tok = cfg_lex_token(ps, lval, loc);
	if (tok < 0x100 && tok != CFG_T_YYEOF && tok != '\n') {
		ps->tokstr[0] = tok;
		ps->tokstr[1] = '\0';
	}
	ps->tok = tok;
	ps->tok_first = first;
	if (first) {
		ps->stmt_ntok = 0;
		ps->stmt_tok = tok;
		strlcpy(ps->stmt_str, ps->tokstr, sizeof(ps->stmt_str));
	}
	if (++ps->stmt_ntok == 2)
		ps->stmt_tok2 = tok;
	return tok;
}

/* cfg_lex_macro_set - define a macro unless -D already did */
int
cfg_lex_macro_set(struct cfg_pstate *ps, const char *name, const char *value,
    const struct cfg_loc *loc)
{
	static const struct cfg_loc cmdline = { "-D", 0 };
	struct cfg_macro	*m;
	const char		*p;

	if (loc == NULL)
		loc = &cmdline;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			break;
	if (*name == '\0' || *p != '\0') {
		cfg_lex_error(ps, loc, "invalid macro name '%s'", name);
		return -1;
	}
	if (strlen(value) >= sizeof(ps->pb)) {
		cfg_lex_error(ps, loc, "macro '%s' too long", name);
		return -1;
	}
	for (m = ps->macros; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0)
			break;
	if (m != NULL && m->cmdline)
		return 0;
	if (m == NULL) {
		m = xcalloc(1, sizeof(*m));
		m->name = xstrdup(name);
		m->next = ps->macros;
		ps->macros = m;
	} else
		freezero(m->value, strlen(m->value));
	m->value = xstrdup(value);
	m->cmdline = loc == &cmdline;
	return 0;
}

/* cfg_lex_define - a -D name=value macro, which the file cannot change */
int
cfg_lex_define(struct cfg_pstate *ps, const char *def)
{
	static const struct cfg_loc loc = { "-D", 0 };
	char		*name, *eq;
	int		 r;

	name = xstrdup(def);
	if ((eq = strchr(name, '=')) == NULL) {
		cfg_lex_error(ps, &loc, "invalid define '%s'", def);
		free(name);
		return -1;
	}
	*eq = '\0';
	r = cfg_lex_macro_set(ps, name, eq + 1, NULL);
	freezero(name, strlen(def));
	return r;
}
