/*
 * queue_tx_edit.c - a milter's changes to an open transaction at the end
 * of its message (MSG_LOOKUP_TX_EDIT), made before the listener commits.
 *
 * The lookup names the transaction by session and msgid, as for a RCPT;
 * one of another session, being committed or not open is refused and
 * logged, and IPC_TXEDIT_END is then answered -1.  A recipient the
 * milter adds comes as envelopes (MSG_LOOKUP_ENVELOPE), checked and held
 * as pending like those of a RCPT, which IPC_TXEDIT_ADDRCPT lets join.
 * A new sender is checked as a reverse-path and given to every envelope
 * at the commit, so recipients added after it get it too; so does the
 * hold flag of a quarantine (ENVELOPE_F_HOLD: queued, not delivered
 * until `smtpctl schedule` releases it).  IPC_TXEDIT_END is answered
 * (MSG_LOOKUP_TX_EDITED) 0, or 1 when no envelope is left.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "envelope.h"
#include "ipc.h"
#include "log.h"
#include "queue.h"
#include "queue_tx_priv.h"
#include "smtp_addr.h"

#define QUEUE_TX_EDIT_VIS	(ADDR_MAX * 4)	/* an address, escaped */

/* queue_tx_edit_ops - the op words of the log, by IPC_TXEDIT_* */
static const char *const queue_tx_edit_ops[] = {
	"none", "addrcpt", "delrcpt", "chgfrom", "hold", "end"
};

/* queue_tx_edit_log - one line for an edit; detail is key=value or "" */
static void
queue_tx_edit_log(const struct msg_lka_txedit *e, const char *detail)
{
	log_info("%016llx queue event=tx-edit op=%s msgid=%08x%s%s",
	    (unsigned long long)e->sessid, queue_tx_edit_ops[e->op],
	    e->msgid, detail[0] != '\0' ? " " : "", detail);
}

/* queue_tx_edit_answer - MSG_LOOKUP_TX_EDITED with result */
static void
queue_tx_edit_answer(struct queue *q, const struct msg_lka_txedit *e,
    int result)
{
	struct msg_lka_txedited	r;

	memset(&r, 0, sizeof(r));
	r.sessid = e->sessid;
	r.msgid = e->msgid;
	r.result = result;
	ipc_send(q->lookup, MSG_LOOKUP_TX_EDITED, 0, -1, &r, sizeof(r));
}

/* queue_tx_edit_addrcpt - the pending envelopes of an added recipient */
static void
queue_tx_edit_addrcpt(struct queue_tx_msg *m, const struct msg_lka_txedit *e,
    const char *rcpt)
{
	char	detail[QUEUE_TX_EDIT_VIS + 64];
	size_t	before = m->nevp, n = m->npending;

	if (m->pending_bad != NULL || n == 0) {
		(void)snprintf(detail, sizeof(detail), "rcpt=<%s> result=%s "
		    "error=\"%s\"", rcpt, n == 0 && m->pending_bad == NULL ?
		    "none" : "refused", m->pending_bad != NULL ?
		    m->pending_bad : "no rule matched");
		m->npending = 0;
		m->pending_bad = NULL;
		queue_tx_edit_log(e, detail);
		return;
	}
	queue_tx_keep_pending(m, e->sessid);
	(void)snprintf(detail, sizeof(detail), "rcpt=<%s> envelopes=%zu "
	    "duplicates=%zu", rcpt, m->nevp - before, n - (m->nevp - before));
	queue_tx_edit_log(e, detail);
}

/*
 * queue_tx_edit_rcpt_eq - evp's recipient is addr: the local parts the
 * same octets, the domains the same but for case
 */
static int
queue_tx_edit_rcpt_eq(const char *rcpt, const char *addr)
{
	const char	*ra = strrchr(rcpt, '@'), *aa = strrchr(addr, '@');

	if (ra == NULL || aa == NULL)
		return ra == aa && strcmp(rcpt, addr) == 0;
	return ra - rcpt == aa - addr &&
	    strncmp(rcpt, addr, (size_t)(ra - rcpt)) == 0 &&
	    strcasecmp(ra + 1, aa + 1) == 0;
}

/* queue_tx_edit_delrcpt - the envelopes of one recipient leave */
static void
queue_tx_edit_delrcpt(struct queue_tx_msg *m, const struct msg_lka_txedit *e,
    const char *rcpt)
{
	char	detail[QUEUE_TX_EDIT_VIS + 64];
	size_t	i, keep = 0;

	for (i = 0; i < m->nevp; i++) {
		if (queue_tx_edit_rcpt_eq(m->evps[i].rcpt, e->addr))
			continue;
		if (keep != i)
			m->evps[keep] = m->evps[i];
		keep++;
	}
	if (m->npending > 0 && keep < m->nevp)	/* pending ones follow */
		memmove(&m->evps[keep], &m->evps[m->nevp],
		    m->npending * sizeof(*m->evps));
	(void)snprintf(detail, sizeof(detail), "rcpt=<%s> envelopes=%zu",
	    rcpt, m->nevp - keep);
	m->nevp = keep;
	queue_tx_seen_free(m->seen);		/* its indices moved */
	m->seen = queue_tx_seen_new();
	for (i = 0; i < m->nevp; i++)
		(void)queue_tx_seen_add(m->seen, m->evps, i);
	queue_tx_edit_log(e, detail);
}

/* queue_tx_edit_chgfrom - the sender every envelope gets at the commit */
static void
queue_tx_edit_chgfrom(struct queue_tx_msg *m, const struct msg_lka_txedit *e,
    const char *sender)
{
	struct smtp_addr	 a;
	char			 path[ADDR_MAX + 2], err[128];
	char			 detail[QUEUE_TX_EDIT_VIS + 192];
	size_t			 used;
	int			 flags = SMTP_ADDR_F_MAIL;

	if (m->nevp > 0 && (m->evps[0].flags & ENVELOPE_F_SMTPUTF8))
		flags |= SMTP_ADDR_F_UTF8;
	(void)snprintf(path, sizeof(path), "<%s>", e->addr);
	if (smtp_addr_parse(path, strlen(path), flags, &a, &used, err,
	    sizeof(err)) == -1 || used != strlen(path) ||
	    (a.kind & SMTP_ADDR_POSTMASTER)) {
		(void)snprintf(detail, sizeof(detail), "sender=<%s> "
		    "result=refused error=\"%s\"", sender,
		    (a.kind & SMTP_ADDR_POSTMASTER) ? "not a sender" : err);
		log_warnx("%016llx queue event=tx-edit op=chgfrom msgid=%08x "
		    "%s", (unsigned long long)e->sessid, e->msgid, detail);
		return;
	}
	(void)strlcpy(m->sender, a.text, sizeof(m->sender));
	m->chgfrom = 1;
	(void)snprintf(detail, sizeof(detail), "sender=<%s>", sender);
	queue_tx_edit_log(e, detail);
}

/* queue_tx_edit_apply - one edit of an open transaction */
static void
queue_tx_edit_apply(struct queue *q, struct queue_tx_msg *m,
    const struct msg_lka_txedit *e)
{
	char	vis[QUEUE_TX_EDIT_VIS], detail[QUEUE_TX_EDIT_VIS + 16];

	log_vis(vis, sizeof(vis), e->addr);
	switch (e->op) {
	case IPC_TXEDIT_ADDRCPT:
		queue_tx_edit_addrcpt(m, e, vis);
		break;
	case IPC_TXEDIT_DELRCPT:
		queue_tx_edit_delrcpt(m, e, vis);
		break;
	case IPC_TXEDIT_CHGFROM:
		queue_tx_edit_chgfrom(m, e, vis);
		break;
	case IPC_TXEDIT_HOLD:
		m->hold = 1;
		(void)snprintf(detail, sizeof(detail), "reason=\"%s\"", vis);
		queue_tx_edit_log(e, detail);
		break;
	case IPC_TXEDIT_END:
		(void)snprintf(detail, sizeof(detail), "rcpts=%zu", m->nevp);
		queue_tx_edit_log(e, detail);
		queue_tx_edit_answer(q, e, m->nevp == 0 ? 1 : 0);
		break;
	}
}

/* queue_tx_edit_on_edit - MSG_LOOKUP_TX_EDIT: a milter's change */
void
queue_tx_edit_on_edit(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_txedit	*e = msg;
	struct queue			*q = arg;
	struct queue_tx_msg		*m;
	char				 err[ERRTEXT_MAX];

	(void)c;
	(void)id;
	(void)fd;
	if (e->op < IPC_TXEDIT_ADDRCPT || e->op > IPC_TXEDIT_END) {
		log_warnx("%016llx queue event=tx-edit-refused msgid=%08x "
		    "op=%u error=\"no such operation\"",
		    (unsigned long long)e->sessid, e->msgid, e->op);
		return;
	}
	if ((m = queue_tx_find(q->tx, e->sessid, e->msgid, err,
	    sizeof(err))) == NULL) {
		log_warnx("%016llx queue event=tx-edit-refused op=%s "
		    "msgid=%08x error=\"%s\"", (unsigned long long)e->sessid,
		    queue_tx_edit_ops[e->op], e->msgid, err);
		if (e->op == IPC_TXEDIT_END)
			queue_tx_edit_answer(q, e, -1);
		return;
	}
	queue_tx_edit_apply(q, m, e);
}

/*
 * queue_tx_edit_commit - what the edits leave to the commit: the new
 * sender and the hold flag, on every envelope the transaction holds
 */
void
queue_tx_edit_commit(struct queue_tx_msg *m)
{
	size_t	i;

	for (i = 0; i < m->nevp; i++) {
		if (m->chgfrom)
			(void)strlcpy(m->evps[i].sender, m->sender,
			    sizeof(m->evps[i].sender));
		if (m->hold)
			m->evps[i].flags |= ENVELOPE_F_HOLD;
	}
}
