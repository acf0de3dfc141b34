/*
 * queue_tx.c - transactions of the listener, with the envelopes the
 * lookup made for them, made durable by group commit.
 *
 * MSG_TX_OPEN (when MAIL is accepted) creates an incoming message for a
 * session, one at a time, and hands its write-only fd to the listener.
 * For each RCPT the lookup sends the envelopes it made
 * (MSG_LOOKUP_ENVELOPE) and then its verdict (MSG_LOOKUP_RCPT_RESULT); each
 * envelope is checked against this process's own configuration
 * (envelope_rule.h) and held as pending; the verdict keeps them or
 * drops them, and only then goes on to the listener (MSG_TX_RCPT_RESULT),
 * so the listener can never commit before the queue holds them.  The
 * listener names a transaction by session and msgid; a msgid of another
 * session, an unknown or committed one is refused and logged.
 * A milter's changes to the recipients, the sender or the hold come
 * before the commit (queue_tx_edit.c).
 * MSG_TX_COMMIT queues what the transaction holds for the next batch.
 * The commits that arrive in one event-loop turn are made durable
 * together by one qstore_commit_batch() when the batch event runs: a
 * zero timer set by the first commit of the turn, which libevent runs
 * after the reads that were ready with it, so commits split over
 * several reads of the channel still share one batch.  Each gets its
 * MSG_TX_COMMITTED.  MSG_TX_ABORT, or the listener going away, drops
 * the incoming message.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "envelope.h"
#include "envelope_rule.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "qstore.h"
#include "qstore_crypt.h"
#include "queue.h"
#include "queue_tx_priv.h"
#include "smtp_reply.h"
#include "xmalloc.h"

#define QUEUE_TX_OPEN_MAX	4096	/* open transactions at once */
#define QUEUE_TX_EVP_MAX	10000	/* envelopes of one transaction */
#define QUEUE_TX_SLOTS_MAX	40000	/* envelopes all open ones hold */

/* refusals of a RCPT that are answered 452, not 451 */
static const char queue_tx_too_many[] = "too many recipients";
static const char queue_tx_full[] = "open transactions hold too many "
    "envelopes";

static void	queue_tx_on_batch(evutil_socket_t, short, void *);

/* queue_tx_new - the transaction table, with its batch event */
struct queue_tx *
queue_tx_new(struct queue *q)
{
	struct queue_tx	*tx;

	tx = xcalloc(1, sizeof(*tx));
	tx->q = q;
	TAILQ_INIT(&tx->open);
	TAILQ_INIT(&tx->batch);
	tx->ev = evtimer_new(ev_base(), queue_tx_on_batch, tx);
	return tx;
}

/*
 * queue_tx_find - the open transaction msgid of this session, or NULL
 * with the reason in err: the transaction is another session's, being
 * committed, or not open (never opened, aborted, committed)
 */
struct queue_tx_msg *
queue_tx_find(struct queue_tx *tx, uint64_t sessid, uint32_t msgid,
    char *err, size_t errsz)
{
	struct queue_tx_msg	*m;

	TAILQ_FOREACH(m, &tx->open, entry)
		if (m->msgid == msgid) {
			if (m->sessid == sessid)
				return m;
			(void)strlcpy(err, "transaction of another session",
			    errsz);
			return NULL;
		}
	TAILQ_FOREACH(m, &tx->batch, entry)
		if (m->msgid == msgid) {
			(void)strlcpy(err, m->sessid == sessid ?
			    "transaction being committed" :
			    "transaction of another session", errsz);
			return NULL;
		}
	(void)strlcpy(err, "no such open transaction", errsz);
	return NULL;
}

/* queue_tx_session_busy - the session has a transaction already */
static int
queue_tx_session_busy(struct queue_tx *tx, uint64_t sessid)
{
	struct queue_tx_msg	*m;

	TAILQ_FOREACH(m, &tx->open, entry)
		if (m->sessid == sessid)
			return 1;
	TAILQ_FOREACH(m, &tx->batch, entry)
		if (m->sessid == sessid)
			return 1;
	return 0;
}

/* queue_tx_free - forget a transaction (already unlinked) */
static void
queue_tx_free(struct queue_tx *tx, struct queue_tx_msg *m)
{
	tx->nopen--;
	tx->slots -= m->cap;
	queue_tx_seen_free(m->seen);
	free(m->evps);
	free(m);
}

/* queue_tx_reply - MSG_TX_OPENED or MSG_TX_COMMITTED to the listener */
static void
queue_tx_reply(struct queue *q, enum ipc_type type, uint64_t sessid,
    uint32_t msgid, int fd, int code, const char *enhanced, const char *text)
{
	struct msg_tx_result	r;

	memset(&r, 0, sizeof(r));
	r.sessid = sessid;
	r.msgid = msgid;
	r.code = code;
	strlcpy(r.enhanced, enhanced ? enhanced : "", sizeof(r.enhanced));
	strlcpy(r.text, text ? text : "", sizeof(r.text));
	ipc_send(q->smtpd, type, 0, fd, &r, sizeof(r));
}

/* queue_tx_open_refuse - MSG_TX_OPENED with a refusal */
static void
queue_tx_open_refuse(struct queue *q, uint64_t sessid, int code,
    const char *enh, const char *text, const char *why)
{
	log_warnx("%016llx queue event=tx-open-refused code=%d error=\"%s\"",
	    (unsigned long long)sessid, code, why);
	queue_tx_reply(q, MSG_TX_OPENED, sessid, 0, -1, code, enh, text);
}

/* queue_tx_on_open - MSG_TX_OPEN: a new incoming message for a session */
void
queue_tx_on_open(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_tx	*req = msg;
	struct queue		*q = arg;
	struct queue_tx		*tx = q->tx;
	struct queue_tx_msg	*m;
	char			 err[QSTORE_ERR_MAX];
	uint32_t		 msgid;
	int			 mfd, full;

	(void)c;
	(void)id;
	(void)fd;
	if (tx->nopen >= QUEUE_TX_OPEN_MAX) {
		queue_tx_open_refuse(q, req->sessid, 452, "4.3.1",
		    "too many transactions, try later", "too many open");
		return;
	}
	if (queue_tx_session_busy(tx, req->sessid)) {
		queue_tx_open_refuse(q, req->sessid, 503, "5.5.1",
		    "transaction already open", "session has a transaction");
		return;
	}
	if (qstore_msg_create(q->qs, &msgid, &mfd, err, sizeof(err)) == -1) {
		full = errno == ENOSPC || errno == EDQUOT;
		queue_tx_open_refuse(q, req->sessid, full ? 452 : 451,
		    full ? "4.3.1" : "4.3.0", full ? "queue full" :
		    "temporary queue failure", err);
		return;
	}
	m = xcalloc(1, sizeof(*m));
	m->sessid = req->sessid;
	m->msgid = msgid;
	TAILQ_INSERT_TAIL(&tx->open, m, entry);
	tx->nopen++;
	queue_tx_reply(q, MSG_TX_OPENED, req->sessid, msgid, mfd, 0, "", "");
	close(mfd);
	log_info("%016llx queue event=tx-open msgid=%08x",
	    (unsigned long long)req->sessid, msgid);
}

/* queue_tx_refuse - remember why the transaction cannot be committed */
static void
queue_tx_refuse(struct queue_tx_msg *m, const char *why)
{
	if (!m->invalid)
		strlcpy(m->why, why, sizeof(m->why));
	m->invalid = 1;
}

/*
 * queue_tx_check - may the queue take this envelope from the lookup: the
 * rules of this configuration can make it and the record can hold it.
 * NULL, or why not.
 */
static const char *
queue_tx_check(const struct queue *q, uint32_t msgid,
    const struct envelope *evp)
{
	struct envelope		 tmp, back;
	const char		*why;
	char			*buf, err[128];
	int			 n, ok;

	if ((why = envelope_rule_check(q->env->cfg, evp)) != NULL)
		return why;
	tmp = *evp;
	tmp.evpid = ((uint64_t)msgid << 32) | 1;	/* as the commit will */
	tmp.ctime = tmp.ttl = tmp.lasttry = tmp.nexttry = 0;
	tmp.state = ENVELOPE_ST_PENDING;
	tmp.flags &= ~(ENVELOPE_F_BOUNCE | ENVELOPE_F_EXPAND);
	buf = xmalloc(ENVELOPE_DUMP_MAX + 1);
	n = envelope_dump(&tmp, buf, ENVELOPE_DUMP_MAX + 1);
	ok = n >= 0 && envelope_load(&back, buf, (size_t)n, err,
	    sizeof(err)) == 0;
	free(buf);
	return ok ? NULL : "envelope not representable";
}

/* queue_tx_ttl - the lifetime of an envelope of this action, seconds */
int64_t
queue_tx_ttl(const struct queue *q, const char *dispatcher)
{
	const struct cfg_action	*a;

	a = cfg_action_find(q->env->cfg, dispatcher);
	if (a != NULL && a->ttl > 0)
		return a->ttl;
	return q->env->cfg->queue.ttl;
}

/* queue_tx_log_refused - one line for an envelope the queue refuses */
static void
queue_tx_log_refused(uint64_t sessid, uint32_t msgid,
    const struct envelope *evp, const char *why)
{
	static const char *const types[] = { "address", "file", "command" };
	char			 rcpt[ADDR_MAX * 4], disp[NAME_MAX_CFG * 4];
	char			 user[NAME_MAX_CFG * 4];

	log_warnx("%016llx queue event=envelope-refused msgid=%08x rcpt=<%s> "
	    "dispatcher=\"%s\" type=%s user=\"%s\" error=\"%s\"",
	    (unsigned long long)sessid, msgid,
	    log_vis(rcpt, sizeof(rcpt), evp->rcpt),
	    log_vis(disp, sizeof(disp), evp->dispatcher),
	    evp->dest_type <= ENVELOPE_DEST_COMMAND ? types[evp->dest_type] :
	    "bad", log_vis(user, sizeof(user), evp->user), why);
}

/* queue_tx_pending_add - hold one checked envelope of the RCPT */
static void
queue_tx_pending_add(struct queue *q, struct queue_tx_msg *m,
    const struct envelope *from)
{
	struct envelope	*evp;

	if (m->nevp + m->npending == m->cap) {
		q->tx->slots -= m->cap;
		m->cap = m->cap ? m->cap * 2 : 4;
		q->tx->slots += m->cap;
		m->evps = xreallocarray(m->evps, m->cap, sizeof(*m->evps));
	}
	evp = &m->evps[m->nevp + m->npending++];
	*evp = *from;
	evp->evpid = 0;
	evp->state = ENVELOPE_ST_PENDING;
	evp->errmsg[0] = '\0';
	evp->ctime = time(NULL);
	evp->ttl = queue_tx_ttl(q, evp->dispatcher);
	evp->lasttry = 0;
	evp->nexttry = evp->ctime;
	evp->retry = evp->warn = 0;
	evp->flags &= ENVELOPE_F_AUTH | ENVELOPE_F_TLS | ENVELOPE_F_8BITMIME |
	    ENVELOPE_F_SMTPUTF8;	/* what a session can say */
}

/* queue_tx_on_envelope - MSG_LOOKUP_ENVELOPE: one envelope of a RCPT */
void
queue_tx_on_envelope(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_envelope	*req = msg;
	struct queue			*q = arg;
	struct queue_tx_msg		*m;
	const char			*why;
	char				 err[ERRTEXT_MAX];

	(void)c;
	(void)id;
	(void)fd;
	if ((m = queue_tx_find(q->tx, req->sessid, req->msgid, err,
	    sizeof(err))) == NULL) {
		log_debug("%016llx queue event=envelope-dropped msgid=%08x "
		    "error=\"%s\"", (unsigned long long)req->sessid,
		    req->msgid, err);
		return;
	}
	if (m->pending_bad != NULL)
		return;
	if (m->nevp + m->npending >= QUEUE_TX_EVP_MAX)
		why = queue_tx_too_many;
	else if (m->nevp + m->npending == m->cap && q->tx->slots +
	    (m->cap ? m->cap : 4) > QUEUE_TX_SLOTS_MAX)
		why = queue_tx_full;
	else
		why = queue_tx_check(q, m->msgid, &req->evp);
	if (why != NULL) {
		queue_tx_log_refused(req->sessid, req->msgid, &req->evp, why);
		m->pending_bad = why;
		return;
	}
	queue_tx_pending_add(q, m, &req->evp);
}

/* queue_tx_rcpt_reply - MSG_TX_RCPT_RESULT: the verdict to the listener */
static void
queue_tx_rcpt_reply(struct queue *q, const struct msg_rcpt_result *v,
    int code, const char *enh, const char *text)
{
	struct msg_rcpt_result	r;

	r = *v;
	r.code = code;
	strlcpy(r.enhanced, enh, sizeof(r.enhanced));
	strlcpy(r.text, text, sizeof(r.text));
	ipc_send(q->smtpd, MSG_TX_RCPT_RESULT, 0, -1, &r, sizeof(r));
}

/* queue_tx_verdict_valid - a reply the listener can send as it is */
static int
queue_tx_verdict_valid(const struct msg_rcpt_result *v)
{
	if (v->code < 200 || v->code > 599)
		return 0;
	return smtp_reply_enhanced_valid(v->enhanced, strlen(v->enhanced),
	    v->code) && strpbrk(v->text, "\r\n") == NULL;
}

/*
 * queue_tx_rcpt_refuse - a RCPT the queue refuses: its pending
 * envelopes are dropped, the listener is told, the reason logged
 */
static void
queue_tx_rcpt_refuse(struct queue *q, struct queue_tx_msg *m,
    const struct msg_rcpt_result *v, const char *why)
{
	int		 code = m == NULL ? 554 : 451;
	const char	*enh = m == NULL ? "5.5.1" : "4.3.0";
	const char	*text = m == NULL ? "No such transaction" :
			    "Temporary failure";

	if (m != NULL)
		m->npending = 0;
	if (why == queue_tx_too_many || why == queue_tx_full) {
		code = 452;
		enh = why == queue_tx_full ? "4.3.1" : "4.5.3";
		text = why == queue_tx_full ? "Insufficient system storage" :
		    "Too many recipients";
	}
	log_warnx("%016llx queue event=rcpt-refused msgid=%08x code=%d "
	    "error=\"%s\"", (unsigned long long)v->sessid, v->msgid, code,
	    why);
	queue_tx_rcpt_reply(q, v, code, enh, text);
}

/*
 * queue_tx_keep_pending - an accepted RCPT's envelopes join the
 * transaction, but for those whose destination it already holds
 */
void
queue_tx_keep_pending(struct queue_tx_msg *m, uint64_t sessid)
{
	size_t	i, keep = m->nevp, end = m->nevp + m->npending;

	if (m->seen == NULL)
		m->seen = queue_tx_seen_new();
	for (i = m->nevp; i < end; i++) {
		if (keep != i)
			m->evps[keep] = m->evps[i];
		if (queue_tx_seen_add(m->seen, m->evps, keep) == 0)
			keep++;
	}
	if (keep < end)
		log_debug("%016llx queue event=duplicates-dropped msgid=%08x "
		    "count=%zu", (unsigned long long)sessid, m->msgid,
		    end - keep);
	m->nevp = keep;
	m->npending = 0;
}

/*
 * queue_tx_on_rcpt_result - MSG_LOOKUP_RCPT_RESULT: keep the RCPT's
 * envelopes or drop them, then tell the listener
 */
void
queue_tx_on_rcpt_result(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_rcpt_result	*v = msg;
	struct queue			*q = arg;
	struct queue_tx_msg		*m;
	const char			*why;
	char				 err[ERRTEXT_MAX];

	(void)c;
	(void)id;
	(void)fd;
	if ((m = queue_tx_find(q->tx, v->sessid, v->msgid, err,
	    sizeof(err))) == NULL) {
		queue_tx_rcpt_refuse(q, NULL, v, err);
		return;
	}
	why = m->pending_bad;
	m->pending_bad = NULL;
	if (!queue_tx_verdict_valid(v))
		why = "bad verdict";
	else if (v->code != 250) {
		m->npending = 0;	/* a refusal carries no envelope */
		why = NULL;
	} else if (why == NULL && m->npending == 0)
		why = "accepted without envelopes";
	if (why != NULL) {
		queue_tx_rcpt_refuse(q, m, v, why);
		return;
	}
	queue_tx_keep_pending(m, v->sessid);
	queue_tx_rcpt_reply(q, v, v->code, v->enhanced, v->text);
}

/* queue_tx_size_ok - the incoming message file holds size octets */
static int
queue_tx_size_ok(struct queue *q, const struct queue_tx_msg *m)
{
	char		path[ENVELOPE_MSGID_STRLEN + sizeof("/message")];
	struct stat	sb;

	envelope_msgid_format(m->msgid, path);
	strlcat(path, "/message", sizeof(path));
	if (fstatat(qstore_area_fd(q->qs, SPOOL_AREA_INCOMING), path, &sb,
	    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(sb.st_mode))
		return 0;
	return (uint64_t)sb.st_size == m->size;
}

/* queue_tx_on_commit - MSG_TX_COMMIT: queue for this turn's batch */
void
queue_tx_on_commit(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_tx	*req = msg;
	struct queue		*q = arg;
	struct queue_tx_msg	*m;
	struct timeval		 tv = { 0, 0 };
	char			 err[ERRTEXT_MAX];

	(void)c;
	(void)id;
	(void)fd;
	if ((m = queue_tx_find(q->tx, req->sessid, req->msgid, err,
	    sizeof(err))) == NULL) {
		log_warnx("%016llx queue event=tx-commit-refused msgid=%08x "
		    "error=\"%s\"", (unsigned long long)req->sessid,
		    req->msgid, err);
		queue_tx_reply(q, MSG_TX_COMMITTED, req->sessid, req->msgid,
		    -1, 554, "5.5.1", "no such transaction");
		return;
	}
	m->size = req->size;
	m->npending = 0;		/* a RCPT without its verdict */
	m->pending_bad = NULL;
	queue_tx_edit_commit(m);
	if (m->nevp == 0)
		queue_tx_refuse(m, "no recipient");
	else if (!queue_tx_size_ok(q, m))
		queue_tx_refuse(m, "message size mismatch");
	TAILQ_REMOVE(&q->tx->open, m, entry);
	TAILQ_INSERT_TAIL(&q->tx->batch, m, entry);
	if (TAILQ_FIRST(&q->tx->batch) == m)
		evtimer_add(q->tx->ev, &tv);
}

/* queue_tx_drop - remove an uncommitted message and its transaction */
static void
queue_tx_drop(struct queue *q, struct queue_tx_msg *m)
{
	if (qstore_msg_abort(q->qs, m->msgid) == -1)
		log_warnx("%016llx queue event=remove-failed msgid=%08x "
		    "error=\"%s\"", (unsigned long long)m->sessid, m->msgid,
		    strerror(errno));
	queue_tx_free(q->tx, m);
}

/* queue_tx_on_abort - MSG_TX_ABORT: the listener gave the message up */
void
queue_tx_on_abort(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_tx	*req = msg;
	struct queue		*q = arg;
	struct queue_tx_msg	*m;
	char			 err[ERRTEXT_MAX];

	(void)c;
	(void)id;
	(void)fd;
	if ((m = queue_tx_find(q->tx, req->sessid, req->msgid, err,
	    sizeof(err))) == NULL) {
		log_debug("%016llx queue event=tx-abort-ignored msgid=%08x "
		    "error=\"%s\"", (unsigned long long)req->sessid,
		    req->msgid, err);
		return;
	}
	TAILQ_REMOVE(&q->tx->open, m, entry);
	log_debug("%016llx queue event=tx-abort msgid=%08x",
	    (unsigned long long)req->sessid, req->msgid);
	queue_tx_drop(q, m);
}

/* queue_tx_abort_all - the listener went away: drop every open message */
void
queue_tx_abort_all(struct queue *q)
{
	struct queue_tx_msg	*m;

	while ((m = TAILQ_FIRST(&q->tx->open)) != NULL) {
		TAILQ_REMOVE(&q->tx->open, m, entry);
		queue_tx_drop(q, m);
	}
}

/* queue_tx_fail_code - the reply for a failed commit, from its error */
static int
queue_tx_fail_code(const char *err, const char **enhanced)
{
	if (strstr(err, strerror(ENOSPC)) != NULL ||
	    strstr(err, strerror(EDQUOT)) != NULL) {
		*enhanced = "4.3.1";
		return 452;
	}
	*enhanced = "4.3.0";
	return 451;
}

/* queue_tx_published - did a failed commit still reach queue/? */
static int
queue_tx_published(struct queue *q, uint32_t msgid)
{
	char		name[ENVELOPE_MSGID_STRLEN + 1];
	struct stat	sb;

	envelope_msgid_format(msgid, name);
	return fstatat(qstore_area_fd(q->qs, SPOOL_AREA_INCOMING), name, &sb,
	    AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT &&
	    qstore_msg_exists(q->qs, msgid);
}

/* queue_tx_queued - hand committed envelopes to the scheduler */
static void
queue_tx_queued(struct queue *q, const struct envelope *evps, size_t n)
{
	size_t	i;

	q->stats.messages++;
	for (i = 0; i < n; i++) {
		q->stats.received++;
		(void)qdispatch_add(q, &evps[i]);
	}
}

/* queue_tx_encode - compress/encrypt an incoming message before commit */
static int
queue_tx_encode(struct queue *q, uint32_t msgid, char *err, size_t errsz)
{
	char	path[ENVELOPE_MSGID_STRLEN + sizeof("/message")];

	if (q->crypt == NULL)
		return 0;
	envelope_msgid_format(msgid, path);
	strlcat(path, "/message", sizeof(path));
	return qstore_crypt_encode(q->crypt,
	    qstore_area_fd(q->qs, SPOOL_AREA_INCOMING), path, err, errsz);
}

/* queue_tx_finish - answer one transaction after its commit */
static void
queue_tx_finish(struct queue *q, struct queue_tx_msg *m, int status,
    const char *err)
{
	const char	*enh;
	int		 code;

	if (status == 0) {
		log_info("%016llx queue event=tx-commit msgid=%08x size=%llu "
		    "rcpts=%zu", (unsigned long long)m->sessid, m->msgid,
		    (unsigned long long)m->size, m->nevp);
		queue_tx_reply(q, MSG_TX_COMMITTED, m->sessid, m->msgid, -1,
		    0, "2.0.0", "");
		queue_tx_queued(q, m->evps, m->nevp);
		queue_tx_free(q->tx, m);
		return;
	}
	if (m->invalid) {
		code = 554;
		enh = "5.5.0";
	} else
		code = queue_tx_fail_code(err, &enh);
	log_warnx("%016llx queue event=tx-commit-failed msgid=%08x code=%d "
	    "error=\"%s\"", (unsigned long long)m->sessid, m->msgid, code,
	    err);
	queue_tx_reply(q, MSG_TX_COMMITTED, m->sessid, m->msgid, -1, code,
	    enh, m->invalid ? "transaction refused" :
	    "temporary queue failure");
	if (!m->invalid && queue_tx_published(q, m->msgid)) {
		/* durable after all, though not acknowledged: deliver it */
		queue_tx_queued(q, m->evps, m->nevp);
		queue_tx_free(q->tx, m);
	} else
		queue_tx_drop(q, m);
}

/*
 * queue_tx_on_batch - commit every request of this loop turn at once;
 * refused or unencodable ones are answered without touching the batch.
 */
static void
queue_tx_on_batch(evutil_socket_t fd, short what, void *arg)
{
	struct queue_tx		*tx = arg;
	struct queue_tx_msg	*m, **ms;
	struct qstore_commit	*reqs;
	size_t			 i, n = 0;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(m, &tx->batch, entry)
		n++;
	reqs = xcalloc(n ? n : 1, sizeof(*reqs));
	ms = xcalloc(n ? n : 1, sizeof(*ms));
	for (n = 0; (m = TAILQ_FIRST(&tx->batch)) != NULL;) {
		TAILQ_REMOVE(&tx->batch, m, entry);
		if (!m->invalid && queue_tx_encode(tx->q, m->msgid, m->why,
		    sizeof(m->why)) == 0) {
			ms[n] = m;
			reqs[n].msgid = m->msgid;
			reqs[n].evps = m->evps;
			reqs[n++].nevp = m->nevp;
		} else
			queue_tx_finish(tx->q, m, -1, m->why);
	}
	if (n > 0)
		(void)qstore_commit_batch(tx->q->qs, reqs, n);
	for (i = 0; i < n; i++)
		queue_tx_finish(tx->q, ms[i], reqs[i].status, reqs[i].err);
	free(reqs);
	free(ms);
	qdispatch_now(tx->q);
}

/*
 * queue_tx_inject - commit a message the queue wrote itself (a bounce,
 * an offline drop) with its envelopes, and schedule them.
 */
int
queue_tx_inject(struct queue *q, uint32_t msgid, struct envelope *evps,
    size_t n, char *err, size_t errsz)
{
	if (queue_tx_encode(q, msgid, err, errsz) == -1 ||
	    qstore_msg_commit(q->qs, msgid, evps, n, err, errsz) == -1) {
		(void)qstore_msg_abort(q->qs, msgid);
		return -1;
	}
	q->stats.messages++;
	for (; n > 0; n--, evps++)
		(void)qdispatch_add(q, evps);
	qdispatch_now(q);
	return 0;
}
