/*
 * smtp_client_text.c - the pure pieces of the client engine: queue
 * addresses as SMTP paths, the AUTH PLAIN token, the halves of a
 * stored ORCPT, the text of a reply made safe for a record, and a
 * result in one line.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "smtp_client.h"

/* smtp_client_text_why - a result in a line: "STEP CODE TEXT", or the reason */
void
smtp_client_text_why(const struct smtp_client_result *r, char *buf, size_t bufsz)
{
	if (r->code == 0)
		(void)snprintf(buf, bufsz, "%s", r->text);
	else
		(void)snprintf(buf, bufsz, "%s %03d %s", r->step, r->code,
		    r->text);
}

/* smtp_client_text_bare - a login name as "<name>" (LMTP); 0 / -1 */
static int
smtp_client_text_bare(const char *s, struct smtp_addr *a)
{
	if (strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+") != strlen(s) ||
	    strlcpy(a->user, s, sizeof(a->user)) >= sizeof(a->user))
		return -1;
	a->kind = SMTP_ADDR_POSTMASTER;		/* formats as "<user>" */
	return 0;
}

/*
 * smtp_client_text_addr - an address of the queue ("" is the null sender)
 * as a parsed SMTP path; with SMTP_CLIENT_TEXT_BARE a login name alone
 * is one too.  0 / -1 when it is not a path.
 */
int
smtp_client_text_addr(const char *s, int flags, struct smtp_addr *a)
{
	char		 path[ADDR_MAX + 2];
	size_t		 used, len;

	memset(a, 0, sizeof(*a));
	if (s[0] == '\0') {
		if (!(flags & SMTP_ADDR_F_MAIL))
			return -1;
		a->kind = SMTP_ADDR_NULL;
		return 0;
	}
	if (strchr(s, '@') == NULL)
		return flags & SMTP_CLIENT_TEXT_BARE ?
		    smtp_client_text_bare(s, a) : -1;
	len = (size_t)snprintf(path, sizeof(path), "<%s>", s);
	if (len >= sizeof(path))
		return -1;
	if (smtp_addr_parse(path, len, (flags & (SMTP_ADDR_F_MAIL |
	    SMTP_ADDR_F_RCPT)) | SMTP_ADDR_F_UTF8, a, &used, NULL, 0) == -1 ||
	    used != len || (a->kind & SMTP_ADDR_POSTMASTER))
		return -1;
	return 0;
}

/*
 * smtp_client_text_plain - the AUTH PLAIN initial response: base64 of
 * "\0user\0pass" (RFC 4616); -1 if it does not fit
 */
int
smtp_client_text_plain(char *buf, size_t bufsz, const char *user, const char *pass)
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
 * smtp_client_text_orcpt - split a stored ORCPT "type;address" into its two
 * halves; 0 / -1 when it is not of that form
 */
int
smtp_client_text_orcpt(const char *s, char *type, size_t typesz, char *addr,
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

/* smtp_client_text_clean - peer text made safe for a record: printable ASCII */
void
smtp_client_text_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/*
 * smtp_client_text_reply - the text of a multi-line reply, its lines joined
 * with spaces, at most bufsz - 1 octets, printable ASCII
 */
void
smtp_client_text_reply(const struct smtp_reply_parser *rp, char *buf, size_t bufsz)
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
	smtp_client_text_clean(buf);
}
