/*
 * control.c - the control socket (smtpctl's side of the daemon), served
 * by the queue process.  Each connection is a SOCK_SEQPACKET channel
 * speaking the IPC catalogue as role "control"; every command gets zero
 * or more MSG_CTL_LINE and one MSG_CTL_END, then the connection closes.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "queue.h"
#include "xmalloc.h"

struct control_conn {
	TAILQ_ENTRY(control_conn)	 entry;
	struct control			*ctl;
	struct ipc			*ipc;
	uint32_t			 id;
	uid_t				 uid;
	int				 wait_stats;	/* replies still due */
	struct msg_stats_smtpd		 smtpd;
	struct msg_stats_deliver	 deliver;
};

struct control {
	struct queue			*q;
	struct event			*ev;
	uint32_t			 next_id;
	TAILQ_HEAD(, control_conn)	 conns;
};

/* control_line - one line of output to the client */
static void
control_line(struct control_conn *cc, const char *fmt, ...)
{
	struct msg_ctl_line	m;
	va_list			ap;

	memset(&m, 0, sizeof(m));
	va_start(ap, fmt);
	vsnprintf(m.line, sizeof(m.line), fmt, ap);
	va_end(ap);
	ipc_send(cc->ipc, MSG_CTL_LINE, 0, -1, &m, sizeof(m));
}

/* control_end - the command's status; the connection then closes */
static void
control_end(struct control_conn *cc, int status, const char *error)
{
	struct msg_ctl_end	m;

	memset(&m, 0, sizeof(m));
	m.status = status;
	strlcpy(m.error, error ? error : "", sizeof(m.error));
	ipc_send(cc->ipc, MSG_CTL_END, 0, -1, &m, sizeof(m));
	ipc_shutdown(cc->ipc);
}

/* control_find - a live connection by id; NULL once it has gone */
static struct control_conn *
control_find(struct control *ctl, uint32_t id)
{
	struct control_conn	*cc;

	TAILQ_FOREACH(cc, &ctl->conns, entry)
		if (cc->id == id)
			return cc;
	return NULL;
}

/* control_privileged - root and the daemon's own account may steer it */
static int
control_privileged(const struct control_conn *cc)
{
	return cc->uid == 0 || cc->uid == geteuid();
}

/* control_stats_print - all counters as name=value lines */
static void
control_stats_print(struct control_conn *cc)
{
	const struct queue	*q = cc->ctl->q;
	const struct queue_stats *s = &q->stats;

	control_line(cc, "uptime=%lld",
	    (long long)(time(NULL) - q->env->started));
	control_line(cc, "smtp.sessions=%llu",
	    (unsigned long long)cc->smtpd.sessions_total);
	control_line(cc, "smtp.sessions.current=%llu",
	    (unsigned long long)cc->smtpd.sessions_current);
	control_line(cc, "smtp.sessions.refused=%llu",
	    (unsigned long long)cc->smtpd.sessions_refused);
	control_line(cc, "smtp.messages=%llu",
	    (unsigned long long)cc->smtpd.messages_received);
	control_line(cc, "smtp.recipients=%llu",
	    (unsigned long long)cc->smtpd.recipients_received);
	control_line(cc, "smtp.errors=%llu",
	    (unsigned long long)cc->smtpd.errors);
	control_line(cc, "queue.received=%llu", (unsigned long long)s->received);
	control_line(cc, "queue.delivered=%llu",
	    (unsigned long long)s->delivered);
	control_line(cc, "queue.deferred=%llu", (unsigned long long)s->deferred);
	control_line(cc, "queue.bounced=%llu", (unsigned long long)s->bounced);
	control_line(cc, "queue.expired=%llu", (unsigned long long)s->expired);
	control_line(cc, "queue.quarantined=%llu",
	    (unsigned long long)s->quarantined);
	control_line(cc, "queue.size=%llu", (unsigned long long)s->size);
	control_line(cc, "deliver.jobs=%llu",
	    (unsigned long long)cc->deliver.jobs_total);
	control_line(cc, "deliver.jobs.current=%llu",
	    (unsigned long long)cc->deliver.jobs_current);
	control_end(cc, 0, NULL);
}

/* control_stats_done - one more reply arrived; print when all have */
static void
control_stats_done(struct control_conn *cc)
{
	if (--cc->wait_stats == 0)
		control_stats_print(cc);
}

void
control_on_stats_smtpd(struct queue *q, uint32_t id,
    const struct msg_stats_smtpd *m)
{
	struct control_conn	*cc;

	if ((cc = control_find(q->control, id)) == NULL || !cc->wait_stats)
		return;
	cc->smtpd = *m;
	control_stats_done(cc);
}

void
control_on_stats_deliver(struct queue *q, uint32_t id,
    const struct msg_stats_deliver *m)
{
	struct control_conn	*cc;

	if ((cc = control_find(q->control, id)) == NULL || !cc->wait_stats)
		return;
	cc->deliver = *m;
	control_stats_done(cc);
}

/* control_cmd_stats - ask the listener and the worker for their counters */
static void
control_cmd_stats(struct control_conn *cc)
{
	struct msg_empty	e;
	struct queue		*q = cc->ctl->q;

	memset(&e, 0, sizeof(e));
	cc->wait_stats = 2;
	ipc_send(q->smtpd, MSG_STATS_REQ, cc->id, -1, &e, sizeof(e));
	ipc_send(q->deliver, MSG_STATS_REQ, cc->id, -1, &e, sizeof(e));
}

/* control_cmd_stop - ask the parent to shut the daemon down */
static void
control_cmd_stop(struct control_conn *cc)
{
	struct msg_empty	e;

	memset(&e, 0, sizeof(e));
	ipc_send(cc->ctl->q->parent, MSG_SHUTDOWN, 0, -1, &e, sizeof(e));
	control_end(cc, 0, NULL);
}

/* control_cmd_pause - pause or resume smtp, mta or mda */
static void
control_cmd_pause(struct control_conn *cc, const char *what, int pause)
{
	struct queue		*q = cc->ctl->q;
	struct msg_empty	 e;

	memset(&e, 0, sizeof(e));
	if (strcmp(what, "smtp") == 0) {
		q->paused_smtp = pause;
		ipc_send(q->smtpd, pause ? MSG_PAUSE_SMTP : MSG_RESUME_SMTP,
		    0, -1, &e, sizeof(e));
	} else if (strcmp(what, "mta") == 0)
		q->paused_mta = pause;
	else if (strcmp(what, "mda") == 0)
		q->paused_mda = pause;
	else {
		control_end(cc, 1, "expected smtp, mta or mda");
		return;
	}
	log_info("event=%s what=%s", pause ? "pause" : "resume", what);
	control_end(cc, 0, NULL);
}

/* control_cmd_log - switch every process's debug traces */
static void
control_cmd_log(struct control_conn *cc, const char *how)
{
	struct queue		*q = cc->ctl->q;
	struct msg_empty	 e;
	enum ipc_type		 t;

	if (strcmp(how, "verbose") == 0)
		t = MSG_LOG_VERBOSE;
	else if (strcmp(how, "brief") == 0)
		t = MSG_LOG_BRIEF;
	else {
		control_end(cc, 1, "expected verbose or brief");
		return;
	}
	memset(&e, 0, sizeof(e));
	log_setverbose(t == MSG_LOG_VERBOSE);
	ipc_send(q->smtpd, t, 0, -1, &e, sizeof(e));
	ipc_send(q->deliver, t, 0, -1, &e, sizeof(e));
	ipc_send(q->lookup, t, 0, -1, &e, sizeof(e));
	control_end(cc, 0, NULL);
}

/* control_on_cmd - every control command enters here */
static void
control_on_cmd(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg, enum ipc_type type)
{
	struct control_conn		*cc = arg;
	const struct msg_ctl_arg	*a = msg;

	(void)c;
	(void)id;
	(void)fd;
	if (!control_privileged(cc)) {
		control_end(cc, 1, "permission denied");
		return;
	}
	switch (type) {
	case MSG_CTL_STOP:
		control_cmd_stop(cc);
		break;
	case MSG_CTL_SHOW_STATS:
		control_cmd_stats(cc);
		break;
	case MSG_CTL_PAUSE:
	case MSG_CTL_RESUME:
		control_cmd_pause(cc, a->arg, type == MSG_CTL_PAUSE);
		break;
	case MSG_CTL_LOG:
		control_cmd_log(cc, a->arg);
		break;
	default:
		control_end(cc, 1, "unsupported command");
	}
}

#define CONTROL_HANDLER(type, fn)					\
static void								\
fn(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)	\
{									\
	control_on_cmd(c, id, fd, msg, arg, type);			\
}
CONTROL_HANDLER(MSG_CTL_STOP, control_on_stop)
CONTROL_HANDLER(MSG_CTL_SHOW_STATS, control_on_show_stats)
CONTROL_HANDLER(MSG_CTL_PAUSE, control_on_pause)
CONTROL_HANDLER(MSG_CTL_RESUME, control_on_resume)
CONTROL_HANDLER(MSG_CTL_LOG, control_on_log)

static const struct ipc_handler control_handlers[] = {
	{ MSG_CTL_STOP,		control_on_stop },
	{ MSG_CTL_SHOW_STATS,	control_on_show_stats },
	{ MSG_CTL_PAUSE,	control_on_pause },
	{ MSG_CTL_RESUME,	control_on_resume },
	{ MSG_CTL_LOG,		control_on_log },
	{ MSG_NONE,		NULL }
};

/* control_on_close - the client went away or the command is done */
static void
control_on_close(struct ipc *c, void *arg)
{
	struct control_conn	*cc = arg;

	TAILQ_REMOVE(&cc->ctl->conns, cc, entry);
	ipc_free(c);
	free(cc);
}

/* control_on_accept - a new smtpctl connection */
static void
control_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct control		*ctl = arg;
	struct control_conn	*cc;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	int			 fd;

	(void)what;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	cc = xcalloc(1, sizeof(*cc));
	cc->ctl = ctl;
	cc->uid = cred.uid;
	cc->id = ++ctl->next_id;
	cc->ipc = ipc_new(fd, PROC_QUEUE, PROC_CONTROL, IPC_TRUST_CLIENT,
	    control_handlers, cc);
	ipc_set_close_cb(cc->ipc, control_on_close);
	TAILQ_INSERT_TAIL(&ctl->conns, cc, entry);
}

/* control_new - serve the control socket the parent bound */
struct control *
control_new(struct queue *q, int listen_fd)
{
	struct control	*ctl;

	ctl = xcalloc(1, sizeof(*ctl));
	ctl->q = q;
	TAILQ_INIT(&ctl->conns);
	evutil_make_socket_nonblocking(listen_fd);
	ctl->ev = event_new(ev_base(), listen_fd, EV_READ | EV_PERSIST,
	    control_on_accept, ctl);
	event_add(ctl->ev, NULL);
	return ctl;
}
