/*
 * t_pwhash.c - crypt(3) hashes: round trips, known vectors of every
 * scheme, malformed and locked hashes, password length limits.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "pwhash.h"

#define SALT_CHARS	"./0123456789" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* Vectors computed with "openssl passwd" and Python's crypt module. */
static const struct {
	const char	*password;
	const char	*hash;
} vectors[] = {
	{ "correct horse battery staple",
	    "$6$saltsaltsaltsalt$csoGsaC3yxEIvMdVpxO2zEQlhCHi/6pnPVKHT3nfri"
	    "bhRDnEOL4O5nnsAETH/r6rG0vxiN/wRElsAf4u8CK4d." },
	{ "hunter2",
	    "$5$abcdefgh$XEPmEiAJvPG31m/DaIsyckkv.Sxd.8NrmElXxCKFQr/" },
	{ "hunter2",
	    "$2b$05$abcdefghijklmnopqrstuuoXuKqgZXLiJqzfmMXDDhSFPIvxV7t8." },
	{ "hunter2",
	    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$PmNgGTLMFjJn.URBv11CpTEm5RwlKtPj"
	    "RtztKe6.b33" },
	{ "x",
	    "$6$$KvRrc0bxRLyTUhO8OJOmRczh7oCol5BACiR8rmdfVzvuGgm8JmLDumsL/a"
	    "h.jFtT.DswxoP9Nv3ByfU4j5hm/0" },
};

ATF_TC_WITHOUT_HEAD(pwhash_check_vectors);
ATF_TC_BODY(pwhash_check_vectors, tc)
{
	size_t	i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		ATF_CHECK_EQ_MSG(pwhash_check(vectors[i].password,
		    vectors[i].hash), 1, "vector %zu", i);
}

ATF_TC_WITHOUT_HEAD(pwhash_check_wrong_password);
ATF_TC_BODY(pwhash_check_wrong_password, tc)
{
	static const char	*wrong[] = {
		"", "hunter", "hunter22", "Hunter2", "hunter2\n", " hunter2",
		"correct horse battery stapl", "\xff\xfe",
	};
	size_t			 i, j;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		for (j = 0; j < sizeof(wrong) / sizeof(wrong[0]); j++)
			ATF_CHECK_EQ_MSG(pwhash_check(wrong[j],
			    vectors[i].hash), 0, "vector %zu, wrong %zu", i, j);
}

ATF_TC_WITHOUT_HEAD(pwhash_check_tampered_hash);
ATF_TC_BODY(pwhash_check_tampered_hash, tc)
{
	char	h[PWHASH_HASH_MAX];
	size_t	len;

	/* The last character changed: same length, different digest. */
	ATF_REQUIRE(strlcpy(h, vectors[0].hash, sizeof(h)) < sizeof(h));
	len = strlen(h);
	h[len - 1] = h[len - 1] == 'A' ? 'B' : 'A';
	ATF_CHECK_EQ(pwhash_check(vectors[0].password, h), 0);
	/* Truncated or extended: no longer a well-formed hash. */
	h[len - 1] = '\0';
	ATF_CHECK_EQ(pwhash_check(vectors[0].password, h), -1);
	ATF_REQUIRE(strlcpy(h, vectors[0].hash, sizeof(h)) < sizeof(h));
	ATF_REQUIRE(strlcat(h, "A", sizeof(h)) < sizeof(h));
	ATF_CHECK_EQ(pwhash_check(vectors[0].password, h), -1);
}

ATF_TC_WITHOUT_HEAD(pwhash_check_malformed);
ATF_TC_BODY(pwhash_check_malformed, tc)
{
	static const char	*bad[] = {
		"", "*", "!", "!!", "*LK*", "$6$", "$6$saltsaltsaltsalt",
		"$6$saltsaltsaltsalt$", "$5$", "$2b$", "$y$", "$9$abc$def",
		"x", "!$6$saltsaltsaltsalt$csoGsaC3yxEIvMdVpxO2zEQlhCHi/6pnPVKH"
		"T3nfribhRDnEOL4O5nnsAETH/r6rG0vxiN/wRElsAf4u8CK4d.",
		"$6$salt\nsalt$abc",
	};
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ATF_CHECK_EQ_MSG(pwhash_check("", bad[i]), -1, "bad %zu", i);
		ATF_CHECK_EQ_MSG(pwhash_check("x", bad[i]), -1, "bad %zu", i);
	}
	ATF_CHECK_EQ(pwhash_check(NULL, vectors[0].hash), -1);
	ATF_CHECK_EQ(pwhash_check("x", NULL), -1);
}

ATF_TC_WITHOUT_HEAD(pwhash_hash_round_trip);
ATF_TC_BODY(pwhash_hash_round_trip, tc)
{
	static const char	*pw[] = {
		"hunter2", "", "p\xc3\xa4ssw\xc3\xb6rd", "with space",
		"$6$looks$like$a$hash", "\x01\x7f\xff",
	};
	char			 h[PWHASH_HASH_MAX];
	size_t			 i, j;

	for (i = 0; i < sizeof(pw) / sizeof(pw[0]); i++) {
		ATF_REQUIRE_EQ(pwhash_hash(pw[i], h, sizeof(h)), 0);
		ATF_CHECK_MSG(strncmp(h, "$6$", 3) == 0, "%s", h);
		for (j = 3; j < 3 + PWHASH_SALT_LEN; j++)
			ATF_CHECK_MSG(h[j] != '\0' &&
			    strchr(SALT_CHARS, h[j]) != NULL, "%s", h);
		ATF_CHECK_EQ_MSG(h[3 + PWHASH_SALT_LEN], '$', "%s", h);
		ATF_CHECK_EQ(strlen(h), 3 + PWHASH_SALT_LEN + 1 + 86);
		ATF_CHECK_EQ(pwhash_check(pw[i], h), 1);
		ATF_CHECK_EQ(pwhash_check("wrong", h), 0);
	}
}

ATF_TC_WITHOUT_HEAD(pwhash_hash_salted);
ATF_TC_BODY(pwhash_hash_salted, tc)
{
	char	a[PWHASH_HASH_MAX], b[PWHASH_HASH_MAX];

	ATF_REQUIRE_EQ(pwhash_hash("same", a, sizeof(a)), 0);
	ATF_REQUIRE_EQ(pwhash_hash("same", b, sizeof(b)), 0);
	ATF_CHECK(strcmp(a, b) != 0);
	ATF_CHECK(strncmp(a, b, 3 + PWHASH_SALT_LEN) != 0);
}

ATF_TC_WITHOUT_HEAD(pwhash_hash_output_size);
ATF_TC_BODY(pwhash_hash_output_size, tc)
{
	char	h[PWHASH_HASH_MAX];
	size_t	need = 3 + PWHASH_SALT_LEN + 1 + 86 + 1;

	ATF_CHECK(need <= sizeof(h));
	ATF_CHECK_EQ(pwhash_hash("x", h, need), 0);
	ATF_CHECK_EQ(pwhash_check("x", h), 1);
	ATF_CHECK_EQ(pwhash_hash("x", h, need - 1), -1);
	ATF_CHECK_STREQ(h, "");
	ATF_CHECK_EQ(pwhash_hash("x", h, 0), -1);
	ATF_CHECK_EQ(pwhash_hash(NULL, h, sizeof(h)), -1);
}

ATF_TC_WITHOUT_HEAD(pwhash_hash_overlong);
ATF_TC_BODY(pwhash_hash_overlong, tc)
{
	static char	pw[PWHASH_MAX + 2];
	char		h[PWHASH_HASH_MAX];

	/* Exactly PWHASH_MAX bytes: hashed and checked. */
	memset(pw, 'p', PWHASH_MAX);
	pw[PWHASH_MAX] = '\0';
	ATF_REQUIRE_EQ(pwhash_hash(pw, h, sizeof(h)), 0);
	ATF_CHECK_EQ(pwhash_check(pw, h), 1);
	pw[PWHASH_MAX - 1] = 'q';
	ATF_CHECK_EQ(pwhash_check(pw, h), 0);

	/* One byte more: refused both ways, never silently truncated. */
	pw[PWHASH_MAX - 1] = 'p';
	pw[PWHASH_MAX] = 'p';
	pw[PWHASH_MAX + 1] = '\0';
	ATF_CHECK_EQ(pwhash_hash(pw, h, sizeof(h)), -1);
	ATF_CHECK_STREQ(h, "");
	ATF_CHECK_EQ(pwhash_check(pw, vectors[0].hash), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, pwhash_check_vectors);
	ATF_TP_ADD_TC(tp, pwhash_check_wrong_password);
	ATF_TP_ADD_TC(tp, pwhash_check_tampered_hash);
	ATF_TP_ADD_TC(tp, pwhash_check_malformed);
	ATF_TP_ADD_TC(tp, pwhash_hash_round_trip);
	ATF_TP_ADD_TC(tp, pwhash_hash_salted);
	ATF_TP_ADD_TC(tp, pwhash_hash_output_size);
	ATF_TP_ADD_TC(tp, pwhash_hash_overlong);
	return atf_no_error();
}
