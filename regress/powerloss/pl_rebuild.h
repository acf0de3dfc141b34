/*
 * pl_rebuild.h - the disk after a power cut, made from a store
 * (pl_store.h) into a fresh directory.
 */
#ifndef PL_REBUILD_H
#define PL_REBUILD_H

#include <stddef.h>

int	pl_rebuild(int store, const char *parent, const char *name,
	    const char *out, char *err, size_t errsz);

#endif
