/*
 * qstore_replace.c - one envelope of a committed message durably
 * replaced by others of the same message (a notice's recipient after
 * its expansion).
 *
 * Files, in queue/<msgid>/:
 *
 *	<old>			the envelope being replaced
 *	rep.<old>.<new>		a replacement, not yet an envelope
 *
 * Three steps, each made durable before the next:
 *
 *	prepare		write and fdatasync every rep.<old>.<new>, fsync
 *			the message directory;
 *	commit		unlink <old>, fsync the directory: the one atomic
 *			step that decides;
 *	publish		rename each rep.<old>.<new> to <new>, fsync.
 *
 * Recovery (qstore_replace_recover, run by qstore_walk before it reads
 * a message): a rep.<old>.<new> whose <old> still exists belongs to an
 * uncommitted replacement and is unlinked; one whose <old> is gone is
 * renamed to <new>.  So after a crash at any instant either <old> alone
 * or every <new> is an envelope, never both and never neither, and no
 * delivery starts before the commit is durable.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "log.h"
#include "qstore.h"
#include "qstore_priv.h"
#include "xmalloc.h"

#define QSTORE_REP_PREFIX	"rep."
#define QSTORE_REP_LEN		(4 + 2 * ENVELOPE_ID_STRLEN + 1)

/* qstore_replace_err - format an error with errno's text */
static int
qstore_replace_err(char *err, size_t errsz, const char *what, uint64_t id)
{
	char	s[ENVELOPE_ID_STRLEN + 1];

	envelope_id_format(id, s);
	(void)snprintf(err, errsz, "replace %s: %s: %s", s, what,
	    strerror(errno));
	return -1;
}

/* qstore_replace_name - "rep.<old>.<new>" */
static void
qstore_replace_name(char buf[QSTORE_REP_LEN + 1], uint64_t old,
    uint64_t new)
{
	char	a[ENVELOPE_ID_STRLEN + 1], b[ENVELOPE_ID_STRLEN + 1];

	envelope_id_format(old, a);
	envelope_id_format(new, b);
	(void)snprintf(buf, QSTORE_REP_LEN + 1, "%s%s.%s", QSTORE_REP_PREFIX,
	    a, b);
}

/*
 * qstore_replace_parse - split a directory entry of message msgid into
 * the old and new IDs; 1 if it is a replacement file, else 0.
 */
int
qstore_replace_parse(const char *name, uint32_t msgid, uint64_t *old,
    uint64_t *new)
{
	char	a[ENVELOPE_ID_STRLEN + 1];
	size_t	p = sizeof(QSTORE_REP_PREFIX) - 1;

	if (strlen(name) != QSTORE_REP_LEN ||
	    strncmp(name, QSTORE_REP_PREFIX, p) != 0 ||
	    name[p + ENVELOPE_ID_STRLEN] != '.')
		return 0;
	memcpy(a, name + p, ENVELOPE_ID_STRLEN);
	a[ENVELOPE_ID_STRLEN] = '\0';
	if (envelope_id_parse(a, old) == -1 ||
	    envelope_id_parse(name + p + ENVELOPE_ID_STRLEN + 1, new) == -1)
		return 0;
	return envelope_msgid(*old) == msgid && envelope_msgid(*new) == msgid &&
	    *old != *new;
}

/* qstore_replace_exists - an entry named by evpid exists in dfd */
static int
qstore_replace_exists(int dfd, uint64_t evpid)
{
	char		id[ENVELOPE_ID_STRLEN + 1];
	struct stat	sb;

	envelope_id_format(evpid, id);
	return fstatat(dfd, id, &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT;
}

/* qstore_replace_unwind - unlink the replacement files written so far */
static void
qstore_replace_unwind(int dfd, uint64_t old, struct envelope *evps,
    size_t done)
{
	char	name[QSTORE_REP_LEN + 1];
	size_t	i;

	for (i = 0; i < done; i++) {
		qstore_replace_name(name, old, evps[i].evpid);
		(void)unlinkat(dfd, name, 0);
		evps[i].evpid = 0;
	}
}

/* qstore_replace_id - a fresh ID of the message, unused in dfd and evps */
static int
qstore_replace_id(int dfd, uint64_t old, struct envelope *evps, size_t i)
{
	uint64_t	id;
	size_t		j;
	int		tries;

	for (tries = 0; tries < 100; tries++) {
		id = (old & ~(uint64_t)0xffffffffU) | arc4random();
		if ((id & 0xffffffffU) == 0 || id == old ||
		    qstore_replace_exists(dfd, id))
			continue;
		for (j = 0; j < i && evps[j].evpid != id; j++)
			;
		if (j < i)
			continue;
		evps[i].evpid = id;
		return 0;
	}
	return -1;
}

/* qstore_replace_write - write replacement i as rep.<old>.<new> */
static int
qstore_replace_write(int dfd, uint64_t old, struct envelope *evps, size_t i,
    char *buf, char *err, size_t errsz)
{
	char	name[QSTORE_REP_LEN + 1];
	int	len;

	if (qstore_replace_id(dfd, old, evps, i) == -1) {
		(void)snprintf(err, errsz, "replace: no free envelope id");
		return -1;
	}
	if ((len = envelope_dump(&evps[i], buf, ENVELOPE_DUMP_MAX + 1)) == -1) {
		(void)snprintf(err, errsz, "replace: envelope %zu not "
		    "representable", i);
		evps[i].evpid = 0;
		return -1;
	}
	qstore_replace_name(name, old, evps[i].evpid);
	if (qstore_write_file(dfd, name, buf, (size_t)len, err, errsz) == -1) {
		evps[i].evpid = 0;
		return -1;
	}
	return 0;
}

/*
 * qstore_replace_prepare - write the n replacements of envelope old
 * (each gets a fresh ID of old's message in evps[i].evpid) and make
 * them durable.  Nothing changes for old: on failure every file written
 * is removed again.
 */
int
qstore_replace_prepare(struct qstore *q, uint64_t old, struct envelope *evps,
    size_t n, char *err, size_t errsz)
{
	char	*buf;
	size_t	 i;
	int	 dfd, r = 0;

	if (n == 0 || n > QSTORE_REPLACE_MAX) {
		(void)snprintf(err, errsz, "replace: %zu envelopes", n);
		return -1;
	}
	for (i = 0; i < n; i++)
		evps[i].evpid = 0;
	if ((dfd = qstore_msg_dir(q, envelope_msgid(old))) == -1)
		return qstore_replace_err(err, errsz, "message", old);
	if (!qstore_replace_exists(dfd, old)) {
		errno = ENOENT;
		close(dfd);
		return qstore_replace_err(err, errsz, "envelope", old);
	}
	buf = xmalloc(ENVELOPE_DUMP_MAX + 1);
	for (i = 0; i < n && r == 0; i++) {
		if ((r = qstore_replace_write(dfd, old, evps, i, buf, err,
		    errsz)) == 0)
			qstore_count_sync(q, 0);
	}
	free(buf);
	if (r == 0 && (r = qstore_sync_dir(q, dfd, NULL)) == -1)
		qstore_replace_err(err, errsz, "fsync", old);
	if (r == -1)
		qstore_replace_unwind(dfd, old, evps, i);
	close(dfd);
	return r;
}

/*
 * qstore_replace_commit - the deciding step: unlink old and fsync.  On
 * -1 with old still in place nothing happened (the prepared files are
 * removed); with old gone the outcome is left to the next start.
 */
int
qstore_replace_commit(struct qstore *q, uint64_t old, const struct envelope
    *evps, size_t n, char *err, size_t errsz)
{
	char	id[ENVELOPE_ID_STRLEN + 1], name[QSTORE_REP_LEN + 1];
	size_t	i;
	int	dfd;

	if ((dfd = qstore_msg_dir(q, envelope_msgid(old))) == -1)
		return qstore_replace_err(err, errsz, "message", old);
	envelope_id_format(old, id);
	if (unlinkat(dfd, id, 0) == -1) {
		qstore_replace_err(err, errsz, "unlink", old);
		for (i = 0; i < n; i++) {
			qstore_replace_name(name, old, evps[i].evpid);
			(void)unlinkat(dfd, name, 0);
		}
		close(dfd);
		return -1;
	}
	if (qstore_sync_dir(q, dfd, NULL) == -1) {
		qstore_replace_err(err, errsz, "fsync after unlink", old);
		close(dfd);
		return -1;
	}
	close(dfd);
	return 0;
}

/* qstore_replace_names - the replacement files of message msgid in dfd */
static int
qstore_replace_names(int dfd, uint32_t msgid, char ***v, size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	uint64_t	 a, b;
	int		 fd;

	*v = NULL;
	*n = 0;
	if ((fd = dup(dfd)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!qstore_replace_parse(de->d_name, msgid, &a, &b))
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	return 0;
}

/*
 * qstore_replace_finish - settle every replacement file of message
 * msgid in dfd (of old only, unless 0): roll back those whose old
 * envelope exists, publish the others.  0, or -1 if a step failed.
 */
static int
qstore_replace_finish(struct qstore *q, int dfd, uint32_t msgid,
    uint64_t only)
{
	char		**v, id[ENVELOPE_ID_STRLEN + 1];
	uint64_t	  a, b;
	size_t		  i, n;
	int		  r = 0;

	if (qstore_replace_names(dfd, msgid, &v, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		(void)qstore_replace_parse(v[i], msgid, &a, &b);
		if (only != 0 && a != only)
			continue;
		envelope_id_format(b, id);
		if (qstore_replace_exists(dfd, a) ||
		    qstore_replace_exists(dfd, b)) {
			log_debug("queue event=replacement-removed file=%s "
			    "reason=unused", v[i]);
			if (unlinkat(dfd, v[i], 0) == -1)
				r = -1;
		} else if (renameat(dfd, v[i], dfd, id) == -1)
			r = -1;
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	if (n > 0 && qstore_sync_dir(q, dfd, NULL) == -1)
		r = -1;
	return r;
}

/* qstore_replace_publish - turn old's committed replacements into envelopes */
int
qstore_replace_publish(struct qstore *q, uint64_t old, char *err,
    size_t errsz)
{
	int	dfd, r;

	if ((dfd = qstore_msg_dir(q, envelope_msgid(old))) == -1)
		return qstore_replace_err(err, errsz, "message", old);
	if ((r = qstore_replace_finish(q, dfd, envelope_msgid(old), old)) == -1)
		qstore_replace_err(err, errsz, "publish", old);
	close(dfd);
	return r;
}

/*
 * qstore_replace - durably replace envelope old by the n envelopes of
 * evps (IDs assigned here).  0: old is gone and every replacement is an
 * envelope.  -1: see err; if old still exists nothing changed, else the
 * replacements not yet envelopes become envelopes at the next start.
 */
int
qstore_replace(struct qstore *q, uint64_t old, struct envelope *evps,
    size_t n, char *err, size_t errsz)
{
	if (qstore_replace_prepare(q, old, evps, n, err, errsz) == -1 ||
	    qstore_replace_commit(q, old, evps, n, err, errsz) == -1 ||
	    qstore_replace_publish(q, old, err, errsz) == -1)
		return -1;
	return 0;
}

/*
 * qstore_replace_recover - at start, before a message is read: settle
 * what a crash left of its replacements (dfd is queue/<msgid>).
 */
void
qstore_replace_recover(struct qstore *q, int dfd, uint32_t msgid)
{
	char	name[ENVELOPE_MSGID_STRLEN + 1];

	if (qstore_replace_finish(q, dfd, msgid, 0) == -1) {
		envelope_msgid_format(msgid, name);
		log_warnx("queue event=replace-recover-failed msgid=%s "
		    "error=\"%s\"", name, strerror(errno));
	}
}
