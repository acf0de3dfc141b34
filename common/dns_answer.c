/*
 * dns_answer.c - what posthorn keeps of a DNS answer: MX records
 * bounded and sorted, a PTR name checked as a host name.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "dns_hosts.h"

/* dns_answer_status - the status of a c-ares result code */
enum dns_status
dns_answer_status(int status)
{
	if (status == ARES_SUCCESS)
		return DNS_OK;
	if (status == ARES_ENOTFOUND || status == ARES_ENODATA ||
	    status == ARES_EBADNAME)	/* cannot exist, e.g. too long */
		return DNS_NONE;
	return DNS_TEMPFAIL;
}

/* dns_answer_mx_cmp - order MX records by preference */
static int
dns_answer_mx_cmp(const struct dns_mx *x, const struct dns_mx *y)
{
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return 0;
}

/* dns_answer_mx_sort - by preference, equal preferences shuffled */
static void
dns_answer_mx_sort(struct dns_mx *mx, size_t n)
{
	struct dns_mx	 tmp;
	size_t		 i, j;

	for (i = n; i > 1; i--) {	/* Fisher-Yates, then a stable sort */
		j = arc4random_uniform(i);
		tmp = mx[i - 1];
		mx[i - 1] = mx[j];
		mx[j] = tmp;
	}
	for (i = 1; i < n; i++) {	/* insertion sort keeps the shuffle */
		tmp = mx[i];
		for (j = i; j > 0 &&
		    dns_answer_mx_cmp(&mx[j - 1], &tmp) > 0; j--)
			mx[j] = mx[j - 1];
		mx[j] = tmp;
	}
}

/* dns_answer_mx - the MX records of an answer, bounded; the status */
enum dns_status
dns_answer_mx(const unsigned char *abuf, int alen, struct dns_mx *mx,
    size_t *n)
{
	struct ares_mx_reply	*r = NULL, *p;
	size_t			 skipped = 0;
	int			 status;

	*n = 0;
	if ((status = ares_parse_mx_reply(abuf, alen, &r)) != ARES_SUCCESS)
		return dns_answer_status(status);
	for (p = r; p != NULL && *n < DNS_MX_MAX; p = p->next) {
		if (strlen(p->host) >= HOST_MAX) {
			skipped++;
			continue;
		}
		strlcpy(mx[*n].host, p->host[0] == '\0' ? "." : p->host,
		    sizeof(mx[*n].host));
		mx[(*n)++].pref = p->priority;
	}
	ares_free_data(r);
	if (*n == 0)
		return skipped > 0 ? DNS_TEMPFAIL : DNS_NONE;
	dns_answer_mx_sort(mx, *n);
	return DNS_OK;
}

/* dns_answer_ptr - the host name a PTR answer gives; the status */
enum dns_status
dns_answer_ptr(const unsigned char *abuf, int alen, char *name,
    size_t namesz)
{
	static const struct in_addr	 any;	/* the name matters */
	struct hostent			*he = NULL;
	enum dns_status			 st;
	size_t				 len;

	name[0] = '\0';
	st = dns_answer_status(ares_parse_ptr_reply(abuf, alen, &any,
	    sizeof(any), AF_INET, &he));
	if (st == DNS_OK) {
		len = he != NULL && he->h_name != NULL ? strlen(he->h_name) : 0;
		if (len > 0 && he->h_name[len - 1] == '.')
			len--;
		if (len == 0 || len >= namesz ||
		    !dns_hosts_name_ok(he->h_name, len))
			st = DNS_NONE;
		else {
			memcpy(name, he->h_name, len);
			name[len] = '\0';
		}
	}
	if (he != NULL)
		ares_free_hostent(he);
	return st;
}
