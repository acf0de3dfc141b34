/*
 * queue.h - the queue process's shared state.
 */
#ifndef POSTHORN_QUEUE_H
#define POSTHORN_QUEUE_H

#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include "ipc_msgs.h"

struct proc_env;
struct control;
struct qstore;
struct qstore_crypt;
struct sched;
struct queue_tx;
struct qdispatch;
struct qdispatch_expand;
struct envelope;
struct cfg;
struct event;

struct queue_stats {
	uint64_t	received;
	uint64_t	delivered;
	uint64_t	deferred;
	uint64_t	bounced;
	uint64_t	expired;
	uint64_t	quarantined;
	uint64_t	size;		/* envelopes in the queue */
	uint64_t	messages;	/* messages committed since start */
};

struct queue {
	struct proc_env		*env;
	struct ipc		*parent;
	struct ipc		*smtpd;
	struct ipc		*deliver;
	struct ipc		*lookup;
	struct control		*control;
	struct queue_stats	 stats;
	struct qstore		*qs;
	struct qstore_crypt	*crypt;		/* NULL: plain message files */
	struct sched		*sched;
	struct queue_tx		*tx;
	struct qdispatch	*dsp;
	struct qdispatch_expand	*dxp;		/* notices being expanded */
	pid_t			 offline_pid;	/* the offline helper, or -1 */
	struct event		*offline_ev;
	struct event		*offline_chld;
	int			 paused_mta;
	int			 paused_mda;
	int			 paused_smtp;
};

/* control.c: the control socket served inside the queue process */
struct control	*control_new(struct queue *, int listen_fd);
void		 control_on_stats_smtpd(struct queue *, uint32_t id,
		    const struct msg_stats_smtpd *);
void		 control_on_stats_deliver(struct queue *, uint32_t id,
		    const struct msg_stats_relay *);
void		 control_on_table_updated(struct ipc *, uint32_t, int,
		    const void *, void *);

/* queue_tx.c: transactions of the listener, envelopes of the lookup,
 * group commit */
struct queue_tx	*queue_tx_new(struct queue *);
void		 queue_tx_abort_all(struct queue *);
int		 queue_tx_inject(struct queue *, uint32_t msgid,
		    struct envelope *evps, size_t n, char *err, size_t errsz);
int64_t		 queue_tx_ttl(const struct queue *, const char *dispatcher);
void		 queue_tx_on_open(struct ipc *, uint32_t, int, const void *,
		    void *);
void		 queue_tx_on_envelope(struct ipc *, uint32_t, int,
		    const void *, void *);
void		 queue_tx_on_rcpt_result(struct ipc *, uint32_t, int,
		    const void *, void *);
void		 queue_tx_on_commit(struct ipc *, uint32_t, int, const void *,
		    void *);
void		 queue_tx_on_abort(struct ipc *, uint32_t, int, const void *,
		    void *);

/* queue_tx_edit.c: a milter's changes to a transaction */
void		 queue_tx_edit_on_edit(struct ipc *, uint32_t, int,
		    const void *, void *);

/* queue_offline.c: the local enqueuer's offline drop files */
void		 queue_offline_start(struct queue *);

/* queue_tx_seen.c: the destinations one transaction holds */
struct queue_tx_seen;
struct queue_tx_seen *queue_tx_seen_new(void);
void		 queue_tx_seen_free(struct queue_tx_seen *);
int		 queue_tx_seen_add(struct queue_tx_seen *,
		    const struct envelope *, size_t);

/* qdispatch.c: envelopes to the parent (local) and the relay worker */
struct qdispatch *qdispatch_new(struct queue *);
int		 qdispatch_load(struct queue *);
int		 qdispatch_add(struct queue *, const struct envelope *);
void		 qdispatch_kick(struct queue *);
void		 qdispatch_now(struct queue *);
int		 qdispatch_remove(struct queue *, uint64_t evpid, char *err,
		    size_t errsz);
int		 qdispatch_release(struct queue *, uint64_t evpid, char *err,
		    size_t errsz);
void		 qdispatch_pause(struct queue *, int mta, int paused);
void		 qdispatch_on_mda_result(struct ipc *, uint32_t, int,
		    const void *, void *);
void		 qdispatch_on_relay_result(struct ipc *, uint32_t, int,
		    const void *, void *);
void		 qdispatch_tempfail(struct queue *, struct envelope *,
		    const char *text);
void		 qdispatch_permfail(struct queue *, struct envelope *,
		    const char *text);
int		 qdispatch_load_evp(struct queue *, uint64_t evpid,
		    struct envelope *);
void		 qdispatch_forget(struct queue *, uint64_t evpid);

/* qdispatch_expand.c: notices to local senders, expanded when due */
void		 qdispatch_expand_start(struct queue *, struct envelope *);
const char	*qdispatch_expand_check(const struct cfg *,
		    const struct envelope *);
int		 qdispatch_expand_build(const struct envelope *notice,
		    const struct envelope *result, int64_t ttl,
		    struct envelope *out);
void		 qdispatch_on_notice_expanded(struct ipc *, uint32_t, int,
		    const void *, void *);
void		 qdispatch_on_notice_result(struct ipc *, uint32_t, int,
		    const void *, void *);

/* queue.c: the queue process's entry point, in smtpd(8)'s role table */
int	queue_main(struct proc_env *);

#endif
