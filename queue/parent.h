/*
 * parent.h - the root parent's private interfaces.
 */
#ifndef POSTHORN_PARENT_H
#define POSTHORN_PARENT_H

#include <sys/types.h>

#include <stdint.h>

#include "defs.h"
#include "ipc.h"

struct cfg;

struct parent_sock {
	int		fd;
	uint32_t	flags;		/* IPC_LSN_* */
	size_t		index;		/* listener in the configuration */
	char		name[HOST_MAX];
};

struct parent_socks {
	struct parent_sock	*v;
	size_t			 n;
};

/* The spool as the parent holds it (parent_spool.c). */
struct parent_spool {
	char	path[PATH_MAX_CFG];		/* the spool */
	char	run[PATH_MAX_CFG + 8];		/* its run/, for bind(2) */
	int	fd;				/* the spool directory */
	int	runfd;				/* run/ */
	uid_t	root_uid;			/* root, or the developer */
	gid_t	root_gid;			/* (gid_t)-1: any */
	uid_t	queue_uid;			/* _posthornq, or the developer */
	gid_t	queue_gid;
};

int	parent_listen_all(const struct cfg *, struct parent_socks *, char *,
	    size_t);
int	parent_listen_local(struct parent_socks *, const struct parent_spool *,
	    char *, size_t);
int	parent_listen_unix(const struct parent_spool *, const char *name, int,
	    mode_t, char *, size_t);

int	parent_spool_prepare(struct parent_spool *, const char *path, char *,
	    size_t);
int	parent_spool_pidfile(struct parent_spool *, char *, size_t);
void	parent_spool_cleanup(struct parent_spool *);

/*
 * parent_mda.c: MSG_MDA_RUN.  Like every handler of parent.c's tables it
 * gets parent.c's struct parent as arg, whose first member must stay the
 * struct proc_env pointer.
 */
void	parent_on_mda_run(struct ipc *, uint32_t, int, const void *, void *);

/* parent_lookup.c: requests of the lookup process */
extern const struct ipc_handler parent_lookup_handlers[];

#endif
