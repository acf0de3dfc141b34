/*
 * srv.h - the SMTP listener process: listeners, sessions, transactions,
 * TLS and the round trips to the lookup and queue processes.
 */
#ifndef POSTHORN_SRV_H
#define POSTHORN_SRV_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cfg.h"
#include "defs.h"
#include "ipc_msgs.h"
#include "smtp_data.h"

struct cfg_listener;
struct event;
struct proc_env;
struct bufferevent;
struct smtp_cmd;
struct ssl_ctx_st;
struct srv_session;

#define SRV_TIMEOUT_CMD		300	/* RFC 5321 4.5.3.2.7 */
#define SRV_TIMEOUT_DATA	600	/* 4.5.3.2.6, data termination */
#define SRV_ERRORS_MAX		10	/* protocol errors before 421 */
#define SRV_AUTH_DELAY_MAX	8	/* seconds, cap of the 535 delay */
#define SRV_RECEIVED_MAX	100	/* Received: headers before a loop */
#define SRV_INPUT_MAX		16384	/* input buffered before reading stops */
#define SRV_OUTPUT_MAX		16384	/* replies queued before input waits */
#define SRV_RDNS_WAIT		2	/* seconds the 220 waits for rdns */
#define SRV_LOCAL_MAX		256	/* enqueuer sessions, apart from the
					   network's max-sessions */
#define SRV_DATA_MIN_RATE	1024	/* octets a second DATA must keep up
					   beyond its time-out */

struct srv_listener {
	TAILQ_ENTRY(srv_listener)	 entry;
	struct srv			*srv;
	int				 fd;
	struct event			*ev;
	uint32_t			 index;		/* in cfg->listeners */
	uint32_t			 flags;		/* IPC_LSN_* */
	const struct cfg_listener	*cfg;		/* NULL: local socket */
	struct srv_tls			*tls;		/* NULL: no TLS */
	char				 name[HOST_MAX];
};

RB_HEAD(srv_session_tree, srv_session);
struct srv_limit_addr;

struct srv {
	struct proc_env			*env;
	struct ipc			*parent;
	struct ipc			*queue;
	struct ipc			*lookup;
	TAILQ_HEAD(, srv_listener)	 listeners;
	TAILQ_HEAD(, srv_session)	 sessions;
	struct srv_session_tree		 tree;
	struct srv_tls			**tls;		/* per cfg listener */
	size_t				 ntls;
	struct keyproxy			*keys;		/* NULL: no TLS */
	struct msg_stats_smtpd		 stats;
	unsigned int			 net_current;	/* network sessions */
	unsigned int			 local_current;	/* enqueuer sessions */
	struct event			*sweep;		/* srv_limit.c */
	int				 paused;
	int				 stopping;
	time_t				 timeout_cmd;	/* seconds */
	time_t				 timeout_data;
	char				 hostname[HOST_MAX];
};

/* session states: the commands allowed are chosen by these bits */
enum srv_state {
	SRV_ST_CONNECTED	= 0x01,	/* before HELO/EHLO */
	SRV_ST_HELO		= 0x02,	/* ready for MAIL */
	SRV_ST_MAIL		= 0x04,	/* MAIL accepted, no recipient yet */
	SRV_ST_RCPT		= 0x08,	/* at least one recipient */
	SRV_ST_BDAT		= 0x10	/* between BDAT chunks */
};
#define SRV_ST_ANY	0x1f

/* how the session reads its input */
enum srv_input {
	SRV_IN_CMD,		/* command lines */
	SRV_IN_DATA,		/* DATA up to CRLF.CRLF */
	SRV_IN_CHUNK,		/* a BDAT chunk of known length */
	SRV_IN_AUTH,		/* an AUTH continuation line */
	SRV_IN_WAIT		/* a reply from another process is due */
};

/* session flags */
#define SRV_F_EHLO		0x0001	/* EHLO, not HELO */
#define SRV_F_TLS		0x0002	/* in TLS */
#define SRV_F_AUTH		0x0004	/* authenticated */
#define SRV_F_CLOSING		0x0008	/* closes once its output is sent */
#define SRV_F_SKIPLINE		0x0010	/* eating the rest of a long line */
#define SRV_F_STARTTLS		0x0020	/* TLS starts once 220 is sent */
#define SRV_F_LOCAL		0x0040	/* arrived on the enqueuer socket */
#define SRV_F_VERIFIED		0x0080	/* client certificate verified */
#define SRV_F_PROCESSING	0x0100	/* inside the input loop */
#define SRV_F_EOF		0x0200	/* the client will send no more */
#define SRV_F_JUNK		0x0400	/* a filter junked the session */
#define SRV_F_JUNK_TX		0x0800	/* a filter junked the transaction */
#define SRV_F_FREPORT		0x1000	/* its listener runs filter processes:
					   report events to the lookup */

/* the header scanner: counts Received: lines of the header section */
struct srv_tx_hdr {
	int		 in_body;	/* past the empty line */
	int		 bol;		/* at the start of a line */
	size_t		 matched;	/* octets of "received:" matched */
	size_t		 received;	/* Received: headers seen */
};

/* BDAT octets to spool text: CRLF -> "\n", bare CR or LF flagged */
struct srv_tx_conv {
	int		 cr;		/* a CR ends the previous chunk */
	int		 flags;		/* SMTP_DATA_* */
	size_t		 linelen;
	uint64_t	 size;		/* spool octets with CRLF counted 2 */
};

/*
 * one mail transaction, from MAIL to the queue's verdict: the queue
 * opens it once the lookup accepted MAIL, and holds its envelopes,
 * which the lookup makes; the listener keeps the client's claims and
 * the transaction's reference (msgid)
 */
struct srv_fdata;
struct srv_tx {
	uint32_t		 msgid;		/* 0 until the queue opened it */
	int			 fd;		/* the incoming message, or -1 */
	int			 opening;	/* MSG_TX_OPEN sent */
	char			 sender[ADDR_MAX];
	uint32_t		 evflags;	/* ENVELOPE_F_* */
	uint32_t		 ret;		/* envelope_ret */
	char			 envid[ENVID_MAX];
	int			 utf8;		/* MAIL had SMTPUTF8 */
	size_t			 nrcpt;		/* RCPT commands accepted */
	size_t			 over_rcpt;	/* refused past max-rcpt */
	char			*rcpt1;		/* the first one accepted */
	char			 cur_rcpt[ADDR_MAX];	/* the RCPT in flight */
	char			*cur_orcpt;
	uint32_t		 cur_notify;
	/* receiving */
	struct smtp_data_in	 din;
	struct srv_tx_conv	 bdat;
	struct srv_tx_hdr	 hdr;
	uint64_t		 received;	/* client octets since DATA or
						   the first BDAT */
	int			 chunk_last;	/* the chunk in flight is LAST */
	uint64_t		 written;	/* octets written to fd */
	struct srv_fdata	*fdata;		/* through the filters */
	int			 code;		/* the failure, or 0 */
	const char		*enhanced;
	const char		*text;
};

struct srv_auth;
struct srv_rdns;
struct srv_filter;

/* a numeric IPv6 address with a scope, or "local" */
#define SRV_SRC_MAX	64

struct srv_session {
	RB_ENTRY(srv_session)		 node;
	TAILQ_ENTRY(srv_session)	 entry;
	struct srv			*srv;
	struct srv_listener		*listener;
	struct bufferevent		*bev;
	int				 fd;
	uint64_t			 id;
	unsigned int			 state;		/* SRV_ST_* */
	enum srv_input			 input;
	unsigned int			 flags;		/* SRV_F_* */
	unsigned int			 errors;
	unsigned int			 auth_failures;
	unsigned int			 nmails;	/* committed */
	unsigned int			 nrcpts;	/* committed */
	uint64_t			 chunk_left;	/* BDAT octets to read */
	int				 chunk_skip;	/* refused: discard them */
	struct srv_tx			*tx;
	struct srv_auth			*auth;
	struct event			*delay;
	struct srv_limit_addr		*limit;		/* its address's budget */
	time_t				 deadline;	/* monotonic; 0: none */
	time_t				 data_start;	/* DATA's 354 */
	char				*auth_user;
	struct srv_rdns			*rdns_lookup;	/* while resolving */
	struct srv_filter		*filter;	/* a phase waiting for
							   its verdict */
	char				*rdns;		/* confirmed, or NULL */
	char				*helo;		/* HELO/EHLO, or NULL */
	char				 src[SRV_SRC_MAX]; /* numeric address */
};

int	srv_session_cmp(struct srv_session *, struct srv_session *);
RB_PROTOTYPE(srv_session_tree, srv_session, node, srv_session_cmp);

/* srv.c */
void	srv_init(struct srv *, struct proc_env *);
void	srv_channels(struct srv *, int parent, int queue, int lookup);
void	srv_listener_add(struct srv *, int fd, uint32_t index,
	    uint32_t flags, const char *name);
void	srv_session_closed(struct srv *);
const char *srv_hostname(const struct srv_session *);
const char *srv_helo(const struct srv_session *);

/* srv_limit.c */
time_t	srv_limit_now(void);
int	srv_limit_admit(struct srv *, const struct srv_listener *,
	    const struct sockaddr *, struct srv_limit_addr **, char *err,
	    size_t errsz);
void	srv_limit_release(struct srv *, struct srv_session *);
void	srv_limit_data(struct srv_session *, uint64_t octets);
void	srv_limit_start(struct srv *);
size_t	srv_limit_addresses(void);

/* srv_session.c */
void	srv_session_start(struct srv *, int fd, struct srv_listener *,
	    const struct sockaddr *, socklen_t, struct srv_limit_addr *);
void	srv_session_timeout(struct srv_session *);
void	srv_session_shutdown_all(struct srv *);
struct srv_session *srv_session_find(struct srv *, uint64_t id);
void	srv_reply(struct srv_session *, int code, const char *enhanced,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	srv_session_resume(struct srv_session *);
void	srv_session_close(struct srv_session *);
void	srv_session_strike(struct srv_session *);
void	srv_session_set_bev(struct srv_session *, struct bufferevent *);

/* srv_cmd.c */
void	srv_cmd_line(struct srv_session *, const char *line, size_t len);
int	srv_cmd_parse_flags(const struct srv_session *);
void	srv_cmd_skip_chunk(struct srv_session *, const struct smtp_cmd *);

/* srv_tx.c */
void	srv_tx_free(struct srv_session *);
void	srv_tx_reset(struct srv_session *);
void	srv_tx_open(struct srv_session *);
void	srv_tx_data(struct srv_session *);
void	srv_tx_bdat(struct srv_session *, const struct smtp_cmd *);
void	srv_tx_input(struct srv_session *);
void	srv_tx_spool(struct srv_session *, const char *, size_t);
void	srv_tx_fail(struct srv_tx *, int, const char *, const char *);
void	srv_tx_on_opened(struct ipc *, uint32_t, int, const void *, void *);
void	srv_tx_on_committed(struct ipc *, uint32_t, int, const void *,
	    void *);
void	srv_tx_hdr_init(struct srv_tx_hdr *);
void	srv_tx_hdr_feed(struct srv_tx_hdr *, const char *, size_t);
void	srv_tx_conv_init(struct srv_tx_conv *);
size_t	srv_tx_conv_feed(struct srv_tx_conv *, const char *in,
	    size_t inlen, char *out);
void	srv_tx_conv_end(struct srv_tx_conv *);
int	srv_tx_received(char *buf, size_t bufsz, const char *helo,
	    const char *rdns, const char *src, const char *hostname,
	    const char *with, const char *tlsinfo, uint32_t msgid,
	    const char *rcpt, const char *date);

/* srv_lookup.c */
void	srv_lookup_sess(const struct srv_session *, struct ipc_sess *);
void	srv_lookup_mail(struct srv_session *, const char *sender);
void	srv_lookup_rcpt(struct srv_session *, const char *rcpt);
void	srv_lookup_auth(struct srv_session *, const char *user,
	    const char *pass);
void	srv_lookup_on_result(struct ipc *, uint32_t, int, const void *,
	    void *);
void	srv_lookup_on_rcpt_result(struct ipc *, uint32_t, int, const void *,
	    void *);

/* srv_filter.c: a phase runs on once the listener's filter let it */
typedef void	(*srv_filter_fn)(struct srv_session *,
		    const struct smtp_cmd *);
void	srv_filter_phase(struct srv_session *, enum cfg_sfilter_phase,
	    const struct smtp_cmd *, srv_filter_fn);
void	srv_filter_cmd(struct srv_session *, srv_filter_fn,
	    const struct smtp_cmd *);
void	srv_filter_on_result(struct ipc *, uint32_t, int, const void *,
	    void *);
void	srv_filter_free(struct srv_session *);
void	srv_filter_end(struct srv_session *);

/* srv_fdata.c: the message through the filter processes (data-line) */
typedef void	(*srv_fdata_fn)(struct srv_session *);
int	srv_fdata_start(struct srv_session *);
void	srv_fdata_write(struct srv_tx *, const char *, size_t);
void	srv_fdata_end(struct srv_session *, srv_fdata_fn);
void	srv_fdata_free(struct srv_tx *);
int	srv_filter_junk(const struct srv_session *);

/* srv_fevent.c: report events for the filter processes */
void	srv_fevent(struct srv_session *, uint32_t event, uint32_t msgid,
	    uint32_t result, uint64_t size, const char *text);
uint32_t srv_fevent_result(int code);
void	srv_fevent_replies(struct srv_session *, const char *);
void	srv_fevent_command(struct srv_session *, const char *, size_t);

/* srv_auth.c */
void	srv_auth_start(struct srv_session *, const struct smtp_cmd *);
void	srv_auth_line(struct srv_session *, const char *, size_t);
void	srv_auth_result(struct srv_session *, int code, const char *enhanced,
	    const char *text);
void	srv_auth_free(struct srv_session *);
int	srv_auth_plain_decode(const char *b64, char *user, size_t usersz,
	    char *pass, size_t passsz);
int	srv_auth_b64_decode(const char *in, char *out, size_t outsz,
	    size_t *outlen);

/* srv_tls.c */
struct srv_tls;
struct keyproxy;
struct srv_tls *srv_tls_load(const struct cfg_listener *,
	    const char *ciphers, struct keyproxy *);
int	srv_tls_start(struct srv_session *);
void	srv_tls_connected(struct srv_session *);
void	srv_tls_info(const struct srv_session *, char *buf, size_t bufsz);

/* srv.c: the listener process's entry point, in smtpd(8)'s role table */
int	srv_main(struct proc_env *);

#endif
