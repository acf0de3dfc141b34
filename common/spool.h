/*
 * spool.h - the spool's top level, shared by the root parent that
 * creates it at start (smtpd/parent/parent_spool.c) and the queue that
 * stores mail in it (queue/queue/qstore.c, which describes the layout).
 */
#ifndef POSTHORN_SPOOL_H
#define POSTHORN_SPOOL_H

#include <sys/types.h>

enum spool_area {
	SPOOL_AREA_INCOMING,
	SPOOL_AREA_QUEUE,
	SPOOL_AREA_QUARANTINE,
	SPOOL_AREA_OFFLINE
};

/*
 * The version file and one directory per area, all created by the root
 * parent at start, since the queue may not write the spool directory
 * itself; qstore_open creates what is missing where it may (a spool the
 * caller owns).
 */
#define SPOOL_VERSION_FILE	"version"
#define SPOOL_VERSION_TEXT	"posthorn spool 1\n"

struct spool_dir {
	const char	*name;
	mode_t		 mode;		/* exact, sticky bit included */
};

/* indexed by enum spool_area */
extern const struct spool_dir spool_dirs[SPOOL_AREA_OFFLINE + 1];

#endif
