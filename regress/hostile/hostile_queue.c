/*
 * hostile_queue.c - a compromised queue.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ev.h"
#include "hostile.h"
#include "xmalloc.h"

/*
 * Where root writes at the next start, seen from the queue's root (the
 * spool): what the older layout let the queue replace with a link.
 */
static const char *const hostile_queue_plant_links[] = {
	"run/smtpd.pid", "run/control.sock", "run/enqueue.sock", "run/new",
	"smtpd.pid", "control.sock", "enqueue.sock", "version", "empty/new",
};
/* root's directories, which the queue would swap for a link */
static const char *const hostile_queue_plant_dirs[] = {
	"empty", "run",
};

/* hostile_queue_plant_log - one attempt and how it went */
static int
hostile_queue_plant_log(const char *path, int rv)
{
	hostile_log("event=plant path=%s result=%s%s%s", path,
	    rv == 0 ? "planted" : "refused", rv == 0 ? "" : " errno=",
	    rv == 0 ? "" : strerror(errno));
	return rv == 0;
}

/* hostile_queue_plant_link - replace path with a link to target */
static int
hostile_queue_plant_link(const char *target, const char *path)
{
	(void)unlink(path);
	return hostile_queue_plant_log(path, symlink(target, path));
}

/* hostile_queue_plant_dir - move a directory away, a link in its place */
static int
hostile_queue_plant_dir(const char *target, const char *path)
{
	char	aside[64];

	snprintf(aside, sizeof(aside), "%s.old", path);
	if (rename(path, aside) == -1)
		return hostile_queue_plant_log(path, -1);
	return hostile_queue_plant_log(path, symlink(target, path));
}

/* hostile_queue_plant_mode - open one of root's directories to all */
static int
hostile_queue_plant_mode(const char *path)
{
	char	what[64];

	snprintf(what, sizeof(what), "chmod:%s", path);
	return hostile_queue_plant_log(what, chmod(path, 0777));
}

/*
 * hostile_queue_plant - links to PH_HOSTILE_ARG wherever root would
 * write at the next start; each attempt is logged, then the count.  A
 * link in the queue's own area is allowed and logged apart: root must
 * never follow it.
 */
static void
hostile_queue_plant(struct hostile *h)
{
	size_t	i, n = 0, planted = 0;

	for (i = 0; i < sizeof(hostile_queue_plant_links) /
	    sizeof(hostile_queue_plant_links[0]); i++, n++)
		planted += hostile_queue_plant_link(h->arg,
		    hostile_queue_plant_links[i]);
	for (i = 0; i < sizeof(hostile_queue_plant_dirs) /
	    sizeof(hostile_queue_plant_dirs[0]); i++, n++)
		planted += hostile_queue_plant_dir(h->arg,
		    hostile_queue_plant_dirs[i]);
	for (i = 0; i < sizeof(hostile_queue_plant_dirs) /
	    sizeof(hostile_queue_plant_dirs[0]); i++, n++)
		planted += hostile_queue_plant_mode(
		    hostile_queue_plant_dirs[i]);
	n++;
	planted += hostile_queue_plant_mode(".");
	hostile_log("event=plant-own path=queue/planted result=%s",
	    symlink(h->arg, "queue/planted") == 0 ? "planted" : "refused");
	hostile_log("event=plant-done tries=%zu planted=%zu", n, planted);
}

/* the descriptors the exhaust scenario holds */
static struct {
	int	*v;
	size_t	 n;
	int	 leave;		/* descriptors left free */
} hostile_queue_hoard;

/*
 * hostile_queue_on_hoard - SIGUSR1: take every free descriptor of the
 * queue but the last few (PH_HOSTILE_ARG, default 2)
 */
static void
hostile_queue_on_hoard(evutil_socket_t sig, short what, void *arg)
{
	int	fd, i;

	(void)sig;
	(void)what;
	(void)arg;
	while ((fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0)) != -1) {
		hostile_queue_hoard.v = xreallocarray(hostile_queue_hoard.v,
		    hostile_queue_hoard.n + 1, sizeof(int));
		hostile_queue_hoard.v[hostile_queue_hoard.n++] = fd;
	}
	for (i = 0; i < hostile_queue_hoard.leave &&
	    hostile_queue_hoard.n > 0; i++)
		close(hostile_queue_hoard.v[--hostile_queue_hoard.n]);
	hostile_log("event=exhausted held=%zu free=%d",
	    hostile_queue_hoard.n, i);
}

/* hostile_queue_on_release - SIGUSR2: give every descriptor back */
static void
hostile_queue_on_release(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	while (hostile_queue_hoard.n > 0)
		close(hostile_queue_hoard.v[--hostile_queue_hoard.n]);
	hostile_log("event=released");
}

/*
 * hostile_queue_exhaust - not an attack but the queue's own descriptors
 * used up, as a busy queue may find them: the real queue runs, and
 * SIGUSR1 takes all its free descriptors but a few, SIGUSR2 gives them
 * back
 */
static void
hostile_queue_exhaust(struct hostile *h)
{
	hostile_queue_hoard.leave = h->arg[0] ? atoi(h->arg) : 2;
	hostile_on_signal(SIGUSR1, hostile_queue_on_hoard, NULL);
	hostile_on_signal(SIGUSR2, hostile_queue_on_release, NULL);
}

const struct hostile_scenario hostile_queue_scenarios[] = {
	{ "plant",	PROC_QUEUE, HOSTILE_ALONE, hostile_queue_plant },
	{ "exhaust",	PROC_QUEUE, HOSTILE_INLINE, hostile_queue_exhaust },
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
