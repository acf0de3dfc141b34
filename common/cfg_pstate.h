/*
 * cfg_pstate.h - the state of one smtpd.conf parse, shared by the
 * grammar (cfg_parse.y), the lexer (cfg_lex.c), the checks (cfg_check.c)
 * and the builders (cfg_build.c).  Private to those files.
 */
#ifndef POSTHORN_CFG_PSTATE_H
#define POSTHORN_CFG_PSTATE_H

#include <stdio.h>

#include "cfg.h"

#define CFG_LEX_IOBUF	4096	/* a file's stdio buffer, wiped at close */

struct cfg_lex_file {
	struct cfg_lex_file	*parent;
	FILE			*fp;
	char			*iobuf;		/* fp's buffer: the file may
						 * hold a secret */
	const char		*name;		/* owned by struct cfg */
	int			 lineno;
	int			 ungot;		/* a pushed-back byte or -1 */
	int			 need_nl;	/* statement open at EOF */
	int			 pending_nl;	/* start with a newline */
};

struct cfg_macro {
	struct cfg_macro	*next;
	char			*name;
	char			*value;
	int			 cmdline;	/* from -D: final */
};

/* options of a listener, action or match rule, to catch repeats */
enum cfg_opt {
	CFG_OPT_FAMILY, CFG_OPT_PORT, CFG_OPT_TLS, CFG_OPT_PKI, CFG_OPT_CA,
	CFG_OPT_AUTH, CFG_OPT_HOSTNAME, CFG_OPT_TAG, CFG_OPT_MASK_SRC,
	CFG_OPT_NO_DSN, CFG_OPT_SENDERS, CFG_OPT_FILTER,
	CFG_OPT_ALIAS, CFG_OPT_VIRTUAL, CFG_OPT_USER, CFG_OPT_USERBASE,
	CFG_OPT_TTL, CFG_OPT_HOST, CFG_OPT_RTLS, CFG_OPT_RAUTH, CFG_OPT_HELO,
	CFG_OPT_MAIL_FROM, CFG_OPT_SRC, CFG_OPT_BACKUP, CFG_OPT_DOMAIN,
	CFG_OPT_RPKI,
	CFG_OPT_M_FROM, CFG_OPT_M_FOR, CFG_OPT_M_AUTH, CFG_OPT_M_HELO,
	CFG_OPT_M_MAIL_FROM, CFG_OPT_M_RCPT_TO, CFG_OPT_M_TAG, CFG_OPT_M_TLS,
	CFG_OPT_COUNT
};

struct cfg_pstate {
	struct cfg		*cfg;
	struct cfg_lex_file	*file;
	int			 depth;
	struct cfg_macro	*macros;
	char			 pb[CFG_TOKEN_MAX];	/* macro expansion */
	size_t			 pblen;
	size_t			 pbpos;
	char			*err;
	size_t			 errsz;
	int			 failed;
	int			 tok;		/* last token, for messages */
	int			 tok_first;	/* it began a statement */
	char			 tokstr[48];
	int			 stmt_tok;	/* first token of a statement */
	int			 stmt_tok2;	/* and the second */
	int			 stmt_ntok;
	int			 braces;	/* open '{' */
	char			 stmt_str[48];
	struct cfg_listener	*listener;	/* under construction */
	struct cfg_action	*action;
	struct cfg_match	*match;
	struct cfg_table	*table;
	struct cfg_sfilter	*sfilter;
	struct cfg_fproc	*fproc;
	unsigned long long	 seen;		/* enum cfg_opt bits */
	struct cfg_loc		 optloc[CFG_OPT_COUNT];
	int			 nanon;
};

#endif
