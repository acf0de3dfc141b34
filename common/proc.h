/*
 * proc.h - the privilege-separation runner.
 *
 * The parent forks and re-executes the program once per role (a fresh
 * address space for each), wiring socketpairs between the roles that
 * talk (proc_links).  In a child, channel descriptors sit at fixed
 * numbers derived from the same table, and proc_priv_drop() takes the
 * role's account and root directory, then verifies both.
 */
#ifndef POSTHORN_PROC_H
#define POSTHORN_PROC_H

#include <sys/types.h>

#include <time.h>

#include "proc_role.h"

enum proc_root {
	PROC_ROOT_NONE,		/* keep the file system view */
	PROC_ROOT_EMPTY,	/* chroot to an empty directory */
	PROC_ROOT_SPOOL		/* chroot to the spool */
};

struct proc_spec {
	enum proc_role	 role;
	const char	*user;		/* account to become when root */
	enum proc_root	 root;
};

struct proc_child {
	enum proc_role	 role;
	pid_t		 pid;
	int		 fd;		/* parent's end of the channel */
};

#define PROC_FD_FIRST	3	/* a child's first channel descriptor */
#define PROC_NCHILD	5	/* roles the parent starts: queue, smtpd,
				 * deliver, lookup, keys */

struct cfg;

/* An environment entry that one role alone inherits (a secret). */
struct proc_secret {
	enum proc_role	 role;
	const char	*entry;		/* "NAME=VALUE"; NULL: none */
};

/* What every role's main gets: the loaded configuration and the options. */
struct proc_env {
	const struct cfg	*cfg;
	const char		*conf;		/* configuration file */
	char *const		*defines;	/* -D name=value, NULL-terminated */
	int			 debug;		/* -d: foreground, stderr */
	int			 verbose;	/* -v */
	const char		*spool;		/* queue path */
	const char		*exe;		/* this program, for re-exec */
	time_t			 started;
	char			*queue_key;	/* the parent's: the queue's
						 * key from the environment,
						 * wiped once it is started */
};

/* A role's entry point, as the program's table lists it. */
struct proc_main {
	enum proc_role	  role;
	int		(*main)(struct proc_env *);
};

/*
 * PROC_ENTRY(ROLE, FN) - names FN as ROLE's entry point, next to FN's
 * definition.  The linker gathers every entry of a program into one
 * section, which proc_entries() reads, so no file has to include every
 * process's header to build the table; the Makefile names the entry
 * points a program is made of (ROLES).
 */
#define PROC_ENTRY(r, fn)						\
	static const struct proc_main proc_entry_##fn			\
	    __attribute__((used, section("proc_entries"),		\
	    aligned(sizeof(void *)))) = { (r), (fn) }

void	 proc_entries(struct proc_main tab[PROC_MAX + 1]);
int	 proc_links(enum proc_role, enum proc_role);
int	 proc_child_fd(enum proc_role self, enum proc_role peer);
int	 proc_spawn(const char *exe, char *const *extra_args,
	    const struct proc_secret *, struct proc_child children[PROC_NCHILD]);
int	 proc_devmode(void);
void	 proc_priv_drop(enum proc_role, const char *spool, const char *empty);
const struct proc_spec *proc_spec(enum proc_role);

struct ipc;
struct ipc_handler;
void	 proc_child_start(enum proc_role, const char *spool,
	    void (*)(int, short, void *), void *);
struct ipc *proc_channel(enum proc_role self, enum proc_role peer,
	    const struct ipc_handler *, void *);

#endif
