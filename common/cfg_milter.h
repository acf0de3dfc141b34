/*
 * cfg_milter.h - the builders of smtpd.conf's milters ("filter NAME
 * milter ADDRESS ..."), private to cfg_*.c.  Each reports
 * "FILE:LINE: message" and returns -1, or 0.
 */
#ifndef POSTHORN_CFG_MILTER_H
#define POSTHORN_CFG_MILTER_H

#include "cfg.h"
#include "cfg_pstate.h"

int	cfg_milter_build_new(struct cfg_pstate *, const char *, const char *,
	    const struct cfg_loc *);
int	cfg_milter_build_opt(struct cfg_pstate *, const char *, const char *,
	    const struct cfg_loc *);

#endif
