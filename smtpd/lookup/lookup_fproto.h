/*
 * lookup_fproto.h - the line protocol of filter processes (OpenSMTPD's
 * smtpd-filters(7), version 0.7): what the lookup writes to a filter
 * (configuration, report events, filter requests, data lines) and what
 * it reads back (registrations, filter results, data lines).  Pure
 * functions: no I/O, no state.
 */
#ifndef POSTHORN_LOOKUP_FPROTO_H
#define POSTHORN_LOOKUP_FPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "cfg.h"

#define LOOKUP_FPROTO_VERSION	"0.7"
/* the OpenSMTPD release whose filter protocol posthorn speaks */
#define LOOKUP_FPROTO_SMTPD	"7.5.0"
#define LOOKUP_FPROTO_LINE_MAX	16384	/* one line, newline excluded */
/* what a filter is told of the listener's command time-out, seconds */
#define LOOKUP_FPROTO_SESSION_TIMEOUT	300

/*
 * Filter phases: the first CFG_SFILTER_ALL_PHASES are the listener's
 * (enum cfg_sfilter_phase: those of smtpd.conf, then rset, quit, noop
 * and help), then data-line, then wiz, a command posthorn does not have
 * (a filter may register for it, it is never sent).
 */
enum lookup_fproto_phase {
	LOOKUP_FPROTO_DATA_LINE = CFG_SFILTER_ALL_PHASES,
	LOOKUP_FPROTO_WIZ,
	LOOKUP_FPROTO_PHASES
};

enum lookup_fproto_event {
	LOOKUP_FPROTO_LINK_CONNECT,
	LOOKUP_FPROTO_LINK_GREETING,
	LOOKUP_FPROTO_LINK_IDENTIFY,
	LOOKUP_FPROTO_LINK_TLS,
	LOOKUP_FPROTO_LINK_AUTH,
	LOOKUP_FPROTO_LINK_DISCONNECT,
	LOOKUP_FPROTO_TX_RESET,
	LOOKUP_FPROTO_TX_BEGIN,
	LOOKUP_FPROTO_TX_MAIL,
	LOOKUP_FPROTO_TX_RCPT,
	LOOKUP_FPROTO_TX_ENVELOPE,
	LOOKUP_FPROTO_TX_DATA,
	LOOKUP_FPROTO_TX_COMMIT,
	LOOKUP_FPROTO_TX_ROLLBACK,
	LOOKUP_FPROTO_PROTOCOL_CLIENT,
	LOOKUP_FPROTO_PROTOCOL_SERVER,
	LOOKUP_FPROTO_FILTER_REPORT,
	LOOKUP_FPROTO_FILTER_RESPONSE,
	LOOKUP_FPROTO_TIMEOUT,
	LOOKUP_FPROTO_EVENTS
};

/* a registration line of the filter */
enum lookup_fproto_reg_kind {
	LOOKUP_FPROTO_REG_REPORT,	/* which: an event, or EVENTS: all */
	LOOKUP_FPROTO_REG_FILTER,	/* which: a phase */
	LOOKUP_FPROTO_REG_READY
};
struct lookup_fproto_reg {
	enum lookup_fproto_reg_kind	 kind;
	unsigned int			 which;
};

/* a line the filter answers with */
enum lookup_fproto_decision {
	LOOKUP_FPROTO_PROCEED,
	LOOKUP_FPROTO_JUNK,
	LOOKUP_FPROTO_REJECT,
	LOOKUP_FPROTO_DISCONNECT,
	LOOKUP_FPROTO_REWRITE,
	LOOKUP_FPROTO_REPORT,
	LOOKUP_FPROTO_DATALINE		/* a filter-dataline line */
};
struct lookup_fproto_result {
	uint64_t			 sessid;
	uint64_t			 token;
	enum lookup_fproto_decision	 decision;
	const char			*param;	/* into the line, or NULL */
};

const char	*lookup_fproto_phase_name(unsigned int);
const char	*lookup_fproto_response_phase(unsigned int);
const char	*lookup_fproto_event_name(unsigned int);
int		 lookup_fproto_config(struct buf *, const char *admd);
int		 lookup_fproto_report(struct buf *, const struct timespec *,
		    unsigned int, uint64_t, const char *const *, size_t);
int		 lookup_fproto_filter(struct buf *, const struct timespec *,
		    unsigned int, uint64_t, uint64_t, const char *const *,
		    size_t);
int		 lookup_fproto_dataline(struct buf *, const struct timespec *,
		    uint64_t, uint64_t, const char *);
int		 lookup_fproto_register_parse(const char *,
		    struct lookup_fproto_reg *, char *, size_t);
int		 lookup_fproto_result_parse(const char *,
		    struct lookup_fproto_result *, char *, size_t);
int		 lookup_fproto_ids(const char *, uint64_t *, uint64_t *);
int		 lookup_fproto_unstuff(const char *, const char **);

#endif
