/*
 * t_qstore_crypt.c - message file compression and encryption: round
 * trips at chunk boundaries, wrong keys, damaged and truncated files,
 * plain files passing through, and the spool helpers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "envelope.h"
#include "../../../queue/queue/qstore.h"
#include "../../../queue/queue/qstore_crypt.h"

/* t_file - a temp file holding len bytes of pattern kind */
static int
t_file(size_t len, int kind)
{
	char	tmpl[16] = "t_crypt.";
	char	*d;
	size_t	i;
	int	fd;

	memset(tmpl + 8, 'X', 6);	/* mkstemp's template */
	ATF_REQUIRE((fd = mkstemp(tmpl)) != -1);
	unlink(tmpl);
	d = malloc(len ? len : 1);
	ATF_REQUIRE(d != NULL);
	for (i = 0; i < len; i++)
		d[i] = kind == 0 ? (char)('a' + i % 26) :
		    kind == 1 ? (char)arc4random() : (i % 70 == 69 ? '\n' : 'x');
	ATF_REQUIRE_EQ(write(fd, d, len), (ssize_t)len);
	free(d);
	return fd;
}

/* t_same - the two files hold the same bytes */
static int
t_same(int a, int b)
{
	char	x[4096], y[4096];
	ssize_t	n, m;

	lseek(a, 0, SEEK_SET);
	lseek(b, 0, SEEK_SET);
	for (;;) {
		n = read(a, x, sizeof(x));
		m = read(b, y, sizeof(y));
		if (n != m || n < 0 || memcmp(x, y, (size_t)n) != 0)
			return 0;
		if (n == 0)
			return 1;
	}
}

/* t_size - a file's size */
static off_t
t_size(int fd)
{
	struct stat	sb;

	ATF_REQUIRE(fstat(fd, &sb) == 0);
	return sb.st_size;
}

ATF_TC_WITHOUT_HEAD(qstore_crypt_encode_fd_round_trip);
ATF_TC_BODY(qstore_crypt_encode_fd_round_trip, tc)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 65535, 65536,
	    65537, 131072, 1000003 };
	static const struct {
		int		 compress;
		const char	*key;
	} modes[] = {
		{ 1, NULL }, { 0, "secret" }, { 1, "secret" },
	};
	struct qstore_crypt	*c;
	char			 err[256];
	size_t			 i, j;
	int			 kind, in, enc, dec;

	(void)tc;
	for (j = 0; j < sizeof(modes) / sizeof(modes[0]); j++) {
		c = qstore_crypt_new(modes[j].compress, modes[j].key, err,
		    sizeof(err));
		ATF_REQUIRE(c != NULL);
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (kind = 0; kind < 3; kind++) {
			in = t_file(sizes[i], kind);
			enc = t_file(0, 0);
			dec = t_file(0, 0);
			ATF_REQUIRE_EQ_MSG(qstore_crypt_encode_fd(c, in, enc,
			    err, sizeof(err)), 0, "%s", err);
			ATF_REQUIRE_EQ_MSG(qstore_crypt_decode_fd(c, enc, dec,
			    err, sizeof(err)), 0, "mode %zu size %zu: %s", j,
			    sizes[i], err);
			ATF_CHECK_MSG(t_same(in, dec), "mode %zu size %zu "
			    "kind %d", j, sizes[i], kind);
			if (modes[j].key != NULL && sizes[i] > 0)
				ATF_CHECK(!t_same(in, enc));
			if (modes[j].compress && kind == 2 && sizes[i] > 1000)
				ATF_CHECK(t_size(enc) < t_size(in) / 4);
			close(in);
			close(enc);
			close(dec);
		}
		qstore_crypt_free(c);
	}
}

/* t_encoded - a file encoded with key (and compression) from size bytes */
static int
t_encoded(const char *key, int compress, size_t size, int *plain)
{
	struct qstore_crypt	*c;
	char			 err[256];
	int			 enc;

	c = qstore_crypt_new(compress, key, err, sizeof(err));
	ATF_REQUIRE(c != NULL);
	*plain = t_file(size, 0);
	enc = t_file(0, 0);
	ATF_REQUIRE(qstore_crypt_encode_fd(c, *plain, enc, err,
	    sizeof(err)) == 0);
	qstore_crypt_free(c);
	return enc;
}

ATF_TC_WITHOUT_HEAD(qstore_crypt_decode_fd_wrong_key);
ATF_TC_BODY(qstore_crypt_decode_fd_wrong_key, tc)
{
	static const char *keys[] = { "secreT", "secret ", "s", NULL };
	struct qstore_crypt	*c;
	char			 err[256];
	size_t			 i;
	int			 plain, enc, dec;

	(void)tc;
	enc = t_encoded("secret", 1, 5000, &plain);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		c = keys[i] ? qstore_crypt_new(1, keys[i], err, sizeof(err)) :
		    NULL;
		dec = t_file(0, 0);
		ATF_CHECK_EQ_MSG(qstore_crypt_decode_fd(c, enc, dec, err,
		    sizeof(err)), -1, "key %zu", i);
		close(dec);
		qstore_crypt_free(c);
	}
	ATF_CHECK(qstore_crypt_new(0, "", err, sizeof(err)) == NULL);
	close(plain);
	close(enc);
}

ATF_TC_WITHOUT_HEAD(qstore_crypt_decode_fd_damaged);
ATF_TC_BODY(qstore_crypt_decode_fd_damaged, tc)
{
	static const struct {
		const char	*key;
		int		 compress;
		off_t		 at;		/* from the start; < 0 from the end */
		int		 truncate;
	} t[] = {
		{ "k", 0, 8, 0 },	/* the IV */
		{ "k", 0, 30, 0 },	/* ciphertext */
		{ "k", 0, -1, 0 },	/* the tag */
		{ "k", 0, 5, 0 },	/* the header's flags */
		{ "k", 1, 40, 0 },
		{ "k", 0, -1, 1 },	/* one byte short */
		{ "k", 0, 20, 1 },	/* header and IV only */
		{ NULL, 1, -1, 1 },	/* compressed stream cut */
		{ NULL, 1, 4, 0 },	/* unknown version */
		{ NULL, 1, 7, 0 },	/* reserved byte */
	};
	struct qstore_crypt	*c;
	char			 err[256];
	unsigned char		 b;
	size_t			 i;
	off_t			 at;
	int			 plain, enc, dec;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enc = t_encoded(t[i].key, t[i].compress, 3000, &plain);
		at = t[i].at < 0 ? t_size(enc) + t[i].at : t[i].at;
		if (t[i].truncate)
			ATF_REQUIRE(ftruncate(enc, at) == 0);
		else {
			ATF_REQUIRE(pread(enc, &b, 1, at) == 1);
			b ^= 0x20;
			ATF_REQUIRE(pwrite(enc, &b, 1, at) == 1);
		}
		c = qstore_crypt_new(t[i].compress, t[i].key, err, sizeof(err));
		dec = t_file(0, 0);
		ATF_CHECK_EQ_MSG(qstore_crypt_decode_fd(c, enc, dec, err,
		    sizeof(err)), -1, "case %zu", i);
		qstore_crypt_free(c);
		close(dec);
		close(enc);
		close(plain);
	}
}

ATF_TC_WITHOUT_HEAD(qstore_crypt_decode_fd_plain_passes);
ATF_TC_BODY(qstore_crypt_decode_fd_plain_passes, tc)
{
	static const char *texts[] = { "", "R", "Received: x\n\nbody\n",
	    "\0PH", "PHQ\0\0\0\0\0" };
	static const size_t lens[] = { 0, 1, 19, 3, 8 };
	struct qstore_crypt	*c;
	char			 err[256];
	size_t			 i;
	int			 in, dec;

	(void)tc;
	c = qstore_crypt_new(1, "k", err, sizeof(err));
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		in = t_file(0, 0);
		ATF_REQUIRE_EQ(write(in, texts[i], lens[i]), (ssize_t)lens[i]);
		dec = t_file(0, 0);
		ATF_CHECK_EQ(qstore_crypt_decode_fd(c, in, dec, err,
		    sizeof(err)), 0);
		ATF_CHECK_MSG(t_same(in, dec), "case %zu", i);
		dec = (close(dec), t_file(0, 0));
		ATF_CHECK_EQ(qstore_crypt_decode_fd(NULL, in, dec, err,
		    sizeof(err)), 0);
		ATF_CHECK(t_same(in, dec));
		close(in);
		close(dec);
	}
	qstore_crypt_free(c);
}

ATF_TC_WITHOUT_HEAD(qstore_crypt_msg_fd_committed);
ATF_TC_BODY(qstore_crypt_msg_fd_committed, tc)
{
	static const char	 body[] = "Received: by test\nSubject: x\n\nhi\n";
	struct qstore_crypt	*c;
	struct qstore		*q;
	struct envelope		 evp;
	char			 err[256], path[64], got[128];
	uint32_t		 msgid;
	ssize_t			 n;
	int			 dirfd, fd;

	(void)tc;
	ATF_REQUIRE(mkdir("spool", 0700) == 0);
	ATF_REQUIRE((dirfd = open("spool", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE((q = qstore_open(dirfd, err, sizeof(err))) != NULL);
	c = qstore_crypt_new(1, "key", err, sizeof(err));
	ATF_REQUIRE(qstore_msg_create(q, &msgid, &fd, err, sizeof(err)) == 0);
	ATF_REQUIRE(write(fd, body, strlen(body)) == (ssize_t)strlen(body));
	close(fd);
	envelope_msgid_format(msgid, path);
	strlcat(path, "/message", sizeof(path));
	ATF_REQUIRE_EQ_MSG(qstore_crypt_encode(c, qstore_area_fd(q,
	    SPOOL_AREA_INCOMING), path, err, sizeof(err)), 0, "%s", err);
	memset(&evp, 0, sizeof(evp));
	strlcpy(evp.rcpt, "u@example.org", sizeof(evp.rcpt));
	strlcpy(evp.dest, evp.rcpt, sizeof(evp.dest));
	strlcpy(evp.dispatcher, "local", sizeof(evp.dispatcher));
	ATF_REQUIRE(qstore_msg_commit(q, msgid, &evp, 1, err, sizeof(err)) == 0);
	/* on disk: encoded */
	ATF_REQUIRE((fd = qstore_msg_fd(q, msgid)) != -1);
	n = read(fd, got, sizeof(got));
	ATF_CHECK(n > 4 && memcmp(got, "\0PHQ", 4) == 0);
	close(fd);
	/* through the helper: plain, read-only, nothing left behind */
	ATF_REQUIRE((fd = qstore_crypt_msg_fd(q, c, msgid, err,
	    sizeof(err))) != -1);
	n = read(fd, got, sizeof(got));
	ATF_CHECK_EQ(n, (ssize_t)strlen(body));
	ATF_CHECK(memcmp(got, body, strlen(body)) == 0);
	ATF_CHECK(write(fd, "x", 1) == -1 && errno == EBADF);
	close(fd);
	ATF_CHECK(qstore_crypt_msg_fd(q, NULL, msgid, err, sizeof(err)) == -1);
	ATF_CHECK(qstore_crypt_msg_fd(q, c, msgid ^ 1, err, sizeof(err)) == -1);
	ATF_CHECK(rmdir("spool/incoming") == 0);
	qstore_crypt_free(c);
	qstore_close(q);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, qstore_crypt_encode_fd_round_trip);
	ATF_TP_ADD_TC(tp, qstore_crypt_decode_fd_wrong_key);
	ATF_TP_ADD_TC(tp, qstore_crypt_decode_fd_damaged);
	ATF_TP_ADD_TC(tp, qstore_crypt_decode_fd_plain_passes);
	ATF_TP_ADD_TC(tp, qstore_crypt_msg_fd_committed);
	return atf_no_error();
}
