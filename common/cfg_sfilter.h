/*
 * cfg_sfilter.h - the builders of smtpd.conf "filter" lines (private to
 * cfg_*.c).  Each checks what it is given, reports "FILE:LINE: message"
 * and returns -1, or fills in the filter under construction and
 * returns 0.
 */
#ifndef POSTHORN_CFG_SFILTER_H
#define POSTHORN_CFG_SFILTER_H

#include "cfg.h"
#include "cfg_pstate.h"

int	cfg_sfilter_build_new(struct cfg_pstate *, const char *,
	    enum cfg_sfilter_kind, const struct cfg_loc *);
int	cfg_sfilter_build_phase(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
int	cfg_sfilter_build_cond(struct cfg_pstate *, enum cfg_filter_type,
	    int, struct cfg_table *, const char *, const struct cfg_loc *);
int	cfg_sfilter_build_decision(struct cfg_pstate *,
	    enum cfg_sfilter_decision, char *, const struct cfg_loc *);
int	cfg_sfilter_build_member(struct cfg_pstate *, const char *,
	    const struct cfg_loc *);
int	cfg_sfilter_build_listener(struct cfg_pstate *, const char *,
	    const struct cfg_loc *, const struct cfg_loc *);

#endif
