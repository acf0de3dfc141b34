/*
 * smtp_ext.c - EHLO keyword advertising (server) and parsing (client).
 *
 * One table names every keyword we know, in the order we advertise it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "defs.h"
#include "smtp_ext.h"

struct smtp_ext_kw {
	const char	*name;
	unsigned int	 flag;
};

static const struct smtp_ext_kw smtp_ext_kws[] = {
	{ "PIPELINING",			SMTP_EXT_PIPELINING },
	{ "SIZE",			SMTP_EXT_SIZE },
	{ "8BITMIME",			SMTP_EXT_8BITMIME },
	{ "ENHANCEDSTATUSCODES",	SMTP_EXT_ENHANCEDSTATUSCODES },
	{ "SMTPUTF8",			SMTP_EXT_SMTPUTF8 },
	{ "DSN",			SMTP_EXT_DSN },
	{ "CHUNKING",			SMTP_EXT_CHUNKING },
	{ "HELP",			SMTP_EXT_HELP },
	{ "STARTTLS",			SMTP_EXT_STARTTLS },
	{ "AUTH",			SMTP_EXT_AUTH },
};

#define SMTP_EXT_NKW	(sizeof(smtp_ext_kws) / sizeof(smtp_ext_kws[0]))

/* smtp_ext_mech_valid - whether s is an RFC 4422 mechanism name */
static int
smtp_ext_mech_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > SMTP_EXT_MECH_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* smtp_ext_host_valid - whether a host name can head an EHLO reply */
static int
smtp_ext_host_valid(const char *s)
{
	size_t	i, len = strlen(s);

	if (len == 0 || len >= HOST_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127)
			return 0;
	return 1;
}

/* smtp_ext_line - the text of one keyword line, with its parameters */
static int
smtp_ext_line(const struct smtp_ext *ext, const struct smtp_ext_kw *kw,
    char *text, size_t textsz)
{
	char	line[SMTP_REPLY_LINE_MAX];

	if (kw->flag == SMTP_EXT_SIZE && ext->size != 0)
		snprintf(line, sizeof(line), "\n%s %" PRIu64, kw->name,
		    ext->size);
	else if (kw->flag == SMTP_EXT_AUTH)
		snprintf(line, sizeof(line), "\n%s %s", kw->name, ext->auth);
	else
		snprintf(line, sizeof(line), "\n%s", kw->name);
	if (strlcat(text, line, textsz) >= textsz)
		return -1;
	return 0;
}

/*
 * smtp_ext_advertise - the whole EHLO reply, "250-hostname greeting"
 * then one line per extension; -1 on a bad host name or mechanism list,
 * or when buf is too small
 */
int
smtp_ext_advertise(const struct smtp_ext *ext, const char *hostname,
    const char *greeting_text, char *buf, size_t bufsz)
{
	char	text[SMTP_REPLY_TEXT_MAX];
	size_t	i, n;

	if (!smtp_ext_host_valid(hostname))
		return -1;
	if (ext->flags & SMTP_EXT_AUTH) {
		n = strlen(ext->auth);
		for (i = 0; i < n; i += strcspn(ext->auth + i, " ") + 1)
			if (!smtp_ext_mech_valid(ext->auth + i,
			    strcspn(ext->auth + i, " ")))
				return -1;
		if (n == 0)
			return -1;
	}
	if (greeting_text != NULL && *greeting_text != '\0')
		snprintf(text, sizeof(text), "%s %s", hostname, greeting_text);
	else
		strlcpy(text, hostname, sizeof(text));
	if (strchr(text, '\n') != NULL)
		return -1;
	for (i = 0; i < SMTP_EXT_NKW; i++)
		if ((ext->flags & smtp_ext_kws[i].flag) &&
		    smtp_ext_line(ext, &smtp_ext_kws[i], text, sizeof(text)))
			return -1;
	return smtp_reply_format(buf, bufsz, 250, NULL, "%s", text);
}

/* smtp_ext_size - the SIZE parameter; -1 when malformed */
static int
smtp_ext_size(const char *s, uint64_t *size)
{
	uint64_t	v = 0;

	*size = 0;
	if (*s == '\0')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (*s != '\0')
		return -1;
	*size = v;
	return 0;
}

/* smtp_ext_auth_add - record the valid mechanisms of an AUTH line */
static void
smtp_ext_auth_add(struct smtp_ext *ext, const char *s)
{
	char	mech[SMTP_EXT_MECH_MAX + 1];
	size_t	n, i;

	while (*s != '\0') {
		s += strspn(s, " ");
		n = strcspn(s, " ");
		if (n > 0 && n <= SMTP_EXT_MECH_MAX) {
			for (i = 0; i < n; i++)
				mech[i] = s[i] >= 'a' && s[i] <= 'z' ?
				    s[i] - 'a' + 'A' : s[i];
			mech[n] = '\0';
			if (smtp_ext_mech_valid(mech, n) &&
			    !smtp_ext_auth_has(ext, mech) &&
			    strlen(ext->auth) + n + 2 <= sizeof(ext->auth)) {
				if (ext->auth[0] != '\0')
					strlcat(ext->auth, " ",
					    sizeof(ext->auth));
				strlcat(ext->auth, mech, sizeof(ext->auth));
			}
		}
		s += n;
	}
}

/* smtp_ext_keyword - record one EHLO keyword line; unknown ones are ignored */
static void
smtp_ext_keyword(struct smtp_ext *ext, const char *line)
{
	const char	*param;
	size_t		 n, i;

	n = strcspn(line, " =");
	param = line + n + (line[n] != '\0');
	for (i = 0; i < SMTP_EXT_NKW; i++) {
		if (strlen(smtp_ext_kws[i].name) != n ||
		    strncasecmp(line, smtp_ext_kws[i].name, n) != 0)
			continue;
		if (smtp_ext_kws[i].flag == SMTP_EXT_SIZE &&
		    smtp_ext_size(param, &ext->size) == -1)
			return;
		if (smtp_ext_kws[i].flag == SMTP_EXT_AUTH)
			smtp_ext_auth_add(ext, param);
		ext->flags |= smtp_ext_kws[i].flag;
		return;
	}
}

/*
 * smtp_ext_parse - what a complete 250 EHLO reply offers; -1 when the
 * reply is not one
 */
int
smtp_ext_parse(struct smtp_ext *ext, const struct smtp_reply_parser *p)
{
	size_t	i;

	memset(ext, 0, sizeof(*ext));
	if (!p->done || p->failed || p->code != 250 || p->nlines == 0)
		return -1;
	for (i = 1; i < p->nlines; i++)
		smtp_ext_keyword(ext, smtp_reply_line(p, i));
	if ((ext->flags & SMTP_EXT_AUTH) && ext->auth[0] == '\0')
		ext->flags &= ~SMTP_EXT_AUTH;
	return 0;
}

/* smtp_ext_auth_has - whether mechanism mech is offered (case-insensitive) */
int
smtp_ext_auth_has(const struct smtp_ext *ext, const char *mech)
{
	const char	*s = ext->auth;
	size_t		 n, len = strlen(mech);

	while (*s != '\0') {
		n = strcspn(s, " ");
		if (n == len && strncasecmp(s, mech, n) == 0)
			return 1;
		s += n + (s[n] == ' ');
	}
	return 0;
}
