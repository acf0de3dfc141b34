/*
 * qstore.h - the durable spool: messages, their envelopes, recovery,
 * quarantine and the offline drop area.  The layout is described at the
 * top of qstore.c.
 *
 * Every path is relative to the spool directory fd given to qstore_open,
 * so the same code works chrooted into the spool or not.  Functions
 * return 0 / -1 with a reason in err; lookups -1 / 0 (absent) / 1.
 */
#ifndef POSTHORN_QSTORE_H
#define POSTHORN_QSTORE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "envelope.h"
#include "offline.h"
#include "spool.h"

#define QSTORE_ERR_MAX		128
#define QSTORE_MSG_RCPT_MAX	100000	/* envelopes of one message */
#define QSTORE_SYNCFS_MIN	64	/* files in a batch: one syncfs from here */
#define QSTORE_FLAT_MAX		16	/* envelopes of a flat message */

struct qstore;

struct qstore_stats {
	uint64_t	msg_created;
	uint64_t	msg_committed;
	uint64_t	msg_aborted;
	uint64_t	msg_removed;
	uint64_t	evp_committed;
	uint64_t	evp_updated;
	uint64_t	evp_removed;
	uint64_t	quarantined;
	uint64_t	commit_batches;
	uint64_t	dir_syncs;		/* directory fsyncs */
	uint64_t	file_syncs;		/* file fdatasync/fsyncs */
};

/* One commit request of a batch; status and err are outputs. */
struct qstore_commit {
	uint32_t	 msgid;
	struct envelope	*evps;		/* evpid assigned on success */
	size_t		 nevp;
	int		 status;	/* 0 durable, -1 failed */
	int		 flat;		/* set by the commit: the flat form */
	char		 err[QSTORE_ERR_MAX];
};

struct qstore	*qstore_open(int spool_dirfd, char *err, size_t errsz);
void		 qstore_close(struct qstore *);
int		 qstore_dirfd(const struct qstore *);
void		 qstore_set_syncfs_min(struct qstore *, size_t files);
size_t		 qstore_syncfs_min(const struct qstore *);
void		 qstore_set_flat_max(struct qstore *, size_t envelopes);
size_t		 qstore_flat_max(const struct qstore *);
int		 qstore_area_fd(const struct qstore *, enum spool_area);
void		 qstore_stats(const struct qstore *, struct qstore_stats *);

int	qstore_msg_create(struct qstore *, uint32_t *msgid, int *fd,
	    char *err, size_t errsz);
int	qstore_msg_commit(struct qstore *, uint32_t msgid,
	    struct envelope *evps, size_t n, char *err, size_t errsz);
int	qstore_msg_abort(struct qstore *, uint32_t msgid);
int	qstore_msg_fd(struct qstore *, uint32_t msgid);
int	qstore_msg_exists(struct qstore *, uint32_t msgid);

int	qstore_envelope_load(struct qstore *, uint64_t evpid,
	    struct envelope *, char *err, size_t errsz);
int	qstore_envelope_update(struct qstore *, const struct envelope *,
	    char *err, size_t errsz);
int	qstore_envelope_remove(struct qstore *, uint64_t evpid,
	    char *err, size_t errsz);

int	qstore_walk(struct qstore *, int (*cb)(struct envelope *, void *),
	    void *arg);
int	qstore_quarantine_list(struct qstore *,
	    int (*cb)(const char *item, void *), void *arg);

/* qstore_commit.c */
int	qstore_commit_batch(struct qstore *, struct qstore_commit *reqs,
	    size_t n);

/* qstore_replace.c: one envelope durably replaced by others */
#define QSTORE_REPLACE_MAX	1000	/* replacements of one envelope */

int	qstore_replace(struct qstore *, uint64_t old, struct envelope *evps,
	    size_t n, char *err, size_t errsz);
int	qstore_replace_prepare(struct qstore *, uint64_t old,
	    struct envelope *evps, size_t n, char *err, size_t errsz);
int	qstore_replace_commit(struct qstore *, uint64_t old,
	    const struct envelope *evps, size_t n, char *err, size_t errsz);
int	qstore_replace_publish(struct qstore *, uint64_t old, char *err,
	    size_t errsz);
int	qstore_replace_parse(const char *name, uint32_t msgid, uint64_t *old,
	    uint64_t *new);
void	qstore_replace_recover(struct qstore *, int dfd, uint32_t msgid);

/*
 * qstore_offline.c: the walk over the local enqueuer's drop files
 * (common/offline.h); what a walk's callback did with a file, and what
 * became of it
 */
#define QSTORE_OFFLINE_QUEUED		0	/* queued: remove it */
#define QSTORE_OFFLINE_FAILED		(-1)	/* not queued: count, keep */
#define QSTORE_OFFLINE_STOP		(-2)	/* daemon down: stop here */
#define QSTORE_OFFLINE_QUARANTINED	1	/* moved aside by the walk */
#define QSTORE_OFFLINE_TRIES		5	/* failures before quarantine */

struct qstore_offline_stats {
	size_t	seen, queued, kept, quarantined;
};

unsigned qstore_offline_tries(const char *name, size_t *baselen);
int	qstore_offline_walk(struct qstore *, uint64_t maxbody,
	    int (*cb)(const struct offline *, int fd, void *),
	    void *arg, struct qstore_offline_stats *);

/* shared between qstore.c and qstore_commit.c */
int	qstore_sync_dir(struct qstore *, int dirfd, const char *path);
void	qstore_count_batch(struct qstore *);
void	qstore_count_commit(struct qstore *, size_t nevp);
void	qstore_count_sync(struct qstore *, int dir);
int	qstore_write_file(int dirfd, const char *name, const char *data,
	    size_t len, char *err, size_t errsz);

#endif
