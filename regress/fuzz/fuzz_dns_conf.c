/*
 * fuzz_dns_conf.c - what the resolver reads before the process
 * chroots: the first octet chooses the file (hosts, nsswitch.conf,
 * resolv.conf), the rest is its text.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "dns_conf.h"
#include "dns_hosts.h"
#include "fuzz.h"

/* fuzz_dns_conf_hosts - a hosts(5) table, then a lookup each way */
static void
fuzz_dns_conf_hosts(const char *text, size_t len)
{
	struct dns_hosts	*h;
	struct sockaddr_storage	 out[4];
	struct sockaddr_in	 sin;
	char			 name[256];
	size_t			 skipped;

	if ((h = dns_hosts_parse(text, len, &skipped)) == NULL)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dns_hosts_name(h, (struct sockaddr *)&sin, name, sizeof(name));
	if (dns_hosts_addrs(h, "localhost", AF_UNSPEC, out, 4) > 4)
		abort();
	dns_hosts_count(h);
	dns_hosts_free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_conf_order	 order;
	struct dns_conf_opts	 opts;
	char			 err[ERRTEXT_MAX];
	const char		*text = (const char *)data + 1;
	char			 buf[256];

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_dns_conf_hosts(text, size - 1);
		break;
	case 1:
		dns_conf_order_default(&order);
		dns_conf_nsswitch(text, size - 1, &order, err, sizeof(err));
		if (order.n > DNS_CONF_STEPS_MAX)
			abort();
		dns_conf_order_str(&order, buf, sizeof(buf));
		break;
	default:
		memset(&opts, 0, sizeof(opts));
		dns_conf_resolv(text, size - 1, &opts, err, sizeof(err));
		break;
	}
	return 0;
}
