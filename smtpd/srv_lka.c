/*
 * srv_lka.c - the listener's round trips to the lookup process: MAIL
 * (senders, rules), RCPT (match and expansion) and AUTH.  A session has
 * at most one request outstanding and waits for its MSG_LKA_RESULT; the
 * answers of a session that has gone away are dropped.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "envelope.h"
#include "ipc.h"
#include "log.h"
#include "smtp_reply.h"
#include "srv.h"
#include "xmalloc.h"

/* srv_lka_sess - the session context the match rules look at */
static void
srv_lka_sess(const struct srv_session *ss, struct ipc_sess *p)
{
	const struct cfg_listener	*l = ss->listener->cfg;

	memset(p, 0, sizeof(*p));
	p->id = ss->id;
	p->listener = ss->listener->index;
	if (ss->flags & SRV_F_LOCAL)
		p->flags |= IPC_SESS_LOCAL;
	if (ss->flags & SRV_F_TLS)
		p->flags |= IPC_SESS_TLS;
	if (ss->flags & SRV_F_AUTH) {
		p->flags |= IPC_SESS_AUTH;
		strlcpy(p->auth_user, ss->auth_user, sizeof(p->auth_user));
	}
	strlcpy(p->src, ss->src, sizeof(p->src));
	if (ss->rdns != NULL)
		strlcpy(p->rdns, ss->rdns, sizeof(p->rdns));
	strlcpy(p->helo, srv_helo(ss), sizeof(p->helo));
	if (l != NULL)
		strlcpy(p->tag, l->tag, sizeof(p->tag));
}

/* srv_lka_mail - may the session use this sender? */
void
srv_lka_mail(struct srv_session *ss, const char *sender)
{
	struct msg_lka_mail	*m;

	m = xcalloc(1, sizeof(*m));
	srv_lka_sess(ss, &m->sess);
	strlcpy(m->sender, sender, sizeof(m->sender));
	ss->input = SRV_IN_WAIT;
	ipc_send(ss->srv->lookup, MSG_LKA_MAIL, 0, -1, m, sizeof(*m));
	free(m);
}

/* srv_lka_rcpt - match and expand one recipient */
void
srv_lka_rcpt(struct srv_session *ss, const char *rcpt)
{
	struct msg_lka_rcpt	*m;

	m = xcalloc(1, sizeof(*m));
	srv_lka_sess(ss, &m->sess);
	strlcpy(m->sender, ss->tx->sender, sizeof(m->sender));
	strlcpy(m->rcpt, rcpt, sizeof(m->rcpt));
	ss->input = SRV_IN_WAIT;
	ipc_send(ss->srv->lookup, MSG_LKA_RCPT, 0, -1, m, sizeof(*m));
	free(m);
}

/* srv_lka_auth - check credentials; the payload is wiped after sending */
void
srv_lka_auth(struct srv_session *ss, const char *user, const char *pass)
{
	struct msg_lka_auth	*m;

	m = xcalloc(1, sizeof(*m));
	m->sessid = ss->id;
	m->listener = ss->listener->index;
	strlcpy(m->src, ss->src, sizeof(m->src));
	strlcpy(m->user, user, sizeof(m->user));
	strlcpy(m->pass, pass, sizeof(m->pass));
	ss->input = SRV_IN_WAIT;
	ipc_send(ss->srv->lookup, MSG_LKA_AUTH, 0, -1, m, sizeof(*m));
	freezero(m, sizeof(*m));
}

/* srv_lka_waiting - the session waits for the lookup (not for the queue) */
static struct srv_session *
srv_lka_waiting(struct srv *s, uint64_t sessid)
{
	struct srv_session	*ss;

	if ((ss = srv_session_find(s, sessid)) == NULL ||
	    ss->input != SRV_IN_WAIT || (ss->flags & SRV_F_CLOSING)) {
		log_debug("%016llx smtp event=lookup-answer-dropped",
		    (unsigned long long)sessid);
		return NULL;
	}
	return ss;
}

/* srv_lka_rcpt_new - keep one expanded recipient of the RCPT in flight */
static struct srv_rcpt *
srv_lka_rcpt_new(const struct srv_tx *tx, const struct envelope *evp)
{
	struct srv_rcpt	*r;

	r = xcalloc(1, sizeof(*r));
	r->rcpt = xstrdup(tx->cur_rcpt);
	r->orcpt = xstrdup(tx->cur_orcpt ? tx->cur_orcpt : "");
	r->dest = xstrdup(evp->dest);
	r->dispatcher = xstrdup(evp->dispatcher);
	r->user = xstrdup(evp->user);
	r->dest_type = evp->dest_type;
	r->notify = tx->cur_notify;
	return r;
}

/* srv_lka_on_expanded - MSG_LKA_EXPANDED: one final recipient */
void
srv_lka_on_expanded(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_expanded	*m = msg;
	struct srv_session		*ss;
	struct srv_rcpt			*r;

	(void)c;
	(void)id;
	(void)fd;
	if ((ss = srv_lka_waiting(arg, m->sessid)) == NULL)
		return;
	if (ss->tx == NULL || ss->tx->cur_rcpt[0] == '\0')
		fatalx("ipc: MSG_LKA_EXPANDED from lookup for no RCPT");
	if (m->evp.dest_type > ENVELOPE_DEST_COMMAND)
		fatalx("ipc: MSG_LKA_EXPANDED from lookup: bad dest_type");
	r = srv_lka_rcpt_new(ss->tx, &m->evp);
	TAILQ_INSERT_TAIL(&ss->tx->pending, r, entry);
}

/* srv_lka_rcpt_done - the verdict on a RCPT */
static void
srv_lka_rcpt_done(struct srv_session *ss, const struct msg_lka_result *m)
{
	struct srv_tx	*tx = ss->tx;
	struct srv_rcpt	*r;
	char		 vis[ADDR_MAX * 4];

	if (m->code == 250 && TAILQ_EMPTY(&tx->pending))
		fatalx("ipc: MSG_LKA_RESULT 250 from lookup without recipients");
	if (m->code == 250) {
		while ((r = TAILQ_FIRST(&tx->pending)) != NULL) {
			TAILQ_REMOVE(&tx->pending, r, entry);
			TAILQ_INSERT_TAIL(&tx->rcpts, r, entry);
		}
		tx->nrcpt++;
		ss->state = SRV_ST_RCPT;
		srv_reply(ss, 250, "2.1.5", "Recipient ok");
	} else {
		srv_tx_pending_free(tx);
		log_info("%016llx smtp event=refused cmd=rcpt rcpt=%s code=%d",
		    (unsigned long long)ss->id,
		    log_vis(vis, sizeof(vis), tx->cur_rcpt), m->code);
		srv_reply(ss, m->code, m->enhanced, "%s", m->text);
	}
	tx->cur_rcpt[0] = '\0';
}

/* srv_lka_mail_done - the verdict on a MAIL */
static void
srv_lka_mail_done(struct srv_session *ss, const struct msg_lka_result *m)
{
	char	vis[ADDR_MAX * 4];

	if (m->code == 250) {
		ss->state = SRV_ST_MAIL;
		srv_reply(ss, 250, "2.1.0", "Ok");
		return;
	}
	log_info("%016llx smtp event=refused cmd=mail sender=%s code=%d",
	    (unsigned long long)ss->id,
	    log_vis(vis, sizeof(vis), ss->tx->sender), m->code);
	srv_reply(ss, m->code, m->enhanced, "%s", m->text);
	srv_tx_reset(ss);
}

/* srv_lka_result_valid - a reply the listener can send as it is */
static int
srv_lka_result_valid(const struct msg_lka_result *m)
{
	if (m->code < 200 || m->code > 599)
		return 0;
	return smtp_reply_enhanced_valid(m->enhanced, strlen(m->enhanced),
	    m->code) && strpbrk(m->text, "\r\n") == NULL;
}

/* srv_lka_on_result - MSG_LKA_RESULT: the verdict on MAIL, RCPT or AUTH */
void
srv_lka_on_result(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_result	*m = msg;
	struct srv_session		*ss;

	(void)c;
	(void)id;
	(void)fd;
	if (!srv_lka_result_valid(m))
		fatalx("ipc: MSG_LKA_RESULT from lookup: bad reply %d %s",
		    m->code, m->enhanced);
	if ((ss = srv_lka_waiting(arg, m->sessid)) == NULL)
		return;
	ss->input = SRV_IN_CMD;
	if (ss->auth != NULL)
		srv_auth_result(ss, m->code, m->enhanced, m->text);
	else if (ss->tx != NULL && ss->tx->cur_rcpt[0] != '\0')
		srv_lka_rcpt_done(ss, m);
	else if (ss->tx != NULL && ss->state == SRV_ST_HELO)
		srv_lka_mail_done(ss, m);
	else
		fatalx("ipc: MSG_LKA_RESULT from lookup for no request");
	srv_session_resume(ss);
}
