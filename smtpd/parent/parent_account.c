/*
 * parent_account.c - the start of a local delivery agent, in a child of
 * the root parent.
 *
 * What may block stays out of the parent: the child, still root, looks
 * the recipient's account up (getpwnam, or the action's userbase
 * table), refuses uid 0 or gid 0 (root's mail goes through aliases),
 * for an mbox action creates /var/mail/USER (0600, owned by the user)
 * since users cannot create files there, then becomes the recipient for
 * good (groups, gid, uid, verified; parent_helper_become).  It writes
 * what it found (struct parent_account) into the answer pipe, which is
 * closed on exec, and executes smtpd -X local with its channel to the
 * parent at the agent's fixed descriptor: the agent starts with a fresh
 * address space, holding none of the parent's memory.  An account that
 * cannot be used is answered and the child exits without an agent.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "parent.h"
#include "proc.h"
#include "table.h"
#include "table_cfg.h"

#define PARENT_ACCOUNT_ANSWER_FD	(PROC_FD_FIRST + 1)

/* parent_account_fail - set a failure into the answer; -1 */
static int __attribute__((format(printf, 3, 4)))
parent_account_fail(struct parent_account *acct, int32_t status,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(acct->text, sizeof(acct->text), fmt, ap);
	va_end(ap);
	acct->status = status;
	return -1;
}

/* parent_account_passwd - the account from NSS; 0 or -1 */
static int
parent_account_passwd(const char *user, struct parent_account *acct)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno == 0 || errno == ENOENT || errno == ESRCH ||
		    errno == EBADF || errno == EPERM)
			return parent_account_fail(acct, IPC_DLV_PERMFAIL,
			    "user %s: unknown account", user);
		return parent_account_fail(acct, IPC_DLV_TEMPFAIL,
		    "user %s: %s", user, strerror(errno));
	}
	acct->uid = pw->pw_uid;
	acct->gid = pw->pw_gid;
	(void)strlcpy(acct->home, pw->pw_dir, sizeof(acct->home));
	(void)strlcpy(acct->shell, pw->pw_shell, sizeof(acct->shell));
	return 0;
}

/* parent_account_userbase - the account from the action's userbase */
static int
parent_account_userbase(const struct cfg_action *a, const char *user,
    struct parent_account *acct)
{
	union table_result	 u;
	struct table		*t;
	char			 err[ERRTEXT_MAX];
	int			 rv;

	if ((t = table_cfg_open(a->userbase, err, sizeof(err))) == NULL)
		return parent_account_fail(acct, IPC_DLV_TEMPFAIL, "%s", err);
	rv = table_lookup(t, TABLE_K_USERINFO, user, &u);
	table_free(t);
	if (rv != 1)
		return parent_account_fail(acct, rv == 0 ? IPC_DLV_PERMFAIL :
		    IPC_DLV_TEMPFAIL, "user %s: %s", user, rv == 0 ?
		    "not in userbase" : "userbase lookup failed");
	acct->uid = u.userinfo.uid;
	acct->gid = u.userinfo.gid;
	(void)strlcpy(acct->home, u.userinfo.directory, sizeof(acct->home));
	(void)strlcpy(acct->shell, "/bin/sh", sizeof(acct->shell));
	return 0;
}

/* parent_account_lookup - the account of the job's user; 0 or -1 */
static int
parent_account_lookup(const struct parent_mda_job *job,
    struct parent_account *acct)
{
	const char	*user = job->evp.user;
	int		 rv;

	rv = job->action->userbase == NULL ?
	    parent_account_passwd(user, acct) :
	    parent_account_userbase(job->action, user, acct);
	if (rv == -1)
		return -1;
	if (acct->uid == 0 || acct->gid == 0) {
		acct->refused = 1;
		return parent_account_fail(acct, IPC_DLV_PERMFAIL, "delivery "
		    "as root refused (uid or gid 0; use an alias)");
	}
	if (proc_devmode() && acct->uid != geteuid())
		return parent_account_fail(acct, IPC_DLV_TEMPFAIL,
		    "development mode: cannot deliver as %s", user);
	return 0;
}

/*
 * parent_account_mbox - as root, create the user's mbox (0600, owned by
 * the user) when missing; an existing one is left to the agent's
 * checks, except that a symbolic link or another owner is refused here
 * too.  0 or -1.
 */
static int
parent_account_mbox(const char *user, struct parent_account *acct)
{
	struct stat	 sb;
	char		 path[PATH_MAX_CFG];
	int		 fd;

	if (proc_devmode())
		return 0;
	(void)snprintf(path, sizeof(path), "%s/%s", IPC_LOCAL_MBOX_DIR, user);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd != -1) {
		if (fchown(fd, acct->uid, acct->gid) == -1) {
			(void)parent_account_fail(acct, IPC_DLV_TEMPFAIL,
			    "mbox %s: chown: %s", path, strerror(errno));
			(void)unlink(path);
		}
		close(fd);
		return acct->status == IPC_DLV_OK ? 0 : -1;
	}
	if (errno != EEXIST || lstat(path, &sb) == -1)
		return parent_account_fail(acct, IPC_DLV_TEMPFAIL,
		    "mbox %s: %s", path, strerror(errno));
	if (S_ISLNK(sb.st_mode) || !S_ISREG(sb.st_mode) ||
	    sb.st_uid != acct->uid)
		return parent_account_fail(acct, IPC_DLV_TEMPFAIL, "mbox %s: "
		    "%s", path, S_ISLNK(sb.st_mode) ? "is a symbolic link" :
		    !S_ISREG(sb.st_mode) ? "not a regular file" :
		    "owned by another user");
	return 0;
}

/* parent_account_exec - become the agent: smtpd -X local, never returns */
static void __attribute__((noreturn))
parent_account_exec(const struct proc_env *env)
{
	char	*argv[6];
	int	 argc = 0;

	argv[argc++] = (char *)"smtpd";
	argv[argc++] = (char *)"-X";
	argv[argc++] = (char *)proc_role_name(PROC_LOCAL);
	if (env->debug)
		argv[argc++] = (char *)"-d";
	if (env->verbose)
		argv[argc++] = (char *)"-v";
	argv[argc] = NULL;
	execv(env->exe, argv);
	_exit(127);
}

/*
 * parent_account_child - the forked child: channel and answer pipe at
 * fixed descriptors, nothing else open beyond stdio; look up, prepare,
 * become, answer, exec
 */
static void __attribute__((noreturn))
parent_account_child(const struct parent_mda_job *job, int chan, int ans)
{
	struct parent_account	 acct;
	int			 sig, hi_chan, hi_ans, ok;

	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	if ((hi_chan = fcntl(chan, F_DUPFD, 64)) == -1 ||
	    (hi_ans = fcntl(ans, F_DUPFD_CLOEXEC, 64)) == -1 ||
	    dup2(hi_chan, proc_child_fd(PROC_LOCAL, PROC_PARENT)) == -1 ||
	    dup3(hi_ans, PARENT_ACCOUNT_ANSWER_FD, O_CLOEXEC) == -1)
		_exit(1);
	closefrom(PARENT_ACCOUNT_ANSWER_FD + 1);
	memset(&acct, 0, sizeof(acct));
	acct.status = IPC_DLV_OK;
	ok = parent_account_lookup(job, &acct) == 0 &&
	    (job->action->type != CFG_ACTION_MBOX ||
	    parent_account_mbox(job->evp.user, &acct) == 0);
	if (ok && parent_helper_become(job->evp.user, acct.uid, acct.gid,
	    job->action->userbase == NULL) == -1)
		ok = parent_account_fail(&acct, IPC_DLV_TEMPFAIL,
		    "cannot become %s", job->evp.user) == 0;
	if (write(PARENT_ACCOUNT_ANSWER_FD, &acct, sizeof(acct)) !=
	    (ssize_t)sizeof(acct) || !ok)
		_exit(0);
	parent_account_exec(job->env);
}

/*
 * parent_account_start - fork the start of an agent for the job's
 * account and action: *chan is the parent's end of the agent's channel,
 * *answer the pipe the struct parent_account arrives on; the pid, or -1
 */
pid_t
parent_account_start(const struct parent_mda_job *job, int *chan,
    int *answer)
{
	int	sp[2], p[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if (pipe2(p, O_CLOEXEC) == -1) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if ((pid = fork()) == -1) {
		close(sp[0]);
		close(sp[1]);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		parent_account_child(job, sp[1], p[1]);
	close(sp[1]);
	close(p[1]);
	*chan = sp[0];
	*answer = p[0];
	return pid;
}
