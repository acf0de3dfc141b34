/*
 * t_srv_data.c - DATA and BDAT into the queue's descriptor: what is
 * spooled byte for byte, the claims the lookup gets for the envelopes,
 * the commit, refusals, and the smuggling endings in one write and
 * split across segments.
 */
#include <atf-c.h>

#include "srv_harness.h"

#define EHLO	"EHLO client.test\r\n"
#define TX	"MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n"

/* h_body - the spooled message without its Received: header */
static const char *
h_body(void)
{
	const char	*p;

	if (H.message == NULL || strncmp(H.message, "Received: ", 10) != 0)
		return "";
	for (p = H.message; (p = strchr(p, '\n')) != NULL; p++)
		if (p[1] != '\t')
			return p + 1;
	return "";
}

ATF_TC_WITHOUT_HEAD(srv_tx_data_spooled);
ATF_TC_BODY(srv_tx_data_spooled, tc)
{
	static const char *const	 parts[] = { EHLO,
	    "MAIL FROM:<a@b.test> RET=HDRS ENVID=e1\r\n"
	    "RCPT TO:<c@d.test> NOTIFY=SUCCESS,FAILURE "
	    "ORCPT=rfc822;c@d.test\r\nDATA\r\n",
	    "Subject: hi\r\n\r\n..dot\r\nline\r\n.\r\n", NULL };
	const struct msg_lka_rcpt	*r = &H.rcpt_seen[0];

	h_setup("");
	h_talk(parts);
	H_CODES("220 250 250 250 354 250 ");
	ATF_CHECK(strstr(H.out, "250 2.0.0 00001001 Message accepted") != NULL);
	ATF_REQUIRE_EQ(H.commits, 1);
	ATF_CHECK_STREQ(h_body(), "Subject: hi\n\n.dot\nline\n");
	ATF_CHECK_EQ(H.size, H.msglen);
	ATF_CHECK(strstr(H.message, "Received: from client.test ([127.0.0.1])"
	    "\n\tby mx.test (posthorn) with ESMTP id 00001001\n\tfor "
	    "<c@d.test>;\n\t") == H.message);
	/* the claims the lookup makes the envelope of, in the transaction */
	ATF_REQUIRE_EQ(H.nrcpt, 1);
	ATF_CHECK_EQ(r->msgid, 0x1001);
	ATF_CHECK_STREQ(r->sender, "a@b.test");
	ATF_CHECK_STREQ(r->rcpt, "c@d.test");
	ATF_CHECK_STREQ(r->orcpt, "rfc822;c@d.test");
	ATF_CHECK_STREQ(r->envid, "e1");
	ATF_CHECK_STREQ(r->sess.helo, "client.test");
	ATF_CHECK_STREQ(r->sess.src, "127.0.0.1");
	ATF_CHECK_EQ(r->sess.listener, 0);
	ATF_CHECK_EQ(r->notify, ENVELOPE_DSN_SUCCESS | ENVELOPE_DSN_FAILURE);
	ATF_CHECK_EQ(r->ret, ENVELOPE_RET_HDRS);
	ATF_CHECK_EQ(r->flags, 0);
}

ATF_TC_WITHOUT_HEAD(srv_tx_data_mask_src);
ATF_TC_BODY(srv_tx_data_mask_src, tc)
{
	static const char *const	 parts[] = { EHLO, TX
	    "RCPT TO:<two@d.test>\r\nDATA\r\n", "x\r\n.\r\n", NULL };

	h_setup_opts("mask-src", "");
	h_talk(parts);
	H_CODES("220 250 250 250 250 354 250 ");
	ATF_REQUIRE(H.message != NULL);
	ATF_CHECK(strstr(H.message, "Received: by mx.test (posthorn) with "
	    "ESMTP id 00001001;\n\t") == H.message);
	ATF_CHECK(strstr(H.message, "127.0.0.1") == NULL);
	ATF_CHECK_EQ(H.nrcpt, 2);
}

ATF_TC_WITHOUT_HEAD(srv_tx_data_smuggling);
ATF_TC_BODY(srv_tx_data_smuggling, tc)
{
	static const char *const	 endings[] = { "\n.\n", "\r.\n",
	    "\n.\r\n", "\r\n.\r", "\r\n.\n", "\r\n.\r\r\n" };
	char				 body[512], *split[3];
	const char			*one[4];
	size_t				 i, k;

	h_setup("");
	for (i = 0; i < sizeof(endings) / sizeof(endings[0]); i++) {
		snprintf(body, sizeof(body), "Subject: a\r\n\r\nfirst%s"
		    "MAIL FROM:<evil@b.test>\r\nRCPT TO:<c@d.test>\r\n"
		    "DATA\r\nSubject: smuggled\r\n\r\nsecond\r\n.\r\n",
		    endings[i]);
		for (k = 0; k < 2; k++) {
			int commits = H.commits;

			one[0] = EHLO TX "DATA\r\n";
			if (k == 0) {
				one[1] = body;
				one[2] = "QUIT\r\n";
				one[3] = NULL;
				h_talk(one);
			} else {
				const char *parts[6];
				size_t	    cut = strstr(body, "first") - body + 5;

				split[0] = strndup(body, cut + 1);
				split[1] = strndup(body + cut + 1, 3);
				split[2] = strdup(body + cut + 4);
				parts[0] = one[0];
				parts[1] = split[0];
				parts[2] = split[1];
				parts[3] = split[2];
				parts[4] = "QUIT\r\n";
				parts[5] = NULL;
				h_talk(parts);
				free(split[0]);
				free(split[1]);
				free(split[2]);
			}
			if (strcmp(h_codes(), "220 250 250 250 354 550 221 "))
				atf_tc_fail_nonfatal("ending %zu split %zu: %s",
				    i, k, H.out);
			ATF_CHECK_EQ(H.commits, commits);
		}
	}
	ATF_CHECK(strstr(H.out, "550 5.6.0") != NULL);
	ATF_CHECK_EQ(H.aborts, 12);
}

ATF_TC_WITHOUT_HEAD(srv_tx_data_text_line_limit);
ATF_TC_BODY(srv_tx_data_text_line_limit, tc)
{
	char		 at[1100], over[1100];
	const char	*p1[] = { EHLO TX "DATA\r\n", at, "NOOP\r\n", NULL };
	const char	*p2[] = { EHLO TX "DATA\r\n", over, "NOOP\r\n", NULL };

	memset(at, 'a', 998);
	memcpy(at + 998, "\r\n.\r\n", 6);
	memset(over, 'a', 999);
	memcpy(over + 999, "\r\n.\r\n", 6);
	h_setup("");
	h_talk(p1);
	H_CODES("220 250 250 250 354 250 250 ");
	h_talk(p2);
	H_CODES("220 250 250 250 354 500 250 ");
	ATF_CHECK(strstr(H.out, "500 5.5.6") != NULL);
	ATF_CHECK_EQ(H.commits, 1);
}

ATF_TC_WITHOUT_HEAD(srv_tx_data_size_limit);
ATF_TC_BODY(srv_tx_data_size_limit, tc)
{
	char		 at[200], over[200];
	const char	*p1[] = { EHLO TX "DATA\r\n", at, NULL };
	const char	*p2[] = { EHLO TX "DATA\r\n", over, "NOOP\r\n", NULL };

	/* 98 octets + CRLF = 100 octets of message */
	memset(at, 'a', 98);
	memcpy(at + 98, "\r\n.\r\n", 6);
	memset(over, 'a', 99);
	memcpy(over + 99, "\r\n.\r\n", 6);
	h_setup("smtp max-message-size 100");
	h_talk(p1);
	H_CODES("220 250 250 250 354 250 ");
	h_talk(p2);
	H_CODES("220 250 250 250 354 552 250 ");
	ATF_CHECK_EQ(H.commits, 1);
	ATF_CHECK_EQ(H.aborts, 1);
}

ATF_TC_WITHOUT_HEAD(srv_tx_data_received_loop);
ATF_TC_BODY(srv_tx_data_received_loop, tc)
{
	static char	 at[8192], over[8192];
	const char	*p1[] = { EHLO TX "DATA\r\n", at, NULL };
	const char	*p2[] = { EHLO TX "DATA\r\n", over, NULL };
	int		 i;

	for (i = 0; i < 100; i++)
		strlcat(at, "Received: from x by y\r\n", sizeof(at));
	strlcpy(over, at, sizeof(over));
	strlcat(over, "received: from x by y\r\n", sizeof(over));
	strlcat(at, "\r\nReceived: in the body\r\n.\r\n", sizeof(at));
	strlcat(over, "\r\nbody\r\n.\r\n", sizeof(over));
	h_setup("");
	h_talk(p1);
	H_CODES("220 250 250 250 354 250 ");
	h_talk(p2);
	H_CODES("220 250 250 250 354 554 ");
	ATF_CHECK(strstr(H.out, "554 5.4.6") != NULL);
	ATF_CHECK_EQ(H.commits, 1);
}

ATF_TC_WITHOUT_HEAD(srv_tx_on_committed_failure);
ATF_TC_BODY(srv_tx_on_committed_failure, tc)
{
	static const char *const	 parts[] = { EHLO TX "DATA\r\n",
	    "x\r\n.\r\n", NULL };

	h_setup("");
	H.commit_code = 452;
	h_talk(parts);
	H_CODES("220 250 250 250 354 452 ");
	ATF_CHECK(strstr(H.out, "250 2.0.0") == NULL);
	/* the queue cannot open the transaction: MAIL fails, nothing follows */
	H.commit_code = 0;
	H.open_code = 451;
	h_talk(parts);
	ATF_CHECK_EQ(strncmp(h_codes(), "220 250 451 503 503 ", 20), 0);
	ATF_CHECK(strstr(H.out, "451 4.3.0 queue says no") != NULL);
	ATF_CHECK_EQ(H.commits, 0);
	ATF_CHECK_EQ(H.nrcpt, 1);
}

ATF_TC_WITHOUT_HEAD(srv_tx_free_disconnect);
ATF_TC_BODY(srv_tx_free_disconnect, tc)
{
	static const char *const	 parts[] = { EHLO TX "DATA\r\n",
	    "half a message\r\n", NULL };

	h_setup("");
	h_talk(parts);
	H_CODES("220 250 250 250 354 ");
	/* the client is gone; the session aborts its transaction */
	event_base_loop(ev_base(), EVLOOP_NONBLOCK);
	ATF_CHECK_EQ(H.commits, 0);
	ATF_CHECK_EQ(H.aborts, 1);
}

ATF_TC_WITHOUT_HEAD(srv_tx_bdat_chunks);
ATF_TC_BODY(srv_tx_bdat_chunks, tc)
{
	static const char *const	 ok[] = { EHLO TX "BDAT 7\r\nSub: a\r",
	    "BDAT 9 LAST\r\n\n\r\nbody\r\n", NULL };
	static const char *const	 bare[] = { EHLO TX
	    "BDAT 5 LAST\r\na\nb\r\nNOOP\r\n", NULL };
	static const char *const	 norcpt[] = { EHLO
	    "MAIL FROM:<a@b.test>\r\nBDAT 4\r\nNOOPNOOP\r\n", NULL };
	static const char *const	 seq[] = { EHLO "BDAT 4\r\nNOOPNOOP\r\n",
	    NULL };
	static const char *const	 mixed[] = { EHLO TX "BDAT 3\r\nabc"
	    "DATA\r\nBDAT 0 LAST\r\n", NULL };

	h_setup("");
	h_talk(ok);
	H_CODES("220 250 250 250 250 250 ");
	ATF_CHECK_STREQ(h_body(), "Sub: a\n\nbody\n");
	h_talk(bare);
	H_CODES("220 250 250 250 550 250 ");
	h_talk(norcpt);
	H_CODES("220 250 250 554 250 ");
	h_talk(seq);
	H_CODES("220 250 503 250 ");
	h_talk(mixed);
	H_CODES("220 250 250 250 250 503 250 ");
	ATF_CHECK_EQ(H.commits, 2);
}

ATF_TC_WITHOUT_HEAD(srv_session_half_closed);
ATF_TC_BODY(srv_session_half_closed, tc)
{
	static const char *const	 whole[] = { EHLO TX "DATA\r\n",
	    "x\r\n.\r\nQUIT\r\n", NULL };
	static const char *const	 cut[] = { EHLO TX "DATA\r\n",
	    "x\r\n", NULL };

	h_setup("");
	H.halfclose = 1;
	/* everything sent before the half-close is answered */
	h_talk(whole);
	H_CODES("220 250 250 250 354 250 221 ");
	ATF_CHECK_EQ(H.commits, 1);
	/* a message cut short by the half-close is dropped */
	h_talk(cut);
	H_CODES("220 250 250 250 354 ");
	ATF_CHECK_EQ(H.commits, 1);
	ATF_CHECK_EQ(H.aborts, 1);
}

ATF_TC_WITHOUT_HEAD(srv_session_garbage);
ATF_TC_BODY(srv_session_garbage, tc)
{
	static const char *const	 heads[] = { "", EHLO, EHLO TX,
	    EHLO TX "DATA\r\n", EHLO TX "BDAT 5000\r\n",
	    EHLO "AUTH LOGIN\r\n", EHLO TX "BDAT 99999999999999999999\r\n" };
	static const char *const	 good[] = { EHLO TX "DATA\r\n",
	    "ok\r\n.\r\n", NULL };
	char				*junk = malloc(65536);
	const char			*parts[3];
	size_t				 lens[3], i, j;

	h_setup("");
	srandom(42);
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		for (j = 0; j < 65536; j++)
			junk[j] = (char)(random() & 0xff);
		if (i % 2)
			for (j = 0; j < 65536; j += 700)
				memcpy(junk + j, "\r\n.\r\nRSET\r\n", 11);
		parts[0] = heads[i];
		lens[0] = strlen(heads[i]);
		parts[1] = junk;
		lens[1] = 65536;
		parts[2] = "\r\n.\r\nQUIT\r\n";
		lens[2] = strlen(parts[2]);
		h_talk_n(parts, lens, 3);
		ATF_CHECK_MSG(strncmp(H.out, "220 ", 4) == 0, "case %zu", i);
	}
	/* the listener still takes mail */
	H.commits = 0;
	h_talk(good);
	H_CODES("220 250 250 250 354 250 ");
	ATF_CHECK_EQ(H.commits, 1);
	free(junk);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, srv_tx_data_spooled);
	ATF_TP_ADD_TC(tp, srv_tx_data_mask_src);
	ATF_TP_ADD_TC(tp, srv_tx_data_smuggling);
	ATF_TP_ADD_TC(tp, srv_tx_data_text_line_limit);
	ATF_TP_ADD_TC(tp, srv_tx_data_size_limit);
	ATF_TP_ADD_TC(tp, srv_tx_data_received_loop);
	ATF_TP_ADD_TC(tp, srv_tx_on_committed_failure);
	ATF_TP_ADD_TC(tp, srv_tx_free_disconnect);
	ATF_TP_ADD_TC(tp, srv_tx_bdat_chunks);
	ATF_TP_ADD_TC(tp, srv_session_half_closed);
	ATF_TP_ADD_TC(tp, srv_session_garbage);
	return atf_no_error();
}
