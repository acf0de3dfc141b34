/*
 * hostile.c - raw frames on a role's channels, for the attacker.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ev.h"
#include "hostile.h"
#include "log.h"

/* hostile_on_signal - run cb from the event loop on each signal sig */
void
hostile_on_signal(int sig, void (*cb)(int, short, void *), void *arg)
{
	struct event	*ev;

	ev = evsignal_new(ev_base(), sig, cb, arg);
	if (ev == NULL || evsignal_add(ev, NULL) == -1)
		hostile_log("event=error what=signal signal=%d", sig);
}

/* hostile_log - a "hostile event=..." line in the daemon's log */
void
hostile_log(const char *fmt, ...)
{
	char	line[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_info("hostile %s", line);
}

/* hostile_send - one raw frame: any type, any length, optional fd */
int
hostile_send(struct hostile *h, enum proc_role peer, uint32_t type,
    uint32_t id, int fd, const void *payload, size_t len)
{
	static unsigned char	 frame[IPC_FRAME_MAX * 4];
	struct ipc_hdr		 hdr;

	if (h->fd[peer] == -1 || sizeof(hdr) + len > sizeof(frame))
		return -1;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)len;
	hdr.id = id;
	memcpy(frame, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(frame + sizeof(hdr), payload, len);
	hostile_log("event=send peer=%s type=%s len=%zu fd=%d",
	    proc_role_name(peer), ipc_type_name(type), len, fd != -1);
	return ipc_sendmsg(h->fd[peer], frame, sizeof(hdr) + len, fd) == -1 ?
	    -1 : 0;
}

/* hostile_msg - a frame of a catalogue type with its catalogue size */
int
hostile_msg(struct hostile *h, enum proc_role peer, enum ipc_type type,
    uint32_t id, int fd, const void *payload)
{
	return hostile_send(h, peer, type, id, fd, payload,
	    ipc_payload_size(type));
}

/* hostile_hello - the handshake a role sends first */
int
hostile_hello(struct hostile *h, enum proc_role peer)
{
	struct msg_hello	m;

	memset(&m, 0, sizeof(m));
	m.version = IPC_PROTO_VERSION;
	m.role = h->self;
	m.pid = (uint32_t)getpid();
	return hostile_msg(h, peer, MSG_HELLO, 0, -1, &m);
}

/* hostile_recv - one frame from peer within timeout_ms */
int
hostile_recv(struct hostile *h, enum proc_role peer, struct ipc_hdr *hdr,
    void *buf, size_t bufsz, int *fd, int timeout_ms)
{
	unsigned char	 frame[IPC_FRAME_MAX * 2];
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 nfds;

	*fd = -1;
	pfd.fd = h->fd[peer];
	pfd.events = POLLIN;
	if ((n = poll(&pfd, 1, timeout_ms)) <= 0)
		return n == 0 ? 0 : -1;
	if ((n = ipc_recvmsg(h->fd[peer], frame, sizeof(frame), fd,
	    &nfds)) <= 0 || (size_t)n < sizeof(*hdr))
		return -1;
	memcpy(hdr, frame, sizeof(*hdr));
	memset(buf, 0, bufsz);
	memcpy(buf, frame + sizeof(*hdr), (size_t)n - sizeof(*hdr) < bufsz ?
	    (size_t)n - sizeof(*hdr) : bufsz);
	hostile_log("event=recv peer=%s type=%s len=%u fd=%d",
	    proc_role_name(peer), ipc_type_name(hdr->type), hdr->len,
	    *fd != -1);
	return 1;
}
