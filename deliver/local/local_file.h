/*
 * local_file.h - the aliases(5) destinations that are not mailboxes:
 * "/path/file" (appended to in mbox format) and "|command", and the
 * check that one from a ~/.forward is in the recipient's ~/.forward.
 */
#ifndef POSTHORN_LOCAL_FILE_H
#define POSTHORN_LOCAL_FILE_H

#include "local.h"
#include "local_agent.h"

/* local_file_deliver, local_file_command, local_file_forward_check:
 * local_agent.h */

#endif
