/*
 * ipc.h - framed messages over SOCK_SEQPACKET socketpairs, with one
 * optional file descriptor per message (SCM_RIGHTS).
 *
 * Every frame is checked against the catalogue in ipc_msgs.h before a
 * handler sees it: known type, exact payload length, allowed route, fd
 * present exactly when the catalogue says, every string field
 * NUL-terminated, and a version handshake (MSG_HELLO) first.  Handlers
 * get a validated payload.
 */
#ifndef POSTHORN_IPC_H
#define POSTHORN_IPC_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "ipc_msgs.h"

struct ipc;

/* one string field of a payload, ended by a { 0, 0 } entry */
struct ipc_strfield {
	size_t	off;
	size_t	size;
};

struct ipc_hdr {
	uint32_t	type;
	uint32_t	len;		/* payload bytes after the header */
	uint32_t	id;		/* request or session id, opaque */
	uint32_t	reserved;
};

#define IPC_FRAME_MAX	8192
#define IPC_DRAIN_TIMEOUT 60	/* seconds a closing channel may flush */

/*
 * A handler owns fd (-1 when none) and must close or keep it.  It must
 * not free the channel; ipc_shutdown() closes it through the close
 * callback once the handler has returned.
 */
struct ipc_handler {
	enum ipc_type	  type;
	void		(*fn)(struct ipc *, uint32_t id, int fd,
			    const void *payload, void *arg);
};

/* What a violation of the contract does to the channel. */
enum ipc_trust {
	IPC_TRUST_PEER,		/* another posthorn process: fatalx */
	IPC_TRUST_CLIENT	/* a control client: log and close */
};

struct ipc	*ipc_new(int fd, enum proc_role self, enum proc_role peer,
		    enum ipc_trust, const struct ipc_handler *handlers,
		    void *arg);
void		 ipc_set_close_cb(struct ipc *, void (*)(struct ipc *, void *));
void		 ipc_free(struct ipc *);
void		 ipc_shutdown(struct ipc *);
int		 ipc_send(struct ipc *, enum ipc_type, uint32_t id, int fd,
		    const void *payload, size_t len);
int		 ipc_flush(struct ipc *);
void		 ipc_throttle(struct ipc *src, struct ipc *dst, size_t high);
size_t		 ipc_queued(const struct ipc *);
enum proc_role	 ipc_peer(const struct ipc *);
int		 ipc_ready(const struct ipc *);

/* handlers every role shares */
void		 ipc_on_log_verbose(struct ipc *, uint32_t, int, const void *,
		    void *);
void		 ipc_on_log_brief(struct ipc *, uint32_t, int, const void *,
		    void *);

void		 ipc_on_sibling_lost(struct ipc *, void *);

/*
 * one frame on the wire, for ipc_sync.c and parent_helper.c's answers;
 * -1 and errno on failure
 */
ssize_t		 ipc_sendmsg(int sock, const void *frame, size_t len, int fd);
ssize_t		 ipc_recvmsg(int sock, void *buf, size_t bufsz, int *fd,
		    int *nfds);
const char	*ipc_hello_check(const struct msg_hello *, enum proc_role);

const char	*ipc_type_name(uint32_t);
size_t		 ipc_payload_size(enum ipc_type);
const struct ipc_strfield *ipc_payload_strings(enum ipc_type);
int		 ipc_check(enum proc_role self, enum proc_role peer,
		    const struct ipc_hdr *, size_t framelen, int nfds,
		    const void *payload, char *err, size_t errsz);

#endif
