/*
 * sched.c - the scheduler: per-envelope timing in memory, grouped by
 * destination, handed out round-robin within in-flight limits.
 *
 * Each entry waits in its destination's tree ordered by its due time,
 * the earliest of its next try, its expiry and its next delay notice.
 * Destinations sit on a ring; sched_next walks the ring from the head,
 * takes the first due entry of a destination that has a free slot, and
 * moves that destination to the tail, so every destination gets its
 * turn whatever the others hold.
 *
 * A relay destination whose delivery failed temporarily is suspended
 * until retry_at; entries of it that come due meanwhile are held (at
 * most conf.max_deferred): they wait in the tree with their next try
 * moved to retry_at and sit on the destination's held list, so a
 * success (sched_dest_ok) can release them all at once.
 */
#include <sys/queue.h>
#include <sys/tree.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sched.h"
#include "xmalloc.h"

struct sched_dest;

struct sched_entry {
	RB_ENTRY(sched_entry)	 byid;
	RB_ENTRY(sched_entry)	 bydue;
	TAILQ_ENTRY(sched_entry) hold;
	uint64_t		 evpid;
	struct sched_dest	*dest;
	int			 inflight;
	int			 held;
	int			 onhold;	/* ENVELOPE_F_HOLD */
	int			 warnable;	/* delay notices wanted */
	int64_t			 ctime;
	int64_t			 nexttry;
	int64_t			 expire;
	int64_t			 due;
	uint32_t		 retry;
	uint32_t		 warn;		/* notices sent */
};

RB_HEAD(sched_byid, sched_entry);
RB_HEAD(sched_bydue, sched_entry);

struct sched_dest {
	RB_ENTRY(sched_dest)	 byname;
	TAILQ_ENTRY(sched_dest)	 ring;
	struct sched_bydue	 waiting;
	TAILQ_HEAD(, sched_entry) heldq;
	enum sched_kind		 kind;
	size_t			 inflight;
	size_t			 count;
	size_t			 held;
	int64_t			 retry_at;	/* suspended until, or 0 */
	char			 name[HOST_MAX + 2];
};

RB_HEAD(sched_dests, sched_dest);

struct sched {
	struct sched_conf		conf;
	struct sched_byid		entries;
	struct sched_dests		dests;
	TAILQ_HEAD(, sched_dest)	ring;
	size_t				count;
	size_t				inflight;
	size_t				held;
	int				paused[2];
};

/* sched_byid_cmp - order entries by envelope id */
static int
sched_byid_cmp(const struct sched_entry *a, const struct sched_entry *b)
{
	return a->evpid < b->evpid ? -1 : a->evpid > b->evpid;
}

/* sched_bydue_cmp - order entries by due time, then id */
static int
sched_bydue_cmp(const struct sched_entry *a, const struct sched_entry *b)
{
	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	return sched_byid_cmp(a, b);
}

/* sched_dest_cmp - order destinations by name */
static int
sched_dest_cmp(const struct sched_dest *a, const struct sched_dest *b)
{
	return strcmp(a->name, b->name);
}

RB_PROTOTYPE(sched_byid, sched_entry, byid, sched_byid_cmp);
RB_PROTOTYPE(sched_bydue, sched_entry, bydue, sched_bydue_cmp);
RB_PROTOTYPE(sched_dests, sched_dest, byname, sched_dest_cmp);
RB_GENERATE(sched_byid, sched_entry, byid, sched_byid_cmp);
RB_GENERATE(sched_bydue, sched_entry, bydue, sched_bydue_cmp);
RB_GENERATE(sched_dests, sched_dest, byname, sched_dest_cmp);

/* sched_retry_delay - seconds before try retry+1: 1m, 2m, 4m ... 1h */
int64_t
sched_retry_delay(uint32_t retry)
{
	int64_t	d = SCHED_RETRY_FIRST;

	if (retry == 0)
		return 0;
	while (--retry > 0 && d < SCHED_RETRY_MAX)
		d *= 2;
	return d > SCHED_RETRY_MAX ? SCHED_RETRY_MAX : d;
}

/*
 * sched_dest_key - the destination an envelope is grouped under: "@"
 * and the action for local deliveries, the lowercased domain of dest
 * for relay; -1 if it does not fit.
 */
int
sched_dest_key(const struct envelope *evp, enum sched_kind kind, char *buf,
    size_t bufsz)
{
	const char	*at;
	size_t		 i;

	if (kind == SCHED_KIND_LOCAL) {
		if (strlcpy(buf, "@", bufsz) >= bufsz ||
		    strlcat(buf, evp->dispatcher, bufsz) >= bufsz)
			return -1;
		return 0;
	}
	at = strrchr(evp->dest, '@');
	if (strlcpy(buf, at ? at + 1 : "", bufsz) >= bufsz)
		return -1;
	for (i = 0; buf[i] != '\0'; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return 0;
}

/* sched_new - an empty scheduler with these limits and notice delays */
struct sched *
sched_new(const struct sched_conf *conf)
{
	struct sched	*s;

	s = xcalloc(1, sizeof(*s));
	s->conf = *conf;
	if (s->conf.inflight_max == 0)
		s->conf.inflight_max = SCHED_INFLIGHT_MAX;
	if (s->conf.dest_inflight_max == 0)
		s->conf.dest_inflight_max = SCHED_DEST_INFLIGHT_MAX;
	if (s->conf.local_inflight_max == 0)
		s->conf.local_inflight_max = SCHED_LOCAL_INFLIGHT_MAX;
	if (s->conf.nwarn > SCHED_WARN_MAX)
		s->conf.nwarn = SCHED_WARN_MAX;
	RB_INIT(&s->entries);
	RB_INIT(&s->dests);
	TAILQ_INIT(&s->ring);
	return s;
}

/* sched_free - release the scheduler and every entry */
void
sched_free(struct sched *s)
{
	struct sched_entry	*e;
	struct sched_dest	*d;

	if (s == NULL)
		return;
	while ((e = RB_MIN(sched_byid, &s->entries)) != NULL) {
		RB_REMOVE(sched_byid, &s->entries, e);
		free(e);
	}
	while ((d = RB_MIN(sched_dests, &s->dests)) != NULL) {
		RB_REMOVE(sched_dests, &s->dests, d);
		free(d);
	}
	free(s);
}

/* sched_find - an entry by envelope id, or NULL */
static struct sched_entry *
sched_find(const struct sched *s, uint64_t evpid)
{
	struct sched_entry	key;

	key.evpid = evpid;
	return RB_FIND(sched_byid, (struct sched_byid *)&s->entries, &key);
}

/* sched_dest_get - the destination named key, created when missing */
static struct sched_dest *
sched_dest_get(struct sched *s, const char *key, enum sched_kind kind)
{
	struct sched_dest	*d, find;

	strlcpy(find.name, key, sizeof(find.name));
	if ((d = RB_FIND(sched_dests, &s->dests, &find)) != NULL)
		return d;
	d = xcalloc(1, sizeof(*d));
	strlcpy(d->name, key, sizeof(d->name));
	d->kind = kind;
	RB_INIT(&d->waiting);
	TAILQ_INIT(&d->heldq);
	RB_INSERT(sched_dests, &s->dests, d);
	TAILQ_INSERT_TAIL(&s->ring, d, ring);
	return d;
}

/* sched_dest_put - drop a destination nothing refers to any more */
static void
sched_dest_put(struct sched *s, struct sched_dest *d)
{
	if (d->count != 0)
		return;
	RB_REMOVE(sched_dests, &s->dests, d);
	TAILQ_REMOVE(&s->ring, d, ring);
	free(d);
}

/* sched_warn_at - when the entry's next delay notice is due, or 0 */
static int64_t
sched_warn_at(const struct sched *s, const struct sched_entry *e)
{
	if (!e->warnable || e->retry == 0 || e->warn >= s->conf.nwarn)
		return 0;
	return e->ctime + s->conf.warn[e->warn];
}

/* sched_wait - (re)compute the due time and queue the entry */
static void
sched_wait(struct sched *s, struct sched_entry *e)
{
	int64_t	w;

	e->due = e->nexttry < e->expire && !e->onhold ? e->nexttry :
	    e->expire;			/* one on hold only expires */
	if (!e->onhold && (w = sched_warn_at(s, e)) != 0 && w < e->due)
		e->due = w;
	e->inflight = 0;
	RB_INSERT(sched_bydue, &e->dest->waiting, e);
}

/* sched_unwait - take a waiting entry out of its destination's tree */
static void
sched_unwait(struct sched_entry *e)
{
	if (!e->inflight)
		RB_REMOVE(sched_bydue, &e->dest->waiting, e);
}

/* sched_unhold - the entry no longer waits for its destination */
static void
sched_unhold(struct sched *s, struct sched_entry *e)
{
	if (!e->held)
		return;
	TAILQ_REMOVE(&e->dest->heldq, e, hold);
	e->held = 0;
	e->dest->held--;
	s->held--;
}

/*
 * sched_insert - add a queued envelope (as loaded or just committed);
 * one already known is refused with -1.
 */
int
sched_insert(struct sched *s, const struct envelope *evp,
    enum sched_kind kind)
{
	struct sched_entry	*e;
	char			 key[HOST_MAX + 2];

	if (sched_find(s, evp->evpid) != NULL ||
	    sched_dest_key(evp, kind, key, sizeof(key)) == -1)
		return -1;
	e = xcalloc(1, sizeof(*e));
	e->evpid = evp->evpid;
	e->ctime = evp->ctime;
	e->nexttry = evp->nexttry;
	e->expire = evp->ctime + evp->ttl;
	e->retry = evp->retry;
	e->warn = evp->warn;
	e->onhold = (evp->flags & ENVELOPE_F_HOLD) != 0;
	e->warnable = evp->sender[0] != '\0' &&
	    !(evp->flags & ENVELOPE_F_BOUNCE) &&
	    (evp->dsn_notify == 0 || (evp->dsn_notify & ENVELOPE_DSN_DELAY));
	e->dest = sched_dest_get(s, key, kind);
	e->dest->count++;
	RB_INSERT(sched_byid, &s->entries, e);
	s->count++;
	sched_wait(s, e);
	return 0;
}

/* sched_remove - forget an envelope (delivered, bounced, removed) */
int
sched_remove(struct sched *s, uint64_t evpid)
{
	struct sched_entry	*e;

	if ((e = sched_find(s, evpid)) == NULL)
		return -1;
	if (e->inflight) {
		e->dest->inflight--;
		s->inflight--;
	} else
		sched_unwait(e);
	sched_unhold(s, e);
	RB_REMOVE(sched_byid, &s->entries, e);
	e->dest->count--;
	sched_dest_put(s, e->dest);
	s->count--;
	free(e);
	return 0;
}

/* sched_defer - an envelope in flight failed temporarily: wait again */
int
sched_defer(struct sched *s, uint64_t evpid, int64_t nexttry, uint32_t retry)
{
	struct sched_entry	*e;

	if ((e = sched_find(s, evpid)) == NULL || !e->inflight)
		return -1;
	e->dest->inflight--;
	s->inflight--;
	e->nexttry = nexttry;
	e->retry = retry;
	sched_wait(s, e);
	return 0;
}

/*
 * sched_shift - the real-time clock jumped by delta seconds: move every
 * time kept in its terms with it, so that waits last what they were
 * meant to (the order of the entries does not change); the entries
 */
size_t
sched_shift(struct sched *s, int64_t delta)
{
	struct sched_entry	*e;
	struct sched_dest	*d;

	RB_FOREACH(e, sched_byid, &s->entries) {
		e->ctime += delta;
		e->nexttry += delta;
		e->expire += delta;
		e->due += delta;
	}
	RB_FOREACH(d, sched_dests, &s->dests)
		if (d->retry_at != 0)
			d->retry_at += delta;
	return s->count;
}

/*
 * sched_postpone - an expiry that could not be carried out (no room for
 * its notice): expire again at until, with no try before.  0, or -1 if
 * unknown or in flight.
 */
int
sched_postpone(struct sched *s, uint64_t evpid, int64_t until)
{
	struct sched_entry	*e;

	if ((e = sched_find(s, evpid)) == NULL || e->inflight)
		return -1;
	sched_unwait(e);
	e->expire = until;
	if (e->nexttry < until)
		e->nexttry = until;
	sched_wait(s, e);
	return 0;
}

/*
 * sched_dest_suspend - a relay delivery of evpid (deferred already)
 * failed at its destination: suspend the destination until the
 * envelope's next try.  0, or -1 if unknown, in flight or local.
 */
int
sched_dest_suspend(struct sched *s, uint64_t evpid)
{
	struct sched_entry	*e;

	if ((e = sched_find(s, evpid)) == NULL || e->inflight ||
	    e->dest->kind != SCHED_KIND_RELAY)
		return -1;
	if (e->nexttry > e->dest->retry_at)
		e->dest->retry_at = e->nexttry;
	return 0;
}

/*
 * sched_dest_ok - a delivery of evpid succeeded: its relay destination
 * is no longer suspended and every entry it held is due at now (call
 * before sched_remove).  How many were released.
 */
size_t
sched_dest_ok(struct sched *s, uint64_t evpid, int64_t now)
{
	struct sched_entry	*e;
	struct sched_dest	*d;
	size_t			 n = 0;

	if ((e = sched_find(s, evpid)) == NULL)
		return 0;
	d = e->dest;
	d->retry_at = 0;
	while ((e = TAILQ_FIRST(&d->heldq)) != NULL) {
		sched_unhold(s, e);
		sched_unwait(e);
		e->nexttry = now;
		sched_wait(s, e);
		n++;
	}
	return n;
}

/* sched_warned - a delay notice went out; warn is the new count */
int
sched_warned(struct sched *s, uint64_t evpid, uint32_t warn)
{
	struct sched_entry	*e;

	if ((e = sched_find(s, evpid)) == NULL || e->inflight)
		return -1;
	sched_unwait(e);
	e->warn = warn;
	sched_wait(s, e);
	return 0;
}

/*
 * sched_schedule - try a waiting envelope now; 0, or -1 if unknown,
 * busy or on hold
 */
int
sched_schedule(struct sched *s, uint64_t evpid, int64_t now)
{
	struct sched_entry	*e;

	if ((e = sched_find(s, evpid)) == NULL || e->inflight || e->onhold)
		return -1;
	sched_unwait(e);
	sched_unhold(s, e);
	e->dest->retry_at = 0;		/* asked for: try the destination */
	e->nexttry = now;
	sched_wait(s, e);
	return 0;
}

/*
 * sched_release - an envelope on hold is released (its flag cleared in
 * the spool already) and tried now; 0, or -1 if unknown or not on hold
 */
int
sched_release(struct sched *s, uint64_t evpid, int64_t now)
{
	struct sched_entry	*e;

	if ((e = sched_find(s, evpid)) == NULL || !e->onhold)
		return -1;
	sched_unwait(e);
	e->onhold = 0;
	sched_wait(s, e);
	return sched_schedule(s, evpid, now);
}

/* sched_schedule_all - try every waiting envelope now (none on hold) */
size_t
sched_schedule_all(struct sched *s, int64_t now)
{
	struct sched_entry	*e;
	size_t			 n = 0;

	RB_FOREACH(e, sched_byid, &s->entries)
		if (sched_schedule(s, e->evpid, now) == 0)
			n++;
	return n;
}

/* sched_pause - hold or release deliveries of one kind */
void
sched_pause(struct sched *s, enum sched_kind kind, int paused)
{
	s->paused[kind] = paused;
}

/* sched_blocked - no delivery may start for d now */
static int
sched_blocked(const struct sched *s, const struct sched_dest *d)
{
	return s->paused[d->kind] || d->inflight >= (d->kind ==
	    SCHED_KIND_LOCAL ? s->conf.local_inflight_max :
	    s->conf.dest_inflight_max) || s->inflight >= s->conf.inflight_max;
}

/* sched_take - what to do with a due entry of d; NONE if no slot */
static enum sched_job
sched_take(struct sched *s, struct sched_dest *d, struct sched_entry *e,
    int64_t now)
{
	int64_t	w;

	if (now >= e->expire)
		return SCHED_JOB_EXPIRE;
	if ((w = sched_warn_at(s, e)) != 0 && now >= w)
		return SCHED_JOB_WARN;
	if (sched_blocked(s, d))
		return SCHED_JOB_NONE;
	sched_unwait(e);
	sched_unhold(s, e);
	e->inflight = 1;
	d->inflight++;
	s->inflight++;
	return SCHED_JOB_DELIVER;
}

/*
 * sched_hold_due - while d is suspended, hold its entries that come due
 * for a try (not for expiry or a notice), up to max_deferred; one held
 * already moves on to the destination's new retry time.
 */
static void
sched_hold_due(struct sched *s, struct sched_dest *d, int64_t now)
{
	struct sched_entry	*e;
	int64_t			 w;

	if (d->kind != SCHED_KIND_RELAY || now >= d->retry_at)
		return;
	while ((e = RB_MIN(sched_bydue, &d->waiting)) != NULL &&
	    e->due <= now && now < e->expire &&
	    ((w = sched_warn_at(s, e)) == 0 || now < w) &&
	    (e->held || d->held < s->conf.max_deferred)) {
		sched_unwait(e);
		if (!e->held) {
			e->held = 1;
			TAILQ_INSERT_TAIL(&d->heldq, e, hold);
			d->held++;
			s->held++;
		}
		e->nexttry = d->retry_at;
		sched_wait(s, e);
	}
}

/*
 * sched_next - the next piece of work due at now, round-robin over the
 * destinations; *evpid names the envelope.  DELIVER marks it in flight
 * until sched_defer or sched_remove; EXPIRE leaves it waiting until the
 * caller's sched_remove, WARN until its sched_warned.
 */
enum sched_job
sched_next(struct sched *s, int64_t now, uint64_t *evpid)
{
	struct sched_dest	*d;
	struct sched_entry	*e;
	enum sched_job		 job;

	TAILQ_FOREACH(d, &s->ring, ring) {
		sched_hold_due(s, d, now);
		if ((e = RB_MIN(sched_bydue, &d->waiting)) == NULL ||
		    e->due > now)
			continue;
		if ((job = sched_take(s, d, e, now)) == SCHED_JOB_NONE)
			continue;
		*evpid = e->evpid;
		TAILQ_REMOVE(&s->ring, d, ring);
		TAILQ_INSERT_TAIL(&s->ring, d, ring);
		return job;
	}
	return SCHED_JOB_NONE;
}

/*
 * sched_wakeup - the earliest due time among destinations that could
 * act on it (a free slot, not paused), or -1 when nothing waits.
 */
int64_t
sched_wakeup(const struct sched *s)
{
	const struct sched_dest	*d;
	struct sched_entry	*e;
	int64_t			 t = -1;

	TAILQ_FOREACH(d, &s->ring, ring) {
		if ((e = RB_MIN(sched_bydue,
		    (struct sched_bydue *)&d->waiting)) == NULL)
			continue;
		/* a blocked destination still expires and warns */
		if (sched_blocked(s, d) && e->due < e->expire &&
		    sched_warn_at(s, e) != e->due)
			continue;
		if (t == -1 || e->due < t)
			t = e->due;
	}
	return t;
}

/* sched_info_fill - the public view of an entry */
static void
sched_info_fill(const struct sched_entry *e, struct sched_info *si)
{
	si->evpid = e->evpid;
	si->kind = e->dest->kind;
	si->inflight = e->inflight;
	si->held = e->held;
	si->onhold = e->onhold;
	si->nexttry = e->nexttry;
	si->expire = e->expire;
	si->retry = e->retry;
	si->warn = e->warn;
	si->dest = e->dest->name;
}

/* sched_info - what is known of one envelope; -1 / 0 / 1 */
int
sched_info(const struct sched *s, uint64_t evpid, struct sched_info *si)
{
	struct sched_entry	*e;

	if ((e = sched_find(s, evpid)) == NULL)
		return 0;
	sched_info_fill(e, si);
	return 1;
}

/*
 * sched_walk - report each envelope in id order (of message msgid
 * only, unless 0); cb returns -1 to stop.
 */
int
sched_walk(const struct sched *s, uint32_t msgid,
    int (*cb)(const struct sched_info *, void *), void *arg)
{
	struct sched_entry	*e, key;
	struct sched_info	 si;

	key.evpid = (uint64_t)msgid << 32;
	e = RB_NFIND(sched_byid, (struct sched_byid *)&s->entries, &key);
	for (; e != NULL; e = RB_NEXT(sched_byid, &s->entries, e)) {
		if (msgid != 0 && envelope_msgid(e->evpid) != msgid)
			break;
		sched_info_fill(e, &si);
		if (cb(&si, arg) == -1)
			return -1;
	}
	return 0;
}

/* sched_count - envelopes known */
size_t
sched_count(const struct sched *s)
{
	return s->count;
}

/* sched_held - envelopes held for a suspended destination */
size_t
sched_held(const struct sched *s)
{
	return s->held;
}

/* sched_inflight - envelopes in flight */
size_t
sched_inflight(const struct sched *s)
{
	return s->inflight;
}
