/*
 * lookup_mconn.h - one session's connection to one milter, shared by
 * lookup_milter.c (the connection, the negotiation, the replies),
 * lookup_mphase.c (the phases) and lookup_mdata.c (the message).
 */
#ifndef POSTHORN_LOOKUP_MCONN_H
#define POSTHORN_LOOKUP_MCONN_H

#include <sys/queue.h>

#include <stdint.h>

#include "buf.h"
#include "cfg.h"
#include "ipc.h"
#include "lookup_milter.h"
#include "lookup_mproto.h"

struct bufferevent;
struct event;
struct lookup_medit;

/* a change of the envelopes a milter asked for (IPC_TXEDIT_*) */
#define LOOKUP_MENV_MAX		1000	/* in one message */
struct lookup_menv {
	uint32_t	 op;
	char		 addr[ADDR_MAX];
};

/* what the next reply of the milter answers */
enum lookup_mwait {
	LOOKUP_MWAIT_NONE,		/* nothing: a reply is a fault */
	LOOKUP_MWAIT_OPTNEG,
	LOOKUP_MWAIT_PHASE,		/* the command of a phase */
	LOOKUP_MWAIT_HEADER,
	LOOKUP_MWAIT_EOH,
	LOOKUP_MWAIT_BODY,
	LOOKUP_MWAIT_EOM		/* edits, then the verdict */
};

/* how far the message got to the milter */
#define LOOKUP_MSTEP_HEADERS	0
#define LOOKUP_MSTEP_EOH	1
#define LOOKUP_MSTEP_BODY	2
#define LOOKUP_MSTEP_EOM	3

struct lookup_milters {
	struct lookup			*l;
	TAILQ_HEAD(, lookup_mconn)	 conns;
};

struct lookup_mconn {
	TAILQ_ENTRY(lookup_mconn)	 entry;
	struct lookup_milters		*ms;
	const struct cfg_sfilter	*f;
	const struct cfg_milter		*cm;
	uint64_t			 sessid;
	struct bufferevent		*bev;	/* NULL: not connected */
	struct event			*timer;
	int				 ready;	/* negotiated */
	int				 dead;	/* failed: on-error rules */
	uint32_t			 actions;	/* negotiated */
	uint32_t			 protocol;
	enum lookup_mwait		 wait;
	/* the session */
	struct msg_lka_filter		*connect;	/* the connect phase,
							   until sent */
	int				 accepted;	/* skipped to the end */
	char				 auth_type[64];	/* AUTH's mechanism */
	/* the transaction */
	int				 in_tx;	/* MAIL told, no end yet */
	int				 tx_accepted;	/* skipped to its end */
	struct lookup_milter_verdict	 txv;	/* for the commit phase */
	/* a phase waiting for the milter */
	struct lookup_fchain_req	*req;
	enum cfg_sfilter_phase		 phase;
	/* the message */
	struct lookup_fdata		*fd;	/* NULL: gone or none */
	size_t				 stage;
	uint32_t			 msgid;
	struct buf			 msg;	/* as received */
	int				 msg_ended;
	int				 step;	/* LOOKUP_MSTEP_* */
	size_t				 hdr_off;	/* next header */
	size_t				 body_off;	/* next body octet */
	struct lookup_medit		*edits;
	/* the changes of the envelopes, sent to the queue in turn */
	struct msg_lka_filter		*mail;	/* the MAIL phase */
	struct lookup_menv		*env;
	size_t				 nenv;
	size_t				 envnext;
	int				 env_active;	/* being sent */
	int				 env_wait;	/* an expansion, or
							   the queue */
	int				 env_insend;
};

/* lookup_milter.c */
int	lookup_mconn_send(struct lookup_mconn *, const struct buf *,
	    enum lookup_mwait);
void	lookup_mconn_fail(struct lookup_mconn *, const char *why);
void	lookup_mconn_onerror(const struct lookup_mconn *,
	    enum cfg_sfilter_phase, struct lookup_milter_verdict *);
void	lookup_mconn_answer(struct lookup_mconn *,
	    const struct lookup_milter_verdict *);

/* lookup_mphase.c */
int	lookup_mphase_build(struct lookup_mconn *,
	    const struct msg_lka_filter *, struct buf *, int *reply);
int	lookup_mphase_reply(struct lookup_mconn *,
	    const struct lookup_mproto_reply *, struct lookup_milter_verdict *);
int	lookup_mphase_verdict(const struct lookup_mproto_reply *,
	    enum cfg_sfilter_phase, struct lookup_milter_verdict *);

/* lookup_mdata.c */
int	lookup_mdata_reply(struct lookup_mconn *,
	    const struct lookup_mproto_reply *);
void	lookup_mdata_fail(struct lookup_mconn *);
void	lookup_mdata_free(struct lookup_mconn *);
void	lookup_mdata_finish(struct lookup_mconn *, int);

/* lookup_menv.c */
int	lookup_menv_add(struct lookup_mconn *,
	    const struct lookup_mproto_reply *);
void	lookup_menv_start(struct lookup_mconn *);
void	lookup_menv_free(struct lookup_mconn *);

#endif
