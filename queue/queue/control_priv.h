/*
 * control_priv.h - what the control socket's two files share: control.c
 * runs the commands, control_accept.c decides who may connect, how many
 * at once and for how long.
 */
#ifndef POSTHORN_CONTROL_PRIV_H
#define POSTHORN_CONTROL_PRIV_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>

#include "ipc.h"

#define CONTROL_USER_MAX	4	/* connections of one unprivileged uid */
#define CONTROL_USERS_MAX	32	/* of all unprivileged uids together */
#define CONTROL_ADMIN_MAX	16	/* of root and the daemon's account */
#define CONTROL_IDLE_TIMEOUT	10	/* seconds to send the command */
#define CONTROL_ACCEPT_RETRY	1	/* seconds accepting rests on EMFILE */

struct queue;
struct event;

struct control_conn {
	TAILQ_ENTRY(control_conn)	 entry;
	struct control			*ctl;
	struct ipc			*ipc;
	struct event			*idle;		/* until a command */
	uint32_t			 id;
	uid_t				 uid;		/* the peer's */
	int				 admin;		/* root, or our account */
	int				 busy;		/* its command came */
	int				 wait_stats;	/* replies still due */
	int				 wait_table;	/* update table sent */
	struct msg_stats_smtpd		 smtpd;
	struct msg_stats_relay	 deliver;
};

struct control {
	struct queue			*q;
	const struct ipc_handler	*handlers;	/* control.c's */
	struct event			*ev;		/* accept */
	struct event			*ev_retry;	/* accept after EMFILE */
	struct event			*ev_refused;	/* refusal summary */
	int				 paused;	/* out of descriptors */
	unsigned			 refused;	/* since the last line */
	uint32_t			 next_id;
	TAILQ_HEAD(, control_conn)	 conns;
};

/* control_accept.c */
void	control_accept_start(struct control *, int listen_fd);
void	control_accept_busy(struct control_conn *);

#endif
