/*
 * control_harness.h - what the control socket's tests share: a queue
 * with its store, scripted listener, relay, lookup and parent on real
 * channels, the control socket served on a listening socket in the
 * abstract namespace, and clients connecting to it as any uid (root's
 * seteuid(2) around connect(2) gives the peer credentials), each with
 * what it received.
 */
#ifndef POSTHORN_CONTROL_HARNESS_H
#define POSTHORN_CONTROL_HARNESS_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "cfg.h"
#include "envelope.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "../../../queue/queue/control_priv.h"
#include "../../../queue/queue/qstore.h"
#include "../../../queue/queue/queue.h"
#include "../../../queue/queue/sched.h"
#include "../../common/ev_harness.h"
#include "../../common/file_harness.h"

#define CONTROL_HARNESS_CONNS	48
#define CONTROL_HARNESS_LINES	32
#define CONTROL_HARNESS_USER	60001	/* seteuid needs no account */

/* one client connection and what it received */
struct control_harness_client {
	struct ipc		*ipc;
	int			 ready;		/* the queue's hello came */
	int			 closed;
	int			 ended;
	struct msg_ctl_end	 end;
	int			 nlines;
	char			 lines[CONTROL_HARNESS_LINES][1024];
	int			 msgfd;
};

/* what the scripted processes received, and how they answer */
struct control_harness_peers {
	int		 shutdown, pause_smtp, resume_smtp, stats_req;
	int		 verbose[3], brief[3];	/* smtpd, relay, lookup */
	int		 mda_runs, table_updates;
	char		 table[NAME_MAX_CFG];
	uint32_t	 stats_id[2];
	int		 hold_stats;		/* leave the counters unsent */
	int32_t		 table_status;		/* the lookup's answer */
	const char	*table_error;
};

struct control_harness {
	struct control_harness_client	 cl[CONTROL_HARNESS_CONNS];
	int				 ncl;
	struct control_harness_peers	 p;
	struct queue			 q;
	struct proc_env			 env;
	struct ipc			*smtpd, *relay;
	struct sockaddr_un		 sun;
	socklen_t			 sunlen;
};

static struct control_harness	control_harness;
static int			control_harness_who[3] = { 0, 1, 2 };

/* control_harness_count - a message the scripted peers only count */
static inline void
control_harness_count(int fd, int *n)
{
	if (fd != -1)
		close(fd);
	(*n)++;
}

/* control_harness_on_shutdown - MSG_SHUTDOWN at the parent */
static inline void
control_harness_on_shutdown(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	(void)c;
	(void)id;
	(void)msg;
	(void)arg;
	control_harness_count(fd, &control_harness.p.shutdown);
}

/* control_harness_on_mda_run - MSG_MDA_RUN at the parent */
static inline void
control_harness_on_mda_run(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	(void)c;
	(void)id;
	(void)msg;
	(void)arg;
	control_harness_count(fd, &control_harness.p.mda_runs);
}

/* control_harness_on_pause - MSG_PAUSE_SMTP at the listener */
static inline void
control_harness_on_pause(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	(void)c;
	(void)id;
	(void)msg;
	(void)arg;
	control_harness_count(fd, &control_harness.p.pause_smtp);
}

/* control_harness_on_resume - MSG_RESUME_SMTP at the listener */
static inline void
control_harness_on_resume(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	(void)c;
	(void)id;
	(void)msg;
	(void)arg;
	control_harness_count(fd, &control_harness.p.resume_smtp);
}

/* control_harness_on_verbose - MSG_LOG_VERBOSE at one peer (arg: index) */
static inline void
control_harness_on_verbose(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	(void)c;
	(void)id;
	(void)msg;
	control_harness_count(fd,
	    &control_harness.p.verbose[*(const int *)arg]);
}

/* control_harness_on_brief - MSG_LOG_BRIEF at one peer (arg: index) */
static inline void
control_harness_on_brief(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	(void)c;
	(void)id;
	(void)msg;
	control_harness_count(fd, &control_harness.p.brief[*(const int *)arg]);
}

/* control_harness_stats_send - counters of the listener (0), relay (1) */
static inline void
control_harness_stats_send(int who, uint32_t id)
{
	struct msg_stats_smtpd	s;
	struct msg_stats_relay	r;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	s.sessions_total = 7;
	s.errors = 2;
	r.jobs_total = 3;
	if (who == 0)
		ipc_send(control_harness.smtpd, MSG_STATS_SMTPD, id, -1, &s,
		    sizeof(s));
	else
		ipc_send(control_harness.relay, MSG_STATS_RELAY, id, -1, &r,
		    sizeof(r));
}

/* control_harness_on_stats_req - MSG_STATS_REQ at the listener, relay */
static inline void
control_harness_on_stats_req(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	int	who = *(const int *)arg;

	(void)c;
	(void)fd;
	(void)msg;
	control_harness.p.stats_req++;
	control_harness.p.stats_id[who] = id;
	if (!control_harness.p.hold_stats)
		control_harness_stats_send(who, id);
}

/* control_harness_on_table_update - MSG_TABLE_UPDATE at the lookup */
static inline void
control_harness_on_table_update(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	const struct msg_table_update	*m = msg;
	struct control_harness_peers	*p = &control_harness.p;
	struct msg_table_updated	 r;

	(void)fd;
	(void)arg;
	p->table_updates++;
	strlcpy(p->table, m->name, sizeof(p->table));
	memset(&r, 0, sizeof(r));
	r.reqid = m->reqid;
	r.status = p->table_status;
	strlcpy(r.error, p->table_error ? p->table_error : "",
	    sizeof(r.error));
	ipc_send(c, MSG_TABLE_UPDATED, id, -1, &r, sizeof(r));
}

/* control_harness_q_on_stats_smtpd - the queue's MSG_STATS_SMTPD */
static inline void
control_harness_q_on_stats_smtpd(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	(void)c;
	(void)fd;
	control_on_stats_smtpd(arg, id, msg);
}

/* control_harness_q_on_stats_relay - the queue's MSG_STATS_RELAY */
static inline void
control_harness_q_on_stats_relay(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	(void)c;
	(void)fd;
	control_on_stats_deliver(arg, id, msg);
}

static const struct ipc_handler control_harness_parent[] = {
	{ MSG_SHUTDOWN,		control_harness_on_shutdown },
	{ MSG_MDA_RUN,		control_harness_on_mda_run },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler control_harness_smtpd[] = {
	{ MSG_STATS_REQ,	control_harness_on_stats_req },
	{ MSG_PAUSE_SMTP,	control_harness_on_pause },
	{ MSG_RESUME_SMTP,	control_harness_on_resume },
	{ MSG_LOG_VERBOSE,	control_harness_on_verbose },
	{ MSG_LOG_BRIEF,	control_harness_on_brief },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler control_harness_relay[] = {
	{ MSG_STATS_REQ,	control_harness_on_stats_req },
	{ MSG_LOG_VERBOSE,	control_harness_on_verbose },
	{ MSG_LOG_BRIEF,	control_harness_on_brief },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler control_harness_lookup[] = {
	{ MSG_TABLE_UPDATE,	control_harness_on_table_update },
	{ MSG_LOG_VERBOSE,	control_harness_on_verbose },
	{ MSG_LOG_BRIEF,	control_harness_on_brief },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler control_harness_q_smtpd[] = {
	{ MSG_STATS_SMTPD,	control_harness_q_on_stats_smtpd },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler control_harness_q_relay[] = {
	{ MSG_STATS_RELAY,	control_harness_q_on_stats_relay },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler control_harness_q_lookup[] = {
	{ MSG_TABLE_UPDATED,	control_on_table_updated },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler control_harness_q_parent[] = {
	{ MSG_NONE,		NULL }
};

/* control_harness_wait - turn the event loop until *flag (limit s) */
static inline int
control_harness_wait(const int *flag, int limit)
{
	return ev_harness_until(flag, 1, limit);
}

/* control_harness_pair - a channel of the queue and a scripted peer */
static inline struct ipc *
control_harness_pair(enum proc_role peer, const struct ipc_handler *qh,
    const struct ipc_handler *ph, void *parg, struct ipc **qside)
{
	int	sv[2];

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	*qside = ipc_new(sv[0], PROC_QUEUE, peer, IPC_TRUST_PEER, qh,
	    &control_harness.q);
	return ipc_new(sv[1], peer, PROC_QUEUE, IPC_TRUST_PEER, ph, parg);
}

/* control_harness_listen - the control socket, in the abstract namespace */
static inline int
control_harness_listen(void)
{
	struct control_harness	*h = &control_harness;
	int			 fd;

	memset(&h->sun, 0, sizeof(h->sun));
	h->sun.sun_family = AF_UNIX;
	snprintf(h->sun.sun_path + 1, sizeof(h->sun.sun_path) - 1,
	    "posthorn-control-harness-%ld", (long)getpid());
	h->sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(h->sun.sun_path + 1));
	ATF_REQUIRE((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) != -1);
	ATF_REQUIRE(bind(fd, (struct sockaddr *)&h->sun, h->sunlen) == 0);
	ATF_REQUIRE(listen(fd, 64) == 0);
	return fd;
}

/* control_harness_store - the configuration and the spool in ./ */
static inline void
control_harness_store(struct control_harness *h)
{
	static const char conf[] =
	    "table al { \"x\" = \"y\" }\n"
	    "action \"local\" mbox alias <al>\naction \"out\" relay\n"
	    "match from local for local action \"local\"\n"
	    "match from local for any action \"out\"\n";
	char	err[1024];
	int	dfd;

	file_harness_text("smtpd.conf", conf);
	h->env.cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(h->env.cfg != NULL, "%s", err);
	h->env.started = time(NULL) - 5;
	h->q.env = &h->env;
	ATF_REQUIRE(mkdir("spool", 0700) == 0);
	ATF_REQUIRE((dfd = open("spool", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE((h->q.qs = qstore_open(dfd, err, sizeof(err))) != NULL);
}

/* control_harness_start - the queue, its peers and its control socket */
static inline struct control_harness *
control_harness_start(void)
{
	struct control_harness	*h = &control_harness;
	int			*who = control_harness_who;

	if (geteuid() != 0)
		atf_tc_fail("connects as other uids: needs root (make check "
		    "runs as root)");
	log_init("t_control", 1, 0);
	ev_init();
	memset(h, 0, sizeof(*h));
	control_harness_store(h);
	h->q.tx = queue_tx_new(&h->q);
	h->q.dsp = qdispatch_new(&h->q);
	(void)control_harness_pair(PROC_PARENT, control_harness_q_parent,
	    control_harness_parent, NULL, &h->q.parent);
	h->smtpd = control_harness_pair(PROC_SMTPD, control_harness_q_smtpd,
	    control_harness_smtpd, &who[0], &h->q.smtpd);
	h->relay = control_harness_pair(PROC_RELAY, control_harness_q_relay,
	    control_harness_relay, &who[1], &h->q.deliver);
	(void)control_harness_pair(PROC_LOOKUP, control_harness_q_lookup,
	    control_harness_lookup, &who[2], &h->q.lookup);
	h->q.control = control_new(&h->q, control_harness_listen());
	return h;
}

/* control_harness_on_line - MSG_CTL_LINE at a client */
static inline void
control_harness_on_line(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct control_harness_client	*cl = arg;

	(void)c;
	(void)id;
	(void)fd;
	ATF_REQUIRE(cl->nlines < CONTROL_HARNESS_LINES);
	strlcpy(cl->lines[cl->nlines++],
	    ((const struct msg_ctl_line *)msg)->line, sizeof(cl->lines[0]));
}

/* control_harness_on_end - MSG_CTL_END at a client */
static inline void
control_harness_on_end(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct control_harness_client	*cl = arg;

	(void)c;
	(void)id;
	(void)fd;
	cl->ended++;
	cl->end = *(const struct msg_ctl_end *)msg;
}

/* control_harness_on_message_fd - MSG_CTL_MESSAGE_FD at a client */
static inline void
control_harness_on_message_fd(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	(void)c;
	(void)id;
	(void)msg;
	((struct control_harness_client *)arg)->msgfd = fd;
}

/* control_harness_on_close - the queue closed a client's connection */
static inline void
control_harness_on_close(struct ipc *c, void *arg)
{
	struct control_harness_client	*cl = arg;

	cl->closed = 1;
	cl->ipc = NULL;
	ipc_free(c);
}

static const struct ipc_handler control_harness_client_handlers[] = {
	{ MSG_CTL_LINE,		control_harness_on_line },
	{ MSG_CTL_END,		control_harness_on_end },
	{ MSG_CTL_MESSAGE_FD,	control_harness_on_message_fd },
	{ MSG_NONE,		NULL }
};

/* control_harness_connect_fd - a connection to the control socket as uid */
static inline int
control_harness_connect_fd(uid_t uid)
{
	struct control_harness	*h = &control_harness;
	int			 fd, r;

	ATF_REQUIRE((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
	    0)) != -1);
	if (uid != 0)
		ATF_REQUIRE(seteuid(uid) == 0);
	r = connect(fd, (struct sockaddr *)&h->sun, h->sunlen);
	if (uid != 0)
		ATF_REQUIRE(seteuid(0) == 0);
	ATF_REQUIRE_MSG(r == 0, "connect: %s", strerror(errno));
	return fd;
}

/* control_harness_ready - the client got its hello or was closed */
static inline int
control_harness_ready(struct control_harness_client *cl)
{
	int	i;

	for (i = 0; i < 5000 && !cl->closed; i++) {
		if ((cl->ready = cl->ipc != NULL && ipc_ready(cl->ipc)))
			break;
		ev_harness_turns(1);
	}
	ev_harness_turns(0);
	return cl->ready && !cl->closed;
}

/* control_harness_connect - a client of uid, once accepted or refused */
static inline struct control_harness_client *
control_harness_connect(uid_t uid)
{
	struct control_harness		*h = &control_harness;
	struct control_harness_client	*cl;

	ATF_REQUIRE(h->ncl < CONTROL_HARNESS_CONNS);
	cl = &h->cl[h->ncl++];
	cl->msgfd = -1;
	cl->ipc = ipc_new(control_harness_connect_fd(uid), PROC_CONTROL,
	    PROC_QUEUE, IPC_TRUST_CLIENT, control_harness_client_handlers, cl);
	ipc_set_close_cb(cl->ipc, control_harness_on_close);
	(void)control_harness_ready(cl);
	return cl;
}

/* control_harness_send - a command on a client's connection */
static inline int
control_harness_send(struct control_harness_client *cl, enum ipc_type type,
    const char *arg)
{
	struct msg_ctl_arg	a;

	ATF_REQUIRE_MSG(!cl->closed, "connection refused");
	memset(&a, 0, sizeof(a));
	strlcpy(a.arg, arg, sizeof(a.arg));
	return ipc_send(cl->ipc, type, 0, -1, &a, sizeof(a));
}

/* control_harness_cmd - one command as uid; the client, once closed */
static inline struct control_harness_client *
control_harness_cmd(uid_t uid, enum ipc_type type, const char *arg)
{
	struct control_harness_client	*cl = control_harness_connect(uid);

	ATF_REQUIRE(control_harness_send(cl, type, arg) == 0);
	ATF_REQUIRE_MSG(control_harness_wait(&cl->closed, 5),
	    "no end of the command");
	ATF_REQUIRE_EQ(cl->ended, 1);
	return cl;
}

/*
 * control_harness_envelope_flags - a message, its one envelope due in
 * due s with these ENVELOPE_F_* flags
 */
static inline uint64_t
control_harness_envelope_flags(const char *rcpt, int64_t due, uint32_t flags)
{
	struct envelope	evp;
	char		err[256];
	uint32_t	msgid;
	int		fd;

	ATF_REQUIRE(qstore_msg_create(control_harness.q.qs, &msgid, &fd, err,
	    sizeof(err)) == 0);
	ATF_REQUIRE(write(fd, "Subject: t\n\nbody\n", 17) == 17);
	close(fd);
	memset(&evp, 0, sizeof(evp));
	strlcpy(evp.sender, "s@example.org", sizeof(evp.sender));
	strlcpy(evp.rcpt, rcpt, sizeof(evp.rcpt));
	strlcpy(evp.dest, "nobody", sizeof(evp.dest));
	strlcpy(evp.user, "nobody", sizeof(evp.user));
	strlcpy(evp.dispatcher, "local", sizeof(evp.dispatcher));
	strlcpy(evp.errmsg, "451 a|b", sizeof(evp.errmsg));
	evp.dest_type = ENVELOPE_DEST_ADDRESS;
	evp.ctime = time(NULL);
	evp.nexttry = evp.ctime + due;
	evp.ttl = 86400;
	evp.flags = flags;
	ATF_REQUIRE_MSG(queue_tx_inject(&control_harness.q, msgid, &evp, 1,
	    err, sizeof(err)) == 0, "%s", err);
	ATF_REQUIRE(evp.evpid != 0);
	return evp.evpid;
}

/* control_harness_envelope - a message, its one envelope due in due s */
static inline uint64_t
control_harness_envelope(const char *rcpt, int64_t due)
{
	return control_harness_envelope_flags(rcpt, due, 0);
}

#endif
