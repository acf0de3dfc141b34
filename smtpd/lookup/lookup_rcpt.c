/*
 * lookup_rcpt.c - recipients: match a RCPT of the listener (or a
 * notice's recipient for the queue) against the rules, expand it, and
 * make the envelopes.
 *
 * The envelopes of a RCPT are made here, on the privileged side of the
 * listener: from the expansion, the client's claims in MSG_LOOKUP_RCPT and
 * this process's own configuration (tag, hostname).  They go straight
 * to the queue (MSG_LOOKUP_ENVELOPE), then the verdict on the RCPT
 * (MSG_LOOKUP_RCPT_RESULT), which the queue forwards to the listener once
 * it holds them.  The listener never sees or builds an envelope.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "envelope.h"
#include "ipc.h"
#include "log.h"
#include "lookup.h"
#include "proc.h"
#include "smtp_addr.h"
#include "xmalloc.h"

#define LOOKUP_RCPT_FILE_MAX	(1024 * 1024)	/* .forward, :include: */
#define LOOKUP_RCPT_FLAGS	(ENVELOPE_F_8BITMIME | ENVELOPE_F_SMTPUTF8)

static void	lookup_rcpt_notice_answer(struct lookup_req *,
		    enum lookup_expand_status);

/* lookup_rcpt_account - a system account (getpwnam): -1, 0 or 1 */
static int
lookup_rcpt_account(void *arg, const char *name,
    struct lookup_expand_account *out)
{
	struct passwd	*pw;

	(void)arg;
	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return (errno == EIO || errno == EMFILE || errno == ENFILE ||
		    errno == ENOMEM || errno == EINTR) ? -1 : 0;
	if (strlcpy(out->name, pw->pw_name, sizeof(out->name)) >=
	    sizeof(out->name))
		return 0;
	out->uid = pw->pw_uid;
	return 1;
}

/* lookup_rcpt_read_fd - the whole (bounded) text of a file; closes fd */
static int
lookup_rcpt_read_fd(int fd, char **text)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;

	buf = xmalloc(LOOKUP_RCPT_FILE_MAX + 1);
	while ((n = read(fd, buf + len, LOOKUP_RCPT_FILE_MAX - len)) > 0)
		if ((len += (size_t)n) == LOOKUP_RCPT_FILE_MAX)
			break;
	close(fd);
	if (n == -1 || len == LOOKUP_RCPT_FILE_MAX || memchr(buf, '\0', len)) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

/* lookup_rcpt_include - the text of an :include: file of an alias table */
static int
lookup_rcpt_include(void *arg, const char *path, char **text)
{
	int	fd;

	(void)arg;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		log_warn("lookup event=include-failed path=%s", path);
		return -1;
	}
	if (lookup_rcpt_read_fd(fd, text) == -1) {
		log_warnx("lookup event=include-failed path=%s "
		    "reason=\"unreadable or too large\"", path);
		return -1;
	}
	return 0;
}

/* lookup_rcpt_route - the rule for an address from an expansion */
static int
lookup_rcpt_route(void *arg, const char *addr, const struct cfg_match **m)
{
	struct lookup_req	*req = arg;
	struct lookup_rule_ctx	 ctx;

	lookup_rule_ctx_sess(req->l, &req->rcpt.sess, req->rcpt.sender, addr,
	    &ctx);
	ctx.flags |= LOOKUP_RULE_SOCKET;
	return lookup_rule_match(req->l->env->cfg, &ctx, lookup_tables_lookup,
	    req->l->tables, m);
}

/* lookup_rcpt_table - the expansion's table callback */
static int
lookup_rcpt_table(void *arg, const struct cfg_table *t, enum table_kind k,
    const char *key, union table_result *out)
{
	struct lookup_req	*req = arg;

	return lookup_tables_lookup(req->l->tables, t, k, key, out);
}

/* lookup_rcpt_start - a request expanding rcpt under action a */
static struct lookup_req *
lookup_rcpt_start(struct lookup *l, uint64_t sessid,
    const struct cfg_action *a, const char *rcpt)
{
	struct lookup_req	*req;

	req = lookup_req_new(l, sessid);
	req->ops.table = lookup_rcpt_table;
	req->ops.account = lookup_rcpt_account;
	req->ops.include = lookup_rcpt_include;
	req->ops.route = lookup_rcpt_route;
	req->ops.arg = req;
	req->x = lookup_expand_new(&req->ops, l->env->cfg->smtp.sub_addr_delim,
	    a, rcpt);
	return req;
}

/* lookup_rcpt_session - the envelope fields of the session and the MAIL */
static void
lookup_rcpt_session(const struct lookup *l, const struct msg_lka_rcpt *m,
    struct envelope *evp)
{
	const struct cfg_listener	*ls = lookup_listener(l, &m->sess);

	strlcpy(evp->sender, m->sender, sizeof(evp->sender));
	strlcpy(evp->orig_rcpt, m->orcpt, sizeof(evp->orig_rcpt));
	strlcpy(evp->envid, m->envid, sizeof(evp->envid));
	strlcpy(evp->helo, m->sess.helo, sizeof(evp->helo));
	strlcpy(evp->client, m->sess.src, sizeof(evp->client));
	if (m->sess.flags & IPC_SESS_AUTH)
		strlcpy(evp->auth_user, m->sess.auth_user,
		    sizeof(evp->auth_user));
	if (ls != NULL)
		strlcpy(evp->tag, ls->tag, sizeof(evp->tag));
	strlcpy(evp->hostname, ls != NULL && ls->hostname[0] != '\0' ?
	    ls->hostname : l->hostname, sizeof(evp->hostname));
	evp->flags = m->flags & LOOKUP_RCPT_FLAGS;
	if (m->sess.flags & IPC_SESS_TLS)
		evp->flags |= ENVELOPE_F_TLS;
	if (m->sess.flags & IPC_SESS_AUTH)
		evp->flags |= ENVELOPE_F_AUTH;
	evp->dsn_notify = m->notify;
	evp->dsn_ret = (enum envelope_ret)m->ret;
}

/* lookup_rcpt_evp - the envelope of one expansion result */
static void
lookup_rcpt_evp(const struct lookup_req *req,
    const struct lookup_expand_result *r, struct envelope *evp)
{
	memset(evp, 0, sizeof(*evp));
	if (!req->notice)
		lookup_rcpt_session(req->l, &req->rcpt, evp);
	strlcpy(evp->rcpt, req->rcpt.rcpt, sizeof(evp->rcpt));
	strlcpy(evp->dest, r->dest, sizeof(evp->dest));
	strlcpy(evp->dispatcher, r->action->name, sizeof(evp->dispatcher));
	strlcpy(evp->user, r->user, sizeof(evp->user));
	evp->dest_type = r->dest_type;
	evp->origin = r->origin;
}

/* lookup_rcpt_verdict - the verdict on a RCPT, to the queue */
static void
lookup_rcpt_verdict(struct lookup *l, const struct msg_lka_rcpt *m,
    int code, const char *enh, const char *text)
{
	struct msg_rcpt_result	r;

	memset(&r, 0, sizeof(r));
	r.sessid = m->sess.id;
	r.msgid = m->msgid;
	r.code = code;
	strlcpy(r.enhanced, enh, sizeof(r.enhanced));
	strlcpy(r.text, text, sizeof(r.text));
	if (ipc_send(l->queue, MSG_LOOKUP_RCPT_RESULT, 0, -1, &r,
	    sizeof(r)) == -1)
		log_warn("lookup event=send-failed what=rcpt-verdict");
}

/* lookup_rcpt_envelopes - every envelope of the RCPT to the queue */
static void
lookup_rcpt_envelopes(struct lookup_req *req)
{
	struct msg_lka_envelope	*e;
	size_t			 i, n;

	e = xmalloc(sizeof(*e));
	n = lookup_expand_nresults(req->x);
	for (i = 0; i < n; i++) {
		memset(e, 0, sizeof(*e));
		e->sessid = req->rcpt.sess.id;
		e->msgid = req->rcpt.msgid;
		lookup_rcpt_evp(req, lookup_expand_result(req->x, i), &e->evp);
		if (ipc_send(req->l->queue, MSG_LOOKUP_ENVELOPE, 0, -1, e,
		    sizeof(*e)) == -1)
			log_warn("lookup event=send-failed what=envelope");
	}
	free(e);
}

/* lookup_rcpt_step - run an expansion until it is done or must wait */
static void
lookup_rcpt_step(struct lookup_req *req)
{
	struct msg_forward_open		 f;
	enum lookup_expand_status	 st;
	const char			*enh, *text;
	char				 vis[ADDR_MAX * 4];
	int				 code;

	if ((st = lookup_expand_run(req->x)) == LOOKUP_EXPAND_FORWARD) {
		memset(&f, 0, sizeof(f));
		f.reqid = req->reqid;
		strlcpy(f.user, lookup_expand_forward_user(req->x),
		    sizeof(f.user));
		if (ipc_send(req->l->parent, MSG_FORWARD_OPEN, 0, -1, &f,
		    sizeof(f)) == -1)
			fatal("lookup: asking the parent for a .forward");
		return;
	}
	code = lookup_expand_error(req->x, &enh, &text);
	log_info("%016llx lookup event=%s rcpt=<%s> result=%d results=%zu",
	    (unsigned long long)req->sessid, req->notice ? "notice" : "rcpt",
	    log_vis(vis, sizeof(vis), req->rcpt.rcpt),
	    st == LOOKUP_EXPAND_DONE ? 250 : code,
	    lookup_expand_nresults(req->x));
	if (req->notice)
		lookup_rcpt_notice_answer(req, st);
	else if (req->added_arg != NULL) {
		if (st == LOOKUP_EXPAND_DONE)
			lookup_rcpt_envelopes(req);
		if (req->added != NULL)
			req->added(req->added_arg, st == LOOKUP_EXPAND_DONE);
	} else if (st == LOOKUP_EXPAND_DONE) {
		lookup_rcpt_envelopes(req);
		lookup_rcpt_verdict(req->l, &req->rcpt, 250, "2.1.5",
		    "Recipient ok");
	} else
		lookup_rcpt_verdict(req->l, &req->rcpt, code, enh, text);
	lookup_req_free(req);
}

/*
 * lookup_rcpt_match - the rule for a RCPT; NULL and a verdict if none
 * (a milter's recipient gets none: verdict is 0)
 */
static const struct cfg_action *
lookup_rcpt_match(struct lookup *l, const struct msg_lka_rcpt *m,
    int verdict)
{
	struct lookup_rule_ctx	 ctx;
	const struct cfg_match	*match;
	char			 vis[ADDR_MAX * 4];
	int			 r;

	lookup_rule_ctx_sess(l, &m->sess, m->sender, m->rcpt, &ctx);
	r = lookup_rule_match(l->env->cfg, &ctx, lookup_tables_lookup,
	    l->tables, &match);
	if (r == 1 && !match->reject)
		return match->action;
	log_info("%016llx lookup event=rcpt rcpt=<%s> result=%d rule=%s",
	    (unsigned long long)m->sess.id, log_vis(vis, sizeof(vis), m->rcpt),
	    r == -1 ? 451 : 550, r == -1 ? "tempfail" : r == 0 ? "none" :
	    "reject");
	if (!verdict)
		return NULL;
	if (r == -1)
		lookup_rcpt_verdict(l, m, 451, "4.3.0", "Temporary failure");
	else
		lookup_rcpt_verdict(l, m, 550, "5.7.1",
		    "Delivery not authorized");
	return NULL;
}

/* lookup_rcpt_claims_valid - addresses and DSN parameters as parsed */
static int
lookup_rcpt_claims_valid(const struct msg_lka_rcpt *m)
{
	if (!lookup_addr_valid(m->rcpt, SMTP_ADDR_F_RCPT) ||
	    (*m->sender != '\0' && !lookup_addr_valid(m->sender,
	    SMTP_ADDR_F_MAIL)))
		return 0;
	if ((m->flags & ~LOOKUP_RCPT_FLAGS) != 0 ||
	    m->ret > ENVELOPE_RET_HDRS)
		return 0;
	return (m->notify & ~(ENVELOPE_DSN_NEVER | ENVELOPE_DSN_SUCCESS |
	    ENVELOPE_DSN_FAILURE | ENVELOPE_DSN_DELAY)) == 0 &&
	    (!(m->notify & ENVELOPE_DSN_NEVER) ||
	    m->notify == ENVELOPE_DSN_NEVER);
}

/* lookup_rcpt_on_request - MSG_LOOKUP_RCPT: match, then expand */
void
lookup_rcpt_on_request(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_rcpt	*m = msg;
	struct lookup			*l = arg;
	const struct cfg_action		*a;
	struct lookup_req		*req;

	(void)c;
	(void)id;
	(void)fd;
	if (!lookup_rcpt_claims_valid(m)) {
		lookup_rcpt_verdict(l, m, 553, "5.1.3",
		    "Invalid address or parameters");
		return;
	}
	if ((a = lookup_rcpt_match(l, m, 1)) == NULL)
		return;
	req = lookup_rcpt_start(l, m->sess.id, a, m->rcpt);
	req->rcpt = *m;
	lookup_rcpt_step(req);
}

/*
 * lookup_rcpt_added - a recipient a milter adds to the transaction of m
 * (the session's own claims, the MAIL's sender): matched and expanded
 * as a RCPT would be; its envelopes go to the queue, then added(arg,
 * 1), or added(arg, 0) when the expansion failed.  -1, and no call,
 * when it is no valid address or matches no rule.
 */
int
lookup_rcpt_added(struct lookup *l, const struct msg_lka_rcpt *m,
    void (*added)(void *, int), void *arg)
{
	const struct cfg_action	*a;
	struct lookup_req	*req;

	if (!lookup_rcpt_claims_valid(m) ||
	    (a = lookup_rcpt_match(l, m, 0)) == NULL)
		return -1;
	req = lookup_rcpt_start(l, m->sess.id, a, m->rcpt);
	req->rcpt = *m;
	req->added = added;
	req->added_arg = arg;
	lookup_rcpt_step(req);
	return 0;
}

/* lookup_rcpt_added_cancel - arg is gone: its expansions tell nobody */
void
lookup_rcpt_added_cancel(struct lookup *l, void *arg)
{
	struct lookup_req	*req;

	TAILQ_FOREACH(req, &l->reqs, entry)
		if (req->added_arg == arg)
			req->added = NULL;
}

/* lookup_rcpt_notice_reply - the verdict on a notice, to the queue */
static void
lookup_rcpt_notice_reply(struct lookup *l, uint64_t qreqid, int code,
    const char *enh, const char *text)
{
	struct msg_lka_notice_result	r;

	memset(&r, 0, sizeof(r));
	r.reqid = qreqid;
	r.code = code;
	strlcpy(r.enhanced, enh, sizeof(r.enhanced));
	strlcpy(r.text, text, sizeof(r.text));
	if (ipc_send(l->queue, MSG_LOOKUP_NOTICE_RESULT, 0, -1, &r,
	    sizeof(r)) == -1)
		log_warn("lookup event=send-failed what=notice-result");
}

/* lookup_rcpt_notice_answer - a notice's final recipients, the verdict */
static void
lookup_rcpt_notice_answer(struct lookup_req *req,
    enum lookup_expand_status st)
{
	struct msg_lka_notice_expanded	*e;
	const char			*enh, *text;
	size_t				 i, n;
	int				 code;

	if (st != LOOKUP_EXPAND_DONE) {
		code = lookup_expand_error(req->x, &enh, &text);
		lookup_rcpt_notice_reply(req->l, req->qreqid, code, enh, text);
		return;
	}
	e = xmalloc(sizeof(*e));
	n = lookup_expand_nresults(req->x);
	for (i = 0; i < n; i++) {
		memset(e, 0, sizeof(*e));
		e->reqid = req->qreqid;
		lookup_rcpt_evp(req, lookup_expand_result(req->x, i), &e->evp);
		if (ipc_send(req->l->queue, MSG_LOOKUP_NOTICE_EXPANDED, 0, -1, e,
		    sizeof(*e)) == -1)
			log_warn("lookup event=send-failed "
			    "what=notice-recipient");
	}
	free(e);
	lookup_rcpt_notice_reply(req->l, req->qreqid, 250, "2.1.5",
	    "Recipient ok");
}

/* lookup_rcpt_notice_valid - an address, or a bare local part */
static int
lookup_rcpt_notice_valid(const char *rcpt)
{
	char	buf[ADDR_MAX];

	if (strchr(rcpt, '@') != NULL)
		return lookup_addr_valid(rcpt, SMTP_ADDR_F_RCPT);
	if (snprintf(buf, sizeof(buf), "%s@localhost", rcpt) >=
	    (int)sizeof(buf))
		return 0;
	return lookup_addr_valid(buf, SMTP_ADDR_F_RCPT);
}

/*
 * lookup_rcpt_notice_action - the action of the first rule that takes a
 * notice (mail from <> submitted locally) to its recipient; NULL when
 * none does, after the verdict has gone to the queue
 */
static const struct cfg_action *
lookup_rcpt_notice_action(struct lookup *l, const struct msg_lka_notice *m)
{
	const struct cfg_match	*match;
	struct lookup_rule_ctx	 ctx;
	struct ipc_sess		 sess;
	char			 vis[ADDR_MAX * 4];
	int			 r;

	memset(&sess, 0, sizeof(sess));
	sess.flags = IPC_SESS_LOCAL;
	sess.listener = UINT32_MAX;
	lookup_rule_ctx_sess(l, &sess, "", m->rcpt, &ctx);
	r = lookup_rule_match(l->env->cfg, &ctx, lookup_tables_lookup,
	    l->tables, &match);
	if (r == 1 && !match->reject)
		return match->action;
	log_info("%016llx lookup event=notice rcpt=<%s> result=%d rule=%s",
	    (unsigned long long)m->evpid, log_vis(vis, sizeof(vis), m->rcpt),
	    r == -1 ? 451 : 550, r == -1 ? "tempfail" : r == 0 ? "none" :
	    "reject");
	if (r == -1)
		lookup_rcpt_notice_reply(l, m->reqid, 451, "4.3.0",
		    "Temporary failure");
	else
		lookup_rcpt_notice_reply(l, m->reqid, 550, "5.7.1",
		    "No rule accepts the notice");
	return NULL;
}

/*
 * lookup_rcpt_on_notice - MSG_LOOKUP_NOTICE: expand a notice's recipient,
 * as a RCPT from <> on the local socket would be: under the action the
 * rules give (no dispatcher), or under the named local action (notices
 * written before the rules decided).
 */
void
lookup_rcpt_on_notice(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_notice	*m = msg;
	struct lookup			*l = arg;
	const struct cfg_action		*a;
	struct lookup_req		*req;

	(void)c;
	(void)id;
	(void)fd;
	a = NULL;
	if (!lookup_rcpt_notice_valid(m->rcpt) || (m->dispatcher[0] != '\0' &&
	    ((a = cfg_action_find(l->env->cfg, m->dispatcher)) == NULL ||
	    a->type == CFG_ACTION_RELAY))) {
		log_warnx("%016llx lookup event=notice result=554 "
		    "error=\"bad request\"", (unsigned long long)m->evpid);
		lookup_rcpt_notice_reply(l, m->reqid, 554, "5.3.5",
		    "Bad notice expansion request");
		return;
	}
	if (m->dispatcher[0] == '\0' &&
	    (a = lookup_rcpt_notice_action(l, m)) == NULL)
		return;
	req = lookup_rcpt_start(l, m->evpid, a, m->rcpt);
	req->notice = 1;
	req->qreqid = m->reqid;
	req->rcpt.sess.flags = IPC_SESS_LOCAL;
	req->rcpt.sess.id = m->evpid;
	req->rcpt.sess.listener = UINT32_MAX;
	strlcpy(req->rcpt.rcpt, m->rcpt, sizeof(req->rcpt.rcpt));
	lookup_rcpt_step(req);
}

/*
 * lookup_rcpt_on_forward - MSG_FORWARD_FD: the .forward's text, none,
 * or a temporary failure; go on
 */
void
lookup_rcpt_on_forward(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_forward_fd	*m = msg;
	struct lookup_req		*req;
	char				*text = NULL;

	(void)c;
	(void)id;
	req = lookup_req_find(arg, m->reqid, "forward");
	if (req->x == NULL)
		fatalx("lookup: forward answer for an AUTH request");
	if ((m->status == IPC_FORWARD_OK) != (fd != -1) ||
	    (m->status != IPC_FORWARD_OK && m->status != IPC_FORWARD_NONE &&
	    m->status != IPC_FORWARD_REFUSED &&
	    m->status != IPC_FORWARD_TEMPFAIL))
		fatalx("ipc: MSG_FORWARD_FD from parent: bad status %d",
		    (int)m->status);
	if (fd != -1 && lookup_rcpt_read_fd(fd, &text) == -1)
		log_warnx("%016llx lookup event=forward user=%s "
		    "error=\"unreadable or too large\"",
		    (unsigned long long)req->sessid,
		    lookup_expand_forward_user(req->x));
	if (m->status == IPC_FORWARD_TEMPFAIL)
		lookup_expand_forward_failed(req->x);
	else
		lookup_expand_forward(req->x, text);
	free(text);
	lookup_rcpt_step(req);
}
