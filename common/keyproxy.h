/*
 * keyproxy.h - TLS private keys that stay in the key holder.
 *
 * A process that makes TLS handshakes (the listener, the relay worker)
 * loads certificates only.  keyproxy_use() gives its SSL_CTX a key made
 * of the certificate's public key whose private operations (RSA
 * signature and decryption with their padding, ECDSA signature) are
 * asked of the keys process, by pki name, over a blocking channel
 * (ipc_sync.h), as OpenSMTPD's ca.c does.  RSA and EC keys only.
 */
#ifndef POSTHORN_KEYPROXY_H
#define POSTHORN_KEYPROXY_H

#include <stddef.h>

#include "proc_role.h"

#define KEYPROXY_HELLO_MS	30000	/* the key holder's hello at start */
#define KEYPROXY_TIMEOUT_MS	10000	/* one operation */

struct keyproxy;
struct ssl_ctx_st;
struct evp_pkey_st;

struct keyproxy		*keyproxy_new(int fd, enum proc_role self);
int			 keyproxy_use(struct keyproxy *, struct ssl_ctx_st *,
			    const char *pki, char *err, size_t errsz);
struct evp_pkey_st	*keyproxy_pkey(struct keyproxy *,
			    const struct evp_pkey_st *pub, const char *pki,
			    char *err, size_t errsz);

#endif
