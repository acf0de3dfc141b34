/*
 * relay_session.c - one SMTP or LMTP client session to one address, on
 * the event loop: greeting, EHLO (HELO when EHLO is refused, LHLO for
 * LMTP), STARTTLS (opportunistic for smtp://, required for smtp+tls://,
 * `tls` and `auth`; smtps:// from the first byte), AUTH PLAIN inside
 * TLS only, MAIL FROM with SIZE, BODY, SMTPUTF8 and DSN parameters as
 * the server offers them, RCPT TO, DATA with the message streamed from
 * its file (dot-stuffed, CRLF), QUIT.
 *
 * A failure before MAIL FROM (refused connection, time-out, a bad
 * greeting, no TLS where it is required) lets the job try its next
 * address; from MAIL FROM on, the session gives the job its verdict.
 * Replies go through the bounded parser of the protocol core; a
 * malformed or overlong reply is a temporary failure.
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
#include "smtp_addr.h"
#include "smtp_cmd.h"
#include "smtp_data.h"
#include "smtp_ext.h"
#include "smtp_reply.h"
#include "table.h"
#include "xmalloc.h"

#define RELAY_CHUNK		16384
#define RELAY_OUT_LOW		16384	/* refill the body below this */
#define RELAY_IN_MAX		(2 * SMTP_REPLY_LINE_MAX)
#define RELAY_TIMEOUT_QUIT	10

enum relay_st {
	RELAY_ST_CONNECT,
	RELAY_ST_HANDSHAKE,
	RELAY_ST_GREETING,
	RELAY_ST_EHLO,
	RELAY_ST_HELO,
	RELAY_ST_STARTTLS,
	RELAY_ST_AUTH,
	RELAY_ST_MAIL,
	RELAY_ST_RCPT,
	RELAY_ST_DATA,
	RELAY_ST_BODY,
	RELAY_ST_DOT,
	RELAY_ST_QUIT
};

struct relay_session {
	struct relay_job		*job;	/* NULL after the verdict */
	struct relay_hop		 hop;
	char				 addr[64];
	struct bufferevent		*bev;
	enum relay_st			 st;
	enum cfg_relay_scheme		 scheme;
	int				 tls;
	struct smtp_reply_parser	 rp;
	struct smtp_ext			 ext;
	struct smtp_data_out		 out;
	off_t				 off;
};

static void	relay_session_on_read(struct bufferevent *, void *);
static void	relay_session_on_write(struct bufferevent *, void *);
static void	relay_session_on_event(struct bufferevent *, short, void *);
static void	relay_session_ready(struct relay_session *);

/* relay_session_timeout - the time limit of the next read and write */
static void
relay_session_timeout(struct relay_session *s, int secs)
{
	struct timeval	tv = { secs, 0 };

	bufferevent_set_timeouts(s->bev, &tv, &tv);
}

/* relay_session_free - close the connection and forget the session */
void
relay_session_free(struct relay_session *s)
{
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	free(s);
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
 * job try the next one
 */
static void __attribute__((format(printf, 2, 3)))
relay_session_hopfail(struct relay_session *s, const char *fmt, ...)
{
	struct relay_job	*job = s->job;
	char			 why[ERRTEXT_MAX];
	va_list			 ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	relay_session_lasterr(s, why);
	log_info("%016llx relay event=host-failed host=%s addr=%s "
	    "error=\"%s\"", (unsigned long long)job->evp.evpid, s->hop.name,
	    s->addr, why);
	job->sess = NULL;
	relay_session_free(s);
	relay_job_next(job);
}

/* relay_session_send - format and queue one command; 0 / -1 */
static int
relay_session_send(struct relay_session *s, const struct smtp_cmd *cmd)
{
	char	line[SMTP_CMD_LINE_MAX + 2];

	if (smtp_cmd_format(cmd, line, sizeof(line)) == -1)
		return -1;
	if (cmd->verb != SMTP_CMD_AUTH)
		log_debug("relay %s > %.*s", s->addr, (int)strlen(line) - 2,
		    line);
	return bufferevent_write(s->bev, line, strlen(line));
}

/* relay_session_simple - send a command with at most a plain argument */
static void
relay_session_simple(struct relay_session *s, enum smtp_cmd_verb verb,
    const char *arg, enum relay_st next)
{
	struct smtp_cmd	cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = verb;
	if (arg != NULL)
		(void)strlcpy(cmd.arg, arg, sizeof(cmd.arg));
	(void)relay_session_send(s, &cmd);
	s->st = next;
}

/*
 * relay_session_verdict - the job's outcome is known: report it, then
 * say QUIT (when the connection still works) and close
 */
static void
relay_session_verdict(struct relay_session *s, enum relay_status st,
    const char *text, int quit)
{
	struct relay_job	*job = s->job;

	s->job = NULL;
	job->sess = NULL;
	relay_job_done(job, st, text);
	if (!quit) {
		relay_session_free(s);
		return;
	}
	bufferevent_setcb(s->bev, relay_session_on_read, NULL,
	    relay_session_on_event, s);
	relay_session_timeout(s, RELAY_TIMEOUT_QUIT);
	relay_session_simple(s, SMTP_CMD_QUIT, NULL, RELAY_ST_QUIT);
}

/*
 * relay_session_said - the verdict of the reply just read (a refusal of
 * MAIL, RCPT or DATA, or the reply after the final dot).  Only a 2xx
 * after the dot delivers: a 2xx or 3xx where a refusal or 354 was due
 * means the server does not follow the protocol, and nothing was sent.
 * A 4xx to RCPT, DATA or the dot concerns this recipient or message:
 * only a failure of the destination itself (421, a 4xx before RCPT, a
 * reply that makes no sense) suspends the destination.
 */
static void
relay_session_said(struct relay_session *s)
{
	char			text[ERRTEXT_MAX], buf[ERRTEXT_MAX];
	enum relay_status	st = relay_text_status(s->rp.code);

	if (st == RELAY_OK && s->st != RELAY_ST_BODY && s->st != RELAY_ST_DOT)
		st = RELAY_TEMPFAIL;
	else if (st == RELAY_TEMPFAIL && s->rp.code / 100 == 4 &&
	    s->rp.code != 421 && s->st >= RELAY_ST_RCPT)
		st = RELAY_TEMPFAIL_RCPT;
	relay_text_reply(&s->rp, text, sizeof(text));
	(void)relay_text_remote(buf, sizeof(buf), s->hop.name, s->rp.code,
	    s->rp.enhanced, text);
	relay_session_verdict(s, st, buf, 1);
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
	s->st = RELAY_ST_HANDSHAKE;
	bufferevent_setcb(bev, relay_session_on_read, NULL,
	    relay_session_on_event, s);
	relay_session_timeout(s, RELAY_TIMEOUT_CONNECT);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* relay_session_hello - EHLO, or LHLO for LMTP */
static void
relay_session_hello(struct relay_session *s)
{
	relay_session_simple(s, s->scheme == CFG_RELAY_LMTP ? SMTP_CMD_LHLO :
	    SMTP_CMD_EHLO, relay_job_helo(s->job), RELAY_ST_EHLO);
}

/* relay_session_on_greeting - 220, or try elsewhere */
static void
relay_session_on_greeting(struct relay_session *s)
{
	char	text[ERRTEXT_MAX];

	if (s->rp.code == 220) {
		relay_session_hello(s);
		return;
	}
	relay_text_reply(&s->rp, text, sizeof(text));
	relay_session_hopfail(s, "greeting %03d %s", s->rp.code, text);
}

/* relay_session_on_ehlo - learn the extensions; HELO after a 5xx */
static void
relay_session_on_ehlo(struct relay_session *s)
{
	char	text[ERRTEXT_MAX];

	if (s->rp.code == 250) {
		if (smtp_ext_parse(&s->ext, &s->rp) == -1)
			memset(&s->ext, 0, sizeof(s->ext));
		relay_session_ready(s);
		return;
	}
	if (s->rp.code / 100 == 5 && s->scheme != CFG_RELAY_LMTP) {
		relay_session_simple(s, SMTP_CMD_HELO, relay_job_helo(s->job),
		    RELAY_ST_HELO);
		return;
	}
	relay_text_reply(&s->rp, text, sizeof(text));
	relay_session_hopfail(s, "%s %03d %s", s->scheme == CFG_RELAY_LMTP ?
	    "LHLO" : "EHLO", s->rp.code, text);
}

/* relay_session_on_helo - no extensions at all */
static void
relay_session_on_helo(struct relay_session *s)
{
	char	text[ERRTEXT_MAX];

	if (s->rp.code == 250) {
		memset(&s->ext, 0, sizeof(s->ext));
		relay_session_ready(s);
		return;
	}
	relay_text_reply(&s->rp, text, sizeof(text));
	relay_session_hopfail(s, "HELO %03d %s", s->rp.code, text);
}

/* relay_session_tls_required - must this session run inside TLS? */
static int
relay_session_tls_required(const struct relay_session *s)
{
	const struct cfg_action	*a = s->job->action;

	return a->tls || a->auth != NULL ||
	    (a->has_host && a->host.scheme == CFG_RELAY_SMTP_TLS);
}

/* relay_session_on_starttls - 220: TLS; refused: go on if allowed */
static void
relay_session_on_starttls(struct relay_session *s)
{
	char	text[ERRTEXT_MAX];

	if (s->rp.code == 220) {
		relay_session_tls(s);
		return;
	}
	relay_text_reply(&s->rp, text, sizeof(text));
	if (relay_session_tls_required(s)) {
		relay_session_hopfail(s, "STARTTLS %03d %s", s->rp.code, text);
		return;
	}
	s->ext.flags &= ~SMTP_EXT_STARTTLS;
	relay_session_ready(s);
}

/* relay_session_auth - AUTH PLAIN with the job's credentials, in TLS */
static void
relay_session_auth(struct relay_session *s, const char *user,
    const char *pass)
{
	struct smtp_cmd	cmd;

	if (!(s->ext.flags & SMTP_EXT_AUTH) ||
	    !smtp_ext_auth_has(&s->ext, "PLAIN")) {
		relay_session_hopfail(s, "AUTH PLAIN not offered");
		return;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = SMTP_CMD_AUTH;
	(void)strlcpy(cmd.mech, "PLAIN", sizeof(cmd.mech));
	if (relay_text_plain(cmd.arg, sizeof(cmd.arg), user, pass) == -1 ||
	    relay_session_send(s, &cmd) == -1) {
		explicit_bzero(&cmd, sizeof(cmd));
		relay_session_verdict(s, RELAY_TEMPFAIL, "4.7.0 credentials "
		    "too long", 0);
		return;
	}
	explicit_bzero(&cmd, sizeof(cmd));
	s->st = RELAY_ST_AUTH;
}

/* relay_session_mail_cmd - MAIL FROM as the server's extensions allow */
static int
relay_session_mail_cmd(struct relay_session *s, struct smtp_cmd *cmd)
{
	const struct relay_job	*job = s->job;
	const struct envelope	*evp = &job->evp;
	struct smtp_addr	 rcpt;
	const char		*from;

	memset(cmd, 0, sizeof(*cmd));
	cmd->verb = SMTP_CMD_MAIL;
	from = job->action->mail_from[0] ? job->action->mail_from :
	    evp->sender;
	if (relay_text_addr(from, SMTP_ADDR_F_MAIL, &cmd->addr) == -1 ||
	    relay_text_addr(evp->dest, SMTP_ADDR_F_RCPT, &rcpt) == -1)
		return -1;
	if (((cmd->addr.kind | rcpt.kind) & SMTP_ADDR_UTF8) &&
	    !(s->ext.flags & SMTP_EXT_SMTPUTF8))
		return -2;
	if ((s->ext.flags & SMTP_EXT_SMTPUTF8) &&
	    (((cmd->addr.kind | rcpt.kind) & SMTP_ADDR_UTF8) ||
	    (evp->flags & ENVELOPE_F_SMTPUTF8)))
		cmd->params |= SMTP_CMD_P_SMTPUTF8;
	if (s->ext.flags & SMTP_EXT_SIZE) {
		cmd->params |= SMTP_CMD_P_SIZE;
		cmd->size = job->info.size;
	}
	if (job->info.eightbit && (s->ext.flags & SMTP_EXT_8BITMIME)) {
		cmd->params |= SMTP_CMD_P_BODY;
		cmd->body = SMTP_CMD_BODY_8BITMIME;
	}
	if (!(s->ext.flags & SMTP_EXT_DSN))
		return 0;
	if (evp->dsn_ret != ENVELOPE_RET_NONE) {
		cmd->params |= SMTP_CMD_P_RET;
		cmd->ret = evp->dsn_ret == ENVELOPE_RET_FULL ?
		    SMTP_CMD_RET_FULL : SMTP_CMD_RET_HDRS;
	}
	if (evp->envid[0] != '\0') {
		cmd->params |= SMTP_CMD_P_ENVID;
		(void)strlcpy(cmd->envid, evp->envid, sizeof(cmd->envid));
	}
	return 0;
}

/* relay_session_mail - MAIL FROM */
static void
relay_session_mail(struct relay_session *s)
{
	struct smtp_cmd	cmd;
	char		buf[ERRTEXT_MAX];
	int		r;

	if ((r = relay_session_mail_cmd(s, &cmd)) == -2) {
		relay_text_fmt(buf, sizeof(buf), "5.6.7 host %s does not "
		    "offer SMTPUTF8, which the addresses need", s->hop.name);
		relay_session_verdict(s, RELAY_PERMFAIL, buf, 1);
		return;
	}
	if (r == -1 || relay_session_send(s, &cmd) == -1) {
		relay_session_verdict(s, RELAY_PERMFAIL, "5.1.7 the sender "
		    "cannot be sent as a MAIL FROM path", 1);
		return;
	}
	if (s->job->info.eightbit && !(s->ext.flags & SMTP_EXT_8BITMIME))
		log_info("%016llx relay event=8bit-unannounced host=%s",
		    (unsigned long long)s->job->evp.evpid, s->hop.name);
	s->st = RELAY_ST_MAIL;
}

/*
 * relay_session_ready - after the greeting: STARTTLS when offered and
 * allowed, TLS when required, AUTH when configured, then MAIL FROM
 */
static void
relay_session_ready(struct relay_session *s)
{
	char	user[ADDR_MAX], pass[TABLE_VALUE_MAX];
	int	r;

	if (!s->tls && s->scheme != CFG_RELAY_SMTP_NOTLS &&
	    s->scheme != CFG_RELAY_LMTP && (s->ext.flags & SMTP_EXT_STARTTLS)) {
		relay_session_simple(s, SMTP_CMD_STARTTLS, NULL,
		    RELAY_ST_STARTTLS);
		return;
	}
	if (!s->tls && relay_session_tls_required(s)) {
		relay_session_hopfail(s, s->job->action->auth != NULL ?
		    "credentials need TLS, none offered" :
		    "TLS is required but not offered");
		return;
	}
	if ((r = relay_job_creds(s->job, user, sizeof(user), pass,
	    sizeof(pass))) == -1) {
		relay_session_verdict(s, RELAY_TEMPFAIL, "4.7.0 no "
		    "credentials for this host in the auth table", 1);
		return;
	}
	if (r == 1)
		relay_session_auth(s, user, pass);
	else
		relay_session_mail(s);
	explicit_bzero(pass, sizeof(pass));
}

/* relay_session_on_auth - 235: go on; else the credentials are wrong */
static void
relay_session_on_auth(struct relay_session *s)
{
	char	text[ERRTEXT_MAX], buf[ERRTEXT_MAX];

	if (s->rp.code == 235) {
		relay_session_mail(s);
		return;
	}
	relay_text_reply(&s->rp, text, sizeof(text));
	(void)relay_text_remote(buf, sizeof(buf), s->hop.name, s->rp.code,
	    s->rp.enhanced, text);
	relay_session_verdict(s, RELAY_TEMPFAIL, buf, 1);
}

/* relay_session_on_mail - RCPT TO with the DSN parameters */
static void
relay_session_on_mail(struct relay_session *s)
{
	const struct envelope	*evp = &s->job->evp;
	struct smtp_cmd		 cmd;

	if (s->rp.code / 100 != 2) {
		relay_session_said(s);
		return;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = SMTP_CMD_RCPT;
	(void)relay_text_addr(evp->dest, SMTP_ADDR_F_RCPT, &cmd.addr);
	if ((s->ext.flags & SMTP_EXT_DSN) && evp->dsn_notify != 0) {
		cmd.params |= SMTP_CMD_P_NOTIFY;
		cmd.notify = (int)evp->dsn_notify;
	}
	if ((s->ext.flags & SMTP_EXT_DSN) && relay_text_orcpt(evp->orig_rcpt,
	    cmd.orcpt_type, sizeof(cmd.orcpt_type), cmd.orcpt,
	    sizeof(cmd.orcpt)) == 0)
		cmd.params |= SMTP_CMD_P_ORCPT;
	if (relay_session_send(s, &cmd) == -1) {
		relay_session_verdict(s, RELAY_PERMFAIL, "5.1.3 the recipient "
		    "cannot be sent as a RCPT TO path", 1);
		return;
	}
	s->st = RELAY_ST_RCPT;
}

/* relay_session_on_rcpt - accepted: DATA */
static void
relay_session_on_rcpt(struct relay_session *s)
{
	if (s->rp.code / 100 != 2) {
		relay_session_said(s);
		return;
	}
	relay_session_simple(s, SMTP_CMD_DATA, NULL, RELAY_ST_DATA);
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
			relay_session_verdict(s, RELAY_TEMPFAIL, "4.3.0 cannot "
			    "read the message", 0);
			return;
		}
		if (n == 0) {
			if (smtp_data_stuff_end(&s->out, wire, sizeof(wire),
			    &wlen) == -1)
				panic("relay: no room for the final dot");
			evbuffer_add(out, wire, wlen);
			s->st = RELAY_ST_DOT;
			bufferevent_setcb(s->bev, relay_session_on_read, NULL,
			    relay_session_on_event, s);
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

/* relay_session_on_data - 354: stream the message */
static void
relay_session_on_data(struct relay_session *s)
{
	if (s->rp.code != 354) {
		relay_session_said(s);
		return;
	}
	s->st = RELAY_ST_BODY;
	s->off = 0;
	smtp_data_out_init(&s->out);
	bufferevent_setwatermark(s->bev, EV_WRITE, RELAY_OUT_LOW, 0);
	bufferevent_setcb(s->bev, relay_session_on_read, relay_session_on_write,
	    relay_session_on_event, s);
	relay_session_fill(s);
}

/* relay_session_on_reply - a whole reply arrived: act on it */
static void
relay_session_on_reply(struct relay_session *s)
{
	log_debug("relay %s < %03d %s", s->addr, s->rp.code,
	    smtp_reply_line(&s->rp, 0) ? smtp_reply_line(&s->rp, 0) : "");
	switch (s->st) {
	case RELAY_ST_GREETING:
		relay_session_on_greeting(s);
		break;
	case RELAY_ST_EHLO:
		relay_session_on_ehlo(s);
		break;
	case RELAY_ST_HELO:
		relay_session_on_helo(s);
		break;
	case RELAY_ST_STARTTLS:
		relay_session_on_starttls(s);
		break;
	case RELAY_ST_AUTH:
		relay_session_on_auth(s);
		break;
	case RELAY_ST_MAIL:
		relay_session_on_mail(s);
		break;
	case RELAY_ST_RCPT:
		relay_session_on_rcpt(s);
		break;
	case RELAY_ST_DATA:
		relay_session_on_data(s);
		break;
	case RELAY_ST_BODY:
	case RELAY_ST_DOT:
		relay_session_said(s);
		break;
	default:
		relay_session_hopfail(s, "unexpected reply %03d", s->rp.code);
		break;
	}
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
	if (s->st < RELAY_ST_MAIL) {
		relay_session_hopfail(s, "%s", why);
		return;
	}
	relay_text_fmt(buf, sizeof(buf), "4.4.2 %s at %s [%s]", why,
	    s->hop.name, s->addr);
	relay_session_verdict(s, RELAY_TEMPFAIL, buf, 0);
}

/* relay_session_on_read - whole reply lines through the parser */
static void
relay_session_on_read(struct bufferevent *bev, void *arg)
{
	struct relay_session	*s = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	enum smtp_reply_status	 rs;
	char			*line;
	size_t			 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		if (s->st == RELAY_ST_QUIT) {
			free(line);
			relay_session_free(s);
			return;
		}
		rs = smtp_reply_feed(&s->rp, line, len);
		free(line);
		if (rs == SMTP_REPLY_ERROR) {
			relay_session_broken(s, s->rp.errstr);
			return;
		}
		if (rs == SMTP_REPLY_DONE) {
			relay_session_on_reply(s);
			return;	/* s may be gone; the rest comes next time */
		}
	}
	if (evbuffer_get_length(in) > RELAY_IN_MAX)
		relay_session_broken(s, "reply line too long");
}

/* relay_session_on_write - the body drained: queue more */
static void
relay_session_on_write(struct bufferevent *bev, void *arg)
{
	struct relay_session	*s = arg;

	(void)bev;
	if (s->st == RELAY_ST_BODY)
		relay_session_fill(s);
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
		if (s->st == RELAY_ST_CONNECT && s->scheme == CFG_RELAY_SMTPS)
			relay_session_tls(s);
		else if (s->st == RELAY_ST_CONNECT ||
		    s->scheme == CFG_RELAY_SMTPS) {
			s->tls = s->st == RELAY_ST_HANDSHAKE;
			s->st = RELAY_ST_GREETING;
		} else {
			s->tls = 1;
			relay_session_hello(s);
		}
		return;
	}
	relay_conn_errstr(s->bev, what, why, sizeof(why));
	relay_session_broken(s, why);
}

/*
 * relay_session_new - connect to one address of a job; NULL (the job's
 * last error set) when not even the connection could start
 */
struct relay_session *
relay_session_new(struct relay_job *job, const struct relay_hop *hop)
{
	struct relay_session	*s;
	char			 why[ERRTEXT_MAX];

	s = xcalloc(1, sizeof(*s));
	s->job = job;
	s->hop = *hop;
	s->scheme = job->action->has_host ? job->action->host.scheme :
	    CFG_RELAY_SMTP;
	(void)relay_mx_addrstr(&hop->ss, s->addr, sizeof(s->addr));
	smtp_reply_init(&s->rp);
	if ((s->bev = relay_conn_open(job->action, hop, why,
	    sizeof(why))) == NULL) {
		relay_session_lasterr(s, why);
		free(s);
		return NULL;
	}
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
