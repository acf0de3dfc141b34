/*
 * lookup_expand.h - expansion of one accepted recipient into the final
 * deliveries: virtual and alias tables, ~/.forward, :include: files,
 * sub-addresses, `user NAME`, userbase, expand-only and forward-only.
 *
 * The expansion is resumable: lookup_expand_run() stops with
 * LOOKUP_EXPAND_FORWARD when it needs a user's ~/.forward (which only
 * the parent can open); the caller hands the file's text (or NULL)
 * to lookup_expand_forward(), or reports with
 * lookup_expand_forward_failed() that it could not be had now (451),
 * and runs again.  Everything else goes
 * through the callbacks of struct lookup_expand_ops, so the whole
 * expansion is testable without processes or system accounts.
 *
 * Rules worth knowing:
 * - a loop (a node that is its own ancestor) and a duplicate (a node
 *   seen before on another path) are expanded once; a recipient whose
 *   every branch loops is refused with 550 5.4.6;
 * - more than LOOKUP_EXPAND_DEPTH levels or LOOKUP_EXPAND_MAX results
 *   refuse the recipient with 550 5.2.4;
 * - an address produced by an alias, virtual or .forward entry is
 *   routed again by the match rules as if submitted locally;
 * - a final mailbox of uid 0 is refused (550 5.1.1 "root mail must be
 *   aliased"): root's mail goes through the aliases;
 * - files and commands from an alias or virtual table run as the
 *   action's `user`, else as LOOKUP_EXPAND_ALIAS_USER; from a
 *   ~/.forward as its owner; root's ~/.forward may not name files,
 *   commands or :include: (those entries are dropped), and no
 *   ~/.forward may use :include:;
 * - with `user NAME` or `userbase`, ~/.forward files are not read.
 */
#ifndef POSTHORN_LOOKUP_EXPAND_H
#define POSTHORN_LOOKUP_EXPAND_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "defs.h"
#include "lookup_rule.h"

#define LOOKUP_EXPAND_DEPTH	10	/* alias/forward levels */
#define LOOKUP_EXPAND_MAX	1000	/* final deliveries of one recipient */
#define LOOKUP_EXPAND_NODES	4096	/* addresses visited for one recipient */
#define LOOKUP_EXPAND_ALIAS_USER POSTHORN_ALIAS_USER /* alias files/commands */

struct lookup_expand_account {
	char	name[NAME_MAX_CFG];
	uid_t	uid;
};

struct lookup_expand_ops {
	lookup_table_fn	  table;
	/* a system account by name: -1 error, 0 none, 1 found */
	int		(*account)(void *arg, const char *name,
			    struct lookup_expand_account *out);
	/* the text of an :include: file (caller frees): -1 error, 0 ok */
	int		(*include)(void *arg, const char *path, char **text);
	/* the rule for an address produced by expansion: as rule_match */
	int		(*route)(void *arg, const char *addr,
			    const struct cfg_match **matched);
	void		 *arg;
};

struct lookup_expand_result {
	const struct cfg_action	*action;
	uint32_t		 dest_type;	/* ENVELOPE_DEST_* */
	uint32_t		 origin;	/* ENVELOPE_ORIGIN_* */
	char			 dest[ADDR_MAX];
	char			 user[NAME_MAX_CFG];	/* "" for relay */
};

enum lookup_expand_status {
	LOOKUP_EXPAND_DONE,		/* at least one result */
	LOOKUP_EXPAND_FORWARD,		/* needs a ~/.forward */
	LOOKUP_EXPAND_REFUSED		/* see lookup_expand_error() */
};

struct lookup_expand;

struct lookup_expand	*lookup_expand_new(const struct lookup_expand_ops *,
			    char subaddr_delim, const struct cfg_action *,
			    const char *rcpt);
enum lookup_expand_status lookup_expand_run(struct lookup_expand *);
const char		*lookup_expand_forward_user(const struct lookup_expand *);
void			 lookup_expand_forward(struct lookup_expand *,
			    const char *text);
void			 lookup_expand_forward_failed(struct lookup_expand *);
size_t			 lookup_expand_nresults(const struct lookup_expand *);
const struct lookup_expand_result *lookup_expand_result(
			    const struct lookup_expand *, size_t);
int			 lookup_expand_error(const struct lookup_expand *,
			    const char **enhanced, const char **text);
void			 lookup_expand_free(struct lookup_expand *);

#endif
