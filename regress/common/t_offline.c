/*
 * t_offline.c - the local enqueuer's drop files: writer/parser round
 * trips, limits and malformed headers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "offline.h"

/* t_slurp - the whole content of a file, NUL-terminated; its length */
static size_t
t_slurp(int dirfd, const char *name, char *buf, size_t bufsz)
{
	ssize_t	n;
	size_t	len = 0;
	int	fd;

	ATF_REQUIRE((fd = openat(dirfd, name, O_RDONLY)) != -1);
	while ((n = read(fd, buf + len, bufsz - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return len;
}

/* t_only_file - the single non-hidden entry of a directory */
static void
t_only_file(const char *dir, char *name, size_t namesz)
{
	char	cmd[256];
	FILE	*p;

	(void)snprintf(cmd, sizeof(cmd), "ls %s", dir);
	ATF_REQUIRE((p = popen(cmd, "r")) != NULL);
	ATF_REQUIRE(fgets(name, (int)namesz, p) != NULL);
	name[strcspn(name, "\n")] = '\0';
	ATF_CHECK_MSG(fgetc(p) == EOF, "more than one file in %s", dir);
	pclose(p);
}

ATF_TC_WITHOUT_HEAD(offline_write_roundtrip);
ATF_TC_BODY(offline_write_roundtrip, tc)
{
	static const char *const	 rcpts[] = { "bob@example.net",
	    "r\xc3\xa9mi@example.fr", "carol" };
	static const char		 msg[] = "Subject: x\n\n.dot\n";
	struct offline			 h;
	struct stat			 sb;
	char				 name[64], buf[4096], err[256];
	size_t				 len;
	int				 dfd;

	ATF_REQUIRE(mkdir("off", 0700) == 0);
	ATF_REQUIRE((dfd = open("off", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE_EQ(offline_write(dfd, 1234, "alice@example.org",
	    rcpts, 3, msg, strlen(msg), err, sizeof(err)), 0);
	t_only_file("off", name, sizeof(name));
	ATF_CHECK(strncmp(name, "tmp.", 4) != 0);
	ATF_REQUIRE(fstatat(dfd, name, &sb, 0) == 0);
	ATF_CHECK_EQ(sb.st_mode & 0777, 0644);
	len = t_slurp(dfd, name, buf, sizeof(buf));
	ATF_REQUIRE_EQ(offline_parse(&h, buf, len, err, sizeof(err)), 0);
	ATF_CHECK_EQ(h.uid, 1234);
	ATF_CHECK_STREQ(h.sender, "alice@example.org");
	ATF_REQUIRE_EQ(h.nrcpt, 3);
	ATF_CHECK_STREQ(h.rcpts[0], rcpts[0]);
	ATF_CHECK_STREQ(h.rcpts[1], rcpts[1]);
	ATF_CHECK_STREQ(h.rcpts[2], rcpts[2]);
	ATF_CHECK_STREQ(buf + h.body_off, msg);
	offline_free(&h);
}

ATF_TC_WITHOUT_HEAD(offline_write_refuses);
ATF_TC_BODY(offline_write_refuses, tc)
{
	const char	*bad[] = { "ok@x", "bad\naddr" };
	const char	*sp[] = { "a b@x" };
	char		 err[256], name[64];
	int		 dfd;

	ATF_REQUIRE(mkdir("off", 0700) == 0);
	ATF_REQUIRE((dfd = open("off", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_CHECK_EQ(offline_write(dfd, 1, "a@x", bad, 2, "m\n", 2,
	    err, sizeof(err)), -1);
	ATF_CHECK_EQ(offline_write(dfd, 1, "a@x", sp, 1, "m\n", 2,
	    err, sizeof(err)), -1);
	ATF_CHECK_EQ(offline_write(dfd, 1, "", bad, 1, "m\n", 2,
	    err, sizeof(err)), -1);
	ATF_CHECK_EQ(offline_write(dfd, 1, "a@x", bad, 0, "m\n", 2,
	    err, sizeof(err)), -1);
	/* nothing left behind, not even a temp file */
	ATF_CHECK_EQ(unlinkat(dfd, "x", 0), -1);
	ATF_CHECK_EQ(offline_write(dfd, 1, "a@x", bad, 1, "m\n", 2,
	    err, sizeof(err)), 0);
	t_only_file("off", name, sizeof(name));
}

ATF_TC_WITHOUT_HEAD(offline_parse_limits);
ATF_TC_BODY(offline_parse_limits, tc)
{
	struct offline		 h;
	char			 addr[SMTP_PATH_MAX + 1], err[256];
	char			*buf;
	size_t			 i, len, cap;

	cap = OFFLINE_HDR_MAX + 1024;
	ATF_REQUIRE((buf = malloc(cap)) != NULL);
	/* an address of SMTP_PATH_MAX - 1 bytes fits, SMTP_PATH_MAX not */
	memset(addr, 'a', SMTP_PATH_MAX - 1);
	addr[SMTP_PATH_MAX - 1] = '\0';
	len = (size_t)snprintf(buf, cap, "version: 1\nuid: 0\nsender: %s\n"
	    "rcpt: %s\n\nbody", addr, addr);
	ATF_CHECK_EQ(offline_parse(&h, buf, len, err, sizeof(err)), 0);
	ATF_CHECK_EQ(strlen(h.rcpts[0]), SMTP_PATH_MAX - 1);
	ATF_CHECK_STREQ(buf + h.body_off, "body");
	offline_free(&h);
	addr[SMTP_PATH_MAX - 1] = 'a';
	addr[SMTP_PATH_MAX] = '\0';
	len = (size_t)snprintf(buf, cap, "version: 1\nuid: 0\nsender: a@x\n"
	    "rcpt: %s\n\n", addr);
	ATF_CHECK_EQ(offline_parse(&h, buf, len, err, sizeof(err)), -1);
	/* OFFLINE_RCPT_MAX recipients of full length fit, one more not */
	addr[SMTP_PATH_MAX - 1] = '\0';
	len = (size_t)snprintf(buf, cap, "version: 1\nuid: 4294967294\n"
	    "sender: a@x\n");
	for (i = 0; i < OFFLINE_RCPT_MAX; i++)
		len += (size_t)snprintf(buf + len, cap - len, "rcpt: %s\n",
		    addr);
	len += (size_t)snprintf(buf + len, cap - len, "\n");
	ATF_REQUIRE(len <= OFFLINE_HDR_MAX);
	ATF_CHECK_EQ(offline_parse(&h, buf, len, err, sizeof(err)), 0);
	ATF_CHECK_EQ(h.nrcpt, OFFLINE_RCPT_MAX);
	ATF_CHECK_EQ(h.uid, 4294967294U);
	offline_free(&h);
	len--;
	len += (size_t)snprintf(buf + len, cap - len, "rcpt: a@x\n\n");
	ATF_CHECK_EQ(offline_parse(&h, buf, len, err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "too many") != NULL);
	free(buf);
}

static const struct {
	const char	*name;
	const char	*text;
	int		 nul;		/* text holds one NUL byte */
} t_bad[] = {
	{ "empty", "", 0 },
	{ "version 2", "version: 2\nuid: 1\nsender: a@x\nrcpt: b@x\n\n", 0 },
	{ "no version", "uid: 1\nsender: a@x\nrcpt: b@x\n\n", 0 },
	{ "uid missing", "version: 1\nsender: a@x\nrcpt: b@x\n\n", 0 },
	{ "uid sign", "version: 1\nuid: -1\nsender: a@x\nrcpt: b@x\n\n", 0 },
	{ "uid zero-pad", "version: 1\nuid: 01\nsender: a@x\nrcpt: b@x\n\n", 0 },
	{ "uid -1", "version: 1\nuid: 4294967295\nsender: a@x\nrcpt: b@x\n\n",
	    0 },
	{ "uid huge", "version: 1\nuid: 99999999999\nsender: a@x\nrcpt: b@x\n\n",
	    0 },
	{ "no rcpt", "version: 1\nuid: 1\nsender: a@x\n\nbody\n", 0 },
	{ "no end", "version: 1\nuid: 1\nsender: a@x\nrcpt: b@x\n", 0 },
	{ "empty sender", "version: 1\nuid: 1\nsender: \nrcpt: b@x\n\n", 0 },
	{ "empty rcpt", "version: 1\nuid: 1\nsender: a@x\nrcpt: \n\n", 0 },
	{ "bare CR", "version: 1\nuid: 1\nsender: a@x\r\nrcpt: b@x\n\n", 0 },
	{ "NUL", "version: 1\nuid: 1\nsender: a\0@x\nrcpt: b@x\n\n", 1 },
	{ "tab", "version: 1\nuid: 1\nsender: a@x\nrcpt: b\t@x\n\n", 0 },
	{ "DEL", "version: 1\nuid: 1\nsender: a@x\nrcpt: b\x7f@x\n\n", 0 },
	{ "angle", "version: 1\nuid: 1\nsender: <a@x>\nrcpt: b@x\n\n", 0 },
	{ "space", "version: 1\nuid: 1\nsender: a@x\nrcpt: b @x\n\n", 0 },
	{ "order", "version: 1\nsender: a@x\nuid: 1\nrcpt: b@x\n\n", 0 },
	{ "unknown key", "version: 1\nuid: 1\nsender: a@x\nrcpt: b@x\nx: y\n\n",
	    0 },
	{ "two senders", "version: 1\nuid: 1\nsender: a@x\nsender: a@x\n"
	    "rcpt: b@x\n\n", 0 },
	{ "no space", "version: 1\nuid: 1\nsender:a@x\nrcpt: b@x\n\n", 0 },
	{ "leading blank", "\nversion: 1\nuid: 1\nsender: a@x\nrcpt: b@x\n\n",
	    0 },
};

ATF_TC_WITHOUT_HEAD(offline_parse_malformed);
ATF_TC_BODY(offline_parse_malformed, tc)
{
	struct offline		h;
	char			err[256];
	size_t			i, len;

	for (i = 0; i < sizeof(t_bad) / sizeof(t_bad[0]); i++) {
		len = strlen(t_bad[i].text);
		if (t_bad[i].nul)
			len += 1 + strlen(t_bad[i].text + len + 1);
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(offline_parse(&h, t_bad[i].text, len,
		    err, sizeof(err)), -1, "%s: accepted", t_bad[i].name);
		ATF_CHECK_MSG(err[0] != '\0', "%s: no reason", t_bad[i].name);
		ATF_CHECK(h.rcpts == NULL);
	}
	/* the same header, well formed, is accepted */
	ATF_CHECK_EQ(offline_parse(&h, "version: 1\nuid: 1\nsender: "
	    "a@x\nrcpt: b@x\n\n", 41, err, sizeof(err)), 0);
	offline_free(&h);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, offline_write_roundtrip);
	ATF_TP_ADD_TC(tp, offline_write_refuses);
	ATF_TP_ADD_TC(tp, offline_parse_limits);
	ATF_TP_ADD_TC(tp, offline_parse_malformed);
	return atf_no_error();
}
