/*
 * t_bounce.c - delivery status notices: who gets one, the status code,
 * dates, the rule that carries it, and the structure of the message
 * (also checked by Python's email package when it is installed).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "cfg.h"
#include "envelope.h"
#include "../../../queue/queue/bounce.h"

#define T_PY	"/usr/bin/python3"

ATF_TC_WITHOUT_HEAD(bounce_target_rules);
ATF_TC_BODY(bounce_target_rules, tc)
{
	static const struct {
		const char		*sender;
		const char		*rcpt;
		uint32_t		 notify;
		uint32_t		 flags;
		enum bounce_kind	 kind;
		enum bounce_target	 want;
	} t[] = {
		{ "s@x", "r@y", 0, 0, BOUNCE_KIND_FAILED, BOUNCE_TARGET_SENDER },
		{ "s@x", "r@y", 0, 0, BOUNCE_KIND_DELAYED, BOUNCE_TARGET_SENDER },
		{ "s@x", "r@y", 0, 0, BOUNCE_KIND_DELIVERED, BOUNCE_TARGET_NONE },
		{ "s@x", "r@y", ENVELOPE_DSN_NEVER, 0, BOUNCE_KIND_FAILED,
		    BOUNCE_TARGET_NONE },
		{ "s@x", "r@y", ENVELOPE_DSN_NEVER, 0, BOUNCE_KIND_DELAYED,
		    BOUNCE_TARGET_NONE },
		{ "s@x", "r@y", ENVELOPE_DSN_SUCCESS, 0, BOUNCE_KIND_DELIVERED,
		    BOUNCE_TARGET_SENDER },
		{ "s@x", "r@y", ENVELOPE_DSN_SUCCESS, 0, BOUNCE_KIND_FAILED,
		    BOUNCE_TARGET_NONE },
		{ "s@x", "r@y", ENVELOPE_DSN_FAILURE, 0, BOUNCE_KIND_FAILED,
		    BOUNCE_TARGET_SENDER },
		{ "s@x", "r@y", ENVELOPE_DSN_FAILURE, 0, BOUNCE_KIND_DELAYED,
		    BOUNCE_TARGET_NONE },
		{ "s@x", "r@y", ENVELOPE_DSN_DELAY, 0, BOUNCE_KIND_DELAYED,
		    BOUNCE_TARGET_SENDER },
		{ "", "r@y", 0, 0, BOUNCE_KIND_FAILED, BOUNCE_TARGET_NONE },
		{ "", "r@y", ENVELOPE_DSN_SUCCESS, 0, BOUNCE_KIND_DELIVERED,
		    BOUNCE_TARGET_NONE },
		/* our own notice failed: once to the postmaster */
		{ "", "s@x", 0, ENVELOPE_F_BOUNCE, BOUNCE_KIND_FAILED,
		    BOUNCE_TARGET_POSTMASTER },
		{ "", "s@x", 0, ENVELOPE_F_BOUNCE, BOUNCE_KIND_DELAYED,
		    BOUNCE_TARGET_NONE },
		{ "", "postmaster", 0, ENVELOPE_F_BOUNCE, BOUNCE_KIND_FAILED,
		    BOUNCE_TARGET_NONE },
		{ "", "PostMaster@x", 0, ENVELOPE_F_BOUNCE, BOUNCE_KIND_FAILED,
		    BOUNCE_TARGET_NONE },
		{ "", "postmasters@x", 0, ENVELOPE_F_BOUNCE, BOUNCE_KIND_FAILED,
		    BOUNCE_TARGET_POSTMASTER },
	};
	struct envelope	evp;
	size_t		i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&evp, 0, sizeof(evp));
		strlcpy(evp.sender, t[i].sender, sizeof(evp.sender));
		strlcpy(evp.rcpt, t[i].rcpt, sizeof(evp.rcpt));
		evp.dsn_notify = t[i].notify;
		evp.flags = t[i].flags;
		ATF_CHECK_EQ_MSG(bounce_target(&evp, t[i].kind), t[i].want,
		    "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(bounce_status_codes);
ATF_TC_BODY(bounce_status_codes, tc)
{
	static const struct {
		const char		*diag;
		enum bounce_kind	 kind;
		const char		*want;
	} t[] = {
		{ "550 5.1.1 User unknown", BOUNCE_KIND_FAILED, "5.1.1" },
		{ "550-5.7.1 denied", BOUNCE_KIND_FAILED, "5.7.1" },
		{ "5.2.2 mailbox full", BOUNCE_KIND_FAILED, "5.2.2" },
		{ "5.4.7", BOUNCE_KIND_FAILED, "5.4.7" },
		{ "5.999.999 at limit", BOUNCE_KIND_FAILED, "5.999.999" },
		{ "5.1000.1 over", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "5.1.1000 over", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "451 4.3.0 later", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "451 4.3.0 later", BOUNCE_KIND_DELAYED, "4.3.0" },
		{ "250 2.0.0 ok", BOUNCE_KIND_DELIVERED, "2.0.0" },
		{ "250 2.1.5 ok", BOUNCE_KIND_DELIVERED, "2.1.5" },
		{ "", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "", BOUNCE_KIND_DELAYED, "4.0.0" },
		{ NULL, BOUNCE_KIND_DELIVERED, "2.0.0" },
		{ "5.1.1x", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "5.1.", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "5..1", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "3.1.1", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "550 \xff.1.1", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "550\n5.1.1", BOUNCE_KIND_FAILED, "5.0.0" },
		{ "mailbox 5.1.1", BOUNCE_KIND_FAILED, "5.0.0" },
	};
	char	buf[16];
	size_t	i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ(bounce_status(t[i].diag, t[i].kind, buf,
		    sizeof(buf)), 0);
		ATF_CHECK_STREQ_MSG(buf, t[i].want, "case %zu", i);
	}
	ATF_CHECK_EQ(bounce_status("5.1.1", BOUNCE_KIND_FAILED, buf, 6), 0);
	ATF_CHECK_STREQ(buf, "5.1.1");
	ATF_CHECK_EQ(bounce_status("5.1.1", BOUNCE_KIND_FAILED, buf, 5), -1);
	ATF_CHECK_EQ(bounce_status("", BOUNCE_KIND_FAILED, buf, 5), -1);
}

ATF_TC_WITHOUT_HEAD(bounce_date_utc);
ATF_TC_BODY(bounce_date_utc, tc)
{
	char	buf[64];

	(void)tc;
	ATF_CHECK_EQ(bounce_date(0, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "Thu, 01 Jan 1970 00:00:00 +0000");
	ATF_CHECK_EQ(bounce_date(1700000000, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "Tue, 14 Nov 2023 22:13:20 +0000");
	ATF_CHECK_EQ(bounce_date(1700000000, buf, 32), 0);
	ATF_CHECK_EQ(bounce_date(1700000000, buf, 31), -1);
}

/* t_original - a message file with headers and a marked body */
static int
t_original(size_t hdrlines)
{
	FILE	*f;
	size_t	 i;
	int	 fd;

	ATF_REQUIRE((f = fopen("original", "w")) != NULL);
	fputs("Received: from a by b\nSubject: hello there\n"
	    "From: <s@example.org>\n", f);
	for (i = 0; i < hdrlines; i++)
		fprintf(f, "X-Filler-%06zu: %s\n", i, "0123456789abcdef");
	fputs("\nBODY-MARKER line\n.\n\nmore\n", f);
	fclose(f);
	ATF_REQUIRE((fd = open("original", O_RDONLY)) != -1);
	return fd;
}

/* t_notice - write a notice about evp to "notice"; its text */
static char *
t_notice(const struct envelope *evp, enum bounce_kind kind,
    const char *diag, int msgfd)
{
	struct bounce_ctx	 ctx = { "mx.example", 1700000000, "BND/x",
	    "1@mx.example" };
	struct stat		 sb;
	char			*text;
	int			 fd;

	ATF_REQUIRE((fd = open("notice", O_RDWR | O_CREAT | O_TRUNC,
	    0600)) != -1);
	ATF_REQUIRE_EQ(bounce_write(fd, &ctx, evp, kind, diag, msgfd), 0);
	ATF_REQUIRE(fstat(fd, &sb) == 0);
	ATF_REQUIRE((text = calloc(1, (size_t)sb.st_size + 1)) != NULL);
	ATF_REQUIRE(pread(fd, text, (size_t)sb.st_size, 0) == sb.st_size);
	close(fd);
	return text;
}

/* t_evp - the envelope notices are written about */
static struct envelope
t_evp(void)
{
	struct envelope	evp;

	memset(&evp, 0, sizeof(evp));
	evp.evpid = 0x1234567800000001ULL;
	strlcpy(evp.sender, "s@example.org", sizeof(evp.sender));
	strlcpy(evp.rcpt, "r@example.net", sizeof(evp.rcpt));
	strlcpy(evp.orig_rcpt, "rfc822;orig@example.net",
	    sizeof(evp.orig_rcpt));
	strlcpy(evp.envid, "ENV-42", sizeof(evp.envid));
	evp.ctime = 1699990000;
	evp.ttl = 86400;
	return evp;
}

/* t_count - occurrences of needle in hay */
static size_t
t_count(const char *hay, const char *needle)
{
	size_t	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

ATF_TC_WITHOUT_HEAD(bounce_write_failed_structure);
ATF_TC_BODY(bounce_write_failed_structure, tc)
{
	static const char *want[] = {
		"From: Mail Delivery System <MAILER-DAEMON@mx.example>\n",
		"To: <s@example.org>\n",
		"Date: Tue, 14 Nov 2023 22:13:20 +0000\n",
		"Message-ID: <1@mx.example>\n",
		"MIME-Version: 1.0\n",
		"Content-Type: multipart/report; report-type=delivery-status;"
		    "\n\tboundary=\"BND/x\"\n",
		"\n--BND/x\nContent-Type: text/plain; charset=utf-8\n",
		"Recipient: <r@example.net>\n",
		"\n--BND/x\nContent-Type: message/delivery-status\n\n"
		    "Reporting-MTA: dns; mx.example\n"
		    "Original-Envelope-Id: ENV-42\n",
		"\nOriginal-Recipient: rfc822;orig@example.net\n"
		    "Final-Recipient: rfc822; r@example.net\n"
		    "Action: failed\nStatus: 5.1.1\n",
		"Diagnostic-Code: smtp; 550 5.1.1 no such user\n",
		"\n--BND/x\nContent-Type: text/rfc822-headers\n\n"
		    "Received: from a by b\nSubject: hello there\n",
	};
	struct envelope	 evp = t_evp();
	char		*text, *end;
	size_t		 i;
	int		 fd;

	(void)tc;
	fd = t_original(3);
	text = t_notice(&evp, BOUNCE_KIND_FAILED, "550 5.1.1 no such user", fd);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ATF_CHECK_MSG(strstr(text, want[i]) != NULL, "missing: %s",
		    want[i]);
	ATF_CHECK(strstr(text, "BODY-MARKER") == NULL);
	ATF_CHECK(strstr(text, "X-Filler-000002: ") != NULL);
	ATF_CHECK_EQ(t_count(text, "\n--BND/x\n"), 3);
	ATF_CHECK((end = strstr(text, "\n--BND/x--\n")) != NULL &&
	    end[strlen("\n--BND/x--\n")] == '\0');
	ATF_CHECK(strstr(text, "Will-Retry-Until") == NULL);
	ATF_CHECK(strchr(text, '\r') == NULL);
	free(text);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(bounce_write_full_and_kinds);
ATF_TC_BODY(bounce_write_full_and_kinds, tc)
{
	struct envelope	 evp = t_evp();
	char		*text;
	int		 fd;

	(void)tc;
	fd = t_original(0);
	evp.dsn_ret = ENVELOPE_RET_FULL;
	text = t_notice(&evp, BOUNCE_KIND_FAILED, "5.2.2 full", fd);
	ATF_CHECK(strstr(text, "Content-Type: message/rfc822\n\nReceived:"));
	ATF_CHECK(strstr(text, "\nBODY-MARKER line\n.\n\nmore\n\n--BND/x--\n"));
	ATF_CHECK(strstr(text, "Diagnostic-Code: X-Posthorn; 5.2.2 full\n"));
	free(text);
	/* RET=FULL only for failures */
	text = t_notice(&evp, BOUNCE_KIND_DELAYED, "451 4.4.1 no answer", fd);
	ATF_CHECK(strstr(text, "Action: delayed\nStatus: 4.4.1\n"));
	ATF_CHECK(strstr(text, "Will-Retry-Until: Wed, 15 Nov 2023 19:26:40 +0000\n"));
	ATF_CHECK(strstr(text, "text/rfc822-headers"));
	ATF_CHECK(strstr(text, "BODY-MARKER") == NULL);
	free(text);
	text = t_notice(&evp, BOUNCE_KIND_DELIVERED, "250 2.0.0 ok", fd);
	ATF_CHECK(strstr(text, "Action: delivered\nStatus: 2.0.0\n"));
	free(text);
	/* no original available: the parts are still complete */
	text = t_notice(&evp, BOUNCE_KIND_FAILED, "", -1);
	ATF_CHECK(strstr(text, "Action: failed\nStatus: 5.0.0\n"));
	ATF_CHECK(strstr(text, "Diagnostic-Code") == NULL);
	ATF_CHECK_EQ(t_count(text, "\n--BND/x\n"), 3);
	free(text);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(bounce_write_remote_mta);
ATF_TC_BODY(bounce_write_remote_mta, tc)
{
	static const struct {
		const char	*diag;
		const char	*remote;	/* NULL: no Remote-MTA */
		const char	*code;
		const char	*status;
	} t[] = {
		{ "host mx.example.net said: 550 5.1.1 unknown",
		    "mx.example.net", "smtp; 550 5.1.1 unknown", "5.1.1" },
		{ "host [192.0.2.1]:25 said: 554 5.7.1 no",
		    "[192.0.2.1]:25", "smtp; 554 5.7.1 no", "5.7.1" },
		{ "host said: 550 5.1.1 x", NULL,
		    "X-Posthorn; host said: 550 5.1.1 x", "5.0.0" },
		{ "host a b said: 550 5.1.1 x", NULL,
		    "X-Posthorn; host a b said:", "5.0.0" },
		{ "host mx\xff said: 550 5.1.1 x", NULL, "X-Posthorn; host mx",
		    "5.0.0" },
		{ "550 5.1.1 host x said: y", NULL, "smtp; 550 5.1.1 host",
		    "5.1.1" },
	};
	struct envelope	 evp = t_evp();
	char		 want[256];
	char		*text;
	size_t		 i;
	int		 fd;

	(void)tc;
	fd = t_original(0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		text = t_notice(&evp, BOUNCE_KIND_FAILED, t[i].diag, fd);
		if (t[i].remote) {
			snprintf(want, sizeof(want), "\nRemote-MTA: dns; %s\n",
			    t[i].remote);
			ATF_CHECK_MSG(strstr(text, want), "case %zu", i);
		} else
			ATF_CHECK_MSG(strstr(text, "Remote-MTA") == NULL,
			    "case %zu", i);
		snprintf(want, sizeof(want), "\nDiagnostic-Code: %s",
		    t[i].code);
		ATF_CHECK_MSG(strstr(text, want), "case %zu code", i);
		snprintf(want, sizeof(want), "\nStatus: %s\n", t[i].status);
		ATF_CHECK_MSG(strstr(text, want), "case %zu status", i);
		free(text);
	}
	close(fd);
}

ATF_TC_WITHOUT_HEAD(bounce_write_hostile_text);
ATF_TC_BODY(bounce_write_hostile_text, tc)
{
	struct envelope	 evp = t_evp();
	char		 diag[2000];
	char		*text;
	int		 fd;

	(void)tc;
	fd = t_original(0);
	text = t_notice(&evp, BOUNCE_KIND_FAILED,
	    "550 5.1.1 x\r\nAction: delivered\n\0hidden", fd);
	ATF_CHECK(strstr(text, "\nAction: delivered") == NULL);
	ATF_CHECK(strstr(text, "smtp; 550 5.1.1 x  Action: delivered\n"));
	ATF_CHECK(strchr(text, '\r') == NULL);
	free(text);
	/* ENVID and ORCPT with CR/LF are encoded again, never new lines */
	strlcpy(evp.envid, "id\r\nX-Injected: 1", sizeof(evp.envid));
	strlcpy(evp.orig_rcpt, "rfc822;a@b\nAction: delivered",
	    sizeof(evp.orig_rcpt));
	text = t_notice(&evp, BOUNCE_KIND_FAILED, "550 5.1.1 x", fd);
	ATF_CHECK(strstr(text, "\nX-Injected") == NULL);
	ATF_CHECK(strstr(text, "\nAction: delivered") == NULL);
	ATF_CHECK(strstr(text, "Original-Envelope-Id: id+0D+0AX-Injected:+201\n"));
	ATF_CHECK(strstr(text, "Original-Recipient: rfc822;a@b+0AAction:+20"
	    "delivered\n"));
	ATF_CHECK(strchr(text, '\r') == NULL);
	free(text);
	evp = t_evp();
	/* an overlong diagnostic is cut, 8-bit text kept */
	memset(diag, 'a', sizeof(diag) - 1);
	diag[sizeof(diag) - 1] = '\0';
	diag[10] = (char)0xc3;
	diag[11] = (char)0xa9;
	text = t_notice(&evp, BOUNCE_KIND_FAILED, diag, fd);
	ATF_CHECK(strstr(text, "aaaaaaaaaa\xc3\xa9") != NULL);
	ATF_CHECK(t_count(text, "a") < 2 * BOUNCE_DIAG_MAX + 200);
	free(text);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(bounce_write_headers_at_limit);
ATF_TC_BODY(bounce_write_headers_at_limit, tc)
{
	struct envelope	 evp = t_evp();
	char		*text, *part;
	int		 fd;

	(void)tc;
	/* 40-byte lines: far more than BOUNCE_HEADERS_MAX of headers */
	fd = t_original(BOUNCE_HEADERS_MAX / 20);
	text = t_notice(&evp, BOUNCE_KIND_FAILED, "5.0.0 x", fd);
	ATF_REQUIRE((part = strstr(text, "text/rfc822-headers\n\n")) != NULL);
	ATF_CHECK(strlen(part) <= BOUNCE_HEADERS_MAX + 64);
	ATF_CHECK(strlen(part) >= BOUNCE_HEADERS_MAX - 64);
	ATF_CHECK(strstr(text, "BODY-MARKER") == NULL);
	/* cut at a line boundary */
	ATF_CHECK(strstr(part, ": 0123456789abcdef\n\n--BND/x--\n") != NULL);
	free(text);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(bounce_write_python_parses);
ATF_TC_BODY(bounce_write_python_parses, tc)
{
	static const char script[] =
	    "import email, sys\n"
	    "m = email.message_from_file(open('notice'))\n"
	    "assert m.get_content_type() == 'multipart/report', m\n"
	    "assert m.get_param('report-type') == 'delivery-status'\n"
	    "p = m.get_payload()\n"
	    "assert len(p) == 3, len(p)\n"
	    "assert p[0].get_content_type() == 'text/plain'\n"
	    "assert p[1].get_content_type() == 'message/delivery-status'\n"
	    "st = p[1].get_payload()\n"
	    "assert st[0]['Reporting-MTA'] == 'dns; mx.example'\n"
	    "assert st[1]['Action'] == 'failed', st[1]['Action']\n"
	    "assert st[1]['Status'] == '5.1.1'\n"
	    "assert st[1]['Final-Recipient'] == 'rfc822; r@example.net'\n"
	    "assert p[2].get_content_type() == 'text/rfc822-headers'\n"
	    "assert 'Subject: hello there' in p[2].get_payload()\n"
	    "assert m['From'] == "
	    "'Mail Delivery System <MAILER-DAEMON@mx.example>'\n";
	struct envelope	 evp = t_evp();
	FILE		*f;
	char		*text;
	int		 fd, st;

	(void)tc;
	if (access(T_PY, X_OK) == -1)
		atf_tc_fail("no %s: make check installs it "
		    "(regress/deps.sh)", T_PY);
	fd = t_original(2);
	text = t_notice(&evp, BOUNCE_KIND_FAILED, "550 5.1.1 unknown", fd);
	free(text);
	close(fd);
	ATF_REQUIRE((f = fopen("check.py", "w")) != NULL);
	fputs(script, f);
	fclose(f);
	st = system(T_PY " check.py");
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "python rejected the notice");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, bounce_target_rules);
	ATF_TP_ADD_TC(tp, bounce_status_codes);
	ATF_TP_ADD_TC(tp, bounce_date_utc);
	ATF_TP_ADD_TC(tp, bounce_write_failed_structure);
	ATF_TP_ADD_TC(tp, bounce_write_full_and_kinds);
	ATF_TP_ADD_TC(tp, bounce_write_remote_mta);
	ATF_TP_ADD_TC(tp, bounce_write_hostile_text);
	ATF_TP_ADD_TC(tp, bounce_write_headers_at_limit);
	ATF_TP_ADD_TC(tp, bounce_write_python_parses);
	return atf_no_error();
}
