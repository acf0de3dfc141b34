/*
 * local_file.c - delivery to the file and command destinations of
 * aliases(5) and ~/.forward.
 *
 * A file destination is an absolute path appended to exactly like an
 * mbox (local_mbox.c): "From " separator, Return-Path/Delivered-To,
 * mboxrd quoting, fcntl and dot-lock, and the same refusals (a symbolic
 * link, another owner, world-writable, several links).  A command
 * destination runs through local_mda.c as the recipient, with the same
 * environment, time limit and exit-status rules as an mda action; the
 * command text is the administrator's or the user's own (aliases file,
 * ~/.forward), never built from the envelope.  One that the envelope
 * says comes from the recipient's ~/.forward is delivered only if that
 * file, read as the recipient, holds it (local_file_forward_check).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"
#include "local.h"
#include "local_file.h"
#include "xmalloc.h"

#define LOCAL_FILE_FORWARD_MAX	(1024 * 1024)	/* as the lookup reads */

/* local_file_deliver - append ld's message to the file at path */
enum local_status
local_file_deliver(const struct local_delivery *ld, const char *path,
    struct local_result *res)
{
	struct local_delivery	 fd;

	if (path[0] != '/')
		return local_result_set(res, LOCAL_PERMFAIL,
		    "file destination is not an absolute path");
	fd = *ld;
	if (strlcpy(fd.mbox, path, sizeof(fd.mbox)) >= sizeof(fd.mbox))
		return local_result_set(res, LOCAL_PERMFAIL,
		    "file destination too long");
	if (local_mbox_deliver(&fd, res) == LOCAL_OK)
		local_result_set(res, LOCAL_OK, "delivered to file");
	return res->status;
}

/* local_file_command - pipe ld's message into command */
enum local_status
local_file_command(const struct local_delivery *ld, const char *command,
    struct local_result *res)
{
	struct local_delivery	 cd;

	if (command[0] == '\0')
		return local_result_set(res, LOCAL_PERMFAIL,
		    "empty command destination");
	cd = *ld;
	if (strlcpy(cd.mda, command, sizeof(cd.mda)) >= sizeof(cd.mda))
		return local_result_set(res, LOCAL_PERMFAIL,
		    "command destination too long");
	if (local_mda_deliver(&cd, res) == LOCAL_OK)
		local_result_set(res, LOCAL_OK, "delivered to command");
	return res->status;
}

/*
 * local_file_forward_read - the recipient's ~/.forward, if safe; 0, or
 * -1 with res set (a permanent refusal)
 */
static int
local_file_forward_read(const struct local_delivery *ld, char **text,
    struct local_result *res)
{
	struct stat	 st;
	char		 path[PATH_MAX_CFG], *buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if (ld->home[0] != '/' || (size_t)snprintf(path, sizeof(path),
	    "%s/.forward", ld->home) >= sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return local_result_set(res, LOCAL_PERMFAIL,
		    "refused: no ~/.forward"), -1;
	if (fstat(fd, &st) == -1 || !aliases_forward_safe(&st, ld->uid)) {
		close(fd);
		return local_result_set(res, LOCAL_PERMFAIL,
		    "refused: ~/.forward is not a safe file"), -1;
	}
	buf = xmalloc(LOCAL_FILE_FORWARD_MAX + 1);
	while ((n = read(fd, buf + len, LOCAL_FILE_FORWARD_MAX - len)) > 0 &&
	    (len += (size_t)n) < LOCAL_FILE_FORWARD_MAX)
		;
	close(fd);
	if (n == -1 || len == LOCAL_FILE_FORWARD_MAX ||
	    memchr(buf, '\0', len) != NULL) {
		free(buf);
		return local_result_set(res, LOCAL_PERMFAIL,
		    "refused: ~/.forward unreadable or too large"), -1;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

/*
 * local_file_forward_check - may this file or command from a ~/.forward
 * run: the recipient's ~/.forward, read now as the recipient under the
 * expansion's safety rules, holds it.  0, or -1 with res set.
 */
int
local_file_forward_check(const struct local_delivery *ld, int command,
    const char *dest, struct local_result *res)
{
	char		*text;
	int		 r;

	if (local_file_forward_read(ld, &text, res) == -1)
		return -1;
	r = aliases_forward_has(text, command ? ALIASES_T_COMMAND :
	    ALIASES_T_FILENAME, dest);
	free(text);
	if (r == 1)
		return 0;
	local_result_set(res, LOCAL_PERMFAIL, "refused: the %s is not in "
	    "~/.forward of %s", command ? "command" : "file", ld->user);
	return -1;
}
