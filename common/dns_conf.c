/*
 * dns_conf.c - the resolver's view of nsswitch.conf, resolv.conf and
 * /etc/hosts: pure parsers (dns_conf_nsswitch, dns_conf_resolv), and
 * dns_conf_load, which reads the files once with a bound on their size
 * and logs whatever it cannot use.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "defs.h"
#include "dns_conf.h"
#include "dns_hosts.h"
#include "log.h"
#include "xmalloc.h"

#define DNS_CONF_BLANKS		" \t\r\f\v"
#define DNS_CONF_LINE_MAX	4096
#define DNS_CONF_NSS_ALL	(DNS_CONF_NSS_BIT(DNS_CONF_SUCCESS) |	\
				 DNS_CONF_NSS_BIT(DNS_CONF_NOTFOUND) |	\
				 DNS_CONF_NSS_BIT(DNS_CONF_UNAVAIL) |	\
				 DNS_CONF_NSS_BIT(DNS_CONF_TRYAGAIN))

static const struct {
	const char		*name;
	enum dns_conf_nss	 nss;
} dns_conf_statuses[] = {
	{ "success",	DNS_CONF_SUCCESS },
	{ "notfound",	DNS_CONF_NOTFOUND },
	{ "unavail",	DNS_CONF_UNAVAIL },
	{ "tryagain",	DNS_CONF_TRYAGAIN },
};

/* dns_conf_line - the next line of text into line; 1, 0 at the end,
 * -1 for a line that is too long or holds a NUL (skipped) */
static int
dns_conf_line(const char *text, size_t len, size_t *off, char *line,
    size_t linesz)
{
	const char	*nl;
	size_t		 n;

	if (*off >= len)
		return 0;
	nl = memchr(text + *off, '\n', len - *off);
	n = nl != NULL ? (size_t)(nl - (text + *off)) : len - *off;
	if (n >= linesz || memchr(text + *off, '\0', n) != NULL) {
		*off += n + 1;
		return -1;
	}
	memcpy(line, text + *off, n);
	line[n] = '\0';
	*off += n + 1;
	return 1;
}

/* dns_conf_order_default - `hosts: files dns` */
void
dns_conf_order_default(struct dns_conf_order *o)
{
	memset(o, 0, sizeof(*o));
	o->step[0].src = DNS_CONF_FILES;
	o->step[1].src = DNS_CONF_DNS;
	o->step[0].stop = o->step[1].stop = DNS_CONF_NSS_BIT(DNS_CONF_SUCCESS);
	o->n = 2;
}

/* dns_conf_action - one "[!]STATUS=ACTION" of an action list into stop */
static int
dns_conf_action(char *item, unsigned int *stop)
{
	unsigned int	 bits = 0;
	char		*eq, *status = item + (item[0] == '!');
	size_t		 i;

	if ((eq = strchr(status, '=')) == NULL)
		return -1;
	*eq++ = '\0';
	for (i = 0; i < sizeof(dns_conf_statuses) /
	    sizeof(dns_conf_statuses[0]); i++)
		if (strcasecmp(status, dns_conf_statuses[i].name) == 0)
			bits = DNS_CONF_NSS_BIT(dns_conf_statuses[i].nss);
	if (bits == 0)
		return -1;
	if (item[0] == '!')
		bits = DNS_CONF_NSS_ALL & ~bits;
	if (strcasecmp(eq, "return") == 0)
		*stop |= bits;
	else if (strcasecmp(eq, "continue") == 0 ||
	    strcasecmp(eq, "merge") == 0)
		*stop &= ~bits;
	else
		return -1;
	return 0;
}

/* dns_conf_actions - the "[...]" at *p (past its '['); -1 if malformed */
static int
dns_conf_actions(char **p, unsigned int *stop)
{
	char	*end, *item, *last;

	if ((end = strchr(*p, ']')) == NULL)
		return -1;
	*end = '\0';
	for (item = strtok_r(*p, DNS_CONF_BLANKS, &last); item != NULL;
	    item = strtok_r(NULL, DNS_CONF_BLANKS, &last))
		if (dns_conf_action(item, stop) == -1)
			return -1;
	*p = end + 1;
	return 0;
}

/* dns_conf_source - note the source named by the word at *p; the step
 * its actions go to (a scratch one for sources left out) */
static struct dns_conf_step *
dns_conf_source(char **p, struct dns_conf_order *o,
    struct dns_conf_step *scratch)
{
	size_t		 len = strcspn(*p, DNS_CONF_BLANKS "[");
	enum dns_conf_src src = 0;
	size_t		 i;

	if (len == 5 && strncmp(*p, "files", 5) == 0)
		src = DNS_CONF_FILES;
	else if (len == 3 && strncmp(*p, "dns", 3) == 0)
		src = DNS_CONF_DNS;
	*p += len;
	for (i = 0; i < o->n; i++)
		if (o->step[i].src == src)	/* named twice: the first */
			src = 0;
	if (src == 0 || o->n == DNS_CONF_STEPS_MAX)
		return scratch;
	o->step[o->n].src = src;
	o->step[o->n].stop = DNS_CONF_NSS_BIT(DNS_CONF_SUCCESS);
	return &o->step[o->n++];
}

/* dns_conf_hosts_line - the sources and actions after "hosts:" */
static int
dns_conf_hosts_line(char *p, struct dns_conf_order *o, char *err,
    size_t errsz)
{
	struct dns_conf_step	 scratch, *last = NULL;

	memset(o, 0, sizeof(*o));
	for (;;) {
		p += strspn(p, DNS_CONF_BLANKS);
		if (*p == '\0')
			break;
		if (*p != '[') {
			last = dns_conf_source(&p, o, &scratch);
			continue;
		}
		p++;
		if (last == NULL || dns_conf_actions(&p, &last->stop) == -1) {
			(void)strlcpy(err, "malformed action in the hosts line",
			    errsz);
			return -1;
		}
		last = NULL;			/* one list per source */
	}
	return o->n > 0;
}

/* dns_conf_nsswitch - the order of the first `hosts:` line of text */
int
dns_conf_nsswitch(const char *text, size_t len, struct dns_conf_order *o,
    char *err, size_t errsz)
{
	char	 line[DNS_CONF_LINE_MAX], *p, *hash;
	size_t	 off = 0;
	int	 rc;

	while ((rc = dns_conf_line(text, len, &off, line, sizeof(line))) != 0) {
		if (rc == -1)
			continue;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		p = line + strspn(line, DNS_CONF_BLANKS);
		if (strncasecmp(p, "hosts", 5) != 0)
			continue;
		p += 5 + strspn(p + 5, DNS_CONF_BLANKS);
		if (*p++ != ':')
			continue;
		if ((rc = dns_conf_hosts_line(p, o, err, errsz)) != 1)
			dns_conf_order_default(o);
		return rc;
	}
	dns_conf_order_default(o);
	return 0;
}

/* dns_conf_number - a bounded count of digits; 0 or -1 if not one */
static int
dns_conf_number(const char *s, int max, int *out)
{
	long	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v <= max)
			v = v * 10 + (*s - '0');
	}
	*out = v > max ? max : v < 1 ? 1 : (int)v;
	return 0;
}

/* dns_conf_option - one word of an options line; -1 if malformed */
static int
dns_conf_option(const char *word, struct dns_conf_opts *o)
{
	if (strncmp(word, "timeout:", 8) == 0)
		return dns_conf_number(word + 8, DNS_CONF_TIMEOUT_MAX,
		    &o->timeout);
	if (strncmp(word, "attempts:", 9) == 0)
		return dns_conf_number(word + 9, DNS_CONF_ATTEMPTS_MAX,
		    &o->attempts);
	return 0;			/* some other option: c-ares's */
}

/* dns_conf_resolv - the time-out and tries of resolv.conf's options */
int
dns_conf_resolv(const char *text, size_t len, struct dns_conf_opts *o,
    char *err, size_t errsz)
{
	char	 line[DNS_CONF_LINE_MAX], *word, *last;
	size_t	 off = 0;
	int	 rc, bad = 0;

	o->timeout = DNS_CONF_TIMEOUT;
	o->attempts = DNS_CONF_ATTEMPTS;
	while ((rc = dns_conf_line(text, len, &off, line, sizeof(line))) != 0) {
		if (rc == -1 || strncmp(line, "options", 7) != 0 ||
		    (line[7] != ' ' && line[7] != '\t'))
			continue;
		for (word = strtok_r(line + 7, DNS_CONF_BLANKS, &last);
		    word != NULL; word = strtok_r(NULL, DNS_CONF_BLANKS, &last))
			if (dns_conf_option(word, o) == -1)
				bad = 1;
	}
	if (bad) {
		(void)strlcpy(err,
		    "malformed timeout: or attempts: option ignored", errsz);
		return -1;
	}
	return 0;
}

/* dns_conf_order_str - the order as "files,dns" */
const char *
dns_conf_order_str(const struct dns_conf_order *o, char *buf, size_t bufsz)
{
	size_t	 i;

	buf[0] = '\0';
	for (i = 0; i < o->n; i++) {
		if (i > 0)
			strlcat(buf, ",", bufsz);
		strlcat(buf, o->step[i].src == DNS_CONF_FILES ? "files" : "dns",
		    bufsz);
	}
	return buf;
}

/* dns_conf_read - up to max octets of a file, cut after its last whole
 * line when longer; NULL if it cannot be read (errno set) */
static char *
dns_conf_read(const char *path, size_t max, size_t *len, int *truncated)
{
	FILE	*f;
	char	*buf;
	int	 saved;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	buf = xmalloc(max + 1);
	*len = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		saved = errno;
		fclose(f);
		free(buf);
		errno = saved;
		return NULL;
	}
	fclose(f);
	if ((*truncated = *len > max)) {
		*len = max;
		while (*len > 0 && buf[*len - 1] != '\n')
			(*len)--;
	}
	return buf;
}

/* dns_conf_warn_unreadable - a file that exists but cannot be read */
static void
dns_conf_warn_unreadable(const char *path)
{
	if (errno != ENOENT)
		log_warnx("dns event=dns-conf-unreadable file=%s reason=\"%s\"",
		    path, strerror(errno));
}

/* dns_conf_load_order - the hosts: line of nsswitch.conf */
static void
dns_conf_load_order(struct dns_conf *c, const char *path)
{
	char		 err[ERRTEXT_MAX];
	char		*text;
	size_t		 len;
	int		 truncated;

	dns_conf_order_default(&c->order);
	if ((text = dns_conf_read(path, DNS_CONF_SIZE_MAX, &len,
	    &truncated)) == NULL) {
		dns_conf_warn_unreadable(path);
		return;
	}
	if (dns_conf_nsswitch(text, len, &c->order, err, sizeof(err)) == -1)
		log_warnx("dns event=dns-conf-malformed file=%s reason=\"%s\" "
		    "fallback=files,dns", path, err);
	free(text);
}

/* dns_conf_load_opts - the options of resolv.conf */
static void
dns_conf_load_opts(struct dns_conf *c)
{
	char		 err[ERRTEXT_MAX];
	char		*text;
	size_t		 len;
	int		 truncated;

	c->opts.timeout = DNS_CONF_TIMEOUT;
	c->opts.attempts = DNS_CONF_ATTEMPTS;
	if ((text = dns_conf_read(c->resolvconf, DNS_CONF_SIZE_MAX, &len,
	    &truncated)) == NULL) {
		dns_conf_warn_unreadable(c->resolvconf);
		return;
	}
	if (dns_conf_resolv(text, len, &c->opts, err, sizeof(err)) == -1)
		log_warnx("dns event=dns-conf-malformed file=%s reason=\"%s\"",
		    c->resolvconf, err);
	free(text);
}

/* dns_conf_load_hosts - the hosts table */
static void
dns_conf_load_hosts(struct dns_conf *c, const char *path)
{
	char	*text;
	size_t	 len, skipped;
	int	 truncated;

	if ((text = dns_conf_read(path, DNS_HOSTS_SIZE_MAX, &len,
	    &truncated)) == NULL) {
		dns_conf_warn_unreadable(path);
		c->hosts = dns_hosts_parse("", 0, &skipped);
		return;
	}
	c->hosts = dns_hosts_parse(text, len, &skipped);
	free(text);
	if (truncated)
		log_warnx("dns event=dns-hosts-truncated file=%s size=%d "
		    "effect=\"lines after the first %d octets are left out\"",
		    path, DNS_HOSTS_SIZE_MAX, DNS_HOSTS_SIZE_MAX);
	if (skipped > 0)
		log_warnx("dns event=dns-hosts-skipped file=%s items=%zu "
		    "reason=\"addresses or names that are not usable\"", path,
		    skipped);
}

/* dns_conf_load - read what the resolver needs from the files */
void
dns_conf_load(struct dns_conf *c, const struct dns_files *files)
{
	static const struct dns_files	 sys = { NULL, NULL, NULL };
	char				 order[32];

	if (files == NULL)
		files = &sys;
	memset(c, 0, sizeof(*c));
	c->resolvconf = files->resolvconf != NULL ? files->resolvconf :
	    "/etc/resolv.conf";
	dns_conf_load_order(c, files->nsswitch != NULL ? files->nsswitch :
	    "/etc/nsswitch.conf");
	dns_conf_load_opts(c);
	dns_conf_load_hosts(c, files->hosts != NULL ? files->hosts :
	    "/etc/hosts");
	log_debug("dns event=dns-conf order=%s hosts=%zu timeout=%d "
	    "attempts=%d",
	    dns_conf_order_str(&c->order, order, sizeof(order)),
	    dns_hosts_count(c->hosts), c->opts.timeout, c->opts.attempts);
}
