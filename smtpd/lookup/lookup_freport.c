/*
 * lookup_freport.c - the report events of smtpd-filters(7) that the
 * listener tells of its sessions (MSG_LOOKUP_FILTER_EVENT): the
 * greeting, HELO or EHLO, TLS, AUTH, each step of a transaction, every
 * command and reply line, a time-out; and what the filters decided at
 * each phase the processes were asked (filter-response) and what a
 * process reported (filter-report).  The lookup writes each line
 * itself, for the processes that registered the event.  A listener
 * that runs no filter process has nothing to tell: it broke the
 * contract.  A session the processes never heard of (it ended, or began
 * before they were ready) is ignored, and so is a step of a transaction
 * the processes no longer hold (one that failed in the data-line phase
 * was rolled back here already).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "ipc.h"
#include "log.h"
#include "lookup.h"
#include "lookup_fproc.h"
#include "lookup_fproto.h"

/* the protocol's event of each listener's event */
static const unsigned int lookup_freport_events[IPC_FEV_MAX] = {
	[IPC_FEV_LINK_GREETING] = LOOKUP_FPROTO_LINK_GREETING,
	[IPC_FEV_LINK_IDENTIFY] = LOOKUP_FPROTO_LINK_IDENTIFY,
	[IPC_FEV_LINK_TLS] = LOOKUP_FPROTO_LINK_TLS,
	[IPC_FEV_LINK_AUTH] = LOOKUP_FPROTO_LINK_AUTH,
	[IPC_FEV_TX_RESET] = LOOKUP_FPROTO_TX_RESET,
	[IPC_FEV_TX_BEGIN] = LOOKUP_FPROTO_TX_BEGIN,
	[IPC_FEV_TX_MAIL] = LOOKUP_FPROTO_TX_MAIL,
	[IPC_FEV_TX_RCPT] = LOOKUP_FPROTO_TX_RCPT,
	[IPC_FEV_TX_DATA] = LOOKUP_FPROTO_TX_DATA,
	[IPC_FEV_TX_COMMIT] = LOOKUP_FPROTO_TX_COMMIT,
	[IPC_FEV_TX_ROLLBACK] = LOOKUP_FPROTO_TX_ROLLBACK,
	[IPC_FEV_PROTOCOL_CLIENT] = LOOKUP_FPROTO_PROTOCOL_CLIENT,
	[IPC_FEV_PROTOCOL_SERVER] = LOOKUP_FPROTO_PROTOCOL_SERVER,
	[IPC_FEV_TIMEOUT] = LOOKUP_FPROTO_TIMEOUT,
};

/* the words of a result: of a transaction's step, of AUTH */
static const char *const lookup_freport_txres[] = { "ok", "permfail",
    "tempfail" };
static const char *const lookup_freport_auth[] = { "pass", "fail", "error" };

/* the words of the filters' decisions, as filter-response says them */
static const char *const lookup_freport_decisions[] = {
	[CFG_SFILTER_PROCEED] = "proceed",
	[CFG_SFILTER_BYPASS] = "proceed",
	[CFG_SFILTER_REJECT] = "reject",
	[CFG_SFILTER_DISCONNECT] = "disconnect",
	[CFG_SFILTER_JUNK] = "junk",
	[CFG_SFILTER_REWRITE] = "rewrite",
	[CFG_SFILTER_DISCARD] = "discard",	/* a milter's: not OpenSMTPD's */
	[CFG_SFILTER_REPORT] = "report",
};
_Static_assert(sizeof(lookup_freport_decisions) /
    sizeof(lookup_freport_decisions[0]) == CFG_SFILTER_DECISIONS,
    "a name for every decision");

/*
 * lookup_freport_fields - the fields of the event m, with id a buffer
 * for its message id: their number, or -1 when m breaks the contract
 */
int
lookup_freport_fields(const struct msg_lka_filter_event *m, char id[9],
    const char *f[3])
{
	int	tx = m->event >= IPC_FEV_TX_RESET &&
		    m->event <= IPC_FEV_TX_ROLLBACK;

	if (m->event >= IPC_FEV_MAX || m->result > IPC_FEV_TEMPFAIL)
		return -1;
	snprintf(id, 9, "%08x", m->msgid);
	switch (m->event) {
	case IPC_FEV_LINK_IDENTIFY:
		f[0] = m->result == 1 ? "EHLO" : "HELO";
		f[1] = m->text;
		return 2;
	case IPC_FEV_LINK_AUTH:
		f[0] = lookup_freport_auth[m->result];
		f[1] = m->text;
		return 2;
	case IPC_FEV_TX_MAIL:
	case IPC_FEV_TX_RCPT:
		f[0] = id;
		f[1] = lookup_freport_txres[m->result];
		f[2] = m->text;
		return 3;
	case IPC_FEV_TX_DATA:
		f[0] = id;
		f[1] = lookup_freport_txres[m->result];
		return 2;
	case IPC_FEV_TIMEOUT:
		return 0;
	default:
		f[0] = tx ? id : m->text;
		return 1;
	}
}

/*
 * lookup_freport_step - the steps the processes keep track of: 1 when
 * the event was one of them (handled here), else 0
 */
static int
lookup_freport_step(struct lookup_fprocs *fps, struct lookup_fsess *s,
    const struct msg_lka_filter_event *m)
{
	switch (m->event) {
	case IPC_FEV_TX_BEGIN:
		lookup_fchain_tx_begin(fps, m->sessid, m->msgid);
		return 1;
	case IPC_FEV_TX_COMMIT:
	case IPC_FEV_TX_ROLLBACK:
		if (!s->intx || s->msgid != m->msgid)
			return 1;
		s->size = m->size;
		lookup_fchain_tx_end(fps, m->sessid,
		    m->event == IPC_FEV_TX_COMMIT);
		return 1;
	default:
		return 0;
	}
}

/* lookup_freport_on_event - MSG_LOOKUP_FILTER_EVENT: report it */
void
lookup_freport_on_event(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_filter_event	*m = msg;
	struct lookup				*l = arg;
	const struct cfg_listener		*ls;
	struct lookup_fsess			*s;
	const char				*f[3];
	char					 msgid[9];
	int					 n;

	(void)c;
	(void)id;
	(void)fd;
	ls = lookup_listener_at(l, m->listener);
	if (ls == NULL || !cfg_sfilter_has_proc(ls->filter))
		fatalx("ipc: MSG_LOOKUP_FILTER_EVENT from smtpd: listener %u "
		    "runs no filter process", m->listener);
	if ((n = lookup_freport_fields(m, msgid, f)) == -1)
		fatalx("ipc: MSG_LOOKUP_FILTER_EVENT from smtpd: event %u "
		    "result %u", m->event, m->result);
	if ((s = lookup_fchain_sess(l->fprocs, m->sessid, 0)) == NULL ||
	    lookup_freport_step(l->fprocs, s, m))
		return;
	lookup_fchain_report(l->fprocs, s, lookup_freport_events[m->event],
	    f, (size_t)n);
}

/*
 * lookup_freport_response - filter-response: what the filters of the
 * listener decided at phase p of a session (nothing when they failed)
 */
void
lookup_freport_response(struct lookup_fprocs *fps, uint64_t sessid,
    uint32_t p, uint32_t status, uint32_t decision, const char *message)
{
	struct lookup_fsess	*s;
	const char		*f[3];
	size_t			 n = 2;

	if (status == IPC_FILTER_TEMPFAIL || status == IPC_FILTER_FAILED ||
	    (s = lookup_fchain_sess(fps, sessid, 0)) == NULL)
		return;
	if (status == IPC_FILTER_NONE)
		decision = CFG_SFILTER_PROCEED;
	f[0] = lookup_fproto_response_phase(p);
	f[1] = lookup_freport_decisions[decision];
	if (message != NULL && (decision == CFG_SFILTER_REJECT ||
	    decision == CFG_SFILTER_DISCONNECT ||
	    decision == CFG_SFILTER_REWRITE))
		f[n++] = message;
	lookup_fchain_report(fps, s, LOOKUP_FPROTO_FILTER_RESPONSE, f, n);
}

/*
 * lookup_freport_filter - filter-report: what a filter process ("proc")
 * or a builtin filter's report ("builtin") reported
 */
void
lookup_freport_filter(struct lookup_fprocs *fps, uint64_t sessid,
    const char *kind, const char *name, const char *text)
{
	struct lookup_fsess	*s;
	const char		*f[3] = { kind, name, text };

	if ((s = lookup_fchain_sess(fps, sessid, 0)) != NULL)
		lookup_fchain_report(fps, s, LOOKUP_FPROTO_FILTER_REPORT, f, 3);
}
