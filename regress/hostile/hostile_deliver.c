/*
 * hostile_deliver.c - a compromised relay worker.
 */
#include <stddef.h>

#include "hostile.h"

const struct hostile_scenario hostile_deliver_scenarios[] = {
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
