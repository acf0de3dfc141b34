/*
 * queue_offline.c - picking up the local enqueuer's offline drop files.
 *
 * When sendmail(8) finds the daemon down it leaves each message in the
 * spool's offline/ area (qstore_offline.c).  At start, and then every
 * QUEUE_OFFLINE_PERIOD seconds, the queue forks one helper (chrooted
 * and unprivileged like the queue itself) that walks offline/ and hands
 * each file's message to the listener over the enqueue socket in the
 * spool, with the SMTP client sendmail uses (enqueue.c); so every
 * message gets the rules, the expansion and the Received: header of any
 * local submission.  A file is removed only after the listener's 250;
 * one the listener refuses, or that cannot be sent, is kept for the
 * next walk, QSTORE_OFFLINE_TRIES times at most; one whose message is
 * larger than max-message-size is never read: both end in quarantine/
 * (qstore_offline.c).  When the listener cannot be reached at all, the
 * walk stops and counts nothing against the files.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "cfg.h"
#include "enqueue.h"
#include "ev.h"
#include "log.h"
#include "proc.h"
#include "qstore.h"
#include "queue.h"

#define QUEUE_OFFLINE_PERIOD	60	/* seconds between walks */
#define QUEUE_OFFLINE_FIRST	1	/* seconds after start */

/* queue_offline_read - the message part of a drop file into b */
static int
queue_offline_read(int fd, struct buf *b)
{
	char	chunk[8192];
	ssize_t	n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(b, chunk, (size_t)n) == -1)
			return -1;
	return n == 0 ? 0 : -1;
}

/* queue_offline_submit - one drop file to the listener; QSTORE_OFFLINE_* */
static int
queue_offline_submit(const struct offline *h, int fd, void *arg)
{
	const struct queue	*q = arg;
	const char		*rcpt[OFFLINE_RCPT_MAX];
	struct enqueue_msg	 m;
	struct buf		 body;
	char			 err[ENQUEUE_ERR_MAX];
	char			 vis[NAME_MAX * 4 + 1];
	int			 rv = EX_IOERR, down = 0;

	for (m.nrcpt = 0; m.nrcpt < h->nrcpt &&
	    m.nrcpt < OFFLINE_RCPT_MAX; m.nrcpt++)
		rcpt[m.nrcpt] = h->rcpts[m.nrcpt];
	m.spool = ".";
	m.sender = h->sender;
	m.rcpt = rcpt;
	m.body = &body;
	err[0] = '\0';
	/* the file's owner may make it grow after the walk's size check */
	buf_init(&body, (size_t)q->env->cfg->smtp.max_message_size);
	if (queue_offline_read(fd, &body) == -1)
		strlcpy(err, "unreadable or too large", sizeof(err));
	else
		rv = enqueue_submit(&m, &down, err, sizeof(err));
	buf_free(&body);
	if (err[0] != '\0')
		log_debug("queue event=offline-error file=%s uid=%lu "
		    "error=\"%s\"", log_vis(vis, sizeof(vis), h->name),
		    (unsigned long)h->uid, err);
	log_info("queue event=offline-enqueue file=%s uid=%lu rcpts=%zu "
	    "result=%s tries=%u", log_vis(vis, sizeof(vis), h->name),
	    (unsigned long)h->uid, h->nrcpt, rv == EX_OK ? "queued" : down ?
	    "daemon-down" : rv == EX_UNAVAILABLE ? "refused" : "failed",
	    h->tries + (rv != EX_OK && !down));
	if (rv == EX_OK)
		return QSTORE_OFFLINE_QUEUED;
	return down ? QSTORE_OFFLINE_STOP : QSTORE_OFFLINE_FAILED;
}

/* queue_offline_child - the helper: walk offline/ and exit */
static void __attribute__((noreturn))
queue_offline_child(struct queue *q)
{
	static const enum proc_role peers[] = { PROC_PARENT, PROC_SMTPD,
	    PROC_RELAY, PROC_LOOKUP };
	struct qstore_offline_stats	st;
	size_t				i;

	/* the channels stay the queue's: its death must show at once */
	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++)
		(void)close(proc_child_fd(PROC_QUEUE, peers[i]));
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	log_setproc("offline");
	if (qstore_offline_walk(q->qs,
	    (uint64_t)q->env->cfg->smtp.max_message_size,
	    queue_offline_submit, q, &st) == -1)
		_exit(1);
	if (st.seen > 0)
		log_info("queue event=offline-walk files=%zu queued=%zu "
		    "kept=%zu quarantined=%zu", st.seen, st.queued, st.kept,
		    st.quarantined);
	_exit(0);
}

/* queue_offline_on_timer - time for a walk, unless one is running */
static void
queue_offline_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct queue	*q = arg;
	struct timeval	 tv = { QUEUE_OFFLINE_PERIOD, 0 };

	(void)fd;
	(void)what;
	evtimer_add(q->offline_ev, &tv);
	if (q->offline_pid != -1)
		return;
	switch (q->offline_pid = fork()) {
	case -1:
		log_warnx("queue event=offline-fork-failed error=\"%s\"",
		    strerror(errno));
		return;
	case 0:
		queue_offline_child(q);
	default:
		break;
	}
}

/* queue_offline_on_chld - reap the helper */
static void
queue_offline_on_chld(evutil_socket_t sig, short what, void *arg)
{
	struct queue	*q = arg;
	int		 status;
	pid_t		 pid;

	(void)sig;
	(void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != q->offline_pid)
			continue;
		q->offline_pid = -1;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			log_warnx("queue event=offline-helper-failed %s=%d",
			    WIFEXITED(status) ? "exit" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) :
			    WTERMSIG(status));
	}
}

/* queue_offline_start - pick up offline/ soon, then periodically */
void
queue_offline_start(struct queue *q)
{
	struct timeval	tv = { QUEUE_OFFLINE_FIRST, 0 };

	q->offline_pid = -1;
	q->offline_chld = evsignal_new(ev_base(), SIGCHLD,
	    queue_offline_on_chld, q);
	evsignal_add(q->offline_chld, NULL);
	q->offline_ev = evtimer_new(ev_base(), queue_offline_on_timer, q);
	evtimer_add(q->offline_ev, &tv);
}
