/*
 * fuzz_aliases.c - the aliases(5) parser and the ~/.forward reader: an
 * entry's values, formatted, must parse back to as many values of the
 * same types.
 */
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "fuzz.h"

/* fuzz_aliases_roundtrip - format an entry's values and parse them back */
static void
fuzz_aliases_roundtrip(const struct aliases_entry *e)
{
	struct aliases_value	*vals = NULL;
	char			 text[ALIASES_LIST_MAX * 2], err[256];
	size_t			 n, i;

	if (aliases_format_values(e->values, e->nvalues, text,
	    sizeof(text)) != 0)
		return;
	if (aliases_parse_values(text, &vals, &n, err, sizeof(err)) != 0 ||
	    n != e->nvalues)
		abort();
	for (i = 0; i < n; i++)
		if (vals[i].type != e->values[i].type ||
		    strcmp(vals[i].text, e->values[i].text) != 0)
			abort();
	free(vals);
}

/* fuzz_aliases_forward - the input as a ~/.forward */
static void
fuzz_aliases_forward(const uint8_t *data, size_t size)
{
	struct aliases_value	*vals;
	char			*text, *cursor, *line, err[256];
	size_t			 n;

	cursor = text = fuzz_str(data, size);
	while ((line = aliases_forward_line(&cursor)) != NULL) {
		if (aliases_parse_values(line, &vals, &n, err,
		    sizeof(err)) == 0)
			free(vals);
	}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aliases_list	 list;
	char			 err[256];
	size_t			 i;

	memset(&list, 0, sizeof(list));
	if (aliases_parse((const char *)data, size, "fuzz", &list, err,
	    sizeof(err)) == 0) {
		for (i = 0; i < list.n; i++)
			fuzz_aliases_roundtrip(&list.entries[i]);
		aliases_list_free(&list);
	}
	fuzz_aliases_forward(data, size);
	return 0;
}
