/*
 * proc.c - fork, exec and privilege drop of posthorn's roles.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "defs.h"
#include "xmalloc.h"

static const char *const proc_names[PROC_MAX] = {
	[PROC_PARENT] = "parent",
	[PROC_QUEUE] = "queue",
	[PROC_SMTPD] = "smtpd",
	[PROC_RELAY] = "relay",
	[PROC_CONTROL] = "control",
	[PROC_LOOKUP] = "lookup",
	[PROC_KEYS] = "keys",
	[PROC_LOCAL] = "local",
};

/* The roles the parent starts, their accounts and their roots. */
static const struct proc_spec proc_specs[PROC_NCHILD] = {
	{ PROC_QUEUE,	POSTHORN_QUEUE_USER,	PROC_ROOT_SPOOL },
	{ PROC_SMTPD,	POSTHORN_USER,		PROC_ROOT_EMPTY },
	{ PROC_RELAY,	POSTHORN_USER,		PROC_ROOT_EMPTY },
	{ PROC_LOOKUP,	POSTHORN_USER,		PROC_ROOT_NONE },
	{ PROC_KEYS,	POSTHORN_USER,		PROC_ROOT_EMPTY },
};

/*
 * Which roles share a channel: a symmetric relation.  The key holder
 * talks to those that make TLS handshakes, and to nobody else; a local
 * delivery agent (started by the parent when needed, not by
 * proc_spawn) only to the parent.
 */
static const unsigned proc_link_table[PROC_MAX] = {
	[PROC_PARENT] = PROC_BIT(PROC_QUEUE) | PROC_BIT(PROC_SMTPD) |
	    PROC_BIT(PROC_RELAY) | PROC_BIT(PROC_LOOKUP) |
	    PROC_BIT(PROC_KEYS) | PROC_BIT(PROC_LOCAL),
	[PROC_QUEUE] = PROC_BIT(PROC_PARENT) | PROC_BIT(PROC_SMTPD) |
	    PROC_BIT(PROC_RELAY) | PROC_BIT(PROC_LOOKUP),
	[PROC_SMTPD] = PROC_BIT(PROC_PARENT) | PROC_BIT(PROC_QUEUE) |
	    PROC_BIT(PROC_LOOKUP) | PROC_BIT(PROC_KEYS),
	[PROC_RELAY] = PROC_BIT(PROC_PARENT) | PROC_BIT(PROC_QUEUE) |
	    PROC_BIT(PROC_KEYS),
	[PROC_LOOKUP] = PROC_BIT(PROC_PARENT) | PROC_BIT(PROC_QUEUE) |
	    PROC_BIT(PROC_SMTPD),
	[PROC_KEYS] = PROC_BIT(PROC_PARENT) | PROC_BIT(PROC_SMTPD) |
	    PROC_BIT(PROC_RELAY),
	[PROC_LOCAL] = PROC_BIT(PROC_PARENT),
};

/* proc_role_name - printable role name */
const char *
proc_role_name(enum proc_role r)
{
	if ((unsigned)r >= PROC_MAX)
		return "unknown";
	return proc_names[r];
}

/* the section PROC_ENTRY fills; weak, as programs without roles have none */
extern const struct proc_main __start_proc_entries[] __attribute__((weak));
extern const struct proc_main __stop_proc_entries[] __attribute__((weak));

/*
 * proc_entries - the program's role table from its PROC_ENTRY lines,
 * ending with a NULL main; a role declared twice is a build error
 */
void
proc_entries(struct proc_main tab[PROC_MAX + 1])
{
	const struct proc_main	*e;
	size_t			 n = 0;

	for (e = __start_proc_entries; e < __stop_proc_entries; e++) {
		if (e->role >= PROC_MAX || n == PROC_MAX)
			fatalx("proc_entries: bad role %d", (int)e->role);
		tab[n++] = *e;
	}
	tab[n].role = PROC_MAX;
	tab[n].main = NULL;
}

/* proc_role_parse - role from its name; -1 if none */
int
proc_role_parse(const char *s, enum proc_role *r)
{
	int	i;

	for (i = 0; i < PROC_MAX; i++)
		if (strcmp(s, proc_names[i]) == 0) {
			*r = (enum proc_role)i;
			return 0;
		}
	return -1;
}

/* proc_links - whether two roles talk over a channel */
int
proc_links(enum proc_role a, enum proc_role b)
{
	return (proc_link_table[a] & PROC_BIT(b)) != 0;
}

/* proc_child_fd - where a child finds its channel to peer; -1 if none */
int
proc_child_fd(enum proc_role self, enum proc_role peer)
{
	int	r, n = PROC_FD_FIRST;

	if (!proc_links(self, peer))
		return -1;
	for (r = 0; r < PROC_MAX; r++) {
		if (r == (int)peer)
			return n;
		if (proc_links(self, (enum proc_role)r))
			n++;
	}
	return -1;
}

/* proc_devmode - started by an ordinary user: no chroot, no setuid */
int
proc_devmode(void)
{
	return geteuid() != 0;
}

/* proc_spec - the account and root of a role the parent starts */
const struct proc_spec *
proc_spec(enum proc_role r)
{
	size_t	i;

	for (i = 0; i < PROC_NCHILD; i++)
		if (proc_specs[i].role == r)
			return &proc_specs[i];
	panic("proc_spec: role %d is not started by the parent", (int)r);
}

/* proc_spawned - the parent, or a role proc_spawn starts */
static int
proc_spawned(enum proc_role r)
{
	size_t	i;

	for (i = 0; i < PROC_NCHILD; i++)
		if (proc_specs[i].role == r)
			return 1;
	return r == PROC_PARENT;
}

/*
 * proc_exec_child - in the forked child: move the channels to their
 * fixed numbers, close everything else, exec the program for the role
 * (with the secret in its environment when it is the role's).
 */
static void
proc_exec_child(enum proc_role role, int fds[PROC_MAX], const char *exe,
    char *const *extra, const struct proc_secret *secret)
{
	char	*argv[64];
	int	 r, hi[PROC_MAX], argc = 0, i;

	for (r = 0; r < PROC_MAX; r++) {
		hi[r] = -1;
		if (fds[r] != -1 &&
		    (hi[r] = fcntl(fds[r], F_DUPFD, 64 + r)) == -1)
			_exit(127);
	}
	for (r = 0; r < PROC_MAX; r++)
		if (hi[r] != -1 && dup2(hi[r], proc_child_fd(role,
		    (enum proc_role)r)) == -1)
			_exit(127);
	closefrom(PROC_FD_FIRST + __builtin_popcount(proc_link_table[role]));
	signal(SIGPIPE, SIG_DFL);
	argv[argc++] = (char *)"smtpd";
	argv[argc++] = (char *)"-X";
	argv[argc++] = (char *)proc_role_name(role);
	for (i = 0; extra && extra[i] && argc < 63; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	if (secret != NULL && secret->role == role && secret->entry != NULL &&
	    putenv((char *)secret->entry) != 0)
		_exit(127);
	execv(exe, argv);
	_exit(127);
}

/*
 * proc_spawn - start every role of the table (the caller is the parent):
 * one socketpair per linked pair, fork, exec.  children[i] receives the
 * parent's end of each child's channel, in table order.  secret (or
 * NULL) goes into the environment of its role alone.
 */
int
proc_spawn(const char *exe, char *const *extra,
    const struct proc_secret *secret, struct proc_child children[PROC_NCHILD])
{
	int	pair[PROC_MAX][PROC_MAX][2], fds[PROC_MAX];
	int	a, b;
	size_t	i;
	pid_t	pid;

	for (a = 0; a < PROC_MAX; a++)
		for (b = 0; b < PROC_MAX; b++)
			pair[a][b][0] = pair[a][b][1] = -1;
	for (a = 0; a < PROC_MAX; a++)
		for (b = a + 1; b < PROC_MAX; b++) {
			if (!proc_links(a, b) || !proc_spawned(a) ||
			    !proc_spawned(b))
				continue;
			if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
			    0, pair[a][b]) == -1)
				fatal("proc_spawn: socketpair");
			pair[b][a][0] = pair[a][b][1];
			pair[b][a][1] = pair[a][b][0];
		}
	for (i = 0; i < PROC_NCHILD; i++) {
		a = proc_specs[i].role;
		for (b = 0; b < PROC_MAX; b++)
			fds[b] = pair[a][b][0];
		if ((pid = fork()) == -1)
			fatal("proc_spawn: fork");
		if (pid == 0)
			proc_exec_child(a, fds, exe, extra, secret);
		children[i].role = a;
		children[i].pid = pid;
		children[i].fd = pair[PROC_PARENT][a][0];
	}
	for (a = 1; a < PROC_MAX; a++)
		for (b = 0; b < PROC_MAX; b++)
			if (pair[a][b][0] != -1)
				close(pair[a][b][0]);
	return 0;
}

/* proc_verify_drop - prove the drop took: ids, groups, no way back */
static void
proc_verify_drop(const struct passwd *pw, const char *root)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid, groups[2];
	char	cwd[8];

	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		fatal("proc_verify_drop: getres[ug]id");
	if (ruid != pw->pw_uid || euid != pw->pw_uid || suid != pw->pw_uid ||
	    rgid != pw->pw_gid || egid != pw->pw_gid || sgid != pw->pw_gid)
		fatalx("proc_verify_drop: ids not dropped to %s", pw->pw_name);
	if (getgroups(2, groups) != 1 || groups[0] != pw->pw_gid)
		fatalx("proc_verify_drop: supplementary groups remain");
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("proc_verify_drop: could regain root");
	if (root != NULL && (getcwd(cwd, sizeof(cwd)) == NULL ||
	    strcmp(cwd, "/") != 0))
		fatalx("proc_verify_drop: not at the root of %s", root);
}

/*
 * proc_priv_drop - take the role's account and root directory.  In
 * development mode (not started as root) it changes nothing but the
 * working directory, and says so once.
 */
void
proc_priv_drop(enum proc_role role, const char *spool, const char *empty)
{
	const struct proc_spec	*spec = proc_spec(role);
	struct passwd		*pw;
	const char		*root = NULL;

	if (spec->root == PROC_ROOT_SPOOL)
		root = spool;
	else if (spec->root == PROC_ROOT_EMPTY)
		root = empty;
	if (proc_devmode()) {
		if (root != NULL && chdir(root) == -1)
			fatal("proc_priv_drop: chdir %s", root);
		return;
	}
	if ((pw = getpwnam(spec->user)) == NULL)
		fatalx("proc_priv_drop: unknown account %s", spec->user);
#ifdef __SANITIZE_ADDRESS__
	/* a sanitizer build opens its report file while the path resolves */
	(void)__sanitizer_get_report_path();
#endif
	if (root != NULL && (chroot(root) == -1 || chdir("/") == -1))
		fatal("proc_priv_drop: chroot %s", root);
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("proc_priv_drop: cannot become %s", spec->user);
	proc_verify_drop(pw, root);
}

/* proc_on_term - the default SIGTERM of a role: leave the event loop */
static void
proc_on_term(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	ev_exit();
}

/*
 * proc_child_start - what every role does first: take its account and
 * root, ignore the signals the parent handles for it, and stop on
 * SIGTERM (on_term, or leaving the event loop when NULL).
 */
void
proc_child_start(enum proc_role role, const char *spool,
    void (*on_term)(evutil_socket_t, short, void *), void *arg)
{
	char		 empty[PATH_MAX_CFG + 16];
	struct event	*ev;

	snprintf(empty, sizeof(empty), "%s/%s", spool, SPOOL_EMPTY_DIR);
	proc_priv_drop(role, spool, empty);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	ev = evsignal_new(ev_base(), SIGTERM, on_term ? on_term : proc_on_term,
	    arg);
	if (ev == NULL || evsignal_add(ev, NULL) == -1)
		fatalx("proc_child_start: SIGTERM handler");
}

/*
 * proc_channel - a role's channel to peer, at its fixed descriptor.
 * Losing another child is left to the parent to act upon.
 */
struct ipc *
proc_channel(enum proc_role self, enum proc_role peer,
    const struct ipc_handler *handlers, void *arg)
{
	struct ipc	*c;

	c = ipc_new(proc_child_fd(self, peer), self, peer, IPC_TRUST_PEER,
	    handlers, arg);
	if (peer != PROC_PARENT)
		ipc_set_close_cb(c, ipc_on_sibling_lost);
	return c;
}
