/*
 * fuzz_xtext.c - xtext (RFC 3461) decoding, and AUTH's base64 decoding
 * (a LOGIN line and a PLAIN response): what decodes must stay within its
 * buffer, and encode then decode gives the input back.
 */
#include <stdlib.h>
#include <string.h>

#include "xtext.h"
#include "fuzz.h"
#include "../../smtpd/listener/srv.h"

/* fuzz_xtext_b64 - the input as AUTH's base64 */
static void
fuzz_xtext_b64(const uint8_t *data, size_t size)
{
	char	*s, out[1024], user[256], pass[256];
	size_t	 outlen;

	s = fuzz_str(data, size);
	if (srv_auth_b64_decode(s, out, sizeof(out), &outlen) == 0 &&
	    outlen > sizeof(out))
		abort();
	srv_auth_plain_decode(s, user, sizeof(user), pass, sizeof(pass));
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		err[ERRTEXT_MAX];
	char		 dec[1024], enc[3 * 1024 + 1], back[1024];

	fuzz_xtext_b64(data, size);
	xtext_validate((const char *)data, size, err, sizeof(err));
	if (xtext_decode((const char *)data, size, dec, sizeof(dec),
	    err, sizeof(err)) == 0 && strlen(dec) >= sizeof(dec))
		abort();
	if (size >= sizeof(back) || memchr(data, '\0', size) != NULL)
		return 0;
	if (xtext_encode((const char *)data, size, enc, sizeof(enc)) != 0)
		return 0;
	if (xtext_decode(enc, strlen(enc), back, sizeof(back), err, sizeof(err)) != 0 ||
	    strlen(back) != size || memcmp(back, data, size) != 0)
		abort();
	return 0;
}
