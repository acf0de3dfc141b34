/*
 * pwhash.h - crypt(3) password hashes for credentials tables and
 * "smtpctl encrypt".
 *
 * New hashes are SHA-512 crypt ("$6$", 16 random salt characters);
 * checks accept every scheme the system's crypt_r knows ($6$, $5$, $2b$,
 * yescrypt $y$, ...).  Passwords longer than PWHASH_MAX bytes are refused.
 */
#ifndef POSTHORN_PWHASH_H
#define POSTHORN_PWHASH_H

#include <stddef.h>

#define PWHASH_MAX	511	/* bytes of a password, without the NUL */
#define PWHASH_SALT_LEN	16	/* salt characters of a new hash */
#define PWHASH_HASH_MAX	128	/* fits a "$6$" hash and its NUL */

/*
 * pwhash_hash - write a new "$6$" hash of password into out.
 * Returns 0, or -1 if the password is too long, out is too small
 * (PWHASH_HASH_MAX is always enough) or crypt_r fails.
 */
int	pwhash_hash(const char *password, char *out, size_t outsz);

/*
 * pwhash_check - does password match hash?  1 match, 0 mismatch,
 * -1 error: a malformed or locked hash ("", "*", "!", "$6$"), a scheme
 * crypt_r does not know, or a password longer than PWHASH_MAX.
 */
int	pwhash_check(const char *password, const char *hash);

#endif
