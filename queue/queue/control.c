/*
 * control.c - the control socket (smtpctl's side of the daemon), served
 * by the queue process.  Each connection is a SOCK_SEQPACKET channel
 * speaking the IPC catalogue as role "control"; its one command gets
 * zero or more MSG_CTL_LINE and one MSG_CTL_END, then the connection
 * closes.  Who may connect, and for how long: control_accept.c.
 *
 * Who may run what (control_cmds): `show queue` and `show stats` are
 * every local user's; everything else is root's (and the daemon's own
 * account's).  That includes `show envelope` and `show message`: they
 * show other users' mail, and the queue does not record which local
 * user submitted a message, so it cannot tell a user's own mail apart.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "envelope.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "qstore.h"
#include "qstore_crypt.h"
#include "queue.h"
#include "control_priv.h"
#include "sched.h"
#include "xmalloc.h"

#define CONTROL_EXPECT_IDS	"expected an envelope id, message id or all"

/* One command: who may run it and what runs it. */
struct control_cmd {
	enum ipc_type	 type;
	const char	*name;		/* as smtpctl spells it */
	int		 anyone;	/* every local user, not only root */
	void		(*run)(struct control_conn *, const char *arg);
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
	control_line(cc, "queue.received=%llu",
	    (unsigned long long)s->received);
	control_line(cc, "queue.delivered=%llu",
	    (unsigned long long)s->delivered);
	control_line(cc, "queue.deferred=%llu",
	    (unsigned long long)s->deferred);
	control_line(cc, "queue.bounced=%llu", (unsigned long long)s->bounced);
	control_line(cc, "queue.expired=%llu", (unsigned long long)s->expired);
	control_line(cc, "queue.quarantined=%llu",
	    (unsigned long long)s->quarantined);
	control_line(cc, "queue.size=%llu", (unsigned long long)s->size);
	control_line(cc, "relay.jobs=%llu",
	    (unsigned long long)cc->deliver.jobs_total);
	control_line(cc, "relay.jobs.current=%llu",
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

/* control_stats_conn - the connection still waiting for these counters */
static struct control_conn *
control_stats_conn(struct queue *q, uint32_t id)
{
	struct control_conn	*cc;

	if ((cc = control_find(q->control, id)) == NULL || !cc->wait_stats)
		return NULL;
	return cc;
}

/* control_on_stats_smtpd - the listener's counters for show stats */
void
control_on_stats_smtpd(struct queue *q, uint32_t id,
    const struct msg_stats_smtpd *m)
{
	struct control_conn	*cc;

	if ((cc = control_stats_conn(q, id)) != NULL) {
		cc->smtpd = *m;
		control_stats_done(cc);
	}
}

/* control_on_stats_deliver - the relay worker's counters for show stats */
void
control_on_stats_deliver(struct queue *q, uint32_t id,
    const struct msg_stats_relay *m)
{
	struct control_conn	*cc;

	if ((cc = control_stats_conn(q, id)) != NULL) {
		cc->deliver = *m;
		control_stats_done(cc);
	}
}

/* control_cmd_stats - ask the listener and the worker for their counters */
static void
control_cmd_stats(struct control_conn *cc, const char *arg)
{
	struct msg_empty	e;
	struct queue		*q = cc->ctl->q;

	(void)arg;
	memset(&e, 0, sizeof(e));
	cc->wait_stats = 2;
	ipc_send(q->smtpd, MSG_STATS_REQ, cc->id, -1, &e, sizeof(e));
	ipc_send(q->deliver, MSG_STATS_REQ, cc->id, -1, &e, sizeof(e));
}

/* control_cmd_stop - ask the parent to shut the daemon down */
static void
control_cmd_stop(struct control_conn *cc, const char *arg)
{
	struct msg_empty	e;

	(void)arg;
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
	} else if (strcmp(what, "mta") == 0) {
		q->paused_mta = pause;
		qdispatch_pause(q, 1, pause);
	} else if (strcmp(what, "mda") == 0) {
		q->paused_mda = pause;
		qdispatch_pause(q, 0, pause);
	} else {
		control_end(cc, 1, "expected smtp, mta or mda");
		return;
	}
	log_info("queue event=%s what=%s", pause ? "pause" : "resume", what);
	control_end(cc, 0, NULL);
}

/* control_cmd_pause_on - `pause smtp|mta|mda` */
static void
control_cmd_pause_on(struct control_conn *cc, const char *what)
{
	control_cmd_pause(cc, what, 1);
}

/* control_cmd_pause_off - `resume smtp|mta|mda` */
static void
control_cmd_pause_off(struct control_conn *cc, const char *what)
{
	control_cmd_pause(cc, what, 0);
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

/* control_ids - an "all", envelope id or message id argument */
struct control_ids {
	int		all;
	uint64_t	evpid;		/* 0 unless an envelope id */
	uint32_t	msgid;		/* 0 unless a message id */
};

/* control_ids_parse - read an ID|all argument; -1 if it is neither */
static int
control_ids_parse(const char *arg, int allow_all, struct control_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
	if (allow_all && strcmp(arg, "all") == 0) {
		ids->all = 1;
		return 0;
	}
	if (envelope_id_parse(arg, &ids->evpid) == 0)
		return 0;
	if (envelope_msgid_parse(arg, &ids->msgid) == 0)
		return 0;
	return -1;
}

/* envelope ids selected by a command */
struct control_list {
	uint64_t	*v;
	size_t		 n;
};

/* control_collect - sched_walk callback gathering envelope ids */
static int
control_collect(const struct sched_info *si, void *arg)
{
	struct control_list	*l = arg;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = si->evpid;
	return 0;
}

/* control_select - the envelope ids an ID|all argument names */
static void
control_select(struct queue *q, const struct control_ids *ids,
    struct control_list *l)
{
	struct sched_info	si;

	memset(l, 0, sizeof(*l));
	if (ids->evpid != 0) {
		if (sched_info(q->sched, ids->evpid, &si) == 1)
			(void)control_collect(&si, l);
		return;
	}
	(void)sched_walk(q->sched, ids->all ? 0 : ids->msgid, control_collect,
	    l);
}

/* control_field - a value safe for one '|'-separated field */
static const char *
control_field(char *dst, size_t dstsz, const char *s)
{
	size_t	i;

	log_vis(dst, dstsz, s);
	for (i = 0; dst[i] != '\0'; i++)
		if (dst[i] == '|')
			dst[i] = '/';
	return dst;
}

/* control_state - an envelope's state word: inflight, held or pending */
static const char *
control_state(const struct sched_info *si)
{
	return si->inflight ? "inflight" : si->onhold ? "held" : "pending";
}

/* control_queue_line - one envelope of `show queue` */
static int
control_queue_line(const struct sched_info *si, void *arg)
{
	struct control_conn	*cc = arg;
	struct envelope		 evp;
	char			 id[ENVELOPE_ID_STRLEN + 1], err[256];
	char			 s[ADDR_MAX], r[ADDR_MAX], d[ADDR_MAX], e[256];

	if (qstore_envelope_load(cc->ctl->q->qs, si->evpid, &evp, err,
	    sizeof(err)) != 1)
		return 0;
	envelope_id_format(si->evpid, id);
	control_line(cc, "%s|%s|%s|%s|%s|%s|%s|%lld|%lld|%lld|%u|%s", id,
	    si->kind == SCHED_KIND_RELAY ? "mta" : "mda",
	    control_state(si), evp.dispatcher,
	    control_field(s, sizeof(s), evp.sender),
	    control_field(r, sizeof(r), evp.rcpt),
	    control_field(d, sizeof(d), evp.dest), (long long)evp.ctime,
	    (long long)si->nexttry, (long long)si->expire, si->retry,
	    control_field(e, sizeof(e), evp.errmsg));
	return 0;
}

/* control_quarantine_line - one quarantined item of `show queue` */
static int
control_quarantine_line(const char *item, void *arg)
{
	char	v[256];

	control_line(arg, "quarantined|%s", control_field(v, sizeof(v), item));
	return 0;
}

/* control_cmd_show_queue - every envelope, then the quarantine */
static void
control_cmd_show_queue(struct control_conn *cc, const char *arg)
{
	struct queue	*q = cc->ctl->q;

	(void)arg;
	(void)sched_walk(q->sched, 0, control_queue_line, cc);
	(void)qstore_quarantine_list(q->qs, control_quarantine_line, cc);
	control_end(cc, 0, NULL);
}

/* control_cmd_show_envelope - one envelope's details */
static void
control_cmd_show_envelope(struct control_conn *cc, const char *arg)
{
	struct queue		*q = cc->ctl->q;
	struct sched_info	 si;
	struct envelope		 evp;
	uint64_t		 evpid;
	char			 err[256], v[ADDR_MAX * 4];

	if (envelope_id_parse(arg, &evpid) == -1) {
		control_end(cc, 1, "expected an envelope id");
		return;
	}
	if (sched_info(q->sched, evpid, &si) != 1 ||
	    qstore_envelope_load(q->qs, evpid, &evp, err, sizeof(err)) != 1) {
		control_end(cc, 1, "no such envelope");
		return;
	}
	control_line(cc, "id: %s", arg);
	control_line(cc, "sender: <%s>", log_vis(v, sizeof(v), evp.sender));
	control_line(cc, "recipient: <%s>", log_vis(v, sizeof(v), evp.rcpt));
	control_line(cc, "destination: %s", log_vis(v, sizeof(v), evp.dest));
	control_line(cc, "action: %s", evp.dispatcher);
	control_line(cc, "user: %s", evp.user);
	control_line(cc, "state: %s", control_state(&si));
	control_line(cc, "created: %lld", (long long)evp.ctime);
	control_line(cc, "retries: %u", si.retry);
	control_line(cc, "next try: %lld", (long long)si.nexttry);
	control_line(cc, "expires: %lld", (long long)si.expire);
	control_line(cc, "last error: %s", log_vis(v, sizeof(v), evp.errmsg));
	control_end(cc, 0, NULL);
}

/* control_cmd_show_message - the message as a descriptor */
static void
control_cmd_show_message(struct control_conn *cc, const char *arg)
{
	struct queue		*q = cc->ctl->q;
	struct control_ids	 ids;
	struct control_list	 l;
	struct msg_empty	 e;
	char			 err[256];
	int			 fd;

	if (control_ids_parse(arg, 0, &ids) == -1) {
		control_end(cc, 1, "expected an envelope or message id");
		return;
	}
	control_select(q, &ids, &l);
	free(l.v);
	if (l.n == 0) {
		control_end(cc, 1, "no such message");
		return;
	}
	if (ids.evpid != 0)
		ids.msgid = envelope_msgid(ids.evpid);
	if ((fd = qstore_crypt_msg_fd(q->qs, q->crypt, ids.msgid, err,
	    sizeof(err))) == -1) {
		control_end(cc, 1, err);
		return;
	}
	memset(&e, 0, sizeof(e));
	ipc_send(cc->ipc, MSG_CTL_MESSAGE_FD, 0, fd, &e, sizeof(e));
	close(fd);
	control_end(cc, 0, NULL);
}

/*
 * control_schedule_one - try one envelope now; one on hold is released
 * first when named (by its id or its message's), kept by `all`
 */
static int
control_schedule_one(struct queue *q, uint64_t evpid, int all)
{
	struct sched_info	si;
	char			err[256], vis[1024];

	if (sched_info(q->sched, evpid, &si) != 1 || (si.onhold && all))
		return -1;
	if (!si.onhold)
		return sched_schedule(q->sched, evpid, time(NULL));
	if (qdispatch_release(q, evpid, err, sizeof(err)) == 0)
		return 0;
	log_warnx("%016llx queue event=release-failed error=\"%s\"",
	    (unsigned long long)evpid, log_vis(vis, sizeof(vis), err));
	return -1;
}

/* control_cmd_schedule - try the named envelopes now */
static void
control_cmd_schedule(struct control_conn *cc, const char *arg)
{
	struct queue		*q = cc->ctl->q;
	struct control_ids	 ids;
	struct control_list	 l;
	size_t			 i, n = 0;

	if (control_ids_parse(arg, 1, &ids) == -1) {
		control_end(cc, 1, CONTROL_EXPECT_IDS);
		return;
	}
	control_select(q, &ids, &l);
	for (i = 0; i < l.n; i++)
		if (control_schedule_one(q, l.v[i], ids.all) == 0)
			n++;
	free(l.v);
	if (l.n == 0 && !ids.all) {
		control_end(cc, 1, "no such envelope or message");
		return;
	}
	qdispatch_kick(q);
	log_info("queue event=schedule what=%s envelopes=%zu", arg, n);
	control_line(cc, "%zu envelope%s scheduled", n, n == 1 ? "" : "s");
	control_end(cc, 0, NULL);
}

/* control_cmd_remove - take the named envelopes out of the queue */
static void
control_cmd_remove(struct control_conn *cc, const char *arg)
{
	struct queue		*q = cc->ctl->q;
	struct control_ids	 ids;
	struct control_list	 l;
	char			 err[256], vis[1024];
	size_t			 i, n = 0;

	if (control_ids_parse(arg, 1, &ids) == -1) {
		control_end(cc, 1, CONTROL_EXPECT_IDS);
		return;
	}
	control_select(q, &ids, &l);
	for (i = 0; i < l.n; i++) {
		if (qdispatch_remove(q, l.v[i], err, sizeof(err)) == 0)
			n++;
		else
			log_warnx("%016llx queue event=remove-failed "
			    "error=\"%s\"", (unsigned long long)l.v[i],
			    log_vis(vis, sizeof(vis), err));
	}
	free(l.v);
	if (l.n == 0 && !ids.all) {
		control_end(cc, 1, "no such envelope or message");
		return;
	}
	control_line(cc, "%zu envelope%s removed", n, n == 1 ? "" : "s");
	control_end(cc, n == l.n ? 0 : 1, n == l.n ? NULL :
	    "some envelopes could not be removed");
}

/* control_cmd_update_table - ask the lookup process to reload a table
 * (an empty name: every table) */
static void
control_cmd_update_table(struct control_conn *cc, const char *name)
{
	struct msg_table_update	m;

	if (name[0] != '\0' && cfg_table_find(cc->ctl->q->env->cfg,
	    name) == NULL) {
		control_end(cc, 1, "no such table");
		return;
	}
	memset(&m, 0, sizeof(m));
	m.reqid = cc->id;
	strlcpy(m.name, name, sizeof(m.name));
	cc->wait_table = 1;
	ipc_send(cc->ctl->q->lookup, MSG_TABLE_UPDATE, 0, -1, &m, sizeof(m));
}

/* control_on_table_updated - the lookup's answer to update table */
void
control_on_table_updated(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	const struct msg_table_updated	*m = msg;
	struct queue			*q = arg;
	struct control_conn		*cc;

	(void)c;
	(void)id;
	(void)fd;
	if (m->reqid > UINT32_MAX || q->control == NULL ||
	    (cc = control_find(q->control, (uint32_t)m->reqid)) == NULL ||
	    !cc->wait_table)
		return;
	cc->wait_table = 0;
	control_end(cc, m->status == 0 ? 0 : 1, m->status == 0 ? NULL :
	    (m->error[0] ? m->error : "table update failed"));
}

static const struct control_cmd control_cmds[] = {
	{ MSG_CTL_SHOW_QUEUE,	"show queue",	1, control_cmd_show_queue },
	{ MSG_CTL_SHOW_STATS,	"show stats",	1, control_cmd_stats },
	{ MSG_CTL_SHOW_ENVELOPE, "show envelope", 0, control_cmd_show_envelope },
	{ MSG_CTL_SHOW_MESSAGE,	"show message",	0, control_cmd_show_message },
	{ MSG_CTL_SCHEDULE,	"schedule",	0, control_cmd_schedule },
	{ MSG_CTL_REMOVE,	"remove",	0, control_cmd_remove },
	{ MSG_CTL_PAUSE,	"pause",	0, control_cmd_pause_on },
	{ MSG_CTL_RESUME,	"resume",	0, control_cmd_pause_off },
	{ MSG_CTL_LOG,		"log",		0, control_cmd_log },
	{ MSG_CTL_UPDATE_TABLE,	"update table",	0, control_cmd_update_table },
	{ MSG_CTL_STOP,		"stop",		0, control_cmd_stop },
};

/* control_cmd_find - the row of a command type; NULL if none */
static const struct control_cmd *
control_cmd_find(enum ipc_type type)
{
	size_t	i;

	for (i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++)
		if (control_cmds[i].type == type)
			return &control_cmds[i];
	return NULL;
}

/*
 * control_on_cmd - every control command enters here: one per
 * connection, and only what the peer's uid may run
 */
static void
control_on_cmd(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg, enum ipc_type type)
{
	struct control_conn		*cc = arg;
	const struct msg_ctl_arg	*a = msg;
	const struct control_cmd	*cmd;
	char				 err[128];

	(void)c;
	(void)id;
	(void)fd;
	if (cc->busy) {
		control_end(cc, 1, "one command per connection");
		return;
	}
	control_accept_busy(cc);
	if ((cmd = control_cmd_find(type)) == NULL) {
		control_end(cc, 1, "unsupported command");
		return;
	}
	if (!cmd->anyone && !cc->admin) {
		log_warnx("control event=refused uid=%lu command=\"%s\" "
		    "reason=root-only", (unsigned long)cc->uid, cmd->name);
		snprintf(err, sizeof(err), "permission denied: only root may "
		    "use \"%s\"", cmd->name);
		control_end(cc, 1, err);
		return;
	}
	cmd->run(cc, a->arg);
}

/* control_on_stop - MSG_CTL_STOP, `smtpctl stop` */
static void
control_on_stop(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_STOP);
}

/* control_on_show_stats - MSG_CTL_SHOW_STATS, `smtpctl show stats` */
static void
control_on_show_stats(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_SHOW_STATS);
}

/* control_on_pause - MSG_CTL_PAUSE, `smtpctl pause smtp|mta|mda` */
static void
control_on_pause(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_PAUSE);
}

/* control_on_resume - MSG_CTL_RESUME, `smtpctl resume smtp|mta|mda` */
static void
control_on_resume(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_RESUME);
}

/* control_on_log - MSG_CTL_LOG, `smtpctl log verbose|brief` */
static void
control_on_log(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_LOG);
}

/* control_on_show_queue - MSG_CTL_SHOW_QUEUE, `smtpctl show queue` */
static void
control_on_show_queue(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_SHOW_QUEUE);
}

/* control_on_show_envelope - MSG_CTL_SHOW_ENVELOPE, `show envelope ID` */
static void
control_on_show_envelope(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_SHOW_ENVELOPE);
}

/* control_on_show_message - MSG_CTL_SHOW_MESSAGE, `show message ID` */
static void
control_on_show_message(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_SHOW_MESSAGE);
}

/* control_on_schedule - MSG_CTL_SCHEDULE, `smtpctl schedule ID|all` */
static void
control_on_schedule(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_SCHEDULE);
}

/* control_on_remove - MSG_CTL_REMOVE, `smtpctl remove ID|all` */
static void
control_on_remove(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_REMOVE);
}

/* control_on_update_table - MSG_CTL_UPDATE_TABLE, `update table [NAME]` */
static void
control_on_update_table(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	control_on_cmd(c, id, fd, msg, arg, MSG_CTL_UPDATE_TABLE);
}

static const struct ipc_handler control_handlers[] = {
	{ MSG_CTL_STOP,		control_on_stop },
	{ MSG_CTL_SHOW_STATS,	control_on_show_stats },
	{ MSG_CTL_PAUSE,	control_on_pause },
	{ MSG_CTL_RESUME,	control_on_resume },
	{ MSG_CTL_LOG,		control_on_log },
	{ MSG_CTL_SHOW_QUEUE,	control_on_show_queue },
	{ MSG_CTL_SHOW_ENVELOPE, control_on_show_envelope },
	{ MSG_CTL_SHOW_MESSAGE,	control_on_show_message },
	{ MSG_CTL_SCHEDULE,	control_on_schedule },
	{ MSG_CTL_REMOVE,	control_on_remove },
	{ MSG_CTL_UPDATE_TABLE,	control_on_update_table },
	{ MSG_NONE,		NULL }
};

/* control_new - serve the control socket the parent bound */
struct control *
control_new(struct queue *q, int listen_fd)
{
	struct control	*ctl;

	ctl = xcalloc(1, sizeof(*ctl));
	ctl->q = q;
	ctl->handlers = control_handlers;
	TAILQ_INIT(&ctl->conns);
	control_accept_start(ctl, listen_fd);
	return ctl;
}
