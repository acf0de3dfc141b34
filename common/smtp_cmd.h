/*
 * smtp_cmd.h - SMTP command lines: parsing (server) and canonical
 * formatting (client), with the MAIL/RCPT parameters of SIZE, 8BITMIME,
 * SMTPUTF8, DSN and AUTH, and BDAT and AUTH arguments.
 *
 * A refused line comes back with the reply the server should give
 * (code, enhanced code, text), so every syntax answer is made here.
 */
#ifndef POSTHORN_SMTP_CMD_H
#define POSTHORN_SMTP_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "smtp_addr.h"

enum smtp_cmd_verb {
	SMTP_CMD_NONE,
	SMTP_CMD_HELO,
	SMTP_CMD_EHLO,
	SMTP_CMD_LHLO,
	SMTP_CMD_MAIL,
	SMTP_CMD_RCPT,
	SMTP_CMD_DATA,
	SMTP_CMD_BDAT,
	SMTP_CMD_RSET,
	SMTP_CMD_NOOP,
	SMTP_CMD_QUIT,
	SMTP_CMD_VRFY,
	SMTP_CMD_EXPN,
	SMTP_CMD_HELP,
	SMTP_CMD_STARTTLS,
	SMTP_CMD_AUTH
};

/* parse flags: what this session offers */
#define SMTP_CMD_F_LMTP		0x0001	/* LHLO instead of HELO/EHLO */
#define SMTP_CMD_F_SIZE		0x0002	/* SIZE= */
#define SMTP_CMD_F_8BITMIME	0x0004	/* BODY= */
#define SMTP_CMD_F_SMTPUTF8	0x0008	/* SMTPUTF8 */
#define SMTP_CMD_F_DSN		0x0010	/* RET= ENVID= NOTIFY= ORCPT= */
#define SMTP_CMD_F_AUTH		0x0020	/* AUTH= */
#define SMTP_CMD_F_CHUNKING	0x0040	/* BDAT */
#define SMTP_CMD_F_TX_UTF8	0x0080	/* the MAIL of this transaction
					   carried SMTPUTF8 (for RCPT) */

/* parameters present in a parsed MAIL or RCPT */
#define SMTP_CMD_P_SIZE		0x0001
#define SMTP_CMD_P_BODY		0x0002
#define SMTP_CMD_P_SMTPUTF8	0x0004
#define SMTP_CMD_P_RET		0x0008
#define SMTP_CMD_P_ENVID	0x0010
#define SMTP_CMD_P_AUTH		0x0020
#define SMTP_CMD_P_NOTIFY	0x0040
#define SMTP_CMD_P_ORCPT	0x0080

enum smtp_cmd_body {
	SMTP_CMD_BODY_7BIT = 1,
	SMTP_CMD_BODY_8BITMIME
};

enum smtp_cmd_ret {
	SMTP_CMD_RET_FULL = 1,
	SMTP_CMD_RET_HDRS
};

/* NOTIFY= values */
#define SMTP_CMD_NOTIFY_NEVER	0x01
#define SMTP_CMD_NOTIFY_SUCCESS	0x02
#define SMTP_CMD_NOTIFY_FAILURE	0x04
#define SMTP_CMD_NOTIFY_DELAY	0x08

#define SMTP_CMD_ADDRTYPE_MAX	32	/* ORCPT addr-type and its NUL */
#define SMTP_CMD_MECH_MAX	21	/* SASL mechanism and its NUL */

struct smtp_cmd_err {
	int		 code;		/* 500, 501, 502, 504, 555 */
	const char	*enhanced;	/* "5.5.2" */
	const char	*text;		/* short, constant */
};

struct smtp_cmd {
	enum smtp_cmd_verb	verb;
	char			arg[SMTP_CMD_LINE_MAX];	/* HELO/EHLO/LHLO host,
						   VRFY/EXPN/HELP/NOOP text,
						   AUTH initial response */
	char			mech[SMTP_CMD_MECH_MAX];	/* AUTH */
	struct smtp_addr	addr;		/* MAIL, RCPT */
	unsigned int		params;		/* SMTP_CMD_P_* */
	uint64_t		size;		/* SIZE=, or the BDAT size */
	int			last;		/* BDAT ... LAST */
	enum smtp_cmd_body	body;
	enum smtp_cmd_ret	ret;
	int			notify;		/* SMTP_CMD_NOTIFY_* */
	char			envid[ENVID_MAX];		/* decoded */
	char			orcpt_type[SMTP_CMD_ADDRTYPE_MAX];
	char			orcpt[ORCPT_MAX];		/* decoded */
	char			auth[ADDR_MAX];		/* AUTH=, decoded */
	struct smtp_cmd_err	err;		/* why parsing failed */
};

int	smtp_cmd_parse(const char *line, size_t len, int flags,
	    struct smtp_cmd *out, char *err, size_t errsz);
int	smtp_cmd_format(const struct smtp_cmd *, char *buf, size_t bufsz);
const char *smtp_cmd_name(enum smtp_cmd_verb);

#endif
