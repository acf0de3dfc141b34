/*
 * fuzz_session.c - a whole listener session: the input is the client's
 * stream, written into one end of a socket pair whose other end the
 * listener serves as an accepted connection, then closed for writing.
 * The lookup and the queue are played in the same process on the
 * listener's real channels: senders containing "bad" and recipients
 * starting with "nobody" are refused, everything else accepted, the
 * message written to /dev/null.  The session must end by itself once
 * the stream is over, within FUZZ_SESSION_WAIT seconds.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "proc.h"
#include "fuzz.h"
#include "../../smtpd/listener/srv.h"

#define FUZZ_SESSION_WAIT	5	/* seconds a session may take */

static const char fuzz_session_conf[] =
    "smtp max-message-size 4K\n"
    "smtp limit max-rcpt 5\n"
    "listen on 127.0.0.1 port 2525 hostname mx.test\n"
    "action \"local\" maildir\n"
    "match from any for any action \"local\"\n";

static struct {
	struct srv		 srv;
	struct proc_env		 env;
	struct srv_listener	 listener;
	struct ipc		*queue, *lookup, *parent;
	/* the conversation */
	const uint8_t		*data;
	size_t			 size, sent;
	int			 fd;
	struct event		*rev, *wev, *timer;
} F;

/* fuzz_session_result - a verdict of the fake lookup or queue */
static void
fuzz_session_result(int32_t *code, char *enh, size_t enhsz, char *text,
    size_t textsz, int ok)
{
	*code = ok ? 250 : 550;
	strlcpy(enh, ok ? "2.1.0" : "5.7.1", enhsz);
	strlcpy(text, ok ? "Ok" : "Refused", textsz);
}

/* fuzz_session_on_mail - MSG_LOOKUP_MAIL */
static void
fuzz_session_on_mail(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_mail	*m = msg;
	struct msg_lka_result		 r;

	(void)id; (void)fd; (void)arg;
	memset(&r, 0, sizeof(r));
	r.sessid = m->sess.id;
	fuzz_session_result(&r.code, r.enhanced, sizeof(r.enhanced), r.text,
	    sizeof(r.text), strstr(m->sender, "bad") == NULL);
	ipc_send(c, MSG_LOOKUP_RESULT, 0, -1, &r, sizeof(r));
}

/* fuzz_session_on_rcpt - MSG_LOOKUP_RCPT: the verdict via the queue */
static void
fuzz_session_on_rcpt(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_rcpt	*m = msg;
	struct msg_rcpt_result		 r;

	(void)c; (void)id; (void)fd; (void)arg;
	memset(&r, 0, sizeof(r));
	r.sessid = m->sess.id;
	r.msgid = m->msgid;
	fuzz_session_result(&r.code, r.enhanced, sizeof(r.enhanced), r.text,
	    sizeof(r.text), strncmp(m->rcpt, "nobody", 6) != 0);
	ipc_send(F.queue, MSG_TX_RCPT_RESULT, 0, -1, &r, sizeof(r));
}

/* fuzz_session_on_open - MSG_TX_OPEN: the message goes to /dev/null */
static void
fuzz_session_on_open(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_tx	*m = msg;
	struct msg_tx_result	 r;
	static uint32_t		 msgid;
	int			 wfd;

	(void)id; (void)fd; (void)arg;
	memset(&r, 0, sizeof(r));
	r.sessid = m->sessid;
	r.msgid = ++msgid == 0 ? ++msgid : msgid;
	if ((wfd = open("/dev/null", O_WRONLY)) == -1)
		err(1, "/dev/null");
	ipc_send(c, MSG_TX_OPENED, 0, wfd, &r, sizeof(r));
	close(wfd);
}

/* fuzz_session_on_commit - MSG_TX_COMMIT: taken */
static void
fuzz_session_on_commit(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_tx	*m = msg;
	struct msg_tx_result	 r;

	(void)id; (void)fd; (void)arg;
	memset(&r, 0, sizeof(r));
	r.sessid = m->sessid;
	r.msgid = m->msgid;
	ipc_send(c, MSG_TX_COMMITTED, 0, -1, &r, sizeof(r));
}

/* fuzz_session_on_other - a message that needs no answer */
static void
fuzz_session_on_other(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c; (void)id; (void)msg; (void)arg;
	if (fd != -1)
		close(fd);
}

static const struct ipc_handler fuzz_session_queue[] = {
	{ MSG_TX_OPEN,		fuzz_session_on_open },
	{ MSG_TX_COMMIT,	fuzz_session_on_commit },
	{ MSG_TX_ABORT,		fuzz_session_on_other },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler fuzz_session_lookup[] = {
	{ MSG_LOOKUP_MAIL,	fuzz_session_on_mail },
	{ MSG_LOOKUP_RCPT,	fuzz_session_on_rcpt },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler fuzz_session_none[] = {
	{ MSG_NONE,		NULL }
};

/* fuzz_session_channel - a channel of the listener and its fake peer */
static struct ipc *
fuzz_session_channel(int *srvfd, enum proc_role peer,
    const struct ipc_handler *handlers)
{
	int	sp[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == -1)
		err(1, "socketpair");
	*srvfd = sp[0];
	return ipc_new(sp[1], peer, PROC_SMTPD, IPC_TRUST_PEER, handlers,
	    NULL);
}

/* fuzz_session_cfg - the configuration, through a file */
static const struct cfg *
fuzz_session_cfg(void)
{
	const char	*tmp = getenv("TMPDIR");
	char		 path[PATH_MAX], e[1024];
	struct cfg	*cfg;
	int		 fd;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	snprintf(path, sizeof(path), "%s/fuzz_session.XXXXXX", tmp);
	if ((fd = mkstemp(path)) == -1 || write(fd, fuzz_session_conf,
	    strlen(fuzz_session_conf)) == -1)
		err(1, "%s", path);
	close(fd);
	cfg = cfg_load(path, NULL, e, sizeof(e));
	unlink(path);
	if (cfg == NULL)
		errx(1, "configuration: %s", e);
	return cfg;
}

/* LLVMFuzzerInitialize - the listener and its fake peers, once */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	p, q, l;

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	log_init("fuzz_session", 1, 0);
	F.env.cfg = fuzz_session_cfg();
	srv_init(&F.srv, &F.env);
	F.parent = fuzz_session_channel(&p, PROC_PARENT, fuzz_session_none);
	F.queue = fuzz_session_channel(&q, PROC_QUEUE, fuzz_session_queue);
	F.lookup = fuzz_session_channel(&l, PROC_LOOKUP,
	    fuzz_session_lookup);
	srv_channels(&F.srv, p, q, l);
	F.listener.srv = &F.srv;
	F.listener.fd = -1;
	F.listener.cfg = TAILQ_FIRST(&F.env.cfg->listeners);
	strlcpy(F.listener.name, "fuzz", sizeof(F.listener.name));
	return 0;
}

/* fuzz_session_on_write - the client sends what is left, then EOF */
static void
fuzz_session_on_write(evutil_socket_t fd, short what, void *arg)
{
	ssize_t	n;

	(void)what; (void)arg;
	if (F.sent < F.size) {
		n = write(fd, F.data + F.sent, F.size - F.sent);
		if (n > 0)
			F.sent += (size_t)n;
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			F.sent = F.size;	/* the listener is gone */
	}
	if (F.sent == F.size) {
		shutdown(fd, SHUT_WR);
		event_del(F.wev);
	}
}

/* fuzz_session_on_read - the replies, until the listener closes */
static void
fuzz_session_on_read(evutil_socket_t fd, short what, void *arg)
{
	char	buf[4096];
	ssize_t	n;

	(void)what; (void)arg;
	n = read(fd, buf, sizeof(buf));
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		ev_exit();
}

/* fuzz_session_on_timeout - the session did not end: a hang */
static void
fuzz_session_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	fprintf(stderr, "fuzz_session: the session did not end in %d s\n",
	    FUZZ_SESSION_WAIT);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { FUZZ_SESSION_WAIT, 0 };
	int			 sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == -1)
		err(1, "socketpair");
	F.data = data;
	F.size = size;
	F.sent = 0;
	F.rev = event_new(ev_base(), sp[1], EV_READ | EV_PERSIST,
	    fuzz_session_on_read, NULL);
	F.wev = event_new(ev_base(), sp[1], EV_WRITE | EV_PERSIST,
	    fuzz_session_on_write, NULL);
	F.timer = evtimer_new(ev_base(), fuzz_session_on_timeout, NULL);
	event_add(F.rev, NULL);
	event_add(F.wev, NULL);
	evtimer_add(F.timer, &tv);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	srv_session_start(&F.srv, sp[0], &F.listener, (struct sockaddr *)&sun,
	    sizeof(sun), NULL);
	ev_dispatch();
	event_free(F.rev);
	event_free(F.wev);
	event_free(F.timer);
	close(sp[1]);
	if (!TAILQ_EMPTY(&F.srv.sessions))
		abort();
	return 0;
}
