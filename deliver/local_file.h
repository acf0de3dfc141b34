/*
 * local_file.h - the aliases(5) destinations that are not mailboxes:
 * "/path/file" (appended to in mbox format) and "|command".
 */
#ifndef POSTHORN_LOCAL_FILE_H
#define POSTHORN_LOCAL_FILE_H

#include "local.h"

enum local_status local_file_deliver(const struct local_delivery *,
	    const char *path, struct local_result *);
enum local_status local_file_command(const struct local_delivery *,
	    const char *command, struct local_result *);

#endif
