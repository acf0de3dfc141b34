/*
 * parent_helper.c - short-lived children of the root parent for work
 * that may block: a password check (crypt, NSS, shadow) or opening a
 * user's ~/.forward on a file system that may hang.  The parent's event
 * loop only forks, waits for one answer on a socketpair and enforces
 * the limits:
 *
 * - each pool runs at most max children at once; further requests wait
 *   in order, at most PARENT_HELPER_WAIT_MAX of them (then: busy);
 * - every request has the pool's limit in seconds from its arrival,
 *   waiting included; a child still running then is killed (SIGKILL).
 *
 * The child runs the request's child function (as root: it drops what
 * it does not need itself) and sends one datagram with the answer and
 * at most one descriptor, then exits.  No answer, a short one or a
 * crash is PARENT_HELPER_FAILED.  The child is killed too when the
 * parent dies first (PR_SET_PDEATHSIG, set again after a child changed
 * its credentials, see parent_helper_orphan_guard).  parent.c reaps
 * every child on SIGCHLD; the answer never travels in the exit status.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "xmalloc.h"

#define PARENT_HELPER_FD	3	/* the answer socket, in the child */

struct parent_helper_job {
	TAILQ_ENTRY(parent_helper_job)	 entry;
	struct parent_helper_pool	*pool;
	struct parent_helper_req	 req;
	int				 queued; /* in pool->waiting */
	pid_t				 pid;	/* 0 until started */
	int				 sock;
	struct event			*ev_read;
	struct event			*ev_timer;
};

static pid_t	parent_helper_parent_pid;

static void	parent_helper_next(struct parent_helper_pool *);

/* parent_helper_orphan_guard - in a child: die with the parent; 0 / -1 */
int
parent_helper_orphan_guard(void)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		return -1;
	return getppid() == parent_helper_parent_pid ? 0 : -1;
}

/* parent_helper_group0 - group 0 is among the supplementary groups */
static int
parent_helper_group0(void)
{
	gid_t	groups[NGROUPS_MAX + 1];
	int	n, i;

	if ((n = getgroups(NGROUPS_MAX + 1, groups)) == -1)
		return 1;
	for (i = 0; i < n; i++)
		if (groups[i] == 0)
			return 1;
	return 0;
}

/*
 * parent_helper_become - in a child: take a user's identity for good
 * (supplementary groups from initgroups, or the primary group alone,
 * never group 0) and prove it; in development mode, only the user this
 * already is.  0, or -1 (the caller must not go on).
 */
int
parent_helper_become(const char *user, uid_t uid, gid_t gid, int initgrp)
{
	uid_t	 ruid, euid, suid;
	gid_t	 rgid, egid, sgid;

	if (proc_devmode())
		return geteuid() == uid ? 0 : -1;
	if ((initgrp ? initgroups(user, gid) : setgroups(1, &gid)) == -1 ||
	    parent_helper_group0() || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		return -1;
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		return -1;
	if (ruid != uid || euid != uid || suid != uid || rgid != gid ||
	    egid != gid || sgid != gid)
		return -1;
	if (setuid(0) != -1 || seteuid(0) != -1)
		return -1;
	return 0;
}

/* parent_helper_end - a job is over: report, free, start the next one */
static void
parent_helper_end(struct parent_helper_job *job, enum parent_helper_status st,
    const void *answer, int fd)
{
	struct parent_helper_pool	*pool = job->pool;

	if (job->queued) {
		TAILQ_REMOVE(&pool->waiting, job, entry);
		pool->nwaiting--;
	} else if (job->pid != 0) {
		if (st == PARENT_HELPER_TIMEOUT)
			(void)kill(job->pid, SIGKILL);
		pool->running--;
	}
	if (job->ev_read != NULL)
		event_free(job->ev_read);
	if (job->ev_timer != NULL)
		event_free(job->ev_timer);
	if (job->sock != -1)
		close(job->sock);
	job->req.done(job->req.arg, st, answer, fd);
	free(job);
	parent_helper_next(pool);
}

/* parent_helper_on_answer - the child's answer, or its end without one */
static void
parent_helper_on_answer(evutil_socket_t sock, short what, void *arg)
{
	struct parent_helper_job	*job = arg;
	unsigned char			 buf[PARENT_HELPER_ANSWER_MAX];
	ssize_t				 n;
	int				 fd, nfds;

	(void)what;
	n = ipc_recvmsg(sock, buf, sizeof(buf), &fd, &nfds);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != (ssize_t)job->req.answer_size || nfds > 1) {
		if (fd != -1)
			close(fd);
		parent_helper_end(job, PARENT_HELPER_FAILED, NULL, -1);
		return;
	}
	parent_helper_end(job, PARENT_HELPER_OK, buf, fd);
}

/* parent_helper_on_timer - the request's time is up */
static void
parent_helper_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	parent_helper_end(arg, PARENT_HELPER_TIMEOUT, NULL, -1);
}

/* parent_helper_child - the forked child: run the request, exit */
static void __attribute__((noreturn))
parent_helper_child(struct parent_helper_job *job, int sock)
{
	int	sig;

	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	if (dup2(sock, PARENT_HELPER_FD) == -1)
		_exit(1);
	closefrom(PARENT_HELPER_FD + 1);
	if (parent_helper_orphan_guard() == -1)
		_exit(1);
	job->req.child(job->req.arg, PARENT_HELPER_FD);
	_exit(0);
}

/* parent_helper_start - fork the child of a job; -1 if it cannot */
static int
parent_helper_start(struct parent_helper_job *job)
{
	int	sp[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if (pid == 0)
		parent_helper_child(job, sp[1]);
	close(sp[1]);
	(void)fcntl(sp[0], F_SETFL, O_NONBLOCK);
	job->pid = pid;
	job->sock = sp[0];
	job->ev_read = event_new(ev_base(), sp[0], EV_READ | EV_PERSIST,
	    parent_helper_on_answer, job);
	event_add(job->ev_read, NULL);
	job->pool->running++;
	log_debug("parent event=helper-start pool=%s pid=%d", job->pool->name,
	    (int)pid);
	return 0;
}

/* parent_helper_next - start waiting jobs while the pool has room */
static void
parent_helper_next(struct parent_helper_pool *pool)
{
	struct parent_helper_job	*job;

	while (pool->running < pool->max &&
	    (job = TAILQ_FIRST(&pool->waiting)) != NULL) {
		TAILQ_REMOVE(&pool->waiting, job, entry);
		pool->nwaiting--;
		job->queued = 0;
		if (parent_helper_start(job) == -1) {
			log_warn("parent event=helper-fork pool=%s",
			    pool->name);
			parent_helper_end(job, PARENT_HELPER_FAILED, NULL, -1);
			return;
		}
	}
}

/*
 * parent_helper_run - run req in a child of pool within the limits;
 * req->done is called exactly once, possibly before this returns
 */
void
parent_helper_run(struct parent_helper_pool *pool,
    const struct parent_helper_req *req)
{
	struct parent_helper_job	*job;
	struct timeval			 tv = { pool->limit, 0 };

	if (req->answer_size > PARENT_HELPER_ANSWER_MAX)
		panic("parent_helper_run: answer of %zu bytes",
		    req->answer_size);
	if (parent_helper_parent_pid == 0)
		parent_helper_parent_pid = getpid();
	if (!pool->init) {
		TAILQ_INIT(&pool->waiting);
		pool->init = 1;
	}
	if (pool->nwaiting >= PARENT_HELPER_WAIT_MAX) {
		req->done(req->arg, PARENT_HELPER_BUSY, NULL, -1);
		return;
	}
	job = xcalloc(1, sizeof(*job));
	job->pool = pool;
	job->req = *req;
	job->sock = -1;
	job->ev_timer = evtimer_new(ev_base(), parent_helper_on_timer, job);
	evtimer_add(job->ev_timer, &tv);
	TAILQ_INSERT_TAIL(&pool->waiting, job, entry);
	job->queued = 1;
	pool->nwaiting++;
	parent_helper_next(pool);
}

/* parent_helper_answer - in the child: send the answer and an fd (or -1) */
int
parent_helper_answer(int sock, const void *answer, size_t len, int fd)
{
	return ipc_sendmsg(sock, answer, len, fd) == (ssize_t)len ? 0 : -1;
}

/* parent_helper_status_name - printable status, for logs */
const char *
parent_helper_status_name(enum parent_helper_status st)
{
	switch (st) {
	case PARENT_HELPER_OK:
		return "ok";
	case PARENT_HELPER_TIMEOUT:
		return "time limit";
	case PARENT_HELPER_BUSY:
		return "too many requests";
	case PARENT_HELPER_FAILED:
		break;
	}
	return "no answer";
}
