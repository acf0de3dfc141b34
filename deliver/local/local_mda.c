/*
 * local_mda.c - delivery through an external command (mda).
 *
 * The command runs as "/bin/sh -c CMD" in its own process group, with
 * cwd HOME (or / when HOME is unusable) and exactly this environment:
 * HOME, USER, LOGNAME, SHELL, PATH=/usr/bin:/bin, SENDER, RECIPIENT,
 * ORIGINAL_RECIPIENT, EXTENSION, DOMAIN, LOCAL (the shell itself may add
 * PWD).  Addresses reach the command only through the environment.  The
 * message, after the Return-Path/Delivered-To prefix, is written to its
 * stdin through a pipe; stdout and stderr are captured (the first
 * LOCAL_MDA_OUTPUT_MAX bytes) and the first line becomes the reason.
 * After the time limit the whole process group is killed.
 *
 * Exit 0 is delivered; 75 (EX_TEMPFAIL) and 71 (EX_OSERR) are temporary
 * failures; any other status or a signal is permanent.  A command that
 * does not read its input is judged by its exit status alone.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "local.h"
#include "log.h"
#include "xmalloc.h"

#define LOCAL_MDA_OUTPUT_MAX	4096	/* captured command output */
#define LOCAL_MDA_CHUNK		65536
#define LOCAL_MDA_SLICE_MS	200	/* poll slice between exit checks */
#define LOCAL_MDA_NENV		12
#define LOCAL_MDA_EX_OSERR	71
#define LOCAL_MDA_EX_TEMPFAIL	75

struct local_mda_io {
	int		 in;		/* command's stdin, -1 when done */
	int		 out;		/* command's stdout+stderr, -1 at EOF */
	int		 msg_fd;
	int		 msg_eof;
	struct buf	 pending;	/* bytes not yet written to in */
	size_t		 off;		/* written part of pending */
	struct buf	 output;	/* captured output */
};

/* local_mda_env - the command's environment, NULL-terminated */
static void
local_mda_env(const struct local_delivery *ld, char **env)
{
	size_t	 n = 0;

	xasprintf(&env[n++], "HOME=%s", ld->home);
	xasprintf(&env[n++], "USER=%s", ld->user);
	xasprintf(&env[n++], "LOGNAME=%s", ld->user);
	xasprintf(&env[n++], "SHELL=%s", ld->shell[0] ? ld->shell : "/bin/sh");
	xasprintf(&env[n++], "PATH=/usr/bin:/bin");
	xasprintf(&env[n++], "SENDER=%s", ld->sender);
	xasprintf(&env[n++], "RECIPIENT=%s", ld->rcpt);
	xasprintf(&env[n++], "ORIGINAL_RECIPIENT=%s", ld->orig_rcpt);
	xasprintf(&env[n++], "EXTENSION=%s", ld->extension);
	xasprintf(&env[n++], "DOMAIN=%s", ld->domain);
	xasprintf(&env[n++], "LOCAL=%s", ld->localpart);
	env[n] = NULL;
}

/* local_mda_exec - in the child: wire stdio, reset signals, exec the shell */
static void __attribute__((noreturn))
local_mda_exec(const struct local_delivery *ld, int in, int out, char **env)
{
	sigset_t	 none;
	int		 sig;

	(void)setpgid(0, 0);
	if (dup2(in, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(LOCAL_MDA_EX_OSERR);
	closefrom(STDERR_FILENO + 1);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (ld->home[0] == '\0' || chdir(ld->home) == -1)
		(void)chdir("/");
	execle("/bin/sh", "sh", "-c", ld->mda, (char *)NULL, env);
	dprintf(STDERR_FILENO, "cannot run /bin/sh: %s\n", strerror(errno));
	_exit(LOCAL_MDA_EX_OSERR);
}

/* local_mda_refill - load the next message chunk into pending; 0 / -1 */
static int
local_mda_refill(struct local_mda_io *io)
{
	char	 chunk[LOCAL_MDA_CHUNK];
	ssize_t	 n;

	buf_reset(&io->pending);
	io->off = 0;
	while ((n = read(io->msg_fd, chunk, sizeof(chunk))) == -1 &&
	    errno == EINTR)
		;
	if (n == -1)
		return -1;
	if (n == 0)
		io->msg_eof = 1;
	else if (buf_add(&io->pending, chunk, (size_t)n) == -1)
		panic("mda pending buffer too small");
	return 0;
}

/* local_mda_close_in - end of input for the command */
static void
local_mda_close_in(struct local_mda_io *io)
{
	if (io->in != -1)
		close(io->in);
	io->in = -1;
}

/* local_mda_feed - write what the pipe takes; -1 on a message read error */
static int
local_mda_feed(struct local_mda_io *io)
{
	ssize_t	 n;

	while (io->in != -1) {
		if (io->off == io->pending.len) {
			if (local_mda_refill(io) == -1)
				return -1;
			if (io->msg_eof) {
				local_mda_close_in(io);
				break;
			}
		}
		n = write(io->in, io->pending.data + io->off,
		    io->pending.len - io->off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n == -1) {
			/* EPIPE: the command does not want more input */
			local_mda_close_in(io);
			break;
		}
		io->off += (size_t)n;
	}
	return 0;
}

/* local_mda_drain - read available output, keeping the first bytes */
static void
local_mda_drain(struct local_mda_io *io)
{
	char	 chunk[4096];
	ssize_t	 n;
	size_t	 keep;

	while (io->out != -1) {
		n = read(io->out, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(io->out);
			io->out = -1;
			return;
		}
		keep = buf_room(&io->output);
		if (keep > (size_t)n)
			keep = (size_t)n;
		(void)buf_add(&io->output, chunk, keep);
	}
}

/* local_mda_ms - milliseconds left until deadline (monotonic), at least 0 */
static int
local_mda_ms(const struct timespec *deadline)
{
	struct timespec	 now;
	long long	 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > LOCAL_MDA_SLICE_MS ? LOCAL_MDA_SLICE_MS :
	    (int)ms;
}

/*
 * local_mda_wait - feed input, collect output, reap pid before deadline.
 * 0 with *wstatus set, 1 on timeout (group killed), -1 on a read error of
 * the message (group killed).
 */
static int
local_mda_wait(struct local_mda_io *io, pid_t pid,
    const struct timespec *deadline, int *wstatus)
{
	struct pollfd	 pfd[2];
	int		 ms;

	for (;;) {
		if (local_mda_feed(io) == -1)
			break;
		local_mda_drain(io);
		if (waitpid(pid, wstatus, WNOHANG) == pid) {
			local_mda_drain(io);
			return 0;
		}
		if ((ms = local_mda_ms(deadline)) == 0)
			break;
		if (io->in == -1 && io->out == -1 && ms > 10)
			ms = 10;	/* only the exit is left to wait for */
		pfd[0].fd = io->in;
		pfd[0].events = POLLOUT;
		pfd[1].fd = io->out;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, ms) == -1 && errno != EINTR)
			break;
	}
	(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, wstatus, 0);
	return local_mda_ms(deadline) == 0 ? 1 : -1;
}

/* local_mda_reason - the first output line, printable, into dst */
static void
local_mda_reason(const char *output, char *dst, size_t dstsz)
{
	size_t	 i, o = 0;

	for (i = 0; output[i] != '\0' && output[i] != '\n' && o + 1 < dstsz;
	    i++) {
		if (output[i] == '\r')
			continue;
		dst[o++] = ((unsigned char)output[i] < 0x20 ||
		    (unsigned char)output[i] >= 0x7f) ? '?' : output[i];
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

/* local_mda_status - map a wait status and output to a result */
enum local_status
local_mda_status(int wstatus, const char *output, struct local_result *res)
{
	char			 line[ERRTEXT_MAX];
	enum local_status	 st;
	int			 code;

	local_mda_reason(output, line, sizeof(line));
	if (WIFEXITED(wstatus)) {
		code = WEXITSTATUS(wstatus);
		if (code == 0)
			return local_result_set(res, LOCAL_OK,
			    "delivered to mda");
		st = (code == LOCAL_MDA_EX_TEMPFAIL ||
		    code == LOCAL_MDA_EX_OSERR) ? LOCAL_TEMPFAIL :
		    LOCAL_PERMFAIL;
		if (line[0] != '\0')
			return local_result_set(res, st, "%s", line);
		return local_result_set(res, st, "exit status %d", code);
	}
	if (WIFSIGNALED(wstatus) && line[0] == '\0')
		return local_result_set(res, LOCAL_PERMFAIL,
		    "killed by signal %d", WTERMSIG(wstatus));
	if (line[0] != '\0')
		return local_result_set(res, LOCAL_PERMFAIL, "%s", line);
	return local_result_set(res, LOCAL_PERMFAIL, "abnormal termination");
}

/* local_mda_spawn - fork the command with its pipes; pid or -1 */
static pid_t
local_mda_spawn(const struct local_delivery *ld, struct local_mda_io *io)
{
	char	*env[LOCAL_MDA_NENV];
	int	 in[2], out[2];
	pid_t	 pid;
	size_t	 i;

	if (pipe2(in, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	local_mda_env(ld, env);
	if ((pid = fork()) == 0)
		local_mda_exec(ld, in[0], out[1], env);
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	close(in[0]);
	close(out[1]);
	if (pid == -1) {
		close(in[1]);
		close(out[0]);
		return -1;
	}
	(void)setpgid(pid, pid);
	io->in = in[1];
	io->out = out[0];
	(void)fcntl(io->in, F_SETFL, O_NONBLOCK);
	(void)fcntl(io->out, F_SETFL, O_NONBLOCK);
	return pid;
}

/* local_mda_run - spawn, feed and judge the command; io->pending holds hdr */
static enum local_status
local_mda_run(const struct local_delivery *ld, struct local_mda_io *io,
    struct local_result *res)
{
	struct timespec	 deadline;
	pid_t		 pid;
	int		 wstatus = 0, rv;

	if ((pid = local_mda_spawn(ld, io)) == -1)
		return local_result_set(res, LOCAL_TEMPFAIL, "mda: fork: %s",
		    strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ld->mda_timeout ? ld->mda_timeout :
	    LOCAL_MDA_TIMEOUT;
	rv = local_mda_wait(io, pid, &deadline, &wstatus);
	if (rv == 1)
		return local_result_set(res, LOCAL_TEMPFAIL, "timeout");
	if (rv == -1)
		return local_result_set(res, LOCAL_TEMPFAIL,
		    "mda: cannot read message: %s", strerror(errno));
	return local_mda_status(wstatus,
	    io->output.data != NULL ? io->output.data : "", res);
}

/* local_mda_deliver - pipe ld's message into its mda command */
enum local_status
local_mda_deliver(const struct local_delivery *ld, struct local_result *res)
{
	struct local_mda_io	 io;
	struct sigaction	 ign, old;

	memset(&io, 0, sizeof(io));
	io.in = io.out = -1;
	io.msg_fd = ld->msg_fd;
	buf_init(&io.pending, LOCAL_MDA_CHUNK);
	buf_init(&io.output, LOCAL_MDA_OUTPUT_MAX);
	if (local_hdr_format(&io.pending, ld->sender, ld->rcpt) == -1)
		local_result_set(res, LOCAL_PERMFAIL,
		    "invalid sender or recipient address");
	else if (ld->mda[0] == '\0')
		local_result_set(res, LOCAL_PERMFAIL, "empty mda command");
	else {
		memset(&ign, 0, sizeof(ign));
		ign.sa_handler = SIG_IGN;
		sigemptyset(&ign.sa_mask);
		(void)sigaction(SIGPIPE, &ign, &old);
		local_mda_run(ld, &io, res);
		(void)sigaction(SIGPIPE, &old, NULL);
	}
	if (io.in != -1)
		close(io.in);
	if (io.out != -1)
		close(io.out);
	buf_free(&io.pending);
	buf_free(&io.output);
	return res->status;
}
