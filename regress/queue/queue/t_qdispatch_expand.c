/*
 * t_qdispatch_expand.c - what the queue accepts of a notice's expansion
 * from the lookup, and the envelopes it builds from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "cfg.h"
#include "envelope.h"
#include "../../../queue/queue/queue.h"

/* t_cfg - a configuration with one action of each kind */
static struct cfg *
t_cfg(void)
{
	struct cfg	*cfg;
	FILE		*f;
	char		 err[256];

	ATF_REQUIRE((f = fopen("smtpd.conf", "w")) != NULL);
	fputs("table al { \"x\" = \"y\" }\n"
	    "action md maildir\naction mb mbox\naction m mda \"cat\"\n"
	    "action ma mda \"cat\" alias <al>\n"
	    "action e expand-only\naction fw forward-only\n"
	    "action r relay\n"
	    "match from local for local action md\n"
	    "match from local for any action r\n", f);
	fclose(f);
	if ((cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err))) == NULL)
		atf_tc_fail("cfg_load: %s", err);
	return cfg;
}

ATF_TC_WITHOUT_HEAD(qdispatch_expand_check_results);
ATF_TC_BODY(qdispatch_expand_check_results, tc)
{
	static const struct {
		const char	*disp;
		const char	*dest;
		uint32_t	 type;
		const char	*user;
		uint32_t	 origin;
		int		 ok;
	} t[] = {
		{ "md", "alice@localhost", ENVELOPE_DEST_ADDRESS, "alice",
		    ENVELOPE_ORIGIN_MAILBOX, 1 },
		{ "mb", "alice", ENVELOPE_DEST_ADDRESS, "alice", 0, 1 },
		{ "ma", "/var/log/notices", ENVELOPE_DEST_FILE, "nobody",
		    ENVELOPE_ORIGIN_ALIAS, 1 },
		{ "m", "/bin/true", ENVELOPE_DEST_COMMAND, "alice",
		    ENVELOPE_ORIGIN_FORWARD, 1 },
		{ "r", "bob@example.net", ENVELOPE_DEST_ADDRESS, "", 0, 1 },
		/* an alias entry where the action has no alias table */
		{ "m", "/bin/true", ENVELOPE_DEST_COMMAND, "nobody",
		    ENVELOPE_ORIGIN_ALIAS, 0 },
		/* no user, bad types, no destination */
		{ "md", "alice", ENVELOPE_DEST_ADDRESS, "", 0, 0 },
		{ "md", "alice", ENVELOPE_DEST_COMMAND + 1, "alice", 0, 0 },
		{ "md", "alice", 0xffffffffU, "alice", 0, 0 },
		{ "md", "", ENVELOPE_DEST_ADDRESS, "alice", 0, 0 },
		{ "r", "bob@example.net", ENVELOPE_DEST_FILE, "", 0, 0 },
		{ "r", "bob@example.net", ENVELOPE_DEST_ADDRESS, "bob", 0, 0 },
		{ "e", "alice", ENVELOPE_DEST_ADDRESS, "alice", 0, 0 },
		{ "e", "/bin/true", ENVELOPE_DEST_COMMAND, "alice",
		    ENVELOPE_ORIGIN_FORWARD, 0 },
		{ "fw", "alice", ENVELOPE_DEST_ADDRESS, "alice", 0, 0 },
		{ "nosuch", "alice", ENVELOPE_DEST_ADDRESS, "alice", 0, 0 },
		{ "", "alice", ENVELOPE_DEST_ADDRESS, "alice", 0, 0 },
		{ "MD", "alice", ENVELOPE_DEST_ADDRESS, "alice", 0, 0 },
	};
	struct envelope	 r;
	struct cfg	*cfg = t_cfg();
	size_t		 i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&r, 0, sizeof(r));
		strlcpy(r.rcpt, "root", sizeof(r.rcpt));
		strlcpy(r.dispatcher, t[i].disp, sizeof(r.dispatcher));
		strlcpy(r.dest, t[i].dest, sizeof(r.dest));
		strlcpy(r.user, t[i].user, sizeof(r.user));
		r.dest_type = t[i].type;
		r.origin = t[i].origin;
		ATF_CHECK_EQ_MSG(qdispatch_expand_check(cfg, &r) == NULL,
		    t[i].ok, "case %zu", i);
	}
	cfg_free(cfg);
}

/* t_notice - a notice to root, unexpanded, after two tries */
static void
t_notice(struct envelope *n)
{
	memset(n, 0, sizeof(*n));
	n->evpid = 0x0badf00d00000001ULL;
	strlcpy(n->rcpt, "root", sizeof(n->rcpt));
	strlcpy(n->dest, "root", sizeof(n->dest));
	strlcpy(n->dispatcher, "md", sizeof(n->dispatcher));
	strlcpy(n->hostname, "mx.example", sizeof(n->hostname));
	strlcpy(n->errmsg, "451 4.3.0 lookup busy", sizeof(n->errmsg));
	n->flags = ENVELOPE_F_BOUNCE | ENVELOPE_F_EXPAND;
	n->ctime = 1700000000;
	n->ttl = 100;
	n->nexttry = 1700000500;
	n->retry = 2;
}

ATF_TC_WITHOUT_HEAD(qdispatch_expand_build_fields);
ATF_TC_BODY(qdispatch_expand_build_fields, tc)
{
	struct envelope	n, r, out;

	(void)tc;
	t_notice(&n);
	memset(&r, 0, sizeof(r));
	strlcpy(r.dispatcher, "mb", sizeof(r.dispatcher));
	strlcpy(r.dest, "alice@localhost", sizeof(r.dest));
	strlcpy(r.user, "alice", sizeof(r.user));
	strlcpy(r.rcpt, "spoofed", sizeof(r.rcpt));
	strlcpy(r.sender, "spoofed@x", sizeof(r.sender));
	r.flags = ENVELOPE_F_AUTH | ENVELOPE_F_EXPAND;
	r.dest_type = ENVELOPE_DEST_ADDRESS;
	r.origin = ENVELOPE_ORIGIN_MAILBOX;
	ATF_REQUIRE(qdispatch_expand_build(&n, &r, 7200, &out) == 0);
	ATF_CHECK_EQ(out.origin, ENVELOPE_ORIGIN_MAILBOX);
	ATF_CHECK_EQ(out.evpid, 0);
	ATF_CHECK_STREQ(out.rcpt, "root");		/* the notice's */
	ATF_CHECK_STREQ(out.sender, "");		/* from <> */
	ATF_CHECK_STREQ(out.dest, "alice@localhost");
	ATF_CHECK_STREQ(out.dispatcher, "mb");
	ATF_CHECK_STREQ(out.user, "alice");
	ATF_CHECK_STREQ(out.hostname, "mx.example");
	ATF_CHECK_STREQ(out.errmsg, "");
	ATF_CHECK_EQ(out.flags, ENVELOPE_F_BOUNCE);	/* not re-expanded */
	ATF_CHECK_EQ(out.ctime, 1700000000);
	ATF_CHECK_EQ(out.ttl, 7200);
	ATF_CHECK_EQ(out.retry, 0);
	ATF_CHECK_EQ(out.state, ENVELOPE_ST_PENDING);
}

ATF_TC_WITHOUT_HEAD(qdispatch_expand_build_limits);
ATF_TC_BODY(qdispatch_expand_build_limits, tc)
{
	struct envelope	n, r, out;

	(void)tc;
	t_notice(&n);
	memset(&r, 0, sizeof(r));
	strlcpy(r.dispatcher, "m", sizeof(r.dispatcher));
	r.dest_type = ENVELOPE_DEST_COMMAND;
	strlcpy(r.user, "nobody", sizeof(r.user));
	/* a destination exactly as long as the field holds, with 8-bit */
	memset(r.dest, 0xe9, sizeof(r.dest) - 1);
	r.dest[sizeof(r.dest) - 1] = '\0';
	ATF_CHECK_EQ(qdispatch_expand_build(&n, &r, 60, &out), 0);
	ATF_CHECK_EQ(strlen(out.dest), sizeof(r.dest) - 1);
	/* an impossible lifetime is refused by the record */
	ATF_CHECK_EQ(qdispatch_expand_build(&n, &r, -1, &out), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, qdispatch_expand_check_results);
	ATF_TP_ADD_TC(tp, qdispatch_expand_build_fields);
	ATF_TP_ADD_TC(tp, qdispatch_expand_build_limits);
	return atf_no_error();
}
