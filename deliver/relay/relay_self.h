/*
 * relay_self.h - the addresses this daemon listens on, so that the relay
 * never connects to itself ("mail loops back to myself").
 */
#ifndef POSTHORN_RELAY_SELF_H
#define POSTHORN_RELAY_SELF_H

#include <sys/types.h>
#include <sys/socket.h>

struct cfg;
struct relay_self;

struct relay_self	*relay_self_new(const struct cfg *);
struct relay_self	*relay_self_new_empty(void);
int			 relay_self_add(struct relay_self *,
			    const struct sockaddr *, int port);
int			 relay_self_add_loopback(struct relay_self *, int port);
int			 relay_self_match(const struct relay_self *,
			    const struct sockaddr *);
void			 relay_self_free(struct relay_self *);

#endif
