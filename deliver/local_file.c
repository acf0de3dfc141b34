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
 * ~/.forward), never built from the envelope.
 */
#include <string.h>

#include "local.h"
#include "local_file.h"

/* local_file_deliver - append ld's message to the file at path */
enum local_status
local_file_deliver(const struct local_delivery *ld, const char *path,
    struct local_result *res)
{
	struct local_delivery	 fd;

	if (path[0] != '/')
		return local_hdr_result(res, LOCAL_PERMFAIL,
		    "file destination is not an absolute path");
	fd = *ld;
	if (strlcpy(fd.mbox, path, sizeof(fd.mbox)) >= sizeof(fd.mbox))
		return local_hdr_result(res, LOCAL_PERMFAIL,
		    "file destination too long");
	if (local_mbox_deliver(&fd, res) == LOCAL_OK)
		local_hdr_result(res, LOCAL_OK, "delivered to file");
	return res->status;
}

/* local_file_command - pipe ld's message into command */
enum local_status
local_file_command(const struct local_delivery *ld, const char *command,
    struct local_result *res)
{
	struct local_delivery	 cd;

	if (command[0] == '\0')
		return local_hdr_result(res, LOCAL_PERMFAIL,
		    "empty command destination");
	cd = *ld;
	if (strlcpy(cd.mda, command, sizeof(cd.mda)) >= sizeof(cd.mda))
		return local_hdr_result(res, LOCAL_PERMFAIL,
		    "command destination too long");
	if (local_mda_deliver(&cd, res) == LOCAL_OK)
		local_hdr_result(res, LOCAL_OK, "delivered to command");
	return res->status;
}
