/*
 * t_buf.c - bounded buffers at, under and over their caps.
 */
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "buf.h"

ATF_TC_WITHOUT_HEAD(buf_add_at_cap);
ATF_TC_BODY(buf_add_at_cap, tc)
{
	struct buf	b;

	buf_init(&b, 8);
	ATF_CHECK_EQ(buf_add(&b, "12345678", 8), 0);
	ATF_CHECK_EQ(b.len, 8);
	ATF_CHECK_STREQ(b.data, "12345678");
	ATF_CHECK_EQ(buf_room(&b), 0);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(buf_add_over_cap);
ATF_TC_BODY(buf_add_over_cap, tc)
{
	struct buf	b;

	buf_init(&b, 8);
	ATF_CHECK_EQ(buf_add(&b, "1234", 4), 0);
	ATF_CHECK_EQ(buf_add(&b, "56789", 5), -1);
	ATF_CHECK_EQ(b.len, 4);
	ATF_CHECK_STREQ(b.data, "1234");
	ATF_CHECK_EQ(buf_add(&b, "5678", 4), 0);
	ATF_CHECK_EQ(buf_add(&b, "9", 1), -1);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(buf_printf_cap);
ATF_TC_BODY(buf_printf_cap, tc)
{
	struct buf	b;

	buf_init(&b, 10);
	ATF_CHECK_EQ(buf_printf(&b, "%d-%s", 42, "abc"), 0);
	ATF_CHECK_STREQ(b.data, "42-abc");
	ATF_CHECK_EQ(buf_printf(&b, "%s", "12345"), -1);
	ATF_CHECK_STREQ(b.data, "42-abc");
	ATF_CHECK_EQ(buf_printf(&b, "%s", "1234"), 0);
	ATF_CHECK_EQ(b.len, 10);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(buf_printf_empty);
ATF_TC_BODY(buf_printf_empty, tc)
{
	struct buf	b;

	buf_init(&b, 4);
	ATF_CHECK_EQ(buf_printf(&b, "%s", ""), 0);
	ATF_CHECK_STREQ(b.data, "");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(buf_add_empty_buf);
ATF_TC_BODY(buf_add_empty_buf, tc)
{
	struct buf	b, empty;

	/* an empty buf's data is NULL: appending it copies nothing */
	buf_init(&b, 8);
	buf_init(&empty, 8);
	ATF_CHECK_EQ(buf_add(&b, empty.data, empty.len), 0);
	ATF_CHECK_EQ(b.len, 0);
	ATF_CHECK_STREQ(b.data, "");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(buf_consume_front);
ATF_TC_BODY(buf_consume_front, tc)
{
	struct buf	b;
	char		*s;

	buf_init(&b, 1024);
	ATF_REQUIRE_EQ(buf_addstr(&b, "HELO x\r\nQUIT\r\n"), 0);
	buf_consume(&b, 8);
	ATF_CHECK_STREQ(b.data, "QUIT\r\n");
	buf_consume(&b, 6);
	ATF_CHECK_EQ(b.len, 0);
	ATF_CHECK_EQ(buf_addstr(&b, "x"), 0);
	s = buf_release(&b);
	ATF_CHECK_STREQ(s, "x");
	ATF_CHECK(b.data == NULL);
	free(s);
}

ATF_TC_WITHOUT_HEAD(buf_grow_large);
ATF_TC_BODY(buf_grow_large, tc)
{
	struct buf	b;
	char		chunk[1000];
	int		i;

	memset(chunk, 'a', sizeof(chunk));
	buf_init(&b, 100000);
	for (i = 0; i < 100; i++)
		ATF_REQUIRE_EQ(buf_add(&b, chunk, sizeof(chunk)), 0);
	ATF_CHECK_EQ(buf_add(&b, "b", 1), -1);
	ATF_CHECK_EQ(b.len, 100000);
	ATF_CHECK(b.size <= b.max);
	buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, buf_add_at_cap);
	ATF_TP_ADD_TC(tp, buf_add_over_cap);
	ATF_TP_ADD_TC(tp, buf_printf_cap);
	ATF_TP_ADD_TC(tp, buf_printf_empty);
	ATF_TP_ADD_TC(tp, buf_add_empty_buf);
	ATF_TP_ADD_TC(tp, buf_consume_front);
	ATF_TP_ADD_TC(tp, buf_grow_large);
	return atf_no_error();
}
