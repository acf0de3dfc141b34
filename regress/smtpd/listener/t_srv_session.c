/*
 * t_srv_session.c - the listener's commands, sequences, limits and error
 * budget, with a scripted lookup and queue (srv_harness.h).
 */
#include <atf-c.h>

#include "srv_harness.h"

#define EHLO	"EHLO client.test\r\n"
#define TX	"MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n"

/* one case: a session of the listener set up by the test, its codes */
struct h_case {
	const char	*name;
	const char	*parts[8];
	const char	*codes;
};

/* h_run_cases - each case in a fresh session of one listener */
static void
h_run_cases(const struct h_case *cases, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		h_talk(cases[i].parts);
		if (strcmp(h_codes(), cases[i].codes) != 0)
			atf_tc_fail_nonfatal("%s: codes \"%s\", want \"%s\":\n%s",
			    cases[i].name, h_codes(), cases[i].codes, H.out);
	}
}

ATF_TC_WITHOUT_HEAD(srv_cmd_line_commands);
ATF_TC_BODY(srv_cmd_line_commands, tc)
{
	static const struct h_case cases[] = {
	{ "greeting", { NULL }, "220 " },
	{ "helo", { "HELO x.test\r\nQUIT\r\n", NULL }, "220 250 221 " },
	{ "ehlo", { EHLO "QUIT\r\n", NULL }, "220 250 221 " },
	{ "noop rset", { "NOOP\r\nRSET\r\nNOOP hello\r\n", NULL },
	    "220 250 250 250 " },
	{ "vrfy expn help", { "VRFY root\r\nEXPN staff\r\nHELP\r\n",
	    NULL }, "220 252 502 214 " },
	{ "unknown", { "FOO\r\n", NULL }, "220 500 " },
	{ "mail before helo", { "MAIL FROM:<a@b.test>\r\n", NULL },
	    "220 503 " },
	{ "rcpt before mail", { EHLO "RCPT TO:<a@b.test>\r\n", NULL },
	    "220 250 503 " },
	{ "data before mail", { EHLO "DATA\r\n", NULL }, "220 250 503 " },
	{ "bad mail syntax", { EHLO "MAIL FROM:a@b\r\n", NULL },
	    "220 250 501 " },
	{ "unknown parameter", { EHLO "MAIL FROM:<a@b.test> X=Y\r\n",
	    NULL }, "220 250 555 " },
	{ "size in helo session", { "HELO x\r\nMAIL FROM:<a@b.test> "
	    "SIZE=10\r\n", NULL }, "220 250 504 " },
	{ "mail refused", { EHLO "MAIL FROM:<bad@b.test>\r\n"
	    "RCPT TO:<c@d.test>\r\n", NULL }, "220 250 553 503 " },
	{ "rcpt refused", { EHLO "MAIL FROM:<a@b.test>\r\n"
	    "RCPT TO:<nobody@d.test>\r\nDATA\r\n", NULL },
	    "220 250 250 550 554 " },
	{ "second mail", { EHLO TX "MAIL FROM:<a@b.test>\r\n", NULL },
	    "220 250 250 250 503 " },
	{ "starttls not offered", { EHLO "STARTTLS\r\n", NULL },
	    "220 250 502 " },
	{ "auth not offered", { EHLO "AUTH PLAIN\r\n", NULL },
	    "220 250 503 " },
	{ "quit closes", { "QUIT\r\nNOOP\r\n", NULL }, "220 221 " },
	};

	h_setup("");
	h_run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

ATF_TC_WITHOUT_HEAD(srv_cmd_line_ehlo_keywords);
ATF_TC_BODY(srv_cmd_line_ehlo_keywords, tc)
{
	static const char *const	 parts[] = { EHLO, NULL };
	static const char *const	 kw[] = { "250-PIPELINING\r\n",
	    "250-SIZE 1000\r\n", "250-8BITMIME\r\n",
	    "250-ENHANCEDSTATUSCODES\r\n", "250-SMTPUTF8\r\n", "250-DSN\r\n",
	    "250-CHUNKING\r\n", "250 HELP\r\n", "250-mx.test Hello\r\n" };
	size_t				 i;

	h_setup("smtp max-message-size 1000");
	h_talk(parts);
	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		ATF_CHECK_MSG(strstr(H.out, kw[i]) != NULL, "no %s in %s",
		    kw[i], H.out);
	ATF_CHECK(strstr(H.out, "STARTTLS") == NULL);
	ATF_CHECK(strstr(H.out, "AUTH") == NULL);
}

ATF_TC_WITHOUT_HEAD(srv_cmd_line_no_dsn);
ATF_TC_BODY(srv_cmd_line_no_dsn, tc)
{
	static const char *const	 parts[] = { EHLO,
	    "MAIL FROM:<a@b.test> RET=HDRS\r\n", NULL };

	h_setup_opts("no-dsn", "");
	h_talk(parts);
	H_CODES("220 250 504 ");
	ATF_CHECK(strstr(H.out, "DSN") == NULL);
}

ATF_TC_WITHOUT_HEAD(srv_session_strike_budget);
ATF_TC_BODY(srv_session_strike_budget, tc)
{
	static const char *const	 ten[] = { "X\r\nX\r\nX\r\nX\r\nX\r\n"
	    "X\r\nX\r\nX\r\nX\r\nX\r\nNOOP\r\n", NULL };
	static const char *const	 eleven[] = { "X\r\nX\r\nX\r\nX\r\n"
	    "X\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nNOOP\r\n", NULL };

	h_setup("");
	h_talk(ten);
	H_CODES("220 500 500 500 500 500 500 500 500 500 500 250 ");
	h_talk(eleven);
	H_CODES("220 500 500 500 500 500 500 500 500 500 500 500 421 ");
}

/* h_line - a command line of exactly n octets before CRLF */
static char *
h_line(const char *verb, size_t n)
{
	char	*p = malloc(n + 3);

	memset(p, 'a', n);
	memcpy(p, verb, strlen(verb));
	memcpy(p + n, "\r\n", 3);
	return p;
}

ATF_TC_WITHOUT_HEAD(srv_session_cmdline_limit);
ATF_TC_BODY(srv_session_cmdline_limit, tc)
{
	char		*at = h_line("NOOP ", 510), *over = h_line("NOOP ", 511);
	char		*huge = h_line("NOOP ", 100000);
	const char	*p1[] = { at, "NOOP\r\n", NULL };
	const char	*p2[] = { over, "NOOP\r\n", NULL };
	const char	*p3[] = { huge, "NOOP\r\n", NULL };

	h_setup("");
	h_talk(p1);
	H_CODES("220 250 250 ");
	h_talk(p2);
	H_CODES("220 500 250 ");
	ATF_CHECK(strstr(H.out, "500 5.5.6") != NULL);
	/* the rest of a huge line is eaten, never run as a command */
	h_talk(p3);
	H_CODES("220 500 250 ");
	free(at);
	free(over);
	free(huge);
}

ATF_TC_WITHOUT_HEAD(srv_cmd_rcpt_max_rcpt);
ATF_TC_BODY(srv_cmd_rcpt_max_rcpt, tc)
{
	static const char *const	 parts[] = { EHLO,
	    "MAIL FROM:<a@b.test>\r\nRCPT TO:<c1@d.test>\r\n"
	    "RCPT TO:<c2@d.test>\r\nRCPT TO:<c3@d.test>\r\n", NULL };

	h_setup("smtp limit max-rcpt 2");
	h_talk(parts);
	H_CODES("220 250 250 250 250 452 ");
	ATF_CHECK(strstr(H.out, "452 4.5.3") != NULL);
}

ATF_TC_WITHOUT_HEAD(srv_cmd_mail_max_mails);
ATF_TC_BODY(srv_cmd_mail_max_mails, tc)
{
	static const char *const	 parts[] = { EHLO, TX "DATA\r\n",
	    "hello\r\n.\r\n", TX "DATA\r\n", "again\r\n.\r\n", TX, NULL };

	h_setup("smtp limit max-mails 2");
	h_talk(parts);
	H_CODES("220 250 250 250 354 250 250 250 354 250 452 503 ");
	ATF_CHECK_EQ(H.commits, 2);
}

ATF_TC_WITHOUT_HEAD(srv_cmd_mail_size);
ATF_TC_BODY(srv_cmd_mail_size, tc)
{
	static const char *const	 at[] = { EHLO,
	    "MAIL FROM:<a@b.test> SIZE=1000\r\n", NULL };
	static const char *const	 over[] = { EHLO,
	    "MAIL FROM:<a@b.test> SIZE=1001\r\n", NULL };

	h_setup("smtp max-message-size 1000");
	h_talk(at);
	H_CODES("220 250 250 ");
	h_talk(over);
	H_CODES("220 250 552 ");
	ATF_CHECK(strstr(H.out, "552 5.3.4") != NULL);
}

ATF_TC_WITHOUT_HEAD(srv_session_pipelining);
ATF_TC_BODY(srv_session_pipelining, tc)
{
	static const char *const	 parts[] = { EHLO "MAIL FROM:<a@b.test>\r\n"
	    "RCPT TO:<c@d.test>\r\nRCPT TO:<nobody@d.test>\r\n"
	    "RCPT TO:<e@d.test>\r\nDATA\r\n", "x\r\n.\r\nQUIT\r\n", NULL };

	h_setup("");
	h_talk(parts);
	H_CODES("220 250 250 250 550 250 354 250 221 ");
	ATF_CHECK_EQ(H.commits, 1);
	ATF_CHECK_EQ(H.nrcpt, 2);
}

ATF_TC_WITHOUT_HEAD(srv_session_process_output_cap);
ATF_TC_BODY(srv_session_process_output_cap, tc)
{
	const char	*parts[2];
	char		*many;
	const char	*p;
	size_t		 i, n = 10000, replies = 0;

	many = malloc(n * 6 + 1);
	for (i = 0; i < n; i++)
		memcpy(many + i * 6, "NOOP\r\n", 6);
	many[n * 6] = '\0';
	parts[0] = many;
	parts[1] = NULL;
	h_setup("");
	/* far more replies than the output cap: all come, in order */
	h_talk(parts);
	for (p = H.out; (p = strstr(p, "250 2.0.0 Ok\r\n")) != NULL; p++)
		replies++;
	ATF_CHECK_EQ(replies, n);
	free(many);
}

ATF_TC_WITHOUT_HEAD(srv_session_on_event_timeout);
ATF_TC_BODY(srv_session_on_event_timeout, tc)
{
	static const char *const	 idle[] = { EHLO, "@", NULL };
	static const char *const	 data[] = { EHLO TX "DATA\r\n", "x\r\n",
	    "@", NULL };

	h_setup("");
	/* the RFC's 5 and 10 minutes, shortened for the test */
	H.srv.timeout_cmd = 1;
	H.srv.timeout_data = 1;
	h_talk(idle);
	H_CODES("220 250 421 ");
	ATF_CHECK(strstr(H.out, "421 4.4.2 mx.test Timeout") != NULL);
	h_talk(data);
	H_CODES("220 250 250 250 354 421 ");
	ATF_CHECK_EQ(H.commits, 0);
	ATF_CHECK_EQ(H.aborts, 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, srv_cmd_line_commands);
	ATF_TP_ADD_TC(tp, srv_cmd_line_ehlo_keywords);
	ATF_TP_ADD_TC(tp, srv_cmd_line_no_dsn);
	ATF_TP_ADD_TC(tp, srv_session_strike_budget);
	ATF_TP_ADD_TC(tp, srv_session_cmdline_limit);
	ATF_TP_ADD_TC(tp, srv_cmd_rcpt_max_rcpt);
	ATF_TP_ADD_TC(tp, srv_cmd_mail_max_mails);
	ATF_TP_ADD_TC(tp, srv_cmd_mail_size);
	ATF_TP_ADD_TC(tp, srv_session_pipelining);
	ATF_TP_ADD_TC(tp, srv_session_process_output_cap);
	ATF_TP_ADD_TC(tp, srv_session_on_event_timeout);
	return atf_no_error();
}
