/* SPDX-License-Identifier: Apache-2.0 */
/* Unnumbered ports: IPv4 routes whose next hop is an IPv6 link-local neighbour (RFC 8950). The Ethernet
 * destination comes from the IPv6 neighbour (ND) on the egress port, a miss asks for ND (not ARP), and the
 * packet stays IPv4 (ethertype, TTL, checksum). */
#include <arpa/inet.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "ip/ip.h"
#include "tests.h"

static struct rte_mempool *pool(void)
{
	static struct rte_mempool *mp;
	if (!mp)
		mp = rte_pktmbuf_pool_create("gwt_unn_pool", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return mp;
}

static const struct rte_ether_addr IN_MAC = {{2, 0, 0, 0, 0, 1}};
static const struct rte_ether_addr OUT_MAC = {{2, 0, 0, 0, 1, 1}};
static const struct rte_ether_addr LEAF_MAC = {{2, 0, 0, 0, 1, 2}};
static const struct gw_ip LEAF_LL = {.family = AF_INET6, .v6 = {0xfe, 0x80, [14] = 0x12, [15] = 0x34}};

static struct rte_mbuf *udp4_to(uint32_t dst, uint8_t ttl, const struct rte_ether_addr *to)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool());
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
	eh->dst_addr = *to;
	eh->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 2}};
	eh->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	*ip = (struct rte_ipv4_hdr){.version_ihl = 0x45, .total_length = htons(28), .time_to_live = ttl,
				    .next_proto_id = IPPROTO_UDP, .src_addr = htonl(0x0a010a0a), .dst_addr = htonl(dst)};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uint16_t udp[4] = {htons(4000), htons(53), htons(8), 0};
	memcpy(ip + 1, udp, 8);
	return m;
}

/* Port 0: numbered ingress. Port 1: unnumbered (no IPv4 address), 10.2.0.0/16 via fe80::1234 on it. */
static struct gw_dp *setup(void)
{
	struct gw_dp_params p = {.max_vrfs = 1, .max_routes4 = 64, .max_routes6 = 64, .max_nexthops = 8,
				 .max_groups = 8, .max_neighbors = 64, .n_workers = 1, .icmp_rate = 1000000};
	struct gw_dp *dp = gw_dp_create(&p);
	gw_dp_port_set(dp, 0, &(struct gw_port_conf){.mac = IN_MAC, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true});
	gw_dp_port_set(dp, 1, &(struct gw_port_conf){.mac = OUT_MAC, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true});
	gw_dp_port_addr_set(dp, 0, &(struct gw_ip){.family = AF_INET, .v4 = htonl(0x0a010a01)});
	CHECK_EQ(gw_dp_nexthop_set(dp, 1, &(struct gw_nexthop){.port = 1, .gw = LEAF_LL}), 0);
	uint32_t id = 1;
	CHECK_EQ(gw_dp_group_set(dp, 1, &id, NULL, 1), 0);
	struct gw_ip pfx = {.family = AF_INET, .v4 = htonl(0x0a020000)};
	CHECK_EQ(gw_dp_route_add(dp, 0, &pfx, 16, &(struct gw_route){.type = GW_ROUTE_UNICAST, .group_id = 1}), 0);
	return dp;
}

static unsigned send_one(struct gw_worker *w, struct gw_burst_out *out, uint8_t ttl, uint64_t now)
{
	struct rte_mbuf *m = udp4_to(0x0a020009, ttl, &IN_MAC);
	memset(out->n, 0, sizeof(out->n));
	gw_pipeline_process(w, 0, &m, 1, now, out);
	gw_worker_quiescent(w);
	return out->n[1];
}

static void test_v4_via_v6_link_local(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	static struct gw_burst_out out;

	/* Unresolved: counted miss, and the event names the IPv6 neighbour, so the control plane solicits it by ND. */
	CHECK_EQ(send_one(w, &out, 64, 1000), 0);
	CHECK_EQ(gw_worker_counters(w, 0)->drops[GW_DROP_NEIGH_MISS], 1);
	struct gw_event ev;
	CHECK_EQ(gw_dp_events_poll(dp, &ev, 1), 1);
	CHECK(ev.type == GW_EV_NEIGH_MISS && ev.port == 1 && ev.ip.family == AF_INET6 &&
	      memcmp(ev.ip.v6, LEAF_LL.v6, 16) == 0);

	/* ND resolved the leaf's link-local address: the IPv4 packet leaves with the leaf's MAC. */
	CHECK_EQ(gw_dp_neigh_set(dp, 1, &LEAF_LL, &LEAF_MAC), 0);
	CHECK_EQ(send_one(w, &out, 64, 2000), 1);
	if (out.n[1] == 1) {
		struct rte_mbuf *m = out.pkts[1][0];
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		CHECK(rte_is_same_ether_addr(&eh->dst_addr, &LEAF_MAC));
		CHECK(rte_is_same_ether_addr(&eh->src_addr, &OUT_MAC));
		CHECK_EQ(ntohs(eh->ether_type), RTE_ETHER_TYPE_IPV4);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
		CHECK_EQ(ip->time_to_live, 63);
		CHECK_EQ(rte_ipv4_cksum(ip), 0); /* over a header with a valid checksum */
		CHECK_EQ(ntohl(ip->dst_addr), 0x0a020009);
		CHECK_EQ(rte_pktmbuf_pkt_len(m), 14 + 28);
		rte_pktmbuf_free(m);
	}
	/* An IPv4 neighbour with the same bytes is a different key: it must not be what the packet used. */
	CHECK_EQ(gw_dp_neigh_del(dp, 1, &LEAF_LL), 0);
	CHECK_EQ(send_one(w, &out, 64, 3000), 0);
	CHECK_EQ(gw_worker_counters(w, 0)->drops[GW_DROP_NEIGH_MISS], 2);

	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
}

/* A TTL expiring on the way into the unnumbered path is answered from the ingress port's IPv4 address; a port
 * without one (the unnumbered port itself) counts icmp_no_source unless the router-id is set as its source,
 * which is what the agent does for every port without an IPv4 address. */
static void test_icmp_source_of_unnumbered_port(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	static struct gw_burst_out out;
	/* Packets now arrive on the unnumbered port 1, towards a route back out of it. */
	for (int round = 0; round < 2; round++) {
		if (round == 1)
			gw_dp_port_addr_set(dp, 1, &(struct gw_ip){.family = AF_INET, .v4 = htonl(0x0aff0001)});
		struct rte_mbuf *m = udp4_to(0x0a020009, 1, &OUT_MAC);
		memset(out.n, 0, sizeof(out.n));
		gw_pipeline_process(w, 1, &m, 1, 1000 + round, &out);
		gw_worker_quiescent(w);
		if (round == 0) {
			CHECK_EQ(out.n[1], 0);
			CHECK_EQ(gw_worker_counters(w, 1)->drops[GW_DROP_ICMP_NO_SOURCE], 1);
			continue;
		}
		CHECK_EQ(out.n[1], 1);
		if (out.n[1] == 1) {
			const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(out.pkts[1][0], const struct rte_ipv4_hdr *, 14);
			CHECK_EQ(ntohl(ip->src_addr), 0x0aff0001);
			CHECK_EQ(ntohl(ip->dst_addr), 0x0a010a0a);
			CHECK_EQ(ip->next_proto_id, IPPROTO_ICMP);
			rte_pktmbuf_free(out.pkts[1][0]);
		}
	}
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
}

const struct gw_test gw_tests_unnumbered[] = {
	{"IPv4 via an IPv6 link-local next hop (RFC 8950): ND miss, then the neighbour's MAC, still IPv4", test_v4_via_v6_link_local},
	{"ICMPv4 errors from an unnumbered port use the source the agent sets (router-id)", test_icmp_source_of_unnumbered_port},
	{NULL, NULL},
};
