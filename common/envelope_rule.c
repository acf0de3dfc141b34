/*
 * envelope_rule.c - may the expansion rules of a configuration have
 * produced this envelope?  Pure checks of untrusted fields; see
 * envelope_rule.h for the rules.
 */
#include <string.h>

#include "defs.h"
#include "envelope_rule.h"

/* envelope_rule_user_valid - an account name that names no path */
int
envelope_rule_user_valid(const char *user)
{
	const unsigned char	*p;

	if (*user == '\0' || strcmp(user, ".") == 0 ||
	    strcmp(user, "..") == 0)
		return 0;
	for (p = (const unsigned char *)user; *p != '\0'; p++)
		if (*p == '/' || *p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/* envelope_rule_path_valid - absolute, no "." or ".." component */
int
envelope_rule_path_valid(const char *path)
{
	const char	*p = path;
	size_t		 n;

	if (*p != '/')
		return 0;
	while (*p != '\0') {
		p += strspn(p, "/");
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
	}
	return 1;
}

/* envelope_rule_alias_user - the account alias files and commands use */
static const char *
envelope_rule_alias_user(const struct cfg_action *a)
{
	return a->user[0] != '\0' ? a->user : POSTHORN_ALIAS_USER;
}

/* envelope_rule_reads_forward - the action reads ~/.forward files */
static int
envelope_rule_reads_forward(const struct cfg_action *a)
{
	return a->user[0] == '\0' && a->userbase == NULL;
}

/*
 * envelope_rule_origin - the envelope's origin; for a record without
 * one, the origin its action and account allow: a mailbox for an
 * address, an alias entry when the action has a table and the account
 * is the alias account, else a ~/.forward entry
 */
uint32_t
envelope_rule_origin(const struct cfg_action *a, const struct envelope *e)
{
	if (e->origin != ENVELOPE_ORIGIN_NONE || a->type == CFG_ACTION_RELAY)
		return e->origin;
	if (e->dest_type == ENVELOPE_DEST_ADDRESS)
		return ENVELOPE_ORIGIN_MAILBOX;
	if ((a->alias != NULL || a->virtual != NULL) &&
	    strcmp(e->user, envelope_rule_alias_user(a)) == 0)
		return ENVELOPE_ORIGIN_ALIAS;
	return ENVELOPE_ORIGIN_FORWARD;
}

/* envelope_rule_mailbox - an address delivered under a local action */
static const char *
envelope_rule_mailbox(const struct cfg_action *a, const struct envelope *e)
{
	switch (a->type) {
	case CFG_ACTION_MAILDIR:
	case CFG_ACTION_MBOX:
	case CFG_ACTION_MDA:
	case CFG_ACTION_LMTP:
		break;
	default:
		return "the action delivers to no mailbox";
	}
	if (envelope_rule_origin(a, e) != ENVELOPE_ORIGIN_MAILBOX)
		return "the origin does not fit a mailbox";
	if (a->user[0] != '\0' && strcmp(e->user, a->user) != 0)
		return "the account is not the action's user";
	return NULL;
}

/* envelope_rule_final - a file or a command */
static const char *
envelope_rule_final(const struct cfg_action *a, const struct envelope *e)
{
	if (a->type == CFG_ACTION_FORWARD_ONLY)
		return "the action delivers to no file or command";
	if (e->dest_type == ENVELOPE_DEST_FILE &&
	    !envelope_rule_path_valid(e->dest))
		return "the file is no absolute path without . or ..";
	switch (envelope_rule_origin(a, e)) {
	case ENVELOPE_ORIGIN_ALIAS:
		if (a->alias == NULL && a->virtual == NULL)
			return "the action has no alias or virtual table";
		if (strcmp(e->user, envelope_rule_alias_user(a)) != 0)
			return "the account is not the one of alias entries";
		return NULL;
	case ENVELOPE_ORIGIN_FORWARD:
		if (!envelope_rule_reads_forward(a))
			return "the action reads no ~/.forward";
		return NULL;
	default:
		return "the origin does not fit a file or command";
	}
}

/* envelope_rule_check - NULL if the rules can make evp, else why not */
const char *
envelope_rule_check(const struct cfg *cfg, const struct envelope *e)
{
	const struct cfg_action	*a;

	if ((a = cfg_action_find(cfg, e->dispatcher)) == NULL)
		return "unknown dispatcher";
	if (e->dest[0] == '\0' || e->rcpt[0] == '\0')
		return "empty recipient";
	if (e->origin > ENVELOPE_ORIGIN_FORWARD)
		return "unknown origin";
	if (a->type == CFG_ACTION_RELAY)
		return e->dest_type != ENVELOPE_DEST_ADDRESS ||
		    e->user[0] != '\0' || e->origin != ENVELOPE_ORIGIN_NONE ?
		    "a relay action takes an address alone" : NULL;
	if (!envelope_rule_user_valid(e->user))
		return "bad account name";
	switch (e->dest_type) {
	case ENVELOPE_DEST_ADDRESS:
		return envelope_rule_mailbox(a, e);
	case ENVELOPE_DEST_FILE:
	case ENVELOPE_DEST_COMMAND:
		return envelope_rule_final(a, e);
	default:
		return "bad destination type";
	}
}
