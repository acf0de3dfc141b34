/*
 * buf.h - a growable byte buffer with a hard cap fixed at creation.
 *
 * Appending past the cap fails (-1) and leaves the buffer unchanged, so
 * "line too long" is a protocol error, never a memory problem.  The data
 * is always followed by a NUL byte not counted in len.
 */
#ifndef POSTHORN_BUF_H
#define POSTHORN_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;		/* bytes in use */
	size_t	 size;		/* bytes allocated (excluding the NUL) */
	size_t	 max;		/* hard cap on len */
};

void	 buf_init(struct buf *, size_t max);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
int	 buf_add(struct buf *, const void *, size_t);
int	 buf_addstr(struct buf *, const char *);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_consume(struct buf *, size_t);
size_t	 buf_room(const struct buf *);
char	*buf_release(struct buf *);

#endif
