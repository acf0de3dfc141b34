/*
 * t_lookup_tables.c - reloading the configured tables: one by name, or
 * every named table at once (`smtpctl update table`, `systemctl reload`);
 * a table that fails keeps its contents and does not stop the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "cfg.h"
#include "table.h"
#include "../../queue/lookup.h"

/* t_write - replace a file with text */
static void
t_write(const char *path, const char *text)
{
	FILE	*f;

	ATF_REQUIRE((f = fopen(path, "w")) != NULL);
	fputs(text, f);
	ATF_REQUIRE(fclose(f) == 0);
}

/* t_setup - two file tables, a named inline one and an anonymous one */
static struct cfg *
t_setup(struct lookup_tables **lt)
{
	struct cfg	*cfg;
	char		 err[2048];

	t_write("one", "k old1\n");
	t_write("two", "k old2\n");
	t_write("smtpd.conf", "table one file:one\n"
	    "table two file:two\n"
	    "table three { k = v3 }\n"
	    "listen on 127.0.0.1\n"
	    "action \"A\" mbox\n"
	    "match from any for domain { example.org } action A\n");
	if ((cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err))) == NULL)
		atf_tc_fail("%s", err);
	if ((*lt = lookup_tables_open(cfg, err, sizeof(err))) == NULL)
		atf_tc_fail("%s", err);
	return cfg;
}

/* t_value - the value of key k in the named table, or "" */
static const char *
t_value(struct lookup_tables *lt, struct cfg *cfg, const char *name)
{
	static union table_result	r;

	memset(&r, 0, sizeof(r));
	if (lookup_tables_lookup(lt, cfg_table_find(cfg, name),
	    TABLE_K_STRING, "k", &r) != 1)
		return "";
	return r.string;
}

ATF_TC_WITHOUT_HEAD(lookup_tables_reload_all_tables);
ATF_TC_BODY(lookup_tables_reload_all_tables, tc)
{
	struct lookup_tables	*lt;
	struct cfg		*cfg;
	char			 err[512];

	cfg = t_setup(&lt);
	t_write("one", "k new1\n");
	t_write("two", "k new2\n");
	ATF_CHECK_EQ(lookup_tables_reload(lt, "", err, sizeof(err)), 0);
	ATF_CHECK_STREQ(t_value(lt, cfg, "one"), "new1");
	ATF_CHECK_STREQ(t_value(lt, cfg, "two"), "new2");
	ATF_CHECK_STREQ(t_value(lt, cfg, "three"), "v3");
	lookup_tables_free(lt);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(lookup_tables_reload_all_one_fails);
ATF_TC_BODY(lookup_tables_reload_all_one_fails, tc)
{
	struct lookup_tables	*lt;
	struct cfg		*cfg;
	char			 err[512];

	cfg = t_setup(&lt);
	ATF_REQUIRE(unlink("one") == 0);
	t_write("two", "k new2\n");
	ATF_CHECK_EQ(lookup_tables_reload(lt, "", err, sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "table one") != NULL, "err: %s", err);
	ATF_CHECK_MSG(strstr(err, "more") == NULL, "err: %s", err);
	ATF_CHECK_STREQ(t_value(lt, cfg, "one"), "old1");	/* kept */
	ATF_CHECK_STREQ(t_value(lt, cfg, "two"), "new2");	/* still done */
	lookup_tables_free(lt);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(lookup_tables_reload_all_two_fail);
ATF_TC_BODY(lookup_tables_reload_all_two_fail, tc)
{
	struct lookup_tables	*lt;
	struct cfg		*cfg;
	char			 err[512];

	cfg = t_setup(&lt);
	ATF_REQUIRE(unlink("one") == 0);
	ATF_REQUIRE(unlink("two") == 0);
	ATF_CHECK_EQ(lookup_tables_reload(lt, "", err, sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "table one") != NULL &&
	    strstr(err, "(and 1 more)") != NULL, "err: %s", err);
	ATF_CHECK_STREQ(t_value(lt, cfg, "one"), "old1");
	ATF_CHECK_STREQ(t_value(lt, cfg, "two"), "old2");
	lookup_tables_free(lt);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(lookup_tables_reload_named_only);
ATF_TC_BODY(lookup_tables_reload_named_only, tc)
{
	struct lookup_tables	*lt;
	struct cfg		*cfg;
	char			 err[512];

	cfg = t_setup(&lt);
	t_write("one", "k new1\n");
	t_write("two", "k new2\n");
	ATF_CHECK_EQ(lookup_tables_reload(lt, "two", err, sizeof(err)), 0);
	ATF_CHECK_STREQ(t_value(lt, cfg, "one"), "old1");
	ATF_CHECK_STREQ(t_value(lt, cfg, "two"), "new2");
	ATF_CHECK_EQ(lookup_tables_reload(lt, "{1}", err, sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "no table named") != NULL, "err: %s", err);
	lookup_tables_free(lt);
	cfg_free(cfg);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_tables_reload_all_tables);
	ATF_TP_ADD_TC(tp, lookup_tables_reload_all_one_fails);
	ATF_TP_ADD_TC(tp, lookup_tables_reload_all_two_fail);
	ATF_TP_ADD_TC(tp, lookup_tables_reload_named_only);
	return atf_no_error();
}
