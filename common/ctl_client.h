/*
 * ctl_client.h - the control socket's client (smtpctl(8), mailq).
 */
#ifndef POSTHORN_CTL_CLIENT_H
#define POSTHORN_CTL_CLIENT_H

#include "ipc.h"

/*
 * Sends one control command (MSG_CTL_*, with arg or NULL) to the daemon
 * owning spool, prints its answer on standard output and its errors on
 * standard error; returns the exit status, 0 or 1.
 */
int	ctl_client_send(const char *spool, enum ipc_type type,
	    const char *arg);

#endif
