/*
 * dns.h - asynchronous DNS on the process's event loop (c-ares).
 *
 * dns_init() reads, once and before the process chroots, what the
 * system resolver reads (dns_conf.h): the nameservers and the time-out
 * and tries of resolv.conf, the `hosts:` order of nsswitch.conf and the
 * table of /etc/hosts; afterwards queries only use the sockets c-ares
 * opens.  Addresses and PTR names are looked up as that order says:
 * /etc/hosts and DNS each in turn until one answers (or an action of
 * the line ends the lookup); MX records only in DNS.  When no source
 * found the name, the status is DNS_TEMPFAIL if one of them failed
 * temporarily, else DNS_NONE.
 *
 * Every query answers exactly once through its callback, from the event
 * loop, never from inside the call that started it, also when the
 * answer comes from /etc/hosts.  A query that is cancelled (dns_cancel)
 * never calls back.
 *
 * Status of an answer:
 *	DNS_OK		records are given (n >= 1)
 *	DNS_NONE	the name does not exist or has no record of the type
 *			(NXDOMAIN, NODATA): permanent
 *	DNS_TEMPFAIL	time-out, SERVFAIL, refused, truncated or malformed
 *			answer, no nameserver: try again later
 */
#ifndef POSTHORN_DNS_H
#define POSTHORN_DNS_H

#include <sys/socket.h>

#include <stddef.h>

#include "defs.h"

#define DNS_MX_MAX	32		/* MX records kept per answer */
#define DNS_ADDR_MAX	16		/* addresses kept per answer */
#define DNS_PTR_NAME_MAX 74		/* "1.0...ip6.arpa" and its NUL */

enum dns_status {
	DNS_OK = 0,
	DNS_NONE,
	DNS_TEMPFAIL
};

struct dns_mx {
	char		host[HOST_MAX];	/* "." for a null MX (RFC 7505) */
	unsigned int	pref;
};

struct dns_files;
struct dns_query;

/* MX records, sorted by preference (ties in random order) */
typedef void (*dns_mx_cb)(enum dns_status, const struct dns_mx *, size_t,
    void *);
/* A and/or AAAA records of a host (port 0 in every address) */
typedef void (*dns_addr_cb)(enum dns_status, const struct sockaddr_storage *,
    size_t, void *);
/* the PTR name of an address, without the trailing dot; a name with
 * characters other than letters, digits, '-', '.' and '_' is DNS_NONE */
typedef void (*dns_name_cb)(enum dns_status, const char *, void *);

/* the files of dns_conf.h (NULL: the system's); -1 if DNS cannot be
 * used (then /etc/hosts still answers) */
int	dns_init(const struct dns_files *, char *err, size_t errsz);
/* tests: these nameservers ("127.0.0.1:5353,[::1]:53"), time-out per try */
int	dns_init_servers(const char *servers, int timeout_ms, int tries,
	    char *err, size_t errsz);
/* tests: the hosts table and order of these files (NULL: the system's) */
void	dns_init_files(const struct dns_files *);
struct dns_query *dns_mx(const char *domain, dns_mx_cb, void *arg);
struct dns_query *dns_addr(const char *host, int family, dns_addr_cb,
	    void *arg);
struct dns_query *dns_ptr(const struct sockaddr *, dns_name_cb, void *arg);
void	dns_cancel(struct dns_query *);
/* the in-addr.arpa / ip6.arpa name of an address; 0, or -1 if none */
int	dns_ptr_name(const struct sockaddr *, char *out, size_t outsz);

#endif
