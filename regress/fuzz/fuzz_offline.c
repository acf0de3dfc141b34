/*
 * fuzz_offline.c - the header of an offline drop file (written by
 * sendmail(8) as any user, read by the queue): what parses stays
 * within the input.
 */
#include <stdlib.h>
#include <string.h>

#include "offline.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct offline	 off;
	char		 err[256];
	size_t		 i;

	if (offline_parse(&off, (const char *)data, size, err,
	    sizeof(err)) != 0)
		return 0;
	if (off.body_off > size ||
	    memchr(off.sender, '\0', sizeof(off.sender)) == NULL)
		abort();
	for (i = 0; i < off.nrcpt; i++)
		if (memchr(off.rcpts[i], '\0', sizeof(off.rcpts[i])) == NULL)
			abort();
	offline_free(&off);
	return 0;
}
