/*
 * sched.h - the scheduler: which envelope is tried when.
 *
 * Every queued envelope has a small entry here, grouped by destination
 * (the recipient's domain for relay actions, the action for local ones).
 * sched_next hands out work in round-robin order over the destinations,
 * within a total and a per-destination limit of deliveries in flight, so
 * a slow or dead destination never starves the others.  A local action's
 * limit is higher than a relay domain's: the parent hands several
 * deliveries at once to each account's agent, which syncs its Maildir
 * once for all of them.  The scheduler
 * keeps no envelope bodies and does no I/O: time is always passed in.
 *
 * `mta max-deferred N`: after a relay delivery to a destination failed
 * temporarily there (sched_defer, then sched_dest_suspend), that
 * destination is suspended until the failed envelope's next try.  Up to N of its other envelopes that come
 * due meanwhile are held instead of being tried one by one; they all
 * become due when a delivery to the destination succeeds
 * (sched_dest_ok) or when its retry time comes.  Envelopes beyond N
 * keep their own schedule; local deliveries are never held.
 *
 * An envelope on hold (ENVELOPE_F_HOLD, a milter's quarantine) is never
 * tried, not even by sched_schedule: it waits for its expiry alone,
 * unless sched_release lets it go.
 */
#ifndef POSTHORN_SCHED_H
#define POSTHORN_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

#define SCHED_RETRY_FIRST	60	/* seconds before the first retry */
#define SCHED_RETRY_MAX		3600	/* the retry interval's cap */
#define SCHED_INFLIGHT_MAX	64	/* deliveries at once, in total */
#define SCHED_DEST_INFLIGHT_MAX	8	/* the same, per relay destination */
#define SCHED_LOCAL_INFLIGHT_MAX 32	/* the same, per local action */
#define SCHED_WARN_MAX		4	/* delay notices per envelope */

enum sched_kind {
	SCHED_KIND_LOCAL,		/* handed to the parent (mda) */
	SCHED_KIND_RELAY		/* handed to the relay worker (mta) */
};

enum sched_job {
	SCHED_JOB_NONE,			/* nothing due now */
	SCHED_JOB_DELIVER,		/* try it; it is now in flight */
	SCHED_JOB_EXPIRE,		/* its ttl is over: bounce and remove */
	SCHED_JOB_WARN			/* send a delay notice, sched_warned */
};

struct sched_conf {
	size_t		inflight_max;
	size_t		dest_inflight_max;
	size_t		local_inflight_max;
	int64_t		warn[SCHED_WARN_MAX];	/* after ctime, ascending */
	size_t		nwarn;
	size_t		max_deferred;	/* held per relay destination */
};

/* What the scheduler knows of one envelope (show queue, show envelope). */
struct sched_info {
	uint64_t	evpid;
	enum sched_kind	kind;
	int		inflight;
	int		held;		/* waiting for its destination */
	int		onhold;		/* ENVELOPE_F_HOLD: until released */
	int64_t		nexttry;
	int64_t		expire;
	uint32_t	retry;
	uint32_t	warn;
	const char	*dest;
};

struct sched;

struct sched	*sched_new(const struct sched_conf *);
void		 sched_free(struct sched *);
int		 sched_insert(struct sched *, const struct envelope *,
		    enum sched_kind);
int		 sched_remove(struct sched *, uint64_t evpid);
int		 sched_defer(struct sched *, uint64_t evpid, int64_t nexttry,
		    uint32_t retry);
int		 sched_warned(struct sched *, uint64_t evpid, uint32_t warn);
int		 sched_postpone(struct sched *, uint64_t evpid, int64_t until);
size_t		 sched_shift(struct sched *, int64_t delta);
int		 sched_dest_suspend(struct sched *, uint64_t evpid);
size_t		 sched_dest_ok(struct sched *, uint64_t evpid, int64_t now);
size_t		 sched_held(const struct sched *);
int		 sched_schedule(struct sched *, uint64_t evpid, int64_t now);
size_t		 sched_schedule_all(struct sched *, int64_t now);
int		 sched_release(struct sched *, uint64_t evpid, int64_t now);
void		 sched_pause(struct sched *, enum sched_kind, int paused);
enum sched_job	 sched_next(struct sched *, int64_t now, uint64_t *evpid);
int64_t		 sched_wakeup(const struct sched *);
int		 sched_info(const struct sched *, uint64_t evpid,
		    struct sched_info *);
int		 sched_walk(const struct sched *, uint32_t msgid,
		    int (*cb)(const struct sched_info *, void *), void *arg);
size_t		 sched_count(const struct sched *);
size_t		 sched_inflight(const struct sched *);

int64_t		 sched_retry_delay(uint32_t retry);
int		 sched_dest_key(const struct envelope *, enum sched_kind,
		    char *buf, size_t bufsz);

#endif
