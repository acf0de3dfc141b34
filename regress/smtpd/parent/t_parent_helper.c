/*
 * t_parent_helper.c - the parent's short-lived children: an answer with
 * a descriptor, no answer, a wrong-sized answer, the time limit (the
 * child is killed), the bound on children at once and on waiting
 * requests.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "ev.h"
#include "log.h"
#include "../../../smtpd/parent/parent.h"

#define T_NREQ	(PARENT_HELPER_WAIT_MAX + 2)

enum t_kind {
	T_ANSWER_FD,		/* "hi" through a pipe's read end */
	T_SILENT,		/* exits without a word */
	T_SHORT,		/* one byte less than asked for */
	T_HANG			/* writes its pid to "pid", then waits */
};

struct t_req {
	enum t_kind			 kind;
	int				 n;
	int				 done;
	enum parent_helper_status	 st;
	char				 got[8];
};

static struct parent_helper_pool	t_pool;
static size_t				t_max_running;

/* t_child - the child of one request */
static void
t_child(void *arg, int sock)
{
	struct t_req	*r = arg;
	char		 pid[32];
	int		 p[2], fd;

	switch (r->kind) {
	case T_ANSWER_FD:
		if (pipe(p) == -1 || write(p[1], "hi", 2) != 2)
			_exit(1);
		close(p[1]);
		(void)parent_helper_answer(sock, &r->n, sizeof(r->n), p[0]);
		break;
	case T_SILENT:
		break;
	case T_SHORT:
		(void)parent_helper_answer(sock, &r->n, sizeof(r->n) - 1, -1);
		break;
	case T_HANG:
		(void)snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		fd = open("pid", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd == -1 || write(fd, pid, strlen(pid)) == -1)
			_exit(1);
		close(fd);
		for (;;)
			pause();
	}
}

/* t_done - the parent's side: note what came */
static void
t_done(void *arg, enum parent_helper_status st, const void *answer, int fd)
{
	struct t_req	*r = arg;
	ssize_t		 n;

	r->done++;
	r->st = st;
	if (t_pool.running > t_max_running)
		t_max_running = t_pool.running;
	if (st == PARENT_HELPER_OK && *(const int *)answer != r->n)
		atf_tc_fail("request %d got the answer of %d", r->n,
		    *(const int *)answer);
	if (fd != -1) {
		n = read(fd, r->got, sizeof(r->got) - 1);
		r->got[n > 0 ? n : 0] = '\0';
		close(fd);
	}
}

/* t_run - n requests of one kind on a pool of max children, then wait */
static void
t_run(struct t_req *reqs, size_t n, enum t_kind kind, size_t max,
    time_t limit)
{
	struct parent_helper_req	h;
	size_t				i;

	log_init("t_parent_helper", 1, 0);
	memset(&t_pool, 0, sizeof(t_pool));
	t_pool.name = "test";
	t_pool.max = max;
	t_pool.limit = limit;
	t_max_running = 0;
	for (i = 0; i < n; i++) {
		memset(&reqs[i], 0, sizeof(reqs[i]));
		reqs[i].kind = kind;
		reqs[i].n = (int)i;
		memset(&h, 0, sizeof(h));
		h.child = t_child;
		h.done = t_done;
		h.arg = &reqs[i];
		h.answer_size = sizeof(int);
		parent_helper_run(&t_pool, &h);
		if (t_pool.running > t_max_running)
			t_max_running = t_pool.running;
	}
	ev_dispatch();
	for (i = 0; i < n; i++)
		ATF_CHECK_EQ_MSG(reqs[i].done, 1, "request %zu", i);
	ATF_CHECK_EQ(t_pool.running, 0);
	ATF_CHECK_EQ(t_pool.nwaiting, 0);
}

ATF_TC_WITHOUT_HEAD(parent_helper_run_answers);
ATF_TC_BODY(parent_helper_run_answers, tc)
{
	static struct t_req	r[5];
	size_t			i;

	signal(SIGCHLD, SIG_IGN);
	t_run(r, 5, T_ANSWER_FD, 2, 10);
	for (i = 0; i < 5; i++) {
		ATF_CHECK_EQ(r[i].st, PARENT_HELPER_OK);
		ATF_CHECK_STREQ(r[i].got, "hi");
	}
	ATF_CHECK_EQ(t_max_running, 2);
}

ATF_TC_WITHOUT_HEAD(parent_helper_run_no_answer);
ATF_TC_BODY(parent_helper_run_no_answer, tc)
{
	static struct t_req	r[2];

	signal(SIGCHLD, SIG_IGN);
	t_run(r, 1, T_SILENT, 1, 10);
	ATF_CHECK_EQ(r[0].st, PARENT_HELPER_FAILED);
	t_run(r + 1, 1, T_SHORT, 1, 10);
	ATF_CHECK_EQ(r[1].st, PARENT_HELPER_FAILED);
}

ATF_TC_WITHOUT_HEAD(parent_helper_run_time_limit);
ATF_TC_BODY(parent_helper_run_time_limit, tc)
{
	static struct t_req	r[1];
	FILE			*f;
	int			 pid = -1, st;
	time_t			 t0 = time(NULL);

	t_run(r, 1, T_HANG, 1, 1);
	ATF_CHECK_EQ(r[0].st, PARENT_HELPER_TIMEOUT);
	ATF_CHECK(time(NULL) - t0 <= 3);
	ATF_REQUIRE((f = fopen("pid", "r")) != NULL);
	ATF_REQUIRE(fscanf(f, "%d", &pid) == 1);
	fclose(f);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	ATF_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

ATF_TC_WITHOUT_HEAD(parent_helper_run_busy);
ATF_TC_BODY(parent_helper_run_busy, tc)
{
	static struct t_req	r[T_NREQ];
	size_t			i, busy = 0, timeout = 0;

	signal(SIGCHLD, SIG_IGN);
	/* one runs, PARENT_HELPER_WAIT_MAX wait, the last is refused */
	t_run(r, T_NREQ, T_HANG, 1, 1);
	for (i = 0; i < T_NREQ; i++) {
		busy += r[i].st == PARENT_HELPER_BUSY;
		timeout += r[i].st == PARENT_HELPER_TIMEOUT;
	}
	ATF_CHECK_EQ(busy, 1);
	ATF_CHECK_EQ(r[T_NREQ - 1].st, PARENT_HELPER_BUSY);
	ATF_CHECK_EQ(timeout, T_NREQ - 1);
	ATF_CHECK_EQ(t_max_running, 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parent_helper_run_answers);
	ATF_TP_ADD_TC(tp, parent_helper_run_no_answer);
	ATF_TP_ADD_TC(tp, parent_helper_run_time_limit);
	ATF_TP_ADD_TC(tp, parent_helper_run_busy);
	return atf_no_error();
}
