/* SPDX-License-Identifier: Apache-2.0 */
/* VPC classify (modules/vpc): packets that came in decapsulated (md->vpc = source VRF + 1) are admitted through a
 * peering and routed in the destination VPC's VRF, or dropped with a named reason counted per VPC; the tables'
 * typed errors; readers on another thread while the writer republishes. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "ip/ip.h"
#include "tests.h"
#include "vpc/gw_vpc.h"
#include "vxlan/gw_vxlan.h"

static struct rte_mempool *vpool(void)
{
	static struct rte_mempool *mp;
	if (!mp)
		mp = rte_pktmbuf_pool_create("gwt_vpc", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return mp;
}

static const struct rte_ether_addr MAC0 = {{2, 0, 0, 0, 9, 1}};

static struct gw_ip v4(uint32_t a) { return (struct gw_ip){.family = AF_INET, .v4 = htonl(a)}; }

static struct gw_ip v6(uint16_t w0, uint16_t w1, uint16_t last)
{
	struct gw_ip ip = {.family = AF_INET6};
	ip.v6[0] = (uint8_t)(w0 >> 8), ip.v6[1] = (uint8_t)w0;
	ip.v6[2] = (uint8_t)(w1 >> 8), ip.v6[3] = (uint8_t)w1;
	ip.v6[14] = (uint8_t)(last >> 8), ip.v6[15] = (uint8_t)last;
	return ip;
}

/* An inner frame as decapsulation leaves it: Ethernet + IPv4/IPv6 + 8 bytes of UDP, TTL/hop limit 64. */
static struct rte_mbuf *frame(const struct gw_ip *src, const struct gw_ip *dst)
{
	bool six = src->family == AF_INET6;
	uint16_t l3len = (uint16_t)((six ? 40 : 20) + 8);
	struct rte_mbuf *m = rte_pktmbuf_alloc(vpool());
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + l3len));
	memset(d, 0, 14u + l3len);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
	eh->dst_addr = MAC0;
	eh->ether_type = htons(six ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (six) {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)(eh + 1);
		h->vtc_flow = htonl(6u << 28);
		h->payload_len = htons(8);
		h->proto = IPPROTO_UDP;
		h->hop_limits = 64;
		memcpy(h->src_addr, src->v6, 16);
		memcpy(h->dst_addr, dst->v6, 16);
	} else {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)(eh + 1);
		*h = (struct rte_ipv4_hdr){.version_ihl = 0x45, .total_length = htons(l3len), .time_to_live = 64,
					   .next_proto_id = IPPROTO_UDP, .src_addr = src->v4, .dst_addr = dst->v4};
		h->hdr_checksum = rte_ipv4_cksum(h);
	}
	return m;
}

/* Port `port` in VRF `port` (VRF 0: the underlay, nothing else); a VPC port (port > 0, its VRF created) also gets
 * nexthop = group = port via 10.0.0.<port>, resolved. True for a VPC port. Shared with test_nat_static.c. */
bool gwt_vpc_port(struct gw_dp *dp, uint16_t port)
{
	struct gw_port_conf c = {.mac = {{2, 0, 0, 0, 9, (uint8_t)(port + 1)}}, .mtu = 1500, .vrf = port,
				 .punt_port = GW_PORT_NONE, .up = true};
	if (port)
		gw_dp_vrf_add(dp, port);
	gw_dp_port_set(dp, port, &c);
	if (!port)
		return false;
	struct gw_nexthop nh = {.port = port, .gw = v4(0x0a000000u | port)};
	gw_dp_nexthop_set(dp, port, &nh);
	uint32_t id = port;
	gw_dp_group_set(dp, port, &id, NULL, 1);
	gw_dp_neigh_set(dp, port, &nh.gw, &(struct rte_ether_addr){{2, 0, 0, 0, 8, (uint8_t)port}});
	return true;
}

/* VRF 0 underlay on port 0; VPC VRFs 1 (A), 2 (B), 3 (C), each with a route to its own port: 1 → port 1
 * (10.1/16, 2001:db8:1::/48), 2 → port 2 (10.2/16, 2001:db8:2::/48), 3 → port 3 (10.3/16). */
static struct gw_dp *setup(void)
{
	struct gw_dp_params p = {.max_vrfs = 4, .max_routes4 = 1024, .max_routes6 = 64, .max_nexthops = 8,
				 .max_groups = 8, .max_neighbors = 64, .n_workers = 2};
	struct gw_dp *dp = gw_dp_create(&p);
	for (uint16_t port = 0; port < 4; port++) {
		if (!gwt_vpc_port(dp, port))
			continue;
		struct gw_route r = {.type = GW_ROUTE_UNICAST, .group_id = port};
		struct gw_ip pfx = v4(0x0a000000u | (uint32_t)port << 16);
		gw_dp_route_add(dp, port, &pfx, 16, &r);
		pfx = v6(0x2001, 0x0db8, 0);
		pfx.v6[5] = (uint8_t)port;
		gw_dp_route_add(dp, port, &pfx, 48, &r);
	}
	return dp;
}

struct run {
	struct gw_dp *dp;
	struct gw_worker *w;
	struct gw_burst_out out;
};

/* One decapsulated packet from VPC VRF src_vrf through ip input: the egress port, or -1 when it was dropped
 * (reason in *drop). stale_rv: a burst-level lookup result as ip made it in the source VRF. */
static int send1(struct run *r, uint32_t src_vrf, const struct gw_ip *src, const struct gw_ip *dst, bool stale_rv,
		 unsigned *drop)
{
	struct gw_meta md = {.vrf = src_vrf, .vpc = src_vrf + 1};
	if (stale_rv) {
		md.fib_family = src->family == AF_INET ? 4 : 6;
		md.fib_rv = gw_dp_route_lookup_value(r->dp, src_vrf, dst);
		md.fib_vrf = src_vrf;
		md.fib_dst = src->family == AF_INET ? ntohl(dst->v4) : 0;
	}
	struct gw_pkt p = {.m = frame(src, dst), .md = &md, .inp = gw_dp_port(r->dp, 0), .in_port = 0, .l3 = 14,
			   .etype = src->family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6};
	uint64_t before[GW_DROP_MAX];
	memcpy(before, gw_worker_counters(r->w, 0)->drops, sizeof(before));
	memset(r->out.n, 0, sizeof(r->out.n));
	(src->family == AF_INET ? gw_ip4_input : gw_ip6_input)(r->w, &p, &r->out);
	int port = -1;
	for (unsigned i = 0; i < GW_MAX_PORTS; i++) {
		if (r->out.n[i])
			port = (int)i;
		rte_pktmbuf_free_bulk(r->out.pkts[i], r->out.n[i]);
	}
	*drop = GW_DROP_MAX;
	for (unsigned i = 0; i < GW_DROP_MAX; i++)
		if (gw_worker_counters(r->w, 0)->drops[i] != before[i])
			*drop = i;
	return port;
}

static void run_begin(struct run *r)
{
	r->dp = setup();
	r->w = gw_worker_create(r->dp, 0);
	gw_worker_online(r->w);
}

static void run_end(struct run *r)
{
	gw_worker_offline(r->w);
	gw_worker_free(r->w);
	gw_dp_free(r->dp);
	CHECK_EQ(rte_mempool_in_use_count(vpool()), 0);
}

/* A exposes 10.1.0.0/24 to B in peering 7; B exposes 10.2.0.0/16: A's VRF gets B's prefix as a peering route. */
static void test_classify_hit(void)
{
	static struct run r;
	run_begin(&r);
	struct gw_ip b = v4(0x0a020000), a = v4(0x0a010000);
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &b, 16, 7, 2), 0);
	CHECK_EQ(gw_dp_peering_source_set(r.dp, 1, 7, &a, 24), 0);
	struct gw_ip src = v4(0x0a010005), dst = v4(0x0a020009);
	unsigned drop;
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), 2); /* routed in B's VRF: B's port */
	CHECK_EQ(drop, GW_DROP_MAX);
	/* ip's burst-level lookup in A's VRF (no route there: 0) must not decide the route */
	CHECK_EQ(send1(&r, 1, &src, &dst, true, &drop), 2);
	/* an underlay packet (not decapsulated) to the same address is routed in its own VRF as before */
	struct gw_meta md = {.vrf = 1};
	struct gw_pkt p = {.m = frame(&src, &dst), .md = &md, .inp = gw_dp_port(r.dp, 0), .l3 = 14,
			   .etype = RTE_ETHER_TYPE_IPV4};
	memset(r.out.n, 0, sizeof(r.out.n));
	gw_ip4_input(r.w, &p, &r.out);
	CHECK_EQ(gw_worker_counters(r.w, 0)->drops[GW_DROP_NO_ROUTE], 1); /* VRF 1 has no 10.2/16: not classified */
	for (unsigned i = 0; i < GW_MAX_PORTS; i++)
		rte_pktmbuf_free_bulk(r.out.pkts[i], r.out.n[i]);

	struct gw_vpc_counters ca, cb;
	CHECK_EQ(gw_dp_vpc_counters(r.dp, 1, &ca), 0);
	CHECK_EQ(gw_dp_vpc_counters(r.dp, 2, &cb), 0);
	CHECK_EQ(ca.rx_packets, 2);
	CHECK_EQ(ca.rx_bytes, 2 * 28);
	CHECK_EQ(ca.tx_packets, 0);
	CHECK_EQ(cb.tx_packets, 2);
	CHECK_EQ(cb.tx_bytes, 2 * 28);
	CHECK_EQ(cb.rx_packets, 0);
	struct gw_vpc_peering_counters pc;
	CHECK_EQ(gw_dp_vpc_peering_counters(r.dp, 7, &pc), 0);
	CHECK_EQ(pc.packets, 2);
	CHECK_EQ(pc.bytes, 56);
	uint32_t peering = 0, dvrf = 0;
	CHECK_EQ(gw_dp_vpc_classify(r.dp, 1, &src, &dst, &peering, &dvrf), GW_DROP_MAX);
	CHECK_EQ(peering, 7);
	CHECK_EQ(dvrf, 2);
	run_end(&r);
}

/* A default expose on both sides: 0.0.0.0/0 as the peering route and as the source. */
static void test_default_expose(void)
{
	static struct run r;
	run_begin(&r);
	struct gw_ip any = v4(0);
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &any, 0, 9, 3), 0);
	CHECK_EQ(gw_dp_peering_source_set(r.dp, 1, 9, &any, 0), 0);
	unsigned drop;
	struct gw_ip src = v4(0xc0a80101), dst = v4(0x0a030303);
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), 3);
	src = v4(0xfffffffe);
	dst = v4(0x0a03ffff);
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), 3); /* the top of the space is inside too */
	/* routed in C's VRF; an address C has no route for is C's no_route, not a classify drop */
	dst = v4(0x0b000001);
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_NO_ROUTE);
	run_end(&r);
}

static void test_source_not_exposed_and_no_peering(void)
{
	static struct run r;
	run_begin(&r);
	struct gw_ip b = v4(0x0a020000), a = v4(0x0a010000);
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &b, 16, 7, 2), 0);
	unsigned drop;
	struct gw_ip src = v4(0x0a010005), dst = v4(0x0a020009), other = v4(0x0a090001);
	/* the route exists, the peering has no source of A yet */
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_SOURCE_NOT_EXPOSED);
	CHECK_EQ(gw_dp_peering_source_set(r.dp, 1, 7, &a, 24), 0);
	CHECK_EQ(gw_dp_peering_source_set(r.dp, 1, 7, &a, 24), 0); /* again: no change */
	CHECK_EQ(gw_dp_peering_source_count(r.dp, 1), 1);
	src = v4(0x0a010105); /* 10.1.1.5: outside 10.1.0.0/24 */
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_SOURCE_NOT_EXPOSED);
	src = v4(0x0a0100ff);
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), 2);
	/* a destination no peering route covers */
	CHECK_EQ(send1(&r, 1, &src, &other, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_NO_PEERING);
	/* C (VRF 3) has no peering at all */
	CHECK_EQ(send1(&r, 3, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_NO_PEERING);
	/* a source exposed in another peering does not count for this one */
	struct gw_ip c = v4(0x0a010100);
	CHECK_EQ(gw_dp_peering_source_set(r.dp, 1, 8, &c, 24), 0);
	src = v4(0x0a010105);
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_SOURCE_NOT_EXPOSED);
	/* removing the route closes the path */
	CHECK_EQ(gw_dp_peering_route_del(r.dp, 1, &b, 16), 0);
	src = v4(0x0a010001);
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_NO_PEERING);

	struct gw_vpc_counters ca, cc;
	gw_dp_vpc_counters(r.dp, 1, &ca);
	gw_dp_vpc_counters(r.dp, 3, &cc);
	CHECK_EQ(gw_vpc_drop_reasons[0], GW_DROP_VPC_NO_PEERING);
	CHECK_EQ(gw_vpc_drop_reasons[1], GW_DROP_VPC_SOURCE_NOT_EXPOSED);
	CHECK_EQ(ca.drops[0], 2);
	CHECK_EQ(ca.drops[1], 3);
	CHECK_EQ(ca.rx_packets, 6);
	CHECK_EQ(cc.drops[0], 1);
	CHECK_EQ(cc.rx_packets, 1);
	run_end(&r);
}

static void test_ipv6(void)
{
	static struct run r;
	run_begin(&r);
	struct gw_ip b = v6(0x2001, 0x0db8, 0), a = v6(0x2001, 0x0db8, 0), any = {.family = AF_INET6};
	b.v6[5] = 2;
	a.v6[5] = 1;
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &b, 48, 5, 2), 0);
	CHECK_EQ(gw_dp_peering_source_set(r.dp, 1, 5, &a, 48), 0);
	struct gw_ip src = a, dst = b;
	src.v6[15] = 7;
	dst.v6[15] = 9;
	unsigned drop;
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), 2);
	CHECK_EQ(send1(&r, 1, &src, &dst, true, &drop), 2);
	src.v6[5] = 3;
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_SOURCE_NOT_EXPOSED);
	dst.v6[5] = 3;
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_NO_PEERING);
	/* IPv4 entries do not answer for IPv6 and the reverse; ::/0 covers the whole IPv6 space */
	struct gw_ip v4any = v4(0);
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &v4any, 0, 6, 3), 0);
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_NO_PEERING);
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &any, 0, 6, 2), 0);
	CHECK_EQ(gw_dp_peering_source_set(r.dp, 1, 6, &any, 0), 0);
	dst = v6(0x2001, 0x0db9, 1);
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_NO_ROUTE); /* admitted by ::/0, then B's FIB has no route to 2001:db9::1 */
	/* B's /48 is the longer match: its peering (5) decides, and it does not expose 2001:db8:3::7 */
	dst = b;
	CHECK_EQ(send1(&r, 1, &src, &dst, false, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_SOURCE_NOT_EXPOSED);
	struct gw_vpc_peering_counters pc;
	gw_dp_vpc_peering_counters(r.dp, 5, &pc);
	CHECK_EQ(pc.packets, 2);
	CHECK_EQ(pc.bytes, 2 * 48);
	gw_dp_vpc_peering_counters(r.dp, 6, &pc);
	CHECK_EQ(pc.packets, 0); /* admitted once, but B had no route: a peering counts what it routed */
	run_end(&r);
}

/* Longest match among nested and adjacent peering routes, and what a delete restores. */
static void test_longest_match(void)
{
	static struct run r;
	run_begin(&r);
	struct gw_ip p8 = v4(0x0a000000), p16 = v4(0x0a050000), p24 = v4(0x0a050700), any = v4(0);
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &p8, 8, 1, 2), 0);
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &p16, 16, 2, 3), 0);
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &p24, 24, 1, 2), 0);
	for (uint32_t peering = 1; peering <= 2; peering++)
		CHECK_EQ(gw_dp_peering_source_set(r.dp, 1, peering, &any, 0), 0);
	struct {
		uint32_t dst, peering, vrf;
	} cases[] = {{0x0a000001, 1, 2}, {0x0a04ffff, 1, 2}, {0x0a050000, 2, 3}, {0x0a0506ff, 2, 3},
		     {0x0a050700, 1, 2}, {0x0a0507ff, 1, 2}, {0x0a050800, 2, 3}, {0x0a05ffff, 2, 3},
		     {0x0a060000, 1, 2}, {0x0affffff, 1, 2}, {0x0b000000, 0, 0}, {0x09ffffff, 0, 0}};
	struct gw_ip src = v4(0x0a010101);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gw_ip dst = v4(cases[i].dst);
		uint32_t peering = 0, vrf = 0;
		int rc = gw_dp_vpc_classify(r.dp, 1, &src, &dst, &peering, &vrf);
		CHECK_EQ(rc, cases[i].peering ? GW_DROP_MAX : GW_DROP_VPC_NO_PEERING);
		CHECK_EQ(peering, cases[i].peering);
		CHECK_EQ(vrf, cases[i].vrf);
	}
	/* replace the /16's target, then delete it: its range falls back to the /8 */
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &p16, 16, 2, 1), 0);
	uint32_t peering, vrf;
	struct gw_ip dst = v4(0x0a050001);
	CHECK_EQ(gw_dp_vpc_classify(r.dp, 1, &src, &dst, &peering, &vrf), GW_DROP_MAX);
	CHECK_EQ(vrf, 1);
	CHECK_EQ(gw_dp_peering_route_del(r.dp, 1, &p16, 16), 0);
	CHECK_EQ(gw_dp_vpc_classify(r.dp, 1, &src, &dst, &peering, &vrf), GW_DROP_MAX);
	CHECK_EQ(peering, 1);
	CHECK_EQ(vrf, 2);
	CHECK_EQ(gw_dp_peering_route_count(r.dp, 1), 2);
	run_end(&r);
}

static void test_table_errors(void)
{
	struct gw_dp *dp = setup();
	struct gw_ip a = v4(0x0a000000), bad = {.family = 7};
	CHECK_EQ(gw_dp_peering_route_set(dp, 1, &a, 8, 0, 2), -EINVAL);                    /* peering 0 */
	CHECK_EQ(gw_dp_peering_route_set(dp, 1, &a, 8, GW_VPC_MAX_PEERING + 1, 2), -EINVAL);
	CHECK_EQ(gw_dp_peering_route_set(dp, 1, &a, 33, 1, 2), -EINVAL);
	CHECK_EQ(gw_dp_peering_route_set(dp, 1, &bad, 8, 1, 2), -EINVAL);
	CHECK_EQ(gw_dp_peering_route_set(dp, 4, &a, 8, 1, 2), -EINVAL);                    /* past max_vrfs */
	CHECK_EQ(gw_dp_vrf_del(dp, 3), 0);
	CHECK_EQ(gw_dp_peering_route_set(dp, 3, &a, 8, 1, 2), -ENOENT);                    /* VRF gone */
	CHECK_EQ(gw_dp_peering_route_set(dp, 1, &a, 8, 1, 3), -ENOENT);                    /* destination gone */
	CHECK_EQ(gw_dp_peering_source_set(dp, 3, 1, &a, 8), -ENOENT);
	CHECK_EQ(gw_dp_peering_route_del(dp, 1, &a, 8), -ENOENT);
	CHECK_EQ(gw_dp_peering_source_del(dp, 1, 1, &a, 8), -ENOENT);
	/* host bits are ignored: 10.9.9.9/8 is 10.0.0.0/8 */
	struct gw_ip host = v4(0x0a090909);
	CHECK_EQ(gw_dp_peering_route_set(dp, 1, &host, 8, 1, 2), 0);
	CHECK_EQ(gw_dp_peering_source_set(dp, 1, 1, &host, 8), 0);
	CHECK_EQ(gw_dp_peering_route_del(dp, 1, &a, 8), 0);
	CHECK_EQ(gw_dp_peering_source_del(dp, 1, 1, &a, 8), 0);
	CHECK_EQ(gw_dp_peering_route_count(dp, 1), 0);
	CHECK_EQ(gw_dp_peering_source_count(dp, 1), 0);
	struct gw_vpc_counters c;
	CHECK_EQ(gw_dp_vpc_counters(dp, 4, &c), -EINVAL);
	struct gw_vpc_peering_counters pc;
	CHECK_EQ(gw_dp_vpc_peering_counters(dp, 0, &pc), -EINVAL);
	gw_dp_free(dp);
}

static _Atomic bool churn_stop;
static uint64_t churn_n, churn_bad;

/* 10.1.0.0/16 is always routed (peering 1 → VRF 2); 10.2.x.0/24 come and go (peering 2 → VRF 3): a reader
 * must see one or the other for a 10.2 address, never anything else, and never a freed snapshot (ASan). */
static void *vpc_reader(void *arg)
{
	struct run *c = arg;
	const struct gw_ip src = v4(0x0a630001);
	gw_worker_online(c->w);
	for (uint32_t x = 777; !atomic_load(&churn_stop);) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
		bool stable = x & 1;
		uint32_t peering = 0, vrf = 0;
		int rc = gw_dp_vpc_classify(c->dp, 1, &src, &(struct gw_ip){.family = AF_INET,
			.v4 = htonl((stable ? 0x0a010000u : 0x0a020000u) | (x >> 16))}, &peering, &vrf);
		bool want_stable = rc == GW_DROP_MAX && peering == 1 && vrf == 2;
		bool want_churn = rc == GW_DROP_MAX ? peering == 2 && vrf == 3 : rc == GW_DROP_VPC_NO_PEERING;
		churn_bad += !(stable ? want_stable : want_churn);
		if ((++churn_n & 255) == 0)
			gw_worker_quiescent(c->w);
	}
	gw_worker_offline(c->w);
	return NULL;
}

static void test_updates_under_readers(void)
{
	struct gw_dp *dp = setup();
	struct gw_ip stable = v4(0x0a010000), any = v4(0);
	gw_dp_peering_route_set(dp, 1, &stable, 16, 1, 2);
	gw_dp_peering_source_set(dp, 1, 1, &any, 0);
	gw_dp_peering_source_set(dp, 1, 2, &any, 0);
	static struct run c;
	c.dp = dp;
	c.w = gw_worker_create(dp, 0);
	pthread_t t;
	pthread_create(&t, NULL, vpc_reader, &c);
	int bad = 0;
	uint32_t x = 5;
	for (unsigned op = 0; op < 3000; op++) {
		x = x * 1664525u + 1013904223u;
		struct gw_ip p = v4(0x0a020000u | (x & 0xff00u));
		bad += gw_dp_peering_route_set(dp, 1, &p, 24, 2, 3) != 0;
		if (op & 1)
			bad += gw_dp_peering_route_del(dp, 1, &p, 24) != 0;
	}
	atomic_store(&churn_stop, true);
	pthread_join(t, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(churn_bad, 0);
	CHECK(churn_n > 0);
	gw_worker_free(c.w);
	gw_dp_free(dp);
}

/* An error the gateway answers an admitted packet with (TTL 1: time exceeded, sent back into the source VPC by the
 * overlay's ICMP path) is not traffic of the peering: neither the peering nor the source VPC counts it as routed. */
static void test_icmp_error_not_counted(void)
{
	static struct run r;
	run_begin(&r);
	struct gw_vtep vt = {.ip = htonl(0xc0000201), .mac = {{2, 0xaa, 0, 0, 0, 1}}};
	CHECK_EQ(gw_dp_vtep_set(r.dp, &vt), 0);
	struct gw_ip b = v4(0x0a020000), a = v4(0x0a010000);
	CHECK_EQ(gw_dp_peering_route_set(r.dp, 1, &b, 16, 7, 2), 0);
	CHECK_EQ(gw_dp_peering_source_set(r.dp, 1, 7, &a, 16), 0);
	struct gw_ip src = v4(0x0a010005), dst = v4(0x0a020009);
	struct gw_meta md = {.vrf = 1, .vpc = 2};
	struct gw_pkt p = {.m = frame(&src, &dst), .md = &md, .inp = gw_dp_port(r.dp, 0), .l3 = 14,
			   .etype = RTE_ETHER_TYPE_IPV4};
	struct rte_ipv4_hdr *h = rte_pktmbuf_mtod_offset(p.m, struct rte_ipv4_hdr *, 14);
	h->time_to_live = 1;
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
	memset(r.out.n, 0, sizeof(r.out.n));
	gw_ip4_input(r.w, &p, &r.out);
	CHECK_EQ(r.out.n[1], 1); /* the error, back towards A's 10.1/16 in VRF 1 */
	CHECK_EQ(gw_worker_counters(r.w, 0)->drops[GW_DROP_TTL_EXCEEDED], 1);
	for (unsigned i = 0; i < GW_MAX_PORTS; i++)
		rte_pktmbuf_free_bulk(r.out.pkts[i], r.out.n[i]);
	struct gw_vpc_peering_counters pc;
	struct gw_vpc_counters ca;
	gw_dp_vpc_peering_counters(r.dp, 7, &pc);
	gw_dp_vpc_counters(r.dp, 1, &ca);
	CHECK_EQ(pc.packets, 0);
	CHECK_EQ(ca.rx_packets, 1);
	CHECK_EQ(ca.tx_packets, 0);
	run_end(&r);
}

const struct gw_test gw_tests_vpc[] = {
	{"vpc: a peering admits A's exposed source to B's prefix, routed in B's VRF, counted", test_classify_hit},
	{"vpc: default expose 0.0.0.0/0 on both sides", test_default_expose},
	{"vpc: source not exposed / no peering are named drops counted per VPC", test_source_not_exposed_and_no_peering},
	{"vpc: IPv6 classify, families kept apart, ::/0", test_ipv6},
	{"vpc: longest match over nested peering routes, replace and delete", test_longest_match},
	{"vpc: table writes answer typed errors", test_table_errors},
	{"vpc: readers on another thread while the writer republishes", test_updates_under_readers},
	{"vpc: an ICMP error about an admitted packet is not counted as the peering's traffic", test_icmp_error_not_counted},
	{NULL, NULL},
};
