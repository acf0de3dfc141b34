/*
 * t_parent_mda.c - the parent's MSG_MDA_RUN handler over a real channel:
 * refused envelopes (envelopes the expansion rules cannot make, root
 * and group 0, descriptors that are no readable file), deliveries as
 * an unprivileged account, exit codes, a delivery agent that dies,
 * userbase accounts, hostile senders and more requests than may run at
 * once.  Needs root (it starts agents as "nobody"); the agents are the
 * smtpd(8) of the same build tree (smtpd -X local).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "../../../smtpd/parent/parent.h"

#define T_NMAX	64
#define T_MANY	40	/* accounts: more agents than may run at once */
#define T_PWNED	"/tmp/t_parent_mda.pwned"
#define T_SECRET "/tmp/t_parent_mda.secret"
#define T_FIFO	"/tmp/t_parent_mda.fifo"	/* a userbase that hangs */

static const char t_conf[] =
	"table ub { \"virt\" = \"65534:65534:/\", \"zero\" = \"0:0:/\", "
	    "\"gzero\" = \"65534:0:/\" }\n"
	"table al { \"x\" = \"y\" }\n"
	"table hang file:" T_FIFO "\n"
	"action \"ok\" mda \"cat > /dev/null\"\n"
	"action \"al\" mda \"cat > /dev/null\" alias <al>\n"
	"action \"leak\" mda \"cat > " T_PWNED "\" alias <al>\n"
	"action \"who\" mda \"test $(id -u) = 65534 && test $(id -g) = "
	    "65534 || exit 1\"\n"
	"action \"t75\" mda \"echo mailbox busy; exit 75\"\n"
	"action \"t1\" mda \"echo no such folder; exit 1\"\n"
	"action \"die\" mda \"kill -9 $PPID; sleep 5\"\n"
	"action \"slow\" mda \"sleep 0.3\"\n"
	"action \"slowub\" mda \"sleep 0.3\" userbase <many>\n"
	"action \"echo\" mda \"printf '%%s' %{sender} %{rcpt} > /dev/null\"\n"
	"action \"ub\" mda \"test $(id -u) = 65534 || exit 1\" userbase <ub>\n"
	"action \"hang\" mda \"true\" userbase <hang>\n"
	"action \"rel\" relay\n";

/* one request and the answer it must get */
struct t_case {
	const char	*dispatcher;
	const char	*user;
	const char	*dest;
	uint32_t	 dest_type;
	const char	*sender;
	int32_t		 status;	/* IPC_DLV_* */
	const char	*text;		/* expected in the answer's text */
	uint32_t	 origin;	/* ENVELOPE_ORIGIN_* */
	int		 fdkind;	/* T_FD_* */
};
#define T_FD_MSG	0	/* the message, read-only */
#define T_FD_PATH	1	/* O_PATH of a file only root may read */
#define T_FD_RDWR	2	/* the message, open to be written too */

/* t_fd - the descriptor a case sends */
static int
t_fd(int kind)
{
	int	fd;

	if (kind == T_FD_PATH)
		fd = open(T_SECRET, O_PATH);
	else
		fd = open("msg", kind == T_FD_RDWR ? O_RDWR : O_RDONLY);
	ATF_REQUIRE(fd != -1);
	return fd;
}

static struct {
	struct msg_dlv_result	 got[T_NMAX];
	size_t			 n, want;
} t_results;

/* t_on_result - the queue's side: collect MSG_MDA_RESULT */
static void
t_on_result(struct ipc *c, uint32_t id, int fd, const void *p, void *arg)
{
	(void)c;
	(void)id;
	(void)fd;
	(void)arg;
	if (t_results.n < T_NMAX)
		t_results.got[t_results.n++] = *(const struct msg_dlv_result *)p;
	if (t_results.n == t_results.want)
		ev_exit();
}

static const struct ipc_handler t_parent_handlers[] = {
	{ MSG_MDA_RUN,		parent_on_mda_run },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler t_queue_handlers[] = {
	{ MSG_MDA_RESULT,	t_on_result },
	{ MSG_NONE,		NULL }
};

/* t_exe - the smtpd(8) of this build: BUILD/bin/smtpd */
static const char *
t_exe(void)
{
	static char	 path[PATH_MAX];
	char		*p;
	ssize_t		 n;
	int		 i;

	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	ATF_REQUIRE(n > 0);
	path[n] = '\0';
	for (i = 0; i < 4; i++) {	/* BUILD/regress/smtpd/parent/t_ */
		ATF_REQUIRE((p = strrchr(path, '/')) != NULL);
		*p = '\0';
	}
	strlcat(path, "/bin/smtpd", sizeof(path));
	if (access(path, X_OK) == -1)
		atf_tc_fail("no smtpd at %s: make builds it first", path);
	return path;
}

/* t_many - the userbase <many>: T_MANY accounts "u0"... as nobody */
static void
t_many(int fd)
{
	char	line[64];
	int	i, n;

	ATF_REQUIRE(write(fd, "table many {", 12) == 12);
	for (i = 0; i < T_MANY; i++) {
		n = snprintf(line, sizeof(line), "%s\"u%d\" = \"65534:65534:/\"",
		    i ? ", " : " ", i);
		ATF_REQUIRE(write(fd, line, (size_t)n) == n);
	}
	ATF_REQUIRE(write(fd, " }\n", 3) == 3);
}

/* t_run - send every case over a parent/queue channel pair, collect */
static void
t_run(const struct t_case *cases, size_t n)
{
	static struct proc_env		 env;
	static struct { struct proc_env *env; } parent = { &env };
	static struct ipc		*q;
	struct msg_mda_run		 m;
	char				 err[1024];
	int				 sv[2], fd;
	size_t				 i;

	if (geteuid() != 0)
		atf_tc_fail("delivers as another account: needs root (make "
		    "check runs as root)");
	if (getpwnam("nobody") == NULL)
		atf_tc_fail("no account nobody: every Debian system has it");
	log_init("t_parent_mda", 1, 0);
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	fd = open("smtpd.conf", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE(fd != -1);
	t_many(fd);
	ATF_REQUIRE(write(fd, t_conf, strlen(t_conf)) ==
	    (ssize_t)strlen(t_conf));
	close(fd);
	env.exe = t_exe();
	env.cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(env.cfg != NULL, "%s", err);
	fd = open("msg", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE(fd != -1 && write(fd, "Subject: x\n\nbody\n", 17) == 17);
	close(fd);
	fd = open(T_SECRET, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE(fd != -1 && write(fd, "secret\n", 7) == 7);
	close(fd);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	(void)ipc_new(sv[0], PROC_PARENT, PROC_QUEUE, IPC_TRUST_PEER,
	    t_parent_handlers, &parent);
	q = ipc_new(sv[1], PROC_QUEUE, PROC_PARENT, IPC_TRUST_PEER,
	    t_queue_handlers, NULL);
	memset(&t_results, 0, sizeof(t_results));
	t_results.want = n;
	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		m.evp.evpid = 0x1000000000000000ULL + i;
		if (cases[i].dispatcher == NULL)
			m.evp.evpid = 0;
		strlcpy(m.evp.dispatcher, cases[i].dispatcher ?
		    cases[i].dispatcher : "ok", sizeof(m.evp.dispatcher));
		strlcpy(m.evp.user, cases[i].user, sizeof(m.evp.user));
		strlcpy(m.evp.dest, cases[i].dest, sizeof(m.evp.dest));
		strlcpy(m.evp.rcpt, "rcpt@example.org", sizeof(m.evp.rcpt));
		strlcpy(m.evp.sender, cases[i].sender ? cases[i].sender :
		    "s@example.net", sizeof(m.evp.sender));
		m.evp.dest_type = cases[i].dest_type;
		m.evp.origin = cases[i].origin;
		fd = t_fd(cases[i].fdkind);
		ATF_REQUIRE(ipc_send(q, MSG_MDA_RUN, 0, fd, &m,
		    sizeof(m)) == 0);
		close(fd);
	}
	ev_dispatch();
}

/* t_check - every case got its one answer */
static void
t_check(const struct t_case *cases, size_t n)
{
	const struct msg_dlv_result	*r;
	size_t				 i, j;
	uint64_t			 id;

	ATF_REQUIRE_EQ(t_results.n, n);
	for (i = 0; i < n; i++) {
		id = cases[i].dispatcher ? 0x1000000000000000ULL + i : 0;
		for (j = 0, r = NULL; j < n && r == NULL; j++)
			if (t_results.got[j].evpid == id)
				r = &t_results.got[j];
		ATF_REQUIRE_MSG(r != NULL, "case %zu: no answer", i);
		ATF_CHECK_EQ_MSG(r->status, cases[i].status, "case %zu: %s",
		    i, r->text);
		ATF_CHECK_MSG(strstr(r->text, cases[i].text) != NULL,
		    "case %zu: \"%s\" lacks \"%s\"", i, r->text, cases[i].text);
	}
}

ATF_TC_WITHOUT_HEAD(parent_on_mda_run_refused);
ATF_TC_BODY(parent_on_mda_run_refused, tc)
{
	static const struct t_case cases[] = {
		{ "nosuch", "nobody", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "no action nosuch", 0, 0 },
		{ "rel", "nobody", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "does not fit", 0, 0 },
		{ "ok", "nobody", "a@x", 7, NULL, IPC_DLV_PERMFAIL,
		    "does not fit", 0, 0 },
		{ "ok", "nobody", "relative/file", 1, NULL, IPC_DLV_PERMFAIL,
		    "does not fit", 0, 0 },
		{ "ok", "nobody", "", 2, NULL, IPC_DLV_PERMFAIL,
		    "does not fit", 0, 0 },
		{ "ok", "root", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "as root refused", 0, 0 },
		{ "ok", "no-such-account-here", "a@x", 0, NULL,
		    IPC_DLV_PERMFAIL, "unknown account", 0, 0 },
		{ "ok", "", "a@x", 0, NULL, IPC_DLV_PERMFAIL, "without id",
		    0, 0 },
		{ NULL, "nobody", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "without id", 0, 0 },
		{ "ub", "nobody", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "not in userbase", 0, 0 },
		{ "ub", "zero", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "as root refused", 0, 0 },
		{ "ub", "gzero", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "as root refused", 0, 0 },
		{ "ok", "../x", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "bad account name", 0, 0 },
		/* files and commands only as the rules would make them */
		{ "ok", "nobody", "touch " T_PWNED, 2, NULL, IPC_DLV_PERMFAIL,
		    "no alias or virtual table", ENVELOPE_ORIGIN_ALIAS, 0 },
		{ "al", "daemon", "touch " T_PWNED, 2, NULL, IPC_DLV_PERMFAIL,
		    "not the one of alias entries", ENVELOPE_ORIGIN_ALIAS,
		    0 },
		{ "al", "nobody", "/tmp/../tmp/x", 1, NULL, IPC_DLV_PERMFAIL,
		    "no absolute path", ENVELOPE_ORIGIN_ALIAS, 0 },
		{ "al", "nobody", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "origin does not fit", ENVELOPE_ORIGIN_ALIAS, 0 },
		{ "ub", "virt", "touch " T_PWNED, 2, NULL, IPC_DLV_PERMFAIL,
		    "reads no ~/.forward", ENVELOPE_ORIGIN_FORWARD, 0 },
		{ "ok", "nobody", "touch " T_PWNED, 2, NULL, IPC_DLV_PERMFAIL,
		    "refused: no ~/.forward", ENVELOPE_ORIGIN_FORWARD, 0 },
		{ "ok", "nobody", "touch " T_PWNED, 2, NULL, IPC_DLV_PERMFAIL,
		    "refused: no ~/.forward", 0, 0 },
		{ "ok", "nobody", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "unknown origin", 7, 0 },
	};
	size_t	 n = sizeof(cases) / sizeof(cases[0]);

	(void)unlink(T_PWNED);
	t_run(cases, n);
	t_check(cases, n);
	ATF_CHECK_MSG(access(T_PWNED, F_OK) == -1, "a refused command ran");
}

ATF_TC_WITHOUT_HEAD(parent_on_mda_run_descriptor);
ATF_TC_BODY(parent_on_mda_run_descriptor, tc)
{
	static const struct t_case cases[] = {
		/* a path to root's file: never reopened to be read */
		{ "leak", "nobody", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "descriptor refused", 0, T_FD_PATH },
		{ "leak", "nobody", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "descriptor refused", 0, T_FD_RDWR },
		{ "leak", "nobody", "a@x", 0, NULL, IPC_DLV_OK,
		    "delivered", 0, T_FD_MSG },
	};
	char	buf[256];
	ssize_t	n;
	int	fd;

	(void)unlink(T_PWNED);
	t_run(cases, 2);
	t_check(cases, 2);
	ATF_CHECK(access(T_PWNED, F_OK) == -1);
	/* the message itself, read through the descriptor as nobody */
	t_run(cases + 2, 1);
	t_check(cases + 2, 1);
	ATF_REQUIRE((fd = open(T_PWNED, O_RDONLY)) != -1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ATF_REQUIRE(n > 0);
	buf[n] = '\0';
	ATF_CHECK_MSG(strstr(buf, "Subject: x\n\nbody\n") != NULL, "%s", buf);
	ATF_CHECK(strstr(buf, "secret") == NULL);
	(void)unlink(T_PWNED);
}

ATF_TC_WITHOUT_HEAD(parent_on_mda_run_outcomes);
ATF_TC_BODY(parent_on_mda_run_outcomes, tc)
{
	static const struct t_case cases[] = {
		{ "ok", "nobody", "a@x", 0, NULL, IPC_DLV_OK,
		    "delivered to mda", 0, 0 },
		{ "who", "nobody", "a@x", 0, NULL, IPC_DLV_OK, "delivered",
		    0, 0 },
		{ "t75", "nobody", "a@x", 0, NULL, IPC_DLV_TEMPFAIL,
		    "mailbox busy", 0, 0 },
		{ "t1", "nobody", "a@x", 0, NULL, IPC_DLV_PERMFAIL,
		    "no such folder", 0, 0 },
		{ "die", "nobody", "a@x", 0, NULL, IPC_DLV_TEMPFAIL,
		    "ended without a result", 0, 0 },
		{ "ub", "virt", "a@x", 0, NULL, IPC_DLV_OK, "delivered", 0, 0 },
		{ "al", "nobody", "exit 75", 2, NULL, IPC_DLV_TEMPFAIL,
		    "exit status 75", 0, 0 },
		{ "al", "nobody", "test $(id -u) = 65534", 2, NULL,
		    IPC_DLV_OK, "delivered to command", ENVELOPE_ORIGIN_ALIAS,
		    0 },
	};
	size_t	 n = sizeof(cases) / sizeof(cases[0]);

	t_run(cases, n);
	t_check(cases, n);
}

ATF_TC_WITHOUT_HEAD(parent_on_mda_run_hostile_sender);
ATF_TC_BODY(parent_on_mda_run_hostile_sender, tc)
{
	static const struct t_case cases[] = {
		{ "echo", "nobody", "a@x", 0, ";touch " T_PWNED ";",
		    IPC_DLV_OK, "delivered", 0, 0 },
		{ "echo", "nobody", "a@x", 0, "`touch${IFS}" T_PWNED "`@x",
		    IPC_DLV_OK, "delivered", 0, 0 },
		{ "echo", "nobody", "a@x", 0, "$(touch " T_PWNED ")@x",
		    IPC_DLV_OK, "delivered", 0, 0 },
		{ "echo", "nobody", "a@x", 0, "|touch " T_PWNED "@x",
		    IPC_DLV_OK, "delivered", 0, 0 },
		{ "echo", "nobody", "a@x", 0, "'$(touch " T_PWNED ")'@x",
		    IPC_DLV_OK, "delivered", 0, 0 },
		/* a newline never reaches a command or a header */
		{ "echo", "nobody", "a@x", 0, "a\ntouch " T_PWNED "@x",
		    IPC_DLV_PERMFAIL, "invalid sender", 0, 0 },
	};
	size_t	 n = sizeof(cases) / sizeof(cases[0]);

	(void)unlink(T_PWNED);
	t_run(cases, n);
	t_check(cases, n);
	ATF_CHECK_MSG(access(T_PWNED, F_OK) == -1, "a sender ran a command");
	(void)unlink(T_PWNED);
}

ATF_TC_WITHOUT_HEAD(parent_on_mda_run_limit);
ATF_TC_BODY(parent_on_mda_run_limit, tc)
{
	static char		 users[T_MANY][8];
	static struct t_case	 cases[T_MANY];
	size_t			 i;
	time_t			 start;

	/* more accounts than agents may run: the others wait their turn */
	for (i = 0; i < T_MANY; i++) {
		snprintf(users[i], sizeof(users[i]), "u%zu", i);
		cases[i].dispatcher = "slowub";
		cases[i].user = users[i];
		cases[i].dest = "a@x";
		cases[i].status = IPC_DLV_OK;
		cases[i].text = "delivered";
	}
	start = time(NULL);
	t_run(cases, T_MANY);
	t_check(cases, T_MANY);
	ATF_CHECK(time(NULL) - start < 10);
}

ATF_TC_WITHOUT_HEAD(parent_on_mda_run_queued);
ATF_TC_BODY(parent_on_mda_run_queued, tc)
{
	static struct t_case	 cases[20];
	size_t			 i;

	/* twenty to one account: one agent takes them in turn */
	for (i = 0; i < 20; i++) {
		cases[i].dispatcher = "slow";
		cases[i].user = "nobody";
		cases[i].dest = "a@x";
		cases[i].status = IPC_DLV_OK;
		cases[i].text = "delivered";
	}
	t_run(cases, 20);
	t_check(cases, 20);
}

ATF_TC_WITHOUT_HEAD(parent_on_mda_run_account_hangs);
ATF_TC_BODY(parent_on_mda_run_account_hangs, tc)
{
	static const struct t_case cases[] = {
		{ "hang", "virt", "a@x", 0, NULL, IPC_DLV_TEMPFAIL,
		    "time limit", 0, 0 },
		{ "ok", "nobody", "a@x", 0, NULL, IPC_DLV_OK,
		    "delivered", 0, 0 },
		{ "hang", "virt", "a@x", 0, NULL, IPC_DLV_TEMPFAIL,
		    "time limit", 0, 0 },
	};
	size_t	 n = sizeof(cases) / sizeof(cases[0]);

	/* the look-up of the account blocks: the start is killed in time */
	(void)unlink(T_FIFO);
	ATF_REQUIRE(mkfifo(T_FIFO, 0644) == 0);
	t_run(cases, n);
	t_check(cases, n);
	(void)unlink(T_FIFO);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parent_on_mda_run_refused);
	ATF_TP_ADD_TC(tp, parent_on_mda_run_descriptor);
	ATF_TP_ADD_TC(tp, parent_on_mda_run_outcomes);
	ATF_TP_ADD_TC(tp, parent_on_mda_run_hostile_sender);
	ATF_TP_ADD_TC(tp, parent_on_mda_run_limit);
	ATF_TP_ADD_TC(tp, parent_on_mda_run_queued);
	ATF_TP_ADD_TC(tp, parent_on_mda_run_account_hangs);
	return atf_no_error();
}
