/* SPDX-License-Identifier: Apache-2.0 */
/* The table item decoders (tables/gen/gw_tables.h) through a reader with the addon's string rule. */
#include <string.h>

#include "gen/gw_tables.h"
#include "tests.h"

/* A reader whose every value is one string of n bytes (a JS string may hold a NUL). */
struct str_val {
	const char *s;
	size_t n;
};

static const void *get(void *ctx, const void *obj, unsigned key)
{
	(void)obj;
	return key == GW_TK_IP ? ctx : NULL;
}

static int str(void *ctx, const void *v, char *buf, size_t len)
{
	(void)ctx;
	const struct str_val *x = v;
	size_t n = x->n < len - 1 ? x->n : len - 1; /* as napi_get_value_string_utf8 copies */
	memcpy(buf, x->s, n);
	buf[n] = 0;
	return gw_tbl_str_fits(buf, n, len);
}

static int decode_ip(const char *s, size_t n, struct gw_ip *out)
{
	struct str_val v = {s, n};
	struct gw_tbl_reader r = {&v, get, NULL, str, NULL, NULL, NULL, NULL};
	return gw_tbl_rd_ip(&r, &v, false, 0, out);
}

/* Found by fuzz/fuzz_decode.c: the C decoders read a string only up to its first NUL, so "10.0.0.1\0x" was
 * accepted as 10.0.0.1 where the generated TS decoders (FakeDataplane) refuse it. */
static void test_string_with_nul_refused(void)
{
	struct gw_ip ip;
	CHECK_EQ(decode_ip("10.0.0.1", 8, &ip), 0);
	CHECK_EQ(ip.family, AF_INET);
	CHECK_EQ(decode_ip("10.0.0.1\0x", 10, &ip), -1);
	CHECK_EQ(decode_ip("2001:db8::1\0", 12, &ip), -1);
	/* the length rule is unchanged: GW_TBL_STR_MAX - 2 bytes fit, longer strings are refused */
	char pad[GW_TBL_STR_MAX + 1];
	memset(pad, '0', sizeof(pad));
	memcpy(pad, "::", 2);
	CHECK_EQ(gw_tbl_str_fits(pad, GW_TBL_STR_MAX - 2, GW_TBL_STR_MAX), 0);
	CHECK_EQ(decode_ip(pad, GW_TBL_STR_MAX - 1, &ip), -1);
}

const struct gw_test gw_tests_tables[] = {
	{"table decoders refuse a string with a NUL (the addon's reader rule)", test_string_with_nul_refused},
	{NULL, NULL},
};
