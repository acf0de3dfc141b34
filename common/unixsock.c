/*
 * unixsock.c - Unix-domain socket addresses and connections.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "unixsock.h"

/* unixsock_addr - fill sun with path; -1 when the path does not fit */
int
unixsock_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path))
		return -1;
	return 0;
}

/*
 * unixsock_connect - a socket of type (SOCK_STREAM, SOCK_SEQPACKET)
 * connected to path, close-on-exec; -1 with err, errno kept
 */
int
unixsock_connect(const char *path, int type, char *err, size_t errsz)
{
	struct sockaddr_un	sun;
	int			fd, saved;

	if (unixsock_addr(&sun, path) == -1) {
		snprintf(err, errsz, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
