/*
 * pwhash.c - crypt(3) password hashes (see pwhash.h).
 *
 * Every crypt_r work area and every copy of a password or of a computed
 * hash is wiped before it is released.  Comparison runs in constant time
 * over the hash length.  (glibc and libbsd have no timingsafe_bcmp;
 * OpenSSL's CRYPTO_memcmp is the same thing.)
 */
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pwhash.h"

#define PWHASH_PREFIX	"$6$"
#define PWHASH_ALPHABET	"./0123456789" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static struct crypt_data	*pwhash_crypt_new(void);
static void			 pwhash_crypt_free(struct crypt_data *);
static const char		*pwhash_crypt(const char *, const char *,
				    struct crypt_data *);
static void			 pwhash_salt(char *, size_t);

/* pwhash_crypt_new - a zeroed crypt_r work area, or NULL. */
static struct crypt_data *
pwhash_crypt_new(void)
{
	return calloc(1, sizeof(struct crypt_data));
}

/* pwhash_crypt_free - wipe and release a crypt_r work area. */
static void
pwhash_crypt_free(struct crypt_data *cd)
{
	freezero(cd, sizeof(*cd));
}

/* pwhash_crypt - crypt_r with its failure modes folded into NULL. */
static const char *
pwhash_crypt(const char *password, const char *setting,
    struct crypt_data *cd)
{
	const char	*h;

	if (strlen(password) > PWHASH_MAX)
		return NULL;
	h = crypt_r(password, setting, cd);
	if (h == NULL || h[0] == '*' || h[0] == '\0')
		return NULL;
	return h;
}

/* pwhash_salt - a "$6$" setting with PWHASH_SALT_LEN random characters. */
static void
pwhash_salt(char *setting, size_t size)
{
	size_t	i, n = sizeof(PWHASH_PREFIX) - 1;

	memcpy(setting, PWHASH_PREFIX, n);
	for (i = 0; i < PWHASH_SALT_LEN && n + 1 < size; i++)
		setting[n++] = PWHASH_ALPHABET[arc4random_uniform(
		    sizeof(PWHASH_ALPHABET) - 1)];
	setting[n] = '\0';
}

/* pwhash_hash - write a new SHA-512 crypt hash of password into out. */
int
pwhash_hash(const char *password, char *out, size_t outsz)
{
	struct crypt_data	*cd;
	char			 setting[sizeof(PWHASH_PREFIX) +
				    PWHASH_SALT_LEN + 1];
	const char		*h;
	int			 rc = -1;

	if (outsz > 0)
		out[0] = '\0';
	if (password == NULL || (cd = pwhash_crypt_new()) == NULL)
		return -1;
	pwhash_salt(setting, sizeof(setting));
	h = pwhash_crypt(password, setting, cd);
	if (h != NULL && strncmp(h, setting, strlen(setting)) == 0 &&
	    h[strlen(setting)] == '$' && strlcpy(out, h, outsz) < outsz)
		rc = 0;
	else if (outsz > 0)
		explicit_bzero(out, outsz);
	explicit_bzero(setting, sizeof(setting));
	pwhash_crypt_free(cd);
	return rc;
}

/* pwhash_check - 1 if password matches hash, 0 if not, -1 on error. */
int
pwhash_check(const char *password, const char *hash)
{
	struct crypt_data	*cd;
	const char		*h;
	size_t			 len;
	int			 rc = -1;

	if (password == NULL || hash == NULL || *hash == '\0')
		return -1;
	if ((cd = pwhash_crypt_new()) == NULL)
		return -1;
	len = strlen(hash);
	h = pwhash_crypt(password, hash, cd);
	/* A well-formed hash always hashes to one of its own length. */
	if (h != NULL && strlen(h) == len)
		rc = CRYPTO_memcmp(h, hash, len) == 0 ? 1 : 0;
	pwhash_crypt_free(cd);
	return rc;
}
