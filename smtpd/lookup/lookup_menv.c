/*
 * lookup_menv.c - a milter's changes of the envelopes at the end of a
 * message: recipients added (ADDRCPT, ADDRCPT_PAR: matched and expanded
 * as a RCPT of the session would be, lookup_rcpt_added; ESMTP
 * parameters ignored), deleted (DELRCPT), the sender changed (CHGFROM,
 * parameters ignored) and the message held (QUARANTINE).  They go to
 * the queue in the order the milter sent them (MSG_LOOKUP_TX_EDIT), an
 * added recipient once its expansion is done; the message goes on to
 * the listener, which commits it, only once the queue answered the last
 * (MSG_LOOKUP_TX_EDITED).  The queue checks each against the
 * transaction it holds for that session.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ipc.h"
#include "log.h"
#include "lookup.h"
#include "lookup_fproc.h"
#include "lookup_mconn.h"
#include "lookup_milter.h"
#include "lookup_mproto.h"
#include "smtp_addr.h"
#include "xmalloc.h"

static void	lookup_menv_next(struct lookup_mconn *);

/* lookup_menv_free - forget the changes; an expansion under way tells no one */
void
lookup_menv_free(struct lookup_mconn *mc)
{
	if (mc->env_wait && mc->envnext < mc->nenv)
		lookup_rcpt_added_cancel(mc->ms->l, mc);
	free(mc->env);
	mc->env = NULL;
	mc->nenv = mc->envnext = 0;
	mc->env_active = mc->env_wait = 0;
}

/* lookup_menv_addr - "<addr>" as the queue takes it; -1 if invalid */
static int
lookup_menv_addr(const char *s, int flags, char *out, size_t size)
{
	size_t	len = strlen(s);

	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	if (len >= size)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	if (len == 0)
		return flags == SMTP_ADDR_F_MAIL ? 0 : -1;
	return lookup_addr_valid(out, flags) ? 0 : -1;
}

/* lookup_menv_add - a change of the envelopes at the end: -1, a fault */
int
lookup_menv_add(struct lookup_mconn *mc, const struct lookup_mproto_reply *r)
{
	struct lookup_menv	*e;
	uint32_t		 op, need;
	int			 flags = SMTP_ADDR_F_RCPT;

	switch (r->kind) {
	case LOOKUP_MPROTO_R_ADDRCPT:
	case LOOKUP_MPROTO_R_ADDRCPT_PAR:
		op = IPC_TXEDIT_ADDRCPT;
		need = r->kind == LOOKUP_MPROTO_R_ADDRCPT ?
		    LOOKUP_MPROTO_F_ADDRCPT : LOOKUP_MPROTO_F_ADDRCPT_PAR;
		break;
	case LOOKUP_MPROTO_R_DELRCPT:
		op = IPC_TXEDIT_DELRCPT;
		need = LOOKUP_MPROTO_F_DELRCPT;
		break;
	case LOOKUP_MPROTO_R_CHGFROM:
		op = IPC_TXEDIT_CHGFROM;
		need = LOOKUP_MPROTO_F_CHGFROM;
		flags = SMTP_ADDR_F_MAIL;
		break;
	case LOOKUP_MPROTO_R_QUARANTINE:
		op = IPC_TXEDIT_HOLD;
		need = LOOKUP_MPROTO_F_QUARANTINE;
		break;
	default:
		return -1;
	}
	if (!(mc->actions & need) || mc->nenv == LOOKUP_MENV_MAX)
		return -1;
	if ((mc->nenv & (mc->nenv - 1)) == 0)	/* 0, 1, 2, 4...: full */
		mc->env = xreallocarray(mc->env, mc->nenv ? 2 * mc->nenv : 1,
		    sizeof(*mc->env));
	e = &mc->env[mc->nenv];
	e->op = op;
	if (op == IPC_TXEDIT_HOLD)
		strlcpy(e->addr, r->s1, sizeof(e->addr));	/* the queue
								   escapes it */
	else if (lookup_menv_addr(r->s1, flags, e->addr,
	    sizeof(e->addr)) == -1)
		return -1;
	mc->nenv++;
	return 0;
}

/* lookup_menv_send - one change to the queue */
static void
lookup_menv_send(struct lookup_mconn *mc, uint32_t op, const char *addr)
{
	struct msg_lka_txedit	m;

	memset(&m, 0, sizeof(m));
	m.sessid = mc->sessid;
	m.msgid = mc->msgid;
	m.op = op;
	strlcpy(m.addr, addr, sizeof(m.addr));
	if (ipc_send(mc->ms->l->queue, MSG_LOOKUP_TX_EDIT, 0, -1, &m,
	    sizeof(m)) == -1)
		log_warn("lookup event=send-failed what=tx-edit");
}

/* lookup_menv_added - the expansion of an added recipient is done */
static void
lookup_menv_added(void *arg, int ok)
{
	struct lookup_mconn	*mc = arg;
	const struct lookup_menv *e = &mc->env[mc->envnext];

	if (ok)
		lookup_menv_send(mc, IPC_TXEDIT_ADDRCPT, e->addr);
	else
		log_warnx("%016llx lookup event=milter-rcpt-dropped name=%s "
		    "msgid=%08x reason=\"expansion failed\"",
		    (unsigned long long)mc->sessid, mc->f->name, mc->msgid);
	mc->env_wait = 0;
	mc->envnext++;
	if (!mc->env_insend)
		lookup_menv_next(mc);
}

/* lookup_menv_addrcpt - expand an added recipient as a RCPT of the MAIL */
static void
lookup_menv_addrcpt(struct lookup_mconn *mc, const struct lookup_menv *e)
{
	struct msg_lka_rcpt	*m;
	int			 rc;

	m = xcalloc(1, sizeof(*m));
	m->sess = mc->mail->sess;
	m->msgid = mc->msgid;
	strlcpy(m->sender, mc->mail->sender, sizeof(m->sender));
	strlcpy(m->rcpt, e->addr, sizeof(m->rcpt));
	mc->env_wait = 1;
	rc = lookup_rcpt_added(mc->ms->l, m, lookup_menv_added, mc);
	free(m);
	if (rc == -1) {
		log_warnx("%016llx lookup event=milter-rcpt-dropped name=%s "
		    "msgid=%08x reason=\"no rule accepts it\"",
		    (unsigned long long)mc->sessid, mc->f->name, mc->msgid);
		mc->env_wait = 0;
		mc->envnext++;
	}
}

/* lookup_menv_next - the changes in turn, then the end */
static void
lookup_menv_next(struct lookup_mconn *mc)
{
	const struct lookup_menv	*e;

	mc->env_insend = 1;
	while (mc->envnext < mc->nenv && !mc->env_wait) {
		e = &mc->env[mc->envnext];
		if (e->op == IPC_TXEDIT_ADDRCPT) {
			lookup_menv_addrcpt(mc, e);
			continue;
		}
		if (e->op == IPC_TXEDIT_CHGFROM)
			strlcpy(mc->mail->sender, e->addr,
			    sizeof(mc->mail->sender));
		lookup_menv_send(mc, e->op, e->addr);
		mc->envnext++;
	}
	if (mc->envnext == mc->nenv && !mc->env_wait) {
		lookup_menv_send(mc, IPC_TXEDIT_END, "");
		mc->env_wait = 1;
		mc->envnext++;
	}
	mc->env_insend = 0;
}

/* lookup_menv_start - the changes go to the queue; the message waits */
void
lookup_menv_start(struct lookup_mconn *mc)
{
	mc->wait = LOOKUP_MWAIT_NONE;
	if (mc->mail == NULL || mc->msgid == 0) {
		lookup_mconn_onerror(mc, CFG_SFILTER_COMMIT, &mc->txv);
		lookup_mdata_finish(mc, 0);
		return;
	}
	mc->env_active = 1;
	mc->envnext = 0;
	lookup_menv_next(mc);
}

/* lookup_menv_find - the connection waiting for the queue's answer */
static struct lookup_mconn *
lookup_menv_find(struct lookup_milters *ms, uint64_t sessid, uint32_t msgid)
{
	struct lookup_mconn	*mc;

	TAILQ_FOREACH(mc, &ms->conns, entry)
		if (mc->sessid == sessid && mc->msgid == msgid &&
		    mc->env_active && mc->env_wait && mc->envnext > mc->nenv)
			return mc;
	return NULL;
}

/* lookup_milter_on_txedited - MSG_LOOKUP_TX_EDITED: the changes are in */
void
lookup_milter_on_txedited(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	const struct msg_lka_txedited	*m = msg;
	struct lookup			*l = arg;
	struct lookup_mconn		*mc;

	(void)c;
	(void)id;
	(void)fd;
	if ((mc = lookup_menv_find(l->fprocs->milters, m->sessid,
	    m->msgid)) == NULL) {
		log_debug("%016llx lookup event=tx-edited-dropped msgid=%08x",
		    (unsigned long long)m->sessid, m->msgid);
		return;
	}
	mc->env_active = mc->env_wait = 0;
	if (m->result == 0) {
		lookup_mdata_finish(mc, 1);
		return;
	}
	memset(&mc->txv, 0, sizeof(mc->txv));
	mc->txv.decision = m->result == 1 ? CFG_SFILTER_DISCARD :
	    CFG_SFILTER_REJECT;
	strlcpy(mc->txv.message, "451 4.3.0 Temporary failure",
	    sizeof(mc->txv.message));
	log_info("%016llx lookup event=milter-envelope name=%s msgid=%08x "
	    "result=%s", (unsigned long long)mc->sessid, mc->f->name,
	    mc->msgid, m->result == 1 ? "no-recipient" : "no-transaction");
	lookup_mdata_finish(mc, 0);
}
