/*
 * qstore_crypt.c - compression and encryption of message files at
 * commit, and their decoding for deliveries (format in qstore_crypt.h).
 *
 * Encoding rewrites incoming/<msgid>/message through a temp file and a
 * rename before the commit makes it durable.  Decoding writes the plain
 * message into an unlinked temp file in incoming/ and hands out a
 * read-only descriptor of it; stale temp files go with incoming/'s
 * cleaning at start.  The key is SHA-256 of the configured string.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <zlib.h>

#include "envelope.h"
#include "qstore.h"
#include "qstore_crypt.h"
#include "xmalloc.h"

#define QSTORE_CRYPT_MAGIC	"\0PHQ"
#define QSTORE_CRYPT_VERSION	1
#define QSTORE_CRYPT_CHUNK	65536
#define QSTORE_CRYPT_HDR_IV	(QSTORE_CRYPT_HDR_LEN + QSTORE_CRYPT_IV_LEN)

struct qstore_crypt {
	int		compress;
	int		encrypt;
	unsigned char	key[32];
};

/* One direction of the pipeline: [zlib] -> [AES-GCM] -> fd, or back. */
struct qstore_crypt_pipe {
	int		 out;
	int		 zlib;
	int		 zend;		/* inflate saw the end of the stream */
	z_stream	 z;
	EVP_CIPHER_CTX	*cipher;
	unsigned char	*buf;		/* QSTORE_CRYPT_CHUNK + block */
	unsigned char	*zbuf;		/* QSTORE_CRYPT_CHUNK */
};

/* qstore_crypt_fail - an error message, -1 */
static int
qstore_crypt_fail(char *err, size_t errsz, const char *what)
{
	(void)snprintf(err, errsz, "%s", what);
	return -1;
}

/* qstore_crypt_new - the coding of `queue compression` / `encryption` */
struct qstore_crypt *
qstore_crypt_new(int compress, const char *key, char *err, size_t errsz)
{
	struct qstore_crypt	*c;

	if (key != NULL && key[0] == '\0') {
		(void)qstore_crypt_fail(err, errsz, "empty encryption key");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->compress = compress;
	if (key != NULL) {
		c->encrypt = 1;
		SHA256((const unsigned char *)key, strlen(key), c->key);
	}
	return c;
}

/* qstore_crypt_free - wipe the key and release */
void
qstore_crypt_free(struct qstore_crypt *c)
{
	if (c != NULL)
		freezero(c, sizeof(*c));
}

/* qstore_crypt_write - write all of data to fd */
static int
qstore_crypt_write(int fd, const void *data, size_t len)
{
	const unsigned char	*p = data;
	ssize_t			 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* qstore_crypt_read - read up to len bytes (fewer only at the end) */
static ssize_t
qstore_crypt_read(int fd, void *data, size_t len)
{
	unsigned char	*p = data;
	size_t		 off = 0;
	ssize_t		 n;

	while (off < len) {
		if ((n = read(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	return (ssize_t)off;
}

/* qstore_crypt_pipe_init - set up the stages; enc: encode, else decode */
static int
qstore_crypt_pipe_init(struct qstore_crypt_pipe *p,
    const struct qstore_crypt *c, int flags, const unsigned char *iv,
    const unsigned char *aad,
    size_t aadlen, int enc, int out)
{
	int	outl;

	memset(p, 0, sizeof(*p));
	p->out = out;
	p->buf = xmalloc(QSTORE_CRYPT_CHUNK + 64);
	p->zbuf = xmalloc(QSTORE_CRYPT_CHUNK);
	if (flags & QSTORE_CRYPT_F_ZLIB) {
		if ((enc ? deflateInit(&p->z, Z_DEFAULT_COMPRESSION) :
		    inflateInit(&p->z)) != Z_OK)
			return -1;
		p->zlib = 1;
	}
	if (!(flags & QSTORE_CRYPT_F_AES))
		return 0;
	if ((p->cipher = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex(p->cipher, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(p->cipher, EVP_CTRL_GCM_SET_IVLEN,
	    QSTORE_CRYPT_IV_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(p->cipher, NULL, NULL, c->key, iv, enc) != 1 ||
	    EVP_CipherUpdate(p->cipher, NULL, &outl, aad, (int)aadlen) != 1)
		return -1;
	return 0;
}

/* qstore_crypt_pipe_free - release the stages */
static void
qstore_crypt_pipe_free(struct qstore_crypt_pipe *p, int enc)
{
	if (p->zlib)
		(void)(enc ? deflateEnd(&p->z) : inflateEnd(&p->z));
	EVP_CIPHER_CTX_free(p->cipher);
	free(p->buf);
	free(p->zbuf);
}

/* qstore_crypt_cipher_out - (en|de)crypt len bytes and write them */
static int
qstore_crypt_cipher_out(struct qstore_crypt_pipe *p, const unsigned char *d,
    size_t len)
{
	int	outl;

	if (p->cipher == NULL)
		return qstore_crypt_write(p->out, d, len);
	while (len > 0) {
		size_t	n = len > QSTORE_CRYPT_CHUNK ? QSTORE_CRYPT_CHUNK : len;

		if (EVP_CipherUpdate(p->cipher, p->buf, &outl, d,
		    (int)n) != 1 ||
		    qstore_crypt_write(p->out, p->buf, (size_t)outl) == -1)
			return -1;
		d += n;
		len -= n;
	}
	return 0;
}

/* qstore_crypt_deflate - compress input (flush at the end) downstream */
static int
qstore_crypt_deflate(struct qstore_crypt_pipe *p, const unsigned char *d,
    size_t len, int end)
{
	int	r;

	if (!p->zlib)
		return qstore_crypt_cipher_out(p, d, len);
	p->z.next_in = (unsigned char *)d;
	p->z.avail_in = (uInt)len;
	do {
		p->z.next_out = p->zbuf;
		p->z.avail_out = QSTORE_CRYPT_CHUNK;
		r = deflate(&p->z, end ? Z_FINISH : Z_NO_FLUSH);
		if (r == Z_STREAM_ERROR || qstore_crypt_cipher_out(p, p->zbuf,
		    QSTORE_CRYPT_CHUNK - p->z.avail_out) == -1)
			return -1;
	} while (p->z.avail_out == 0 || (end && r != Z_STREAM_END));
	return 0;
}

/* qstore_crypt_inflate - decompress plaintext input to the output */
static int
qstore_crypt_inflate(struct qstore_crypt_pipe *p, const unsigned char *d,
    size_t len)
{
	int	r;

	if (!p->zlib)
		return qstore_crypt_write(p->out, d, len);
	p->z.next_in = (unsigned char *)d;
	p->z.avail_in = (uInt)len;
	do {
		p->z.next_out = p->zbuf;
		p->z.avail_out = QSTORE_CRYPT_CHUNK;
		r = inflate(&p->z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return -1;
		if (qstore_crypt_write(p->out, p->zbuf,
		    QSTORE_CRYPT_CHUNK - p->z.avail_out) == -1)
			return -1;
		p->zend = r == Z_STREAM_END;
	} while (!p->zend && r != Z_BUF_ERROR &&
	    (p->z.avail_in > 0 || p->z.avail_out == 0));
	/* input after the end of the stream is damage */
	return p->zend && p->z.avail_in > 0 ? -1 : 0;
}

/* qstore_crypt_header - the header (and IV) of an encoding with flags */
static size_t
qstore_crypt_header(unsigned char *hdr, int flags)
{
	memset(hdr, 0, QSTORE_CRYPT_HDR_LEN + QSTORE_CRYPT_IV_LEN);
	memcpy(hdr, QSTORE_CRYPT_MAGIC, 4);
	hdr[4] = QSTORE_CRYPT_VERSION;
	hdr[5] = (unsigned char)flags;
	if (!(flags & QSTORE_CRYPT_F_AES))
		return QSTORE_CRYPT_HDR_LEN;
	arc4random_buf(hdr + QSTORE_CRYPT_HDR_LEN, QSTORE_CRYPT_IV_LEN);
	return QSTORE_CRYPT_HDR_LEN + QSTORE_CRYPT_IV_LEN;
}

/* qstore_crypt_encode_fd - encode the whole of in (from offset 0) to out */
int
qstore_crypt_encode_fd(const struct qstore_crypt *c, int in, int out,
    char *err, size_t errsz)
{
	struct qstore_crypt_pipe p;
	unsigned char		 hdr[QSTORE_CRYPT_HDR_IV];
	unsigned char		 tag[QSTORE_CRYPT_TAG_LEN], *chunk;
	size_t			 hlen;
	ssize_t			 n;
	int			 flags, outl, r = -1;

	memset(&p, 0, sizeof(p));
	flags = (c->compress ? QSTORE_CRYPT_F_ZLIB : 0) |
	    (c->encrypt ? QSTORE_CRYPT_F_AES : 0);
	hlen = qstore_crypt_header(hdr, flags);
	chunk = xmalloc(QSTORE_CRYPT_CHUNK);
	if (lseek(in, 0, SEEK_SET) == -1 ||
	    qstore_crypt_write(out, hdr, hlen) == -1 ||
	    qstore_crypt_pipe_init(&p, c, flags, hdr + QSTORE_CRYPT_HDR_LEN,
	    hdr, hlen, 1, out) == -1)
		goto done;
	while ((n = qstore_crypt_read(in, chunk, QSTORE_CRYPT_CHUNK)) > 0)
		if (qstore_crypt_deflate(&p, chunk, (size_t)n, 0) == -1)
			break;
	if (n != 0 || qstore_crypt_deflate(&p, NULL, 0, 1) == -1)
		goto done;
	if (p.cipher != NULL && (EVP_CipherFinal_ex(p.cipher, p.buf,
	    &outl) != 1 || EVP_CIPHER_CTX_ctrl(p.cipher, EVP_CTRL_GCM_GET_TAG,
	    sizeof(tag), tag) != 1 ||
	    qstore_crypt_write(out, tag, sizeof(tag)) == -1))
		goto done;
	r = 0;
 done:
	qstore_crypt_pipe_free(&p, 1);
	free(chunk);
	return r == 0 ? 0 : qstore_crypt_fail(err, errsz, errno == ENOSPC ?
	    strerror(ENOSPC) : "cannot encode the message");
}

/* qstore_crypt_copy - a plain message: copy in to out */
static int
qstore_crypt_copy(int in, int out, unsigned char *chunk)
{
	ssize_t	n;

	if (lseek(in, 0, SEEK_SET) == -1)
		return -1;
	while ((n = qstore_crypt_read(in, chunk, QSTORE_CRYPT_CHUNK)) > 0)
		if (qstore_crypt_write(out, chunk, (size_t)n) == -1)
			return -1;
	return n == 0 ? 0 : -1;
}

/* qstore_crypt_decode_body - decrypt/inflate len payload bytes of in */
static int
qstore_crypt_decode_body(struct qstore_crypt_pipe *p, int in, off_t len,
    const unsigned char *tag, unsigned char *chunk)
{
	ssize_t	n;
	int	outl;

	while (len > 0) {
		n = qstore_crypt_read(in, chunk, len > QSTORE_CRYPT_CHUNK ?
		    QSTORE_CRYPT_CHUNK : (size_t)len);
		if (n <= 0)
			return -1;
		len -= n;
		if (p->cipher == NULL) {
			if (qstore_crypt_inflate(p, chunk, (size_t)n) == -1)
				return -1;
			continue;
		}
		if (EVP_CipherUpdate(p->cipher, p->buf, &outl, chunk,
		    (int)n) != 1 ||
		    qstore_crypt_inflate(p, p->buf, (size_t)outl) == -1)
			return -1;
	}
	if (p->cipher != NULL && (EVP_CIPHER_CTX_ctrl(p->cipher,
	    EVP_CTRL_GCM_SET_TAG, QSTORE_CRYPT_TAG_LEN, (void *)tag) != 1 ||
	    EVP_CipherFinal_ex(p->cipher, p->buf, &outl) != 1))
		return -1;
	if (p->zlib && !p->zend)
		return -1;	/* truncated */
	return 0;
}

/*
 * qstore_crypt_decode_fd - the plain message of in, written to out;
 * c may be NULL (then only plain and compressed files decode).
 */
int
qstore_crypt_decode_fd(const struct qstore_crypt *c, int in, int out,
    char *err, size_t errsz)
{
	struct qstore_crypt_pipe p;
	unsigned char		 hdr[QSTORE_CRYPT_HDR_IV];
	unsigned char		 tag[QSTORE_CRYPT_TAG_LEN], *chunk;
	struct stat		 sb;
	off_t			 body;
	ssize_t			 n;
	int			 flags, r = -1;

	chunk = xmalloc(QSTORE_CRYPT_CHUNK);
	memset(&p, 0, sizeof(p));
	if (lseek(in, 0, SEEK_SET) == -1 || fstat(in, &sb) == -1 ||
	    (n = qstore_crypt_read(in, hdr, QSTORE_CRYPT_HDR_LEN)) == -1)
		goto done;
	if (n < QSTORE_CRYPT_HDR_LEN || memcmp(hdr, QSTORE_CRYPT_MAGIC, 4)) {
		r = qstore_crypt_copy(in, out, chunk);
		goto done;
	}
	flags = hdr[5];
	body = sb.st_size - QSTORE_CRYPT_HDR_LEN;
	if (hdr[4] != QSTORE_CRYPT_VERSION || (flags & ~(QSTORE_CRYPT_F_ZLIB |
	    QSTORE_CRYPT_F_AES)) || hdr[6] || hdr[7] ||
	    ((flags & QSTORE_CRYPT_F_AES) && (c == NULL || !c->encrypt)))
		goto done;
	if (flags & QSTORE_CRYPT_F_AES) {
		body -= QSTORE_CRYPT_IV_LEN + QSTORE_CRYPT_TAG_LEN;
		if (body < 0 || qstore_crypt_read(in,
		    hdr + QSTORE_CRYPT_HDR_LEN, QSTORE_CRYPT_IV_LEN) !=
		    QSTORE_CRYPT_IV_LEN ||
		    pread(in, tag, sizeof(tag), sb.st_size -
		    QSTORE_CRYPT_TAG_LEN) != sizeof(tag))
			goto done;
	}
	if (qstore_crypt_pipe_init(&p, c, flags, hdr + QSTORE_CRYPT_HDR_LEN,
	    hdr, (flags & QSTORE_CRYPT_F_AES) ? sizeof(hdr) : 0, 0, out) == -1)
		goto done;
	r = qstore_crypt_decode_body(&p, in, body, tag, chunk);
 done:
	qstore_crypt_pipe_free(&p, 0);
	free(chunk);
	return r == 0 ? 0 : qstore_crypt_fail(err, errsz,
	    "cannot decode the message (wrong key or damaged file)");
}

/* qstore_crypt_encode - rewrite dirfd/path encoded, via a temp file */
int
qstore_crypt_encode(const struct qstore_crypt *c, int dirfd,
    const char *path, char *err, size_t errsz)
{
	char	tmp[PATH_MAX_CFG];
	int	in, out, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.enc", path) >= sizeof(tmp))
		return qstore_crypt_fail(err, errsz, "path too long");
	if ((in = openat(dirfd, path, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return qstore_crypt_fail(err, errsz, strerror(errno));
	if ((out = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		close(in);
		return qstore_crypt_fail(err, errsz, strerror(errno));
	}
	r = qstore_crypt_encode_fd(c, in, out, err, errsz);
	close(in);
	if (close(out) == -1 && r == 0)
		r = qstore_crypt_fail(err, errsz, strerror(errno));
	if (r == 0 && renameat(dirfd, tmp, dirfd, path) == -1)
		r = qstore_crypt_fail(err, errsz, strerror(errno));
	if (r == -1)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}

/*
 * qstore_crypt_msg_fd - a read-only fd of a committed message's plain
 * text: the file itself when it is plain, else an unlinked decoded copy
 * in incoming/.  -1 with err on failure.
 */
int
qstore_crypt_msg_fd(struct qstore *q, const struct qstore_crypt *c,
    uint32_t msgid, char *err, size_t errsz)
{
	char		name[32], magic[4];
	int		in, out, ro, dfd;

	dfd = qstore_area_fd(q, SPOOL_AREA_INCOMING);
	if ((in = qstore_msg_fd(q, msgid)) == -1)
		return qstore_crypt_fail(err, errsz, strerror(errno));
	if (pread(in, magic, sizeof(magic), 0) != sizeof(magic) ||
	    memcmp(magic, QSTORE_CRYPT_MAGIC, sizeof(magic)) != 0)
		return in;
	(void)snprintf(name, sizeof(name), "dec.%08x%08x", msgid,
	    arc4random());
	if ((out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || (ro = openat(dfd, name, O_RDONLY |
	    O_CLOEXEC)) == -1) {
		(void)qstore_crypt_fail(err, errsz, strerror(errno));
		if (out != -1) {
			close(out);
			(void)unlinkat(dfd, name, 0);
		}
		close(in);
		return -1;
	}
	(void)unlinkat(dfd, name, 0);
	if (qstore_crypt_decode_fd(c, in, out, err, errsz) == -1) {
		close(ro);
		ro = -1;
	}
	close(in);
	close(out);
	return ro;
}
