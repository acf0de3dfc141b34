/*
 * bounce.h - delivery status notifications (RFC 3464) written straight
 * into the spool.
 */
#ifndef POSTHORN_BOUNCE_H
#define POSTHORN_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

#define BOUNCE_HEADERS_MAX	(256 * 1024)	/* original headers quoted */
#define BOUNCE_DIAG_MAX		400		/* diagnostic text quoted */

enum bounce_kind {
	BOUNCE_KIND_FAILED,
	BOUNCE_KIND_DELAYED,
	BOUNCE_KIND_DELIVERED
};

enum bounce_target {
	BOUNCE_TARGET_NONE,		/* no notice is due */
	BOUNCE_TARGET_SENDER,		/* to the envelope sender */
	BOUNCE_TARGET_POSTMASTER	/* a notice that failed itself */
};

/* What a notice says besides the envelope: fixed in tests. */
struct bounce_ctx {
	const char	*hostname;	/* Reporting-MTA, MAILER-DAEMON@ */
	int64_t		 now;
	const char	*boundary;
	const char	*msgid;		/* Message-ID: without <> */
};

struct cfg;
struct queue;

enum bounce_target	 bounce_target(const struct envelope *,
			    enum bounce_kind);
int			 bounce_status(const char *diag, enum bounce_kind,
			    char *buf, size_t bufsz);
int			 bounce_date(int64_t t, char *buf, size_t bufsz);
int			 bounce_write(int out, const struct bounce_ctx *,
			    const struct envelope *, enum bounce_kind,
			    const char *diag, int msgfd);
int			 bounce_send(struct queue *, const struct envelope *,
			    enum bounce_kind, const char *diag);

#endif
