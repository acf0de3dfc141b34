/*
 * t_keys.c - the key holder: which requests it takes for a key (table),
 * what it makes of them, the catalogue's routes for them, which raw
 * RSA blocks are PSS encodings, and proxied keys signing (never
 * decrypting) through a key holder in a child process.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "ev.h"
#include "keyproxy.h"
#include "../../../smtpd/keys/keys.h"

/* t_keys_pki - a pki holding a new RSA 2048 or EC P-256 key */
static struct keys_pki
t_keys_pki(const char *name, int rsa)
{
	struct keys_pki	p;

	memset(&p, 0, sizeof(p));
	strlcpy(p.name, name, sizeof(p.name));
	p.key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	ATF_REQUIRE(p.key != NULL);
	p.peers = PROC_BIT(PROC_SMTPD);
	return p;
}

struct t_keys_case {
	int		 rsa;		/* the key: RSA 2048, else EC P-256 */
	enum ipc_type	 type;
	uint32_t	 padding;
	uint32_t	 len;
	const char	*why;		/* NULL: accepted */
};

static const struct t_keys_case t_keys_cases[] = {
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_PKCS1_PADDING,	  51,	NULL },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_PKCS1_PADDING,	  245,	NULL },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_PKCS1_PADDING,	  246,	"bad-size" },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_NO_PADDING,	  256,	"bad-encoding" },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_NO_PADDING,	  255,	"bad-size" },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_NO_PADDING,	  257,	"bad-size" },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_PKCS1_OAEP_PADDING, 32,	"bad-algorithm" },
	{ 1, MSG_KEY_RSA_SIGN,	  99,			  32,	"bad-algorithm" },
	{ 1, MSG_KEY_ECDSA_SIGN,  0,			  32,	"bad-algorithm" },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_PKCS1_PADDING,	  0,	"bad-length" },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_NO_PADDING, IPC_KEY_DATA_MAX, "bad-size" },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_NO_PADDING, IPC_KEY_DATA_MAX + 1,
	    "bad-length" },
	{ 1, MSG_KEY_RSA_SIGN,	  RSA_NO_PADDING,	  0xffffffffU,
	    "bad-length" },
	{ 1, MSG_HELLO,		  0,			  32,	"bad-algorithm" },
	{ 0, MSG_KEY_ECDSA_SIGN,  0,			  32,	NULL },
	{ 0, MSG_KEY_ECDSA_SIGN,  0,			  64,	NULL },
	{ 0, MSG_KEY_ECDSA_SIGN,  0,			  65,	"bad-size" },
	{ 0, MSG_KEY_ECDSA_SIGN,  RSA_PKCS1_PADDING,	  32,	"bad-algorithm" },
	{ 0, MSG_KEY_RSA_SIGN,	  RSA_PKCS1_PADDING,	  32,	"bad-algorithm" },
};

ATF_TC_WITHOUT_HEAD(keys_op_check_table);
ATF_TC_BODY(keys_op_check_table, tc)
{
	struct keys_pki			 pk[2];
	struct msg_key_op		 m;
	const struct t_keys_case	*c;
	char				 why[ERRTEXT_MAX];
	size_t				 i;
	int				 rv;

	pk[0] = t_keys_pki("ec.test", 0);
	pk[1] = t_keys_pki("rsa.test", 1);
	for (i = 0; i < sizeof(t_keys_cases) / sizeof(t_keys_cases[0]); i++) {
		c = &t_keys_cases[i];
		memset(&m, 0, sizeof(m));
		m.padding = c->padding;
		m.len = c->len;
		why[0] = '\0';
		rv = keys_op_check(&pk[c->rsa], c->type, &m, why, sizeof(why));
		if (c->why == NULL)
			ATF_CHECK_MSG(rv == 0, "case %zu: %s", i, why);
		else
			ATF_CHECK_MSG(rv == -1 && strcmp(why, c->why) == 0,
			    "case %zu: %s", i, why[0] ? why : "accepted");
	}
	EVP_PKEY_free(pk[0].key);
	EVP_PKEY_free(pk[1].key);
}

/* t_verify - sig is key's signature of tbs, with padding (RSA) */
static int
t_verify(EVP_PKEY *key, int padding, const unsigned char *sig, size_t siglen,
    const unsigned char *tbs, size_t tbslen)
{
	EVP_PKEY_CTX	*ctx;
	int		 ok;

	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(key, NULL)) != NULL);
	ok = EVP_PKEY_verify_init(ctx) > 0 && (padding == 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, padding) > 0) &&
	    EVP_PKEY_verify(ctx, sig, siglen, tbs, tbslen) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

ATF_TC_WITHOUT_HEAD(keys_op_run_sign);
ATF_TC_BODY(keys_op_run_sign, tc)
{
	struct keys_pki		 rsa = t_keys_pki("rsa.test", 1);
	struct keys_pki		 ec = t_keys_pki("ec.test", 0);
	struct msg_key_op	 m;
	struct msg_key_result	 r;
	char			 why[ERRTEXT_MAX] = "";

	memset(&m, 0, sizeof(m));
	m.padding = RSA_PKCS1_PADDING;
	m.len = 32;
	memset(m.data, 'd', m.len);
	ATF_REQUIRE_EQ(keys_op_run(&rsa, MSG_KEY_RSA_SIGN, &m, &r, why,
	    sizeof(why)), 0);
	ATF_CHECK_EQ(r.status, IPC_KEY_OK);
	ATF_CHECK_EQ(r.len, 256);
	ATF_CHECK(t_verify(rsa.key, RSA_PKCS1_PADDING, r.data, r.len, m.data,
	    m.len));
	/* ECDSA of a digest */
	m.padding = 0;
	m.len = 32;
	memset(m.data, 'h', m.len);
	ATF_REQUIRE_EQ(keys_op_run(&ec, MSG_KEY_ECDSA_SIGN, &m, &r, why,
	    sizeof(why)), 0);
	ATF_CHECK(t_verify(ec.key, 0, r.data, r.len, m.data, m.len));
	/* refused: nothing in the answer */
	ATF_CHECK_EQ(keys_op_run(&ec, MSG_KEY_RSA_SIGN, &m, &r, why,
	    sizeof(why)), -1);
	ATF_CHECK_STREQ(why, "bad-algorithm");
	ATF_CHECK(r.status == IPC_KEY_REFUSED && r.len == 0);
	/* a raw block that is no PSS encoding is never raised to the
	 * private exponent */
	m.padding = RSA_NO_PADDING;
	m.len = 256;
	memset(m.data, 0x5a, m.len);
	m.data[255] = 0xbc;
	ATF_CHECK_EQ(keys_op_run(&rsa, MSG_KEY_RSA_SIGN, &m, &r, why,
	    sizeof(why)), -1);
	ATF_CHECK_STREQ(why, "bad-encoding");
	ATF_CHECK(r.status == IPC_KEY_REFUSED && r.len == 0);
	EVP_PKEY_free(rsa.key);
	EVP_PKEY_free(ec.key);
}

ATF_TC_WITHOUT_HEAD(keys_catalogue_routes);
ATF_TC_BODY(keys_catalogue_routes, tc)
{
	struct {
		struct ipc_hdr		h;
		struct msg_key_op	m;
	} f;
	char		 why[ERRTEXT_MAX];

	memset(&f, 0, sizeof(f));
	f.h.type = MSG_KEY_RSA_SIGN;
	f.h.len = sizeof(f.m);
	ATF_CHECK_EQ(ipc_check(PROC_KEYS, PROC_SMTPD, &f.h, sizeof(f), 0,
	    &f.m, why, sizeof(why)), 0);
	ATF_CHECK_EQ(ipc_check(PROC_KEYS, PROC_RELAY, &f.h, sizeof(f), 0,
	    &f.m, why, sizeof(why)), 0);
	/* nobody else may ask, and only the key holder answers */
	ATF_CHECK_EQ(ipc_check(PROC_KEYS, PROC_LOOKUP, &f.h, sizeof(f), 0,
	    &f.m, why, sizeof(why)), -1);
	ATF_CHECK_EQ(ipc_check(PROC_KEYS, PROC_QUEUE, &f.h, sizeof(f), 0,
	    &f.m, why, sizeof(why)), -1);
	ATF_CHECK_EQ(ipc_check(PROC_QUEUE, PROC_SMTPD, &f.h, sizeof(f), 0,
	    &f.m, why, sizeof(why)), -1);
	f.h.type = MSG_KEY_RESULT;
	f.h.len = sizeof(struct msg_key_result);
	ATF_CHECK_EQ(ipc_check(PROC_SMTPD, PROC_QUEUE, &f.h, sizeof(f.h) +
	    f.h.len, 0, &f.m, why, sizeof(why)), -1);
	/* the pki name must be a string */
	f.h.type = MSG_KEY_ECDSA_SIGN;
	f.h.len = sizeof(f.m);
	memset(f.m.pki, 'x', sizeof(f.m.pki));
	ATF_CHECK_EQ(ipc_check(PROC_KEYS, PROC_SMTPD, &f.h, sizeof(f), 0,
	    &f.m, why, sizeof(why)), -1);
	ATF_CHECK_STREQ(why, "unterminated string");
}

/*
 * t_holder - a key holder in a child process serving the listener's end
 * of a socketpair with the keys of rsa and ec; the other end in *fd
 */
static pid_t
t_holder(struct keys_pki *rsa, struct keys_pki *ec, int *fd)
{
	struct keys	*k;
	int		 sv[2];
	pid_t		 pid;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		ev_after_fork();
		k = keys_new();
		keys_add(k, rsa->name, rsa->key, rsa->peers);
		keys_add(k, ec->name, ec->key, ec->peers);
		(void)keys_channel(k, sv[1], PROC_SMTPD);
		ev_dispatch();
		_exit(0);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

/*
 * t_sign - sign tbs with key (padding and digest for RSA; PSS with a
 * salt as long as the digest, as TLS signs); signature length
 */
static size_t
t_sign(EVP_PKEY *key, int padding, const EVP_MD *md, const unsigned char *tbs,
    size_t tbslen, unsigned char *sig, size_t sigsz)
{
	EVP_PKEY_CTX	*ctx;
	int		 ok;

	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(key, NULL)) != NULL);
	ok = EVP_PKEY_sign_init(ctx) > 0 && (padding == 0 ||
	    (EVP_PKEY_CTX_set_rsa_padding(ctx, padding) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
	    (padding != RSA_PKCS1_PSS_PADDING ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx,
	    RSA_PSS_SALTLEN_DIGEST) > 0))) &&
	    EVP_PKEY_sign(ctx, sig, &sigsz, tbs, tbslen) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok ? sigsz : 0;
}

/* The proxy of keyproxy_through_holder (a keyproxy is never freed). */
static struct keyproxy *t_keys_proxy;

ATF_TC_WITHOUT_HEAD(keyproxy_through_holder);
ATF_TC_BODY(keyproxy_through_holder, tc)
{
	struct keys_pki		 rsa = t_keys_pki("rsa.test", 1);
	struct keys_pki		 ec = t_keys_pki("ec.test", 0);
	struct keyproxy		*kp;
	EVP_PKEY		*prsa, *pec, *pother;
	EVP_PKEY_CTX		*ctx;
	unsigned char		 dgst[32], sig[512], pt[256];
	char			 err[256];
	size_t			 n;
	int			 fd, status;
	pid_t			 pid;

	pid = t_holder(&rsa, &ec, &fd);
	kp = keyproxy_new(fd, PROC_SMTPD);
	ATF_REQUIRE((prsa = keyproxy_pkey(kp, rsa.key, "rsa.test", err,
	    sizeof(err))) != NULL);
	ATF_REQUIRE((pec = keyproxy_pkey(kp, ec.key, "ec.test", err,
	    sizeof(err))) != NULL);
	memset(dgst, 'h', sizeof(dgst));
	/* RSA-PSS (TLS 1.3), PKCS#1 v1.5 (TLS 1.2), ECDSA: all verify */
	n = t_sign(prsa, RSA_PKCS1_PSS_PADDING, EVP_sha256(), dgst,
	    sizeof(dgst), sig, sizeof(sig));
	ATF_REQUIRE(n == 256);
	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(rsa.key, NULL)) != NULL);
	ATF_CHECK(EVP_PKEY_verify_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
	    EVP_PKEY_verify(ctx, sig, n, dgst, sizeof(dgst)) == 1);
	EVP_PKEY_CTX_free(ctx);
	n = t_sign(prsa, RSA_PKCS1_PADDING, EVP_sha256(), dgst, sizeof(dgst),
	    sig, sizeof(sig));
	ATF_REQUIRE(n == 256);
	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(rsa.key, NULL)) != NULL);
	ATF_CHECK(EVP_PKEY_verify_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
	    EVP_PKEY_verify(ctx, sig, n, dgst, sizeof(dgst)) == 1);
	EVP_PKEY_CTX_free(ctx);
	n = t_sign(pec, 0, NULL, dgst, sizeof(dgst), sig, sizeof(sig));
	ATF_REQUIRE(n > 0);
	ATF_CHECK(t_verify(ec.key, 0, sig, n, dgst, sizeof(dgst)));
	/* PSS with the largest salt is not TLS's: the holder refuses */
	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(prsa, NULL)) != NULL);
	n = sizeof(sig);
	ATF_CHECK(EVP_PKEY_sign_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_MAX) > 0 &&
	    EVP_PKEY_sign(ctx, sig, &n, dgst, sizeof(dgst)) <= 0);
	EVP_PKEY_CTX_free(ctx);
	/* no decryption through the proxy: refused before any request */
	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(rsa.key, NULL)) != NULL);
	n = sizeof(sig);
	ATF_REQUIRE(EVP_PKEY_encrypt_init(ctx) > 0 &&
	    EVP_PKEY_encrypt(ctx, sig, &n, (const unsigned char *)"pms",
	    3) > 0);
	EVP_PKEY_CTX_free(ctx);
	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new(prsa, NULL)) != NULL);
	ATF_CHECK(EVP_PKEY_decrypt_init(ctx) <= 0 ||
	    EVP_PKEY_decrypt(ctx, pt, &(size_t){ sizeof(pt) }, sig, n) <= 0);
	EVP_PKEY_CTX_free(ctx);
	/* a pki the holder does not have: no signature */
	ATF_REQUIRE((pother = keyproxy_pkey(kp, rsa.key, "other.test", err,
	    sizeof(err))) != NULL);
	ATF_CHECK_EQ(t_sign(pother, RSA_PKCS1_PADDING, EVP_sha256(), dgst,
	    sizeof(dgst), sig, sizeof(sig)), 0);
	/* and the holder still answers */
	ATF_CHECK(t_sign(pec, 0, NULL, dgst, sizeof(dgst), sig,
	    sizeof(sig)) > 0);
	kill(pid, SIGKILL);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	EVP_PKEY_free(pother);
	EVP_PKEY_free(pec);
	EVP_PKEY_free(prsa);
	EVP_PKEY_free(rsa.key);
	EVP_PKEY_free(ec.key);
	/* the proxy lives as long as its process, as in smtpd and relay */
	t_keys_proxy = kp;
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, keys_op_check_table);
	ATF_TP_ADD_TC(tp, keys_op_run_sign);
	ATF_TP_ADD_TC(tp, keys_catalogue_routes);
	ATF_TP_ADD_TC(tp, keyproxy_through_holder);
	return atf_no_error();
}
