/*
 * queue.h - the queue process's shared state.
 */
#ifndef POSTHORN_QUEUE_H
#define POSTHORN_QUEUE_H

#include <stdint.h>
#include <time.h>

#include "ipc_msgs.h"

struct proc_env;
struct control;

struct queue_stats {
	uint64_t	received;
	uint64_t	delivered;
	uint64_t	deferred;
	uint64_t	bounced;
	uint64_t	expired;
	uint64_t	quarantined;
	uint64_t	size;		/* envelopes in the queue */
};

struct queue {
	struct proc_env		*env;
	struct ipc		*parent;
	struct ipc		*smtpd;
	struct ipc		*deliver;
	struct ipc		*lookup;
	struct control		*control;
	struct queue_stats	 stats;
	int			 paused_mta;
	int			 paused_mda;
	int			 paused_smtp;
};

/* control.c: the control socket served inside the queue process */
struct control	*control_new(struct queue *, int listen_fd);
void		 control_on_stats_smtpd(struct queue *, uint32_t id,
		    const struct msg_stats_smtpd *);
void		 control_on_stats_deliver(struct queue *, uint32_t id,
		    const struct msg_stats_deliver *);

#endif
