/*
 * t_relay_self.c - which addresses reach this daemon.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <string.h>

#include "../../../deliver/relay/relay_self.h"

/* t_sa - a sockaddr of a numeric address and a port */
static struct sockaddr_storage
t_sa(const char *addr, int port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else {
		ATF_REQUIRE(inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	}
	return ss;
}

ATF_TC_WITHOUT_HEAD(relay_self_match_table);
ATF_TC_BODY(relay_self_match_table, tc)
{
	static const struct {
		const char	*addr;
		int		 port;
		int		 want;
	} t[] = {
		{ "192.0.2.7", 25, 1 },		/* listed */
		{ "192.0.2.7", 587, 0 },	/* another port */
		{ "192.0.2.8", 25, 0 },
		{ "::ffff:192.0.2.7", 25, 1 },	/* v4-mapped */
		{ "2001:db8::1", 2525, 1 },
		{ "2001:db8::2", 2525, 0 },
		{ "127.0.0.1", 465, 1 },	/* any loopback at 465 */
		{ "127.3.2.1", 465, 1 },
		{ "::1", 465, 1 },
		{ "::2", 465, 0 },
		{ "127.0.0.1", 25, 0 },
		{ "10.0.0.1", 465, 0 },
	};
	struct relay_self	*s;
	struct sockaddr_storage	 ss;
	size_t			 i;

	(void)tc;
	s = relay_self_new_empty();
	ss = t_sa("192.0.2.7", 0);
	ATF_REQUIRE(relay_self_add(s, (struct sockaddr *)&ss, 25) == 0);
	ss = t_sa("2001:db8::1", 0);
	ATF_REQUIRE(relay_self_add(s, (struct sockaddr *)&ss, 2525) == 0);
	ATF_REQUIRE(relay_self_add_loopback(s, 465) == 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ss = t_sa(t[i].addr, t[i].port);
		ATF_CHECK_EQ_MSG(relay_self_match(s, (struct sockaddr *)&ss),
		    t[i].want, "%s port %d", t[i].addr, t[i].port);
	}
	ATF_CHECK_EQ(relay_self_match(NULL, (struct sockaddr *)&ss), 0);
	relay_self_free(s);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, relay_self_match_table);
	return atf_no_error();
}
