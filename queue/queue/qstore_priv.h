/*
 * qstore_priv.h - what the files of the spool module share and nobody
 * else uses: file names inside a message directory, directory listings
 * and the message directory helpers of qstore.c.
 */
#ifndef POSTHORN_QSTORE_PRIV_H
#define POSTHORN_QSTORE_PRIV_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

#define QSTORE_MESSAGE		"message"
#define QSTORE_TMP_PREFIX	"tmp."
#define QSTORE_ENVELOPES	"envelopes"	/* incoming, flat commits */

/* the flat form (qstore_flat.c): names in queue/ */
#define QSTORE_FLAT_MESSAGE	".m"
#define QSTORE_FLAT_ENVELOPES	".e"
#define QSTORE_FLAT_TMP		".t"
#define QSTORE_FLAT_NAME_LEN	(ENVELOPE_MSGID_STRLEN + 2)

struct qstore;

/* one directory's entry names, read before anything is changed in it */
struct qstore_names {
	char	**v;
	size_t	  n;
};

int	qstore_names_read(int dirfd, const char *path, struct qstore_names *);
void	qstore_names_free(struct qstore_names *);
int	qstore_is_evpid_of(const char *name, uint32_t msgid);
int	qstore_msg_dir(struct qstore *, uint32_t msgid);
int	qstore_msg_remove(struct qstore *, int dfd, uint32_t msgid,
	    char *err, size_t errsz);
void	qstore_count_quarantined(struct qstore *);
void	qstore_count_removed(struct qstore *, int msg);
ssize_t	qstore_read_small(int dirfd, const char *path, char *buf, size_t max);

/* a flat message's envelopes, as read */
struct qstore_flat {
	struct envelope	*evps;		/* QSTORE_FLAT_MAX slots */
	size_t		 n;
};

int	qstore_flat_ok(const struct qstore *, const struct envelope *,
	    size_t n);
void	qstore_flat_name(uint32_t msgid, const char *suffix,
	    char buf[QSTORE_FLAT_NAME_LEN + 1]);
int	qstore_flat_parse_name(const char *name, uint32_t *msgid,
	    char *suffix);
ssize_t	qstore_flat_encode(const struct envelope *, size_t n, char **out,
	    char *err, size_t errsz);
int	qstore_flat_read(struct qstore *, uint32_t msgid, struct qstore_flat *,
	    char *err, size_t errsz);
int	qstore_flat_write(struct qstore *, uint32_t msgid,
	    const struct qstore_flat *, char *err, size_t errsz);
int	qstore_flat_load(struct qstore *, uint64_t evpid, struct envelope *,
	    char *err, size_t errsz);
int	qstore_flat_update(struct qstore *, const struct envelope *,
	    char *err, size_t errsz);
int	qstore_flat_remove(struct qstore *, uint64_t evpid, char *err,
	    size_t errsz);
int	qstore_flat_unlink_msg(struct qstore *, uint32_t msgid, char *err,
	    size_t errsz);

#endif
