/*
 * cfg_milter.c - milters of smtpd.conf: "filter NAME milter ADDRESS
 * [on-error accept|tempfail|reject] [timeout DELAY]".  ADDRESS is
 * "inet:HOST:PORT" (HOST a name, an IPv4 address or an IPv6 address in
 * brackets; Sendmail's "inet:PORT@HOST" and "inet6:PORT@HOST" are taken
 * too) or "unix:PATH" (absolute), as Postfix and Sendmail write them.
 */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_check.h"
#include "cfg_milter.h"
#include "cfg_parse.h"
#include "cfg_sfilter.h"
#include "xmalloc.h"

/* cfg_milter_port - a port number 1-65535, digits only */
static int
cfg_milter_port(const char *s)
{
	long	n = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n >= 1 && n <= 65535 ? 0 : -1;
}

/* cfg_milter_inet - "HOST:PORT", "[V6]:PORT" or "PORT@HOST" into m */
static int
cfg_milter_inet(struct cfg_milter *m, const char *s)
{
	const char	*sep, *host, *port;
	size_t		 hlen;

	if ((sep = strchr(s, '@')) != NULL) {
		port = s;
		host = sep + 1;
		hlen = strlen(host);
		if ((size_t)(sep - s) >= sizeof(m->port))
			return -1;
		memcpy(m->port, port, (size_t)(sep - s));
	} else if (s[0] == '[') {
		if ((sep = strstr(s, "]:")) == NULL)
			return -1;
		host = s + 1;
		hlen = (size_t)(sep - host);
		if (strlcpy(m->port, sep + 2, sizeof(m->port)) >=
		    sizeof(m->port))
			return -1;
	} else {
		if ((sep = strrchr(s, ':')) == NULL)
			return -1;
		host = s;
		hlen = (size_t)(sep - s);
		if (strlcpy(m->port, sep + 1, sizeof(m->port)) >=
		    sizeof(m->port))
			return -1;
	}
	if (hlen == 0 || hlen >= sizeof(m->host) ||
	    memchr(host, '/', hlen) != NULL || cfg_milter_port(m->port) == -1)
		return -1;
	memcpy(m->host, host, hlen);
	m->host[hlen] = '\0';
	return 0;
}

/* cfg_milter_address - parse the address into m; -1 if it is not one */
static int
cfg_milter_address(struct cfg_milter *m, const char *s)
{
	if (strlcpy(m->address, s, sizeof(m->address)) >= sizeof(m->address))
		return -1;
	if (strncmp(s, "unix:", 5) == 0) {
		m->unix = 1;
		if (s[5] != '/' || strlcpy(m->path, s + 5, sizeof(m->path)) >=
		    sizeof(m->path) || strlen(m->path) >= 108)
			return -1;
		return 0;
	}
	if (strncmp(s, "inet:", 5) == 0)
		return cfg_milter_inet(m, s + 5);
	if (strncmp(s, "inet6:", 6) == 0 && strchr(s, '@') != NULL)
		return cfg_milter_inet(m, s + 6);
	return -1;
}

/* cfg_milter_build_new - "filter NAME milter ADDRESS" */
int
cfg_milter_build_new(struct cfg_pstate *ps, const char *name,
    const char *address, const struct cfg_loc *loc)
{
	struct cfg_milter	*m;

	m = xcalloc(1, sizeof(*m));
	m->on_error = CFG_MILTER_TEMPFAIL;
	m->timeout = CFG_MILTER_TIMEOUT;
	if (cfg_milter_address(m, address) == -1) {
		cfg_lex_error(ps, loc, "filter '%s': invalid milter address "
		    "'%s' (inet:HOST:PORT or unix:/PATH)", name, address);
		free(m);
		return -1;
	}
	if (cfg_sfilter_build_new(ps, name, CFG_SFILTER_MILTER, loc) == -1) {
		free(m);
		return -1;
	}
	ps->sfilter->milter = m;
	return 0;
}

/* cfg_milter_build_opt - "on-error accept|tempfail|reject", "timeout D" */
int
cfg_milter_build_opt(struct cfg_pstate *ps, const char *opt,
    const char *value, const struct cfg_loc *loc)
{
	struct cfg_milter	*m = ps->sfilter->milter;
	static const char *const errs[] = {
		[CFG_MILTER_TEMPFAIL] = "tempfail",
		[CFG_MILTER_ACCEPT] = "accept",
		[CFG_MILTER_REJECT] = "reject"
	};
	size_t			 i;

	if (strcmp(opt, "timeout") == 0) {
		if (m->timeout_set++)
			cfg_lex_error(ps, loc, "'timeout' specified twice");
		else if (cfg_check_delay(ps, value, &m->timeout, loc) == 0)
			(void)cfg_check_range(ps, m->timeout, 1, 3600,
			    "milter timeout", loc);
		return ps->failed ? -1 : 0;
	}
	if (strcmp(opt, "on-error") != 0) {
		cfg_lex_error(ps, loc, "unexpected '%s'", opt);
		return -1;
	}
	if (m->on_error_set++) {
		cfg_lex_error(ps, loc, "'on-error' specified twice");
		return -1;
	}
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (strcmp(value, errs[i]) == 0) {
			m->on_error = (enum cfg_milter_onerror)i;
			return 0;
		}
	cfg_lex_error(ps, loc, "on-error '%s': accept, tempfail or reject",
	    value);
	return -1;
}
