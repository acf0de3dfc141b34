/*
 * srv_filter.c - the session's hook into the SMTP filters (smtpd.conf
 * "filter") of its listener.  At each phase the listener's filter hooks
 * into (connect, helo, ehlo, starttls, auth, mail-from, rcpt-to, data,
 * commit; and rset, quit, noop and help, which only filter processes
 * are asked, as in OpenSMTPD but for help), the session waits, without
 * holding up any other, while the lookup process runs the filter on its
 * tables; then the command goes on, is refused or ends the session, as
 * the deciding filter says.  Only a builtin filter's index travels
 * back: the reply text comes from this process's own configuration.  A
 * filter process's reply or new argument travels with its index and is
 * checked here as the configuration's would be.  A listener whose
 * filter runs processes asks at every phase (only the process knows
 * what it registered for) and says when the session ends.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "smtp_cmd.h"
#include "srv.h"
#include "xmalloc.h"

/* a phase waiting for the lookup's verdict */
struct srv_filter {
	enum cfg_sfilter_phase	 phase;
	srv_filter_fn		 proceed;
	struct smtp_cmd		*cmd;		/* a copy, or NULL */
};

static const char *const srv_filter_decisions[] = {
	[CFG_SFILTER_PROCEED] = "proceed",
	[CFG_SFILTER_BYPASS] = "bypass",
	[CFG_SFILTER_REJECT] = "reject",
	[CFG_SFILTER_DISCONNECT] = "disconnect",
	[CFG_SFILTER_JUNK] = "junk",
	[CFG_SFILTER_REWRITE] = "rewrite",
	[CFG_SFILTER_DISCARD] = "discard",
	[CFG_SFILTER_REPORT] = "report",
};
_Static_assert(sizeof(srv_filter_decisions) / sizeof(srv_filter_decisions[0])
    == CFG_SFILTER_DECISIONS, "a name for every decision");

/* the commands that are phases */
static const struct {
	enum smtp_cmd_verb	 verb;
	enum cfg_sfilter_phase	 phase;
} srv_filter_verbs[] = {
	{ SMTP_CMD_HELO,	CFG_SFILTER_HELO },
	{ SMTP_CMD_EHLO,	CFG_SFILTER_EHLO },
	{ SMTP_CMD_STARTTLS,	CFG_SFILTER_STARTTLS },
	{ SMTP_CMD_AUTH,	CFG_SFILTER_AUTH },
	{ SMTP_CMD_MAIL,	CFG_SFILTER_MAIL_FROM },
	{ SMTP_CMD_RCPT,	CFG_SFILTER_RCPT_TO },
	{ SMTP_CMD_DATA,	CFG_SFILTER_DATA },
	{ SMTP_CMD_BDAT,	CFG_SFILTER_DATA },
	{ SMTP_CMD_RSET,	CFG_SFILTER_RSET },
	{ SMTP_CMD_QUIT,	CFG_SFILTER_QUIT },
	{ SMTP_CMD_NOOP,	CFG_SFILTER_NOOP },
	{ SMTP_CMD_HELP,	CFG_SFILTER_HELP },
};

/* srv_filter_of - the filter of the session's listener, or NULL */
static const struct cfg_sfilter *
srv_filter_of(const struct srv_session *ss)
{
	return ss->listener->cfg != NULL ? ss->listener->cfg->filter : NULL;
}

/* srv_filter_free - forget a phase waiting for its verdict */
void
srv_filter_free(struct srv_session *ss)
{
	if (ss->filter == NULL)
		return;
	if (ss->filter->cmd != NULL)
		freezero(ss->filter->cmd, sizeof(*ss->filter->cmd));
	free(ss->filter);
	ss->filter = NULL;
}

_Static_assert(IPC_FILTER_MSG_MAX > CFG_SFILTER_MSG_MAX,
    "a filter's reply fits the verdict");

/* srv_filter_sockname - "address:port" of one end of the connection */
static void
srv_filter_sockname(const struct srv_session *ss, int peer, char *out,
    size_t size)
{
	struct sockaddr_storage	 sa;
	socklen_t		 len = sizeof(sa);
	char			 host[NI_MAXHOST], serv[NI_MAXSERV];
	int			 r;

	r = peer ? getpeername(ss->fd, (struct sockaddr *)&sa, &len) :
	    getsockname(ss->fd, (struct sockaddr *)&sa, &len);
	if (r == -1 || sa.ss_family == AF_UNIX ||
	    getnameinfo((struct sockaddr *)&sa, len, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy(out, "unix:local", size);
	else
		snprintf(out, size, sa.ss_family == AF_INET6 ? "[%s]:%s" :
		    "%s:%s", host, serv);
}

/* srv_filter_args - what a filter process is told of the phase */
static void
srv_filter_args(const struct srv_session *ss, enum cfg_sfilter_phase p,
    const struct smtp_cmd *cmd, struct msg_lka_filter *m)
{
	if (!cfg_sfilter_has_remote(srv_filter_of(ss)))
		return;
	if (p == CFG_SFILTER_CONNECT) {
		srv_filter_sockname(ss, 1, m->link_src, sizeof(m->link_src));
		srv_filter_sockname(ss, 0, m->link_dest,
		    sizeof(m->link_dest));
	} else if (p == CFG_SFILTER_AUTH && cmd != NULL)
		snprintf(m->arg, sizeof(m->arg), "%.*s",
		    (int)strcspn(cmd->arg, " "), cmd->arg);
}

/* srv_filter_end - the session ends: its listener's processes are told */
void
srv_filter_end(struct srv_session *ss)
{
	struct msg_lka_filter_end	m;

	if (!cfg_sfilter_has_remote(srv_filter_of(ss)))
		return;
	memset(&m, 0, sizeof(m));
	m.sessid = ss->id;
	m.listener = ss->listener->index;
	ipc_send(ss->srv->lookup, MSG_LOOKUP_FILTER_END, 0, -1, &m,
	    sizeof(m));
}

/* srv_filter_request - ask the lookup to run the filter at phase p */
static void
srv_filter_request(struct srv_session *ss, enum cfg_sfilter_phase p,
    const struct smtp_cmd *cmd)
{
	struct msg_lka_filter	*m;

	m = xcalloc(1, sizeof(*m));
	srv_lookup_sess(ss, &m->sess);
	m->phase = p;
	srv_filter_args(ss, p, cmd, m);
	if (p == CFG_SFILTER_HELO || p == CFG_SFILTER_EHLO)
		strlcpy(m->sess.helo, cmd->arg, sizeof(m->sess.helo));
	if (p == CFG_SFILTER_MAIL_FROM)
		strlcpy(m->sender, cmd->addr.text, sizeof(m->sender));
	else if (ss->tx != NULL)
		strlcpy(m->sender, ss->tx->sender, sizeof(m->sender));
	if (p == CFG_SFILTER_RCPT_TO)
		strlcpy(m->rcpt, cmd->addr.text, sizeof(m->rcpt));
	ss->input = SRV_IN_WAIT;
	ipc_send(ss->srv->lookup, MSG_LOOKUP_FILTER, 0, -1, m, sizeof(*m));
	free(m);
}

/*
 * srv_filter_phase - phase p of the session: proceed(ss, cmd) at once
 * when no filter of the listener hooks into it, else once the filter
 * let it through (cmd is copied meanwhile)
 */
void
srv_filter_phase(struct srv_session *ss, enum cfg_sfilter_phase p,
    const struct smtp_cmd *cmd, srv_filter_fn proceed)
{
	struct srv_filter	*f;

	if (p == CFG_SFILTER_MAIL_FROM)
		ss->flags &= ~SRV_F_JUNK_TX;
	if (!cfg_sfilter_wants(srv_filter_of(ss), p)) {
		proceed(ss, cmd);
		return;
	}
	if (ss->filter != NULL)
		panic("srv_filter_phase: a phase is already waiting");
	ss->filter = f = xcalloc(1, sizeof(*f));
	f->phase = p;
	f->proceed = proceed;
	if (cmd != NULL) {
		f->cmd = xmalloc(sizeof(*f->cmd));
		memcpy(f->cmd, cmd, sizeof(*f->cmd));
	}
	srv_filter_request(ss, p, cmd);
}

/* srv_filter_cmd - a command that passed the driver's checks: its phase */
void
srv_filter_cmd(struct srv_session *ss, srv_filter_fn fn,
    const struct smtp_cmd *cmd)
{
	size_t	i;

	for (i = 0; i < sizeof(srv_filter_verbs) / sizeof(srv_filter_verbs[0]);
	    i++) {
		if (srv_filter_verbs[i].verb != cmd->verb)
			continue;
		if (cmd->verb == SMTP_CMD_BDAT && ss->state == SRV_ST_BDAT)
			break;		/* a phase of the first chunk only */
		srv_filter_phase(ss, srv_filter_verbs[i].phase, cmd, fn);
		return;
	}
	fn(ss, cmd);
}

/* srv_filter_refuse - reject or disconnect with the filter's reply */
static void
srv_filter_refuse(struct srv_session *ss, struct srv_filter *f,
    enum cfg_sfilter_decision d, const char *msg)
{
	srv_reply(ss, atoi(msg), NULL, "%s", msg + 4);
	if (f->phase == CFG_SFILTER_COMMIT)
		srv_tx_reset(ss);
	else if (f->cmd != NULL)
		srv_cmd_skip_chunk(ss, f->cmd);
	if (d == CFG_SFILTER_DISCONNECT || f->phase == CFG_SFILTER_CONNECT ||
	    strncmp(msg, "421", 3) == 0)
		srv_session_close(ss);
}

/* srv_filter_rewrite - the command's argument as the filter gives it */
static void
srv_filter_rewrite(struct srv_filter *f, const char *value)
{
	if (f->cmd == NULL)
		return;
	if (f->phase == CFG_SFILTER_HELO || f->phase == CFG_SFILTER_EHLO)
		strlcpy(f->cmd->arg, value, sizeof(f->cmd->arg));
	else if (f->phase == CFG_SFILTER_MAIL_FROM ||
	    f->phase == CFG_SFILTER_RCPT_TO)
		strlcpy(f->cmd->addr.text, value, sizeof(f->cmd->addr.text));
}

/* srv_filter_decide - carry out the verdict on the waiting phase */
static void
srv_filter_decide(struct srv_session *ss, struct srv_filter *f,
    const struct cfg_sfilter *rule, const struct msg_lka_filter_result *m)
{
	enum cfg_sfilter_decision	 d = CFG_SFILTER_PROCEED;
	const char			*msg = NULL;

	if (rule != NULL) {
		d = rule->kind != CFG_SFILTER_BUILTIN ?
		    (enum cfg_sfilter_decision)m->decision : rule->decision;
		msg = rule->kind != CFG_SFILTER_BUILTIN ? m->message :
		    rule->message;
	}
	if (rule != NULL)
		log_info("%016llx smtp event=filter phase=%s filter=%s "
		    "decision=%s", (unsigned long long)ss->id,
		    cfg_sfilter_phase_name(f->phase), rule->name,
		    srv_filter_decisions[d]);
	if (d == CFG_SFILTER_REJECT || d == CFG_SFILTER_DISCONNECT) {
		srv_filter_refuse(ss, f, d, msg);
		return;
	}
	if (d == CFG_SFILTER_DISCARD) {
		srv_reply(ss, 250, "2.0.0", "Ok: discarded");
		srv_tx_reset(ss);
		return;
	}
	if (d == CFG_SFILTER_JUNK)
		ss->flags |= f->phase <= CFG_SFILTER_AUTH || (f->phase >
		    CFG_SFILTER_COMMIT && ss->tx == NULL) ? SRV_F_JUNK :
		    SRV_F_JUNK_TX;
	else if (d == CFG_SFILTER_REWRITE)
		srv_filter_rewrite(f, msg);
	f->proceed(ss, f->cmd);
}

/*
 * srv_filter_tempfail - a table failed: try again later; a filter
 * process failed: the session ends
 */
static void
srv_filter_tempfail(struct srv_session *ss, struct srv_filter *f,
    uint32_t status)
{
	log_info("%016llx smtp event=filter phase=%s decision=%s",
	    (unsigned long long)ss->id, cfg_sfilter_phase_name(f->phase),
	    status == IPC_FILTER_FAILED ? "failed" : "tempfail");
	if (f->phase == CFG_SFILTER_CONNECT || status == IPC_FILTER_FAILED) {
		if (f->phase == CFG_SFILTER_COMMIT)
			srv_tx_reset(ss);
		srv_reply(ss, 421, "4.3.0", "%s Temporary failure, closing",
		    srv_hostname(ss));
		srv_session_close(ss);
		return;
	}
	srv_reply(ss, 451, "4.3.0", "Temporary failure");
	if (f->phase == CFG_SFILTER_COMMIT)
		srv_tx_reset(ss);
	else if (f->cmd != NULL)
		srv_cmd_skip_chunk(ss, f->cmd);
}

/* srv_filter_proc_valid - a filter process's decision fits the phase */
static int
srv_filter_proc_valid(const struct srv_filter *f,
    const struct msg_lka_filter_result *m)
{
	switch (m->decision) {
	case CFG_SFILTER_REJECT:
	case CFG_SFILTER_DISCONNECT:
		return cfg_sfilter_reply_valid(m->message);
	case CFG_SFILTER_JUNK:
		return f->phase != CFG_SFILTER_COMMIT;
	case CFG_SFILTER_DISCARD:
		return f->phase == CFG_SFILTER_COMMIT;
	case CFG_SFILTER_REWRITE:
		return cfg_sfilter_rewrite_valid(f->phase, m->message) &&
		    (f->phase == CFG_SFILTER_HELO ||
		    f->phase == CFG_SFILTER_EHLO ||
		    f->phase == CFG_SFILTER_MAIL_FROM ||
		    f->phase == CFG_SFILTER_RCPT_TO);
	default:
		return 0;
	}
}

/* srv_filter_rule - the deciding rule, checked against our configuration */
static const struct cfg_sfilter *
srv_filter_rule(const struct srv_session *ss, const struct srv_filter *f,
    const struct msg_lka_filter_result *m)
{
	const struct cfg_sfilter	*rule;

	if (m->phase != f->phase || m->status > IPC_FILTER_FAILED)
		fatalx("ipc: MSG_LOOKUP_FILTER_RESULT from lookup: phase %u "
		    "status %u for phase %u", m->phase, m->status, f->phase);
	if (m->status != IPC_FILTER_DECIDED)
		return NULL;
	rule = cfg_sfilter_at(ss->srv->env->cfg, m->rule);
	if (rule == NULL || !cfg_sfilter_reaches(srv_filter_of(ss), rule) ||
	    (rule->kind != CFG_SFILTER_BUILTIN ? !srv_filter_proc_valid(f, m) :
	    rule->kind != CFG_SFILTER_BUILTIN || rule->phase != f->phase ||
	    rule->decision != m->decision))
		fatalx("ipc: MSG_LOOKUP_FILTER_RESULT from lookup: filter %u "
		    "is not the listener's at phase %s", m->rule,
		    cfg_sfilter_phase_name(f->phase));
	return rule;
}

/* srv_filter_on_result - MSG_LOOKUP_FILTER_RESULT: the filter's verdict */
void
srv_filter_on_result(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_filter_result	*m = msg;
	const struct cfg_sfilter		*rule;
	struct srv_session			*ss;
	struct srv_filter			*f;

	(void)c;
	(void)id;
	(void)fd;
	ss = srv_session_find(arg, m->sessid);
	if (ss == NULL || (f = ss->filter) == NULL ||
	    ss->input != SRV_IN_WAIT || (ss->flags & SRV_F_CLOSING)) {
		log_debug("%016llx smtp event=lookup-answer-dropped",
		    (unsigned long long)m->sessid);
		return;
	}
	rule = srv_filter_rule(ss, f, m);
	ss->filter = NULL;
	ss->input = SRV_IN_CMD;
	if (m->status == IPC_FILTER_TEMPFAIL || m->status == IPC_FILTER_FAILED)
		srv_filter_tempfail(ss, f, m->status);
	else
		srv_filter_decide(ss, f, rule, m);
	if (f->cmd != NULL)
		freezero(f->cmd, sizeof(*f->cmd));
	free(f);
	srv_session_resume(ss);
}

/* srv_filter_junk - the message being received is to be marked as spam */
int
srv_filter_junk(const struct srv_session *ss)
{
	return (ss->flags & (SRV_F_JUNK | SRV_F_JUNK_TX)) != 0;
}
