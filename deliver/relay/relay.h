/*
 * relay.h - the relay client of the deliver role: outbound SMTP and
 * LMTP for the envelopes of `relay` actions.
 *
 * relay.c takes MSG_RELAY_RUN jobs from the queue and answers each with
 * exactly one MSG_RELAY_RESULT, joining the recipients of one message
 * into one transaction while its MAIL FROM has not gone; relay_mx.c
 * finds where a job goes (the action's host, or the MX records of the
 * recipient's domain) and hands out one address after the other;
 * relay_session.c speaks SMTP or LMTP to one address on the event
 * loop, over the socket, connect and TLS layer of relay_conn.c, driving
 * the client engine of the protocol core (smtp_client.c); relay_pool.c
 * keeps connections whose transaction ended cleanly for the next job
 * to the same route; relay_tls.c holds the TLS client contexts;
 * relay_text.c builds the result texts (pure).
 * Everything read from disk (CA bundle, client keys, credentials and
 * domain tables, resolv.conf) is read before the process chroots.
 */
#ifndef POSTHORN_RELAY_H
#define POSTHORN_RELAY_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "defs.h"
#include "envelope.h"

#define RELAY_TIMEOUT_CONNECT	30	/* seconds to connect (and TLS) */
#define RELAY_TIMEOUT_REPLY	300	/* seconds per reply (5321 4.5.3.2) */
#define RELAY_TIMEOUT_DOT	600	/* seconds for the final dot's reply */
#define RELAY_TLS_OUT_MAX	65536	/* octets of records queued under TLS */
#define RELAY_HOPS_MAX		64	/* addresses tried per job */
#define RELAY_POOL_IDLE		5	/* seconds a connection waits idle */
#define RELAY_POOL_ROUTE_MAX	8	/* idle connections per route */
#define RELAY_POOL_MAX		64	/* idle connections in all */
#define RELAY_RCPTS_MAX		100	/* recipients per transaction */
#define RELAY_CA_FILE		"/etc/ssl/certs/ca-certificates.crt"

struct bufferevent;
struct cfg;
struct cfg_action;
struct event;
struct ipc;
struct relay;
struct relay_job;
struct relay_pool;
struct relay_route;
struct relay_session;
struct relay_tls;
struct ssl_ctx_st;

enum relay_status {
	RELAY_OK,
	RELAY_TEMPFAIL,		/* the destination failed: it is suspended */
	RELAY_TEMPFAIL_RCPT,	/* a 4xx for this recipient or message only */
	RELAY_PERMFAIL
};

/* one address to try, and the name it goes by (for TLS and texts) */
struct relay_hop {
	struct sockaddr_storage	 ss;
	char			 name[HOST_MAX];	/* MX or host name */
};

/* the route of a connection: what must match to reuse it */
struct relay_pool_key {
	const struct cfg_action	*action;	/* TLS, auth, helo, src */
	struct sockaddr_storage	 ss;
	char			 name[HOST_MAX];
	char			 domain[HOST_MAX];	/* auth by domain */
};

/* when the replies a session awaits are late (relay_deadline.c) */
struct relay_deadline {
	time_t	at;		/* monotonic second; 0: no reply awaited */
	int	secs;		/* the time-out of the stage */
};

/* what the message file holds, measured once per job */
struct relay_msginfo {
	uint64_t	size;		/* octets on the wire, CRLF = 2 */
	int		eightbit;	/* an octet over 127 */
};


/*
 * a job: one envelope, its message and where it stands.  The jobs of
 * one message that arrive together and share a route go as one
 * transaction: the first (the leader) holds the route and the session,
 * the others follow it on its `more` list and get their own results.
 */
struct relay_job {
	struct relay			*relay;
	struct envelope			 evp;
	const struct cfg_action		*action;
	int				 msg_fd;
	struct relay_msginfo		 info;
	char				 domain[HOST_MAX];	/* rcpt's */
	struct relay_route		*route;
	struct relay_session		*sess;
	char				 lasterr[ERRTEXT_MAX];
	int				 done;
	struct relay_job		*more;		/* same transaction */
	size_t				 nrcpts;	/* leader: with more */
	int				 leading;	/* on the leaders list */
	TAILQ_ENTRY(relay_job)		 lentry;
};

/* relay.c */
struct keyproxy;
struct relay	*relay_new(const struct cfg *, struct ipc *queue,
		    struct keyproxy *);
void		 relay_set_queue(struct relay *, struct ipc *);
int		 relay_job_is_self(const struct relay_job *,
		    const struct sockaddr *);
void		 relay_on_run(struct ipc *, uint32_t, int, const void *,
		    void *);
void		 relay_stats(const struct relay *, uint64_t *total,
		    uint64_t *current);
void		 relay_job_done(struct relay_job *, enum relay_status,
		    const char *text);
void		 relay_job_done_all(struct relay_job *, enum relay_status,
		    const char *text);
void		 relay_job_next(struct relay_job *);
int		 relay_job_creds(struct relay_job *, char *user,
		    size_t usersz, char *pass, size_t passsz);
const char	*relay_job_helo(const struct relay_job *);
const char	*relay_job_hostname(const struct relay_job *);
struct relay_tls *relay_tls_of(const struct relay *);
struct relay_pool *relay_pool_of(const struct relay *);

/* relay_route.c */
typedef void (*relay_route_cb)(struct relay_job *, const struct relay_hop *,
    enum relay_status, const char *text);
struct relay_route *relay_route_new(struct relay_job *);
void		 relay_route_free(struct relay_route *);
void		 relay_route_next(struct relay_route *, relay_route_cb);

/* relay_mx.c */
enum relay_mx_verdict {
	RELAY_MX_OK,		/* hosts to try are in the output */
	RELAY_MX_NULL,		/* a null MX: the domain takes no mail */
	RELAY_MX_SELF		/* backup: we are the best MX left */
};
struct dns_mx;
enum relay_mx_verdict relay_mx_select(const struct dns_mx *, size_t n,
		    int backup, const char *self, struct dns_mx *out,
		    size_t *nout);
int		 relay_mx_literal(const char *host, int port,
		    struct sockaddr_storage *);
int		 relay_mx_port(const struct cfg_action *);
const char	*relay_mx_addrstr(const struct sockaddr_storage *, char *buf,
		    size_t bufsz);

/* relay_pool.c */
struct relay_pool *relay_pool_new(void);
void		 relay_pool_key(const struct relay_job *,
		    const struct relay_hop *, struct relay_pool_key *);
struct relay_session *relay_pool_take(struct relay_pool *,
		    const struct relay_pool_key *);
int		 relay_pool_park(struct relay_pool *,
		    const struct relay_pool_key *, struct relay_session *);
void		 relay_pool_drop(struct relay_pool *,
		    const struct relay_session *);
size_t		 relay_pool_count(const struct relay_pool *,
		    const struct relay_pool_key *);

/* relay_session.c */
struct relay_session *relay_session_new(struct relay_job *,
		    const struct relay_hop *);
void		 relay_session_free(struct relay_session *);
int		 relay_session_unsent(const struct relay_session *);
void		 relay_session_grow(struct relay_session *);

/* relay_deadline.c */
time_t		 relay_deadline_now(void);
void		 relay_deadline_await(struct relay_deadline *, time_t now,
		    int secs);
void		 relay_deadline_reply(struct relay_deadline *, time_t now);
void		 relay_deadline_stop(struct relay_deadline *);
long		 relay_deadline_left(const struct relay_deadline *,
		    time_t now);
void		 relay_deadline_timer(const struct relay_deadline *,
		    struct event *);

/* relay_conn.c */
struct bufferevent *relay_conn_open(const struct cfg_action *,
		    const struct relay_hop *, char *why, size_t whysz);
int		 relay_conn_connect(struct bufferevent *,
		    const struct relay_hop *);
struct bufferevent *relay_conn_tls(struct bufferevent *, struct ssl_ctx_st *,
		    const struct cfg_action *, const struct relay_hop *,
		    const char *addr);
int		 relay_conn_verifies(const struct cfg_action *);
void		 relay_conn_quickack(struct bufferevent *);
void		 relay_conn_errstr(struct bufferevent *, short what, char *buf,
		    size_t bufsz);

/* relay_tls.c */
struct relay_tls *relay_tls_new(const struct cfg *, struct keyproxy *);
struct ssl_ctx_st *relay_tls_ctx(const struct relay_tls *,
		    const struct cfg_action *);

/* relay_text.c */
int	relay_text_remote(char *buf, size_t bufsz, const char *host,
	    int code, const char *enhanced, const char *text);
int	relay_text_domain(const char *addr, char *buf, size_t bufsz);
void	relay_text_fmt(char *buf, size_t bufsz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
