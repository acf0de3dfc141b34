/*
 * pl_rebuild.c - the disk after a power cut: from the records of a store
 * (pl_store.h), the entry NAME of directory PARENT is made again below a
 * fresh path, as the last syncs left it:
 *
 *	- a directory holds the entries of its last recorded fsync; one
 *	  never synced since it was made comes back empty;
 *	- a regular file holds the content of its last recorded sync; one
 *	  never synced comes back empty (it has a name, since a synced
 *	  directory lists it, but no data);
 *	- owners and modes are those the synced listing saw;
 *	- other types (sockets, fifos, links) are left out: posthorn makes
 *	  its sockets again at start and keeps no links in its trees.
 *
 * The top: PARENT itself must have a record, which the test's baseline
 * gives it (pltool snapshot, the machine's sync before the run); a
 * PARENT without one is an error, not an empty directory, so that a
 * forgotten baseline cannot pass for lost mail.  NAME absent from
 * PARENT's record is reported (0): nothing of it survived.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pl_rebuild.h"
#include "pl_store.h"

/* one entry of a recorded directory listing */
struct pl_rebuild_ent {
	unsigned long long	dev, ino;
	unsigned		inc, mode, uid, gid;
	char			name[256];
};

/* pl_rebuild_fail - format a reason with errno's text; -1 */
static int
pl_rebuild_fail(char *err, size_t errsz, const char *what, const char *path)
{
	(void)snprintf(err, errsz, "%s %s: %s", what, path, strerror(errno));
	return -1;
}

/* pl_rebuild_open - open the record kind.<dev>.<ino>.<inc>; NULL if none */
static FILE *
pl_rebuild_open(int store, char kind, unsigned long long dev,
    unsigned long long ino, unsigned inc)
{
	char	name[80];
	FILE	*f;
	int	fd;

	(void)snprintf(name, sizeof(name), "%c.%llu.%llu.%u", kind, dev, ino,
	    inc);
	if ((fd = openat(store, name, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if ((f = fdopen(fd, "r")) == NULL)
		close(fd);
	return f;
}

/* pl_rebuild_parse - one listing line into e; 0 or -1 */
static int
pl_rebuild_parse(char *line, struct pl_rebuild_ent *e)
{
	int	off = 0;
	size_t	len;

	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "%llu %llu %u %o %u %u %n", &e->dev, &e->ino,
	    &e->inc, &e->mode, &e->uid, &e->gid, &off) != 6 || off == 0 ||
	    (len = strlen(line + off)) == 0 || len >= sizeof(e->name))
		return -1;
	memcpy(e->name, line + off, len + 1);
	return 0;
}

/* pl_rebuild_file - make the file e at path with its recorded content */
static int
pl_rebuild_file(int store, const struct pl_rebuild_ent *e, const char *path,
    char *err, size_t errsz)
{
	char	buf[65536];
	FILE	*in;
	size_t	n;
	int	fd, r = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return pl_rebuild_fail(err, errsz, "create", path);
	if ((in = pl_rebuild_open(store, 'f', e->dev, e->ino, e->inc)) != NULL) {
		while (r == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
			if (write(fd, buf, n) != (ssize_t)n)
				r = pl_rebuild_fail(err, errsz, "write", path);
		fclose(in);
	}
	if (r == 0 && (fchown(fd, e->uid, e->gid) == -1 ||
	    fchmod(fd, e->mode & 07777) == -1))
		r = pl_rebuild_fail(err, errsz, "chown/chmod", path);
	close(fd);
	return r;
}

static int pl_rebuild_entry(int, const struct pl_rebuild_ent *, const char *,
    char *, size_t);

/* pl_rebuild_dir - make the directory e at path with its synced entries */
static int
pl_rebuild_dir(int store, const struct pl_rebuild_ent *e, const char *path,
    char *err, size_t errsz)
{
	struct pl_rebuild_ent	 sub;
	char			 line[512], child[4096];
	FILE			*in;
	int			 r = 0;

	if (mkdir(path, 0700) == -1)
		return pl_rebuild_fail(err, errsz, "mkdir", path);
	if ((in = pl_rebuild_open(store, 'd', e->dev, e->ino, e->inc)) != NULL) {
		while (r == 0 && fgets(line, sizeof(line), in) != NULL) {
			if (pl_rebuild_parse(line, &sub) == -1) {
				(void)snprintf(err, errsz, "bad record of %s",
				    path);
				r = -1;
				break;
			}
			(void)snprintf(child, sizeof(child), "%s/%s", path,
			    sub.name);
			r = pl_rebuild_entry(store, &sub, child, err, errsz);
		}
		fclose(in);
	}
	if (r == 0 && (chown(path, e->uid, e->gid) == -1 ||
	    chmod(path, e->mode & 07777) == -1))
		r = pl_rebuild_fail(err, errsz, "chown/chmod", path);
	return r;
}

/* pl_rebuild_entry - make e at path: a directory, a file, or nothing */
static int
pl_rebuild_entry(int store, const struct pl_rebuild_ent *e, const char *path,
    char *err, size_t errsz)
{
	if (S_ISDIR(e->mode))
		return pl_rebuild_dir(store, e, path, err, errsz);
	if (S_ISREG(e->mode))
		return pl_rebuild_file(store, e, path, err, errsz);
	return 0;
}

/* pl_rebuild_find - name's entry in the record of directory parent */
static int
pl_rebuild_find(int store, const char *parent, const char *name,
    struct pl_rebuild_ent *e, char *err, size_t errsz)
{
	char		 line[512];
	struct stat	 sb;
	FILE		*in;
	int		 found = 0;

	if (stat(parent, &sb) == -1)
		return pl_rebuild_fail(err, errsz, "stat", parent);
	if ((in = pl_rebuild_open(store, 'd', sb.st_dev, sb.st_ino,
	    pl_store_inc(store, sb.st_dev, sb.st_ino))) == NULL) {
		(void)snprintf(err, errsz, "%s: no record (no baseline?)",
		    parent);
		return -1;
	}
	while (!found && fgets(line, sizeof(line), in) != NULL)
		found = pl_rebuild_parse(line, e) == 0 &&
		    strcmp(e->name, name) == 0;
	fclose(in);
	return found;
}

/*
 * pl_rebuild - make name of parent, as the store says a power cut left
 * it, at out: 1 made, 0 nothing of it is durable, -1 error (err says
 * why; a store that noted an unrecorded sync is refused)
 */
int
pl_rebuild(int store, const char *parent, const char *name, const char *out,
    char *err, size_t errsz)
{
	struct pl_rebuild_ent	e;
	char			line[256];
	FILE			*f;
	int			fd, r;

	if ((fd = openat(store, "error", O_RDONLY | O_CLOEXEC)) != -1) {
		f = fdopen(fd, "r");
		if (f == NULL || fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		line[strcspn(line, "\n")] = '\0';
		(void)snprintf(err, errsz, "a sync went unrecorded: %s", line);
		if (f != NULL)
			fclose(f);
		else
			close(fd);
		return -1;
	}
	if ((r = pl_rebuild_find(store, parent, name, &e, err, errsz)) != 1)
		return r;
	return pl_rebuild_entry(store, &e, out, err, errsz) == -1 ? -1 : 1;
}
