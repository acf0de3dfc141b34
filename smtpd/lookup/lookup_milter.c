/*
 * lookup_milter.c - the connections to milters.  A session of a listener
 * whose filter names a milter gets its own connection at its connect
 * phase: the lookup connects (as its own account: the milter's socket
 * must let it in), negotiates version 6 and the actions it can carry
 * out, then sends the phases (lookup_mphase.c) and the message
 * (lookup_mdata.c), one command at a time, each answer awaited for the
 * milter's timeout.  A milter that cannot be reached, closes, is late
 * or answers what the protocol does not allow fails for the rest of the
 * session: its on-error action answers for it from then on.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "buf.h"
#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "lookup.h"
#include "lookup_fproc.h"
#include "lookup_mconn.h"
#include "lookup_medit.h"
#include "lookup_milter.h"
#include "lookup_mproto.h"
#include "xmalloc.h"

/* the actions posthorn carries out, the steps a milter may leave out */
#define LOOKUP_MILTER_ACTIONS	(LOOKUP_MPROTO_F_ADDHDRS |		\
	LOOKUP_MPROTO_F_CHGBODY | LOOKUP_MPROTO_F_ADDRCPT |		\
	LOOKUP_MPROTO_F_DELRCPT | LOOKUP_MPROTO_F_CHGHDRS |		\
	LOOKUP_MPROTO_F_QUARANTINE | LOOKUP_MPROTO_F_CHGFROM |		\
	LOOKUP_MPROTO_F_ADDRCPT_PAR | LOOKUP_MPROTO_F_SETSYMLIST)
#define LOOKUP_MILTER_STEPS	(LOOKUP_MPROTO_P_NOCONNECT |		\
	LOOKUP_MPROTO_P_NOHELO | LOOKUP_MPROTO_P_NOMAIL |		\
	LOOKUP_MPROTO_P_NORCPT | LOOKUP_MPROTO_P_NOBODY |		\
	LOOKUP_MPROTO_P_NOHDRS | LOOKUP_MPROTO_P_NOEOH |		\
	LOOKUP_MPROTO_P_NR_HDR | LOOKUP_MPROTO_P_NOUNKNOWN |		\
	LOOKUP_MPROTO_P_NODATA | LOOKUP_MPROTO_P_SKIP |			\
	LOOKUP_MPROTO_P_NR_CONN | LOOKUP_MPROTO_P_NR_HELO |		\
	LOOKUP_MPROTO_P_NR_MAIL | LOOKUP_MPROTO_P_NR_RCPT |		\
	LOOKUP_MPROTO_P_NR_DATA | LOOKUP_MPROTO_P_NR_UNKN |		\
	LOOKUP_MPROTO_P_NR_EOH | LOOKUP_MPROTO_P_NR_BODY |		\
	LOOKUP_MPROTO_P_HDR_LEADSPC)

/* lookup_milter_new - no connection yet */
struct lookup_milters *
lookup_milter_new(struct lookup *l, const struct cfg *cfg)
{
	struct lookup_milters	*ms;

	(void)cfg;
	ms = xcalloc(1, sizeof(*ms));
	ms->l = l;
	TAILQ_INIT(&ms->conns);
	return ms;
}

/* lookup_mconn_find - the session's connection to milter f, or NULL */
static struct lookup_mconn *
lookup_mconn_find(struct lookup_milters *ms, uint64_t sessid,
    const struct cfg_sfilter *f)
{
	struct lookup_mconn	*mc;

	TAILQ_FOREACH(mc, &ms->conns, entry)
		if (mc->sessid == sessid && mc->f == f)
			return mc;
	return NULL;
}

/* lookup_mconn_close - drop the connection, telling the milter if it can */
static void
lookup_mconn_close(struct lookup_mconn *mc)
{
	static const char	 quit[5] = { 0, 0, 0, 1, LOOKUP_MPROTO_C_QUIT };

	if (mc->bev == NULL)
		return;
	if (mc->ready && evbuffer_get_length(bufferevent_get_output(
	    mc->bev)) == 0)
		(void)write(bufferevent_getfd(mc->bev), quit, sizeof(quit));
	bufferevent_free(mc->bev);
	mc->bev = NULL;
	mc->ready = 0;
	mc->wait = LOOKUP_MWAIT_NONE;
	evtimer_del(mc->timer);
}

/* lookup_mconn_free - forget the connection */
static void
lookup_mconn_free(struct lookup_mconn *mc)
{
	lookup_mconn_close(mc);
	lookup_mdata_free(mc);
	TAILQ_REMOVE(&mc->ms->conns, mc, entry);
	event_free(mc->timer);
	free(mc->connect);
	free(mc->mail);
	free(mc);
}

/* lookup_mconn_onerror - the milter's on-error action as a verdict */
void
lookup_mconn_onerror(const struct lookup_mconn *mc, enum cfg_sfilter_phase p,
    struct lookup_milter_verdict *v)
{
	const char	*msg;

	memset(v, 0, sizeof(*v));
	v->decision = -1;
	if (mc->cm->on_error == CFG_MILTER_ACCEPT)
		return;
	v->decision = CFG_SFILTER_REJECT;
	if (mc->cm->on_error == CFG_MILTER_TEMPFAIL)
		msg = p == CFG_SFILTER_CONNECT ?
		    "421 4.7.1 Service unavailable - try again later" :
		    "451 4.7.1 Service unavailable - try again later";
	else
		msg = p == CFG_SFILTER_CONNECT ?
		    "554 5.7.1 Service unavailable" :
		    "550 5.7.1 Command rejected";
	strlcpy(v->message, msg, sizeof(v->message));
}

/* lookup_mconn_answer - the verdict to the phase that waits, if any */
void
lookup_mconn_answer(struct lookup_mconn *mc,
    const struct lookup_milter_verdict *v)
{
	struct lookup_fchain_req	*req = mc->req;

	mc->req = NULL;
	if (req != NULL)
		lookup_fchain_milter_answer(req, v);
}

/* lookup_mconn_fail - the milter failed: on-error answers from now on */
void
lookup_mconn_fail(struct lookup_mconn *mc, const char *why)
{
	struct lookup_milter_verdict	v;

	log_warnx("%016llx lookup event=milter-failed name=%s reason=\"%s\" "
	    "on-error=%s", (unsigned long long)mc->sessid, mc->f->name, why,
	    mc->cm->on_error == CFG_MILTER_ACCEPT ? "accept" :
	    mc->cm->on_error == CFG_MILTER_REJECT ? "reject" : "tempfail");
	lookup_mconn_close(mc);
	mc->dead = 1;
	lookup_mconn_onerror(mc, mc->phase, &v);
	if (mc->fd != NULL && mc->msg.max != 0 && !mc->env_active)
		lookup_mdata_fail(mc);
	lookup_mconn_answer(mc, &v);
}

/* lookup_mconn_send - packets to the milter; a reply awaited if w says */
int
lookup_mconn_send(struct lookup_mconn *mc, const struct buf *b,
    enum lookup_mwait w)
{
	struct timeval	 tv = { mc->cm->timeout, 0 };

	if (mc->bev == NULL || evbuffer_add(bufferevent_get_output(mc->bev),
	    b->data, b->len) == -1)
		return -1;
	mc->wait = w;
	if (w != LOOKUP_MWAIT_NONE)
		evtimer_add(mc->timer, &tv);
	else
		evtimer_del(mc->timer);
	if (w >= LOOKUP_MWAIT_HEADER && mc->fd != NULL)
		lookup_fdata_touch(mc->fd, mc->cm->timeout);
	return 0;
}

/* lookup_mconn_on_timeout - the milter is late */
static void
lookup_mconn_on_timeout(evutil_socket_t s, short what, void *arg)
{
	(void)s;
	(void)what;
	lookup_mconn_fail(arg, "time-out");
}

/* lookup_mconn_optneg - the milter's options: what we may send it */
static int
lookup_mconn_optneg(struct lookup_mconn *mc,
    const struct lookup_mproto_reply *r)
{
	struct lookup_milter_verdict	 v;
	struct buf			 b;
	int				 reply = 0, rc;

	if (r->kind != LOOKUP_MPROTO_R_OPTNEG || r->version < 2 ||
	    r->version > LOOKUP_MPROTO_VERSION ||
	    (r->protocol & ~LOOKUP_MILTER_STEPS) != 0)
		return -1;
	mc->actions = r->actions & LOOKUP_MILTER_ACTIONS;
	mc->protocol = r->protocol;
	mc->ready = 1;
	mc->wait = LOOKUP_MWAIT_NONE;
	evtimer_del(mc->timer);
	buf_init(&b, LOOKUP_MPROTO_PACKET_MAX);
	rc = lookup_mphase_build(mc, mc->connect, &b, &reply);
	free(mc->connect);
	mc->connect = NULL;
	if (rc == 1 && lookup_mconn_send(mc, &b, reply ? LOOKUP_MWAIT_PHASE :
	    LOOKUP_MWAIT_NONE) == -1)
		rc = -1;
	buf_free(&b);
	if (rc == -1)
		return -1;
	if (rc == 0 || !reply) {
		memset(&v, 0, sizeof(v));
		v.decision = -1;
		lookup_mconn_answer(mc, &v);
	}
	return 0;
}

/* lookup_mconn_reply - one reply of the milter; -1 when it is a fault */
static int
lookup_mconn_reply(struct lookup_mconn *mc,
    const struct lookup_mproto_reply *r)
{
	struct timeval			tv = { mc->cm->timeout, 0 };
	struct lookup_milter_verdict	v;
	int				rc;

	if (r->kind == LOOKUP_MPROTO_R_PROGRESS &&
	    mc->wait != LOOKUP_MWAIT_NONE && mc->wait != LOOKUP_MWAIT_OPTNEG) {
		evtimer_add(mc->timer, &tv);
		if (mc->wait >= LOOKUP_MWAIT_HEADER && mc->fd != NULL)
			lookup_fdata_touch(mc->fd, mc->cm->timeout);
		return 0;
	}
	switch (mc->wait) {
	case LOOKUP_MWAIT_OPTNEG:
		return lookup_mconn_optneg(mc, r);
	case LOOKUP_MWAIT_PHASE:
		if ((rc = lookup_mphase_reply(mc, r, &v)) == 1) {
			mc->wait = LOOKUP_MWAIT_NONE;
			evtimer_del(mc->timer);
			lookup_mconn_answer(mc, &v);
			rc = 0;
		}
		return rc;
	case LOOKUP_MWAIT_HEADER:
	case LOOKUP_MWAIT_EOH:
	case LOOKUP_MWAIT_BODY:
	case LOOKUP_MWAIT_EOM:
		return lookup_mdata_reply(mc, r);
	default:
		return -1;
	}
}

/*
 * lookup_mconn_quickack - acknowledge at once what the milter sent.  A
 * milter that writes an edit and its verdict apart under Nagle's
 * algorithm (OpenDKIM does) holds the verdict until the edit is
 * acknowledged, which a delayed acknowledgement holds up to 40 ms: per
 * message.  Linux leaves quick mode on its own, hence once per read.
 */
static void
lookup_mconn_quickack(const struct lookup_mconn *mc)
{
	int	on = 1;

	if (!mc->cm->unix)
		(void)setsockopt(bufferevent_getfd(mc->bev), IPPROTO_TCP,
		    TCP_QUICKACK, &on, sizeof(on));
}

/* lookup_mconn_on_read - whole packets of the milter */
static void
lookup_mconn_on_read(struct bufferevent *bev, void *arg)
{
	struct lookup_mconn		*mc = arg;
	struct evbuffer			*in = bufferevent_get_input(bev);
	struct lookup_mproto_reply	 r;
	char				 err[128];
	size_t				 len, used;
	const char			*p;
	int				 rc;

	lookup_mconn_quickack(mc);
	while (mc->bev == bev && (len = evbuffer_get_length(in)) > 0) {
		if (len > LOOKUP_MPROTO_PACKET_MAX + 4)
			len = LOOKUP_MPROTO_PACKET_MAX + 4;
		p = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
		rc = lookup_mproto_parse(p, len, &used, &r, err, sizeof(err));
		if (rc == 0)
			return;
		if (rc == -1) {
			lookup_mconn_fail(mc, err);
			return;
		}
		rc = lookup_mconn_reply(mc, &r);
		if (mc->bev != bev)
			return;
		evbuffer_drain(in, used);
		if (rc == -1) {
			lookup_mconn_fail(mc, "reply not allowed here");
			return;
		}
	}
}

/* lookup_mconn_on_event - connected, or the connection ended */
static void
lookup_mconn_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct lookup_mconn	*mc = arg;
	struct buf		 b;
	int			 rc;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		buf_init(&b, 64);
		rc = lookup_mproto_optneg(&b, LOOKUP_MPROTO_VERSION,
		    LOOKUP_MILTER_ACTIONS, LOOKUP_MILTER_STEPS);
		if (rc == 0)
			rc = lookup_mconn_send(mc, &b, LOOKUP_MWAIT_OPTNEG);
		buf_free(&b);
		if (rc == -1)
			lookup_mconn_fail(mc, "cannot negotiate");
		return;
	}
	lookup_mconn_fail(mc, (what & BEV_EVENT_EOF) ? "connection closed" :
	    "connection failed");
}

/* lookup_mconn_addr - the milter's socket address; -1 if none */
static int
lookup_mconn_addr(const struct cfg_milter *cm, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)ss;
	struct addrinfo		 hints, *res;

	memset(ss, 0, sizeof(*ss));
	if (cm->unix) {
		sun->sun_family = AF_UNIX;
		if (strlcpy(sun->sun_path, cm->path, sizeof(sun->sun_path)) >=
		    sizeof(sun->sun_path))
			return -1;
		*len = sizeof(*sun);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(cm->host, cm->port, &hints, &res) != 0)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* lookup_mconn_connect - start connecting; -1 if it cannot even start */
static int
lookup_mconn_connect(struct lookup_mconn *mc)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	struct timeval		tv = { mc->cm->timeout, 0 };

	if (lookup_mconn_addr(mc->cm, &ss, &len) == -1)
		return -1;
	mc->bev = bufferevent_socket_new(ev_base(), -1,
	    BEV_OPT_CLOSE_ON_FREE);
	if (mc->bev == NULL)
		return -1;
	bufferevent_setcb(mc->bev, lookup_mconn_on_read, NULL,
	    lookup_mconn_on_event, mc);
	bufferevent_enable(mc->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(mc->bev, (struct sockaddr *)&ss,
	    (int)len) == -1) {
		bufferevent_free(mc->bev);
		mc->bev = NULL;
		return -1;
	}
	evtimer_add(mc->timer, &tv);
	return 0;
}

/* lookup_mconn_new - the session's connection to f, connecting */
static struct lookup_mconn *
lookup_mconn_new(struct lookup_milters *ms, const struct cfg_sfilter *f,
    const struct msg_lka_filter *m)
{
	struct lookup_mconn	*mc;

	mc = xcalloc(1, sizeof(*mc));
	mc->ms = ms;
	mc->f = f;
	mc->cm = f->milter;
	mc->sessid = m->sess.id;
	mc->phase = CFG_SFILTER_CONNECT;
	mc->txv.decision = -1;
	mc->timer = evtimer_new(ev_base(), lookup_mconn_on_timeout, mc);
	mc->connect = xmalloc(sizeof(*mc->connect));
	memcpy(mc->connect, m, sizeof(*mc->connect));
	TAILQ_INSERT_TAIL(&ms->conns, mc, entry);
	if (lookup_mconn_connect(mc) == -1) {
		log_warnx("%016llx lookup event=milter-failed name=%s "
		    "reason=\"cannot connect to %s\"",
		    (unsigned long long)mc->sessid, f->name, mc->cm->address);
		mc->dead = 1;
	}
	return mc;
}

/* lookup_milter_tx - MAIL begins a transaction: the last one is over */
static void
lookup_milter_tx(struct lookup_mconn *mc)
{
	struct buf	b;

	if (mc->in_tx && mc->ready && !mc->tx_accepted) {
		buf_init(&b, 16);
		if (lookup_mproto_cmd(&b, LOOKUP_MPROTO_C_ABORT) == 0)
			(void)lookup_mconn_send(mc, &b, LOOKUP_MWAIT_NONE);
		buf_free(&b);
	}
	mc->in_tx = 0;
	mc->tx_accepted = 0;
	mc->txv.decision = -1;
}

/* lookup_milter_ask - send the phase of m; 1 when a reply is awaited */
static int
lookup_milter_ask(struct lookup_mconn *mc, struct lookup_fchain_req *req,
    const struct msg_lka_filter *m)
{
	struct buf	b;
	int		reply = 0, rc;

	buf_init(&b, LOOKUP_MPROTO_PACKET_MAX);
	rc = lookup_mphase_build(mc, m, &b, &reply);
	if (rc == 1 && lookup_mconn_send(mc, &b, reply ? LOOKUP_MWAIT_PHASE :
	    LOOKUP_MWAIT_NONE) == -1)
		rc = -1;
	buf_free(&b);
	if (rc == -1) {
		lookup_mconn_fail(mc, "cannot send");
		return 0;
	}
	if (rc == 0 || !reply)
		return 0;
	mc->req = req;
	return 1;
}

/* lookup_milter_phase - ask milter f at the phase of m (lookup_milter.h) */
int
lookup_milter_phase(struct lookup_milters *ms, struct lookup_fchain_req *req,
    const struct cfg_sfilter *f, const struct msg_lka_filter *m,
    struct lookup_milter_verdict *v)
{
	struct lookup_mconn	*mc;

	memset(v, 0, sizeof(*v));
	v->decision = -1;
	mc = lookup_mconn_find(ms, m->sess.id, f);
	if (m->phase == CFG_SFILTER_CONNECT) {
		if (mc != NULL)
			lookup_mconn_free(mc);
		mc = lookup_mconn_new(ms, f, m);
		if (!mc->dead) {
			mc->req = req;
			return 1;
		}
	}
	if (m->phase == CFG_SFILTER_AUTH && mc != NULL)
		strlcpy(mc->auth_type, m->arg, sizeof(mc->auth_type));
	if (mc == NULL || m->phase == CFG_SFILTER_STARTTLS ||
	    m->phase == CFG_SFILTER_AUTH || m->phase >= CFG_SFILTER_PHASES)
		return 0;	/* no milter step */
	mc->phase = (enum cfg_sfilter_phase)m->phase;
	if (m->phase == CFG_SFILTER_COMMIT) {
		*v = mc->txv;
		mc->in_tx = 0;
		mc->tx_accepted = 0;
		mc->txv.decision = -1;
		return 0;
	}
	if (!mc->dead && mc->wait != LOOKUP_MWAIT_NONE)
		lookup_mconn_fail(mc, "asked while busy");
	if (mc->dead) {
		lookup_mconn_onerror(mc, mc->phase, v);
		return 0;
	}
	if (m->phase == CFG_SFILTER_MAIL_FROM) {
		lookup_milter_tx(mc);
		if (mc->mail == NULL)
			mc->mail = xmalloc(sizeof(*mc->mail));
		memcpy(mc->mail, m, sizeof(*mc->mail));
	}
	if (mc->accepted || mc->tx_accepted)
		return 0;
	if (lookup_milter_ask(mc, req, m) == 1)
		return 1;
	if (mc->dead)
		lookup_mconn_onerror(mc, mc->phase, v);
	return 0;
}

/* lookup_milter_cancel - req is gone: its answer, when it comes, is not */
void
lookup_milter_cancel(struct lookup_milters *ms, struct lookup_fchain_req *req)
{
	struct lookup_mconn	*mc;

	TAILQ_FOREACH(mc, &ms->conns, entry)
		if (mc->req == req)
			mc->req = NULL;
}

/* lookup_milter_end - the session ended: its connections close */
void
lookup_milter_end(struct lookup_milters *ms, uint64_t sessid)
{
	struct lookup_mconn	*mc, *next;

	TAILQ_FOREACH_SAFE(mc, &ms->conns, entry, next)
		if (mc->sessid == sessid)
			lookup_mconn_free(mc);
}

/* lookup_milter_stage - the connection that takes the message, or NULL */
struct lookup_mconn *
lookup_milter_stage(struct lookup_milters *ms, uint64_t sessid,
    const struct cfg_sfilter *f)
{
	struct lookup_mconn	*mc;

	mc = lookup_mconn_find(ms, sessid, f);
	if (mc == NULL || mc->dead || mc->accepted || mc->tx_accepted)
		return NULL;
	return mc;
}
