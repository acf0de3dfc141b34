/*
 * ev.h - the process's one event loop, a thin owned wrapper over libevent.
 */
#ifndef POSTHORN_EV_H
#define POSTHORN_EV_H

#include <event2/event.h>

void			 ev_init(void);
struct event_base	*ev_base(void);
int			 ev_dispatch(void);
void			 ev_exit(void);
void			 ev_after_fork(void);

#endif
