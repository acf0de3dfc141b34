/*
 * keys.h - the key holder: the one process that reads the private keys
 * of the configuration's pki (as root, before its privilege drop) and
 * uses them for the listener and the relay worker, each of which may
 * use only the pki its own configuration needs (keys.c).  Every request
 * is checked against the key before it is used (keys_op.c).
 */
#ifndef POSTHORN_KEYS_H
#define POSTHORN_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

struct proc_env;

struct evp_pkey_st;

struct keys_pki {
	char			 name[NAME_MAX_CFG];
	struct evp_pkey_st	*key;
	unsigned		 peers;		/* PROC_BIT()s allowed to use it */
};

struct keys;

/* keys.c */
struct keys	*keys_new(void);
void		 keys_add(struct keys *, const char *name, struct evp_pkey_st *,
		    unsigned peers);
struct ipc	*keys_channel(struct keys *, int fd, enum proc_role peer);

/* keys_op.c */
int	keys_op_check(const struct keys_pki *, enum ipc_type,
	    const struct msg_key_op *, char *err, size_t errsz);
int	keys_op_run(const struct keys_pki *, enum ipc_type,
	    const struct msg_key_op *, struct msg_key_result *,
	    char *err, size_t errsz);

/* keys_pss.c */
int	keys_pss_check(const uint8_t *, size_t len, size_t modbits);

/* keys.c: the key holder's entry point, in smtpd(8)'s role table */
int	keys_main(struct proc_env *);

#endif
