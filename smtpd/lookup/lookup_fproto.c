/*
 * lookup_fproto.c - the line protocol of filter processes
 * (smtpd-filters(7), version 0.7).  Lines out are appended to a buffer
 * whole or not at all; lines in come from a program posthorn does not
 * trust: every field is checked, and a line that does not parse is
 * refused with the reason.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "lookup_fproto.h"

static const char *const lookup_fproto_phases[LOOKUP_FPROTO_PHASES] = {
	[CFG_SFILTER_CONNECT] = "connect",
	[CFG_SFILTER_HELO] = "helo",
	[CFG_SFILTER_EHLO] = "ehlo",
	[CFG_SFILTER_STARTTLS] = "starttls",
	[CFG_SFILTER_AUTH] = "auth",
	[CFG_SFILTER_MAIL_FROM] = "mail-from",
	[CFG_SFILTER_RCPT_TO] = "rcpt-to",
	[CFG_SFILTER_DATA] = "data",
	[CFG_SFILTER_COMMIT] = "commit",
	[CFG_SFILTER_RSET] = "rset",
	[CFG_SFILTER_QUIT] = "quit",
	[CFG_SFILTER_NOOP] = "noop",
	[CFG_SFILTER_HELP] = "help",
	[LOOKUP_FPROTO_DATA_LINE] = "data-line",
	[LOOKUP_FPROTO_WIZ] = "wiz",
};

static const char *const lookup_fproto_events[LOOKUP_FPROTO_EVENTS] = {
	[LOOKUP_FPROTO_LINK_CONNECT] = "link-connect",
	[LOOKUP_FPROTO_LINK_GREETING] = "link-greeting",
	[LOOKUP_FPROTO_LINK_IDENTIFY] = "link-identify",
	[LOOKUP_FPROTO_LINK_TLS] = "link-tls",
	[LOOKUP_FPROTO_LINK_AUTH] = "link-auth",
	[LOOKUP_FPROTO_LINK_DISCONNECT] = "link-disconnect",
	[LOOKUP_FPROTO_TX_RESET] = "tx-reset",
	[LOOKUP_FPROTO_TX_BEGIN] = "tx-begin",
	[LOOKUP_FPROTO_TX_MAIL] = "tx-mail",
	[LOOKUP_FPROTO_TX_RCPT] = "tx-rcpt",
	[LOOKUP_FPROTO_TX_ENVELOPE] = "tx-envelope",
	[LOOKUP_FPROTO_TX_DATA] = "tx-data",
	[LOOKUP_FPROTO_TX_COMMIT] = "tx-commit",
	[LOOKUP_FPROTO_TX_ROLLBACK] = "tx-rollback",
	[LOOKUP_FPROTO_PROTOCOL_CLIENT] = "protocol-client",
	[LOOKUP_FPROTO_PROTOCOL_SERVER] = "protocol-server",
	[LOOKUP_FPROTO_FILTER_REPORT] = "filter-report",
	[LOOKUP_FPROTO_FILTER_RESPONSE] = "filter-response",
	[LOOKUP_FPROTO_TIMEOUT] = "timeout",
};

static const char *const lookup_fproto_decisions[] = {
	[LOOKUP_FPROTO_PROCEED] = "proceed",
	[LOOKUP_FPROTO_JUNK] = "junk",
	[LOOKUP_FPROTO_REJECT] = "reject",
	[LOOKUP_FPROTO_DISCONNECT] = "disconnect",
	[LOOKUP_FPROTO_REWRITE] = "rewrite",
	[LOOKUP_FPROTO_REPORT] = "report",
};

/* lookup_fproto_phase_name - the protocol's word for a phase */
const char *
lookup_fproto_phase_name(unsigned int p)
{
	return p < LOOKUP_FPROTO_PHASES ? lookup_fproto_phases[p] : "?";
}

/*
 * lookup_fproto_response_phase - a phase as filter-response names it:
 * OpenSMTPD says "connected" and "tls" there, and filters expect them
 */
const char *
lookup_fproto_response_phase(unsigned int p)
{
	if (p == CFG_SFILTER_CONNECT)
		return "connected";
	if (p == CFG_SFILTER_STARTTLS)
		return "tls";
	return lookup_fproto_phase_name(p);
}

/* lookup_fproto_event_name - the protocol's word for a report event */
const char *
lookup_fproto_event_name(unsigned int e)
{
	return e < LOOKUP_FPROTO_EVENTS ? lookup_fproto_events[e] : "?";
}

/* lookup_fproto_undo - drop what was added to b from start; -1 */
static int
lookup_fproto_undo(struct buf *b, size_t start)
{
	b->len = start;
	if (b->data != NULL)
		b->data[start] = '\0';
	return -1;
}

/* lookup_fproto_end - end the line begun at start, or undo all of it */
static int
lookup_fproto_end(struct buf *b, size_t start, int r)
{
	if (r == 0 && b->len - start <= LOOKUP_FPROTO_LINE_MAX &&
	    buf_add(b, "\n", 1) == 0)
		return 0;
	return lookup_fproto_undo(b, start);
}

/* lookup_fproto_fields - "|field" each; -1 when one holds a line end */
static int
lookup_fproto_fields(struct buf *b, const char *const *f, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strpbrk(f[i], "\r\n") != NULL ||
		    buf_add(b, "|", 1) == -1 || buf_addstr(b, f[i]) == -1)
			return -1;
	return 0;
}

/* lookup_fproto_config - the configuration lines a filter starts with */
int
lookup_fproto_config(struct buf *b, const char *admd)
{
	size_t	start = b->len;
	int	r;

	r = buf_printf(b, "config|smtpd-version|%s\n"
	    "config|protocol|%s\n"
	    "config|smtp-session-timeout|%d\n"
	    "config|subsystem|smtp-in\n", LOOKUP_FPROTO_SMTPD,
	    LOOKUP_FPROTO_VERSION, LOOKUP_FPROTO_SESSION_TIMEOUT);
	if (r != -1 && admd != NULL)
		r = strpbrk(admd, "\r\n") != NULL ? -1 :
		    buf_printf(b, "config|admd|%s\n", admd);
	if (r != -1)
		r = buf_addstr(b, "config|ready\n");
	return r != -1 ? 0 : lookup_fproto_undo(b, start);
}

/* lookup_fproto_head - "STREAM|0.7|TIME|smtp-in|NAME|SESSID" */
static int
lookup_fproto_head(struct buf *b, const char *stream,
    const struct timespec *ts, const char *name, uint64_t sessid)
{
	return buf_printf(b, "%s|%s|%lld.%06ld|smtp-in|%s|%016llx", stream,
	    LOOKUP_FPROTO_VERSION, (long long)ts->tv_sec,
	    (long)(ts->tv_nsec / 1000), name, (unsigned long long)sessid);
}

/* lookup_fproto_report - a report event of session sessid */
int
lookup_fproto_report(struct buf *b, const struct timespec *ts,
    unsigned int event, uint64_t sessid, const char *const *f, size_t n)
{
	size_t	start = b->len;
	int	r = -1;

	if (event < LOOKUP_FPROTO_EVENTS &&
	    lookup_fproto_head(b, "report", ts, lookup_fproto_events[event],
	    sessid) != -1)
		r = lookup_fproto_fields(b, f, n);
	return lookup_fproto_end(b, start, r);
}

/* lookup_fproto_filter - a filter request at phase p, answered by token */
int
lookup_fproto_filter(struct buf *b, const struct timespec *ts,
    unsigned int p, uint64_t sessid, uint64_t token, const char *const *f,
    size_t n)
{
	size_t	start = b->len;
	int	r = -1;

	if (p < LOOKUP_FPROTO_PHASES &&
	    lookup_fproto_head(b, "filter", ts, lookup_fproto_phases[p],
	    sessid) != -1 && buf_printf(b, "|%016llx",
	    (unsigned long long)token) != -1)
		r = lookup_fproto_fields(b, f, n);
	return lookup_fproto_end(b, start, r);
}

/*
 * lookup_fproto_dataline - one line of the message as the spool holds
 * it (a leading dot gets its SMTP escape), or the end (line NULL: ".")
 */
int
lookup_fproto_dataline(struct buf *b, const struct timespec *ts,
    uint64_t sessid, uint64_t token, const char *line)
{
	size_t	start = b->len;
	int	r = -1;

	if (line != NULL && strpbrk(line, "\r\n") != NULL)
		return -1;
	if (lookup_fproto_head(b, "filter", ts,
	    lookup_fproto_phases[LOOKUP_FPROTO_DATA_LINE], sessid) != -1 &&
	    buf_printf(b, "|%016llx|%s%s", (unsigned long long)token,
	    line == NULL || line[0] == '.' ? "." : "",
	    line != NULL ? line : "") != -1)
		r = 0;
	return lookup_fproto_end(b, start, r);
}

/* lookup_fproto_word - the index of the field at s in words, or -1 */
static int
lookup_fproto_word(const char *s, size_t len, const char *const *words,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (words[i] != NULL && strlen(words[i]) == len &&
		    memcmp(words[i], s, len) == 0)
			return (int)i;
	return -1;
}

/*
 * lookup_fproto_register_parse - "register|ready",
 * "register|report|smtp-in|EVENT" (EVENT "*": every one, which is then
 * LOOKUP_FPROTO_EVENTS) or "register|filter|smtp-in|PHASE"
 */
int
lookup_fproto_register_parse(const char *line,
    struct lookup_fproto_reg *reg, char *err, size_t errsz)
{
	const char	*name;
	int		 w;

	if (strcmp(line, "register|ready") == 0) {
		reg->kind = LOOKUP_FPROTO_REG_READY;
		return 0;
	}
	if (strncmp(line, "register|report|smtp-in|", 24) == 0) {
		name = line + 24;
		w = strcmp(name, "*") == 0 ? LOOKUP_FPROTO_EVENTS :
		    lookup_fproto_word(name, strlen(name),
		    lookup_fproto_events, LOOKUP_FPROTO_EVENTS);
		reg->kind = LOOKUP_FPROTO_REG_REPORT;
	} else if (strncmp(line, "register|filter|smtp-in|", 24) == 0) {
		name = line + 24;
		w = lookup_fproto_word(name, strlen(name),
		    lookup_fproto_phases, LOOKUP_FPROTO_PHASES);
		reg->kind = LOOKUP_FPROTO_REG_FILTER;
	} else {
		snprintf(err, errsz, "not a registration of smtp-in");
		return -1;
	}
	if (w == -1) {
		snprintf(err, errsz, "unknown %s '%.64s'",
		    reg->kind == LOOKUP_FPROTO_REG_REPORT ? "event" : "phase",
		    name);
		return -1;
	}
	reg->which = (unsigned int)w;
	return 0;
}

/* lookup_fproto_hex - 1 to 16 hex digits then '|': the value, past '|' */
static const char *
lookup_fproto_hex(const char *s, uint64_t *v)
{
	size_t	i;
	char	c;

	*v = 0;
	for (i = 0; i < 17; i++) {
		c = s[i];
		if (c == '|' && i > 0)
			return s + i + 1;
		if (i == 16)
			break;
		if (c >= '0' && c <= '9')
			*v = *v << 4 | (uint64_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v = *v << 4 | (uint64_t)((c | 0x20) - 'a' + 10);
		else
			break;
	}
	return NULL;
}

/* lookup_fproto_param_check - the decision's parameter; -1 says why */
static int
lookup_fproto_param_check(const struct lookup_fproto_result *res,
    char *err, size_t errsz)
{
	const char	*p = res->param;
	const char	*d = lookup_fproto_decisions[res->decision];

	switch (res->decision) {
	case LOOKUP_FPROTO_PROCEED:
	case LOOKUP_FPROTO_JUNK:
		if (p == NULL)
			return 0;
		snprintf(err, errsz, "%s takes no parameter", d);
		return -1;
	case LOOKUP_FPROTO_REJECT:
	case LOOKUP_FPROTO_DISCONNECT:
		if (p != NULL && cfg_sfilter_reply_valid(p))
			return 0;
		snprintf(err, errsz, "%s needs a 4xx or 5xx reply", d);
		return -1;
	default:
		if (p != NULL && *p != '\0')
			return 0;
		snprintf(err, errsz, "%s needs a parameter", d);
		return -1;
	}
}

/*
 * lookup_fproto_result_parse - "filter-result|SESSID|TOKEN|DECISION
 * [|PARAM]" or "filter-dataline|SESSID|TOKEN|LINE"; res->param points
 * into line
 */
int
lookup_fproto_result_parse(const char *line,
    struct lookup_fproto_result *res, char *err, size_t errsz)
{
	const char	*s, *bar;
	int		 dl = 0, w;

	memset(res, 0, sizeof(*res));
	if (strncmp(line, "filter-result|", 14) == 0)
		s = line + 14;
	else if (strncmp(line, "filter-dataline|", 16) == 0) {
		s = line + 16;
		dl = 1;
	} else {
		snprintf(err, errsz, "not a filter result");
		return -1;
	}
	if ((s = lookup_fproto_hex(s, &res->sessid)) == NULL ||
	    (s = lookup_fproto_hex(s, &res->token)) == NULL) {
		snprintf(err, errsz, "invalid session or token");
		return -1;
	}
	if (dl) {
		res->decision = LOOKUP_FPROTO_DATALINE;
		res->param = s;
		return 0;
	}
	bar = strchr(s, '|');
	w = lookup_fproto_word(s, bar != NULL ? (size_t)(bar - s) : strlen(s),
	    lookup_fproto_decisions, sizeof(lookup_fproto_decisions) /
	    sizeof(lookup_fproto_decisions[0]));
	if (w == -1) {
		snprintf(err, errsz, "unknown decision");
		return -1;
	}
	res->decision = (enum lookup_fproto_decision)w;
	res->param = bar != NULL ? bar + 1 : NULL;
	return lookup_fproto_param_check(res, err, errsz);
}

/*
 * lookup_fproto_ids - the session and token of a result line that may
 * not parse further (to fail the request it answers): 0, or -1
 */
int
lookup_fproto_ids(const char *line, uint64_t *sessid, uint64_t *token)
{
	const char	*s;

	if (strncmp(line, "filter-result|", 14) == 0)
		s = line + 14;
	else if (strncmp(line, "filter-dataline|", 16) == 0)
		s = line + 16;
	else
		return -1;
	if ((s = lookup_fproto_hex(s, sessid)) == NULL ||
	    lookup_fproto_hex(s, token) == NULL)
		return -1;
	return 0;
}

/*
 * lookup_fproto_unstuff - a line a filter gives back: 1 for the end
 * ("."), else 0 with *out the line without its SMTP escape
 */
int
lookup_fproto_unstuff(const char *param, const char **out)
{
	*out = param;
	if (strcmp(param, ".") == 0)
		return 1;
	if (param[0] == '.')
		*out = param + 1;
	return 0;
}
