/*
 * cfg_fproc.h - the builders of smtpd.conf's filter processes ("proc",
 * "filter NAME proc-exec", "filter NAME proc"), private to cfg_*.c.
 * Each reports "FILE:LINE: message" and returns -1, or 0.
 */
#ifndef POSTHORN_CFG_FPROC_H
#define POSTHORN_CFG_FPROC_H

#include "cfg.h"
#include "cfg_pstate.h"

int	cfg_fproc_build_new(struct cfg_pstate *, const char *, const char *,
	    const struct cfg_loc *);
int	cfg_fproc_build_opt(struct cfg_pstate *, const char *, const char *,
	    const struct cfg_loc *);
int	cfg_fproc_build_exec(struct cfg_pstate *, const char *, const char *,
	    const struct cfg_loc *);
int	cfg_fproc_build_filter(struct cfg_pstate *, const char *,
	    const char *, const struct cfg_loc *);

#endif
