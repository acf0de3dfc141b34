/*
 * fuzz_fproto.c - what a filter process writes, as the lookup reads it:
 * the input is one line (up to a NUL) given to the registration and
 * result parsers.  A result that parses must name the session and token
 * that the fallback reader finds, keep its parameter inside the line and
 * carry a reply that the listener would take; a returned data line must
 * go back out as a well-formed data-line request.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cfg.h"
#include "../../smtpd/lookup/lookup_fproto.h"
#include "fuzz.h"

/* fuzz_fproto_result - the checks on a result line that parsed */
static void
fuzz_fproto_result(const char *line, const struct lookup_fproto_result *r)
{
	const struct timespec	 ts = { 0, 0 };
	uint64_t		 sid, tok;
	const char		*out;
	struct buf		 b;

	if (lookup_fproto_ids(line, &sid, &tok) != 0 || sid != r->sessid ||
	    tok != r->token)
		abort();
	if (r->param != NULL && (r->param < line ||
	    r->param > line + strlen(line)))
		abort();
	if ((r->decision == LOOKUP_FPROTO_REJECT ||
	    r->decision == LOOKUP_FPROTO_DISCONNECT) &&
	    !cfg_sfilter_reply_valid(r->param))
		abort();
	if (r->decision != LOOKUP_FPROTO_DATALINE)
		return;
	buf_init(&b, LOOKUP_FPROTO_LINE_MAX + 1);
	if (lookup_fproto_dataline(&b, &ts, sid, tok,
	    lookup_fproto_unstuff(r->param, &out) ? NULL : out) == 0 &&
	    (b.len == 0 || b.data[b.len - 1] != '\n' ||
	    memchr(b.data, '\n', b.len) != b.data + b.len - 1))
		abort();
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lookup_fproto_reg	 reg;
	struct lookup_fproto_result	 r;
	char				 err[128], *line;

	if (size > LOOKUP_FPROTO_LINE_MAX)
		return 0;
	line = malloc(size + 1);
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (lookup_fproto_register_parse(line, &reg, err, sizeof(err)) == 0 &&
	    reg.kind != LOOKUP_FPROTO_REG_READY &&
	    reg.which >= (reg.kind == LOOKUP_FPROTO_REG_REPORT ?
	    (unsigned)LOOKUP_FPROTO_EVENTS : (unsigned)LOOKUP_FPROTO_PHASES))
		abort();
	if (lookup_fproto_result_parse(line, &r, err, sizeof(err)) == 0)
		fuzz_fproto_result(line, &r);
	free(line);
	return 0;
}
