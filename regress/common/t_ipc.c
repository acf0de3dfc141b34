/*
 * t_ipc.c - the IPC catalogue's checks, handshake and fd passing.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "ev.h"
#include "ipc.h"

/* frame - a header plus payload as it would arrive */
struct frame {
	struct ipc_hdr	h;
	unsigned char	p[IPC_FRAME_MAX];
};

static size_t
frame_make(struct frame *f, uint32_t type, const void *payload, size_t len)
{
	memset(f, 0, sizeof(*f));
	f->h.type = type;
	f->h.len = (uint32_t)len;
	memcpy(f->p, payload, len);
	return sizeof(f->h) + len;
}

static int
check(enum proc_role self, enum proc_role peer, struct frame *f, size_t n,
    int nfds, char *why)
{
	why[0] = '\0';
	return ipc_check(self, peer, &f->h, n, nfds, f->p, why, ERRTEXT_MAX);
}

ATF_TC_WITHOUT_HEAD(ipc_check_valid);
ATF_TC_BODY(ipc_check_valid, tc)
{
	struct frame		f;
	struct msg_stats_smtpd	st;
	struct msg_listener	l;
	char		 why[ERRTEXT_MAX];
	size_t			n;

	memset(&st, 0, sizeof(st));
	n = frame_make(&f, MSG_STATS_SMTPD, &st, sizeof(st));
	ATF_CHECK_EQ(check(PROC_QUEUE, PROC_SMTPD, &f, n, 0, why), 0);

	memset(&l, 0, sizeof(l));
	strlcpy(l.name, "127.0.0.1:25", sizeof(l.name));
	n = frame_make(&f, MSG_LISTENER, &l, sizeof(l));
	ATF_CHECK_EQ(check(PROC_SMTPD, PROC_PARENT, &f, n, 1, why), 0);
}

ATF_TC_WITHOUT_HEAD(ipc_check_unknown_type);
ATF_TC_BODY(ipc_check_unknown_type, tc)
{
	struct frame	f;
	char	 why[ERRTEXT_MAX];
	uint32_t	types[] = { MSG_NONE, MSG_MAX, MSG_MAX + 1, 0xffffffff };
	size_t		i, n;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = frame_make(&f, types[i], "abcd", 4);
		ATF_CHECK_EQ(check(PROC_QUEUE, PROC_SMTPD, &f, n, 0, why), -1);
		ATF_CHECK_STREQ(why, "unknown message type");
	}
}

ATF_TC_WITHOUT_HEAD(ipc_check_wrong_length);
ATF_TC_BODY(ipc_check_wrong_length, tc)
{
	struct frame		f;
	struct msg_stats_smtpd	st;
	char		 why[ERRTEXT_MAX];
	size_t			n;

	memset(&st, 0, sizeof(st));
	/* one byte short, one byte over, header claims more than sent */
	n = frame_make(&f, MSG_STATS_SMTPD, &st, sizeof(st) - 1);
	ATF_CHECK_EQ(check(PROC_QUEUE, PROC_SMTPD, &f, n, 0, why), -1);
	ATF_CHECK_STREQ(why, "wrong payload length");
	n = frame_make(&f, MSG_STATS_SMTPD, &st, sizeof(st));
	f.p[sizeof(st)] = 0;
	f.h.len = sizeof(st) + 1;
	ATF_CHECK_EQ(check(PROC_QUEUE, PROC_SMTPD, &f, n + 1, 0, why), -1);
	n = frame_make(&f, MSG_STATS_SMTPD, &st, sizeof(st));
	f.h.len = sizeof(st) + 8;
	ATF_CHECK_EQ(check(PROC_QUEUE, PROC_SMTPD, &f, n, 0, why), -1);
	ATF_CHECK_STREQ(why, "wrong payload length");
	ATF_CHECK_EQ(check(PROC_QUEUE, PROC_SMTPD, &f, 3, 0, why), -1);
	ATF_CHECK_STREQ(why, "short frame");
}

ATF_TC_WITHOUT_HEAD(ipc_check_wrong_route);
ATF_TC_BODY(ipc_check_wrong_route, tc)
{
	struct frame		f;
	struct msg_listener	l;
	struct msg_empty	e;
	char		 why[ERRTEXT_MAX];
	size_t			n;

	memset(&l, 0, sizeof(l));
	n = frame_make(&f, MSG_LISTENER, &l, sizeof(l));
	/* only the parent hands out listeners, only to the listener */
	ATF_CHECK_EQ(check(PROC_SMTPD, PROC_QUEUE, &f, n, 1, why), -1);
	ATF_CHECK_STREQ(why, "message not allowed on this route");
	ATF_CHECK_EQ(check(PROC_QUEUE, PROC_PARENT, &f, n, 1, why), -1);
	/* a control client cannot ask the parent to shut down directly */
	memset(&e, 0, sizeof(e));
	n = frame_make(&f, MSG_SHUTDOWN, &e, sizeof(e));
	ATF_CHECK_EQ(check(PROC_PARENT, PROC_CONTROL, &f, n, 0, why), -1);
	ATF_CHECK_EQ(check(PROC_PARENT, PROC_SMTPD, &f, n, 0, why), -1);
	ATF_CHECK_EQ(check(PROC_PARENT, PROC_QUEUE, &f, n, 0, why), 0);
}

ATF_TC_WITHOUT_HEAD(ipc_check_fd_rules);
ATF_TC_BODY(ipc_check_fd_rules, tc)
{
	struct frame		f;
	struct msg_listener	l;
	struct msg_empty	e;
	char		 why[ERRTEXT_MAX];
	size_t			n;

	memset(&l, 0, sizeof(l));
	n = frame_make(&f, MSG_LISTENER, &l, sizeof(l));
	ATF_CHECK_EQ(check(PROC_SMTPD, PROC_PARENT, &f, n, 0, why), -1);
	ATF_CHECK_STREQ(why, "missing descriptor");
	ATF_CHECK_EQ(check(PROC_SMTPD, PROC_PARENT, &f, n, 2, why), -1);
	ATF_CHECK_STREQ(why, "more than one descriptor");
	memset(&e, 0, sizeof(e));
	n = frame_make(&f, MSG_SHUTDOWN, &e, sizeof(e));
	ATF_CHECK_EQ(check(PROC_PARENT, PROC_QUEUE, &f, n, 1, why), -1);
	ATF_CHECK_STREQ(why, "unexpected descriptor");
}

ATF_TC_WITHOUT_HEAD(ipc_check_unterminated_string);
ATF_TC_BODY(ipc_check_unterminated_string, tc)
{
	struct frame		f;
	struct msg_ctl_arg	a;
	char		 why[ERRTEXT_MAX];
	size_t			n;

	memset(&a, 'x', sizeof(a));
	n = frame_make(&f, MSG_CTL_STOP, &a, sizeof(a));
	ATF_CHECK_EQ(check(PROC_QUEUE, PROC_CONTROL, &f, n, 0, why), -1);
	ATF_CHECK_STREQ(why, "unterminated string");
	a.arg[sizeof(a.arg) - 1] = '\0';	/* exactly at the limit */
	n = frame_make(&f, MSG_CTL_STOP, &a, sizeof(a));
	ATF_CHECK_EQ(check(PROC_QUEUE, PROC_CONTROL, &f, n, 0, why), 0);
}

ATF_TC_WITHOUT_HEAD(ipc_catalogue_strings_inside_payload);
ATF_TC_BODY(ipc_catalogue_strings_inside_payload, tc)
{
	const struct ipc_strfield	*s, *o;
	size_t				 size;
	uint32_t			 t;

	for (t = MSG_NONE + 1; t < MSG_MAX; t++) {
		size = ipc_payload_size(t);
		for (s = ipc_payload_strings(t); s->size != 0; s++) {
			ATF_CHECK_MSG(s->off + s->size <= size,
			    "%s: string at %zu+%zu outside %zu octets",
			    ipc_type_name(t), s->off, s->size, size);
			for (o = ipc_payload_strings(t); o != s; o++)
				ATF_CHECK_MSG(o->off + o->size <= s->off ||
				    s->off + s->size <= o->off,
				    "%s: strings at %zu and %zu overlap",
				    ipc_type_name(t), o->off, s->off);
		}
	}
}

/* strings_count - how many string fields a message type has */
static size_t
strings_count(enum ipc_type t)
{
	const struct ipc_strfield	*s;
	size_t				 n = 0;

	for (s = ipc_payload_strings(t); s->size != 0; s++)
		n++;
	return n;
}

ATF_TC_WITHOUT_HEAD(ipc_catalogue_nested_strings);
ATF_TC_BODY(ipc_catalogue_nested_strings, tc)
{
	/* an embedded ipc_sess brings 4 strings, an envelope 13 */
	ATF_CHECK_EQ(strings_count(MSG_HELLO), 0);
	ATF_CHECK_EQ(strings_count(MSG_CTL_STOP), 1);
	ATF_CHECK_EQ(strings_count(MSG_LOOKUP_MAIL), 5);
	ATF_CHECK_EQ(strings_count(MSG_LOOKUP_RCPT), 8);
	ATF_CHECK_EQ(strings_count(MSG_RELAY_RUN), 13);
	ATF_CHECK_EQ(strings_count(MSG_LOOKUP_NOTICE_EXPANDED), 13);
	ATF_CHECK_EQ(strings_count(MSG_KEY_RSA_SIGN), 1);
}

/* route_find - a receiver, sender and fd count ipc_check accepts f from */
static int
route_find(struct frame *f, size_t n, enum proc_role *self,
    enum proc_role *peer, int *nfds)
{
	char	 why[ERRTEXT_MAX];

	for (*self = 0; *self < PROC_MAX; (*self)++)
		for (*peer = 0; *peer < PROC_MAX; (*peer)++)
			for (*nfds = 0; *nfds <= 1; (*nfds)++)
				if (check(*self, *peer, f, n, *nfds, why) == 0)
					return 0;
	return -1;
}

ATF_TC_WITHOUT_HEAD(ipc_catalogue_every_string_checked);
ATF_TC_BODY(ipc_catalogue_every_string_checked, tc)
{
	const struct ipc_strfield	*s;
	struct frame			 f;
	unsigned char			 p[IPC_FRAME_MAX];
	enum proc_role			 self, peer;
	char			 why[ERRTEXT_MAX];
	size_t				 n, size;
	uint32_t			 t;
	int				 nfds;

	for (t = MSG_NONE + 1; t < MSG_MAX; t++) {
		size = ipc_payload_size(t);
		memset(p, 0, size);
		n = frame_make(&f, t, p, size);
		ATF_REQUIRE_MSG(route_find(&f, n, &self, &peer, &nfds) == 0,
		    "%s: no route accepts it", ipc_type_name(t));
		for (s = ipc_payload_strings(t); s->size != 0; s++) {
			memset(p, 0, size);
			memset(p + s->off, 'x', s->size);
			n = frame_make(&f, t, p, size);
			ATF_CHECK_EQ_MSG(check(self, peer, &f, n, nfds, why),
			    -1, "%s: string at %zu not checked",
			    ipc_type_name(t), s->off);
			ATF_CHECK_STREQ(why,
			    "unterminated string");
		}
	}
}

ATF_TC_WITHOUT_HEAD(ipc_check_reserved);
ATF_TC_BODY(ipc_check_reserved, tc)
{
	struct frame		f;
	struct msg_empty	e;
	char		 why[ERRTEXT_MAX];
	size_t			n;

	memset(&e, 0, sizeof(e));
	n = frame_make(&f, MSG_SHUTDOWN, &e, sizeof(e));
	f.h.reserved = 1;
	ATF_CHECK_EQ(check(PROC_PARENT, PROC_QUEUE, &f, n, 0, why), -1);
}

/* Live channel: two ends in one process, driven by the event loop. */
static struct {
	int		got_listener;
	int		listener_fd_ok;
	int		closed;
	char		name[HOST_MAX];
} live;

static void
on_listener(struct ipc *c, uint32_t id, int fd, const void *p, void *arg)
{
	const struct msg_listener	*l = p;
	struct stat			 st;
	char				 buf[8];

	(void)c;
	(void)arg;
	live.got_listener = (int)id;
	strlcpy(live.name, l->name, sizeof(live.name));
	if (fd != -1 && fstat(fd, &st) == 0 &&
	    pread(fd, buf, 5, 0) == 5 && memcmp(buf, "hello", 5) == 0)
		live.listener_fd_ok = 1;
	if (fd != -1)
		close(fd);
	ev_exit();
}

static void
on_close(struct ipc *c, void *arg)
{
	(void)c;
	(void)arg;
	live.closed = 1;
	ev_exit();
}

static const struct ipc_handler smtpd_handlers[] = {
	{ MSG_LISTENER, on_listener },
	{ MSG_NONE, NULL }
};

static const struct ipc_handler no_handlers[] = { { MSG_NONE, NULL } };

ATF_TC_WITHOUT_HEAD(ipc_send_fd_passing);
ATF_TC_BODY(ipc_send_fd_passing, tc)
{
	struct ipc		*parent, *child;
	struct msg_listener	 l;
	int			 sv[2], fd;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, "hello", 5) == 5);
	parent = ipc_new(sv[0], PROC_PARENT, PROC_SMTPD, IPC_TRUST_PEER,
	    no_handlers, NULL);
	child = ipc_new(sv[1], PROC_SMTPD, PROC_PARENT, IPC_TRUST_PEER,
	    smtpd_handlers, NULL);
	memset(&l, 0, sizeof(l));
	strlcpy(l.name, "127.0.0.1:2525", sizeof(l.name));
	ATF_REQUIRE(ipc_send(parent, MSG_LISTENER, 42, fd, &l,
	    sizeof(l)) == 0);
	close(fd);
	ev_dispatch();
	ATF_CHECK_EQ(live.got_listener, 42);
	ATF_CHECK(live.listener_fd_ok);
	ATF_CHECK_STREQ(live.name, "127.0.0.1:2525");
	ATF_CHECK(ipc_ready(child));
	ipc_free(parent);
	ipc_free(child);
}

/* raw_send - write a frame on a socket, bypassing ipc_send's checks */
static void
raw_send(int s, const void *frame, size_t len)
{
	ATF_REQUIRE(send(s, frame, len, 0) == (ssize_t)len);
}

/*
 * client_closes - a control client says hello with version (none when
 * 0), then sends MSG_CTL_STOP (unterminated when bad, none when -1);
 * whether the queue's side closed, and whether the handshake completed
 */
static int
client_closes(uint32_t version, int bad, int *ready)
{
	struct ipc		*q;
	struct frame		 f;
	struct msg_hello	 hello;
	struct msg_ctl_arg	 a;
	int			 sv[2];
	size_t			 n;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	q = ipc_new(sv[0], PROC_QUEUE, PROC_CONTROL, IPC_TRUST_CLIENT,
	    no_handlers, NULL);
	ipc_set_close_cb(q, on_close);
	if (version != 0) {
		memset(&hello, 0, sizeof(hello));
		hello.version = version;
		hello.role = PROC_CONTROL;
		n = frame_make(&f, MSG_HELLO, &hello, sizeof(hello));
		raw_send(sv[1], &f, n);
	}
	if (bad != -1) {
		memset(&a, bad ? 'A' : 0, sizeof(a));
		n = frame_make(&f, MSG_CTL_STOP, &a, sizeof(a));
		raw_send(sv[1], &f, n);
	}
	live.closed = 0;
	ev_dispatch();
	*ready = ipc_ready(q);
	ipc_free(q);
	close(sv[1]);
	return live.closed;
}

/* drain_reader - count frames of type slowly until EOF; exit 0 if n */
static void __attribute__((noreturn))
drain_reader(int s, uint32_t type, size_t n)
{
	union {
		struct ipc_hdr	h;
		unsigned char	buf[IPC_FRAME_MAX];
	} f;
	size_t	got = 0;
	ssize_t	r;

	while ((r = recv(s, f.buf, sizeof(f.buf), 0)) > 0) {
		if (f.h.type == type)
			got++;
		if (got % 100 == 0)
			usleep(1000);
	}
	_exit(r == 0 && got == n ? 0 : 1);
}

ATF_TC_WITHOUT_HEAD(ipc_shutdown_drains_queue);
ATF_TC_BODY(ipc_shutdown_drains_queue, tc)
{
	struct ipc		*q;
	struct msg_ctl_line	 m;
	int			 sv[2], status, i;
	pid_t			 pid;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	q = ipc_new(sv[0], PROC_QUEUE, PROC_CONTROL, IPC_TRUST_CLIENT,
	    no_handlers, NULL);
	ipc_set_close_cb(q, on_close);
	memset(&m, 0, sizeof(m));
	memset(m.line, 'x', 100);
	/* far more than the socket holds: most of it waits in the queue */
	for (i = 0; i < 5000; i++)
		ATF_REQUIRE(ipc_send(q, MSG_CTL_LINE, 0, -1, &m,
		    sizeof(m)) == 0);
	ipc_shutdown(q);
	ATF_CHECK_EQ(ipc_send(q, MSG_CTL_LINE, 0, -1, &m, sizeof(m)), -1);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		drain_reader(sv[1], MSG_CTL_LINE, 5000);
	}
	close(sv[1]);
	live.closed = 0;
	ev_dispatch();
	ATF_CHECK_EQ(live.closed, 1);
	ipc_free(q);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the reader did not get every line before the close");
}

/* The throttle test: each request read from src makes one envelope. */
#define T_HIGH		(64 * 1024)
#define T_REQUESTS	1000
static struct {
	struct ipc	*sink;
	int		 got;
	size_t		 most;		/* the sink's longest queue */
	int		 phase1;	/* stop once the sink is full */
} thr;

static void
on_request(struct ipc *c, uint32_t id, int fd, const void *p, void *arg)
{
	struct msg_lka_envelope	e;

	(void)c; (void)id; (void)fd; (void)p; (void)arg;
	memset(&e, 0, sizeof(e));
	ATF_REQUIRE(ipc_send(thr.sink, MSG_LOOKUP_ENVELOPE, 0, -1, &e,
	    sizeof(e)) == 0);
	if (ipc_queued(thr.sink) > thr.most)
		thr.most = ipc_queued(thr.sink);
	if (++thr.got == T_REQUESTS)
		ipc_shutdown(thr.sink);
	else if (thr.phase1 && ipc_queued(thr.sink) > T_HIGH / 2)
		ev_exit();
}

static const struct ipc_handler lookup_handlers[] = {
	{ MSG_LOOKUP_MAIL, on_request },
	{ MSG_NONE, NULL }
};

ATF_TC_WITHOUT_HEAD(ipc_throttle_bounds_queue);
ATF_TC_BODY(ipc_throttle_bounds_queue, tc)
{
	struct ipc		*w, *src;
	struct msg_lka_mail	 m;
	int			 a[2], b[2], i, status;
	pid_t			 pid;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a) == 0);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b) == 0);
	w = ipc_new(a[0], PROC_SMTPD, PROC_LOOKUP, IPC_TRUST_PEER,
	    no_handlers, NULL);
	src = ipc_new(a[1], PROC_LOOKUP, PROC_SMTPD, IPC_TRUST_PEER,
	    lookup_handlers, NULL);
	thr.sink = ipc_new(b[0], PROC_LOOKUP, PROC_QUEUE, IPC_TRUST_PEER,
	    no_handlers, NULL);
	ipc_set_close_cb(thr.sink, on_close);
	ipc_throttle(src, thr.sink, T_HIGH);
	memset(&m, 0, sizeof(m));
	for (i = 0; i < T_REQUESTS; i++)
		ATF_REQUIRE(ipc_send(w, MSG_LOOKUP_MAIL, 0, -1, &m,
		    sizeof(m)) == 0);
	/* nobody reads the sink: requests are read until it is full */
	thr.phase1 = 1;
	ev_dispatch();
	ATF_REQUIRE(thr.got < T_REQUESTS);
	/* a slow reader: every request is served, the queue stays bounded */
	thr.phase1 = 0;
	if ((pid = fork()) == 0) {
		close(b[0]);
		drain_reader(b[1], MSG_LOOKUP_ENVELOPE, T_REQUESTS);
	}
	close(b[1]);
	live.closed = 0;
	ev_dispatch();
	ATF_CHECK_EQ(live.closed, 1);
	ATF_CHECK_EQ(thr.got, T_REQUESTS);
	ATF_CHECK_MSG(thr.most <= T_HIGH + sizeof(struct ipc_hdr) +
	    sizeof(struct msg_lka_envelope), "queued %zu", thr.most);
	ipc_free(thr.sink);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ipc_free(src);
	ipc_free(w);
}

ATF_TC_WITHOUT_HEAD(ipc_recv_client_violation_closes);
ATF_TC_BODY(ipc_recv_client_violation_closes, tc)
{
	int	ready;

	ATF_CHECK_EQ(client_closes(IPC_PROTO_VERSION, 1, &ready), 1);
}

ATF_TC_WITHOUT_HEAD(ipc_recv_before_hello_closes);
ATF_TC_BODY(ipc_recv_before_hello_closes, tc)
{
	int	ready;

	ATF_CHECK_EQ(client_closes(0, 0, &ready), 1);
	ATF_CHECK(!ready);
}

ATF_TC_WITHOUT_HEAD(ipc_recv_wrong_version_closes);
ATF_TC_BODY(ipc_recv_wrong_version_closes, tc)
{
	int	ready;

	ATF_CHECK_EQ(client_closes(IPC_PROTO_VERSION + 1, -1, &ready), 1);
	ATF_CHECK(!ready);
}

ATF_TC_WITHOUT_HEAD(ipc_recv_peer_violation_is_fatal);
ATF_TC_BODY(ipc_recv_peer_violation_is_fatal, tc)
{
	struct frame		 f;
	struct msg_hello	 hello;
	struct msg_empty	 e;
	int			 sv[2], status;
	size_t			 n;
	pid_t			 pid;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	if ((pid = fork()) == 0) {
		close(sv[1]);
		ev_after_fork();
		(void)ipc_new(sv[0], PROC_QUEUE, PROC_SMTPD, IPC_TRUST_PEER,
		    no_handlers, NULL);
		ev_dispatch();
		_exit(0);
	}
	close(sv[0]);
	memset(&hello, 0, sizeof(hello));
	hello.version = IPC_PROTO_VERSION;
	hello.role = PROC_SMTPD;
	n = frame_make(&f, MSG_HELLO, &hello, sizeof(hello));
	raw_send(sv[1], &f, n);
	/* the listener may not ask the parent's question of the queue */
	memset(&e, 0, sizeof(e));
	n = frame_make(&f, MSG_SHUTDOWN, &e, sizeof(e));
	raw_send(sv[1], &f, n);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	close(sv[1]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ipc_check_valid);
	ATF_TP_ADD_TC(tp, ipc_check_unknown_type);
	ATF_TP_ADD_TC(tp, ipc_check_wrong_length);
	ATF_TP_ADD_TC(tp, ipc_check_wrong_route);
	ATF_TP_ADD_TC(tp, ipc_check_fd_rules);
	ATF_TP_ADD_TC(tp, ipc_check_unterminated_string);
	ATF_TP_ADD_TC(tp, ipc_catalogue_strings_inside_payload);
	ATF_TP_ADD_TC(tp, ipc_catalogue_nested_strings);
	ATF_TP_ADD_TC(tp, ipc_catalogue_every_string_checked);
	ATF_TP_ADD_TC(tp, ipc_check_reserved);
	ATF_TP_ADD_TC(tp, ipc_send_fd_passing);
	ATF_TP_ADD_TC(tp, ipc_shutdown_drains_queue);
	ATF_TP_ADD_TC(tp, ipc_throttle_bounds_queue);
	ATF_TP_ADD_TC(tp, ipc_recv_client_violation_closes);
	ATF_TP_ADD_TC(tp, ipc_recv_before_hello_closes);
	ATF_TP_ADD_TC(tp, ipc_recv_wrong_version_closes);
	ATF_TP_ADD_TC(tp, ipc_recv_peer_violation_is_fatal);
	return atf_no_error();
}
