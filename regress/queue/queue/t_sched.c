/*
 * t_sched.c - the scheduler: retry intervals, expiry, delay notices,
 * per-destination fairness, limits, pause, manual scheduling and
 * envelopes on hold.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "envelope.h"
#include "../../../queue/queue/sched.h"

#define T_NOW	1000000

/* t_evp - an envelope of message msgid for rcpt, created at T_NOW */
static struct envelope
t_evp(uint32_t msgid, uint32_t n, const char *rcpt, int64_t ttl)
{
	struct envelope	evp;

	memset(&evp, 0, sizeof(evp));
	evp.evpid = ((uint64_t)msgid << 32) | n;
	strlcpy(evp.sender, "s@example.org", sizeof(evp.sender));
	strlcpy(evp.rcpt, rcpt, sizeof(evp.rcpt));
	strlcpy(evp.dest, rcpt, sizeof(evp.dest));
	strlcpy(evp.dispatcher, "local", sizeof(evp.dispatcher));
	evp.ctime = T_NOW;
	evp.nexttry = T_NOW;
	evp.ttl = ttl;
	return evp;
}

/* t_sched - a scheduler with these limits and notice delays */
static struct sched *
t_sched(size_t total, size_t dest, const int64_t *warn, size_t nwarn)
{
	struct sched_conf	c;
	size_t			i;

	memset(&c, 0, sizeof(c));
	c.inflight_max = total;
	c.dest_inflight_max = dest;
	for (i = 0; i < nwarn; i++)
		c.warn[i] = warn[i];
	c.nwarn = nwarn;
	return sched_new(&c);
}

ATF_TC_WITHOUT_HEAD(sched_retry_delay_growth);
ATF_TC_BODY(sched_retry_delay_growth, tc)
{
	static const struct {
		uint32_t	retry;
		int64_t		want;
	} t[] = {
		{ 0, 0 }, { 1, 60 }, { 2, 120 }, { 3, 240 }, { 4, 480 },
		{ 5, 960 }, { 6, 1920 }, { 7, 3600 }, { 8, 3600 },
		{ 1000, 3600 }, { UINT32_MAX, 3600 },
	};
	size_t	i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ATF_CHECK_EQ_MSG(sched_retry_delay(t[i].retry), t[i].want,
		    "retry %u", t[i].retry);
}

ATF_TC_WITHOUT_HEAD(sched_dest_key_forms);
ATF_TC_BODY(sched_dest_key_forms, tc)
{
	static const struct {
		const char	*dest;
		enum sched_kind	 kind;
		size_t		 bufsz;
		int		 rv;
		const char	*want;
	} t[] = {
		{ "u@Example.COM", SCHED_KIND_RELAY, 64, 0, "example.com" },
		{ "u@a@b.net", SCHED_KIND_RELAY, 64, 0, "b.net" },
		{ "nodomain", SCHED_KIND_RELAY, 64, 0, "" },
		{ "u@example.com", SCHED_KIND_LOCAL, 64, 0, "@local" },
		{ "u@example.com", SCHED_KIND_LOCAL, 7, 0, "@local" },
		{ "u@example.com", SCHED_KIND_LOCAL, 6, -1, NULL },
		{ "u@abcd", SCHED_KIND_RELAY, 5, 0, "abcd" },
		{ "u@abcde", SCHED_KIND_RELAY, 5, -1, NULL },
	};
	struct envelope	evp;
	char		buf[64];
	size_t		i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		evp = t_evp(1, 1, t[i].dest, 100);
		ATF_CHECK_EQ_MSG(sched_dest_key(&evp, t[i].kind, buf,
		    t[i].bufsz), t[i].rv, "case %zu", i);
		if (t[i].want)
			ATF_CHECK_STREQ_MSG(buf, t[i].want, "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(sched_next_new_mail_at_once);
ATF_TC_BODY(sched_next_new_mail_at_once, tc)
{
	struct sched	*s = t_sched(0, 0, NULL, 0);
	struct envelope	 evp = t_evp(0x11, 1, "a@example.net", 100);
	uint64_t	 id = 0;

	(void)tc;
	ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), 0);
	ATF_CHECK_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), -1);
	ATF_CHECK_EQ(sched_wakeup(s), T_NOW);
	ATF_CHECK_EQ(sched_next(s, T_NOW - 1, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(id, evp.evpid);
	ATF_CHECK_EQ(sched_inflight(s), 1);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_wakeup(s), -1);
	ATF_CHECK_EQ(sched_remove(s, evp.evpid), 0);
	ATF_CHECK_EQ(sched_count(s), 0);
	ATF_CHECK_EQ(sched_inflight(s), 0);
	ATF_CHECK_EQ(sched_remove(s, evp.evpid), -1);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_next_local_limit);
ATF_TC_BODY(sched_next_local_limit, tc)
{
	struct sched	*s = t_sched(0, 0, NULL, 0);
	struct envelope	 evp;
	uint64_t	 id;
	size_t		 i, n;

	(void)tc;
	/* a local action takes more at once than a relay domain */
	for (i = 0; i < SCHED_LOCAL_INFLIGHT_MAX + 4; i++) {
		evp = t_evp(0x20, (uint32_t)i + 1, "a@example.net", 100);
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), 0);
		evp = t_evp(0x21, (uint32_t)i + 1, "b@example.net", 100);
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
	}
	for (n = 0; sched_next(s, T_NOW, &id) == SCHED_JOB_DELIVER; n++)
		;
	ATF_CHECK(SCHED_LOCAL_INFLIGHT_MAX > SCHED_DEST_INFLIGHT_MAX);
	ATF_CHECK_EQ(n, SCHED_LOCAL_INFLIGHT_MAX + SCHED_DEST_INFLIGHT_MAX);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_next_retry_after_defer);
ATF_TC_BODY(sched_next_retry_after_defer, tc)
{
	struct sched	*s = t_sched(0, 0, NULL, 0);
	struct envelope	 evp = t_evp(0x12, 1, "a@example.net", 86400);
	int64_t		 now = T_NOW;
	uint64_t	 id;
	uint32_t	 retry;

	(void)tc;
	ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
	for (retry = 1; retry <= 10; retry++) {
		ATF_REQUIRE_EQ(sched_next(s, now, &id), SCHED_JOB_DELIVER);
		ATF_REQUIRE_EQ(sched_defer(s, id, now +
		    sched_retry_delay(retry), retry), 0);
		ATF_CHECK_EQ(sched_defer(s, id, now, retry), -1);
		ATF_CHECK_EQ(sched_wakeup(s), now + sched_retry_delay(retry));
		ATF_CHECK_EQ(sched_next(s, now + sched_retry_delay(retry) - 1,
		    &id), SCHED_JOB_NONE);
		now += sched_retry_delay(retry);
	}
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_next_expire_at_ttl);
ATF_TC_BODY(sched_next_expire_at_ttl, tc)
{
	static const int64_t ttls[] = { 0, 1, 3, 59, 60, 61, 3600 };
	struct sched	*s;
	struct envelope	 evp;
	uint64_t	 id;
	size_t		 i;

	(void)tc;
	for (i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++) {
		s = t_sched(0, 0, NULL, 0);
		evp = t_evp(0x13, 1, "a@example.net", ttls[i]);
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), 0);
		if (ttls[i] == 0) {
			ATF_CHECK_EQ(sched_next(s, T_NOW, &id),
			    SCHED_JOB_EXPIRE);
			sched_free(s);
			continue;
		}
		ATF_REQUIRE_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
		ATF_REQUIRE_EQ(sched_defer(s, id, T_NOW + 60, 1), 0);
		ATF_CHECK_EQ(sched_wakeup(s), T_NOW + (ttls[i] < 60 ?
		    ttls[i] : 60));
		ATF_CHECK(sched_next(s, T_NOW + ttls[i] - 1, &id) !=
		    SCHED_JOB_EXPIRE);
		if (ttls[i] > 60)
			ATF_REQUIRE_EQ(sched_defer(s, id, T_NOW + 7200, 2), 0);
		ATF_CHECK_EQ_MSG(sched_next(s, T_NOW + ttls[i], &id),
		    SCHED_JOB_EXPIRE, "ttl %lld", (long long)ttls[i]);
		ATF_CHECK_EQ(sched_next(s, T_NOW + ttls[i], &id),
		    SCHED_JOB_EXPIRE);
		ATF_CHECK_EQ(sched_remove(s, id), 0);
		ATF_CHECK_EQ(sched_next(s, T_NOW + ttls[i], &id),
		    SCHED_JOB_NONE);
		sched_free(s);
	}
}

ATF_TC_WITHOUT_HEAD(sched_postpone_expiry);
ATF_TC_BODY(sched_postpone_expiry, tc)
{
	struct sched	*s = t_sched(0, 0, NULL, 0);
	struct envelope	 evp = t_evp(0x15, 1, "a@example.net", 100);
	uint64_t	 id;

	(void)tc;
	ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), 0);
	ATF_REQUIRE_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	/* in flight: nothing to postpone */
	ATF_CHECK_EQ(sched_postpone(s, id, T_NOW + 160), -1);
	ATF_REQUIRE_EQ(sched_defer(s, id, T_NOW + 60, 1), 0);
	ATF_REQUIRE_EQ(sched_next(s, T_NOW + 100, &id), SCHED_JOB_EXPIRE);
	/* the notice could not be written: the entry waits, not tried */
	ATF_CHECK_EQ(sched_postpone(s, id, T_NOW + 160), 0);
	ATF_CHECK_EQ(sched_postpone(s, 42, T_NOW + 160), -1);
	ATF_CHECK_EQ(sched_count(s), 1);
	ATF_CHECK_EQ(sched_wakeup(s), T_NOW + 160);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 159, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 160, &id), SCHED_JOB_EXPIRE);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_shift_clock_back);
ATF_TC_BODY(sched_shift_clock_back, tc)
{
	struct sched	*s = t_sched(0, 0, NULL, 0);
	struct envelope	 evp = t_evp(0x16, 1, "a@example.net", 100);
	struct envelope	 evp2 = t_evp(0x16, 2, "b@example.net", 1000);
	uint64_t	 id;

	(void)tc;
	ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
	ATF_REQUIRE_EQ(sched_insert(s, &evp2, SCHED_KIND_RELAY), 0);
	while (sched_next(s, T_NOW, &id) == SCHED_JOB_DELIVER)
		ATF_REQUIRE_EQ(sched_defer(s, id, T_NOW + 60, 1), 0);
	/* the clock went back an hour: every wait keeps its length */
	ATF_CHECK_EQ(sched_shift(s, -3600), 2);
	ATF_CHECK_EQ(sched_wakeup(s), T_NOW - 3600 + 60);
	ATF_CHECK_EQ(sched_next(s, T_NOW - 3600 + 59, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_next(s, T_NOW - 3600 + 60, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(sched_defer(s, id, T_NOW - 3600 + 180, 2), 0);
	ATF_CHECK_EQ(sched_next(s, T_NOW - 3600 + 60, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(sched_defer(s, id, T_NOW - 3600 + 180, 2), 0);
	ATF_CHECK_EQ(sched_next(s, T_NOW - 3600 + 100, &id), SCHED_JOB_EXPIRE);
	ATF_CHECK_EQ(id, evp.evpid);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_next_warn_intervals);
ATF_TC_BODY(sched_next_warn_intervals, tc)
{
	static const int64_t warn[] = { 10, 20 };
	struct sched	*s = t_sched(0, 0, warn, 2);
	struct envelope	 evp = t_evp(0x14, 1, "a@example.net", 1000);
	uint64_t	 id;

	(void)tc;
	ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), 0);
	ATF_REQUIRE_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	ATF_REQUIRE_EQ(sched_defer(s, id, T_NOW + 500, 1), 0);
	ATF_CHECK_EQ(sched_wakeup(s), T_NOW + 10);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 9, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 10, &id), SCHED_JOB_WARN);
	ATF_CHECK_EQ(sched_warned(s, id, 1), 0);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 19, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 20, &id), SCHED_JOB_WARN);
	ATF_CHECK_EQ(sched_warned(s, id, 2), 0);
	ATF_CHECK_EQ(sched_wakeup(s), T_NOW + 500);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 499, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 500, &id), SCHED_JOB_DELIVER);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_next_warn_not_wanted);
ATF_TC_BODY(sched_next_warn_not_wanted, tc)
{
	static const int64_t warn[] = { 10 };
	static const struct {
		const char	*sender;
		uint32_t	 notify;
		uint32_t	 flags;
		int		 warns;
	} t[] = {
		{ "s@example.org", 0, 0, 1 },
		{ "s@example.org", ENVELOPE_DSN_DELAY, 0, 1 },
		{ "s@example.org", ENVELOPE_DSN_FAILURE | ENVELOPE_DSN_DELAY,
		    0, 1 },
		{ "s@example.org", ENVELOPE_DSN_NEVER, 0, 0 },
		{ "s@example.org", ENVELOPE_DSN_FAILURE, 0, 0 },
		{ "s@example.org", ENVELOPE_DSN_SUCCESS, 0, 0 },
		{ "", 0, 0, 0 },
		{ "s@example.org", 0, ENVELOPE_F_BOUNCE, 0 },
	};
	struct sched	*s;
	struct envelope	 evp;
	uint64_t	 id;
	size_t		 i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = t_sched(0, 0, warn, 1);
		evp = t_evp(0x15, 1, "a@example.net", 1000);
		strlcpy(evp.sender, t[i].sender, sizeof(evp.sender));
		evp.dsn_notify = t[i].notify;
		evp.flags = t[i].flags;
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), 0);
		ATF_REQUIRE_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
		ATF_REQUIRE_EQ(sched_defer(s, id, T_NOW + 500, 1), 0);
		ATF_CHECK_EQ_MSG(sched_next(s, T_NOW + 10, &id),
		    t[i].warns ? SCHED_JOB_WARN : SCHED_JOB_NONE,
		    "case %zu", i);
		sched_free(s);
	}
}

ATF_TC_WITHOUT_HEAD(sched_next_fair_per_destination);
ATF_TC_BODY(sched_next_fair_per_destination, tc)
{
	struct sched	*s = t_sched(10, 4, NULL, 0);
	struct envelope	 evp;
	char		 rcpt[64];
	uint64_t	 id;
	uint32_t	 i;
	size_t		 slow = 0, fast = 0;

	(void)tc;
	for (i = 1; i <= 1000; i++) {
		snprintf(rcpt, sizeof(rcpt), "u%u@slow.example", i);
		evp = t_evp(0x100, i, rcpt, 86400);
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
	}
	for (i = 1; i <= 3; i++) {
		snprintf(rcpt, sizeof(rcpt), "u%u@fast.example", i);
		evp = t_evp(0x200, i, rcpt, 86400);
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
	}
	/* the slow domain holds its 4 slots; the fast one still flows */
	while (sched_next(s, T_NOW, &id) == SCHED_JOB_DELIVER) {
		if (envelope_msgid(id) == 0x100)
			slow++;
		else {
			fast++;
			ATF_REQUIRE_EQ(sched_remove(s, id), 0);
		}
	}
	ATF_CHECK_EQ(slow, 4);
	ATF_CHECK_EQ(fast, 3);
	ATF_CHECK_EQ(sched_inflight(s), 4);
	sched_free(s);
}

/* t_sched_held - a scheduler holding up to n per relay destination */
static struct sched *
t_sched_held(size_t n)
{
	struct sched_conf	c;

	memset(&c, 0, sizeof(c));
	c.inflight_max = 256;		/* released ones all start */
	c.dest_inflight_max = 256;
	c.max_deferred = n;
	return sched_new(&c);
}

/* t_drain - every job due at now: counts of deliveries per kind */
static void
t_drain(struct sched *s, int64_t now, size_t *slow, size_t *others)
{
	uint64_t	id;

	*slow = *others = 0;
	while (sched_next(s, now, &id) == SCHED_JOB_DELIVER) {
		if (envelope_msgid(id) == 0x100)
			(*slow)++;
		else
			(*others)++;
	}
}

ATF_TC_WITHOUT_HEAD(sched_next_max_deferred);
ATF_TC_BODY(sched_next_max_deferred, tc)
{
	static const struct {
		size_t	max;		/* mta max-deferred */
		size_t	extra;		/* envelopes due while suspended */
		int	success;	/* released by a success, or retry */
		int	suspend;	/* the destination itself failed */
		size_t	held;
	} t[] = {
		{ 3, 3, 1, 1, 3 },	/* exactly N: all held */
		{ 3, 4, 1, 1, 3 },	/* N + 1: one keeps its schedule */
		{ 3, 3, 0, 1, 3 },
		{ 3, 4, 0, 1, 3 },
		{ 1, 5, 0, 1, 1 },
		{ 100, 100, 1, 1, 100 },
		{ 100, 101, 0, 1, 100 },
		{ 0, 2, 1, 1, 0 },	/* none held */
		{ 3, 3, 1, 0, 0 },	/* a failure before the destination */
	};
	struct sched		*s;
	struct envelope		 evp;
	struct sched_info	 si;
	char			 rcpt[64];
	uint64_t		 first, id;
	size_t			 i, slow, others;
	uint32_t		 j;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = t_sched_held(t[i].max);
		evp = t_evp(0x100, 1, "a@slow.example", 86400);
		first = evp.evpid;
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
		for (j = 0; j < t[i].extra; j++) {
			snprintf(rcpt, sizeof(rcpt), "u%u@Slow.Example", j);
			evp = t_evp(0x100, 2 + j, rcpt, 86400);
			evp.nexttry = T_NOW + 10;
			ATF_REQUIRE_EQ(sched_insert(s, &evp,
			    SCHED_KIND_RELAY), 0);
		}
		/* another destination and a local delivery are unaffected */
		evp = t_evp(0x200, 1, "b@other.example", 86400);
		evp.nexttry = T_NOW + 10;
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
		evp = t_evp(0x300, 1, "c@slow.example", 86400);
		evp.nexttry = T_NOW + 10;
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), 0);
		ATF_REQUIRE_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
		ATF_REQUIRE_EQ(id, first);
		ATF_REQUIRE_EQ(sched_defer(s, id, T_NOW + 60, 1), 0);
		if (t[i].suspend)
			ATF_REQUIRE_EQ(sched_dest_suspend(s, id), 0);
		t_drain(s, T_NOW + 10, &slow, &others);
		ATF_CHECK_EQ_MSG(slow, t[i].extra - t[i].held, "case %zu", i);
		ATF_CHECK_EQ_MSG(others, 2, "case %zu", i);
		ATF_CHECK_EQ_MSG(sched_held(s), t[i].held, "case %zu", i);
		if (t[i].held > 0) {
			ATF_REQUIRE_EQ(sched_info(s, first + 1, &si), 1);
			ATF_CHECK(si.held && !si.inflight);
			ATF_CHECK_EQ(si.nexttry, T_NOW + 60);
		}
		/* nothing of the destination before its retry time */
		t_drain(s, T_NOW + 59, &slow, &others);
		ATF_CHECK_EQ_MSG(slow, 0, "case %zu", i);
		if (!t[i].suspend) {
			sched_free(s);
			continue;
		}
		if (t[i].success) {
			ATF_CHECK_EQ_MSG(sched_dest_ok(s, first, T_NOW + 20),
			    t[i].held, "case %zu", i);
			t_drain(s, T_NOW + 20, &slow, &others);
			ATF_CHECK_EQ_MSG(slow, t[i].held, "case %zu", i);
		} else {
			t_drain(s, T_NOW + 60, &slow, &others);
			ATF_CHECK_EQ_MSG(slow, t[i].held + 1, "case %zu", i);
		}
		ATF_CHECK_EQ_MSG(sched_held(s), 0, "case %zu", i);
		sched_free(s);
	}
}

ATF_TC_WITHOUT_HEAD(sched_next_max_deferred_local);
ATF_TC_BODY(sched_next_max_deferred_local, tc)
{
	struct sched	*s = t_sched_held(10);
	struct envelope	 evp;
	uint64_t	 id;
	size_t		 slow, others;

	(void)tc;
	evp = t_evp(0x100, 1, "a@x", 86400);
	ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), 0);
	evp = t_evp(0x100, 2, "b@x", 86400);
	evp.nexttry = T_NOW + 10;
	ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_LOCAL), 0);
	ATF_REQUIRE_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	ATF_REQUIRE_EQ(sched_defer(s, id, T_NOW + 60, 1), 0);
	ATF_CHECK_EQ(sched_dest_suspend(s, id), -1);	/* local */
	t_drain(s, T_NOW + 10, &slow, &others);
	ATF_CHECK_EQ(slow, 1);
	ATF_CHECK_EQ(sched_held(s), 0);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_max_deferred_remove_schedule);
ATF_TC_BODY(sched_max_deferred_remove_schedule, tc)
{
	struct sched	*s = t_sched_held(5);
	struct envelope	 evp;
	uint64_t	 id;
	uint32_t	 j;
	size_t		 slow, others;

	(void)tc;
	for (j = 1; j <= 4; j++) {
		evp = t_evp(0x100, j, "a@slow.example", 86400);
		evp.nexttry = j == 1 ? T_NOW : T_NOW + 10;
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
	}
	ATF_REQUIRE_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(sched_dest_suspend(s, id), -1);	/* in flight */
	ATF_REQUIRE_EQ(sched_defer(s, id, T_NOW + 60, 1), 0);
	ATF_REQUIRE_EQ(sched_dest_suspend(s, id), 0);
	t_drain(s, T_NOW + 10, &slow, &others);
	ATF_CHECK_EQ(sched_held(s), 3);
	/* a held envelope removed, one scheduled by hand */
	ATF_CHECK_EQ(sched_remove(s, (0x100ULL << 32) | 2), 0);
	ATF_CHECK_EQ(sched_held(s), 2);
	ATF_CHECK_EQ(sched_schedule(s, (0x100ULL << 32) | 3, T_NOW + 11), 0);
	ATF_CHECK_EQ(sched_held(s), 1);
	t_drain(s, T_NOW + 11, &slow, &others);
	ATF_CHECK_EQ(slow, 1);
	/* expiry is not held back */
	ATF_CHECK_EQ(sched_next(s, T_NOW + 86400, &id), SCHED_JOB_EXPIRE);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_next_total_limit);
ATF_TC_BODY(sched_next_total_limit, tc)
{
	struct sched	*s = t_sched(5, 100, NULL, 0);
	struct envelope	 evp;
	char		 rcpt[64];
	uint64_t	 id, first = 0;
	uint32_t	 i;
	size_t		 n = 0, perdom[8];

	(void)tc;
	memset(perdom, 0, sizeof(perdom));
	for (i = 1; i <= 40; i++) {
		snprintf(rcpt, sizeof(rcpt), "u@d%u.example", i % 8);
		evp = t_evp(0x300, i, rcpt, 86400);
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
	}
	while (sched_next(s, T_NOW, &id) == SCHED_JOB_DELIVER) {
		if (n++ == 0)
			first = id;
		perdom[(id & 0xffffffff) % 8]++;
	}
	ATF_CHECK_EQ(n, 5);
	for (i = 0; i < 8; i++)
		ATF_CHECK(perdom[i] <= 1);
	ATF_CHECK_EQ(sched_wakeup(s), -1);
	ATF_REQUIRE_EQ(sched_remove(s, first), 0);
	ATF_CHECK_EQ(sched_wakeup(s), T_NOW);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_pause_kind);
ATF_TC_BODY(sched_pause_kind, tc)
{
	struct sched	*s = t_sched(0, 0, NULL, 0);
	struct envelope	 loc = t_evp(0x400, 1, "a@example.net", 100);
	struct envelope	 rel = t_evp(0x400, 2, "b@example.net", 100);
	uint64_t	 id;

	(void)tc;
	ATF_REQUIRE_EQ(sched_insert(s, &loc, SCHED_KIND_LOCAL), 0);
	ATF_REQUIRE_EQ(sched_insert(s, &rel, SCHED_KIND_RELAY), 0);
	sched_pause(s, SCHED_KIND_LOCAL, 1);
	sched_pause(s, SCHED_KIND_RELAY, 1);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_wakeup(s), -1);
	sched_pause(s, SCHED_KIND_RELAY, 0);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(id, rel.evpid);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_NONE);
	/* a paused kind still expires */
	ATF_CHECK_EQ(sched_next(s, T_NOW + 100, &id), SCHED_JOB_EXPIRE);
	ATF_CHECK_EQ(id, loc.evpid);
	sched_pause(s, SCHED_KIND_LOCAL, 0);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(id, loc.evpid);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_schedule_now);
ATF_TC_BODY(sched_schedule_now, tc)
{
	struct sched	*s = t_sched(0, 0, NULL, 0);
	struct envelope	 a = t_evp(0x500, 1, "a@example.net", 86400);
	struct envelope	 b = t_evp(0x501, 1, "b@example.net", 86400);
	uint64_t	 id;

	(void)tc;
	a.nexttry = b.nexttry = T_NOW + 3000;
	ATF_REQUIRE_EQ(sched_insert(s, &a, SCHED_KIND_LOCAL), 0);
	ATF_REQUIRE_EQ(sched_insert(s, &b, SCHED_KIND_LOCAL), 0);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_schedule(s, a.evpid, T_NOW), 0);
	ATF_CHECK_EQ(sched_schedule(s, 0x999ULL << 32 | 1, T_NOW), -1);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(id, a.evpid);
	ATF_CHECK_EQ(sched_schedule(s, a.evpid, T_NOW), -1);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_schedule_all(s, T_NOW), 1);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(id, b.evpid);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_hold_expires_only);
ATF_TC_BODY(sched_hold_expires_only, tc)
{
	static const int64_t	 warn[] = { 10 };
	struct sched		*s = t_sched(0, 0, warn, 1);
	struct envelope		 a = t_evp(0x700, 1, "a@example.net", 100);
	struct envelope		 b = t_evp(0x701, 1, "b@example.net", 100);
	struct sched_info	 si;
	uint64_t		 id;

	(void)tc;
	a.flags = b.flags = ENVELOPE_F_HOLD;
	a.retry = 1;			/* a notice would be due */
	ATF_REQUIRE_EQ(sched_insert(s, &a, SCHED_KIND_RELAY), 0);
	ATF_REQUIRE_EQ(sched_insert(s, &b, SCHED_KIND_LOCAL), 0);
	ATF_REQUIRE_EQ(sched_info(s, a.evpid, &si), 1);
	ATF_CHECK(si.onhold);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 50, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_wakeup(s), T_NOW + 100);
	ATF_CHECK_EQ(sched_schedule(s, a.evpid, T_NOW), -1);
	ATF_CHECK_EQ(sched_schedule_all(s, T_NOW), 0);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 1, &id), SCHED_JOB_NONE);
	/* the lifetime of one on hold runs as any other's */
	ATF_CHECK_EQ(sched_next(s, T_NOW + 100, &id), SCHED_JOB_EXPIRE);
	ATF_CHECK_EQ(sched_remove(s, id), 0);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 100, &id), SCHED_JOB_EXPIRE);
	ATF_CHECK_EQ(sched_remove(s, id), 0);
	ATF_CHECK_EQ(sched_count(s), 0);
	sched_free(s);
}

ATF_TC_WITHOUT_HEAD(sched_release_hold);
ATF_TC_BODY(sched_release_hold, tc)
{
	struct sched		*s = t_sched(0, 0, NULL, 0);
	struct envelope		 a = t_evp(0x710, 1, "a@example.net", 100);
	struct envelope		 b = t_evp(0x711, 1, "b@example.net", 100);
	struct sched_info	 si;
	uint64_t		 id;

	(void)tc;
	a.flags = ENVELOPE_F_HOLD;
	ATF_REQUIRE_EQ(sched_insert(s, &a, SCHED_KIND_RELAY), 0);
	ATF_REQUIRE_EQ(sched_insert(s, &b, SCHED_KIND_RELAY), 0);
	ATF_CHECK_EQ(sched_release(s, b.evpid, T_NOW), -1);	/* not held */
	ATF_CHECK_EQ(sched_release(s, 0x999ULL << 32 | 1, T_NOW), -1);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(id, b.evpid);
	ATF_CHECK_EQ(sched_next(s, T_NOW, &id), SCHED_JOB_NONE);
	ATF_CHECK_EQ(sched_release(s, a.evpid, T_NOW + 5), 0);
	ATF_REQUIRE_EQ(sched_info(s, a.evpid, &si), 1);
	ATF_CHECK(!si.onhold);
	ATF_CHECK_EQ(sched_next(s, T_NOW + 5, &id), SCHED_JOB_DELIVER);
	ATF_CHECK_EQ(id, a.evpid);
	ATF_CHECK_EQ(sched_release(s, a.evpid, T_NOW + 5), -1);
	sched_free(s);
}

/* t_walk_count - sched_walk callback counting entries */
static int
t_walk_count(const struct sched_info *si, void *arg)
{
	(void)si;
	(*(size_t *)arg)++;
	return 0;
}

ATF_TC_WITHOUT_HEAD(sched_walk_by_message);
ATF_TC_BODY(sched_walk_by_message, tc)
{
	struct sched		*s = t_sched(0, 0, NULL, 0);
	struct envelope		 evp;
	struct sched_info	 si;
	size_t			 n;
	uint32_t		 i;

	(void)tc;
	for (i = 1; i <= 3; i++) {
		evp = t_evp(0x600, i, "a@example.net", 100);
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
		evp = t_evp(0x601, i, "a@example.net", 100);
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
		evp = t_evp(0xffffffff, i, "a@example.net", 100);
		ATF_REQUIRE_EQ(sched_insert(s, &evp, SCHED_KIND_RELAY), 0);
	}
	n = 0;
	ATF_CHECK_EQ(sched_walk(s, 0, t_walk_count, &n), 0);
	ATF_CHECK_EQ(n, 9);
	n = 0;
	ATF_CHECK_EQ(sched_walk(s, 0x601, t_walk_count, &n), 0);
	ATF_CHECK_EQ(n, 3);
	n = 0;
	ATF_CHECK_EQ(sched_walk(s, 0xffffffff, t_walk_count, &n), 0);
	ATF_CHECK_EQ(n, 3);
	n = 0;
	ATF_CHECK_EQ(sched_walk(s, 0x602, t_walk_count, &n), 0);
	ATF_CHECK_EQ(n, 0);
	ATF_CHECK_EQ(sched_info(s, (0x600ULL << 32) | 2, &si), 1);
	ATF_CHECK_STREQ(si.dest, "example.net");
	ATF_CHECK_EQ(si.expire, T_NOW + 100);
	ATF_CHECK_EQ(sched_info(s, (0x600ULL << 32) | 4, &si), 0);
	sched_free(s);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sched_next_max_deferred);
	ATF_TP_ADD_TC(tp, sched_next_max_deferred_local);
	ATF_TP_ADD_TC(tp, sched_max_deferred_remove_schedule);
	ATF_TP_ADD_TC(tp, sched_retry_delay_growth);
	ATF_TP_ADD_TC(tp, sched_dest_key_forms);
	ATF_TP_ADD_TC(tp, sched_next_new_mail_at_once);
	ATF_TP_ADD_TC(tp, sched_next_local_limit);
	ATF_TP_ADD_TC(tp, sched_next_retry_after_defer);
	ATF_TP_ADD_TC(tp, sched_next_expire_at_ttl);
	ATF_TP_ADD_TC(tp, sched_next_warn_intervals);
	ATF_TP_ADD_TC(tp, sched_next_warn_not_wanted);
	ATF_TP_ADD_TC(tp, sched_next_fair_per_destination);
	ATF_TP_ADD_TC(tp, sched_next_total_limit);
	ATF_TP_ADD_TC(tp, sched_postpone_expiry);
	ATF_TP_ADD_TC(tp, sched_shift_clock_back);
	ATF_TP_ADD_TC(tp, sched_pause_kind);
	ATF_TP_ADD_TC(tp, sched_schedule_now);
	ATF_TP_ADD_TC(tp, sched_hold_expires_only);
	ATF_TP_ADD_TC(tp, sched_release_hold);
	ATF_TP_ADD_TC(tp, sched_walk_by_message);
	return atf_no_error();
}
