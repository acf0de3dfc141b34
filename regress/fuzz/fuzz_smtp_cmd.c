/*
 * fuzz_smtp_cmd.c - the SMTP command parser: the first octet chooses
 * the extensions offered (SMTP_CMD_F_*), the rest is one command line.
 * A line that parses must format to a line that parses again into the
 * same canonical form.
 */
#include <stdlib.h>
#include <string.h>

#include "smtp_cmd.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_cmd	*a, *b;
	char		err[ERRTEXT_MAX];
	char		 one[SMTP_CMD_LINE_MAX * 2], two[SMTP_CMD_LINE_MAX * 2];
	int		 flags;
	size_t		 len;

	if (size < 1)
		return 0;
	flags = data[0];
	a = calloc(2, sizeof(*a));
	b = a + 1;
	if (a == NULL)
		abort();
	if (smtp_cmd_parse((const char *)data + 1, size - 1, flags, a,
	    err, sizeof(err)) == 0 && smtp_cmd_format(a, one, sizeof(one)) == 0) {
		len = strlen(one);
		if (len < 2 || len - 2 >= SMTP_CMD_LINE_MAX)
			goto done;
		if (smtp_cmd_parse(one, len - 2, flags, b, err, sizeof(err)) != 0 ||
		    smtp_cmd_format(b, two, sizeof(two)) != 0 ||
		    strcmp(one, two) != 0)
			abort();
	}
done:
	free(a);
	return 0;
}
