/*
 * cfg_build.h - turning the pieces the grammar recognised into struct cfg
 * objects (private to cfg_*.c).  Each builder checks what it is given,
 * reports "FILE:LINE: message" and returns -1, or fills in the object
 * and returns 0.  Strings stay owned by the caller unless a builder
 * says it takes them.
 */
#ifndef POSTHORN_CFG_BUILD_H
#define POSTHORN_CFG_BUILD_H

#include "cfg.h"
#include "cfg_pstate.h"

/* the file a "pki NAME ..." line gives */
enum cfg_build_pki_part {
	CFG_BUILD_PKI_CERT,
	CFG_BUILD_PKI_KEY
};

int	cfg_build_table_new(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
int	cfg_build_table_src(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
int	cfg_build_table_value(struct cfg_pstate *, const char *, const char *,
	    const struct cfg_loc *);
int	cfg_build_pki(struct cfg_pstate *, enum cfg_build_pki_part,
	    const char *, const char *, const struct cfg_loc *,
	    const struct cfg_loc *, const struct cfg_loc *);
int	cfg_build_ca(struct cfg_pstate *, const char *, const char *,
	    const struct cfg_loc *, const struct cfg_loc *,
	    const struct cfg_loc *);
int	cfg_build_listener(struct cfg_pstate *, const char *, int,
	    const struct cfg_loc *);
int	cfg_build_listener_pki(struct cfg_pstate *, const char *,
	    const struct cfg_loc *, const struct cfg_loc *);
int	cfg_build_action_new(struct cfg_pstate *, const char *,
	    enum cfg_action_type, const struct cfg_loc *);
int	cfg_build_action_host(struct cfg_pstate *, const char *,
	    const struct cfg_loc *, const struct cfg_loc *);
int	cfg_build_filter(struct cfg_pstate *, enum cfg_filter_type, int,
	    char *, struct cfg_table *, const struct cfg_loc *);
int	cfg_build_match_action(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
int	cfg_build_sub_addr_delim(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
void	cfg_build_queue_key(struct cfg_pstate *, char *);
int	cfg_build_queue_path(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
int	cfg_build_bounce_warn(struct cfg_pstate *, long long,
	    const struct cfg_loc *);

#endif
