/*
 * cfg_check.h - the semantic checks of smtpd.conf (private to cfg_*.c).
 * Each reports "FILE:LINE: message" and returns -1 (or NULL), or 0 (or
 * the object found).
 */
#ifndef POSTHORN_CFG_CHECK_H
#define POSTHORN_CFG_CHECK_H

#include <stddef.h>

#include "cfg.h"
#include "cfg_pstate.h"

int	cfg_check_name(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
int	cfg_check_range(struct cfg_pstate *, long long, long long, long long,
	    const char *, const struct cfg_loc *);
int	cfg_check_opt(struct cfg_pstate *, enum cfg_opt,
	    const struct cfg_loc *);
int	cfg_check_file(struct cfg_pstate *, const char *, const char *,
	    const struct cfg_loc *);
int	cfg_check_copy(struct cfg_pstate *, char *, size_t, const char *,
	    const char *, const struct cfg_loc *);
struct cfg_table *cfg_check_table(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
struct cfg_pki	*cfg_check_pki(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
struct cfg_ca	*cfg_check_ca(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
int	cfg_check_listener(struct cfg_pstate *, const struct cfg_loc *);
int	cfg_check_listener_tls(struct cfg_pstate *, enum cfg_tls, int,
	    const struct cfg_loc *);
int	cfg_check_action(struct cfg_pstate *, const struct cfg_loc *);
int	cfg_check_match(struct cfg_pstate *, const struct cfg_loc *);
int	cfg_check_delay(struct cfg_pstate *, const char *, long long *,
	    const struct cfg_loc *);
int	cfg_check_final(struct cfg_pstate *);

#endif
