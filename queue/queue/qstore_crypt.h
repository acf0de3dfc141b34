/*
 * qstore_crypt.h - `queue compression` (zlib) and `queue encryption KEY`
 * (AES-256-GCM) of committed message files.
 *
 * An encoded file starts with an 8-byte header: "\0PHQ", a version
 * byte, a flags byte (QSTORE_CRYPT_F_*) and two zero bytes.  With
 * encryption a 12-byte IV follows, then the ciphertext and a 16-byte
 * GCM tag at the end of the file; the header and IV are authenticated
 * too.  The payload is the message, deflated when compressed.  A file
 * without the header is a plain message (the listener's messages start
 * with a Received: header, never with a NUL byte).
 */
#ifndef POSTHORN_QSTORE_CRYPT_H
#define POSTHORN_QSTORE_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#define QSTORE_CRYPT_F_ZLIB	0x01
#define QSTORE_CRYPT_F_AES	0x02
#define QSTORE_CRYPT_HDR_LEN	8
#define QSTORE_CRYPT_IV_LEN	12
#define QSTORE_CRYPT_TAG_LEN	16

struct qstore;
struct qstore_crypt;

struct qstore_crypt	*qstore_crypt_new(int compress, const char *key,
			    char *err, size_t errsz);
void			 qstore_crypt_free(struct qstore_crypt *);
int	qstore_crypt_encode_fd(const struct qstore_crypt *, int in, int out,
	    char *err, size_t errsz);
int	qstore_crypt_decode_fd(const struct qstore_crypt *, int in, int out,
	    char *err, size_t errsz);
int	qstore_crypt_encode(const struct qstore_crypt *, int dirfd,
	    const char *path, char *err, size_t errsz);
int	qstore_crypt_msg_fd(struct qstore *, const struct qstore_crypt *,
	    uint32_t msgid, char *err, size_t errsz);

#endif
