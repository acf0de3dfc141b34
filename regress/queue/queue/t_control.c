/*
 * t_control.c - the control socket's commands over a real listening
 * socket (control_harness.h): every command's output and what it asks
 * of the other processes, its refusal to another uid when only root may
 * run it, malformed arguments and unknown ids, frames that break the
 * contract, one command per connection and counters that come after
 * their connection has gone.  Needs root: other uids' peer credentials
 * come from seteuid(2) around connect(2).
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "envelope.h"
#include "ipc.h"
#include "control_harness.h"

#define T_RCPT	"nobody@localhost"

/* t_root - one command of root's; the status it ended with */
static int
t_root(enum ipc_type type, const char *arg)
{
	return control_harness_cmd(0, type, arg)->end.status;
}

/* t_queued - n envelopes due in an hour; the first one's id */
static void
t_queued(int n, char id[ENVELOPE_ID_STRLEN + 1])
{
	envelope_id_format(control_harness_envelope(T_RCPT, 3600), id);
	while (--n > 0)
		(void)control_harness_envelope(T_RCPT, 3600);
}

/* t_line - does the client have a line starting with s? */
static int
t_line(const struct control_harness_client *cl, const char *s)
{
	int	i;

	for (i = 0; i < cl->nlines; i++)
		if (strncmp(cl->lines[i], s, strlen(s)) == 0)
			return 1;
	return 0;
}

/* t_said - root's command succeeds and prints line; did it? */
static int
t_said(enum ipc_type type, const char *arg, const char *line)
{
	const struct control_harness_client	*cl;

	cl = control_harness_cmd(0, type, arg);
	ATF_CHECK_EQ_MSG(cl->end.status, 0, "%s", cl->end.error);
	ATF_CHECK_MSG(t_line(cl, line), "no \"%s\", first: \"%s\"", line,
	    cl->nlines > 0 ? cl->lines[0] : "");
	return cl->end.status == 0 && t_line(cl, line);
}

/* a command refused, and the error it must end with */
struct t_refusal {
	enum ipc_type	 type;
	const char	*arg;
	const char	*error;
};

/*
 * t_refusals - each command as uid ends with its error, prints nothing,
 * and nothing reaches another process or changes in the queue
 */
static void
t_refusals(uid_t uid, const struct t_refusal *cases, size_t n)
{
	struct control_harness			*h;
	const struct control_harness_client	*cl;
	struct control_harness_peers		 before;
	size_t					 i;

	h = control_harness_start();
	(void)control_harness_envelope(T_RCPT, 3600);
	before = h->p;
	for (i = 0; i < n; i++) {
		cl = control_harness_cmd(uid, cases[i].type, cases[i].arg);
		ATF_CHECK_EQ_MSG(cl->end.status, 1, "case %zu", i);
		ATF_CHECK_STREQ_MSG(cl->end.error, cases[i].error,
		    "case %zu", i);
		ATF_CHECK_EQ(cl->nlines, 0);
		ATF_CHECK_EQ(cl->msgfd, -1);
	}
	ATF_CHECK(memcmp(&before, &h->p, sizeof(h->p)) == 0);
	ATF_CHECK(!h->q.paused_smtp && !h->q.paused_mta && !h->q.paused_mda);
	ATF_CHECK_EQ(sched_count(h->q.sched), 1);
}

#define T_ROOT_ONLY(name)	"permission denied: only root may use \"" \
				name "\""

ATF_TC_WITHOUT_HEAD(control_on_cmd_root_only);
ATF_TC_BODY(control_on_cmd_root_only, tc)
{
	static const struct t_refusal cases[] = {
		{ MSG_CTL_SHOW_ENVELOPE, "0123456789abcdef",
		    T_ROOT_ONLY("show envelope") },
		{ MSG_CTL_SHOW_MESSAGE,	"01234567",
		    T_ROOT_ONLY("show message") },
		{ MSG_CTL_SCHEDULE,	"all",	T_ROOT_ONLY("schedule") },
		{ MSG_CTL_REMOVE,	"all",	T_ROOT_ONLY("remove") },
		{ MSG_CTL_PAUSE,	"smtp",	T_ROOT_ONLY("pause") },
		{ MSG_CTL_RESUME,	"mta",	T_ROOT_ONLY("resume") },
		{ MSG_CTL_LOG,		"verbose", T_ROOT_ONLY("log") },
		{ MSG_CTL_UPDATE_TABLE,	"",	T_ROOT_ONLY("update table") },
		{ MSG_CTL_STOP,		"",	T_ROOT_ONLY("stop") },
	};

	(void)tc;
	t_refusals(CONTROL_HARNESS_USER, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ATF_TC_WITHOUT_HEAD(control_cmd_bad_argument);
ATF_TC_BODY(control_cmd_bad_argument, tc)
{
	static const struct t_refusal cases[] = {
		{ MSG_CTL_PAUSE,	"queue", "expected smtp, mta or mda" },
		{ MSG_CTL_RESUME,	"",	"expected smtp, mta or mda" },
		{ MSG_CTL_LOG,		"loud",	"expected verbose or brief" },
		{ MSG_CTL_SHOW_ENVELOPE, "all",	"expected an envelope id" },
		{ MSG_CTL_SHOW_ENVELOPE, "0123456789abcdeg",
		    "expected an envelope id" },
		{ MSG_CTL_SHOW_ENVELOPE, "0123456789abcdef",
		    "no such envelope" },
		{ MSG_CTL_SHOW_MESSAGE,	"all",
		    "expected an envelope or message id" },
		{ MSG_CTL_SHOW_MESSAGE,	"01234567", "no such message" },
		{ MSG_CTL_SCHEDULE,	"x",
		    "expected an envelope id, message id or all" },
		{ MSG_CTL_SCHEDULE,	"0123456789abcdef",
		    "no such envelope or message" },
		{ MSG_CTL_REMOVE,	"",
		    "expected an envelope id, message id or all" },
		{ MSG_CTL_REMOVE,	"01234567",
		    "no such envelope or message" },
		{ MSG_CTL_UPDATE_TABLE,	"nosuch", "no such table" },
	};

	(void)tc;
	t_refusals(0, cases, sizeof(cases) / sizeof(cases[0]));
}

ATF_TC_WITHOUT_HEAD(control_on_cmd_anyone);
ATF_TC_BODY(control_on_cmd_anyone, tc)
{
	const struct control_harness_client	*cl;

	(void)tc;
	(void)control_harness_start();
	(void)control_harness_envelope(T_RCPT, 3600);
	cl = control_harness_cmd(CONTROL_HARNESS_USER, MSG_CTL_SHOW_QUEUE, "");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK_EQ(cl->nlines, 1);
	cl = control_harness_cmd(CONTROL_HARNESS_USER, MSG_CTL_SHOW_STATS, "");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK(t_line(cl, "smtp.sessions=7"));
}

ATF_TC_WITHOUT_HEAD(control_cmd_show_queue_lines);
ATF_TC_BODY(control_cmd_show_queue_lines, tc)
{
	const struct control_harness_client	*cl;
	char			 id[ENVELOPE_ID_STRLEN + 1], want[256];

	(void)tc;
	(void)control_harness_start();
	cl = control_harness_cmd(0, MSG_CTL_SHOW_QUEUE, "");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK_EQ(cl->nlines, 0);
	envelope_id_format(control_harness_envelope("a|b@localhost", 3600), id);
	cl = control_harness_cmd(0, MSG_CTL_SHOW_QUEUE, "");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_REQUIRE_EQ(cl->nlines, 1);
	/* '|' inside a field would split it: it is shown as '/' */
	snprintf(want, sizeof(want), "%s|mda|pending|local|s@example.org|"
	    "a/b@localhost|nobody|", id);
	ATF_CHECK_MSG(strncmp(cl->lines[0], want, strlen(want)) == 0,
	    "%s", cl->lines[0]);
	ATF_CHECK_MSG(strstr(cl->lines[0], "|0|451 a/b") != NULL, "%s",
	    cl->lines[0]);
}

ATF_TC_WITHOUT_HEAD(control_cmd_stats_counters);
ATF_TC_BODY(control_cmd_stats_counters, tc)
{
	struct control_harness			*h;
	const struct control_harness_client	*cl;

	(void)tc;
	h = control_harness_start();
	(void)control_harness_envelope(T_RCPT, 3600);
	cl = control_harness_cmd(0, MSG_CTL_SHOW_STATS, "");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK_EQ(h->p.stats_req, 2);
	ATF_CHECK(t_line(cl, "smtp.sessions=7"));
	ATF_CHECK(t_line(cl, "smtp.errors=2"));
	ATF_CHECK(t_line(cl, "relay.jobs=3"));
	ATF_CHECK(t_line(cl, "queue.size=1"));
	ATF_CHECK(t_line(cl, "uptime="));
	ATF_CHECK_EQ(cl->nlines, 16);
}

ATF_TC_WITHOUT_HEAD(control_on_stats_smtpd_gone);
ATF_TC_BODY(control_on_stats_smtpd_gone, tc)
{
	struct control_harness	*h;
	struct control_harness_client		*cl;
	struct msg_ctl_arg	 a;

	(void)tc;
	h = control_harness_start();
	h->p.hold_stats = 1;
	cl = control_harness_connect(0);
	memset(&a, 0, sizeof(a));
	ATF_REQUIRE(ipc_send(cl->ipc, MSG_CTL_SHOW_STATS, 0, -1, &a,
	    sizeof(a)) == 0);
	ATF_REQUIRE(ipc_send(cl->ipc, MSG_CTL_SHOW_QUEUE, 0, -1, &a,
	    sizeof(a)) == 0);
	ATF_REQUIRE(control_harness_wait(&cl->closed, 5));
	ATF_CHECK_EQ(cl->ended, 1);
	ATF_CHECK_EQ(cl->end.status, 1);
	ATF_CHECK_STREQ(cl->end.error, "one command per connection");
	/* the counters come after the connection has gone: dropped */
	ATF_REQUIRE_EQ(h->p.stats_req, 2);
	control_harness_stats_send(0, h->p.stats_id[0]);
	control_harness_stats_send(1, h->p.stats_id[1]);
	h->p.hold_stats = 0;
	cl = control_harness_cmd(0, MSG_CTL_SHOW_STATS, "");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK(t_line(cl, "relay.jobs=3"));
}

ATF_TC_WITHOUT_HEAD(control_cmd_show_envelope_fields);
ATF_TC_BODY(control_cmd_show_envelope_fields, tc)
{
	const struct control_harness_client	*cl;
	char			 id[ENVELOPE_ID_STRLEN + 1];

	(void)tc;
	(void)control_harness_start();
	t_queued(1, id);
	cl = control_harness_cmd(0, MSG_CTL_SHOW_ENVELOPE, id);
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK(t_line(cl, "sender: <s@example.org>"));
	ATF_CHECK(t_line(cl, "recipient: <nobody@localhost>"));
	ATF_CHECK(t_line(cl, "action: local"));
	ATF_CHECK(t_line(cl, "state: pending"));
	ATF_CHECK(t_line(cl, "last error: 451 a|b"));
}

ATF_TC_WITHOUT_HEAD(control_cmd_show_message_fd);
ATF_TC_BODY(control_cmd_show_message_fd, tc)
{
	const struct control_harness_client	*cl;
	char			 id[ENVELOPE_ID_STRLEN + 1], buf[64];
	char			 msgid[ENVELOPE_MSGID_STRLEN + 1];
	const char		*args[2] = { id, msgid };
	uint64_t		 evpid;
	ssize_t			 n;
	int			 i;

	(void)tc;
	(void)control_harness_start();
	evpid = control_harness_envelope(T_RCPT, 3600);
	envelope_id_format(evpid, id);
	envelope_msgid_format(envelope_msgid(evpid), msgid);
	for (i = 0; i < 2; i++) {
		cl = control_harness_cmd(0, MSG_CTL_SHOW_MESSAGE, args[i]);
		ATF_CHECK_EQ_MSG(cl->end.status, 0, "%s", cl->end.error);
		ATF_REQUIRE(cl->msgfd != -1);
		n = read(cl->msgfd, buf, sizeof(buf) - 1);
		ATF_REQUIRE(n >= 0);
		buf[n] = '\0';
		ATF_CHECK_STREQ(buf, "Subject: t\n\nbody\n");
		close(cl->msgfd);
	}
}

ATF_TC_WITHOUT_HEAD(control_cmd_schedule_now);
ATF_TC_BODY(control_cmd_schedule_now, tc)
{
	struct control_harness	*h;
	char			 id[ENVELOPE_ID_STRLEN + 1];

	(void)tc;
	h = control_harness_start();
	t_queued(3, id);
	ATF_CHECK_EQ(h->p.mda_runs, 0);
	(void)t_said(MSG_CTL_SCHEDULE, id, "1 envelope scheduled");
	ATF_CHECK(control_harness_wait(&h->p.mda_runs, 5));
	/* the one in flight is not scheduled again */
	(void)t_said(MSG_CTL_SCHEDULE, "all", "2 envelopes scheduled");
}

ATF_TC_WITHOUT_HEAD(control_cmd_schedule_held);
ATF_TC_BODY(control_cmd_schedule_held, tc)
{
	struct control_harness			*h;
	const struct control_harness_client	*cl;
	struct envelope				 evp;
	char			 id[ENVELOPE_ID_STRLEN + 1], err[256];
	char			 msgid[ENVELOPE_MSGID_STRLEN + 1];
	struct sched_info	 si;
	uint64_t		 held, other, evpid;
	int			 i;

	(void)tc;
	h = control_harness_start();
	held = control_harness_envelope_flags(T_RCPT, 0, ENVELOPE_F_HOLD);
	other = control_harness_envelope_flags(T_RCPT, 0, ENVELOPE_F_HOLD);
	(void)control_harness_envelope(T_RCPT, 3600);
	envelope_id_format(held, id);
	cl = control_harness_cmd(0, MSG_CTL_SHOW_ENVELOPE, id);
	ATF_CHECK(t_line(cl, "state: held"));
	cl = control_harness_cmd(0, MSG_CTL_SHOW_QUEUE, "");
	for (i = 0; i < cl->nlines; i++)
		if (strncmp(cl->lines[i], id, strlen(id)) == 0)
			break;
	ATF_REQUIRE(i < cl->nlines);
	ATF_CHECK_MSG(strstr(cl->lines[i], "|mda|held|local|") != NULL,
	    "%s", cl->lines[i]);
	/* all: the one pending only; none on hold ran meanwhile */
	(void)t_said(MSG_CTL_SCHEDULE, "all", "1 envelope scheduled");
	ATF_CHECK(control_harness_wait(&h->p.mda_runs, 5));
	ATF_REQUIRE_EQ(sched_info(h->q.sched, held, &si), 1);
	ATF_CHECK(si.onhold && !si.inflight);
	ATF_CHECK_EQ(sched_next(h->q.sched, time(NULL), &evpid),
	    SCHED_JOB_NONE);
	ATF_CHECK_EQ(h->p.mda_runs, 1);
	/* named by its message id: released, durably, and tried */
	envelope_msgid_format(envelope_msgid(held), msgid);
	(void)t_said(MSG_CTL_SCHEDULE, msgid, "1 envelope scheduled");
	ATF_CHECK(ev_harness_until(&h->p.mda_runs, 2, 5));
	ATF_REQUIRE_EQ(qstore_envelope_load(h->q.qs, held, &evp, err,
	    sizeof(err)), 1);
	ATF_CHECK_EQ(evp.flags & ENVELOPE_F_HOLD, 0);
	/* removed while on hold */
	envelope_id_format(other, id);
	(void)t_said(MSG_CTL_REMOVE, id, "1 envelope removed");
	ATF_CHECK_EQ(qstore_envelope_load(h->q.qs, other, &evp, err,
	    sizeof(err)), 0);
}

ATF_TC_WITHOUT_HEAD(control_cmd_remove_ids);
ATF_TC_BODY(control_cmd_remove_ids, tc)
{
	struct control_harness	*h;
	char			 id[ENVELOPE_ID_STRLEN + 1];

	(void)tc;
	h = control_harness_start();
	t_queued(3, id);
	(void)t_said(MSG_CTL_REMOVE, id, "1 envelope removed");
	ATF_CHECK_EQ(sched_count(h->q.sched), 2);
	ATF_CHECK_STREQ(control_harness_cmd(0, MSG_CTL_SHOW_ENVELOPE,
	    id)->end.error, "no such envelope");
	(void)t_said(MSG_CTL_REMOVE, "all", "2 envelopes removed");
	ATF_CHECK_EQ(sched_count(h->q.sched), 0);
	(void)t_said(MSG_CTL_REMOVE, "all", "0 envelopes removed");
}

ATF_TC_WITHOUT_HEAD(control_cmd_pause_resume);
ATF_TC_BODY(control_cmd_pause_resume, tc)
{
	struct control_harness			*h;
	const struct control_harness_client	*cl;

	(void)tc;
	h = control_harness_start();
	cl = control_harness_cmd(0, MSG_CTL_PAUSE, "smtp");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK(control_harness_wait(&h->p.pause_smtp, 5));
	ATF_CHECK(h->q.paused_smtp);
	cl = control_harness_cmd(0, MSG_CTL_RESUME, "smtp");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK(control_harness_wait(&h->p.resume_smtp, 5));
	ATF_CHECK(!h->q.paused_smtp);
	ATF_CHECK_EQ(t_root(MSG_CTL_PAUSE, "mta"), 0);
	ATF_CHECK(h->q.paused_mta);
	ATF_CHECK_EQ(t_root(MSG_CTL_PAUSE, "mda"), 0);
	ATF_CHECK(h->q.paused_mda);
	/* a paused local queue keeps a due envelope */
	(void)control_harness_envelope(T_RCPT, 0);
	ATF_CHECK_EQ(t_root(MSG_CTL_RESUME, "mta"), 0);
	ATF_CHECK(!h->q.paused_mta && h->q.paused_mda);
	ATF_CHECK_EQ(h->p.mda_runs, 0);
	ATF_CHECK_EQ(t_root(MSG_CTL_RESUME, "mda"), 0);
	ATF_CHECK(!h->q.paused_mda);
	ATF_CHECK(control_harness_wait(&h->p.mda_runs, 5));
}

ATF_TC_WITHOUT_HEAD(control_cmd_log_every_process);
ATF_TC_BODY(control_cmd_log_every_process, tc)
{
	struct control_harness	*h;
	int	i;

	(void)tc;
	h = control_harness_start();
	ATF_CHECK_EQ(t_root(MSG_CTL_LOG, "verbose"), 0);
	for (i = 0; i < 3; i++)
		ATF_CHECK_MSG(control_harness_wait(&h->p.verbose[i], 5),
		    "peer %d", i);
	ATF_CHECK_EQ(t_root(MSG_CTL_LOG, "brief"), 0);
	for (i = 0; i < 3; i++)
		ATF_CHECK_MSG(control_harness_wait(&h->p.brief[i], 5),
		    "peer %d", i);
}

ATF_TC_WITHOUT_HEAD(control_cmd_update_table_answer);
ATF_TC_BODY(control_cmd_update_table_answer, tc)
{
	struct control_harness			*h;
	const struct control_harness_client	*cl;

	(void)tc;
	h = control_harness_start();
	cl = control_harness_cmd(0, MSG_CTL_UPDATE_TABLE, "al");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK_STREQ(h->p.table, "al");
	cl = control_harness_cmd(0, MSG_CTL_UPDATE_TABLE, "");
	ATF_CHECK_EQ(cl->end.status, 0);
	ATF_CHECK_STREQ(h->p.table, "");
	h->p.table_status = -1;
	h->p.table_error = "al: line 1: syntax error";
	cl = control_harness_cmd(0, MSG_CTL_UPDATE_TABLE, "al");
	ATF_CHECK_EQ(cl->end.status, 1);
	ATF_CHECK_STREQ(cl->end.error, "al: line 1: syntax error");
	h->p.table_error = NULL;
	cl = control_harness_cmd(0, MSG_CTL_UPDATE_TABLE, "al");
	ATF_CHECK_STREQ(cl->end.error, "table update failed");
	ATF_CHECK_EQ(h->p.table_updates, 4);
}

ATF_TC_WITHOUT_HEAD(control_cmd_stop_parent);
ATF_TC_BODY(control_cmd_stop_parent, tc)
{
	struct control_harness	*h;

	(void)tc;
	h = control_harness_start();
	ATF_CHECK_EQ(t_root(MSG_CTL_STOP, ""), 0);
	ATF_CHECK(control_harness_wait(&h->p.shutdown, 5));
}

/* a frame that breaks the contract, sent after (or instead of) hello */
static const struct {
	const char	*what;
	uint32_t	 type;
	uint32_t	 len;		/* payload bytes sent */
	int		 hello;
	int		 unterminated;
} t_bad_frames[] = {
	{ "unknown type",	9999,
	    sizeof(struct msg_ctl_arg),					1, 0 },
	{ "short payload",	MSG_CTL_SHOW_QUEUE, 8,			1, 0 },
	{ "long payload",	MSG_CTL_SHOW_QUEUE,
	    sizeof(struct msg_ctl_arg) + 8,				1, 0 },
	{ "argument without NUL", MSG_CTL_SCHEDULE,
	    sizeof(struct msg_ctl_arg),					1, 1 },
	{ "the queue's own message", MSG_CTL_LINE,
	    sizeof(struct msg_ctl_line),				1, 0 },
	{ "a command before hello", MSG_CTL_SHOW_QUEUE,
	    sizeof(struct msg_ctl_arg),					0, 0 },
};

/* t_raw_send - one frame of type with len payload bytes of fill */
static void
t_raw_send(int fd, uint32_t type, const void *payload, uint32_t len)
{
	static unsigned char	frame[IPC_FRAME_MAX];
	struct ipc_hdr		h;

	ATF_REQUIRE(sizeof(h) + len <= sizeof(frame));
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = len;
	memcpy(frame, &h, sizeof(h));
	memcpy(frame + sizeof(h), payload, len);
	ATF_REQUIRE(ipc_sendmsg(fd, frame, sizeof(h) + len, -1) ==
	    (ssize_t)(sizeof(h) + len));
}

/* t_raw_drain - frames until the queue closes; did MSG_CTL_END come? */
static int
t_raw_drain(int fd)
{
	unsigned char	buf[IPC_FRAME_MAX];
	struct ipc_hdr	h;
	ssize_t		n;
	int		i, rfd, nfds, ended = 0;

	for (i = 0; i < 5000; i++) {
		ev_harness_turns(0);
		n = ipc_recvmsg(fd, buf, sizeof(buf), &rfd, &nfds);
		if (n == 0)
			return ended;
		if (n == -1) {
			ATF_REQUIRE(errno == EAGAIN);
			usleep(1000);
			continue;
		}
		ATF_REQUIRE((size_t)n >= sizeof(h));
		memcpy(&h, buf, sizeof(h));
		ended |= h.type == MSG_CTL_END;
	}
	atf_tc_fail("the queue kept the connection");
}

ATF_TC_WITHOUT_HEAD(control_on_cmd_bad_frame);
ATF_TC_BODY(control_on_cmd_bad_frame, tc)
{
	struct control_harness	*h;
	static unsigned char	 fill[IPC_FRAME_MAX];
	struct msg_hello	 hello;
	size_t			 i;
	int			 fd;

	(void)tc;
	h = control_harness_start();
	(void)control_harness_envelope(T_RCPT, 3600);
	for (i = 0; i < sizeof(t_bad_frames) / sizeof(t_bad_frames[0]);
	    i++) {
		memset(fill, t_bad_frames[i].unterminated ? 'a' : 0,
		    sizeof(fill));
		fd = control_harness_connect_fd(0);
		ATF_REQUIRE(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
		memset(&hello, 0, sizeof(hello));
		hello.version = IPC_PROTO_VERSION;
		hello.role = PROC_CONTROL;
		if (t_bad_frames[i].hello)
			t_raw_send(fd, MSG_HELLO, &hello, sizeof(hello));
		t_raw_send(fd, t_bad_frames[i].type, fill,
		    t_bad_frames[i].len);
		/* closed without running anything */
		ATF_CHECK_MSG(!t_raw_drain(fd), "%s", t_bad_frames[i].what);
		close(fd);
	}
	ATF_CHECK_EQ(sched_count(h->q.sched), 1);
	ATF_CHECK_EQ(control_harness_cmd(0, MSG_CTL_SHOW_QUEUE, "")->nlines, 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, control_on_cmd_root_only);
	ATF_TP_ADD_TC(tp, control_on_cmd_anyone);
	ATF_TP_ADD_TC(tp, control_on_cmd_bad_frame);
	ATF_TP_ADD_TC(tp, control_on_stats_smtpd_gone);
	ATF_TP_ADD_TC(tp, control_cmd_show_queue_lines);
	ATF_TP_ADD_TC(tp, control_cmd_stats_counters);
	ATF_TP_ADD_TC(tp, control_cmd_show_envelope_fields);
	ATF_TP_ADD_TC(tp, control_cmd_show_message_fd);
	ATF_TP_ADD_TC(tp, control_cmd_schedule_now);
	ATF_TP_ADD_TC(tp, control_cmd_schedule_held);
	ATF_TP_ADD_TC(tp, control_cmd_remove_ids);
	ATF_TP_ADD_TC(tp, control_cmd_bad_argument);
	ATF_TP_ADD_TC(tp, control_cmd_pause_resume);
	ATF_TP_ADD_TC(tp, control_cmd_log_every_process);
	ATF_TP_ADD_TC(tp, control_cmd_update_table_answer);
	ATF_TP_ADD_TC(tp, control_cmd_stop_parent);
	return atf_no_error();
}
