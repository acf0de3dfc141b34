/*
 * t_local_mbox.c - mbox delivery: mboxrd quoting, locking, rollback.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "local_harness.h"

#define MBOX	"mbox"

/* t_setup_named - a message file with len bytes of text, to be delivered */
static void
t_setup_named(struct local_delivery *ld, const char *name, const char *text,
    size_t len)
{
	local_harness_msg(ld, name, text, len);
	strlcpy(ld->mbox, MBOX, sizeof(ld->mbox));
}

/* t_setup - a message file "msg" with len bytes of text, delivered to mbox */
static void
t_setup(struct local_delivery *ld, const char *text, size_t len)
{
	t_setup_named(ld, "msg", text, len);
}

/*
 * t_undate - cut the date off every "From SENDER DATE" separator line in
 * place, so that a delivery and the expectation made a second apart agree
 */
static char *
t_undate(char *s)
{
	char	*line, *sp, *nl;

	for (line = s; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		if (strncmp(line, "From ", 5) != 0 ||
		    (sp = memchr(line + 5, ' ', nl - line - 5)) == NULL)
			continue;
		memmove(sp, nl, strlen(nl) + 1);
		nl = sp;
	}
	return s;
}

/* t_deliver - deliver from offset 0 and check the status */
static void
t_deliver(struct local_delivery *ld, enum local_status want)
{
	struct local_result	 res;

	local_harness_deliver(ld, local_mbox_deliver, want, &res);
}

/* t_sep - the separator line the delivery writes now */
static const char *
t_sep(const char *sender)
{
	static struct buf	 b;

	buf_init(&b, 1024);
	ATF_REQUIRE(local_mbox_separator(&b, sender, time(NULL)) == 0);
	return b.data;
}

ATF_TC_WITHOUT_HEAD(local_mbox_quote_cases);
ATF_TC_BODY(local_mbox_quote_cases, tc)
{
	const struct {
		const char	*in;
		size_t		 len;
		const char	*want;
		size_t		 wlen;
	} t[] = {
#define T(i, o)	{ i, sizeof(i) - 1, o, sizeof(o) - 1 }
		T("a\nFrom b\n", "a\n>From b\n\n"),
		T("From b\n", ">From b\n\n"),
		T(">From b\n", ">>From b\n\n"),
		T(">>>From b\nx\n", ">>>>From b\nx\n\n"),
		T("From \n", ">From \n\n"),
		T("From", "From\n\n"),
		T("Fro\n", "Fro\n\n"),
		T(">", ">\n\n"),
		T("x From y\n", "x From y\n\n"),
		T(" From y\n", " From y\n\n"),
		T(">Fromage\n", ">Fromage\n\n"),
		T("F>From x\n", "F>From x\n\n"),
		T("from y\n", "from y\n\n"),
		T("FROM y\n", "FROM y\n\n"),
		T("", "\n"),
		T("no newline", "no newline\n\n"),
		T("\n\n", "\n\n\n"),
		T("From x\r\n", ">From x\r\n\n"),
		T("From \0x\n", ">From \0x\n\n"),
		T("\0From x\n", "\0From x\n\n"),
		T("From \xff\xfe\n\xff\n", ">From \xff\xfe\n\xff\n\n"),
		T("a\nFrom b\nFrom c\n>From d\n", "a\n>From b\n>From c\n>>From d\n\n"),
#undef T
	};
	struct local_mbox_quote	 q;
	struct buf		 b;
	size_t			 i, j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* all at once, then one byte at a time */
		buf_init(&b, 256);
		local_mbox_quote_init(&q);
		ATF_CHECK(local_mbox_quote(&q, t[i].in, t[i].len, &b) == 0);
		ATF_CHECK(local_mbox_quote_end(&q, &b) == 0);
		ATF_CHECK_EQ_MSG(b.len, t[i].wlen, "case %zu", i);
		ATF_CHECK_MSG(memcmp(b.data, t[i].want, t[i].wlen) == 0,
		    "case %zu: %s", i, b.data);
		buf_reset(&b);
		for (j = 0; j < t[i].len; j++)
			ATF_CHECK(local_mbox_quote(&q, t[i].in + j, 1, &b) == 0);
		ATF_CHECK(local_mbox_quote_end(&q, &b) == 0);
		ATF_CHECK_EQ_MSG(b.len, t[i].wlen, "bytewise case %zu", i);
		ATF_CHECK_MSG(memcmp(b.data, t[i].want, t[i].wlen) == 0,
		    "bytewise case %zu", i);
		buf_free(&b);
	}
}

ATF_TC_WITHOUT_HEAD(local_mbox_quote_full);
ATF_TC_BODY(local_mbox_quote_full, tc)
{
	struct local_mbox_quote	 q;
	struct buf		 b;

	/* exactly at the cap, then one byte over */
	buf_init(&b, 7);
	local_mbox_quote_init(&q);
	ATF_CHECK_EQ(local_mbox_quote(&q, "From x", 6, &b), 0);
	ATF_CHECK_EQ(b.len, 7);
	ATF_CHECK_EQ(local_mbox_quote(&q, "y", 1, &b), -1);
	ATF_CHECK_EQ(local_mbox_quote_end(&q, &b), -1);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(local_mbox_separator_cases);
ATF_TC_BODY(local_mbox_separator_cases, tc)
{
	static char	 at[ADDR_MAX], over[ADDR_MAX + 1];
	const struct {
		const char	*sender;
		int		 rv;
		const char	*want;
	} t[] = {
		{ "a@b", 0, "From a@b Thu Jan  1 00:00:00 1970\n" },
		{ "", 0, "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" },
		{ "\"a b\"@c", 0, "From \"a_b\"@c Thu Jan  1 00:00:00 1970\n" },
		{ "a\tb\n@c", 0, "From a_b_@c Thu Jan  1 00:00:00 1970\n" },
		{ at, 0, NULL },
		{ over, -1, NULL },
	};
	struct buf	 b;
	size_t		 i;

	memset(at, 'a', sizeof(at) - 1);
	memset(over, 'o', sizeof(over) - 1);
	setenv("TZ", "UTC", 1);
	tzset();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_init(&b, 1024);
		ATF_CHECK_EQ_MSG(local_mbox_separator(&b, t[i].sender, 0),
		    t[i].rv, "case %zu", i);
		if (t[i].want != NULL)
			ATF_CHECK_STREQ(b.data, t[i].want);
		if (t[i].sender == at)
			ATF_CHECK_EQ(b.len, 5 + strlen(at) + 1 + 25);
		buf_free(&b);
	}
}

ATF_TC_WITHOUT_HEAD(local_mbox_deliver_content);
ATF_TC_BODY(local_mbox_deliver_content, tc)
{
	static const char	 text[] = "Subject: x\n\nFrom me\n>From you\nend";
	struct local_delivery	 ld;
	struct stat		 sb;
	char			 want[4096];

	umask(022);
	t_setup(&ld, text, sizeof(text) - 1);
	t_deliver(&ld, LOCAL_OK);
	ld.sender[0] = '\0';
	t_deliver(&ld, LOCAL_OK);
	snprintf(want, sizeof(want), "%s%s%s%s",
	    t_sep("alice@example.org"),
	    "Return-Path: <alice@example.org>\nDelivered-To: bob@example.net\n"
	    "Subject: x\n\n>From me\n>>From you\nend\n\n",
	    t_sep(""),
	    "Return-Path: <>\nDelivered-To: bob@example.net\n"
	    "Subject: x\n\n>From me\n>>From you\nend\n\n");
	ATF_CHECK_STREQ(t_undate(local_harness_slurp(MBOX, NULL)),
	    t_undate(want));
	ATF_REQUIRE(stat(MBOX, &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0600);
	ATF_CHECK_EQ(sb.st_uid, geteuid());
	ATF_CHECK(access(MBOX ".lock", F_OK) == -1 && errno == ENOENT);
}

ATF_TC_WITHOUT_HEAD(local_mbox_deliver_refused);
ATF_TC_BODY(local_mbox_deliver_refused, tc)
{
	struct local_delivery	 ld;
	struct local_result	 res;
	int			 fd;

	t_setup(&ld, "x\n", 2);
	/* a symbolic link, even to a file of ours */
	fd = open("target", O_CREAT | O_WRONLY, 0600);
	ATF_REQUIRE(fd != -1);
	close(fd);
	ATF_REQUIRE(symlink("target", MBOX) == 0);
	ATF_CHECK_EQ(local_mbox_deliver(&ld, &res), LOCAL_TEMPFAIL);
	ATF_CHECK(strstr(res.reason, "symbolic link") != NULL);
	/* a dangling symbolic link creates nothing */
	strlcpy(ld.mbox, "dangling", sizeof(ld.mbox));
	ATF_REQUIRE(symlink("nowhere", "dangling") == 0);
	t_deliver(&ld, LOCAL_TEMPFAIL);
	ATF_CHECK(access("nowhere", F_OK) == -1);
	/* world-writable */
	strlcpy(ld.mbox, "target", sizeof(ld.mbox));
	ATF_REQUIRE(chmod("target", 0666) == 0);
	ATF_CHECK_EQ(local_mbox_deliver(&ld, &res), LOCAL_TEMPFAIL);
	ATF_CHECK(strstr(res.reason, "world-writable") != NULL);
	/* a second hard link */
	ATF_REQUIRE(chmod("target", 0600) == 0);
	ATF_REQUIRE(link("target", "hard") == 0);
	ATF_CHECK_EQ(local_mbox_deliver(&ld, &res), LOCAL_TEMPFAIL);
	ATF_CHECK(strstr(res.reason, "links") != NULL);
	ATF_REQUIRE(unlink("hard") == 0);
	/* a directory */
	strlcpy(ld.mbox, "dir", sizeof(ld.mbox));
	ATF_REQUIRE(mkdir("dir", 0700) == 0);
	t_deliver(&ld, LOCAL_TEMPFAIL);
	/* a bad address is a permanent failure and creates nothing */
	strlcpy(ld.mbox, "new", sizeof(ld.mbox));
	strlcpy(ld.rcpt, "b@c\nFrom x", sizeof(ld.rcpt));
	t_deliver(&ld, LOCAL_PERMFAIL);
	ATF_CHECK(access("new", F_OK) == -1);
	ATF_CHECK_EQ(strlen(local_harness_slurp("target", NULL)), 0);
}

ATF_TC_WITHOUT_HEAD(local_mbox_deliver_other_owner);
ATF_TC_BODY(local_mbox_deliver_other_owner, tc)
{
	struct local_delivery	 ld;
	struct local_result	 res;
	int			 fd;

	if (geteuid() != 0)
		atf_tc_fail("needs root to give a file away (make check runs "
		    "as root)");
	t_setup(&ld, "x\n", 2);
	fd = open(MBOX, O_CREAT | O_WRONLY, 0600);
	ATF_REQUIRE(fd != -1);
	close(fd);
	ATF_REQUIRE(chown(MBOX, 65534, 65534) == 0);
	ATF_CHECK_EQ(local_mbox_deliver(&ld, &res), LOCAL_TEMPFAIL);
	ATF_CHECK(strstr(res.reason, "another user") != NULL);
	ATF_CHECK_EQ(strlen(local_harness_slurp(MBOX, NULL)), 0);
}

ATF_TC_WITHOUT_HEAD(local_mbox_deliver_spool_not_writable);
ATF_TC_BODY(local_mbox_deliver_spool_not_writable, tc)
{
	struct local_delivery	 ld;
	struct local_result	 res;
	pid_t			 pid;
	int			 status;

	t_setup(&ld, "x\n", 2);
	ATF_REQUIRE(chmod(".", 0755) == 0);
	ATF_REQUIRE(mkdir("spool", 0755) == 0);
	strlcpy(ld.mbox, "spool/bob", sizeof(ld.mbox));
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		/* as root, become someone the directory does not admit */
		if (geteuid() != 0 && chmod("spool", 0555) == -1)
			_exit(97);
		if (geteuid() == 0 && setuid(65534) == -1)
			_exit(98);
		local_mbox_deliver(&ld, &res);
		_exit(res.status == LOCAL_TEMPFAIL &&
		    strstr(res.reason, "not writable") != NULL ? 0 : 1);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status %d", status);
	ATF_CHECK(access("spool/bob", F_OK) == -1);
}

/* t_bigmsg - a message of n lines of 60 times c */
static char *
t_bigmsg(char c, size_t n, size_t *lenp)
{
	char	*m;
	size_t	 i;

	m = malloc(n * 61 + 1);
	ATF_REQUIRE(m != NULL);
	for (i = 0; i < n; i++) {
		memset(m + i * 61, c, 60);
		m[i * 61 + 60] = '\n';
	}
	m[n * 61] = '\0';
	*lenp = n * 61;
	return m;
}

ATF_TC_WITHOUT_HEAD(local_mbox_deliver_concurrent);
ATF_TC_BODY(local_mbox_deliver_concurrent, tc)
{
	struct local_delivery	 ld;
	struct local_result	 res;
	const size_t		 nlines = 100000;
	char			*m, *data, *p, *eol, kind, prev = 0;
	size_t			 len, flen, changes = 0, na = 0, nb = 0;
	pid_t			 pid[2];
	int			 i, status, go[2];

	/* both children start together, released by closing go[1] */
	ATF_REQUIRE(pipe(go) == 0);
	for (i = 0; i < 2; i++) {
		m = t_bigmsg(i == 0 ? 'A' : 'B', nlines, &len);
		ATF_REQUIRE((pid[i] = fork()) != -1);
		if (pid[i] == 0) {
			t_setup_named(&ld, i == 0 ? "msg0" : "msg1", m, len);
			close(go[1]);
			(void)read(go[0], &kind, 1);
			local_mbox_deliver(&ld, &res);
			_exit(res.status == LOCAL_OK ? 0 : 1);
		}
		free(m);
	}
	usleep(200000);
	close(go[1]);
	for (i = 0; i < 2; i++) {
		ATF_REQUIRE(waitpid(pid[i], &status, 0) == pid[i]);
		ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	data = local_harness_slurp(MBOX, &flen);
	for (p = data; (eol = strchr(p, '\n')) != NULL; p = eol + 1) {
		kind = (*p == 'A' || *p == 'B') ? *p : 0;
		if (kind == 'A')
			na++;
		if (kind == 'B')
			nb++;
		if (kind != 0 && prev != 0 && kind != prev)
			changes++;
		if (kind != 0) {
			ATF_REQUIRE_EQ(eol - p, 60);
			prev = kind;
		}
	}
	ATF_CHECK_EQ(na, nlines);
	ATF_CHECK_EQ(nb, nlines);
	ATF_CHECK_EQ(changes, 1);
	ATF_CHECK_EQ(flen, 2 * (strlen(t_sep("alice@example.org")) +
	    strlen("Return-Path: <alice@example.org>\n"
	    "Delivered-To: bob@example.net\n") + nlines * 61 + 1));
	free(data);
}

ATF_TC_WITHOUT_HEAD(local_mbox_deliver_fcntl_wait);
ATF_TC_BODY(local_mbox_deliver_fcntl_wait, tc)
{
	struct local_delivery	 ld;
	struct flock		 fl;
	struct timespec		 t0, t1;
	pid_t			 pid;
	int			 fd, p[2], status;
	char			 c;

	t_setup(&ld, "held\n", 5);
	fd = open(MBOX, O_CREAT | O_WRONLY, 0600);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) == -1)
			_exit(1);
		(void)write(p[1], "L", 1);
		sleep(2);
		_exit(0);
	}
	close(fd);
	ATF_REQUIRE(read(p[0], &c, 1) == 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_deliver(&ld, LOCAL_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ATF_CHECK_MSG(t1.tv_sec - t0.tv_sec >= 1, "did not wait for the lock");
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ATF_CHECK(strstr(local_harness_slurp(MBOX, NULL), "\nheld\n\n") !=
	    NULL);
}

ATF_TC_WITHOUT_HEAD(local_mbox_deliver_dotlock);
ATF_TC_BODY(local_mbox_deliver_dotlock, tc)
{
	struct local_delivery	 ld;
	struct timeval		 old[2];
	struct timespec		 t0, t1;
	pid_t			 pid;
	int			 fd, status;

	t_setup(&ld, "dot\n", 4);
	/* a fresh dot-lock is waited for until its owner removes it */
	fd = open(MBOX ".lock", O_CREAT | O_EXCL | O_WRONLY, 0600);
	ATF_REQUIRE(fd != -1);
	close(fd);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		sleep(2);
		_exit(unlink(MBOX ".lock") == 0 ? 0 : 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_deliver(&ld, LOCAL_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ATF_CHECK(t1.tv_sec - t0.tv_sec >= 1);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* a stale one (10 minutes old) is broken at once */
	fd = open(MBOX ".lock", O_CREAT | O_EXCL | O_WRONLY, 0600);
	ATF_REQUIRE(fd != -1);
	close(fd);
	memset(old, 0, sizeof(old));
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 600;
	ATF_REQUIRE(utimes(MBOX ".lock", old) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_deliver(&ld, LOCAL_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ATF_CHECK(t1.tv_sec - t0.tv_sec < 2);
	ATF_CHECK(access(MBOX ".lock", F_OK) == -1);
	ATF_CHECK_EQ(strlen(local_harness_slurp(MBOX, NULL)),
	    2 * (strlen(t_sep("alice@example.org")) + 4 + 1 +
	    strlen("Return-Path: <alice@example.org>\n"
	    "Delivered-To: bob@example.net\n")));
}

ATF_TC_WITHOUT_HEAD(local_mbox_deliver_rollback);
ATF_TC_BODY(local_mbox_deliver_rollback, tc)
{
	static const char	 before[] = "From x Thu Jan  1 00:00:00 1970\n"
				    "old\n\n";
	struct local_delivery	 ld;
	struct local_result	 res;
	struct rlimit		 rl = { 8192, 8192 };
	char			*m;
	size_t			 len;
	pid_t			 pid;
	int			 fd, status;

	fd = open(MBOX, O_CREAT | O_WRONLY, 0600);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, before, sizeof(before) - 1) ==
	    sizeof(before) - 1);
	close(fd);
	/* the file size limit strikes in the middle of the message */
	m = t_bigmsg('x', 2000, &len);
	t_setup(&ld, m, len);
	free(m);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(99);
		local_mbox_deliver(&ld, &res);
		_exit(res.status == LOCAL_TEMPFAIL ? 0 : 1);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ATF_CHECK_STREQ(local_harness_slurp(MBOX, NULL), before);
	/* a message descriptor that fails to read, after the headers */
	close(ld.msg_fd);
	ATF_REQUIRE(mkdir("d", 0700) == 0);
	ld.msg_fd = open("d", O_RDONLY | O_DIRECTORY);
	ATF_REQUIRE(ld.msg_fd != -1);
	ATF_CHECK_EQ(local_mbox_deliver(&ld, &res), LOCAL_TEMPFAIL);
	ATF_CHECK(strstr(res.reason, "directory") != NULL);
	ATF_CHECK_STREQ(local_harness_slurp(MBOX, NULL), before);
	ATF_CHECK(access(MBOX ".lock", F_OK) == -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, local_mbox_quote_cases);
	ATF_TP_ADD_TC(tp, local_mbox_quote_full);
	ATF_TP_ADD_TC(tp, local_mbox_separator_cases);
	ATF_TP_ADD_TC(tp, local_mbox_deliver_content);
	ATF_TP_ADD_TC(tp, local_mbox_deliver_refused);
	ATF_TP_ADD_TC(tp, local_mbox_deliver_other_owner);
	ATF_TP_ADD_TC(tp, local_mbox_deliver_spool_not_writable);
	ATF_TP_ADD_TC(tp, local_mbox_deliver_concurrent);
	ATF_TP_ADD_TC(tp, local_mbox_deliver_fcntl_wait);
	ATF_TP_ADD_TC(tp, local_mbox_deliver_dotlock);
	ATF_TP_ADD_TC(tp, local_mbox_deliver_rollback);
	return atf_no_error();
}
