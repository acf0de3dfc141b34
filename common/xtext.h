/*
 * xtext.h - RFC 3461 xtext, the encoding of the DSN ENVID and ORCPT
 * parameters: printable ASCII 33..126 except '+' and '=' stand for
 * themselves, every other octet is "+XX" with two uppercase hex digits.
 */
#ifndef POSTHORN_XTEXT_H
#define POSTHORN_XTEXT_H

#include <stddef.h>

int	xtext_validate(const char *in, size_t len, char *err, size_t errsz);
int	xtext_decode(const char *in, size_t len, char *out, size_t outsz,
	    char *err, size_t errsz);
int	xtext_encode(const char *in, size_t len, char *out, size_t outsz);

#endif
