/*
 * lookup_filter.c - the builtin SMTP filters (smtpd.conf "filter") of a
 * listener, run at one phase of a session on the listener's request.
 * A chain runs its members in order; the first whose conditions all
 * match decides (bypass included: it ends the chain for that phase).
 * The tables are read here, as for the match rules; the listener never
 * blocks on them.  A filter that runs filter processes goes to
 * lookup_fchain.c.
 */
#include <sys/queue.h>

#include <string.h>
#include <vis.h>

#include "cfg.h"
#include "ipc.h"
#include "log.h"
#include "lookup.h"
#include "lookup_fproc.h"
#include "lookup_rule.h"

/* lookup_filter_one - one builtin filter: -1 a table failed, 0, 1 */
int
lookup_filter_one(const struct cfg_sfilter *f, enum cfg_sfilter_phase p,
    const struct lookup_rule_ctx *ctx, lookup_table_fn fn, void *arg)
{
	const struct cfg_filter	*c;
	int			 r;

	if (f->kind != CFG_SFILTER_BUILTIN || f->phase != p)
		return 0;
	TAILQ_FOREACH(c, &f->conds, entry)
		if ((r = lookup_rule_filter(c, ctx, fn, arg)) != 1)
			return r;
	return 1;
}

/* lookup_filter_report - a builtin filter's report, in the log */
void
lookup_filter_report(uint64_t sessid, const struct cfg_sfilter *f)
{
	char	vis[4 * CFG_SFILTER_MSG_MAX + 1];

	strnvis(vis, f->message, sizeof(vis), VIS_SAFE | VIS_DQ);
	log_info("%016llx lookup event=filter-report name=%s kind=builtin "
	    "text=\"%s\"", (unsigned long long)sessid, f->name, vis);
}

/*
 * lookup_filter_run - the filter (or chain) f at phase p: 1 with
 * *decided set, 0 when no rule decided, -1 when a table failed; a rule
 * that reports (logged for session sessid) decides nothing
 */
int
lookup_filter_run(const struct cfg_sfilter *f, enum cfg_sfilter_phase p,
    const struct lookup_rule_ctx *ctx, lookup_table_fn fn, void *arg,
    uint64_t sessid, const struct cfg_sfilter **decided)
{
	const struct cfg_sfilter *const	*rules = &f;
	size_t				 i, n = 1;
	int				 r;

	*decided = NULL;
	if (f->kind == CFG_SFILTER_CHAIN) {
		rules = (const struct cfg_sfilter *const *)f->members;
		n = f->nmembers;
	}
	for (i = 0; i < n; i++) {
		if ((r = lookup_filter_one(rules[i], p, ctx, fn, arg)) == 0)
			continue;
		if (r == 1 && rules[i]->decision == CFG_SFILTER_REPORT) {
			lookup_filter_report(sessid, rules[i]);
			continue;
		}
		if (r == 1)
			*decided = rules[i];
		return r;
	}
	return 0;
}

/* lookup_filter_reply - send the listener the verdict */
static void
lookup_filter_reply(struct lookup *l, const struct msg_lka_filter *m,
    int r, const struct cfg_sfilter *rule)
{
	struct msg_lka_filter_result	res;

	memset(&res, 0, sizeof(res));
	res.sessid = m->sess.id;
	res.phase = m->phase;
	res.status = r == 1 ? IPC_FILTER_DECIDED : r == 0 ? IPC_FILTER_NONE :
	    IPC_FILTER_TEMPFAIL;
	if (rule != NULL) {
		res.rule = rule->index;
		res.decision = rule->decision;
	}
	if (ipc_send(l->smtpd, MSG_LOOKUP_FILTER_RESULT, 0, -1, &res,
	    sizeof(res)) == -1)
		log_warn("lookup event=send-failed what=filter-result");
}

/* lookup_filter_on_request - MSG_LOOKUP_FILTER: run a listener's filter */
void
lookup_filter_on_request(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_lka_filter	*m = msg;
	struct lookup			*l = arg;
	const struct cfg_listener	*ls;
	const struct cfg_sfilter	*rule;
	struct lookup_rule_ctx		 ctx;
	int				 r;

	(void)c;
	(void)id;
	(void)fd;
	ls = lookup_listener(l, &m->sess);
	if (m->phase >= CFG_SFILTER_ALL_PHASES || ls == NULL ||
	    !cfg_sfilter_wants(ls->filter, m->phase))
		fatalx("ipc: MSG_LOOKUP_FILTER from smtpd: phase %u of "
		    "listener %u runs no filter", m->phase, m->sess.listener);
	if (cfg_sfilter_has_remote(ls->filter)) {
		lookup_fchain_start(l, ls->filter, m);
		return;
	}
	lookup_rule_ctx_sess(l, &m->sess, m->sender, m->rcpt, &ctx);
	r = lookup_filter_run(ls->filter, m->phase, &ctx,
	    lookup_tables_lookup, l->tables, m->sess.id, &rule);
	if (r != 0)
		log_info("%016llx lookup event=filter phase=%s filter=%s "
		    "result=%s", (unsigned long long)m->sess.id,
		    cfg_sfilter_phase_name(m->phase), ls->filter->name,
		    r == 1 ? rule->name : "tempfail");
	lookup_filter_reply(l, m, r, rule);
}
