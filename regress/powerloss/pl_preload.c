/*
 * pl_preload.c - the power-loss interposer, loaded with LD_PRELOAD into
 * every process of a run (POWERLOSS_STORE names the store, pl_store.h).
 *
 * The model (conservative POSIX): a file's content survives a power cut
 * only as of its last fsync/fdatasync; a directory's entries (creates,
 * renames, links, unlinks, mkdir) only as of its last fsync; syncfs(fd)
 * is taken as a sync of everything below the directory fd (the part of
 * the file system the caller sees; less than the kernel does, never
 * more).  Each successful sync records what it made durable; the
 * rebuild (pl_rebuild.c) makes "the disk after the cut" from that alone.
 * A file's or directory's record is taken just before its sync, so no
 * change made by another process while the sync runs counts as synced.
 *
 * The cut: the control page counts sync calls across the run; at the
 * limit-th one, or once a test sets frozen, every sync blocks without
 * being made or recorded, and the test kills the processes.
 *
 * What it takes to work inside smtpd: the store is opened in the
 * constructor, before a role chroots, at descriptor PL_FD, which close,
 * closefrom and close_range leave open; the control page is a shared
 * mapping, which needs no descriptor.  Write-only opens of regular files
 * are made read-write, so that a sync can read what it makes durable.
 * A new file or directory gets a new incarnation of its inode
 * (pl_store.h).  Every
 * call made here is one the syncing role's system call filter allows.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pl_store.h"

int	pl_preload_attach(const char *dir);

static struct pl_ctl	*pl_ctl;
static int		 pl_store = -1;

/* pl_preload_next - the next definition of sym (the C library's) */
static void *
pl_preload_next(const char *sym)
{
	void	*p;

	if ((p = dlsym(RTLD_NEXT, sym)) == NULL) {
		(void)fprintf(stderr, "powerloss: no %s\n", sym);
		_exit(126);
	}
	return p;
}

/* pl_preload_attach - use the store at dir; 0 or -1 */
int
pl_preload_attach(const char *dir)
{
	int	fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fd != PL_FD) {
		if (dup3(fd, PL_FD, O_CLOEXEC) == -1) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	if ((pl_ctl = pl_store_map(PL_FD)) == NULL)
		return -1;
	pl_store = PL_FD;
	return 0;
}

/* pl_preload_init - attach to $POWERLOSS_STORE, or die saying why */
__attribute__((constructor)) static void
pl_preload_init(void)
{
	const char	*dir = getenv("POWERLOSS_STORE");

	if (dir == NULL || *dir == '\0')
		return;
	if (pl_preload_attach(dir) == -1) {
		(void)fprintf(stderr, "powerloss: store %s: %s\n", dir,
		    strerror(errno));
		_exit(126);
	}
}

/* pl_preload_gate - count a sync; block for ever once the power is off */
static void
pl_preload_gate(void)
{
	uint32_t	n;

	if (!__atomic_load_n(&pl_ctl->frozen, __ATOMIC_SEQ_CST)) {
		n = __atomic_add_fetch(&pl_ctl->count, 1, __ATOMIC_SEQ_CST);
		if (pl_ctl->limit == 0 || n < pl_ctl->limit)
			return;
		__atomic_store_n(&pl_ctl->frozen, 1, __ATOMIC_SEQ_CST);
		(void)syscall(SYS_futex, &pl_ctl->frozen, FUTEX_WAKE, INT_MAX,
		    NULL, NULL, 0);
	}
	for (;;)
		(void)syscall(SYS_futex, &pl_ctl->frozen, FUTEX_WAIT, 1, NULL,
		    NULL, 0);
}

/*
 * pl_preload_sync - the gate, then the real sync; what a file or
 * directory sync makes durable is taken just before it and kept if it
 * succeeds; a syncfs's tree is recorded after it
 */
static int
pl_preload_sync(int fd, int (*real)(int), int tree, const char *what)
{
	struct pl_store_rec	rec;
	int			r, snap = 0, saved;

	if (pl_store == -1)
		return real(fd);
	pl_preload_gate();
	if (!tree && (snap = pl_store_snap(pl_store, fd, &rec)) == -1)
		pl_store_error(pl_store, what, errno);
	r = real(fd);
	saved = errno;
	if (snap == 1 && pl_store_keep(pl_store, &rec, r == 0) == -1)
		pl_store_error(pl_store, what, errno);
	if (tree && r == 0 && pl_store_record_tree(pl_store, fd) == -1)
		pl_store_error(pl_store, what, errno);
	errno = saved;
	return r;
}

/* fsync - a durable file or directory, recorded */
int
fsync(int fd)
{
	static int	(*real)(int);

	if (real == NULL)
		real = pl_preload_next("fsync");
	return pl_preload_sync(fd, real, 0, "fsync");
}

/* fdatasync - a durable file content, recorded */
int
fdatasync(int fd)
{
	static int	(*real)(int);

	if (real == NULL)
		real = pl_preload_next("fdatasync");
	return pl_preload_sync(fd, real, 0, "fdatasync");
}

/* syncfs - everything below the directory fd durable, recorded */
int
syncfs(int fd)
{
	static int	(*real)(int);

	if (real == NULL)
		real = pl_preload_next("syncfs");
	return pl_preload_sync(fd, real, 1, "syncfs");
}

/* pl_preload_forget - a create at (at, path) made fd or a directory */
static void
pl_preload_forget(int at, const char *path, int fd)
{
	struct stat	sb;

	if (pl_store == -1)
		return;
	if ((fd != -1 ? fstat(fd, &sb) :
	    fstatat(at, path, &sb, AT_SYMLINK_NOFOLLOW)) == 0)
		pl_store_born(pl_store, pl_ctl, sb.st_dev, sb.st_ino);
}

/* pl_preload_openat - open with the model's adjustments */
static int
pl_preload_openat(int at, const char *path, int flags, mode_t mode)
{
	static int	(*real)(int, const char *, int, ...);
	struct stat	sb;
	int		fd, fresh, reg, rw;

	if (real == NULL)
		real = pl_preload_next("openat");
	if (pl_store == -1 || at == pl_store)
		return real(at, path, flags, mode);
	if (fstatat(at, path, &sb, 0) == -1) {
		fresh = (flags & O_CREAT) != 0;
		reg = fresh && !(flags & __O_TMPFILE);
	} else {
		fresh = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
		reg = S_ISREG(sb.st_mode);
	}
	rw = (flags & O_ACCMODE) == O_WRONLY && reg;
	fd = real(at, path, rw ? (flags & ~O_ACCMODE) | O_RDWR : flags, mode);
	if (fd == -1 && rw && (errno == EACCES || errno == EISDIR))
		fd = real(at, path, flags, mode);
	if (fd != -1 && fresh)
		pl_preload_forget(at, path, fd);
	return fd;
}

/* openat - see pl_preload_openat */
int
openat(int at, const char *path, int flags, ...)
{
	va_list	ap;
	mode_t	mode = 0;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return pl_preload_openat(at, path, flags, mode);
}

/* open - see pl_preload_openat */
int
open(const char *path, int flags, ...)
{
	va_list	ap;
	mode_t	mode = 0;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return pl_preload_openat(AT_FDCWD, path, flags, mode);
}

/* mkdirat - a new directory has no record yet */
int
mkdirat(int at, const char *path, mode_t mode)
{
	static int	(*real)(int, const char *, mode_t);
	int		r;

	if (real == NULL)
		real = pl_preload_next("mkdirat");
	if ((r = real(at, path, mode)) == 0)
		pl_preload_forget(at, path, -1);
	return r;
}

/* mkdir - a new directory has no record yet */
int
mkdir(const char *path, mode_t mode)
{
	return mkdirat(AT_FDCWD, path, mode);
}

/* close - the store's descriptor stays open */
int
close(int fd)
{
	static int	(*real)(int);

	if (real == NULL)
		real = pl_preload_next("close");
	if (pl_store != -1 && fd == pl_store)
		return 0;
	return real(fd);
}

/* close_range - every descriptor of the range but the store's */
int
close_range(unsigned int lo, unsigned int hi, int flags)
{
	unsigned int	s = (unsigned int)pl_store;

	if (pl_store == -1 || s < lo || s > hi)
		return (int)syscall(SYS_close_range, lo, hi, flags);
	if (s > lo && syscall(SYS_close_range, lo, s - 1, flags) == -1)
		return -1;
	if (s < hi)
		return (int)syscall(SYS_close_range, s + 1, hi, flags);
	return 0;
}

/* closefrom - every descriptor from lo on but the store's */
void
closefrom(int lo)
{
	(void)close_range((unsigned int)lo, ~0U, 0);
}
