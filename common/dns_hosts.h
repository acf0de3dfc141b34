/*
 * dns_hosts.h - a hosts(5) table in memory, so that a process can look
 * names up in /etc/hosts after it has chrooted away from the file.
 *
 * dns_hosts_parse() takes the text of a hosts file: per line an IPv4 or
 * IPv6 address, then one or more names (the first is the line's
 * canonical name, the others its aliases); '#' starts a comment, fields
 * are separated by blanks.  What cannot be used is skipped and counted,
 * never fatal: a line whose address does not parse, a line without a
 * usable name, a line longer than DNS_HOSTS_LINE_MAX or holding a NUL,
 * a name that is not a host name (dns_hosts_name_ok), names beyond
 * DNS_HOSTS_NAMES_MAX.
 *
 * Lookups follow glibc's `files` source: names compare case-insensitively
 * and without a trailing dot; the name of an address is the canonical
 * name of the first line holding that address (an IPv4-mapped IPv6
 * address as its IPv4 address); the addresses of a name are those of
 * every line naming it, in file order.  A NULL table is empty.
 */
#ifndef POSTHORN_DNS_HOSTS_H
#define POSTHORN_DNS_HOSTS_H

#include <sys/socket.h>

#include <stddef.h>

#define DNS_HOSTS_SIZE_MAX	(4 * 1024 * 1024)	/* octets read */
#define DNS_HOSTS_LINE_MAX	4096	/* octets of one line, LF excluded */
#define DNS_HOSTS_NAMES_MAX	100000	/* names kept */

struct dns_hosts;

struct dns_hosts *dns_hosts_parse(const char *text, size_t len,
	    size_t *skipped);
void	dns_hosts_free(struct dns_hosts *);
size_t	dns_hosts_count(const struct dns_hosts *);
/* the name of an address into name: 1, or 0 if none (or no room) */
int	dns_hosts_name(const struct dns_hosts *, const struct sockaddr *,
	    char *name, size_t namesz);
/* up to max addresses (port 0) of name of a family (or AF_UNSPEC) */
size_t	dns_hosts_addrs(const struct dns_hosts *, const char *name,
	    int family, struct sockaddr_storage *out, size_t max);
/* a host name as hosts(5) and PTR answers may give it: letters, digits,
 * '-', '.' and '_', 1 to HOST_MAX - 1 octets */
int	dns_hosts_name_ok(const char *name, size_t len);

#endif
