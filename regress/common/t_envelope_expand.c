/*
 * t_envelope_expand.c - the "expand" flag of a notice still to be
 * expanded: record version 2, round trip, and version 1 records that
 * must keep their exact form and refuse the flag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "envelope.h"

/* t_notice - a notice envelope as bounce.c writes it */
static void
t_notice(struct envelope *e, uint32_t flags)
{
	memset(e, 0, sizeof(*e));
	e->evpid = 0x0badf00d00000001ULL;
	strlcpy(e->rcpt, "root", sizeof(e->rcpt));
	strlcpy(e->dest, "root", sizeof(e->dest));
	strlcpy(e->dispatcher, "local", sizeof(e->dispatcher));
	strlcpy(e->hostname, "mx.example.net", sizeof(e->hostname));
	e->flags = flags;
	e->ctime = 1700000000;
	e->ttl = 86400;
}

ATF_TC_WITHOUT_HEAD(envelope_dump_expand_versions);
ATF_TC_BODY(envelope_dump_expand_versions, tc)
{
	static const struct {
		uint32_t	 flags;
		const char	*first;
		const char	*words;
	} t[] = {
		{ 0, "version: 1\n", "flags: \n" },
		{ ENVELOPE_F_BOUNCE, "version: 1\n", "flags: bounce\n" },
		{ ENVELOPE_F_EXPAND, "version: 2\n", "flags: expand\n" },
		{ ENVELOPE_F_BOUNCE | ENVELOPE_F_EXPAND, "version: 2\n",
		    "flags: bounce,expand\n" },
		{ ENVELOPE_F_BOUNCE | ENVELOPE_F_TLS | ENVELOPE_F_EXPAND,
		    "version: 2\n", "flags: bounce,tls,expand\n" },
		{ ENVELOPE_F_HOLD, "version: 4\n", "flags: hold\n" },
		{ ENVELOPE_F_AUTH | ENVELOPE_F_HOLD, "version: 4\n",
		    "flags: auth,hold\n" },
	};
	struct envelope	e, back;
	char		buf[ENVELOPE_DUMP_MAX + 1], err[128];
	size_t		i;
	int		n;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		t_notice(&e, t[i].flags);
		n = envelope_dump(&e, buf, sizeof(buf));
		ATF_REQUIRE_MSG(n > 0, "case %zu", i);
		ATF_CHECK_MSG(strncmp(buf, t[i].first, strlen(t[i].first)) ==
		    0, "case %zu: %.12s", i, buf);
		ATF_CHECK_MSG(strstr(buf, t[i].words) != NULL, "case %zu", i);
		ATF_REQUIRE_MSG(envelope_load(&back, buf, (size_t)n, err,
		    sizeof(err)) == 0, "case %zu: %s", i, err);
		ATF_CHECK_EQ_MSG(back.flags, t[i].flags, "case %zu", i);
		ATF_CHECK_EQ(back.evpid, e.evpid);
		ATF_CHECK_STREQ(back.rcpt, "root");
	}
}

ATF_TC_WITHOUT_HEAD(envelope_load_expand_version);
ATF_TC_BODY(envelope_load_expand_version, tc)
{
	static const struct {
		const char	*first;
		const char	*flags;
		int		 ok;
	} t[] = {
		{ "version: 1", "", 1 },
		{ "version: 2", "", 1 },
		{ "version: 2", "expand", 1 },
		{ "version: 2", "bounce,expand", 1 },
		{ "version: 1", "expand", 0 },		/* needs version 2 */
		{ "version: 1", "bounce,expand", 0 },
		{ "version: 2", "expand,expand", 0 },	/* duplicated word */
		{ "version: 2", "Expand", 0 },
		{ "version: 2", "expanded", 0 },
		{ "version: 2", "expand,", 0 },
		{ "version: 3", "", 1 },		/* adds origin */
		{ "version: 3", "bounce,expand", 1 },
		{ "version: 4", "", 1 },		/* adds hold */
		{ "version: 4", "hold", 1 },
		{ "version: 4", "bounce,expand,hold", 1 },
		{ "version: 3", "hold", 0 },		/* needs version 4 */
		{ "version: 1", "hold", 0 },
		{ "version: 4", "held", 0 },
		{ "version: 5", "", 0 },
		{ "version: 0", "", 0 },
		{ "version: 12", "", 0 },
		{ "version: 2 ", "", 0 },
		{ "version:  2", "", 0 },
		{ "version: 2\r", "", 0 },		/* bare CR */
		{ "version: \xb2", "", 0 },		/* 8-bit */
	};
	struct envelope	e;
	char		rec[1024], err[128];
	size_t		i;
	int		n;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = snprintf(rec, sizeof(rec), "%s\nevpid: 0badf00d00000001\n"
		    "state: pending\nsender: \nrcpt: root\ndest: root\n"
		    "dispatcher: local\nflags: %s\nctime: 1\nttl: 2\n",
		    t[i].first, t[i].flags);
		ATF_REQUIRE(n > 0 && (size_t)n < sizeof(rec));
		ATF_CHECK_EQ_MSG(envelope_load(&e, rec, (size_t)n, err,
		    sizeof(err)) == 0, t[i].ok, "case %zu: %s", i, err);
	}
}

ATF_TC_WITHOUT_HEAD(envelope_load_expand_nul);
ATF_TC_BODY(envelope_load_expand_nul, tc)
{
	static const char	rec[] = "version: 2\nevpid: 0badf00d00000001\n"
	    "state: pending\nsender: \nrcpt: root\ndest: root\n"
	    "dispatcher: local\nflags: exp\0and\nctime: 1\nttl: 2\n";
	struct envelope		e;
	char			err[128];

	(void)tc;
	ATF_CHECK_EQ(envelope_load(&e, rec, sizeof(rec) - 1, err,
	    sizeof(err)), -1);
	ATF_CHECK(strstr(err, "bad byte 0x00") != NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, envelope_dump_expand_versions);
	ATF_TP_ADD_TC(tp, envelope_load_expand_version);
	ATF_TP_ADD_TC(tp, envelope_load_expand_nul);
	return atf_no_error();
}
