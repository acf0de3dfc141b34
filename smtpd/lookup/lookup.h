/*
 * lookup.h - the lookup role's private interfaces: its state and the
 * requests that wait for the parent (lookup.c), recipients and their
 * envelopes (lookup_rcpt.c), the opened tables of the configuration
 * and the AUTH checks.
 */
#ifndef POSTHORN_LOOKUP_H
#define POSTHORN_LOOKUP_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "ipc.h"
#include "lookup_expand.h"
#include "lookup_rule.h"
#include "table.h"

struct proc_env;

/*
 * One request waiting for the parent: a RCPT's .forward or an AUTH.  A
 * notice's expansion for the queue is a RCPT request with notice set:
 * its answers go to the queue under the queue's qreqid.
 */
struct lookup_req {
	TAILQ_ENTRY(lookup_req)	 entry;
	struct lookup		*l;
	uint64_t		 reqid;
	uint64_t		 sessid;	/* a notice's evpid, for logs */
	int			 notice;
	uint64_t		 qreqid;
	struct msg_lka_rcpt	 rcpt;		/* RCPT only */
	void			(*added)(void *, int);	/* a milter's
						   recipient: told when its
						   envelopes are sent */
	void			*added_arg;
	char			 src[HOST_MAX];	/* AUTH only: the client */
	struct lookup_expand_ops ops;
	struct lookup_expand	*x;
};

struct lookup {
	struct proc_env		*env;
	struct ipc		*parent;
	struct ipc		*queue;
	struct ipc		*smtpd;
	struct lookup_tables	*tables;
	struct lookup_authlimit	*authlimit;
	struct lookup_fprocs	*fprocs;
	char			**localnames;
	char			 hostname[HOST_MAX];	/* this host's name */
	TAILQ_HEAD(, lookup_req) reqs;
	uint64_t		 nextreq;
};

/* lookup.c: what the role answers on each channel */
extern const struct ipc_handler	lookup_parent_handlers[];
extern const struct ipc_handler	lookup_queue_handlers[];
extern const struct ipc_handler	lookup_smtpd_handlers[];

const struct cfg_listener *lookup_listener(const struct lookup *,
			    const struct ipc_sess *);
const struct cfg_listener *lookup_listener_at(const struct lookup *,
			    uint32_t);
int			 lookup_addr_valid(const char *, int flags);
void			 lookup_rule_ctx_sess(const struct lookup *,
			    const struct ipc_sess *, const char *sender,
			    const char *rcpt, struct lookup_rule_ctx *);
struct lookup_req	*lookup_req_new(struct lookup *, uint64_t sessid);
struct lookup_req	*lookup_req_find(struct lookup *, uint64_t reqid,
			    const char *what);
void			 lookup_req_free(struct lookup_req *);

/* lookup_rcpt.c: MSG_LOOKUP_RCPT, MSG_LOOKUP_NOTICE and MSG_FORWARD_FD */
void	lookup_rcpt_on_request(struct ipc *, uint32_t, int, const void *,
	    void *);
void	lookup_rcpt_on_notice(struct ipc *, uint32_t, int, const void *,
	    void *);
void	lookup_rcpt_on_forward(struct ipc *, uint32_t, int, const void *,
	    void *);
int	lookup_rcpt_added(struct lookup *, const struct msg_lka_rcpt *,
	    void (*)(void *, int), void *);
void	lookup_rcpt_added_cancel(struct lookup *, void *);

/* lookup_filter.c: MSG_LOOKUP_FILTER, the listeners' SMTP filters */
int	lookup_filter_one(const struct cfg_sfilter *, enum cfg_sfilter_phase,
	    const struct lookup_rule_ctx *, lookup_table_fn, void *);
int	lookup_filter_run(const struct cfg_sfilter *, enum cfg_sfilter_phase,
	    const struct lookup_rule_ctx *, lookup_table_fn, void *,
	    uint64_t sessid, const struct cfg_sfilter **decided);
void	lookup_filter_report(uint64_t, const struct cfg_sfilter *);
void	lookup_filter_on_request(struct ipc *, uint32_t, int, const void *,
	    void *);

/* Every table of a configuration, opened (lookup_tables.c). */
struct lookup_tables;

struct lookup_tables	*lookup_tables_open(const struct cfg *, char *err,
			    size_t errsz);
int			 lookup_tables_reload(struct lookup_tables *,
			    const char *name, char *err, size_t errsz);
struct table		*lookup_tables_find(const struct lookup_tables *,
			    const struct cfg_table *);
int			 lookup_tables_lookup(void *arg,
			    const struct cfg_table *, enum table_kind,
			    const char *key, union table_result *out);
void			 lookup_tables_check(struct lookup_tables *);
void			 lookup_tables_watch(struct lookup_tables *);
void			 lookup_tables_free(struct lookup_tables *);

/* AUTH against a credentials table (lookup_auth.c). */
#define LOOKUP_AUTH_OK		1	/* credentials valid */
#define LOOKUP_AUTH_REFUSED	0	/* unknown user or wrong password */
#define LOOKUP_AUTH_ERROR	(-1)	/* table failure: try again later */
#define LOOKUP_AUTH_LIMITED	2	/* the address failed too often */

int	lookup_auth_table(struct lookup_tables *, const struct cfg_table *,
	    const char *user, const char *pass);
int	lookup_auth_senders(struct lookup_tables *,
	    const struct cfg_listener *, const char *auth_user,
	    const char *sender);

/*
 * Failed AUTH per client address (lookup_authlimit.c): after
 * LOOKUP_AUTHLIMIT_FAILS failures within LOOKUP_AUTHLIMIT_WINDOW seconds
 * an address is refused at once until the window has passed.  IPv6
 * addresses count by their /64.  At most LOOKUP_AUTHLIMIT_ADDRS
 * addresses are remembered; the one that failed longest ago goes first.
 */
#define LOOKUP_AUTHLIMIT_FAILS	5
#define LOOKUP_AUTHLIMIT_WINDOW	300
#define LOOKUP_AUTHLIMIT_ADDRS	10000
#define LOOKUP_QUEUE_HIGH	(8 * 1024 * 1024) /* octets for the queue
						     before the listener
						     waits */

struct lookup_authlimit;

struct lookup_authlimit	*lookup_authlimit_new(unsigned fails,
			    int64_t window, size_t addrs);
int			 lookup_authlimit_check(struct lookup_authlimit *,
			    const char *src, int64_t now);
unsigned		 lookup_authlimit_fail(struct lookup_authlimit *,
			    const char *src, int64_t now);
void			 lookup_authlimit_free(struct lookup_authlimit *);

/* lookup.c: the lookup process's entry point, in smtpd(8)'s role table */
int	lookup_main(struct proc_env *);

#endif
