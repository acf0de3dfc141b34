/*
 * relay_conn.c - the connection layer under a relay session: the
 * socket (bound to the action's `src` if set), its buffered event,
 * the connect, TLS on top of it with SNI and the name the server's
 * certificate must carry, and why a connection broke, in words.
 *
 * The SMTP conversation itself is relay_session.c's; nothing here reads
 * or writes protocol bytes.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cfg.h"
#include "ev.h"
#include "relay.h"

/* relay_conn_socklen - the length of an IPv4 or IPv6 socket address */
static socklen_t
relay_conn_socklen(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
}

/*
 * relay_conn_socket - a non-blocking socket, bound to `src` if set;
 * without Nagle's delay, as every write is a whole command group or
 * the end of a message whose reply is awaited
 */
static int
relay_conn_socket(const struct cfg_action *a, const struct relay_hop *hop,
    char *why, size_t whysz)
{
	struct sockaddr_storage	 src;
	int			 fd, on = 1;

	fd = socket(hop->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		relay_text_fmt(why, whysz, "socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1) {
		relay_text_fmt(why, whysz, "TCP_NODELAY: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (a->src_addr[0] == '\0')
		return fd;
	if (!relay_mx_literal(a->src_addr, 0, &src) ||
	    src.ss_family != hop->ss.ss_family) {
		relay_text_fmt(why, whysz, "src %s does not fit", a->src_addr);
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&src, relay_conn_socklen(&src)) ==
	    -1) {
		relay_text_fmt(why, whysz, "bind %s: %s", a->src_addr,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * relay_conn_open - a buffered socket for one address, not yet
 * connected; NULL with the reason in why
 */
struct bufferevent *
relay_conn_open(const struct cfg_action *a, const struct relay_hop *hop,
    char *why, size_t whysz)
{
	struct bufferevent	*bev;
	int			 fd;

	if ((fd = relay_conn_socket(a, hop, why, whysz)) == -1)
		return NULL;
	bev = bufferevent_socket_new(ev_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		relay_text_fmt(why, whysz, "no buffer");
		return NULL;
	}
	return bev;
}

/*
 * relay_conn_quickack - acknowledge at once what the server sent, while
 * more of its replies are awaited.  A server that writes each reply of
 * a pipelined group apart under Nagle's algorithm holds the next one
 * until the first is acknowledged, and a delayed acknowledgement would
 * hold it for up to 40 ms per transaction.  Linux leaves quick mode on
 * its own after a while, hence once per read; a failure only costs time.
 */
void
relay_conn_quickack(struct bufferevent *bev)
{
	int	fd, on = 1;

	if ((fd = bufferevent_getfd(bev)) != -1)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on,
		    sizeof(on));
}

/* relay_conn_connect - start connecting to the address; 0 / -1 (errno) */
int
relay_conn_connect(struct bufferevent *bev, const struct relay_hop *hop)
{
	return bufferevent_socket_connect(bev,
	    (struct sockaddr *)&hop->ss, relay_conn_socklen(&hop->ss));
}

/*
 * relay_conn_verifies - whether the server's certificate must verify:
 * with `tls`, whenever credentials are sent, and for smtp+tls:// and
 * smtps:// smarthosts, unless `no-verify` says otherwise
 */
int
relay_conn_verifies(const struct cfg_action *a)
{
	if (a->tls_noverify)
		return 0;
	return a->tls || a->auth != NULL ||
	    (a->host.host[0] != '\0' && (a->host.scheme == CFG_RELAY_SMTP_TLS ||
	    a->host.scheme == CFG_RELAY_SMTPS));
}

/* relay_conn_tls_verify - SNI, and the name a certificate must carry */
static int
relay_conn_tls_verify(const struct cfg_action *a, const struct relay_hop *hop,
    const char *addr, SSL *ssl)
{
	struct sockaddr_storage	 ss;
	int			 literal;

	literal = relay_mx_literal(hop->name, 0, &ss);
	if (!literal && SSL_set_tlsext_host_name(ssl, hop->name) != 1)
		return -1;
	if (!relay_conn_verifies(a)) {
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
		return 0;
	}
	SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	if (literal)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    addr) == 1 ? 0 : -1;
	return SSL_set1_host(ssl, hop->name) == 1 ? 0 : -1;
}

/*
 * relay_conn_tls - TLS over the connection: unread input is dropped and
 * a filter doing the client handshake is put on top of bev; the new
 * bufferevent, or NULL (bev left as it was).  The filter puts no more
 * than RELAY_TLS_OUT_MAX octets of records in bev's output, so that
 * what it has taken has nearly gone out: the final dot's deadline
 * starts from there, and a slow reader holds no whole message in memory
 */
struct bufferevent *
relay_conn_tls(struct bufferevent *bev, struct ssl_ctx_st *ctx,
    const struct cfg_action *a, const struct relay_hop *hop, const char *addr)
{
	struct bufferevent	*tls;
	SSL			*ssl;

	ssl = SSL_new(ctx);
	if (ssl == NULL || relay_conn_tls_verify(a, hop, addr, ssl) == -1) {
		SSL_free(ssl);
		return NULL;
	}
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
	tls = bufferevent_openssl_filter_new(ev_base(), bev, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (tls == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
	bufferevent_setwatermark(bev, EV_WRITE, 0, RELAY_TLS_OUT_MAX);
	return tls;
}

/* relay_conn_errstr - why the connection broke, in words */
void
relay_conn_errstr(struct bufferevent *bev, short what, char *buf,
    size_t bufsz)
{
	unsigned long	 e;
	SSL		*ssl;
	long		 vr;

	if (what & BEV_EVENT_TIMEOUT)
		relay_text_fmt(buf, bufsz, "time-out");
	else if (what & BEV_EVENT_EOF)
		relay_text_fmt(buf, bufsz, "connection closed by the server");
	else if ((e = bufferevent_get_openssl_error(bev)) != 0) {
		/* a certificate not asked to verify is not why it broke */
		ssl = bufferevent_openssl_get_ssl(bev);
		vr = ssl != NULL && (SSL_get_verify_mode(ssl) &
		    SSL_VERIFY_PEER) ? SSL_get_verify_result(ssl) : X509_V_OK;
		if (vr != X509_V_OK)
			relay_text_fmt(buf, bufsz, "TLS: certificate: %s",
			    X509_verify_cert_error_string(vr));
		else {
			relay_text_fmt(buf, bufsz, "TLS: ");
			ERR_error_string_n(e, buf + strlen(buf),
			    bufsz - strlen(buf));
		}
	} else
		relay_text_fmt(buf, bufsz, "%s", errno ? strerror(errno) :
		    "connection failed");
}
