/*
 * t_dns_conf.c - the resolver's files: the `hosts:` line of
 * nsswitch.conf (order, actions, sources left out, malformed lines),
 * resolv.conf's `options timeout: attempts:` (defaults, glibc's caps,
 * malformed values), and dns_conf_load on real files.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "defs.h"
#include "dns_conf.h"
#include "dns_hosts.h"
#include "file_harness.h"

#define S	DNS_CONF_NSS_BIT(DNS_CONF_SUCCESS)
#define NF	DNS_CONF_NSS_BIT(DNS_CONF_NOTFOUND)
#define UA	DNS_CONF_NSS_BIT(DNS_CONF_UNAVAIL)
#define TA	DNS_CONF_NSS_BIT(DNS_CONF_TRYAGAIN)

/* t_order - an order as "files/S,dns/S+NF" (the outcomes that stop) */
static const char *
t_order(const struct dns_conf_order *o, char *out, size_t outsz)
{
	static const char *const nss[] = { "S", "NF", "UA", "TA" };
	size_t	 i, j;
	int	 plus;

	out[0] = '\0';
	for (i = 0; i < o->n; i++) {
		strlcat(out, i > 0 ? "," : "", outsz);
		strlcat(out, o->step[i].src == DNS_CONF_FILES ? "files/" :
		    o->step[i].src == DNS_CONF_DNS ? "dns/" : "?/", outsz);
		for (j = 0, plus = 0; j < 4; j++)
			if (o->step[i].stop & (1u << j)) {
				strlcat(out, plus++ ? "+" : "", outsz);
				strlcat(out, nss[j], outsz);
			}
	}
	return out;
}

ATF_TC_WITHOUT_HEAD(dns_conf_nsswitch_table);
ATF_TC_BODY(dns_conf_nsswitch_table, tc)
{
	static const struct {
		const char	*text;
		int		 rc;
		const char	*order;
	} t[] = {
		{ "hosts: files dns\n", 1, "files/S,dns/S" },
		{ "passwd: files\nhosts:\tdns files\ngroup: files\n", 1,
		    "dns/S,files/S" },
		{ "hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname",
		    1, "files/S,dns/S" },	/* the action is mdns4's */
		{ "hosts: files [NOTFOUND=return] dns", 1, "files/S+NF,dns/S" },
		{ "hosts: files[notfound=RETURN]dns", 1, "files/S+NF,dns/S" },
		{ "hosts: dns [!UNAVAIL=return] files", 1,
		    "dns/S+NF+TA,files/S" },
		{ "hosts: dns [ TRYAGAIN=return  unavail=return ] files", 1,
		    "dns/S+UA+TA,files/S" },
		{ "hosts: files [SUCCESS=continue NOTFOUND=merge] dns", 1,
		    "files/,dns/S" },
		{ "hosts: mymachines resolve [!UNAVAIL=return] files "
		    "myhostname dns", 1, "files/S,dns/S" },
		{ "hosts: dns", 1, "dns/S" },
		{ "hosts: files # dns", 1, "files/S" },
		{ "  HOSTS :  dns files", 1, "dns/S,files/S" },
		{ "hosts: dns files\nhosts: files\n", 1, "dns/S,files/S" },
		{ "hosts: files dns files dns", 1, "files/S,dns/S" },
		/* no hosts line, or one naming neither: files, dns */
		{ "", 0, "files/S,dns/S" },
		{ "passwd: files\n# hosts: dns\n", 0, "files/S,dns/S" },
		{ "hosts: resolve myhostname\n", 0, "files/S,dns/S" },
		{ "hosts:\n", 0, "files/S,dns/S" },
		{ "hostsdns: dns\n", 0, "files/S,dns/S" },
		{ "hosts dns\n", 0, "files/S,dns/S" },
		{ "hosts: FILES DNS\n", 0, "files/S,dns/S" },
		/* malformed: files, dns */
		{ "hosts: [NOTFOUND=return] dns", -1, "files/S,dns/S" },
		{ "hosts: dns [NOTFOUND=return files", -1, "files/S,dns/S" },
		{ "hosts: dns [BOGUS=return] files", -1, "files/S,dns/S" },
		{ "hosts: dns [NOTFOUND=jump] files", -1, "files/S,dns/S" },
		{ "hosts: dns [NOTFOUND] files", -1, "files/S,dns/S" },
		{ "hosts: dns [NOTFOUND=return] [SUCCESS=return] files", -1,
		    "files/S,dns/S" },
	};
	struct dns_conf_order	 o;
	char		 err[ERRTEXT_MAX];
	char			 out[128];
	size_t			 i;
	int			 rc;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		memset(&o, 0xa5, sizeof(o));
		rc = dns_conf_nsswitch(t[i].text, strlen(t[i].text), &o,
		    err, sizeof(err));
		ATF_CHECK_EQ_MSG(rc, t[i].rc, "%zu: %d", i, rc);
		ATF_CHECK_STREQ_MSG(t_order(&o, out, sizeof(out)), t[i].order,
		    "%zu", i);
		ATF_CHECK_MSG((rc == -1) == (err[0] != '\0'), "%zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(dns_conf_nsswitch_lines);
ATF_TC_BODY(dns_conf_nsswitch_lines, tc)
{
	static char		 text[4200];
	struct dns_conf_order	 o;
	char		 err[ERRTEXT_MAX];
	char			 out[128];
	size_t			 len;

	(void)tc;
	/* a line with a NUL is skipped, and so is one of 4096 octets */
	ATF_CHECK_EQ(dns_conf_nsswitch("hosts: dns\0x\nhosts: dns files\n",
	    29, &o, err, sizeof(err)), 1);
	ATF_CHECK_STREQ(t_order(&o, out, sizeof(out)), "dns/S,files/S");
	len = strlcpy(text, "hosts: dns", sizeof(text));
	memset(text + len, ' ', 4095 - len);
	memcpy(text + 4095, "\nhosts: dns\n", 13);
	ATF_CHECK_EQ(dns_conf_nsswitch(text, 4095, &o, err, sizeof(err)), 1);
	ATF_CHECK_STREQ(t_order(&o, out, sizeof(out)), "dns/S");
	text[4095] = ' ';		/* now 4096 octets, then a LF */
	text[4096] = '\n';
	memcpy(text + 4097, "hosts: dns files\n", 18);
	ATF_CHECK_EQ(dns_conf_nsswitch(text, strlen(text), &o, err,
	    sizeof(err)), 1);
	ATF_CHECK_STREQ(t_order(&o, out, sizeof(out)), "dns/S,files/S");
	ATF_CHECK_EQ(dns_conf_nsswitch("hosts: dns b\xc3\xa4r files",
	    strlen("hosts: dns b\xc3\xa4r files"), &o, err, sizeof(err)), 1);
	ATF_CHECK_STREQ(t_order(&o, out, sizeof(out)), "dns/S,files/S");
}

ATF_TC_WITHOUT_HEAD(dns_conf_resolv_table);
ATF_TC_BODY(dns_conf_resolv_table, tc)
{
	static const struct {
		const char	*text;
		int		 rc;
		int		 timeout;
		int		 attempts;
	} t[] = {
		{ "", 0, 5, 2 },
		{ "nameserver 127.0.0.1\n", 0, 5, 2 },
		{ "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n", 0,
		    1, 1 },
		{ "options timeout:30 attempts:5", 0, 30, 5 },	/* the caps */
		{ "options timeout:31 attempts:6", 0, 30, 5 },
		{ "options timeout:99999999999999999999999", 0, 30, 2 },
		{ "options timeout:0 attempts:0", 0, 1, 1 },
		{ "options timeout:007", 0, 7, 2 },
		{ "options rotate ndots:2 timeout:3 edns0", 0, 3, 2 },
		{ "options timeout:3\noptions attempts:4\n", 0, 3, 4 },
		{ "options timeout:3\noptions timeout:7\n", 0, 7, 2 },
		{ "options\ttimeout:4\r\n", 0, 4, 2 },
		{ "options timeout:4 attempts:3 timeout:1", 0, 1, 3 },
		/* not an options line */
		{ "#options timeout:1\n", 0, 5, 2 },
		{ ";options timeout:1\n", 0, 5, 2 },
		{ " options timeout:1\n", 0, 5, 2 },
		{ "optionstimeout:1\n", 0, 5, 2 },
		{ "options timeout 1 attempts=3\n", 0, 5, 2 },
		{ "search example.org timeout:1\n", 0, 5, 2 },
		/* malformed values are ignored, the others used */
		{ "options timeout:abc attempts:3", -1, 5, 3 },
		{ "options timeout: attempts:3", -1, 5, 3 },
		{ "options timeout:-1 attempts:4", -1, 5, 4 },
		{ "options timeout:1x attempts:4", -1, 5, 4 },
		{ "options timeout:2 attempts:+1", -1, 2, 2 },
		{ "options timeout:2 attempts:\xc3\xa4", -1, 2, 2 },
	};
	struct dns_conf_opts	 o;
	char		 err[ERRTEXT_MAX];
	size_t			 i;
	int			 rc;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		memset(&o, 0, sizeof(o));
		rc = dns_conf_resolv(t[i].text, strlen(t[i].text), &o, err,
		    sizeof(err));
		ATF_CHECK_EQ_MSG(rc, t[i].rc, "%zu: %d", i, rc);
		ATF_CHECK_EQ_MSG(o.timeout, t[i].timeout, "%zu: timeout %d",
		    i, o.timeout);
		ATF_CHECK_EQ_MSG(o.attempts, t[i].attempts, "%zu: attempts %d",
		    i, o.attempts);
		ATF_CHECK_MSG((rc == -1) == (err[0] != '\0'), "%zu", i);
	}
	/* a NUL makes its line unusable, not the next one */
	ATF_CHECK_EQ(dns_conf_resolv("options timeout:1\0\noptions "
	    "attempts:1\n", 37, &o, err, sizeof(err)), 0);
	ATF_CHECK_EQ(o.timeout, 5);
	ATF_CHECK_EQ(o.attempts, 1);
}

ATF_TC_WITHOUT_HEAD(dns_conf_load_files);
ATF_TC_BODY(dns_conf_load_files, tc)
{
	struct dns_files	 files = { "resolv", "hosts", "nsswitch" };
	struct dns_files	 none = { "no-resolv", "no-hosts", "no-nss" };
	struct dns_conf		 c;
	char			 out[128];

	(void)tc;
	file_harness_text("resolv", "nameserver 127.0.0.1\noptions attempts:3\n");
	file_harness_text("hosts", "127.0.0.1 localhost\n::1 localhost\nbad line\n");
	file_harness_text("nsswitch", "hosts: dns [NOTFOUND=return] files\n");
	dns_conf_load(&c, &files);
	ATF_CHECK_STREQ(c.resolvconf, "resolv");
	ATF_CHECK_STREQ(t_order(&c.order, out, sizeof(out)),
	    "dns/S+NF,files/S");
	ATF_CHECK_EQ(c.opts.timeout, 5);
	ATF_CHECK_EQ(c.opts.attempts, 3);
	ATF_CHECK_EQ(dns_hosts_count(c.hosts), 2);
	dns_hosts_free(c.hosts);
	/* files that do not exist: the defaults and an empty table */
	dns_conf_load(&c, &none);
	ATF_CHECK_STREQ(t_order(&c.order, out, sizeof(out)), "files/S,dns/S");
	ATF_CHECK_EQ(c.opts.timeout, 5);
	ATF_CHECK_EQ(c.opts.attempts, 2);
	ATF_CHECK(c.hosts != NULL);
	ATF_CHECK_EQ(dns_hosts_count(c.hosts), 0);
	dns_hosts_free(c.hosts);
}

ATF_TC_WITHOUT_HEAD(dns_conf_load_hosts_bounded);
ATF_TC_BODY(dns_conf_load_hosts_bounded, tc)
{
	struct dns_files	 files = { "resolv", "hosts", "nsswitch" };
	struct dns_conf		 c;
	FILE			*f;
	size_t			 n;

	(void)tc;
	file_harness_text("resolv", "");
	file_harness_text("nsswitch", "");
	/* lines of 50 octets until past DNS_HOSTS_SIZE_MAX: the line cut
	 * by the bound and those after it are left out */
	ATF_REQUIRE((f = fopen("hosts", "w")) != NULL);
	for (n = 0; n * 50 < DNS_HOSTS_SIZE_MAX + 100; n++)
		fprintf(f, "fd00::%04zx:%04zx h%06zu # %-23s\n",
		    (n >> 16) & 0xffff, n & 0xffff, n, "padding");
	ATF_REQUIRE(fclose(f) == 0);
	dns_conf_load(&c, &files);
	ATF_CHECK_EQ(dns_hosts_count(c.hosts), DNS_HOSTS_SIZE_MAX / 50);
	dns_hosts_free(c.hosts);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, dns_conf_nsswitch_table);
	ATF_TP_ADD_TC(tp, dns_conf_nsswitch_lines);
	ATF_TP_ADD_TC(tp, dns_conf_resolv_table);
	ATF_TP_ADD_TC(tp, dns_conf_load_files);
	ATF_TP_ADD_TC(tp, dns_conf_load_hosts_bounded);
	return atf_no_error();
}
