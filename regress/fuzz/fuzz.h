/*
 * fuzz.h - what every fuzz target defines: LLVMFuzzerTestOneInput runs
 * one input (0 always); LLVMFuzzerInitialize, optional, prepares the
 * target once.  libFuzzer calls them, or replay.c without it.
 */
#ifndef POSTHORN_FUZZ_H
#define POSTHORN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* fuzz_str - the input as a NUL-terminated copy (the caller frees it) */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
