/* SPDX-License-Identifier: Apache-2.0 */
/* The reader the generated table decoders (gen/gw_tables.h) read items through, and the field readers they
 * call: the addon implements the reader over JS values, gw-replay over JSON. Each field reader answers 0, or -1
 * when the value (NULL = absent) is missing, of another type or out of range; the decoder then names the field. */
#ifndef GW_TBL_READ_H
#define GW_TBL_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gw_addr.h"

#define GW_TBL_STR_MAX 64 /* strings this long or longer are refused */

struct gw_tbl_reader {
	void *ctx;
	/* property `key` (an enum gw_tbl_key) of obj; NULL when absent or undefined, or when obj is not an object */
	const void *(*get)(void *ctx, const void *obj, unsigned key);
	int (*u32)(void *ctx, const void *v, uint32_t *out);         /* an integer 0..UINT32_MAX */
	int (*str)(void *ctx, const void *v, char *buf, size_t len); /* a string shorter than len */
	long (*len)(void *ctx, const void *v);                       /* array length, -1 for a non-array */
	const void *(*at)(void *ctx, const void *v, size_t i);
	int (*port)(void *ctx, const void *v, uint32_t *out); /* a port reference: an id (addon), a name (replay) */
	const char *why; /* set when a decoder refuses an item: "field: expected ..." */
};

/* How a reader over JS values turns a number and a string into what the field readers take (the addon's reader
 * calls these; fuzz/fuzz_decode.c drives the decoders through the same rules without a JS engine). */
/* A JS number is a u32 when it is an integer in 0..UINT32_MAX (-0 is 0). */
static inline int gw_tbl_u32_of_double(double d, uint32_t *out)
{
	if (d != d || d < 0 || d > 4294967295.0 || d != (double)(uint32_t)d)
		return -1;
	*out = (uint32_t)d;
	return 0;
}

/* A string's n bytes, copied into buf (len bytes; the copy stops at len - 1), are taken when nothing was cut and
 * none is a NUL: a JS string may hold one, and the C parsers would read only the text before it ("10.0.0.1\0x"
 * would pass as 10.0.0.1 where the TS decoders refuse it). Found by fuzz/fuzz_decode.c. */
static inline int gw_tbl_str_fits(const char *buf, size_t n, size_t len)
{
	return n + 1 >= len || memchr(buf, 0, n) ? -1 : 0;
}

/* A decoder's refusal: 1 is GW_TR_INVALID (gen/gw_tables.h checks it). */
static inline int gw_tbl_bad(struct gw_tbl_reader *r, const char *why)
{
	r->why = why;
	return 1;
}

static inline int gw_tbl_rd_u32(struct gw_tbl_reader *r, const void *v, uint32_t min, uint32_t max, uint32_t *out)
{
	return !v || r->u32(r->ctx, v, out) || *out < min || *out > max ? -1 : 0;
}

static inline int gw_tbl_rd_u16(struct gw_tbl_reader *r, const void *v, uint32_t min, uint32_t max, uint16_t *out)
{
	uint32_t x;
	if (gw_tbl_rd_u32(r, v, min, max, &x))
		return -1;
	*out = (uint16_t)x;
	return 0;
}

static inline int gw_tbl_rd_port(struct gw_tbl_reader *r, const void *v, uint32_t n_ports, uint16_t *out)
{
	uint32_t x;
	if (!v || r->port(r->ctx, v, &x) || x >= n_ports)
		return -1;
	*out = (uint16_t)x;
	return 0;
}

/* An optional field may be absent (out stays zeroed), never present with another type. family 4 or 6 admits only
 * addresses of that family (0: both). */
static inline int gw_tbl_rd_ip(struct gw_tbl_reader *r, const void *v, bool optional, int family, struct gw_ip *out)
{
	char s[GW_TBL_STR_MAX];
	if (!v)
		return optional ? 0 : -1;
	if (r->str(r->ctx, v, s, sizeof(s)) || gw_parse_ip(s, out))
		return -1;
	if (family != 0 && out->family != (family == 4 ? AF_INET : AF_INET6)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

static inline int gw_tbl_rd_prefix(struct gw_tbl_reader *r, const void *v, struct gw_ip *out, uint8_t *len)
{
	char s[GW_TBL_STR_MAX];
	return !v || r->str(r->ctx, v, s, sizeof(s)) || gw_parse_prefix(s, out, len) ? -1 : 0;
}

static inline int gw_tbl_rd_mac(struct gw_tbl_reader *r, const void *v, struct rte_ether_addr *out)
{
	char s[GW_TBL_STR_MAX];
	return !v || r->str(r->ctx, v, s, sizeof(s)) || gw_parse_mac(s, out) ? -1 : 0;
}

/* Index of the string v in names[0..n-1], or -1. */
static inline int gw_tbl_rd_tag(struct gw_tbl_reader *r, const void *v, const char *const *names, int n)
{
	char s[GW_TBL_STR_MAX];
	if (!v || r->str(r->ctx, v, s, sizeof(s)))
		return -1;
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

#endif
