/*
 * ipc_sync.h - a channel for blocking calls: send one request, wait for
 * its answer.  For the key holder's operations, which OpenSSL asks for
 * in the middle of a handshake and needs at once.
 *
 * The channel is not on the event loop.  Frames are checked against
 * the catalogue (ipc_check) like ipc.c's, the version handshake
 * included; the peer is another posthorn process, so a broken contract
 * is fatal.  An answer to an earlier call that timed out is dropped.
 */
#ifndef POSTHORN_IPC_SYNC_H
#define POSTHORN_IPC_SYNC_H

#include "ipc.h"

struct ipc_sync;

struct ipc_sync	*ipc_sync_new(int fd, enum proc_role self,
		    enum proc_role peer, int hello_ms);
int		 ipc_sync_call(struct ipc_sync *, enum ipc_type,
		    const void *req, enum ipc_type answer, void *ans,
		    int timeout_ms, char *err, size_t errsz);
void		 ipc_sync_free(struct ipc_sync *);

#endif
