/*
 * lookup_fchain.c - a listener's filter that runs filter processes, at
 * one phase of a session: its members in order, a builtin one at once
 * on the tables, a process by a filter request (a token of its own)
 * that waits, without holding up anything else, for the result.  The
 * first member that decides anything but proceed decides for the phase,
 * as in a chain of builtin filters.  A process that is down, does not
 * answer within LOOKUP_FCHAIN_TIMEOUT seconds or answers what the phase
 * cannot take fails the request: the listener ends the session (421).
 *
 * The processes hear of a session (link-connect) at its connect phase,
 * of what each phase's filters decided (filter-response), of what a
 * process reported (filter-report) and of the session's end
 * (link-disconnect), each if it registered for the event; of the rest
 * from the listener (lookup_freport.c).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vis.h>

#include <event2/event.h>

#include "buf.h"
#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "lookup.h"
#include "lookup_fproc.h"
#include "lookup_fproto.h"
#include "lookup_milter.h"
#include "xmalloc.h"

/* a phase of a session waiting for a filter process */
struct lookup_fchain_req {
	TAILQ_ENTRY(lookup_fchain_req)	 entry;
	struct lookup_fprocs		*fps;
	struct msg_lka_filter		 m;
	const struct cfg_sfilter	*chain;
	size_t				 pos;	/* the member asked */
	struct lookup_fproc		*lf;	/* NULL: none asked yet */
	int				 milter;	/* a milter asked */
	uint64_t			 token;
	struct event			*timer;
};

static void	lookup_fchain_next(struct lookup_fchain_req *);
static int	lookup_fchain_milter(struct lookup_fchain_req *,
		    const struct cfg_sfilter *);

/* lookup_fchain_member - the i-th filter of chain, or NULL past the end */
static const struct cfg_sfilter *
lookup_fchain_member(const struct cfg_sfilter *chain, size_t i)
{
	if (chain->kind == CFG_SFILTER_CHAIN)
		return i < chain->nmembers ? chain->members[i] : NULL;
	return i == 0 ? chain : NULL;
}

/* lookup_fchain_free - forget a request */
static void
lookup_fchain_free(struct lookup_fchain_req *req)
{
	TAILQ_REMOVE(&req->fps->reqs, req, entry);
	if (req->milter)
		lookup_milter_cancel(req->fps->milters, req);
	if (req->timer != NULL)
		event_free(req->timer);
	free(req);
}

/* lookup_fchain_reply - the verdict to the listener, and the end */
static void
lookup_fchain_reply(struct lookup_fchain_req *req, uint32_t status,
    uint32_t decision, const char *message)
{
	struct msg_lka_filter_result	 res;
	const struct cfg_sfilter	*f;

	memset(&res, 0, sizeof(res));
	res.sessid = req->m.sess.id;
	res.phase = req->m.phase;
	res.status = status;
	f = lookup_fchain_member(req->chain, req->pos);
	if (status == IPC_FILTER_DECIDED) {
		res.rule = f->index;
		res.decision = decision;
		if (message != NULL)
			strlcpy(res.message, message, sizeof(res.message));
	}
	lookup_freport_response(req->fps, req->m.sess.id, req->m.phase,
	    status, decision, message);
	if (status != IPC_FILTER_NONE)
		log_info("%016llx lookup event=filter phase=%s filter=%s "
		    "result=%s", (unsigned long long)req->m.sess.id,
		    cfg_sfilter_phase_name(req->m.phase), f->name,
		    status == IPC_FILTER_DECIDED ? "decided" :
		    status == IPC_FILTER_FAILED ? "failed" : "tempfail");
	if (ipc_send(req->fps->l->smtpd, MSG_LOOKUP_FILTER_RESULT, 0, -1,
	    &res, sizeof(res)) == -1)
		log_warn("lookup event=send-failed what=filter-result");
	lookup_fchain_free(req);
}

/* lookup_fchain_fail - a process failed the request: why, then 421 */
static void
lookup_fchain_fail(struct lookup_fchain_req *req, const char *why)
{
	log_warnx("%016llx lookup event=filter-failed name=%s phase=%s "
	    "reason=\"%s\"", (unsigned long long)req->m.sess.id,
	    lookup_fchain_member(req->chain, req->pos)->name,
	    cfg_sfilter_phase_name(req->m.phase), why);
	lookup_fchain_reply(req, IPC_FILTER_FAILED, 0, NULL);
}

/* lookup_fchain_on_timeout - the process did not answer in time */
static void
lookup_fchain_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lookup_fchain_fail(arg, "time-out");
}

/* lookup_fchain_sess - the session as the processes know it, or NULL */
struct lookup_fsess *
lookup_fchain_sess(struct lookup_fprocs *fps, uint64_t sessid, int create)
{
	struct lookup_fsess	*s;

	TAILQ_FOREACH(s, &fps->sessions, entry)
		if (s->sessid == sessid)
			return s;
	if (!create)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->sessid = sessid;
	TAILQ_INSERT_HEAD(&fps->sessions, s, entry);
	return s;
}

/* lookup_fchain_report - event e to every ready process registered */
void
lookup_fchain_report(struct lookup_fprocs *fps, struct lookup_fsess *s,
    unsigned int e, const char *const *f, size_t n)
{
	struct timespec	 ts;
	struct buf	 b;
	size_t		 i;

	clock_gettime(CLOCK_REALTIME, &ts);
	buf_init(&b, LOOKUP_FPROTO_LINE_MAX + 1);
	for (i = 0; i < fps->n; i++) {
		if (e == LOOKUP_FPROTO_LINK_CONNECT && fps->v[i].ready)
			s->told |= 1u << i;
		if (!(fps->v[i].reports & (1u << e)) ||
		    !(s->told & (1u << i)))
			continue;
		buf_reset(&b);
		if (lookup_fproto_report(&b, &ts, e, s->sessid, f, n) == 0)
			(void)lookup_fproc_write(&fps->v[i], &b);
	}
	buf_free(&b);
}

/*
 * lookup_fchain_tx_begin - transaction msgid begins (the queue opened
 * it), or its text does: nothing new if it began already
 */
void
lookup_fchain_tx_begin(struct lookup_fprocs *fps, uint64_t sessid,
    uint32_t msgid)
{
	struct lookup_fsess	*s;
	char			 id[16];
	const char		*f[1] = { id };

	if ((s = lookup_fchain_sess(fps, sessid, 0)) == NULL ||
	    (s->intx && s->msgid == msgid))
		return;
	lookup_fchain_tx_end(fps, sessid, 0);
	snprintf(id, sizeof(id), "%08x", msgid);
	s->intx = 1;
	s->msgid = msgid;
	s->size = 0;
	lookup_fchain_report(fps, s, LOOKUP_FPROTO_TX_BEGIN, f, 1);
}

/* lookup_fchain_tx_end - the message is committed, or it is not */
void
lookup_fchain_tx_end(struct lookup_fprocs *fps, uint64_t sessid,
    int committed)
{
	struct lookup_fsess	*s;
	char			 id[16], size[24];
	const char		*f[2] = { id, size };

	if ((s = lookup_fchain_sess(fps, sessid, 0)) == NULL || !s->intx)
		return;
	s->intx = 0;
	snprintf(id, sizeof(id), "%08x", s->msgid);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)s->size);
	lookup_fchain_report(fps, s, committed ? LOOKUP_FPROTO_TX_COMMIT :
	    LOOKUP_FPROTO_TX_ROLLBACK, f, committed ? 2 : 1);
}

/* lookup_fchain_events - what the processes hear of before the phase */
static void
lookup_fchain_events(struct lookup_fprocs *fps, const struct msg_lka_filter *m)
{
	const struct ipc_sess	*ss = &m->sess;
	struct lookup_fsess	*s;
	const char		*f[4];

	if (m->phase != CFG_SFILTER_CONNECT)
		return;
	s = lookup_fchain_sess(fps, ss->id, 1);
	f[0] = ss->rdns;
	f[1] = ss->rdns[0] != '\0' ? "pass" : "fail";
	f[2] = m->link_src;
	f[3] = m->link_dest;
	lookup_fchain_report(fps, s, LOOKUP_FPROTO_LINK_CONNECT, f, 4);
}

/* lookup_fchain_start - run chain at the request's phase */
void
lookup_fchain_start(struct lookup *l, const struct cfg_sfilter *chain,
    const struct msg_lka_filter *m)
{
	struct lookup_fchain_req	*req;

	req = xcalloc(1, sizeof(*req));
	req->fps = l->fprocs;
	memcpy(&req->m, m, sizeof(req->m));
	req->chain = chain;
	TAILQ_INSERT_TAIL(&l->fprocs->reqs, req, entry);
	lookup_fchain_events(l->fprocs, m);
	lookup_fchain_next(req);
}

/* lookup_fchain_param - what the filter request says of the phase */
static const char *
lookup_fchain_param(const struct msg_lka_filter *m)
{
	switch (m->phase) {
	case CFG_SFILTER_CONNECT:
		return m->link_src;
	case CFG_SFILTER_HELO:
	case CFG_SFILTER_EHLO:
		return m->sess.helo;
	case CFG_SFILTER_AUTH:
		return m->arg;
	case CFG_SFILTER_MAIL_FROM:
		return m->sender;
	case CFG_SFILTER_RCPT_TO:
		return m->rcpt;
	default:
		return "";
	}
}

/* lookup_fchain_ask - send the process the request; -1 if it is down */
static int
lookup_fchain_ask(struct lookup_fchain_req *req, struct lookup_fproc *lf)
{
	struct timeval	 tv = { LOOKUP_FCHAIN_TIMEOUT, 0 };
	struct timespec	 ts;
	struct buf	 b;
	const char	*f[2];
	size_t		 n = 0;
	int		 r;

	if (req->m.phase == CFG_SFILTER_CONNECT)
		f[n++] = req->m.sess.rdns;
	f[n++] = lookup_fchain_param(&req->m);
	req->token = ++req->fps->next_token;
	clock_gettime(CLOCK_REALTIME, &ts);
	buf_init(&b, LOOKUP_FPROTO_LINE_MAX + 1);
	r = lookup_fproto_filter(&b, &ts, req->m.phase, req->m.sess.id,
	    req->token, f, n);
	if (r == 0)
		r = lookup_fproc_write(lf, &b);
	buf_free(&b);
	if (r == -1)
		return -1;
	req->lf = lf;
	if (req->timer == NULL)
		req->timer = evtimer_new(ev_base(), lookup_fchain_on_timeout,
		    req);
	evtimer_add(req->timer, &tv);
	return 0;
}

/* lookup_fchain_next - from the member at req->pos on: decide or wait */
static void
lookup_fchain_next(struct lookup_fchain_req *req)
{
	const struct cfg_sfilter	*f;
	struct lookup			*l = req->fps->l;
	struct lookup_fproc		*lf;
	struct lookup_rule_ctx		 ctx;
	int				 r;

	lookup_rule_ctx_sess(l, &req->m.sess, req->m.sender, req->m.rcpt,
	    &ctx);
	for (; (f = lookup_fchain_member(req->chain, req->pos)) != NULL;
	    req->pos++) {
		if (f->kind == CFG_SFILTER_BUILTIN) {
			r = lookup_filter_one(f, req->m.phase, &ctx,
			    lookup_tables_lookup, l->tables);
			if (r == 1 && f->decision == CFG_SFILTER_REPORT) {
				lookup_filter_report(req->m.sess.id, f);
				lookup_freport_filter(req->fps, req->m.sess.id,
				    "builtin", f->name, f->message);
				continue;
			}
			if (r == 0)
				continue;
			lookup_fchain_reply(req, r == 1 ? IPC_FILTER_DECIDED :
			    IPC_FILTER_TEMPFAIL, f->decision, NULL);
			return;
		}
		if (f->kind == CFG_SFILTER_MILTER) {
			if (lookup_fchain_milter(req, f) == 0)
				continue;
			return;
		}
		lf = lookup_fproc_of(req->fps, f->proc);
		if (lf == NULL || !lf->ready) {
			lookup_fchain_fail(req, "filter process not running");
			return;
		}
		if (!(lf->filters & (1u << req->m.phase)))
			continue;
		if (lookup_fchain_ask(req, lf) == -1)
			lookup_fchain_fail(req, "filter process not running");
		return;
	}
	req->pos = 0;
	lookup_fchain_reply(req, IPC_FILTER_NONE, 0, NULL);
}

/*
 * lookup_fchain_milter - ask the milter member f: 0 when it lets the
 * phase go on now, 1 when it decided or its answer is awaited
 */
static int
lookup_fchain_milter(struct lookup_fchain_req *req,
    const struct cfg_sfilter *f)
{
	struct lookup_milter_verdict	v;

	if (lookup_milter_phase(req->fps->milters, req, f, &req->m, &v) == 1) {
		req->milter = 1;
		return 1;
	}
	if (v.decision == -1)
		return 0;
	lookup_fchain_reply(req, IPC_FILTER_DECIDED, (uint32_t)v.decision,
	    v.message);
	return 1;
}

/* lookup_fchain_milter_answer - the milter asked at req->pos answered */
void
lookup_fchain_milter_answer(struct lookup_fchain_req *req,
    const struct lookup_milter_verdict *v)
{
	req->milter = 0;
	if (v->decision != -1) {
		lookup_fchain_reply(req, IPC_FILTER_DECIDED,
		    (uint32_t)v->decision, v->message);
		return;
	}
	req->pos++;
	lookup_fchain_next(req);
}

/* lookup_fchain_waiting - the request this process owes for token */
static struct lookup_fchain_req *
lookup_fchain_waiting(struct lookup_fproc *lf, uint64_t sessid,
    uint64_t token)
{
	struct lookup_fchain_req	*req;

	TAILQ_FOREACH(req, &lf->fps->reqs, entry)
		if (req->lf == lf && req->token == token &&
		    req->m.sess.id == sessid)
			return req;
	return NULL;
}

/* lookup_fchain_decision - a process's decision as the listener's */
static int
lookup_fchain_decision(const struct lookup_fchain_req *req,
    const struct lookup_fproto_result *res)
{
	enum cfg_sfilter_phase	p = req->m.phase;

	switch (res->decision) {
	case LOOKUP_FPROTO_REJECT:
		return CFG_SFILTER_REJECT;
	case LOOKUP_FPROTO_DISCONNECT:
		return CFG_SFILTER_DISCONNECT;
	case LOOKUP_FPROTO_JUNK:
		return p == CFG_SFILTER_COMMIT ? -1 : CFG_SFILTER_JUNK;
	case LOOKUP_FPROTO_REWRITE:
		if ((p != CFG_SFILTER_HELO && p != CFG_SFILTER_EHLO &&
		    p != CFG_SFILTER_MAIL_FROM && p != CFG_SFILTER_RCPT_TO) ||
		    strlen(res->param) >= IPC_FILTER_MSG_MAX ||
		    !cfg_sfilter_rewrite_valid(p, res->param))
			return -1;
		return CFG_SFILTER_REWRITE;
	default:
		return -1;
	}
}

/* lookup_fchain_answer - the process answered req */
static void
lookup_fchain_answer(struct lookup_fchain_req *req,
    const struct lookup_fproto_result *res)
{
	char	vis[4 * 128 + 1];
	int	d;

	if (res->decision == LOOKUP_FPROTO_REPORT) {
		strnvis(vis, res->param, sizeof(vis), VIS_SAFE | VIS_DQ);
		log_info("%016llx lookup event=filter-report name=%s "
		    "text=\"%s\"", (unsigned long long)req->m.sess.id,
		    req->lf->cfg->name, vis);
		lookup_freport_filter(req->fps, req->m.sess.id, "proc",
		    req->lf->cfg->name, res->param);
		return;
	}
	evtimer_del(req->timer);
	req->lf = NULL;
	if (res->decision == LOOKUP_FPROTO_PROCEED) {
		req->pos++;
		lookup_fchain_next(req);
	} else if ((d = lookup_fchain_decision(req, res)) == -1)
		lookup_fchain_fail(req, "decision invalid at this phase");
	else
		lookup_fchain_reply(req, IPC_FILTER_DECIDED, (uint32_t)d,
		    res->param);
}

/*
 * lookup_fchain_result - a line of a ready process: 0, or -1 when it
 * answers no request (the caller logs it)
 */
int
lookup_fchain_result(struct lookup_fproc *lf, const char *line)
{
	struct lookup_fproto_result	 res;
	struct lookup_fchain_req	*req;
	uint64_t			 sessid, token;
	char				 err[128];

	if (lookup_fproto_result_parse(line, &res, err, sizeof(err)) == -1) {
		if (lookup_fproto_ids(line, &sessid, &token) == -1 ||
		    (req = lookup_fchain_waiting(lf, sessid, token)) == NULL)
			return -1;
		lookup_fchain_fail(req, err);
		return 0;
	}
	if (res.decision == LOOKUP_FPROTO_DATALINE)
		return lookup_fdata_result(lf, &res);
	if ((req = lookup_fchain_waiting(lf, res.sessid, res.token)) == NULL)
		return -1;
	lookup_fchain_answer(req, &res);
	return 0;
}

/* lookup_fchain_proc_down - a process went down: what waits on it fails */
void
lookup_fchain_proc_down(struct lookup_fproc *lf)
{
	struct lookup_fchain_req	*req, *next;
	size_t				 i = (size_t)(lf - lf->fps->v);
	struct lookup_fsess		*s;

	TAILQ_FOREACH_SAFE(req, &lf->fps->reqs, entry, next)
		if (req->lf == lf)
			lookup_fchain_fail(req, "filter process down");
	TAILQ_FOREACH(s, &lf->fps->sessions, entry)
		s->told &= ~(1u << i);
}

/* lookup_fchain_on_end - MSG_LOOKUP_FILTER_END: a session ended */
void
lookup_fchain_on_end(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_filter_end	*m = msg;
	struct lookup			*l = arg;
	const struct cfg_listener	*ls;
	struct lookup_fchain_req	*req, *next;
	struct lookup_fsess		*s;

	(void)c;
	(void)id;
	(void)fd;
	ls = lookup_listener_at(l, m->listener);
	if (ls == NULL || !cfg_sfilter_has_remote(ls->filter))
		fatalx("ipc: MSG_LOOKUP_FILTER_END from smtpd: listener %u "
		    "runs no filter process or milter", m->listener);
	TAILQ_FOREACH_SAFE(req, &l->fprocs->reqs, entry, next)
		if (req->m.sess.id == m->sessid)
			lookup_fchain_free(req);
	lookup_milter_end(l->fprocs->milters, m->sessid);
	if ((s = lookup_fchain_sess(l->fprocs, m->sessid, 0)) == NULL)
		return;
	lookup_fchain_tx_end(l->fprocs, m->sessid, 0);
	lookup_fchain_report(l->fprocs, s, LOOKUP_FPROTO_LINK_DISCONNECT,
	    NULL, 0);
	TAILQ_REMOVE(&l->fprocs->sessions, s, entry);
	free(s);
}
