/*
 * t_relay_session.c - relay sessions on the event loop against a
 * scripted SMTP peer on loopback (a child process): jobs go in as
 * MSG_RELAY_RUN and their results come back over a real IPC channel.
 * A connection is kept for the next job to its route (RSET between
 * transactions), MAIL/RCPT/DATA travel in one write when PIPELINING is
 * offered, the recipients of one message that arrive before its MAIL
 * FROM goes (together, or while it connects) go in one transaction, a
 * recipient's 4xx or 5xx is its own result and leaves the connection
 * usable, and a kept connection that the peer closes, idle or at RSET,
 * gives way to a new one without losing the job.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <atf-c.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "../../../deliver/relay/relay.h"

#define T_JOBS		8
#define T_PEERLOG	"peer.log"
#define T_GO		"go"

/* how the scripted peer behaves */
struct t_peer {
	int	pipelining;	/* offer PIPELINING */
	int	drop_rset;	/* close at RSET, without a reply */
	int	drop_idle;	/* close after each message's reply */
	int	hold;		/* greet once the file T_GO exists */
};

/* the relay under test and the results it sent */
struct t_env {
	struct relay	*relay;
	pid_t		 peer;
	int		 want;
	int		 got;
	int32_t		 status[T_JOBS];
	char		 text[T_JOBS][ERRTEXT_MAX];
};

/* t_log - one line of the peer's log, "CONN LINE" */
static void
t_log(int conn, const char *line)
{
	FILE	*f;

	if ((f = fopen(T_PEERLOG, "a")) == NULL)
		_exit(2);
	fprintf(f, "%d %s\n", conn, line);
	fclose(f);
}

/* t_say - one reply line of the peer */
static void
t_say(int fd, const char *line)
{
	char	buf[512];
	int	n;

	n = snprintf(buf, sizeof(buf), "%s\r\n", line);
	if (write(fd, buf, (size_t)n) != n)
		_exit(2);
}

/* t_line - the next line the peer reads (CRLF cut); -1 at the end */
static int
t_line(int fd, char *buf, size_t *have, char *line, size_t linesz)
{
	char	*eol;
	ssize_t	 n;
	size_t	 len;

	while ((eol = memchr(buf, '\n', *have)) == NULL) {
		if (*have >= 4096 || (n = read(fd, buf + *have,
		    4096 - *have)) <= 0)
			return -1;
		*have += (size_t)n;
	}
	len = (size_t)(eol - buf) + 1;
	snprintf(line, linesz, "%.*s", (int)(len > 1 ? len - 2 : 0), buf);
	memmove(buf, buf + len, *have - len);
	*have -= len;
	return 0;
}

/*
 * t_reply - the peer's answer to one command (data: 354 given, rcpts:
 * recipients accepted); NULL: close at once
 */
static const char *
t_reply(const struct t_peer *p, const char *line, int *data, int *rcpts)
{
	if (strncmp(line, "EHLO", 4) == 0)
		return p->pipelining ? "250-peer.test\r\n250-PIPELINING\r\n"
		    "250 8BITMIME" : "250-peer.test\r\n250 8BITMIME";
	if (strncmp(line, "RCPT TO:<temp@", 14) == 0)
		return "451 4.2.0 mailbox busy";
	if (strncmp(line, "RCPT TO:<perm@", 14) == 0)
		return "550 5.1.1 no such user";
	if (strncmp(line, "RCPT", 4) == 0)
		++*rcpts;
	if (strcmp(line, "DATA") == 0 && *rcpts == 0)
		return "554 5.5.1 no valid recipients";
	if (strcmp(line, "DATA") == 0) {
		*data = 1;
		return "354 go ahead";
	}
	if (strcmp(line, "RSET") == 0)
		*rcpts = 0;
	if (strcmp(line, "RSET") == 0)
		return p->drop_rset ? NULL : "250 2.0.0 ok";
	if (strcmp(line, "QUIT") == 0)
		return "221 2.0.0 bye";
	return "250 2.0.0 ok";
}

/* t_serve - one connection of the peer */
static void
t_serve(const struct t_peer *p, int fd, int conn)
{
	char		 buf[4096], line[1024];
	const char	*r;
	size_t		 have = 0;
	int		 data = 0, rcpts = 0;

	while (p->hold && access(T_GO, F_OK) == -1)
		usleep(1000);
	t_say(fd, "220 peer.test ready");
	while (t_line(fd, buf, &have, line, sizeof(line)) == 0) {
		if (data) {
			if (strcmp(line, ".") != 0)
				continue;
			data = rcpts = 0;
			t_log(conn, "message");
			t_say(fd, "250 2.0.0 queued");
			if (p->drop_idle)
				break;
			continue;
		}
		t_log(conn, line);
		if (strncmp(line, "MAIL", 4) == 0 && have > 0)
			t_log(conn, "pipelined");
		if ((r = t_reply(p, line, &data, &rcpts)) == NULL)
			break;
		t_say(fd, r);
		if (strcmp(line, "QUIT") == 0)
			break;
	}
	close(fd);
}

/* t_peer_start - the peer in a child, listening; its port */
static int
t_peer_start(struct t_env *e, const struct t_peer *p)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s, fd, conn = 0, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ATF_REQUIRE((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	ATF_REQUIRE(bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	ATF_REQUIRE(listen(s, 16) == 0);
	ATF_REQUIRE(getsockname(s, (struct sockaddr *)&sin, &len) == 0);
	ATF_REQUIRE((e->peer = fork()) != -1);
	if (e->peer == 0) {
		while ((fd = accept(s, NULL, NULL)) != -1) {
			t_log(++conn, "connect");
			t_serve(p, fd, conn);
		}
		_exit(0);
	}
	close(s);
	return ntohs(sin.sin_port);
}

/* t_on_result - MSG_RELAY_RESULT: note it; enough: stop the loop */
static void
t_on_result(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	const struct msg_dlv_result	*m = msg;
	struct t_env			*e = arg;
	size_t				 i = (size_t)(m->evpid & 0xff);

	(void)c;
	(void)id;
	(void)fd;
	ATF_REQUIRE(i < T_JOBS);
	e->status[i] = m->status;
	strlcpy(e->text[i], m->text, sizeof(e->text[i]));
	if (++e->got >= e->want)
		event_base_loopbreak(ev_base());
}

static const struct ipc_handler t_handlers[] = {
	{ MSG_RELAY_RESULT,	t_on_result },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler t_none[] = {
	{ MSG_NONE,		NULL }
};

/* t_setup - the peer, a configuration relaying to it, the relay */
static void
t_setup(struct t_env *e, const struct t_peer *p)
{
	struct cfg	*cfg;
	struct ipc	*q;
	FILE		*f;
	char		 err[256];
	int		 sv[2];

	memset(e, 0, sizeof(*e));
	log_init("t_relay_session", 1, 0);
	ATF_REQUIRE((f = fopen("smtpd.conf", "w")) != NULL);
	fprintf(f, "action \"out\" relay host smtp://127.0.0.1:%d\n"
	    "match from any for any action \"out\"\n", t_peer_start(e, p));
	fclose(f);
	cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(cfg != NULL, "%s", err);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	q = ipc_new(sv[0], PROC_QUEUE, PROC_RELAY, IPC_TRUST_PEER, t_handlers,
	    e);
	(void)q;
	e->relay = relay_new(cfg, ipc_new(sv[1], PROC_RELAY, PROC_QUEUE,
	    IPC_TRUST_PEER, t_none, NULL), NULL);
}

/* t_guard - the loop ran too long */
static void
t_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	atf_tc_fail("no result in time");
}

/*
 * t_submit - relay a message to rcpt as job i (message msg: the
 * recipients of one message go together)
 */
static void
t_submit(struct t_env *e, int msg, int i, const char *rcpt)
{
	struct msg_relay_run	 m;
	char			 path[] = "msg.XXXXXX";
	int			 fd;

	memset(&m, 0, sizeof(m));
	m.evp.evpid = ((uint64_t)(0x5a1c93e0 + msg) << 32) | (uint64_t)i;
	strlcpy(m.evp.sender, "alice@a.test", sizeof(m.evp.sender));
	strlcpy(m.evp.dest, rcpt, sizeof(m.evp.dest));
	strlcpy(m.evp.rcpt, rcpt, sizeof(m.evp.rcpt));
	strlcpy(m.evp.dispatcher, "out", sizeof(m.evp.dispatcher));
	ATF_REQUIRE((fd = mkstemp(path)) != -1);
	ATF_REQUIRE(write(fd, "Subject: t\n\nhello\n", 18) == 18);
	relay_on_run(NULL, 0, fd, &m, e->relay);
}

/* t_wait - run the loop until n more results are in */
static void
t_wait(struct t_env *e, int n)
{
	struct timeval		 tv = { 20, 0 };
	struct event		*guard;

	e->want = e->got + n;
	guard = evtimer_new(ev_base(), t_guard, NULL);
	evtimer_add(guard, &tv);
	ATF_REQUIRE(event_base_dispatch(ev_base()) != -1);
	event_free(guard);
}

/* t_peer_has - how many lines of the peer's log are exactly line */
static int
t_peer_has(const char *line)
{
	FILE	*f;
	char	 buf[1024];
	int	 n = 0;

	if ((f = fopen(T_PEERLOG, "r")) == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		n += strcmp(buf, line) == 0;
	}
	fclose(f);
	return n;
}

/* t_on_poll - the peer has a connection: stop the loop */
static void
t_on_poll(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (t_peer_has("1 connect") > 0)
		event_base_loopbreak(ev_base());
}

/* t_until_connected - run the loop until the peer has a connection */
static void
t_until_connected(void)
{
	struct timeval	 tv = { 0, 1000 }, limit = { 20, 0 };
	struct event	*poll, *guard;

	poll = event_new(ev_base(), -1, EV_PERSIST, t_on_poll, NULL);
	guard = evtimer_new(ev_base(), t_guard, NULL);
	evtimer_add(poll, &tv);
	evtimer_add(guard, &limit);
	ATF_REQUIRE(event_base_dispatch(ev_base()) != -1);
	event_free(poll);
	event_free(guard);
}

/* t_job - relay a message to rcpt as job i, alone; wait for its result */
static void
t_job(struct t_env *e, int i, const char *rcpt)
{
	t_submit(e, i, i, rcpt);
	t_wait(e, 1);
}

/* t_teardown - stop the peer */
static void
t_teardown(struct t_env *e)
{
	kill(e->peer, SIGTERM);
	waitpid(e->peer, NULL, 0);
}

ATF_TC_WITHOUT_HEAD(relay_session_reuse_pipelined);
ATF_TC_BODY(relay_session_reuse_pipelined, tc)
{
	static const struct t_peer	p = { 1, 0, 0, 0 };
	struct t_env			e;
	int				i;

	t_setup(&e, &p);
	for (i = 0; i < 3; i++) {
		t_job(&e, i, "bob@b.test");
		ATF_CHECK_EQ_MSG(e.status[i], IPC_DLV_OK, "job %d: %s", i,
		    e.text[i]);
	}
	t_teardown(&e);
	/* one connection, three transactions, RSET between them */
	ATF_CHECK_EQ(t_peer_has("1 connect"), 1);
	ATF_CHECK_EQ(t_peer_has("2 connect"), 0);
	ATF_CHECK_EQ(t_peer_has("1 message"), 3);
	ATF_CHECK_EQ(t_peer_has("1 RSET"), 2);
	ATF_CHECK_EQ(t_peer_has("1 pipelined"), 3);
	ATF_CHECK_EQ(relay_pool_count(relay_pool_of(e.relay), NULL), 1);
}

ATF_TC_WITHOUT_HEAD(relay_session_no_pipelining);
ATF_TC_BODY(relay_session_no_pipelining, tc)
{
	static const struct t_peer	p = { 0, 0, 0, 0 };
	struct t_env			e;

	t_setup(&e, &p);
	t_job(&e, 0, "bob@b.test");
	t_job(&e, 1, "carol@b.test");
	t_teardown(&e);
	ATF_CHECK_EQ(e.status[0], IPC_DLV_OK);
	ATF_CHECK_EQ(e.status[1], IPC_DLV_OK);
	ATF_CHECK_EQ(t_peer_has("1 pipelined"), 0);
	ATF_CHECK_EQ(t_peer_has("1 message"), 2);
	ATF_CHECK_EQ(t_peer_has("2 connect"), 0);
}

ATF_TC_WITHOUT_HEAD(relay_session_rcpt_results);
ATF_TC_BODY(relay_session_rcpt_results, tc)
{
	static const struct t_peer	p = { 1, 0, 0, 0 };
	struct t_env			e;

	t_setup(&e, &p);
	t_job(&e, 0, "temp@b.test");
	t_job(&e, 1, "perm@b.test");
	t_job(&e, 2, "bob@b.test");
	t_teardown(&e);
	/* each its own result, word for word; the connection stays */
	ATF_CHECK_EQ(e.status[0], IPC_DLV_TEMPFAIL_RCPT);
	ATF_CHECK_STREQ(e.text[0], "host 127.0.0.1 said: 451 4.2.0 mailbox "
	    "busy");
	ATF_CHECK_EQ(e.status[1], IPC_DLV_PERMFAIL);
	ATF_CHECK_STREQ(e.text[1], "host 127.0.0.1 said: 550 5.1.1 no such "
	    "user");
	ATF_CHECK_EQ(e.status[2], IPC_DLV_OK);
	ATF_CHECK_EQ(t_peer_has("2 connect"), 0);
	ATF_CHECK_EQ(t_peer_has("1 message"), 1);
}

ATF_TC_WITHOUT_HEAD(relay_session_dropped);
ATF_TC_BODY(relay_session_dropped, tc)
{
	/* the peer closes the kept connection at RSET, or while idle */
	static const struct t_peer	p[] = { { 1, 1, 0, 0 },
	    { 1, 0, 1, 0 } };
	struct t_env			e;
	size_t				i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		unlink(T_PEERLOG);
		t_setup(&e, &p[i]);
		t_job(&e, 0, "bob@b.test");
		t_job(&e, 1, "carol@b.test");
		t_teardown(&e);
		/* a new connection, and the job goes on */
		ATF_CHECK_EQ(e.status[0], IPC_DLV_OK);
		ATF_CHECK_EQ_MSG(e.status[1], IPC_DLV_OK, "%s", e.text[1]);
		ATF_CHECK_EQ(t_peer_has("1 message"), 1);
		ATF_CHECK_EQ(t_peer_has("2 message"), 1);
		ATF_CHECK_EQ(t_peer_has("1 RSET"), p[i].drop_rset);
	}
}

ATF_TC_WITHOUT_HEAD(relay_session_one_transaction);
ATF_TC_BODY(relay_session_one_transaction, tc)
{
	static const char *const	rcpt[] = { "a@b.test", "temp@b.test",
	    "c@b.test", "perm@b.test", "e@b.test" };
	static const struct t_peer	p = { 1, 0, 0, 0 };
	struct t_env			e;
	int				i;

	t_setup(&e, &p);
	for (i = 0; i < 5; i++)
		t_submit(&e, 0, i, rcpt[i]);
	t_submit(&e, 1, 5, "f@b.test");		/* another message */
	t_wait(&e, 6);
	t_teardown(&e);
	/* one MAIL, five RCPT, one DATA; each recipient its own result */
	ATF_CHECK_EQ(t_peer_has("1 MAIL FROM:<alice@a.test>"), 1);
	ATF_CHECK_EQ(t_peer_has("1 message"), 1);
	ATF_CHECK_EQ(t_peer_has("1 RCPT TO:<perm@b.test>"), 1);
	ATF_CHECK_EQ(t_peer_has("2 RCPT TO:<f@b.test>"), 1);
	for (i = 0; i < 6; i++)
		ATF_CHECK_EQ_MSG(e.status[i], i == 1 ? IPC_DLV_TEMPFAIL_RCPT :
		    i == 3 ? IPC_DLV_PERMFAIL : IPC_DLV_OK, "job %d", i);
	ATF_CHECK_STREQ(e.text[1], "host 127.0.0.1 said: 451 4.2.0 mailbox "
	    "busy");
	ATF_CHECK_STREQ(e.text[3], "host 127.0.0.1 said: 550 5.1.1 no such "
	    "user");
	ATF_CHECK_STREQ(e.text[4], "host 127.0.0.1 said: 250 2.0.0 queued");
}

ATF_TC_WITHOUT_HEAD(relay_session_join_while_greeting);
ATF_TC_BODY(relay_session_join_while_greeting, tc)
{
	static const struct t_peer	p = { 1, 0, 0, 1 };
	struct t_env			e;
	FILE				*f;
	int				i;

	/* the first recipient's connection is up, its greeting held */
	t_setup(&e, &p);
	t_submit(&e, 0, 0, "a@b.test");
	t_until_connected();
	for (i = 1; i < 4; i++)
		t_submit(&e, 0, i, i == 2 ? "perm@b.test" : "x@b.test");
	ATF_REQUIRE((f = fopen(T_GO, "w")) != NULL);
	fclose(f);
	t_wait(&e, 4);
	t_teardown(&e);
	/* the others joined before MAIL FROM: one connection, one message */
	ATF_CHECK_EQ(t_peer_has("2 connect"), 0);
	ATF_CHECK_EQ(t_peer_has("1 MAIL FROM:<alice@a.test>"), 1);
	ATF_CHECK_EQ(t_peer_has("1 RCPT TO:<x@b.test>"), 2);
	ATF_CHECK_EQ(t_peer_has("1 message"), 1);
	for (i = 0; i < 4; i++)
		ATF_CHECK_EQ_MSG(e.status[i], i == 2 ? IPC_DLV_PERMFAIL :
		    IPC_DLV_OK, "job %d: %s", i, e.text[i]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, relay_session_join_while_greeting);
	ATF_TP_ADD_TC(tp, relay_session_one_transaction);
	ATF_TP_ADD_TC(tp, relay_session_reuse_pipelined);
	ATF_TP_ADD_TC(tp, relay_session_no_pipelining);
	ATF_TP_ADD_TC(tp, relay_session_rcpt_results);
	ATF_TP_ADD_TC(tp, relay_session_dropped);
	return atf_no_error();
}
