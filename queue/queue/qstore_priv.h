/*
 * qstore_priv.h - what the files of the spool module share and nobody
 * else uses: file names inside a message directory, directory listings
 * and the message directory helpers of qstore.c.
 */
#ifndef POSTHORN_QSTORE_PRIV_H
#define POSTHORN_QSTORE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#define QSTORE_MESSAGE		"message"
#define QSTORE_TMP_PREFIX	"tmp."

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

#endif
