/*
 * keys_op.c - one private-key operation of the key holder, checked
 * against the key first: the operation must suit the key's algorithm,
 * the padding must be one TLS uses, the input must have the length the
 * key takes, and a raw RSA block must be a PSS encoding.  There is no
 * decryption: the listener offers no RSA key exchange and a client
 * never decrypts with its key.  The requests come from the listener and the relay
 * worker, which an attacker may control: whatever does not fit is
 * refused with a reason, never handed to OpenSSL.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "keys.h"

#define KEYS_OP_PKCS1_OVERHEAD	11	/* PKCS#1 v1.5 padding, octets */

/* keys_op_fail - a refused operation: its reason into err, -1 */
static int
keys_op_fail(char *err, size_t errsz, const char *why)
{
	(void)strlcpy(err, why, errsz);
	return -1;
}

/*
 * keys_op_rsa - an RSA signature: padding and length against the key
 * of size octets and bits bits
 */
static int
keys_op_rsa(const struct msg_key_op *m, size_t size, size_t bits,
    char *err, size_t errsz)
{
	if (m->padding == RSA_PKCS1_PADDING) {
		if (size <= KEYS_OP_PKCS1_OVERHEAD ||
		    m->len > size - KEYS_OP_PKCS1_OVERHEAD)
			return keys_op_fail(err, errsz, "bad-size");
		return 0;
	}
	/* one block of the key's size: a PSS encoding made by the caller,
	 * and nothing else (keys_pss.c) */
	if (m->padding == RSA_NO_PADDING) {
		if (m->len != size)
			return keys_op_fail(err, errsz, "bad-size");
		if (keys_pss_check(m->data, m->len, bits) == -1)
			return keys_op_fail(err, errsz, "bad-encoding");
		return 0;
	}
	return keys_op_fail(err, errsz, "bad-algorithm");
}

/*
 * keys_op_check - whether the request m of type may be made with the
 * key of p; -1 and the reason in err (bad-length, bad-algorithm,
 * bad-size, bad-encoding) if not
 */
int
keys_op_check(const struct keys_pki *p, enum ipc_type type,
    const struct msg_key_op *m, char *err, size_t errsz)
{
	int	id = EVP_PKEY_get_base_id(p->key);
	int	size = EVP_PKEY_get_size(p->key);

	if (m->len == 0 || m->len > sizeof(m->data))
		return keys_op_fail(err, errsz, "bad-length");
	if (size <= 0 || (size_t)size > sizeof(m->data))
		return keys_op_fail(err, errsz, "bad-algorithm");
	switch (type) {
	case MSG_KEY_RSA_SIGN:
		if (id != EVP_PKEY_RSA)
			return keys_op_fail(err, errsz, "bad-algorithm");
		return keys_op_rsa(m, (size_t)size,
		    (size_t)EVP_PKEY_get_bits(p->key), err, errsz);
	case MSG_KEY_ECDSA_SIGN:
		if (id != EVP_PKEY_EC || m->padding != 0)
			return keys_op_fail(err, errsz, "bad-algorithm");
		if (m->len > EVP_MAX_MD_SIZE)
			return keys_op_fail(err, errsz, "bad-size");
		return 0;
	default:
		return keys_op_fail(err, errsz, "bad-algorithm");
	}
}

/*
 * keys_op_run - check m, then make the operation into r (status, length
 * and data); -1 and the reason in err when refused or when OpenSSL
 * fails
 */
int
keys_op_run(const struct keys_pki *p, enum ipc_type type,
    const struct msg_key_op *m, struct msg_key_result *r, char *err,
    size_t errsz)
{
	EVP_PKEY_CTX	*ctx;
	size_t		 outlen = sizeof(r->data);
	int		 ok;

	memset(r, 0, sizeof(*r));
	r->status = IPC_KEY_REFUSED;
	if (keys_op_check(p, type, m, err, errsz) == -1)
		return -1;
	if ((ctx = EVP_PKEY_CTX_new(p->key, NULL)) == NULL)
		return keys_op_fail(err, errsz, "failed");
	ok = EVP_PKEY_sign_init(ctx) > 0 &&
	    (type != MSG_KEY_RSA_SIGN ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, (int)m->padding) > 0) &&
	    EVP_PKEY_sign(ctx, r->data, &outlen, m->data, m->len) > 0;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		memset(r, 0, sizeof(*r));
		r->status = IPC_KEY_REFUSED;
		return keys_op_fail(err, errsz, "failed");
	}
	r->status = IPC_KEY_OK;
	r->len = (uint32_t)outlen;
	return 0;
}
