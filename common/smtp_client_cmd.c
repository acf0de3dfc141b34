/*
 * smtp_client_cmd.c - the transaction's commands of the client engine
 * (smtp_client.c): MAIL FROM with the parameters the server's
 * extensions allow, RCPT TO with the DSN ones, as struct smtp_cmd for
 * smtp_cmd_format.
 */
#include <string.h>

#include "smtp_client.h"
#include "smtp_cmd.h"

/* smtp_client_cmd_bare - the SMTP_CLIENT_TEXT_BARE bit of the flags */
static int
smtp_client_cmd_bare(const struct smtp_client *c)
{
	return c->p.flags & SMTP_CLIENT_F_BARE ? SMTP_CLIENT_TEXT_BARE : 0;
}

/* smtp_client_cmd_utf8 - whether a recipient's path needs SMTPUTF8 */
static int
smtp_client_cmd_utf8(const struct smtp_client *c)
{
	struct smtp_addr	a;
	size_t			i;

	for (i = 0; i < c->p.nrcpts; i++)
		if (smtp_client_text_addr(c->p.rcpts[i].addr,
		    SMTP_ADDR_F_RCPT | smtp_client_cmd_bare(c), &a) == 0 &&
		    (a.kind & SMTP_ADDR_UTF8))
			return 1;
	return 0;
}

/*
 * smtp_client_cmd_mail - MAIL FROM as the server's extensions allow;
 * 0, -1 (the sender is no path) or -2 (SMTPUTF8 needed, not offered)
 */
int
smtp_client_cmd_mail(const struct smtp_client *c, struct smtp_cmd *cmd)
{
	unsigned int	ext = c->ext.flags;
	int		utf8;

	memset(cmd, 0, sizeof(*cmd));
	cmd->verb = SMTP_CMD_MAIL;
	if (smtp_client_text_addr(c->p.sender, SMTP_ADDR_F_MAIL |
	    smtp_client_cmd_bare(c), &cmd->addr) == -1)
		return -1;
	utf8 = (cmd->addr.kind & SMTP_ADDR_UTF8) || smtp_client_cmd_utf8(c);
	if (utf8 && !(ext & SMTP_EXT_SMTPUTF8))
		return -2;
	if ((ext & SMTP_EXT_SMTPUTF8) && (utf8 ||
	    (c->p.flags & SMTP_CLIENT_F_UTF8)))
		cmd->params |= SMTP_CMD_P_SMTPUTF8;
	if ((ext & SMTP_EXT_SIZE) && (c->p.flags & SMTP_CLIENT_F_SIZE)) {
		cmd->params |= SMTP_CMD_P_SIZE;
		cmd->size = c->p.size;
	}
	if ((ext & SMTP_EXT_8BITMIME) && (c->p.flags & SMTP_CLIENT_F_8BIT)) {
		cmd->params |= SMTP_CMD_P_BODY;
		cmd->body = SMTP_CMD_BODY_8BITMIME;
	}
	if (!(ext & SMTP_EXT_DSN))
		return 0;
	if (c->p.ret != 0) {
		cmd->params |= SMTP_CMD_P_RET;
		cmd->ret = (enum smtp_cmd_ret)c->p.ret;
	}
	if (c->p.envid != NULL && c->p.envid[0] != '\0') {
		cmd->params |= SMTP_CMD_P_ENVID;
		(void)strlcpy(cmd->envid, c->p.envid, sizeof(cmd->envid));
	}
	return 0;
}

/* smtp_client_cmd_rcpt - RCPT TO with the DSN parameters; 0 / -1 */
int
smtp_client_cmd_rcpt(const struct smtp_client *c,
    const struct smtp_client_rcpt *r, struct smtp_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->verb = SMTP_CMD_RCPT;
	if (smtp_client_text_addr(r->addr, SMTP_ADDR_F_RCPT |
	    smtp_client_cmd_bare(c), &cmd->addr) == -1)
		return -1;
	if (!(c->ext.flags & SMTP_EXT_DSN))
		return 0;
	if (r->notify != 0) {
		cmd->params |= SMTP_CMD_P_NOTIFY;
		cmd->notify = r->notify;
	}
	if (r->orcpt != NULL && smtp_client_text_orcpt(r->orcpt,
	    cmd->orcpt_type, sizeof(cmd->orcpt_type), cmd->orcpt,
	    sizeof(cmd->orcpt)) == 0)
		cmd->params |= SMTP_CMD_P_ORCPT;
	return 0;
}
