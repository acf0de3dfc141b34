/*
 * t_lookup_fproto.c - the filter process protocol: configuration,
 * report and filter lines byte for byte, data-line escaping both ways,
 * registrations, filter results and everything a hostile filter may
 * write instead.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "buf.h"
#include "cfg.h"
#include "../../../smtpd/lookup/lookup_fproto.h"

static const struct timespec t_ts = { 1576146008, 6099000 };

ATF_TC_WITHOUT_HEAD(lookup_fproto_config);
ATF_TC_BODY(lookup_fproto_config, tc)
{
	struct buf	b;

	buf_init(&b, 4096);
	ATF_REQUIRE_EQ(lookup_fproto_config(&b, "mx.example.org"), 0);
	ATF_CHECK_STREQ(b.data, "config|smtpd-version|7.5.0\n"
	    "config|protocol|0.7\n"
	    "config|smtp-session-timeout|300\n"
	    "config|subsystem|smtp-in\n"
	    "config|admd|mx.example.org\n"
	    "config|ready\n");
	buf_reset(&b);
	ATF_REQUIRE_EQ(lookup_fproto_config(&b, NULL), 0);
	ATF_CHECK(strstr(b.data, "admd") == NULL);
	buf_reset(&b);
	ATF_CHECK_EQ(lookup_fproto_config(&b, "a\nb"), -1);
	ATF_CHECK_EQ(b.len, 0);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(lookup_fproto_lines);
ATF_TC_BODY(lookup_fproto_lines, tc)
{
	const char	*conn[] = { "mail.openbsd.org", "pass",
			    "199.185.178.25:33174", "45.77.67.80:25" };
	const char	*mail[] = { "ok", "a|b@example.org" };
	const char	*from[] = { "bob@example.org" };
	struct buf	 b;

	buf_init(&b, 4096);
	ATF_REQUIRE_EQ(lookup_fproto_report(&b, &t_ts,
	    LOOKUP_FPROTO_LINK_CONNECT, 0x7641df9771b4ed00ULL, conn, 4), 0);
	ATF_REQUIRE_EQ(lookup_fproto_report(&b, &t_ts, LOOKUP_FPROTO_TX_MAIL,
	    0x1, mail, 2), 0);
	ATF_REQUIRE_EQ(lookup_fproto_report(&b, &t_ts,
	    LOOKUP_FPROTO_LINK_DISCONNECT, 0x1, NULL, 0), 0);
	ATF_REQUIRE_EQ(lookup_fproto_filter(&b, &t_ts, CFG_SFILTER_MAIL_FROM,
	    0x7641df9771b4ed00ULL, 0x1ef1c203cc576e5dULL, from, 1), 0);
	ATF_REQUIRE_EQ(lookup_fproto_filter(&b, &t_ts, CFG_SFILTER_COMMIT,
	    0x2, 0x3, NULL, 0), 0);
	ATF_CHECK_STREQ(b.data,
	    "report|0.7|1576146008.006099|smtp-in|link-connect|"
	    "7641df9771b4ed00|mail.openbsd.org|pass|199.185.178.25:33174|"
	    "45.77.67.80:25\n"
	    "report|0.7|1576146008.006099|smtp-in|tx-mail|0000000000000001|"
	    "ok|a|b@example.org\n"
	    "report|0.7|1576146008.006099|smtp-in|link-disconnect|"
	    "0000000000000001\n"
	    "filter|0.7|1576146008.006099|smtp-in|mail-from|7641df9771b4ed00|"
	    "1ef1c203cc576e5d|bob@example.org\n"
	    "filter|0.7|1576146008.006099|smtp-in|commit|0000000000000002|"
	    "0000000000000003\n");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(lookup_fproto_lines_refused);
ATF_TC_BODY(lookup_fproto_lines_refused, tc)
{
	const char	*nl[] = { "evil\r\nfilter-result|x" };
	struct buf	 b;

	buf_init(&b, 200);
	ATF_REQUIRE_EQ(buf_addstr(&b, "kept\n"), 0);
	ATF_CHECK_EQ(lookup_fproto_report(&b, &t_ts,
	    LOOKUP_FPROTO_PROTOCOL_CLIENT, 1, nl, 1), -1);
	ATF_CHECK_EQ(lookup_fproto_filter(&b, &t_ts, CFG_SFILTER_HELO, 1, 2,
	    nl, 1), -1);
	ATF_CHECK_EQ(lookup_fproto_report(&b, &t_ts, LOOKUP_FPROTO_EVENTS, 1,
	    NULL, 0), -1);
	ATF_CHECK_EQ(lookup_fproto_dataline(&b, &t_ts, 1, 2, "a\nb"), -1);
	/* past the buffer's cap: nothing of the line stays */
	ATF_CHECK_EQ(lookup_fproto_dataline(&b, &t_ts, 1, 2,
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"),
	    -1);
	ATF_CHECK_STREQ(b.data, "kept\n");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(lookup_fproto_dataline);
ATF_TC_BODY(lookup_fproto_dataline, tc)
{
	struct buf	 b;
	const char	*out;

	buf_init(&b, 4096);
	ATF_REQUIRE_EQ(lookup_fproto_dataline(&b, &t_ts, 1, 2, "Subject: x"),
	    0);
	ATF_REQUIRE_EQ(lookup_fproto_dataline(&b, &t_ts, 1, 2, "."), 0);
	ATF_REQUIRE_EQ(lookup_fproto_dataline(&b, &t_ts, 1, 2, ".x|y"), 0);
	ATF_REQUIRE_EQ(lookup_fproto_dataline(&b, &t_ts, 1, 2, ""), 0);
	ATF_REQUIRE_EQ(lookup_fproto_dataline(&b, &t_ts, 1, 2, NULL), 0);
	ATF_CHECK_STREQ(b.data,
	    "filter|0.7|1576146008.006099|smtp-in|data-line|0000000000000001|"
	    "0000000000000002|Subject: x\n"
	    "filter|0.7|1576146008.006099|smtp-in|data-line|0000000000000001|"
	    "0000000000000002|..\n"
	    "filter|0.7|1576146008.006099|smtp-in|data-line|0000000000000001|"
	    "0000000000000002|..x|y\n"
	    "filter|0.7|1576146008.006099|smtp-in|data-line|0000000000000001|"
	    "0000000000000002|\n"
	    "filter|0.7|1576146008.006099|smtp-in|data-line|0000000000000001|"
	    "0000000000000002|.\n");
	ATF_CHECK_EQ(lookup_fproto_unstuff(".", &out), 1);
	ATF_CHECK_EQ(lookup_fproto_unstuff("..", &out), 0);
	ATF_CHECK_STREQ(out, ".");
	ATF_CHECK_EQ(lookup_fproto_unstuff("..x", &out), 0);
	ATF_CHECK_STREQ(out, ".x");
	ATF_CHECK_EQ(lookup_fproto_unstuff("x|y", &out), 0);
	ATF_CHECK_STREQ(out, "x|y");
	ATF_CHECK_EQ(lookup_fproto_unstuff("", &out), 0);
	ATF_CHECK_STREQ(out, "");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(lookup_fproto_register);
ATF_TC_BODY(lookup_fproto_register, tc)
{
	static const char *const bad[] = {
		"register|report|smtp-out|link-connect",
		"register|report|smtp-in|link-connectx",
		"register|filter|smtp-in|mail",
		"register|filter|smtp-in|*",
		"register|report|smtp-in|**",
		"register|filter|smtp-in|",
		"register|ready|",
		"register",
		"filter-result|1|2|proceed",
		"",
	};
	struct lookup_fproto_reg	 reg;
	char				 err[128];
	size_t				 i;

	ATF_REQUIRE_EQ(lookup_fproto_register_parse("register|ready", &reg,
	    err, sizeof(err)), 0);
	ATF_CHECK_EQ(reg.kind, LOOKUP_FPROTO_REG_READY);
	ATF_REQUIRE_EQ(lookup_fproto_register_parse(
	    "register|report|smtp-in|tx-commit", &reg, err, sizeof(err)), 0);
	ATF_CHECK_EQ(reg.kind, LOOKUP_FPROTO_REG_REPORT);
	ATF_CHECK_EQ(reg.which, LOOKUP_FPROTO_TX_COMMIT);
	/* as OpenSMTPD: every event at once */
	ATF_REQUIRE_EQ(lookup_fproto_register_parse(
	    "register|report|smtp-in|*", &reg, err, sizeof(err)), 0);
	ATF_CHECK_EQ(reg.kind, LOOKUP_FPROTO_REG_REPORT);
	ATF_CHECK_EQ(reg.which, LOOKUP_FPROTO_EVENTS);
	ATF_REQUIRE_EQ(lookup_fproto_register_parse(
	    "register|filter|smtp-in|data-line", &reg, err, sizeof(err)), 0);
	ATF_CHECK_EQ(reg.kind, LOOKUP_FPROTO_REG_FILTER);
	ATF_CHECK_EQ(reg.which, LOOKUP_FPROTO_DATA_LINE);
	ATF_REQUIRE_EQ(lookup_fproto_register_parse(
	    "register|filter|smtp-in|rcpt-to", &reg, err, sizeof(err)), 0);
	ATF_CHECK_EQ(reg.which, CFG_SFILTER_RCPT_TO);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(lookup_fproto_register_parse(bad[i], &reg,
		    err, sizeof(err)), -1, "%s", bad[i]);
}

ATF_TC_WITHOUT_HEAD(lookup_fproto_result);
ATF_TC_BODY(lookup_fproto_result, tc)
{
	struct lookup_fproto_result	 r;
	char				 err[128];

	ATF_REQUIRE_EQ(lookup_fproto_result_parse("filter-result|"
	    "7641df9771b4ed00|1ef1c203cc576e5d|proceed", &r, err,
	    sizeof(err)), 0);
	ATF_CHECK(r.sessid == 0x7641df9771b4ed00ULL);
	ATF_CHECK(r.token == 0x1ef1c203cc576e5dULL);
	ATF_CHECK_EQ(r.decision, LOOKUP_FPROTO_PROCEED);
	ATF_CHECK(r.param == NULL);
	ATF_REQUIRE_EQ(lookup_fproto_result_parse("filter-result|1|2|reject|"
	    "550 5.7.1 no | never", &r, err, sizeof(err)), 0);
	ATF_CHECK_EQ(r.decision, LOOKUP_FPROTO_REJECT);
	ATF_CHECK_STREQ(r.param, "550 5.7.1 no | never");
	ATF_REQUIRE_EQ(lookup_fproto_result_parse("filter-result|1|2|"
	    "disconnect|421 bye", &r, err, sizeof(err)), 0);
	ATF_CHECK_EQ(r.decision, LOOKUP_FPROTO_DISCONNECT);
	ATF_REQUIRE_EQ(lookup_fproto_result_parse("filter-result|1|2|"
	    "rewrite|alice@example.org", &r, err, sizeof(err)), 0);
	ATF_CHECK_EQ(r.decision, LOOKUP_FPROTO_REWRITE);
	ATF_CHECK_STREQ(r.param, "alice@example.org");
	ATF_REQUIRE_EQ(lookup_fproto_result_parse("filter-result|1|2|junk",
	    &r, err, sizeof(err)), 0);
	ATF_CHECK_EQ(r.decision, LOOKUP_FPROTO_JUNK);
	ATF_REQUIRE_EQ(lookup_fproto_result_parse("filter-result|1|2|report|"
	    "seen", &r, err, sizeof(err)), 0);
	ATF_CHECK_EQ(r.decision, LOOKUP_FPROTO_REPORT);
	ATF_REQUIRE_EQ(lookup_fproto_result_parse("filter-dataline|"
	    "00000000000000aB|2|..x|y", &r, err, sizeof(err)), 0);
	ATF_CHECK_EQ(r.decision, LOOKUP_FPROTO_DATALINE);
	ATF_CHECK(r.sessid == 0xab);
	ATF_CHECK_STREQ(r.param, "..x|y");
	ATF_REQUIRE_EQ(lookup_fproto_result_parse("filter-dataline|1|2|",
	    &r, err, sizeof(err)), 0);
	ATF_CHECK_STREQ(r.param, "");
}

ATF_TC_WITHOUT_HEAD(lookup_fproto_result_hostile);
ATF_TC_BODY(lookup_fproto_result_hostile, tc)
{
	static const char *const bad[] = {
		"filter-result|1|2|accept",
		"filter-result|1|2|proceed|extra",
		"filter-result|1|2|junk|",
		"filter-result|1|2|reject",
		"filter-result|1|2|reject|",
		"filter-result|1|2|reject|250 ok",
		"filter-result|1|2|reject|550",
		"filter-result|1|2|reject|55x no",
		"filter-result|1|2|disconnect|221 bye",
		"filter-result|1|2|reject|550 a\tb",
		"filter-result|1|2|rewrite",
		"filter-result|1|2|rewrite|",
		"filter-result|1|2|",
		"filter-result|1|2",
		"filter-result||2|proceed",
		"filter-result|1||proceed",
		"filter-result|g|2|proceed",
		"filter-result|-1|2|proceed",
		"filter-result|11111111111111111|2|proceed",
		"filter-result|1",
		"filter-dataline|1|2",
		"filter-dataline|1",
		"filter-response|1|2|proceed",
		"Filter-result|1|2|proceed",
		"garbage",
		"",
	};
	struct lookup_fproto_result	 r;
	char				 err[128];
	size_t				 i;
	uint64_t			 sid, tok;

	/* a decision that does not parse still names what it answers */
	ATF_REQUIRE_EQ(lookup_fproto_ids("filter-result|a|b|maybe", &sid,
	    &tok), 0);
	ATF_CHECK(sid == 0xa && tok == 0xb);
	ATF_CHECK_EQ(lookup_fproto_ids("filter-result|a|", &sid, &tok), -1);
	ATF_CHECK_EQ(lookup_fproto_ids("garbage|a|b|", &sid, &tok), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(lookup_fproto_result_parse(bad[i], &r, err,
		    sizeof(err)), -1, "%s", bad[i]);
		ATF_CHECK_MSG(err[0] != '\0', "no reason for %s", bad[i]);
	}
}

ATF_TC_WITHOUT_HEAD(lookup_fproto_phases);
ATF_TC_BODY(lookup_fproto_phases, tc)
{
	struct lookup_fproto_reg	 reg;
	char				 err[128];
	static const struct {
		const char	*name;
		unsigned int	 phase;
	} t[] = {
		{ "rset", CFG_SFILTER_RSET }, { "quit", CFG_SFILTER_QUIT },
		{ "noop", CFG_SFILTER_NOOP }, { "help", CFG_SFILTER_HELP },
		{ "data-line", LOOKUP_FPROTO_DATA_LINE },
		{ "wiz", LOOKUP_FPROTO_WIZ }, { "commit", CFG_SFILTER_COMMIT },
	};
	char				 line[64];
	size_t				 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_STREQ(lookup_fproto_phase_name(t[i].phase),
		    t[i].name);
		snprintf(line, sizeof(line), "register|filter|smtp-in|%s",
		    t[i].name);
		ATF_REQUIRE_EQ(lookup_fproto_register_parse(line, &reg, err,
		    sizeof(err)), 0);
		ATF_CHECK_EQ(reg.kind, LOOKUP_FPROTO_REG_FILTER);
		ATF_CHECK_EQ(reg.which, t[i].phase);
	}
	ATF_CHECK(LOOKUP_FPROTO_PHASES <= 32);
	/* filter-response names two phases as OpenSMTPD does */
	ATF_CHECK_STREQ(lookup_fproto_response_phase(CFG_SFILTER_CONNECT),
	    "connected");
	ATF_CHECK_STREQ(lookup_fproto_response_phase(CFG_SFILTER_STARTTLS),
	    "tls");
	ATF_CHECK_STREQ(lookup_fproto_response_phase(CFG_SFILTER_NOOP),
	    "noop");
	ATF_CHECK_STREQ(lookup_fproto_response_phase(CFG_SFILTER_RCPT_TO),
	    "rcpt-to");
	ATF_CHECK_STREQ(lookup_fproto_phase_name(LOOKUP_FPROTO_PHASES), "?");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_fproto_config);
	ATF_TP_ADD_TC(tp, lookup_fproto_lines);
	ATF_TP_ADD_TC(tp, lookup_fproto_lines_refused);
	ATF_TP_ADD_TC(tp, lookup_fproto_dataline);
	ATF_TP_ADD_TC(tp, lookup_fproto_register);
	ATF_TP_ADD_TC(tp, lookup_fproto_result);
	ATF_TP_ADD_TC(tp, lookup_fproto_result_hostile);
	ATF_TP_ADD_TC(tp, lookup_fproto_phases);
	return atf_no_error();
}
