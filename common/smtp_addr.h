/*
 * smtp_addr.h - RFC 5321 paths: "<>", "<Postmaster>", source routes
 * (accepted and dropped), dot-atom and quoted local parts, domains and
 * address literals, and RFC 6531 UTF-8 when the transaction allows it.
 */
#ifndef POSTHORN_SMTP_ADDR_H
#define POSTHORN_SMTP_ADDR_H

#include <stddef.h>

#include "defs.h"

/* parse flags */
#define SMTP_ADDR_F_MAIL	0x01	/* a reverse-path: "<>" allowed */
#define SMTP_ADDR_F_RCPT	0x02	/* a forward-path: "<Postmaster>" allowed */
#define SMTP_ADDR_F_UTF8	0x04	/* SMTPUTF8 declared: UTF-8 allowed */

/* result kinds */
#define SMTP_ADDR_NULL		0x01	/* "<>" */
#define SMTP_ADDR_POSTMASTER	0x02	/* "<Postmaster>" without a domain */
#define SMTP_ADDR_UTF8		0x04	/* holds non-ASCII octets */
#define SMTP_ADDR_LITERAL	0x08	/* the domain is an address literal */

struct smtp_addr {
	int	kind;				/* SMTP_ADDR_* */
	char	user[SMTP_LOCALPART_MAX + 1];	/* as sent, quotes included */
	char	domain[SMTP_DOMAIN_MAX + 1];	/* as sent, brackets included */
	char	text[ADDR_MAX];			/* user@domain, "" or Postmaster */
};

int	smtp_addr_parse(const char *s, size_t len, int flags,
	    struct smtp_addr *out, size_t *used, char *err, size_t errsz);
int	smtp_addr_format(const struct smtp_addr *, char *buf, size_t bufsz);
int	smtp_addr_domain_valid(const char *s, size_t len, int utf8);

#endif
