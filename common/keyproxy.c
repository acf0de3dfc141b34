/*
 * keyproxy.c - keys whose private operations run in the key holder
 * (see keyproxy.h).
 *
 * OpenSSL 3 deprecates RSA_METHOD and EC_KEY_METHOD, the hooks this
 * file is made of; the warnings are silenced here and nowhere else.  A
 * key with such a method stays a "foreign" legacy key, so libssl calls
 * the method for every private operation of the handshake: RSA private
 * encryption with PKCS#1 v1.5 padding (TLS 1.2 signatures) or none
 * (PSS, encoded by OpenSSL before the call) and ECDSA signatures of a
 * digest.  RSA decryption is refused on this side already.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ipc_sync.h"
#include "keyproxy.h"
#include "log.h"
#include "xmalloc.h"

struct keyproxy {
	struct ipc_sync	*chan;
	RSA_METHOD	*rsa;
	EC_KEY_METHOD	*ec;
};

/* What a proxied key knows: where to ask, and for which pki. */
struct keyproxy_key {
	struct keyproxy	*kp;
	char		 pki[NAME_MAX_CFG];
};

/*
 * The ex_data slots of RSA and EC_KEY that hold a struct keyproxy_key:
 * OpenSSL's callbacks get the key alone, so the slots are process-wide.
 */
static int keyproxy_rsa_idx = -1;
static int keyproxy_ec_idx = -1;

/* keyproxy_key_free - ex_data destructor of a proxied key */
static void
keyproxy_key_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

/*
 * keyproxy_call - one operation of the key holder: in (inlen octets)
 * with padding, its result into out (at most outmax); the result's
 * length, or -1 when refused or failed (logged)
 */
static int
keyproxy_call(const struct keyproxy_key *k, enum ipc_type type, int padding,
    const unsigned char *in, int inlen, unsigned char *out, size_t outmax)
{
	struct msg_key_op	 m;
	struct msg_key_result	 r;
	char			 err[ERRTEXT_MAX] = "refused";
	int			 n = -1;

	if (k == NULL || inlen <= 0 || (size_t)inlen > sizeof(m.data))
		return -1;
	memset(&m, 0, sizeof(m));
	strlcpy(m.pki, k->pki, sizeof(m.pki));
	m.padding = (uint32_t)padding;
	m.len = (uint32_t)inlen;
	memcpy(m.data, in, (size_t)inlen);
	if (ipc_sync_call(k->kp->chan, type, &m, MSG_KEY_RESULT, &r,
	    KEYPROXY_TIMEOUT_MS, err, sizeof(err)) == 0 &&
	    r.status == IPC_KEY_OK &&
	    r.len > 0 && r.len <= outmax) {
		memcpy(out, r.data, r.len);
		n = (int)r.len;
	} else
		log_warnx("tls event=key-failed pki=%s op=%s reason=\"%s\"",
		    k->pki, ipc_type_name(type), err);
	explicit_bzero(&m, sizeof(m));
	explicit_bzero(&r, sizeof(r));
	return n;
}

/* keyproxy_rsa_sign - RSA_METHOD priv_enc: the key holder signs */
static int
keyproxy_rsa_sign(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	return keyproxy_call(RSA_get_ex_data(rsa, keyproxy_rsa_idx),
	    MSG_KEY_RSA_SIGN, padding, from, flen, to, (size_t)RSA_size(rsa));
}

/*
 * keyproxy_rsa_decrypt - RSA_METHOD priv_dec: refused here, as the key
 * holder does not decrypt (the listener offers no RSA key exchange, and
 * a client never decrypts with its key)
 */
static int
keyproxy_rsa_decrypt(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	struct keyproxy_key	*k = RSA_get_ex_data(rsa, keyproxy_rsa_idx);

	(void)flen;
	(void)from;
	(void)to;
	(void)padding;
	log_warnx("tls event=key-failed pki=%s op=rsa-decrypt "
	    "reason=\"no decryption\"", k != NULL ? k->pki : "");
	return -1;
}

/* keyproxy_ec_sign - EC_KEY_METHOD sign: a DER signature of dgst */
static int
keyproxy_ec_sign(int type, const unsigned char *dgst, int dlen,
    unsigned char *sig, unsigned int *siglen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	int	n;

	(void)type;
	if (kinv != NULL || r != NULL)		/* no precomputed nonces */
		return 0;
	n = keyproxy_call(EC_KEY_get_ex_data(ec, keyproxy_ec_idx),
	    MSG_KEY_ECDSA_SIGN, 0, dgst, dlen, sig, (size_t)ECDSA_size(ec));
	if (n == -1)
		return 0;
	*siglen = (unsigned int)n;
	return 1;
}

/* keyproxy_ec_sign_sig - EC_KEY_METHOD sign_sig: the same, parsed */
static ECDSA_SIG *
keyproxy_ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	unsigned char		 der[IPC_KEY_DATA_MAX];
	const unsigned char	*p = der;
	unsigned int		 len;

	if (ECDSA_size(ec) > (int)sizeof(der) ||
	    !keyproxy_ec_sign(0, dgst, dlen, der, &len, kinv, r, ec))
		return NULL;
	return d2i_ECDSA_SIG(NULL, &p, len);
}

/* keyproxy_methods - RSA and EC methods: public operations as usual */
static void
keyproxy_methods(struct keyproxy *kp)
{
	if (keyproxy_rsa_idx == -1)
		keyproxy_rsa_idx = RSA_get_ex_new_index(0, NULL, NULL, NULL,
		    keyproxy_key_free);
	if (keyproxy_ec_idx == -1)
		keyproxy_ec_idx = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL,
		    keyproxy_key_free);
	kp->rsa = RSA_meth_dup(RSA_get_default_method());
	kp->ec = EC_KEY_METHOD_new(EC_KEY_get_default_method());
	if (keyproxy_rsa_idx == -1 || keyproxy_ec_idx == -1 ||
	    kp->rsa == NULL || kp->ec == NULL ||
	    RSA_meth_set1_name(kp->rsa, "posthorn key holder") != 1 ||
	    RSA_meth_set_priv_enc(kp->rsa, keyproxy_rsa_sign) != 1 ||
	    RSA_meth_set_priv_dec(kp->rsa, keyproxy_rsa_decrypt) != 1)
		fatalx("keyproxy: cannot make the key methods");
	EC_KEY_METHOD_set_sign(kp->ec, keyproxy_ec_sign, NULL,
	    keyproxy_ec_sign_sig);
}

/*
 * keyproxy_new - the channel to the key holder on fd (whose hello it
 * waits for) and the methods of the keys it proxies
 */
struct keyproxy *
keyproxy_new(int fd, enum proc_role self)
{
	struct keyproxy	*kp;

	kp = xcalloc(1, sizeof(*kp));
	keyproxy_methods(kp);
	kp->chan = ipc_sync_new(fd, self, PROC_KEYS, KEYPROXY_HELLO_MS);
	return kp;
}

/* keyproxy_key_new - what a proxied key of pki remembers */
static struct keyproxy_key *
keyproxy_key_new(struct keyproxy *kp, const char *pki)
{
	struct keyproxy_key	*k;

	k = xcalloc(1, sizeof(*k));
	k->kp = kp;
	strlcpy(k->pki, pki, sizeof(k->pki));
	return k;
}

/*
 * keyproxy_pkey - a key with pub's public half whose private operations
 * the key holder makes with the key of pki; NULL with err if pub is
 * neither RSA nor EC
 */
EVP_PKEY *
keyproxy_pkey(struct keyproxy *kp, const EVP_PKEY *pub, const char *pki,
    char *err, size_t errsz)
{
	EVP_PKEY	*pk;
	RSA		*rsa = NULL;
	EC_KEY		*ec = NULL;
	int		 ok;

	if ((pk = EVP_PKEY_new()) == NULL)
		fatalx("keyproxy: out of memory");
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		ok = (rsa = RSAPublicKey_dup(EVP_PKEY_get0_RSA(pub))) != NULL &&
		    RSA_set_method(rsa, kp->rsa) == 1 &&
		    RSA_set_ex_data(rsa, keyproxy_rsa_idx,
		    keyproxy_key_new(kp, pki)) == 1 &&
		    EVP_PKEY_set1_RSA(pk, rsa) == 1;
		RSA_free(rsa);
		break;
	case EVP_PKEY_EC:
		ok = (ec = EC_KEY_dup(EVP_PKEY_get0_EC_KEY(pub))) != NULL &&
		    EC_KEY_set_method(ec, kp->ec) == 1 &&
		    EC_KEY_set_ex_data(ec, keyproxy_ec_idx,
		    keyproxy_key_new(kp, pki)) == 1 &&
		    EVP_PKEY_set1_EC_KEY(pk, ec) == 1;
		EC_KEY_free(ec);
		break;
	default:
		EVP_PKEY_free(pk);
		snprintf(err, errsz, "pki %s: the key holder takes RSA and EC "
		    "keys only", pki);
		return NULL;
	}
	if (!ok) {
		EVP_PKEY_free(pk);
		snprintf(err, errsz, "pki %s: cannot make the proxied key", pki);
		return NULL;
	}
	return pk;
}

/*
 * keyproxy_use - give ctx, which holds the certificate of pki, the
 * proxied key of that certificate; -1 with err
 */
int
keyproxy_use(struct keyproxy *kp, SSL_CTX *ctx, const char *pki, char *err,
    size_t errsz)
{
	X509		*x;
	EVP_PKEY	*pk;
	int		 rv;

	if ((x = SSL_CTX_get0_certificate(ctx)) == NULL) {
		snprintf(err, errsz, "pki %s: no certificate", pki);
		return -1;
	}
	if ((pk = keyproxy_pkey(kp, X509_get0_pubkey(x), pki, err,
	    errsz)) == NULL)
		return -1;
	rv = SSL_CTX_use_PrivateKey(ctx, pk) == 1 ? 0 : -1;
	if (rv == -1)
		snprintf(err, errsz, "pki %s: the proxied key does not fit",
		    pki);
	EVP_PKEY_free(pk);
	return rv;
}
