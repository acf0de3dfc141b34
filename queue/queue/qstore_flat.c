/*
 * qstore_flat.c - messages kept as two files in queue/ instead of a
 * directory: the form of every message with few envelopes, none of
 * which waits for expansion.
 *
 *	queue/<msgid>.m		the message, never rewritten
 *	queue/<msgid>.e		all its envelopes; present = committed
 *	queue/<msgid>.t		a new version of <msgid>.e being written
 *
 * The envelope file is "posthorn envelopes 1\n", then per envelope its
 * record's length in decimal, a newline and the record (envelope.c).
 *
 * Commit writes incoming/<msgid>/envelopes beside the message, syncs
 * the data of both, renames the message to <msgid>.m and the envelopes
 * to <msgid>.e, and the batch's one fsync of queue/ makes both names
 * durable: no directory per message, so no sync of one.
 *
 * An update or the removal of one envelope among several writes the
 * whole set to <msgid>.t, fdatasyncs it and renames it over <msgid>.e;
 * as for envelope files, the directory is not synced (the name holds
 * the old set or the new one, both whole).  The last removal unlinks
 * <msgid>.e, then <msgid>.m.  Recovery (qstore_flat_walk): <msgid>.t
 * is unlinked, a <msgid>.m without <msgid>.e removed (an unfinished
 * commit or removal), and a <msgid>.e without its message or that does
 * not load is quarantined.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "log.h"
#include "qstore.h"
#include "qstore_priv.h"
#include "xmalloc.h"

#define QSTORE_FLAT_MAGIC	"posthorn envelopes 1\n"
#define QSTORE_FLAT_FILE_MAX	(QSTORE_FLAT_MAX * (ENVELOPE_DUMP_MAX + 8) + \
				    sizeof(QSTORE_FLAT_MAGIC))

/* qstore_flat_ok - whether a commit of these envelopes may be flat */
int
qstore_flat_ok(const struct qstore *q, const struct envelope *evps, size_t n)
{
	size_t	i;

	if (n == 0 || n > qstore_flat_max(q))
		return 0;
	for (i = 0; i < n; i++)
		if (evps[i].flags & ENVELOPE_F_EXPAND)
			return 0;
	return 1;
}

/* qstore_flat_name - "<msgid><suffix>" */
void
qstore_flat_name(uint32_t msgid, const char *suffix,
    char buf[QSTORE_FLAT_NAME_LEN + 1])
{
	envelope_msgid_format(msgid, buf);
	(void)strlcat(buf, suffix, QSTORE_FLAT_NAME_LEN + 1);
}

/* qstore_flat_parse_name - msgid and suffix of a flat name; -1 if not */
int
qstore_flat_parse_name(const char *name, uint32_t *msgid, char *suffix)
{
	char	id[ENVELOPE_MSGID_STRLEN + 1];

	if (strlen(name) != ENVELOPE_MSGID_STRLEN + 2 ||
	    name[ENVELOPE_MSGID_STRLEN] != '.')
		return -1;
	memcpy(id, name, ENVELOPE_MSGID_STRLEN);
	id[ENVELOPE_MSGID_STRLEN] = '\0';
	*suffix = name[ENVELOPE_MSGID_STRLEN + 1];
	if (envelope_msgid_parse(id, msgid) == -1 || (*suffix != 'm' &&
	    *suffix != 'e' && *suffix != 't'))
		return -1;
	return 0;
}

/* qstore_flat_encode - the envelope file of evps; its length, or -1 */
ssize_t
qstore_flat_encode(const struct envelope *evps, size_t n, char **out,
    char *err, size_t errsz)
{
	char	*buf, *rec;
	size_t	 len, i;
	int	 r;

	buf = xmalloc(QSTORE_FLAT_FILE_MAX);
	rec = xmalloc(ENVELOPE_DUMP_MAX + 1);
	len = strlcpy(buf, QSTORE_FLAT_MAGIC, QSTORE_FLAT_FILE_MAX);
	for (i = 0; i < n; i++) {
		if ((r = envelope_dump(&evps[i], rec,
		    ENVELOPE_DUMP_MAX + 1)) == -1) {
			(void)snprintf(err, errsz, "envelope not representable");
			free(rec);
			free(buf);
			return -1;
		}
		len += (size_t)snprintf(buf + len, QSTORE_FLAT_FILE_MAX - len,
		    "%d\n", r);
		memcpy(buf + len, rec, (size_t)r);
		len += (size_t)r;
	}
	free(rec);
	*out = buf;
	return (ssize_t)len;
}

/* qstore_flat_decode_one - one "<len>\n<record>" at *off; -1 bad */
static int
qstore_flat_decode_one(const char *buf, size_t len, size_t *off,
    struct envelope *evp, char *err, size_t errsz)
{
	size_t	rl = 0, p = *off;
	char	why[128];

	while (p < len && buf[p] >= '0' && buf[p] <= '9' && rl <=
	    ENVELOPE_DUMP_MAX)
		rl = rl * 10 + (size_t)(buf[p++] - '0');
	if (p == *off || p >= len || buf[p] != '\n' || rl == 0 ||
	    rl > ENVELOPE_DUMP_MAX || len - p - 1 < rl) {
		(void)snprintf(err, errsz, "bad record framing at %zu", *off);
		return -1;
	}
	p++;
	if (envelope_load(evp, buf + p, rl, why, sizeof(why)) == -1) {
		(void)snprintf(err, errsz, "record at %zu: %s", *off, why);
		return -1;
	}
	*off = p + rl;
	return 0;
}

/*
 * qstore_flat_decode - the envelopes of an envelope file of message
 * msgid: each one's ID must belong to msgid and be unique; -1 bad
 */
static int
qstore_flat_decode(const char *buf, size_t len, uint32_t msgid,
    struct qstore_flat *f, char *err, size_t errsz)
{
	size_t	off = strlen(QSTORE_FLAT_MAGIC), i;

	f->n = 0;
	if (len < off || memcmp(buf, QSTORE_FLAT_MAGIC, off) != 0) {
		(void)snprintf(err, errsz, "not an envelope file");
		return -1;
	}
	while (off < len) {
		if (f->n == QSTORE_FLAT_MAX) {
			(void)snprintf(err, errsz, "too many envelopes");
			return -1;
		}
		if (qstore_flat_decode_one(buf, len, &off, &f->evps[f->n],
		    err, errsz) == -1)
			return -1;
		if (envelope_msgid(f->evps[f->n].evpid) != msgid) {
			(void)snprintf(err, errsz, "envelope of another message");
			return -1;
		}
		for (i = 0; i < f->n; i++)
			if (f->evps[i].evpid == f->evps[f->n].evpid) {
				(void)snprintf(err, errsz, "envelope twice");
				return -1;
			}
		f->n++;
	}
	if (f->n == 0) {
		(void)snprintf(err, errsz, "no envelope");
		return -1;
	}
	return 0;
}

/*
 * qstore_flat_read - the envelopes of flat message msgid into f (the
 * caller frees f->evps); -1 with err, 0 not flat, 1 read
 */
int
qstore_flat_read(struct qstore *q, uint32_t msgid, struct qstore_flat *f,
    char *err, size_t errsz)
{
	char	name[QSTORE_FLAT_NAME_LEN + 1], *buf;
	ssize_t	n;

	f->evps = NULL;
	f->n = 0;
	qstore_flat_name(msgid, QSTORE_FLAT_ENVELOPES, name);
	buf = xmalloc(QSTORE_FLAT_FILE_MAX + 1);
	if ((n = qstore_read_small(qstore_area_fd(q, SPOOL_AREA_QUEUE), name,
	    buf, QSTORE_FLAT_FILE_MAX)) == -1) {
		free(buf);
		if (errno == ENOENT)
			return 0;
		(void)snprintf(err, errsz, "read %s: %s", name,
		    strerror(errno));
		return -1;
	}
	f->evps = xcalloc(QSTORE_FLAT_MAX, sizeof(*f->evps));
	if (qstore_flat_decode(buf, (size_t)n, msgid, f, err, errsz) == -1) {
		free(buf);
		free(f->evps);
		f->evps = NULL;
		return -1;
	}
	free(buf);
	return 1;
}

/*
 * qstore_flat_write - make f the envelopes of flat message msgid:
 * <msgid>.t written and fdatasync'd, renamed over <msgid>.e
 */
int
qstore_flat_write(struct qstore *q, uint32_t msgid,
    const struct qstore_flat *f, char *err, size_t errsz)
{
	char	tmp[QSTORE_FLAT_NAME_LEN + 1], name[QSTORE_FLAT_NAME_LEN + 1];
	char	*buf;
	ssize_t	len;
	int	qu = qstore_area_fd(q, SPOOL_AREA_QUEUE), r;

	if ((len = qstore_flat_encode(f->evps, f->n, &buf, err, errsz)) == -1)
		return -1;
	qstore_flat_name(msgid, QSTORE_FLAT_TMP, tmp);
	qstore_flat_name(msgid, QSTORE_FLAT_ENVELOPES, name);
	(void)unlinkat(qu, tmp, 0);
	r = qstore_write_file(qu, tmp, buf, (size_t)len, err, errsz);
	free(buf);
	if (r == -1)
		return -1;
	qstore_count_sync(q, 0);
	if (renameat(qu, tmp, qu, name) == -1) {
		(void)snprintf(err, errsz, "rename %s: %s", name,
		    strerror(errno));
		(void)unlinkat(qu, tmp, 0);
		return -1;
	}
	return 0;
}

/*
 * qstore_flat_get - the envelopes of evpid's flat message into f (the
 * caller frees f->evps when 1) and evpid's index in *at; -1 / 0 (no
 * such flat message or envelope) / 1
 */
static int
qstore_flat_get(struct qstore *q, uint64_t evpid, struct qstore_flat *f,
    size_t *at, char *err, size_t errsz)
{
	int	r;

	if ((r = qstore_flat_read(q, envelope_msgid(evpid), f, err,
	    errsz)) != 1)
		return r;
	for (*at = 0; *at < f->n; (*at)++)
		if (f->evps[*at].evpid == evpid)
			return 1;
	free(f->evps);
	f->evps = NULL;
	return 0;
}

/* qstore_flat_load - envelope evpid of a flat message; -1 / 0 / 1 */
int
qstore_flat_load(struct qstore *q, uint64_t evpid, struct envelope *evp,
    char *err, size_t errsz)
{
	struct qstore_flat	f;
	size_t			i;
	int			r;

	if ((r = qstore_flat_get(q, evpid, &f, &i, err, errsz)) != 1)
		return r;
	*evp = f.evps[i];
	free(f.evps);
	return r;
}

/* qstore_flat_update - rewrite one envelope of a flat message; -1/0/1 */
int
qstore_flat_update(struct qstore *q, const struct envelope *evp,
    char *err, size_t errsz)
{
	struct qstore_flat	f;
	size_t			i;
	int			r;

	if ((r = qstore_flat_get(q, evp->evpid, &f, &i, err, errsz)) != 1)
		return r;
	f.evps[i] = *evp;
	if (qstore_flat_write(q, envelope_msgid(evp->evpid), &f, err,
	    errsz) == -1)
		r = -1;
	free(f.evps);
	return r;
}

/* qstore_flat_unlink_msg - remove <msgid>.e, then <msgid>.m (no sync) */
int
qstore_flat_unlink_msg(struct qstore *q, uint32_t msgid, char *err,
    size_t errsz)
{
	char	name[QSTORE_FLAT_NAME_LEN + 1];
	int	qu = qstore_area_fd(q, SPOOL_AREA_QUEUE);

	qstore_flat_name(msgid, QSTORE_FLAT_ENVELOPES, name);
	if (unlinkat(qu, name, 0) == -1 && errno != ENOENT) {
		(void)snprintf(err, errsz, "unlink %s: %s", name,
		    strerror(errno));
		return -1;
	}
	qstore_flat_name(msgid, QSTORE_FLAT_MESSAGE, name);
	if (unlinkat(qu, name, 0) == -1 && errno != ENOENT) {
		(void)snprintf(err, errsz, "unlink %s: %s", name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * qstore_flat_remove - remove one envelope of a flat message, the
 * message with its last; -1 / 0 (not there) / 1 (the set is left) / 2
 * (the message went too)
 */
int
qstore_flat_remove(struct qstore *q, uint64_t evpid, char *err,
    size_t errsz)
{
	struct qstore_flat	f;
	size_t			i;
	int			r;

	if ((r = qstore_flat_get(q, evpid, &f, &i, err, errsz)) != 1)
		return r;
	if (f.n == 1)
		r = qstore_flat_unlink_msg(q, envelope_msgid(evpid), err,
		    errsz) == -1 ? -1 : 2;
	else {
		f.evps[i] = f.evps[f.n - 1];
		f.n--;
		if (qstore_flat_write(q, envelope_msgid(evpid), &f, err,
		    errsz) == -1)
			r = -1;
	}
	free(f.evps);
	return r;
}
