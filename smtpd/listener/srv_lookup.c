/*
 * srv_lookup.c - the listener's round trips to the lookup process: MAIL
 * (senders, rules), RCPT (match and expansion) and AUTH.  A session has
 * at most one request outstanding and waits for its answer: the
 * lookup's MSG_LOOKUP_RESULT for MAIL and AUTH; for a RCPT the queue's
 * MSG_TX_RCPT_RESULT, since the lookup hands the envelopes it made to
 * the queue and the queue passes the verdict on once it holds them.
 * The listener sends only the client's claims and the transaction's
 * msgid.  The answers of a session that has gone away are dropped.
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

/* srv_lookup_sess - the session context the match rules look at */
void
srv_lookup_sess(const struct srv_session *ss, struct ipc_sess *p)
{
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
}

/* srv_lookup_mail - may the session use this sender? */
void
srv_lookup_mail(struct srv_session *ss, const char *sender)
{
	struct msg_lka_mail	*m;

	m = xcalloc(1, sizeof(*m));
	srv_lookup_sess(ss, &m->sess);
	strlcpy(m->sender, sender, sizeof(m->sender));
	ss->input = SRV_IN_WAIT;
	ipc_send(ss->srv->lookup, MSG_LOOKUP_MAIL, 0, -1, m, sizeof(*m));
	free(m);
}

/* srv_lookup_rcpt - match and expand one recipient of the transaction */
void
srv_lookup_rcpt(struct srv_session *ss, const char *rcpt)
{
	struct srv_tx		*tx = ss->tx;
	struct msg_lka_rcpt	*m;

	m = xcalloc(1, sizeof(*m));
	srv_lookup_sess(ss, &m->sess);
	m->msgid = tx->msgid;
	m->flags = tx->evflags;
	m->notify = tx->cur_notify;
	m->ret = tx->ret;
	strlcpy(m->sender, tx->sender, sizeof(m->sender));
	strlcpy(m->rcpt, rcpt, sizeof(m->rcpt));
	if (tx->cur_orcpt != NULL)
		strlcpy(m->orcpt, tx->cur_orcpt, sizeof(m->orcpt));
	strlcpy(m->envid, tx->envid, sizeof(m->envid));
	ss->input = SRV_IN_WAIT;
	ipc_send(ss->srv->lookup, MSG_LOOKUP_RCPT, 0, -1, m, sizeof(*m));
	free(m);
}

/* srv_lookup_auth - check credentials; the payload is wiped after sending */
void
srv_lookup_auth(struct srv_session *ss, const char *user, const char *pass)
{
	struct msg_lka_auth	*m;

	m = xcalloc(1, sizeof(*m));
	m->sessid = ss->id;
	m->listener = ss->listener->index;
	strlcpy(m->src, ss->src, sizeof(m->src));
	strlcpy(m->user, user, sizeof(m->user));
	strlcpy(m->pass, pass, sizeof(m->pass));
	ss->input = SRV_IN_WAIT;
	ipc_send(ss->srv->lookup, MSG_LOOKUP_AUTH, 0, -1, m, sizeof(*m));
	freezero(m, sizeof(*m));
}

/* srv_lookup_waiting - the session waits for the lookup (not for the queue) */
static struct srv_session *
srv_lookup_waiting(struct srv *s, uint64_t sessid)
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

/* srv_lookup_rcpt_done - the verdict on a RCPT */
static void
srv_lookup_rcpt_done(struct srv_session *ss, const struct msg_rcpt_result *m)
{
	struct srv_tx	*tx = ss->tx;
	char		 vis[ADDR_MAX * 4];

	srv_fevent(ss, IPC_FEV_TX_RCPT, tx->msgid, srv_fevent_result(m->code),
	    0, tx->cur_rcpt);
	if (m->code == 250) {
		if (tx->nrcpt++ == 0)
			tx->rcpt1 = xstrdup(tx->cur_rcpt);
		ss->state = SRV_ST_RCPT;
		srv_reply(ss, 250, "2.1.5", "Recipient ok");
	} else {
		log_info("%016llx smtp event=refused cmd=rcpt rcpt=%s code=%d",
		    (unsigned long long)ss->id,
		    log_vis(vis, sizeof(vis), tx->cur_rcpt), m->code);
		srv_reply(ss, m->code, m->enhanced, "%s", m->text);
	}
	tx->cur_rcpt[0] = '\0';
}

/* srv_lookup_mail_done - the verdict on a MAIL */
static void
srv_lookup_mail_done(struct srv_session *ss, const struct msg_lka_result *m)
{
	char	vis[ADDR_MAX * 4];

	if (m->code == 250) {
		srv_tx_open(ss);	/* 250 once the queue opened it */
		return;
	}
	log_info("%016llx smtp event=refused cmd=mail sender=%s code=%d",
	    (unsigned long long)ss->id,
	    log_vis(vis, sizeof(vis), ss->tx->sender), m->code);
	srv_fevent(ss, IPC_FEV_TX_MAIL, 0, srv_fevent_result(m->code), 0,
	    ss->tx->sender);
	srv_reply(ss, m->code, m->enhanced, "%s", m->text);
	srv_tx_reset(ss);
}

/* srv_lookup_result_valid - a reply the listener can send as it is */
static int
srv_lookup_result_valid(int code, const char *enhanced, const char *text)
{
	if (code < 200 || code > 599)
		return 0;
	return smtp_reply_enhanced_valid(enhanced, strlen(enhanced), code) &&
	    strpbrk(text, "\r\n") == NULL;
}

/* srv_lookup_on_result - MSG_LOOKUP_RESULT: the verdict on MAIL or AUTH */
void
srv_lookup_on_result(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_result	*m = msg;
	struct srv_session		*ss;

	(void)c;
	(void)id;
	(void)fd;
	if (!srv_lookup_result_valid(m->code, m->enhanced, m->text))
		fatalx("ipc: MSG_LOOKUP_RESULT from lookup: bad reply %d %s",
		    m->code, m->enhanced);
	if ((ss = srv_lookup_waiting(arg, m->sessid)) == NULL)
		return;
	ss->input = SRV_IN_CMD;
	if (ss->auth != NULL)
		srv_auth_result(ss, m->code, m->enhanced, m->text);
	else if (ss->tx != NULL && ss->state == SRV_ST_HELO &&
	    !ss->tx->opening)
		srv_lookup_mail_done(ss, m);
	else
		fatalx("ipc: MSG_LOOKUP_RESULT from lookup for no request");
	srv_session_resume(ss);
}

/*
 * srv_lookup_on_rcpt_result - MSG_TX_RCPT_RESULT: the verdict on a RCPT,
 * from the queue, which holds the recipient's envelopes by now
 */
void
srv_lookup_on_rcpt_result(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_rcpt_result	*m = msg;
	struct srv_session		*ss;

	(void)c;
	(void)id;
	(void)fd;
	if (!srv_lookup_result_valid(m->code, m->enhanced, m->text))
		fatalx("ipc: MSG_TX_RCPT_RESULT from queue: bad reply %d %s",
		    m->code, m->enhanced);
	ss = srv_session_find(arg, m->sessid);
	if (ss == NULL || ss->input != SRV_IN_WAIT ||
	    (ss->flags & SRV_F_CLOSING) || ss->tx == NULL ||
	    ss->tx->cur_rcpt[0] == '\0' || ss->tx->msgid != m->msgid) {
		log_debug("%016llx smtp event=queue-answer-dropped msgid=%08x",
		    (unsigned long long)m->sessid, m->msgid);
		return;
	}
	ss->input = SRV_IN_CMD;
	srv_lookup_rcpt_done(ss, m);
	srv_session_resume(ss);
}
