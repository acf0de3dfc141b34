/*
 * qdispatch.c - turns the scheduler's decisions into deliveries and
 * their results into durable envelope updates.
 *
 * Local actions go to the parent as MSG_MDA_RUN with a read-only fd of
 * the (decoded) message; it answers MSG_MDA_RESULT per envelope.  Relay
 * actions go to the deliver worker as MSG_RELAY_RUN with the same kind
 * of fd; it answers MSG_RELAY_RESULT per envelope.  How many run at
 * once (in total and per destination domain) is the scheduler's limit,
 * and `pause mta` holds relay envelopes there.  Work is handed out in
 * the handler that makes it possible (a commit, a result freeing a
 * slot) through qdispatch_now, not a loop turn later behind every other
 * event: each turn would otherwise hold a whole round of results before
 * the next jobs went, and the deliveries of a busy destination would
 * march in step with the queue's other work.  A delivery that never
 * reports is retried after QDISPATCH_RUN_TIMEOUT.  Nothing is marked in
 * flight on disk: after a crash every envelope is simply pending again.
 *
 * Every result is checked against the table of envelopes in flight,
 * which records the process each one was given to: a result for an
 * envelope not in flight, or from another process than its owner, is
 * refused with an event=result-refused line and changes nothing.  The
 * channel stays open: the frame itself keeps the IPC contract, a stale
 * result (after `smtpctl remove` or the watchdog's retry) looks the
 * same, and closing the channel would stop every other delivery of
 * that process - the refusal alone keeps a compromised relay worker
 * from deciding the fate of local deliveries.
 */
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bounce.h"
#include "cfg.h"
#include "envelope.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "qstore.h"
#include "qstore_crypt.h"
#include "queue.h"
#include "sched.h"
#include "xmalloc.h"

#define QDISPATCH_RUN_TIMEOUT	(2 * 3600)	/* no result: retry */
#define QDISPATCH_WATCHDOG	60		/* seconds between checks */
#define QDISPATCH_TURN_MAX	256		/* jobs per loop turn */
#define QDISPATCH_JUMP_MS	2000		/* a clock jump, at least */

struct qdispatch_run {
	RB_ENTRY(qdispatch_run)	 entry;
	uint64_t		 evpid;
	int64_t			 started;
	enum proc_role		 owner;		/* PROC_PARENT or PROC_RELAY */
};

RB_HEAD(qdispatch_runs, qdispatch_run);

struct qdispatch {
	struct queue		*q;
	struct event		*timer;
	struct event		*watchdog;
	struct qdispatch_runs	 runs;
	int			 turning;	/* in qdispatch_turn */
	int64_t			 real_ms;	/* the clocks at the last run */
	int64_t			 mono_ms;
};

/* qdispatch_run_cmp - order runs by envelope id */
static int
qdispatch_run_cmp(const struct qdispatch_run *a, const struct qdispatch_run *b)
{
	return a->evpid < b->evpid ? -1 : a->evpid > b->evpid;
}

RB_PROTOTYPE(qdispatch_runs, qdispatch_run, entry, qdispatch_run_cmp);
RB_GENERATE(qdispatch_runs, qdispatch_run, entry, qdispatch_run_cmp);

static void	qdispatch_on_timer(evutil_socket_t, short, void *);
static void	qdispatch_on_watchdog(evutil_socket_t, short, void *);

/* qdispatch_new - the scheduler and its timers, from the configuration */
struct qdispatch *
qdispatch_new(struct queue *q)
{
	const struct cfg	*cfg = q->env->cfg;
	struct qdispatch	*d;
	struct sched_conf	 sc;
	struct timeval		 tv = { QDISPATCH_WATCHDOG, 0 };
	size_t			 i;

	memset(&sc, 0, sizeof(sc));
	sc.max_deferred = cfg->mta_max_deferred > 0 ?
	    (size_t)cfg->mta_max_deferred : 0;
	for (i = 0; i < cfg->nbounce_warn && i < SCHED_WARN_MAX; i++)
		sc.warn[sc.nwarn++] = cfg->bounce_warn[i];
	q->sched = sched_new(&sc);
	d = xcalloc(1, sizeof(*d));
	d->q = q;
	RB_INIT(&d->runs);
	d->timer = evtimer_new(ev_base(), qdispatch_on_timer, q);
	d->watchdog = event_new(ev_base(), -1, EV_PERSIST,
	    qdispatch_on_watchdog, q);
	event_add(d->watchdog, &tv);
	return d;
}

/* qdispatch_kind - local or relay, by the envelope's action */
static enum sched_kind
qdispatch_kind(const struct queue *q, const struct envelope *evp)
{
	const struct cfg_action	*a;

	a = cfg_action_find(q->env->cfg, evp->dispatcher);
	return a != NULL && a->type == CFG_ACTION_RELAY ? SCHED_KIND_RELAY :
	    SCHED_KIND_LOCAL;
}

/* qdispatch_add - schedule a committed envelope */
int
qdispatch_add(struct queue *q, const struct envelope *evp)
{
	if (sched_insert(q->sched, evp, qdispatch_kind(q, evp)) == -1)
		return -1;
	q->stats.size = sched_count(q->sched);
	return 0;
}

/* qdispatch_on_walk - one envelope found in the spool at start */
static int
qdispatch_on_walk(struct envelope *evp, void *arg)
{
	struct queue	*q = arg;
	char		 id[ENVELOPE_ID_STRLEN + 1];

	if (qdispatch_add(q, evp) == -1) {
		envelope_id_format(evp->evpid, id);
		log_warnx("%s queue event=load-refused", id);
	}
	return 0;
}

/* qdispatch_load - schedule every envelope of the spool (at start) */
int
qdispatch_load(struct queue *q)
{
	struct timespec	t0, t1;
	struct qstore_stats st;
	int		r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = qstore_walk(q->qs, qdispatch_on_walk, q);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	qstore_stats(q->qs, &st);
	q->stats.quarantined = st.quarantined;
	log_info("queue event=loaded envelopes=%zu quarantined=%llu ms=%lld",
	    sched_count(q->sched), (unsigned long long)st.quarantined,
	    (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	qdispatch_kick(q);
	return r;
}

/* qdispatch_kick - run the scheduler at the end of this loop turn */
void
qdispatch_kick(struct queue *q)
{
	struct timeval	tv = { 0, 0 };

	evtimer_add(q->dsp->timer, &tv);
}

/* qdispatch_arm - sleep until the scheduler's next due time */
static void
qdispatch_arm(struct queue *q, int idle)
{
	struct timeval	tv = { 0, 0 };
	int64_t		wake, now = time(NULL);

	if ((wake = sched_wakeup(q->sched)) == -1) {
		evtimer_del(q->dsp->timer);
		return;
	}
	if (wake > now)
		tv.tv_sec = wake - now;
	else if (idle)
		tv.tv_sec = 1;		/* due but nothing could start */
	evtimer_add(q->dsp->timer, &tv);
}

/* qdispatch_forget - an envelope left the queue */
void
qdispatch_forget(struct queue *q, uint64_t evpid)
{
	(void)sched_remove(q->sched, evpid);
	q->stats.size = sched_count(q->sched);
}

/* qdispatch_drop - remove an envelope from the spool and the scheduler */
static void
qdispatch_drop(struct queue *q, const struct envelope *evp)
{
	char	err[256], vis[1024];

	if (qstore_envelope_remove(q->qs, evp->evpid, err, sizeof(err)) == -1)
		log_warnx("%016llx queue event=remove-failed error=\"%s\"",
		    (unsigned long long)evp->evpid,
		    log_vis(vis, sizeof(vis), err));
	qdispatch_forget(q, evp->evpid);
}

/* qdispatch_tempfail - a temporary failure: write down, try again later */
void
qdispatch_tempfail(struct queue *q, struct envelope *evp, const char *text)
{
	char	err[256], vis[ERRTEXT_MAX * 4];
	int64_t	now = time(NULL);

	evp->retry++;
	evp->lasttry = now;
	evp->nexttry = now + sched_retry_delay(evp->retry);
	evp->state = ENVELOPE_ST_PENDING;
	strlcpy(evp->errmsg, text, sizeof(evp->errmsg));
	if (qstore_envelope_update(q->qs, evp, err, sizeof(err)) == -1)
		log_warnx("%016llx queue event=update-failed error=\"%s\"",
		    (unsigned long long)evp->evpid,
		    log_vis(vis, sizeof(vis), err));
	if (sched_defer(q->sched, evp->evpid, evp->nexttry, evp->retry) == -1)
		(void)sched_schedule(q->sched, evp->evpid, evp->nexttry);
	q->stats.deferred++;
	log_info("%016llx queue event=deferred retry=%u delay=%lld "
	    "error=\"%s\"", (unsigned long long)evp->evpid, evp->retry,
	    (long long)(evp->nexttry - now), log_vis(vis, sizeof(vis), text));
}

/* qdispatch_permfail - a permanent failure: notify the sender, remove */
void
qdispatch_permfail(struct queue *q, struct envelope *evp, const char *text)
{
	char	vis[ERRTEXT_MAX * 4];

	strlcpy(evp->errmsg, text, sizeof(evp->errmsg));
	if (bounce_send(q, evp, BOUNCE_KIND_FAILED, text) == -1) {
		qdispatch_tempfail(q, evp, text);
		return;
	}
	q->stats.bounced++;
	log_info("%016llx queue event=failed error=\"%s\"",
	    (unsigned long long)evp->evpid, log_vis(vis, sizeof(vis), text));
	qdispatch_drop(q, evp);
}

/* qdispatch_delivered - done: success notice if asked, remove */
static void
qdispatch_delivered(struct queue *q, struct envelope *evp)
{
	(void)bounce_send(q, evp, BOUNCE_KIND_DELIVERED, "250 2.0.0 delivered");
	(void)sched_dest_ok(q->sched, evp->evpid, time(NULL));
	q->stats.delivered++;
	log_info("%016llx queue event=delivered action=%s",
	    (unsigned long long)evp->evpid, evp->dispatcher);
	qdispatch_drop(q, evp);
}

/*
 * qdispatch_load_evp - the envelope of a scheduled id; 0 if gone (it
 * leaves the scheduler; a spool error is logged)
 */
int
qdispatch_load_evp(struct queue *q, uint64_t evpid, struct envelope *evp)
{
	char	err[256], vis[1024];
	int	r;

	if ((r = qstore_envelope_load(q->qs, evpid, evp, err,
	    sizeof(err))) == 1)
		return 1;
	if (r == -1)
		log_warnx("%016llx queue event=load-failed "
		    "action=quarantine-at-restart error=\"%s\"",
		    (unsigned long long)evpid, log_vis(vis, sizeof(vis), err));
	qdispatch_forget(q, evpid);
	return 0;
}

/*
 * qdispatch_fresh - no earlier delivery of evp can have begun: its first
 * attempt, and it was committed after this queue started (an envelope
 * loaded at start may have been in flight when the daemon stopped)
 */
static int
qdispatch_fresh(const struct queue *q, const struct envelope *evp)
{
	return evp->retry == 0 && evp->ctime > q->env->started;
}

/*
 * qdispatch_run - hand one envelope and its message to the parent
 * (MSG_MDA_RUN, local) or the deliver worker (MSG_RELAY_RUN) and watch
 * for its result
 */
static void
qdispatch_run(struct queue *q, struct envelope *evp, int relay)
{
	struct msg_mda_run	 mda;
	struct msg_relay_run	 rel;
	struct qdispatch_run	*r;
	char			 err[256];
	int			 fd;

	if (relay && q->deliver == NULL) {
		qdispatch_tempfail(q, evp, "4.3.0 relay worker not running");
		return;
	}
	if ((fd = qstore_crypt_msg_fd(q->qs, q->crypt,
	    envelope_msgid(evp->evpid), err, sizeof(err))) == -1) {
		qdispatch_tempfail(q, evp, err);
		return;
	}
	if (relay) {
		memset(&rel, 0, sizeof(rel));
		rel.evp = *evp;
		rel.evp.state = ENVELOPE_ST_INFLIGHT;
		ipc_send(q->deliver, MSG_RELAY_RUN, 0, fd, &rel, sizeof(rel));
	} else {
		memset(&mda, 0, sizeof(mda));
		mda.evp = *evp;
		mda.evp.state = ENVELOPE_ST_INFLIGHT;
		mda.fresh = qdispatch_fresh(q, evp);
		ipc_send(q->parent, MSG_MDA_RUN, 0, fd, &mda, sizeof(mda));
	}
	close(fd);
	r = xcalloc(1, sizeof(*r));
	r->evpid = evp->evpid;
	r->started = time(NULL);
	r->owner = relay ? PROC_RELAY : PROC_PARENT;
	if (RB_INSERT(qdispatch_runs, &q->dsp->runs, r) != NULL)
		free(r);
	log_debug("%016llx queue event=dispatch action=%s",
	    (unsigned long long)evp->evpid, evp->dispatcher);
}

/* qdispatch_deliver - start the delivery of one envelope */
static void
qdispatch_deliver(struct queue *q, uint64_t evpid)
{
	struct envelope	evp;

	if (qdispatch_load_evp(q, evpid, &evp) != 1)
		return;
	if (evp.flags & ENVELOPE_F_EXPAND)
		qdispatch_expand_start(q, &evp);
	else if (cfg_action_find(q->env->cfg, evp.dispatcher) == NULL)
		qdispatch_tempfail(q, &evp, "no such action in the "
		    "configuration");
	else
		qdispatch_run(q, &evp,
		    qdispatch_kind(q, &evp) == SCHED_KIND_RELAY);
}

/* qdispatch_expire - the ttl is over: bounce and remove */
static void
qdispatch_expire(struct queue *q, uint64_t evpid)
{
	struct envelope	evp;
	char		diag[ERRTEXT_MAX];

	if (qdispatch_load_evp(q, evpid, &evp) != 1)
		return;
	(void)snprintf(diag, sizeof(diag),
	    "5.4.7 delivery time expired%s%.400s",
	    evp.errmsg[0] ? "; last error: " : "", evp.errmsg);
	if (bounce_send(q, &evp, BOUNCE_KIND_FAILED, diag) == -1) {
		/* no room for the notice: expire again a little later */
		log_warnx("%016llx queue event=expire-postponed delay=%d",
		    (unsigned long long)evpid, SCHED_RETRY_FIRST);
		(void)sched_postpone(q->sched, evpid,
		    time(NULL) + SCHED_RETRY_FIRST);
		return;
	}
	q->stats.expired++;
	log_info("%016llx queue event=expired", (unsigned long long)evpid);
	qdispatch_drop(q, &evp);
}

/* qdispatch_warn - a delay notice is due */
static void
qdispatch_warn(struct queue *q, uint64_t evpid)
{
	struct envelope	evp;
	char		err[256], vis[1024];

	if (qdispatch_load_evp(q, evpid, &evp) != 1)
		return;
	(void)bounce_send(q, &evp, BOUNCE_KIND_DELAYED, evp.errmsg);
	evp.warn++;
	if (qstore_envelope_update(q->qs, &evp, err, sizeof(err)) == -1)
		log_warnx("%016llx queue event=update-failed error=\"%s\"",
		    (unsigned long long)evpid, log_vis(vis, sizeof(vis), err));
	(void)sched_warned(q->sched, evpid, evp.warn);
}

/*
 * qdispatch_clock - compare the real-time clock, in which due times are
 * kept, with the monotonic one, which times the sleeps: after a jump
 * back the due times move back with the clock (or retries and expiries
 * would wait for as long as the jump); a jump forward is only logged,
 * as what comes due then is due (a jump past a ttl expires).
 */
static void
qdispatch_clock(struct queue *q)
{
	struct qdispatch	*d = q->dsp;
	struct timespec		 r, m;
	int64_t			 real, mono, jump;
	size_t			 n;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	real = (int64_t)r.tv_sec * 1000 + r.tv_nsec / 1000000;
	mono = (int64_t)m.tv_sec * 1000 + m.tv_nsec / 1000000;
	jump = (real - d->real_ms) - (mono - d->mono_ms);
	if (d->mono_ms != 0 && jump <= -QDISPATCH_JUMP_MS) {
		n = sched_shift(q->sched, jump / 1000);
		log_warnx("queue event=clock-jump seconds=%lld action=shift "
		    "envelopes=%zu", (long long)(jump / 1000), n);
	} else if (d->mono_ms != 0 && jump >= QDISPATCH_JUMP_MS)
		log_warnx("queue event=clock-jump seconds=%lld action=none",
		    (long long)(jump / 1000));
	d->real_ms = real;
	d->mono_ms = mono;
}

/*
 * qdispatch_turn - hand out what is due now, at most QDISPATCH_TURN_MAX
 * jobs, then sleep until the next due time (or come back at once when
 * the limit stopped it)
 */
static void
qdispatch_turn(struct queue *q)
{
	uint64_t	 evpid;
	int		 n;

	q->dsp->turning = 1;
	qdispatch_clock(q);
	for (n = 0; n < QDISPATCH_TURN_MAX; n++) {
		switch (sched_next(q->sched, time(NULL), &evpid)) {
		case SCHED_JOB_NONE:
			qdispatch_arm(q, n == 0);
			q->dsp->turning = 0;
			return;
		case SCHED_JOB_DELIVER:
			qdispatch_deliver(q, evpid);
			break;
		case SCHED_JOB_EXPIRE:
			qdispatch_expire(q, evpid);
			break;
		case SCHED_JOB_WARN:
			qdispatch_warn(q, evpid);
			break;
		}
	}
	q->dsp->turning = 0;
	qdispatch_kick(q);
}

/* qdispatch_on_timer - the next due time came, or a kick */
static void
qdispatch_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	qdispatch_turn(arg);
}

/*
 * qdispatch_now - hand out what is due right away, in the handler that
 * made it possible (a commit, a slot freed by a result), rather than
 * after every other event of the next loop turn; from inside a turn, a
 * kick
 */
void
qdispatch_now(struct queue *q)
{
	if (q->dsp->turning)
		qdispatch_kick(q);
	else
		qdispatch_turn(q);
}

/*
 * qdispatch_claim - the run a result from process from may end: in
 * flight and given to that process; NULL (and a log line) if not
 */
static struct qdispatch_run *
qdispatch_claim(struct queue *q, const struct msg_dlv_result *m,
    enum proc_role from)
{
	static const char *const status[] = {
		[IPC_DLV_OK] = "ok", [IPC_DLV_TEMPFAIL] = "tempfail",
		[IPC_DLV_PERMFAIL] = "permfail",
		[IPC_DLV_TEMPFAIL_RCPT] = "tempfail-rcpt" };
	struct qdispatch_run	*r, key;

	int			 known;

	/* only the relay can tell a recipient's own 4xx from its host's */
	known = m->status >= IPC_DLV_OK && (m->status <= IPC_DLV_PERMFAIL ||
	    (m->status == IPC_DLV_TEMPFAIL_RCPT && from == PROC_RELAY));
	key.evpid = m->evpid;
	if ((r = RB_FIND(qdispatch_runs, &q->dsp->runs, &key)) != NULL &&
	    r->owner == from && known)
		return r;
	log_warnx("%016llx queue event=result-refused from=%s status=%s "
	    "error=\"%s\"", (unsigned long long)m->evpid,
	    proc_role_name(from), m->status >= 0 && (size_t)m->status <
	    sizeof(status) / sizeof(status[0]) ? status[m->status] :
	    "unknown", r == NULL ? "not in flight" : r->owner != from ?
	    "given to another process" : "status not allowed from it");
	return NULL;
}

/*
 * qdispatch_result - a delivery's outcome, from the parent or a worker;
 * 0, or -1 if refused (see qdispatch_claim)
 */
static int
qdispatch_result(struct queue *q, const struct msg_dlv_result *m,
    enum proc_role from)
{
	struct qdispatch_run	*r;
	struct envelope		 evp;

	if ((r = qdispatch_claim(q, m, from)) == NULL)
		return -1;
	RB_REMOVE(qdispatch_runs, &q->dsp->runs, r);
	free(r);
	if (qdispatch_load_evp(q, m->evpid, &evp) != 1)
		return 0;
	switch (m->status) {
	case IPC_DLV_OK:
		qdispatch_delivered(q, &evp);
		break;
	case IPC_DLV_PERMFAIL:
		qdispatch_permfail(q, &evp, m->text[0] ? m->text :
		    "5.0.0 delivery failed");
		break;
	default:
		qdispatch_tempfail(q, &evp, m->text[0] ? m->text :
		    "4.0.0 delivery failed temporarily");
		break;
	}
	return 0;
}

/* qdispatch_on_mda_result - MSG_MDA_RESULT from the parent */
void
qdispatch_on_mda_result(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c;
	(void)id;
	(void)fd;
	if (qdispatch_result(arg, msg, PROC_PARENT) == 0)
		qdispatch_now(arg);
}

/* qdispatch_on_relay_result - MSG_RELAY_RESULT from the relay worker */
void
qdispatch_on_relay_result(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	const struct msg_dlv_result	*m = msg;
	struct queue			*q = arg;

	(void)c;
	(void)id;
	(void)fd;
	if (qdispatch_result(q, m, PROC_RELAY) == -1)
		return;
	/* mta max-deferred: the destination itself failed */
	if (m->status == IPC_DLV_TEMPFAIL)
		(void)sched_dest_suspend(q->sched, m->evpid);
	qdispatch_now(q);
}

/* qdispatch_on_watchdog - deliveries that never reported are retried */
static void
qdispatch_on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct queue		*q = arg;
	struct qdispatch_run	*r, *next;
	struct envelope		 evp;
	int64_t			 now = time(NULL);

	(void)fd;
	(void)what;
	RB_FOREACH_SAFE(r, qdispatch_runs, &q->dsp->runs, next) {
		if (now - r->started < QDISPATCH_RUN_TIMEOUT)
			continue;
		RB_REMOVE(qdispatch_runs, &q->dsp->runs, r);
		if (qdispatch_load_evp(q, r->evpid, &evp) == 1)
			qdispatch_tempfail(q, &evp, "4.0.0 no result from "
			    "the delivery");
		free(r);
	}
	qdispatch_kick(q);
}

/*
 * qdispatch_remove - `smtpctl remove`: take an envelope out of the queue
 * (a delivery in flight finishes, its result is then ignored).
 */
int
qdispatch_remove(struct queue *q, uint64_t evpid, char *err, size_t errsz)
{
	struct sched_info	si;

	if (sched_info(q->sched, evpid, &si) != 1) {
		(void)snprintf(err, errsz, "no such envelope");
		return -1;
	}
	if (qstore_envelope_remove(q->qs, evpid, err, errsz) == -1)
		return -1;
	qdispatch_forget(q, evpid);
	log_info("%016llx queue event=removed", (unsigned long long)evpid);
	return 0;
}

/*
 * qdispatch_release - `smtpctl schedule` of an envelope on hold: its
 * flag is cleared in the spool, then it is tried now.  0, or -1.
 */
int
qdispatch_release(struct queue *q, uint64_t evpid, char *err, size_t errsz)
{
	struct envelope	evp;
	int		r;

	if ((r = qstore_envelope_load(q->qs, evpid, &evp, err, errsz)) != 1) {
		if (r == 0)
			(void)snprintf(err, errsz, "no such envelope");
		return -1;
	}
	evp.flags &= ~ENVELOPE_F_HOLD;
	if (qstore_envelope_update(q->qs, &evp, err, errsz) == -1)
		return -1;
	if (sched_release(q->sched, evpid, time(NULL)) == -1) {
		(void)snprintf(err, errsz, "not on hold");
		return -1;
	}
	log_info("%016llx queue event=released", (unsigned long long)evpid);
	return 0;
}

/* qdispatch_pause - `pause mta|mda` and `resume mta|mda` */
void
qdispatch_pause(struct queue *q, int mta, int paused)
{
	sched_pause(q->sched, mta ? SCHED_KIND_RELAY : SCHED_KIND_LOCAL,
	    paused);
	qdispatch_kick(q);
}
