/*
 * lookup.c - the lookup role: the one process that reads tables and the
 * user database on behalf of the others.  It evaluates the match rules
 * for the listener, expands recipients (aliases, virtual, ~/.forward)
 * and checks AUTH credentials.  It runs as _posthorn without chroot, so
 * it can open the tables the configuration names; anything that needs
 * root (system passwords, a user's ~/.forward) it asks of the parent.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "lookup.h"
#include "lookup_expand.h"
#include "lookup_rule.h"
#include "proc.h"
#include "roles.h"
#include "smtp_addr.h"
#include "xmalloc.h"

#define LOOKUP_FILE_MAX		(1024 * 1024)	/* .forward, :include: */

/*
 * One request waiting for the parent: a RCPT's .forward or an AUTH.  A
 * notice's expansion for the queue is a RCPT request with notice set:
 * its answers go to the queue under the queue's qreqid.
 */
struct lookup_req {
	TAILQ_ENTRY(lookup_req)	 entry;
	struct lookup		*l;
	uint64_t		 reqid;
	uint64_t		 sessid;	/* a notice's evpid, for logs */
	int			 notice;
	uint64_t		 qreqid;
	struct msg_lka_rcpt	 rcpt;		/* RCPT only */
	char			 src[HOST_MAX];	/* AUTH only: the client */
	struct lookup_expand_ops ops;
	struct lookup_expand	*x;
};

struct lookup {
	struct proc_env		*env;
	struct ipc		*parent;
	struct ipc		*queue;
	struct ipc		*smtpd;
	struct lookup_tables	*tables;
	struct lookup_authlimit	*authlimit;
	char			**localnames;
	TAILQ_HEAD(, lookup_req) reqs;
	uint64_t		 nextreq;
};

static void	lookup_on_mail(struct ipc *, uint32_t, int, const void *,
		    void *);
static void	lookup_on_rcpt(struct ipc *, uint32_t, int, const void *,
		    void *);
static void	lookup_on_auth(struct ipc *, uint32_t, int, const void *,
		    void *);
static void	lookup_on_auth_system(struct ipc *, uint32_t, int,
		    const void *, void *);
static void	lookup_on_forward(struct ipc *, uint32_t, int, const void *,
		    void *);
static void	lookup_on_table_update(struct ipc *, uint32_t, int,
		    const void *, void *);
static void	lookup_on_notice(struct ipc *, uint32_t, int, const void *,
		    void *);
static void	lookup_notice_answer(struct lookup_req *,
		    enum lookup_expand_status);

static const struct ipc_handler lookup_parent_handlers[] = {
	{ MSG_AUTH_SYSTEM_RESULT, lookup_on_auth_system },
	{ MSG_FORWARD_FD,	lookup_on_forward },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler lookup_queue_handlers[] = {
	{ MSG_LOG_VERBOSE,	ipc_on_log_verbose },
	{ MSG_LOG_BRIEF,	ipc_on_log_brief },
	{ MSG_TABLE_UPDATE,	lookup_on_table_update },
	{ MSG_LKA_NOTICE,	lookup_on_notice },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler lookup_smtpd_handlers[] = {
	{ MSG_LKA_MAIL,		lookup_on_mail },
	{ MSG_LKA_RCPT,		lookup_on_rcpt },
	{ MSG_LKA_AUTH,		lookup_on_auth },
	{ MSG_NONE,		NULL }
};

/* lookup_reply - send the listener a verdict */
static void __attribute__((format(printf, 5, 6)))
lookup_reply(struct lookup *l, uint64_t sessid, int code, const char *enh,
    const char *fmt, ...)
{
	struct msg_lka_result	r;
	va_list			ap;

	memset(&r, 0, sizeof(r));
	r.sessid = sessid;
	r.code = code;
	strlcpy(r.enhanced, enh, sizeof(r.enhanced));
	va_start(ap, fmt);
	vsnprintf(r.text, sizeof(r.text), fmt, ap);
	va_end(ap);
	if (ipc_send(l->smtpd, MSG_LKA_RESULT, 0, -1, &r, sizeof(r)) == -1)
		log_warn("lookup: result to the listener");
}

/* lookup_listener - the listener a session came in on, or NULL */
static const struct cfg_listener *
lookup_listener(const struct lookup *l, uint32_t index)
{
	const struct cfg_listener	*ls;
	uint32_t			 i = 0;

	TAILQ_FOREACH(ls, &l->env->cfg->listeners, entry)
		if (i++ == index)
			return ls;
	return NULL;
}

/* lookup_addr_valid - is s an address the listener could have parsed? */
static int
lookup_addr_valid(const char *s, int flags)
{
	struct smtp_addr	 a;
	const char		*errstr;
	char			 buf[ADDR_MAX + 2];
	size_t			 used;
	int			 n;

	n = snprintf(buf, sizeof(buf), "<%s>", s);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return 0;
	return smtp_addr_parse(buf, (size_t)n, flags | SMTP_ADDR_F_UTF8, &a,
	    &used, &errstr) == 0 && used == (size_t)n;
}

/* lookup_rule_ctx_sess - the rule context of a session */
static void
lookup_rule_ctx_sess(const struct lookup *l, const struct ipc_sess *s,
    const char *sender, const char *rcpt, struct lookup_rule_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	if (s->flags & IPC_SESS_LOCAL)
		ctx->flags |= LOOKUP_RULE_SOCKET;
	if (s->flags & IPC_SESS_TLS)
		ctx->flags |= LOOKUP_RULE_TLS;
	if (s->flags & IPC_SESS_AUTH)
		ctx->flags |= LOOKUP_RULE_AUTH;
	ctx->src = s->src;
	ctx->rdns = s->rdns;
	ctx->helo = s->helo;
	ctx->auth_user = s->flags & IPC_SESS_AUTH ? s->auth_user : "";
	ctx->tag = s->tag;
	ctx->sender = sender;
	ctx->rcpt = rcpt;
	ctx->localnames = (const char *const *)l->localnames;
}

/* lookup_on_mail - MSG_LKA_MAIL: may this session use this sender? */
static void
lookup_on_mail(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_mail	*m = msg;
	struct lookup			*l = arg;
	const char			*user = "";
	char				 vis[ADDR_MAX * 4];
	int				 r;

	(void)c;
	(void)id;
	(void)fd;
	if (*m->sender != '\0' && !lookup_addr_valid(m->sender,
	    SMTP_ADDR_F_MAIL)) {
		lookup_reply(l, m->sess.id, 553, "5.1.7", "Invalid sender");
		return;
	}
	if (m->sess.flags & IPC_SESS_AUTH)
		user = m->sess.auth_user;
	r = lookup_auth_senders(l->tables, lookup_listener(l,
	    m->sess.listener), user, m->sender);
	log_info("%016llx lookup event=mail sender=<%s> result=%s",
	    (unsigned long long)m->sess.id, log_vis(vis, sizeof(vis),
	    m->sender), r == 1 ? "ok" : r == 0 ? "refused" : "tempfail");
	if (r == 1)
		lookup_reply(l, m->sess.id, 250, "2.1.0", "Ok");
	else if (r == 0)
		lookup_reply(l, m->sess.id, 553, "5.7.1",
		    "Sender address not allowed");
	else
		lookup_reply(l, m->sess.id, 451, "4.3.0",
		    "Temporary failure");
}

/* lookup_req_new - a request waiting for the parent */
static struct lookup_req *
lookup_req_new(struct lookup *l, uint64_t sessid)
{
	struct lookup_req	*req;

	req = xcalloc(1, sizeof(*req));
	req->l = l;
	req->reqid = ++l->nextreq;
	req->sessid = sessid;
	TAILQ_INSERT_TAIL(&l->reqs, req, entry);
	return req;
}

/* lookup_req_find - the request the parent answers; its absence is a bug */
static struct lookup_req *
lookup_req_find(struct lookup *l, uint64_t reqid, const char *what)
{
	struct lookup_req	*req;

	TAILQ_FOREACH(req, &l->reqs, entry)
		if (req->reqid == reqid)
			return req;
	fatalx("lookup: %s for unknown request %llu from the parent", what,
	    (unsigned long long)reqid);
}

/* lookup_req_free - forget a finished request */
static void
lookup_req_free(struct lookup_req *req)
{
	TAILQ_REMOVE(&req->l->reqs, req, entry);
	lookup_expand_free(req->x);
	freezero(req, sizeof(*req));
}

/* lookup_account - a system account (getpwnam): -1, 0 or 1 */
static int
lookup_account(void *arg, const char *name, struct lookup_expand_account *out)
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

/* lookup_read_fd - the whole (bounded) text of a file; closes fd */
static int
lookup_read_fd(int fd, char **text)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;

	buf = xmalloc(LOOKUP_FILE_MAX + 1);
	while ((n = read(fd, buf + len, LOOKUP_FILE_MAX - len)) > 0)
		if ((len += (size_t)n) == LOOKUP_FILE_MAX)
			break;
	close(fd);
	if (n == -1 || len == LOOKUP_FILE_MAX || memchr(buf, '\0', len)) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

/* lookup_include - the text of an :include: file of an alias table */
static int
lookup_include(void *arg, const char *path, char **text)
{
	int	fd;

	(void)arg;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		log_warn("lookup: include %s", path);
		return -1;
	}
	if (lookup_read_fd(fd, text) == -1) {
		log_warnx("lookup: include %s: unreadable or too large", path);
		return -1;
	}
	return 0;
}

/* lookup_route - the rule for an address from an expansion, as local */
static int
lookup_route(void *arg, const char *addr, const struct cfg_match **m)
{
	struct lookup_req	*req = arg;
	struct lookup_rule_ctx	 ctx;

	lookup_rule_ctx_sess(req->l, &req->rcpt.sess, req->rcpt.sender, addr,
	    &ctx);
	ctx.flags |= LOOKUP_RULE_SOCKET;
	return lookup_rule_match(req->l->env->cfg, &ctx, lookup_tables_lookup,
	    req->l->tables, m);
}

/* lookup_table - the expansion's table callback */
static int
lookup_table(void *arg, const struct cfg_table *t, enum table_kind k,
    const char *key, union table_result *out)
{
	struct lookup_req	*req = arg;

	return lookup_tables_lookup(req->l->tables, t, k, key, out);
}

/* lookup_result_evp - the envelope fields of one expansion result */
static void
lookup_result_evp(const struct lookup_req *req,
    const struct lookup_expand_result *r, struct envelope *evp)
{
	strlcpy(evp->rcpt, req->rcpt.rcpt, sizeof(evp->rcpt));
	strlcpy(evp->dest, r->dest, sizeof(evp->dest));
	strlcpy(evp->dispatcher, r->action->name, sizeof(evp->dispatcher));
	strlcpy(evp->user, r->user, sizeof(evp->user));
	evp->dest_type = r->dest_type;
}

/* lookup_rcpt_done - send the expanded recipients and the verdict */
static void
lookup_rcpt_done(struct lookup_req *req)
{
	struct msg_lka_expanded			*e;
	size_t					 i, n;

	e = xmalloc(sizeof(*e));
	n = lookup_expand_nresults(req->x);
	for (i = 0; i < n; i++) {
		memset(e, 0, sizeof(*e));
		e->sessid = req->sessid;
		lookup_result_evp(req, lookup_expand_result(req->x, i),
		    &e->evp);
		if (ipc_send(req->l->smtpd, MSG_LKA_EXPANDED, 0, -1, e,
		    sizeof(*e)) == -1)
			log_warn("lookup: expanded to the listener");
	}
	free(e);
	lookup_reply(req->l, req->sessid, 250, "2.1.5", "Recipient ok");
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
		lookup_notice_answer(req, st);
	else if (st == LOOKUP_EXPAND_DONE)
		lookup_rcpt_done(req);
	else
		lookup_reply(req->l, req->sessid, code, enh, "%s", text);
	lookup_req_free(req);
}

/* lookup_rcpt_match - the rule for a RCPT; 0 and a reply if none */
static const struct cfg_action *
lookup_rcpt_match(struct lookup *l, const struct msg_lka_rcpt *m)
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
	if (r == -1)
		lookup_reply(l, m->sess.id, 451, "4.3.0", "Temporary failure");
	else
		lookup_reply(l, m->sess.id, 550, "5.7.1",
		    "Delivery not authorized");
	return NULL;
}

/* lookup_on_rcpt - MSG_LKA_RCPT: match, then expand */
static void
lookup_on_rcpt(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_rcpt	*m = msg;
	struct lookup			*l = arg;
	const struct cfg_action		*a;
	struct lookup_req		*req;

	(void)c;
	(void)id;
	(void)fd;
	if (!lookup_addr_valid(m->rcpt, SMTP_ADDR_F_RCPT) ||
	    (*m->sender != '\0' && !lookup_addr_valid(m->sender,
	    SMTP_ADDR_F_MAIL))) {
		lookup_reply(l, m->sess.id, 553, "5.1.3", "Invalid address");
		return;
	}
	if ((a = lookup_rcpt_match(l, m)) == NULL)
		return;
	req = lookup_req_new(l, m->sess.id);
	req->rcpt = *m;
	req->ops.table = lookup_table;
	req->ops.account = lookup_account;
	req->ops.include = lookup_include;
	req->ops.route = lookup_route;
	req->ops.arg = req;
	req->x = lookup_expand_new(&req->ops, l->env->cfg->smtp.sub_addr_delim,
	    a, m->rcpt);
	lookup_rcpt_step(req);
}

/* lookup_notice_reply - the verdict on a notice, to the queue */
static void
lookup_notice_reply(struct lookup *l, uint64_t qreqid, int code,
    const char *enh, const char *text)
{
	struct msg_lka_notice_result	r;

	memset(&r, 0, sizeof(r));
	r.reqid = qreqid;
	r.code = code;
	strlcpy(r.enhanced, enh, sizeof(r.enhanced));
	strlcpy(r.text, text, sizeof(r.text));
	if (ipc_send(l->queue, MSG_LKA_NOTICE_RESULT, 0, -1, &r,
	    sizeof(r)) == -1)
		log_warn("lookup: notice result to the queue");
}

/* lookup_notice_answer - a notice's final recipients, then the verdict */
static void
lookup_notice_answer(struct lookup_req *req, enum lookup_expand_status st)
{
	struct msg_lka_notice_expanded		*e;
	const char				*enh, *text;
	size_t					 i, n;
	int					 code;

	if (st != LOOKUP_EXPAND_DONE) {
		code = lookup_expand_error(req->x, &enh, &text);
		lookup_notice_reply(req->l, req->qreqid, code, enh, text);
		return;
	}
	e = xmalloc(sizeof(*e));
	n = lookup_expand_nresults(req->x);
	for (i = 0; i < n; i++) {
		memset(e, 0, sizeof(*e));
		e->reqid = req->qreqid;
		lookup_result_evp(req, lookup_expand_result(req->x, i),
		    &e->evp);
		if (ipc_send(req->l->queue, MSG_LKA_NOTICE_EXPANDED, 0, -1, e,
		    sizeof(*e)) == -1)
			log_warn("lookup: notice recipient to the queue");
	}
	free(e);
	lookup_notice_reply(req->l, req->qreqid, 250, "2.1.5", "Recipient ok");
}

/* lookup_notice_rcpt_valid - an address, or a bare local part */
static int
lookup_notice_rcpt_valid(const char *rcpt)
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
 * lookup_on_notice - MSG_LKA_NOTICE: expand a notice's local recipient
 * under its action, as a RCPT from <> on the local socket would be.
 */
static void
lookup_on_notice(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_notice	*m = msg;
	struct lookup			*l = arg;
	const struct cfg_action		*a;
	struct lookup_req		*req;

	(void)c;
	(void)id;
	(void)fd;
	a = cfg_action_find(l->env->cfg, m->dispatcher);
	if (!lookup_notice_rcpt_valid(m->rcpt) || a == NULL ||
	    a->type == CFG_ACTION_RELAY) {
		log_warnx("%016llx lookup event=notice result=554 "
		    "error=\"bad request\"", (unsigned long long)m->evpid);
		lookup_notice_reply(l, m->reqid, 554, "5.3.5",
		    "Bad notice expansion request");
		return;
	}
	req = lookup_req_new(l, m->evpid);
	req->notice = 1;
	req->qreqid = m->reqid;
	req->rcpt.sess.flags = IPC_SESS_LOCAL;
	req->rcpt.sess.id = m->evpid;
	strlcpy(req->rcpt.rcpt, m->rcpt, sizeof(req->rcpt.rcpt));
	req->ops.table = lookup_table;
	req->ops.account = lookup_account;
	req->ops.include = lookup_include;
	req->ops.route = lookup_route;
	req->ops.arg = req;
	req->x = lookup_expand_new(&req->ops, l->env->cfg->smtp.sub_addr_delim,
	    a, m->rcpt);
	lookup_rcpt_step(req);
}

/*
 * lookup_on_forward - MSG_FORWARD_FD: the .forward's text, none, or a
 * temporary failure; go on
 */
static void
lookup_on_forward(struct ipc *c, uint32_t id, int fd, const void *msg,
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
	if (fd != -1 && lookup_read_fd(fd, &text) == -1)
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

/*
 * lookup_auth_reply - the verdict on AUTH from LOOKUP_AUTH_*; a refusal
 * counts against the client's address
 */
static void
lookup_auth_reply(struct lookup *l, uint64_t sessid, const char *src, int r)
{
	char		vis[HOST_MAX * 4];
	unsigned	n;

	log_vis(vis, sizeof(vis), src);
	if (r == LOOKUP_AUTH_REFUSED && (n = lookup_authlimit_fail(
	    l->authlimit, src, time(NULL))) == LOOKUP_AUTHLIMIT_FAILS)
		log_warnx("%016llx lookup event=auth-limit src=%s failures=%u "
		    "window=%d", (unsigned long long)sessid, vis, n,
		    LOOKUP_AUTHLIMIT_WINDOW);
	log_info("%016llx lookup event=auth src=%s result=%s",
	    (unsigned long long)sessid, vis, r == LOOKUP_AUTH_OK ? "ok" :
	    r == LOOKUP_AUTH_REFUSED ? "refused" : r == LOOKUP_AUTH_LIMITED ?
	    "limited" : "tempfail");
	if (r == LOOKUP_AUTH_OK)
		lookup_reply(l, sessid, 235, "2.7.0",
		    "Authentication succeeded");
	else if (r == LOOKUP_AUTH_REFUSED)
		lookup_reply(l, sessid, 535, "5.7.8",
		    "Authentication credentials invalid");
	else
		lookup_reply(l, sessid, 454, "4.7.0", "%s",
		    r == LOOKUP_AUTH_LIMITED ? "Too many failed "
		    "authentications; try again later" :
		    "Temporary authentication failure");
}

/*
 * lookup_on_auth - MSG_LKA_AUTH: refused at once for an address that
 * failed too often, else a credentials table here, system accounts
 * through the parent.  The password is wiped from the received frame
 * and from every copy once used.
 */
static void
lookup_on_auth(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct msg_lka_auth		*m = (struct msg_lka_auth *)msg;
	struct lookup			*l = arg;
	const struct cfg_listener	*ls;
	struct msg_auth_system		 s;
	struct lookup_req		*req;
	int				 r = LOOKUP_AUTH_ERROR;

	(void)c;
	(void)id;
	(void)fd;
	if (lookup_authlimit_check(l->authlimit, m->src, time(NULL)))
		r = LOOKUP_AUTH_LIMITED;
	else if ((ls = lookup_listener(l, m->listener)) == NULL ||
	    ls->auth == CFG_AUTH_NONE)
		r = LOOKUP_AUTH_REFUSED;
	else if (ls->auth_table != NULL)
		r = lookup_auth_table(l->tables, ls->auth_table, m->user,
		    m->pass);
	else {
		req = lookup_req_new(l, m->sessid);
		strlcpy(req->src, m->src, sizeof(req->src));
		memset(&s, 0, sizeof(s));
		s.reqid = req->reqid;
		strlcpy(s.user, m->user, sizeof(s.user));
		strlcpy(s.pass, m->pass, sizeof(s.pass));
		explicit_bzero(m->pass, sizeof(m->pass));
		if (ipc_send(l->parent, MSG_AUTH_SYSTEM, 0, -1, &s,
		    sizeof(s)) == -1)
			fatal("lookup: asking the parent about a password");
		explicit_bzero(&s, sizeof(s));
		return;
	}
	explicit_bzero(m->pass, sizeof(m->pass));
	lookup_auth_reply(l, m->sessid, m->src, r);
}

/* lookup_on_auth_system - MSG_AUTH_SYSTEM_RESULT: answer the listener */
static void
lookup_on_auth_system(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_auth_system_result	*m = msg;
	struct lookup_req			*req;

	(void)c;
	(void)id;
	(void)fd;
	req = lookup_req_find(arg, m->reqid, "auth result");
	if (req->x != NULL)
		fatalx("lookup: auth result for a RCPT request");
	lookup_auth_reply(arg, req->sessid, req->src, m->result == 1 ?
	    LOOKUP_AUTH_OK : m->result == 0 ? LOOKUP_AUTH_REFUSED :
	    LOOKUP_AUTH_ERROR);
	lookup_req_free(req);
}

/* lookup_on_table_update - MSG_TABLE_UPDATE: reload one table */
static void
lookup_on_table_update(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_table_update	*m = msg;
	struct lookup			*l = arg;
	struct msg_table_updated	 r;

	(void)fd;
	memset(&r, 0, sizeof(r));
	r.reqid = m->reqid;
	if (lookup_tables_reload(l->tables, m->name, r.error,
	    sizeof(r.error)) == -1) {
		r.status = -1;
		log_warnx("lookup event=table-update table=%s error=\"%s\"",
		    m->name, r.error);
	} else
		log_info("lookup event=table-update table=%s", m->name);
	if (ipc_send(c, MSG_TABLE_UPDATED, id, -1, &r, sizeof(r)) == -1)
		log_warn("lookup: table update answer");
}

/* lookup_main - the lookup role */
int
lookup_main(struct proc_env *env)
{
	static struct lookup	 l;
	char			 err[1024];

	l.env = env;
	TAILQ_INIT(&l.reqs);
	/* before the drop: credentials tables may be readable by root only */
	if ((l.tables = lookup_tables_open(env->cfg, err, sizeof(err))) ==
	    NULL)
		fatalx("lookup: %s", err);
	l.localnames = lookup_names_local(env->cfg);
	l.authlimit = lookup_authlimit_new(LOOKUP_AUTHLIMIT_FAILS,
	    LOOKUP_AUTHLIMIT_WINDOW, LOOKUP_AUTHLIMIT_ADDRS);
	proc_child_start(PROC_LOOKUP, env->spool, NULL, NULL);
	l.parent = proc_channel(PROC_LOOKUP, PROC_PARENT,
	    lookup_parent_handlers, &l);
	l.queue = proc_channel(PROC_LOOKUP, PROC_QUEUE, lookup_queue_handlers,
	    &l);
	l.smtpd = proc_channel(PROC_LOOKUP, PROC_SMTPD, lookup_smtpd_handlers,
	    &l);
	ev_dispatch();
	log_debug("event=exit");
	return 0;
}
