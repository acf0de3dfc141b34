/*
 * srv_session.c - one SMTP session: the connection, its input loop, the
 * replies (held back and flushed once the pipelined input is used up),
 * the error budget, time-outs and the end of the session.
 *
 * The 220 greeting of a TCP client waits (SRV_RDNS_WAIT seconds at
 * most) for its reverse DNS name, looked up as the system resolver does
 * (/etc/hosts, then DNS; dns.h): the name counts only when one of its
 * addresses is the client's (forward-confirmed); otherwise, or when the
 * wait runs out, the name stays unknown.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cfg.h"
#include "dns.h"
#include "ev.h"
#include "log.h"
#include "smtp_reply.h"
#include "srv.h"
#include "xmalloc.h"

/* the reverse DNS lookup of one session, freed once it is over */
struct srv_rdns {
	struct dns_query	*q;
	struct event		*timer;		/* bounds the greeting's wait */
	struct sockaddr_storage	 addr;		/* the client */
	char			*name;		/* PTR name being confirmed */
};

static void	srv_session_free(struct srv_session *);
static void	srv_session_process(struct srv_session *);
static void	srv_session_greet(struct srv_session *);
static void	srv_session_greet_cmd(struct srv_session *,
		    const struct smtp_cmd *);

/* srv_session_cmp - order sessions by id in the lookup tree */
int
srv_session_cmp(struct srv_session *a, struct srv_session *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

RB_GENERATE(srv_session_tree, srv_session, node, srv_session_cmp);

/* srv_session_find - the live session with this id, or NULL */
struct srv_session *
srv_session_find(struct srv *s, uint64_t id)
{
	struct srv_session	key;

	key.id = id;
	return RB_FIND(srv_session_tree, &s->tree, &key);
}

/* srv_reply - queue one reply; it leaves with the next flush */
void
srv_reply(struct srv_session *ss, int code, const char *enhanced,
    const char *fmt, ...)
{
	char	buf[2048];
	va_list	ap;
	int	rc;

	if (ss->flags & SRV_F_CLOSING)
		return;
	va_start(ap, fmt);
	rc = smtp_reply_vformat(buf, sizeof(buf), code, enhanced, fmt, ap);
	va_end(ap);
	if (rc == -1)
		panic("srv_reply: cannot format a %d reply", code);
	bufferevent_write(ss->bev, buf, strlen(buf));
	srv_fevent_replies(ss, buf);
	if (code >= 400) {
		char	vis[1024];

		log_debug("%016llx smtp event=reply %s",
		    (unsigned long long)ss->id, log_vis(vis, sizeof(vis), buf));
	}
}

/* srv_session_flush - let the held replies go out */
static void
srv_session_flush(struct srv_session *ss)
{
	bufferevent_enable(ss->bev, EV_WRITE);
}

/* srv_session_strike - one protocol error; too many end the session */
void
srv_session_strike(struct srv_session *ss)
{
	ss->srv->stats.errors++;
	if (++ss->errors <= SRV_ERRORS_MAX)
		return;
	srv_reply(ss, 421, "4.7.0", "%s Too many errors, closing",
	    srv_hostname(ss));
	log_info("%016llx smtp event=refused reason=too-many-errors",
	    (unsigned long long)ss->id);
	srv_session_close(ss);
}

/* srv_session_close - stop reading; the session ends once flushed */
void
srv_session_close(struct srv_session *ss)
{
	if (ss->flags & SRV_F_CLOSING)
		return;
	ss->flags |= SRV_F_CLOSING;
	ss->input = SRV_IN_WAIT;
	bufferevent_disable(ss->bev, EV_READ);
	srv_session_flush(ss);
}

/* srv_session_done - free a closing session whose output has left */
static int
srv_session_done(struct srv_session *ss)
{
	if (!(ss->flags & SRV_F_CLOSING) || (ss->flags & SRV_F_PROCESSING))
		return 0;
	if (evbuffer_get_length(bufferevent_get_output(ss->bev)) != 0)
		return 0;
	srv_session_free(ss);
	return 1;
}

/* srv_session_resume - a reply from another process has been handled */
void
srv_session_resume(struct srv_session *ss)
{
	if (ss->input == SRV_IN_CMD)
		ss->deadline = srv_limit_now() + ss->srv->timeout_cmd;
	if (srv_session_done(ss))
		return;
	srv_session_process(ss);
}

/* srv_session_cmdline - take one command line; 0 when none is complete */
static int
srv_session_cmdline(struct srv_session *ss, struct evbuffer *in)
{
	struct evbuffer_ptr	 p;
	char			 line[SMTP_CMD_LINE_MAX];
	size_t			 eol, len = evbuffer_get_length(in);

	p = evbuffer_search_eol(in, NULL, &eol, EVBUFFER_EOL_CRLF);
	if (p.pos == -1) {
		if (len < SMTP_CMD_LINE_MAX)
			return 0;
		evbuffer_drain(in, len);
		if (!(ss->flags & SRV_F_SKIPLINE)) {
			ss->flags |= SRV_F_SKIPLINE;
			srv_reply(ss, 500, "5.5.6", "Line too long");
			srv_session_strike(ss);
		}
		return 1;
	}
	if (ss->flags & SRV_F_SKIPLINE) {
		ss->flags &= ~SRV_F_SKIPLINE;
		evbuffer_drain(in, (size_t)p.pos + eol);
		return 1;
	}
	if ((size_t)p.pos > SMTP_CMD_LINE_MAX - 2) {
		evbuffer_drain(in, (size_t)p.pos + eol);
		srv_reply(ss, 500, "5.5.6", "Line too long");
		srv_session_strike(ss);
		return 1;
	}
	evbuffer_remove(in, line, (size_t)p.pos);
	evbuffer_drain(in, eol);
	ss->deadline = srv_limit_now() + ss->srv->timeout_cmd;
	srv_fevent_command(ss, line, (size_t)p.pos);
	if (ss->input == SRV_IN_AUTH)
		srv_auth_line(ss, line, (size_t)p.pos);
	else
		srv_cmd_line(ss, line, (size_t)p.pos);
	explicit_bzero(line, sizeof(line));
	return 1;
}

/* srv_session_complete_line - a whole line waits in the input */
static int
srv_session_complete_line(struct evbuffer *in)
{
	struct evbuffer_ptr	p;
	size_t			eol;

	p = evbuffer_search_eol(in, NULL, &eol, EVBUFFER_EOL_CRLF);
	return p.pos != -1;
}

/* srv_session_process - use the input until more is needed or a reply is due */
static void
srv_session_process(struct srv_session *ss)
{
	struct evbuffer	*in = bufferevent_get_input(ss->bev);
	enum srv_input	 was;
	size_t		 before;

	ss->flags |= SRV_F_PROCESSING;
	for (;;) {
		was = ss->input;
		before = evbuffer_get_length(in);
		if (was == SRV_IN_WAIT || evbuffer_get_length(
		    bufferevent_get_output(ss->bev)) > SRV_OUTPUT_MAX)
			break;
		if (was == SRV_IN_CMD || was == SRV_IN_AUTH) {
			if (!srv_session_cmdline(ss, in))
				break;
			continue;
		}
		srv_tx_input(ss);
		if (ss->input == was && evbuffer_get_length(in) == before)
			break;
	}
	ss->flags &= ~SRV_F_PROCESSING;
	if ((ss->flags & SRV_F_EOF) && ss->input != SRV_IN_WAIT)
		srv_session_close(ss);
	if (ss->input != SRV_IN_WAIT || !srv_session_complete_line(in) ||
	    (ss->flags & (SRV_F_CLOSING | SRV_F_STARTTLS)))
		srv_session_flush(ss);
	srv_session_done(ss);
}

/*
 * srv_session_on_read - the client sent something; replies are held
 * back to go out together, unless more than SRV_OUTPUT_MAX wait: then
 * the input waits for them to leave, and holding them would stall the
 * session with both buffers full while the read callback ran on and on
 */
static void
srv_session_on_read(struct bufferevent *bev, void *arg)
{
	struct srv_session	*ss = arg;

	if (ss->flags & SRV_F_CLOSING)
		return;
	if (evbuffer_get_length(bufferevent_get_output(bev)) <= SRV_OUTPUT_MAX)
		bufferevent_disable(ss->bev, EV_WRITE);
	srv_session_process(ss);
}

/* srv_session_on_write - the output buffer is empty */
static void
srv_session_on_write(struct bufferevent *bev, void *arg)
{
	struct srv_session	*ss = arg;

	(void)bev;
	if (srv_session_done(ss))
		return;
	if (!(ss->flags & (SRV_F_STARTTLS | SRV_F_PROCESSING)) &&
	    ss->input != SRV_IN_WAIT &&
	    evbuffer_get_length(bufferevent_get_input(ss->bev)) > 0) {
		/* replies held back for a client that does not read */
		srv_session_process(ss);
		return;
	}
	if (ss->flags & SRV_F_STARTTLS) {
		ss->flags &= ~SRV_F_STARTTLS;
		if (srv_tls_start(ss) == -1) {
			srv_session_free(ss);
			return;
		}
		ss->input = SRV_IN_CMD;
	}
}

/* srv_session_timeout - the client took too long: 421 and close */
void
srv_session_timeout(struct srv_session *ss)
{
	srv_fevent(ss, IPC_FEV_TIMEOUT, 0, 0, 0, NULL);
	srv_reply(ss, 421, "4.4.2", "%s Timeout, closing", srv_hostname(ss));
	srv_session_close(ss);
}

/* srv_session_on_event - end of file, an error or a time-out */
static void
srv_session_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct srv_session	*ss = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		srv_tls_connected(ss);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && !(ss->flags & SRV_F_CLOSING)) {
		log_info("%016llx smtp event=timeout",
		    (unsigned long long)ss->id);
		srv_session_timeout(ss);
		return;
	}
	if ((what & BEV_EVENT_EOF) && ss->rdns_lookup != NULL &&
	    evbuffer_get_length(bufferevent_get_input(ss->bev)) == 0) {
		/* gone before the greeting, nothing to answer: drop the lookup */
		srv_session_free(ss);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    !(ss->flags & SRV_F_CLOSING)) {
		/* half-closed: answer what was sent, then close */
		ss->flags |= SRV_F_EOF;
		bufferevent_disable(ss->bev, EV_READ);
		srv_session_process(ss);
		return;
	}
	srv_session_free(ss);
}

/* srv_session_rdns_free - end the reverse lookup, if one is running */
static void
srv_session_rdns_free(struct srv_session *ss)
{
	struct srv_rdns	*r = ss->rdns_lookup;

	if (r == NULL)
		return;
	dns_cancel(r->q);
	event_free(r->timer);
	free(r->name);
	free(r);
	ss->rdns_lookup = NULL;
}

/* srv_session_rdns_done - the lookup is over: keep the name, greet */
static void
srv_session_rdns_done(struct srv_session *ss, const char *name,
    const char *why)
{
	char	vis[HOST_MAX * 4];

	if (name != NULL) {
		ss->rdns = xstrdup(name);
		log_info("%016llx smtp event=rdns name=%s",
		    (unsigned long long)ss->id, log_vis(vis, sizeof(vis), name));
	} else
		log_info("%016llx smtp event=rdns name=unknown reason=%s",
		    (unsigned long long)ss->id, why);
	srv_session_rdns_free(ss);
	if (ss->flags & SRV_F_CLOSING)
		return;
	ss->input = SRV_IN_CMD;
	srv_filter_phase(ss, CFG_SFILTER_CONNECT, NULL, srv_session_greet_cmd);
	srv_session_resume(ss);
}

/* srv_session_rdns_same - the address is the client's */
static int
srv_session_rdns_same(const struct sockaddr_storage *a,
    const struct sockaddr_storage *client)
{
	const struct sockaddr_in6	*c6 = (const void *)client;
	const unsigned char		*v4 = NULL;

	if (client->ss_family == AF_INET)
		v4 = (const void *)&((const struct sockaddr_in *)
		    (const void *)client)->sin_addr;
	else if (IN6_IS_ADDR_V4MAPPED(&c6->sin6_addr))
		v4 = &c6->sin6_addr.s6_addr[12];
	if (v4 != NULL)
		return a->ss_family == AF_INET && memcmp(v4,
		    &((const struct sockaddr_in *)(const void *)a)->sin_addr,
		    4) == 0;
	return a->ss_family == AF_INET6 && memcmp(&c6->sin6_addr,
	    &((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
	    16) == 0;
}

/* srv_session_rdns_on_addr - the addresses of the PTR name */
static void
srv_session_rdns_on_addr(enum dns_status st,
    const struct sockaddr_storage *addrs, size_t n, void *arg)
{
	struct srv_session	*ss = arg;
	struct srv_rdns		*r = ss->rdns_lookup;
	size_t			 i;

	r->q = NULL;
	for (i = 0; st == DNS_OK && i < n; i++)
		if (srv_session_rdns_same(&addrs[i], &r->addr)) {
			srv_session_rdns_done(ss, r->name, NULL);
			return;
		}
	srv_session_rdns_done(ss, NULL, st == DNS_TEMPFAIL ? "tempfail" :
	    "not-confirmed");
}

/* srv_session_rdns_on_ptr - the PTR name of the client: confirm it */
static void
srv_session_rdns_on_ptr(enum dns_status st, const char *name, void *arg)
{
	struct srv_session	*ss = arg;
	struct srv_rdns		*r = ss->rdns_lookup;
	int			 family = r->addr.ss_family;

	r->q = NULL;
	if (st != DNS_OK) {
		srv_session_rdns_done(ss, NULL, st == DNS_NONE ? "no-ptr" :
		    "tempfail");
		return;
	}
	if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(
	    &((struct sockaddr_in6 *)&r->addr)->sin6_addr))
		family = AF_INET;
	r->name = xstrdup(name);
	r->q = dns_addr(name, family, srv_session_rdns_on_addr, ss);
}

/* srv_session_rdns_on_timeout - greet without waiting any longer */
static void
srv_session_rdns_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	srv_session_rdns_done(arg, NULL, "timeout");
}

/* srv_session_rdns_start - resolve a TCP client; the greeting waits */
static void
srv_session_rdns_start(struct srv_session *ss, const struct sockaddr *sa,
    socklen_t salen)
{
	struct srv_rdns	*r;
	struct timeval	 tv = { SRV_RDNS_WAIT, 0 };

	r = xcalloc(1, sizeof(*r));
	memcpy(&r->addr, sa, salen < sizeof(r->addr) ? salen :
	    sizeof(r->addr));
	if ((r->timer = evtimer_new(ev_base(), srv_session_rdns_on_timeout,
	    ss)) == NULL)
		fatalx("srv_session_rdns_start: cannot create a timer");
	evtimer_add(r->timer, &tv);
	ss->rdns_lookup = r;
	ss->input = SRV_IN_WAIT;
	r->q = dns_ptr(sa, srv_session_rdns_on_ptr, ss);
}

/* srv_session_greet - the 220 greeting */
static void
srv_session_greet(struct srv_session *ss)
{
	srv_reply(ss, 220, NULL, "%s ESMTP posthorn", srv_hostname(ss));
	srv_fevent(ss, IPC_FEV_LINK_GREETING, 0, 0, 0, srv_hostname(ss));
}

/* srv_session_greet_cmd - the greeting once the connect filter let it */
static void
srv_session_greet_cmd(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	(void)cmd;
	srv_session_greet(ss);
}

/* srv_session_free - forget a session and close its connection */
static void
srv_session_free(struct srv_session *ss)
{
	struct srv	*s = ss->srv;

	log_info("%016llx smtp event=disconnect src=%s mails=%u rcpts=%u "
	    "errors=%u", (unsigned long long)ss->id, ss->src, ss->nmails,
	    ss->nrcpts, ss->errors);
	TAILQ_REMOVE(&s->sessions, ss, entry);
	RB_REMOVE(srv_session_tree, &s->tree, ss);
	srv_limit_release(s, ss);
	srv_tx_free(ss);
	srv_auth_free(ss);
	srv_session_rdns_free(ss);
	srv_filter_free(ss);
	srv_filter_end(ss);
	free(ss->rdns);
	if (ss->delay != NULL)
		event_free(ss->delay);
	if (ss->bev != NULL)
		bufferevent_free(ss->bev);
	if (!(ss->flags & SRV_F_TLS) || ss->bev == NULL)
		close(ss->fd);
	free(ss->auth_user);
	free(ss->helo);
	free(ss);
	srv_session_closed(s);
}

/* srv_session_bev - a plain buffered connection for the session */
static int
srv_session_bev(struct srv_session *ss)
{
	struct timeval	tv = { ss->srv->timeout_cmd, 0 };

	if (ss->bev == NULL)
		ss->bev = bufferevent_socket_new(ev_base(), ss->fd, 0);
	if (ss->bev == NULL)
		return -1;
	bufferevent_setcb(ss->bev, srv_session_on_read, srv_session_on_write,
	    srv_session_on_event, ss);
	bufferevent_set_timeouts(ss->bev, &tv, &tv);
	bufferevent_setwatermark(ss->bev, EV_READ, 0, SRV_INPUT_MAX);
	bufferevent_enable(ss->bev, EV_READ | EV_WRITE);
	return 0;
}

/* srv_session_set_bev - adopt a new connection object (after TLS) */
void
srv_session_set_bev(struct srv_session *ss, struct bufferevent *bev)
{
	ss->bev = bev;
	srv_session_bev(ss);
}

/* srv_session_src - the client's numeric address for logs and policy */
static void
srv_session_src(struct srv_session *ss, const struct sockaddr *sa,
    socklen_t salen)
{
	char	host[NI_MAXHOST];

	if (sa->sa_family == AF_UNIX || getnameinfo(sa, salen, host,
	    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
		strlcpy(ss->src, "local", sizeof(ss->src));
	else
		strlcpy(ss->src, host, sizeof(ss->src));
}

/* srv_session_start - greet a new client */
void
srv_session_start(struct srv *s, int fd, struct srv_listener *l,
    const struct sockaddr *sa, socklen_t salen, struct srv_limit_addr *a)
{
	struct srv_session	*ss;

	ss = xcalloc(1, sizeof(*ss));
	ss->srv = s;
	ss->limit = a;
	ss->deadline = srv_limit_now() + s->timeout_cmd;
	ss->listener = l;
	ss->fd = fd;
	ss->state = SRV_ST_CONNECTED;
	ss->input = SRV_IN_CMD;
	do {
		arc4random_buf(&ss->id, sizeof(ss->id));
	} while (ss->id == 0 || RB_INSERT(srv_session_tree, &s->tree, ss));
	TAILQ_INSERT_TAIL(&s->sessions, ss, entry);
	if (l->flags & IPC_LSN_LOCAL)
		ss->flags |= SRV_F_LOCAL;
	if (l->cfg != NULL && cfg_sfilter_has_proc(l->cfg->filter))
		ss->flags |= SRV_F_FREPORT;
	srv_session_src(ss, sa, salen);
	log_info("%016llx smtp event=connect src=%s listener=%s",
	    (unsigned long long)ss->id, ss->src, l->name);
	if (l->cfg != NULL && l->cfg->tls == CFG_TLS_SMTPS) {
		if (srv_tls_start(ss) == -1) {
			srv_session_free(ss);
			return;
		}
	} else if (srv_session_bev(ss) == -1) {
		srv_session_free(ss);
		return;
	}
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)
		srv_session_rdns_start(ss, sa, salen);
	else
		srv_session_greet(ss);
}

/* srv_session_shutdown_all - SIGTERM: 421 to every client, then close */
void
srv_session_shutdown_all(struct srv *s)
{
	struct srv_session	*ss, *tmp;

	TAILQ_FOREACH_SAFE(ss, &s->sessions, entry, tmp) {
		if (ss->flags & SRV_F_CLOSING)
			continue;
		srv_reply(ss, 421, "4.3.0", "%s Service shutting down",
		    srv_hostname(ss));
		srv_session_close(ss);
		srv_session_done(ss);
	}
}
