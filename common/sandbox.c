/*
 * sandbox.c - the last walls of a process that has dropped its
 * privileges, raised once its set-up is done and before its event loop
 * runs:
 *
 *   - no new privileges (PR_SET_NO_NEW_PRIVS): nothing it executes can
 *     gain any;
 *   - no core files (RLIMIT_CORE 0): a core of the key holder, the queue
 *     or a session holds keys, credentials and mail;
 *   - a seccomp filter (libseccomp) for which any system call outside
 *     its role's list is not made: the process logs the call's name and
 *     dies of SIGSYS (a process that an attacker owns may catch the
 *     signal, but the call still is not made).  An attacker who owns
 *     the listener cannot execute a program, open a raw socket, trace
 *     another process or load anything into the kernel.
 *
 * The lists are what each role does from its event loop on: the base
 * every role needs (memory, descriptors it holds, its channels, time,
 * signals), and what only some do (accept and connect sockets, write
 * the spool, read tables).  fork is allowed only to the queue (its
 * offline walker) and never as a thread.  A kernel without seccomp gets
 * a warning in the log and the other walls.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "proc.h"
#include "sandbox.h"

/* what every sandboxed role does */
static const int sandbox_base[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(close),
	SCMP_SYS(fcntl), SCMP_SYS(lseek), SCMP_SYS(dup), SCMP_SYS(dup2),
	SCMP_SYS(dup3), SCMP_SYS(pipe2), SCMP_SYS(openat), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(mmap),
	SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(brk), SCMP_SYS(futex),
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(select), SCMP_SYS(pselect6), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
	SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg), SCMP_SYS(shutdown),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(getppid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
	SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(getresuid),
	SCMP_SYS(getresgid), SCMP_SYS(getgroups), SCMP_SYS(getrandom),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(tgkill), SCMP_SYS(uname),
	SCMP_SYS(sysinfo), SCMP_SYS(prlimit64), SCMP_SYS(getrlimit),
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(wait4), SCMP_SYS(socketpair), SCMP_SYS(set_robust_list),
	SCMP_SYS(alarm),
	SCMP_SYS(rseq)
};

/* clients of the network or of local sockets: listener, relay, lookup */
static const int sandbox_client[] = {
	SCMP_SYS(connect), SCMP_SYS(bind)
};

/* the listener's sockets */
static const int sandbox_server[] = {
	SCMP_SYS(accept4), SCMP_SYS(accept)
};

/* the spool's writer (its offline walker connects to the enqueuer) */
static const int sandbox_spool[] = {
	SCMP_SYS(connect),
	SCMP_SYS(mkdirat), SCMP_SYS(renameat), SCMP_SYS(renameat2),
	SCMP_SYS(unlinkat), SCMP_SYS(linkat), SCMP_SYS(fsync),
	SCMP_SYS(fdatasync), SCMP_SYS(syncfs), SCMP_SYS(sync_file_range),
	SCMP_SYS(getdents64),
	SCMP_SYS(fchmod), SCMP_SYS(ftruncate), SCMP_SYS(fallocate),
	SCMP_SYS(fstatfs), SCMP_SYS(flock), SCMP_SYS(kill),
	SCMP_SYS(accept4), SCMP_SYS(umask)
};

/* the reader of tables, aliases and the account database */
static const int sandbox_tables[] = {
	SCMP_SYS(getdents64), SCMP_SYS(readlink), SCMP_SYS(readlinkat),
	SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
	SCMP_SYS(fstatfs), SCMP_SYS(statfs), SCMP_SYS(flock),
	SCMP_SYS(inotify_init1), SCMP_SYS(inotify_add_watch),
	SCMP_SYS(inotify_rm_watch), SCMP_SYS(chdir), SCMP_SYS(fchdir),
	SCMP_SYS(getcwd), SCMP_SYS(umask)
};

static enum proc_role	sandbox_role = PROC_MAX;

/*
 * sandbox_on_sigsys - a call outside the list: name it in the log, then
 * die of SIGSYS, which the parent reports and answers with a shutdown
 */
static void
sandbox_on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	sigset_t	 set;
	char		*name;

	(void)ctx;
	/* logging is not async-signal-safe: if it hangs, SIGALRM ends us */
	alarm(2);
	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
	    si->si_syscall);
	log_warnx("sandbox event=violation role=%s syscall=%s number=%d",
	    proc_role_name(sandbox_role), name ? name : "unknown",
	    si->si_syscall);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

/* sandbox_allow - add a list of system calls the role may make */
static int
sandbox_allow(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (calls[i] >= 0 &&
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0) < 0)
			return -1;
	return 0;
}

/*
 * sandbox_guarded - the calls allowed only with some arguments: sockets
 * of the Internet and local families, terminal and FIONREAD ioctls,
 * reading the capability bounding set,
 * fork (a new process, never a thread) for the queue; clone3 says
 * ENOSYS so the C library falls back to the clone it can be checked on
 */
static int
sandbox_guarded(scmp_filter_ctx ctx, enum proc_role role)
{
	static const int	families[] = { AF_UNIX, AF_INET, AF_INET6 };
	static const unsigned long ioctls[] = { FIONREAD, FIONBIO, TCGETS,
	    FIOCLEX };
	size_t			i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i])) < 0)
			return -1;
	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ioctls[i])) < 0)
			return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0) < 0)
		return -1;
	/* the account database's libraries read the capability bounds */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
	    SCMP_A0(SCMP_CMP_EQ, PR_CAPBSET_READ)) < 0)
		return -1;
	if (role == PROC_QUEUE && seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
	    SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
	    0)) < 0)
		return -1;
	return 0;
}

/* sandbox_lists - the role's lists on top of the base */
static int
sandbox_lists(scmp_filter_ctx ctx, enum proc_role role)
{
#define SANDBOX_ALLOW(l)	sandbox_allow(ctx, l, sizeof(l) / sizeof(l[0]))
	if (SANDBOX_ALLOW(sandbox_base) == -1 ||
	    sandbox_guarded(ctx, role) == -1)
		return -1;
	switch (role) {
	case PROC_SMTPD:
		return SANDBOX_ALLOW(sandbox_client) == -1 ? -1 :
		    SANDBOX_ALLOW(sandbox_server);
	case PROC_RELAY:
		return SANDBOX_ALLOW(sandbox_client);
	case PROC_LOOKUP:
		return SANDBOX_ALLOW(sandbox_client) == -1 ? -1 :
		    SANDBOX_ALLOW(sandbox_tables);
	case PROC_QUEUE:
		return SANDBOX_ALLOW(sandbox_spool);
	default:
		return 0;
	}
#undef SANDBOX_ALLOW
}

/*
 * sandbox_enter - the role's walls, for the rest of its life; a filter
 * the kernel refuses is logged and the process goes on without it
 */
void
sandbox_enter(enum proc_role role)
{
	struct rlimit	 rl = { 0, 0 };
	struct sigaction sa;
	scmp_filter_ctx	 ctx;
	int		 r;

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		fatal("sandbox: setrlimit RLIMIT_CORE");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("sandbox: PR_SET_NO_NEW_PRIVS");
	sandbox_role = role;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sandbox: sigaction SIGSYS");
	if ((ctx = seccomp_init(SCMP_ACT_TRAP)) == NULL)
		fatalx("sandbox: seccomp_init failed");
	if (sandbox_lists(ctx, role) == -1)
		fatalx("sandbox: cannot build the filter of %s",
		    proc_role_name(role));
	if ((r = seccomp_load(ctx)) < 0)
		log_warnx("sandbox event=unavailable role=%s error=\"%s\"",
		    proc_role_name(role), strerror(-r));
	else
		log_debug("sandbox event=entered role=%s",
		    proc_role_name(role));
	seccomp_release(ctx);
}
