/*
 * sendmail_msg.c - reading the message of sendmail(8): the end of input,
 * recipients from the headers (-t), Bcc: removal and the Date:,
 * Message-ID: and From: headers added when missing.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "buf.h"
#include "sendmail.h"
#include "xmalloc.h"

struct sendmail_hdrs {
	struct buf	kept;		/* headers that go out, in order */
	struct buf	addrs;		/* To/Cc/Bcc values, for -t */
	int		has_date;
	int		has_msgid;
	int		has_from;
	int		in_bcc;		/* continuation lines of a Bcc: */
	int		in_addr;	/* continuation lines of To/Cc/Bcc */
};

/* sendmail_qualify - a bare address, with @host added when it has none */
int
sendmail_qualify(const struct sendmail *sm, const char *a, char *out,
    size_t outsz)
{
	size_t	len, i;

	while (*a == ' ' || *a == '\t')
		a++;
	len = strlen(a);
	while (len > 0 && (a[len - 1] == ' ' || a[len - 1] == '\t'))
		len--;
	if (len >= 2 && a[0] == '<' && a[len - 1] == '>') {
		a++;
		len -= 2;
	}
	if (len == 0 || len >= SMTP_PATH_MAX - 2)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)a[i] <= ' ' || a[i] == 0x7f ||
		    a[i] == '<' || a[i] == '>')
			return -1;
	if (memchr(a, '@', len) != NULL)
		return snprintf(out, outsz, "%.*s", (int)len, a) <
		    (int)outsz ? 0 : -1;
	return snprintf(out, outsz, "%.*s@%s", (int)len, a, sm->host) <
	    (int)outsz ? 0 : -1;
}

/* sendmail_rcpt_add - one more recipient; duplicates are dropped */
int
sendmail_rcpt_add(struct sendmail *sm, const char *a)
{
	char	addr[ADDR_MAX];
	size_t	i;

	if (sendmail_qualify(sm, a, addr, sizeof(addr)) == -1) {
		fprintf(stderr, "sendmail: bad recipient address: %.100s\n", a);
		return -1;
	}
	for (i = 0; i < sm->nrcpt; i++)
		if (strcasecmp(sm->rcpt[i], addr) == 0)
			return 0;
	if (sm->nrcpt == SENDMAIL_RCPT_MAX) {
		fprintf(stderr, "sendmail: too many recipients\n");
		return -1;
	}
	sm->rcpt[sm->nrcpt++] = xstrdup(addr);
	return 0;
}

/* sendmail_addr_item - one item of an address list: <...>, or the word */
static int
sendmail_addr_item(struct sendmail *sm, const char *s, size_t len)
{
	char		 item[ADDR_MAX];
	const char	*lt, *gt;

	if (len >= sizeof(item))
		return -1;
	memcpy(item, s, len);
	item[len] = '\0';
	if ((lt = strrchr(item, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL) {
		if (gt == lt + 1)
			return 0;
		memmove(item, lt + 1, (size_t)(gt - lt - 1));
		item[gt - lt - 1] = '\0';
	} else if (strchr(item, ':') != NULL && item[strlen(item) - 1] == ';')
		return 0;	/* an empty group "undisclosed-recipients:;" */
	if (strspn(item, " \t") == strlen(item))
		return 0;
	return sendmail_rcpt_add(sm, item);
}

/* sendmail_addrs - recipients of an address-list header value */
int
sendmail_addrs(struct sendmail *sm, const char *s, size_t len)
{
	size_t	i, start = 0;
	int	quote = 0, angle = 0, paren = 0;
	char	clean[8192];
	size_t	n = 0;

	/* drop comments, then split on commas outside quotes and brackets */
	for (i = 0; i < len && n < sizeof(clean) - 1; i++) {
		if (s[i] == '"' && !paren)
			quote = !quote;
		else if (!quote && s[i] == '(')
			paren++;
		else if (!quote && s[i] == ')' && paren > 0) {
			paren--;
			continue;
		}
		if (!paren)
			clean[n++] = (s[i] == '\n' || s[i] == '\r') ? ' ' : s[i];
	}
	for (i = 0; i <= n; i++) {
		if (i < n && clean[i] == '"')
			quote = !quote;
		else if (i < n && !quote && clean[i] == '<')
			angle = 1;
		else if (i < n && !quote && clean[i] == '>')
			angle = 0;
		if (i == n || (clean[i] == ',' && !quote && !angle)) {
			if (sendmail_addr_item(sm, clean + start,
			    i - start) == -1)
				return -1;
			start = i + 1;
		}
	}
	return 0;
}

/* sendmail_hdr_is - the header line starts with name: (any case) */
static int
sendmail_hdr_is(const char *line, const char *name)
{
	size_t	n = strlen(name);

	return strncasecmp(line, name, n) == 0 && line[n] == ':';
}

/* sendmail_header - classify one header line (or continuation) */
static void
sendmail_header(struct sendmail_hdrs *h, const char *line, size_t len)
{
	int	cont = (line[0] == ' ' || line[0] == '\t');

	if (!cont) {
		h->in_bcc = sendmail_hdr_is(line, "Bcc");
		h->in_addr = h->in_bcc || sendmail_hdr_is(line, "To") ||
		    sendmail_hdr_is(line, "Cc");
		h->has_date |= sendmail_hdr_is(line, "Date");
		h->has_msgid |= sendmail_hdr_is(line, "Message-ID");
		h->has_from |= sendmail_hdr_is(line, "From");
	}
	if (h->in_addr) {
		const char *v = cont ? line : strchr(line, ':') + 1;

		if (!cont && h->addrs.len > 0)
			buf_add(&h->addrs, ",", 1);
		buf_add(&h->addrs, v, len - (size_t)(v - line));
	}
	if (!h->in_bcc)
		buf_add(&h->kept, line, len);
}

/* sendmail_fullname - the display name, safe inside a quoted string */
static void
sendmail_fullname(const char *in, char *out, size_t outsz)
{
	size_t	n = 0;

	for (; *in != '\0' && n + 1 < outsz; in++)
		if ((unsigned char)*in >= ' ' && *in != '"' && *in != '\\' &&
		    *in != 0x7f)
			out[n++] = *in;
	out[n] = '\0';
}

/* sendmail_added - the headers a message lacks, ahead of the others */
static int
sendmail_added(struct sendmail *sm, const struct sendmail_hdrs *h)
{
	char		 date[64], name[128];
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 rv = 0;

	if (!h->has_date) {
		localtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
		rv |= buf_printf(&sm->msg, "Date: %s\n", date);
	}
	if (!h->has_msgid)
		rv |= buf_printf(&sm->msg, "Message-ID: <%lld.%08x%08x@%s>\n",
		    (long long)now, arc4random(), arc4random(), sm->host);
	if (!h->has_from) {
		sendmail_fullname(sm->fullname ? sm->fullname : "", name,
		    sizeof(name));
		if (sm->sender[0] == '\0')
			rv |= buf_printf(&sm->msg, "From: MAILER-DAEMON@%s\n",
			    sm->host);
		else if (name[0] != '\0')
			rv |= buf_printf(&sm->msg, "From: \"%s\" <%s>\n", name,
			    sm->sender);
		else
			rv |= buf_printf(&sm->msg, "From: %s\n", sm->sender);
	}
	return rv;
}

/* sendmail_is_field - the line starts a header field: "name:" */
static int
sendmail_is_field(const char *line, size_t len)
{
	size_t	i;

	for (i = 0; i < len && line[i] != ':'; i++)
		if ((unsigned char)line[i] <= ' ' || line[i] == 0x7f)
			return 0;
	return i > 0 && i < len;
}

/* sendmail_line - one input line; 1 at the end of input, -1 too big */
static int
sendmail_line(struct sendmail *sm, struct sendmail_hdrs *h, struct buf *body,
    char *line, size_t len, int *in_hdrs)
{
	if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n')
		line[--len - 1] = '\n';
	if (len == 0 || line[len - 1] != '\n')
		line[len++] = '\n';	/* the last line had no newline */
	if (!sm->opt_i && len == 2 && line[0] == '.')
		return 1;
	if (*in_hdrs) {
		if (len > 1 && (line[0] == ' ' || line[0] == '\t' ||
		    sendmail_is_field(line, len))) {
			sendmail_header(h, line, len);
			return 0;
		}
		*in_hdrs = 0;
		if (buf_add(body, "\n", 1) == -1)
			return -1;
		if (len == 1)
			return 0;	/* the blank line ending the headers */
	}
	return buf_add(body, line, len);
}

/* sendmail_read - the message from fp, completed; 0 or an exit code */
int
sendmail_read(struct sendmail *sm, FILE *fp)
{
	struct sendmail_hdrs	 h;
	struct buf		 body;
	char			*line = NULL;
	size_t			 cap = 0;
	ssize_t			 n;
	int			 in_hdrs = 1, r = 0;

	memset(&h, 0, sizeof(h));
	buf_init(&h.kept, SENDMAIL_HDR_MAX);
	buf_init(&h.addrs, SENDMAIL_HDR_MAX);
	buf_init(&body, sm->max_size);
	buf_init(&sm->msg, sm->max_size + 1024);
	while (r == 0 && (n = getline(&line, &cap, fp)) != -1) {
		if ((size_t)n + 2 > cap) {
			cap = (size_t)n + 2;
			line = xreallocarray(line, cap, 1);
		}
		r = sendmail_line(sm, &h, &body, line, (size_t)n, &in_hdrs);
	}
	free(line);
	if (r == -1 || h.kept.len == SENDMAIL_HDR_MAX) {
		fprintf(stderr, "sendmail: message too big\n");
		return EX_DATAERR;
	}
	if (sm->opt_t && h.addrs.len > 0 &&
	    sendmail_addrs(sm, h.addrs.data, h.addrs.len) == -1)
		return EX_DATAERR;
	if (sendmail_added(sm, &h) == -1 ||
	    buf_add(&sm->msg, h.kept.data, h.kept.len) == -1 ||
	    buf_add(&sm->msg, body.data, body.len) == -1) {
		fprintf(stderr, "sendmail: message too big\n");
		return EX_DATAERR;
	}
	buf_free(&h.kept);
	buf_free(&h.addrs);
	buf_free(&body);
	return 0;
}
