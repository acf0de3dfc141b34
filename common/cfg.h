/*
 * cfg.h - the parsed smtpd.conf: listeners, tables, pki, actions, rules.
 *
 * cfg_load() reads a file (and its includes) into one struct cfg, checked
 * as a whole; on error it returns NULL and writes "FILE:LINE: message".
 * References between objects are resolved to pointers at load time, so a
 * loaded configuration never names something that does not exist.
 */
#ifndef POSTHORN_CFG_H
#define POSTHORN_CFG_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "defs.h"

#define CFG_PKI_MAX		16	/* pki names on one listener (SNI) */
#define CFG_WARN_MAX		4	/* bounce warn-interval delays */
#define CFG_TOKEN_MAX		4096	/* one word of the file, incl. NUL */
#define CFG_INCLUDE_MAX		8	/* include nesting depth */

#define CFG_PORT_SMTP		25
#define CFG_PORT_SMTPS		465
#define CFG_PORT_LMTP		24

/* where an object was declared, for messages after parsing */
struct cfg_loc {
	const char	*file;		/* owned by struct cfg */
	int		 line;
};

enum cfg_table_type {
	CFG_TABLE_FILE,			/* [file:]PATH, table(5) text */
	CFG_TABLE_DB,			/* db:PATH, Berkeley DB */
	CFG_TABLE_LIST,			/* { v1, v2 } */
	CFG_TABLE_MAP			/* { k1 = v1, k2 = v2 } */
};

struct cfg_table_entry {
	TAILQ_ENTRY(cfg_table_entry) entry;
	char			*key;
	char			*value;		/* NULL in a list */
};

struct cfg_table {
	TAILQ_ENTRY(cfg_table)	 entry;
	char			 name[NAME_MAX_CFG];
	enum cfg_table_type	 type;
	char			*path;		/* file and db only */
	TAILQ_HEAD(, cfg_table_entry) entries;	/* list and map only */
	size_t			 nentries;
	int			 anonymous;	/* written inline in a rule */
	struct cfg_loc		 loc;
};

struct cfg_pki {
	TAILQ_ENTRY(cfg_pki)	 entry;
	char			 name[NAME_MAX_CFG];
	char			*cert;
	char			*key;
	struct cfg_loc		 loc;
};

struct cfg_ca {
	TAILQ_ENTRY(cfg_ca)	 entry;
	char			 name[NAME_MAX_CFG];
	char			*cert;
	struct cfg_loc		 loc;
};

enum cfg_family {
	CFG_FAMILY_ANY,
	CFG_FAMILY_INET4,
	CFG_FAMILY_INET6
};

enum cfg_tls {
	CFG_TLS_NONE,
	CFG_TLS_STARTTLS,		/* tls: STARTTLS offered */
	CFG_TLS_REQUIRE,		/* tls-require: no mail before STARTTLS */
	CFG_TLS_SMTPS			/* smtps: TLS from the first byte */
};

enum cfg_auth {
	CFG_AUTH_NONE,
	CFG_AUTH_REQUIRE,		/* auth: no mail before AUTH */
	CFG_AUTH_OPTIONAL		/* auth-optional */
};

struct cfg_listener {
	TAILQ_ENTRY(cfg_listener) entry;
	int			 is_socket;	/* listen on socket */
	char			 addr[HOST_MAX];	/* address, interface,
						 * "localhost" or "any" */
	enum cfg_family		 family;
	int			 port;		/* 0 for the socket */
	enum cfg_tls		 tls;
	int			 tls_verify;	/* verify client certificates */
	struct cfg_pki		*pki[CFG_PKI_MAX];
	size_t			 npki;
	struct cfg_ca		*ca;
	enum cfg_auth		 auth;
	struct cfg_table	*auth_table;	/* NULL: system passwords */
	char			 hostname[HOST_MAX];	/* "": system name */
	char			 tag[NAME_MAX_CFG];
	int			 mask_src;
	int			 no_dsn;
	struct cfg_table	*senders;
	int			 masquerade;
	struct cfg_sfilter	*filter;	/* NULL: none */
	struct cfg_loc		 loc;
};

enum cfg_action_type {
	CFG_ACTION_MAILDIR,
	CFG_ACTION_MBOX,
	CFG_ACTION_MDA,
	CFG_ACTION_LMTP,
	CFG_ACTION_EXPAND_ONLY,
	CFG_ACTION_FORWARD_ONLY,
	CFG_ACTION_RELAY
};

enum cfg_relay_scheme {
	CFG_RELAY_SMTP,			/* STARTTLS when offered */
	CFG_RELAY_SMTP_TLS,		/* STARTTLS required */
	CFG_RELAY_SMTP_NOTLS,		/* never TLS */
	CFG_RELAY_SMTPS,		/* TLS from the first byte */
	CFG_RELAY_LMTP
};

struct cfg_relay_host {
	enum cfg_relay_scheme	 scheme;
	char			 label[NAME_MAX_CFG];	/* "": none */
	char			 host[HOST_MAX];
	int			 port;		/* scheme default if not given */
};

struct cfg_action {
	TAILQ_ENTRY(cfg_action)	 entry;
	char			 name[NAME_MAX_CFG];
	enum cfg_action_type	 type;
	/* local delivery */
	char			*maildir_path;	/* NULL: ~/Maildir */
	int			 maildir_junk;
	char			*mda_command;
	char			*lmtp_dest;	/* host:port or socket path */
	int			 lmtp_rcpt_to;
	struct cfg_table	*alias;
	struct cfg_table	*virtual;
	char			 user[NAME_MAX_CFG];	/* "": recipient */
	struct cfg_table	*userbase;
	long long		 ttl;		/* seconds; 0: queue ttl */
	/* relay */
	int			 has_host;
	struct cfg_relay_host	 host;
	int			 tls;		/* require TLS */
	int			 tls_noverify;
	struct cfg_table	*auth;
	char			 helo[HOST_MAX];
	char			 mail_from[ADDR_MAX];
	char			 src_addr[HOST_MAX];
	struct cfg_table	*src_table;
	int			 backup;
	char			 backup_mx[HOST_MAX];	/* "": hostname */
	struct cfg_table	*domain;
	struct cfg_pki		*pki;
	struct cfg_loc		 loc;
};

enum cfg_filter_type {
	CFG_FILTER_FROM_ANY,
	CFG_FILTER_FROM_LOCAL,
	CFG_FILTER_FROM_SOCKET,
	CFG_FILTER_FROM_AUTH,		/* value, table or neither */
	CFG_FILTER_FROM_SRC,
	CFG_FILTER_FROM_MAIL_FROM,
	CFG_FILTER_FROM_RDNS,		/* table or none */
	CFG_FILTER_FOR_ANY,
	CFG_FILTER_FOR_LOCAL,
	CFG_FILTER_FOR_DOMAIN,
	CFG_FILTER_FOR_RCPT_TO,
	CFG_FILTER_AUTH,		/* value, table or neither */
	CFG_FILTER_HELO,
	CFG_FILTER_MAIL_FROM,
	CFG_FILTER_RCPT_TO,
	CFG_FILTER_TAG,
	CFG_FILTER_TLS
};

struct cfg_filter {
	TAILQ_ENTRY(cfg_filter)	 entry;
	enum cfg_filter_type	 type;
	int			 negate;
	char			*value;		/* or NULL */
	struct cfg_table	*table;		/* or NULL */
};

struct cfg_match {
	TAILQ_ENTRY(cfg_match)	 entry;
	TAILQ_HEAD(, cfg_filter) filters;	/* always one from, one for */
	int			 reject;
	struct cfg_action	*action;	/* NULL when reject */
	struct cfg_loc		 loc;
};

/*
 * SMTP filters (smtpd.conf "filter"): a builtin rule decides at one
 * phase of the session on conditions (struct cfg_filter, as in match
 * rules); a proc filter is a filter process (struct cfg_fproc) that
 * speaks smtpd-filters(7); a milter is a server speaking Sendmail's
 * milter protocol (struct cfg_milter); a chain runs its members in
 * order.
 */
enum cfg_sfilter_kind {
	CFG_SFILTER_BUILTIN,		/* phase P match ... DECISION */
	CFG_SFILTER_CHAIN,		/* chain { A, B } */
	CFG_SFILTER_PROC,		/* proc-exec "CMD", proc NAME */
	CFG_SFILTER_MILTER		/* milter "inet:H:P"|"unix:PATH" */
};

/*
 * A milter: "filter NAME milter ADDRESS [on-error accept|tempfail|reject]
 * [timeout DELAY]".  The lookup connects to it for every session of a
 * listener that runs it; timeout bounds each answer awaited.
 */
enum cfg_milter_onerror {
	CFG_MILTER_TEMPFAIL,		/* 451 4.7.1, the default */
	CFG_MILTER_ACCEPT,		/* the milter is skipped */
	CFG_MILTER_REJECT		/* 550 5.7.1 */
};
#define CFG_MILTER_TIMEOUT	30	/* seconds, default */
struct cfg_milter {
	char			 address[PATH_MAX_CFG];	/* as written */
	int			 unix;		/* unix:PATH, else inet */
	char			 host[HOST_MAX];	/* inet: a name or an
						   address */
	char			 port[8];	/* inet: numeric */
	char			 path[PATH_MAX_CFG];	/* unix */
	enum cfg_milter_onerror	 on_error;
	int			 on_error_set;
	long long		 timeout;	/* seconds */
	int			 timeout_set;
};

/*
 * A filter process: "proc NAME CMD ..." or the process of "filter NAME
 * proc-exec CMD ...", named after its filter.  The parent starts it as
 * user (default: the lookup's account) in chroot, if any.
 */
#define CFG_FPROC_MAX		16	/* filter processes */
struct cfg_fproc {
	TAILQ_ENTRY(cfg_fproc)	 entry;
	char			 name[NAME_MAX_CFG];
	uint32_t		 index;		/* position in cfg->fprocs */
	char			*command;	/* for /bin/sh -c */
	char			 user[NAME_MAX_CFG];	/* "": the default */
	char			 group[NAME_MAX_CFG];	/* "": user's */
	char			 chroot[PATH_MAX_CFG];	/* "": none */
	struct cfg_loc		 loc;
};

enum cfg_sfilter_phase {
	CFG_SFILTER_CONNECT,
	CFG_SFILTER_HELO,
	CFG_SFILTER_EHLO,
	CFG_SFILTER_STARTTLS,
	CFG_SFILTER_AUTH,
	CFG_SFILTER_MAIL_FROM,
	CFG_SFILTER_RCPT_TO,
	CFG_SFILTER_DATA,
	CFG_SFILTER_COMMIT,
	CFG_SFILTER_PHASES,		/* the phases of builtin filters */
	/* asked of filter processes only (smtpd-filters(7)) */
	CFG_SFILTER_RSET = CFG_SFILTER_PHASES,
	CFG_SFILTER_QUIT,
	CFG_SFILTER_NOOP,
	CFG_SFILTER_HELP,
	CFG_SFILTER_ALL_PHASES
};

enum cfg_sfilter_decision {
	CFG_SFILTER_PROCEED,		/* no rule decided (never configured) */
	CFG_SFILTER_BYPASS,		/* the rest of the chain is skipped */
	CFG_SFILTER_REJECT,		/* message: "4xx/5xx text" */
	CFG_SFILTER_DISCONNECT,		/* message, then the session ends */
	CFG_SFILTER_JUNK,		/* X-Spam: yes on the message(s) */
	CFG_SFILTER_REWRITE,		/* message: the new argument */
	CFG_SFILTER_DISCARD,		/* a milter's: 250, nothing queued
					   (commit phase only) */
	CFG_SFILTER_REPORT,		/* message: told to the processes
					   (filter-report), the phase goes on */
	CFG_SFILTER_DECISIONS
};

#define CFG_SFILTER_MEMBERS	32	/* filters in one chain */
#define CFG_SFILTER_MSG_MAX	500	/* a reject or disconnect reply */

struct cfg_sfilter {
	TAILQ_ENTRY(cfg_sfilter) entry;
	char			 name[NAME_MAX_CFG];
	uint32_t		 index;		/* position in cfg->sfilters */
	enum cfg_sfilter_kind	 kind;
	/* builtin */
	enum cfg_sfilter_phase	 phase;
	TAILQ_HEAD(, cfg_filter) conds;		/* all must match */
	enum cfg_sfilter_decision decision;
	char			*message;	/* reject, disconnect,
						   rewrite */
	/* proc */
	struct cfg_fproc	*proc;
	/* milter */
	struct cfg_milter	*milter;
	/* chain: builtin, proc and milter filters */
	struct cfg_sfilter	*members[CFG_SFILTER_MEMBERS];
	size_t			 nmembers;
	struct cfg_loc		 loc;
};

struct cfg_smtp {
	long long		 max_message_size;	/* bytes, default 35M */
	int			 max_mails;		/* default 100 */
	int			 max_rcpt;		/* default 1000 */
	int			 max_sessions;		/* default 1000 */
	int			 max_sessions_per_address; /* default 50 */
	int			 session_rate;		/* per address and
							   minute; 0: none */
	char			 sub_addr_delim;	/* default '+' */
	char			*ciphers;		/* NULL: library default */
};

struct cfg_queue {
	char			 path[PATH_MAX_CFG];	/* default POSTHORN_SPOOL */
	long long		 ttl;			/* seconds, default 4d */
	int			 compression;
	int			 encryption;
	char			*encryption_key;	/* NULL: none given */
};

struct cfg {
	TAILQ_HEAD(, cfg_listener) listeners;
	TAILQ_HEAD(, cfg_table)	 tables;
	TAILQ_HEAD(, cfg_pki)	 pkis;
	TAILQ_HEAD(, cfg_ca)	 cas;
	TAILQ_HEAD(, cfg_action) actions;
	TAILQ_HEAD(, cfg_match)	 matches;
	TAILQ_HEAD(cfg_sfilter_list, cfg_sfilter) sfilters;
	TAILQ_HEAD(cfg_fproc_list, cfg_fproc) fprocs;
	struct cfg_smtp		 smtp;
	struct cfg_queue	 queue;
	long long		 bounce_warn[CFG_WARN_MAX];	/* ascending */
	size_t			 nbounce_warn;		/* default 1: 4h */
	int			 mta_max_deferred;	/* default 100 */
	char			**files;	/* every file read */
	size_t			 nfiles;
};

struct cfg	*cfg_load(const char *path, char *const *defines, char *err,
		    size_t errsz);
void		 cfg_free(struct cfg *);
void		 cfg_wipe_queue_key(struct cfg *);

struct cfg_table	*cfg_table_find(const struct cfg *, const char *);
struct cfg_action	*cfg_action_find(const struct cfg *, const char *);
struct cfg_pki		*cfg_pki_find(const struct cfg *, const char *);
struct cfg_ca		*cfg_ca_find(const struct cfg *, const char *);

/* cfg_sfilter.c: SMTP filters */
struct cfg_sfilter	*cfg_sfilter_find(const struct cfg *, const char *);
struct cfg_sfilter	*cfg_sfilter_at(const struct cfg *, uint32_t index);
struct cfg_sfilter	*cfg_sfilter_add(struct cfg *, const char *name);
struct cfg_filter	*cfg_sfilter_cond_add(struct cfg_sfilter *,
			    enum cfg_filter_type, int negate);
void			 cfg_sfilter_free_all(struct cfg *);
int			 cfg_sfilter_wants(const struct cfg_sfilter *,
			    enum cfg_sfilter_phase);
int			 cfg_sfilter_reaches(const struct cfg_sfilter *,
			    const struct cfg_sfilter *rule);
const char		*cfg_sfilter_phase_name(enum cfg_sfilter_phase);
int			 cfg_sfilter_reply_valid(const char *);
int			 cfg_sfilter_has_proc(const struct cfg_sfilter *);
int			 cfg_sfilter_has_remote(const struct cfg_sfilter *);
int			 cfg_sfilter_rewrite_valid(enum cfg_sfilter_phase,
			    const char *);

/* cfg_fproc.c: filter processes */
struct cfg_fproc	*cfg_fproc_find(const struct cfg *, const char *);
struct cfg_fproc	*cfg_fproc_at(const struct cfg *, uint32_t index);
void			 cfg_fproc_free_all(struct cfg *);

int	cfg_delay_parse(const char *, long long *secs);
int	cfg_size_parse(const char *, long long *bytes);
int	cfg_relay_url_parse(const char *, struct cfg_relay_host *,
	    char *err, size_t errsz);

/* used by the parser (cfg_parse.y) to build the model */
struct cfg		*cfg_new(void);
const char		*cfg_file_add(struct cfg *, const char *path);
struct cfg_table	*cfg_table_add(struct cfg *, const char *name);
struct cfg_pki		*cfg_pki_add(struct cfg *, const char *name);
struct cfg_ca		*cfg_ca_add(struct cfg *, const char *name);
struct cfg_action	*cfg_action_add(struct cfg *, const char *name);
struct cfg_listener	*cfg_listener_add(struct cfg *, const char *addr);
struct cfg_match	*cfg_match_add(struct cfg *);
void			 cfg_table_entry_add(struct cfg_table *,
			    const char *key, const char *value);
struct cfg_filter	*cfg_filter_add(struct cfg_match *,
			    enum cfg_filter_type, int negate);

#endif
