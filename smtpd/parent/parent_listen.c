/*
 * parent_listen.c - the root parent binds every listening socket: the
 * configured TCP listeners, the local enqueuer's socket and the control
 * socket (both in the spool's run/, which only root may write).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ipc_msgs.h"
#include "log.h"
#include "parent.h"
#include "unixsock.h"
#include "xmalloc.h"

/* parent_sock_add - remember one bound socket */
static void
parent_sock_add(struct parent_socks *ps, int fd, const char *name,
    uint32_t flags, size_t index)
{
	struct parent_sock	*s;

	ps->v = xreallocarray(ps->v, ps->n + 1, sizeof(*ps->v));
	s = &ps->v[ps->n++];
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->flags = flags;
	s->index = index;
	strlcpy(s->name, name, sizeof(s->name));
}

/* parent_sa_name - "addr:port" for logs and the listener's records */
static void
parent_sa_name(const struct sockaddr *sa, char *buf, size_t bufsz)
{
	char	host[INET6_ADDRSTRLEN], serv[16];

	if (getnameinfo(sa, sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
	    host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy(buf, "?", bufsz);
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, bufsz, "[%s]:%s", host, serv);
	else
		snprintf(buf, bufsz, "%s:%s", host, serv);
}

/* parent_bind_tcp - one listening TCP socket on sa; -1 on failure */
static int
parent_bind_tcp(const struct sockaddr *sa, socklen_t salen, char *err,
    size_t errsz)
{
	int	fd, on = 1;
	char	name[HOST_MAX];

	parent_sa_name(sa, name, sizeof(name));
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (sa->sa_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, sa, salen) == -1 || listen(fd, SOMAXCONN) == -1)
		goto fail;
	return fd;
fail:
	snprintf(err, errsz, "cannot listen on %s: %s", name, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

/* parent_family_ok - the listener's inet4/inet6 restriction */
static int
parent_family_ok(const struct cfg_listener *l, int family)
{
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (l->family == CFG_FAMILY_INET4)
		return family == AF_INET;
	if (l->family == CFG_FAMILY_INET6)
		return family == AF_INET6;
	return 1;
}

/* parent_listen_iface - bind every address of a network interface */
static int
parent_listen_iface(struct parent_socks *ps, const struct cfg_listener *l,
    size_t index, char *err, size_t errsz)
{
	struct ifaddrs	*ifap, *ifa;
	struct sockaddr_storage ss;
	char		 name[HOST_MAX];
	int		 fd, found = 0;

	if (getifaddrs(&ifap) == -1)
		return snprintf(err, errsz, "getifaddrs: %s",
		    strerror(errno)), -1;
	for (ifa = ifap; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || strcmp(ifa->ifa_name, l->addr) ||
		    !parent_family_ok(l, ifa->ifa_addr->sa_family))
			continue;
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, ifa->ifa_addr, ifa->ifa_addr->sa_family ==
		    AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6));
		((struct sockaddr_in *)&ss)->sin_port = htons(l->port);
		if ((fd = parent_bind_tcp((struct sockaddr *)&ss,
		    sizeof(ss), err, errsz)) == -1) {
			freeifaddrs(ifap);
			return -1;
		}
		parent_sa_name((struct sockaddr *)&ss, name, sizeof(name));
		parent_sock_add(ps, fd, name, 0, index);
		found = 1;
	}
	freeifaddrs(ifap);
	if (!found)
		return snprintf(err, errsz, "no address to listen on for %s",
		    l->addr), -1;
	return 0;
}

/* parent_listen_host - bind the addresses a name or literal resolves to */
static int
parent_listen_host(struct parent_socks *ps, const struct cfg_listener *l,
    size_t index, char *err, size_t errsz)
{
	struct addrinfo	 hints, *res, *ai;
	const char	*host = l->addr;
	char		 port[16], name[HOST_MAX];
	int		 fd, rv, found = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (strcmp(host, "any") == 0)
		host = NULL;
	else if (strcmp(host, "localhost") == 0)
		hints.ai_flags = 0, host = NULL;
	snprintf(port, sizeof(port), "%d", l->port);
	if ((rv = getaddrinfo(host, port, &hints, &res)) != 0)
		return snprintf(err, errsz, "%s: %s", l->addr,
		    gai_strerror(rv)), -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (!parent_family_ok(l, ai->ai_family))
			continue;
		if ((fd = parent_bind_tcp(ai->ai_addr, ai->ai_addrlen, err,
		    errsz)) == -1) {
			if (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)
				continue;	/* no IPv6 on this host */
			freeaddrinfo(res);
			return -1;
		}
		parent_sa_name(ai->ai_addr, name, sizeof(name));
		parent_sock_add(ps, fd, name, 0, index);
		found = 1;
	}
	freeaddrinfo(res);
	if (!found)
		return snprintf(err, errsz, "no address to listen on for %s",
		    l->addr), -1;
	return 0;
}

/* parent_is_iface - whether a listen address names a network interface */
static int
parent_is_iface(const char *name)
{
	struct ifaddrs	*ifap, *ifa;
	int		 found = 0;

	if (getifaddrs(&ifap) == -1)
		return 0;
	for (ifa = ifap; ifa != NULL; ifa = ifa->ifa_next)
		if (strcmp(ifa->ifa_name, name) == 0)
			found = 1;
	freeifaddrs(ifap);
	return found;
}

/*
 * parent_listen_unix - a Unix socket called name in the spool's run/
 * (root's: parent_spool.c made it so and emptied it), with the given
 * mode
 */
int
parent_listen_unix(const struct parent_spool *ps, const char *name,
    int type, mode_t mode, char *err, size_t errsz)
{
	struct sockaddr_un	sun;
	char			path[sizeof(ps->run) + 32];
	int			fd;

	snprintf(path, sizeof(path), "%s/%s", ps->run, name);
	if (unixsock_addr(&sun, path) == -1)
		return snprintf(err, errsz, "%s: path too long", path), -1;
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
		return snprintf(err, errsz, "socket: %s", strerror(errno)), -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    fchmodat(ps->runfd, name, mode, 0) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* parent_listen_all - bind every configured listener */
int
parent_listen_all(const struct cfg *cfg, struct parent_socks *ps, char *err,
    size_t errsz)
{
	const struct cfg_listener	*l;
	size_t				 index = 0;
	int				 rv;

	TAILQ_FOREACH(l, &cfg->listeners, entry) {
		index++;
		if (l->is_socket)
			continue;
		if (strcmp(l->addr, "any") != 0 &&
		    strcmp(l->addr, "localhost") != 0 &&
		    parent_is_iface(l->addr))
			rv = parent_listen_iface(ps, l, index - 1, err, errsz);
		else
			rv = parent_listen_host(ps, l, index - 1, err, errsz);
		if (rv == -1)
			return -1;
	}
	return 0;
}

/* parent_listen_local - the enqueuer's socket, open to every local user */
int
parent_listen_local(struct parent_socks *ps, const struct parent_spool *sp,
    char *err, size_t errsz)
{
	int	fd;

	if ((fd = parent_listen_unix(sp, SPOOL_ENQUEUE_SOCK, SOCK_STREAM, 0666,
	    err, errsz)) == -1)
		return -1;
	parent_sock_add(ps, fd, "local", IPC_LSN_LOCAL, (size_t)-1);
	return 0;
}
