/*
 * lookup.h - the lookup role's private interfaces: the opened tables
 * of the configuration and the AUTH checks.
 */
#ifndef POSTHORN_LOOKUP_H
#define POSTHORN_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "table.h"

/* Every table of a configuration, opened (lookup_tables.c). */
struct lookup_tables;

struct lookup_tables	*lookup_tables_open(const struct cfg *, char *err,
			    size_t errsz);
int			 lookup_tables_reload(struct lookup_tables *,
			    const char *name, char *err, size_t errsz);
struct table		*lookup_tables_find(const struct lookup_tables *,
			    const struct cfg_table *);
int			 lookup_tables_lookup(void *arg,
			    const struct cfg_table *, enum table_kind,
			    const char *key, union table_result *out);
void			 lookup_tables_free(struct lookup_tables *);

/* AUTH against a credentials table (lookup_auth.c). */
#define LOOKUP_AUTH_OK		1	/* credentials valid */
#define LOOKUP_AUTH_REFUSED	0	/* unknown user or wrong password */
#define LOOKUP_AUTH_ERROR	(-1)	/* table failure: try again later */
#define LOOKUP_AUTH_LIMITED	2	/* the address failed too often */

int	lookup_auth_table(struct lookup_tables *, const struct cfg_table *,
	    const char *user, const char *pass);
int	lookup_auth_senders(struct lookup_tables *,
	    const struct cfg_listener *, const char *auth_user,
	    const char *sender);

/* The names "for local" accepts, NULL-terminated (lookup_names.c). */
char	**lookup_names_local(const struct cfg *);

/*
 * Failed AUTH per client address (lookup_authlimit.c): after
 * LOOKUP_AUTHLIMIT_FAILS failures within LOOKUP_AUTHLIMIT_WINDOW seconds
 * an address is refused at once until the window has passed.  IPv6
 * addresses count by their /64.  At most LOOKUP_AUTHLIMIT_ADDRS
 * addresses are remembered; the one that failed longest ago goes first.
 */
#define LOOKUP_AUTHLIMIT_FAILS	5
#define LOOKUP_AUTHLIMIT_WINDOW	300
#define LOOKUP_AUTHLIMIT_ADDRS	10000

struct lookup_authlimit;

struct lookup_authlimit	*lookup_authlimit_new(unsigned fails,
			    int64_t window, size_t addrs);
int			 lookup_authlimit_check(struct lookup_authlimit *,
			    const char *src, int64_t now);
unsigned		 lookup_authlimit_fail(struct lookup_authlimit *,
			    const char *src, int64_t now);
void			 lookup_authlimit_free(struct lookup_authlimit *);

#endif
