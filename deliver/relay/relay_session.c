/*
 * relay_session.c - one SMTP or LMTP client session to one address, on
 * the event loop, around the client engine of the protocol core
 * (common/smtp_client.c).  The engine decides what to send and what
 * each reply means; this file connects, sets TLS up (smtps:// from the
 * first byte, or after STARTTLS), writes the engine's commands, reads
 * replies through the bounded parser, streams the message from its
 * file (dot-stuffed, CRLF) and turns the engine's result into the job's
 * verdict.  TLS: opportunistic for smtp://, required for smtp+tls://,
 * `tls` and `auth` (AUTH PLAIN goes inside TLS only), never for
 * smtp+notls:// and lmtp://.
 *
 * A failure before MAIL FROM (refused connection, time-out, a bad
 * greeting, no TLS where it is required) lets the job try its next
 * address; from MAIL FROM on, the session gives the job its verdict.
 * A malformed or overlong reply breaks the connection, and so does a
 * reply not whole within its time-out of its command's write, however
 * its octets trickle in (relay_deadline.c).
 *
 * MAIL, RCPT and DATA go in one write when the server offers
 * PIPELINING, the final dot in the write of the message's end.  A
 * session whose transaction ended cleanly waits idle in the pool
 * (relay_pool.c) instead of saying QUIT; the next job to its route
 * takes it and starts with RSET.  An idle session that hears anything
 * or loses its connection is closed; one that waits too long says QUIT.
 * A taken session that fails before the reply to its RSET gives
 * way to a new connection to the same address.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
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
#include "relay.h"
#include "smtp_client.h"
#include "smtp_cmd.h"
#include "smtp_data.h"
#include "smtp_reply.h"
#include "table.h"
#include "xmalloc.h"

#define RELAY_CHUNK		16384
#define RELAY_OUT_LOW		16384	/* refill the body below this */
#define RELAY_IN_MAX		(2 * SMTP_REPLY_LINE_MAX)
#define RELAY_TIMEOUT_QUIT	10

enum relay_ph {
	RELAY_PH_CONNECT,	/* the TCP connection is being made */
	RELAY_PH_HANDSHAKE,	/* TLS is being set up */
	RELAY_PH_SMTP,		/* the engine talks */
	RELAY_PH_BODY,		/* the message streams out */
	RELAY_PH_QUIT,		/* the job has its verdict: QUIT */
	RELAY_PH_IDLE		/* waiting in the pool for the next job */
};

/*
 * The engine's parameters point into the job (sender, recipient): once
 * the job has its verdict (job NULL) only QUIT is left to the engine.
 */
struct relay_session {
	struct relay_job		*job;	/* NULL after the verdict */
	struct relay			*relay;
	struct relay_pool_key		 key;	/* its route */
	int				 reused;	/* from the pool */
	int				*gone;	/* set when freed */
	struct relay_hop		 hop;
	char				 addr[64];
	struct bufferevent		*bev;
	enum relay_ph			 ph;
	enum cfg_relay_scheme		 scheme;
	struct smtp_reply_parser	 rp;
	struct smtp_client		 c;
	struct smtp_client_rcpt		*rcpts;	/* one per job */
	struct relay_job		**jobs;	/* the leader first */
	size_t				 n;
	char				 user[ADDR_MAX];
	char				 pass[TABLE_VALUE_MAX];
	struct smtp_data_out		 out;
	off_t				 off;
	int				 dot;	/* the final dot goes out */
	struct relay_deadline		 dl;	/* of the awaited replies */
	struct event			*dl_ev;	/* fires at dl */
};

static void	relay_session_on_read(struct bufferevent *, void *);
static void	relay_session_on_write(struct bufferevent *, void *);
static void	relay_session_on_event(struct bufferevent *, short, void *);
static void	relay_session_step(struct relay_session *);
static void	relay_session_on_deadline(evutil_socket_t, short, void *);
static struct relay_session *relay_session_open(struct relay_job *,
    const struct relay_hop *, const struct relay_pool_key *);

/* relay_session_timeout - the time limit of the next read and write */
static void
relay_session_timeout(struct relay_session *s, int secs)
{
	struct timeval	tv = { secs, 0 };

	bufferevent_set_timeouts(s->bev, &tv, &tv);
}

/* relay_session_await - a reply of a stage of secs is awaited */
static void
relay_session_await(struct relay_session *s, int secs)
{
	relay_deadline_await(&s->dl, relay_deadline_now(), secs);
	relay_deadline_timer(&s->dl, s->dl_ev);
}

/* relay_session_unawait - no reply is awaited, no deadline runs */
static void
relay_session_unawait(struct relay_session *s)
{
	relay_deadline_stop(&s->dl);
	relay_deadline_timer(&s->dl, s->dl_ev);
}

/*
 * relay_session_quit - the session says QUIT: whatever it reads then
 * ends it, and it gets RELAY_TIMEOUT_QUIT for all that
 */
static void
relay_session_quit(struct relay_session *s)
{
	s->ph = RELAY_PH_QUIT;
	bufferevent_setcb(s->bev, relay_session_on_read, NULL,
	    relay_session_on_event, s);
	relay_session_timeout(s, RELAY_TIMEOUT_QUIT);
	relay_deadline_stop(&s->dl);
	relay_session_await(s, RELAY_TIMEOUT_QUIT);
}

/* relay_session_free - close the connection and forget the session */
void
relay_session_free(struct relay_session *s)
{
	if (s->ph == RELAY_PH_IDLE)
		relay_pool_drop(relay_pool_of(s->relay), s);
	if (s->gone != NULL)
		*s->gone = 1;
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	if (s->dl_ev != NULL)
		event_free(s->dl_ev);
	free(s->rcpts);
	free(s->jobs);
	freezero(s, sizeof(*s));
}

/* relay_session_lasterr - "WHY at NAME [ADDR]", the job's last error */
static void
relay_session_lasterr(struct relay_session *s, const char *why)
{
	if (strcmp(s->hop.name, s->addr) == 0)
		relay_text_fmt(s->job->lasterr, sizeof(s->job->lasterr),
		    "%s at %s", why, s->addr);
	else
		relay_text_fmt(s->job->lasterr, sizeof(s->job->lasterr),
		    "%s at %s [%s]", why, s->hop.name, s->addr);
}

/*
 * relay_session_hopfail - this address did not work: note why, let the
 * job try the next one; a connection taken from the pool gives way to
 * a new one to the same address instead
 */
static void
relay_session_hopfail(struct relay_session *s, const char *why)
{
	struct relay_job	*job = s->job;
	struct relay_pool_key	 key = s->key;
	struct relay_hop	 hop = s->hop;
	int			 reused = s->reused;

	relay_session_lasterr(s, why);
	log_info("%016llx relay event=%s host=%s addr=%s error=\"%s\"",
	    (unsigned long long)job->evp.evpid, reused ? "reuse-failed" :
	    "host-failed", s->hop.name, s->addr, why);
	job->sess = NULL;
	relay_session_free(s);
	if (reused && (job->sess = relay_session_open(job, &hop, &key)) != NULL)
		return;
	relay_job_next(job);
}

/*
 * relay_session_detach - the jobs are about to get their results: the
 * session lives on alone, to say QUIT, wait in the pool or be freed;
 * the leader job
 */
static struct relay_job *
relay_session_detach(struct relay_session *s)
{
	struct relay_job	*job = s->job;

	s->job = NULL;
	job->sess = NULL;
	relay_session_quit(s);
	return job;
}

/* relay_session_report - the same verdict for every job of the session */
static void
relay_session_report(struct relay_session *s, enum relay_status st,
    const char *text)
{
	relay_job_done_all(relay_session_detach(s), st, text);
}

/* relay_session_status - the job's status for an engine verdict */
static enum relay_status
relay_session_status(enum smtp_client_verdict v)
{
	switch (v) {
	case SMTP_CLIENT_V_OK:
		return RELAY_OK;
	case SMTP_CLIENT_V_TEMPFAIL_RCPT:
		return RELAY_TEMPFAIL_RCPT;
	case SMTP_CLIENT_V_PERMFAIL:
		return RELAY_PERMFAIL;
	default:
		return RELAY_TEMPFAIL;
	}
}

/*
 * relay_session_each - each job's verdict from its recipient's result:
 * the server's reply ("host NAME said: REPLY"), or the reason; why (if
 * set) words a broken connection
 */
static void
relay_session_each(struct relay_session *s, const char *why)
{
	const struct smtp_client_result	*r;
	char				 text[ERRTEXT_MAX];
	size_t				 i;

	(void)relay_session_detach(s);
	for (i = 0; i < s->n; i++)
		s->jobs[i]->more = NULL;
	for (i = s->n; i-- > 0; ) {
		r = &s->rcpts[i].res;
		if (r->code != 0)
			(void)relay_text_remote(text, sizeof(text),
			    s->hop.name, r->code, r->enhanced, r->text);
		else if (why != NULL && r->verdict == SMTP_CLIENT_V_TEMPFAIL)
			(void)strlcpy(text, why, sizeof(text));
		else
			(void)strlcpy(text, r->text, sizeof(text));
		relay_job_done(s->jobs[i], relay_session_status(r->verdict),
		    text);
	}
}

/*
 * relay_session_result - the engine's outcome: the server could not be
 * used (the next address; 0, s is gone), or the jobs' verdicts (1)
 */
static int
relay_session_result(struct relay_session *s)
{
	char	text[ERRTEXT_MAX];

	if (s->c.res.verdict == SMTP_CLIENT_V_HOST) {
		smtp_client_text_why(&s->c.res, text, sizeof(text));
		relay_session_hopfail(s, text);
		return 0;
	}
	relay_session_each(s, NULL);
	return 1;
}

/*
 * relay_session_broken - the connection cannot go on: before MAIL the
 * next address, afterwards a temporary failure
 */
static void
relay_session_broken(struct relay_session *s, const char *why)
{
	char	buf[ERRTEXT_MAX];

	if (s->job == NULL) {
		relay_session_free(s);
		return;
	}
	smtp_client_broken(&s->c, why);
	if (s->c.res.verdict == SMTP_CLIENT_V_HOST) {
		relay_session_hopfail(s, why);
		return;
	}
	relay_text_fmt(buf, sizeof(buf), "4.4.2 %s at %s [%s]", why,
	    s->hop.name, s->addr);
	relay_session_each(s, buf);
	relay_session_free(s);
}

/* relay_session_send - one command line of the engine */
static void
relay_session_send(struct relay_session *s, const char *line, size_t len)
{
	if (strncmp(line, "MAIL ", 5) == 0 && s->job->info.eightbit &&
	    !(s->c.ext.flags & SMTP_EXT_8BITMIME))
		log_info("%016llx relay event=8bit-unannounced host=%s",
		    (unsigned long long)s->job->evp.evpid, s->hop.name);
	if (s->c.st != SMTP_CLIENT_S_AUTH)
		log_debug("relay event=send addr=%s line=\"%.*s\"", s->addr,
		    (int)len - 2, line);
	(void)bufferevent_write(s->bev, line, len);
}

/* relay_session_tls - start TLS over the connection */
static void
relay_session_tls(struct relay_session *s)
{
	struct bufferevent	*bev;

	bev = relay_conn_tls(s->bev, relay_tls_ctx(relay_tls_of(s->job->relay),
	    s->job->action), s->job->action, &s->hop, s->addr);
	if (bev == NULL) {
		relay_session_hopfail(s, "cannot set up TLS");
		return;
	}
	s->bev = bev;
	s->ph = RELAY_PH_HANDSHAKE;
	relay_session_unawait(s);
	bufferevent_setcb(bev, relay_session_on_read, NULL,
	    relay_session_on_event, s);
	relay_session_timeout(s, RELAY_TIMEOUT_CONNECT);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* relay_session_fill - queue more of the message, stuffed, and the dot */
static void
relay_session_fill(struct relay_session *s)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);
	char		 chunk[RELAY_CHUNK], wire[2 * RELAY_CHUNK + 8];
	size_t		 off, used, wlen;
	ssize_t		 n;

	while (evbuffer_get_length(out) < 4 * RELAY_CHUNK) {
		n = pread(s->job->msg_fd, chunk, sizeof(chunk), s->off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			relay_session_report(s, RELAY_TEMPFAIL, "4.3.0 cannot "
			    "read the message");
			relay_session_free(s);
			return;
		}
		if (n == 0) {
			if (smtp_data_stuff_end(&s->out, wire, sizeof(wire),
			    &wlen) == -1)
				panic("relay: no room for the final dot");
			evbuffer_add(out, wire, wlen);
			s->ph = RELAY_PH_SMTP;
			s->dot = 1;	/* its deadline starts once written */
			bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
			relay_session_timeout(s, RELAY_TIMEOUT_DOT);
			return;
		}
		s->off += n;
		for (off = 0; off < (size_t)n; off += used) {
			smtp_data_stuff(&s->out, chunk + off, (size_t)n - off,
			    &used, wire, sizeof(wire), &wlen);
			evbuffer_add(out, wire, wlen);
		}
	}
}

/* relay_session_body - 354 came: stream the message */
static void
relay_session_body(struct relay_session *s)
{
	s->ph = RELAY_PH_BODY;
	s->off = 0;
	s->dot = 0;
	relay_session_unawait(s);
	smtp_data_out_init(&s->out);
	bufferevent_setwatermark(s->bev, EV_WRITE, RELAY_OUT_LOW, 0);
	bufferevent_setcb(s->bev, relay_session_on_read, relay_session_on_write,
	    relay_session_on_event, s);
	relay_session_fill(s);
}

/* relay_session_on_idle - an idle server spoke (a 421): close */
static void
relay_session_on_idle(struct bufferevent *bev, void *arg)
{
	struct relay_session	*s = arg;

	(void)bev;
	log_debug("relay event=idle-closed addr=%s reason=reply", s->addr);
	relay_session_free(s);
}

/*
 * relay_session_on_idle_event - an idle connection broke (close), or
 * waited long enough (QUIT)
 */
static void
relay_session_on_idle_event(struct bufferevent *bev, short what, void *arg)
{
	struct relay_session	*s = arg;

	log_debug("relay event=idle-closed addr=%s reason=%s", s->addr,
	    what & BEV_EVENT_TIMEOUT ? "idle" : "closed");
	if (!(what & BEV_EVENT_TIMEOUT)) {
		relay_session_free(s);
		return;
	}
	relay_pool_drop(relay_pool_of(s->relay), s);
	relay_session_quit(s);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	relay_session_step(s);
}

/*
 * relay_session_park - after a clean transaction, wait in the pool for
 * the next job to the route; 0: no room or no clean end (QUIT follows)
 */
static int
relay_session_park(struct relay_session *s)
{
	if (!smtp_client_reusable(&s->c) ||
	    relay_pool_park(relay_pool_of(s->relay), &s->key, s) == -1)
		return 0;
	s->ph = RELAY_PH_IDLE;
	relay_session_unawait(s);
	bufferevent_setcb(s->bev, relay_session_on_idle, NULL,
	    relay_session_on_idle_event, s);
	relay_session_timeout(s, RELAY_POOL_IDLE);
	bufferevent_enable(s->bev, EV_READ);
	return 1;
}

/* relay_session_step - do what the engine says until it awaits a reply */
static void
relay_session_step(struct relay_session *s)
{
	const char	*line;
	size_t		 len;

	for (;;) {
		switch (smtp_client_next(&s->c, &line, &len)) {
		case SMTP_CLIENT_A_SEND:
			relay_session_send(s, line, len);
			break;
		case SMTP_CLIENT_A_READ:
			relay_session_await(s, RELAY_TIMEOUT_REPLY);
			return;
		case SMTP_CLIENT_A_TLS:
			relay_session_tls(s);
			return;
		case SMTP_CLIENT_A_BODY:
			relay_session_body(s);
			return;
		case SMTP_CLIENT_A_RESULT:
			if (!relay_session_result(s) || relay_session_park(s))
				return;
			break;
		case SMTP_CLIENT_A_DONE:
			relay_session_free(s);
			return;
		}
	}
}

/*
 * relay_session_reply - one whole reply to the engine, and its steps;
 * whether the replies that follow may be read (s is still there, and
 * still in the conversation)
 */
static int
relay_session_reply(struct relay_session *s)
{
	char	vis[1024];
	int	gone = 0;

	log_debug("relay event=reply addr=%s code=%03d text=\"%s\"", s->addr,
	    s->rp.code, log_vis(vis, sizeof(vis), smtp_reply_line(&s->rp, 0)));
	relay_deadline_reply(&s->dl, relay_deadline_now());
	relay_deadline_timer(&s->dl, s->dl_ev);
	smtp_client_reply(&s->c, &s->rp);
	s->gone = &gone;
	relay_session_step(s);
	if (gone)
		return 0;
	s->gone = NULL;
	if (s->ph == RELAY_PH_IDLE &&
	    evbuffer_get_length(bufferevent_get_input(s->bev)) > 0) {
		relay_session_free(s);	/* more than was asked for */
		return 0;
	}
	return s->ph == RELAY_PH_SMTP || s->ph == RELAY_PH_QUIT;
}

/*
 * relay_session_on_read - whole reply lines through the parser; the
 * replies of a pipelined group may come in one read
 */
static void
relay_session_on_read(struct bufferevent *bev, void *arg)
{
	struct relay_session	*s = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	enum smtp_reply_status	 rs;
	char			*line;
	size_t			 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		if (s->ph == RELAY_PH_QUIT) {
			free(line);
			relay_session_free(s);
			return;
		}
		rs = smtp_reply_feed(&s->rp, line, len);
		free(line);
		if (rs == SMTP_REPLY_ERROR) {
			relay_session_broken(s, s->rp.err);
			return;
		}
		if (rs == SMTP_REPLY_DONE && !relay_session_reply(s))
			return;
	}
	if (evbuffer_get_length(in) > RELAY_IN_MAX) {
		relay_session_broken(s, "reply line too long");
		return;
	}
	if (s->ph == RELAY_PH_SMTP)
		relay_conn_quickack(s->bev);
}

/* relay_session_on_write - the body drained: queue more */
static void
relay_session_on_write(struct bufferevent *bev, void *arg)
{
	struct relay_session	*s = arg;

	(void)bev;
	if (s->ph == RELAY_PH_BODY)
		relay_session_fill(s);
	else if (s->ph == RELAY_PH_SMTP && s->dot) {
		s->dot = 0;
		relay_session_await(s, RELAY_TIMEOUT_DOT);
	}
}

/*
 * relay_session_on_deadline - the awaited reply is not whole in time:
 * broken as by a time-out (the next address before MAIL, 4.4.2 after)
 */
static void
relay_session_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct relay_session	*s = arg;

	(void)fd;
	(void)what;
	if (s->job == NULL) {
		log_debug("relay event=timeout reason=deadline addr=%s "
		    "phase=quit", s->addr);
		relay_session_free(s);
		return;
	}
	log_info("%016llx relay event=timeout reason=deadline host=%s "
	    "addr=%s secs=%d", (unsigned long long)s->job->evp.evpid,
	    s->hop.name, s->addr, s->dl.secs);
	relay_session_broken(s, "time-out");
}

/* relay_session_on_event - connected, handshake done, or broken */
static void
relay_session_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct relay_session	*s = arg;
	char			 why[ERRTEXT_MAX];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		relay_session_timeout(s, RELAY_TIMEOUT_REPLY);
		if (s->ph == RELAY_PH_CONNECT &&
		    s->scheme == CFG_RELAY_SMTPS) {
			relay_session_tls(s);
			return;
		}
		if (s->ph == RELAY_PH_HANDSHAKE)
			smtp_client_tls_done(&s->c);
		s->ph = RELAY_PH_SMTP;
		relay_session_step(s);
		return;
	}
	relay_conn_errstr(s->bev, what, why, sizeof(why));
	relay_session_broken(s, why);
}

/*
 * relay_session_flags - the engine's flags for the job's action: TLS
 * from the scheme and `tls`, AUTH with `auth`, what the message needs,
 * pipelining when offered
 */
static unsigned int
relay_session_flags(const struct relay_session *s)
{
	const struct relay_job	*job = s->job;
	unsigned int		 f;

	f = SMTP_CLIENT_F_SIZE | SMTP_CLIENT_F_PIPELINING;
	if (s->scheme == CFG_RELAY_LMTP)
		f |= SMTP_CLIENT_F_LMTP;
	else if (s->scheme == CFG_RELAY_SMTPS)
		f |= SMTP_CLIENT_F_TLS;
	else if (s->scheme != CFG_RELAY_SMTP_NOTLS)
		f |= SMTP_CLIENT_F_STARTTLS;
	if (job->action->tls || s->scheme == CFG_RELAY_SMTP_TLS)
		f |= SMTP_CLIENT_F_TLS_REQUIRED;
	if (job->action->auth != NULL)
		f |= SMTP_CLIENT_F_AUTH;
	if (job->info.eightbit)
		f |= SMTP_CLIENT_F_8BIT;
	if (job->evp.flags & ENVELOPE_F_SMTPUTF8)
		f |= SMTP_CLIENT_F_UTF8;
	return f;
}

/* relay_session_rcpts - a recipient for each job of the transaction */
static void
relay_session_rcpts(struct relay_session *s)
{
	struct relay_job	*j;
	size_t			 i;

	s->rcpts = xreallocarray(s->rcpts, s->job->nrcpts, sizeof(*s->rcpts));
	s->jobs = xreallocarray(s->jobs, s->job->nrcpts, sizeof(*s->jobs));
	memset(s->rcpts, 0, s->job->nrcpts * sizeof(*s->rcpts));
	for (i = 0, j = s->job; j != NULL && i < s->job->nrcpts;
	    j = j->more, i++) {
		s->jobs[i] = j;
		s->rcpts[i].addr = j->evp.dest;
		s->rcpts[i].notify = (int)j->evp.dsn_notify;
		s->rcpts[i].orcpt = j->evp.orig_rcpt;
	}
	s->n = i;
}

/* relay_session_unsent - jobs may still join: MAIL FROM has not gone */
int
relay_session_unsent(const struct relay_session *s)
{
	return s->job != NULL && smtp_client_unsent(&s->c);
}

/* relay_session_grow - a job joined the transaction before MAIL FROM */
void
relay_session_grow(struct relay_session *s)
{
	relay_session_rcpts(s);
	if (smtp_client_rcpts(&s->c, s->rcpts, s->n) == -1)
		panic("relay: a recipient joined after MAIL FROM");
}

/* relay_session_params - the engine's parameters for the job's envelope */
static void
relay_session_params(struct relay_session *s, struct smtp_client_params *pp)
{
	struct relay_job		*job = s->job;
	const struct envelope		*evp = &job->evp;
	struct smtp_client_params	 p;

	memset(&p, 0, sizeof(p));
	p.flags = relay_session_flags(s);
	if (relay_job_creds(job, s->user, sizeof(s->user), s->pass,
	    sizeof(s->pass)) == 1) {
		p.user = s->user;
		p.pass = s->pass;
	}
	p.helo = relay_job_helo(job);
	p.host = s->hop.name;
	p.sender = job->action->mail_from[0] ? job->action->mail_from :
	    evp->sender;
	p.size = job->info.size;
	p.ret = evp->dsn_ret == ENVELOPE_RET_NONE ? 0 :
	    evp->dsn_ret == ENVELOPE_RET_FULL ? SMTP_CMD_RET_FULL :
	    SMTP_CMD_RET_HDRS;
	p.envid = evp->envid;
	relay_session_rcpts(s);
	p.rcpts = s->rcpts;
	p.nrcpts = s->n;
	*pp = p;
}

/*
 * relay_session_reuse - the next transaction on an idle session of the
 * job's route; -1 (s is gone) when the engine will not have it
 */
static int
relay_session_reuse(struct relay_session *s, struct relay_job *job)
{
	struct smtp_client_params	p;

	s->ph = RELAY_PH_SMTP;
	s->job = job;
	s->reused = 1;
	relay_session_params(s, &p);
	if (smtp_client_again(&s->c, &p) == -1) {
		relay_session_free(s);
		return -1;
	}
	job->sess = s;
	bufferevent_setcb(s->bev, relay_session_on_read, NULL,
	    relay_session_on_event, s);
	relay_session_timeout(s, RELAY_TIMEOUT_REPLY);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	log_debug("%016llx relay event=reuse host=%s addr=%s",
	    (unsigned long long)job->evp.evpid, s->hop.name, s->addr);
	relay_session_step(s);
	return 0;
}

/*
 * relay_session_open - a new connection to one address of a job; NULL
 * (the job's last error set) when not even the connection could start
 */
static struct relay_session *
relay_session_open(struct relay_job *job, const struct relay_hop *hop,
    const struct relay_pool_key *key)
{
	struct relay_session		*s;
	struct smtp_client_params	 p;
	char				 why[ERRTEXT_MAX];

	s = xcalloc(1, sizeof(*s));
	s->job = job;
	s->relay = job->relay;
	s->key = *key;
	s->hop = *hop;
	s->scheme = job->action->has_host ? job->action->host.scheme :
	    CFG_RELAY_SMTP;
	(void)relay_mx_addrstr(&hop->ss, s->addr, sizeof(s->addr));
	smtp_reply_init(&s->rp);
	if ((s->dl_ev = evtimer_new(ev_base(), relay_session_on_deadline,
	    s)) == NULL)
		fatalx("relay: cannot make a deadline timer");
	if ((s->bev = relay_conn_open(job->action, hop, why,
	    sizeof(why))) == NULL) {
		relay_session_lasterr(s, why);
		relay_session_free(s);
		return NULL;
	}
	relay_session_params(s, &p);
	smtp_client_init(&s->c, &p);
	bufferevent_setcb(s->bev, relay_session_on_read, NULL,
	    relay_session_on_event, s);
	relay_session_timeout(s, RELAY_TIMEOUT_CONNECT);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	log_debug("%016llx relay event=connect host=%s addr=%s",
	    (unsigned long long)job->evp.evpid, hop->name, s->addr);
	if (relay_conn_connect(s->bev, hop) == -1) {
		relay_session_lasterr(s, strerror(errno));
		relay_session_free(s);
		return NULL;
	}
	return s;
}

/*
 * relay_session_new - a session for one address of a job: an idle one
 * of its route, or a new connection; NULL (the job's last error set)
 * when not even the connection could start
 */
struct relay_session *
relay_session_new(struct relay_job *job, const struct relay_hop *hop)
{
	struct relay_pool_key	 key;
	struct relay_session	*s;

	relay_pool_key(job, hop, &key);
	while ((s = relay_pool_take(relay_pool_of(job->relay), &key)) != NULL)
		if (relay_session_reuse(s, job) == 0)
			return s;
	return relay_session_open(job, hop, &key);
}
