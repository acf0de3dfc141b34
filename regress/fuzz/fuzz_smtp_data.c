/*
 * fuzz_smtp_data.c - DATA dot-unstuffing: the first two octets choose
 * the size of the input pieces and of the output room, the rest is the
 * client's stream after DATA.  Unstuffing in pieces must give what one
 * call gives; the input as text, stuffed and unstuffed again, must come
 * back with its line ends made "\n".
 */
#include <stdlib.h>
#include <string.h>

#include "smtp_data.h"
#include "fuzz.h"

struct fuzz_smtp_data_run {
	char	*out;
	size_t	 outlen;
	size_t	 consumed;
	int	 done;
	int	 flags;
};

/* fuzz_smtp_data_unstuff - all of in, piece octets and room at a time */
static void
fuzz_smtp_data_unstuff(const char *in, size_t len, size_t piece, size_t room,
    struct fuzz_smtp_data_run *r)
{
	struct smtp_data_in	 st;
	size_t			 n, used, made;

	smtp_data_in_init(&st);
	r->out = malloc(len + 1);
	r->outlen = r->consumed = 0;
	r->done = 0;
	while (r->consumed < len && !r->done) {
		n = len - r->consumed < piece ? len - r->consumed : piece;
		r->done = smtp_data_in_feed(&st, in + r->consumed, n, &used,
		    r->out + r->outlen, room, &made);
		if (used > n || made > room || (used == 0 && made == 0 &&
		    !r->done))
			abort();
		r->consumed += used;
		r->outlen += made;
		if (r->outlen > len)
			abort();
	}
	r->flags = st.flags;
}

/* fuzz_smtp_data_text - text with CRLF and lone CR made "\n", ended */
static size_t
fuzz_smtp_data_text(const char *in, size_t len, char *out)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		out[o++] = in[i] == '\r' ? '\n' : in[i];
	}
	if (o > 0 && out[o - 1] != '\n')
		out[o++] = '\n';
	return o;
}

/* fuzz_smtp_data_roundtrip - stuff the input as text, unstuff it back */
static void
fuzz_smtp_data_roundtrip(const char *in, size_t len)
{
	struct smtp_data_out		 st;
	struct fuzz_smtp_data_run	 r;
	char				*wire, *want;
	size_t				 used, made, o = 0, i = 0, wantlen;

	wire = malloc(2 * len + 8);
	want = malloc(len + 2);
	smtp_data_out_init(&st);
	while (i < len) {
		smtp_data_stuff(&st, in + i, len - i, &used, wire + o,
		    2 * len + 8 - o, &made);
		i += used;
		o += made;
	}
	if (smtp_data_stuff_end(&st, wire + o, 2 * len + 8 - o, &made) != 0)
		abort();
	o += made;
	fuzz_smtp_data_unstuff(wire, o, o, o + 1, &r);
	wantlen = fuzz_smtp_data_text(in, len, want);
	if (!r.done || r.consumed != o || r.outlen != wantlen ||
	    memcmp(r.out, want, wantlen) != 0)
		abort();
	free(r.out);
	free(wire);
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_smtp_data_run	 whole, parts;
	const char			*in = (const char *)data + 2;

	if (size < 2)
		return 0;
	size -= 2;
	fuzz_smtp_data_unstuff(in, size, size + 1, size + 1, &whole);
	fuzz_smtp_data_unstuff(in, size, data[0] % 16 + 1, data[1] % 16 + 1,
	    &parts);
	if (whole.done != parts.done || whole.consumed != parts.consumed ||
	    whole.outlen != parts.outlen || whole.flags != parts.flags ||
	    memcmp(whole.out, parts.out, whole.outlen) != 0)
		abort();
	free(whole.out);
	free(parts.out);
	fuzz_smtp_data_roundtrip(in, size);
	return 0;
}
