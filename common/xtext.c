/*
 * xtext.c - RFC 3461 xtext validation, decoding and encoding.
 *
 * Pure functions on caller buffers.  Decoded text is NUL-terminated, so
 * "+00" is refused: a value must never be cut short behind the caller's
 * back.
 */
#include <stddef.h>
#include <string.h>

#include "xtext.h"

static const char xtext_hex[] = "0123456789ABCDEF";

/* xtext_hexval - value of an uppercase hex digit, or -1 */
static int
xtext_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* xtext_plain - whether an octet stands for itself in xtext */
static int
xtext_plain(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '+' && c != '=';
}

/* xtext_decode - decode and validate len octets of xtext into out */
int
xtext_decode(const char *in, size_t len, char *out, size_t outsz,
    char *err, size_t errsz)
{
	size_t	 i, o = 0;
	int	 hi, lo, c;

	if (out != NULL && outsz == 0) {
		(void)strlcpy(err, "no room for xtext", errsz);
		return -1;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '+') {
			if (len - i < 3 ||
			    (hi = xtext_hexval(in[i + 1])) == -1 ||
			    (lo = xtext_hexval(in[i + 2])) == -1) {
				(void)strlcpy(err, "bad xtext escape", errsz);
				return -1;
			}
			c = hi << 4 | lo;
			if (c == 0) {
				(void)strlcpy(err, "NUL in xtext", errsz);
				return -1;
			}
			i += 2;
		} else if (!xtext_plain(c)) {
			(void)strlcpy(err, "invalid character in xtext", errsz);
			return -1;
		}
		if (out != NULL) {
			if (o + 1 >= outsz) {
				(void)strlcpy(err, "xtext too long", errsz);
				return -1;
			}
			out[o] = c;
		}
		o++;
	}
	if (out != NULL)
		out[o] = '\0';
	return 0;
}

/* xtext_validate - whether len octets are well-formed xtext */
int
xtext_validate(const char *in, size_t len, char *err, size_t errsz)
{
	return xtext_decode(in, len, NULL, 0, err, errsz);
}

/* xtext_encode - encode len octets as NUL-terminated xtext; -1 if no room */
int
xtext_encode(const char *in, size_t len, char *out, size_t outsz)
{
	size_t		 i, o = 0;
	unsigned char	 c;

	for (i = 0; i < len; i++) {
		c = in[i];
		if (xtext_plain(c)) {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = c;
			continue;
		}
		if (o + 3 >= outsz)
			return -1;
		out[o++] = '+';
		out[o++] = xtext_hex[c >> 4];
		out[o++] = xtext_hex[c & 0xf];
	}
	if (o >= outsz)
		return -1;
	out[o] = '\0';
	return 0;
}
