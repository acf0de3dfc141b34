/*
 * fuzz_dns_answer.c - DNS answers as a nameserver sends them: the first
 * octet chooses an MX or a PTR answer, the rest is the message.
 */
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "dns_hosts.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_mx	 mx[DNS_MX_MAX];
	char		 name[HOST_MAX];
	size_t		 n, i;

	if (size < 1 || size - 1 > 65535)
		return 0;
	if (data[0] & 1) {
		if (dns_answer_ptr(data + 1, (int)size - 1, name,
		    sizeof(name)) == DNS_OK &&
		    !dns_hosts_name_ok(name, strlen(name)))
			abort();
		return 0;
	}
	if (dns_answer_mx(data + 1, (int)size - 1, mx, &n) != DNS_OK)
		return 0;
	if (n == 0 || n > DNS_MX_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (memchr(mx[i].host, '\0', sizeof(mx[i].host)) == NULL ||
		    (i > 0 && mx[i - 1].pref > mx[i].pref))
			abort();
	return 0;
}
