/*
 * queue_tx_priv.h - what the transaction's two files share: queue_tx.c
 * opens, fills and commits transactions, queue_tx_edit.c applies a
 * milter's changes to one before its commit.
 */
#ifndef POSTHORN_QUEUE_TX_PRIV_H
#define POSTHORN_QUEUE_TX_PRIV_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "defs.h"

struct envelope;
struct event;
struct queue;
struct queue_tx_seen;

/*
 * One transaction: evps[0, nevp) are the accepted recipients' envelopes,
 * evps[nevp, nevp + npending) those of the RCPT the lookup is answering
 * (or of the recipient a milter adds).
 */
struct queue_tx_msg {
	TAILQ_ENTRY(queue_tx_msg)	 entry;
	uint64_t			 sessid;
	uint32_t			 msgid;
	uint64_t			 size;
	int				 invalid;	/* commit refused */
	int				 hold;		/* commit held */
	int				 chgfrom;	/* sender replaced */
	char				 sender[ADDR_MAX];
	char				 why[ERRTEXT_MAX];
	const char			*pending_bad;	/* why refused */
	struct envelope			*evps;
	size_t				 nevp;
	size_t				 npending;
	size_t				 cap;
	struct queue_tx_seen		*seen;		/* their destinations */
};

struct queue_tx {
	struct queue			*q;
	TAILQ_HEAD(, queue_tx_msg)	 open;
	TAILQ_HEAD(, queue_tx_msg)	 batch;
	size_t				 nopen;
	size_t				 slots;	/* envelopes allocated */
	struct event			*ev;
};

/* queue_tx.c */
struct queue_tx_msg *queue_tx_find(struct queue_tx *, uint64_t sessid,
		    uint32_t msgid, char *err, size_t errsz);
void		 queue_tx_keep_pending(struct queue_tx_msg *, uint64_t sessid);

/* queue_tx_edit.c */
void		 queue_tx_edit_commit(struct queue_tx_msg *);

#endif
