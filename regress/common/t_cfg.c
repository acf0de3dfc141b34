/*
 * t_cfg.c - smtpd.conf: every directive parsed into the model, the
 * defaults, the lexical features, and broken files with exact messages.
 * Each case writes its configuration into the test's own directory.
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "cfg.h"
#include "cfg_harness.h"
#include "file_harness.h"

/* t_load - write s to smtpd.conf and load it; fail the test on error */
static struct cfg *
t_load(const char *s, char *const *defines)
{
	struct cfg	*cfg;
	char		 err[1024];

	file_harness_text("smtpd.conf", s);
	cfg = cfg_load("smtpd.conf", defines, err, sizeof(err));
	if (cfg == NULL)
		atf_tc_fail("unexpected error: %s", err);
	return cfg;
}

/* t_filter - the n-th filter of rule m */
static struct cfg_filter *
t_filter(struct cfg_match *m, int n)
{
	struct cfg_filter	*f;

	TAILQ_FOREACH(f, &m->filters, entry)
		if (n-- == 0)
			return f;
	atf_tc_fail("no filter %d", n);
	return NULL;
}

ATF_TC_WITHOUT_HEAD(cfg_load_defaults);
ATF_TC_BODY(cfg_load_defaults, tc)
{
	struct cfg		*cfg;
	struct cfg_listener	*l;

	cfg = t_load("# nothing but a comment\n", NULL);
	ATF_CHECK_EQ(cfg->smtp.max_message_size, 35LL * 1024 * 1024);
	ATF_CHECK_EQ(cfg->smtp.max_mails, 100);
	ATF_CHECK_EQ(cfg->smtp.max_rcpt, 1000);
	ATF_CHECK_EQ(cfg->smtp.max_sessions, 1000);
	ATF_CHECK_EQ(cfg->smtp.sub_addr_delim, '+');
	ATF_CHECK(cfg->smtp.ciphers == NULL);
	ATF_CHECK_STREQ(cfg->queue.path, POSTHORN_SPOOL);
	ATF_CHECK_EQ(cfg->queue.ttl, 4 * 86400);
	ATF_CHECK_EQ(cfg->queue.compression, 0);
	ATF_CHECK_EQ(cfg->queue.encryption, 0);
	ATF_CHECK_EQ(cfg->nbounce_warn, 1);
	ATF_CHECK_EQ(cfg->bounce_warn[0], 4 * 3600);
	ATF_CHECK_EQ(cfg->mta_max_deferred, 100);
	l = TAILQ_FIRST(&cfg->listeners);
	ATF_REQUIRE(l != NULL);
	ATF_CHECK(l->is_socket);
	ATF_CHECK(TAILQ_NEXT(l, entry) == NULL);
	ATF_CHECK(TAILQ_EMPTY(&cfg->matches));
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_listen);
ATF_TC_BODY(cfg_load_listen, tc)
{
	struct cfg		*cfg;
	struct cfg_listener	*l;

	file_harness_text("c.pem", "x");
	file_harness_text("k.pem", "x");
	cfg = t_load("pki a cert c.pem\npki a key k.pem\n"
	    "pki b cert c.pem\npki b key k.pem\nca c cert c.pem\n"
	    "table users { alice = x }\ntable snd { alice = alice@example.org }\n"
	    "listen on localhost\n"
	    "listen on 192.0.2.1 inet4 port 2525 tls pki a pki b "
	    "auth <users> hostname mx.example.org tag IN mask-src no-dsn "
	    "senders <snd> masquerade\n"
	    "listen on eth0 inet6 smtps verify pki a ca c auth-optional\n"
	    "listen on any tls-require pki a auth\n"
	    "listen on socket tag LOCAL mask-src\n", NULL);
	l = TAILQ_FIRST(&cfg->listeners);
	ATF_CHECK_STREQ(l->addr, "localhost");
	ATF_CHECK_EQ(l->port, 25);
	ATF_CHECK_EQ(l->family, CFG_FAMILY_ANY);
	ATF_CHECK_EQ(l->tls, CFG_TLS_NONE);
	ATF_CHECK_EQ(l->auth, CFG_AUTH_NONE);
	ATF_CHECK_EQ(l->npki, 0);
	l = TAILQ_NEXT(l, entry);
	ATF_CHECK_STREQ(l->addr, "192.0.2.1");
	ATF_CHECK_EQ(l->family, CFG_FAMILY_INET4);
	ATF_CHECK_EQ(l->port, 2525);
	ATF_CHECK_EQ(l->tls, CFG_TLS_STARTTLS);
	ATF_CHECK_EQ(l->npki, 2);
	ATF_CHECK_STREQ(l->pki[0]->name, "a");
	ATF_CHECK_STREQ(l->pki[1]->name, "b");
	ATF_CHECK_EQ(l->auth, CFG_AUTH_REQUIRE);
	ATF_CHECK(l->auth_table == cfg_table_find(cfg, "users"));
	ATF_CHECK_STREQ(l->hostname, "mx.example.org");
	ATF_CHECK_STREQ(l->tag, "IN");
	ATF_CHECK(l->mask_src && l->no_dsn && l->masquerade);
	ATF_CHECK(l->senders == cfg_table_find(cfg, "snd"));
	l = TAILQ_NEXT(l, entry);
	ATF_CHECK_STREQ(l->addr, "eth0");
	ATF_CHECK_EQ(l->family, CFG_FAMILY_INET6);
	ATF_CHECK_EQ(l->tls, CFG_TLS_SMTPS);
	ATF_CHECK_EQ(l->port, 465);
	ATF_CHECK_EQ(l->tls_verify, 1);
	ATF_CHECK(l->ca == cfg_ca_find(cfg, "c"));
	ATF_CHECK_EQ(l->auth, CFG_AUTH_OPTIONAL);
	ATF_CHECK(l->auth_table == NULL);
	l = TAILQ_NEXT(l, entry);
	ATF_CHECK_STREQ(l->addr, "any");
	ATF_CHECK_EQ(l->tls, CFG_TLS_REQUIRE);
	ATF_CHECK_EQ(l->port, 25);
	l = TAILQ_NEXT(l, entry);
	ATF_CHECK(l->is_socket);
	ATF_CHECK_STREQ(l->tag, "LOCAL");
	ATF_CHECK(l->mask_src);
	ATF_CHECK(TAILQ_NEXT(l, entry) == NULL);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_smtps_port);
ATF_TC_BODY(cfg_load_smtps_port, tc)
{
	struct cfg	*cfg;

	file_harness_text("c.pem", "x");
	cfg = t_load("pki a cert c.pem\npki a key c.pem\n"
	    "listen on lo port 10465 smtps pki a\n", NULL);
	ATF_CHECK_EQ(TAILQ_FIRST(&cfg->listeners)->port, 10465);
	ATF_CHECK_STREQ(cfg_pki_find(cfg, "a")->cert, "c.pem");
	ATF_CHECK_STREQ(cfg_pki_find(cfg, "a")->key, "c.pem");
	ATF_CHECK(cfg_pki_find(cfg, "b") == NULL);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_tables);
ATF_TC_BODY(cfg_load_tables, tc)
{
	struct cfg		*cfg;
	struct cfg_table	*t;
	struct cfg_table_entry	*e;

	cfg = t_load("table a file:/etc/aliases\ntable b db:/etc/aliases.db\n"
	    "table c /etc/mail/c\ntable d { one, \"two words\",\n"
	    "  3 }\ntable e {\n user = root, table = \"x y\" }\n", NULL);
	t = cfg_table_find(cfg, "a");
	ATF_CHECK(t->type == CFG_TABLE_FILE);
	ATF_CHECK_STREQ(t->path, "/etc/aliases");
	t = cfg_table_find(cfg, "b");
	ATF_CHECK(t->type == CFG_TABLE_DB);
	ATF_CHECK_STREQ(t->path, "/etc/aliases.db");
	t = cfg_table_find(cfg, "c");
	ATF_CHECK(t->type == CFG_TABLE_FILE);
	ATF_CHECK_STREQ(t->path, "/etc/mail/c");
	t = cfg_table_find(cfg, "d");
	ATF_CHECK(t->type == CFG_TABLE_LIST);
	ATF_REQUIRE_EQ(t->nentries, 3);
	e = TAILQ_FIRST(&t->entries);
	ATF_CHECK_STREQ(e->key, "one");
	ATF_CHECK(e->value == NULL);
	e = TAILQ_NEXT(e, entry);
	ATF_CHECK_STREQ(e->key, "two words");
	ATF_CHECK_STREQ(TAILQ_NEXT(e, entry)->key, "3");
	t = cfg_table_find(cfg, "e");
	ATF_CHECK(t->type == CFG_TABLE_MAP);
	ATF_REQUIRE_EQ(t->nentries, 2);
	e = TAILQ_FIRST(&t->entries);
	ATF_CHECK_STREQ(e->key, "user");
	ATF_CHECK_STREQ(e->value, "root");
	e = TAILQ_NEXT(e, entry);
	ATF_CHECK_STREQ(e->key, "table");
	ATF_CHECK_STREQ(e->value, "x y");
	ATF_CHECK(cfg_table_find(cfg, "f") == NULL);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_local_actions);
ATF_TC_BODY(cfg_load_local_actions, tc)
{
	struct cfg		*cfg;
	struct cfg_action	*a;

	cfg = t_load("table al { root = alice }\ntable vu { a@b = alice }\n"
	    "table ub { alice = 1000:1000:/home/alice }\n"
	    "action md maildir\naction mdp maildir \"~/Mail\" junk alias <al>\n"
	    "action mdj maildir junk ttl 2h\naction mb mbox virtual <vu>\n"
	    "action m mda \"/usr/bin/procmail -f %{sender}\" user vmail "
	    "userbase <ub>\naction l lmtp \"/run/lmtp\" rcpt-to\n"
	    "action l2 lmtp localhost:24\naction e expand-only\n"
	    "action f forward-only ttl 30\n", NULL);
	a = cfg_action_find(cfg, "md");
	ATF_CHECK(a->type == CFG_ACTION_MAILDIR);
	ATF_CHECK(a->maildir_path == NULL && !a->maildir_junk);
	a = cfg_action_find(cfg, "mdp");
	ATF_CHECK_STREQ(a->maildir_path, "~/Mail");
	ATF_CHECK(a->maildir_junk);
	ATF_CHECK(a->alias == cfg_table_find(cfg, "al"));
	a = cfg_action_find(cfg, "mdj");
	ATF_CHECK(a->maildir_path == NULL && a->maildir_junk);
	ATF_CHECK_EQ(a->ttl, 7200);
	a = cfg_action_find(cfg, "mb");
	ATF_CHECK(a->type == CFG_ACTION_MBOX);
	ATF_CHECK(a->virtual == cfg_table_find(cfg, "vu"));
	a = cfg_action_find(cfg, "m");
	ATF_CHECK(a->type == CFG_ACTION_MDA);
	ATF_CHECK_STREQ(a->mda_command, "/usr/bin/procmail -f %{sender}");
	ATF_CHECK_STREQ(a->user, "vmail");
	ATF_CHECK(a->userbase == cfg_table_find(cfg, "ub"));
	a = cfg_action_find(cfg, "l");
	ATF_CHECK(a->type == CFG_ACTION_LMTP);
	ATF_CHECK_STREQ(a->lmtp_dest, "/run/lmtp");
	ATF_CHECK(a->lmtp_rcpt_to);
	a = cfg_action_find(cfg, "l2");
	ATF_CHECK_STREQ(a->lmtp_dest, "localhost:24");
	ATF_CHECK(!a->lmtp_rcpt_to);
	ATF_CHECK(cfg_action_find(cfg, "e")->type == CFG_ACTION_EXPAND_ONLY);
	a = cfg_action_find(cfg, "f");
	ATF_CHECK(a->type == CFG_ACTION_FORWARD_ONLY);
	ATF_CHECK_EQ(a->ttl, 30);
	ATF_CHECK(cfg_action_find(cfg, "nope") == NULL);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_relay_actions);
ATF_TC_BODY(cfg_load_relay_actions, tc)
{
	struct cfg		*cfg;
	struct cfg_action	*a;

	file_harness_text("c.pem", "x");
	cfg = t_load("pki p cert c.pem\npki p key c.pem\n"
	    "table sec { isp = \"u:p\" }\ntable dom { example.org }\n"
	    "table srcs { 192.0.2.1 }\n"
	    "action r relay\n"
	    "action s relay host smtp+tls://isp@smtp.example.net:587 "
	    "tls no-verify auth <sec> helo mx.example.org mail-from "
	    "bounce@example.org src 192.0.2.7 domain <dom> pki p ttl 1d\n"
	    "action b relay backup mx mx2.example.org src <srcs>\n"
	    "action b2 relay backup\naction t relay tls\n"
	    "action l relay host lmtp://[::1]:2424\n", NULL);
	a = cfg_action_find(cfg, "r");
	ATF_CHECK(a->type == CFG_ACTION_RELAY);
	ATF_CHECK(!a->has_host && !a->tls && !a->backup);
	a = cfg_action_find(cfg, "s");
	ATF_CHECK(a->has_host);
	ATF_CHECK(a->host.scheme == CFG_RELAY_SMTP_TLS);
	ATF_CHECK_STREQ(a->host.label, "isp");
	ATF_CHECK_STREQ(a->host.host, "smtp.example.net");
	ATF_CHECK_EQ(a->host.port, 587);
	ATF_CHECK(a->tls && a->tls_noverify);
	ATF_CHECK(a->auth == cfg_table_find(cfg, "sec"));
	ATF_CHECK_STREQ(a->helo, "mx.example.org");
	ATF_CHECK_STREQ(a->mail_from, "bounce@example.org");
	ATF_CHECK_STREQ(a->src_addr, "192.0.2.7");
	ATF_CHECK(a->domain == cfg_table_find(cfg, "dom"));
	ATF_CHECK(a->pki == cfg_pki_find(cfg, "p"));
	ATF_CHECK_EQ(a->ttl, 86400);
	a = cfg_action_find(cfg, "b");
	ATF_CHECK(a->backup);
	ATF_CHECK_STREQ(a->backup_mx, "mx2.example.org");
	ATF_CHECK(a->src_table == cfg_table_find(cfg, "srcs"));
	a = cfg_action_find(cfg, "b2");
	ATF_CHECK(a->backup && a->backup_mx[0] == '\0');
	ATF_CHECK(cfg_action_find(cfg, "t")->tls);
	a = cfg_action_find(cfg, "l");
	ATF_CHECK(a->host.scheme == CFG_RELAY_LMTP);
	ATF_CHECK_STREQ(a->host.host, "::1");
	ATF_CHECK_EQ(a->host.port, 2424);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_match);
ATF_TC_BODY(cfg_load_match, tc)
{
	struct cfg		*cfg;
	struct cfg_match	*m;
	struct cfg_filter	*f;

	cfg = t_load("table nets { 192.0.2.0/24 }\ntable doms { example.org }\n"
	    "action a mbox\n"
	    "match action a\n"
	    "match from any for domain example.org action \"a\"\n"
	    "match !from src <nets> for domain <doms> reject\n"
	    "match from auth alice for rcpt-to bob@example.org action a\n"
	    "match from rdns for any auth !helo <doms> mail-from a@b "
	    "rcpt-to <doms> !tag T tls action a\n"
	    "match from socket for local !auth <nets> action a\n"
	    "match from mail-from <doms> for any action a\n"
	    "match from src 192.0.2.9 for rcpt-to <doms> reject\n"
	    "match from rdns <doms> for any reject\n"
	    "match from auth <nets> for any reject\n", NULL);
	m = TAILQ_FIRST(&cfg->matches);
	ATF_CHECK(m->action == cfg_action_find(cfg, "a") && !m->reject);
	ATF_CHECK(t_filter(m, 0)->type == CFG_FILTER_FROM_LOCAL);
	ATF_CHECK(t_filter(m, 1)->type == CFG_FILTER_FOR_LOCAL);
	ATF_CHECK(TAILQ_NEXT(t_filter(m, 1), entry) == NULL);
	m = TAILQ_NEXT(m, entry);
	ATF_CHECK(t_filter(m, 0)->type == CFG_FILTER_FROM_ANY);
	f = t_filter(m, 1);
	ATF_CHECK(f->type == CFG_FILTER_FOR_DOMAIN && !f->negate);
	ATF_CHECK_STREQ(f->value, "example.org");
	m = TAILQ_NEXT(m, entry);
	ATF_CHECK(m->reject && m->action == NULL);
	f = t_filter(m, 0);
	ATF_CHECK(f->type == CFG_FILTER_FROM_SRC && f->negate);
	ATF_CHECK(f->table == cfg_table_find(cfg, "nets"));
	ATF_CHECK(t_filter(m, 1)->table == cfg_table_find(cfg, "doms"));
	m = TAILQ_NEXT(m, entry);
	f = t_filter(m, 0);
	ATF_CHECK(f->type == CFG_FILTER_FROM_AUTH);
	ATF_CHECK_STREQ(f->value, "alice");
	f = t_filter(m, 1);
	ATF_CHECK(f->type == CFG_FILTER_FOR_RCPT_TO);
	ATF_CHECK_STREQ(f->value, "bob@example.org");
	m = TAILQ_NEXT(m, entry);
	ATF_CHECK(t_filter(m, 0)->type == CFG_FILTER_FROM_RDNS);
	ATF_CHECK(t_filter(m, 0)->table == NULL);
	ATF_CHECK(t_filter(m, 1)->type == CFG_FILTER_FOR_ANY);
	ATF_CHECK(t_filter(m, 2)->type == CFG_FILTER_AUTH);
	f = t_filter(m, 3);
	ATF_CHECK(f->type == CFG_FILTER_HELO && f->negate && f->table != NULL);
	ATF_CHECK_STREQ(t_filter(m, 4)->value, "a@b");
	ATF_CHECK(t_filter(m, 5)->type == CFG_FILTER_RCPT_TO);
	f = t_filter(m, 6);
	ATF_CHECK(f->type == CFG_FILTER_TAG && f->negate);
	ATF_CHECK_STREQ(f->value, "T");
	ATF_CHECK(t_filter(m, 7)->type == CFG_FILTER_TLS);
	m = TAILQ_NEXT(m, entry);
	ATF_CHECK(t_filter(m, 0)->type == CFG_FILTER_FROM_SOCKET);
	ATF_CHECK(t_filter(m, 2)->type == CFG_FILTER_AUTH);
	ATF_CHECK(t_filter(m, 2)->negate);
	m = TAILQ_NEXT(m, entry);
	ATF_CHECK(t_filter(m, 0)->type == CFG_FILTER_FROM_MAIL_FROM);
	m = TAILQ_NEXT(m, entry);
	ATF_CHECK_STREQ(t_filter(m, 0)->value, "192.0.2.9");
	m = TAILQ_NEXT(m, entry);
	ATF_CHECK(t_filter(m, 0)->table == cfg_table_find(cfg, "doms"));
	m = TAILQ_NEXT(m, entry);
	ATF_CHECK(t_filter(m, 0)->type == CFG_FILTER_FROM_AUTH);
	ATF_CHECK(TAILQ_NEXT(m, entry) == NULL);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_inline_table_in_rule);
ATF_TC_BODY(cfg_load_inline_table_in_rule, tc)
{
	struct cfg		*cfg;
	struct cfg_filter	*f;

	cfg = t_load("action a mbox\n"
	    "match from src { 10.0.0.0/8, 192.0.2.0/24 } for any action a\n",
	    NULL);
	f = t_filter(TAILQ_FIRST(&cfg->matches), 0);
	ATF_REQUIRE(f->table != NULL);
	ATF_CHECK(f->table->anonymous);
	ATF_CHECK_EQ(f->table->nentries, 2);
	ATF_CHECK(cfg_table_find(cfg, f->table->name) == f->table);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_globals);
ATF_TC_BODY(cfg_load_globals, tc)
{
	struct cfg	*cfg;

	cfg = t_load("smtp max-message-size 10M\n"
	    "smtp limit max-mails 5 max-rcpt 7\nsmtp limit max-sessions 9\n"
	    "smtp limit max-sessions-per-address 4 session-rate 30\n"
	    "smtp sub-addr-delim \"-\"\nsmtp ciphers \"HIGH:!aNULL\"\n"
	    "queue ttl 3s\nqueue compression\nqueue encryption \"k3y\"\n"
	    "queue path \"/var/spool/ph2\"\n"
	    "bounce warn-interval 1d, 1h, 30m\nmta max-deferred 7\n", NULL);
	ATF_CHECK_EQ(cfg->smtp.max_message_size, 10LL * 1024 * 1024);
	ATF_CHECK_EQ(cfg->smtp.max_mails, 5);
	ATF_CHECK_EQ(cfg->smtp.max_rcpt, 7);
	ATF_CHECK_EQ(cfg->smtp.max_sessions, 9);
	ATF_CHECK_EQ(cfg->smtp.max_sessions_per_address, 4);
	ATF_CHECK_EQ(cfg->smtp.session_rate, 30);
	ATF_CHECK_EQ(cfg->smtp.sub_addr_delim, '-');
	ATF_CHECK_STREQ(cfg->smtp.ciphers, "HIGH:!aNULL");
	ATF_CHECK_EQ(cfg->queue.ttl, 3);
	ATF_CHECK(cfg->queue.compression && cfg->queue.encryption);
	ATF_CHECK_STREQ(cfg->queue.encryption_key, "k3y");
	ATF_CHECK_STREQ(cfg->queue.path, "/var/spool/ph2");
	ATF_REQUIRE_EQ(cfg->nbounce_warn, 3);
	ATF_CHECK_EQ(cfg->bounce_warn[0], 1800);
	ATF_CHECK_EQ(cfg->bounce_warn[1], 3600);
	ATF_CHECK_EQ(cfg->bounce_warn[2], 86400);
	ATF_CHECK_EQ(cfg->mta_max_deferred, 7);
	cfg_free(cfg);
	cfg = t_load("smtp max-message-size 1000\nqueue encryption\n", NULL);
	ATF_CHECK_EQ(cfg->smtp.max_message_size, 1000);
	ATF_CHECK_EQ(cfg->smtp.max_sessions_per_address, 50);
	ATF_CHECK_EQ(cfg->smtp.session_rate, 0);
	ATF_CHECK(cfg->queue.encryption && cfg->queue.encryption_key == NULL);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_macros);
ATF_TC_BODY(cfg_load_macros, tc)
{
	struct cfg	*cfg;
	char		*defs[] = { "p=2626", "if=lo9", NULL };

	cfg = t_load("if = \"lo0\"\nopts = \"port 2525 tag T\"\nn = 42\n"
	    "listen on $if $opts\nsmtp limit max-mails $n\n"
	    "smtp ciphers \"$if\"\n", NULL);
	ATF_CHECK_STREQ(TAILQ_FIRST(&cfg->listeners)->addr, "lo0");
	ATF_CHECK_EQ(TAILQ_FIRST(&cfg->listeners)->port, 2525);
	ATF_CHECK_STREQ(TAILQ_FIRST(&cfg->listeners)->tag, "T");
	ATF_CHECK_EQ(cfg->smtp.max_mails, 42);
	ATF_CHECK_STREQ(cfg->smtp.ciphers, "$if");
	cfg_free(cfg);
	/* -D wins over the file's own definition */
	cfg = t_load("if = \"lo0\"\np = 25\nlisten on $if port $p\n",
	    defs);
	ATF_CHECK_STREQ(TAILQ_FIRST(&cfg->listeners)->addr, "lo9");
	ATF_CHECK_EQ(TAILQ_FIRST(&cfg->listeners)->port, 2626);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_lexical);
ATF_TC_BODY(cfg_load_lexical, tc)
{
	struct cfg	*cfg;

	cfg = t_load("# comment\n\n   \t\nlisten \\\n on \\\n lo0 # trailing\n"
	    "smtp ciphers 'single \"quoted\"'\n"
	    "action \"a b\" mda \"echo \\\"hi\\\" \\\\ # not a comment\"\n"
	    "table t { x }", NULL);
	ATF_CHECK_STREQ(TAILQ_FIRST(&cfg->listeners)->addr, "lo0");
	ATF_CHECK_STREQ(cfg->smtp.ciphers, "single \"quoted\"");
	ATF_CHECK_STREQ(cfg_action_find(cfg, "a b")->mda_command,
	    "echo \"hi\" \\ # not a comment");
	ATF_CHECK(cfg_table_find(cfg, "t") != NULL);
	cfg_free(cfg);
}

ATF_TC_WITHOUT_HEAD(cfg_load_include);
ATF_TC_BODY(cfg_load_include, tc)
{
	struct cfg	*cfg;
	char		 err[1024];

	file_harness_text("inc.conf", "table t { a }\nif = \"lo1\"\n");
	cfg = t_load("include \"inc.conf\"\nlisten on $if senders <t>\n", NULL);
	ATF_CHECK(cfg_table_find(cfg, "t") != NULL);
	ATF_CHECK_STREQ(TAILQ_FIRST(&cfg->listeners)->addr, "lo1");
	cfg_free(cfg);
	/* errors name the included file and its line */
	file_harness_text("bad.conf", "\n\nlisten on lo0 port 0\n");
	file_harness_text("smtpd.conf", "\ninclude \"bad.conf\"\n");
	ATF_CHECK(cfg_load("smtpd.conf", NULL, err, sizeof(err)) == NULL);
	ATF_CHECK_STREQ(err, "bad.conf:3: port 0 out of range (1-65535)");
	/* line numbers of the includer go on after the include */
	file_harness_text("ok.conf", "\n\n\n\n");
	file_harness_text("smtpd.conf", "include \"ok.conf\"\nbogus\n");
	ATF_CHECK(cfg_load("smtpd.conf", NULL, err, sizeof(err)) == NULL);
	ATF_CHECK_STREQ(err, "smtpd.conf:2: unknown directive 'bogus'");
}

ATF_TC_WITHOUT_HEAD(cfg_load_include_depth);
ATF_TC_BODY(cfg_load_include_depth, tc)
{
	struct cfg	*cfg;
	char		 name[32], body[64], err[1024];
	int		 i;

	/* smtpd.conf + 7 nested includes = CFG_INCLUDE_MAX files: accepted */
	for (i = 1; i < CFG_INCLUDE_MAX; i++) {
		snprintf(name, sizeof(name), "i%d.conf", i);
		snprintf(body, sizeof(body), "include \"i%d.conf\"\n", i + 1);
		file_harness_text(name, i == CFG_INCLUDE_MAX - 1 ?
		    "queue compression\n" : body);
	}
	cfg = t_load("include \"i1.conf\"\n", NULL);
	ATF_CHECK(cfg->queue.compression);
	cfg_free(cfg);
	/* one more level is refused */
	snprintf(name, sizeof(name), "i%d.conf", CFG_INCLUDE_MAX - 1);
	snprintf(body, sizeof(body), "include \"i%d.conf\"\n", CFG_INCLUDE_MAX);
	file_harness_text(name, body);
	snprintf(name, sizeof(name), "i%d.conf", CFG_INCLUDE_MAX);
	file_harness_text(name, "queue compression\n");
	file_harness_text("smtpd.conf", "include \"i1.conf\"\n");
	ATF_CHECK(cfg_load("smtpd.conf", NULL, err, sizeof(err)) == NULL);
	snprintf(body, sizeof(body), "i%d.conf:1: include nesting too deep "
	    "(at most %d)", CFG_INCLUDE_MAX - 1, CFG_INCLUDE_MAX);
	ATF_CHECK_STREQ(err, body);
}

ATF_TC_WITHOUT_HEAD(cfg_load_name_limit);
ATF_TC_BODY(cfg_load_name_limit, tc)
{
	struct cfg	*cfg;
	char		 name[NAME_MAX_CFG + 1], conf[256];

	memset(name, 'n', NAME_MAX_CFG - 1);
	name[NAME_MAX_CFG - 1] = '\0';
	snprintf(conf, sizeof(conf), "table %s { a }\n", name);
	cfg = t_load(conf, NULL);
	ATF_CHECK(cfg_table_find(cfg, name) != NULL);
	cfg_free(cfg);
	name[NAME_MAX_CFG - 1] = 'n';
	name[NAME_MAX_CFG] = '\0';
	snprintf(conf, sizeof(conf), "table %s { a }\n", name);
	cfg_harness_fails(conf, 0,
	    "smtpd.conf:1: name too long (at most 63 characters)");
}

ATF_TC_WITHOUT_HEAD(cfg_load_token_limit);
ATF_TC_BODY(cfg_load_token_limit, tc)
{
	struct cfg	*cfg;
	static char	 conf[CFG_TOKEN_MAX + 64];
	size_t		 n;

	n = strlcpy(conf, "smtp ciphers \"", sizeof(conf));
	memset(conf + n, 'c', CFG_TOKEN_MAX - 1);
	strlcpy(conf + n + CFG_TOKEN_MAX - 1, "\"\n", sizeof(conf) - n -
	    CFG_TOKEN_MAX + 1);
	cfg = t_load(conf, NULL);
	ATF_CHECK_EQ(strlen(cfg->smtp.ciphers), CFG_TOKEN_MAX - 1);
	cfg_free(cfg);
	memset(conf + n, 'c', CFG_TOKEN_MAX);
	strlcpy(conf + n + CFG_TOKEN_MAX, "\"\n", sizeof(conf) - n -
	    CFG_TOKEN_MAX);
	cfg_harness_fails(conf, 0, "smtpd.conf:1: string too long");
	memset(conf, 'w', CFG_TOKEN_MAX);
	strlcpy(conf + CFG_TOKEN_MAX, "\n", sizeof(conf) - CFG_TOKEN_MAX);
	cfg_harness_fails(conf, 0, "smtpd.conf:1: string too long");
}

ATF_TC_WITHOUT_HEAD(cfg_load_missing_file);
ATF_TC_BODY(cfg_load_missing_file, tc)
{
	char	 err[256];
	char	*bad[] = { "nodefine", NULL };

	ATF_CHECK(cfg_load("nonexistent.conf", NULL, err, sizeof(err)) == NULL);
	ATF_CHECK_STREQ(err, "nonexistent.conf:0: cannot open "
	    "\"nonexistent.conf\": No such file or directory");
	file_harness_text("smtpd.conf", "\n");
	ATF_CHECK(cfg_load("smtpd.conf", bad, err, sizeof(err)) == NULL);
	ATF_CHECK_STREQ(err, "-D:0: invalid define 'nodefine'");
}

static const struct {
	const char	*conf;
	size_t		 len;		/* 0: strlen */
	const char	*err;
} t_broken[] = {
	{ "bogus\n", 0, "1: unknown directive 'bogus'" },
	{ "bogus value\n", 0, "1: unknown directive 'bogus'" },
	{ "port 25\n", 0, "1: unknown directive 'port'" },
	{ "\nlisten on lo0 bogus\n", 0, "2: unexpected 'bogus'" },
	{ "listen on\n", 0, "1: missing argument" },
	{ "listen on lo0 port\n", 0, "1: missing argument" },
	{ "action a lmtp\n", 0, "1: missing argument" },
	{ "listen on lo0 port 0\n", 0, "1: port 0 out of range (1-65535)" },
	{ "listen on lo0 port 65536\n", 0,
	    "1: port 65536 out of range (1-65535)" },
	{ "listen on lo0 \\\n  port 99999\n", 0,
	    "2: port 99999 out of range (1-65535)" },
	{ "listen on lo0 port 25 port 26\n", 0, "1: 'port' specified twice" },
	{ "listen on lo0 tls smtps\n", 0,
	    "1: 'tls' and 'smtps' are mutually exclusive" },
	{ "listen on lo0 tls-require\n", 0, "1: 'tls-require' requires a pki" },
	{ "listen on lo0 auth\n", 0,
	    "1: auth requires tls, tls-require or smtps" },
	{ "pki p cert c.pem\npki p key c.pem\nlisten on lo0 pki p\n", 0,
	    "3: pki requires tls, tls-require or smtps" },
	{ "pki p cert c.pem\npki p key c.pem\nlisten on lo0 smtps \\\n"
	    "  verify pki p\n", 0, "3: verify requires a ca" },
	{ "listen on lo0 pki nope\n", 0, "1: undefined pki 'nope'" },
	{ "listen on lo0 ca nope\n", 0, "1: undefined ca 'nope'" },
	{ "listen on lo0 senders <nope>\n", 0, "1: undefined table 'nope'" },
	{ "listen on socket port 25\n", 0,
	    "1: 'port' is not valid on the socket" },
	{ "listen on socket\nlisten on socket\n", 0,
	    "2: socket listener already defined" },
	{ "listen on lo0 hostname \"\"\n", 0, "1: empty hostname" },
	{ "table t file:/x\ntable t file:/y\n", 0,
	    "2: table 't' already defined" },
	{ "table t ldap:/etc/ldap.conf\n", 0,
	    "1: unsupported table backend 'ldap'" },
	{ "table t { a, b = c }\n", 0,
	    "1: table 't' mixes values and key-value pairs" },
	{ "table t { a,\n }\n", 0, "2: unexpected '}'" },
	{ "action a mbox\naction a mbox\n", 0, "2: action 'a' already defined" },
	{ "table t { a }\naction a relay alias <t>\n", 0,
	    "2: 'alias' is not valid for relay actions" },
	{ "action a mbox host smtp://x\n", 0,
	    "1: 'host' is not valid for local actions" },
	{ "table t { a }\naction a mbox alias <t> virtual <t>\n", 0,
	    "2: alias and virtual are mutually exclusive" },
	{ "action a relay host smtp://x backup\n", 0,
	    "1: backup and host are mutually exclusive" },
	{ "table s { a = b }\naction a relay auth <s>\n", 0,
	    "2: auth requires host" },
	{ "table s { a = b }\naction a relay host smtp+notls://x auth <s>\n",
	    0, "2: auth requires a relay host with TLS" },
	{ "action a relay host foo://x\n", 0, "1: unknown scheme in relay URL" },
	{ "action a relay host smtp://x:0\n", 0,
	    "1: invalid port in relay URL" },
	{ "action a relay host smtp://@x\n", 0,
	    "1: invalid label in relay URL" },
	{ "action a mbox user \"\"\n", 0, "1: empty user name" },
	{ "match from any for any action nope\n", 0,
	    "1: undefined action 'nope'" },
	{ "match from any for any\n", 0,
	    "1: match needs 'action NAME' or 'reject'" },
	{ "match from any from local reject\n", 0,
	    "1: 'from' specified twice" },
	{ "match from src <nope> reject\n", 0, "1: undefined table 'nope'" },
	{ "match tag xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxx reject\n", 0,
	    "1: value too long (at most 63 characters)" },
	{ "pki p cert missing.pem\n", 0, "1: cannot open certificate "
	    "\"missing.pem\": No such file or directory" },
	{ "pki p cert c.pem\n", 0, "1: pki 'p' has no key" },
	{ "pki p cert c.pem\npki p cert c.pem\n", 0,
	    "2: pki 'p': certificate already specified" },
	{ "ca c cert c.pem\nca c cert c.pem\n", 0, "2: ca 'c' already defined" },
	{ "ca c cert nope.pem\n", 0, "1: cannot open certificate "
	    "\"nope.pem\": No such file or directory" },
	{ "listen on $nope\n", 0, "1: macro 'nope' not defined" },
	{ "listen on $later\nlater = \"lo0\"\n", 0,
	    "1: macro 'later' not defined" },
	{ "\"a b\" = \"x\"\n", 0, "1: invalid macro name 'a b'" },
	{ "include \"missing.conf\"\n", 0, "1: cannot open \"missing.conf\": "
	    "No such file or directory" },
	{ "include \"smtpd.conf\"\n", 0,
	    "1: include nesting too deep (at most 8)" },
	{ "smtp max-message-size 10X\n", 0, "1: invalid size '10X'" },
	{ "smtp max-message-size 0\n", 0,
	    "1: max-message-size 0 out of range (1-1099511627776)" },
	{ "queue ttl 4w\n", 0, "1: invalid delay '4w'" },
	{ "queue ttl 0\n", 0, "1: queue ttl 0 out of range (1-31536000)" },
	{ "smtp limit max-rcpt 0\n", 0,
	    "1: max-rcpt 0 out of range (1-1000000)" },
	{ "smtp limit max-sessions 1000001\n", 0,
	    "1: max-sessions 1000001 out of range (1-1000000)" },
	{ "smtp limit max-sessions-per-address 0\n", 0,
	    "1: max-sessions-per-address 0 out of range (1-1000000)" },
	{ "smtp limit session-rate 1000001\n", 0,
	    "1: session-rate 1000001 out of range (0-1000000)" },
	{ "mta max-deferred 0\n", 0,
	    "1: max-deferred 0 out of range (1-1000000)" },
	{ "smtp sub-addr-delim ab\n", 0,
	    "1: sub-addr-delim must be one character" },
	{ "bounce warn-interval 1h, 2h, 3h, 4h, 5h\n", 0,
	    "1: too many warn-interval delays (at most 4)" },
	{ "queue path relative/dir\n", 0, "1: queue path must be absolute" },
	{ "listen on \"lo0\nport 25\"\n", 0, "1: unterminated quoted string" },
	{ "listen on lo0\0\n", 14, "1: NUL byte" },
	{ "smtp ciphers \"a\0b\"\n", 19, "1: NUL byte" },
	{ "listen on l\xe9\n", 0, "1: invalid character 0xe9" },
	{ "listen on lo0\r\n", 0, "1: invalid character 0x0d" },
	{ "listen on lo0 tag \"a\x01\"\n", 0, "1: invalid character 0x01" },
};

ATF_TC_WITHOUT_HEAD(cfg_load_broken);
ATF_TC_BODY(cfg_load_broken, tc)
{
	char	 want[512];
	size_t	 i;

	file_harness_text("c.pem", "x");
	ATF_REQUIRE(sizeof(t_broken) / sizeof(t_broken[0]) >= 30);
	for (i = 0; i < sizeof(t_broken) / sizeof(t_broken[0]); i++) {
		snprintf(want, sizeof(want), "smtpd.conf:%s", t_broken[i].err);
		cfg_harness_fails(t_broken[i].conf, t_broken[i].len, want);
	}
}

/*
 * t_drop_dac - give up root's power to read any file (CAP_DAC_OVERRIDE
 * and CAP_DAC_READ_SEARCH), so a mode 0 file is unreadable even to root
 */
static int
t_drop_dac(void)
{
	struct __user_cap_header_struct	h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	d[2];

	if (syscall(SYS_capget, &h, d) == -1)
		return -1;
	d[0].effective &= ~((1U << CAP_DAC_OVERRIDE) |
	    (1U << CAP_DAC_READ_SEARCH));
	return (int)syscall(SYS_capset, &h, d);
}

ATF_TC_WITHOUT_HEAD(cfg_load_unreadable_key);
ATF_TC_BODY(cfg_load_unreadable_key, tc)
{
	static const char	 want[] = "smtpd.conf:2: cannot open key "
	    "\"k.pem\": Permission denied";
	struct cfg		*cfg;
	char			 err[1024] = "";
	int			 p[2], status;
	ssize_t			 n;
	pid_t			 pid;

	file_harness_text("c.pem", "x");
	file_harness_text("k.pem", "x");
	ATF_REQUIRE(chmod("k.pem", 0) == 0);
	file_harness_text("smtpd.conf", "pki p cert c.pem\npki p key k.pem\n");
	ATF_REQUIRE(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (geteuid() == 0 && t_drop_dac() == -1)
			_exit(2);
		if ((cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err))) != NULL)
			strlcpy(err, "accepted", sizeof(err));
		(void)write(p[1], err, strlen(err));
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ATF_CHECK_STREQ(err, want);
}

static const struct {
	const char	*s;
	int		 ret;
	long long	 v;
} t_delays[] = {
	{ "0", 0, 0 }, { "30", 0, 30 }, { "3s", 0, 3 }, { "5m", 0, 300 },
	{ "4h", 0, 14400 }, { "4d", 0, 345600 },
	{ "9223372036854775807", 0, 9223372036854775807LL },
	{ "9223372036854775808", -1, 0 }, { "106751991167301d", -1, 0 },
	{ "", -1, 0 }, { "s", -1, 0 }, { "4w", -1, 0 }, { "4hh", -1, 0 },
	{ "-1", -1, 0 }, { " 4h", -1, 0 }, { "4H", -1, 0 },
};

ATF_TC_WITHOUT_HEAD(cfg_delay_parse_table);
ATF_TC_BODY(cfg_delay_parse_table, tc)
{
	long long	 v;
	size_t		 i;

	for (i = 0; i < sizeof(t_delays) / sizeof(t_delays[0]); i++) {
		v = -7;
		ATF_CHECK_EQ_MSG(cfg_delay_parse(t_delays[i].s, &v),
		    t_delays[i].ret, "delay '%s'", t_delays[i].s);
		if (t_delays[i].ret == 0)
			ATF_CHECK_EQ_MSG(v, t_delays[i].v, "'%s'", t_delays[i].s);
	}
}

static const struct {
	const char	*s;
	int		 ret;
	long long	 v;
} t_sizes[] = {
	{ "0", 0, 0 }, { "1000", 0, 1000 }, { "35M", 0, 36700160 },
	{ "35m", 0, 36700160 }, { "2k", 0, 2048 }, { "1G", 0, 1073741824 },
	{ "1T", 0, 1099511627776LL }, { "8388607T", 0, 9223370937343148032LL },
	{ "8388608T", -1, 0 }, { "", -1, 0 }, { "M", -1, 0 }, { "1MB", -1, 0 },
	{ "1X", -1, 0 }, { "-1", -1, 0 }, { "1.5M", -1, 0 },
};

ATF_TC_WITHOUT_HEAD(cfg_size_parse_table);
ATF_TC_BODY(cfg_size_parse_table, tc)
{
	long long	 v;
	size_t		 i;

	for (i = 0; i < sizeof(t_sizes) / sizeof(t_sizes[0]); i++) {
		v = -7;
		ATF_CHECK_EQ_MSG(cfg_size_parse(t_sizes[i].s, &v),
		    t_sizes[i].ret, "size '%s'", t_sizes[i].s);
		if (t_sizes[i].ret == 0)
			ATF_CHECK_EQ_MSG(v, t_sizes[i].v, "'%s'", t_sizes[i].s);
	}
}

static const struct {
	const char		*url;
	int			 ret;
	enum cfg_relay_scheme	 scheme;
	const char		*label;
	const char		*host;
	int			 port;
} t_urls[] = {
	{ "mx.example.org", 0, CFG_RELAY_SMTP, "", "mx.example.org", 25 },
	{ "smtp://mx", 0, CFG_RELAY_SMTP, "", "mx", 25 },
	{ "smtp+tls://l@mx:587", 0, CFG_RELAY_SMTP_TLS, "l", "mx", 587 },
	{ "SMTP+NOTLS://mx", 0, CFG_RELAY_SMTP_NOTLS, "", "mx", 25 },
	{ "smtps://mx", 0, CFG_RELAY_SMTPS, "", "mx", 465 },
	{ "lmtp://mx", 0, CFG_RELAY_LMTP, "", "mx", 24 },
	{ "smtp://[2001:db8::1]:26", 0, CFG_RELAY_SMTP, "", "2001:db8::1", 26 },
	{ "smtp://mx:65535", 0, CFG_RELAY_SMTP, "", "mx", 65535 },
	{ "smtp://mx:65536", -1, 0, NULL, NULL, 0 },
	{ "smtp://mx:", -1, 0, NULL, NULL, 0 },
	{ "smtp://mx:2x", -1, 0, NULL, NULL, 0 },
	{ "smtp://", -1, 0, NULL, NULL, 0 },
	{ "http://mx", -1, 0, NULL, NULL, 0 },
	{ "smtp://mx/path", -1, 0, NULL, NULL, 0 },
	{ "smtp://a@b@mx", -1, 0, NULL, NULL, 0 },
	{ "smtp://[::1", -1, 0, NULL, NULL, 0 },
	{ "smtp://[::1]x", -1, 0, NULL, NULL, 0 },
	{ "smtp://xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxx@mx", -1, 0, NULL, NULL, 0 },
	{ "smtp://xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxx@mx", 0, CFG_RELAY_SMTP, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxx", "mx", 25 },
};

ATF_TC_WITHOUT_HEAD(cfg_relay_url_parse_table);
ATF_TC_BODY(cfg_relay_url_parse_table, tc)
{
	struct cfg_relay_host	 h;
	char			 err[ERRTEXT_MAX];
	size_t			 i;

	for (i = 0; i < sizeof(t_urls) / sizeof(t_urls[0]); i++) {
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(cfg_relay_url_parse(t_urls[i].url, &h, err,
		    sizeof(err)), t_urls[i].ret, "url '%s'", t_urls[i].url);
		if (t_urls[i].ret == -1) {
			ATF_CHECK(err[0] != '\0');
			continue;
		}
		ATF_CHECK_EQ(h.scheme, t_urls[i].scheme);
		ATF_CHECK_STREQ(h.label, t_urls[i].label);
		ATF_CHECK_STREQ(h.host, t_urls[i].host);
		ATF_CHECK_EQ(h.port, t_urls[i].port);
	}
}

/* t_etcdir - the source tree's etc/, found from this file's name */
static void
t_etcdir(const atf_tc_t *tc, char *dir, size_t dirsz)
{
	char	 src[PATH_MAX], path[PATH_MAX];

	strlcpy(src, __FILE__, sizeof(src));
	if (src[0] == '/')
		snprintf(path, sizeof(path), "%s/../../etc", dirname(src));
	else	/* BUILD/regress/common/t_cfg, sources relative to the top */
		snprintf(path, sizeof(path), "%s/../../../%s/../../etc",
		    atf_tc_get_config_var(tc, "srcdir"), dirname(src));
	if (realpath(path, dir) == NULL || strlen(dir) >= dirsz)
		atf_tc_fail("cannot find the samples at %s", path);
}

ATF_TC_WITHOUT_HEAD(cfg_load_samples);
ATF_TC_BODY(cfg_load_samples, tc)
{
	static const char *const samples[] = { "smtpd.conf", "lan-relay.conf",
	    "dkim-rspamd.conf" };
	char		*defs[] = { "tls_cert=c.pem", "tls_key=c.pem", NULL };
	char		 dir[PATH_MAX], path[PATH_MAX + 32], err[1024];
	struct cfg	*cfg;
	size_t		 i;

	file_harness_text("c.pem", "x");
	t_etcdir(tc, dir, sizeof(dir));
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, samples[i]);
		cfg = cfg_load(path, defs, err, sizeof(err));
		ATF_CHECK_MSG(cfg != NULL, "%s", err);
		if (cfg != NULL)
			ATF_CHECK(!TAILQ_EMPTY(&cfg->matches));
		cfg_free(cfg);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, cfg_load_defaults);
	ATF_TP_ADD_TC(tp, cfg_load_listen);
	ATF_TP_ADD_TC(tp, cfg_load_smtps_port);
	ATF_TP_ADD_TC(tp, cfg_load_tables);
	ATF_TP_ADD_TC(tp, cfg_load_local_actions);
	ATF_TP_ADD_TC(tp, cfg_load_relay_actions);
	ATF_TP_ADD_TC(tp, cfg_load_match);
	ATF_TP_ADD_TC(tp, cfg_load_inline_table_in_rule);
	ATF_TP_ADD_TC(tp, cfg_load_globals);
	ATF_TP_ADD_TC(tp, cfg_load_macros);
	ATF_TP_ADD_TC(tp, cfg_load_lexical);
	ATF_TP_ADD_TC(tp, cfg_load_include);
	ATF_TP_ADD_TC(tp, cfg_load_include_depth);
	ATF_TP_ADD_TC(tp, cfg_load_name_limit);
	ATF_TP_ADD_TC(tp, cfg_load_token_limit);
	ATF_TP_ADD_TC(tp, cfg_load_missing_file);
	ATF_TP_ADD_TC(tp, cfg_load_broken);
	ATF_TP_ADD_TC(tp, cfg_load_unreadable_key);
	ATF_TP_ADD_TC(tp, cfg_delay_parse_table);
	ATF_TP_ADD_TC(tp, cfg_size_parse_table);
	ATF_TP_ADD_TC(tp, cfg_relay_url_parse_table);
	ATF_TP_ADD_TC(tp, cfg_load_samples);
	return atf_no_error();
}
