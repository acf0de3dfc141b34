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
 * local submission.  A file is removed only after the listener's 250; one the
 * listener refuses is kept (and logged) for the next walk.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "enqueue.h"
#include "ev.h"
#include "log.h"
#include "proc.h"
#include "qstore.h"
#include "queue.h"

#define QUEUE_OFFLINE_PERIOD	60	/* seconds between walks */
#define QUEUE_OFFLINE_FIRST	1	/* seconds after start */
#define QUEUE_OFFLINE_MSG_MAX	(64 * 1024 * 1024)

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

/* queue_offline_submit - one drop file to the listener; 0 once queued */
static int
queue_offline_submit(const struct qstore_offline *h, int fd, void *arg)
{
	const char		*rcpt[QSTORE_OFFLINE_RCPT_MAX];
	struct enqueue_msg	 m;
	struct buf		 body;
	char			 err[ENQUEUE_ERR_MAX];
	int			 rv, down = 0;

	(void)arg;
	for (m.nrcpt = 0; m.nrcpt < h->nrcpt &&
	    m.nrcpt < QSTORE_OFFLINE_RCPT_MAX; m.nrcpt++)
		rcpt[m.nrcpt] = h->rcpts[m.nrcpt];
	m.spool = ".";
	m.sender = h->sender;
	m.rcpt = rcpt;
	m.body = &body;
	buf_init(&body, QUEUE_OFFLINE_MSG_MAX);
	if (queue_offline_read(fd, &body) == -1) {
		buf_free(&body);
		log_warnx("queue: offline message from uid %lu unreadable",
		    (unsigned long)h->uid);
		return -1;
	}
	rv = enqueue_submit(&m, &down, err, sizeof(err));
	buf_free(&body);
	if (err[0] != '\0')
		log_debug("queue: offline message from uid %lu: %s",
		    (unsigned long)h->uid, err);
	log_info("queue event=offline-enqueue uid=%lu rcpts=%zu result=%s",
	    (unsigned long)h->uid, h->nrcpt, rv == EX_OK ? "queued" :
	    rv == EX_UNAVAILABLE ? "refused-kept" : "kept");
	return rv == EX_OK ? 0 : -1;
}

/* queue_offline_child - the helper: walk offline/ and exit */
static void __attribute__((noreturn))
queue_offline_child(struct queue *q)
{
	static const enum proc_role peers[] = { PROC_PARENT, PROC_SMTPD,
	    PROC_DELIVER, PROC_LOOKUP };
	size_t	i;

	/* the channels stay the queue's: its death must show at once */
	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++)
		(void)close(proc_child_fd(PROC_QUEUE, peers[i]));
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	log_setproc("offline");
	(void)qstore_offline_walk(q->qs, queue_offline_submit, NULL);
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
		log_warn("queue: fork for the offline area");
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
			log_warnx("queue: the offline helper failed");
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
