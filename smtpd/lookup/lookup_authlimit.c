/*
 * lookup_authlimit.c - failed AUTH attempts counted per client address,
 * across all sessions (see lookup.h).  No I/O: the caller logs and
 * answers.  A window opens with an address's first failure and counts
 * every failure until it is window seconds old; an address with
 * fails failures in its window is limited until the window ends.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "lookup.h"
#include "xmalloc.h"

struct lookup_authlimit_addr {
	RB_ENTRY(lookup_authlimit_addr)		 entry;
	TAILQ_ENTRY(lookup_authlimit_addr)	 lru;	/* oldest failure first */
	char					 key[HOST_MAX];
	int64_t					 first;	/* the window's start */
	unsigned				 count;
};

RB_HEAD(lookup_authlimit_tree, lookup_authlimit_addr);

struct lookup_authlimit {
	struct lookup_authlimit_tree		 tree;
	TAILQ_HEAD(, lookup_authlimit_addr)	 lru;
	unsigned				 fails;
	int64_t					 window;
	size_t					 max, n;
};

/* lookup_authlimit_cmp - order addresses by key */
static int
lookup_authlimit_cmp(const struct lookup_authlimit_addr *a,
    const struct lookup_authlimit_addr *b)
{
	return strcmp(a->key, b->key);
}

RB_PROTOTYPE(lookup_authlimit_tree, lookup_authlimit_addr, entry,
    lookup_authlimit_cmp);
RB_GENERATE(lookup_authlimit_tree, lookup_authlimit_addr, entry,
    lookup_authlimit_cmp);

/* lookup_authlimit_new - an empty table */
struct lookup_authlimit *
lookup_authlimit_new(unsigned fails, int64_t window, size_t addrs)
{
	struct lookup_authlimit	*al;

	al = xcalloc(1, sizeof(*al));
	RB_INIT(&al->tree);
	TAILQ_INIT(&al->lru);
	al->fails = fails;
	al->window = window;
	al->max = addrs > 0 ? addrs : 1;
	return al;
}

/* lookup_authlimit_key - what src counts as: itself, or its IPv6 /64 */
static int
lookup_authlimit_key(const char *src, char *key, size_t keysz)
{
	struct in6_addr	a6;
	char		buf[INET6_ADDRSTRLEN];

	if (*src == '\0' || strlen(src) >= keysz)
		return -1;
	if (inet_pton(AF_INET6, src, &a6) != 1) {
		strlcpy(key, src, keysz);
		return 0;
	}
	memset(&a6.s6_addr[8], 0, 8);
	if (inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) == NULL ||
	    strlcpy(key, buf, keysz) >= keysz ||
	    strlcat(key, "/64", keysz) >= keysz)
		return -1;
	return 0;
}

/* lookup_authlimit_drop - forget one address */
static void
lookup_authlimit_drop(struct lookup_authlimit *al,
    struct lookup_authlimit_addr *e)
{
	RB_REMOVE(lookup_authlimit_tree, &al->tree, e);
	TAILQ_REMOVE(&al->lru, e, lru);
	al->n--;
	free(e);
}

/* lookup_authlimit_find - src's entry with a current window, or NULL */
static struct lookup_authlimit_addr *
lookup_authlimit_find(struct lookup_authlimit *al, const char *src,
    int64_t now)
{
	struct lookup_authlimit_addr	 k, *e;

	if (lookup_authlimit_key(src, k.key, sizeof(k.key)) == -1 ||
	    (e = RB_FIND(lookup_authlimit_tree, &al->tree, &k)) == NULL)
		return NULL;
	if (now - e->first >= al->window || now < e->first) {
		lookup_authlimit_drop(al, e);
		return NULL;
	}
	return e;
}

/* lookup_authlimit_check - 1 if src is limited now, else 0 */
int
lookup_authlimit_check(struct lookup_authlimit *al, const char *src,
    int64_t now)
{
	struct lookup_authlimit_addr	*e;

	if ((e = lookup_authlimit_find(al, src, now)) == NULL)
		return 0;
	return e->count >= al->fails;
}

/*
 * lookup_authlimit_fail - count one failure of src; the failures in its
 * window so far (0 when src cannot be counted: empty, too long)
 */
unsigned
lookup_authlimit_fail(struct lookup_authlimit *al, const char *src,
    int64_t now)
{
	struct lookup_authlimit_addr	*e;

	if ((e = lookup_authlimit_find(al, src, now)) == NULL) {
		e = xcalloc(1, sizeof(*e));
		if (lookup_authlimit_key(src, e->key, sizeof(e->key)) == -1) {
			free(e);
			return 0;
		}
		if (al->n >= al->max)
			lookup_authlimit_drop(al, TAILQ_FIRST(&al->lru));
		e->first = now;
		RB_INSERT(lookup_authlimit_tree, &al->tree, e);
		TAILQ_INSERT_TAIL(&al->lru, e, lru);
		al->n++;
	} else {
		TAILQ_REMOVE(&al->lru, e, lru);
		TAILQ_INSERT_TAIL(&al->lru, e, lru);
	}
	if (e->count < al->fails)
		e->count++;
	return e->count;
}

/* lookup_authlimit_free - release the table */
void
lookup_authlimit_free(struct lookup_authlimit *al)
{
	struct lookup_authlimit_addr	*e;

	if (al == NULL)
		return;
	while ((e = TAILQ_FIRST(&al->lru)) != NULL)
		lookup_authlimit_drop(al, e);
	free(al);
}
