/*
 * local_maildir_index.c - which envelopes a Maildir already holds.
 *
 * A delivery that may repeat an earlier attempt (not fresh) must know
 * whether new/ or cur/ already hold a file of its envelope id (the
 * second field of the name, local_maildir.c).  Reading both folders
 * for every such delivery costs O(mailbox) each, O(n^2) for a queue of
 * n messages to one account after a restart.  Instead the agent reads
 * them once into a set of envelope ids and keeps it as long as both
 * folders are unchanged: their inode, size, modification and change
 * times are noted when the set is made, and again after each file this
 * process links into new/ itself (noted only when nothing else changed
 * the folders in between).  Any other change (a mail reader moving or
 * removing files, another process delivering) makes the set stale, and
 * the next look reads the folders again.  One Maildir at a time: the
 * agent serves one account.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local.h"

#define LOCAL_MAILDIR_INDEX_MIN	1024	/* slots of a new set */

struct local_maildir_index_stamp {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtim;
	struct timespec	 ctim;
};

static struct {
	int				 valid;
	struct local_maildir_index_stamp new, cur;
	uint64_t			*slot;	/* 0 = empty */
	size_t				 cap;	/* a power of two */
	size_t				 n;
	unsigned long			 scans;
} local_maildir_index;

/* local_maildir_index_stamp - what identifies a folder's state; -1 error */
static int
local_maildir_index_stamp(int fd, struct local_maildir_index_stamp *st)
{
	struct stat	 sb;

	if (fstat(fd, &sb) == -1)
		return -1;
	memset(st, 0, sizeof(*st));
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtim = sb.st_mtim;
	st->ctim = sb.st_ctim;
	return 0;
}

/* local_maildir_index_same - two stamps of one unchanged folder */
static int
local_maildir_index_same(const struct local_maildir_index_stamp *a,
    const struct local_maildir_index_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtim.tv_sec == b->mtim.tv_sec &&
	    a->mtim.tv_nsec == b->mtim.tv_nsec &&
	    a->ctim.tv_sec == b->ctim.tv_sec &&
	    a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* local_maildir_index_hash - the first slot of an envelope id */
static size_t
local_maildir_index_hash(uint64_t evpid, size_t cap)
{
	evpid ^= evpid >> 33;
	evpid *= 0xff51afd7ed558ccdULL;
	evpid ^= evpid >> 33;
	return (size_t)evpid & (cap - 1);
}

/* local_maildir_index_has - whether the set holds evpid */
static int
local_maildir_index_has(uint64_t evpid)
{
	size_t	 i;

	if (local_maildir_index.cap == 0)
		return 0;
	i = local_maildir_index_hash(evpid, local_maildir_index.cap);
	for (; local_maildir_index.slot[i] != 0;
	    i = (i + 1) & (local_maildir_index.cap - 1))
		if (local_maildir_index.slot[i] == evpid)
			return 1;
	return 0;
}

/* local_maildir_index_put - add evpid to the set (0 is no id); -1 no memory */
static int
local_maildir_index_put(uint64_t evpid)
{
	uint64_t	*old = local_maildir_index.slot;
	size_t		 i, oldcap = local_maildir_index.cap;

	if (evpid == 0 || local_maildir_index_has(evpid))
		return 0;
	if ((local_maildir_index.n + 1) * 2 > oldcap) {
		local_maildir_index.cap = oldcap ? oldcap * 2 :
		    LOCAL_MAILDIR_INDEX_MIN;
		local_maildir_index.slot = calloc(local_maildir_index.cap,
		    sizeof(uint64_t));
		if (local_maildir_index.slot == NULL) {
			local_maildir_index.slot = old;
			local_maildir_index.cap = oldcap;
			return -1;
		}
		local_maildir_index.n = 0;
		for (i = 0; i < oldcap; i++)
			(void)local_maildir_index_put(old[i]);
		free(old);
	}
	i = local_maildir_index_hash(evpid, local_maildir_index.cap);
	while (local_maildir_index.slot[i] != 0)
		i = (i + 1) & (local_maildir_index.cap - 1);
	local_maildir_index.slot[i] = evpid;
	local_maildir_index.n++;
	return 0;
}

/* local_maildir_index_read - add the ids named in one folder; -1 error */
static int
local_maildir_index_read(int fd)
{
	DIR		*dir;
	struct dirent	*de;
	uint64_t	 evpid;
	int		 dfd, rv = 0;

	if ((dfd = dup(fd)) == -1)
		return -1;
	if ((dir = fdopendir(dfd)) == NULL) {
		close(dfd);
		return -1;
	}
	rewinddir(dir);
	errno = 0;
	while (rv == 0 && (de = readdir(dir)) != NULL)
		if (local_maildir_name_evpid(de->d_name, &evpid) &&
		    local_maildir_index_put(evpid) == -1)
			rv = -1;
	if (rv == 0 && errno != 0)
		rv = -1;
	closedir(dir);
	return rv;
}

/*
 * local_maildir_index_build - read new/ and cur/ afresh; their stamps
 * are taken first, so that a change during the reading shows at the
 * next look.  -1 error.
 */
static int
local_maildir_index_build(int newfd, int curfd)
{
	local_maildir_index.valid = 0;
	local_maildir_index.n = 0;
	if (local_maildir_index.slot != NULL)
		memset(local_maildir_index.slot, 0,
		    local_maildir_index.cap * sizeof(uint64_t));
	local_maildir_index.scans++;
	if (local_maildir_index_stamp(newfd, &local_maildir_index.new) == -1 ||
	    local_maildir_index_stamp(curfd, &local_maildir_index.cur) == -1 ||
	    local_maildir_index_read(newfd) == -1 ||
	    local_maildir_index_read(curfd) == -1)
		return -1;
	local_maildir_index.valid = 1;
	return 0;
}

/* local_maildir_index_fresh - the set describes new/ and cur/ as they are */
static int
local_maildir_index_fresh(int newfd, int curfd)
{
	struct local_maildir_index_stamp	 n, c;

	return local_maildir_index.valid &&
	    local_maildir_index_stamp(newfd, &n) == 0 &&
	    local_maildir_index_stamp(curfd, &c) == 0 &&
	    local_maildir_index_same(&n, &local_maildir_index.new) &&
	    local_maildir_index_same(&c, &local_maildir_index.cur);
}

/*
 * local_maildir_index_find - whether new/ or cur/ hold a file of evpid:
 * 1 yes, 0 no, -1 error (errno)
 */
int
local_maildir_index_find(int newfd, int curfd, uint64_t evpid)
{
	if (!local_maildir_index_fresh(newfd, curfd) &&
	    local_maildir_index_build(newfd, curfd) == -1)
		return -1;
	return local_maildir_index_has(evpid);
}

/*
 * local_maildir_index_check - before this process links a file into
 * new/: whether the set still describes both folders (then
 * local_maildir_index_added may note the link)
 */
int
local_maildir_index_check(int newfd, int curfd)
{
	return local_maildir_index_fresh(newfd, curfd);
}

/*
 * local_maildir_index_added - this process linked a file of evpid into
 * new/, and the set was up to date just before (fresh): note both, or
 * let the set go stale
 */
void
local_maildir_index_added(int newfd, uint64_t evpid, int fresh)
{
	if (!fresh || local_maildir_index_put(evpid) == -1 ||
	    local_maildir_index_stamp(newfd, &local_maildir_index.new) == -1)
		local_maildir_index.valid = 0;
}

/* local_maildir_index_scans - how often the folders were read (tests) */
unsigned long
local_maildir_index_scans(void)
{
	return local_maildir_index.scans;
}
