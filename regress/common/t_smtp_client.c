/*
 * t_smtp_client.c - the SMTP/LMTP client engine: table-driven
 * conversations (scripted server replies in, expected command lines,
 * driver steps and verdicts out) for EHLO/HELO/LHLO, STARTTLS, AUTH,
 * the MAIL and RCPT parameters, several recipients over SMTP and LMTP,
 * every verdict rule, broken, malformed, multi-line and overlong
 * replies, pipelined groups (one command at a time when not offered),
 * transactions after another on one connection; every command line the
 * engine makes parses back to itself, and a session against the server
 * core's own replies; the blocking driver loop; reply verdicts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "defs.h"
#include "smtp_client.h"
#include "smtp_cmd.h"
#include "smtp_ext.h"
#include "smtp_reply.h"

#define T_STEPS		48
#define T_RCPTS		3

/*
 * One conversation.  Steps: "S line" a server reply line (the engine
 * must be waiting for a reply when one starts), "U line" a reply line
 * the engine did not ask for, "C line" the command line expected,
 * "T" TLS expected (then it is up), "B" the message expected, "R" the
 * result, "D" the end, "X why" the connection breaks, "A" the next
 * transaction on the connection (same parameters), "N" none may follow.
 */
struct t_conv {
	const char		*name;
	unsigned int		 flags;
	const char		*user;		/* AUTH */
	const char		*sender;	/* NULL: alice@a.test */
	const char		*rcpt[T_RCPTS];	/* [0] NULL: bob@b.test */
	const char		*steps[T_STEPS];
	enum smtp_client_verdict verdict;	/* the session's */
	enum smtp_client_verdict rv[T_RCPTS];	/* each recipient's */
	const char		*why;		/* recipient 0's, worded */
};

#define V_OK	SMTP_CLIENT_V_OK
#define V_HOST	SMTP_CLIENT_V_HOST
#define V_TEMP	SMTP_CLIENT_V_TEMPFAIL
#define V_RCPT	SMTP_CLIENT_V_TEMPFAIL_RCPT
#define V_PERM	SMTP_CLIENT_V_PERMFAIL

#define F_LMTP	SMTP_CLIENT_F_LMTP
#define F_TLS	SMTP_CLIENT_F_TLS
#define F_STLS	SMTP_CLIENT_F_STARTTLS
#define F_TREQ	SMTP_CLIENT_F_TLS_REQUIRED
#define F_AUTH	SMTP_CLIENT_F_AUTH
#define F_SIZE	SMTP_CLIENT_F_SIZE
#define F_8BIT	SMTP_CLIENT_F_8BIT
#define F_UTF8	SMTP_CLIENT_F_UTF8
#define F_BARE	SMTP_CLIENT_F_BARE
#define F_ALL	SMTP_CLIENT_F_ALLRCPT
#define F_PIPE	SMTP_CLIENT_F_PIPELINING

#define GREET	"S 220 mx.b.test ESMTP"
#define EHLO	"C EHLO me.a.test"
#define EHLO_OK	"S 250 mx.b.test"
#define MAIL	"C MAIL FROM:<alice@a.test>"
#define RCPT	"C RCPT TO:<bob@b.test>"
#define TX_END	"C DATA", "S 354 go ahead", "B", "S 250 2.0.0 queued", "R", \
		"C QUIT", "S 221 2.0.0 bye", "D"
#define QUIT	"R", "C QUIT", "S 221 2.0.0 bye", "D"
#define PIPE	GREET, EHLO, "S 250-mx.b.test", "S 250 PIPELINING"
#define RCPT3	"C RCPT TO:<a@b.test>", "C RCPT TO:<b@b.test>", \
		"C RCPT TO:<c@b.test>"
#define ABC	{ "a@b.test", "b@b.test", "c@b.test" }
#define GROUP	MAIL, RCPT, "C DATA"
#define OK2	"S 250 ok", "S 250 ok"
#define OK3	OK2, "S 250 ok"
#define DOT	"S 354 go", "B", "S 250 queued"
#define TX1	MAIL, "S 250 ok", RCPT, "S 250 ok", "C DATA"

static const struct t_conv t_convs[] = {
	{ "smtp_ok", F_SIZE, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 250-mx.b.test", "S 250-SIZE 1000000", "S 250 PIPELINING",
	    MAIL " SIZE=1234", "S 250 2.1.0 ok", RCPT, "S 250 2.1.5 ok",
	    TX_END }, V_OK, { V_OK }, "message 250 queued" },
	{ "helo_fallback", F_SIZE, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 502 5.5.1 no EHLO here", "C HELO me.a.test", "S 250 hi",
	    MAIL, "S 250 ok", RCPT, "S 250 ok", TX_END }, V_OK, { V_OK },
	    NULL },
	{ "helo_refused", 0, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 500 what", "C HELO me.a.test", "S 554 go away", "R", "D" },
	    V_HOST, { V_HOST }, "HELO 554 go away" },
	{ "ehlo_4xx", 0, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 421 4.3.2 busy", "R", "D" }, V_HOST, { V_HOST },
	    "EHLO 421 busy" },
	{ "greeting_refused", 0, NULL, NULL, { NULL }, {
	    "S 554 5.3.2 not today", "R", "D" }, V_HOST, { V_HOST },
	    "greeting 554 not today" },
	{ "greeting_multiline", 0, NULL, NULL, { NULL }, {
	    "S 220-mx.b.test first", "S 220 second", EHLO, "X time-out", "R",
	    "D" }, V_HOST, { V_HOST }, "time-out" },
	{ "lmtp_no_helo", F_LMTP, NULL, NULL, { NULL }, { GREET,
	    "C LHLO me.a.test", "S 500 5.5.1 no", "R", "D" }, V_HOST,
	    { V_HOST }, "LHLO 500 no" },
	{ "starttls", F_STLS | F_SIZE, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 250-mx.b.test", "S 250-SIZE", "S 250 STARTTLS", "C STARTTLS",
	    "S 220 2.0.0 go", "T", EHLO, EHLO_OK, MAIL, "S 250 ok", RCPT,
	    "S 250 ok", TX_END }, V_OK, { V_OK }, NULL },
	{ "starttls_refused_optional", F_STLS, NULL, NULL, { NULL }, { GREET,
	    EHLO, "S 250-mx.b.test", "S 250 STARTTLS", "C STARTTLS",
	    "S 454 4.7.0 no TLS today", MAIL, "S 250 ok", RCPT,
	    "S 550 5.1.1 no such user", QUIT }, V_OK, { V_PERM },
	    "RCPT 550 no such user" },
	{ "starttls_refused_required", F_STLS | F_TREQ, NULL, NULL, { NULL },
	    { GREET, EHLO, "S 250-mx.b.test", "S 250 STARTTLS", "C STARTTLS",
	    "S 454 4.7.0 no TLS today", "R", "D" }, V_HOST, { V_HOST },
	    "STARTTLS 454 no TLS today" },
	{ "tls_required_not_offered", F_STLS | F_TREQ, NULL, NULL, { NULL },
	    { GREET, EHLO, EHLO_OK, "R", "D" }, V_HOST, { V_HOST },
	    "TLS is required but not offered" },
	{ "starttls_not_wanted", 0, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 250-mx.b.test", "S 250 STARTTLS", MAIL, "S 250 ok", RCPT,
	    "S 250 ok", TX_END }, V_OK, { V_OK }, NULL },
	{ "smtps_auth", F_TLS | F_STLS | F_AUTH, "alice", NULL, { NULL }, {
	    GREET, EHLO, "S 250-mx.b.test", "S 250-STARTTLS",
	    "S 250 AUTH LOGIN PLAIN", "C AUTH PLAIN AGFsaWNlAHMzY3JldA==",
	    "S 235 2.7.0 ok", MAIL, "S 250 ok", RCPT, "S 250 ok", TX_END },
	    V_OK, { V_OK }, NULL },
	{ "starttls_auth", F_STLS | F_AUTH, "alice", NULL, { NULL }, { GREET,
	    EHLO, "S 250-mx.b.test", "S 250-AUTH PLAIN", "S 250 STARTTLS",
	    "C STARTTLS", "S 220 go", "T", EHLO, "S 250-mx.b.test",
	    "S 250 AUTH PLAIN", "C AUTH PLAIN AGFsaWNlAHMzY3JldA==",
	    "S 235 ok", MAIL, "S 250 ok", RCPT, "S 250 ok", TX_END }, V_OK,
	    { V_OK }, NULL },
	{ "auth_refused", F_TLS | F_AUTH, "alice", NULL, { NULL }, { GREET,
	    EHLO, "S 250-mx.b.test", "S 250 AUTH PLAIN",
	    "C AUTH PLAIN AGFsaWNlAHMzY3JldA==", "S 535 5.7.8 bad", QUIT },
	    V_TEMP, { V_TEMP }, "AUTH 535 bad" },
	{ "auth_not_offered", F_TLS | F_AUTH, "alice", NULL, { NULL }, {
	    GREET, EHLO, "S 250-mx.b.test", "S 250 AUTH LOGIN", "R", "D" },
	    V_HOST, { V_HOST }, "AUTH PLAIN not offered" },
	{ "auth_no_credentials", F_TLS | F_AUTH, NULL, NULL, { NULL }, {
	    GREET, EHLO, "S 250-mx.b.test", "S 250 AUTH PLAIN", QUIT },
	    V_TEMP, { V_TEMP },
	    "4.7.0 no credentials for this host in the auth table" },
	{ "auth_never_in_clear", F_STLS | F_AUTH, "alice", NULL, { NULL }, {
	    GREET, EHLO, "S 250-mx.b.test", "S 250 AUTH PLAIN", "R", "D" },
	    V_HOST, { V_HOST }, "credentials need TLS, none offered" },
	{ "auth_starttls_refused", F_STLS | F_AUTH, "alice", NULL, { NULL }, {
	    GREET, EHLO, "S 250-mx.b.test", "S 250-AUTH PLAIN",
	    "S 250 STARTTLS", "C STARTTLS", "S 502 no", "R", "D" }, V_HOST,
	    { V_HOST }, "STARTTLS 502 no" },
	{ "dsn_params", F_SIZE | F_8BIT, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 250-mx.b.test", "S 250-SIZE 99999", "S 250-8BITMIME",
	    "S 250 DSN", MAIL " SIZE=1234 BODY=8BITMIME RET=HDRS ENVID=x+2By",
	    "S 250 ok", RCPT " NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@b.test",
	    "S 250 ok", TX_END }, V_OK, { V_OK }, NULL },
	{ "dsn_not_offered", F_8BIT, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 250-mx.b.test", "S 250 SIZE", MAIL, "S 250 ok", RCPT,
	    "S 250 ok", TX_END }, V_OK, { V_OK }, NULL },
	{ "utf8_offered", 0, NULL, "j\xc3\xb6rg@a.test", { NULL }, { GREET,
	    EHLO, "S 250-mx.b.test", "S 250 SMTPUTF8",
	    "C MAIL FROM:<j\xc3\xb6rg@a.test> SMTPUTF8", "S 250 ok", RCPT,
	    "S 250 ok", TX_END }, V_OK, { V_OK }, NULL },
	{ "utf8_not_offered", 0, NULL, NULL, { "b\xc3\xb6" "b@b.test" }, { GREET,
	    EHLO, EHLO_OK, QUIT }, V_PERM, { V_PERM }, "5.6.7 host mx.b.test "
	    "does not offer SMTPUTF8, which the addresses need" },
	{ "utf8_flag", F_UTF8, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 250-mx.b.test", "S 250 SMTPUTF8", MAIL " SMTPUTF8", "S 250 ok",
	    RCPT, "S 250 ok", TX_END }, V_OK, { V_OK }, NULL },
	{ "utf8_flag_not_offered", F_UTF8, NULL, NULL, { NULL }, { GREET,
	    EHLO, EHLO_OK, MAIL, "S 250 ok", RCPT, "S 250 ok", TX_END }, V_OK,
	    { V_OK }, NULL },
	{ "null_sender", 0, NULL, "", { NULL }, { GREET, EHLO, EHLO_OK,
	    "C MAIL FROM:<>", "S 250 ok", RCPT, "S 250 ok", TX_END }, V_OK,
	    { V_OK }, NULL },
	{ "bad_sender", 0, NULL, "a b@a.test", { NULL }, { GREET, EHLO,
	    EHLO_OK, QUIT }, V_PERM, { V_PERM },
	    "5.1.7 the sender cannot be sent as a MAIL FROM path" },
	{ "bad_rcpt", 0, NULL, NULL, { "a;b@b.test", "bob", "c@b.test" }, {
	    GREET, EHLO, EHLO_OK, MAIL, "S 250 ok", "C RCPT TO:<c@b.test>",
	    "S 250 ok", TX_END }, V_OK, { V_PERM, V_PERM, V_OK },
	    "5.1.3 the recipient cannot be sent as a RCPT TO path" },
	{ "lmtp_rcpts", F_LMTP | F_BARE, NULL, NULL, { "a@b.test", "bob",
	    "c@b.test" }, { GREET, "C LHLO me.a.test", EHLO_OK, MAIL,
	    "S 250 ok", "C RCPT TO:<a@b.test>", "S 250 ok", "C RCPT TO:<bob>",
	    "S 550 5.1.1 no such user", "C RCPT TO:<c@b.test>", "S 250 ok",
	    "C DATA", "S 354 go", "B", "S 250 2.0.0 a", "S 452 4.2.2 full",
	    QUIT }, V_OK, { V_OK, V_PERM, V_RCPT }, "message 250 a" },
	{ "lmtp_last_refused", F_LMTP, NULL, NULL, { "a@b.test", "b@b.test",
	    "c@b.test" }, { GREET, "C LHLO me.a.test", EHLO_OK, MAIL,
	    "S 250 ok", "C RCPT TO:<a@b.test>", "S 250 ok",
	    "C RCPT TO:<b@b.test>", "S 250 ok", "C RCPT TO:<c@b.test>",
	    "S 550 no", "C DATA", "S 354 go", "B", "S 250 a", "S 451 b",
	    QUIT }, V_OK, { V_OK, V_RCPT, V_PERM }, "message 250 a" },
	{ "lmtp_lost_after_one", F_LMTP, NULL, NULL, { "a@b.test",
	    "c@b.test" }, { GREET, "C LHLO me.a.test", EHLO_OK, MAIL,
	    "S 250 ok", "C RCPT TO:<a@b.test>", "S 250 ok",
	    "C RCPT TO:<c@b.test>", "S 250 ok", "C DATA", "S 354 go", "B",
	    "S 550 5.2.2 full", "X connection closed", "R", "D" }, V_TEMP,
	    { V_PERM, V_TEMP }, "message 550 full" },
	{ "smtp_rcpts", 0, NULL, NULL, { "a@b.test", "b@b.test",
	    "c@b.test" }, { GREET, EHLO, EHLO_OK, MAIL, "S 250 ok",
	    "C RCPT TO:<a@b.test>", "S 250 ok", "C RCPT TO:<b@b.test>",
	    "S 451 4.2.0 busy", "C RCPT TO:<c@b.test>", "S 251 forwarded",
	    TX_END }, V_OK, { V_OK, V_RCPT, V_OK }, NULL },
	{ "smtp_rcpts_dot_refused", 0, NULL, NULL, { "a@b.test", "b@b.test" },
	    { GREET, EHLO, EHLO_OK, MAIL, "S 250 ok", "C RCPT TO:<a@b.test>",
	    "S 550 no", "C RCPT TO:<b@b.test>", "S 250 ok", "C DATA",
	    "S 354 go", "B", "S 554 5.6.0 spam", QUIT }, V_PERM,
	    { V_PERM, V_PERM }, "RCPT 550 no" },
	{ "smtp_rcpt_421", 0, NULL, NULL, { "a@b.test", "b@b.test" }, { GREET,
	    EHLO, EHLO_OK, MAIL, "S 250 ok", "C RCPT TO:<a@b.test>",
	    "S 250 ok", "C RCPT TO:<b@b.test>", "S 421 4.3.2 closing", QUIT },
	    V_TEMP, { V_TEMP, V_TEMP }, "RCPT 421 closing" },
	{ "allrcpt_refused", F_ALL, NULL, NULL, { "a@b.test", "b@b.test",
	    "c@b.test" }, { GREET, EHLO, EHLO_OK, MAIL, "S 250 ok",
	    "C RCPT TO:<a@b.test>", "S 250 ok", "C RCPT TO:<b@b.test>",
	    "S 550 5.1.1 no", QUIT }, V_PERM, { V_PERM, V_PERM, V_PERM },
	    "RCPT 550 no" },
	{ "allrcpt_bad_path", F_ALL, NULL, NULL, { "a@b.test", "b b@b.test" },
	    { GREET, EHLO, EHLO_OK, MAIL, "S 250 ok", "C RCPT TO:<a@b.test>",
	    "S 250 ok", QUIT }, V_PERM, { V_PERM, V_PERM },
	    "5.1.3 the recipient cannot be sent as a RCPT TO path" },
	{ "no_rcpt_accepted", 0, NULL, NULL, { NULL }, { GREET, EHLO, EHLO_OK,
	    MAIL, "S 250 ok", RCPT, "S 452 4.5.3 too many", QUIT }, V_OK,
	    { V_RCPT }, "RCPT 452 too many" },
	{ "broken_after_mail", 0, NULL, NULL, { NULL }, { GREET, EHLO,
	    EHLO_OK, MAIL, "X connection reset", "R", "D" }, V_TEMP,
	    { V_TEMP }, "connection reset" },
	{ "broken_in_body", 0, NULL, NULL, { NULL }, { GREET, EHLO, EHLO_OK,
	    MAIL, "S 250 ok", RCPT, "S 250 ok", "C DATA", "S 354 go", "B",
	    "X time-out", "R", "D" }, V_TEMP, { V_TEMP }, "time-out" },
	{ "broken_at_quit", 0, NULL, NULL, { NULL }, { GREET, EHLO, EHLO_OK,
	    MAIL, "S 250 ok", RCPT, "S 250 ok", "C DATA", "S 354 go", "B",
	    "S 250 queued", "R", "C QUIT", "X closed", "D" }, V_OK, { V_OK },
	    NULL },
	{ "malformed_greeting", 0, NULL, NULL, { NULL }, { "S 2x0 hello", "R",
	    "D" }, V_HOST, { V_HOST }, "malformed reply code" },
	{ "code_changes", 0, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 250-mx.b.test", "S 251 SIZE", "R", "D" }, V_HOST, { V_HOST },
	    "reply code changed between lines" },
	{ "malformed_after_mail", 0, NULL, NULL, { NULL }, { GREET, EHLO,
	    EHLO_OK, MAIL, "S 25", "R", "D" }, V_TEMP, { V_TEMP },
	    "malformed reply code" },
	{ "multiline_refusal", 0, NULL, NULL, { NULL }, { GREET, EHLO,
	    EHLO_OK, MAIL, "S 250 ok", RCPT, "S 550-5.1.1 first\x01",
	    "S 550 5.1.1 second \xc3\xa9", QUIT }, V_OK, { V_PERM },
	    "RCPT 550 first? second ??" },
	{ "reply_during_tls", F_STLS, NULL, NULL, { NULL }, { GREET, EHLO,
	    "S 250-mx.b.test", "S 250 STARTTLS", "C STARTTLS", "S 220 go",
	    "U 250 surprise", "R", "D" }, V_HOST, { V_HOST },
	    "unexpected reply 250" },
	{ "reply_after_end", 0, NULL, NULL, { NULL }, {
	    "S 554 no", "R", "D", "U 250 late", "D" }, V_HOST, { V_HOST },
	    "greeting 554 no" },
	{ "pipe_group", F_PIPE, NULL, NULL, ABC, { PIPE, MAIL, RCPT3,
	    "C DATA", OK2, "S 550 5.1.1 no", "S 451 4.2.0 busy", DOT, QUIT },
	    V_OK, { V_OK, V_PERM, V_RCPT }, NULL },
	{ "pipe_all_refused", F_PIPE, NULL, NULL, ABC, { PIPE, MAIL, RCPT3,
	    "C DATA", "S 250 ok", "S 550 no", "S 550 no", "S 450 no",
	    "S 554 5.5.1 no valid recipients", QUIT }, V_OK, { V_PERM, V_PERM,
	    V_RCPT }, "RCPT 550 no" },
	{ "pipe_354_for_nobody", F_PIPE, NULL, NULL, ABC, { PIPE, MAIL, RCPT3,
	    "C DATA", "S 250 ok", "S 550 no", "S 550 no", "S 550 no",
	    "S 354 go", "R", "N", "D" }, V_OK, { V_PERM, V_PERM, V_PERM },
	    NULL },
	{ "pipe_mail_refused", F_PIPE, NULL, NULL, { NULL }, { PIPE, GROUP,
	    "S 553 5.1.8 bad sender", "R", "N", "D" }, V_PERM, { V_PERM },
	    "MAIL 553 bad sender" },
	{ "pipe_bad_path", F_PIPE, NULL, NULL, { "a@b.test", "b c@b.test" },
	    { PIPE, MAIL, "C RCPT TO:<a@b.test>", "C DATA", OK2, DOT, QUIT },
	    V_OK, { V_OK, V_PERM }, NULL },
	{ "again_no_pipe", F_PIPE, NULL, NULL, { NULL }, { GREET, EHLO,
	    EHLO_OK, TX1, DOT, "R", "A", "C RSET", "S 250 ok", MAIL, "S 250 ok",
	    RCPT, "S 550 no", QUIT }, V_OK, { V_PERM }, "RCPT 550 no" },
	{ "again_pipe", F_PIPE, NULL, NULL, { NULL }, { PIPE, GROUP,
	    "S 250 ok", "S 451 4.2.0 busy", "S 554 no", "R", "A", "C RSET",
	    GROUP, OK3, DOT, "R", "A", "C RSET", GROUP, OK3, DOT, QUIT },
	    V_OK, { V_OK }, NULL },
	{ "again_rset_refused", F_PIPE, NULL, NULL, { NULL }, { PIPE, GROUP,
	    OK2, DOT, "R", "A", "C RSET", GROUP, "S 421 4.4.2 idle too long",
	    "R", "N", "D" }, V_HOST, { V_HOST }, "RSET 421 idle too long" },
	{ "again_not_after_421", 0, NULL, NULL, { NULL }, { GREET, EHLO,
	    EHLO_OK, TX1, "S 354 go", "B", "S 421 4.3.0 bye", "R", "N",
	    "C QUIT", "X closed", "D" }, V_TEMP, { V_TEMP }, NULL },
	{ "again_not_after_break", 0, NULL, NULL, { NULL }, { GREET, EHLO,
	    EHLO_OK, MAIL, "X reset", "R", "N", "D" }, V_TEMP, { V_TEMP },
	    "reset" },
};

/*
 * t_roundtrip - a command line of the engine parses back to itself (a
 * bare LMTP login name is no RFC 5321 path: the listener refuses it)
 */
static void
t_roundtrip(const char *name, const char *line, size_t len, int lmtp,
    int *utf8)
{
	struct smtp_cmd	 cmd;
	char		 err[ERRTEXT_MAX];
	char		 again[SMTP_CMD_LINE_MAX + 2];
	int		 flags;

	flags = SMTP_CMD_F_SIZE | SMTP_CMD_F_8BITMIME | SMTP_CMD_F_SMTPUTF8 |
	    SMTP_CMD_F_DSN | SMTP_CMD_F_AUTH | (lmtp ? SMTP_CMD_F_LMTP : 0) |
	    (*utf8 ? SMTP_CMD_F_TX_UTF8 : 0);
	ATF_REQUIRE(len >= 2 && memcmp(line + len - 2, "\r\n", 2) == 0);
	if (lmtp && strncmp(line, "RCPT", 4) == 0 && !strchr(line, '@'))
		return;
	ATF_REQUIRE_EQ_MSG(smtp_cmd_parse(line, len - 2, flags, &cmd,
	    err, sizeof(err)), 0, "%s: %s: %s", name, line, err);
	if (cmd.verb == SMTP_CMD_MAIL)
		*utf8 = (cmd.params & SMTP_CMD_P_SMTPUTF8) != 0;
	ATF_REQUIRE_EQ(smtp_cmd_format(&cmd, again, sizeof(again)), 0);
	ATF_CHECK_STREQ_MSG(again, line, "%s", name);
}

/* t_params - the parameters of a conversation */
static void
t_params(const struct t_conv *t, struct smtp_client_params *p,
    struct smtp_client_rcpt *r)
{
	size_t	i;

	memset(p, 0, sizeof(*p));
	memset(r, 0, T_RCPTS * sizeof(*r));
	p->flags = t->flags;
	p->helo = "me.a.test";
	p->host = "mx.b.test";
	p->user = t->user;
	p->pass = "s3cret";
	p->sender = t->sender != NULL ? t->sender : "alice@a.test";
	p->size = 1234;
	p->ret = SMTP_CMD_RET_HDRS;
	p->envid = "x+y";
	for (i = 0; i < T_RCPTS && (i == 0 || t->rcpt[i] != NULL); i++) {
		r[i].addr = t->rcpt[i] != NULL ? t->rcpt[i] : "bob@b.test";
		r[i].notify = SMTP_CMD_NOTIFY_SUCCESS | SMTP_CMD_NOTIFY_FAILURE;
		r[i].orcpt = "rfc822;bob@b.test";
	}
	p->rcpts = r;
	p->nrcpts = i;
}

/* t_expect - the engine's next step is a; a command line is line */
static void
t_expect(const struct t_conv *t, struct smtp_client *c, size_t i,
    enum smtp_client_action a, const char *want, int *utf8)
{
	const char	*line;
	char		 buf[SMTP_CMD_LINE_MAX + 4];
	size_t		 len;

	ATF_REQUIRE_EQ_MSG(smtp_client_next(c, &line, &len), a,
	    "%s: step %zu", t->name, i);
	if (a != SMTP_CLIENT_A_SEND)
		return;
	snprintf(buf, sizeof(buf), "%s\r\n", want);
	ATF_CHECK_EQ(len, strlen(line));
	ATF_CHECK_STREQ_MSG(line, buf, "%s: step %zu", t->name, i);
	t_roundtrip(t->name, line, len, (t->flags & F_LMTP) != 0, utf8);
}

/* t_feed - one reply line; a whole (or failed) reply goes to the engine */
static void
t_feed(struct smtp_client *c, struct smtp_reply_parser *rp, const char *s,
    int *open)
{
	if (smtp_reply_feed(rp, s, strlen(s)) == SMTP_REPLY_MORE) {
		*open = 1;
		return;
	}
	smtp_client_reply(c, rp);
	smtp_reply_init(rp);
	*open = 0;
}

/* t_play - play the first n steps of a conversation (or all); how many */
static size_t
t_play(const struct t_conv *t, struct smtp_client *c,
    struct smtp_client_rcpt *r, size_t n)
{
	struct smtp_client_params	p;
	struct smtp_reply_parser	rp;
	const char			*s;
	size_t				i;
	int				open = 0, utf8 = 0;

	t_params(t, &p, r);
	smtp_client_init(c, &p);
	smtp_reply_init(&rp);
	for (i = 0; i < n && (s = t->steps[i]) != NULL; i++) {
		if (s[0] == 'S' && !open)
			t_expect(t, c, i, SMTP_CLIENT_A_READ, NULL, &utf8);
		if (s[0] == 'S' || s[0] == 'U')
			t_feed(c, &rp, s + 2, &open);
		else if (s[0] == 'C')
			t_expect(t, c, i, SMTP_CLIENT_A_SEND, s + 2, &utf8);
		else if (s[0] == 'X')
			smtp_client_broken(c, s + 2);
		else if (s[0] == 'A' || s[0] == 'N') {
			p = c->p;
			ATF_REQUIRE_EQ_MSG(smtp_client_again(c, &p), s[0] ==
			    'A' ? 0 : -1, "%s: step %zu", t->name, i);
		}
		else
			t_expect(t, c, i, s[0] == 'T' ? SMTP_CLIENT_A_TLS :
			    s[0] == 'B' ? SMTP_CLIENT_A_BODY : s[0] == 'R' ?
			    SMTP_CLIENT_A_RESULT : SMTP_CLIENT_A_DONE, NULL,
			    &utf8);
		if (s[0] == 'T')
			smtp_client_tls_done(c);
	}
	return i;
}

/* t_run - play one whole conversation and check its verdicts */
static void
t_run(const struct t_conv *t)
{
	struct smtp_client	c;
	struct smtp_client_rcpt	r[T_RCPTS];
	char			why[ERRTEXT_MAX];
	size_t			i;

	i = t_play(t, &c, r, T_STEPS);
	ATF_CHECK_STREQ_MSG(t->steps[i - 1], "D", "%s ends with D", t->name);
	ATF_CHECK_EQ_MSG(c.res.verdict, t->verdict, "%s: verdict", t->name);
	for (i = 0; i < c.p.nrcpts; i++)
		ATF_CHECK_EQ_MSG(r[i].res.verdict, t->rv[i], "%s: rcpt %zu",
		    t->name, i);
	smtp_client_text_why(&r[0].res, why, sizeof(why));
	if (t->why != NULL)
		ATF_CHECK_STREQ_MSG(why, t->why, "%s", t->name);
}

ATF_TC_WITHOUT_HEAD(smtp_client_conversations);
ATF_TC_BODY(smtp_client_conversations, tc)
{
	size_t	i;

	for (i = 0; i < sizeof(t_convs) / sizeof(t_convs[0]); i++)
		t_run(&t_convs[i]);
}

ATF_TC_WITHOUT_HEAD(smtp_client_verdict_rules);
ATF_TC_BODY(smtp_client_verdict_rules, tc)
{
	static const struct {
		int			 at;	/* 0 MAIL 1 RCPT 2 DATA 3 dot */
		const char		*reply;
		enum smtp_client_verdict v;
	} t[] = {
		{ 0, "S 550 5.7.1 no", V_PERM }, { 0, "S 552 too big", V_PERM },
		{ 0, "S 451 4.3.0 later", V_TEMP }, { 0, "S 421 bye", V_TEMP },
		{ 0, "S 354 go", V_TEMP },
		{ 1, "S 550 5.1.1 no", V_PERM }, { 1, "S 451 4.2.0 busy", V_RCPT },
		{ 1, "S 452 4.5.3 full", V_RCPT }, { 1, "S 421 bye", V_TEMP },
		{ 1, "S 354 go", V_TEMP },
		{ 2, "S 250 2.0.0 stored", V_TEMP }, { 2, "S 451 later", V_RCPT },
		{ 2, "S 554 no", V_PERM }, { 2, "S 421 bye", V_TEMP },
		{ 2, "S 334 eh", V_TEMP },
		{ 3, "S 250 2.0.0 ok", V_OK }, { 3, "S 251 ok", V_OK },
		{ 3, "S 451 4.3.0 later", V_RCPT }, { 3, "S 421 bye", V_TEMP },
		{ 3, "S 554 5.6.0 no", V_PERM }, { 3, "S 354 again", V_TEMP },
	};
	static const char *const upto[] = { GREET, EHLO, EHLO_OK, MAIL,
	    "S 250 ok", RCPT, "S 250 ok", "C DATA", "S 354 go", "B" };
	static const size_t	reach[] = { 4, 6, 8, 10 };
	static const char *const tail[] = { QUIT };
	struct t_conv		 conv;
	size_t			 i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&conv, 0, sizeof(conv));
		conv.name = t[i].reply;
		n = reach[t[i].at];
		memcpy(conv.steps, upto, n * sizeof(upto[0]));
		conv.steps[n++] = t[i].reply;
		memcpy(conv.steps + n, tail, sizeof(tail));
		conv.rv[0] = t[i].v;
		/* failures that end the transaction are the session's */
		conv.verdict = t[i].at == 1 && t[i].v != V_TEMP ? V_OK : t[i].v;
		t_run(&conv);
	}
}

ATF_TC_WITHOUT_HEAD(smtp_client_judge_codes);
ATF_TC_BODY(smtp_client_judge_codes, tc)
{
	static const struct {
		int			 code;
		enum smtp_client_state	 st;
		enum smtp_client_verdict v;
	} t[] = {
		{ 250, SMTP_CLIENT_S_DOT, V_OK },
		{ 251, SMTP_CLIENT_S_DOT, V_OK },
		{ 250, SMTP_CLIENT_S_DATA, V_TEMP },
		{ 250, SMTP_CLIENT_S_MAIL, V_TEMP },
		{ 354, SMTP_CLIENT_S_DOT, V_TEMP },
		{ 334, SMTP_CLIENT_S_RCPT, V_TEMP },
		{ 421, SMTP_CLIENT_S_RCPT, V_TEMP },
		{ 451, SMTP_CLIENT_S_MAIL, V_TEMP },
		{ 451, SMTP_CLIENT_S_RCPT, V_RCPT },
		{ 452, SMTP_CLIENT_S_DATA, V_RCPT },
		{ 450, SMTP_CLIENT_S_DOT, V_RCPT },
		{ 550, SMTP_CLIENT_S_MAIL, V_PERM },
		{ 554, SMTP_CLIENT_S_DOT, V_PERM },
		{ 0, SMTP_CLIENT_S_DOT, V_TEMP },
		{ 199, SMTP_CLIENT_S_DOT, V_TEMP },
		{ 600, SMTP_CLIENT_S_DOT, V_TEMP },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ATF_CHECK_EQ_MSG(smtp_client_judge(t[i].code, t[i].st), t[i].v,
		    "case %zu", i);
}

ATF_TC_WITHOUT_HEAD(smtp_client_reply_overlong);
ATF_TC_BODY(smtp_client_reply_overlong, tc)
{
	static char		 line[2][SMTP_REPLY_LINE_MAX + 8];
	static struct t_conv	 t[2];
	size_t			 i;

	/* 510 octets before CRLF is the limit: 511 breaks the session */
	for (i = 0; i < 2; i++) {
		memset(line[i], 'x', SMTP_REPLY_LINE_MAX + 7);
		memcpy(line[i], "S 220 ", 6);
		line[i][2 + SMTP_REPLY_LINE_MAX - 2 + i] = '\0';
		t[i].name = i == 0 ? "at the limit" : "limit + 1";
		t[i].steps[0] = line[i];
	}
	t[0].steps[1] = EHLO;
	t[0].steps[2] = "X closed";
	t[0].why = "closed";
	t[1].why = "reply line too long";
	for (i = 0; i < 2; i++) {
		t[i].steps[i == 0 ? 3 : 1] = "R";
		t[i].steps[i == 0 ? 4 : 2] = "D";
		t[i].verdict = t[i].rv[0] = V_HOST;
		t_run(&t[i]);
	}
}

ATF_TC_WITHOUT_HEAD(smtp_client_auth_long);
ATF_TC_BODY(smtp_client_auth_long, tc)
{
	static char		user[400];
	struct t_conv		t = { "auth_long", F_TLS | F_AUTH, user, NULL,
	    { NULL }, { GREET, EHLO, "S 250-mx.b.test", "S 250 AUTH PLAIN",
	    QUIT }, V_TEMP, { V_TEMP }, "4.7.0 credentials too long" };

	memset(user, 'u', sizeof(user) - 1);
	t_run(&t);
}

ATF_TC_WITHOUT_HEAD(smtp_client_auth_forgotten);
ATF_TC_BODY(smtp_client_auth_forgotten, tc)
{
	static const struct t_conv	t = { "auth", F_TLS | F_AUTH, "alice",
	    NULL, { NULL }, { GREET, EHLO, "S 250-mx.b.test",
	    "S 250 AUTH PLAIN", "C AUTH PLAIN AGFsaWNlAHMzY3JldA==",
	    "S 535 5.7.8 no", NULL }, V_TEMP, { V_TEMP }, NULL };
	struct smtp_client		c;
	struct smtp_client_rcpt		r[T_RCPTS];
	const char			*line;
	size_t				len;

	ATF_REQUIRE_EQ(t_play(&t, &c, r, T_STEPS), 6);
	/* the line with the token is wiped once its reply is in */
	ATF_CHECK(memmem(c.line, sizeof(c.line), "dA==", 4) == NULL);
	ATF_CHECK_EQ(smtp_client_next(&c, &line, &len), SMTP_CLIENT_A_RESULT);
	ATF_CHECK_EQ(smtp_client_next(&c, &line, &len), SMTP_CLIENT_A_SEND);
	ATF_CHECK_STREQ(line, "QUIT\r\n");
}

ATF_TC_WITHOUT_HEAD(smtp_client_result_names);
ATF_TC_BODY(smtp_client_result_names, tc)
{
	static const struct t_conv	t = { "allrcpt", F_ALL, NULL, NULL,
	    { "a@b.test", "b@b.test" }, { GREET, EHLO, EHLO_OK, MAIL,
	    "S 250 ok", "C RCPT TO:<a@b.test>", "S 250 ok",
	    "C RCPT TO:<b@b.test>", "S 550-5.1.1 no", "S 550 5.1.1 such user",
	    QUIT }, V_PERM, { V_PERM, V_PERM }, "RCPT 550 no such user" };
	struct smtp_client		c;
	struct smtp_client_rcpt		r[T_RCPTS];

	t_run(&t);
	/* the session's result names the refused address and the reply */
	ATF_REQUIRE_EQ(t_play(&t, &c, r, 10), 10);
	ATF_CHECK_STREQ(c.res.step, "RCPT");
	ATF_CHECK_STREQ(c.res.addr, "b@b.test");
	ATF_CHECK_EQ(c.res.code, 550);
	ATF_CHECK_STREQ(c.res.enhanced, "5.1.1");
	ATF_CHECK_STREQ(c.res.text, "no such user");
}

/* a blocking driver's I/O for smtp_client_run: scripted replies */
struct t_io {
	const char *const		*replies;	/* one line each */
	size_t				 next;
	struct smtp_reply_parser	 rp;
	char				 sent[2048];
	int				 bodies;
	int				 fail_body;
};

/* t_io_send - smtp_client_io: keep the line */
static int
t_io_send(void *arg, const char *line, size_t len, char *err, size_t errsz)
{
	struct t_io	*io = arg;

	(void)len;
	(void)strlcpy(err, "cannot send", errsz);
	return strlcat(io->sent, line, sizeof(io->sent)) < sizeof(io->sent) ?
	    0 : -1;
}

/* t_io_read - smtp_client_io: the next scripted reply, or EOF */
static const struct smtp_reply_parser *
t_io_read(void *arg, char *err, size_t errsz)
{
	struct t_io		*io = arg;
	const char		*s;
	enum smtp_reply_status	 st;

	smtp_reply_init(&io->rp);
	do {
		if ((s = io->replies[io->next]) == NULL) {
			(void)strlcpy(err, "connection closed", errsz);
			return NULL;
		}
		io->next++;
		st = smtp_reply_feed(&io->rp, s, strlen(s));
	} while (st == SMTP_REPLY_MORE);
	(void)strlcpy(err, io->rp.err, errsz);
	return st == SMTP_REPLY_DONE ? &io->rp : NULL;
}

/* t_io_body - smtp_client_io: count, or fail */
static int
t_io_body(void *arg, char *err, size_t errsz)
{
	struct t_io	*io = arg;

	io->bodies++;
	(void)strlcpy(err, "disk on fire", errsz);
	return io->fail_body ? -1 : 0;
}

static const struct smtp_client_io t_io_ops = {
	t_io_send, t_io_read, t_io_body
};

/* t_io_session - one session of smtp_client_run over scripted replies */
static void
t_io_session(struct smtp_client *c, struct t_io *io,
    const char *const *replies, unsigned int flags, int fail_body)
{
	static const struct t_conv	 conv = { "run", 0, NULL, NULL,
	    { NULL }, { NULL }, SMTP_CLIENT_V_NONE, { 0 }, NULL };
	static struct smtp_client_rcpt	 r[T_RCPTS];
	struct smtp_client_params	 p;

	memset(io, 0, sizeof(*io));
	io->replies = replies;
	io->fail_body = fail_body;
	t_params(&conv, &p, r);
	p.flags = flags;
	smtp_client_init(c, &p);
	smtp_client_run(c, &t_io_ops, io);
	ATF_CHECK_EQ(c->todo, SMTP_CLIENT_A_DONE);
}

ATF_TC_WITHOUT_HEAD(smtp_client_run_blocking);
ATF_TC_BODY(smtp_client_run_blocking, tc)
{
	static const char *const ok[] = { "220 hi", "250 mx", "250 ok",
	    "250 ok", "354 go", "250 queued", "221 bye", NULL };
	static const char *const tls[] = { "220 hi", "250-mx", "250 STARTTLS",
	    "220 go", NULL };
	static const char *const lost[] = { "220 hi", "250 mx", "250 ok",
	    NULL };
	struct smtp_client	c;
	struct t_io		io;

	t_io_session(&c, &io, ok, 0, 0);
	ATF_CHECK_EQ(c.res.verdict, V_OK);
	ATF_CHECK_EQ(io.bodies, 1);
	ATF_CHECK_STREQ(io.sent, "EHLO me.a.test\r\nMAIL FROM:<alice@a.test>"
	    "\r\nRCPT TO:<bob@b.test>\r\nDATA\r\nQUIT\r\n");
	/* the message cannot be sent: the destination failed, no QUIT */
	t_io_session(&c, &io, ok, 0, 1);
	ATF_CHECK_EQ(c.p.rcpts[0].res.verdict, V_TEMP);
	ATF_CHECK_STREQ(c.p.rcpts[0].res.text, "disk on fire");
	ATF_CHECK(strstr(io.sent, "QUIT") == NULL);
	/* a blocking driver has no TLS to offer */
	t_io_session(&c, &io, tls, F_STLS | F_TREQ, 0);
	ATF_CHECK_EQ(c.res.verdict, V_HOST);
	ATF_CHECK_STREQ(c.res.text, "TLS is not available here");
	/* the server goes away after MAIL */
	t_io_session(&c, &io, lost, 0, 0);
	ATF_CHECK_EQ(c.p.rcpts[0].res.verdict, V_TEMP);
	ATF_CHECK_STREQ(c.p.rcpts[0].res.text, "connection closed");
}

/* t_server_reply - the server core's reply, fed line by line */
static void
t_server_reply(struct smtp_client *c, const char *buf)
{
	struct smtp_reply_parser	rp;
	const char			*eol;

	smtp_reply_init(&rp);
	for (; (eol = strstr(buf, "\r\n")) != NULL; buf = eol + 2)
		if (smtp_reply_feed(&rp, buf, (size_t)(eol - buf)) !=
		    SMTP_REPLY_MORE)
			break;
	ATF_REQUIRE(rp.done && !rp.failed);
	smtp_client_reply(c, &rp);
}

ATF_TC_WITHOUT_HEAD(smtp_client_roundtrip_server_core);
ATF_TC_BODY(smtp_client_roundtrip_server_core, tc)
{
	static const struct t_conv	conv = { "core", F_SIZE | F_8BIT |
	    F_UTF8, NULL, NULL, { "j\xc3\xb6rg@b.test" }, { NULL },
	    SMTP_CLIENT_V_NONE, { 0 }, NULL };
	struct smtp_client		c;
	struct smtp_client_params	p;
	struct smtp_client_rcpt		r[T_RCPTS];
	struct smtp_ext			ext;
	struct smtp_cmd			cmd[3];
	const char			*line;
	char				buf[2048], err[ERRTEXT_MAX];
	size_t				len, i;

	/* the listener's own EHLO reply, the client's own commands */
	t_params(&conv, &p, r);
	smtp_client_init(&c, &p);
	ATF_REQUIRE_EQ(smtp_reply_format(buf, sizeof(buf), 220, NULL,
	    "mx.b.test ESMTP"), 0);
	t_server_reply(&c, buf);
	ATF_REQUIRE_EQ(smtp_client_next(&c, &line, &len), SMTP_CLIENT_A_SEND);
	memset(&ext, 0, sizeof(ext));
	ext.flags = SMTP_EXT_SIZE | SMTP_EXT_8BITMIME | SMTP_EXT_SMTPUTF8 |
	    SMTP_EXT_DSN | SMTP_EXT_PIPELINING;
	ext.size = 35000000;
	ATF_REQUIRE_EQ(smtp_ext_advertise(&ext, "mx.b.test", "hello", buf,
	    sizeof(buf)), 0);
	t_server_reply(&c, buf);
	ATF_CHECK_EQ(c.ext.flags, ext.flags);
	ATF_CHECK_EQ(c.ext.size, ext.size);
	for (i = 0; i < 2; i++) {
		ATF_REQUIRE_EQ(smtp_client_next(&c, &line, &len),
		    SMTP_CLIENT_A_SEND);
		ATF_REQUIRE_EQ_MSG(smtp_cmd_parse(line, len - 2,
		    SMTP_CMD_F_SIZE | SMTP_CMD_F_8BITMIME | SMTP_CMD_F_SMTPUTF8 |
		    SMTP_CMD_F_DSN | SMTP_CMD_F_TX_UTF8, &cmd[i], err,
		    sizeof(err)), 0, "%s: %s", line, err);
		ATF_REQUIRE_EQ(smtp_reply_format(buf, sizeof(buf), 250,
		    "2.1.0", "ok"), 0);
		t_server_reply(&c, buf);
	}
	ATF_CHECK_EQ(cmd[0].verb, SMTP_CMD_MAIL);
	ATF_CHECK_STREQ(cmd[0].addr.text, "alice@a.test");
	ATF_CHECK_EQ(cmd[0].size, 1234);
	ATF_CHECK_EQ(cmd[0].body, SMTP_CMD_BODY_8BITMIME);
	ATF_CHECK(cmd[0].params & SMTP_CMD_P_SMTPUTF8);
	ATF_CHECK_EQ(cmd[0].ret, SMTP_CMD_RET_HDRS);
	ATF_CHECK_STREQ(cmd[0].envid, p.envid);
	ATF_CHECK_EQ(cmd[1].verb, SMTP_CMD_RCPT);
	ATF_CHECK_STREQ(cmd[1].addr.text, r[0].addr);
	ATF_CHECK_EQ(cmd[1].notify, r[0].notify);
	ATF_CHECK_STREQ(cmd[1].orcpt_type, "rfc822");
	ATF_CHECK_STREQ(cmd[1].orcpt, "bob@b.test");
	ATF_REQUIRE_EQ(smtp_client_next(&c, &line, &len), SMTP_CLIENT_A_SEND);
	ATF_CHECK_STREQ(line, "DATA\r\n");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, smtp_client_conversations);
	ATF_TP_ADD_TC(tp, smtp_client_verdict_rules);
	ATF_TP_ADD_TC(tp, smtp_client_judge_codes);
	ATF_TP_ADD_TC(tp, smtp_client_reply_overlong);
	ATF_TP_ADD_TC(tp, smtp_client_auth_long);
	ATF_TP_ADD_TC(tp, smtp_client_auth_forgotten);
	ATF_TP_ADD_TC(tp, smtp_client_result_names);
	ATF_TP_ADD_TC(tp, smtp_client_run_blocking);
	ATF_TP_ADD_TC(tp, smtp_client_roundtrip_server_core);
	return atf_no_error();
}
