/*
 * queue_tx_seen.c - the destinations a transaction already holds, so a
 * recipient given twice, or two aliases that expand to the same mailbox,
 * make one envelope (the lookup removes duplicates within one RCPT only).
 *
 * An open-addressing hash set of indices into the transaction's envelope
 * array; a destination is its action, its kind, its local account and
 * its final address.  The hash is keyed per process, and equal hashes
 * are compared field by field, so no client can make two different
 * destinations count as one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "queue.h"
#include "xmalloc.h"

struct queue_tx_seen {
	uint64_t	*hash;		/* 0: a free slot */
	uint32_t	*index;		/* into the envelope array */
	size_t		 size;		/* slots, a power of two */
	size_t		 used;
};

static uint64_t	queue_tx_seen_key;

/* queue_tx_seen_mix - fold a string into a running hash */
static uint64_t
queue_tx_seen_mix(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff;		/* the separator: "ab","c" differs from "a","bc" */
	return h * 0x100000001b3ULL;
}

/* queue_tx_seen_hash - the hash of an envelope's destination, never 0 */
static uint64_t
queue_tx_seen_hash(const struct envelope *e)
{
	uint64_t	h;

	while (queue_tx_seen_key == 0)
		arc4random_buf(&queue_tx_seen_key, sizeof(queue_tx_seen_key));
	h = queue_tx_seen_key ^ e->dest_type;
	h = queue_tx_seen_mix(h, e->dispatcher);
	h = queue_tx_seen_mix(h, e->user);
	h = queue_tx_seen_mix(h, e->dest);
	h ^= h >> 29;
	return h != 0 ? h : 1;
}

/* queue_tx_seen_same - whether two envelopes have one destination */
static int
queue_tx_seen_same(const struct envelope *a, const struct envelope *b)
{
	return a->dest_type == b->dest_type &&
	    strcmp(a->dispatcher, b->dispatcher) == 0 &&
	    strcmp(a->user, b->user) == 0 && strcmp(a->dest, b->dest) == 0;
}

/* queue_tx_seen_grow - twice the slots, every entry placed again */
static void
queue_tx_seen_grow(struct queue_tx_seen *s)
{
	uint64_t	*oh = s->hash;
	uint32_t	*oi = s->index;
	size_t		 on = s->size, i, j;

	s->size = on ? on * 2 : 64;
	s->hash = xcalloc(s->size, sizeof(*s->hash));
	s->index = xcalloc(s->size, sizeof(*s->index));
	for (i = 0; i < on; i++) {
		if (oh[i] == 0)
			continue;
		for (j = oh[i] & (s->size - 1); s->hash[j] != 0;
		    j = (j + 1) & (s->size - 1))
			;
		s->hash[j] = oh[i];
		s->index[j] = oi[i];
	}
	free(oh);
	free(oi);
}

/*
 * queue_tx_seen_add - 1 if evps[i] has the destination of an envelope
 * added before; else remember it at index i and return 0
 */
int
queue_tx_seen_add(struct queue_tx_seen *s, const struct envelope *evps,
    size_t i)
{
	uint64_t	h = queue_tx_seen_hash(&evps[i]);
	size_t		j;

	if ((s->used + 1) * 2 > s->size)
		queue_tx_seen_grow(s);
	for (j = h & (s->size - 1); s->hash[j] != 0;
	    j = (j + 1) & (s->size - 1))
		if (s->hash[j] == h &&
		    queue_tx_seen_same(&evps[s->index[j]], &evps[i]))
			return 1;
	s->hash[j] = h;
	s->index[j] = (uint32_t)i;
	s->used++;
	return 0;
}

/* queue_tx_seen_new - an empty set */
struct queue_tx_seen *
queue_tx_seen_new(void)
{
	return xcalloc(1, sizeof(struct queue_tx_seen));
}

/* queue_tx_seen_free - forget a set */
void
queue_tx_seen_free(struct queue_tx_seen *s)
{
	if (s == NULL)
		return;
	free(s->hash);
	free(s->index);
	free(s);
}
