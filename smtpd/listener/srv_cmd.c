/*
 * srv_cmd.c - the SMTP commands: one table of verb, allowed states,
 * flags and handler.  The driver answers syntax errors, bad sequences
 * and missing TLS or AUTH in one place; handlers do the rest.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>

#include "cfg.h"
#include "envelope.h"
#include "log.h"
#include "proc.h"
#include "smtp_cmd.h"
#include "smtp_ext.h"
#include "srv.h"
#include "xmalloc.h"

#define SRV_CMD_F_TLS		0x01	/* refused before STARTTLS (tls-require) */
#define SRV_CMD_F_AUTH		0x02	/* refused before AUTH (auth) */

struct srv_cmd {
	enum smtp_cmd_verb	 verb;
	unsigned int		 states;	/* SRV_ST_* */
	unsigned int		 flags;		/* SRV_CMD_F_* */
	void			(*fn)(struct srv_session *,
				    const struct smtp_cmd *);
};

static void	srv_cmd_helo(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_mail(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_rcpt(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_data(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_bdat(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_rset(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_noop(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_quit(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_vrfy(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_expn(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_help(struct srv_session *, const struct smtp_cmd *);
static void	srv_cmd_starttls(struct srv_session *,
		    const struct smtp_cmd *);
static void	srv_cmd_auth(struct srv_session *, const struct smtp_cmd *);

#define SRV_ST_TX	(SRV_ST_MAIL | SRV_ST_RCPT)

static const struct srv_cmd srv_cmds[] = {
	/* verb		allowed in		flags		handler */
	{ SMTP_CMD_HELO,	SRV_ST_ANY & ~SRV_ST_BDAT, 0,	srv_cmd_helo },
	{ SMTP_CMD_EHLO,	SRV_ST_ANY & ~SRV_ST_BDAT, 0,	srv_cmd_helo },
	{ SMTP_CMD_MAIL,	SRV_ST_HELO,	SRV_CMD_F_TLS | SRV_CMD_F_AUTH,
								srv_cmd_mail },
	{ SMTP_CMD_RCPT,	SRV_ST_TX,	SRV_CMD_F_TLS,	srv_cmd_rcpt },
	{ SMTP_CMD_DATA,	SRV_ST_TX,	SRV_CMD_F_TLS,	srv_cmd_data },
	{ SMTP_CMD_BDAT,	SRV_ST_TX | SRV_ST_BDAT, SRV_CMD_F_TLS,
								srv_cmd_bdat },
	{ SMTP_CMD_RSET,	SRV_ST_ANY,	0,		srv_cmd_rset },
	{ SMTP_CMD_NOOP,	SRV_ST_ANY,	0,		srv_cmd_noop },
	{ SMTP_CMD_QUIT,	SRV_ST_ANY,	0,		srv_cmd_quit },
	{ SMTP_CMD_VRFY,	SRV_ST_ANY & ~SRV_ST_BDAT, 0,	srv_cmd_vrfy },
	{ SMTP_CMD_EXPN,	SRV_ST_ANY & ~SRV_ST_BDAT, 0,	srv_cmd_expn },
	{ SMTP_CMD_HELP,	SRV_ST_ANY,	0,		srv_cmd_help },
	{ SMTP_CMD_STARTTLS,	SRV_ST_CONNECTED | SRV_ST_HELO, 0,
							srv_cmd_starttls },
	{ SMTP_CMD_AUTH,	SRV_ST_HELO,	0,		srv_cmd_auth },
};

/* srv_cmd_tls_offered - STARTTLS can still be offered */
static int
srv_cmd_tls_offered(const struct srv_session *ss)
{
	const struct cfg_listener	*l = ss->listener->cfg;

	return l != NULL && ss->listener->tls != NULL &&
	    (l->tls == CFG_TLS_STARTTLS || l->tls == CFG_TLS_REQUIRE) &&
	    !(ss->flags & SRV_F_TLS);
}

/* srv_cmd_auth_offered - AUTH is offered now (after TLS only) */
static int
srv_cmd_auth_offered(const struct srv_session *ss)
{
	const struct cfg_listener	*l = ss->listener->cfg;

	return l != NULL && l->auth != CFG_AUTH_NONE &&
	    (ss->flags & SRV_F_TLS);
}

/* srv_cmd_parse_flags - what smtp_cmd_parse may accept in this session */
int
srv_cmd_parse_flags(const struct srv_session *ss)
{
	const struct cfg_listener	*l = ss->listener->cfg;
	int				 f;

	if (!(ss->flags & SRV_F_EHLO))
		return 0;
	f = SMTP_CMD_F_SIZE | SMTP_CMD_F_8BITMIME | SMTP_CMD_F_SMTPUTF8 |
	    SMTP_CMD_F_CHUNKING;
	if (l == NULL || !l->no_dsn)
		f |= SMTP_CMD_F_DSN;
	if (srv_cmd_auth_offered(ss))
		f |= SMTP_CMD_F_AUTH;
	if (ss->tx != NULL && ss->tx->utf8)
		f |= SMTP_CMD_F_TX_UTF8;
	return f;
}

/* srv_cmd_find - the table row of a verb */
static const struct srv_cmd *
srv_cmd_find(enum smtp_cmd_verb verb)
{
	size_t	i;

	for (i = 0; i < sizeof(srv_cmds) / sizeof(srv_cmds[0]); i++)
		if (srv_cmds[i].verb == verb)
			return &srv_cmds[i];
	return NULL;
}

/* srv_cmd_skip_chunk - a refused BDAT: its octets are read and dropped */
void
srv_cmd_skip_chunk(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	if (cmd->verb != SMTP_CMD_BDAT)
		return;
	ss->chunk_left = cmd->size;
	ss->chunk_skip = 1;
	ss->input = SRV_IN_CHUNK;
}

/* srv_cmd_guard - the driver's refusals: TLS, sequence, AUTH; 0 to go on */
static int
srv_cmd_guard(struct srv_session *ss, const struct srv_cmd *c,
    const struct smtp_cmd *cmd)
{
	const struct cfg_listener	*l = ss->listener->cfg;

	if ((c->flags & SRV_CMD_F_TLS) && l != NULL &&
	    l->tls == CFG_TLS_REQUIRE && !(ss->flags & SRV_F_TLS)) {
		srv_reply(ss, 530, "5.7.0", "Must issue a STARTTLS command first");
		srv_cmd_skip_chunk(ss, cmd);
		return -1;
	}
	if (!(c->states & ss->state)) {
		srv_cmd_skip_chunk(ss, cmd);
		srv_reply(ss, 503, "5.5.1", "Bad sequence of commands");
		srv_session_strike(ss);
		return -1;
	}
	if ((c->flags & SRV_CMD_F_AUTH) && l != NULL &&
	    l->auth == CFG_AUTH_REQUIRE && !(ss->flags & SRV_F_AUTH)) {
		srv_reply(ss, 530, "5.7.0", "Authentication required");
		return -1;
	}
	return 0;
}

/* srv_cmd_line - parse and run one command line */
void
srv_cmd_line(struct srv_session *ss, const char *line, size_t len)
{
	struct smtp_cmd		*cmd;
	const struct srv_cmd	*c;

	cmd = xmalloc(sizeof(*cmd));
	if (smtp_cmd_parse(line, len, srv_cmd_parse_flags(ss), cmd,
	    NULL, 0) == -1) {
		srv_reply(ss, cmd->err.code, cmd->err.enhanced, "%s",
		    cmd->err.text);
		srv_session_strike(ss);
	} else if ((c = srv_cmd_find(cmd->verb)) == NULL) {
		srv_reply(ss, 500, "5.5.2", "Command unrecognized");
		srv_session_strike(ss);
	} else if (srv_cmd_guard(ss, c, cmd) == 0)
		srv_filter_cmd(ss, c->fn, cmd);
	explicit_bzero(cmd, sizeof(*cmd));
	free(cmd);
}

/* srv_cmd_ehlo_reply - the EHLO reply with this session's extensions */
static void
srv_cmd_ehlo_reply(struct srv_session *ss)
{
	const struct cfg_listener	*l = ss->listener->cfg;
	struct smtp_ext			 ext;
	char				 buf[2048];

	memset(&ext, 0, sizeof(ext));
	ext.flags = SMTP_EXT_PIPELINING | SMTP_EXT_SIZE | SMTP_EXT_8BITMIME |
	    SMTP_EXT_ENHANCEDSTATUSCODES | SMTP_EXT_SMTPUTF8 |
	    SMTP_EXT_CHUNKING | SMTP_EXT_HELP;
	if (l == NULL || !l->no_dsn)
		ext.flags |= SMTP_EXT_DSN;
	if (srv_cmd_tls_offered(ss))
		ext.flags |= SMTP_EXT_STARTTLS;
	if (srv_cmd_auth_offered(ss)) {
		ext.flags |= SMTP_EXT_AUTH;
		strlcpy(ext.auth, "PLAIN LOGIN", sizeof(ext.auth));
	}
	ext.size = (uint64_t)ss->srv->env->cfg->smtp.max_message_size;
	if (smtp_ext_advertise(&ext, srv_hostname(ss), "Hello", buf,
	    sizeof(buf)) == -1)
		panic("srv_cmd_ehlo_reply: cannot format the EHLO reply");
	bufferevent_write(ss->bev, buf, strlen(buf));
	srv_fevent_replies(ss, buf);
}

/* srv_cmd_limit - a limit refuses the command: log it and say so */
static void
srv_cmd_limit(struct srv_session *ss, const char *what, int code,
    const char *enhanced, const char *text)
{
	log_info("%016llx smtp event=refused reason=%s code=%d",
	    (unsigned long long)ss->id, what, code);
	srv_reply(ss, code, enhanced, "%s", text);
}

/* srv_cmd_helo - HELO and EHLO: a fresh start with a client name */
static void
srv_cmd_helo(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	srv_tx_reset(ss);
	free(ss->helo);
	ss->helo = xstrdup(cmd->arg);
	ss->state = SRV_ST_HELO;
	srv_fevent(ss, IPC_FEV_LINK_IDENTIFY, 0, cmd->verb == SMTP_CMD_EHLO,
	    0, cmd->arg);
	if (cmd->verb == SMTP_CMD_EHLO) {
		ss->flags |= SRV_F_EHLO;
		srv_cmd_ehlo_reply(ss);
	} else {
		ss->flags &= ~SRV_F_EHLO;
		srv_reply(ss, 250, NULL, "%s Hello", srv_hostname(ss));
	}
}

/* srv_cmd_mail - MAIL FROM: limits here, the rest by the lookup; the
 * queue opens the transaction once the lookup accepted it */
static void
srv_cmd_mail(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	const struct cfg	*cfg = ss->srv->env->cfg;
	struct srv_tx		*tx;

	if (ss->nmails >= (unsigned int)cfg->smtp.max_mails) {
		srv_cmd_limit(ss, "max-mails", 452, "4.5.3",
		    "Too many messages sent");
		return;
	}
	if ((cmd->params & SMTP_CMD_P_SIZE) &&
	    cmd->size > (uint64_t)cfg->smtp.max_message_size) {
		srv_cmd_limit(ss, "max-message-size", 552, "5.3.4",
		    "Message too big");
		return;
	}
	srv_tx_reset(ss);
	ss->tx = tx = xcalloc(1, sizeof(*tx));
	tx->fd = -1;
	strlcpy(tx->sender, cmd->addr.text, sizeof(tx->sender));
	if (cmd->body == SMTP_CMD_BODY_8BITMIME)
		tx->evflags |= ENVELOPE_F_8BITMIME;
	if (cmd->params & SMTP_CMD_P_SMTPUTF8) {
		tx->evflags |= ENVELOPE_F_SMTPUTF8;
		tx->utf8 = 1;
	}
	if (cmd->params & SMTP_CMD_P_RET)
		tx->ret = cmd->ret == SMTP_CMD_RET_FULL ? ENVELOPE_RET_FULL :
		    ENVELOPE_RET_HDRS;
	strlcpy(tx->envid, cmd->envid, sizeof(tx->envid));
	srv_lookup_mail(ss, tx->sender);
}

/* srv_cmd_notify - NOTIFY= as envelope flags */
static uint32_t
srv_cmd_notify(int notify)
{
	uint32_t	n = 0;

	if (notify & SMTP_CMD_NOTIFY_NEVER)
		n |= ENVELOPE_DSN_NEVER;
	if (notify & SMTP_CMD_NOTIFY_SUCCESS)
		n |= ENVELOPE_DSN_SUCCESS;
	if (notify & SMTP_CMD_NOTIFY_FAILURE)
		n |= ENVELOPE_DSN_FAILURE;
	if (notify & SMTP_CMD_NOTIFY_DELAY)
		n |= ENVELOPE_DSN_DELAY;
	return n;
}

/* srv_cmd_rcpt - RCPT TO: the limit here, the verdict by the lookup
 * (through the queue) */
static void
srv_cmd_rcpt(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	struct srv_tx	*tx = ss->tx;

	if (tx->nrcpt >= (size_t)ss->srv->env->cfg->smtp.max_rcpt) {
		if (tx->over_rcpt++ == 0)	/* the rest: srv_tx_free */
			srv_cmd_limit(ss, "max-rcpt", 452, "4.5.3",
			    "Too many recipients");
		else
			srv_reply(ss, 452, "4.5.3", "Too many recipients");
		return;
	}
	strlcpy(tx->cur_rcpt, cmd->addr.text, sizeof(tx->cur_rcpt));
	free(tx->cur_orcpt);
	tx->cur_orcpt = NULL;
	if (cmd->params & SMTP_CMD_P_ORCPT)
		xasprintf(&tx->cur_orcpt, "%s;%s", cmd->orcpt_type,
		    cmd->orcpt);
	tx->cur_notify = srv_cmd_notify(cmd->notify);
	srv_lookup_rcpt(ss, tx->cur_rcpt);
}

/* srv_cmd_data - DATA: needs a recipient */
static void
srv_cmd_data(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (ss->tx->nrcpt == 0) {
		srv_reply(ss, 554, "5.5.1", "No valid recipients");
		return;
	}
	srv_tx_data(ss);
}

/* srv_cmd_bdat - BDAT: one chunk */
static void
srv_cmd_bdat(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	srv_tx_bdat(ss, cmd);
}

/* srv_cmd_rset - RSET: drop the transaction */
static void
srv_cmd_rset(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	(void)cmd;
	srv_tx_reset(ss);
	if (ss->state != SRV_ST_CONNECTED)
		ss->state = SRV_ST_HELO;
	srv_reply(ss, 250, "2.0.0", "Reset state");
}

/* srv_cmd_noop - NOOP */
static void
srv_cmd_noop(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	(void)cmd;
	srv_reply(ss, 250, "2.0.0", "Ok");
}

/* srv_cmd_quit - QUIT: say goodbye and close */
static void
srv_cmd_quit(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	(void)cmd;
	srv_reply(ss, 221, "2.0.0", "Bye");
	srv_session_close(ss);
}

/* srv_cmd_vrfy - VRFY never tells whether a mailbox exists */
static void
srv_cmd_vrfy(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	(void)cmd;
	srv_reply(ss, 252, "2.5.2",
	    "Cannot VRFY user, but will accept message and attempt delivery");
}

/* srv_cmd_expn - EXPN is not offered */
static void
srv_cmd_expn(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	(void)cmd;
	srv_reply(ss, 502, "5.5.1", "EXPN not supported");
}

/* srv_cmd_help - HELP: the commands */
static void
srv_cmd_help(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	(void)cmd;
	srv_reply(ss, 214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA BDAT "
	    "RSET NOOP QUIT HELP VRFY EXPN%s%s",
	    srv_cmd_tls_offered(ss) ? " STARTTLS" : "",
	    srv_cmd_auth_offered(ss) ? " AUTH" : "");
}

/* srv_cmd_starttls - STARTTLS: the handshake starts once 220 is out */
static void
srv_cmd_starttls(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (!srv_cmd_tls_offered(ss)) {
		srv_reply(ss, ss->flags & SRV_F_TLS ? 503 : 502, "5.5.1",
		    "TLS not available");
		srv_session_strike(ss);
		return;
	}
	srv_reply(ss, 220, "2.0.0", "Ready to start TLS");
	ss->flags |= SRV_F_STARTTLS;
	ss->input = SRV_IN_WAIT;
}

/* srv_cmd_auth - AUTH: offered only inside TLS, once */
static void
srv_cmd_auth(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	if (!srv_cmd_auth_offered(ss)) {
		srv_reply(ss, 503, "5.5.1", "AUTH not available");
		srv_session_strike(ss);
		return;
	}
	if (ss->flags & SRV_F_AUTH) {
		srv_reply(ss, 503, "5.5.1", "Already authenticated");
		srv_session_strike(ss);
		return;
	}
	srv_auth_start(ss, cmd);
}
