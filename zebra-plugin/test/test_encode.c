// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Encoder tests of the zebra plugin, built with ASan+UBSan: every op and message is encoded, decoded back
 * with msgpack-c and checked field by field against the positional layout of gw_wire.h; replies from the
 * agent (valid and malformed) go through the decoder. Prints "ok"/"FAIL" per test and ends with
 * "N passed, N failed" counting tests (a test fails when any of its CHECKs does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"

static int failed_checks;

#define CHECK(cond)                                                                                      \
	do {                                                                                             \
		if (!(cond)) {                                                                           \
			failed_checks++;                                                                 \
			fprintf(stderr, "  CHECK failed %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
		}                                                                                        \
	} while (0)

static msgpack_sbuffer sb;
static msgpack_packer pk;
static msgpack_unpacked un;

static void reset(void)
{
	msgpack_sbuffer_clear(&sb);
}

/* Decodes the next object at *off of the buffer. */
static const msgpack_object *next(size_t *off)
{
	msgpack_unpacked_destroy(&un);
	msgpack_unpacked_init(&un);
	if (msgpack_unpack_next(&un, sb.data, sb.size, off) != MSGPACK_UNPACK_SUCCESS)
		return NULL;
	return &un.data;
}

static uint64_t u(const msgpack_object *a, unsigned int i)
{
	return a->via.array.ptr[i].via.u64;
}

static int bin_eq(const msgpack_object *o, const void *b, size_t n)
{
	return o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == n && memcmp(o->via.bin.ptr, b, n) == 0;
}

static void test_route(void)
{
	struct gw_nexthop nh[2] = {
		{ .type = 3, .vrf = 0, .ifindex = 7, .gate = { 4, { 10, 0, 1, 2 } }, .weight = 1, .flags = 1 },
		{ .type = 5, .vrf = 0, .ifindex = 8, .gate = { 16, { 0xfd, 0, 0, 1 } }, .weight = 0, .flags = 0x101, .vni = 5000 },
	};
	struct gw_route r = { .vrf = 3, .table = 254, .dst = { 4, { 10, 100, 1, 0 } }, .plen = 24, .proto = 11,
			      .distance = 20, .metric = 7, .nhe_id = 19, .nh_count = 2, .nh = nh };
	size_t off = 0;
	const msgpack_object *o, *nhs, *n1;

	reset();
	gw_enc_route(&pk, GW_OP_ROUTE_INSTALL, 42, &r);
	o = next(&off);
	CHECK(o && o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == GW_BODY_ROUTE_LEN);
	if (!o)
		return;
	CHECK(u(o, 0) == GW_OP_ROUTE_INSTALL && u(o, 1) == 42 && u(o, 2) == 3 && u(o, 3) == 254);
	CHECK(bin_eq(&o->via.array.ptr[4], r.dst.b, 4));
	CHECK(u(o, 5) == 24 && u(o, 6) == 11 && u(o, 7) == 20 && u(o, 8) == 7 && u(o, 9) == 19);
	nhs = &o->via.array.ptr[10];
	CHECK(nhs->type == MSGPACK_OBJECT_ARRAY && nhs->via.array.size == 2);
	n1 = &nhs->via.array.ptr[1];
	CHECK(n1->via.array.size == GW_STRUCT_NEXTHOP_LEN);
	CHECK(u(n1, 0) == 5 && u(n1, 2) == 8 && bin_eq(&n1->via.array.ptr[3], nh[1].gate.b, 16));
	CHECK(u(n1, 5) == 0x101 && u(n1, 6) == 5000);
	CHECK(off == sb.size);
}

static void test_route_limits(void)
{
	struct gw_nexthop *nh = calloc(GW_MAX_ROUTE_NEXTHOPS + 10, sizeof(*nh));
	struct gw_route r = { .dst = { 16, { 0x20, 0x01, 0x0d, 0xb8 } }, .plen = 32, .nh_count = GW_MAX_ROUTE_NEXTHOPS + 10, .nh = nh };
	size_t off = 0;
	const msgpack_object *o;

	/* A blackhole nexthop has no gateway: nil, not an empty bin. */
	nh[0].type = 6;
	nh[0].bh_type = 2;
	reset();
	gw_enc_route(&pk, GW_OP_ROUTE_DELETE, 1, &r);
	o = next(&off);
	CHECK(o && o->via.array.ptr[10].via.array.size == GW_MAX_ROUTE_NEXTHOPS);
	CHECK(o && o->via.array.ptr[10].via.array.ptr[0].via.array.ptr[3].type == MSGPACK_OBJECT_NIL);
	CHECK(o && o->via.array.ptr[10].via.array.ptr[0].via.array.ptr[7].via.u64 == 2);
	free(nh);
}

/* The plugin's batching against the agent's message bound: the worst-case op the generator derived is an
 * upper bound of what the encoder produces, and a batch closed by gw_batch_full() never passes
 * GW_MAX_MESSAGE_BYTES, neither of maximal routes nor of the smallest ops. */
static void test_batch_bound(void)
{
	struct gw_nexthop *nh = calloc(GW_MAX_ROUTE_NEXTHOPS, sizeof(*nh));
	struct gw_route r = { .vrf = UINT32_MAX, .table = UINT32_MAX, .dst = { 16, { 0x20, 0x01 } }, .plen = 128,
			      .proto = 255, .distance = 255, .metric = UINT32_MAX, .nhe_id = UINT32_MAX,
			      .nh_count = GW_MAX_ROUTE_NEXTHOPS, .nh = nh };
	struct gw_if_ref ifr = { .ifname = "" };
	struct gw_addr a = { 4, { 192, 0, 2, 1 } };
	msgpack_sbuffer body, msg;
	msgpack_packer bpk, mpk;
	uint32_t n;

	for (int i = 0; i < GW_MAX_ROUTE_NEXTHOPS; i++)
		nh[i] = (struct gw_nexthop){ .type = 255, .vrf = UINT32_MAX, .ifindex = UINT32_MAX, .gate = { 16, { 1 } },
					     .weight = 255, .flags = UINT32_MAX, .vni = UINT32_MAX, .bh_type = 255 };
	reset();
	gw_enc_route(&pk, GW_OP_ROUTE_UPDATE, UINT32_MAX, &r);
	CHECK(sb.size <= GW_MAX_OP_BYTES);
	CHECK(sb.size > GW_MAX_OP_BYTES - 64); /* the derived bound is tight, not a guess */

	for (int small = 0; small < 2; small++) {
		msgpack_sbuffer_init(&body);
		msgpack_packer_init(&bpk, &body, msgpack_sbuffer_write);
		for (n = 0; !gw_batch_full(body.size, n, UINT32_MAX); n++) {
			if (small)
				gw_enc_addr(&bpk, GW_OP_ADDR_INSTALL, n, &ifr, &a, 32);
			else
				gw_enc_route(&bpk, GW_OP_ROUTE_INSTALL, UINT32_MAX, &r);
		}
		msgpack_sbuffer_init(&msg);
		msgpack_packer_init(&mpk, &msg, msgpack_sbuffer_write);
		gw_enc_batch_head(&mpk, UINT32_MAX, UINT32_MAX, n);
		msgpack_sbuffer_write(&msg, body.data, body.size);
		CHECK(msg.size <= GW_MAX_MESSAGE_BYTES);
		CHECK(small ? n == GW_MAX_BATCH_OPS : msg.size > GW_MAX_MESSAGE_BYTES - 2 * GW_MAX_OP_BYTES);
		msgpack_sbuffer_destroy(&body);
		msgpack_sbuffer_destroy(&msg);
	}
	free(nh);
}

static void test_evpn_ops(void)
{
	struct gw_if_ref ifr = { .vrf = 0, .ifindex = 12, .ifname = "vx100" };
	struct gw_mac m = { .mac = { 2, 0, 0, 0, 0xb, 0xb }, .vtep = { 4, { 10, 11, 0, 2 } }, .vlan = 0, .br_ifindex = 13, .sticky = true };
	struct gw_neigh n = { .ip = { 4, { 10, 100, 0, 20 } }, .has_mac = false, .flags = 8, .state = 0x40 };
	struct gw_addr vtep = { 4, { 10, 11, 0, 2 } };
	struct gw_mac novtep = { .mac = { 2, 0, 0, 0, 0, 1 } };
	struct gw_if_ref longname = { .ifname = "an-interface-name-that-is-much-longer-than-sixty-four-characters-on-purpose-really" };
	size_t off = 0;
	const msgpack_object *o;

	reset();
	gw_enc_mac(&pk, GW_OP_MAC_INSTALL, 1, &ifr, &m);
	gw_enc_neigh(&pk, GW_OP_NEIGH_INSTALL, 2, &ifr, &n);
	gw_enc_vtep(&pk, GW_OP_VTEP_ADD, 3, &ifr, &vtep);
	gw_enc_mac(&pk, GW_OP_MAC_DELETE, 4, &longname, &novtep);
	o = next(&off);
	CHECK(o && o->via.array.size == GW_BODY_MAC_LEN && u(o, 0) == GW_OP_MAC_INSTALL);
	CHECK(o && o->via.array.ptr[4].via.str.size == 5 && memcmp(o->via.array.ptr[4].via.str.ptr, "vx100", 5) == 0);
	CHECK(o && bin_eq(&o->via.array.ptr[5], m.mac, 6) && bin_eq(&o->via.array.ptr[6], m.vtep.b, 4));
	CHECK(o && o->via.array.ptr[9].type == MSGPACK_OBJECT_BOOLEAN && o->via.array.ptr[9].via.boolean);
	o = next(&off);
	CHECK(o && o->via.array.size == GW_BODY_NEIGH_LEN && o->via.array.ptr[6].type == MSGPACK_OBJECT_NIL);
	o = next(&off);
	CHECK(o && o->via.array.size == GW_BODY_VTEP_LEN && bin_eq(&o->via.array.ptr[5], vtep.b, 4));
	o = next(&off);
	/* Names are capped at the schema's 64 characters; a missing VTEP is 0.0.0.0 (the schema's vtep is ip4). */
	CHECK(o && o->via.array.ptr[4].via.str.size == 64);
	CHECK(o && o->via.array.ptr[6].type == MSGPACK_OBJECT_BIN && o->via.array.ptr[6].via.bin.size == 4);
	CHECK(off == sb.size);
}

static void test_messages(void)
{
	size_t off = 0;
	const msgpack_object *o;
	struct gw_addr a = { 4, { 192, 0, 2, 1 } };
	struct gw_if_ref ifr = { .ifname = "lo" };

	reset();
	gw_enc_hello(&pk, 1, "8.4.4", "zebra/1/2", false, 4242);
	gw_enc_batch_head(&pk, 2, 7, 1);
	gw_enc_addr(&pk, GW_OP_ADDR_INSTALL, 9, &ifr, &a, 32);
	gw_enc_sync_end(&pk, 3, 7, 1);
	o = next(&off);
	CHECK(o && o->via.array.size == GW_MSG_HELLO_LEN && u(o, 0) == GW_MSG_HELLO && u(o, 2) == GW_WIRE_VERSION);
	CHECK(o && u(o, GW_MSG_HELLO_LEN - 1) == 4242); /* pid, last field */
	o = next(&off);
	/* The BATCH header's ops array is followed by exactly its ops: the whole message is one object. */
	CHECK(o && o->via.array.size == GW_MSG_BATCH_LEN && o->via.array.ptr[3].via.array.size == 1);
	CHECK(o && o->via.array.ptr[3].via.array.ptr[0].via.array.size == GW_BODY_ADDR_LEN);
	o = next(&off);
	CHECK(o && u(o, 0) == GW_MSG_SYNC_END && u(o, 3) == 1);
}

static int decode(const void *buf, size_t n, struct gw_reply *r)
{
	msgpack_unpacked u2;
	int ret = -1;

	msgpack_unpacked_init(&u2);
	if (gw_msgpack_sane(buf, n) == 0 && msgpack_unpack_next(&u2, buf, n, NULL) == MSGPACK_UNPACK_SUCCESS)
		ret = gw_dec_reply(&u2.data, r);
	if (ret == 0 && r->type == GW_MSG_RESULT)
		r->codes = NULL; /* not valid after destroy; tests read codes below while alive */
	msgpack_unpacked_destroy(&u2);
	return ret;
}

static void test_replies(void)
{
	struct gw_reply r;
	msgpack_unpacked u2;

	reset();
	msgpack_pack_array(&pk, 3);
	msgpack_pack_uint8(&pk, GW_MSG_RESULT);
	msgpack_pack_uint32(&pk, 77);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, GW_RES_UNSUPPORTED);
	msgpack_pack_str(&pk, 1);
	msgpack_pack_str_body(&pk, "x", 1);
	msgpack_unpacked_init(&u2);
	CHECK(msgpack_unpack_next(&u2, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS);
	CHECK(gw_dec_reply(&u2.data, &r) == 0 && r.type == GW_MSG_RESULT && r.seq == 77 && r.ncodes == 3);
	CHECK(gw_reply_code(&r, 0) == GW_RES_OK && gw_reply_code(&r, 1) == GW_RES_UNSUPPORTED);
	/* A code that is not a small integer, or one past the end, reads as a failure. */
	CHECK(gw_reply_code(&r, 2) == GW_RES_INTERNAL && gw_reply_code(&r, 3) == GW_RES_INTERNAL);
	msgpack_unpacked_destroy(&u2);

	reset();
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint8(&pk, GW_MSG_ERROR);
	msgpack_pack_uint32(&pk, 5);
	msgpack_pack_uint8(&pk, GW_ERR_NO_SESSION);
	msgpack_pack_str(&pk, 300);
	{
		char big[300];

		memset(big, 'a', sizeof(big));
		msgpack_pack_str_body(&pk, big, sizeof(big));
	}
	CHECK(decode(sb.data, sb.size, &r) == 0 && r.code == GW_ERR_NO_SESSION && strlen(r.detail) == GW_MAX_ERROR_DETAIL);

	/* Malformed: wrong arity, wrong types, unknown type, not an array, truncated. */
	reset();
	msgpack_pack_array(&pk, 3);
	msgpack_pack_uint8(&pk, GW_MSG_HELLO_ACK);
	msgpack_pack_uint32(&pk, 1);
	msgpack_pack_uint32(&pk, 1);
	CHECK(decode(sb.data, sb.size, &r) == -1);
	reset();
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint8(&pk, GW_MSG_HELLO_ACK);
	msgpack_pack_int32(&pk, -1);
	msgpack_pack_uint32(&pk, 1);
	msgpack_pack_uint32(&pk, 1);
	CHECK(decode(sb.data, sb.size, &r) == -1);
	reset();
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint8(&pk, 99);
	msgpack_pack_uint32(&pk, 1);
	CHECK(decode(sb.data, sb.size, &r) == -1);
	reset();
	msgpack_pack_str(&pk, 2);
	msgpack_pack_str_body(&pk, "hi", 2);
	CHECK(decode(sb.data, sb.size, &r) == -1);
	CHECK(decode("\x94\x02", 2, &r) == -1);
	/* A header declaring 2^32-1 elements in 6 bytes is refused before msgpack-c would allocate for it. */
	CHECK(gw_msgpack_sane("\xdd\xff\xff\xff\xff\x00", 6) == -1);
	/* Trailing bytes after the object are refused too. */
	CHECK(gw_msgpack_sane("\x91\x01\x01", 3) == -1 && gw_msgpack_sane("\x91\x01", 2) == 0);
}

/* Random bytes into the reply decoder: must never crash or read out of bounds (ASan watches). */
static void test_fuzz_replies(void)
{
	unsigned int seed = 12345, ok = 0;
	uint8_t buf[64];
	struct gw_reply r;

	for (int i = 0; i < 200000; i++) {
		size_t n = 1 + rand_r(&seed) % sizeof(buf);

		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rand_r(&seed);
		if (i % 4 == 0)
			buf[0] = 0x93 + (uint8_t)(rand_r(&seed) % 2); /* arrays of 3/4 to get deeper */
		if (decode(buf, n, &r) == 0)
			ok++;
	}
	CHECK(ok < 200000);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "route", test_route },
	{ "route_limits", test_route_limits },
	{ "batch_bound", test_batch_bound },
	{ "evpn_ops", test_evpn_ops },
	{ "messages", test_messages },
	{ "replies", test_replies },
	{ "fuzz_replies", test_fuzz_replies },
};

int main(void)
{
	int passed = 0, failed = 0;

	/* A CHECK's message (stderr) lands before its test's FAIL line also when both go to one file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_unpacked_init(&un);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int before = failed_checks;

		tests[i].fn();
		if (failed_checks == before)
			passed++;
		else
			failed++;
		printf("%s %s\n", failed_checks == before ? "ok  " : "FAIL", tests[i].name);
	}
	msgpack_unpacked_destroy(&un);
	msgpack_sbuffer_destroy(&sb);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
