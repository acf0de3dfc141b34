/*
 * local_mbox.c - delivery by appending to an mbox file (mboxrd).
 *
 * Each message is "From SENDER DATE\n", the Return-Path/Delivered-To
 * prefix, the message with every line matching /^>*From / quoted by one
 * more '>', a newline if the message lacks a final one, and an empty line.
 *
 * Locking: an fcntl write lock on the whole file, then a dot-lock PATH.lock
 * (O_EXCL, stale after LOCAL_MBOX_LOCK_STALE seconds); both are retried
 * for at most LOCAL_MBOX_LOCK_WAIT seconds altogether.
 *
 * Assumption about the spool directory: the file is created 0600 when
 * missing, which needs write access to its directory.  /var/mail is
 * normally group "mail" and not writable by users, so the caller either
 * pre-creates /var/mail/USER owned by the user (as OpenSMTPD's privileged
 * helper does) or runs the delivery with the spool's group.  Without write
 * access to the directory a missing file is a temporary failure, and an
 * existing file is locked by fcntl alone (no dot-lock can be made).
 *
 * The file must be a regular file with one link, owned by the delivering
 * user and not world-writable.  On any failure the file is truncated back
 * to its length before the delivery.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "local.h"
#include "log.h"

#define LOCAL_MBOX_CHUNK	65536
#define LOCAL_MBOX_POLL_NS	100000000L	/* lock retry interval */

static const char local_mbox_from[] = "From ";

/* local_mbox_quote_init - a quoter at the beginning of a line */
void
local_mbox_quote_init(struct local_mbox_quote *q)
{
	q->bol = 1;
	q->empty = 1;
	q->matched = 0;
}

/*
 * local_mbox_quote - append in[0..len) to out with /^>*From / lines quoted
 * by one more '>'.  Stream-safe: state carries across calls.  Leading
 * '>' are copied as they come (one more '>' anywhere in the run is the
 * same text), only up to four bytes of "From " are held back.  -1 when
 * out is full.
 */
int
local_mbox_quote(struct local_mbox_quote *q, const char *in, size_t len,
    struct buf *out)
{
	size_t	 i;
	char	 c;
	int	 rv = 0;

	for (i = 0; i < len && rv == 0; i++) {
		c = in[i];
		q->empty = c == '\n';
		if (q->bol && q->matched == 0 && c == '>') {
			rv = buf_add(out, &c, 1);
			continue;
		}
		if (q->bol && c == local_mbox_from[q->matched]) {
			if (++q->matched == 5) {
				rv = buf_add(out, ">From ", 6);
				q->bol = 0;
				q->matched = 0;
			}
			continue;
		}
		if (q->bol) {
			rv = buf_add(out, local_mbox_from, q->matched);
			q->matched = 0;
			q->bol = 0;
		}
		if (rv == 0)
			rv = buf_add(out, &c, 1);
		if (c == '\n')
			q->bol = 1;
	}
	return rv;
}

/* local_mbox_quote_end - flush held bytes; the text must end in "\n\n" */
int
local_mbox_quote_end(struct local_mbox_quote *q, struct buf *out)
{
	int	 rv = 0;

	if (q->bol && q->matched > 0)
		rv = buf_add(out, local_mbox_from, q->matched);
	if (rv == 0 && !q->empty)
		rv = buf_add(out, "\n", 1);
	if (rv == 0)
		rv = buf_add(out, "\n", 1);
	local_mbox_quote_init(q);
	return rv;
}

/*
 * local_mbox_separator - append "From SENDER DATE\n" (asctime format, local
 * time); the null sender is MAILER-DAEMON, blanks become '_'.
 */
int
local_mbox_separator(struct buf *out, const char *sender, time_t when)
{
	char		 date[64], who[ADDR_MAX];
	struct tm	 tm;
	size_t		 i;

	if (sender[0] == '\0')
		sender = "MAILER-DAEMON";
	if (strlcpy(who, sender, sizeof(who)) >= sizeof(who))
		return -1;
	for (i = 0; who[i] != '\0'; i++) {
		if ((unsigned char)who[i] <= ' ' || who[i] == 0x7f)
			who[i] = '_';
	}
	if (localtime_r(&when, &tm) == NULL || asctime_r(&tm, date) == NULL)
		return -1;
	return buf_printf(out, "From %s %s", who, date);
}

/* local_mbox_open - open (creating 0600) the mbox for appending; fd or -1 */
static int
local_mbox_open(const char *path, struct local_result *res)
{
	struct stat	 sb;
	int		 fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: %s", path,
		    errno == ELOOP ? "is a symbolic link" :
		    errno == EACCES ? "cannot create (spool directory not "
		    "writable by the user)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) ||
	    sb.st_uid != geteuid() || (sb.st_mode & S_IWOTH) ||
	    sb.st_nlink != 1) {
		local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: %s", path,
		    !S_ISREG(sb.st_mode) ? "not a regular file" :
		    sb.st_uid != geteuid() ? "owned by another user" :
		    (sb.st_mode & S_IWOTH) ? "world-writable" :
		    "has several links");
		close(fd);
		return -1;
	}
	return fd;
}

/* local_mbox_nap - sleep one lock retry interval */
static void
local_mbox_nap(void)
{
	struct timespec	 ts = { 0, LOCAL_MBOX_POLL_NS };

	(void)nanosleep(&ts, NULL);
}

/* local_mbox_lock_fcntl - write-lock the whole file before deadline */
static int
local_mbox_lock_fcntl(int fd, time_t deadline)
{
	struct flock	 fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	for (;;) {
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EACCES && errno != EAGAIN && errno != EINTR)
			return -1;
		if (time(NULL) >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		local_mbox_nap();
	}
}

/*
 * local_mbox_dotlock - create lock (O_EXCL) before deadline, removing one
 * older than LOCAL_MBOX_LOCK_STALE.  0 locked, 1 directory not writable
 * (no dot-lock), -1 error or timeout.
 */
static int
local_mbox_dotlock(const char *lock, time_t deadline)
{
	struct stat	 sb;
	int		 fd;

	for (;;) {
		fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1) {
			close(fd);
			return 0;
		}
		if (errno == EACCES || errno == EPERM || errno == EROFS)
			return 1;
		if (errno != EEXIST && errno != EINTR)
			return -1;
		if (lstat(lock, &sb) == 0 &&
		    time(NULL) - sb.st_mtime > LOCAL_MBOX_LOCK_STALE) {
			log_info("local event=mbox-lock-stale path=%s "
			    "action=removed", lock);
			(void)unlink(lock);
			continue;
		}
		if (time(NULL) >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		local_mbox_nap();
	}
}

/* local_mbox_same - the path still names the file open on fd */
static int
local_mbox_same(const char *path, int fd)
{
	struct stat	 a, b;

	if (lstat(path, &a) == -1 || fstat(fd, &b) == -1)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* local_mbox_flush - write out and empty b; 0 / -1 */
static int
local_mbox_flush(int fd, struct buf *b)
{
	int	 rv;

	rv = local_hdr_writeall(fd, b->data, b->len);
	buf_reset(b);
	return rv;
}

/* local_mbox_write - separator, prefix, quoted message, end; 0 / -1 */
static int
local_mbox_write(const struct local_delivery *ld, int fd, struct buf *out)
{
	struct local_mbox_quote	 q;
	char			 chunk[LOCAL_MBOX_CHUNK];
	ssize_t			 n;

	if (local_mbox_flush(fd, out) == -1)
		return -1;
	local_mbox_quote_init(&q);
	for (;;) {
		n = read(ld->msg_fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		if (local_mbox_quote(&q, chunk, (size_t)n, out) == -1)
			panic("mbox quote buffer too small");
		if (local_mbox_flush(fd, out) == -1)
			return -1;
	}
	if (local_mbox_quote_end(&q, out) == -1)
		panic("mbox quote buffer too small");
	if (local_mbox_flush(fd, out) == -1 || fsync(fd) == -1)
		return -1;
	return 0;
}

/* local_mbox_lock - both locks on the open mbox; dot-lock name in lock */
static int
local_mbox_lock(const char *path, int fd, char *lock, size_t locksz,
    struct local_result *res)
{
	time_t	 deadline = time(NULL) + LOCAL_MBOX_LOCK_WAIT;
	int	 rv;

	lock[0] = '\0';
	if (local_mbox_lock_fcntl(fd, deadline) == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: lock: %s",
		    path, strerror(errno));
		return -1;
	}
	if (!local_mbox_same(path, fd)) {
		local_result_set(res, LOCAL_TEMPFAIL,
		    "mbox %s: replaced while locking", path);
		return -1;
	}
	if ((size_t)snprintf(lock, locksz, "%s.lock", path) >= locksz) {
		local_result_set(res, LOCAL_PERMFAIL, "mbox path too long");
		lock[0] = '\0';
		return -1;
	}
	if ((rv = local_mbox_dotlock(lock, deadline)) == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: dot-lock: %s",
		    path, strerror(errno));
		lock[0] = '\0';
		return -1;
	}
	if (rv == 1) {
		log_debug("local event=mbox-no-dotlock path=%s "
		    "reason=\"directory not writable\"", path);
		lock[0] = '\0';
	}
	return 0;
}

/* local_mbox_append - write one message at the end, or undo it */
static int
local_mbox_append(const struct local_delivery *ld, int fd, struct buf *out,
    struct local_result *res)
{
	struct stat	 sb;
	int		 saved;

	if (fstat(fd, &sb) == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "mbox fstat: %s",
		    strerror(errno));
		return -1;
	}
	if (local_mbox_write(ld, fd, out) == 0)
		return 0;
	saved = errno;
	if (ftruncate(fd, sb.st_size) == -1 || fsync(fd) == -1)
		log_warn("local event=mbox-undo-failed path=%s", ld->mbox);
	local_result_set(res, LOCAL_TEMPFAIL, "mbox %s: write: %s", ld->mbox,
	    strerror(saved));
	return -1;
}

/* local_mbox_deliver - append ld's message to its mbox under both locks */
enum local_status
local_mbox_deliver(const struct local_delivery *ld, struct local_result *res)
{
	struct buf	 out;
	char		 lock[PATH_MAX_CFG + 8];
	int		 fd;

	buf_init(&out, 2 * LOCAL_MBOX_CHUNK + 2 * LOCAL_HDR_MAX);
	if (local_mbox_separator(&out, ld->sender, time(NULL)) == -1 ||
	    local_hdr_format(&out, ld->sender, ld->rcpt) == -1) {
		buf_free(&out);
		return local_result_set(res, LOCAL_PERMFAIL,
		    "invalid sender or recipient address");
	}
	if ((fd = local_mbox_open(ld->mbox, res)) == -1) {
		buf_free(&out);
		return res->status;
	}
	if (local_mbox_lock(ld->mbox, fd, lock, sizeof(lock), res) == 0 &&
	    local_mbox_append(ld, fd, &out, res) == 0)
		local_result_set(res, LOCAL_OK, "delivered to mbox");
	if (lock[0] != '\0')
		(void)unlink(lock);
	close(fd);
	buf_free(&out);
	return res->status;
}
