/*
 * keys.c - the key holder role (keys.h).
 *
 * It reads the private key of each pki that a listener or a relay
 * action uses while still root, checks it against the certificate,
 * drops to _posthorn in an empty root, and answers the listener and the
 * relay worker: each may use the pki its own part of the configuration
 * names and no other.  Refusals are logged and answered; the process
 * never stops for a bad request.
 */
#include <sys/prctl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cfg.h"
#include "ev.h"
#include "keys.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "xmalloc.h"

struct keys {
	struct keys_pki	*pki;
	size_t		 npki;
};

/* keys_new - a key holder with no key yet */
struct keys *
keys_new(void)
{
	return xcalloc(1, sizeof(struct keys));
}

/* keys_add - hold key (taken) as pki name, for the roles of peers */
void
keys_add(struct keys *k, const char *name, EVP_PKEY *key, unsigned peers)
{
	struct keys_pki	*p;

	k->pki = xreallocarray(k->pki, k->npki + 1, sizeof(*k->pki));
	p = &k->pki[k->npki++];
	memset(p, 0, sizeof(*p));
	strlcpy(p->name, name, sizeof(p->name));
	p->key = key;
	p->peers = peers;
}

/* keys_find - the pki named name that peer may use; NULL if none */
static const struct keys_pki *
keys_find(const struct keys *k, enum proc_role peer, const char *name)
{
	size_t	i;

	for (i = 0; i < k->npki; i++)
		if ((k->pki[i].peers & PROC_BIT(peer)) &&
		    strcmp(k->pki[i].name, name) == 0)
			return &k->pki[i];
	return NULL;
}

/* keys_answer - one request of the peer on c: find, check, run, answer */
static void
keys_answer(struct keys *k, struct ipc *c, uint32_t id, enum ipc_type type,
    const struct msg_key_op *m)
{
	struct msg_key_result	 r;
	const struct keys_pki	*p;
	char			 why[ERRTEXT_MAX] = "unknown-pki";
	char			 name[4 * NAME_MAX_CFG];
	int			 rv = -1;

	memset(&r, 0, sizeof(r));
	r.status = IPC_KEY_REFUSED;
	if ((p = keys_find(k, ipc_peer(c), m->pki)) != NULL)
		rv = keys_op_run(p, type, m, &r, why, sizeof(why));
	log_vis(name, sizeof(name), m->pki);
	if (rv == -1)
		log_warnx("keys event=refused peer=%s pki=%s op=%s reason=%s "
		    "len=%u padding=%u", proc_role_name(ipc_peer(c)), name,
		    ipc_type_name(type), why, m->len, m->padding);
	else
		log_debug("keys event=used peer=%s pki=%s op=%s",
		    proc_role_name(ipc_peer(c)), name, ipc_type_name(type));
	ipc_send(c, MSG_KEY_RESULT, id, -1, &r, sizeof(r));
	explicit_bzero(&r, sizeof(r));
}

/* keys_on_rsa_sign - MSG_KEY_RSA_SIGN */
static void
keys_on_rsa_sign(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)fd;
	keys_answer(arg, c, id, MSG_KEY_RSA_SIGN, msg);
}

/* keys_on_ecdsa_sign - MSG_KEY_ECDSA_SIGN */
static void
keys_on_ecdsa_sign(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)fd;
	keys_answer(arg, c, id, MSG_KEY_ECDSA_SIGN, msg);
}

static const struct ipc_handler keys_handlers[] = {
	{ MSG_KEY_RSA_SIGN,	keys_on_rsa_sign },
	{ MSG_KEY_ECDSA_SIGN,	keys_on_ecdsa_sign },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler keys_parent_handlers[] = {
	{ MSG_NONE,		NULL }
};

/* keys_channel - answer peer's requests on fd */
struct ipc *
keys_channel(struct keys *k, int fd, enum proc_role peer)
{
	struct ipc	*c;

	c = ipc_new(fd, PROC_KEYS, peer, IPC_TRUST_PEER, keys_handlers, k);
	ipc_set_close_cb(c, ipc_on_sibling_lost);
	return c;
}

/* keys_users - the roles that use pki p: listeners and relay actions */
static unsigned
keys_users(const struct cfg *cfg, const struct cfg_pki *p)
{
	const struct cfg_listener	*l;
	const struct cfg_action		*a;
	unsigned			 peers = 0;
	size_t				 i;

	TAILQ_FOREACH(l, &cfg->listeners, entry)
		for (i = 0; i < l->npki; i++)
			if (l->pki[i] == p)
				peers |= PROC_BIT(PROC_SMTPD);
	TAILQ_FOREACH(a, &cfg->actions, entry)
		if (a->type == CFG_ACTION_RELAY && a->pki == p)
			peers |= PROC_BIT(PROC_RELAY);
	return peers;
}

/* keys_read - the private key of p, checked against its certificate */
static EVP_PKEY *
keys_read(const struct cfg_pki *p)
{
	EVP_PKEY	*key;
	X509		*x;
	FILE		*f;
	char		 err[256];

	if ((f = fopen(p->key, "r")) == NULL)
		fatal("keys: pki %s: %s", p->name, p->key);
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if ((f = fopen(p->cert, "r")) == NULL)
		fatal("keys: pki %s: %s", p->name, p->cert);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ERR_error_string_n(ERR_peek_last_error(), err, sizeof(err));
	if (key == NULL || x == NULL)
		fatalx("keys: pki %s: %s %s: %s", p->name, key == NULL ? "key" :
		    "certificate", key == NULL ? p->key : p->cert, err);
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		fatalx("keys: pki %s: key %s: RSA and EC keys only", p->name,
		    p->key);
	if (X509_check_private_key(x, key) != 1)
		fatalx("keys: pki %s: key %s does not match the certificate %s",
		    p->name, p->key, p->cert);
	if (EVP_PKEY_get_size(key) > IPC_KEY_DATA_MAX)
		fatalx("keys: pki %s: key %s is too large", p->name, p->key);
	X509_free(x);
	return key;
}

/* keys_load - every private key the configuration uses, for its users */
static void
keys_load(struct keys *k, const struct cfg *cfg)
{
	const struct cfg_pki	*p;
	unsigned		 peers;

	TAILQ_FOREACH(p, &cfg->pkis, entry)
		if ((peers = keys_users(cfg, p)) != 0)
			keys_add(k, p->name, keys_read(p), peers);
}

/* keys_main - the key holder role */
int
keys_main(struct proc_env *env)
{
	struct keys	*k;

	k = keys_new();
	keys_load(k, env->cfg);
	proc_child_start(PROC_KEYS, env->spool, NULL, NULL);
	if (prctl(PR_SET_DUMPABLE, 0) == -1)	/* no core, no ptrace */
		fatal("keys: prctl");
	(void)proc_channel(PROC_KEYS, PROC_PARENT, keys_parent_handlers, k);
	(void)keys_channel(k, proc_child_fd(PROC_KEYS, PROC_SMTPD),
	    PROC_SMTPD);
	(void)keys_channel(k, proc_child_fd(PROC_KEYS, PROC_RELAY),
	    PROC_RELAY);
	log_debug("keys event=ready pki=%zu", k->npki);
	sandbox_enter(PROC_KEYS);
	ev_dispatch();
	log_debug("keys event=exit");
	return 0;
}
PROC_ENTRY(PROC_KEYS, keys_main);
