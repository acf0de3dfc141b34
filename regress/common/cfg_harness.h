/*
 * cfg_harness.h - what the configuration tests share: a configuration
 * that must be refused with exactly one message.
 */
#ifndef POSTHORN_CFG_HARNESS_H
#define POSTHORN_CFG_HARNESS_H

#include <string.h>

#include <atf-c.h>

#include "cfg.h"
#include "file_harness.h"

/* cfg_harness_fails - smtpd.conf holds len octets of s (0: all of it);
 * loading it must fail with exactly msg */
static inline void
cfg_harness_fails(const char *s, size_t len, const char *msg)
{
	struct cfg	*cfg;
	char		 err[1024];

	file_harness_write("smtpd.conf", s, len != 0 ? len : strlen(s));
	cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err));
	ATF_CHECK_MSG(cfg == NULL, "accepted: %s", s);
	if (cfg != NULL) {
		cfg_free(cfg);
		return;
	}
	ATF_CHECK_STREQ_MSG(err, msg, "config: %s", s);
}

#endif
