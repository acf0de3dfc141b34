#ifndef POSTHORN_LOOKUP_MEDIT_H
#define POSTHORN_LOOKUP_MEDIT_H
#include <stddef.h>
#include "buf.h"
#include "lookup_mproto.h"
struct lookup_medit;
struct lookup_medit *lookup_medit_new(void);
void lookup_medit_free(struct lookup_medit *);
int lookup_medit_add(struct lookup_medit *, const struct lookup_mproto_reply *, char *err, size_t errsz);
int lookup_medit_empty(const struct lookup_medit *);
int lookup_medit_apply(const struct lookup_medit *, const char *msg, size_t len, struct buf *out, char *err, size_t errsz);
int lookup_medit_headers(const char *msg, size_t len, int (*fn)(void *, const char *name, const char *value), void *arg, size_t *body_off);
size_t lookup_medit_crlf(const char *p, size_t len, char *out);
#endif
