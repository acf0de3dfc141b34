/*
 * control_accept.c - who may hold a connection to the control socket,
 * how many at once and for how long.
 *
 * Every local user may connect (the socket is 0666); the peer's uid
 * (SO_PEERCRED) decides.  Root and the daemon's own account share
 * CONTROL_ADMIN_MAX connections; every other uid gets CONTROL_USER_MAX,
 * and all of them together CONTROL_USERS_MAX, so no user can crowd root
 * out or exhaust the queue's descriptors.  A connection over its limit
 * is accepted, told why and closed at once; the first refusal is logged
 * and the following ones summed up once a second.  A connection that
 * sends no command within CONTROL_IDLE_TIMEOUT seconds is closed.  When
 * accept(2) runs out of descriptors, accepting rests until a connection
 * closes or CONTROL_ACCEPT_RETRY seconds pass, instead of waking up for
 * the same pending connection again and again.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "control_priv.h"
#include "xmalloc.h"

#define CONTROL_ACCEPT_BUSY_TEXT "too many control connections; try again later"

static const struct timeval control_accept_retry_tv =
    { CONTROL_ACCEPT_RETRY, 0 };
static const struct timeval control_accept_idle_tv =
    { CONTROL_IDLE_TIMEOUT, 0 };
static const struct timeval control_accept_summary_tv = { 1, 0 };

/* control_accept_limit - the limit a new connection of uid would break */
static const char *
control_accept_limit(const struct control *ctl, uid_t uid, int admin)
{
	const struct control_conn	*cc;
	size_t				 same = 0, group = 0;

	TAILQ_FOREACH(cc, &ctl->conns, entry) {
		if (cc->admin != admin)
			continue;
		group++;
		if (cc->uid == uid)
			same++;
	}
	if (admin)
		return group >= CONTROL_ADMIN_MAX ? "admin-limit" : NULL;
	if (same >= CONTROL_USER_MAX)
		return "user-limit";
	if (group >= CONTROL_USERS_MAX)
		return "users-limit";
	return NULL;
}

/* control_accept_on_summary - refusals of the last second, in one line */
static void
control_accept_on_summary(evutil_socket_t fd, short what, void *arg)
{
	struct control	*ctl = arg;

	(void)fd;
	(void)what;
	if (ctl->refused == 0)
		return;
	log_warnx("control event=conn-limit refused=%u seconds=%d",
	    ctl->refused, (int)control_accept_summary_tv.tv_sec);
	ctl->refused = 0;
	evtimer_add(ctl->ev_refused, &control_accept_summary_tv);
}

/*
 * control_accept_drain - discard what the client sent before it was
 * accepted (smtpctl's hello and command): a socket closed with unread
 * data resets the connection, and the client would lose the refusal
 */
static void
control_accept_drain(int fd)
{
	char	buf[64];
	int	i;

	for (i = 0; i < 16; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
}

/*
 * control_accept_refuse - over the limit: say so and close; the first
 * refusal is logged, the next ones are counted for the summary
 */
static void
control_accept_refuse(struct control *ctl, int fd, uid_t uid,
    const char *why)
{
	struct msg_ctl_end	 m;
	struct ipc		*c;

	if (evtimer_pending(ctl->ev_refused, NULL))
		ctl->refused++;
	else {
		log_warnx("control event=conn-limit uid=%lu reason=%s "
		    "user-max=%d users-max=%d admin-max=%d",
		    (unsigned long)uid, why, CONTROL_USER_MAX,
		    CONTROL_USERS_MAX, CONTROL_ADMIN_MAX);
		evtimer_add(ctl->ev_refused, &control_accept_summary_tv);
	}
	memset(&m, 0, sizeof(m));
	m.status = 1;
	strlcpy(m.error, CONTROL_ACCEPT_BUSY_TEXT, sizeof(m.error));
	c = ipc_new(fd, PROC_QUEUE, PROC_CONTROL, IPC_TRUST_CLIENT, NULL,
	    NULL);
	ipc_send(c, MSG_CTL_END, 0, -1, &m, sizeof(m));
	control_accept_drain(fd);
	ipc_free(c);
}

/* control_accept_resume - listen again after a rest */
static void
control_accept_resume(struct control *ctl)
{
	evtimer_del(ctl->ev_retry);
	event_add(ctl->ev, NULL);
}

/* control_accept_on_retry - the rest after EMFILE is over */
static void
control_accept_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	control_accept_resume(arg);
}

/* control_accept_pause - out of descriptors: rest instead of spinning */
static void
control_accept_pause(struct control *ctl, int error)
{
	event_del(ctl->ev);
	evtimer_add(ctl->ev_retry, &control_accept_retry_tv);
	if (ctl->paused)
		return;
	ctl->paused = 1;
	log_warnx("control event=accept-paused reason=\"%s\" retry=%ds",
	    strerror(error), CONTROL_ACCEPT_RETRY);
}

/* control_accept_on_close - the client went away or the command is done */
static void
control_accept_on_close(struct ipc *c, void *arg)
{
	struct control_conn	*cc = arg;
	struct control		*ctl = cc->ctl;

	TAILQ_REMOVE(&ctl->conns, cc, entry);
	event_free(cc->idle);
	ipc_free(c);
	free(cc);
	if (ctl->paused)
		control_accept_resume(ctl);
}

/* control_accept_on_idle - no command in time: close the connection */
static void
control_accept_on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct control_conn	*cc = arg;

	(void)fd;
	(void)what;
	log_info("control event=idle-close uid=%lu seconds=%d",
	    (unsigned long)cc->uid, CONTROL_IDLE_TIMEOUT);
	ipc_shutdown(cc->ipc);
}

/* control_accept_busy - the connection's command came: no more time-out */
void
control_accept_busy(struct control_conn *cc)
{
	cc->busy = 1;
	evtimer_del(cc->idle);
}

/* control_accept_open - a connection within its limits */
static void
control_accept_open(struct control *ctl, int fd, uid_t uid, int admin)
{
	struct control_conn	*cc;

	cc = xcalloc(1, sizeof(*cc));
	cc->ctl = ctl;
	cc->uid = uid;
	cc->admin = admin;
	cc->id = ++ctl->next_id;
	cc->idle = evtimer_new(ev_base(), control_accept_on_idle, cc);
	evtimer_add(cc->idle, &control_accept_idle_tv);
	cc->ipc = ipc_new(fd, PROC_QUEUE, PROC_CONTROL, IPC_TRUST_CLIENT,
	    ctl->handlers, cc);
	ipc_set_close_cb(cc->ipc, control_accept_on_close);
	TAILQ_INSERT_TAIL(&ctl->conns, cc, entry);
}

/* control_accept_on_read - a connection waits on the control socket */
static void
control_accept_on_read(evutil_socket_t lfd, short what, void *arg)
{
	struct control	*ctl = arg;
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);
	const char	*over;
	int		 fd, admin;

	(void)what;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			control_accept_pause(ctl, errno);
		else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warnx("control event=accept-failed error=\"%s\"",
			    strerror(errno));
		return;
	}
	if (ctl->paused) {
		ctl->paused = 0;
		log_info("control event=accept-resumed");
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warnx("control event=peercred-failed error=\"%s\"",
		    strerror(errno));
		close(fd);
		return;
	}
	admin = cred.uid == 0 || cred.uid == geteuid();
	if ((over = control_accept_limit(ctl, cred.uid, admin)) != NULL)
		control_accept_refuse(ctl, fd, cred.uid, over);
	else
		control_accept_open(ctl, fd, cred.uid, admin);
}

/* control_accept_start - accept on the socket the parent bound */
void
control_accept_start(struct control *ctl, int listen_fd)
{
	evutil_make_socket_nonblocking(listen_fd);
	ctl->ev = event_new(ev_base(), listen_fd, EV_READ | EV_PERSIST,
	    control_accept_on_read, ctl);
	ctl->ev_retry = evtimer_new(ev_base(), control_accept_on_retry, ctl);
	ctl->ev_refused = evtimer_new(ev_base(), control_accept_on_summary,
	    ctl);
	if (ctl->ev == NULL || ctl->ev_retry == NULL ||
	    ctl->ev_refused == NULL || event_add(ctl->ev, NULL) == -1)
		fatalx("control: cannot watch the control socket");
}
