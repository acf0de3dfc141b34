/*
 * srv_session.c - one SMTP session: the connection, its buffers and its
 * life cycle (greeting, time-outs, shutdown).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
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
#include "ev.h"
#include "log.h"
#include "srv.h"
#include "xmalloc.h"

#define SRV_TIMEOUT_CMD		300	/* RFC 5321 4.5.3.2.7 */

struct srv_session {
	TAILQ_ENTRY(srv_session)	 entry;
	struct srv			*srv;
	struct srv_listener		*listener;
	struct bufferevent		*bev;
	uint64_t			 id;
	int				 closing;
	char				 addr[HOST_MAX];
};

static void	srv_session_free(struct srv_session *);

/* srv_session_reply - queue one reply line */
static void
srv_session_reply(struct srv_session *ss, const char *fmt, ...)
{
	char	line[SMTP_REPLY_LINE_MAX];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	memcpy(line + n, "\r\n", 3);
	bufferevent_write(ss->bev, line, (size_t)n + 2);
}

/* srv_session_close_after_flush - stop reading, close once flushed */
static void
srv_session_close_after_flush(struct srv_session *ss)
{
	ss->closing = 1;
	bufferevent_disable(ss->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(ss->bev)) == 0)
		srv_session_free(ss);
}

/* srv_session_line - one command line from the client */
static void
srv_session_line(struct srv_session *ss, const char *line, size_t len)
{
	if (len == 4 && strncasecmp(line, "QUIT", 4) == 0) {
		srv_session_reply(ss, "221 2.0.0 Bye");
		srv_session_close_after_flush(ss);
		return;
	}
	if (len == 4 && strncasecmp(line, "NOOP", 4) == 0) {
		srv_session_reply(ss, "250 2.0.0 Ok");
		return;
	}
	srv_session_reply(ss, "502 5.5.1 Command not implemented");
}

static void
srv_session_on_read(struct bufferevent *bev, void *arg)
{
	struct srv_session	*ss = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 len;
	char			*line;

	while (!ss->closing && (line = evbuffer_readln(in, &len,
	    EVBUFFER_EOL_CRLF)) != NULL) {
		srv_session_line(ss, line, len);
		free(line);
	}
	if (!ss->closing && evbuffer_get_length(in) > SMTP_CMD_LINE_MAX) {
		srv_session_reply(ss, "500 5.5.6 Line too long");
		srv_session_close_after_flush(ss);
	}
}

static void
srv_session_on_write(struct bufferevent *bev, void *arg)
{
	struct srv_session	*ss = arg;

	(void)bev;
	if (ss->closing)
		srv_session_free(ss);
}

static void
srv_session_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct srv_session	*ss = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		srv_session_reply(ss, "421 4.4.2 %s Timeout, closing",
		    ss->srv->hostname);
		srv_session_close_after_flush(ss);
		return;
	}
	srv_session_free(ss);
}

/* srv_session_free - forget a session and close its connection */
static void
srv_session_free(struct srv_session *ss)
{
	struct srv	*s = ss->srv;

	log_debug("%016llx smtp event=close addr=%s",
	    (unsigned long long)ss->id, ss->addr);
	TAILQ_REMOVE(&s->sessions, ss, entry);
	bufferevent_free(ss->bev);
	free(ss);
	srv_session_closed(s);
}

/* srv_session_start - greet a new client */
void
srv_session_start(struct srv *s, int fd, struct srv_listener *l,
    const struct sockaddr *sa, socklen_t salen)
{
	struct srv_session	*ss;
	struct timeval		 tv = { SRV_TIMEOUT_CMD, 0 };
	char			 host[INET6_ADDRSTRLEN], serv[8];

	ss = xcalloc(1, sizeof(*ss));
	ss->srv = s;
	ss->listener = l;
	arc4random_buf(&ss->id, sizeof(ss->id));
	if (sa->sa_family == AF_UNIX ||
	    getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy(ss->addr, "local", sizeof(ss->addr));
	else
		snprintf(ss->addr, sizeof(ss->addr), "%s:%s", host, serv);
	ss->bev = bufferevent_socket_new(ev_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	if (ss->bev == NULL)
		fatalx("bufferevent_socket_new");
	bufferevent_setcb(ss->bev, srv_session_on_read, srv_session_on_write,
	    srv_session_on_event, ss);
	bufferevent_set_timeouts(ss->bev, &tv, &tv);
	bufferevent_enable(ss->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&s->sessions, ss, entry);
	log_debug("%016llx smtp event=connect addr=%s listener=%s",
	    (unsigned long long)ss->id, ss->addr, l->name);
	srv_session_reply(ss, "220 %s ESMTP posthorn", s->hostname);
}

/* srv_session_shutdown_all - SIGTERM: 421 to every client, then close */
void
srv_session_shutdown_all(struct srv *s)
{
	struct srv_session	*ss, *tmp;

	TAILQ_FOREACH_SAFE(ss, &s->sessions, entry, tmp) {
		if (ss->closing)
			continue;
		srv_session_reply(ss, "421 4.3.0 %s Service shutting down",
		    s->hostname);
		srv_session_close_after_flush(ss);
	}
}
