/*
 * envelope_rule.h - which envelopes the expansion rules of a
 * configuration can produce (smtpd/lookup/lookup_expand.h states them).
 *
 * The lookup makes envelopes; the queue, before it stores one, and the
 * root parent, before it forks a delivery, check it here against their
 * own copy of the configuration, so a process that lies about an
 * expansion gets no delivery the rules could not have made:
 * - relay actions: an address, no account, no origin;
 * - a mailbox (ENVELOPE_ORIGIN_MAILBOX): an address under a maildir,
 *   mbox, mda or lmtp action, as the action's `user` when it has one;
 * - a file or command from an alias or virtual table (ALIAS): only
 *   under an action with such a table, as the action's `user`, else
 *   POSTHORN_ALIAS_USER;
 * - a file or command from a ~/.forward (FORWARD): only under an action
 *   that reads ~/.forward (no `user`, no userbase); the account is the
 *   file's owner, which the delivery process checks by reading it;
 * - never under forward-only or relay actions; a file is an absolute
 *   path without "." or ".." components; an account name holds no "/".
 * Records written before origins existed (version 1 and 2) get the one
 * their action and account allow (envelope_rule_origin).
 */
#ifndef POSTHORN_ENVELOPE_RULE_H
#define POSTHORN_ENVELOPE_RULE_H

#include <stdint.h>

#include "cfg.h"
#include "envelope.h"

const char	*envelope_rule_check(const struct cfg *,
		    const struct envelope *);
uint32_t	 envelope_rule_origin(const struct cfg_action *,
		    const struct envelope *);
int		 envelope_rule_user_valid(const char *user);
int		 envelope_rule_path_valid(const char *path);

#endif
