/*
 * spool.c - the spool's areas: their names and exact modes (spool.h).
 */
#include "spool.h"

const struct spool_dir spool_dirs[SPOOL_AREA_OFFLINE + 1] = {
	[SPOOL_AREA_INCOMING] =		{ "incoming",	0700 },
	[SPOOL_AREA_QUEUE] =		{ "queue",	0700 },
	[SPOOL_AREA_QUARANTINE] =	{ "quarantine",	0700 },
	[SPOOL_AREA_OFFLINE] =		{ "offline",	01777 },
};
