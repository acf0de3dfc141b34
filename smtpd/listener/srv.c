/*
 * srv.c - the SMTP listener role: takes the listening sockets from the
 * parent, drops to _posthorn in an empty root, accepts connections and
 * starts a session for each.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "dns.h"
#include "ev.h"
#include "ipc.h"
#include "keyproxy.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "srv.h"
#include "xmalloc.h"

static struct srv srv_state;

/* srv_cfg_listener - the configured listener with the given index */
static const struct cfg_listener *
srv_cfg_listener(const struct cfg *cfg, uint32_t index)
{
	const struct cfg_listener	*l;
	uint32_t			 i = 0;

	TAILQ_FOREACH(l, &cfg->listeners, entry)
		if (i++ == index)
			return l;
	return NULL;
}

/* srv_refuse - over a session budget (srv_limit.c): say so and close */
static void
srv_refuse(struct srv *s, int fd, const char *why)
{
	static const char msg[] = "421 4.3.2 Too many sessions, try later\r\n";

	(void)write(fd, msg, sizeof(msg) - 1);
	close(fd);
	s->stats.sessions_refused++;
	log_info("smtp event=refused reason=%s sessions=%llu", why,
	    (unsigned long long)s->stats.sessions_current);
}

static void	srv_listeners_enable(struct srv *, int);

/* srv_on_accept_resume - descriptors may be free again */
static void
srv_on_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct srv	*s = arg;

	(void)fd;
	(void)what;
	if (!s->paused && !s->stopping)
		srv_listeners_enable(s, 1);
}

/* srv_accept_pause - out of descriptors: stop accepting for a second */
static void
srv_accept_pause(struct srv *s)
{
	static struct event	*ev;
	struct timeval		 tv = { 1, 0 };

	log_warnx("smtp event=accept-paused reason=\"out of descriptors\"");
	srv_listeners_enable(s, 0);
	if (ev == NULL)
		ev = evtimer_new(ev_base(), srv_on_accept_resume, s);
	evtimer_add(ev, &tv);
}

/* srv_on_accept - a new connection on one listener */
static void
srv_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct srv_listener	*l = arg;
	struct srv		*s = l->srv;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	struct srv_limit_addr	*a;
	char			 why[32];
	int			 fd;

	(void)what;
	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE)
			srv_accept_pause(s);
		else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("smtp event=accept-failed listener=%s",
			    l->name);
		return;
	}
	if (s->stopping) {
		close(fd);
		return;
	}
	if (srv_limit_admit(s, l, (struct sockaddr *)&ss, &a, why,
	    sizeof(why)) == -1) {
		srv_refuse(s, fd, why);
		return;
	}
	s->stats.sessions_total++;
	s->stats.sessions_current++;
	srv_session_start(s, fd, l, (struct sockaddr *)&ss, sslen, a);
}

/* srv_listeners_enable - accept or stop accepting (pause smtp) */
static void
srv_listeners_enable(struct srv *s, int on)
{
	struct srv_listener	*l;

	TAILQ_FOREACH(l, &s->listeners, entry) {
		if (on)
			event_add(l->ev, NULL);
		else
			event_del(l->ev);
	}
}

/* srv_session_closed - a session ended */
void
srv_session_closed(struct srv *s)
{
	if (s->stats.sessions_current > 0)
		s->stats.sessions_current--;
	if (s->stopping && s->stats.sessions_current == 0)
		ev_exit();
}

/* srv_listener_add - start accepting on a listening socket */
void
srv_listener_add(struct srv *s, int fd, uint32_t index, uint32_t flags,
    const char *name)
{
	struct srv_listener	*l;

	l = xcalloc(1, sizeof(*l));
	l->srv = s;
	l->fd = fd;
	l->flags = flags;
	l->index = index;
	strlcpy(l->name, name, sizeof(l->name));
	if (!(flags & IPC_LSN_LOCAL) &&
	    (l->cfg = srv_cfg_listener(s->env->cfg, index)) == NULL)
		fatalx("listener %s: no such listener index %u", name, index);
	if (l->cfg != NULL && index < s->ntls)
		l->tls = s->tls[index];
	evutil_make_socket_nonblocking(fd);
	l->ev = event_new(ev_base(), fd, EV_READ | EV_PERSIST, srv_on_accept,
	    l);
	TAILQ_INSERT_TAIL(&s->listeners, l, entry);
	if (!s->paused)
		event_add(l->ev, NULL);
	log_debug("smtp event=listen on=%s", l->name);
}

/* srv_on_listener - MSG_LISTENER: a socket bound by the parent */
static void
srv_on_listener(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_listener	*m = msg;

	(void)c;
	(void)id;
	srv_listener_add(arg, fd, m->index, m->flags, m->name);
}

/* srv_on_stats_req - MSG_STATS_REQ: the listener's counters */
static void
srv_on_stats_req(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct srv	*s = arg;

	(void)fd;
	(void)msg;
	ipc_send(c, MSG_STATS_SMTPD, id, -1, &s->stats, sizeof(s->stats));
}

/* srv_on_pause - MSG_PAUSE_SMTP: stop accepting connections */
static void
srv_on_pause(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	struct srv	*s = arg;

	(void)c;
	(void)id;
	(void)fd;
	(void)msg;
	s->paused = 1;
	srv_listeners_enable(s, 0);
}

/* srv_on_resume - MSG_RESUME_SMTP: accept connections again */
static void
srv_on_resume(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct srv	*s = arg;

	(void)c;
	(void)id;
	(void)fd;
	(void)msg;
	s->paused = 0;
	srv_listeners_enable(s, 1);
}

static const struct ipc_handler srv_parent_handlers[] = {
	{ MSG_LISTENER,		srv_on_listener },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler srv_queue_handlers[] = {
	{ MSG_TX_OPENED,	srv_tx_on_opened },
	{ MSG_TX_RCPT_RESULT,	srv_lookup_on_rcpt_result },
	{ MSG_TX_COMMITTED,	srv_tx_on_committed },
	{ MSG_STATS_REQ,	srv_on_stats_req },
	{ MSG_PAUSE_SMTP,	srv_on_pause },
	{ MSG_RESUME_SMTP,	srv_on_resume },
	{ MSG_LOG_VERBOSE,	ipc_on_log_verbose },
	{ MSG_LOG_BRIEF,	ipc_on_log_brief },
	{ MSG_NONE,		NULL }
};

static const struct ipc_handler srv_lookup_handlers[] = {
	{ MSG_LOOKUP_RESULT,	srv_lookup_on_result },
	{ MSG_LOOKUP_FILTER_RESULT, srv_filter_on_result },
	{ MSG_NONE,		NULL }
};

/* srv_channels - the channels to the parent, the queue and the lookup */
void
srv_channels(struct srv *s, int parent, int queue, int lookup)
{
	s->parent = ipc_new(parent, PROC_SMTPD, PROC_PARENT, IPC_TRUST_PEER,
	    srv_parent_handlers, s);
	s->queue = ipc_new(queue, PROC_SMTPD, PROC_QUEUE, IPC_TRUST_PEER,
	    srv_queue_handlers, s);
	ipc_set_close_cb(s->queue, ipc_on_sibling_lost);
	s->lookup = ipc_new(lookup, PROC_SMTPD, PROC_LOOKUP, IPC_TRUST_PEER,
	    srv_lookup_handlers, s);
	ipc_set_close_cb(s->lookup, ipc_on_sibling_lost);
}

/* srv_on_signal - SIGTERM: stop accepting, end sessions with 421 */
static void
srv_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct srv	*s = arg;

	(void)sig;
	(void)what;
	s->stopping = 1;
	srv_listeners_enable(s, 0);
	srv_session_shutdown_all(s);
	if (s->stats.sessions_current == 0)
		ev_exit();
}

/* srv_hostname - the name a session's listener goes by */
const char *
srv_hostname(const struct srv_session *ss)
{
	const struct cfg_listener	*l = ss->listener->cfg;

	if (l != NULL && l->hostname[0] != '\0')
		return l->hostname;
	return ss->srv->hostname;
}

/* srv_helo - the name the client gave in HELO/EHLO, "" before it */
const char *
srv_helo(const struct srv_session *ss)
{
	return ss->helo != NULL ? ss->helo : "";
}

/*
 * srv_tls_all - every listener's certificates, read while still root,
 * and the channel to the key holder when one listener speaks TLS
 */
static void
srv_tls_all(struct srv *s)
{
	const struct cfg		*cfg = s->env->cfg;
	const struct cfg_listener	*l;
	size_t				 i = 0;

	TAILQ_FOREACH(l, &cfg->listeners, entry) {
		s->ntls++;
		if (l->tls != CFG_TLS_NONE && l->npki > 0 && s->keys == NULL)
			s->keys = keyproxy_new(proc_child_fd(PROC_SMTPD,
			    PROC_KEYS), PROC_SMTPD);
	}
	s->tls = xcalloc(s->ntls + 1, sizeof(*s->tls));
	TAILQ_FOREACH(l, &cfg->listeners, entry)
		s->tls[i++] = srv_tls_load(l, cfg->smtp.ciphers, s->keys);
}

/* srv_sysname - the name the listener greets with by default */
static void
srv_sysname(struct srv *s)
{
	if (gethostname(s->hostname, sizeof(s->hostname)) == -1 ||
	    s->hostname[0] == '\0')
		strlcpy(s->hostname, "localhost", sizeof(s->hostname));
}

/* srv_init - a listener process state for a configuration */
void
srv_init(struct srv *s, struct proc_env *env)
{
	memset(s, 0, sizeof(*s));
	s->env = env;
	TAILQ_INIT(&s->listeners);
	TAILQ_INIT(&s->sessions);
	RB_INIT(&s->tree);
	s->timeout_cmd = SRV_TIMEOUT_CMD;
	s->timeout_data = SRV_TIMEOUT_DATA;
	srv_sysname(s);
	srv_tls_all(s);
}

/* srv_nofile - as many descriptors as the hard limit allows */
static void
srv_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("smtp event=setrlimit-failed "
			    "limit=RLIMIT_NOFILE");
	}
}

/* srv_resolver - read the resolver's files before the chroot hides them */
static void
srv_resolver(void)
{
	char	err[256];

	if (dns_init(NULL, err, sizeof(err)) == -1)
		log_warnx("smtp event=dns-init-failed reason=\"%s\" "
		    "effect=\"client names come from /etc/hosts alone\"", err);
}

/* srv_main - the listener role */
int
srv_main(struct proc_env *env)
{
	struct srv	*s = &srv_state;

	srv_init(s, env);
	srv_nofile();
	srv_resolver();
	proc_child_start(PROC_SMTPD, env->spool, srv_on_signal, s);
	srv_channels(s, proc_child_fd(PROC_SMTPD, PROC_PARENT),
	    proc_child_fd(PROC_SMTPD, PROC_QUEUE),
	    proc_child_fd(PROC_SMTPD, PROC_LOOKUP));
	srv_limit_start(s);
	sandbox_enter(PROC_SMTPD);
	ev_dispatch();
	log_debug("smtp event=exit");
	return 0;
}
PROC_ENTRY(PROC_SMTPD, srv_main);
