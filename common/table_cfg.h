/*
 * table_cfg.h - a configured table (struct cfg_table) made an open one.
 *
 * The one place that picks the backend for file:, db: and inline
 * tables, adds the inline entries and opens the result, so every
 * process turns configuration into tables the same way.
 */
#ifndef POSTHORN_TABLE_CFG_H
#define POSTHORN_TABLE_CFG_H

#include <stddef.h>

#include "cfg.h"
#include "table.h"

struct table	*table_cfg_open(const struct cfg_table *, char *err,
		    size_t errsz);

#endif
