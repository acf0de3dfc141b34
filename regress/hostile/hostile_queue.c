/*
 * hostile_queue.c - a compromised queue.
 */
#include <stddef.h>

#include "hostile.h"

const struct hostile_scenario hostile_queue_scenarios[] = {
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
