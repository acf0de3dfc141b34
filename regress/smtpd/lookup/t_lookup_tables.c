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
#include "../../../smtpd/lookup/lookup.h"
#include "../../common/file_harness.h"

/* t_setup - two file tables, a named inline one and an anonymous one */
static struct cfg *
t_setup(struct lookup_tables **lt)
{
	struct cfg	*cfg;
	char		 err[2048];

	file_harness_text("one", "k old1\n");
	file_harness_text("two", "k old2\n");
	file_harness_text("smtpd.conf", "table one file:one\n"
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

/*
 * Each row: the table files' new contents (NULL: removed), the name to
 * reload ("" for all), the answer, what err must and must not hold, and
 * the values the tables "one" and "two" give afterwards.
 */
static const struct {
	const char	*one, *two, *name;
	int		 rv;
	const char	*err, *not_err, *want_one, *want_two;
} t_reloads[] = {
	/* every table */
	{ "k new1\n", "k new2\n", "", 0, NULL, NULL, "new1", "new2" },
	/* one fails: it keeps its contents, the other is still reloaded */
	{ NULL, "k new2\n", "", -1, "table one", "more", "old1", "new2" },
	/* both fail: the first is named, the rest counted */
	{ NULL, NULL, "", -1, "(and 1 more)", NULL, "old1", "old2" },
	/* one table by name: the other stays */
	{ "k new1\n", "k new2\n", "two", 0, NULL, NULL, "old1", "new2" },
	/* an anonymous table has no name to reload it by */
	{ "k new1\n", "k new2\n", "{1}", -1, "no table named", NULL,
	    "old1", "old2" },
};

ATF_TC_WITHOUT_HEAD(lookup_tables_reload_named_or_all);
ATF_TC_BODY(lookup_tables_reload_named_or_all, tc)
{
	struct lookup_tables	*lt;
	struct cfg		*cfg;
	char			 err[512];
	size_t			 i;

	for (i = 0; i < sizeof(t_reloads) / sizeof(t_reloads[0]); i++) {
		cfg = t_setup(&lt);
		if (t_reloads[i].one != NULL)
			file_harness_text("one", t_reloads[i].one);
		else
			ATF_REQUIRE(unlink("one") == 0);
		if (t_reloads[i].two != NULL)
			file_harness_text("two", t_reloads[i].two);
		else
			ATF_REQUIRE(unlink("two") == 0);
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(lookup_tables_reload(lt, t_reloads[i].name,
		    err, sizeof(err)), t_reloads[i].rv, "row %zu", i);
		ATF_CHECK_MSG(t_reloads[i].err == NULL ||
		    strstr(err, t_reloads[i].err) != NULL, "row %zu: %s", i, err);
		ATF_CHECK_MSG(t_reloads[i].not_err == NULL ||
		    strstr(err, t_reloads[i].not_err) == NULL, "row %zu: %s", i,
		    err);
		ATF_CHECK_STREQ_MSG(t_value(lt, cfg, "one"),
		    t_reloads[i].want_one, "row %zu", i);
		ATF_CHECK_STREQ_MSG(t_value(lt, cfg, "two"),
		    t_reloads[i].want_two, "row %zu", i);
		ATF_CHECK_STREQ_MSG(t_value(lt, cfg, "three"), "v3", "row %zu",
		    i);
		lookup_tables_free(lt);
		cfg_free(cfg);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_tables_reload_named_or_all);
	return atf_no_error();
}
