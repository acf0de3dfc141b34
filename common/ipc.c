/*
 * ipc.c - validated framed messages between posthorn's processes.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "xmalloc.h"

/*
 * IPC_STR - one string field of struct t for the table below; anything
 * but a char array fails to compile
 */
#define IPC_STR(t, f)							\
	{ offsetof(struct t, f), sizeof(((struct t *)0)->f) +		\
	    0 * _Generic(&((struct t *)0)->f[0], char *: 0) },
#define IPC_STR_END	{ 0, 0 }

#define IPC_FITS(name, from, to, payload, fd)			\
	_Static_assert(sizeof(struct payload) <= IPC_FRAME_MAX -	\
	    sizeof(struct ipc_hdr), #name " does not fit in a frame");
IPC_MESSAGES(IPC_FITS)
#undef IPC_FITS

struct ipc_def {
	const char			*name;
	uint32_t			 from;
	uint32_t			 to;
	size_t				 size;
	int				 fd;
	const struct ipc_strfield	*strs;
};

static const struct ipc_def ipc_defs[MSG_MAX] = {
#define IPC_DEF(name, from, to, payload, fd)				\
	[name] = { #name, (from), (to), sizeof(struct payload), (fd),	\
	    (const struct ipc_strfield[]){				\
		IPC_STRS_##payload(IPC_STR, payload) IPC_STR_END } },
	IPC_MESSAGES(IPC_DEF)
#undef IPC_DEF
};

struct ipc_out {
	TAILQ_ENTRY(ipc_out)	 entry;
	int			 fd;
	size_t			 len;
	unsigned char		 data[];
};

struct ipc {
	int				 fd;
	enum proc_role			 self;
	enum proc_role			 peer;
	enum ipc_trust			 trust;
	int				 hello_seen;
	int				 dead;
	int				 draining;	/* ipc_shutdown */
	const struct ipc_handler	*handlers;
	void				*arg;
	void				(*on_close)(struct ipc *, void *);
	struct event			*rev;
	struct event			*wev;
	TAILQ_HEAD(, ipc_out)		 outq;
	size_t				 outlen;	/* octets queued */
	struct ipc			*source;	/* ipc_throttle */
	struct ipc			*sink;		/* its other end */
	size_t				 high;
	int				 paused;	/* not read for now */
};

/* how long a closing channel waits for its peer to take what is queued */
static const struct timeval ipc_drain_tv = { IPC_DRAIN_TIMEOUT, 0 };

static void	ipc_on_read(evutil_socket_t, short, void *);
static void	ipc_on_write(evutil_socket_t, short, void *);
static void	ipc_throttle_check(struct ipc *);

/* ipc_type_name - printable name of a message type, for logs */
const char *
ipc_type_name(uint32_t type)
{
	if (type == MSG_NONE || type >= MSG_MAX)
		return "MSG_UNKNOWN";
	return ipc_defs[type].name;
}

/* ipc_payload_size - the one size a message's payload may have */
size_t
ipc_payload_size(enum ipc_type type)
{
	if (type == MSG_NONE || type >= MSG_MAX)
		panic("ipc_payload_size: bad type %d", (int)type);
	return ipc_defs[type].size;
}

/* ipc_payload_strings - the string fields of a message's payload */
const struct ipc_strfield *
ipc_payload_strings(enum ipc_type type)
{
	if (type == MSG_NONE || type >= MSG_MAX)
		panic("ipc_payload_strings: bad type %d", (int)type);
	return ipc_defs[type].strs;
}

/* ipc_check_strings - every string field holds a NUL within its size */
static int
ipc_check_strings(const struct ipc_strfield *strs, const void *payload)
{
	const char	*p = payload;

	for (; strs->size != 0; strs++)
		if (memchr(p + strs->off, '\0', strs->size) == NULL)
			return -1;
	return 0;
}

/* ipc_check_fail - a refused frame: the reason into err, -1 */
static int
ipc_check_fail(char *err, size_t errsz, const char *why)
{
	(void)strlcpy(err, why, errsz);
	return -1;
}

/* ipc_check - validate one received frame against the catalogue */
int
ipc_check(enum proc_role self, enum proc_role peer, const struct ipc_hdr *h,
    size_t framelen, int nfds, const void *payload, char *err,
    size_t errsz)
{
	const struct ipc_def	*d;

	if (framelen < sizeof(*h))
		return ipc_check_fail(err, errsz, "short frame");
	if (h->type == MSG_NONE || h->type >= MSG_MAX)
		return ipc_check_fail(err, errsz, "unknown message type");
	d = &ipc_defs[h->type];
	if (h->len != framelen - sizeof(*h) || h->len != d->size)
		return ipc_check_fail(err, errsz, "wrong payload length");
	if (h->reserved != 0)
		return ipc_check_fail(err, errsz, "reserved field set");
	if (!(d->from & PROC_BIT(peer)) || !(d->to & PROC_BIT(self)))
		return ipc_check_fail(err, errsz,
		    "message not allowed on this route");
	if (nfds > 1)
		return ipc_check_fail(err, errsz, "more than one descriptor");
	if (d->fd == IPC_FD_MUST && nfds != 1)
		return ipc_check_fail(err, errsz, "missing descriptor");
	if (d->fd == IPC_FD_NONE && nfds != 0)
		return ipc_check_fail(err, errsz, "unexpected descriptor");
	if (ipc_check_strings(d->strs, payload) == -1)
		return ipc_check_fail(err, errsz, "unterminated string");
	return 0;
}

/* ipc_new - wrap one end of a socketpair and say hello to the peer */
struct ipc *
ipc_new(int fd, enum proc_role self, enum proc_role peer,
    enum ipc_trust trust, const struct ipc_handler *handlers, void *arg)
{
	struct ipc		*c;
	struct msg_hello	 hello;

	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->self = self;
	c->peer = peer;
	c->trust = trust;
	c->handlers = handlers;
	c->arg = arg;
	TAILQ_INIT(&c->outq);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		fatal("ipc_new: fcntl");
	c->rev = event_new(ev_base(), fd, EV_READ | EV_PERSIST, ipc_on_read, c);
	c->wev = event_new(ev_base(), fd, EV_WRITE, ipc_on_write, c);
	if (c->rev == NULL || c->wev == NULL)
		fatalx("ipc_new: event_new");
	event_add(c->rev, NULL);

	memset(&hello, 0, sizeof(hello));
	hello.version = IPC_PROTO_VERSION;
	hello.role = self;
	hello.pid = (uint32_t)getpid();
	ipc_send(c, MSG_HELLO, 0, -1, &hello, sizeof(hello));
	return c;
}

/*
 * ipc_shutdown - close the channel once the current callbacks are done
 * and what was sent has reached the peer (or IPC_DRAIN_TIMEOUT passed);
 * nothing more is read or sent meanwhile
 */
void
ipc_shutdown(struct ipc *c)
{
	c->draining = 1;
	event_del(c->rev);
	if (TAILQ_EMPTY(&c->outq)) {
		c->dead = 1;
		event_active(c->rev, EV_READ, 0);
	} else
		event_add(c->wev, &ipc_drain_tv);
}

void
ipc_set_close_cb(struct ipc *c, void (*cb)(struct ipc *, void *))
{
	c->on_close = cb;
}

enum proc_role
ipc_peer(const struct ipc *c)
{
	return c->peer;
}

/* ipc_ready - the peer has completed the version handshake */
int
ipc_ready(const struct ipc *c)
{
	return c->hello_seen;
}

/* ipc_free - close the channel and drop anything not yet sent */
void
ipc_free(struct ipc *c)
{
	struct ipc_out	*o;

	if (c == NULL)
		return;
	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, o, entry);
		if (o->fd != -1)
			close(o->fd);
		free(o);
	}
	c->outlen = 0;
	ipc_throttle_check(c);		/* a paused source reads again */
	if (c->source != NULL)
		c->source->sink = NULL;
	if (c->sink != NULL)
		c->sink->source = NULL;
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	free(c);
}

/* ipc_sendmsg - one sendmsg(2) of a frame with an optional descriptor */
ssize_t
ipc_sendmsg(int sock, const void *data, size_t len, int fd)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct cmsghdr	*cmsg;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

/*
 * ipc_throttle - back-pressure: stop reading src while more than high
 * octets wait to be sent on dst, and read it again once less than half
 * of that does, so a process never buffers without bound what one peer
 * makes it send to another
 */
void
ipc_throttle(struct ipc *src, struct ipc *dst, size_t high)
{
	dst->source = src;
	dst->high = high;
	src->sink = dst;
	ipc_throttle_check(dst);
}

/* ipc_throttle_check - pause or resume dst's source as dst's queue says */
static void
ipc_throttle_check(struct ipc *dst)
{
	struct ipc	*src = dst->source;

	if (src == NULL || src->dead)
		return;
	if (!src->paused && dst->outlen > dst->high) {
		src->paused = 1;
		event_del(src->rev);
		log_debug("ipc event=ipc-paused peer=%s queued=%zu",
		    proc_role_name(src->peer), dst->outlen);
	} else if (src->paused && dst->outlen < dst->high / 2) {
		src->paused = 0;
		event_add(src->rev, NULL);
		log_debug("ipc event=ipc-resumed peer=%s",
		    proc_role_name(src->peer));
	}
}

/* ipc_queued - octets waiting to be sent on a channel */
size_t
ipc_queued(const struct ipc *c)
{
	return c->outlen;
}

/* ipc_flush - send what is queued; -1 when the peer is gone */
int
ipc_flush(struct ipc *c)
{
	struct ipc_out	*o;
	ssize_t		 n;

	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		n = ipc_sendmsg(c->fd, o->data, o->len, o->fd);
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			event_add(c->wev, c->draining ? &ipc_drain_tv : NULL);
			return 0;
		}
		if (n == -1)
			return -1;
		TAILQ_REMOVE(&c->outq, o, entry);
		c->outlen -= o->len;
		if (o->fd != -1)
			close(o->fd);
		free(o);
		ipc_throttle_check(c);
	}
	return 0;
}

/*
 * ipc_send - queue a message for the peer and try to send it now.  The
 * caller keeps its fd (a duplicate travels).  A payload that does not
 * match the catalogue is a bug in the sender.
 */
int
ipc_send(struct ipc *c, enum ipc_type type, uint32_t id, int fd,
    const void *payload, size_t len)
{
	struct ipc_out	*o;
	struct ipc_hdr	 h;

	if (type == MSG_NONE || type >= MSG_MAX || len != ipc_defs[type].size)
		panic("ipc_send: %s: bad payload size %zu", ipc_type_name(type),
		    len);
	if ((fd != -1) != (ipc_defs[type].fd != IPC_FD_NONE) &&
	    !(fd == -1 && ipc_defs[type].fd == IPC_FD_MAY))
		panic("ipc_send: %s: descriptor rule broken", ipc_type_name(type));
	if (c->dead || c->draining)
		return -1;
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = (uint32_t)len;
	h.id = id;
	o = xmalloc(sizeof(*o) + sizeof(h) + len);
	o->len = sizeof(h) + len;
	o->fd = -1;
	if (fd != -1 && (o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1) {
		free(o);
		return -1;
	}
	memcpy(o->data, &h, sizeof(h));
	memcpy(o->data + sizeof(h), payload, len);
	TAILQ_INSERT_TAIL(&c->outq, o, entry);
	c->outlen += o->len;
	ipc_throttle_check(c);
	return ipc_flush(c);
}

/*
 * ipc_recvmsg - one frame and the first descriptor that came with it
 * (others are closed; *nfds counts them all, 99 when truncated)
 */
ssize_t
ipc_recvmsg(int sock, void *buf, size_t bufsz, int *fd, int *nfds)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	} cmsgbuf;
	struct cmsghdr	*cmsg;
	ssize_t		 n;
	int		 i, cnt, tmp;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = bufsz;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	*fd = -1;
	*nfds = 0;
	if ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) == -1)
		return -1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < cnt; i++) {
			memcpy(&tmp, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (*fd == -1)
				*fd = tmp;
			else
				close(tmp);
			(*nfds)++;
		}
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		*nfds = 99;	/* reported as a violation by ipc_check */
	return n;
}

/* ipc_violation - the peer broke the contract */
static void
ipc_violation(struct ipc *c, uint32_t type, const char *why)
{
	if (c->trust == IPC_TRUST_PEER)
		fatalx("ipc: %s from %s: %s", ipc_type_name(type),
		    proc_role_name(c->peer), why);
	log_warnx("ipc event=violation type=%s peer=%s-client reason=\"%s\" "
	    "action=close", ipc_type_name(type), proc_role_name(c->peer), why);
	c->dead = 1;
}

/* ipc_hello_check - what is wrong with a peer's hello; NULL if nothing */
const char *
ipc_hello_check(const struct msg_hello *h, enum proc_role peer)
{
	if (h->version != IPC_PROTO_VERSION)
		return "protocol version mismatch";
	if (h->role != (uint32_t)peer)
		return "peer claims another role";
	return NULL;
}

/* ipc_hello - check the peer's handshake */
static void
ipc_hello(struct ipc *c, const struct msg_hello *h)
{
	const char	*why;

	if ((why = ipc_hello_check(h, c->peer)) != NULL)
		ipc_violation(c, MSG_HELLO, why);
	else if (c->hello_seen)
		ipc_violation(c, MSG_HELLO, "second hello");
	else
		c->hello_seen = 1;
}

/* ipc_dispatch - hand one validated frame to its handler */
static void
ipc_dispatch(struct ipc *c, const struct ipc_hdr *h, const void *payload,
    int fd)
{
	const struct ipc_handler	*hd;

	if (h->type == MSG_HELLO) {
		ipc_hello(c, payload);
		return;
	}
	if (!c->hello_seen) {
		if (fd != -1)
			close(fd);
		ipc_violation(c, h->type, "message before hello");
		return;
	}
	for (hd = c->handlers; hd != NULL && hd->fn != NULL; hd++)
		if (hd->type == h->type) {
			hd->fn(c, h->id, fd, payload, c->arg);
			return;
		}
	if (fd != -1)
		close(fd);
	ipc_violation(c, h->type, "no handler in this process");
}

/* ipc_closed - the peer went away or was cut off */
static void
ipc_closed(struct ipc *c)
{
	c->dead = 1;
	event_del(c->rev);
	event_del(c->wev);
	if (c->on_close)
		c->on_close(c, c->arg);
	else if (c->trust == IPC_TRUST_PEER)
		fatalx("ipc: lost the %s process", proc_role_name(c->peer));
}

/* ipc_on_read - read and dispatch what the peer sent */
static void
ipc_on_read(evutil_socket_t sock, short what, void *arg)
{
	struct ipc	*c = arg;
	union {
		struct ipc_hdr	h;
		unsigned char	buf[IPC_FRAME_MAX];
	} f;
	char		 why[ERRTEXT_MAX];
	ssize_t		 n;
	int		 fd, nfds, i;

	(void)what;
	if (c->dead) {
		ipc_closed(c);
		return;
	}
	for (i = 0; i < 64 && !c->dead && !c->paused; i++) {
		n = ipc_recvmsg(sock, f.buf, sizeof(f.buf), &fd, &nfds);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			ipc_closed(c);
			return;
		}
		if (ipc_check(c->self, c->peer, &f.h, (size_t)n, nfds,
		    f.buf + sizeof(f.h), why, sizeof(why)) == -1) {
			if (fd != -1)
				close(fd);
			ipc_violation(c, n >= (ssize_t)sizeof(f.h) ?
			    f.h.type : MSG_NONE, why);
			continue;
		}
		ipc_dispatch(c, &f.h, f.buf + sizeof(f.h), fd);
	}
	if (c->dead)
		ipc_closed(c);
}

/* ipc_on_write - the socket has room again, or a drain timed out */
static void
ipc_on_write(evutil_socket_t sock, short what, void *arg)
{
	struct ipc	*c = arg;

	(void)sock;
	if ((what & EV_TIMEOUT) || ipc_flush(c) == -1 ||
	    (c->draining && TAILQ_EMPTY(&c->outq)))
		ipc_closed(c);
}

/* ipc_on_log_verbose - MSG_LOG_VERBOSE: turn debug traces on */
void
ipc_on_log_verbose(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c;
	(void)id;
	(void)fd;
	(void)msg;
	(void)arg;
	log_setverbose(1);
}

/* ipc_on_log_brief - MSG_LOG_BRIEF: turn debug traces off */
void
ipc_on_log_brief(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c;
	(void)id;
	(void)fd;
	(void)msg;
	(void)arg;
	log_setverbose(0);
}

/*
 * ipc_on_sibling_lost - close callback for a channel to another child:
 * the parent sees that child die and stops everything; until then this
 * process waits instead of exiting, so the log blames the right one.
 */
void
ipc_on_sibling_lost(struct ipc *c, void *arg)
{
	(void)arg;
	log_debug("ipc event=peer-lost peer=%s action=wait-parent",
	    proc_role_name(c->peer));
}
