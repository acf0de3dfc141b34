/*
 * relay.c - relay jobs: MSG_RELAY_RUN from the queue, checked, routed
 * and run, and exactly one MSG_RELAY_RESULT for each, whatever happens
 * on the way.  A job joins the transaction of an earlier job of the
 * same message, action and sender (and recipient domain, unless the
 * action names its host) while that one has not sent MAIL FROM yet
 * (it is being routed, connects or greets): the queue hands a
 * message's recipients out one by one as they are expanded, and they
 * go as one transaction of up to RELAY_RCPTS_MAX recipients, one RCPT
 * each, without waiting for each other.  The credentials (`auth
 * <table>`) and domain tables of the relay actions are read once,
 * before the process chroots: changing them needs a restart.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ipc.h"
#include "log.h"
#include "relay.h"
#include "relay_self.h"
#include "smtp_addr.h"
#include "smtp_client.h"
#include "table.h"
#include "table_cfg.h"
#include "xmalloc.h"

#define RELAY_READ_CHUNK	65536

struct relay {
	const struct cfg	 *cfg;
	struct ipc		 *queue;
	struct relay_tls	 *tls;
	struct relay_pool	 *pool;		/* idle connections */
	char			  hostname[HOST_MAX];
	struct relay_self	 *self;		/* where we listen */
	const struct cfg_table	**cfgt;		/* tables of relay actions */
	struct table		**t;
	size_t			  nt;
	uint64_t		  total;
	uint64_t		  current;
	TAILQ_HEAD(, relay_job)	  leaders;	/* jobs leading a transaction */
};

/* relay_table_open - one configured table, read now; fatal on failure */
static struct table *
relay_table_open(const struct cfg_table *ct)
{
	struct table	*t;
	char		 err[ERRTEXT_MAX];

	if ((t = table_cfg_open(ct, err, sizeof(err))) == NULL)
		fatalx("relay: %s", err);
	return t;
}

/* relay_table_want - keep a table of a relay action, once */
static void
relay_table_want(struct relay *r, const struct cfg_table *ct)
{
	size_t	i;

	if (ct == NULL)
		return;
	for (i = 0; i < r->nt; i++)
		if (r->cfgt[i] == ct)
			return;
	r->cfgt = xreallocarray(r->cfgt, r->nt + 1, sizeof(*r->cfgt));
	r->t = xreallocarray(r->t, r->nt + 1, sizeof(*r->t));
	r->cfgt[r->nt] = ct;
	r->t[r->nt++] = relay_table_open(ct);
}

/* relay_table - the opened table of a configured one */
static struct table *
relay_table(const struct relay *r, const struct cfg_table *ct)
{
	size_t	i;

	for (i = 0; i < r->nt; i++)
		if (r->cfgt[i] == ct)
			return r->t[i];
	panic("relay: table %s not opened", ct->name);
}

/*
 * relay_new - the relay state; reads certificates and tables (before
 * chroot); keys makes the private operations of client certificates
 */
struct relay *
relay_new(const struct cfg *cfg, struct ipc *queue, struct keyproxy *keys)
{
	struct relay		*r;
	const struct cfg_action	*a;

	r = xcalloc(1, sizeof(*r));
	r->cfg = cfg;
	r->queue = queue;
	r->tls = relay_tls_new(cfg, keys);
	r->pool = relay_pool_new();
	TAILQ_INIT(&r->leaders);
	r->self = relay_self_new(cfg);
	TAILQ_FOREACH(a, &cfg->actions, entry) {
		if (a->type != CFG_ACTION_RELAY)
			continue;
		relay_table_want(r, a->auth);
		relay_table_want(r, a->domain);
	}
	if (gethostname(r->hostname, sizeof(r->hostname)) == -1 ||
	    r->hostname[0] == '\0')
		(void)strlcpy(r->hostname, "localhost", sizeof(r->hostname));
	return r;
}

/* relay_job_is_self - connecting to sa would reach this daemon */
int
relay_job_is_self(const struct relay_job *job, const struct sockaddr *sa)
{
	return relay_self_match(job->relay->self, sa);
}

/* relay_set_queue - the channel results go to */
void
relay_set_queue(struct relay *r, struct ipc *queue)
{
	r->queue = queue;
}

/* relay_stats - jobs since start and now */
void
relay_stats(const struct relay *r, uint64_t *total, uint64_t *current)
{
	*total = r->total;
	*current = r->current;
}

/* relay_tls_of - the TLS contexts */
struct relay_tls *
relay_tls_of(const struct relay *r)
{
	return r->tls;
}

/* relay_pool_of - the idle connections */
struct relay_pool *
relay_pool_of(const struct relay *r)
{
	return r->pool;
}

/* relay_job_hostname - this host's name (backup MX: ourselves) */
const char *
relay_job_hostname(const struct relay_job *job)
{
	return job->relay->hostname;
}

/* relay_job_helo - the name the job's sessions greet with */
const char *
relay_job_helo(const struct relay_job *job)
{
	if (job->action->helo[0] != '\0')
		return job->action->helo;
	return job->relay->hostname;
}

/*
 * relay_job_creds - the credentials of the job's host (`auth <table>`,
 * keyed by the URL's label, else the host name): 1 found, 0 the action
 * has none, -1 the table has no usable entry
 */
int
relay_job_creds(struct relay_job *job, char *user, size_t usersz, char *pass,
    size_t passsz)
{
	const struct cfg_action	*a = job->action;
	union table_result	*res;
	const char		*key;
	int			 rv = -1;

	if (a->auth == NULL)
		return 0;
	key = a->has_host && a->host.label[0] ? a->host.label :
	    a->has_host ? a->host.host : job->domain;
	res = xmalloc(sizeof(*res));
	if (table_lookup(relay_table(job->relay, a->auth), TABLE_K_CREDENTIALS,
	    key, res) == 1 &&
	    strlcpy(user, res->creds.username, usersz) < usersz &&
	    strlcpy(pass, res->creds.password, passsz) < passsz)
		rv = 1;
	freezero(res, sizeof(*res));
	return rv;
}

/* relay_job_free - forget a job and whatever it still holds */
static void
relay_job_free(struct relay_job *job)
{
	if (job->more != NULL)
		panic("relay: jobs of a transaction left without results");
	if (job->leading)
		TAILQ_REMOVE(&job->relay->leaders, job, lentry);
	if (job->sess != NULL)
		relay_session_free(job->sess);
	relay_route_free(job->route);
	if (job->msg_fd != -1)
		close(job->msg_fd);
	job->relay->current--;
	free(job);
}

/*
 * relay_job_done_all - the same result for a job and every job of its
 * transaction; they are gone afterwards
 */
void
relay_job_done_all(struct relay_job *job, enum relay_status st,
    const char *text)
{
	struct relay_job	*m, *next;

	for (m = job->more; m != NULL; m = next) {
		next = m->more;
		m->more = NULL;
		relay_job_done(m, st, text);
	}
	job->more = NULL;
	relay_job_done(job, st, text);
}

/* relay_job_done - the one result of a job; the job is gone afterwards */
void
relay_job_done(struct relay_job *job, enum relay_status st, const char *text)
{
	struct msg_dlv_result	 res;
	char			 vrcpt[ADDR_MAX * 4], vtext[ERRTEXT_MAX * 4];

	memset(&res, 0, sizeof(res));
	res.evpid = job->evp.evpid;
	res.status = st == RELAY_OK ? IPC_DLV_OK : st == RELAY_TEMPFAIL ?
	    IPC_DLV_TEMPFAIL : st == RELAY_TEMPFAIL_RCPT ?
	    IPC_DLV_TEMPFAIL_RCPT : IPC_DLV_PERMFAIL;
	(void)strlcpy(res.text, text, sizeof(res.text));
	log_info("%016llx relay event=%s rcpt=%s result=\"%s\"",
	    (unsigned long long)job->evp.evpid, st == RELAY_OK ? "delivered" :
	    st == RELAY_PERMFAIL ? "permfail" : "tempfail",
	    log_vis(vrcpt, sizeof(vrcpt), job->evp.dest),
	    log_vis(vtext, sizeof(vtext), text));
	ipc_send(job->relay->queue, MSG_RELAY_RESULT, 0, -1, &res, sizeof(res));
	relay_job_free(job);
}

/* relay_job_on_hop - the route's next address: start a session there */
static void
relay_job_on_hop(struct relay_job *job, const struct relay_hop *hop,
    enum relay_status st, const char *text)
{
	char	buf[ERRTEXT_MAX];

	if (hop != NULL) {
		if ((job->sess = relay_session_new(job, hop)) == NULL)
			relay_job_next(job);
		return;
	}
	if (st != RELAY_OK) {
		relay_job_done_all(job, st, text);
		return;
	}
	relay_text_fmt(buf, sizeof(buf), "4.4.1 no host reachable: %s",
	    job->lasterr[0] ? job->lasterr : "no address");
	relay_job_done_all(job, RELAY_TEMPFAIL, buf);
}

/* relay_job_next - the session failed before a verdict: the next host */
void
relay_job_next(struct relay_job *job)
{
	job->sess = NULL;
	relay_route_next(job->route, relay_job_on_hop);
}

/* relay_msginfo - wire size and 8-bit content of the message file */
static int
relay_msginfo(int fd, struct relay_msginfo *mi)
{
	char	*chunk;
	ssize_t	 n, i;
	off_t	 off = 0;

	memset(mi, 0, sizeof(*mi));
	chunk = xmalloc(RELAY_READ_CHUNK);
	while ((n = pread(fd, chunk, RELAY_READ_CHUNK, off)) > 0 ||
	    (n == -1 && errno == EINTR)) {
		for (i = 0; i < n; i++) {
			if (chunk[i] == '\n')
				mi->size++;
			if ((unsigned char)chunk[i] > 0x7f)
				mi->eightbit = 1;
		}
		if (n > 0) {
			off += n;
			mi->size += (uint64_t)n;
		}
	}
	free(chunk);
	return n == -1 ? -1 : 0;
}

/*
 * relay_job_check - the envelope and action of a new job make sense;
 * 0, or -1 with the verdict set
 */
static int
relay_job_check(struct relay_job *job, enum relay_status *st,
    char *text, size_t textsz)
{
	const struct cfg_action	*a;
	struct smtp_addr	 sa;
	struct table		*t;

	*st = RELAY_PERMFAIL;
	a = cfg_action_find(job->relay->cfg, job->evp.dispatcher);
	if (a == NULL || a->type != CFG_ACTION_RELAY) {
		*st = RELAY_TEMPFAIL;
		relay_text_fmt(text, textsz, "4.3.5 no relay action \"%s\"",
		    job->evp.dispatcher);
		return -1;
	}
	job->action = a;
	if (smtp_client_text_addr(job->evp.dest, SMTP_ADDR_F_RCPT, &sa) == -1 ||
	    relay_text_domain(job->evp.dest, job->domain,
	    sizeof(job->domain)) == -1) {
		relay_text_fmt(text, textsz, "5.1.3 bad recipient address");
		return -1;
	}
	if (smtp_client_text_addr(a->mail_from[0] ? a->mail_from : job->evp.sender,
	    SMTP_ADDR_F_MAIL, &sa) == -1) {
		relay_text_fmt(text, textsz, "5.1.7 bad sender address");
		return -1;
	}
	if (a->domain != NULL) {
		t = relay_table(job->relay, a->domain);
		if (table_match(t, TABLE_K_DOMAIN, job->domain) != 1) {
			relay_text_fmt(text, textsz, "5.7.1 domain %s is not "
			    "relayed by action %s", job->domain, a->name);
			return -1;
		}
	}
	if (relay_msginfo(job->msg_fd, &job->info) == -1) {
		*st = RELAY_TEMPFAIL;
		relay_text_fmt(text, textsz, "4.3.0 reading the message: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* relay_job_joins - job may go in the transaction of leader */
static int
relay_job_joins(const struct relay_job *leader, const struct relay_job *job)
{
	return leader->nrcpts < RELAY_RCPTS_MAX &&
	    envelope_msgid(leader->evp.evpid) ==
	    envelope_msgid(job->evp.evpid) && leader->action == job->action &&
	    strcmp(leader->evp.sender, job->evp.sender) == 0 &&
	    (leader->action->has_host ||
	    strcmp(leader->domain, job->domain) == 0);
}

/* relay_job_start - route a new transaction, led by job */
static void
relay_job_start(struct relay_job *job)
{
	log_debug("%016llx relay event=start domain=%s action=%s",
	    (unsigned long long)job->evp.evpid, job->domain, job->action->name);
	job->nrcpts = 1;
	job->leading = 1;
	TAILQ_INSERT_TAIL(&job->relay->leaders, job, lentry);
	job->route = relay_route_new(job);
	relay_job_next(job);
}

/*
 * relay_job_join - job joins the transaction of a leader that has not
 * sent MAIL FROM yet; 0 if none fits
 */
static int
relay_job_join(struct relay *r, struct relay_job *job)
{
	struct relay_job	*l, **m;

	TAILQ_FOREACH(l, &r->leaders, lentry)
		if (relay_job_joins(l, job) && (l->sess == NULL ||
		    relay_session_unsent(l->sess)))
			break;
	if (l == NULL)
		return 0;
	for (m = &l->more; *m != NULL; m = &(*m)->more)
		;
	*m = job;
	l->nrcpts++;
	if (l->sess != NULL)
		relay_session_grow(l->sess);
	log_debug("%016llx relay event=join leader=%016llx rcpts=%zu",
	    (unsigned long long)job->evp.evpid,
	    (unsigned long long)l->evp.evpid, l->nrcpts);
	return 1;
}

/* relay_on_run - MSG_RELAY_RUN: a new job */
void
relay_on_run(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	const struct msg_relay_run	*m = msg;
	struct relay			*r = arg;
	struct relay_job		*job;
	enum relay_status		 st;
	char				 text[ERRTEXT_MAX];

	(void)c;
	(void)id;
	job = xcalloc(1, sizeof(*job));
	job->relay = r;
	job->evp = m->evp;
	job->msg_fd = fd;
	r->total++;
	r->current++;
	if (relay_job_check(job, &st, text, sizeof(text)) == -1) {
		relay_job_done(job, st, text);
		return;
	}
	if (!relay_job_join(r, job))
		relay_job_start(job);
}
