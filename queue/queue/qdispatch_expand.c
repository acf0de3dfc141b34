/*
 * qdispatch_expand.c - notices to local senders, expanded when they come
 * due (see bounce.c).
 *
 * An envelope with ENVELOPE_F_EXPAND is not delivered: the queue sends
 * MSG_LOOKUP_NOTICE {rcpt, dispatcher} to the lookup, which expands it as
 * a RCPT to that address under that action and answers with zero or
 * more MSG_LOOKUP_NOTICE_EXPANDED and one MSG_LOOKUP_NOTICE_RESULT.  Every
 * result is checked here (the rules of envelope_rule.h can make it and
 * its action delivers, the record can hold it); then
 * qstore_replace durably swaps the one notice envelope for the final
 * ones, which are scheduled like any other.  A temporary failure (or a
 * result that does not pass the checks, or no answer within
 * QDISPATCH_EXPAND_TIMEOUT) defers the notice; a refusal ("User
 * unknown") fails it, which sends one notice to the postmaster unless
 * it already was one (bounce_target).
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cfg.h"
#include "envelope.h"
#include "envelope_rule.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "qstore.h"
#include "queue.h"
#include "sched.h"
#include "xmalloc.h"

#define QDISPATCH_EXPAND_TIMEOUT	300	/* seconds for an answer */
#define QDISPATCH_EXPAND_CHECK		60	/* seconds between checks */

/* One notice waiting for the lookup's answer. */
struct qdispatch_expand_req {
	TAILQ_ENTRY(qdispatch_expand_req) entry;
	uint64_t		 reqid;
	uint64_t		 evpid;
	int64_t			 started;
	struct envelope		*evps;		/* the checked results */
	size_t			 n;
	const char		*bad;		/* a result failed the checks */
};

struct qdispatch_expand {
	TAILQ_HEAD(, qdispatch_expand_req) reqs;
	uint64_t		 nextreq;
	struct event		*timer;
};

static void	qdispatch_expand_on_timer(evutil_socket_t, short, void *);

/*
 * qdispatch_expand_check - may the queue take this expansion result:
 * NULL, or why not.  A pure check of untrusted fields.
 */
const char *
qdispatch_expand_check(const struct cfg *cfg, const struct envelope *r)
{
	const struct cfg_action	*a;

	if ((a = cfg_action_find(cfg, r->dispatcher)) != NULL &&
	    (a->type == CFG_ACTION_EXPAND_ONLY ||
	    a->type == CFG_ACTION_FORWARD_ONLY))
		return "action delivers nothing";
	return envelope_rule_check(cfg, r);
}

/*
 * qdispatch_expand_build - the envelope delivering notice n to the
 * expansion result r (of ttl seconds from the notice's creation); -1
 * if the record cannot hold it.
 */
int
qdispatch_expand_build(const struct envelope *n, const struct envelope *r,
    int64_t ttl, struct envelope *out)
{
	char	*buf;
	int	 len;

	*out = *n;
	out->evpid = n->evpid;
	strlcpy(out->dest, r->dest, sizeof(out->dest));
	strlcpy(out->dispatcher, r->dispatcher, sizeof(out->dispatcher));
	strlcpy(out->user, r->user, sizeof(out->user));
	out->dest_type = r->dest_type;
	out->origin = r->origin;
	out->flags &= ~ENVELOPE_F_EXPAND;
	out->state = ENVELOPE_ST_PENDING;
	out->errmsg[0] = '\0';
	out->ttl = ttl;
	out->lasttry = 0;
	out->nexttry = n->nexttry;
	out->retry = out->warn = 0;
	buf = xmalloc(ENVELOPE_DUMP_MAX + 1);
	len = envelope_dump(out, buf, ENVELOPE_DUMP_MAX + 1);
	free(buf);
	out->evpid = 0;
	return len == -1 ? -1 : 0;
}

/* qdispatch_expand_ctx - the queue's expansion state, made on first use */
static struct qdispatch_expand *
qdispatch_expand_ctx(struct queue *q)
{
	struct timeval	tv = { QDISPATCH_EXPAND_CHECK, 0 };

	if (q->dxp != NULL)
		return q->dxp;
	q->dxp = xcalloc(1, sizeof(*q->dxp));
	TAILQ_INIT(&q->dxp->reqs);
	q->dxp->timer = event_new(ev_base(), -1, EV_PERSIST,
	    qdispatch_expand_on_timer, q);
	event_add(q->dxp->timer, &tv);
	return q->dxp;
}

/* qdispatch_expand_free - forget a request */
static void
qdispatch_expand_free(struct queue *q, struct qdispatch_expand_req *r)
{
	TAILQ_REMOVE(&q->dxp->reqs, r, entry);
	free(r->evps);
	free(r);
}

/* qdispatch_expand_start - ask the lookup to expand a due notice */
void
qdispatch_expand_start(struct queue *q, struct envelope *evp)
{
	struct qdispatch_expand		*x = qdispatch_expand_ctx(q);
	struct qdispatch_expand_req	*r;
	struct msg_lka_notice		 m;

	memset(&m, 0, sizeof(m));
	m.reqid = ++x->nextreq;
	m.evpid = evp->evpid;
	strlcpy(m.rcpt, evp->rcpt, sizeof(m.rcpt));
	strlcpy(m.dispatcher, evp->dispatcher, sizeof(m.dispatcher));
	if (q->lookup == NULL || ipc_send(q->lookup, MSG_LOOKUP_NOTICE, 0, -1,
	    &m, sizeof(m)) == -1) {
		qdispatch_tempfail(q, evp, "4.3.0 lookup not available");
		return;
	}
	r = xcalloc(1, sizeof(*r));
	r->reqid = m.reqid;
	r->evpid = evp->evpid;
	r->started = time(NULL);
	TAILQ_INSERT_TAIL(&x->reqs, r, entry);
	log_debug("%016llx queue event=expand action=%s",
	    (unsigned long long)evp->evpid, evp->dispatcher);
}

/* qdispatch_expand_find - the request an answer names, or NULL */
static struct qdispatch_expand_req *
qdispatch_expand_find(struct queue *q, uint64_t reqid, const char *what)
{
	struct qdispatch_expand_req	*r;

	if (q->dxp != NULL)
		TAILQ_FOREACH(r, &q->dxp->reqs, entry)
			if (r->reqid == reqid)
				return r;
	log_warnx("queue event=expand-answer-refused what=%s reqid=%llu "
	    "error=\"no such request\"", what, (unsigned long long)reqid);
	return NULL;
}

/* qdispatch_on_notice_expanded - MSG_LOOKUP_NOTICE_EXPANDED: keep, checked */
void
qdispatch_on_notice_expanded(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	const struct msg_lka_notice_expanded	*m = msg;
	struct queue				*q = arg;
	struct qdispatch_expand_req		*r;
	const char				*why;

	(void)c;
	(void)id;
	(void)fd;
	if ((r = qdispatch_expand_find(q, m->reqid, "expanded")) == NULL ||
	    r->bad != NULL)
		return;
	if (r->n >= QSTORE_REPLACE_MAX)
		why = "too many recipients";
	else
		why = qdispatch_expand_check(q->env->cfg, &m->evp);
	if (why != NULL) {
		r->bad = why;
		log_warnx("%016llx queue event=expand-result-refused "
		    "error=\"%s\"", (unsigned long long)r->evpid, why);
		return;
	}
	r->evps = xreallocarray(r->evps, r->n + 1, sizeof(*r->evps));
	r->evps[r->n++] = m->evp;
}

/*
 * qdispatch_expand_load - the notice an answer is about, still in
 * flight; 0 if gone
 */
static int
qdispatch_expand_load(struct queue *q, uint64_t evpid, struct envelope *evp)
{
	struct sched_info	si;

	if (sched_info(q->sched, evpid, &si) != 1 || !si.inflight)
		return 0;
	return qdispatch_load_evp(q, evpid, evp);
}

/* qdispatch_expand_schedule - schedule the replacements that exist */
static size_t
qdispatch_expand_schedule(struct queue *q, struct envelope *evps, size_t n)
{
	struct envelope	evp;
	char		err[256];
	size_t		i, done = 0;

	for (i = 0; i < n; i++) {
		if (evps[i].evpid == 0 || qstore_envelope_load(q->qs,
		    evps[i].evpid, &evp, err, sizeof(err)) != 1)
			continue;
		if (qdispatch_add(q, &evp) == 0)
			done++;
	}
	return done;
}

/* qdispatch_expand_replace - swap the notice for its final recipients */
static void
qdispatch_expand_replace(struct queue *q, struct envelope *evp,
    struct qdispatch_expand_req *r)
{
	struct envelope	*out, tmp;
	char		 err[256], vis[ADDR_MAX * 4];
	size_t		 i, done;

	out = xcalloc(r->n, sizeof(*out));
	for (i = 0; i < r->n; i++)
		if (qdispatch_expand_build(evp, &r->evps[i],
		    queue_tx_ttl(q, r->evps[i].dispatcher), &out[i]) == -1)
			break;
	if (i < r->n) {
		qdispatch_tempfail(q, evp, "4.3.0 expansion not representable");
		free(out);
		return;
	}
	if (qstore_replace(q->qs, evp->evpid, out, r->n, err,
	    sizeof(err)) == -1) {
		log_warnx("%016llx queue event=expand-store error=\"%s\"",
		    (unsigned long long)evp->evpid, err);
		if (qstore_envelope_load(q->qs, evp->evpid, &tmp, err,
		    sizeof(err)) == 1)
			qdispatch_tempfail(q, evp, "4.3.0 expansion not stored");
		else {
			/* committed: what is not published yet, is at restart */
			qdispatch_forget(q, evp->evpid);
			(void)qdispatch_expand_schedule(q, out, r->n);
		}
		free(out);
		return;
	}
	qdispatch_forget(q, evp->evpid);
	done = qdispatch_expand_schedule(q, out, r->n);
	log_info("%016llx queue event=expanded rcpt=<%s> results=%zu",
	    (unsigned long long)evp->evpid, log_vis(vis, sizeof(vis),
	    evp->rcpt), done);
	free(out);
}

/* qdispatch_on_notice_result - MSG_LOOKUP_NOTICE_RESULT: act on it */
void
qdispatch_on_notice_result(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	const struct msg_lka_notice_result	*m = msg;
	struct queue				*q = arg;
	struct qdispatch_expand_req		*r;
	struct envelope				 evp;
	char					 text[ERRTEXT_MAX + 32];

	(void)c;
	(void)id;
	(void)fd;
	if ((r = qdispatch_expand_find(q, m->reqid, "result")) == NULL)
		return;
	if (qdispatch_expand_load(q, r->evpid, &evp) != 1) {
		qdispatch_expand_free(q, r);
		return;
	}
	(void)snprintf(text, sizeof(text), "%d %s %s", (int)m->code,
	    m->enhanced, m->text);
	if (m->code == 250 && r->n > 0 && r->bad == NULL)
		qdispatch_expand_replace(q, &evp, r);
	else if (m->code >= 500 && m->code < 600)
		qdispatch_permfail(q, &evp, text);
	else
		qdispatch_tempfail(q, &evp, r->bad != NULL ? r->bad :
		    m->code == 250 ? "4.3.0 expansion gave no recipient" : text);
	qdispatch_expand_free(q, r);
	qdispatch_kick(q);
}

/* qdispatch_expand_on_timer - notices the lookup never answered */
static void
qdispatch_expand_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct queue			*q = arg;
	struct qdispatch_expand_req	*r, *next;
	struct envelope			 evp;
	int64_t				 now = time(NULL);

	(void)fd;
	(void)what;
	TAILQ_FOREACH_SAFE(r, &q->dxp->reqs, entry, next) {
		if (now - r->started < QDISPATCH_EXPAND_TIMEOUT)
			continue;
		if (qdispatch_expand_load(q, r->evpid, &evp) == 1)
			qdispatch_tempfail(q, &evp, "4.3.0 no answer from the "
			    "lookup");
		qdispatch_expand_free(q, r);
	}
	qdispatch_kick(q);
}
