/*
 * lookup_fproc.h - the filter processes as the lookup holds them
 * (lookup_fproc.c) and the filter chains that ask them
 * (lookup_fchain.c).
 */
#ifndef POSTHORN_LOOKUP_FPROC_H
#define POSTHORN_LOOKUP_FPROC_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>

#include "buf.h"
#include "cfg.h"
#include "ipc.h"

struct bufferevent;
struct lookup;
struct lookup_fprocs;

/* one filter process of the configuration */
struct lookup_fproc {
	const struct cfg_fproc	*cfg;
	struct lookup_fprocs	*fps;
	uint32_t		 generation;	/* 0: never started */
	uint32_t		 pid;
	struct bufferevent	*bev;		/* NULL: down */
	int			 ready;		/* register|ready seen */
	uint32_t		 filters;	/* registered phases, bits */
	uint32_t		 reports;	/* registered events, bits */
};

/* a session its listener's processes heard of (lookup_fchain.c) */
struct lookup_fsess {
	TAILQ_ENTRY(lookup_fsess)	 entry;
	uint64_t			 sessid;
	uint32_t			 told;	/* processes, by index */
	int				 intx;	/* tx-begin sent */
	uint32_t			 msgid;
	uint64_t			 size;	/* the message as spooled */
};

struct lookup_fchain_req;
struct lookup_fdata;
struct lookup_fprocs {
	struct lookup		*l;
	struct lookup_fproc	*v;		/* by index */
	size_t			 n;
	TAILQ_HEAD(, lookup_fchain_req) reqs;	/* waiting for a process */
	TAILQ_HEAD(, lookup_fsess) sessions;	/* the processes know */
	TAILQ_HEAD(, lookup_fdata) streams;	/* messages going through */
	uint64_t		 next_token;
	struct lookup_milters	*milters;	/* lookup_milter.c */
};

struct lookup_fprocs	*lookup_fproc_new(struct lookup *, const struct cfg *);
struct lookup_fproc	*lookup_fproc_of(struct lookup_fprocs *,
			    const struct cfg_fproc *);
void			 lookup_fproc_down(struct lookup_fproc *,
			    const char *why);
int			 lookup_fproc_write(struct lookup_fproc *,
			    const struct buf *);
void			 lookup_fproc_on_start(struct ipc *, uint32_t, int,
			    const void *, void *);

/* lookup_fchain.c: seconds a filter process has to answer a request */
#define LOOKUP_FCHAIN_TIMEOUT	30

struct msg_lka_filter;
void	lookup_fchain_start(struct lookup *, const struct cfg_sfilter *,
	    const struct msg_lka_filter *);
void	lookup_fchain_proc_down(struct lookup_fproc *);
int	lookup_fchain_result(struct lookup_fproc *, const char *line);
void	lookup_fchain_on_end(struct ipc *, uint32_t, int, const void *,
	    void *);
struct lookup_fsess *lookup_fchain_sess(struct lookup_fprocs *, uint64_t,
	    int);
void	lookup_fchain_report(struct lookup_fprocs *, struct lookup_fsess *,
	    unsigned int, const char *const *, size_t);
void	lookup_fchain_tx_begin(struct lookup_fprocs *, uint64_t, uint32_t);
void	lookup_fchain_tx_end(struct lookup_fprocs *, uint64_t, int);
struct lookup_milter_verdict;
void	lookup_fchain_milter_answer(struct lookup_fchain_req *,
	    const struct lookup_milter_verdict *);

/* lookup_freport.c: the report events the listener tells of */
struct msg_lka_filter_event;
int	lookup_freport_fields(const struct msg_lka_filter_event *, char id[9],
	    const char *f[3]);
void	lookup_freport_on_event(struct ipc *, uint32_t, int, const void *,
	    void *);
void	lookup_freport_response(struct lookup_fprocs *, uint64_t,
	    uint32_t phase, uint32_t status, uint32_t decision,
	    const char *message);
void	lookup_freport_filter(struct lookup_fprocs *, uint64_t,
	    const char *kind, const char *name, const char *text);

/* lookup_fdata.c: messages through the data-line phase */
struct lookup_fproto_result;
void	lookup_fdata_on_start(struct ipc *, uint32_t, int, const void *,
	    void *);
int	lookup_fdata_result(struct lookup_fproc *,
	    const struct lookup_fproto_result *);
void	lookup_fdata_proc_down(struct lookup_fproc *);
int	lookup_fdata_emit(struct lookup_fdata *, size_t, const char *);
void	lookup_fdata_abort(struct lookup_fdata *, const char *);
struct lookup_mconn;
void	lookup_fdata_forget(struct lookup_fdata *, const struct lookup_mconn *);
void	lookup_fdata_touch(struct lookup_fdata *, long long);

#endif
