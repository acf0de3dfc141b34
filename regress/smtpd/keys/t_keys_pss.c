/*
 * t_keys_pss.c - which raw RSA blocks the key holder takes: the PSS
 * encodings TLS makes (recovered from OpenSSL's own signatures), and no
 * other block, whether random, one bit off, salted otherwise or padded
 * for PKCS#1 v1.5.
 */
#include <string.h>

#include <atf-c.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "../../../smtpd/keys/keys.h"

/*
 * t_pss_block - the block key's PSS signature of a digest with md and a
 * salt of saltlen (an RSA_PSS_SALTLEN_* value or octets) encodes, as the
 * key holder would be handed it; its length
 */
static size_t
t_pss_block(EVP_PKEY *key, const EVP_MD *md, int saltlen, uint8_t *em,
    size_t emsz)
{
	EVP_PKEY_CTX	*ctx;
	uint8_t		 dgst[EVP_MAX_MD_SIZE], sig[1024];
	size_t		 siglen = sizeof(sig), emlen = emsz;

	memset(dgst, 'd', sizeof(dgst));
	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(key, NULL)) != NULL);
	ATF_REQUIRE(EVP_PKEY_sign_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, saltlen) > 0 &&
	    EVP_PKEY_sign(ctx, sig, &siglen, dgst,
	    (size_t)EVP_MD_get_size(md)) > 0);
	EVP_PKEY_CTX_free(ctx);
	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(key, NULL)) != NULL);
	ATF_REQUIRE(EVP_PKEY_verify_recover_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0 &&
	    EVP_PKEY_verify_recover(ctx, em, &emlen, sig, siglen) > 0);
	EVP_PKEY_CTX_free(ctx);
	ATF_REQUIRE_EQ(emlen, (size_t)EVP_PKEY_get_size(key));
	return emlen;
}

/* t_bits - the key's modulus length in bits */
static size_t
t_bits(EVP_PKEY *key)
{
	return (size_t)EVP_PKEY_get_bits(key);
}

ATF_TC_WITHOUT_HEAD(keys_pss_tls_encodings);
ATF_TC_BODY(keys_pss_tls_encodings, tc)
{
	const EVP_MD	*mds[3];
	EVP_PKEY	*keys[2];
	uint8_t		 em[1024];
	size_t		 i, k, len;

	mds[0] = EVP_sha256();
	mds[1] = EVP_sha384();
	mds[2] = EVP_sha512();
	/* 2048 bits; 1545, whose encoding is one octet shorter than the
	 * modulus, so the block starts with a zero octet */
	ATF_REQUIRE((keys[0] = EVP_RSA_gen(2048)) != NULL);
	ATF_REQUIRE((keys[1] = EVP_RSA_gen(1545)) != NULL);
	ATF_REQUIRE_EQ(t_bits(keys[1]), 1545);
	for (k = 0; k < 2; k++)
		for (i = 0; i < 3; i++) {
			len = t_pss_block(keys[k], mds[i],
			    RSA_PSS_SALTLEN_DIGEST, em, sizeof(em));
			ATF_CHECK_MSG(keys_pss_check(em, len,
			    t_bits(keys[k])) == 0, "key %zu, hash %zu", k, i);
			/* the length must be the key's */
			ATF_CHECK_EQ(keys_pss_check(em, len - 1,
			    t_bits(keys[k])), -1);
		}
	ATF_CHECK_EQ(em[0], 0);
	EVP_PKEY_free(keys[0]);
	EVP_PKEY_free(keys[1]);
}

ATF_TC_WITHOUT_HEAD(keys_pss_other_blocks);
ATF_TC_BODY(keys_pss_other_blocks, tc)
{
	EVP_PKEY	*key;
	uint8_t		 em[256], bad[256];
	size_t		 len, bit, bits;
	int		 i;

	ATF_REQUIRE((key = EVP_RSA_gen(2048)) != NULL);
	bits = t_bits(key);
	/* salts TLS does not use, and SHA-1 */
	len = t_pss_block(key, EVP_sha256(), 0, em, sizeof(em));
	ATF_CHECK_EQ(keys_pss_check(em, len, bits), -1);
	len = t_pss_block(key, EVP_sha256(), RSA_PSS_SALTLEN_MAX, em,
	    sizeof(em));
	ATF_CHECK_EQ(keys_pss_check(em, len, bits), -1);
	len = t_pss_block(key, EVP_sha1(), RSA_PSS_SALTLEN_DIGEST, em,
	    sizeof(em));
	ATF_CHECK_EQ(keys_pss_check(em, len, bits), -1);
	/* a valid encoding with any one bit flipped, but in the salt
	 * (octets 159 to 206 of SHA-384's: 256 - 48 - 1 - 48 to 256 - 48 -
	 * 1), which is random and so any value of it is an encoding */
	len = t_pss_block(key, EVP_sha384(), RSA_PSS_SALTLEN_DIGEST, em,
	    sizeof(em));
	ATF_REQUIRE_EQ(keys_pss_check(em, len, bits), 0);
	for (bit = 0; bit < 8 * len; bit++) {
		if (bit / 8 >= 159 && bit / 8 < 207)
			continue;
		memcpy(bad, em, len);
		bad[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		ATF_CHECK_MSG(keys_pss_check(bad, len, bits) == -1,
		    "bit %zu", bit);
	}
	/* random blocks, even with the trailer octet right */
	for (i = 0; i < 1000; i++) {
		ATF_REQUIRE(RAND_bytes(bad, sizeof(bad)) == 1);
		bad[0] &= 0x7f;
		bad[255] = 0xbc;
		ATF_CHECK(keys_pss_check(bad, sizeof(bad), bits) == -1);
	}
	/* a PKCS#1 v1.5 signature block: 00 01 ff... 00 digest */
	memset(bad, 0xff, sizeof(bad));
	bad[0] = 0x00;
	bad[1] = 0x01;
	bad[200] = 0x00;
	ATF_CHECK_EQ(keys_pss_check(bad, sizeof(bad), bits), -1);
	EVP_PKEY_free(key);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, keys_pss_tls_encodings);
	ATF_TP_ADD_TC(tp, keys_pss_other_blocks);
	return atf_no_error();
}
