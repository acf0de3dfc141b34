/*
 * pl_store.h - the durable store of the power-loss model: what a power
 * cut would leave of the files and directories a run has synced.
 *
 * The store is one directory:
 *
 *	ctl			the shared control page (struct pl_ctl),
 *				mapped by every process of the run
 *	i.<dev>.<ino>		the inode's incarnation: a number given
 *				when a file or directory was created in
 *				the run (none: it predates the run, 0)
 *	f.<dev>.<ino>.<inc>	a regular file's content as of its last
 *				fsync/fdatasync (or syncfs)
 *	d.<dev>.<ino>.<inc>	a directory's entries as of its last fsync,
 *				one "dev ino inc mode uid gid name" line
 *				each
 *	error			why a sync could not be recorded (the
 *				rebuild refuses a store that has one)
 *
 * Records are written to a temporary name and renamed into place, so a
 * process killed while it records leaves the previous record whole.
 * The incarnation keeps apart two files that had the same inode one
 * after the other: a durable entry still names the first one's record
 * after the second took its inode.
 */
#ifndef PL_STORE_H
#define PL_STORE_H

#include <sys/types.h>

#include <stdint.h>

#define PL_CTL_MAGIC	0x706c3031u	/* "pl01" */
#define PL_FD		1000		/* the store's descriptor in a run */

/* the control page shared by every process of a run */
struct pl_ctl {
	uint32_t	magic;
	uint32_t	limit;		/* the power fails at this sync; 0 never */
	uint32_t	count;		/* sync calls seen so far */
	uint32_t	frozen;		/* 1: the power is off, syncs block */
	uint32_t	births;		/* the last incarnation given */
};

/* a record taken before a sync, kept once the sync succeeded */
struct pl_store_rec {
	char	tmp[64];
	char	final[80];
};

int	pl_store_init(const char *dir, uint32_t limit);
struct pl_ctl *pl_store_map(int store);
int	pl_store_snap(int store, int fd, struct pl_store_rec *);
int	pl_store_keep(int store, const struct pl_store_rec *, int ok);
int	pl_store_record(int store, int fd);
int	pl_store_record_tree(int store, int fd);
void	pl_store_born(int store, struct pl_ctl *, dev_t dev, ino_t ino);
unsigned pl_store_inc(int store, dev_t dev, ino_t ino);
void	pl_store_error(int store, const char *what, int err);

#endif
