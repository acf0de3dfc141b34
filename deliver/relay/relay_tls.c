/*
 * relay_tls.c - the TLS client contexts of the relay: one shared
 * context, and one per relay action with a `pki` (its client
 * certificate).  The CA bundle (RELAY_CA_FILE) and the certificates are
 * read by relay_tls_new() before the process chroots; the library's
 * lazy default paths would find nothing inside the chroot.  The private
 * keys stay in the key holder, which signs for the client (keyproxy.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cfg.h"
#include "keyproxy.h"
#include "log.h"
#include "relay.h"
#include "xmalloc.h"

struct relay_tls {
	SSL_CTX			 *shared;
	const struct cfg_action	**actions;	/* those with a pki */
	SSL_CTX			**ctx;
	size_t			  n;
};

/* relay_tls_fatal - a key or certificate cannot be used: stop */
static void __attribute__((noreturn))
relay_tls_fatal(const char *what, const char *file)
{
	char	err[256];

	ERR_error_string_n(ERR_get_error(), err, sizeof(err));
	fatalx("relay tls: %s %s: %s", what, file, err);
}

/* relay_tls_ctx_new - a client context trusting the CA bundle */
static SSL_CTX *
relay_tls_ctx_new(const char *ciphers)
{
	SSL_CTX	*ctx;
	char	 err[256];

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		relay_tls_fatal("client context", "");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (ciphers != NULL && SSL_CTX_set_cipher_list(ctx, ciphers) != 1)
		relay_tls_fatal("smtp ciphers", ciphers);
	if (SSL_CTX_load_verify_locations(ctx, RELAY_CA_FILE, NULL) != 1) {
		ERR_error_string_n(ERR_get_error(), err, sizeof(err));
		log_warnx("relay event=ca-load-failed file=%s reason=\"%s\" "
		    "effect=\"certificates will not verify\"", RELAY_CA_FILE,
		    err);
		ERR_clear_error();
	}
	return ctx;
}

/*
 * relay_tls_new - every context the relay actions need; keys (NULL when
 * no action has a pki) makes their private operations
 */
struct relay_tls *
relay_tls_new(const struct cfg *cfg, struct keyproxy *keys)
{
	struct relay_tls	*t;
	const struct cfg_action	*a;
	SSL_CTX			*ctx;
	char			 err[256];

	t = xcalloc(1, sizeof(*t));
	t->shared = relay_tls_ctx_new(cfg->smtp.ciphers);
	TAILQ_FOREACH(a, &cfg->actions, entry) {
		if (a->type != CFG_ACTION_RELAY || a->pki == NULL)
			continue;
		ctx = relay_tls_ctx_new(cfg->smtp.ciphers);
		if (SSL_CTX_use_certificate_chain_file(ctx, a->pki->cert) != 1)
			relay_tls_fatal("certificate", a->pki->cert);
		if (keys == NULL)
			panic("relay_tls_new: pki %s without a key holder",
			    a->pki->name);
		if (keyproxy_use(keys, ctx, a->pki->name, err,
		    sizeof(err)) == -1)
			fatalx("relay tls: %s", err);
		t->actions = xreallocarray(t->actions, t->n + 1,
		    sizeof(*t->actions));
		t->ctx = xreallocarray(t->ctx, t->n + 1, sizeof(*t->ctx));
		t->actions[t->n] = a;
		t->ctx[t->n++] = ctx;
	}
	return t;
}

/* relay_tls_ctx - the context for an action's sessions */
SSL_CTX *
relay_tls_ctx(const struct relay_tls *t, const struct cfg_action *a)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (t->actions[i] == a)
			return t->ctx[i];
	return t->shared;
}
