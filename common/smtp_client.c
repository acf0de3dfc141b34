/*
 * smtp_client.c - the SMTP and LMTP client engine (see smtp_client.h):
 * one handler per awaited reply, chosen from a table by state, and the
 * verdict of a reply code.  Paths, the AUTH PLAIN token, ORCPT halves
 * and texts are smtp_client_text.c's.
 *
 * Commands are built as struct smtp_cmd (MAIL and RCPT in
 * smtp_client_cmd.c) and formatted by smtp_cmd_format, so their syntax
 * is the one the listener parses.  A pipelined group is handed out one
 * line per smtp_client_next; its replies are matched in order, each
 * recipient's to the next one sent without a verdict.
 */
#include <stdio.h>
#include <string.h>

#include "smtp_client.h"
#include "smtp_cmd.h"

typedef void (*smtp_client_on_reply)(struct smtp_client *,
    const struct smtp_reply_parser *);

static void	smtp_client_on_greeting(struct smtp_client *,
		    const struct smtp_reply_parser *);
static void	smtp_client_on_ehlo(struct smtp_client *,
		    const struct smtp_reply_parser *);
static void	smtp_client_on_helo(struct smtp_client *,
		    const struct smtp_reply_parser *);
static void	smtp_client_on_starttls(struct smtp_client *,
		    const struct smtp_reply_parser *);
static void	smtp_client_on_auth(struct smtp_client *,
		    const struct smtp_reply_parser *);
static void	smtp_client_on_rset(struct smtp_client *,
		    const struct smtp_reply_parser *);
static void	smtp_client_on_mail(struct smtp_client *,
		    const struct smtp_reply_parser *);
static void	smtp_client_on_rcpt(struct smtp_client *,
		    const struct smtp_reply_parser *);
static void	smtp_client_on_data(struct smtp_client *,
		    const struct smtp_reply_parser *);
static void	smtp_client_on_dot(struct smtp_client *,
		    const struct smtp_reply_parser *);

/* what to do with the reply awaited in each state; NULL: none is */
static const smtp_client_on_reply smtp_client_handlers[] = {
	[SMTP_CLIENT_S_GREETING]	= smtp_client_on_greeting,
	[SMTP_CLIENT_S_EHLO]		= smtp_client_on_ehlo,
	[SMTP_CLIENT_S_HELO]		= smtp_client_on_helo,
	[SMTP_CLIENT_S_STARTTLS]	= smtp_client_on_starttls,
	[SMTP_CLIENT_S_TLS]		= NULL,
	[SMTP_CLIENT_S_AUTH]		= smtp_client_on_auth,
	[SMTP_CLIENT_S_RSET]		= smtp_client_on_rset,
	[SMTP_CLIENT_S_MAIL]		= smtp_client_on_mail,
	[SMTP_CLIENT_S_RCPT]		= smtp_client_on_rcpt,
	[SMTP_CLIENT_S_DATA]		= smtp_client_on_data,
	[SMTP_CLIENT_S_DOT]		= smtp_client_on_dot,
	[SMTP_CLIENT_S_QUIT]		= NULL,
	[SMTP_CLIENT_S_DONE]		= NULL,
};

/* the name of each step in results */
static const char *const smtp_client_steps[] = {
	[SMTP_CLIENT_S_GREETING]	= "greeting",
	[SMTP_CLIENT_S_EHLO]		= "EHLO",
	[SMTP_CLIENT_S_HELO]		= "HELO",
	[SMTP_CLIENT_S_STARTTLS]	= "STARTTLS",
	[SMTP_CLIENT_S_TLS]		= "TLS",
	[SMTP_CLIENT_S_AUTH]		= "AUTH",
	[SMTP_CLIENT_S_RSET]		= "RSET",
	[SMTP_CLIENT_S_MAIL]		= "MAIL",
	[SMTP_CLIENT_S_RCPT]		= "RCPT",
	[SMTP_CLIENT_S_DATA]		= "DATA",
	[SMTP_CLIENT_S_DOT]		= "message",
	[SMTP_CLIENT_S_QUIT]		= "QUIT",
	[SMTP_CLIENT_S_DONE]		= "end",
};

/* smtp_client_set - a result of the current step: a reply or a reason */
static void
smtp_client_set(const struct smtp_client *c, struct smtp_client_result *r,
    enum smtp_client_verdict v, const struct smtp_reply_parser *rp,
    const char *why)
{
	r->verdict = v;
	r->step = c->st == SMTP_CLIENT_S_EHLO &&
	    (c->p.flags & SMTP_CLIENT_F_LMTP) ? "LHLO" :
	    smtp_client_steps[c->st];
	r->addr = NULL;
	if (c->st == SMTP_CLIENT_S_MAIL)
		r->addr = c->p.sender;
	else if (c->st == SMTP_CLIENT_S_RCPT && c->rcpt < c->p.nrcpts)
		r->addr = c->p.rcpts[c->rcpt].addr;
	r->code = rp != NULL ? rp->code : 0;
	(void)strlcpy(r->enhanced, rp != NULL ? rp->enhanced : "",
	    sizeof(r->enhanced));
	if (rp != NULL)
		smtp_client_text_reply(rp, r->text, sizeof(r->text));
	else {
		(void)strlcpy(r->text, why, sizeof(r->text));
		smtp_client_text_clean(r->text);
	}
}

/*
 * smtp_client_end - the outcome is known: r is the session's, and that
 * of every recipient still without one; QUIT follows when quit is set
 */
static void
smtp_client_end(struct smtp_client *c, const struct smtp_client_result *r,
    int quit)
{
	size_t	i;

	c->res = *r;
	for (i = 0; i < c->p.nrcpts; i++)
		if (c->p.rcpts[i].res.verdict == SMTP_CLIENT_V_NONE)
			c->p.rcpts[i].res = *r;
	c->quit = quit;
	c->todo = SMTP_CLIENT_A_RESULT;
}

/* smtp_client_finish - end the session on a reply or a reason */
static void
smtp_client_finish(struct smtp_client *c, enum smtp_client_verdict v,
    const struct smtp_reply_parser *rp, const char *why, int quit)
{
	struct smtp_client_result	r;

	smtp_client_set(c, &r, v, rp, why);
	smtp_client_end(c, &r, quit);
}

/* smtp_client_pipelining - whether MAIL, RCPT and DATA go as a group */
static int
smtp_client_pipelining(const struct smtp_client *c)
{
	return (c->p.flags & SMTP_CLIENT_F_PIPELINING) &&
	    !(c->p.flags & SMTP_CLIENT_F_ALLRCPT) &&
	    (c->ext.flags & SMTP_EXT_PIPELINING);
}

/* smtp_client_format - cmd is the next line to send; 0 / -1 */
static int
smtp_client_format(struct smtp_client *c, const struct smtp_cmd *cmd)
{
	if (smtp_cmd_format(cmd, c->line, sizeof(c->line)) == -1)
		return -1;
	c->linelen = strlen(c->line);
	c->todo = SMTP_CLIENT_A_SEND;
	return 0;
}

/* smtp_client_send - cmd is the next line, st the reply it awaits; 0/-1 */
static int
smtp_client_send(struct smtp_client *c, const struct smtp_cmd *cmd,
    enum smtp_client_state st)
{
	c->st = st;
	return smtp_client_format(c, cmd);
}

/* smtp_client_verb - send a command with at most a plain argument */
static int
smtp_client_verb(struct smtp_client *c, enum smtp_cmd_verb verb,
    const char *arg, enum smtp_client_state st)
{
	struct smtp_cmd	cmd;

	c->st = st;
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = verb;
	if (arg != NULL && strlcpy(cmd.arg, arg, sizeof(cmd.arg)) >=
	    sizeof(cmd.arg))
		return -1;
	return smtp_client_send(c, &cmd, st);
}

/* smtp_client_init - a session about to read the server's greeting */
void
smtp_client_init(struct smtp_client *c, const struct smtp_client_params *p)
{
	size_t	i;

	memset(c, 0, sizeof(*c));
	c->p = *p;
	c->st = SMTP_CLIENT_S_GREETING;
	c->todo = SMTP_CLIENT_A_READ;
	c->tls = (p->flags & SMTP_CLIENT_F_TLS) != 0;
	for (i = 0; i < p->nrcpts; i++) {
		p->rcpts[i].accepted = 0;
		memset(&p->rcpts[i].res, 0, sizeof(p->rcpts[i].res));
	}
}

static void	smtp_client_pipe_more(struct smtp_client *);

/*
 * smtp_client_next - what the driver does now; with SMTP_CLIENT_A_SEND,
 * line and len give the command line, CRLF included
 */
enum smtp_client_action
smtp_client_next(struct smtp_client *c, const char **line, size_t *len)
{
	enum smtp_client_action	a;

	if (c->more && c->todo == SMTP_CLIENT_A_READ)
		smtp_client_pipe_more(c);
	a = c->todo;
	*line = NULL;
	*len = 0;
	switch (a) {
	case SMTP_CLIENT_A_SEND:
		*line = c->line;
		*len = c->linelen;
		c->todo = SMTP_CLIENT_A_READ;
		break;
	case SMTP_CLIENT_A_BODY:
		c->todo = SMTP_CLIENT_A_READ;
		break;
	case SMTP_CLIENT_A_RESULT:
		if (!c->quit || smtp_client_verb(c, SMTP_CMD_QUIT, NULL,
		    SMTP_CLIENT_S_QUIT) == -1) {
			c->st = SMTP_CLIENT_S_DONE;
			c->todo = SMTP_CLIENT_A_DONE;
		}
		break;
	default:
		break;
	}
	return a;
}

/*
 * smtp_client_run - the session to its end over a blocking driver's
 * I/O (LMTP delivery, sendmail's enqueue); every failure of the I/O
 * breaks the session, and no driver of this kind does TLS
 */
void
smtp_client_run(struct smtp_client *c, const struct smtp_client_io *io,
    void *arg)
{
	const struct smtp_reply_parser	*rp;
	const char			*line;
	char				 err[ERRTEXT_MAX];
	enum smtp_client_action		 a;
	size_t				 len;

	while ((a = smtp_client_next(c, &line, &len)) != SMTP_CLIENT_A_DONE) {
		err[0] = '\0';
		if (a == SMTP_CLIENT_A_SEND && io->send(arg, line, len,
		    err, sizeof(err)) == -1)
			smtp_client_broken(c, err[0] != '\0' ? err : NULL);
		else if (a == SMTP_CLIENT_A_READ) {
			if ((rp = io->read(arg, err, sizeof(err))) == NULL)
				smtp_client_broken(c,
				    err[0] != '\0' ? err : NULL);
			else
				smtp_client_reply(c, rp);
		} else if (a == SMTP_CLIENT_A_BODY &&
		    io->body(arg, err, sizeof(err)) == -1)
			smtp_client_broken(c, err[0] != '\0' ? err : NULL);
		else if (a == SMTP_CLIENT_A_TLS)
			smtp_client_broken(c, "TLS is not available here");
	}
}

/* smtp_client_reply - a whole reply (or a failed parser) arrived */
void
smtp_client_reply(struct smtp_client *c, const struct smtp_reply_parser *rp)
{
	char	why[64];

	if (c->st == SMTP_CLIENT_S_AUTH)
		explicit_bzero(c->line, sizeof(c->line));
	if (!rp->done || rp->failed) {
		smtp_client_broken(c, rp->err[0] != '\0' ? rp->err :
		    "incomplete reply");
		return;
	}
	if (c->st == SMTP_CLIENT_S_QUIT && c->todo == SMTP_CLIENT_A_READ) {
		c->st = SMTP_CLIENT_S_DONE;
		c->todo = SMTP_CLIENT_A_DONE;
		return;
	}
	if (c->todo != SMTP_CLIENT_A_READ ||
	    smtp_client_handlers[c->st] == NULL) {
		(void)snprintf(why, sizeof(why), "unexpected reply %03d",
		    rp->code);
		smtp_client_broken(c, why);
		return;
	}
	smtp_client_handlers[c->st](c, rp);
}

/*
 * smtp_client_broken - the connection cannot go on (closed, timed out,
 * a malformed reply): before MAIL FROM the server could not be used,
 * afterwards the destination failed; nothing more is sent
 */
void
smtp_client_broken(struct smtp_client *c, const char *why)
{
	explicit_bzero(c->line, sizeof(c->line));
	if (why == NULL)
		why = "connection broken";
	if (c->res.verdict != SMTP_CLIENT_V_NONE) {
		c->quit = 0;
		if (c->todo != SMTP_CLIENT_A_RESULT) {
			c->st = SMTP_CLIENT_S_DONE;
			c->todo = SMTP_CLIENT_A_DONE;
		}
		return;
	}
	smtp_client_finish(c, c->st < SMTP_CLIENT_S_MAIL ? SMTP_CLIENT_V_HOST :
	    SMTP_CLIENT_V_TEMPFAIL, NULL, why, 0);
}

/*
 * smtp_client_reusable - the transaction ended with every reply read,
 * no failure of the destination and no 421: another may follow
 */
int
smtp_client_reusable(const struct smtp_client *c)
{
	enum smtp_client_verdict	v = c->res.verdict;

	return c->quit && c->res.code != 421 && (c->todo ==
	    SMTP_CLIENT_A_RESULT || (c->st == SMTP_CLIENT_S_QUIT &&
	    c->todo == SMTP_CLIENT_A_SEND)) && (v == SMTP_CLIENT_V_OK ||
	    v == SMTP_CLIENT_V_TEMPFAIL_RCPT || v == SMTP_CLIENT_V_PERMFAIL);
}

/* smtp_client_unsent - MAIL FROM has not gone: recipients may change */
int
smtp_client_unsent(const struct smtp_client *c)
{
	return c->st < SMTP_CLIENT_S_MAIL && c->pipe == SMTP_CLIENT_P_NONE &&
	    c->res.verdict == SMTP_CLIENT_V_NONE;
}

/*
 * smtp_client_rcpts - the recipients of the transaction, anew, while
 * MAIL FROM has not gone; 0 / -1
 */
int
smtp_client_rcpts(struct smtp_client *c, struct smtp_client_rcpt *r,
    size_t n)
{
	size_t	i;

	if (!smtp_client_unsent(c))
		return -1;
	for (i = 0; i < n; i++) {
		r[i].accepted = 0;
		memset(&r[i].res, 0, sizeof(r[i].res));
	}
	c->p.rcpts = r;
	c->p.nrcpts = n;
	return 0;
}

/*
 * smtp_client_again - the next transaction on a reusable connection:
 * RSET, with MAIL and the rest behind it when pipelining; 0 / -1
 */
int
smtp_client_again(struct smtp_client *c, const struct smtp_client_params *p)
{
	size_t	i;

	if (!smtp_client_reusable(c))
		return -1;
	c->p = *p;
	for (i = 0; i < p->nrcpts; i++) {
		p->rcpts[i].accepted = 0;
		memset(&p->rcpts[i].res, 0, sizeof(p->rcpts[i].res));
	}
	memset(&c->res, 0, sizeof(c->res));
	c->quit = 0;
	c->rcpt = c->naccepted = c->sendi = c->nsent = 0;
	c->pipe = smtp_client_pipelining(c) ? SMTP_CLIENT_P_MAIL :
	    SMTP_CLIENT_P_NONE;
	c->more = c->pipe == SMTP_CLIENT_P_MAIL;
	return smtp_client_verb(c, SMTP_CMD_RSET, NULL, SMTP_CLIENT_S_RSET);
}

/* smtp_client_hello - EHLO, or LHLO for LMTP */
static void
smtp_client_hello(struct smtp_client *c)
{
	if (smtp_client_verb(c, c->p.flags & SMTP_CLIENT_F_LMTP ?
	    SMTP_CMD_LHLO : SMTP_CMD_EHLO, c->p.helo, SMTP_CLIENT_S_EHLO) == -1)
		smtp_client_finish(c, SMTP_CLIENT_V_HOST, NULL,
		    "our host name is too long", 0);
}

/* smtp_client_tls_done - TLS is up after STARTTLS: greet again */
void
smtp_client_tls_done(struct smtp_client *c)
{
	if (c->st != SMTP_CLIENT_S_TLS)
		return;
	c->tls = 1;
	smtp_client_hello(c);
}

/* smtp_client_on_greeting - 220, or this server cannot be used */
static void
smtp_client_on_greeting(struct smtp_client *c,
    const struct smtp_reply_parser *rp)
{
	if (rp->code != 220) {
		smtp_client_finish(c, SMTP_CLIENT_V_HOST, rp, NULL, 0);
		return;
	}
	smtp_client_hello(c);
}

static void	smtp_client_ready(struct smtp_client *);

/* smtp_client_on_ehlo - learn the extensions; HELO after a 5xx (SMTP) */
static void
smtp_client_on_ehlo(struct smtp_client *c, const struct smtp_reply_parser *rp)
{
	if (rp->code == 250) {
		if (smtp_ext_parse(&c->ext, rp) == -1)
			memset(&c->ext, 0, sizeof(c->ext));
		smtp_client_ready(c);
		return;
	}
	if (rp->code / 100 == 5 && !(c->p.flags & SMTP_CLIENT_F_LMTP) &&
	    smtp_client_verb(c, SMTP_CMD_HELO, c->p.helo,
	    SMTP_CLIENT_S_HELO) == 0)
		return;
	smtp_client_finish(c, SMTP_CLIENT_V_HOST, rp, NULL, 0);
}

/* smtp_client_on_helo - 250: no extensions at all */
static void
smtp_client_on_helo(struct smtp_client *c, const struct smtp_reply_parser *rp)
{
	if (rp->code != 250) {
		smtp_client_finish(c, SMTP_CLIENT_V_HOST, rp, NULL, 0);
		return;
	}
	memset(&c->ext, 0, sizeof(c->ext));
	smtp_client_ready(c);
}

/* smtp_client_on_starttls - 220: TLS; refused: go on in clear if allowed */
static void
smtp_client_on_starttls(struct smtp_client *c,
    const struct smtp_reply_parser *rp)
{
	if (rp->code == 220) {
		c->st = SMTP_CLIENT_S_TLS;
		c->todo = SMTP_CLIENT_A_TLS;
		return;
	}
	if (c->p.flags & (SMTP_CLIENT_F_TLS_REQUIRED | SMTP_CLIENT_F_AUTH)) {
		smtp_client_finish(c, SMTP_CLIENT_V_HOST, rp, NULL, 0);
		return;
	}
	c->ext.flags &= ~SMTP_EXT_STARTTLS;
	smtp_client_ready(c);
}

/* smtp_client_auth - AUTH PLAIN with the credentials, inside TLS */
static void
smtp_client_auth(struct smtp_client *c)
{
	struct smtp_cmd	cmd;

	c->st = SMTP_CLIENT_S_AUTH;
	if (c->p.user == NULL) {
		smtp_client_finish(c, SMTP_CLIENT_V_TEMPFAIL, NULL, "4.7.0 no "
		    "credentials for this host in the auth table", 1);
		return;
	}
	if (!(c->ext.flags & SMTP_EXT_AUTH) ||
	    !smtp_ext_auth_has(&c->ext, "PLAIN")) {
		smtp_client_finish(c, SMTP_CLIENT_V_HOST, NULL,
		    "AUTH PLAIN not offered", 0);
		return;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = SMTP_CMD_AUTH;
	(void)strlcpy(cmd.mech, "PLAIN", sizeof(cmd.mech));
	if (smtp_client_text_plain(cmd.arg, sizeof(cmd.arg), c->p.user,
	    c->p.pass != NULL ? c->p.pass : "") == -1 ||
	    smtp_client_send(c, &cmd, SMTP_CLIENT_S_AUTH) == -1)
		smtp_client_finish(c, SMTP_CLIENT_V_TEMPFAIL, NULL,
		    "4.7.0 credentials too long", 1);
	explicit_bzero(&cmd, sizeof(cmd));
}

/* smtp_client_mail - MAIL FROM, or the reason it cannot be sent */
static void
smtp_client_mail(struct smtp_client *c)
{
	struct smtp_cmd	cmd;
	char		why[ERRTEXT_MAX];
	int		r;

	c->st = SMTP_CLIENT_S_MAIL;
	if ((r = smtp_client_cmd_mail(c, &cmd)) == -2) {
		(void)snprintf(why, sizeof(why), "5.6.7 %s%s does not offer "
		    "SMTPUTF8, which the addresses need", c->p.host ? "host " :
		    "the server", c->p.host ? c->p.host : "");
		smtp_client_finish(c, SMTP_CLIENT_V_PERMFAIL, NULL, why, 1);
	} else if (r == -1 || smtp_client_send(c, &cmd, SMTP_CLIENT_S_MAIL) ==
	    -1)
		smtp_client_finish(c, SMTP_CLIENT_V_PERMFAIL, NULL, "5.1.7 the "
		    "sender cannot be sent as a MAIL FROM path", 1);
	else if (smtp_client_pipelining(c)) {
		c->pipe = SMTP_CLIENT_P_RCPT;
		c->more = 1;
	}
}

/*
 * smtp_client_ready - greeted: STARTTLS when offered and wanted, a
 * failure when TLS is needed and missing, AUTH when asked, MAIL FROM
 */
static void
smtp_client_ready(struct smtp_client *c)
{
	const char	*why = NULL;

	if (!c->tls && (c->p.flags & SMTP_CLIENT_F_STARTTLS) &&
	    (c->ext.flags & SMTP_EXT_STARTTLS)) {
		(void)smtp_client_verb(c, SMTP_CMD_STARTTLS, NULL,
		    SMTP_CLIENT_S_STARTTLS);
		return;
	}
	if (!c->tls && (c->p.flags & SMTP_CLIENT_F_AUTH))
		why = "credentials need TLS, none offered";
	else if (!c->tls && (c->p.flags & SMTP_CLIENT_F_TLS_REQUIRED))
		why = "TLS is required but not offered";
	if (why != NULL)
		smtp_client_finish(c, SMTP_CLIENT_V_HOST, NULL, why, 0);
	else if (c->p.flags & SMTP_CLIENT_F_AUTH)
		smtp_client_auth(c);
	else
		smtp_client_mail(c);
}

/* smtp_client_on_auth - 235: MAIL FROM; anything else fails the host */
static void
smtp_client_on_auth(struct smtp_client *c, const struct smtp_reply_parser *rp)
{
	if (rp->code == 235)
		smtp_client_mail(c);
	else
		smtp_client_finish(c, SMTP_CLIENT_V_TEMPFAIL, rp, NULL, 1);
}

/* smtp_client_badrcpt - recipient i has no path RCPT TO could carry */
static void
smtp_client_badrcpt(struct smtp_client *c, size_t i)
{
	enum smtp_client_state	st = c->st;
	size_t			rcpt = c->rcpt;

	c->st = SMTP_CLIENT_S_RCPT;
	c->rcpt = i;
	smtp_client_set(c, &c->p.rcpts[i].res, SMTP_CLIENT_V_PERMFAIL, NULL,
	    "5.1.3 the recipient cannot be sent as a RCPT TO path");
	c->st = st;
	c->rcpt = rcpt;
}

/*
 * smtp_client_pipe_more - the next line of a pipelined group after the
 * one handed out: MAIL after RSET, each RCPT, DATA after the last
 */
static void
smtp_client_pipe_more(struct smtp_client *c)
{
	struct smtp_cmd	cmd;

	c->more = 0;
	if (c->pipe == SMTP_CLIENT_P_MAIL) {
		/* a MAIL that cannot go waits for the RSET's reply */
		c->pipe = SMTP_CLIENT_P_NONE;
		if (smtp_client_cmd_mail(c, &cmd) == 0 &&
		    smtp_client_format(c, &cmd) == 0) {
			c->pipe = SMTP_CLIENT_P_RCPT;
			c->more = 1;
		}
		return;
	}
	for (; c->sendi < c->p.nrcpts; c->sendi++) {
		if (smtp_client_cmd_rcpt(c, &c->p.rcpts[c->sendi], &cmd) == 0 &&
		    smtp_client_format(c, &cmd) == 0) {
			c->sendi++;
			c->nsent++;
			c->more = 1;
			return;
		}
		smtp_client_badrcpt(c, c->sendi);
	}
	c->pipe = SMTP_CLIENT_P_DATA;
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = SMTP_CMD_DATA;
	if (c->nsent > 0)
		(void)smtp_client_format(c, &cmd);
}

/* smtp_client_awaited - the next recipient of the group from i on */
static size_t
smtp_client_awaited(const struct smtp_client *c, size_t i)
{
	while (i < c->sendi && c->p.rcpts[i].res.verdict != SMTP_CLIENT_V_NONE)
		i++;
	return i < c->sendi ? i : c->p.nrcpts;
}

/*
 * smtp_client_rcpt_next - RCPT TO for the next recipient that can be
 * sent; after the last, DATA when one was accepted
 */
static void
smtp_client_rcpt_next(struct smtp_client *c)
{
	struct smtp_client_rcpt	*r;
	struct smtp_cmd		 cmd;

	for (; c->rcpt < c->p.nrcpts; c->rcpt++) {
		r = &c->p.rcpts[c->rcpt];
		c->st = SMTP_CLIENT_S_RCPT;
		if (smtp_client_cmd_rcpt(c, r, &cmd) == 0 &&
		    smtp_client_send(c, &cmd, SMTP_CLIENT_S_RCPT) == 0)
			return;
		smtp_client_badrcpt(c, c->rcpt);
		if (c->p.flags & SMTP_CLIENT_F_ALLRCPT) {
			smtp_client_end(c, &r->res, 1);
			return;
		}
	}
	if (c->naccepted == 0)
		smtp_client_finish(c, SMTP_CLIENT_V_OK, NULL, "", 1);
	else
		(void)smtp_client_verb(c, SMTP_CMD_DATA, NULL,
		    SMTP_CLIENT_S_DATA);
}

/*
 * smtp_client_on_rset - the connection is ready for another MAIL (sent
 * already when pipelining); a refusal makes the server unusable
 */
static void
smtp_client_on_rset(struct smtp_client *c, const struct smtp_reply_parser *rp)
{
	if (rp->code != 250)
		smtp_client_finish(c, SMTP_CLIENT_V_HOST, rp, NULL, 0);
	else if (c->pipe != SMTP_CLIENT_P_NONE)
		c->st = SMTP_CLIENT_S_MAIL;
	else
		smtp_client_mail(c);
}

/*
 * smtp_client_on_mail - accepted: the recipients; else the verdict (the
 * group's other replies are left unread: the connection closes)
 */
static void
smtp_client_on_mail(struct smtp_client *c, const struct smtp_reply_parser *rp)
{
	if (rp->code / 100 != 2) {
		smtp_client_finish(c, smtp_client_judge(rp->code,
		    SMTP_CLIENT_S_MAIL), rp, NULL,
		    c->pipe == SMTP_CLIENT_P_NONE);
		return;
	}
	c->rcpt = 0;
	if (c->pipe == SMTP_CLIENT_P_NONE) {
		smtp_client_rcpt_next(c);
		return;
	}
	if ((c->rcpt = smtp_client_awaited(c, 0)) == c->p.nrcpts)
		smtp_client_finish(c, SMTP_CLIENT_V_OK, NULL, "", 1);
	else
		c->st = SMTP_CLIENT_S_RCPT;
}

/*
 * smtp_client_on_rcpt - accepted, or this recipient's verdict; a reply
 * that fails the destination (421, a 2xx/3xx out of place) ends it all
 */
static void
smtp_client_on_rcpt(struct smtp_client *c, const struct smtp_reply_parser *rp)
{
	struct smtp_client_rcpt		*r = &c->p.rcpts[c->rcpt];
	enum smtp_client_verdict	 v;

	if (rp->code / 100 == 2) {
		r->accepted = 1;
		c->naccepted++;
	} else if ((v = smtp_client_judge(rp->code, SMTP_CLIENT_S_RCPT)) ==
	    SMTP_CLIENT_V_TEMPFAIL) {
		smtp_client_finish(c, v, rp, NULL, 1);
		return;
	} else {
		smtp_client_set(c, &r->res, v, rp, NULL);
		if (c->p.flags & SMTP_CLIENT_F_ALLRCPT) {
			smtp_client_end(c, &r->res, 1);
			return;
		}
	}
	c->rcpt++;
	if (c->pipe == SMTP_CLIENT_P_NONE)
		smtp_client_rcpt_next(c);
	else if ((c->rcpt = smtp_client_awaited(c, c->rcpt)) == c->p.nrcpts)
		c->st = SMTP_CLIENT_S_DATA;
}

/* smtp_client_on_data - 354: the message; else its verdict */
static void
smtp_client_on_data(struct smtp_client *c, const struct smtp_reply_parser *rp)
{
	if (c->naccepted == 0) {	/* pipelined: no message to send */
		smtp_client_finish(c, SMTP_CLIENT_V_OK, NULL, "",
		    rp->code != 354);
		return;
	}
	if (rp->code != 354) {
		smtp_client_finish(c, smtp_client_judge(rp->code,
		    SMTP_CLIENT_S_DATA), rp, NULL, 1);
		return;
	}
	c->st = SMTP_CLIENT_S_DOT;
	c->rcpt = 0;
	c->todo = SMTP_CLIENT_A_BODY;
}

/* smtp_client_accepted - the first accepted recipient from i on */
static size_t
smtp_client_accepted(const struct smtp_client *c, size_t i)
{
	while (i < c->p.nrcpts && !c->p.rcpts[i].accepted)
		i++;
	return i;
}

/*
 * smtp_client_on_dot - after the final dot: SMTP's one reply is every
 * accepted recipient's; LMTP's replies come one per accepted recipient
 */
static void
smtp_client_on_dot(struct smtp_client *c, const struct smtp_reply_parser *rp)
{
	enum smtp_client_verdict	v;

	v = smtp_client_judge(rp->code, SMTP_CLIENT_S_DOT);
	if (!(c->p.flags & SMTP_CLIENT_F_LMTP)) {
		smtp_client_finish(c, v, rp, NULL, 1);
		return;
	}
	c->rcpt = smtp_client_accepted(c, c->rcpt);
	if (c->rcpt == c->p.nrcpts) {
		smtp_client_broken(c, "a reply nobody awaits");
		return;
	}
	smtp_client_set(c, &c->p.rcpts[c->rcpt].res, v, rp, NULL);
	c->rcpt = smtp_client_accepted(c, c->rcpt + 1);
	if (c->rcpt == c->p.nrcpts)
		smtp_client_finish(c, SMTP_CLIENT_V_OK, NULL, "", 1);
}

/*
 * smtp_client_judge - the verdict of a reply that ends a step: only a
 * 2xx after the dot delivers; a 2xx or 3xx anywhere else where a reply
 * ends the step is a protocol error of the destination; a 4xx (but 421)
 * from RCPT on concerns the recipient or message alone
 */
enum smtp_client_verdict
smtp_client_judge(int code, enum smtp_client_state st)
{
	if (code >= 200 && code < 300)
		return st == SMTP_CLIENT_S_DOT ? SMTP_CLIENT_V_OK :
		    SMTP_CLIENT_V_TEMPFAIL;
	if (code >= 500 && code < 600)
		return SMTP_CLIENT_V_PERMFAIL;
	if (code >= 400 && code < 500 && code != 421 &&
	    st >= SMTP_CLIENT_S_RCPT && st <= SMTP_CLIENT_S_DOT)
		return SMTP_CLIENT_V_TEMPFAIL_RCPT;
	return SMTP_CLIENT_V_TEMPFAIL;
}
