/*
 * pl_store.c - recording what a sync made durable (the format is in
 * pl_store.h).  Used inside posthorn's processes by the interposer, so
 * it makes only the calls every syncing role may make: openat, read,
 * pread, write, fstat, fstatat, getdents64, renameat, unlinkat, close
 * (the queue's system call filter allows each of them).
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pl_store.h"

#define PL_STORE_CHUNK	65536

static unsigned	pl_store_seq;

/* pl_store_name - "i.<dev>.<ino>", or "f|d.<dev>.<ino>.<inc>" */
static void
pl_store_name(int store, char *buf, size_t sz, char kind, dev_t dev,
    ino_t ino)
{
	if (kind == 'i')
		(void)snprintf(buf, sz, "i.%llu.%llu", (unsigned long long)dev,
		    (unsigned long long)ino);
	else
		(void)snprintf(buf, sz, "%c.%llu.%llu.%u", kind,
		    (unsigned long long)dev, (unsigned long long)ino,
		    pl_store_inc(store, dev, ino));
}

/* pl_store_inc - the incarnation of (dev, ino): 0 if born before the run */
unsigned
pl_store_inc(int store, dev_t dev, ino_t ino)
{
	char	name[64], buf[16];
	ssize_t	n;
	int	fd;

	(void)snprintf(name, sizeof(name), "i.%llu.%llu",
	    (unsigned long long)dev, (unsigned long long)ino);
	if ((fd = openat(store, name, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (unsigned)strtoul(buf, NULL, 10);
}

/* pl_store_tmp - create a fresh temporary record; fd or -1 */
static int
pl_store_tmp(int store, char *tmp, size_t sz)
{
	(void)snprintf(tmp, sz, ".t.%ld.%u", (long)getpid(), pl_store_seq++);
	return openat(store, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666);
}

/* pl_store_end - close a temporary record; unlink it unless ok */
static int
pl_store_end(int store, int fd, const struct pl_store_rec *rec, int ok)
{
	if (close(fd) == -1)
		ok = 0;
	if (ok)
		return 0;
	(void)unlinkat(store, rec->tmp, 0);
	return -1;
}

/* pl_store_writeall - write len bytes of buf to fd */
static int
pl_store_writeall(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* pl_store_copy - copy the whole content of fd (from offset 0) to out */
static int
pl_store_copy(int fd, int out)
{
	char	*buf;
	off_t	 off = 0;
	ssize_t	 n;
	int	 r = -1;

	if ((buf = malloc(PL_STORE_CHUNK)) == NULL)
		return -1;
	for (;;) {
		n = pread(fd, buf, PL_STORE_CHUNK, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n == 0 ? 0 : -1;
			break;
		}
		if (pl_store_writeall(out, buf, (size_t)n) == -1)
			break;
		off += n;
	}
	free(buf);
	return r;
}

/* pl_store_file - take the content of the regular file fd into rec */
static int
pl_store_file(int store, int fd, const struct stat *sb,
    struct pl_store_rec *rec)
{
	int	out, ok;

	pl_store_name(store, rec->final, sizeof(rec->final), 'f', sb->st_dev,
	    sb->st_ino);
	if ((out = pl_store_tmp(store, rec->tmp, sizeof(rec->tmp))) == -1)
		return -1;
	ok = pl_store_copy(fd, out) == 0;
	return pl_store_end(store, out, rec, ok);
}

/* pl_store_entry - one listing line for name in the directory dfd */
static int
pl_store_entry(int store, int dfd, const char *name, int out)
{
	char		line[512];
	struct stat	sb;
	int		len;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (strchr(name, '\n') != NULL) {
		errno = EINVAL;
		return -1;
	}
	len = snprintf(line, sizeof(line), "%llu %llu %u %o %u %u %s\n",
	    (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino,
	    pl_store_inc(store, sb.st_dev, sb.st_ino), (unsigned)sb.st_mode,
	    (unsigned)sb.st_uid, (unsigned)sb.st_gid, name);
	if (len < 0 || (size_t)len >= sizeof(line)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return pl_store_writeall(out, line, (size_t)len);
}

/* pl_store_dir - take the entries of the directory fd into rec */
static int
pl_store_dir(int store, int fd, const struct stat *sb,
    struct pl_store_rec *rec)
{
	struct dirent	*de;
	DIR		*d;
	int		 dfd, out, ok = 1;

	pl_store_name(store, rec->final, sizeof(rec->final), 'd', sb->st_dev,
	    sb->st_ino);
	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return -1;
	}
	if ((out = pl_store_tmp(store, rec->tmp, sizeof(rec->tmp))) == -1) {
		closedir(d);
		return -1;
	}
	while (ok && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		ok = pl_store_entry(store, dirfd(d), de->d_name, out) == 0;
	}
	closedir(d);
	return pl_store_end(store, out, rec, ok);
}

/*
 * pl_store_snap - take what a sync of fd is about to make durable into
 * a temporary record: 1 taken, 0 nothing to record (not a file or a
 * directory), -1 error.  Taken before the sync, it holds no change
 * made while the sync runs.
 */
int
pl_store_snap(int store, int fd, struct pl_store_rec *rec)
{
	struct stat	sb;

	if (fstat(fd, &sb) == -1)
		return -1;
	if (S_ISREG(sb.st_mode))
		return pl_store_file(store, fd, &sb, rec) == -1 ? -1 : 1;
	if (S_ISDIR(sb.st_mode))
		return pl_store_dir(store, fd, &sb, rec) == -1 ? -1 : 1;
	return 0;
}

/* pl_store_keep - the sync succeeded (ok): the record replaces the last */
int
pl_store_keep(int store, const struct pl_store_rec *rec, int ok)
{
	if (ok && renameat(store, rec->tmp, store, rec->final) == 0)
		return 0;
	(void)unlinkat(store, rec->tmp, 0);
	return ok ? -1 : 0;
}

/* pl_store_record - record fd as durable now */
int
pl_store_record(int store, int fd)
{
	struct pl_store_rec	rec;
	int			r;

	if ((r = pl_store_snap(store, fd, &rec)) <= 0)
		return r;
	return pl_store_keep(store, &rec, 1);
}

/*
 * pl_store_record_tree - record the directory fd and everything below
 * it (syncfs, and the test's baseline).  A file this process may not
 * open keeps its earlier record: it is left out, not emptied.
 */
int
pl_store_record_tree(int store, int fd)
{
	struct dirent	*de;
	DIR		*d;
	int		 dfd, sub, r = 0;

	if (pl_store_record(store, fd) == -1)
		return -1;
	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return errno == ENOTDIR ? 0 : -1;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return -1;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
		if (sub == -1)
			continue;
		r = pl_store_record_tree(store, sub);
		close(sub);
	}
	closedir(d);
	return r;
}

/* pl_store_born - a new file or directory took (dev, ino): a new incarnation */
void
pl_store_born(int store, struct pl_ctl *ctl, dev_t dev, ino_t ino)
{
	struct pl_store_rec	rec;
	char			buf[16];
	int			fd, len;

	pl_store_name(store, rec.final, sizeof(rec.final), 'i', dev, ino);
	len = snprintf(buf, sizeof(buf), "%u",
	    __atomic_add_fetch(&ctl->births, 1, __ATOMIC_SEQ_CST));
	if ((fd = pl_store_tmp(store, rec.tmp, sizeof(rec.tmp))) == -1)
		return;
	if (pl_store_end(store, fd, &rec,
	    pl_store_writeall(fd, buf, (size_t)len) == 0) == 0)
		(void)pl_store_keep(store, &rec, 1);
}

/* pl_store_error - note in the store that a sync went unrecorded */
void
pl_store_error(int store, const char *what, int err)
{
	char	line[256];
	int	fd, len;

	len = snprintf(line, sizeof(line), "pid %ld: %s: %s\n",
	    (long)getpid(), what, strerror(err));
	if (len < 0 || (fd = openat(store, "error", O_WRONLY | O_CREAT |
	    O_APPEND | O_CLOEXEC, 0666)) == -1)
		return;
	(void)pl_store_writeall(fd, line, (size_t)len < sizeof(line) ?
	    (size_t)len : sizeof(line) - 1);
	close(fd);
}

/* pl_store_init - create the store dir with its control page */
int
pl_store_init(const char *dir, uint32_t limit)
{
	struct pl_ctl	ctl;
	int		fd, r;

	if (mkdir(dir, 0777) == -1 || chmod(dir, 0777) == -1)
		return -1;
	memset(&ctl, 0, sizeof(ctl));
	ctl.magic = PL_CTL_MAGIC;
	ctl.limit = limit;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = openat(fd, "ctl", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	close(fd);
	if (r == -1)
		return -1;
	fd = r;
	r = fchmod(fd, 0666) == -1 || ftruncate(fd, 4096) == -1 ||
	    pwrite(fd, &ctl, sizeof(ctl), 0) != (ssize_t)sizeof(ctl) ? -1 : 0;
	close(fd);
	return r;
}

/* pl_store_map - map the store's control page shared; NULL on error */
struct pl_ctl *
pl_store_map(int store)
{
	struct pl_ctl	*ctl;
	int		 fd;

	if ((fd = openat(store, "ctl", O_RDWR | O_CLOEXEC)) == -1)
		return NULL;
	ctl = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (ctl == MAP_FAILED || ctl->magic != PL_CTL_MAGIC)
		return NULL;
	return ctl;
}
