/*
 * dns_answer.h - the bytes of a DNS answer (as c-ares hands them over)
 * into what posthorn keeps of them: pure functions, no query state.
 */
#ifndef POSTHORN_DNS_ANSWER_H
#define POSTHORN_DNS_ANSWER_H

#include <stddef.h>

#include "dns.h"

/* the status of a c-ares result code */
enum dns_status	dns_answer_status(int ares_status);
/* the MX records of an answer into mx (DNS_MX_MAX of them), sorted */
enum dns_status	dns_answer_mx(const unsigned char *abuf, int alen,
		    struct dns_mx *mx, size_t *n);
/* the name of a PTR answer, without its trailing dot, into name */
enum dns_status	dns_answer_ptr(const unsigned char *abuf, int alen,
		    char *name, size_t namesz);

#endif
