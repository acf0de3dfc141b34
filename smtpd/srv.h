/*
 * srv.h - the SMTP listener process: listeners, sessions, counters.
 */
#ifndef POSTHORN_SRV_H
#define POSTHORN_SRV_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>

#include "defs.h"
#include "ipc_msgs.h"

struct cfg_listener;
struct event;
struct proc_env;
struct srv_session;

struct srv_listener {
	TAILQ_ENTRY(srv_listener)	 entry;
	int				 fd;
	struct event			*ev;
	uint32_t			 flags;		/* IPC_LSN_* */
	const struct cfg_listener	*cfg;		/* NULL: local socket */
	char				 name[HOST_MAX];
};

struct srv {
	struct proc_env			*env;
	struct ipc			*parent;
	struct ipc			*queue;
	struct ipc			*lookup;
	TAILQ_HEAD(, srv_listener)	 listeners;
	TAILQ_HEAD(, srv_session)	 sessions;
	struct msg_stats_smtpd		 stats;
	int				 paused;
	int				 stopping;
	char				 hostname[HOST_MAX];
};

/* srv_session.c */
void	srv_session_start(struct srv *, int fd, struct srv_listener *,
	    const struct sockaddr *, socklen_t);
void	srv_session_shutdown_all(struct srv *);
void	srv_session_closed(struct srv *);

#endif
