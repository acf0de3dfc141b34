/*
 * dns_conf.h - what the system resolver's files say about looking names
 * up, read once before a process chroots away from them:
 *
 *   nsswitch.conf(5), the `hosts:` line: which of /etc/hosts (`files`)
 *	and DNS (`dns`) are asked for a name or an address, in which order,
 *	and which outcomes end the lookup (`[NOTFOUND=return]`, ...).
 *	Other sources (mdns4_minimal, myhostname, resolve, ...) are left
 *	out with their actions.  No line, or one naming neither source:
 *	`files dns`.  A malformed line: `files dns`, and a warning.
 *   resolv.conf(5), `options timeout:N attempts:N`: the time-out of one
 *	try in seconds and the tries per nameserver, with glibc's defaults
 *	(5, 2) and caps (30, 5); 0 counts as 1; a value that is not a
 *	number is ignored.  The nameservers are left to c-ares.
 *   hosts(5): see dns_hosts.h.
 *
 * MX queries always go to DNS, as res_query(3) does.
 */
#ifndef POSTHORN_DNS_CONF_H
#define POSTHORN_DNS_CONF_H

#include <stddef.h>

#define DNS_CONF_TIMEOUT	5	/* glibc: RES_TIMEOUT */
#define DNS_CONF_TIMEOUT_MAX	30	/* RES_MAXRETRANS */
#define DNS_CONF_ATTEMPTS	2	/* RES_DFLRETRY */
#define DNS_CONF_ATTEMPTS_MAX	5	/* RES_MAXRETRY */
#define DNS_CONF_SIZE_MAX	65536	/* octets read of nsswitch.conf and
					   resolv.conf */
#define DNS_CONF_STEPS_MAX	2

/* the files; a NULL member is the system's (/etc/...) */
struct dns_files {
	const char	*resolvconf;
	const char	*hosts;
	const char	*nsswitch;
};

enum dns_conf_src {
	DNS_CONF_FILES = 1,
	DNS_CONF_DNS
};

/* the outcome of asking one source, as nsswitch.conf names it */
enum dns_conf_nss {
	DNS_CONF_SUCCESS = 0,
	DNS_CONF_NOTFOUND,
	DNS_CONF_UNAVAIL,
	DNS_CONF_TRYAGAIN
};
#define DNS_CONF_NSS_BIT(nss)	(1u << (nss))

struct dns_conf_step {
	enum dns_conf_src	 src;
	unsigned int		 stop;	/* DNS_CONF_NSS_BITs that end it */
};

struct dns_conf_order {
	struct dns_conf_step	 step[DNS_CONF_STEPS_MAX];
	size_t			 n;
};

struct dns_conf_opts {
	int			 timeout;	/* seconds, one try */
	int			 attempts;	/* tries per nameserver */
};

struct dns_hosts;

struct dns_conf {
	const char		*resolvconf;	/* the path c-ares reads */
	struct dns_conf_order	 order;
	struct dns_conf_opts	 opts;
	struct dns_hosts	*hosts;		/* the caller frees it */
};

void	dns_conf_order_default(struct dns_conf_order *);
/* 1 the hosts: line was used, 0 none (default), -1 malformed (default) */
int	dns_conf_nsswitch(const char *text, size_t len,
	    struct dns_conf_order *, char *err, size_t errsz);
/* 0, or -1 when an option was malformed (the others are used) */
int	dns_conf_resolv(const char *text, size_t len, struct dns_conf_opts *,
	    char *err, size_t errsz);
/* "files,dns" */
const char *dns_conf_order_str(const struct dns_conf_order *, char *buf,
	    size_t bufsz);
/* read the files (NULL: the system's); what cannot be used is logged */
void	dns_conf_load(struct dns_conf *, const struct dns_files *);

#endif
