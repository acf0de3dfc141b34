/*
 * qstore_walk.c - recovery of the spool at start: every entry of queue/
 * is checked, what a crash interrupted is finished (temp files and
 * interrupted replacements), a message without envelopes is removed,
 * and whatever cannot be loaded (a foreign entry or file, an envelope
 * without its message, an unreadable envelope) is moved to quarantine/.
 * Each envelope that loads is reported to the caller.  The layout is
 * described at the top of qstore.c.
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

/* qstore_walk_quarantine - move queue/<name> as a whole to quarantine/ */
static void
qstore_walk_quarantine(struct qstore *q, const char *name, const char *why)
{
	char	vis[NAME_MAX * 4 + 1], wvis[1024], alt[NAME_MAX + 1];
	int	qu = qstore_area_fd(q, SPOOL_AREA_QUEUE);
	int	qq = qstore_area_fd(q, SPOOL_AREA_QUARANTINE);

	log_warnx("queue event=quarantine file=queue/%s reason=\"%s\"",
	    log_vis(vis, sizeof(vis), name), log_vis(wvis, sizeof(wvis), why));
	if (renameat(qu, name, qq, name) == 0) {
		qstore_count_quarantined(q);
		return;
	}
	(void)snprintf(alt, sizeof(alt), "%.200s.%08x", name, arc4random());
	if (renameat(qu, name, qq, alt) == -1)
		log_warnx("queue event=quarantine-failed file=queue/%s "
		    "step=rename error=\"%s\"", vis, strerror(errno));
	else
		qstore_count_quarantined(q);
}

/* qstore_walk_quarantine_failed - log a failed step of a quarantine */
static void
qstore_walk_quarantine_failed(const char *msg, const char *vis,
    const char *step)
{
	log_warnx("queue event=quarantine-failed file=queue/%s/%s step=%s "
	    "error=\"%s\"", msg, vis, step, strerror(errno));
}

/*
 * qstore_walk_quarantine_file - move one file of queue/<msg>/ (open as
 * dfd) to quarantine/<msg>/, with a link to the message when withmsg is
 * set.
 */
static void
qstore_walk_quarantine_file(struct qstore *q, int dfd, const char *msg,
    const char *file, int withmsg, const char *why)
{
	char	vis[NAME_MAX * 4 + 1], wvis[1024];
	int	qq = qstore_area_fd(q, SPOOL_AREA_QUARANTINE);
	int	qfd;

	log_vis(vis, sizeof(vis), file);
	log_warnx("queue event=quarantine file=queue/%s/%s reason=\"%s\"",
	    msg, vis, log_vis(wvis, sizeof(wvis), why));
	if (mkdirat(qq, msg, 0700) == -1 && errno != EEXIST) {
		qstore_walk_quarantine_failed(msg, vis, "mkdir");
		return;
	}
	if ((qfd = openat(qq, msg, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		qstore_walk_quarantine_failed(msg, vis, "open");
		return;
	}
	if (withmsg && linkat(dfd, QSTORE_MESSAGE, qfd, QSTORE_MESSAGE,
	    0) == -1 && errno != EEXIST)
		qstore_walk_quarantine_failed(msg, vis, "link-message");
	if (renameat(dfd, file, qfd, file) == -1)
		qstore_walk_quarantine_failed(msg, vis, "rename");
	else
		qstore_count_quarantined(q);
	close(qfd);
}

/* qstore_walk_sort - split a message dir: count envelopes, drop the rest */
static size_t
qstore_walk_sort(struct qstore *q, int dfd, const char *msg, uint32_t msgid,
    struct qstore_names *nm)
{
	char	vis[NAME_MAX * 4 + 1];
	size_t	i, nevp = 0;

	for (i = 0; i < nm->n; i++) {
		if (qstore_is_evpid_of(nm->v[i], msgid))
			nevp++;
		else if (strncmp(nm->v[i], QSTORE_TMP_PREFIX,
		    strlen(QSTORE_TMP_PREFIX)) == 0) {
			log_debug("queue event=tmp-removed file=queue/%s/%s",
			    msg, log_vis(vis, sizeof(vis), nm->v[i]));
			(void)unlinkat(dfd, nm->v[i], 0);
		} else if (strcmp(nm->v[i], QSTORE_MESSAGE) != 0)
			qstore_walk_quarantine_file(q, dfd, msg, nm->v[i], 0,
			    "foreign file");
	}
	return nevp;
}

/* qstore_walk_evps - load and report each envelope of one message */
static int
qstore_walk_evps(struct qstore *q, int dfd, const char *msg, uint32_t msgid,
    struct qstore_names *nm, int (*cb)(struct envelope *, void *), void *arg)
{
	struct envelope	 evp;
	char		 err[256];
	uint64_t	 evpid;
	size_t		 i;
	int		 r;

	for (i = 0; i < nm->n; i++) {
		if (!qstore_is_evpid_of(nm->v[i], msgid) ||
		    envelope_id_parse(nm->v[i], &evpid) == -1)
			continue;
		r = qstore_envelope_load(q, evpid, &evp, err, sizeof(err));
		if (r == -1)
			qstore_walk_quarantine_file(q, dfd, msg, nm->v[i], 1,
			    err);
		else if (r == 1 && cb(&evp, arg) == -1)
			return -1;
	}
	return 0;
}

/*
 * qstore_walk_names - the names of queue/<msgid> (open as dfd), read
 * once, and again only after settling interrupted replacements
 */
static int
qstore_walk_names(struct qstore *q, int dfd, uint32_t msgid,
    struct qstore_names *nm)
{
	uint64_t	old, new;
	size_t		i;

	if (qstore_names_read(dfd, ".", nm) == -1)
		return -1;
	for (i = 0; i < nm->n; i++)
		if (qstore_replace_parse(nm->v[i], msgid, &old, &new))
			break;
	if (i == nm->n)
		return 0;
	qstore_names_free(nm);
	qstore_replace_recover(q, dfd, msgid);
	return qstore_names_read(dfd, ".", nm);
}

/* qstore_walk_msg - recover one queue/<msg> entry and report it */
static int
qstore_walk_msg(struct qstore *q, const char *msg,
    int (*cb)(struct envelope *, void *), void *arg)
{
	struct qstore_names	nm;
	struct stat		sb;
	char			err[256];
	uint32_t		msgid;
	size_t			nevp;
	int			dfd, r = 0;

	if (envelope_msgid_parse(msg, &msgid) == -1) {
		qstore_walk_quarantine(q, msg, "not a message id");
		return 0;
	}
	if ((dfd = qstore_msg_dir(q, msgid)) == -1) {
		qstore_walk_quarantine(q, msg, strerror(errno));
		return 0;
	}
	if (qstore_walk_names(q, dfd, msgid, &nm) == -1) {
		log_warnx("queue event=read-failed dir=queue/%s error=\"%s\"",
		    msg, strerror(errno));
		close(dfd);
		return 0;
	}
	nevp = qstore_walk_sort(q, dfd, msg, msgid, &nm);
	if (nevp == 0) {
		log_info("queue event=message-removed msgid=%s "
		    "reason=\"no envelope left\"", msg);
		if (qstore_msg_remove(q, dfd, msgid, err, sizeof(err)) == -1)
			log_warnx("queue event=remove-failed msgid=%s "
			    "error=\"%s\"", msg, err);
	} else if (fstatat(dfd, QSTORE_MESSAGE, &sb,
	    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(sb.st_mode)) {
		close(dfd);
		dfd = -1;
		qstore_walk_quarantine(q, msg, "message file missing");
	} else
		r = qstore_walk_evps(q, dfd, msg, msgid, &nm, cb, arg);
	qstore_names_free(&nm);
	if (dfd != -1)
		close(dfd);
	return r;
}

/* qstore_walk_flat_exists - whether queue/<msgid><suffix> exists */
static int
qstore_walk_flat_exists(struct qstore *q, uint32_t msgid, const char *suffix)
{
	char		name[QSTORE_FLAT_NAME_LEN + 1];
	struct stat	sb;

	qstore_flat_name(msgid, suffix, name);
	return fstatat(qstore_area_fd(q, SPOOL_AREA_QUEUE), name, &sb,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode);
}

/* qstore_walk_flat_evps - load and report the envelopes of a flat message */
static int
qstore_walk_flat_evps(struct qstore *q, const char *name, uint32_t msgid,
    int (*cb)(struct envelope *, void *), void *arg)
{
	struct qstore_flat	f;
	char			err[256], m[QSTORE_FLAT_NAME_LEN + 1];
	size_t			i;
	int			r = 0;

	if (!qstore_walk_flat_exists(q, msgid, QSTORE_FLAT_MESSAGE)) {
		qstore_walk_quarantine(q, name, "message file missing");
		return 0;
	}
	if (qstore_flat_read(q, msgid, &f, err, sizeof(err)) != 1) {
		qstore_walk_quarantine(q, name, err);
		qstore_flat_name(msgid, QSTORE_FLAT_MESSAGE, m);
		qstore_walk_quarantine(q, m, err);
		return 0;
	}
	for (i = 0; i < f.n && r == 0; i++)
		r = cb(&f.evps[i], arg);
	free(f.evps);
	return r;
}

/*
 * qstore_walk_flat - recover one flat entry of queue/ and report it:
 * a temp file is unlinked, a message without envelope file removed
 */
static int
qstore_walk_flat(struct qstore *q, const char *name, uint32_t msgid,
    char suffix, int (*cb)(struct envelope *, void *), void *arg)
{
	char	err[256];
	int	qu = qstore_area_fd(q, SPOOL_AREA_QUEUE);

	switch (suffix) {
	case 't':
		log_debug("queue event=tmp-removed file=queue/%s", name);
		(void)unlinkat(qu, name, 0);
		return 0;
	case 'm':
		if (qstore_walk_flat_exists(q, msgid, QSTORE_FLAT_ENVELOPES) ||
		    !qstore_walk_flat_exists(q, msgid, QSTORE_FLAT_MESSAGE))
			return 0;
		log_info("queue event=message-removed msgid=%.*s "
		    "reason=\"no envelope left\"", ENVELOPE_MSGID_STRLEN, name);
		if (qstore_flat_unlink_msg(q, msgid, err, sizeof(err)) == -1)
			log_warnx("queue event=remove-failed file=queue/%s "
			    "error=\"%s\"", name, err);
		return 0;
	default:
		return qstore_walk_flat_evps(q, name, msgid, cb, arg);
	}
}

/* qstore_walk_entry - recover one entry of queue/, either form */
static int
qstore_walk_entry(struct qstore *q, const char *name,
    int (*cb)(struct envelope *, void *), void *arg)
{
	uint32_t	msgid;
	char		suffix;

	if (qstore_flat_parse_name(name, &msgid, &suffix) == 0)
		return qstore_walk_flat(q, name, msgid, suffix, cb, arg);
	return qstore_walk_msg(q, name, cb, arg);
}

/*
 * qstore_walk - at start: report every committed envelope to cb,
 * finishing interrupted updates and removals and quarantining what
 * cannot be read.  cb returns 0 to go on, -1 to stop (then -1 here).
 */
int
qstore_walk(struct qstore *q, int (*cb)(struct envelope *, void *), void *arg)
{
	struct qstore_names	nm;
	size_t			i;
	int			r = 0;

	if (qstore_names_read(qstore_area_fd(q, SPOOL_AREA_QUEUE), ".",
	    &nm) == -1) {
		log_warnx("queue event=read-failed dir=queue error=\"%s\"",
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < nm.n && r == 0; i++)
		r = qstore_walk_entry(q, nm.v[i], cb, arg);
	qstore_names_free(&nm);
	return r;
}
