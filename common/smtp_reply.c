/*
 * smtp_reply.c - SMTP reply formatting and bounded multi-line parsing.
 *
 * Formatting never lets text break out of its line: CR, LF inside a
 * line, other control octets and 8-bit octets become '?'; a "\n" in the
 * text starts a new reply line and long lines are folded so that no line
 * exceeds SMTP_REPLY_LINE_MAX octets with its CRLF.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smtp_reply.h"

/* smtp_reply_enhanced_valid - whether s is "c.s.d" matching the code class */
int
smtp_reply_enhanced_valid(const char *s, size_t len, int code)
{
	size_t	i, digits = 0, parts = 1;

	if (len < 5 || len >= SMTP_REPLY_ENH_MAX || s[0] - '0' != code / 100 ||
	    (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	for (i = 2; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (++digits > 3)
				return 0;
		} else if (s[i] == '.' && digits > 0 && parts == 1) {
			parts++;
			digits = 0;
		} else
			return 0;
	}
	return parts == 2 && digits > 0;
}

/* smtp_reply_clean - the octet to send for one text octet */
static char
smtp_reply_clean(unsigned char c)
{
	if (c == '\t' || (c >= 32 && c < 127))
		return c;
	return '?';
}

/* smtp_reply_chunk - length of the next piece of a line that fits max */
static size_t
smtp_reply_chunk(const char *s, size_t len, size_t max, size_t *skip)
{
	size_t	i;

	*skip = 0;
	if (len <= max)
		return len;
	for (i = max; i > max / 2; i--)
		if (s[i] == ' ') {
			*skip = 1;
			return i;
		}
	return max;
}

/* smtp_reply_put - append one reply line; -1 if buf is too small */
static int
smtp_reply_put(char *buf, size_t bufsz, size_t *o, int code, int last,
    const char *enhanced, const char *s, size_t len)
{
	size_t	i;
	int	n;

	n = snprintf(buf + *o, bufsz - *o, "%03d%c%s", code, last ? ' ' : '-',
	    enhanced ? enhanced : "");
	if (n < 0 || (size_t)n >= bufsz - *o)
		return -1;
	*o += n;
	if (bufsz - *o < len + 3 + (enhanced != NULL && len > 0))
		return -1;
	if (enhanced != NULL && len > 0)
		buf[(*o)++] = ' ';
	for (i = 0; i < len; i++)
		buf[(*o)++] = smtp_reply_clean(s[i]);
	buf[(*o)++] = '\r';
	buf[(*o)++] = '\n';
	buf[*o] = '\0';
	return 0;
}

/*
 * smtp_reply_vformat - format a whole reply into buf, NUL-terminated;
 * text beyond SMTP_REPLY_TEXT_MAX is cut.  -1 on a bad code or enhanced
 * code, or when buf is too small.
 */
int
smtp_reply_vformat(char *buf, size_t bufsz, int code, const char *enhanced,
    const char *fmt, va_list ap)
{
	char	 text[SMTP_REPLY_TEXT_MAX];
	size_t	 o = 0, pos = 0, len, eol, max, n, skip;
	int	 tlen;

	if (bufsz > 0)
		buf[0] = '\0';
	if (code < 200 || code > 599 || (enhanced != NULL &&
	    !smtp_reply_enhanced_valid(enhanced, strlen(enhanced), code)))
		return -1;
	if ((tlen = vsnprintf(text, sizeof(text), fmt, ap)) < 0)
		return -1;
	len = strlen(text);
	if (len > 0 && text[len - 1] == '\n')
		len--;
	max = SMTP_REPLY_LINE_MAX - 2 - 4 -
	    (enhanced ? strlen(enhanced) + 1 : 0);
	do {
		eol = pos;
		while (eol < len && text[eol] != '\n')
			eol++;
		n = smtp_reply_chunk(text + pos, eol - pos, max, &skip);
		if (smtp_reply_put(buf, bufsz, &o, code,
		    pos + n + skip >= len, enhanced, text + pos, n) == -1) {
			if (bufsz > 0)
				buf[0] = '\0';
			return -1;
		}
		pos += n + skip;
		if (pos == eol && eol < len)
			pos++;
	} while (pos < len);
	return 0;
}

/* smtp_reply_format - smtp_reply_vformat with variable arguments */
int
smtp_reply_format(char *buf, size_t bufsz, int code, const char *enhanced,
    const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = smtp_reply_vformat(buf, bufsz, code, enhanced, fmt, ap);
	va_end(ap);
	return rc;
}

/* smtp_reply_init - an empty parser, ready for the first line of a reply */
void
smtp_reply_init(struct smtp_reply_parser *p)
{
	p->done = p->failed = 0;
	p->code = 0;
	p->enhanced[0] = '\0';
	p->nlines = 0;
	p->textlen = 0;
	p->err[0] = '\0';
}

/* smtp_reply_fail - mark the parser failed with a reason */
static enum smtp_reply_status
smtp_reply_fail(struct smtp_reply_parser *p, const char *why)
{
	p->failed = 1;
	(void)strlcpy(p->err, why, sizeof(p->err));
	return SMTP_REPLY_ERROR;
}

/* smtp_reply_code - the reply code heading a line, or -1 */
static int
smtp_reply_code(const char *s, size_t len)
{
	if (len < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '5' ||
	    s[2] < '0' || s[2] > '9')
		return -1;
	if (len > 3 && s[3] != ' ' && s[3] != '-')
		return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* smtp_reply_strip - length of a leading enhanced code plus its space */
static size_t
smtp_reply_strip(struct smtp_reply_parser *p, const char *s, size_t len)
{
	size_t	n = 0;

	while (n < len && s[n] != ' ')
		n++;
	if (p->nlines == 0 && smtp_reply_enhanced_valid(s, n, p->code)) {
		memcpy(p->enhanced, s, n);
		p->enhanced[n] = '\0';
	} else if (p->enhanced[0] == '\0' || strlen(p->enhanced) != n ||
	    memcmp(p->enhanced, s, n) != 0)
		return 0;
	return n < len ? n + 1 : n;
}

/* smtp_reply_store - keep one line of text, control octets as '?' */
static int
smtp_reply_store(struct smtp_reply_parser *p, const char *s, size_t len)
{
	size_t		 i;
	unsigned char	 c;

	if (p->nlines >= SMTP_REPLY_LINES_MAX ||
	    SMTP_REPLY_TEXT_MAX - p->textlen < len + 1)
		return -1;
	p->off[p->nlines++] = p->textlen;
	for (i = 0; i < len; i++) {
		c = s[i];
		p->text[p->textlen++] = (c < 32 && c != '\t') || c == 127 ?
		    '?' : c;
	}
	p->text[p->textlen++] = '\0';
	return 0;
}

/*
 * smtp_reply_feed - take one reply line (without CRLF); after DONE the
 * next line starts a new reply, after ERROR the parser stays failed
 * until smtp_reply_init
 */
enum smtp_reply_status
smtp_reply_feed(struct smtp_reply_parser *p, const char *line, size_t len)
{
	size_t	skip;
	int	code;

	if (p->failed)
		return SMTP_REPLY_ERROR;
	if (p->done)
		smtp_reply_init(p);
	if (len > SMTP_REPLY_LINE_MAX - 2)
		return smtp_reply_fail(p, "reply line too long");
	if (memchr(line, '\0', len) || memchr(line, '\r', len) ||
	    memchr(line, '\n', len))
		return smtp_reply_fail(p, "NUL, CR or LF in reply");
	if ((code = smtp_reply_code(line, len)) == -1)
		return smtp_reply_fail(p, "malformed reply code");
	if (p->nlines > 0 && code != p->code)
		return smtp_reply_fail(p, "reply code changed between lines");
	p->code = code;
	skip = len > 4 ? smtp_reply_strip(p, line + 4, len - 4) : 0;
	if (smtp_reply_store(p, line + 4 + skip, len > 4 ? len - 4 - skip :
	    0) == -1)
		return smtp_reply_fail(p, "reply too long");
	if (len == 3 || line[3] == ' ') {
		p->done = 1;
		return SMTP_REPLY_DONE;
	}
	return SMTP_REPLY_MORE;
}

/* smtp_reply_line - text of line i of the reply, or NULL */
const char *
smtp_reply_line(const struct smtp_reply_parser *p, size_t i)
{
	if (i >= p->nlines)
		return NULL;
	return p->text + p->off[i];
}
