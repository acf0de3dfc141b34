/*
 * ipc_sync.c - blocking calls on a channel of their own (see ipc_sync.h).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc_sync.h"
#include "log.h"
#include "xmalloc.h"

struct ipc_sync {
	int		 fd;
	enum proc_role	 self;
	enum proc_role	 peer;
	uint32_t	 lastid;	/* of the last call */
	int		 dead;		/* the peer is gone */
};

union ipc_sync_frame {
	struct ipc_hdr	h;
	unsigned char	buf[IPC_FRAME_MAX];
};

/* ipc_sync_deadline - now plus ms on the monotonic clock */
static struct timespec
ipc_sync_deadline(int ms)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* ipc_sync_wait - poll fd for events until the deadline: 1, 0 on time-out */
static int
ipc_sync_wait(int fd, short events, const struct timespec *deadline)
{
	struct pollfd	pfd;
	struct timespec	now;
	long long	ms;
	int		n;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
		    (deadline->tv_nsec - now.tv_nsec) / 1000000L;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, ms > 0 ? (int)ms : 0);
		if (n == -1 && errno == EINTR)
			continue;
		return n == -1 ? 1 : n;	/* an error shows in the next I/O */
	}
}

/* ipc_sync_send - one frame, waiting for room until the deadline */
static int
ipc_sync_send(struct ipc_sync *s, enum ipc_type type, uint32_t id,
    const void *payload, const struct timespec *deadline,
    char *err, size_t errsz)
{
	union ipc_sync_frame	f;
	size_t			len = ipc_payload_size(type);
	int			rv = -1;

	memset(&f.h, 0, sizeof(f.h));
	f.h.type = type;
	f.h.len = (uint32_t)len;
	f.h.id = id;
	memcpy(f.buf + sizeof(f.h), payload, len);
	for (;;) {
		if (ipc_sendmsg(s->fd, f.buf, sizeof(f.h) + len, -1) != -1) {
			rv = 0;
			break;
		}
		if (errno != EAGAIN && errno != EINTR) {
			s->dead = 1;
			(void)strlcpy(err, "the peer is gone", errsz);
			break;
		}
		if (ipc_sync_wait(s->fd, POLLOUT, deadline) == 0) {
			(void)strlcpy(err, "timed out", errsz);
			break;
		}
	}
	explicit_bzero(&f, sizeof(f));
	return rv;
}

/*
 * ipc_sync_recv - the next frame until the deadline, checked against the
 * catalogue: 1, 0 on time-out, -1 when the peer is gone
 */
static int
ipc_sync_recv(struct ipc_sync *s, union ipc_sync_frame *f,
    const struct timespec *deadline, char *err, size_t errsz)
{
	char		 why[ERRTEXT_MAX];
	ssize_t		 n;
	int		 fd, nfds;

	for (;;) {
		n = ipc_recvmsg(s->fd, f->buf, sizeof(f->buf), &fd, &nfds);
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (ipc_sync_wait(s->fd, POLLIN, deadline) == 0)
				return (void)strlcpy(err, "timed out",
				    errsz), 0;
			continue;
		}
		if (n <= 0) {
			s->dead = 1;
			return (void)strlcpy(err, "the peer is gone",
			    errsz), -1;
		}
		if (fd != -1)
			close(fd);
		if (ipc_check(s->self, s->peer, &f->h, (size_t)n, nfds,
		    f->buf + sizeof(f->h), why, sizeof(why)) == -1)
			fatalx("ipc: %s from %s: %s", ipc_type_name(f->h.type),
			    proc_role_name(s->peer), why);
		return 1;
	}
}

/*
 * ipc_sync_new - a blocking channel on fd: say hello and wait up to
 * hello_ms for the peer's, which must come first
 */
struct ipc_sync *
ipc_sync_new(int fd, enum proc_role self, enum proc_role peer, int hello_ms)
{
	struct ipc_sync		*s;
	union ipc_sync_frame	 f;
	struct msg_hello	 hello;
	struct timespec		 deadline = ipc_sync_deadline(hello_ms);
	const char		*bad;
	char			 why[ERRTEXT_MAX];

	s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	s->self = self;
	s->peer = peer;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		fatal("ipc_sync_new: fcntl");
	memset(&hello, 0, sizeof(hello));
	hello.version = IPC_PROTO_VERSION;
	hello.role = self;
	hello.pid = (uint32_t)getpid();
	if (ipc_sync_send(s, MSG_HELLO, 0, &hello, &deadline, why,
	    sizeof(why)) == -1 ||
	    ipc_sync_recv(s, &f, &deadline, why, sizeof(why)) != 1)
		fatalx("ipc: no hello from the %s process: %s",
		    proc_role_name(peer), why);
	if (f.h.type != MSG_HELLO)
		fatalx("ipc: %s from %s: message before hello",
		    ipc_type_name(f.h.type), proc_role_name(peer));
	if ((bad = ipc_hello_check((const struct msg_hello *)(f.buf +
	    sizeof(f.h)), peer)) != NULL)
		fatalx("ipc: MSG_HELLO from %s: %s", proc_role_name(peer), bad);
	return s;
}

/*
 * ipc_sync_call - send req as a message of type, wait up to timeout_ms
 * for its answer (of type answer, into ans); -1 with the reason in err
 * on time-out or when the peer is gone
 */
int
ipc_sync_call(struct ipc_sync *s, enum ipc_type type, const void *req,
    enum ipc_type answer, void *ans, int timeout_ms, char *err,
    size_t errsz)
{
	union ipc_sync_frame	f;
	struct timespec		deadline = ipc_sync_deadline(timeout_ms);
	uint32_t		id;
	int			rv = -1;

	if (s->dead)
		return (void)strlcpy(err, "the peer is gone", errsz), -1;
	if ((id = ++s->lastid) == 0)
		id = ++s->lastid;
	if (ipc_sync_send(s, type, id, req, &deadline, err, errsz) == -1)
		return -1;
	while (ipc_sync_recv(s, &f, &deadline, err, errsz) == 1) {
		if (f.h.type == MSG_HELLO)
			fatalx("ipc: MSG_HELLO from %s: second hello",
			    proc_role_name(s->peer));
		if (f.h.id != id) {
			log_debug("ipc event=late-answer type=%s peer=%s "
			    "action=drop", ipc_type_name(f.h.type),
			    proc_role_name(s->peer));
			continue;
		}
		if (f.h.type != answer)
			fatalx("ipc: %s from %s: not an answer to %s",
			    ipc_type_name(f.h.type), proc_role_name(s->peer),
			    ipc_type_name(type));
		memcpy(ans, f.buf + sizeof(f.h), ipc_payload_size(answer));
		rv = 0;
		break;
	}
	explicit_bzero(&f, sizeof(f));
	return rv;
}

/* ipc_sync_free - close the channel */
void
ipc_sync_free(struct ipc_sync *s)
{
	if (s == NULL)
		return;
	close(s->fd);
	free(s);
}
