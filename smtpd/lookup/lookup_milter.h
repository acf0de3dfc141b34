/*
 * lookup_milter.h - milters (smtpd.conf "filter NAME milter ...") as the
 * lookup speaks to them: one connection per session and milter, opened
 * at the session's connect phase, closed at its end.  Asked at the
 * phases of lookup_fchain.c and given the message in lookup_fdata.c;
 * the protocol itself is lookup_mproto.c, the editing of the message at
 * its end lookup_medit.c.
 */
#ifndef POSTHORN_LOOKUP_MILTER_H
#define POSTHORN_LOOKUP_MILTER_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "ipc.h"

struct lookup;
struct lookup_fchain_req;
struct lookup_fdata;
struct lookup_milters;
struct lookup_mconn;
struct msg_lka_filter;

/* what a milter decided at a phase */
struct lookup_milter_verdict {
	int	 decision;	/* -1: go on; else enum cfg_sfilter_decision */
	char	 message[IPC_FILTER_MSG_MAX];	/* "CODE X.Y.Z text" */
};

struct lookup_milters	*lookup_milter_new(struct lookup *, const struct cfg *);

/*
 * lookup_milter_phase - ask milter f at the phase of m for request req:
 * 0 with *v the verdict at once, or 1 when it comes later through
 * lookup_fchain_milter_answer(req, v)
 */
int	lookup_milter_phase(struct lookup_milters *, struct lookup_fchain_req *,
	    const struct cfg_sfilter *, const struct msg_lka_filter *,
	    struct lookup_milter_verdict *);
void	lookup_milter_cancel(struct lookup_milters *,
	    struct lookup_fchain_req *);
void	lookup_milter_end(struct lookup_milters *, uint64_t sessid);

/*
 * The message: lookup_milter_stage is the session's connection to f when
 * it takes the message (else NULL, and the stage is skipped); the lines
 * come dot-stuffed to lookup_milter_data_line, "." last; what the
 * milter made of them goes on through lookup_fdata_emit(fd, stage + 1).
 */
struct lookup_mconn	*lookup_milter_stage(struct lookup_milters *,
			    uint64_t sessid, const struct cfg_sfilter *);
void	lookup_milter_data_begin(struct lookup_mconn *, struct lookup_fdata *,
	    size_t stage, uint32_t msgid);
int	lookup_milter_data_line(struct lookup_mconn *, const char *line);
void	lookup_milter_data_gone(struct lookup_mconn *);
void	lookup_milter_on_txedited(struct ipc *, uint32_t, int, const void *,
	    void *);

#endif
