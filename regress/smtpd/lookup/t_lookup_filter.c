/*
 * t_lookup_filter.c - builtin SMTP filters run by the lookup: a chain
 * in order, the first matching filter decides (bypass too), a filter of
 * another phase is skipped, negations, a lone filter, table failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "cfg.h"
#include "table.h"
#include "../../../smtpd/lookup/lookup.h"
#include "../../../smtpd/lookup/lookup_rule.h"

static const char t_conf[] =
	"table bad { 192.0.2.1 }\n"
	"table vip { vip@example.org }\n"
	"table blocked { vip@example.org, bob@example.org }\n"
	"table helos { spam.example }\n"
	"filter f_src phase connect match src <bad> reject \"554 no\"\n"
	"filter f_norl phase connect match !rdns junk\n"
	"filter f_helo phase helo match helo <helos> disconnect \"421 bye\"\n"
	"filter f_vip phase rcpt-to match rcpt-to <vip> bypass\n"
	"filter f_rep phase rcpt-to match rcpt-to <blocked> "
	"report \"blocked | noted\"\n"
	"filter f_rcpt phase rcpt-to match rcpt-to <blocked> "
	"reject \"550 no\"\n"
	"filter main chain { f_src, f_norl, f_helo, f_vip, f_rep, f_rcpt }\n";

struct t_row {
	enum cfg_sfilter_phase	 phase;
	const char		*src;
	const char		*rdns;
	const char		*helo;
	const char		*rcpt;
	int			 want;		/* lookup_filter_run */
	const char		*decided;	/* its filter, or NULL */
};

static const struct t_row t_rows[] = {
	{ CFG_SFILTER_CONNECT, "192.0.2.1", "", "", "", 1, "f_src" },
	{ CFG_SFILTER_CONNECT, "192.0.2.2", "", "", "", 1, "f_norl" },
	{ CFG_SFILTER_CONNECT, "192.0.2.2", "a.example", "", "", 0, NULL },
	{ CFG_SFILTER_HELO, "192.0.2.1", "", "spam.example", "", 1, "f_helo" },
	{ CFG_SFILTER_HELO, "192.0.2.1", "", "ok.example", "", 0, NULL },
	{ CFG_SFILTER_EHLO, "192.0.2.1", "", "spam.example", "", 0, NULL },
	{ CFG_SFILTER_RCPT_TO, "192.0.2.1", "", "", "vip@example.org", 1,
	  "f_vip" },
	{ CFG_SFILTER_RCPT_TO, "192.0.2.1", "", "", "bob@example.org", 1,
	  "f_rcpt" },
	{ CFG_SFILTER_RCPT_TO, "192.0.2.1", "", "", "eve@example.org", 0,
	  NULL },
	{ CFG_SFILTER_DATA, "192.0.2.1", "", "", "", 0, NULL },
};

/* t_open - the configuration and its tables */
static struct cfg *
t_open(struct lookup_tables **lt)
{
	struct cfg	*cfg;
	char		 err[1024];
	FILE		*f;

	ATF_REQUIRE((f = fopen("smtpd.conf", "w")) != NULL);
	ATF_REQUIRE(fputs(t_conf, f) >= 0 && fclose(f) == 0);
	if ((cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err))) == NULL)
		atf_tc_fail("%s", err);
	if ((*lt = lookup_tables_open(cfg, err, sizeof(err))) == NULL)
		atf_tc_fail("%s", err);
	return cfg;
}

/* t_ctx - the rule context of a row */
static void
t_ctx(const struct t_row *r, struct lookup_rule_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->src = r->src;
	ctx->rdns = r->rdns;
	ctx->helo = r->helo;
	ctx->auth_user = "";
	ctx->tag = "";
	ctx->sender = "";
	ctx->rcpt = r->rcpt;
}

ATF_TC_WITHOUT_HEAD(lookup_filter_run_chain);
ATF_TC_BODY(lookup_filter_run_chain, tc)
{
	struct lookup_tables		*lt;
	struct lookup_rule_ctx		 ctx;
	const struct cfg_sfilter	*d;
	struct cfg			*cfg;
	size_t				 i;
	int				 r;

	cfg = t_open(&lt);
	for (i = 0; i < sizeof(t_rows) / sizeof(t_rows[0]); i++) {
		t_ctx(&t_rows[i], &ctx);
		r = lookup_filter_run(cfg_sfilter_find(cfg, "main"),
		    t_rows[i].phase, &ctx, lookup_tables_lookup, lt, 1, &d);
		ATF_CHECK_EQ_MSG(r, t_rows[i].want, "row %zu", i);
		ATF_CHECK_MSG(t_rows[i].decided == NULL ? d == NULL :
		    d != NULL && strcmp(d->name, t_rows[i].decided) == 0,
		    "row %zu decided by %s", i, d != NULL ? d->name : "none");
	}
	lookup_tables_free(lt);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(lookup_filter_run_single);
ATF_TC_BODY(lookup_filter_run_single, tc)
{
	struct lookup_tables		*lt;
	struct lookup_rule_ctx		 ctx;
	const struct cfg_sfilter	*d, *f;
	struct cfg			*cfg;

	cfg = t_open(&lt);
	f = cfg_sfilter_find(cfg, "f_rcpt");
	t_ctx(&t_rows[6], &ctx);	/* vip: no bypass outside the chain */
	ATF_CHECK_EQ(lookup_filter_run(f, CFG_SFILTER_RCPT_TO, &ctx,
	    lookup_tables_lookup, lt, 1, &d), 1);
	ATF_CHECK(d == f);
	ATF_CHECK_EQ(lookup_filter_run(f, CFG_SFILTER_MAIL_FROM, &ctx,
	    lookup_tables_lookup, lt, 1, &d), 0);
	ATF_CHECK(d == NULL);
	lookup_tables_free(lt);
	cfg_free(cfg);
}

/* t_broken_lookup - table "helos" cannot be read, the others can */
static int
t_broken_lookup(void *arg, const struct cfg_table *t, enum table_kind k,
    const char *key, union table_result *out)
{
	if (strcmp(t->name, "helos") == 0)
		return -1;
	return lookup_tables_lookup(arg, t, k, key, out);
}

ATF_TC_WITHOUT_HEAD(lookup_filter_run_tempfail);
ATF_TC_BODY(lookup_filter_run_tempfail, tc)
{
	struct lookup_tables		*lt;
	struct lookup_rule_ctx		 ctx;
	const struct cfg_sfilter	*d, *main;
	struct cfg			*cfg;

	cfg = t_open(&lt);
	main = cfg_sfilter_find(cfg, "main");
	t_ctx(&t_rows[3], &ctx);	/* helo: its table fails */
	ATF_CHECK_EQ(lookup_filter_run(main, CFG_SFILTER_HELO, &ctx,
	    t_broken_lookup, lt, 1, &d), -1);
	ATF_CHECK(d == NULL);
	t_ctx(&t_rows[0], &ctx);	/* connect: other tables still answer */
	ATF_CHECK_EQ(lookup_filter_run(main, CFG_SFILTER_CONNECT, &ctx,
	    t_broken_lookup, lt, 1, &d), 1);
	ATF_CHECK(d != NULL && strcmp(d->name, "f_src") == 0);
	lookup_tables_free(lt);
	cfg_free(cfg);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_filter_run_chain);
	ATF_TP_ADD_TC(tp, lookup_filter_run_single);
	ATF_TP_ADD_TC(tp, lookup_filter_run_tempfail);
	return atf_no_error();
}
