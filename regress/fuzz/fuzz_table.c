/*
 * fuzz_table.c - the table(5) file parser: the first octet chooses the
 * type expected (none, list, map), the rest is the file.  Every entry
 * kept is then read as each kind of table value would be.
 */
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "table.h"
#include "fuzz.h"

/* fuzz_table_entry - one key and value through the parsers of the kinds */
static int
fuzz_table_entry(void *arg, const char *key, const char *value)
{
	union table_result	*r = arg;
	struct aliases_value	*vals = NULL;
	char			 err[256];
	size_t			 n;

	table_netaddr_parse(key, &r->netaddr);
	table_mailaddr_parse(key, &r->mailaddr);
	table_domain_match(key, "sub.example.org");
	if (table_key_lower(r->string, sizeof(r->string), key) == 0 &&
	    strlen(r->string) != strlen(key))
		abort();
	if (value == NULL || value[0] == '\0')
		return 0;
	table_userinfo_parse(value, &r->userinfo);
	table_credentials_parse(key, value, &r->creds);
	if (aliases_parse_values(value, &vals, &n, err, sizeof(err)) == 0)
		free(vals);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table_inline	*ti;
	union table_result	*r;
	char			 err[256];

	if (size < 1)
		return 0;
	ti = table_inline_new();
	if (table_file_parse((const char *)data + 1, size - 1, "fuzz",
	    (enum table_type)(data[0] % 3), ti, err, sizeof(err)) == 0) {
		if ((r = malloc(sizeof(*r))) == NULL)
			abort();
		table_inline_backend.foreach(ti, fuzz_table_entry, r);
		free(r);
	}
	table_inline_free(ti);
	return 0;
}
