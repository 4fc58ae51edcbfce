/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for static NAT44 / NPTv6 (modules/nat): the input is a sequence of natStatic writes and of
 * decapsulated packets of a peering (IPv4 and IPv6; TCP, UDP, ICMP and ICMPv6 errors with quoted packets,
 * fragments, truncated headers, random bytes) through ip input, classify and static NAT. After each packet:
 *  - it was forwarded or dropped with a reason; a forwarded IPv4 packet has a valid header checksum;
 *  - an unfragmented, complete TCP/UDP packet that came with a valid L4 checksum leaves with a valid one
 *    (a UDP checksum of 0 stays 0); an IPv6 packet's bytes after the fixed header are unchanged unless it is an
 *    ICMPv6 error (NPTv6 is checksum-neutral: nothing but addresses is written, the quote's included);
 *  - the source of a packet from A leaves as the model's mapping of the table (prefix replaced; IPv4 host bits
 *    kept), or unchanged when no entry covers it;
 *  - teardown returns every byte of the DPDK heap and every mbuf.
 * Each input gets a fresh dp, so a crash reproduces from its input alone. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "fuzz_heap.h"
#include "nat/nat.h"
#include "vxlan/gw_vxlan.h"

#define PEERING 7

static struct rte_mempool *mp;
static struct gw_dp *dp;
static struct gw_worker *w;
static struct gw_trace last;

static const uint8_t *in_d;
static size_t in_n, in_i;
static uint8_t u8(void) { return in_i < in_n ? in_d[in_i++] : 0; }

/* The model: A's (VRF 1) entries, at most 8; the IPv4 ones' prefixes are 10.1.x.0/24 -> 192.0.x.0/24 style. */
struct ent {
	bool v6, live;
	uint8_t plen, ips[16], as[16];
};
static struct ent M[8];

static void on_trace(void *ctx, const struct gw_trace *t)
{
	(void)ctx;
	last = *t;
}

static uint16_t fold_not(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The L4 checksum over pseudo-header + l4 of an IPv4 or IPv6 packet, 0 when valid. */
static uint16_t l4_check(const uint8_t *h, bool v6, const uint8_t *l4, uint32_t len, uint8_t proto)
{
	uint32_t s = rte_raw_cksum(l4, len) + (v6 ? rte_raw_cksum(h + 8, 32) : rte_raw_cksum(h + 12, 8));
	s += htons((uint16_t)len) + htons(proto);
	return fold_not(s);
}

static void ent_write(void)
{
	uint8_t x = u8();
	struct ent *e = &M[x & 7];
	bool v6 = x & 8, del = x & 16;
	static const uint8_t p4[] = {8, 16, 20, 24, 30, 32};
	static const uint8_t p6[] = {32, 44, 48, 52, 56, 64, 80, 112};
	uint8_t plen = v6 ? p6[u8() % sizeof(p6)] : p4[u8() % sizeof(p4)];
	uint8_t ips[16] = {0}, as[16] = {0};
	if (v6) {
		ips[0] = 0xfd, ips[1] = 1, ips[2] = u8() & 3, ips[6] = u8() & 1;
		as[0] = 0x20, as[1] = 1, as[2] = 0x0d, as[3] = 0xb8, as[4] = u8(), as[5] = u8();
	} else {
		ips[0] = 10, ips[1] = 1, ips[2] = u8() & 3;
		as[0] = 192, as[1] = 0, as[2] = u8() & 3;
	}
	struct gw_ip gi = {.family = v6 ? AF_INET6 : AF_INET}, ga = gi;
	memcpy(v6 ? gi.v6 : (uint8_t *)&gi.v4, ips, v6 ? 16 : 4);
	memcpy(v6 ? ga.v6 : (uint8_t *)&ga.v4, as, v6 ? 16 : 4);
	/* one entry per model slot: the old one of the slot goes first (or only, for a delete) */
	if (e->live) {
		struct gw_ip oi = {.family = e->v6 ? AF_INET6 : AF_INET};
		memcpy(e->v6 ? oi.v6 : (uint8_t *)&oi.v4, e->ips, e->v6 ? 16 : 4);
		EXPECT(gw_dp_nat_static_del(dp, PEERING, 1, &oi, e->plen) == 0, "del of a live entry");
		e->live = false;
		EXPECT(gw_dp_nat_static_del(dp, PEERING, 1, &oi, e->plen) == -ENOENT, "del of a deleted entry");
	}
	if (del)
		return;
	/* no two live entries with overlapping ips or as of one family: the model's mapping stays unique */
	for (unsigned i = 0; i < 8; i++) {
		const struct ent *o = &M[i];
		if (!o->live || o->v6 != v6)
			continue;
		uint8_t pl = o->plen < plen ? o->plen : plen;
		uint8_t a[16], b[16], c[16], d[16];
		memcpy(a, ips, 16), memcpy(b, o->ips, 16), memcpy(c, as, 16), memcpy(d, o->as, 16);
		for (unsigned k = 0; k < 16; k++) {
			unsigned bits = pl > k * 8 ? pl - k * 8 : 0;
			uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
			a[k] &= m, b[k] &= m, c[k] &= m, d[k] &= m;
		}
		if (!memcmp(a, b, 16) || !memcmp(c, d, 16))
			return;
	}
	EXPECT(gw_dp_nat_static_set(dp, PEERING, 1, &gi, plen, &ga, plen) == 0, "set");
	*e = (struct ent){.v6 = v6, .live = true, .plen = plen};
	memcpy(e->ips, ips, 16);
	memcpy(e->as, as, 16);
	for (unsigned k = 0; k < 16; k++) { /* host bits cleared, as the table keeps them */
		unsigned bits = plen > k * 8 ? plen - k * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
		e->ips[k] &= m, e->as[k] &= m;
	}
}

/* The model's image of a source address of A: the prefix replaced (NULL: no entry covers it). */
static const struct ent *model_find(bool v6, const uint8_t *a)
{
	const struct ent *best = NULL;
	for (unsigned i = 0; i < 8; i++) {
		const struct ent *e = &M[i];
		if (!e->live || e->v6 != v6)
			continue;
		bool in = true;
		for (unsigned k = 0; k < 16 && in; k++) {
			unsigned bits = e->plen > k * 8 ? e->plen - k * 8 : 0;
			uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
			in = (a[k] & m) == e->ips[k];
		}
		if (in && (!best || e->plen > best->plen))
			best = e;
	}
	return best;
}

/* One packet from A (VRF 1) to B or from B (VRF 2) to A's as space, shaped by the input. */
static void packet(void)
{
	uint8_t x = u8();
	bool v6 = x & 1, from_b = x & 2;
	uint8_t b[256];
	memset(b, 0, sizeof(b));
	uint8_t proto = (uint8_t[]){IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_ICMPV6, 44, 0}[u8() % 6];
	uint32_t hl = v6 ? 40 : 20;
	uint32_t l4len = u8() % 80;
	uint32_t len = hl + l4len;
	for (uint32_t i = hl; i < len; i++)
		b[i] = u8();
	uint8_t *src = b + (v6 ? 8 : 12), *dst = b + (v6 ? 24 : 16);
	unsigned alen = v6 ? 16 : 4;
	uint8_t *inside = from_b ? dst : src, *other = from_b ? src : dst;
	if (v6) {
		b[0] = 0x60, b[4] = (uint8_t)(l4len >> 8), b[5] = (uint8_t)l4len, b[6] = proto, b[7] = 64;
		uint8_t in6[16] = {0xfd, 1, u8() & 3, 0, 0, 0, u8() & 1, u8()};
		for (int k = 8; k < 16; k++)
			in6[k] = (x & 4) ? 0xff : u8();
		memcpy(inside, in6, 16);
		uint8_t b6[16] = {0x20, 1, 0x0d, 0xb8, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, u8()};
		memcpy(other, b6, 16);
	} else {
		b[0] = 0x45, b[2] = (uint8_t)(len >> 8), b[3] = (uint8_t)len, b[8] = (x & 8) ? 1 : 64, b[9] = proto;
		if (x & 16)
			b[6] = (uint8_t)(u8() & 0x3f), b[7] = u8(); /* fragment bits */
		uint8_t in4[4] = {10, 1, u8() & 3, u8()};
		memcpy(inside, in4, 4);
		uint8_t o4[4] = {10, 2, 0, u8()};
		memcpy(other, o4, 4);
	}
	if (from_b) { /* B addresses A by its as: map the inside address the way A's source would leave */
		const struct ent *e = model_find(v6, inside);
		if (e && !v6) {
			for (unsigned k = 0; k < 4; k++) {
				unsigned bits = e->plen > k * 8 ? e->plen - k * 8 : 0;
				uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
				inside[k] = (uint8_t)((inside[k] & ~m) | e->as[k]);
			}
		}
	}
	bool whole = !v6 && (b[6] & 0x3f) == 0 && b[7] == 0 && !(b[6] & 0x20);
	bool fix = x & 32;
	if (fix && (proto == IPPROTO_UDP || proto == IPPROTO_TCP)) {
		uint32_t ck = proto == IPPROTO_TCP ? 16 : 6;
		if (l4len >= ck + 2 && (v6 || whole)) {
			b[hl + ck] = b[hl + ck + 1] = 0;
			uint16_t c = l4_check(b, v6, b + hl, l4len, proto);
			if (proto == IPPROTO_UDP && c == 0)
				c = 0xffff;
			memcpy(b + hl + ck, &c, 2);
		}
	}
	if (!v6) {
		uint16_t c = fold_not(rte_raw_cksum(b, 20));
		memcpy(b + 10, &c, 2);
	}
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *d = m ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + len)) : NULL;
	EXPECT(d != NULL, "mbuf");
	memset(d, 0, 14);
	d[12] = v6 ? 0x86 : 0x08, d[13] = v6 ? 0xdd : 0x00;
	memcpy(d + 14, b, len);
	uint32_t vrf = from_b ? 2 : 1;
	struct gw_meta md = {.vrf = vrf, .vpc = vrf + 1};
	struct gw_pkt p = {.m = m, .md = &md, .inp = gw_dp_port(dp, 0), .in_port = 0, .l3 = 14,
			   .etype = v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4};
	static struct gw_burst_out out;
	memset(out.n, 0, sizeof(out.n));
	last = (struct gw_trace){.decision = GW_DEC_DROP, .drop = GW_DROP_MAX, .out_port = GW_PORT_NONE};
	(v6 ? gw_ip6_input : gw_ip4_input)(w, &p, &out);
	for (unsigned port = 0; port < GW_MAX_PORTS; port++) {
		for (unsigned k = 0; k < out.n[port]; k++) {
			struct rte_mbuf *o = out.pkts[port][k];
			const uint8_t *h = rte_pktmbuf_mtod_offset(o, const uint8_t *, 14);
			uint32_t olen = rte_pktmbuf_pkt_len(o) - 14;
			if (!v6 && (h[0] >> 4) == 4)
				EXPECT(fold_not(rte_raw_cksum(h, (h[0] & 0xfu) * 4u)) == 0, "IPv4 header checksum");
			bool is_err = (v6 ? h[6] == IPPROTO_ICMPV6 : h[9] == IPPROTO_ICMP) && h[v6 ? 40 : 20] != b[hl];
			if (olen != len || is_err || port == 1) /* an error the gateway built, or back to A: skip */
				continue;
			if (fix && whole && (proto == IPPROTO_UDP || proto == IPPROTO_TCP) && l4len >= (proto == IPPROTO_TCP ? 18u : 8u)) {
				uint16_t was;
				memcpy(&was, b + hl + (proto == IPPROTO_TCP ? 16 : 6), 2);
				if (proto == IPPROTO_UDP && was == 0)
					EXPECT(!memcmp(h + hl + 6, "\0\0", 2), "UDP checksum 0 stays 0");
				else
					EXPECT(l4_check(h, false, h + hl, l4len, proto) == 0, "L4 checksum after NAT44");
			}
			if (v6 && !(proto == IPPROTO_ICMPV6 && l4len && b[hl] < 128))
				EXPECT(!memcmp(h + 40, b + 40, l4len), "NPTv6 wrote past the addresses");
			if (!from_b) {
				const struct ent *e = model_find(v6, src);
				const uint8_t *got = h + (v6 ? 8 : 12);
				if (!e)
					EXPECT(!memcmp(got, src, alen), "untranslated source changed");
				else
					EXPECT(!memcmp(got, e->as, e->plen / 8), "source prefix not replaced");
			}
		}
		rte_pktmbuf_free_bulk(out.pkts[port], out.n[port]);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mp = fuzz_eal_init("fuzz_nat", 63);
	return 0;
}

static void route(uint32_t vrf, struct gw_ip pfx, uint8_t plen, uint32_t group)
{
	struct gw_route r = {.type = GW_ROUTE_UNICAST, .group_id = group};
	gw_dp_route_add(dp, vrf, &pfx, plen, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	in_d = data, in_n = size, in_i = 0;
	memset(M, 0, sizeof(M));
	step = 0;
	size_t heap0 = fuzz_heap_in_use();
	struct gw_dp_params p = {.max_vrfs = 3, .max_routes4 = 16, .max_routes6 = 16, .max_nexthops = 4,
				 .max_groups = 4, .max_neighbors = 16, .n_workers = 1, .icmp_rate = 1000000};
	dp = gw_dp_create(&p);
	w = dp ? gw_worker_create(dp, 0) : NULL;
	if (!dp || !w)
		abort();
	gw_dp_vrf_add(dp, 1);
	gw_dp_vrf_add(dp, 2);
	for (uint16_t port = 0; port < 3; port++) {
		struct gw_port_conf c = {.mac = {{2, 0, 0, 0, 0, (uint8_t)(port + 1)}}, .mtu = 1500, .vrf = port,
					 .punt_port = GW_PORT_NONE, .up = true};
		gw_dp_port_set(dp, port, &c);
		if (!port)
			continue;
		struct gw_nexthop nh = {.port = port, .gw = {.family = AF_INET, .v4 = htonl(0x0a000000u | port)}};
		gw_dp_nexthop_set(dp, port, &nh);
		uint32_t id = port;
		gw_dp_group_set(dp, port, &id, NULL, 1);
		gw_dp_neigh_set(dp, port, &nh.gw, &(struct rte_ether_addr){{2, 0, 0, 0, 8, (uint8_t)port}});
	}
	struct gw_vtep vt = {.ip = htonl(0x0a0000fe), .mac = {{2, 0, 0, 0, 7, 1}},
			     .ip6 = {.family = AF_INET6, .v6 = {0x20, 1, 0x0d, 0xb8, 0xff, 0xff, [15] = 1}}};
	gw_dp_vtep_set(dp, &vt);
	struct gw_ip a4 = {.family = AF_INET, .v4 = htonl(0x0a010000)}, b4 = {.family = AF_INET, .v4 = htonl(0x0a020000)};
	struct gw_ip o4 = {.family = AF_INET, .v4 = htonl(0xc0000000)}, any6 = {.family = AF_INET6};
	struct gw_ip a6 = {.family = AF_INET6, .v6 = {0xfd, 1}}, b6 = {.family = AF_INET6, .v6 = {0x20, 1, 0x0d, 0xb8, 0, 0x20}};
	route(1, a4, 16, 1), route(1, a6, 16, 1), route(2, b4, 16, 2), route(2, b6, 48, 2);
	gw_dp_peering_route_set(dp, 1, &b4, 16, PEERING, 2);
	gw_dp_peering_route_set(dp, 1, &b6, 48, PEERING, 2);
	gw_dp_peering_route_set(dp, 2, &o4, 16, PEERING, 1);
	gw_dp_peering_route_set(dp, 2, &any6, 0, PEERING, 1);
	gw_dp_peering_route_set(dp, 2, &b6, 48, PEERING, 2);
	gw_dp_peering_source_set(dp, 1, PEERING, &a4, 16);
	gw_dp_peering_source_set(dp, 1, PEERING, &a6, 16);
	gw_dp_peering_source_set(dp, 2, PEERING, &b4, 16);
	gw_dp_peering_source_set(dp, 2, PEERING, &b6, 48);
	gw_worker_set_trace(w, on_trace, NULL);
	while (in_i < in_n) {
		step++;
		if (u8() % 4 == 0)
			ent_write();
		else
			packet();
	}
	gw_worker_free(w);
	gw_dp_free(dp);
	EXPECT(fuzz_heap_in_use() == heap0, "DPDK heap: %zu bytes before, %zu after", heap0, fuzz_heap_in_use());
	EXPECT(rte_mempool_in_use_count(mp) == 0, "mbufs left: %u", rte_mempool_in_use_count(mp));
	return 0;
}
