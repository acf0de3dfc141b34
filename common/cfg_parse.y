/*
 * cfg_parse.y - the smtpd.conf grammar (OpenSMTPD 6.8 language plus
 * posthorn's additions).  Statements end at a newline; references to
 * tables, pki, ca and actions must name something declared earlier.
 * The first error stops the parse; cfg_check.c and cfg_build.c word
 * the messages.
 */
%code requires {
#include "cfg_pstate.h"
}

%code provides {
int	cfg_parse_run(struct cfg_pstate *);
int	cfg_parse_lex(CFG_PARSE_STYPE *, struct cfg_loc *, struct cfg_pstate *);
void	cfg_parse_error(struct cfg_loc *, struct cfg_pstate *, const char *);

/* cfg_lex.c */
int	cfg_lex_open(struct cfg_pstate *, const char *, const struct cfg_loc *);
void	cfg_lex_close(struct cfg_pstate *);
int	cfg_lex_next(struct cfg_pstate *, CFG_PARSE_STYPE *, struct cfg_loc *);
int	cfg_lex_define(struct cfg_pstate *, const char *);
int	cfg_lex_macro_set(struct cfg_pstate *, const char *, const char *,
	    const struct cfg_loc *);
void	cfg_lex_error(struct cfg_pstate *, const struct cfg_loc *,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
void	cfg_lex_syntax(struct cfg_pstate *, const struct cfg_loc *);
}

%code {
#include <stdlib.h>
#include <string.h>

#include "cfg_build.h"
#include "cfg_check.h"
#include "cfg_fproc.h"
#include "cfg_milter.h"
#include "cfg_sfilter.h"
#include "xmalloc.h"

#define YYLLOC_DEFAULT(cur, rhs, n) do {				\
	if (n)								\
		(cur) = YYRHSLOC(rhs, 1);				\
	else								\
		(cur) = YYRHSLOC(rhs, 0);				\
} while (0)

#define PS_CHECK(x) do { if ((x) == -1) YYABORT; } while (0)
}

%define api.prefix {cfg_parse_}
%define api.pure full
%define api.token.prefix {CFG_T_}
%define api.location.type {struct cfg_loc}
%locations
%param {struct cfg_pstate *ps}

%union {
	char			*str;
	const char		*kw;
	long long		 num;
	struct cfg_table	*table;
}

%token <str> STRING
%token <num> NUMBER
%token <kw> ACTION ALIAS ANY AUTH AUTH_OPTIONAL BACKUP BOUNCE BYPASS CA
%token <kw> CERT CHAIN CIPHERS COMPRESSION DISCONNECT DOMAIN ENCRYPTION
%token <kw> EXPAND_ONLY FCRDNS FILTER FOR FORWARD_ONLY FROM HELO HOST
%token <kw> HOSTNAME INCLUDE INET4 INET6 JUNK
%token <kw> KEY LIMIT LISTEN LMTP LOCAL MAIL_FROM MAILDIR MASK_SRC
%token <kw> MASQUERADE MATCH MAX_DEFERRED MAX_MAILS MAX_MESSAGE_SIZE
%token <kw> MAX_RCPT MAX_SESSIONS MAX_SESSIONS_PER_ADDRESS SESSION_RATE
%token <kw> MBOX MDA MILTER MTA MX NO_DSN NO_VERIFY ON PATH PHASE
%token <kw> PKI PORT PROC PROC_EXEC QUEUE RCPT_TO RDNS REJECT RELAY REPORT
%token <kw> REWRITE SENDERS SMTP SMTPS
%token <kw> SOCKET SRC SUB_ADDR_DELIM TABLE TAG TLS TLS_REQUIRE TTL USER
%token <kw> USERBASE VERIFY VIRTUAL WARN_INTERVAL

%type <str> word kwword sfphase
%type <num> negation size delay lmtprcpt
%type <table> tableref
%destructor { free($$); } <str>

%%

grammar	: /* empty */
	| grammar '\n'
	| grammar stmt '\n'
	;

stmt	: include | varset | table | pki | ca | listen | action | match
	| smtp | queue | bounce | mta | sfilter | proc
	;

include	: INCLUDE STRING {
		int r = cfg_lex_open(ps, $2, &@2);
		free($2);
		PS_CHECK(r);
	}
	;

varset	: STRING '=' STRING {
		int r = cfg_lex_macro_set(ps, $1, $3, &@1);
		free($1);
		free($3);
		PS_CHECK(r);
	}
	| STRING '=' NUMBER {
		char	*v;
		int	 r;

		xasprintf(&v, "%lld", $3);
		r = cfg_lex_macro_set(ps, $1, v, &@1);
		free($1);
		free(v);
		PS_CHECK(r);
	}
	;

optnl	: /* empty */
	| optnl '\n'
	;

/* a table value: any word, keywords included */
word	: STRING
	| NUMBER		{ xasprintf(&$$, "%lld", $1); }
	| kwword
	;

kwword	: ACTION { $$ = xstrdup($1); } | ALIAS { $$ = xstrdup($1); }
	| ANY { $$ = xstrdup($1); } | AUTH { $$ = xstrdup($1); }
	| DOMAIN { $$ = xstrdup($1); } | FOR { $$ = xstrdup($1); }
	| FROM { $$ = xstrdup($1); } | HOST { $$ = xstrdup($1); }
	| LOCAL { $$ = xstrdup($1); } | MAILDIR { $$ = xstrdup($1); }
	| MBOX { $$ = xstrdup($1); } | MDA { $$ = xstrdup($1); }
	| PATH { $$ = xstrdup($1); } | QUEUE { $$ = xstrdup($1); }
	| RELAY { $$ = xstrdup($1); } | SMTP { $$ = xstrdup($1); }
	| TABLE { $$ = xstrdup($1); } | TAG { $$ = xstrdup($1); }
	| USER { $$ = xstrdup($1); } | VIRTUAL { $$ = xstrdup($1); }
	| BYPASS { $$ = xstrdup($1); } | CHAIN { $$ = xstrdup($1); }
	| DISCONNECT { $$ = xstrdup($1); } | FCRDNS { $$ = xstrdup($1); }
	| FILTER { $$ = xstrdup($1); } | MILTER { $$ = xstrdup($1); }
	| PHASE { $$ = xstrdup($1); } | PROC { $$ = xstrdup($1); }
	| PROC_EXEC { $$ = xstrdup($1); } | REPORT { $$ = xstrdup($1); }
	| REWRITE { $$ = xstrdup($1); }
	;

tvals	: tval
	| tvals ',' optnl tval
	;

tval	: word {
		int r = cfg_build_table_value(ps, $1, NULL, &@1);
		free($1);
		PS_CHECK(r);
	}
	| word '=' word {
		int r = cfg_build_table_value(ps, $1, $3, &@1);
		free($1);
		free($3);
		PS_CHECK(r);
	}
	;

tbody	: '{' optnl tvals optnl '}'
	;

table	: TABLE STRING {
		PS_CHECK(cfg_build_table_new(ps, $2, &@2));
	} tablesrc {
		free($2);
	}
	;

tablesrc: STRING {
		int r = cfg_build_table_src(ps, $1, &@1);
		free($1);
		PS_CHECK(r);
	}
	| tbody
	;

tableref: '<' STRING '>' {
		$$ = cfg_check_table(ps, $2, &@2);
		free($2);
		if ($$ == NULL)
			YYABORT;
	}
	| '{' {
		PS_CHECK(cfg_build_table_new(ps, NULL, &@1));
	} optnl tvals optnl '}' { $$ = ps->table; }
	;

pki	: PKI STRING CERT STRING {
		int r = cfg_build_pki(ps, CFG_BUILD_PKI_CERT, $2, $4, &@1, &@3,
		    &@4);
		free($2);
		free($4);
		PS_CHECK(r);
	}
	| PKI STRING KEY STRING {
		int r = cfg_build_pki(ps, CFG_BUILD_PKI_KEY, $2, $4, &@1, &@3,
		    &@4);
		free($2);
		free($4);
		PS_CHECK(r);
	}
	;

ca	: CA STRING CERT STRING {
		int r = cfg_build_ca(ps, $2, $4, &@1, &@2, &@4);
		free($2);
		free($4);
		PS_CHECK(r);
	}
	;

/* listeners */

listen	: LISTEN ON ltarget lopts {
		PS_CHECK(cfg_check_listener(ps, &@1));
	}
	;

ltarget	: STRING {
		int r = cfg_build_listener(ps, $1, 0, &@1);
		free($1);
		PS_CHECK(r);
	}
	| ANY {
		PS_CHECK(cfg_build_listener(ps, "any", 0, &@1));
	}
	| SOCKET {
		PS_CHECK(cfg_build_listener(ps, "socket", 1, &@1));
	}
	;

lopts	: /* empty */
	| lopts lopt
	;

lopt	: INET4 {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_FAMILY, &@1));
		ps->listener->family = CFG_FAMILY_INET4;
	}
	| INET6 {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_FAMILY, &@1));
		ps->listener->family = CFG_FAMILY_INET6;
	}
	| PORT NUMBER {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_PORT, &@1));
		PS_CHECK(cfg_check_range(ps, $2, 1, 65535, "port", &@2));
		ps->listener->port = (int)$2;
	}
	| TLS {
		PS_CHECK(cfg_check_listener_tls(ps, CFG_TLS_STARTTLS, 0, &@1));
	}
	| TLS_REQUIRE {
		PS_CHECK(cfg_check_listener_tls(ps, CFG_TLS_REQUIRE, 0, &@1));
	}
	| TLS_REQUIRE VERIFY {
		PS_CHECK(cfg_check_listener_tls(ps, CFG_TLS_REQUIRE, 1, &@1));
	}
	| SMTPS {
		PS_CHECK(cfg_check_listener_tls(ps, CFG_TLS_SMTPS, 0, &@1));
	}
	| SMTPS VERIFY {
		PS_CHECK(cfg_check_listener_tls(ps, CFG_TLS_SMTPS, 1, &@1));
	}
	| PKI STRING {
		int r = cfg_build_listener_pki(ps, $2, &@1, &@2);
		free($2);
		PS_CHECK(r);
	}
	| CA STRING {
		int r = cfg_check_opt(ps, CFG_OPT_CA, &@1);
		if (r == 0 && (ps->listener->ca = cfg_check_ca(ps, $2, &@2)) ==
		    NULL)
			r = -1;
		free($2);
		PS_CHECK(r);
	}
	| AUTH {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_AUTH, &@1));
		ps->listener->auth = CFG_AUTH_REQUIRE;
	}
	| AUTH tableref {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_AUTH, &@1));
		ps->listener->auth = CFG_AUTH_REQUIRE;
		ps->listener->auth_table = $2;
	}
	| AUTH_OPTIONAL {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_AUTH, &@1));
		ps->listener->auth = CFG_AUTH_OPTIONAL;
	}
	| AUTH_OPTIONAL tableref {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_AUTH, &@1));
		ps->listener->auth = CFG_AUTH_OPTIONAL;
		ps->listener->auth_table = $2;
	}
	| HOSTNAME STRING {
		int r = cfg_check_opt(ps, CFG_OPT_HOSTNAME, &@1);
		if (r == 0)
			r = cfg_check_copy(ps, ps->listener->hostname,
			    HOST_MAX, "hostname", $2, &@2);
		free($2);
		PS_CHECK(r);
	}
	| TAG STRING {
		int r = cfg_check_opt(ps, CFG_OPT_TAG, &@1);
		if (r == 0)
			r = cfg_check_copy(ps, ps->listener->tag,
			    NAME_MAX_CFG, "tag", $2, &@2);
		free($2);
		PS_CHECK(r);
	}
	| MASK_SRC {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_MASK_SRC, &@1));
		ps->listener->mask_src = 1;
	}
	| NO_DSN {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_NO_DSN, &@1));
		ps->listener->no_dsn = 1;
	}
	| SENDERS tableref {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_SENDERS, &@1));
		ps->listener->senders = $2;
	}
	| SENDERS tableref MASQUERADE {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_SENDERS, &@1));
		ps->listener->senders = $2;
		ps->listener->masquerade = 1;
	}
	| FILTER STRING {
		int r = cfg_sfilter_build_listener(ps, $2, &@1, &@2);
		free($2);
		PS_CHECK(r);
	}
	;

/* actions */

action	: ACTION STRING akind aopts {
		free($2);
		PS_CHECK(cfg_check_action(ps, &@1));
	}
	;

akind	: MAILDIR {
		PS_CHECK(cfg_build_action_new(ps, $<str>0, CFG_ACTION_MAILDIR,
		    &@1));
	} mdopts
	| MBOX {
		PS_CHECK(cfg_build_action_new(ps, $<str>0, CFG_ACTION_MBOX,
		    &@1));
	}
	| MDA STRING {
		int r = cfg_build_action_new(ps, $<str>0, CFG_ACTION_MDA, &@1);
		if (r == 0)
			ps->action->mda_command = $2;
		else
			free($2);
		PS_CHECK(r);
	}
	| LMTP STRING lmtprcpt {
		int r = cfg_build_action_new(ps, $<str>0, CFG_ACTION_LMTP, &@1);
		if (r == 0) {
			ps->action->lmtp_dest = $2;
			ps->action->lmtp_rcpt_to = $3;
		} else
			free($2);
		PS_CHECK(r);
	}
	| EXPAND_ONLY {
		PS_CHECK(cfg_build_action_new(ps, $<str>0,
		    CFG_ACTION_EXPAND_ONLY, &@1));
	}
	| FORWARD_ONLY {
		PS_CHECK(cfg_build_action_new(ps, $<str>0,
		    CFG_ACTION_FORWARD_ONLY, &@1));
	}
	| RELAY {
		PS_CHECK(cfg_build_action_new(ps, $<str>0, CFG_ACTION_RELAY,
		    &@1));
	}
	;

lmtprcpt: /* empty */		{ $$ = 0; }
	| RCPT_TO		{ $$ = 1; }
	;

mdopts	: /* empty */
	| JUNK			{ ps->action->maildir_junk = 1; }
	| STRING		{ ps->action->maildir_path = $1; }
	| STRING JUNK {
		ps->action->maildir_path = $1;
		ps->action->maildir_junk = 1;
	}
	;

aopts	: /* empty */
	| aopts aopt
	;

aopt	: ALIAS tableref {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_ALIAS, &@1));
		ps->action->alias = $2;
	}
	| VIRTUAL tableref {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_VIRTUAL, &@1));
		ps->action->virtual = $2;
	}
	| USERBASE tableref {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_USERBASE, &@1));
		ps->action->userbase = $2;
	}
	| USER STRING {
		int r = cfg_check_opt(ps, CFG_OPT_USER, &@1);
		if (r == 0)
			r = cfg_check_copy(ps, ps->action->user, NAME_MAX_CFG,
			    "user name", $2, &@2);
		free($2);
		PS_CHECK(r);
	}
	| TTL delay {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_TTL, &@1));
		ps->action->ttl = $2;
	}
	| HOST STRING {
		int r = cfg_build_action_host(ps, $2, &@1, &@2);
		free($2);
		PS_CHECK(r);
	}
	| TLS {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_RTLS, &@1));
		ps->action->tls = 1;
	}
	| TLS NO_VERIFY {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_RTLS, &@1));
		ps->action->tls = 1;
		ps->action->tls_noverify = 1;
	}
	| AUTH tableref {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_RAUTH, &@1));
		ps->action->auth = $2;
	}
	| HELO STRING {
		int r = cfg_check_opt(ps, CFG_OPT_HELO, &@1);
		if (r == 0)
			r = cfg_check_copy(ps, ps->action->helo, HOST_MAX,
			    "helo name", $2, &@2);
		free($2);
		PS_CHECK(r);
	}
	| MAIL_FROM STRING {
		int r = cfg_check_opt(ps, CFG_OPT_MAIL_FROM, &@1);
		if (r == 0)
			r = cfg_check_copy(ps, ps->action->mail_from, ADDR_MAX,
			    "mail-from address", $2, &@2);
		free($2);
		PS_CHECK(r);
	}
	| SRC STRING {
		int r = cfg_check_opt(ps, CFG_OPT_SRC, &@1);
		if (r == 0)
			r = cfg_check_copy(ps, ps->action->src_addr, HOST_MAX,
			    "source address", $2, &@2);
		free($2);
		PS_CHECK(r);
	}
	| SRC tableref {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_SRC, &@1));
		ps->action->src_table = $2;
	}
	| BACKUP {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_BACKUP, &@1));
		ps->action->backup = 1;
	}
	| BACKUP MX STRING {
		int r = cfg_check_opt(ps, CFG_OPT_BACKUP, &@1);
		if (r == 0)
			r = cfg_check_copy(ps, ps->action->backup_mx, HOST_MAX,
			    "backup mx", $3, &@3);
		ps->action->backup = 1;
		free($3);
		PS_CHECK(r);
	}
	| DOMAIN tableref {
		PS_CHECK(cfg_check_opt(ps, CFG_OPT_DOMAIN, &@1));
		ps->action->domain = $2;
	}
	| PKI STRING {
		int r = cfg_check_opt(ps, CFG_OPT_RPKI, &@1);
		if (r == 0 && (ps->action->pki = cfg_check_pki(ps, $2, &@2)) ==
		    NULL)
			r = -1;
		free($2);
		PS_CHECK(r);
	}
	;

/* match rules */

match	: MATCH {
		ps->match = cfg_match_add(ps->cfg);
		ps->match->loc = @1;
		ps->seen = 0;
	} mfilters mend {
		PS_CHECK(cfg_check_match(ps, &@1));
	}
	;

mend	: /* empty */
	| REJECT		{ ps->match->reject = 1; }
	| ACTION STRING {
		int r = cfg_build_match_action(ps, $2, &@2);
		free($2);
		PS_CHECK(r);
	}
	;

mfilters: /* empty */
	| mfilters mfilter
	;

negation: /* empty */		{ $$ = 0; }
	| '!'			{ $$ = 1; }
	;

mfilter	: negation FROM ANY {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_ANY, $1, NULL,
		    NULL, &@2));
	}
	| negation FROM LOCAL {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_LOCAL, $1, NULL,
		    NULL, &@2));
	}
	| negation FROM SOCKET {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_SOCKET, $1, NULL,
		    NULL, &@2));
	}
	| negation FROM AUTH {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_AUTH, $1, NULL,
		    NULL, &@2));
	}
	| negation FROM AUTH STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_AUTH, $1, $4,
		    NULL, &@2));
	}
	| negation FROM AUTH tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_AUTH, $1, NULL,
		    $4, &@2));
	}
	| negation FROM SRC STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_SRC, $1, $4,
		    NULL, &@2));
	}
	| negation FROM SRC tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_SRC, $1, NULL,
		    $4, &@2));
	}
	| negation FROM MAIL_FROM STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_MAIL_FROM, $1,
		    $4, NULL, &@2));
	}
	| negation FROM MAIL_FROM tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_MAIL_FROM, $1,
		    NULL, $4, &@2));
	}
	| negation FROM RDNS {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_RDNS, $1, NULL,
		    NULL, &@2));
	}
	| negation FROM RDNS tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FROM_RDNS, $1, NULL,
		    $4, &@2));
	}
	| negation FOR ANY {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FOR_ANY, $1, NULL,
		    NULL, &@2));
	}
	| negation FOR LOCAL {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FOR_LOCAL, $1, NULL,
		    NULL, &@2));
	}
	| negation FOR DOMAIN STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FOR_DOMAIN, $1, $4,
		    NULL, &@2));
	}
	| negation FOR DOMAIN tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FOR_DOMAIN, $1, NULL,
		    $4, &@2));
	}
	| negation FOR RCPT_TO STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FOR_RCPT_TO, $1, $4,
		    NULL, &@2));
	}
	| negation FOR RCPT_TO tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_FOR_RCPT_TO, $1, NULL,
		    $4, &@2));
	}
	| negation AUTH {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_AUTH, $1, NULL, NULL,
		    &@2));
	}
	| negation AUTH STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_AUTH, $1, $3, NULL,
		    &@2));
	}
	| negation AUTH tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_AUTH, $1, NULL, $3,
		    &@2));
	}
	| negation HELO STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_HELO, $1, $3, NULL,
		    &@2));
	}
	| negation HELO tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_HELO, $1, NULL, $3,
		    &@2));
	}
	| negation MAIL_FROM STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_MAIL_FROM, $1, $3,
		    NULL, &@2));
	}
	| negation MAIL_FROM tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_MAIL_FROM, $1, NULL,
		    $3, &@2));
	}
	| negation RCPT_TO STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_RCPT_TO, $1, $3, NULL,
		    &@2));
	}
	| negation RCPT_TO tableref {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_RCPT_TO, $1, NULL, $3,
		    &@2));
	}
	| negation TAG STRING {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_TAG, $1, $3, NULL,
		    &@2));
	}
	| negation TLS {
		PS_CHECK(cfg_build_filter(ps, CFG_FILTER_TLS, $1, NULL, NULL,
		    &@2));
	}
	;

/* SMTP filters (cfg_sfilter.c) */

sfilter	: FILTER STRING sfkind	{ free($2); }
	;

sfkind	: PHASE sfphase MATCH {
		int r = cfg_sfilter_build_new(ps, $<str>0, CFG_SFILTER_BUILTIN,
		    &@1);
		if (r == 0)
			r = cfg_sfilter_build_phase(ps, $2, &@2);
		PS_CHECK(r);
	} sfconds sfdecide	{ free($2); }
	| CHAIN '{' {
		PS_CHECK(cfg_sfilter_build_new(ps, $<str>0, CFG_SFILTER_CHAIN,
		    &@1));
	} optnl sfmembers optnl '}'
	| PROC_EXEC STRING {
		PS_CHECK(cfg_fproc_build_exec(ps, $<str>0, $2, &@1));
	} procopts		{ free($2); }
	| PROC STRING {
		int r = cfg_fproc_build_filter(ps, $<str>0, $2, &@2);
		free($2);
		PS_CHECK(r);
	}
	| MILTER STRING {
		PS_CHECK(cfg_milter_build_new(ps, $<str>0, $2, &@2));
	} milteropts		{ free($2); }
	;

/* on-error accept|tempfail|reject, timeout DELAY: only reject a keyword */
milteropts: /* empty */
	| milteropts milteropt
	;

milteropt: STRING STRING {
		int r = cfg_milter_build_opt(ps, $1, $2, &@1);
		free($1);
		free($2);
		PS_CHECK(r);
	}
	| STRING REJECT {
		int r = cfg_milter_build_opt(ps, $1, "reject", &@1);
		free($1);
		PS_CHECK(r);
	}
	| STRING NUMBER {
		char	n[24];
		int	r;

		snprintf(n, sizeof(n), "%lld", $2);
		r = cfg_milter_build_opt(ps, $1, n, &@1);
		free($1);
		PS_CHECK(r);
	}
	;

/* helo, auth, mail-from and rcpt-to are keywords elsewhere */
sfphase	: STRING
	| HELO			{ $$ = xstrdup($1); }
	| AUTH			{ $$ = xstrdup($1); }
	| MAIL_FROM		{ $$ = xstrdup($1); }
	| RCPT_TO		{ $$ = xstrdup($1); }
	;

sfconds	: sfcond
	| sfconds sfcond
	;

sfcond	: negation RDNS {
		PS_CHECK(cfg_sfilter_build_cond(ps, CFG_FILTER_FROM_RDNS, $1,
		    NULL, "rdns", &@2));
	}
	| negation RDNS tableref {
		PS_CHECK(cfg_sfilter_build_cond(ps, CFG_FILTER_FROM_RDNS, $1,
		    $3, "rdns", &@2));
	}
	| negation FCRDNS {
		PS_CHECK(cfg_sfilter_build_cond(ps, CFG_FILTER_FROM_RDNS, $1,
		    NULL, "fcrdns", &@2));
	}
	| negation SRC tableref {
		PS_CHECK(cfg_sfilter_build_cond(ps, CFG_FILTER_FROM_SRC, $1,
		    $3, "src", &@2));
	}
	| negation HELO tableref {
		PS_CHECK(cfg_sfilter_build_cond(ps, CFG_FILTER_HELO, $1, $3,
		    "helo", &@2));
	}
	| negation MAIL_FROM tableref {
		PS_CHECK(cfg_sfilter_build_cond(ps, CFG_FILTER_MAIL_FROM, $1,
		    $3, "mail-from", &@2));
	}
	| negation RCPT_TO tableref {
		PS_CHECK(cfg_sfilter_build_cond(ps, CFG_FILTER_RCPT_TO, $1,
		    $3, "rcpt-to", &@2));
	}
	| negation AUTH {
		PS_CHECK(cfg_sfilter_build_cond(ps, CFG_FILTER_AUTH, $1, NULL,
		    "auth", &@2));
	}
	| negation AUTH tableref {
		PS_CHECK(cfg_sfilter_build_cond(ps, CFG_FILTER_AUTH, $1, $3,
		    "auth", &@2));
	}
	;

sfdecide: BYPASS {
		PS_CHECK(cfg_sfilter_build_decision(ps, CFG_SFILTER_BYPASS,
		    NULL, &@1));
	}
	| JUNK {
		PS_CHECK(cfg_sfilter_build_decision(ps, CFG_SFILTER_JUNK,
		    NULL, &@1));
	}
	| REJECT STRING {
		PS_CHECK(cfg_sfilter_build_decision(ps, CFG_SFILTER_REJECT,
		    $2, &@2));
	}
	| DISCONNECT STRING {
		PS_CHECK(cfg_sfilter_build_decision(ps,
		    CFG_SFILTER_DISCONNECT, $2, &@2));
	}
	| REWRITE STRING {
		PS_CHECK(cfg_sfilter_build_decision(ps, CFG_SFILTER_REWRITE,
		    $2, &@2));
	}
	| REPORT STRING {
		PS_CHECK(cfg_sfilter_build_decision(ps, CFG_SFILTER_REPORT,
		    $2, &@2));
	}
	;

sfmembers: sfmember
	| sfmembers ',' optnl sfmember
	;

sfmember: STRING {
		int r = cfg_sfilter_build_member(ps, $1, &@1);
		free($1);
		PS_CHECK(r);
	}
	;

proc	: PROC STRING STRING {
		PS_CHECK(cfg_fproc_build_new(ps, $2, $3, &@2));
	} procopts		{ free($2); free($3); }
	;

/* user, group, chroot: only user is a keyword */
procopts: /* empty */
	| procopts procopt
	;

procopt	: USER STRING {
		int r = cfg_fproc_build_opt(ps, $1, $2, &@1);
		free($2);
		PS_CHECK(r);
	}
	| STRING STRING {
		int r = cfg_fproc_build_opt(ps, $1, $2, &@1);
		free($1);
		free($2);
		PS_CHECK(r);
	}
	;

/* global options */

size	: NUMBER		{ $$ = $1; }
	| STRING {
		int r = cfg_size_parse($1, &$$);
		if (r == -1)
			cfg_lex_error(ps, &@1, "invalid size '%s'", $1);
		free($1);
		PS_CHECK(r);
	}
	;

delay	: NUMBER		{ $$ = $1; }
	| STRING {
		int r = cfg_check_delay(ps, $1, &$$, &@1);
		free($1);
		PS_CHECK(r);
	}
	;

smtp	: SMTP MAX_MESSAGE_SIZE size {
		PS_CHECK(cfg_check_range(ps, $3, 1, 1LL << 40,
		    "max-message-size", &@3));
		ps->cfg->smtp.max_message_size = $3;
	}
	| SMTP LIMIT limits
	| SMTP SUB_ADDR_DELIM STRING {
		int r = cfg_build_sub_addr_delim(ps, $3, &@3);
		free($3);
		PS_CHECK(r);
	}
	| SMTP CIPHERS STRING {
		free(ps->cfg->smtp.ciphers);
		ps->cfg->smtp.ciphers = $3;
	}
	;

limits	: limit
	| limits limit
	;

limit	: MAX_MAILS NUMBER {
		PS_CHECK(cfg_check_range(ps, $2, 1, 1000000, "max-mails", &@2));
		ps->cfg->smtp.max_mails = (int)$2;
	}
	| MAX_RCPT NUMBER {
		PS_CHECK(cfg_check_range(ps, $2, 1, 1000000, "max-rcpt", &@2));
		ps->cfg->smtp.max_rcpt = (int)$2;
	}
	| MAX_SESSIONS NUMBER {
		PS_CHECK(cfg_check_range(ps, $2, 1, 1000000, "max-sessions",
		    &@2));
		ps->cfg->smtp.max_sessions = (int)$2;
	}
	| MAX_SESSIONS_PER_ADDRESS NUMBER {
		PS_CHECK(cfg_check_range(ps, $2, 1, 1000000,
		    "max-sessions-per-address", &@2));
		ps->cfg->smtp.max_sessions_per_address = (int)$2;
	}
	| SESSION_RATE NUMBER {
		PS_CHECK(cfg_check_range(ps, $2, 0, 1000000, "session-rate",
		    &@2));
		ps->cfg->smtp.session_rate = (int)$2;
	}
	;

queue	: QUEUE TTL delay {
		PS_CHECK(cfg_check_range(ps, $3, 1, 365LL * 86400, "queue ttl",
		    &@3));
		ps->cfg->queue.ttl = $3;
	}
	| QUEUE COMPRESSION	{ ps->cfg->queue.compression = 1; }
	| QUEUE ENCRYPTION	{ ps->cfg->queue.encryption = 1; }
	| QUEUE ENCRYPTION STRING { cfg_build_queue_key(ps, $3); }
	| QUEUE PATH STRING {
		int r = cfg_build_queue_path(ps, $3, &@3);
		free($3);
		PS_CHECK(r);
	}
	;

bounce	: BOUNCE WARN_INTERVAL { ps->cfg->nbounce_warn = 0; } warns
	;

warns	: warn
	| warns ',' warn
	;

warn	: delay		{ PS_CHECK(cfg_build_bounce_warn(ps, $1, &@1)); }
	;

mta	: MTA MAX_DEFERRED NUMBER {
		PS_CHECK(cfg_check_range(ps, $3, 1, 1000000, "max-deferred",
		    &@3));
		ps->cfg->mta_max_deferred = (int)$3;
	}
	;

%%

/* cfg_parse_lex - bison's entry into the tokenizer */
int
cfg_parse_lex(CFG_PARSE_STYPE *lval, struct cfg_loc *lloc,
    struct cfg_pstate *ps)
{
	return cfg_lex_next(ps, lval, lloc);
}

/* cfg_parse_error - bison's syntax error: word it from the last token */
void
cfg_parse_error(struct cfg_loc *lloc, struct cfg_pstate *ps, const char *msg)
{
	(void)msg;
	cfg_lex_syntax(ps, lloc);
}

/* cfg_parse_run - parse the open file stack; 0 or -1 with ps->err set */
int
cfg_parse_run(struct cfg_pstate *ps)
{
	if (cfg_parse_parse(ps) != 0 || ps->failed)
		return -1;
	return 0;
}
