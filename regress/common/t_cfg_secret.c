/*
 * t_cfg_secret.c - the secrets of a configuration: the key of `queue
 * encryption`, which every process but the queue wipes once parsed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "cfg.h"

/* t_load - s as smtpd.conf, loaded */
static struct cfg *
t_load(const char *s)
{
	struct cfg	*cfg;
	FILE		*fp;
	char		 err[1024];

	ATF_REQUIRE((fp = fopen("smtpd.conf", "w")) != NULL);
	ATF_REQUIRE(fputs(s, fp) != EOF);
	ATF_REQUIRE(fclose(fp) == 0);
	cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(cfg != NULL, "%s", err);
	return cfg;
}

ATF_TC_WITHOUT_HEAD(cfg_wipe_queue_key_forgets);
ATF_TC_BODY(cfg_wipe_queue_key_forgets, tc)
{
	struct cfg	*cfg;

	cfg = t_load("queue encryption \"the key\"\n");
	ATF_REQUIRE(cfg->queue.encryption_key != NULL);
	ATF_CHECK_STREQ(cfg->queue.encryption_key, "the key");
	cfg_wipe_queue_key(cfg);
	ATF_CHECK(cfg->queue.encryption_key == NULL);
	ATF_CHECK_EQ(cfg->queue.encryption, 1);
	cfg_wipe_queue_key(cfg);	/* nothing left: no harm */
	cfg_free(cfg);
	/* without a key in the file there is nothing to wipe */
	cfg = t_load("queue encryption\n");
	cfg_wipe_queue_key(cfg);
	ATF_CHECK(cfg->queue.encryption_key == NULL);
	ATF_CHECK_EQ(cfg->queue.encryption, 1);
	cfg_free(cfg);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, cfg_wipe_queue_key_forgets);
	return atf_no_error();
}
