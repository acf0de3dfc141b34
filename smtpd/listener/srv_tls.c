/*
 * srv_tls.c - TLS for the listener: one OpenSSL context per pki of a
 * listener, chosen by SNI (the pki name is the host name it serves,
 * the first pki otherwise), client certificates checked against the
 * listener's ca, `smtp ciphers`, STARTTLS and smtps.
 *
 * Certificates are read by srv_tls_load() while the listener still runs
 * as root (before proc_priv_drop()); nothing is read from disk
 * afterwards.  The private keys are never here: the key holder makes
 * each private operation of a handshake (keyproxy.h).
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cfg.h"
#include "ev.h"
#include "keyproxy.h"
#include "log.h"
#include "srv.h"
#include "xmalloc.h"

struct srv_tls {
	SSL_CTX		*ctx[CFG_PKI_MAX];
	char		 name[CFG_PKI_MAX][NAME_MAX_CFG];
	size_t		 n;
};

/* srv_tls_fatal - a key or certificate cannot be used: stop */
static void __attribute__((noreturn))
srv_tls_fatal(const char *what, const char *file)
{
	char	err[256];

	ERR_error_string_n(ERR_get_error(), err, sizeof(err));
	fatalx("tls: %s %s: %s", what, file, err);
}

/* srv_tls_on_sni - pick the context whose pki name is the server name */
static int
srv_tls_on_sni(SSL *ssl, int *alert, void *arg)
{
	struct srv_tls	*t = arg;
	const char	*name;
	size_t		 i;

	(void)alert;
	if ((name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) == NULL)
		return SSL_TLSEXT_ERR_OK;
	for (i = 0; i < t->n; i++)
		if (strcasecmp(name, t->name[i]) == 0) {
			SSL_set_SSL_CTX(ssl, t->ctx[i]);
			SSL_set_verify(ssl, SSL_CTX_get_verify_mode(t->ctx[i]),
			    NULL);
			break;
		}
	return SSL_TLSEXT_ERR_OK;
}

/*
 * srv_tls_no_resumption - no session cache and no tickets, as in
 * OpenSMTPD: a full handshake per connection, and nothing of a session
 * kept in the context (up to 20,480 cached sessions otherwise) nor
 * sent to the client and kept in the connection while it lasts
 */
static void
srv_tls_no_resumption(SSL_CTX *ctx)
{
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1)
		srv_tls_fatal("no session tickets", "");
}

/*
 * srv_tls_ciphers - `smtp ciphers` (or the library's default) without
 * RSA key exchange: its decryption cannot be made through the key holder
 * with OpenSSL 3 (libssl asks a proxied key for a padding the legacy
 * path does not know), so a client that prefers it gets ECDHE instead of
 * a failed handshake.  TLS 1.3 suites are not concerned.
 */
static void
srv_tls_ciphers(SSL_CTX *ctx, const char *ciphers)
{
	char	list[1024];

	if (snprintf(list, sizeof(list), "%s:!kRSA", ciphers != NULL ?
	    ciphers : "DEFAULT") >= (int)sizeof(list) ||
	    SSL_CTX_set_cipher_list(ctx, list) != 1)
		srv_tls_fatal("smtp ciphers", ciphers != NULL ? ciphers : "");
}

/* srv_tls_ctx - one context for one pki of a listener */
static SSL_CTX *
srv_tls_ctx(const struct cfg_listener *l, const struct cfg_pki *pki,
    const char *ciphers, struct keyproxy *keys)
{
	SSL_CTX	*ctx;
	char	 err[256];

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		srv_tls_fatal("context for pki", pki->name);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	srv_tls_no_resumption(ctx);
	if (SSL_CTX_use_certificate_chain_file(ctx, pki->cert) != 1)
		srv_tls_fatal("certificate", pki->cert);
	if (keyproxy_use(keys, ctx, pki->name, err, sizeof(err)) == -1)
		fatalx("tls: %s", err);
	srv_tls_ciphers(ctx, ciphers);
	if (l->ca != NULL &&
	    SSL_CTX_load_verify_locations(ctx, l->ca->cert, NULL) != 1)
		srv_tls_fatal("ca", l->ca->cert);
	if (l->tls_verify)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	else if (l->ca != NULL)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

/*
 * srv_tls_load - the contexts of a listener, or NULL when it has no TLS;
 * keys makes their private operations
 */
struct srv_tls *
srv_tls_load(const struct cfg_listener *l, const char *ciphers,
    struct keyproxy *keys)
{
	struct srv_tls	*t;
	size_t		 i;

	if (l->tls == CFG_TLS_NONE || l->npki == 0)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	for (i = 0; i < l->npki; i++) {
		t->ctx[i] = srv_tls_ctx(l, l->pki[i], ciphers, keys);
		strlcpy(t->name[i], l->pki[i]->name, sizeof(t->name[i]));
		SSL_CTX_set_tlsext_servername_callback(t->ctx[i],
		    srv_tls_on_sni);
		SSL_CTX_set_tlsext_servername_arg(t->ctx[i], t);
	}
	t->n = l->npki;
	return t;
}

/*
 * srv_tls_start - the TLS connection of a session: smtps from the start,
 * or after STARTTLS, when everything said before is forgotten
 */
int
srv_tls_start(struct srv_session *ss)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(ss->listener->tls->ctx[0])) == NULL)
		return -1;
	if (ss->bev != NULL) {
		bufferevent_free(ss->bev);
		ss->bev = NULL;
	}
	bev = bufferevent_openssl_socket_new(ev_base(), ss->fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return -1;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	ss->flags |= SRV_F_TLS;
	ss->flags &= ~(SRV_F_EHLO | SRV_F_SKIPLINE);
	srv_tx_reset(ss);
	ss->state = SRV_ST_CONNECTED;
	free(ss->helo);
	ss->helo = NULL;
	srv_session_set_bev(ss, bev);
	return 0;
}

/* srv_tls_connected - the handshake is done: note a verified client */
void
srv_tls_connected(struct srv_session *ss)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(ss->bev);
	X509	*x;
	char	 tls[256];

	if (ssl == NULL)
		return;
	if ((x = SSL_get1_peer_certificate(ssl)) != NULL) {
		if (SSL_get_verify_result(ssl) == X509_V_OK)
			ss->flags |= SRV_F_VERIFIED;
		X509_free(x);
	}
	log_info("%016llx smtp event=tls version=%s cipher=%s verified=%s",
	    (unsigned long long)ss->id, SSL_get_version(ssl),
	    SSL_get_cipher_name(ssl),
	    ss->flags & SRV_F_VERIFIED ? "yes" : "no");
	snprintf(tls, sizeof(tls), "version=%s, cipher=%s, bits=%d",
	    SSL_get_version(ssl), SSL_get_cipher_name(ssl),
	    SSL_get_cipher_bits(ssl, NULL));
	srv_fevent(ss, IPC_FEV_LINK_TLS, 0, 0, 0, tls);
}

/* srv_tls_info - "VERSION:CIPHER:BITS:VERIFIED" for the Received: header */
void
srv_tls_info(const struct srv_session *ss, char *buf, size_t bufsz)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(ss->bev);

	if (ssl == NULL) {
		strlcpy(buf, "", bufsz);
		return;
	}
	snprintf(buf, bufsz, "%s:%s:%d:%s", SSL_get_version(ssl),
	    SSL_get_cipher_name(ssl), SSL_get_cipher_bits(ssl, NULL),
	    ss->flags & SRV_F_VERIFIED ? "YES" : "NO");
}
