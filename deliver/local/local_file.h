/*
 * local_file.h - the aliases(5) destinations that are not mailboxes:
 * "/path/file" (appended to in mbox format) and "|command", and the
 * check that one from a ~/.forward is in the recipient's ~/.forward.
 */
#ifndef POSTHORN_LOCAL_FILE_H
#define POSTHORN_LOCAL_FILE_H

#include "local.h"

enum local_status local_file_deliver(const struct local_delivery *,
	    const char *path, struct local_result *);
enum local_status local_file_command(const struct local_delivery *,
	    const char *command, struct local_result *);
int	local_file_forward_check(const struct local_delivery *, int command,
	    const char *dest, struct local_result *);

#endif
