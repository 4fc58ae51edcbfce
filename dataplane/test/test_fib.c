/* SPDX-License-Identifier: Apache-2.0 */
/* The trie FIB against a brute-force longest-prefix match, through random adds, replaces and deletes. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>

#include "ip/ip.h"
#include "harness.h"
#include "tests.h"

struct ref4 { uint32_t ip; uint8_t plen; uint32_t rv; bool live; };

static uint32_t rnd(void) { return ((uint32_t)rand() << 16) ^ (uint32_t)rand(); }
static uint32_t mask4(uint8_t l) { return l ? ~0u << (32 - l) : 0; }

static uint32_t ref_lookup4(const struct ref4 *r, unsigned n, uint32_t a)
{
	int best = -1;
	for (unsigned i = 0; i < n; i++)
		if (r[i].live && (a & mask4(r[i].plen)) == r[i].ip && (best < 0 || r[i].plen > r[best].plen))
			best = (int)i;
	return best < 0 ? 0 : r[best].rv;
}

static struct gw_dp *mk_dp(uint32_t routes)
{
	struct gw_dp_params p = {.max_vrfs = 4, .max_routes4 = routes, .max_routes6 = routes, .max_nexthops = 64,
				 .max_groups = 64, .max_neighbors = 64, .n_workers = 1, .socket_id = 0};
	return gw_dp_create(&p);
}

static void fib4_random(uint32_t max_routes)
{
	srand(7);
	struct gw_dp *dp = mk_dp(max_routes);
	CHECK(dp != NULL);
	if (!dp)
		return;
	enum { N = 1500 };
	static struct ref4 r[N];
	unsigned n = 0;
	uint32_t nhs[] = {1};
	for (uint32_t g = 1; g <= 8; g++) {
		struct gw_nexthop nh = {.port = 0};
		CHECK_EQ(gw_dp_nexthop_set(dp, g, &nh), 0);
		nhs[0] = g;
		CHECK_EQ(gw_dp_group_set(dp, g, nhs, NULL, 1), 0);
	}
	uint32_t bases[16];
	for (int i = 0; i < 16; i++)
		bases[i] = rnd();
	for (unsigned i = 0; i < N; i++) {
		uint8_t plen = (uint8_t)(rand() % 33);
		uint32_t ip = (bases[rand() % 16] ^ (rnd() >> (rand() % 32))) & mask4(plen);
		uint32_t g = 1 + (uint32_t)rand() % 8;
		struct gw_route rt = {.type = GW_ROUTE_UNICAST, .group_id = g};
		if (rand() % 10 == 0)
			rt = (struct gw_route){.type = GW_ROUTE_BLACKHOLE};
		struct gw_ip pfx = {.family = AF_INET, .v4 = rte_cpu_to_be_32(ip)};
		CHECK_EQ(gw_dp_route_add(dp, 1 - 1, &pfx, plen, &rt), 0);
		uint32_t rv = gw_rv_make(rt.type, rt.type == GW_ROUTE_UNICAST ? g : 0);
		bool found = false;
		for (unsigned k = 0; k < n; k++)
			if (r[k].live && r[k].ip == ip && r[k].plen == plen) {
				r[k].rv = rv;
				found = true;
			}
		if (!found)
			r[n++] = (struct ref4){ip, plen, rv, true};
	}
	unsigned bad = 0;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 20000; i++) {
			uint32_t a = bases[rand() % 16] ^ (rnd() >> (rand() % 32));
			struct gw_ip ip = {.family = AF_INET, .v4 = rte_cpu_to_be_32(a)};
			if (gw_dp_route_lookup_value(dp, 0, &ip) != ref_lookup4(r, n, a))
				bad++;
		}
		CHECK_EQ(bad, 0);
		/* delete every other route, then compare again */
		for (unsigned k = 0; k < n; k += 2) {
			if (!r[k].live)
				continue;
			struct gw_ip pfx = {.family = AF_INET, .v4 = rte_cpu_to_be_32(r[k].ip)};
			CHECK_EQ(gw_dp_route_del(dp, 0, &pfx, r[k].plen), 0);
			r[k].live = false;
		}
	}
	CHECK_EQ(gw_dp_route_count(dp, 0, AF_INET), 0 + (unsigned)({
			 unsigned c = 0;
			 for (unsigned k = 0; k < n; k++)
				 c += r[k].live;
			 c;
		 }));
	/* everything gone: no route anywhere, and the trie gave all its groups back */
	for (unsigned k = 0; k < n; k++)
		if (r[k].live) {
			struct gw_ip pfx = {.family = AF_INET, .v4 = rte_cpu_to_be_32(r[k].ip)};
			CHECK_EQ(gw_dp_route_del(dp, 0, &pfx, r[k].plen), 0);
		}
	gw_defer_sync(&dp->defer);
	CHECK_EQ(gw_ip(dp)->vrfs[0]->t4.n_free, gw_ip(dp)->vrfs[0]->t4.n_groups);
	struct gw_ip any = {.family = AF_INET, .v4 = rte_cpu_to_be_32(rnd())};
	CHECK_EQ(gw_dp_route_lookup_value(dp, 0, &any), 0);
	gw_dp_free(dp);
}

static void test_fib4_random(void) { fib4_random(4096); }          /* 16-bit first level */
static void test_fib4_random_wide(void) { fib4_random(100000); }   /* 24-bit first level */

struct ref6 { uint8_t ip[16]; uint8_t plen; uint32_t rv; bool live; };

static bool match6(const uint8_t *a, const uint8_t *p, uint8_t plen)
{
	for (int i = 0; i < 16; i++) {
		int bits = plen - i * 8;
		uint8_t m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		if ((a[i] & m) != p[i])
			return false;
	}
	return true;
}

static void rand6(uint8_t *a, const uint8_t *base)
{
	memcpy(a, base, 16);
	int keep = rand() % 17;
	for (int i = keep; i < 16; i++)
		a[i] = (uint8_t)rand();
}

static void test_fib6_random(void)
{
	srand(11);
	struct gw_dp *dp = mk_dp(4096);
	CHECK(dp != NULL);
	if (!dp)
		return;
	enum { N = 800 };
	static struct ref6 r[N];
	unsigned n = 0;
	uint8_t bases[8][16];
	for (int i = 0; i < 8; i++)
		for (int k = 0; k < 16; k++)
			bases[i][k] = (uint8_t)rand();
	for (unsigned i = 0; i < N; i++) {
		uint8_t plen = (uint8_t)(rand() % 129), a[16];
		rand6(a, bases[rand() % 8]);
		for (int k = 0; k < 16; k++) {
			int bits = plen - k * 8;
			a[k] &= bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		}
		struct gw_route rt = {.type = rand() % 2 ? GW_ROUTE_REJECT : GW_ROUTE_BLACKHOLE};
		struct gw_ip pfx = {.family = AF_INET6};
		memcpy(pfx.v6, a, 16);
		CHECK_EQ(gw_dp_route_add(dp, 0, &pfx, plen, &rt), 0);
		uint32_t rv = gw_rv_make(rt.type, 0);
		bool found = false;
		for (unsigned k = 0; k < n; k++)
			if (r[k].plen == plen && !memcmp(r[k].ip, a, 16)) {
				r[k].rv = rv;
				found = true;
			}
		if (!found) {
			memcpy(r[n].ip, a, 16);
			r[n].plen = plen;
			r[n].rv = rv;
			r[n++].live = true;
		}
	}
	unsigned bad = 0;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 10000; i++) {
			struct gw_ip ip = {.family = AF_INET6};
			rand6(ip.v6, bases[rand() % 8]);
			int best = -1;
			for (unsigned k = 0; k < n; k++)
				if (r[k].live && match6(ip.v6, r[k].ip, r[k].plen) && (best < 0 || r[k].plen > r[best].plen))
					best = (int)k;
			if (gw_dp_route_lookup_value(dp, 0, &ip) != (best < 0 ? 0 : r[best].rv))
				bad++;
		}
		CHECK_EQ(bad, 0);
		for (unsigned k = 0; k < n; k += 2) {
			if (!r[k].live)
				continue;
			struct gw_ip pfx = {.family = AF_INET6};
			memcpy(pfx.v6, r[k].ip, 16);
			CHECK_EQ(gw_dp_route_del(dp, 0, &pfx, r[k].plen), 0);
			r[k].live = false;
		}
	}
	gw_dp_free(dp);
}

static void test_fib_errors(void)
{
	struct gw_dp *dp = mk_dp(16);
	struct gw_ip pfx = {.family = AF_INET, .v4 = rte_cpu_to_be_32(0x0a000000)};
	struct gw_route rt = {.type = GW_ROUTE_UNICAST, .group_id = 5};
	CHECK_EQ(gw_dp_route_add(dp, 0, &pfx, 8, &rt), -ENOENT); /* group 5 does not exist */
	CHECK_EQ(gw_dp_route_add(dp, 0, &pfx, 33, &(struct gw_route){.type = GW_ROUTE_BLACKHOLE}), -EINVAL);
	CHECK_EQ(gw_dp_route_add(dp, 9, &pfx, 8, &(struct gw_route){.type = GW_ROUTE_BLACKHOLE}), -EINVAL);
	CHECK_EQ(gw_dp_route_add(dp, 1, &pfx, 8, &(struct gw_route){.type = GW_ROUTE_BLACKHOLE}), -ENOENT);
	CHECK_EQ(gw_dp_route_del(dp, 0, &pfx, 8), -ENOENT);
	for (uint32_t i = 0; i < 16; i++) {
		pfx.v4 = rte_cpu_to_be_32(0x0a000000 + (i << 8));
		CHECK_EQ(gw_dp_route_add(dp, 0, &pfx, 24, &(struct gw_route){.type = GW_ROUTE_BLACKHOLE}), 0);
	}
	pfx.v4 = rte_cpu_to_be_32(0x0b000000);
	CHECK_EQ(gw_dp_route_add(dp, 0, &pfx, 24, &(struct gw_route){.type = GW_ROUTE_BLACKHOLE}), -ENOSPC);
	CHECK_EQ(gw_dp_vrf_add(dp, 1), 0);
	CHECK_EQ(gw_dp_vrf_add(dp, 1), -EEXIST);
	CHECK_EQ(gw_dp_route_add(dp, 1, &pfx, 24, &(struct gw_route){.type = GW_ROUTE_REJECT}), 0);
	CHECK_EQ(gw_dp_vrf_del(dp, 1), 0);
	gw_dp_free(dp);
}

const struct gw_test gw_tests_fib[] = {
	{"fib4 matches brute-force LPM through adds/deletes", test_fib4_random},
	{"fib4 (24-bit first level) matches brute-force LPM", test_fib4_random_wide},
	{"fib6 matches brute-force LPM through adds/deletes", test_fib6_random},
	{"route writes: typed errors for bad input and full tables", test_fib_errors},
	{NULL, NULL},
};
