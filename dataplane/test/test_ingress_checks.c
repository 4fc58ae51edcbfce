/* SPDX-License-Identifier: Apache-2.0 */
/* Ingress checks that replay cannot reach (it sends one packet per call and its mbufs carry no NIC flags),
 * through the public contract (gw_dp.h) only: a burst over GW_BURST_MAX, a port whose VRF has no table, and
 * the NIC's IPv4 header checksum verdict in ol_flags. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gw_dp.h"
#include "tests.h"

enum { IN = 0, OUT = 1, IN_TAP = 2 };
static const struct rte_ether_addr IN_MAC = {{2, 0, 0, 0, 0, 1}};

static struct rte_mempool *pool(void)
{
	static struct rte_mempool *mp;
	if (!mp)
		mp = rte_pktmbuf_pool_create("gwt_ingress", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return mp;
}

/* A zeroed frame of len bytes from the test pool; a pool too small for the test is a broken test, not a result. */
static uint8_t *frame(struct rte_mbuf **m, uint16_t len)
{
	*m = rte_pktmbuf_alloc(pool());
	uint8_t *d = *m ? (uint8_t *)rte_pktmbuf_append(*m, len) : NULL;
	if (!d)
		abort();
	memset(d, 0, len);
	return d;
}

/* 10.0.0.2 -> dst, UDP; the header checksum is correct unless corrupt. */
static struct rte_mbuf *ip4(uint32_t dst, bool corrupt, uint64_t ol_flags)
{
	struct rte_mbuf *m;
	uint8_t *d = frame(&m, 14 + 20 + 8);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
	eh->dst_addr = IN_MAC;
	eh->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 2}};
	eh->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	*ip = (struct rte_ipv4_hdr){.version_ihl = 0x45, .total_length = htons(28), .time_to_live = 64,
				    .next_proto_id = IPPROTO_UDP, .src_addr = htonl(0x0a000002), .dst_addr = htonl(dst)};
	ip->hdr_checksum = rte_ipv4_cksum(ip) ^ (corrupt ? htons(0x0101) : 0);
	m->ol_flags = ol_flags;
	return m;
}

/* 2001:db8::2 -> 2001:db8:2::<last>, UDP */
static struct rte_mbuf *ip6(uint8_t last)
{
	struct rte_mbuf *m;
	uint8_t *d = frame(&m, 14 + 40 + 8);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
	eh->dst_addr = IN_MAC;
	eh->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 2}};
	eh->ether_type = htons(RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)(eh + 1);
	h->vtc_flow = htonl(6u << 28);
	h->payload_len = htons(8);
	h->proto = IPPROTO_UDP;
	h->hop_limits = 64;
	static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	memcpy(h->src_addr, src, 16);
	static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2};
	memcpy(h->dst_addr, dst, 16);
	h->dst_addr[15] = last;
	return m;
}

/* Ports IN (with tap IN_TAP) and OUT; 10.2.0.0/16 and 2001:db8:2::/48 forwarded out of OUT in VRF vrf. */
static struct gw_dp *setup(uint32_t in_vrf)
{
	struct gw_dp_params p = {.max_vrfs = 4, .max_routes4 = 64, .max_routes6 = 64, .max_nexthops = 8,
				 .max_groups = 8, .max_neighbors = 16, .n_workers = 1};
	struct gw_dp *dp = gw_dp_create(&p);
	CHECK(dp != NULL);
	struct gw_port_conf in = {.mac = IN_MAC, .mtu = 1500, .vrf = in_vrf, .punt_port = IN_TAP, .up = true};
	struct gw_port_conf tap = {.mac = IN_MAC, .mtu = 1500, .punt_port = IN, .is_punt = true, .up = true};
	struct gw_port_conf out = {.mac = {{2, 0, 0, 0, 1, 1}}, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true};
	CHECK_EQ(gw_dp_port_set(dp, IN, &in), 0);
	CHECK_EQ(gw_dp_port_set(dp, IN_TAP, &tap), 0);
	CHECK_EQ(gw_dp_port_set(dp, OUT, &out), 0);
	struct gw_nexthop nh = {.port = OUT, .gw = {.family = AF_INET, .v4 = htonl(0x0a010002)}};
	CHECK_EQ(gw_dp_nexthop_set(dp, 1, &nh), 0);
	uint32_t id = 1;
	CHECK_EQ(gw_dp_group_set(dp, 1, &id, NULL, 1), 0);
	CHECK_EQ(gw_dp_neigh_set(dp, OUT, &nh.gw, &(struct rte_ether_addr){{2, 0, 0, 0, 1, 2}}), 0);
	struct gw_ip p4 = {.family = AF_INET, .v4 = htonl(0x0a020000)};
	struct gw_ip p6 = {.family = AF_INET6, .v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 2}};
	const struct gw_route r = {.type = GW_ROUTE_UNICAST, .group_id = 1};
	CHECK_EQ(gw_dp_route_add(dp, 0, &p4, 16, &r), 0);
	CHECK_EQ(gw_dp_route_add(dp, 0, &p6, 48, &r), 0);
	return dp;
}

static struct gw_burst_out out;

static void run(struct gw_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	memset(out.n, 0, sizeof(out.n));
	gw_pipeline_process(w, IN, pkts, n, 1000, &out);
	gw_worker_quiescent(w);
}

static void free_out(void)
{
	for (unsigned p = 0; p < GW_MAX_PORTS; p++)
		rte_pktmbuf_free_bulk(out.pkts[p], out.n[p]);
}

/* A runtime handing more than GW_BURST_MAX packets breaks the contract; the excess is received, counted as
 * burst_overflow and freed, never lost silently nor written past the output lists. */
static void test_burst_overflow(void)
{
	struct gw_dp *dp = setup(0);
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	enum { EXTRA = 9 };
	struct rte_mbuf *pkts[GW_BURST_MAX + EXTRA];
	for (unsigned i = 0; i < GW_BURST_MAX + EXTRA; i++)
		pkts[i] = ip4(0x0a020000 + i, false, 0);
	run(w, pkts, GW_BURST_MAX + EXTRA);
	const struct gw_port_counters *c = gw_worker_counters(w, IN);
	CHECK_EQ(c->rx_packets, GW_BURST_MAX + EXTRA);
	CHECK_EQ(c->drops[GW_DROP_BURST_OVERFLOW], EXTRA);
	CHECK_EQ(out.n[OUT], GW_BURST_MAX);
	CHECK_EQ(gw_worker_counters(w, OUT)->tx_packets, GW_BURST_MAX);
	CHECK(strcmp(gw_drop_reason_name(GW_DROP_BURST_OVERFLOW), "burst_overflow") == 0);
	free_out();
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
}

/* A port in a VRF without a table (never added, or deleted while the port stays in it) drops its routed
 * traffic as vrf_unknown, both families; what is for the kernel (ARP) is still punted. */
static void test_vrf_unknown(void)
{
	struct gw_dp *dp = setup(2);
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	struct rte_mbuf *pkts[3] = {ip4(0x0a020001, false, 0), ip6(1), ip4(0x0a020002, false, 0)};
	run(w, pkts, 3);
	CHECK_EQ(gw_worker_counters(w, IN)->drops[GW_DROP_VRF_UNKNOWN], 3);
	CHECK_EQ(out.n[OUT], 0);

	/* the VRF's table appears (with the same routes): forwarded; deleted again: vrf_unknown again */
	CHECK_EQ(gw_dp_vrf_add(dp, 2), 0);
	struct gw_ip p4 = {.family = AF_INET, .v4 = htonl(0x0a020000)};
	CHECK_EQ(gw_dp_route_add(dp, 2, &p4, 16, &(struct gw_route){.type = GW_ROUTE_UNICAST, .group_id = 1}), 0);
	pkts[0] = ip4(0x0a020001, false, 0);
	run(w, pkts, 1);
	CHECK_EQ(out.n[OUT], 1);
	free_out();
	/* deleting a VRF waits for a grace period: the single-threaded test's worker steps aside like an idle one */
	gw_worker_offline(w);
	CHECK_EQ(gw_dp_vrf_del(dp, 2), 0);
	gw_worker_online(w);
	pkts[0] = ip4(0x0a020001, false, 0);
	pkts[1] = ip6(2);
	run(w, pkts, 2);
	CHECK_EQ(out.n[OUT], 0);
	CHECK_EQ(gw_worker_counters(w, IN)->drops[GW_DROP_VRF_UNKNOWN], 5);

	struct rte_mbuf *arp;
	static const uint8_t hdr[14] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 2, 0x08, 0x06};
	memcpy(frame(&arp, 60), hdr, sizeof(hdr));
	run(w, &arp, 1);
	CHECK_EQ(out.n[IN_TAP], 1);
	free_out();
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
}

/* RTE_MBUF_F_RX_IP_CKSUM_GOOD: the NIC verified the header, the software check is skipped (a header whose
 * checksum field is wrong still goes through); _BAD: dropped as ip4_bad_checksum even when the bytes are right;
 * no verdict (UNKNOWN): the software check decides. */
static void test_nic_checksum_flags(void)
{
	struct gw_dp *dp = setup(0);
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	struct {
		bool corrupt;
		uint64_t flags;
		bool forwarded;
	} cases[] = {
		{true, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true},
		{false, RTE_MBUF_F_RX_IP_CKSUM_BAD, false},
		{false, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, true},
		{true, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, false},
		{false, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true},
	};
	uint64_t bad = 0;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rte_mbuf *m = ip4(0x0a020001, cases[i].corrupt, cases[i].flags);
		run(w, &m, 1);
		CHECK_EQ(out.n[OUT], cases[i].forwarded);
		bad += !cases[i].forwarded;
		CHECK_EQ(gw_worker_counters(w, IN)->drops[GW_DROP_IP4_BAD_CHECKSUM], bad);
		free_out();
	}
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
}

const struct gw_test gw_tests_ingress[] = {
	{"a burst over GW_BURST_MAX: the excess counted as burst_overflow and freed", test_burst_overflow},
	{"a port in a VRF without a table: vrf_unknown (IPv4, IPv6), ARP still punted", test_vrf_unknown},
	{"NIC checksum verdict: GOOD skips the software check, BAD drops as ip4_bad_checksum", test_nic_checksum_flags},
	{NULL, NULL},
};
