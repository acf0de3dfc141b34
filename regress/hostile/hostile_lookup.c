/*
 * hostile_lookup.c - a compromised lookup process.
 */
#include <stddef.h>

#include "hostile.h"

const struct hostile_scenario hostile_lookup_scenarios[] = {
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
