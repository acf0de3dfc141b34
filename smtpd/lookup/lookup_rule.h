/*
 * lookup_rule.h - evaluation of the smtpd.conf "match" rules.
 *
 * A pure function over a description of the session and the envelope
 * and a table-lookup callback: first matching rule wins, a rule that
 * matches nothing is no verdict, and the caller refuses what matched
 * no rule (so an open relay is impossible).
 */
#ifndef POSTHORN_LOOKUP_RULE_H
#define POSTHORN_LOOKUP_RULE_H

#include <stdint.h>

#include "cfg.h"
#include "table.h"

/* ctx flags */
#define LOOKUP_RULE_SOCKET	0x01	/* arrived on the enqueuer's socket */
#define LOOKUP_RULE_TLS		0x02	/* the session is in TLS */
#define LOOKUP_RULE_AUTH	0x04	/* the client authenticated */

/* What the rules look at; every string is non-NULL ("" if unknown). */
struct lookup_rule_ctx {
	uint32_t		 flags;		/* LOOKUP_RULE_* */
	const char		*src;		/* numeric client address */
	const char		*rdns;
	const char		*helo;
	const char		*auth_user;
	const char		*tag;
	const char		*sender;	/* "" is <> */
	const char		*rcpt;
	const char *const	*localnames;	/* this host's names, NULL-ended */
};

/*
 * A table lookup on behalf of the rules and the expansion: -1 error,
 * 0 not found, 1 found (out filled when non-NULL).
 */
typedef int	(*lookup_table_fn)(void *arg, const struct cfg_table *,
		    enum table_kind, const char *key, union table_result *out);

int	lookup_rule_match(const struct cfg *, const struct lookup_rule_ctx *,
	    lookup_table_fn, void *arg, const struct cfg_match **matched);
int	lookup_rule_filter(const struct cfg_filter *,
	    const struct lookup_rule_ctx *, lookup_table_fn, void *arg);
int	lookup_rule_loopback(const char *src);
int	lookup_rule_local_domain(const struct lookup_rule_ctx *,
	    const char *addr);

#endif
