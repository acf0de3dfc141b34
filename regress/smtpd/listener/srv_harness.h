/*
 * srv_harness.h - the listener under test, in one process: the real
 * sessions on a loopback socket, with a scripted queue and lookup on
 * the other ends of its channels, and a client forked per conversation.
 *
 * The fake lookup accepts every sender except those containing "bad"
 * (553 5.7.1) and every recipient except those starting with "nobody"
 * (550 5.1.1), and keeps the RCPT requests (the client's claims) it
 * accepted; as the real one, it gives its verdict on a RCPT to the
 * queue, which the fake queue passes on at once.  AUTH accepts
 * alice/secret.  The fake queue keeps the committed message.  For a
 * listener with filter processes, no filter decides at any phase and
 * the report events are kept in order.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include "../../../smtpd/listener/srv.h"

#define H_RCPT_MAX	8
#define H_OUT_MAX	(256 * 1024)
#define H_FEV_MAX	64

struct harness {
	struct srv		 srv;
	struct proc_env		 env;
	struct ipc		*fq, *fl, *fp;
	int			 port;
	/* the fake queue */
	int			 opens, commits, aborts, nrcpt;
	int			 commit_code;		/* answer to COMMIT */
	int			 open_code;		/* answer to OPEN */
	int			 rfd;			/* the message, read side */
	uint32_t		 msgid;
	uint64_t		 size;
	struct msg_lka_rcpt	 rcpt_seen[H_RCPT_MAX];	/* accepted */
	char			*message;
	size_t			 msglen;
	/* the conversation */
	char			 out[H_OUT_MAX];
	size_t			 outlen;
	struct event		*pev;
	int			 pfd;
	int			 halfclose;	/* shutdown(SHUT_WR) after writing */
	/* the fake lookup's filter processes */
	struct msg_lka_filter_event fev[H_FEV_MAX];	/* in order */
	int			 nfev;
	int			 fends;		/* sessions ended */
};

static struct harness H;

/* h_fq_open - MSG_TX_OPEN: a fresh message file */
static void
h_fq_open(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	const struct msg_tx	*m = msg;
	struct msg_tx_result	 r;
	char			 path[32];
	int			 wfd;

	(void)id; (void)fd; (void)arg;
	memset(&r, 0, sizeof(r));
	r.sessid = m->sessid;
	H.opens++;
	if (H.open_code != 0) {
		r.code = H.open_code;
		strlcpy(r.enhanced, "4.3.0", sizeof(r.enhanced));
		strlcpy(r.text, "queue says no", sizeof(r.text));
		ipc_send(c, MSG_TX_OPENED, 0, -1, &r, sizeof(r));
		return;
	}
	/* in the test's own working directory */
	snprintf(path, sizeof(path), "msg.%d", H.opens);
	if ((wfd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		atf_tc_fail("open %s", path);
	if (H.rfd != -1)
		close(H.rfd);
	H.rfd = open(path, O_RDONLY);
	unlink(path);
	r.msgid = H.msgid = 0x1000 + (uint32_t)H.opens;
	ipc_send(c, MSG_TX_OPENED, 0, wfd, &r, sizeof(r));
	close(wfd);
}

/* h_fq_commit - MSG_TX_COMMIT: read the file back, answer */
static void
h_fq_commit(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	const struct msg_tx	*m = msg;
	struct msg_tx_result	 r;
	char			 buf[4096];
	ssize_t			 n;

	(void)id; (void)fd; (void)arg;
	memset(&r, 0, sizeof(r));
	r.sessid = m->sessid;
	r.msgid = m->msgid;
	H.size = m->size;
	free(H.message);
	H.message = NULL;
	H.msglen = 0;
	lseek(H.rfd, 0, SEEK_SET);
	while ((n = read(H.rfd, buf, sizeof(buf))) > 0) {
		H.message = realloc(H.message, H.msglen + (size_t)n + 1);
		memcpy(H.message + H.msglen, buf, (size_t)n);
		H.msglen += (size_t)n;
		H.message[H.msglen] = '\0';
	}
	if (H.commit_code != 0) {
		r.code = H.commit_code;
		strlcpy(r.enhanced, "4.3.1", sizeof(r.enhanced));
		strlcpy(r.text, "disk full", sizeof(r.text));
	} else
		H.commits++;
	ipc_send(c, MSG_TX_COMMITTED, 0, -1, &r, sizeof(r));
}

/* h_fq_abort - MSG_TX_ABORT */
static void
h_fq_abort(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	(void)c; (void)id; (void)fd; (void)msg; (void)arg;
	H.aborts++;
}

/* h_result - one MSG_LOOKUP_RESULT */
static void
h_result(struct ipc *c, uint64_t sessid, int code, const char *enh,
    const char *text)
{
	struct msg_lka_result	r;

	memset(&r, 0, sizeof(r));
	r.sessid = sessid;
	r.code = code;
	strlcpy(r.enhanced, enh, sizeof(r.enhanced));
	strlcpy(r.text, text, sizeof(r.text));
	ipc_send(c, MSG_LOOKUP_RESULT, 0, -1, &r, sizeof(r));
}

/* h_fl_mail - MSG_LOOKUP_MAIL */
static void
h_fl_mail(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	const struct msg_lka_mail	*m = msg;

	(void)id; (void)fd; (void)arg;
	if (strstr(m->sender, "bad") != NULL)
		h_result(c, m->sess.id, 553, "5.7.1", "Sender not allowed");
	else
		h_result(c, m->sess.id, 250, "2.1.0", "Ok");
}

/* h_fl_rcpt - MSG_LOOKUP_RCPT: the verdict, through the fake queue */
static void
h_fl_rcpt(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	const struct msg_lka_rcpt	*m = msg;
	struct msg_rcpt_result		 r;

	(void)c; (void)id; (void)fd; (void)arg;
	if (m->msgid != H.msgid)
		atf_tc_fail("RCPT for msgid %08x, opened %08x", m->msgid,
		    H.msgid);
	memset(&r, 0, sizeof(r));
	r.sessid = m->sess.id;
	r.msgid = m->msgid;
	r.code = 550;
	strlcpy(r.enhanced, "5.1.1", sizeof(r.enhanced));
	strlcpy(r.text, "User unknown", sizeof(r.text));
	if (strncmp(m->rcpt, "nobody", 6) != 0) {
		if (H.nrcpt < H_RCPT_MAX)
			H.rcpt_seen[H.nrcpt] = *m;
		H.nrcpt++;
		r.code = 250;
		strlcpy(r.enhanced, "2.1.5", sizeof(r.enhanced));
		strlcpy(r.text, "Ok", sizeof(r.text));
	}
	ipc_send(H.fq, MSG_TX_RCPT_RESULT, 0, -1, &r, sizeof(r));
}

/* h_fl_auth - MSG_LOOKUP_AUTH: alice/secret */
static void
h_fl_auth(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	const struct msg_lka_auth	*m = msg;

	(void)id; (void)fd; (void)arg;
	if (strcmp(m->user, "alice") == 0 && strcmp(m->pass, "secret") == 0)
		h_result(c, m->sessid, 235, "2.0.0", "ok");
	else
		h_result(c, m->sessid, 535, "5.7.8", "no");
}

/* h_fl_filter - MSG_LOOKUP_FILTER: no filter decides */
static void
h_fl_filter(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	const struct msg_lka_filter	*m = msg;
	struct msg_lka_filter_result	 r;

	(void)id; (void)fd; (void)arg;
	memset(&r, 0, sizeof(r));
	r.sessid = m->sess.id;
	r.phase = m->phase;
	r.status = IPC_FILTER_NONE;
	ipc_send(c, MSG_LOOKUP_FILTER_RESULT, 0, -1, &r, sizeof(r));
}

/* h_fl_event - MSG_LOOKUP_FILTER_EVENT: kept */
static void
h_fl_event(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	(void)c; (void)id; (void)fd; (void)arg;
	if (H.nfev < H_FEV_MAX)
		memcpy(&H.fev[H.nfev++], msg, sizeof(H.fev[0]));
}

/* h_fl_end - MSG_LOOKUP_FILTER_END: counted */
static void
h_fl_end(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	(void)c; (void)id; (void)fd; (void)msg; (void)arg;
	H.fends++;
}

static const struct ipc_handler h_fq_handlers[] = {
	{ MSG_TX_OPEN,		h_fq_open },
	{ MSG_TX_COMMIT,	h_fq_commit },
	{ MSG_TX_ABORT,		h_fq_abort },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler h_fl_handlers[] = {
	{ MSG_LOOKUP_MAIL,		h_fl_mail },
	{ MSG_LOOKUP_RCPT,		h_fl_rcpt },
	{ MSG_LOOKUP_AUTH,		h_fl_auth },
	{ MSG_LOOKUP_FILTER,		h_fl_filter },
	{ MSG_LOOKUP_FILTER_EVENT,	h_fl_event },
	{ MSG_LOOKUP_FILTER_END,	h_fl_end },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler h_fp_handlers[] = {
	{ MSG_NONE,		NULL }
};

/* h_pair - a socketpair for one channel */
static void
h_pair(int sp[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == -1)
		atf_tc_fail("socketpair");
}

/* h_listen - a loopback listener on an ephemeral port */
static int
h_listen(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 128) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		atf_tc_fail("listen: %s", strerror(errno));
	H.port = ntohs(sin.sin_port);
	return fd;
}

/*
 * h_setup_full - the listener with options lopts, configuration pre
 * before it (what it names) and conf after it
 */
static void
h_setup_full(const char *pre, const char *lopts, const char *conf)
{
	char	 path[] = "t_srv.conf", err[1024];
	int	 fd, p[2], q[2], l[2];
	FILE	*f;

	signal(SIGPIPE, SIG_IGN);
	log_init("t_srv", 1, 0);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL)
		atf_tc_fail("open %s", path);
	fprintf(f, "%s\nlisten on 127.0.0.1 port 2525 hostname mx.test %s\n"
	    "%s\naction \"local\" maildir\nmatch from any for any action "
	    "\"local\"\n", pre, lopts, conf);
	fclose(f);
	H.env.cfg = cfg_load(path, NULL, err, sizeof(err));
	unlink(path);
	if (H.env.cfg == NULL)
		atf_tc_fail("cfg: %s", err);
	H.rfd = -1;
	srv_init(&H.srv, &H.env);
	h_pair(p);
	h_pair(q);
	h_pair(l);
	srv_channels(&H.srv, p[0], q[0], l[0]);
	H.fp = ipc_new(p[1], PROC_PARENT, PROC_SMTPD, IPC_TRUST_PEER,
	    h_fp_handlers, NULL);
	H.fq = ipc_new(q[1], PROC_QUEUE, PROC_SMTPD, IPC_TRUST_PEER,
	    h_fq_handlers, NULL);
	H.fl = ipc_new(l[1], PROC_LOOKUP, PROC_SMTPD, IPC_TRUST_PEER,
	    h_fl_handlers, NULL);
	srv_listener_add(&H.srv, h_listen(), 0, 0, "test");
}

/* h_setup_opts - the listener with options lopts and configuration conf */
static void
h_setup_opts(const char *lopts, const char *conf)
{
	h_setup_full("", lopts, conf);
}

/* h_setup - the listener with the configuration text conf */
static void
h_setup(const char *conf)
{
	h_setup_opts("", conf);
}

/* h_client_read - what the server says until it closes or goes quiet */
static void
h_client_read(int s, int out, int quiet_ms)
{
	struct pollfd	pfd = { s, POLLIN, 0 };
	char		buf[8192];
	ssize_t		n;

	while (poll(&pfd, 1, quiet_ms) == 1) {
		if ((n = read(s, buf, sizeof(buf))) <= 0)
			break;
		(void)write(out, buf, (size_t)n);
	}
}

/*
 * h_client - a forked client: each part is written on its own after a
 * short pause (so parts arrive as separate segments), then the replies
 * are collected until the server closes or is quiet for quiet_ms
 */
static void
h_client(const char *const *parts, const size_t *lens, size_t nparts,
    int out, int quiet_ms)
{
	struct sockaddr_in	sin;
	size_t			i;
	int			s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)H.port);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		_exit(2);
	for (i = 0; i < nparts; i++) {
		usleep(30000);
		if (strcmp(parts[i], "@") == 0) {
			sleep(2);	/* "@" - stay quiet for a while */
			continue;
		}
		(void)write(s, parts[i], lens ? lens[i] : strlen(parts[i]));
	}
	if (H.halfclose)
		shutdown(s, SHUT_WR);
	h_client_read(s, out, quiet_ms);
	_exit(0);
}

/* h_on_pipe - the client's transcript arrives */
static void
h_on_pipe(evutil_socket_t fd, short what, void *arg)
{
	ssize_t	n;

	(void)what; (void)arg;
	n = read(fd, H.out + H.outlen, sizeof(H.out) - 1 - H.outlen);
	if (n <= 0) {
		event_del(H.pev);
		ev_exit();
		return;
	}
	H.outlen += (size_t)n;
	H.out[H.outlen] = '\0';
}

/* h_talk_n - run one conversation of parts with explicit lengths */
static const char *
h_talk_n(const char *const *parts, const size_t *lens, size_t nparts)
{
	int	pp[2];
	pid_t	pid;

	H.outlen = 0;
	H.out[0] = '\0';
	if (pipe(pp) == -1)
		atf_tc_fail("pipe");
	if ((pid = fork()) == 0) {
		close(pp[0]);
		h_client(parts, lens, nparts, pp[1], 700);
	}
	close(pp[1]);
	H.pev = event_new(ev_base(), pp[0], EV_READ | EV_PERSIST, h_on_pipe,
	    NULL);
	event_add(H.pev, NULL);
	ev_dispatch();
	event_free(H.pev);
	close(pp[0]);
	waitpid(pid, NULL, 0);
	return H.out;
}

/* h_talk - one conversation of NUL-terminated parts */
static const char *
h_talk(const char *const *parts)
{
	size_t	n;

	for (n = 0; parts[n] != NULL; n++)
		;
	return h_talk_n(parts, NULL, n);
}

/* h_codes - the reply codes of a transcript, one per final line: "250 354 " */
static const char *
h_codes(void)
{
	static char	codes[8192];
	const char	*p = H.out;
	size_t		o = 0;

	codes[0] = '\0';
	while (*p != '\0' && o + 5 < sizeof(codes)) {
		if (strlen(p) >= 4 && p[3] == ' ') {
			memcpy(codes + o, p, 3);
			codes[o + 3] = ' ';
			o += 4;
		}
		if ((p = strchr(p, '\n')) == NULL)
			break;
		p++;
	}
	codes[o] = '\0';
	return codes;
}

#define H_CODES(want) do {						\
	const char *got_ = h_codes();					\
	if (strcmp(got_, (want)) != 0)					\
		atf_tc_fail_check(__FILE__, __LINE__,			\
		    "codes \"%s\", want \"%s\"; transcript:\n%s",	\
		    got_, (want), H.out);				\
} while (0)
