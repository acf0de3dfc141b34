/*
 * eio.c - a test-only LD_PRELOAD library that makes the spool's disk
 * fail: when armed, write, pwrite, writev, fsync, fdatasync, syncfs,
 * rename and renameat on files and directories of the spool's file
 * system fail with EIO.
 *
 * PH_EIO_SPOOL names the spool (a file system of its own in the tests,
 * so its device number tells its files from the others) and PH_EIO_CTL
 * a file of two native ints: the number of such calls to let through
 * first, then the number still to fail (0 disarmed, -1 every call);
 * each call counts one down.  Both are read when a program starts,
 * before smtpd's roles chroot and close their descriptors: the control
 * file stays mapped (MAP_SHARED), so every process sees it change and
 * counts down the same number.  The checks use only fstat and
 * newfstatat, which every role's system call filter allows.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int		*eio_ctl;	/* the mapped control file */
static dev_t		 eio_dev;	/* the spool's file system */
static int		 eio_on;	/* both were found */

static ssize_t	(*eio_real_write)(int, const void *, size_t);
static ssize_t	(*eio_real_pwrite)(int, const void *, size_t, off_t);
static ssize_t	(*eio_real_writev)(int, const struct iovec *, int);
static int	(*eio_real_fsync)(int);
static int	(*eio_real_fdatasync)(int);
static int	(*eio_real_syncfs)(int);
static int	(*eio_real_rename)(const char *, const char *);
static int	(*eio_real_renameat)(int, const char *, int, const char *);

/* eio_init - find the spool's device and map the control file */
__attribute__((constructor)) static void
eio_init(void)
{
	const char	*spool = getenv("PH_EIO_SPOOL");
	const char	*ctl = getenv("PH_EIO_CTL");
	struct stat	 st;
	void		*p;
	int		 fd;

	eio_real_write = dlsym(RTLD_NEXT, "write");
	eio_real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	eio_real_writev = dlsym(RTLD_NEXT, "writev");
	eio_real_fsync = dlsym(RTLD_NEXT, "fsync");
	eio_real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	eio_real_syncfs = dlsym(RTLD_NEXT, "syncfs");
	eio_real_rename = dlsym(RTLD_NEXT, "rename");
	eio_real_renameat = dlsym(RTLD_NEXT, "renameat");
	if (spool == NULL || ctl == NULL || stat(spool, &st) == -1)
		return;
	eio_dev = st.st_dev;
	if ((fd = open(ctl, O_RDWR | O_CLOEXEC)) == -1)
		return;
	p = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return;
	eio_ctl = p;
	eio_on = 1;
}

/* eio_spool - is this a file or directory of the spool's file system */
static int
eio_spool(const struct stat *st)
{
	return st->st_dev == eio_dev &&
	    (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode));
}

/* eio_down - count *v down unless it is 0 or -1; 1 if it was counted */
static int
eio_down(int *v)
{
	int	n;

	do {
		if ((n = __atomic_load_n(v, __ATOMIC_SEQ_CST)) <= 0)
			return n == -1;
	} while (!__atomic_compare_exchange_n(v, &n, n - 1, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return 1;
}

/* eio_take - 1 (and errno EIO) if this call is to fail */
static int
eio_take(void)
{
	if (eio_down(&eio_ctl[0]) || !eio_down(&eio_ctl[1]))
		return 0;
	errno = EIO;
	return 1;
}

/* eio_armed - are failures to come */
static int
eio_armed(void)
{
	return eio_on && __atomic_load_n(&eio_ctl[1], __ATOMIC_SEQ_CST) != 0;
}

/* eio_fd - should a call on this descriptor fail */
static int
eio_fd(int fd)
{
	struct stat	st;

	if (!eio_armed() || fstat(fd, &st) == -1)
		return 0;
	return eio_spool(&st) && eio_take();
}

/* eio_path - should a call on this path fail */
static int
eio_path(int dirfd, const char *path)
{
	struct stat	st;

	if (!eio_armed() ||
	    fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	return eio_spool(&st) && eio_take();
}

/* write - write(2), failing on the spool when armed */
ssize_t
write(int fd, const void *buf, size_t len)
{
	return eio_fd(fd) ? -1 : eio_real_write(fd, buf, len);
}

/* pwrite - pwrite(2), failing on the spool when armed */
ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return eio_fd(fd) ? -1 : eio_real_pwrite(fd, buf, len, off);
}

/* writev - writev(2), failing on the spool when armed */
ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	return eio_fd(fd) ? -1 : eio_real_writev(fd, iov, n);
}

/* fsync - fsync(2), failing on the spool when armed */
int
fsync(int fd)
{
	return eio_fd(fd) ? -1 : eio_real_fsync(fd);
}

/* fdatasync - fdatasync(2), failing on the spool when armed */
int
fdatasync(int fd)
{
	return eio_fd(fd) ? -1 : eio_real_fdatasync(fd);
}

/* syncfs - syncfs(2), failing on the spool when armed */
int
syncfs(int fd)
{
	return eio_fd(fd) ? -1 : eio_real_syncfs(fd);
}

/* rename - rename(2), failing on the spool when armed */
int
rename(const char *from, const char *to)
{
	return eio_path(AT_FDCWD, from) ? -1 : eio_real_rename(from, to);
}

/* renameat - renameat(2), failing on the spool when armed */
int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	return eio_path(fromfd, from) ? -1 :
	    eio_real_renameat(fromfd, from, tofd, to);
}
