/*
 * lookup_fproc.h - the filter processes as the lookup holds them
 * (lookup_fproc.c) and the filter chains that ask them
 * (lookup_fchain.c).
 */
#ifndef POSTHORN_LOOKUP_FPROC_H
#define POSTHORN_LOOKUP_FPROC_H

#include <sys/types.h>

#include <stdint.h>

#include "buf.h"
#include "cfg.h"
#include "ipc.h"

struct bufferevent;
struct lookup;
struct lookup_fprocs;

/* one filter process of the configuration */
struct lookup_fproc {
	const struct cfg_fproc	*cfg;
	struct lookup_fprocs	*fps;
	uint32_t		 generation;	/* 0: never started */
	uint32_t		 pid;
	struct bufferevent	*bev;		/* NULL: down */
	int			 ready;		/* register|ready seen */
	uint32_t		 filters;	/* registered phases, bits */
	uint32_t		 reports;	/* registered events, bits */
};

struct lookup_fprocs {
	struct lookup_fproc	*v;		/* by index */
	size_t			 n;
};

struct lookup_fprocs	*lookup_fproc_new(const struct cfg *);
struct lookup_fproc	*lookup_fproc_of(struct lookup_fprocs *,
			    const struct cfg_fproc *);
void			 lookup_fproc_down(struct lookup_fproc *,
			    const char *why);
int			 lookup_fproc_write(struct lookup_fproc *,
			    const struct buf *);
void			 lookup_fproc_on_start(struct ipc *, uint32_t, int,
			    const void *, void *);

/* lookup_fchain.c */
void	lookup_fchain_proc_down(struct lookup_fproc *);
int	lookup_fchain_result(struct lookup_fproc *, const char *line);

#endif
