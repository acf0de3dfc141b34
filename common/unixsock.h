/*
 * unixsock.h - Unix-domain socket addresses and connections.
 */
#ifndef POSTHORN_UNIXSOCK_H
#define POSTHORN_UNIXSOCK_H

#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>

int	unixsock_addr(struct sockaddr_un *, const char *path);
int	unixsock_connect(const char *path, int type, char *err, size_t errsz);

#endif
