/*
 * keys_pss.c - whether a block the key holder is asked to raise to the
 * private exponent is an RSASSA-PSS encoding (RFC 8017, 9.1.1), as TLS
 * makes them: SHA-256, SHA-384 or SHA-512, MGF1 with the same hash, a
 * salt as long as the hash (RFC 8446, 4.2.3).
 *
 * libssl encodes PSS itself and hands the key the bare block (no
 * padding), so the key holder must take raw blocks; unchecked, that is
 * a private-key oracle that decrypts whatever was ever encrypted to the
 * key.  A block decrypting an attacker's ciphertext is a valid encoding
 * with negligible probability (about 2^-8 per octet of the zero run),
 * so the check turns the oracle back into a PSS signer.
 */
#include <string.h>

#include <openssl/evp.h>

#include "keys.h"

#define KEYS_PSS_TRAILER	0xbc

/*
 * keys_pss_mask - db ^= MGF1(md, seed) over len octets: md(seed || a
 * 4-octet big-endian counter) for counters 0, 1, ...; -1 on failure
 */
static int
keys_pss_mask(const EVP_MD *md, const uint8_t *seed, size_t hlen,
    uint8_t *db, size_t len)
{
	EVP_MD_CTX	*ctx;
	uint8_t		 out[EVP_MAX_MD_SIZE], ctr[4];
	uint32_t	 c;
	size_t		 i, done = 0;
	int		 ok = 1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	for (c = 0; ok && done < len; c++) {
		ctr[0] = (uint8_t)(c >> 24);
		ctr[1] = (uint8_t)(c >> 16);
		ctr[2] = (uint8_t)(c >> 8);
		ctr[3] = (uint8_t)c;
		ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
		    EVP_DigestUpdate(ctx, seed, hlen) == 1 &&
		    EVP_DigestUpdate(ctx, ctr, sizeof(ctr)) == 1 &&
		    EVP_DigestFinal_ex(ctx, out, NULL) == 1;
		for (i = 0; ok && i < hlen && done < len; i++)
			db[done++] ^= out[i];
	}
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/*
 * keys_pss_with - whether em (emlen octets, embits significant bits) is
 * a PSS encoding with md and a salt of the hash's length
 */
static int
keys_pss_with(const EVP_MD *md, const uint8_t *em, size_t emlen,
    size_t embits)
{
	uint8_t		 db[IPC_KEY_DATA_MAX];
	size_t		 hlen = (size_t)EVP_MD_get_size(md), dblen, i;
	unsigned	 top = (unsigned)(8 * emlen - embits);
	int		 ok;

	if (emlen < 2 * hlen + 2 || emlen > sizeof(db) + hlen + 1)
		return 0;
	dblen = emlen - hlen - 1;
	memcpy(db, em, dblen);
	if (keys_pss_mask(md, em + dblen, hlen, db, dblen) == -1)
		return 0;
	db[0] &= (uint8_t)(0xff >> top);
	/* zeros, then 0x01, then the salt of hlen octets */
	ok = db[dblen - hlen - 1] == 0x01;
	for (i = 0; i < dblen - hlen - 1; i++)
		ok &= db[i] == 0;
	explicit_bzero(db, sizeof(db));
	return ok;
}

/*
 * keys_pss_check - whether the block of len octets (the modulus's
 * length) is a PSS encoding for a key of modbits bits: 0 if so, -1 if
 * not
 */
int
keys_pss_check(const uint8_t *block, size_t len, size_t modbits)
{
	const EVP_MD	*mds[3];
	size_t		 embits, emlen, lead, i;
	unsigned	 top;

	if (modbits < 16 || len != (modbits + 7) / 8)
		return -1;
	embits = modbits - 1;
	emlen = (embits + 7) / 8;
	lead = len - emlen;		/* 1 when embits is a multiple of 8 */
	for (i = 0; i < lead; i++)
		if (block[i] != 0)
			return -1;
	block += lead;
	top = (unsigned)(8 * emlen - embits);
	if (block[emlen - 1] != KEYS_PSS_TRAILER ||
	    (top > 0 && (block[0] >> (8 - top)) != 0))
		return -1;
	mds[0] = EVP_sha256();
	mds[1] = EVP_sha384();
	mds[2] = EVP_sha512();
	for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++)
		if (keys_pss_with(mds[i], block, emlen, embits))
			return 0;
	return -1;
}
