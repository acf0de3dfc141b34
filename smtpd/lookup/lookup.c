/*
 * lookup.c - the lookup role: the one process that reads tables and the
 * user database on behalf of the others.  It evaluates the match rules
 * for the listener, expands recipients (aliases, virtual, ~/.forward)
 * into the envelopes it hands to the queue (lookup_rcpt.c) and checks
 * AUTH credentials.  It runs as _posthorn without chroot, so it can
 * open the tables the configuration names; anything that needs root
 * (system passwords, a user's ~/.forward) it asks of the parent.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
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
#include "lookup_fproc.h"
#include "lookup_milter.h"
#include "lookup_rule.h"
#include "proc.h"
#include "sandbox.h"
#include "smtp_addr.h"
#include "xmalloc.h"

static void	lookup_on_mail(struct ipc *, uint32_t, int, const void *,
		    void *);
static void	lookup_on_auth(struct ipc *, uint32_t, int, const void *,
		    void *);
static void	lookup_on_auth_system(struct ipc *, uint32_t, int,
		    const void *, void *);
static void	lookup_on_table_update(struct ipc *, uint32_t, int,
		    const void *, void *);

const struct ipc_handler lookup_parent_handlers[] = {
	{ MSG_AUTH_SYSTEM_RESULT, lookup_on_auth_system },
	{ MSG_FORWARD_FD,	lookup_rcpt_on_forward },
	{ MSG_FILTER_PROC,	lookup_fproc_on_start },
	{ MSG_NONE,		NULL }
};
const struct ipc_handler lookup_queue_handlers[] = {
	{ MSG_LOG_VERBOSE,	ipc_on_log_verbose },
	{ MSG_LOG_BRIEF,	ipc_on_log_brief },
	{ MSG_TABLE_UPDATE,	lookup_on_table_update },
	{ MSG_LOOKUP_NOTICE,	lookup_rcpt_on_notice },
	{ MSG_LOOKUP_TX_EDITED,	lookup_milter_on_txedited },
	{ MSG_NONE,		NULL }
};
const struct ipc_handler lookup_smtpd_handlers[] = {
	{ MSG_LOOKUP_MAIL,		lookup_on_mail },
	{ MSG_LOOKUP_RCPT,		lookup_rcpt_on_request },
	{ MSG_LOOKUP_AUTH,		lookup_on_auth },
	{ MSG_LOOKUP_FILTER,		lookup_filter_on_request },
	{ MSG_LOOKUP_FILTER_DATA,	lookup_fdata_on_start },
	{ MSG_LOOKUP_FILTER_END,	lookup_fchain_on_end },
	{ MSG_LOOKUP_FILTER_EVENT,	lookup_freport_on_event },
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
	if (ipc_send(l->smtpd, MSG_LOOKUP_RESULT, 0, -1, &r, sizeof(r)) == -1)
		log_warn("lookup event=send-failed what=listener-result");
}

/* lookup_listener_at - the configured listener number index, or NULL */
const struct cfg_listener *
lookup_listener_at(const struct lookup *l, uint32_t index)
{
	const struct cfg_listener	*ls;
	uint32_t			 i = 0;

	TAILQ_FOREACH(ls, &l->env->cfg->listeners, entry)
		if (i++ == index)
			return ls;
	return NULL;
}

/* lookup_listener - the configured listener of a session; NULL: local */
const struct cfg_listener *
lookup_listener(const struct lookup *l, const struct ipc_sess *s)
{
	if (s->flags & IPC_SESS_LOCAL)
		return NULL;
	return lookup_listener_at(l, s->listener);
}

/* lookup_addr_valid - is s an address the listener could have parsed? */
int
lookup_addr_valid(const char *s, int flags)
{
	struct smtp_addr	 a;
	char			 buf[ADDR_MAX + 2];
	size_t			 used;
	int			 n;

	n = snprintf(buf, sizeof(buf), "<%s>", s);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return 0;
	return smtp_addr_parse(buf, (size_t)n, flags | SMTP_ADDR_F_UTF8, &a,
	    &used, NULL, 0) == 0 && used == (size_t)n;
}

/* lookup_rule_ctx_sess - the rule context of a session */
void
lookup_rule_ctx_sess(const struct lookup *l, const struct ipc_sess *s,
    const char *sender, const char *rcpt, struct lookup_rule_ctx *ctx)
{
	const struct cfg_listener	*ls = lookup_listener(l, s);

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
	ctx->tag = ls != NULL ? ls->tag : "";
	ctx->sender = sender;
	ctx->rcpt = rcpt;
	ctx->localnames = (const char *const *)l->localnames;
}

/* lookup_on_mail - MSG_LOOKUP_MAIL: may this session use this sender? */
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
	r = lookup_auth_senders(l->tables, lookup_listener(l, &m->sess),
	    user, m->sender);
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
struct lookup_req *
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
struct lookup_req *
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
void
lookup_req_free(struct lookup_req *req)
{
	TAILQ_REMOVE(&req->l->reqs, req, entry);
	lookup_expand_free(req->x);
	freezero(req, sizeof(*req));
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
 * lookup_on_auth - MSG_LOOKUP_AUTH: refused at once for an address that
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
	else if ((ls = lookup_listener_at(l, m->listener)) == NULL ||
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

/* lookup_on_table_update - MSG_TABLE_UPDATE: reload one table, or all */
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
	    sizeof(r.error)) == -1)
		r.status = -1;
	if (ipc_send(c, MSG_TABLE_UPDATED, id, -1, &r, sizeof(r)) == -1)
		log_warn("lookup event=send-failed what=table-update-answer");
}

/* lookup_names_add - one more local name, lower case, no duplicates */
static void
lookup_names_add(char ***v, size_t *n, const char *name)
{
	size_t	i;

	if (*name == '\0')
		return;
	for (i = 0; i < *n; i++)
		if (strcasecmp((*v)[i], name) == 0)
			return;
	*v = xreallocarray(*v, *n + 2, sizeof(**v));
	(*v)[(*n)++] = xstrdup(name);
	(*v)[*n] = NULL;
}

/* lookup_names_addrs - the literals of this host's addresses */
static void
lookup_names_addrs(char ***v, size_t *n)
{
	struct ifaddrs	*ifa, *i;
	char		 a[INET6_ADDRSTRLEN], lit[INET6_ADDRSTRLEN + 8];
	const void	*p;

	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			p = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			p = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, p, a, sizeof(a)) == NULL)
			continue;
		snprintf(lit, sizeof(lit), "[%s%s]", i->ifa_addr->sa_family ==
		    AF_INET6 ? "IPv6:" : "", a);
		lookup_names_add(v, n, lit);
	}
	freeifaddrs(ifa);
}

/* lookup_localnames - every name "for local" accepts (NULL-ended) */
static char **
lookup_localnames(const struct cfg *cfg)
{
	const struct cfg_listener	*ls;
	struct addrinfo			 hints, *res;
	char				 host[HOST_MAX], **v = NULL;
	size_t				 n = 0;

	lookup_names_add(&v, &n, "localhost");
	lookup_names_add(&v, &n, "localhost.localdomain");
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		lookup_names_add(&v, &n, host);
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_CANONNAME;
		if (getaddrinfo(host, NULL, &hints, &res) == 0) {
			if (res->ai_canonname != NULL)
				lookup_names_add(&v, &n, res->ai_canonname);
			freeaddrinfo(res);
		}
	}
	TAILQ_FOREACH(ls, &cfg->listeners, entry)
		lookup_names_add(&v, &n, ls->hostname);
	lookup_names_addrs(&v, &n);
	return v;
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
	l.localnames = lookup_localnames(env->cfg);
	l.fprocs = lookup_fproc_new(&l, env->cfg);
	l.authlimit = lookup_authlimit_new(LOOKUP_AUTHLIMIT_FAILS,
	    LOOKUP_AUTHLIMIT_WINDOW, LOOKUP_AUTHLIMIT_ADDRS);
	if (gethostname(l.hostname, sizeof(l.hostname)) == -1 ||
	    l.hostname[0] == '\0')
		strlcpy(l.hostname, "localhost", sizeof(l.hostname));
	l.hostname[sizeof(l.hostname) - 1] = '\0';
	proc_child_start(PROC_LOOKUP, env->spool, NULL, NULL);
	l.parent = proc_channel(PROC_LOOKUP, PROC_PARENT,
	    lookup_parent_handlers, &l);
	l.queue = proc_channel(PROC_LOOKUP, PROC_QUEUE, lookup_queue_handlers,
	    &l);
	l.smtpd = proc_channel(PROC_LOOKUP, PROC_SMTPD, lookup_smtpd_handlers,
	    &l);
	/* a RCPT's expansion may make many envelopes: while the queue has
	   not taken them, the listener's requests wait in its channel */
	ipc_throttle(l.smtpd, l.queue, LOOKUP_QUEUE_HIGH);
	lookup_tables_watch(l.tables);
	sandbox_enter(PROC_LOOKUP);
	ev_dispatch();
	log_debug("lookup event=exit");
	return 0;
}
PROC_ENTRY(PROC_LOOKUP, lookup_main);
