/*
 * parent_spool.c - the root parent prepares the spool at start without
 * ever resolving a path inside a directory an unprivileged account can
 * write.
 *
 * The spool as it leaves it (owners in privileged mode):
 *
 *	SPOOL/			root 0755	the queue's root
 *	SPOOL/version		root 0644	written here when missing
 *	SPOOL/empty/		root 0555	the listener's and relay's root
 *	SPOOL/run/		root 0755	pid file, control and enqueue
 *						sockets
 *	SPOOL/incoming/ queue/ quarantine/	_posthornq 0700
 *	SPOOL/offline/		_posthornq 01777
 *
 * The directories on the way to the spool are opened from / one by one
 * with O_NOFOLLOW and must be root's and writable by no one else (sticky
 * directories aside).  Everything inside the spool is reached with *at()
 * calls from the spool's descriptor, never following a link, and owners
 * and modes are set with fchown/fchmod on descriptors.  The spool is made
 * root's before anything in it is touched: from then on a compromised
 * queue can no longer add, rename or remove an entry at its top.
 *
 * Repairs are logged as event=spool-repair: an entry of root's that is
 * not a directory (a planted link) is unlinked, not followed, and made
 * again; directories get their owner and mode back; what run/ holds from
 * an earlier start is unlinked.  A spool of the older layout (owned by
 * _posthornq, pid file and sockets at its top) is taken over the same
 * way (event=spool-migrate).  What cannot be repaired safely stops the
 * start with event=spool-refused: a queue area that is not a directory,
 * a non-empty empty/, a directory on the way that others may write.
 *
 * In development mode every owner is the developer and the directories
 * on the way are not checked.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parent.h"
#include "proc.h"
#include "spool.h"
#include "unixsock.h"

#define PARENT_SPOOL_MODE	0755
#define PARENT_EMPTY_MODE	0555
#define PARENT_RUN_MODE		0755
#define PARENT_FILE_MODE	0644

#define PARENT_DIR_OPEN		(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* what the older layout kept at the top of the spool */
static const char *const parent_spool_legacy_names[] = {
	SPOOL_PIDFILE, SPOOL_CONTROL_SOCK, SPOOL_ENQUEUE_SOCK
};

/* parent_spool_refuse - err = path=... reason="...", and -1 */
static int __attribute__((format(printf, 5, 6)))
parent_spool_refuse(char *err, size_t errsz, const char *dir,
    const char *name, const char *fmt, ...)
{
	char	why[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, errsz, "path=%s%s%s reason=\"%s\"", dir,
	    name ? "/" : "", name ? name : "", why);
	return -1;
}

/* parent_spool_what - a file type in words, for logs */
static const char *
parent_spool_what(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a special file";
}

/* parent_spool_ids - who owns what: root and _posthornq, or the developer */
static int
parent_spool_ids(struct parent_spool *ps, char *err, size_t errsz)
{
	struct passwd	*pw;

	if (proc_devmode()) {
		ps->root_uid = ps->queue_uid = geteuid();
		ps->root_gid = ps->queue_gid = (gid_t)-1;
		return 0;
	}
	if ((pw = getpwnam(POSTHORN_QUEUE_USER)) == NULL)
		return snprintf(err, errsz, "path=%s reason=\"unknown account "
		    "%s\"", ps->path, POSTHORN_QUEUE_USER), -1;
	ps->root_uid = 0;
	ps->root_gid = 0;
	ps->queue_uid = pw->pw_uid;
	ps->queue_gid = pw->pw_gid;
	return 0;
}

/* parent_spool_above_ok - a directory on the way: root's, no one else's */
static int
parent_spool_above_ok(int fd, const char *path, char *err, size_t errsz)
{
	struct stat	sb;

	if (fstat(fd, &sb) == -1)
		return parent_spool_refuse(err, errsz, path, NULL, "%s",
		    strerror(errno));
	if (sb.st_uid != 0)
		return parent_spool_refuse(err, errsz, path, NULL, "a "
		    "directory on the way to the spool owned by uid %lu, "
		    "not root", (unsigned long)sb.st_uid);
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX))
		return parent_spool_refuse(err, errsz, path, NULL, "a "
		    "directory on the way to the spool that others may write");
	return 0;
}

/* parent_spool_walk_fail - why comp in dirfd could not be entered */
static int
parent_spool_walk_fail(int dirfd, const char *comp, const char *path,
    char *err, size_t errsz)
{
	struct stat	sb;
	int		saved = errno;

	if (fstatat(dirfd, comp, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(sb.st_mode))
		return parent_spool_refuse(err, errsz, path, NULL, "a symbolic "
		    "link; name the real directory in queue path");
	return parent_spool_refuse(err, errsz, path, NULL, "%s",
	    strerror(saved));
}

/*
 * parent_spool_walk - the directory holding the spool, dir: privileged,
 * each component from / opened without following links and checked
 */
static int
parent_spool_walk(const char *dir, char *err, size_t errsz)
{
	char	copy[PATH_MAX_CFG], sofar[PATH_MAX_CFG] = "";
	char	*comp, *save;
	int	fd, next;

	strlcpy(copy, dir, sizeof(copy));
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return parent_spool_refuse(err, errsz, "/", NULL, "%s",
		    strerror(errno));
	if (parent_spool_above_ok(fd, "/", err, errsz) == -1)
		goto fail;
	for (comp = strtok_r(copy, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		strlcat(sofar, "/", sizeof(sofar));
		strlcat(sofar, comp, sizeof(sofar));
		if ((next = openat(fd, comp, PARENT_DIR_OPEN)) == -1) {
			parent_spool_walk_fail(fd, comp, sofar, err, errsz);
			goto fail;
		}
		close(fd);
		fd = next;
		if (parent_spool_above_ok(fd, sofar, err, errsz) == -1)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* parent_spool_above - the spool's parent directory; base its name */
static int
parent_spool_above(struct parent_spool *ps, char *base, size_t basesz,
    char *err, size_t errsz)
{
	char	*slash, dir[PATH_MAX_CFG];
	int	 fd;

	slash = strrchr(ps->path, '/');
	if (ps->path[0] != '/' || slash == NULL || slash[1] == '\0')
		return parent_spool_refuse(err, errsz, ps->path, NULL,
		    "not an absolute path to a directory below /");
	strlcpy(base, slash + 1, basesz);
	strlcpy(dir, ps->path, sizeof(dir));
	dir[slash - ps->path] = '\0';
	if (!proc_devmode())
		return parent_spool_walk(dir, err, errsz);
	if ((fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return parent_spool_refuse(err, errsz, dir[0] ? dir : "/",
		    NULL, "%s", strerror(errno));
	return fd;
}

/*
 * parent_spool_own - give the directory at fd its owner (gid -1: any)
 * and its exact mode; a fresh one is not worth a log line
 */
static int
parent_spool_own(const struct parent_spool *ps, int fd, const char *name,
    uid_t uid, gid_t gid, mode_t mode, int fresh, char *err, size_t errsz)
{
	struct stat	sb;

	if (fstat(fd, &sb) == -1)
		return parent_spool_refuse(err, errsz, ps->path, name, "%s",
		    strerror(errno));
	if (sb.st_uid != uid || (gid != (gid_t)-1 && sb.st_gid != gid)) {
		if (fchown(fd, uid, gid) == -1)
			return parent_spool_refuse(err, errsz, ps->path, name,
			    "fchown: %s", strerror(errno));
		if (!fresh)
			log_warnx("parent event=spool-repair path=%s%s%s "
			    "owner=%lu was=%lu", ps->path, name ? "/" : "",
			    name ? name : "", (unsigned long)uid,
			    (unsigned long)sb.st_uid);
	}
	if ((sb.st_mode & 07777) != mode) {
		if (fchmod(fd, mode) == -1)
			return parent_spool_refuse(err, errsz, ps->path, name,
			    "fchmod: %s", strerror(errno));
		if (!fresh)
			log_warnx("parent event=spool-repair path=%s%s%s "
			    "mode=%04o was=%04o", ps->path, name ? "/" : "",
			    name ? name : "", (unsigned)mode,
			    (unsigned)(sb.st_mode & 07777));
	}
	return 0;
}

/*
 * parent_spool_top - create or open the spool and make it root's first
 * of all; one of the older layout (the queue's) is taken over.  A spool
 * made here has its name synced in the directory above: the queue syncs
 * what is inside, and without this a power loss could take the whole
 * spool, and every message answered 250 in it, along with its name.
 */
static int
parent_spool_top(struct parent_spool *ps, int above, const char *base,
    char *err, size_t errsz)
{
	struct stat	sb;
	int		fresh = 0;

	if (mkdirat(above, base, PARENT_SPOOL_MODE) == 0) {
		fresh = 1;
		if (fsync(above) == -1)
			return parent_spool_refuse(err, errsz, ps->path, NULL,
			    "fsync of the directory above: %s",
			    strerror(errno));
	} else if (errno != EEXIST)
		return parent_spool_refuse(err, errsz, ps->path, NULL,
		    "mkdir: %s", strerror(errno));
	if ((ps->fd = openat(above, base, PARENT_DIR_OPEN)) == -1)
		return parent_spool_walk_fail(above, base, ps->path, err,
		    errsz);
	if (fstat(ps->fd, &sb) == -1)
		return parent_spool_refuse(err, errsz, ps->path, NULL, "%s",
		    strerror(errno));
	if (sb.st_uid != ps->root_uid && sb.st_uid != ps->queue_uid)
		return parent_spool_refuse(err, errsz, ps->path, NULL,
		    "owned by uid %lu, neither root nor %s",
		    (unsigned long)sb.st_uid, POSTHORN_QUEUE_USER);
	if (sb.st_uid != ps->root_uid)
		log_warnx("parent event=spool-migrate path=%s "
		    "from=\"owned by %s\"", ps->path, POSTHORN_QUEUE_USER);
	return parent_spool_own(ps, ps->fd, NULL, ps->root_uid, ps->root_gid,
	    PARENT_SPOOL_MODE, fresh, err, errsz);
}

/*
 * parent_spool_alive - whether name in the directory at dirfd (path dir)
 * is the control socket of a running instance.  Only a socket that root
 * bound there is tried: connect(2) follows no link of anyone else's.
 */
static int
parent_spool_alive(const struct parent_spool *ps, int dirfd,
    const char *dir, const char *name)
{
	struct stat	sb;
	char		path[PATH_MAX_CFG + 64], err[PATH_MAX_CFG + 128];
	int		fd;

	if (strcmp(name, SPOOL_CONTROL_SOCK) != 0 ||
	    fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISSOCK(sb.st_mode) || sb.st_uid != ps->root_uid)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = unixsock_connect(path, SOCK_SEQPACKET, err,
	    sizeof(err))) == -1)
		return 0;
	close(fd);
	return 1;
}

/*
 * parent_spool_legacy - the older layout's pid file and sockets at the
 * top: unlinked (a link there is removed, never followed)
 */
static int
parent_spool_legacy(struct parent_spool *ps, char *err, size_t errsz)
{
	struct stat	sb;
	const char	*name;
	size_t		 i;

	for (i = 0; i < sizeof(parent_spool_legacy_names) /
	    sizeof(parent_spool_legacy_names[0]); i++) {
		name = parent_spool_legacy_names[i];
		if (fstatat(ps->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    S_ISDIR(sb.st_mode))
			continue;
		if (parent_spool_alive(ps, ps->fd, ps->path, name))
			return parent_spool_refuse(err, errsz, ps->path, name,
			    "another smtpd is running on this spool");
		if (unlinkat(ps->fd, name, 0) == -1)
			return parent_spool_refuse(err, errsz, ps->path, name,
			    "unlink: %s", strerror(errno));
		log_warnx("parent event=spool-migrate path=%s/%s "
		    "removed=\"%s\"", ps->path, name,
		    parent_spool_what(sb.st_mode));
	}
	return 0;
}

/*
 * parent_spool_rootdir - empty/ or run/: a directory of root's.  What
 * is not a directory there is unlinked and the directory made again.
 */
static int
parent_spool_rootdir(struct parent_spool *ps, const char *name, mode_t mode,
    char *err, size_t errsz)
{
	struct stat	sb;
	int		fd, fresh = 0;

	if (fstatat(ps->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(sb.st_mode)) {
		if (unlinkat(ps->fd, name, 0) == -1)
			return parent_spool_refuse(err, errsz, ps->path, name,
			    "unlink: %s", strerror(errno));
		log_warnx("parent event=spool-repair path=%s/%s removed=\"%s\"",
		    ps->path, name, parent_spool_what(sb.st_mode));
	}
	if (mkdirat(ps->fd, name, mode) == 0)
		fresh = 1;
	else if (errno != EEXIST)
		return parent_spool_refuse(err, errsz, ps->path, name,
		    "mkdir: %s", strerror(errno));
	if ((fd = openat(ps->fd, name, PARENT_DIR_OPEN)) == -1)
		return parent_spool_refuse(err, errsz, ps->path, name, "%s",
		    strerror(errno));
	if (parent_spool_own(ps, fd, name, ps->root_uid, ps->root_gid, mode,
	    fresh, err, errsz) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * parent_spool_clean_one - one entry of run/ (root's now): what an
 * earlier start left, or what was planted before the directory was
 * root's, is unlinked; a directory is not the daemon's and stays
 */
static int
parent_spool_clean_one(struct parent_spool *ps, int dirfd, const char *dir,
    const char *name, char *err, size_t errsz)
{
	struct stat	sb;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : parent_spool_refuse(err, errsz,
		    dir, name, "%s", strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return parent_spool_refuse(err, errsz, dir, name, "a directory "
		    "where only the daemon's pid file and sockets belong; "
		    "remove it");
	if (unlinkat(dirfd, name, 0) == -1)
		return parent_spool_refuse(err, errsz, dir, name,
		    "unlink: %s", strerror(errno));
	if (sb.st_uid != ps->root_uid || (strcmp(name, SPOOL_PIDFILE) != 0 &&
	    strcmp(name, SPOOL_CONTROL_SOCK) != 0 &&
	    strcmp(name, SPOOL_ENQUEUE_SOCK) != 0))
		log_warnx("parent event=spool-repair path=%s/%s removed=\"%s\"",
		    dir, name, parent_spool_what(sb.st_mode));
	return 0;
}

/*
 * parent_spool_clean - the entries of empty/ or run/, root's now: the
 * listener's root must hold nothing; run/ is emptied unless another
 * instance still serves its control socket
 */
static int
parent_spool_clean(struct parent_spool *ps, int fd, const char *name,
    char *err, size_t errsz)
{
	char		 dir[PATH_MAX_CFG + 16];
	struct dirent	*de;
	DIR		*d;
	int		 dfd, rv = 0, run = fd == ps->runfd;

	snprintf(dir, sizeof(dir), "%s/%s", ps->path, name);
	if (run && parent_spool_alive(ps, fd, dir, SPOOL_CONTROL_SOCK))
		return parent_spool_refuse(err, errsz, dir, SPOOL_CONTROL_SOCK,
		    "another smtpd is running on this spool");
	if ((dfd = dup(fd)) == -1 || (d = fdopendir(dfd)) == NULL) {
		if (dfd != -1)
			close(dfd);
		return parent_spool_refuse(err, errsz, dir, NULL, "%s",
		    strerror(errno));
	}
	while (rv == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (run)
			rv = parent_spool_clean_one(ps, fd, dir, de->d_name,
			    err, errsz);
		else
			rv = parent_spool_refuse(err, errsz, dir, de->d_name,
			    "the listener's root must be empty; remove it");
	}
	closedir(d);
	return rv;
}

/*
 * parent_spool_area - one of the queue's areas, the queue's.  One that
 * is not a directory is not repaired: its mail may be anywhere.
 */
static int
parent_spool_area(struct parent_spool *ps, const struct spool_dir *a,
    char *err, size_t errsz)
{
	struct stat	sb;
	int		fd, fresh = 0, rv;

	if (fstatat(ps->fd, a->name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(sb.st_mode))
		return parent_spool_refuse(err, errsz, ps->path, a->name,
		    "%s, not a directory: the queue's mail may be elsewhere; "
		    "repair it by hand", parent_spool_what(sb.st_mode));
	if (mkdirat(ps->fd, a->name, a->mode) == 0)
		fresh = 1;
	else if (errno != EEXIST)
		return parent_spool_refuse(err, errsz, ps->path, a->name,
		    "mkdir: %s", strerror(errno));
	if ((fd = openat(ps->fd, a->name, PARENT_DIR_OPEN)) == -1)
		return parent_spool_refuse(err, errsz, ps->path, a->name,
		    "%s", strerror(errno));
	rv = parent_spool_own(ps, fd, a->name, ps->queue_uid, ps->queue_gid,
	    a->mode, fresh, err, errsz);
	close(fd);
	return rv;
}

/* parent_spool_version - the spool's version file, written if missing */
static int
parent_spool_version(struct parent_spool *ps, char *err, size_t errsz)
{
	struct stat	 sb;
	const char	*name = SPOOL_VERSION_FILE;
	size_t		 len = strlen(SPOOL_VERSION_TEXT);
	int		 fd;

	if (fstatat(ps->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISREG(sb.st_mode) ? 0 : parent_spool_refuse(err,
		    errsz, ps->path, name, "%s, not a regular file",
		    parent_spool_what(sb.st_mode));
	if ((fd = openat(ps->fd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, PARENT_FILE_MODE)) == -1)
		return parent_spool_refuse(err, errsz, ps->path, name,
		    "create: %s", strerror(errno));
	if (write(fd, SPOOL_VERSION_TEXT, len) != (ssize_t)len ||
	    fchmod(fd, PARENT_FILE_MODE) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1 || fsync(ps->fd) == -1) {
		(void)unlinkat(ps->fd, name, 0);
		return parent_spool_refuse(err, errsz, ps->path, name,
		    "write: %s", strerror(errno));
	}
	return 0;
}

/*
 * parent_spool_prepare - open, check, migrate and repair the spool at
 * path; ps keeps descriptors of the spool and of run/.  -1 with err
 * ("path=... reason=...") when it cannot be made safe.
 */
int
parent_spool_prepare(struct parent_spool *ps, const char *path, char *err,
    size_t errsz)
{
	char	base[PATH_MAX_CFG];
	int	above, fd, i;

	memset(ps, 0, sizeof(*ps));
	ps->fd = ps->runfd = -1;
	strlcpy(ps->path, path, sizeof(ps->path));
	while (strlen(ps->path) > 1 && ps->path[strlen(ps->path) - 1] == '/')
		ps->path[strlen(ps->path) - 1] = '\0';
	snprintf(ps->run, sizeof(ps->run), "%s/%s", ps->path, SPOOL_RUN_DIR);
	if (parent_spool_ids(ps, err, errsz) == -1 ||
	    (above = parent_spool_above(ps, base, sizeof(base), err,
	    errsz)) == -1)
		return -1;
	i = parent_spool_top(ps, above, base, err, errsz);
	close(above);
	if (i == -1 || parent_spool_legacy(ps, err, errsz) == -1 ||
	    (fd = parent_spool_rootdir(ps, SPOOL_EMPTY_DIR, PARENT_EMPTY_MODE,
	    err, errsz)) == -1)
		return -1;
	i = parent_spool_clean(ps, fd, SPOOL_EMPTY_DIR, err, errsz);
	close(fd);
	if (i == -1 || (ps->runfd = parent_spool_rootdir(ps, SPOOL_RUN_DIR,
	    PARENT_RUN_MODE, err, errsz)) == -1 ||
	    parent_spool_clean(ps, ps->runfd, SPOOL_RUN_DIR, err, errsz) == -1)
		return -1;
	for (i = 0; i <= SPOOL_AREA_OFFLINE; i++)
		if (parent_spool_area(ps, &spool_dirs[i], err, errsz) == -1)
			return -1;
	return parent_spool_version(ps, err, errsz);
}

/* parent_spool_pidfile - write the parent's pid into run/ */
int
parent_spool_pidfile(struct parent_spool *ps, char *err, size_t errsz)
{
	char	buf[32];
	int	fd, len;

	(void)unlinkat(ps->runfd, SPOOL_PIDFILE, 0);
	if ((fd = openat(ps->runfd, SPOOL_PIDFILE, O_WRONLY | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC, PARENT_FILE_MODE)) == -1)
		return parent_spool_refuse(err, errsz, ps->run, SPOOL_PIDFILE,
		    "%s", strerror(errno));
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)len) != len ||
	    fchmod(fd, PARENT_FILE_MODE) == -1 || close(fd) == -1)
		return parent_spool_refuse(err, errsz, ps->run, SPOOL_PIDFILE,
		    "%s", strerror(errno));
	return 0;
}

/* parent_spool_cleanup - at exit: the pid file and sockets go */
void
parent_spool_cleanup(struct parent_spool *ps)
{
	if (ps->runfd == -1)
		return;
	(void)unlinkat(ps->runfd, SPOOL_ENQUEUE_SOCK, 0);
	(void)unlinkat(ps->runfd, SPOOL_CONTROL_SOCK, 0);
	(void)unlinkat(ps->runfd, SPOOL_PIDFILE, 0);
}
