/*
 * relay_text.c - the pure pieces of the relay client: addresses as
 * SMTP paths, the domain of a recipient, the AUTH PLAIN token, the
 * verdict of a reply code and the result texts the queue turns into
 * bounces ("host NAME said: REPLY").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "relay.h"
#include "smtp_addr.h"
#include "smtp_reply.h"

/*
 * relay_text_addr - an address of the queue ("" is the null sender) as
 * a parsed SMTP path; 0 / -1 when it is not one
 */
int
relay_text_addr(const char *s, int flags, struct smtp_addr *a)
{
	char		 path[ADDR_MAX + 2];
	const char	*errstr;
	size_t		 used, len;

	memset(a, 0, sizeof(*a));
	if (s[0] == '\0') {
		if (!(flags & SMTP_ADDR_F_MAIL))
			return -1;
		a->kind = SMTP_ADDR_NULL;
		return 0;
	}
	if (strchr(s, '@') == NULL)
		return -1;
	len = (size_t)snprintf(path, sizeof(path), "<%s>", s);
	if (len >= sizeof(path))
		return -1;
	if (smtp_addr_parse(path, len, flags | SMTP_ADDR_F_UTF8, a, &used,
	    &errstr) == -1 || used != len || (a->kind & SMTP_ADDR_POSTMASTER))
		return -1;
	return 0;
}

/* relay_text_domain - the domain of user@domain, brackets kept; 0 / -1 */
int
relay_text_domain(const char *addr, char *buf, size_t bufsz)
{
	const char	*at;

	if ((at = strrchr(addr, '@')) == NULL || at[1] == '\0')
		return -1;
	if (strlcpy(buf, at + 1, bufsz) >= bufsz)
		return -1;
	return 0;
}

/* relay_text_clean - peer text made safe for a record: printable ASCII */
static void
relay_text_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/*
 * relay_text_remote - "host NAME said: CODE [ENH] TEXT", the form the
 * queue's bounces quote; -1 when truncated (the text is still set)
 */
int
relay_text_remote(char *buf, size_t bufsz, const char *host, int code,
    const char *enhanced, const char *text)
{
	int	n;

	n = snprintf(buf, bufsz, "host %s said: %03d%s%s%s%s", host, code,
	    enhanced[0] ? " " : "", enhanced, text[0] ? " " : "", text);
	relay_text_clean(buf);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

/*
 * relay_text_reply - the text of a multi-line reply, its lines joined
 * with spaces, at most bufsz - 1 octets
 */
void
relay_text_reply(const struct smtp_reply_parser *rp, char *buf, size_t bufsz)
{
	const char	*line;
	size_t		 i;

	buf[0] = '\0';
	for (i = 0; (line = smtp_reply_line(rp, i)) != NULL; i++) {
		if (i > 0)
			(void)strlcat(buf, " ", bufsz);
		if (strlcat(buf, line, bufsz) >= bufsz)
			break;
	}
	relay_text_clean(buf);
}

/*
 * relay_text_plain - the AUTH PLAIN initial response: base64 of
 * "\0user\0pass" (RFC 4616); -1 if it does not fit
 */
int
relay_text_plain(char *buf, size_t bufsz, const char *user, const char *pass)
{
	unsigned char	 raw[3 * SMTP_CMD_LINE_MAX / 4];
	size_t		 ul = strlen(user), pl = strlen(pass), n;

	if (ul == 0 || ul + pl + 2 > sizeof(raw))
		return -1;
	n = ul + pl + 2;
	if ((n + 2) / 3 * 4 + 1 > bufsz)
		return -1;
	raw[0] = '\0';
	memcpy(raw + 1, user, ul);
	raw[ul + 1] = '\0';
	memcpy(raw + ul + 2, pass, pl);
	(void)EVP_EncodeBlock((unsigned char *)buf, raw, (int)n);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

/*
 * relay_text_status - the verdict of a final reply code: 2xx done, 5xx
 * refused, 4xx and anything else (a 3xx where none belongs, a code out
 * of range) to be tried again
 */
enum relay_status
relay_text_status(int code)
{
	if (code >= 200 && code < 300)
		return RELAY_OK;
	if (code >= 500 && code < 600)
		return RELAY_PERMFAIL;
	return RELAY_TEMPFAIL;
}

/*
 * relay_text_orcpt - split a stored ORCPT "type;address" into its two
 * halves; 0 / -1 when it is not of that form
 */
int
relay_text_orcpt(const char *s, char *type, size_t typesz, char *addr,
    size_t addrsz)
{
	const char	*semi;
	size_t		 tl;

	if ((semi = strchr(s, ';')) == NULL || semi == s || semi[1] == '\0')
		return -1;
	tl = (size_t)(semi - s);
	if (tl >= typesz || strlcpy(addr, semi + 1, addrsz) >= addrsz)
		return -1;
	memcpy(type, s, tl);
	type[tl] = '\0';
	return 0;
}

/* relay_text_fmt - a result text, cut to the buffer when too long */
void
relay_text_fmt(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, bufsz, fmt, ap);
	va_end(ap);
}
