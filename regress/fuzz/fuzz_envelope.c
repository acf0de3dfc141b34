/*
 * fuzz_envelope.c - the envelope record reader: a record that loads
 * must dump and load again to the same record.
 */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "fuzz.h"

#define FUZZ_ENVELOPE_DUMP	(64 * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope	*a, *b;
	char		 err[256], *one, *two;
	int		 n1, n2;

	a = calloc(2, sizeof(*a));
	one = malloc(2 * FUZZ_ENVELOPE_DUMP);
	if (a == NULL || one == NULL)
		abort();
	b = a + 1;
	two = one + FUZZ_ENVELOPE_DUMP;
	if (envelope_load(a, (const char *)data, size, err,
	    sizeof(err)) == 0 &&
	    (n1 = envelope_dump(a, one, FUZZ_ENVELOPE_DUMP)) >= 0) {
		if (envelope_load(b, one, (size_t)n1, err, sizeof(err)) != 0 ||
		    (n2 = envelope_dump(b, two, FUZZ_ENVELOPE_DUMP)) != n1 ||
		    memcmp(one, two, (size_t)n1) != 0)
			abort();
	}
	free(one);
	free(a);
	return 0;
}
