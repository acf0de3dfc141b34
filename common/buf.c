/*
 * buf.c - bounded growable buffers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "xmalloc.h"

/* buf_init - an empty buffer that will never hold more than max bytes */
void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->max = max;
}

/* buf_free - release the storage; the buffer is empty and reusable */
void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

/* buf_reset - forget the contents, keep the storage */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* buf_room - how many more bytes the cap allows */
size_t
buf_room(const struct buf *b)
{
	return b->max - b->len;
}

/* buf_reserve - make room for need more bytes; -1 past the cap */
static int
buf_reserve(struct buf *b, size_t need)
{
	size_t	nsize;

	if (need > buf_room(b))
		return -1;
	if (b->data != NULL && b->len + need <= b->size)
		return 0;
	nsize = b->size ? b->size : 64;
	while (nsize < b->len + need)
		nsize *= 2;
	if (nsize > b->max)
		nsize = b->max;
	b->data = xreallocarray(b->data, nsize + 1, 1);
	b->size = nsize;
	return 0;
}

/* buf_add - append len bytes; -1 (buffer unchanged) past the cap */
int
buf_add(struct buf *b, const void *p, size_t len)
{
	if (buf_reserve(b, len) == -1)
		return -1;
	if (len > 0)		/* an empty buf's data is NULL */
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* buf_printf - append formatted text; -1 (buffer unchanged) past the cap */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* buf_consume - drop n bytes from the front */
void
buf_consume(struct buf *b, size_t n)
{
	if (n > b->len)
		panic("buf_consume: %zu > %zu", n, b->len);
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	if (b->data)
		b->data[b->len] = '\0';
}

/* buf_release - hand the NUL-terminated contents to the caller */
char *
buf_release(struct buf *b)
{
	char	*p = b->data;

	if (p == NULL)
		p = xstrdup("");
	b->data = NULL;
	b->len = b->size = 0;
	return p;
}
