/*
 * parent.h - the root parent's private interfaces.
 */
#ifndef POSTHORN_PARENT_H
#define POSTHORN_PARENT_H

#include <sys/types.h>

#include <stdint.h>

#include "defs.h"
#include "ipc.h"

/* Inside the spool (the parent's working directory). */
#define SPOOL_CONTROL_SOCK	"control.sock"
#define SPOOL_PIDFILE		"smtpd.pid"
#define SPOOL_EMPTY_DIR	"empty"

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

int	parent_listen_all(const struct cfg *, struct parent_socks *, char *,
	    size_t);
int	parent_listen_local(struct parent_socks *, const char *, char *,
	    size_t);
int	parent_listen_unix(const char *, int, mode_t, char *, size_t);
int	parent_spool_prepare(const char *spool, char *, size_t);

/*
 * parent_mda.c: MSG_MDA_RUN.  Like every handler of parent.c's tables it
 * gets parent.c's struct parent as arg, whose first member must stay the
 * struct proc_env pointer.
 */
void	parent_on_mda_run(struct ipc *, uint32_t, int, const void *, void *);

/* parent_lookup.c: requests of the lookup process */
extern const struct ipc_handler parent_lookup_handlers[];

#endif
