/*
 * lookup_auth.c - AUTH credentials from a table and the senders check
 * of a listener.  Passwords are compared through crypt(3) hashes
 * (pwhash_check), wiped after use and never logged.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "lookup.h"
#include "pwhash.h"
#include "table.h"
#include "xmalloc.h"

/*
 * lookup_auth_table - check user/pass against a credentials table
 * ("user hash" entries): LOOKUP_AUTH_OK, _REFUSED or _ERROR.
 */
int
lookup_auth_table(struct lookup_tables *lt, const struct cfg_table *ct,
    const char *user, const char *pass)
{
	union table_result	*res;
	struct table		*t;
	int			 r;

	if ((t = lookup_tables_find(lt, ct)) == NULL)
		return LOOKUP_AUTH_ERROR;
	if (*user == '\0' || *pass == '\0')
		return LOOKUP_AUTH_REFUSED;
	res = xmalloc(sizeof(*res));
	r = table_lookup(t, TABLE_K_CREDENTIALS, user, res);
	if (r == 1) {
		if (strcasecmp(res->creds.username, user) != 0)
			r = LOOKUP_AUTH_REFUSED;
		else
			r = pwhash_check(pass, res->creds.password) == 1 ?
			    LOOKUP_AUTH_OK : LOOKUP_AUTH_REFUSED;
	} else if (r == 0)
		r = LOOKUP_AUTH_REFUSED;
	else
		r = LOOKUP_AUTH_ERROR;
	freezero(res, sizeof(*res));
	return r;
}

/*
 * lookup_auth_senders - may auth_user send as sender on listener l?
 * 1 yes (also: no senders table, or unauthenticated), 0 no, -1 error.
 */
int
lookup_auth_senders(struct lookup_tables *lt, const struct cfg_listener *l,
    const char *auth_user, const char *sender)
{
	struct table	*t;

	if (l == NULL || l->senders == NULL || *auth_user == '\0')
		return 1;
	if ((t = lookup_tables_find(lt, l->senders)) == NULL)
		return -1;
	return table_mailaddrmap_check(t, auth_user, sender);
}
