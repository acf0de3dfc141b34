/*
 * parent_agent.c - the root parent's local delivery agents.
 *
 * One agent per account and action (the key: user name and action; the
 * account's uid, gid and home as its start resolved them), at most
 * PARENT_MDA_MAX at once.  A checked job waits in order; it goes to the
 * agent of its key while that agent has fewer than PARENT_AGENT_DEPTH
 * deliveries in flight, so one account's deliveries run in the order
 * they came, several handed over at once: the agent writes those it
 * holds and syncs its Maildir once for all of them (local_agent.c).
 * Without an agent, one is started (parent_account.c) when there is
 * room, or after closing an idle agent of another account; otherwise
 * the job waits.  The start has PARENT_HELPER_LIMIT seconds to answer,
 * or it is killed and its account's jobs deferred.  An agent is closed
 * after PARENT_AGENT_IDLE_SEC seconds without work and after
 * PARENT_AGENT_USES deliveries, so an account's changes are seen soon.
 *
 * The parent holds an agent to the deliveries it gave it, answered in
 * the order given: a result for another delivery than the oldest in
 * flight (seq and envelope), when none is in flight, or with a status
 * an agent may not give is refused and logged ("parent
 * event=agent-refused"), and so is any frame the catalogue does not
 * allow (the channel is a client's: a broken contract closes it instead
 * of stopping the daemon).  The agent is closed and its deliveries in
 * flight, like those of an agent that dies, are temporary failures.
 * Nothing here blocks: the start's answer and the agent's frames arrive
 * on the event loop.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "parent.h"
#include "xmalloc.h"

enum parent_agent_state {
	PARENT_AGENT_STARTING,		/* waiting for the account */
	PARENT_AGENT_IDLE,
	PARENT_AGENT_BUSY		/* deliveries in flight */
};

struct parent_agent {
	TAILQ_ENTRY(parent_agent)	 entry;
	const struct cfg_action		*action;
	char				 user[NAME_MAX_CFG];
	enum parent_agent_state		 state;
	pid_t				 pid;
	int				 chan;	/* until the account came */
	struct ipc			*ipc;
	int				 ans_fd;
	struct event			*ans_ev;
	struct parent_account		 acct;
	size_t				 got;	/* bytes of acct read */
	struct parent_mda_list		 inflight; /* oldest first */
	size_t				 ninflight;
	uint32_t			 seq;	/* deliveries given */
	struct event			*idle_ev;
	int				 gone;	/* closed, not yet freed */
};

TAILQ_HEAD(parent_agent_list, parent_agent);

static struct {
	struct parent_agent_list	 agents;
	struct parent_mda_list		 waiting;
	size_t				 n;
	int				 init;
} parent_agent;

static void	parent_agent_next(void);
static void	parent_agent_on_result(struct ipc *, uint32_t, int,
		    const void *, void *);

static const struct ipc_handler parent_agent_handlers[] = {
	{ MSG_LOCAL_RESULT,	parent_agent_on_result },
	{ MSG_NONE,		NULL }
};

/* parent_agent_init - the lists, once */
static void
parent_agent_init(void)
{
	if (parent_agent.init)
		return;
	TAILQ_INIT(&parent_agent.agents);
	TAILQ_INIT(&parent_agent.waiting);
	parent_agent.init = 1;
}

/* parent_agent_find - the agent of a job's account and action, or NULL */
static struct parent_agent *
parent_agent_find(const struct parent_mda_job *job)
{
	struct parent_agent	*a;

	TAILQ_FOREACH(a, &parent_agent.agents, entry)
		if (a->action == job->action &&
		    strcmp(a->user, job->evp.user) == 0)
			return a;
	return NULL;
}

/* parent_agent_free - release what is left of an agent */
static void
parent_agent_free(struct parent_agent *a)
{
	if (a->ans_ev != NULL)
		event_free(a->ans_ev);
	if (a->ans_fd != -1)
		close(a->ans_fd);
	if (a->chan != -1)
		close(a->chan);
	if (a->idle_ev != NULL)
		event_free(a->idle_ev);
	if (a->ipc != NULL)
		ipc_free(a->ipc);
	free(a);
}

/*
 * parent_agent_retire - take an agent out of service: no more work,
 * its delivery in flight is a temporary failure
 */
static void
parent_agent_retire(struct parent_agent *a, const char *reason)
{
	struct parent_mda_job	*job;

	log_info("parent event=agent-stop user=%s action=%s pid=%d "
	    "reason=%s deliveries=%u", a->user, a->action->name, (int)a->pid,
	    reason, a->seq);
	TAILQ_REMOVE(&parent_agent.agents, a, entry);
	parent_agent.n--;
	a->gone = 1;
	if (a->idle_ev != NULL)
		evtimer_del(a->idle_ev);
	while ((job = TAILQ_FIRST(&a->inflight)) != NULL) {
		TAILQ_REMOVE(&a->inflight, job, entry);
		parent_mda_done(job, IPC_DLV_TEMPFAIL, 0,
		    "delivery process ended without a result");
	}
	a->ninflight = 0;
}

/*
 * parent_agent_close - retire an agent and close its channel (the agent
 * exits on its end); freed now, or by the channel's close callback
 */
static void
parent_agent_close(struct parent_agent *a, const char *reason)
{
	parent_agent_retire(a, reason);
	if (a->ipc == NULL)
		parent_agent_free(a);
	else
		ipc_shutdown(a->ipc);
}

/* parent_agent_on_close - the channel is closed: by us, or the agent died */
static void
parent_agent_on_close(struct ipc *c, void *arg)
{
	struct parent_agent	*a = arg;

	(void)c;
	if (!a->gone) {
		parent_agent_retire(a, "lost");
		parent_agent_free(a);
		parent_agent_next();
		return;
	}
	parent_agent_free(a);
}

/* parent_agent_on_idle - no work for a while: close the agent */
static void
parent_agent_on_idle(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	parent_agent_close(arg, "idle");
}

/* parent_agent_open - the agent may take one more delivery now */
static int
parent_agent_open(const struct parent_agent *a)
{
	return a->state != PARENT_AGENT_STARTING &&
	    a->ninflight < PARENT_AGENT_DEPTH && a->seq < PARENT_AGENT_USES;
}

/* parent_agent_send - give an agent with room a job */
static void
parent_agent_send(struct parent_agent *a, struct parent_mda_job *job)
{
	static struct msg_local_run	 run;
	char				 err[ERRTEXT_MAX];

	if (parent_mda_build(job, &a->acct, &run, err, sizeof(err)) == -1) {
		parent_mda_done(job, IPC_DLV_PERMFAIL, 0, err);
		return;
	}
	run.seq = a->seq + 1;
	if (ipc_send(a->ipc, MSG_LOCAL_RUN, 0, job->msg_fd, &run,
	    sizeof(run)) == -1) {
		parent_mda_done(job, IPC_DLV_TEMPFAIL, 0,
		    "cannot reach the delivery agent");
		parent_agent_close(a, "unreachable");
		return;
	}
	close(job->msg_fd);
	job->msg_fd = -1;
	job->seq = ++a->seq;
	TAILQ_INSERT_TAIL(&a->inflight, job, entry);
	a->ninflight++;
	a->state = PARENT_AGENT_BUSY;
	evtimer_del(a->idle_ev);
	log_debug("%016llx mda event=start pid=%d user=%s seq=%u",
	    (unsigned long long)job->evp.evpid, (int)a->pid, a->user, a->seq);
}

/*
 * parent_agent_result_check - whether an agent may give this result:
 * the oldest delivery in flight (seq and envelope), with a status of a
 * local delivery; NULL, or why not
 */
const char *
parent_agent_result_check(uint32_t seq, uint64_t evpid, int busy,
    const struct msg_local_result *r)
{
	if (!busy)
		return "no delivery in flight";
	if (r->seq != seq || r->evpid != evpid)
		return "not the delivery it was given";
	if (r->status != IPC_DLV_OK && r->status != IPC_DLV_TEMPFAIL &&
	    r->status != IPC_DLV_PERMFAIL)
		return "status an agent may not give";
	return NULL;
}

/* parent_agent_on_result - MSG_LOCAL_RESULT: check it against the job */
static void
parent_agent_on_result(struct ipc *c, uint32_t id, int fd,
    const void *payload, void *arg)
{
	const struct msg_local_result	*r = payload;
	struct parent_agent		*a = arg;
	struct parent_mda_job		*job;
	const char			*why;
	struct timeval			 tv = { PARENT_AGENT_IDLE_SEC, 0 };

	(void)c;
	(void)id;
	(void)fd;
	if (a->gone)
		return;
	job = TAILQ_FIRST(&a->inflight);
	why = parent_agent_result_check(job ? job->seq : 0,
	    job ? job->evp.evpid : 0, job != NULL, r);
	if (why != NULL) {
		log_warnx("%016llx parent event=agent-refused user=%s pid=%d "
		    "seq=%u error=\"%s\"", (unsigned long long)r->evpid,
		    a->user, (int)a->pid, r->seq, why);
		parent_agent_close(a, "refused");
		parent_agent_next();
		return;
	}
	TAILQ_REMOVE(&a->inflight, job, entry);
	parent_mda_done(job, r->status, 0, r->text);
	if (--a->ninflight > 0) {
		parent_agent_next();
		return;
	}
	a->state = PARENT_AGENT_IDLE;
	if (a->seq >= PARENT_AGENT_USES)
		parent_agent_close(a, "uses");
	else
		evtimer_add(a->idle_ev, &tv);
	parent_agent_next();
}

/* parent_agent_started - the account is known: the agent takes work */
static void
parent_agent_started(struct parent_agent *a)
{
	struct timeval	tv = { PARENT_AGENT_IDLE_SEC, 0 };

	a->ipc = ipc_new(a->chan, PROC_PARENT, PROC_LOCAL, IPC_TRUST_CLIENT,
	    parent_agent_handlers, a);
	a->chan = -1;
	ipc_set_close_cb(a->ipc, parent_agent_on_close);
	a->idle_ev = evtimer_new(ev_base(), parent_agent_on_idle, a);
	evtimer_add(a->idle_ev, &tv);
	a->state = PARENT_AGENT_IDLE;
	log_info("parent event=agent-start user=%s action=%s pid=%d uid=%u "
	    "gid=%u", a->user, a->action->name, (int)a->pid, a->acct.uid,
	    a->acct.gid);
}

/*
 * parent_agent_unusable - the account cannot take mail now: every job
 * waiting for it gets the answer of the start, and the agent goes
 */
static void
parent_agent_unusable(struct parent_agent *a)
{
	struct parent_mda_job	*job, *tmp;

	TAILQ_FOREACH_SAFE(job, &parent_agent.waiting, entry, tmp) {
		if (job->action != a->action ||
		    strcmp(job->evp.user, a->user) != 0)
			continue;
		TAILQ_REMOVE(&parent_agent.waiting, job, entry);
		parent_mda_done(job, a->acct.status, a->acct.refused,
		    a->acct.text);
	}
	TAILQ_REMOVE(&parent_agent.agents, a, entry);
	parent_agent.n--;
	parent_agent_free(a);
}

/*
 * parent_agent_on_account - the start's answer, its end without one, or
 * its time limit (the start is killed: an account look-up that hangs
 * holds up that account alone)
 */
static void
parent_agent_on_account(evutil_socket_t fd, short what, void *arg)
{
	struct parent_agent	*a = arg;
	ssize_t			 n = 0;

	if (what & EV_TIMEOUT) {
		(void)kill(a->pid, SIGKILL);
		a->got = 0;
	} else if ((n = read(fd, (char *)&a->acct + a->got,
	    sizeof(a->acct) - a->got)) == -1 && (errno == EINTR ||
	    errno == EAGAIN))
		return;
	if (n > 0 && (a->got += (size_t)n) < sizeof(a->acct))
		return;
	event_free(a->ans_ev);
	a->ans_ev = NULL;
	close(a->ans_fd);
	a->ans_fd = -1;
	if (a->got != sizeof(a->acct) || (a->acct.status != IPC_DLV_OK &&
	    a->acct.status != IPC_DLV_TEMPFAIL &&
	    a->acct.status != IPC_DLV_PERMFAIL)) {
		memset(&a->acct, 0, sizeof(a->acct));
		a->acct.status = IPC_DLV_TEMPFAIL;
		(void)strlcpy(a->acct.text, (what & EV_TIMEOUT) ? "account "
		    "look-up: time limit" : "delivery process ended without "
		    "a result", sizeof(a->acct.text));
	}
	a->acct.home[sizeof(a->acct.home) - 1] = '\0';
	a->acct.shell[sizeof(a->acct.shell) - 1] = '\0';
	a->acct.text[sizeof(a->acct.text) - 1] = '\0';
	if (a->acct.status == IPC_DLV_OK)
		parent_agent_started(a);
	else
		parent_agent_unusable(a);
	parent_agent_next();
}

/* parent_agent_start - start the agent of a job's key; 0, or -1 */
static int
parent_agent_start(const struct parent_mda_job *job)
{
	struct parent_agent	*a;
	struct timeval		 tv = { PARENT_HELPER_LIMIT, 0 };
	int			 chan, ans;
	pid_t			 pid;

	if ((pid = parent_account_start(job, &chan, &ans)) == -1)
		return -1;
	a = xcalloc(1, sizeof(*a));
	a->action = job->action;
	(void)strlcpy(a->user, job->evp.user, sizeof(a->user));
	a->pid = pid;
	a->chan = chan;
	a->ans_fd = ans;
	a->state = PARENT_AGENT_STARTING;
	TAILQ_INIT(&a->inflight);
	a->ans_ev = event_new(ev_base(), ans, EV_READ | EV_PERSIST,
	    parent_agent_on_account, a);
	event_add(a->ans_ev, &tv);
	TAILQ_INSERT_TAIL(&parent_agent.agents, a, entry);
	parent_agent.n++;
	return 0;
}

/* parent_agent_room - room for one more agent, closing an idle one */
static int
parent_agent_room(void)
{
	struct parent_agent	*a;

	if (parent_agent.n < PARENT_MDA_MAX)
		return 1;
	TAILQ_FOREACH(a, &parent_agent.agents, entry)
		if (a->state == PARENT_AGENT_IDLE) {
			parent_agent_close(a, "evicted");
			return 1;
		}
	return 0;
}

/* parent_agent_next - hand waiting jobs to agents, start missing ones */
static void
parent_agent_next(void)
{
	struct parent_mda_job	*job, *tmp;
	struct parent_agent	*a;

	TAILQ_FOREACH_SAFE(job, &parent_agent.waiting, entry, tmp) {
		if ((a = parent_agent_find(job)) != NULL) {
			if (!parent_agent_open(a))
				continue;
			TAILQ_REMOVE(&parent_agent.waiting, job, entry);
			parent_agent_send(a, job);
			continue;
		}
		if (!parent_agent_room())
			continue;
		if (parent_agent_start(job) == -1) {
			TAILQ_REMOVE(&parent_agent.waiting, job, entry);
			log_warn("parent event=agent-fork user=%s",
			    job->evp.user);
			parent_mda_done(job, IPC_DLV_TEMPFAIL, 0, "fork: "
			    "cannot start a delivery process");
		}
	}
}

/* parent_agent_submit - a checked job: deliver it when its agent can */
void
parent_agent_submit(struct parent_mda_job *job)
{
	parent_agent_init();
	TAILQ_INSERT_TAIL(&parent_agent.waiting, job, entry);
	parent_agent_next();
}

/* parent_agent_shutdown - the daemon stops: close every agent */
void
parent_agent_shutdown(void)
{
	parent_agent_init();
	while (!TAILQ_EMPTY(&parent_agent.agents))
		parent_agent_close(TAILQ_FIRST(&parent_agent.agents), "stop");
}
