/*
 * local_maildir.c - delivery into a Maildir.
 *
 * PATH (default HOME/Maildir) and its tmp/, new/ and cur/ folders are
 * created 0700 when missing, each new one synced into its parent, and
 * each found there synced into its parent once per process (a process
 * killed between a mkdir and its sync leaves a name nothing made
 * durable); each must be a real directory (not a symbolic link) owned by the delivering
 * user and not world-writable.
 *
 * Idempotence rule: a message file is named "<time>.<evpid>.<host>",
 * where <evpid> is the envelope id as 16 lowercase hex digits.  Before
 * writing (unless the delivery is fresh), new/ and cur/ are searched for
 * a name whose second dot-separated field is that evpid, through the
 * agent's index of both (local_maildir_index.c); when one exists the
 * envelope was delivered by an earlier attempt (interrupted before it
 * could report) and nothing is written.  Leftovers of that evpid in
 * tmp/ are incomplete copies and are removed.  A copy is written to
 * tmp/; local_maildir_commit, which the caller runs once the turn's
 * copies are all written, fsyncs each and links it into new/; the
 * result then carries new/ for its caller to fsync before it reports
 * success (the agent syncs it once for all the deliveries of a turn).  A copy found already is synced
 * the same way, as the attempt that linked it may not have lived to.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "local.h"
#include "log.h"

#define LOCAL_MAILDIR_HDR_SCAN	65536	/* header bytes searched for spam marks */
#define LOCAL_MAILDIR_NAME_MAX	(32 + HOST_MAX * 4)

struct local_maildir {
	int	 dfd;
	int	 tmp;
	int	 new;
	int	 cur;
};

static const char *local_maildir_subs[] = { "tmp", "new", "cur" };

/* local_maildir_hdr_is - line is "NAME:" WSP* VALUE WSP*, case-insensitive */
static int
local_maildir_hdr_is(const char *line, size_t len, const char *name,
    const char *value)
{
	size_t	 nl = strlen(name), vl = strlen(value);

	if (len < nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	line += nl + 1;
	len -= nl + 1;
	while (len > 0 && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	    line[len - 1] == '\r'))
		len--;
	return len == vl && strncasecmp(line, value, vl) == 0;
}

/*
 * local_maildir_junk - 1 when the header section (up to the first empty
 * line) holds "X-Spam: yes" or "X-Spam-Flag: YES", case-insensitive.
 */
int
local_maildir_junk(const char *hdr, size_t len)
{
	const char	*eol;
	size_t		 ll;

	while (len > 0) {
		eol = memchr(hdr, '\n', len);
		ll = eol ? (size_t)(eol - hdr) : len;
		if (ll == 0 || (ll == 1 && hdr[0] == '\r'))
			return 0;
		if (local_maildir_hdr_is(hdr, ll, "X-Spam", "yes") ||
		    local_maildir_hdr_is(hdr, ll, "X-Spam-Flag", "yes"))
			return 1;
		if (eol == NULL)
			break;
		hdr += ll + 1;
		len -= ll + 1;
	}
	return 0;
}

/* local_maildir_name_match - 1 when name's second field is evpid in hex */
int
local_maildir_name_match(const char *name, uint64_t evpid)
{
	char		 hex[17];
	const char	*p;

	(void)snprintf(hex, sizeof(hex), "%016" PRIx64, evpid);
	if ((p = strchr(name, '.')) == NULL)
		return 0;
	p++;
	return strncmp(p, hex, 16) == 0 && p[16] == '.';
}

/*
 * local_maildir_name_evpid - the envelope id a name's second field
 * holds, as 16 lowercase hex digits: 1 and *evpid, or 0 if none
 */
int
local_maildir_name_evpid(const char *name, uint64_t *evpid)
{
	const char	*p;
	uint64_t	 v = 0;
	int		 i;

	if ((p = strchr(name, '.')) == NULL)
		return 0;
	for (i = 1; i <= 16; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			v = v << 4 | (uint64_t)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			v = v << 4 | (uint64_t)(p[i] - 'a' + 10);
		else
			return 0;
	}
	if (p[17] != '.')
		return 0;
	*evpid = v;
	return 1;
}

/* local_maildir_host - the host name with '/' and ':' escaped as octal */
static void
local_maildir_host(char *dst, size_t dstsz)
{
	char	 host[HOST_MAX];
	size_t	 i, o = 0;

	if (gethostname(host, sizeof(host)) == -1)
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] != '\0' && o + 5 < dstsz; i++) {
		if (host[i] == '/' || host[i] == ':') {
			(void)snprintf(dst + o, dstsz - o, "\\%03o",
			    (unsigned char)host[i]);
			o += 4;
		} else
			dst[o++] = host[i];
	}
	dst[o] = '\0';
}

/* local_maildir_check - fd is a directory of ours, not world-writable */
static int
local_maildir_check(int fd, const char *what, struct local_result *res)
{
	struct stat	 sb;

	if (fstat(fd, &sb) == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "maildir %s: %s", what,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & S_IWOTH)) {
		local_result_set(res, LOCAL_TEMPFAIL, "maildir %s: %s", what,
		    !S_ISDIR(sb.st_mode) ? "not a directory" :
		    sb.st_uid != geteuid() ? "owned by another user" :
		    "world-writable");
		return -1;
	}
	return 0;
}

/*
 * Directories this process has synced into their parents (or found
 * there, and synced): one sync each per process, however many
 * deliveries follow.  A directory found made but unknown here may have
 * been made by a process killed before its sync, so it is synced too.
 */
#define LOCAL_MAILDIR_SEEN_MAX	64

static struct local_maildir_seen {
	dev_t	 dev;
	ino_t	 ino;
} local_maildir_seen[LOCAL_MAILDIR_SEEN_MAX];
static size_t local_maildir_nseen;

/*
 * local_maildir_known - whether name below at is a directory already
 * synced by this process; with remember, note it as synced
 */
static int
local_maildir_known(int at, const char *name, int remember)
{
	struct stat	 st;
	size_t		 i, n;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISDIR(st.st_mode))
		return remember ? 0 : 1;	/* checked when opened */
	n = local_maildir_nseen < LOCAL_MAILDIR_SEEN_MAX ?
	    local_maildir_nseen : LOCAL_MAILDIR_SEEN_MAX;
	for (i = 0; i < n; i++)
		if (local_maildir_seen[i].dev == st.st_dev &&
		    local_maildir_seen[i].ino == st.st_ino)
			return 1;
	if (remember) {
		i = local_maildir_nseen++ % LOCAL_MAILDIR_SEEN_MAX;
		local_maildir_seen[i].dev = st.st_dev;
		local_maildir_seen[i].ino = st.st_ino;
	}
	return 0;
}

/* local_maildir_sync_up - fsync the directory holding name below at */
static int
local_maildir_sync_up(int at, const char *name)
{
	char	 up[PATH_MAX_CFG], *slash;
	int	 fd, r, saved;

	if (at != AT_FDCWD)
		return fsync(at);
	if (strlcpy(up, name, sizeof(up)) >= sizeof(up)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((slash = strrchr(up, '/')) == NULL)
		(void)strlcpy(up, ".", sizeof(up));
	else
		slash[slash == up] = '\0';
	if ((fd = open(up, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/*
 * local_maildir_mkdir - make the directory name below at (0700), then
 * sync the directory holding it, so that a power loss cannot take a
 * Maildir, and the messages synced inside it, with its unsynced name;
 * one found there is synced the first time this process sees it.
 * 0 made or already there, -1 mkdir failed, -2 the sync failed (errno).
 */
static int
local_maildir_mkdir(int at, const char *name)
{
	if (mkdirat(at, name, 0700) == -1) {
		if (errno != EEXIST)
			return -1;
		if (local_maildir_known(at, name, 0))
			return 0;
	}
	if (local_maildir_sync_up(at, name) == -1)
		return -2;
	(void)local_maildir_known(at, name, 1);
	return 0;
}

/* local_maildir_mkpath - create the missing ancestors of path, mode 0700 */
static int
local_maildir_mkpath(const char *path)
{
	char	 tmp[PATH_MAX_CFG];
	char	*p;

	if (strlcpy(tmp, path, sizeof(tmp)) >= sizeof(tmp))
		return 0;
	for (p = tmp + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (local_maildir_mkdir(AT_FDCWD, tmp) == -2)
			return -2;
		*p = '/';
	}
	return 0;
}

/* local_maildir_opendir - open (creating) a checked directory; fd or -1 */
static int
local_maildir_opendir(int at, const char *name, const char *what,
    struct local_result *res)
{
	int	 fd, r;

	r = local_maildir_mkdir(at, name);
	if (r == -1 && errno == ENOENT && at == AT_FDCWD &&
	    (r = local_maildir_mkpath(name)) == 0)
		r = local_maildir_mkdir(at, name);
	if (r == -2) {
		local_result_set(res, LOCAL_TEMPFAIL, "maildir %s: sync: %s",
		    what, strerror(errno));
		return -1;
	}
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "maildir %s: %s", what,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (local_maildir_check(fd, what, res) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* local_maildir_close - close every open descriptor of m */
static void
local_maildir_close(struct local_maildir *m)
{
	if (m->dfd != -1)
		close(m->dfd);
	if (m->tmp != -1)
		close(m->tmp);
	if (m->new != -1)
		close(m->new);
	if (m->cur != -1)
		close(m->cur);
	m->dfd = m->tmp = m->new = m->cur = -1;
}

/* local_maildir_open - open (creating) the Maildir at name below at */
static int
local_maildir_open(struct local_maildir *m, int at, const char *name,
    struct local_result *res)
{
	int	*fds[3] = { &m->tmp, &m->new, &m->cur };
	size_t	 i;

	m->dfd = m->tmp = m->new = m->cur = -1;
	if ((m->dfd = local_maildir_opendir(at, name, name, res)) == -1)
		return -1;
	for (i = 0; i < 3; i++) {
		*fds[i] = local_maildir_opendir(m->dfd, local_maildir_subs[i],
		    local_maildir_subs[i], res);
		if (*fds[i] == -1) {
			local_maildir_close(m);
			return -1;
		}
	}
	return 0;
}

/* local_maildir_purge - remove evpid's leftovers in dir (tmp/) */
static void
local_maildir_purge(int fd, uint64_t evpid)
{
	DIR		*dir;
	struct dirent	*de;
	int		 dfd;

	if ((dfd = dup(fd)) == -1)
		return;
	if ((dir = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL)
		if (local_maildir_name_match(de->d_name, evpid))
			(void)unlinkat(fd, de->d_name, 0);
	closedir(dir);
}

/* local_maildir_copy - the header prefix, then the message, to fd */
static int
local_maildir_copy(const struct local_delivery *ld, const struct buf *hdr,
    int fd)
{
	char		 chunk[65536];
	ssize_t		 n;

	if (local_hdr_writeall(fd, hdr->data, hdr->len) == -1)
		return -1;
	for (;;) {
		n = read(ld->msg_fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		if (local_hdr_writeall(fd, chunk, (size_t)n) == -1)
			return -1;
	}
}

/*
 * local_maildir_sync_later - the success waits for a sync of new/, which
 * the caller does (local_result_sync) after every delivery of its turn
 */
static int
local_maildir_sync_later(const struct local_maildir *m,
    struct local_result *res)
{
	if ((res->sync_dir = dup(m->new)) == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "maildir new: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Copies written to tmp/ and not yet synced or linked: the writes of a
 * whole turn go to the disk together (sync_file_range starts each at
 * once), so that their syncs, in local_maildir_commit, find most of
 * the work done by the first.
 */
#define LOCAL_MAILDIR_PENDING_MAX	LOCAL_AGENT_TURN_MAX

static struct local_maildir_pending {
	struct local_maildir	 m;		/* its Maildir, held open */
	int			 fd;		/* tmp/NAME, written */
	uint64_t		 evpid;
	char			 name[LOCAL_MAILDIR_NAME_MAX];
	struct local_result	*res;
} local_maildir_pending[LOCAL_MAILDIR_PENDING_MAX];
static size_t local_maildir_npending;

/* local_maildir_link - fsync a written copy and link it into new/ */
static int
local_maildir_link(struct local_maildir_pending *p)
{
	struct local_maildir	*m = &p->m;
	int			 known;

	if (fsync(p->fd) == -1) {
		local_result_set(p->res, LOCAL_TEMPFAIL, "maildir write: %s",
		    strerror(errno));
		close(p->fd);
		(void)unlinkat(m->tmp, p->name, 0);
		return -1;
	}
	known = local_maildir_index_check(m->new, m->cur);
	if (close(p->fd) == -1 ||
	    linkat(m->tmp, p->name, m->new, p->name, 0) == -1) {
		local_result_set(p->res, LOCAL_TEMPFAIL, "maildir new/%s: %s",
		    p->name, strerror(errno));
		(void)unlinkat(m->tmp, p->name, 0);
		return -1;
	}
	local_maildir_index_added(m->new, p->evpid, known);
	(void)unlinkat(m->tmp, p->name, 0);
	return local_maildir_sync_later(m, p->res);
}

/*
 * local_maildir_commit - finish every copy written since the last call:
 * each is fsync'd, then linked into new/, and its result waits for the
 * sync of new/ (local_result_sync); a failure makes it temporary
 */
void
local_maildir_commit(void)
{
	size_t	 i;

	for (i = 0; i < local_maildir_npending; i++) {
		(void)local_maildir_link(&local_maildir_pending[i]);
		local_maildir_close(&local_maildir_pending[i].m);
	}
	local_maildir_npending = 0;
}

/*
 * local_maildir_write - tmp/NAME written, its writing to the disk begun;
 * its sync and link wait for local_maildir_commit, which takes over m
 */
static int
local_maildir_write(const struct local_delivery *ld, const struct buf *hdr,
    struct local_maildir *m, const char *name, struct local_result *res)
{
	struct local_maildir_pending	*p;
	int				 fd;

	fd = openat(m->tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "maildir tmp/%s: %s",
		    name, strerror(errno));
		return -1;
	}
	if (local_maildir_copy(ld, hdr, fd) == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "maildir write: %s",
		    strerror(errno));
		close(fd);
		(void)unlinkat(m->tmp, name, 0);
		return -1;
	}
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (local_maildir_npending == LOCAL_MAILDIR_PENDING_MAX)
		local_maildir_commit();
	p = &local_maildir_pending[local_maildir_npending++];
	p->m = *m;
	m->dfd = m->tmp = m->new = m->cur = -1;
	p->fd = fd;
	p->evpid = ld->evpid;
	(void)strlcpy(p->name, name, sizeof(p->name));
	p->res = res;
	return 0;
}

/* local_maildir_is_spam - scan the message headers for spam marks; -1 error */
static int
local_maildir_is_spam(int fd)
{
	char	*hdr;
	ssize_t	 n;
	int	 rv;

	hdr = malloc(LOCAL_MAILDIR_HDR_SCAN);
	if (hdr == NULL)
		return -1;
	while ((n = pread(fd, hdr, LOCAL_MAILDIR_HDR_SCAN, 0)) == -1 &&
	    errno == EINTR)
		;
	rv = n == -1 ? -1 : local_maildir_junk(hdr, (size_t)n);
	free(hdr);
	return rv;
}

/* local_maildir_target - open the Maildir to use: PATH or PATH/.Junk */
static int
local_maildir_target(const struct local_delivery *ld, struct local_maildir *m,
    struct local_result *res)
{
	struct local_maildir	 top;
	char			 path[PATH_MAX_CFG];
	int			 spam = 0, rv;

	if (ld->maildir[0] != '\0')
		rv = (int)strlcpy(path, ld->maildir, sizeof(path));
	else
		rv = snprintf(path, sizeof(path), "%s/Maildir", ld->home);
	if (rv < 0 || (size_t)rv >= sizeof(path)) {
		local_result_set(res, LOCAL_PERMFAIL, "maildir path too long");
		return -1;
	}
	if (ld->junk && (spam = local_maildir_is_spam(ld->msg_fd)) == -1) {
		local_result_set(res, LOCAL_TEMPFAIL, "maildir junk scan: %s",
		    strerror(errno));
		return -1;
	}
	if (local_maildir_open(&top, AT_FDCWD, path, res) == -1)
		return -1;
	if (!spam) {
		*m = top;
		return 0;
	}
	rv = local_maildir_open(m, top.dfd, ".Junk", res);
	local_maildir_close(&top);
	return rv;
}

/* local_maildir_deliver - deliver ld's message once into its Maildir */
enum local_status
local_maildir_deliver(const struct local_delivery *ld, struct local_result *res)
{
	struct local_maildir	 m;
	struct buf		 hdr;
	char			 host[HOST_MAX * 4], name[LOCAL_MAILDIR_NAME_MAX];
	int			 found;

	res->sync_dir = -1;
	buf_init(&hdr, LOCAL_HDR_MAX);
	if (local_hdr_format(&hdr, ld->sender, ld->rcpt) == -1) {
		buf_free(&hdr);
		return local_result_set(res, LOCAL_PERMFAIL,
		    "invalid sender or recipient address");
	}
	if (local_maildir_target(ld, &m, res) == -1) {
		buf_free(&hdr);
		return res->status;
	}
	/* an earlier attempt may have delivered it: look */
	found = ld->fresh ? 0 : local_maildir_index_find(m.new, m.cur,
	    ld->evpid);
	if (found == 1) {
		if (local_maildir_sync_later(&m, res) == 0)
			local_result_set(res, LOCAL_OK, "already delivered");
	} else if (found == -1)
		local_result_set(res, LOCAL_TEMPFAIL, "maildir scan: %s",
		    strerror(errno));
	else {
		if (!ld->fresh)
			local_maildir_purge(m.tmp, ld->evpid);
		local_maildir_host(host, sizeof(host));
		(void)snprintf(name, sizeof(name), "%lld.%016" PRIx64 ".%s",
		    (long long)time(NULL), ld->evpid, host);
		if (local_maildir_write(ld, &hdr, &m, name, res) == 0)
			local_result_set(res, LOCAL_OK, "delivered to maildir");
	}
	local_maildir_close(&m);
	buf_free(&hdr);
	return res->status;
}
