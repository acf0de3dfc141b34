/*
 * smtp_ext.h - ESMTP extensions: the EHLO reply a server advertises and
 * what a client learns from one.
 */
#ifndef POSTHORN_SMTP_EXT_H
#define POSTHORN_SMTP_EXT_H

#include <stddef.h>
#include <stdint.h>

#include "smtp_reply.h"

#define SMTP_EXT_PIPELINING		0x0001
#define SMTP_EXT_SIZE			0x0002
#define SMTP_EXT_8BITMIME		0x0004
#define SMTP_EXT_ENHANCEDSTATUSCODES	0x0008
#define SMTP_EXT_SMTPUTF8		0x0010
#define SMTP_EXT_DSN			0x0020
#define SMTP_EXT_CHUNKING		0x0040
#define SMTP_EXT_HELP			0x0080
#define SMTP_EXT_STARTTLS		0x0100
#define SMTP_EXT_AUTH			0x0200

#define SMTP_EXT_AUTH_MAX	128	/* the mechanism list and its NUL */
#define SMTP_EXT_MECH_MAX	20	/* RFC 4422 mechanism name */

struct smtp_ext {
	unsigned int	flags;			/* SMTP_EXT_* */
	uint64_t	size;			/* SIZE value; 0: no fixed limit */
	char		auth[SMTP_EXT_AUTH_MAX];	/* "PLAIN LOGIN" */
};

int	smtp_ext_advertise(const struct smtp_ext *, const char *hostname,
	    const char *greeting_text, char *buf, size_t bufsz);
int	smtp_ext_parse(struct smtp_ext *, const struct smtp_reply_parser *);
int	smtp_ext_auth_has(const struct smtp_ext *, const char *mech);

#endif
