/*
 * smtp_addr.c - RFC 5321 Path and Reverse-path parsing (RFC 6531 aware).
 *
 * Scanners take (s, len) and return how many octets of a well-formed
 * element they found, 0 when there is none; they never read past len.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp_addr.h"

#define SMTP_ADDR_LABEL_MAX	63

/* smtp_addr_utf8 - length of one valid non-ASCII UTF-8 character, or 0 */
static size_t
smtp_addr_utf8(const unsigned char *s, size_t len)
{
	size_t		 n, i;
	unsigned int	 cp, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2; cp = s[0] & 0x1f; min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3; cp = s[0] & 0x0f; min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4; cp = s[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* smtp_addr_char - length of one character of a class at s, or 0 */
static size_t
smtp_addr_char(const char *s, size_t len, const char *extra, int utf8)
{
	unsigned char	c = s[0];

	if (c >= 0x80)
		return utf8 ? smtp_addr_utf8((const unsigned char *)s, len) : 0;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr(extra, c) != NULL;
}

/* smtp_addr_dotstring - scan Dot-string (atoms joined by single dots) */
static size_t
smtp_addr_dotstring(const char *s, size_t len, int utf8)
{
	size_t	i = 0, n, atom = 0;

	while (i < len) {
		if (s[i] == '.') {
			if (atom == 0)
				return 0;
			atom = 0;
			i++;
			continue;
		}
		n = smtp_addr_char(s + i, len - i, "!#$%&'*+-/=?^_`{|}~", utf8);
		if (n == 0)
			break;
		atom += n;
		i += n;
	}
	return atom == 0 ? 0 : i;
}

/* smtp_addr_quoted - scan Quoted-string with quoted pairs */
static size_t
smtp_addr_quoted(const char *s, size_t len, int utf8)
{
	size_t		 i = 1, n;
	unsigned char	 c;

	if (len < 2 || s[0] != '"')
		return 0;
	while (i < len) {
		c = s[i];
		if (c == '"')
			return i + 1;
		if (c == '\\') {
			if (i + 1 >= len || s[i + 1] < 32 || s[i + 1] > 126)
				return 0;
			i += 2;
		} else if (c >= 0x80) {
			if (!utf8 || (n = smtp_addr_utf8(
			    (const unsigned char *)s + i, len - i)) == 0)
				return 0;
			i += n;
		} else if (c >= 32 && c <= 126)
			i++;
		else
			return 0;
	}
	return 0;
}

/* smtp_addr_label - scan one sub-domain: let-dig, ldh, ends in let-dig */
static size_t
smtp_addr_label(const char *s, size_t len, int utf8)
{
	size_t	i = 0, n;

	while (i < len) {
		n = smtp_addr_char(s + i, len - i, i == 0 ? "" : "-", utf8);
		if (n == 0)
			break;
		i += n;
	}
	if (i == 0 || i > SMTP_ADDR_LABEL_MAX || s[i - 1] == '-')
		return 0;
	return i;
}

/* smtp_addr_domain - scan Domain; returns its length or 0 */
static size_t
smtp_addr_domain(const char *s, size_t len, int utf8)
{
	size_t	i = 0, n;

	for (;;) {
		if ((n = smtp_addr_label(s + i, len - i, utf8)) == 0)
			return 0;
		i += n;
		if (i + 1 >= len || s[i] != '.')
			break;
		i++;
	}
	return i;
}

/* smtp_addr_literal - scan "[IPv4]" or "[IPv6:...]"; length or 0 */
static size_t
smtp_addr_literal(const char *s, size_t len)
{
	char		 tmp[64];
	const char	*end;
	size_t		 n;
	unsigned char	 a[sizeof(struct in6_addr)];

	if (len < 3 || s[0] != '[' ||
	    (end = memchr(s, ']', len)) == NULL)
		return 0;
	n = end - s - 1;
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s + 1, n);
	tmp[n] = '\0';
	if (strlen(tmp) != n)
		return 0;
	if (strncasecmp(tmp, "IPv6:", 5) == 0) {
		if (inet_pton(AF_INET6, tmp + 5, a) != 1)
			return 0;
	} else if (inet_pton(AF_INET, tmp, a) != 1)
		return 0;
	return n + 2;
}

/* smtp_addr_domain_valid - whether s is a whole Domain or address literal */
int
smtp_addr_domain_valid(const char *s, size_t len, int utf8)
{
	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return 0;
	if (s[0] == '[')
		return smtp_addr_literal(s, len) == len;
	return smtp_addr_domain(s, len, utf8) == len;
}

/* smtp_addr_route - scan an A-d-l source route and its ':'; length or 0 */
static size_t
smtp_addr_route(const char *s, size_t len, int utf8)
{
	size_t	i = 0, n;

	for (;;) {
		if (i >= len || s[i] != '@')
			return 0;
		i++;
		if ((n = smtp_addr_domain(s + i, len - i, utf8)) == 0 &&
		    (n = smtp_addr_literal(s + i, len - i)) == 0)
			return 0;
		i += n;
		if (i < len && s[i] == ':')
			return i + 1;
		if (i >= len || s[i] != ',')
			return 0;
		i++;
	}
}

/* smtp_addr_has8bit - whether len octets hold a non-ASCII octet */
static int
smtp_addr_has8bit(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* smtp_addr_special - "<>" and "<Postmaster>"; 1 done, 0 not one, -1 bad */
static int
smtp_addr_special(const char *s, size_t len, int flags,
    struct smtp_addr *out, size_t *used, char *err, size_t errsz)
{
	static const char	pm[] = "<Postmaster>";

	if (len >= 2 && s[1] == '>') {
		if (!(flags & SMTP_ADDR_F_MAIL)) {
			(void)strlcpy(err, "null path not allowed here", errsz);
			return -1;
		}
		out->kind = SMTP_ADDR_NULL;
		*used = 2;
		return 1;
	}
	if (len < sizeof(pm) - 1 || strncasecmp(s, pm, sizeof(pm) - 1) != 0)
		return 0;
	if (!(flags & SMTP_ADDR_F_RCPT)) {
		(void)strlcpy(err,
		    "Postmaster without a domain not allowed here", errsz);
		return -1;
	}
	out->kind = SMTP_ADDR_POSTMASTER;
	memcpy(out->user, s + 1, sizeof(pm) - 3);
	out->user[sizeof(pm) - 3] = '\0';
	strlcpy(out->text, out->user, sizeof(out->text));
	*used = sizeof(pm) - 1;
	return 1;
}

/* smtp_addr_mailbox - scan Local-part "@" Domain into out; length or 0 */
static size_t
smtp_addr_mailbox(const char *s, size_t len, int utf8,
    struct smtp_addr *out, char *err, size_t errsz)
{
	size_t	lp, dom;

	(void)strlcpy(err, "bad local part", errsz);
	if ((lp = smtp_addr_quoted(s, len, utf8)) == 0 &&
	    (lp = smtp_addr_dotstring(s, len, utf8)) == 0)
		return 0;
	if (lp > SMTP_LOCALPART_MAX) {
		(void)strlcpy(err, "local part too long", errsz);
		return 0;
	}
	if (lp >= len || s[lp] != '@') {
		(void)strlcpy(err, "missing domain", errsz);
		return 0;
	}
	(void)strlcpy(err, "bad domain", errsz);
	if ((dom = smtp_addr_literal(s + lp + 1, len - lp - 1)) != 0)
		out->kind |= SMTP_ADDR_LITERAL;
	else if ((dom = smtp_addr_domain(s + lp + 1, len - lp - 1, utf8)) == 0)
		return 0;
	if (dom > SMTP_DOMAIN_MAX) {
		(void)strlcpy(err, "domain too long", errsz);
		return 0;
	}
	memcpy(out->user, s, lp);
	out->user[lp] = '\0';
	memcpy(out->domain, s + lp + 1, dom);
	out->domain[dom] = '\0';
	return lp + 1 + dom;
}

/*
 * smtp_addr_parse - parse the Path that starts s (at '<'); *used gets
 * its length, so parameters may follow.  0, or -1 with the reason in err.
 */
int
smtp_addr_parse(const char *s, size_t len, int flags, struct smtp_addr *out,
    size_t *used, char *err, size_t errsz)
{
	size_t	i = 1, n;
	int	rc;

	memset(out, 0, sizeof(*out));
	if (len < 2 || s[0] != '<') {
		(void)strlcpy(err, "path must be enclosed in <>", errsz);
		return -1;
	}
	rc = smtp_addr_special(s, len, flags, out, used, err, errsz);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	if (s[1] == '@' &&
	    (i += smtp_addr_route(s + 1, len - 1, 1)) == 1) {
		(void)strlcpy(err, "bad source route", errsz);
		return -1;
	}
	n = smtp_addr_mailbox(s + i, len - i, flags & SMTP_ADDR_F_UTF8, out,
	    err, errsz);
	if (n == 0)
		return -1;
	i += n;
	if (i >= len || s[i] != '>') {
		(void)strlcpy(err, "bad path syntax", errsz);
		return -1;
	}
	if (++i > SMTP_PATH_MAX) {
		(void)strlcpy(err, "path too long", errsz);
		return -1;
	}
	if (smtp_addr_has8bit(s, i) && !(flags & SMTP_ADDR_F_UTF8)) {
		(void)strlcpy(err, "non-ASCII address without SMTPUTF8", errsz);
		return -1;
	}
	/* of the mailbox kept: a source route is dropped */
	if (smtp_addr_has8bit(out->user, strlen(out->user)) ||
	    smtp_addr_has8bit(out->domain, strlen(out->domain)))
		out->kind |= SMTP_ADDR_UTF8;
	snprintf(out->text, sizeof(out->text), "%s@%s", out->user,
	    out->domain);
	*used = i;
	return 0;
}

/* smtp_addr_format - the Path of an address, "<...>"; 0 or -1 if no room */
int
smtp_addr_format(const struct smtp_addr *a, char *buf, size_t bufsz)
{
	int	n;

	if (a->kind & SMTP_ADDR_NULL)
		n = snprintf(buf, bufsz, "<>");
	else if (a->kind & SMTP_ADDR_POSTMASTER)
		n = snprintf(buf, bufsz, "<%s>", a->user);
	else
		n = snprintf(buf, bufsz, "<%s@%s>", a->user, a->domain);
	if (n < 0 || (size_t)n >= bufsz)
		return -1;
	return 0;
}
