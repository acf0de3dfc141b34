/*
 * t_lmtp.c - the LMTP client against a scripted LMTP server in a child
 * process: per-recipient replies, dot-stuffing, broken servers, limits.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "../../../deliver/local/lmtp.h"

#define T_TRANSCRIPT	"transcript"

/* what the scripted server answers; NULL replies end the session */
struct t_script {
	const char	*greeting;
	const char	*lhlo;
	const char	*mail;
	const char	*rcpt[4];
	const char	*data;
	const char	*final[4];	/* one per accepted recipient */
	int		 close_after_data;
	int		 silent;	/* say nothing at all */
	size_t		 greeting_len;	/* bytes of greeting, 0 = strlen */
};

/* t_reply - the server writes a scripted reply, or exits when none */
static void
t_reply(int fd, const char *r)
{
	if (r == NULL)
		_exit(0);
	if (write(fd, r, strlen(r)) != (ssize_t)strlen(r))
		_exit(1);
}

/* t_getline - the server reads one CRLF line into line; 0 at EOF */
static size_t
t_getline(int fd, char *line, size_t sz, int tr)
{
	size_t	 n = 0;
	char	 c;

	while (n + 1 < sz && read(fd, &c, 1) == 1) {
		line[n++] = c;
		if (c == '\n')
			break;
	}
	line[n] = '\0';
	if (n > 0 && write(tr, line, n) != (ssize_t)n)
		_exit(1);
	return n;
}

/* t_serve - the scripted server loop, in the child */
static void __attribute__((noreturn))
t_serve(int fd, const struct t_script *s)
{
	char	 line[4096];
	int	 tr, nrcpt = 0, nok = 0, i;

	tr = open(T_TRANSCRIPT, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (tr == -1)
		_exit(1);
	if (s->silent) {
		sleep(2);
		_exit(0);
	}
	if (s->greeting_len > 0) {
		if (write(fd, s->greeting, s->greeting_len) !=
		    (ssize_t)s->greeting_len)
			_exit(1);
	} else
		t_reply(fd, s->greeting);
	while (t_getline(fd, line, sizeof(line), tr) > 0) {
		if (strncmp(line, "LHLO ", 5) == 0)
			t_reply(fd, s->lhlo);
		else if (strncmp(line, "MAIL FROM:", 10) == 0)
			t_reply(fd, s->mail);
		else if (strncmp(line, "RCPT TO:", 8) == 0) {
			nok += s->rcpt[nrcpt & 3][0] == '2';
			t_reply(fd, s->rcpt[nrcpt++ & 3]);
		}
		else if (strcmp(line, "DATA\r\n") == 0) {
			t_reply(fd, s->data);
			if (strncmp(s->data, "354", 3) != 0)
				continue;
			while (t_getline(fd, line, sizeof(line), tr) > 0 &&
			    strcmp(line, ".\r\n") != 0)
				;
			if (s->close_after_data)
				_exit(0);
			for (i = 0; i < nok && i < 4 && s->final[i] != NULL;
			    i++)
				t_reply(fd, s->final[i]);
		} else if (strcmp(line, "QUIT\r\n") == 0) {
			t_reply(fd, "221 2.0.0 bye\r\n");
			_exit(0);
		} else
			t_reply(fd, "500 5.5.1 what\r\n");
	}
	_exit(0);
}

/* t_server - fork the scripted server on one end of a socketpair */
static pid_t
t_server(const struct t_script *s, int *fd)
{
	int	 sv[2];
	pid_t	 pid;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(sv[0]);
		t_serve(sv[1], s);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

/* t_msgfile - a message file holding text, opened read-only */
static int
t_msgfile(const char *text)
{
	int	 fd;

	fd = open("msg", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	ATF_REQUIRE((fd = open("msg", O_RDONLY)) != -1);
	return fd;
}

/* t_transcript - what the server received */
static char *
t_transcript(void)
{
	static char	 buf[65536];
	ssize_t		 n;
	int		 fd;

	ATF_REQUIRE((fd = open(T_TRANSCRIPT, O_RDONLY)) != -1);
	n = read(fd, buf, sizeof(buf) - 1);
	ATF_REQUIRE(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* t_run - one session of tx against script s; lmtp_session's value */
static int
t_run(const struct t_script *s, struct lmtp_tx *tx)
{
	pid_t	 pid;
	int	 fd, rv, st;

	pid = t_server(s, &fd);
	rv = lmtp_session(fd, tx);
	close(fd);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	return rv;
}

/* t_tx - a transaction with n recipients from addrs */
static void
t_tx(struct lmtp_tx *tx, struct lmtp_rcpt *r, const char **addrs, size_t n,
    const char *text)
{
	size_t	 i;

	memset(tx, 0, sizeof(*tx));
	memset(r, 0, n * sizeof(*r));
	for (i = 0; i < n; i++)
		r[i].addr = addrs[i];
	tx->lhlo = "mx.example.org";
	tx->sender = "alice@example.org";
	tx->prefix = "Delivered-To: x\n";
	tx->msg_fd = t_msgfile(text);
	tx->rcpts = r;
	tx->nrcpts = n;
	tx->timeout = 2;
}

static const struct t_script t_ok = {
	"220 lmtp.test LMTP\r\n", "250-lmtp.test\r\n250 PIPELINING\r\n",
	"250 2.1.0 ok\r\n", { "250 2.1.5 ok\r\n", "250 2.1.5 ok\r\n",
	"250 2.1.5 ok\r\n", "250 2.1.5 ok\r\n" }, "354 go\r\n",
	{ "250 2.0.0 a\r\n", "250 2.0.0 b\r\n", "250 2.0.0 c\r\n", NULL },
	0, 0, 0
};

ATF_TC_WITHOUT_HEAD(lmtp_session_transcript);
ATF_TC_BODY(lmtp_session_transcript, tc)
{
	const char		*addrs[] = { "bob@example.net" };
	struct lmtp_rcpt	 r[1];
	struct lmtp_tx		 tx;

	t_tx(&tx, r, addrs, 1, "Subject: x\n\n.hidden\n..two\nend");
	ATF_CHECK_EQ(t_run(&t_ok, &tx), 0);
	ATF_CHECK_EQ(r[0].code, 250);
	ATF_CHECK_EQ(r[0].res.status, LOCAL_OK);
	ATF_CHECK_STREQ(r[0].res.reason, "lmtp: 250 2.0.0 a");
	ATF_CHECK_STREQ(t_transcript(),
	    "LHLO mx.example.org\r\n"
	    "MAIL FROM:<alice@example.org>\r\n"
	    "RCPT TO:<bob@example.net>\r\n"
	    "DATA\r\n"
	    "Delivered-To: x\r\n"
	    "Subject: x\r\n\r\n..hidden\r\n...two\r\nend\r\n.\r\n"
	    "QUIT\r\n");
}

ATF_TC_WITHOUT_HEAD(lmtp_session_null_sender_login);
ATF_TC_BODY(lmtp_session_null_sender_login, tc)
{
	const char		*addrs[] = { "bob" };
	struct lmtp_rcpt	 r[1];
	struct lmtp_tx		 tx;

	t_tx(&tx, r, addrs, 1, "x\n");
	tx.sender = "";
	ATF_CHECK_EQ(t_run(&t_ok, &tx), 0);
	ATF_CHECK_EQ(r[0].res.status, LOCAL_OK);
	ATF_CHECK(strstr(t_transcript(),
	    "MAIL FROM:<>\r\nRCPT TO:<bob>\r\n") != NULL);
}

ATF_TC_WITHOUT_HEAD(lmtp_session_mixed_rcpt);
ATF_TC_BODY(lmtp_session_mixed_rcpt, tc)
{
	const char		*addrs[] = { "a@x.test", "b@x.test",
				    "c@x.test", "d@x.test" };
	struct lmtp_rcpt	 r[4];
	struct lmtp_tx		 tx;
	struct t_script		 s = t_ok;

	/* RCPT: ok, 450, ok, 550; after the dot: 250 for a, 452 for c */
	s.rcpt[1] = "450 4.2.1 busy\r\n";
	s.rcpt[3] = "550 5.1.1 no such user\r\n";
	s.final[0] = "250 2.0.0 a\r\n";
	s.final[1] = "452 4.2.2 over quota\r\n";
	s.final[2] = NULL;
	t_tx(&tx, r, addrs, 4, "hi\n");
	ATF_CHECK_EQ(t_run(&s, &tx), 0);
	ATF_CHECK_EQ(r[0].code, 250);
	ATF_CHECK_EQ(r[0].res.status, LOCAL_OK);
	ATF_CHECK_EQ(r[1].code, 450);
	ATF_CHECK_EQ(r[1].res.status, LOCAL_TEMPFAIL);
	ATF_CHECK_STREQ(r[1].res.reason, "lmtp: 450 4.2.1 busy");
	ATF_CHECK_EQ(r[2].code, 452);
	ATF_CHECK_EQ(r[2].res.status, LOCAL_TEMPFAIL);
	ATF_CHECK_EQ(r[3].code, 550);
	ATF_CHECK_EQ(r[3].res.status, LOCAL_PERMFAIL);
	ATF_CHECK_STREQ(r[3].res.reason, "lmtp: 550 5.1.1 no such user");
}

ATF_TC_WITHOUT_HEAD(lmtp_session_all_refused);
ATF_TC_BODY(lmtp_session_all_refused, tc)
{
	const char		*addrs[] = { "a@x.test", "b@x.test" };
	struct lmtp_rcpt	 r[2];
	struct lmtp_tx		 tx;
	struct t_script		 s = t_ok;

	s.rcpt[0] = "550 5.1.1 no\r\n";
	s.rcpt[1] = "451 4.3.0 later\r\n";
	t_tx(&tx, r, addrs, 2, "hi\n");
	ATF_CHECK_EQ(t_run(&s, &tx), 0);
	ATF_CHECK_EQ(r[0].res.status, LOCAL_PERMFAIL);
	ATF_CHECK_EQ(r[1].res.status, LOCAL_TEMPFAIL);
	ATF_CHECK(strstr(t_transcript(), "DATA") == NULL);
}

ATF_TC_WITHOUT_HEAD(lmtp_session_mail_refused);
ATF_TC_BODY(lmtp_session_mail_refused, tc)
{
	static const struct {
		const char		*reply;
		enum local_status	 status;
	} cases[] = {
		{ "550 5.7.1 go away\r\n",	LOCAL_PERMFAIL },
		{ "451 4.3.0 try later\r\n",	LOCAL_TEMPFAIL },
	};
	const char		*addrs[] = { "a@x.test", "b@x.test" };
	struct lmtp_rcpt	 r[2];
	struct lmtp_tx		 tx;
	struct t_script		 s = t_ok;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s.mail = cases[i].reply;
		t_tx(&tx, r, addrs, 2, "hi\n");
		ATF_CHECK_EQ(t_run(&s, &tx), -1);
		ATF_CHECK_EQ(r[0].res.status, cases[i].status);
		ATF_CHECK_EQ(r[1].res.status, cases[i].status);
		ATF_CHECK(strstr(t_transcript(), "RCPT") == NULL);
	}
}

ATF_TC_WITHOUT_HEAD(lmtp_session_broken_server);
ATF_TC_BODY(lmtp_session_broken_server, tc)
{
	char			 toolong[600], atlimit[600];
	static struct t_script	 cases[8];
	const char		*addrs[] = { "a@x.test" };
	struct lmtp_rcpt	 r[1];
	struct lmtp_tx		 tx;
	size_t			 i;

	/* a reply line of 510 octets before CRLF is the limit */
	memset(atlimit, 'x', sizeof(atlimit));
	memcpy(atlimit, "220 ", 4);
	strlcpy(atlimit + 510, "\r\n", sizeof(atlimit) - 510);
	memset(toolong, 'x', sizeof(toolong));
	memcpy(toolong, "220 ", 4);
	strlcpy(toolong + 511, "\r\n", sizeof(toolong) - 511);
	for (i = 0; i < 8; i++)
		cases[i] = t_ok;
	cases[0].close_after_data = 1;			/* no final reply */
	cases[1].greeting = "554 5.3.2 not today\r\n";	/* refused */
	cases[2].greeting = toolong;			/* limit + 1 */
	cases[3].greeting = "220 a\0b\r\n";		/* NUL */
	cases[3].greeting_len = 9;
	cases[7].greeting = "2x0 hello\r\n";		/* malformed code */
	cases[4].silent = 1;				/* time-out */
	cases[5].lhlo = "220-wrong\r\n250 code\r\n";	/* code changes */
	cases[6].greeting = NULL;			/* closes at once */
	for (i = 0; i < 8; i++) {
		t_tx(&tx, r, addrs, 1, "hi\n");
		tx.timeout = 1;
		ATF_CHECK_EQ_MSG(t_run(&cases[i], &tx), -1, "case %zu", i);
		ATF_CHECK_EQ_MSG(r[0].res.status, LOCAL_TEMPFAIL, "case %zu",
		    i);
		ATF_CHECK_EQ(r[0].code, 0);
	}
	cases[0] = t_ok;
	cases[0].greeting = atlimit;
	t_tx(&tx, r, addrs, 1, "hi\n");
	ATF_CHECK_EQ(t_run(&cases[0], &tx), 0);
	ATF_CHECK_EQ(r[0].res.status, LOCAL_OK);
}

ATF_TC_WITHOUT_HEAD(lmtp_session_reply_8bit_bare_lf);
ATF_TC_BODY(lmtp_session_reply_8bit_bare_lf, tc)
{
	const char		*addrs[] = { "a@x.test" };
	struct lmtp_rcpt	 r[1];
	struct lmtp_tx		 tx;
	struct t_script		 s = t_ok;

	s.greeting = "220 ok\n";			/* bare LF ends a line */
	s.final[0] = "550 5.6.0 bad \xe9t\xe9\n";
	t_tx(&tx, r, addrs, 1, "hi\n");
	ATF_CHECK_EQ(t_run(&s, &tx), 0);
	ATF_CHECK_EQ(r[0].res.status, LOCAL_PERMFAIL);
	ATF_CHECK(strchr(r[0].res.reason, '\xe9') == NULL);
	ATF_CHECK(strncmp(r[0].res.reason, "lmtp: 550 5.6.0 bad ", 20) == 0);
}

ATF_TC_WITHOUT_HEAD(lmtp_session_bad_addresses);
ATF_TC_BODY(lmtp_session_bad_addresses, tc)
{
	const char		*addrs[] = { "a;b@x.test", "ok@x.test",
				    "sh`x`", "" };
	struct lmtp_rcpt	 r[4];
	struct lmtp_tx		 tx;

	t_tx(&tx, r, addrs, 4, "hi\n");
	ATF_CHECK_EQ(t_run(&t_ok, &tx), 0);
	ATF_CHECK_EQ(r[0].res.status, LOCAL_PERMFAIL);
	ATF_CHECK_EQ(r[1].res.status, LOCAL_OK);
	ATF_CHECK_EQ(r[2].res.status, LOCAL_PERMFAIL);
	ATF_CHECK_EQ(r[3].res.status, LOCAL_PERMFAIL);
	ATF_CHECK(strstr(t_transcript(), "RCPT TO:<ok@x.test>\r\nDATA")
	    != NULL);
	ATF_CHECK(strchr(t_transcript(), ';') == NULL);
}

ATF_TC_WITHOUT_HEAD(lmtp_session_rcpt_limit);
ATF_TC_BODY(lmtp_session_rcpt_limit, tc)
{
	static struct lmtp_rcpt	 r[LMTP_RCPT_MAX + 1];
	static const char	*addrs[LMTP_RCPT_MAX + 1];
	struct lmtp_tx		 tx;
	struct t_script		 s = t_ok;
	size_t			 i;

	for (i = 0; i < 4; i++)
		s.rcpt[i] = "550 5.1.1 no\r\n";
	for (i = 0; i <= LMTP_RCPT_MAX; i++)
		addrs[i] = "u@x.test";
	/* exactly at the limit: every recipient is tried */
	t_tx(&tx, r, addrs, LMTP_RCPT_MAX, "hi\n");
	ATF_CHECK_EQ(t_run(&s, &tx), 0);
	for (i = 0; i < LMTP_RCPT_MAX; i++)
		ATF_CHECK_EQ(r[i].code, 550);
	/* one more, or none: refused before anything is sent */
	t_tx(&tx, r, addrs, LMTP_RCPT_MAX + 1, "hi\n");
	ATF_CHECK_EQ(lmtp_session(-1, &tx), -1);
	ATF_CHECK_EQ(r[LMTP_RCPT_MAX].res.status, LOCAL_TEMPFAIL);
	ATF_CHECK_EQ(r[0].code, 0);
	tx.nrcpts = 0;
	ATF_CHECK_EQ(lmtp_session(-1, &tx), -1);
}

/*
 * t_sockpath - a socket path under a fresh directory in /tmp (the test's
 * work directory may be too deep for sun_path)
 */
static void
t_sockpath(char *path, size_t sz, const char *name)
{
	char	 dir[64];

	snprintf(dir, sizeof(dir), "/tmp/t_lmtp.%d", (int)getpid());
	ATF_REQUIRE(mkdir(dir, 0700) == 0);
	snprintf(path, sz, "%s/%s", dir, name);
}

/* t_sockpath_done - remove the socket and its directory */
static void
t_sockpath_done(char *path)
{
	(void)unlink(path);
	*strrchr(path, '/') = '\0';
	(void)rmdir(path);
}

/* t_listen_unix - a listening Unix socket at path */
static int
t_listen_unix(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	(void)unlink(path);
	ATF_REQUIRE((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	ATF_REQUIRE(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	ATF_REQUIRE(listen(fd, 5) == 0);
	return fd;
}

/* t_listen_tcp - a listening socket on 127.0.0.1, its port in *port */
static int
t_listen_tcp(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ATF_REQUIRE((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	ATF_REQUIRE(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	ATF_REQUIRE(listen(fd, 5) == 0);
	ATF_REQUIRE(getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

ATF_TC_WITHOUT_HEAD(lmtp_connect_dest);
ATF_TC_BODY(lmtp_connect_dest, tc)
{
	static const char *const bad[] = {
		"", "host:", "host:abc", "[::1", "[::1]x", ":24",
		"127.0.0.1:99999999999999999999",
	};
	char	 dest[64], err[ERRTEXT_MAX];
	int	 lfd, fd, port;
	size_t	 i;

	lfd = t_listen_unix("lmtp.sock");
	/* a relative path is a host name, not a socket */
	ATF_CHECK((fd = lmtp_connect("lmtp.sock", 1, err, sizeof(err))) ==
	    -1);
	close(lfd);
	t_sockpath(dest, sizeof(dest), "lmtp.sock");
	lfd = t_listen_unix(dest);
	ATF_CHECK((fd = lmtp_connect(dest, 1, err, sizeof(err))) != -1);
	close(fd);
	close(lfd);
	t_sockpath_done(dest);
	lfd = t_listen_tcp(&port);
	snprintf(dest, sizeof(dest), "127.0.0.1:%d", port);
	ATF_CHECK((fd = lmtp_connect(dest, 1, err, sizeof(err))) != -1);
	close(fd);
	snprintf(dest, sizeof(dest), "[127.0.0.1]:%d", port);
	ATF_CHECK((fd = lmtp_connect(dest, 1, err, sizeof(err))) != -1);
	close(fd);
	close(lfd);
	ATF_CHECK(lmtp_connect(dest, 1, err, sizeof(err)) == -1);
	ATF_CHECK(strstr(err, "refused") != NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(lmtp_connect(bad[i], 1, err, sizeof(err)) == -1,
		    "%s", bad[i]);
}

ATF_TC_WITHOUT_HEAD(lmtp_deliver_unix);
ATF_TC_BODY(lmtp_deliver_unix, tc)
{
	struct local_delivery	 ld;
	struct local_result	 res;
	char			 path[256];
	int			 lfd, cfd, st, rcpt_to;
	pid_t			 pid;

	t_sockpath(path, sizeof(path), "d.sock");
	for (rcpt_to = 0; rcpt_to < 2; rcpt_to++) {
		lfd = t_listen_unix(path);
		ATF_REQUIRE((pid = fork()) != -1);
		if (pid == 0) {
			if ((cfd = accept(lfd, NULL, NULL)) == -1)
				_exit(1);
			t_serve(cfd, &t_ok);
		}
		close(lfd);
		memset(&ld, 0, sizeof(ld));
		ld.msg_fd = t_msgfile("Subject: hi\n\nbody\n");
		strlcpy(ld.sender, "alice@example.org", sizeof(ld.sender));
		strlcpy(ld.rcpt, "bob+tag@example.net", sizeof(ld.rcpt));
		strlcpy(ld.user, "bob", sizeof(ld.user));
		ATF_CHECK_EQ(lmtp_deliver(&ld, path, rcpt_to, &res), LOCAL_OK);
		ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
		close(ld.msg_fd);
		ATF_CHECK(strstr(t_transcript(), rcpt_to ?
		    "RCPT TO:<bob+tag@example.net>\r\n" :
		    "RCPT TO:<bob>\r\n") != NULL);
		ATF_CHECK(strstr(t_transcript(), "DATA\r\n"
		    "Return-Path: <alice@example.org>\r\n"
		    "Delivered-To: bob+tag@example.net\r\n"
		    "Subject: hi\r\n\r\nbody\r\n.\r\n") != NULL);
	}
	/* nobody listening: a temporary failure */
	ATF_CHECK_EQ(lmtp_deliver(&ld, path, 0, &res), LOCAL_TEMPFAIL);
	ATF_CHECK(strncmp(res.reason, "lmtp: ", 6) == 0);
	/* a sender with a newline never reaches the wire */
	strlcpy(ld.sender, "a\nb@x.test", sizeof(ld.sender));
	ATF_CHECK_EQ(lmtp_deliver(&ld, path, 0, &res), LOCAL_PERMFAIL);
	t_sockpath_done(path);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lmtp_session_transcript);
	ATF_TP_ADD_TC(tp, lmtp_session_null_sender_login);
	ATF_TP_ADD_TC(tp, lmtp_session_mixed_rcpt);
	ATF_TP_ADD_TC(tp, lmtp_session_all_refused);
	ATF_TP_ADD_TC(tp, lmtp_session_mail_refused);
	ATF_TP_ADD_TC(tp, lmtp_session_broken_server);
	ATF_TP_ADD_TC(tp, lmtp_session_reply_8bit_bare_lf);
	ATF_TP_ADD_TC(tp, lmtp_session_bad_addresses);
	ATF_TP_ADD_TC(tp, lmtp_session_rcpt_limit);
	ATF_TP_ADD_TC(tp, lmtp_connect_dest);
	ATF_TP_ADD_TC(tp, lmtp_deliver_unix);
	return atf_no_error();
}
