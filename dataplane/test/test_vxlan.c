/* SPDX-License-Identifier: Apache-2.0 */
/* vxlan module: decapsulation -> route in the VNI's VRF -> encapsulation, byte for byte (RFC 7348 5), the named
 * drops of the decap stage, ICMP errors about overlay packets routed back through the source VPC's tunnel
 * (time exceeded; frag-needed / packet too big with MTU = underlay port MTU - 50: RFC 1191, RFC 8201), and the
 * table API's errors.
 *
 * Topology: port 0 (underlay, 10.0.0.1) where VXLAN arrives from 198.51.100.9; port 1 (underlay) towards
 * 198.51.100.0/24 via 10.1.0.2. Our VTEP 192.0.2.1 (router MAC 02:aa:..:01). VNI 100 -> VRF 1 (the source VPC);
 * in VRF 1: 10.20.0.0/16 and 2001:db8:20::/48 via tunnel 5 (VNI 200 to 198.51.100.7), 10.10.0.0/16 and
 * 2001:db8:10::/48 via tunnel 6 (VNI 100 back to 198.51.100.9). */
#include <arpa/inet.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "ip/ip.h"
#include "tests.h"
#include "vpc/gw_vpc.h"
#include "vxlan/gw_vxlan.h"

static struct rte_mempool *pool(void)
{
	static struct rte_mempool *mp;
	if (!mp)
		mp = rte_pktmbuf_pool_create("gwt_vxlan", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return mp;
}

static const struct rte_ether_addr P0_MAC = {{2, 0, 0, 0, 0, 1}}, P1_MAC = {{2, 0, 0, 0, 1, 1}};
static const struct rte_ether_addr PEER0 = {{2, 0, 0, 0, 0, 2}}, PEER1 = {{2, 0, 0, 0, 1, 2}};
static const struct rte_ether_addr RMAC = {{2, 0xaa, 0, 0, 0, 1}}, REMOTE_A = {{2, 0xbb, 0, 0, 0, 9}};
static const struct rte_ether_addr REMOTE_B = {{2, 0xbb, 0, 0, 0, 7}};
#define VTEP 0xc0000201u     /* 192.0.2.1 */
#define VTEP_A 0xc6336409u   /* 198.51.100.9: the sender's VTEP (VPC A's leaf) */
#define VTEP_B 0xc6336407u   /* 198.51.100.7: VPC B's leaf */
#define HOST_A 0x0a0a0005u   /* 10.10.0.5 */
#define HOST_B 0x0a140007u   /* 10.20.0.7 */
static const uint8_t VTEP6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, [15] = 1};
static const uint8_t H6_A[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 5};
static const uint8_t H6_B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20, [15] = 7};

static struct gw_ip v4(uint32_t a) { return (struct gw_ip){.family = AF_INET, .v4 = htonl(a)}; }
static struct gw_ip v6(const uint8_t *a)
{
	struct gw_ip ip = {.family = AF_INET6};
	memcpy(ip.v6, a, 16);
	return ip;
}

static void route(struct gw_dp *dp, uint32_t vrf, struct gw_ip pfx, uint8_t len, uint32_t group)
{
	struct gw_route r = {.type = group ? GW_ROUTE_UNICAST : GW_ROUTE_LOCAL, .group_id = group};
	CHECK_EQ(gw_dp_route_add(dp, vrf, &pfx, len, &r), 0);
}

/* VPC classify (modules/vpc) admits decapsulated packets only through a peering; these tests route in the VNI's
 * own VRF, so it gets a default expose to itself: 0.0.0.0/0 and ::/0 as peering routes and sources of peering 1. */
static void self_peering(struct gw_dp *dp, uint32_t vrf)
{
	struct gw_ip any4 = {.family = AF_INET}, any6 = {.family = AF_INET6};
	CHECK_EQ(gw_dp_peering_route_set(dp, vrf, &any4, 0, 1, vrf), 0);
	CHECK_EQ(gw_dp_peering_route_set(dp, vrf, &any6, 0, 1, vrf), 0);
	CHECK_EQ(gw_dp_peering_source_set(dp, vrf, 1, &any4, 0), 0);
	CHECK_EQ(gw_dp_peering_source_set(dp, vrf, 1, &any6, 0), 0);
}

static struct gw_dp *setup(void)
{
	struct gw_dp_params p = {.max_vrfs = 4, .max_routes4 = 1024, .max_routes6 = 64, .max_nexthops = 16,
				 .max_groups = 16, .max_neighbors = 64, .n_workers = 1, .icmp_rate = 1000000};
	struct gw_dp *dp = gw_dp_create(&p);
	struct gw_port_conf c0 = {.mac = P0_MAC, .mtu = 1500, .punt_port = 2, .up = true};
	struct gw_port_conf c1 = {.mac = P1_MAC, .mtu = 1500, .punt_port = 3, .up = true};
	struct gw_port_conf t0 = {.mac = P0_MAC, .mtu = 1500, .punt_port = 0, .is_punt = true, .up = true};
	gw_dp_port_set(dp, 0, &c0);
	gw_dp_port_set(dp, 1, &c1);
	gw_dp_port_set(dp, 2, &t0);
	struct gw_ip a0 = v4(0x0a000001);
	gw_dp_port_addr_set(dp, 0, &a0);
	route(dp, 0, a0, 32, 0);
	route(dp, 0, v4(VTEP), 32, 0);
	struct gw_nexthop nh = {.port = 1, .gw = v4(0x0a010002)};
	gw_dp_nexthop_set(dp, 1, &nh);
	uint32_t id = 1;
	gw_dp_group_set(dp, 1, &id, NULL, 1);
	gw_dp_neigh_set(dp, 1, &nh.gw, &PEER1);
	route(dp, 0, v4(0xc6336400), 24, 1);
	CHECK_EQ(gw_dp_vrf_add(dp, 1), 0);
	struct gw_vtep vt = {.ip = htonl(VTEP), .mac = RMAC, .ip6 = v6(VTEP6)};
	CHECK_EQ(gw_dp_vtep_set(dp, &vt), 0);
	CHECK_EQ(gw_dp_vni_set(dp, 100, 1), 0);
	struct gw_tunnel tb = {.vni = 200, .vtep = htonl(VTEP_B), .mac = REMOTE_B};
	struct gw_tunnel ta = {.vni = 100, .vtep = htonl(VTEP_A), .mac = REMOTE_A};
	CHECK_EQ(gw_dp_tunnel_set(dp, 5, &tb), 0);
	CHECK_EQ(gw_dp_tunnel_set(dp, 6, &ta), 0);
	id = 5;
	CHECK_EQ(gw_dp_group_set(dp, 5, &id, NULL, 1), 0);
	id = 6;
	CHECK_EQ(gw_dp_group_set(dp, 6, &id, NULL, 1), 0);
	route(dp, 1, v4(0x0a140000), 16, 5);
	route(dp, 1, v4(0x0a0a0000), 16, 6);
	uint8_t p20[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20}, p10[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10};
	route(dp, 1, v6(p20), 48, 5);
	route(dp, 1, v6(p10), 48, 6);
	self_peering(dp, 1);
	return dp;
}

static struct gw_worker *start(struct gw_dp *dp)
{
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	return w;
}

static void stop(struct gw_dp *dp, struct gw_worker *w)
{
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0); /* every packet sent or freed */
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
}

/* ---- frames ---- */
struct frame {
	uint8_t b[2048];
	uint32_t n;
};

static void put(struct frame *f, const void *d, uint32_t n)
{
	memcpy(f->b + f->n, d, n);
	f->n += n;
}

static void eth(struct frame *f, struct rte_ether_addr dst, struct rte_ether_addr src, uint16_t type)
{
	struct rte_ether_hdr h = {.dst_addr = dst, .src_addr = src, .ether_type = htons(type)};
	put(f, &h, sizeof(h));
}

/* IPv4 + UDP (sport -> 7000) with `payload` bytes of pattern; checksums filled. */
static void ip4_udp(struct frame *f, uint32_t src, uint32_t dst, uint8_t ttl, uint8_t tos, bool df, uint16_t sport,
		    uint32_t payload)
{
	struct rte_ipv4_hdr ip = {.version_ihl = 0x45, .type_of_service = tos,
				  .total_length = htons((uint16_t)(28 + payload)), .packet_id = htons(0x1234),
				  .fragment_offset = df ? htons(RTE_IPV4_HDR_DF_FLAG) : 0, .time_to_live = ttl,
				  .next_proto_id = IPPROTO_UDP, .src_addr = htonl(src), .dst_addr = htonl(dst)};
	ip.hdr_checksum = rte_ipv4_cksum(&ip);
	put(f, &ip, sizeof(ip));
	uint16_t u[4] = {htons(sport), htons(7000), htons((uint16_t)(8 + payload)), 0};
	put(f, u, 8);
	for (uint32_t i = 0; i < payload; i++)
		f->b[f->n++] = (uint8_t)i;
}

static void ip6_udp(struct frame *f, const uint8_t *src, const uint8_t *dst, uint8_t hlim, uint8_t tc, uint16_t sport,
		    uint32_t payload)
{
	struct rte_ipv6_hdr ip = {.vtc_flow = htonl(6u << 28 | (uint32_t)tc << 20 | 0x12345),
				  .payload_len = htons((uint16_t)(8 + payload)), .proto = IPPROTO_UDP, .hop_limits = hlim};
	memcpy(ip.src_addr, src, 16);
	memcpy(ip.dst_addr, dst, 16);
	put(f, &ip, sizeof(ip));
	uint16_t u[4] = {htons(sport), htons(7000), htons((uint16_t)(8 + payload)), 0};
	put(f, u, 8);
	for (uint32_t i = 0; i < payload; i++)
		f->b[f->n++] = (uint8_t)i;
}

/* Inner frames from host A (VPC A) to host B, addressed to our router MAC. */
static struct frame from_a4(uint8_t ttl, uint8_t tos, bool df, uint16_t sport, uint32_t payload)
{
	struct frame f = {.n = 0};
	eth(&f, RMAC, REMOTE_A, RTE_ETHER_TYPE_IPV4);
	ip4_udp(&f, HOST_A, HOST_B, ttl, tos, df, sport, payload);
	return f;
}

static struct frame from_a6(uint8_t hlim, uint8_t tc, uint16_t sport, uint32_t payload)
{
	struct frame f = {.n = 0};
	eth(&f, RMAC, REMOTE_A, RTE_ETHER_TYPE_IPV6);
	ip6_udp(&f, H6_A, H6_B, hlim, tc, sport, payload);
	return f;
}

/* Outer Ethernet/IPv4/UDP/VXLAN around inner (an Ethernet frame); sport/flags/vni as given, UDP checksum 0. */
static void vxlan_wrap(struct frame *f, struct rte_ether_addr dst, struct rte_ether_addr src, uint32_t osrc,
		       uint32_t odst, uint8_t tos, uint16_t sport, uint8_t flags, uint32_t vni, const struct frame *inner)
{
	eth(f, dst, src, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr ip = {.version_ihl = 0x45, .type_of_service = tos,
				  .total_length = htons((uint16_t)(36 + inner->n)),
				  .fragment_offset = htons(RTE_IPV4_HDR_DF_FLAG), .time_to_live = 64,
				  .next_proto_id = IPPROTO_UDP, .src_addr = htonl(osrc), .dst_addr = htonl(odst)};
	ip.hdr_checksum = rte_ipv4_cksum(&ip);
	put(f, &ip, sizeof(ip));
	uint16_t u[4] = {htons(sport), htons(GW_VXLAN_UDP_PORT), htons((uint16_t)(16 + inner->n)), 0};
	put(f, u, 8);
	uint32_t vx[2] = {htonl((uint32_t)flags << 24), htonl(vni << 8)};
	put(f, vx, 8);
	put(f, inner->b, inner->n);
}

/* The arriving packet: VPC A's leaf sends inner (src host A) over VNI vni to our VTEP. */
static struct frame arriving(const struct frame *inner, uint8_t flags, uint32_t vni)
{
	struct frame f = {.n = 0};
	vxlan_wrap(&f, P0_MAC, PEER0, VTEP_A, VTEP, 0, 40000, flags, vni, inner);
	return f;
}

static struct rte_mbuf *mbuf_of(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool());
	memcpy(rte_pktmbuf_append(m, (uint16_t)f->n), f->b, f->n);
	return m;
}

struct result {
	struct gw_trace tr;
	struct frame out;
	uint16_t port;
	unsigned n_out;
};

static void on_trace(void *ctx, const struct gw_trace *t)
{
	struct result *r = ctx;
	r->tr = *t;
}

static struct result run(struct gw_worker *w, const struct frame *in)
{
	static struct gw_burst_out out;
	struct result r = {.port = GW_PORT_NONE};
	gw_worker_set_trace(w, on_trace, &r);
	memset(out.n, 0, sizeof(out.n));
	struct rte_mbuf *m = mbuf_of(in);
	gw_pipeline_process(w, 0, &m, 1, 1000000, &out);
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
		for (unsigned i = 0; i < out.n[p]; i++) {
			r.port = p;
			r.n_out++;
			r.out.n = rte_pktmbuf_pkt_len(out.pkts[p][i]);
			rte_pktmbuf_read(out.pkts[p][i], 0, r.out.n, r.out.b);
			const void *d = rte_pktmbuf_read(out.pkts[p][i], 0, r.out.n, r.out.b);
			if (d != r.out.b)
				memcpy(r.out.b, d, r.out.n);
			rte_pktmbuf_free(out.pkts[p][i]);
		}
	gw_worker_quiescent(w);
	return r;
}

#define SPORT_OFF (14 + 20)

/* Compares an encapsulated packet with the expected one except the UDP source port (checked on its own: it is
 * the flow hash's), and returns that port. */
static uint16_t check_encap(const struct result *r, const struct frame *want)
{
	CHECK_EQ(r->n_out, 1);
	CHECK_EQ(r->port, 1);
	CHECK_EQ(r->out.n, want->n);
	uint16_t sport = (uint16_t)(r->out.b[SPORT_OFF] << 8 | r->out.b[SPORT_OFF + 1]);
	/* RFC 7348 5: source port from a hash of the inner headers, in the dynamic range 49152-65535 */
	CHECK(sport >= 49152);
	if (r->out.n == want->n) {
		CHECK(memcmp(r->out.b, want->b, SPORT_OFF) == 0);
		CHECK(memcmp(r->out.b + SPORT_OFF + 2, want->b + SPORT_OFF + 2, want->n - SPORT_OFF - 2) == 0);
	}
	return sport;
}

static bool has_stage(const struct result *r, enum gw_stage s) { return r->tr.stages & (1u << s); }

/* RFC 7348 5 decap, route in the VNI's VRF, encap towards VPC B's VTEP: outer TTL 64, DF, DSCP copied (ECN not),
 * UDP checksum 0, VNI 200, inner MACs = our RMAC -> B's RMAC, inner TTL decremented with its checksum. */
static void test_vxlan_decap_route_encap4(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct frame inner = {.n = 0}, want_inner = {.n = 0}, want = {.n = 0};
	eth(&inner, RMAC, REMOTE_A, RTE_ETHER_TYPE_IPV4);
	ip4_udp(&inner, HOST_A, HOST_B, 64, 0xb9 /* DSCP 46, ECN 01 */, true, 1111, 100);
	struct frame in = arriving(&inner, 0x08, 100);
	eth(&want_inner, REMOTE_B, RMAC, RTE_ETHER_TYPE_IPV4);
	ip4_udp(&want_inner, HOST_A, HOST_B, 63, 0xb9, true, 1111, 100);
	vxlan_wrap(&want, PEER1, P1_MAC, VTEP, VTEP_B, 0xb8, 0 /* not compared */, 0x08, 200, &want_inner);
	struct result r = run(w, &in);
	uint16_t sport = check_encap(&r, &want);
	CHECK_EQ(r.tr.decision, GW_DEC_FORWARD);
	CHECK_EQ(r.tr.nexthop, 5);
	CHECK(has_stage(&r, GW_STAGE_VXLAN_DECAP) && has_stage(&r, GW_STAGE_VXLAN_ENCAP) &&
	      has_stage(&r, GW_STAGE_IP_FORWARD));
	/* the same flow keeps its port: the underlay's ECMP keeps it on one path */
	struct result again = run(w, &in);
	CHECK_EQ(check_encap(&again, &want), sport);
	/* Ethernet padding after the outer datagram does not travel into the inner packet */
	struct frame padded = in;
	memset(padded.b + padded.n, 0xee, 6);
	padded.n += 6;
	r = run(w, &padded);
	CHECK_EQ(check_encap(&r, &want), sport);
	CHECK_EQ(gw_worker_counters(w, 1)->tx_packets, 3);
	stop(dp, w);
}

/* RFC 7348 5: the outer source port carries the inner flow's entropy; 256 flows spread over many ports. */
static void test_vxlan_sport_entropy(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	static uint8_t seen[16384];
	memset(seen, 0, sizeof(seen));
	unsigned distinct = 0;
	for (unsigned i = 0; i < 256; i++) {
		struct frame inner = from_a4(64, 0, false, (uint16_t)(2000 + i), 20);
		struct frame in = arriving(&inner, 0x08, 100);
		struct result r = run(w, &in);
		CHECK_EQ(r.n_out, 1);
		uint16_t sport = (uint16_t)(r.out.b[SPORT_OFF] << 8 | r.out.b[SPORT_OFF + 1]);
		CHECK(sport >= 49152);
		if (sport >= 49152 && !seen[sport - 49152]++)
			distinct++;
	}
	CHECK(distinct >= 240); /* 256 draws from 16384 ports: collisions are rare */
	stop(dp, w);
}

/* Inner IPv6: hop limit decremented, traffic class's DSCP copied to the outer header. */
static void test_vxlan_inner_ipv6(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct frame inner = {.n = 0}, want_inner = {.n = 0}, want = {.n = 0};
	eth(&inner, RMAC, REMOTE_A, RTE_ETHER_TYPE_IPV6);
	ip6_udp(&inner, H6_A, H6_B, 64, 0x29 /* DSCP 10, ECN 01 */, 1111, 64);
	struct frame in = arriving(&inner, 0x08, 100);
	eth(&want_inner, REMOTE_B, RMAC, RTE_ETHER_TYPE_IPV6);
	ip6_udp(&want_inner, H6_A, H6_B, 63, 0x29, 1111, 64);
	vxlan_wrap(&want, PEER1, P1_MAC, VTEP, VTEP_B, 0x28, 0, 0x08, 200, &want_inner);
	struct result r = run(w, &in);
	check_encap(&r, &want);
	CHECK(has_stage(&r, GW_STAGE_IP6_INPUT) && has_stage(&r, GW_STAGE_VXLAN_ENCAP));
	stop(dp, w);
}

/* The named drops of the decap stage; UDP 4789 to another local address is punted as before. */
static void test_vxlan_decap_drops(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct frame inner = from_a4(64, 0, false, 1111, 20);
	const struct gw_port_counters *c = gw_worker_counters(w, 0);

	struct frame f = arriving(&inner, 0x08, 101);
	CHECK_EQ(run(w, &f).tr.drop, GW_DROP_VXLAN_VNI_UNKNOWN);
	f = arriving(&inner, 0x00, 100); /* RFC 7348 5: the I flag must be set for a valid VNI */
	CHECK_EQ(run(w, &f).tr.drop, GW_DROP_VXLAN_BAD_FLAGS);
	f = arriving(&inner, 0x08 | 0x80, 100); /* reserved flags are ignored on receipt */
	CHECK_EQ(run(w, &f).n_out, 1);

	struct frame other = {.n = 0};
	eth(&other, REMOTE_B, REMOTE_A, RTE_ETHER_TYPE_IPV4); /* not our router MAC */
	ip4_udp(&other, HOST_A, HOST_B, 64, 0, false, 1111, 20);
	f = arriving(&other, 0x08, 100);
	CHECK_EQ(run(w, &f).tr.drop, GW_DROP_VXLAN_INNER_MAC);
	other.n = 0;
	eth(&other, RMAC, REMOTE_A, RTE_ETHER_TYPE_ARP);
	ip4_udp(&other, HOST_A, HOST_B, 64, 0, false, 1111, 20);
	f = arriving(&other, 0x08, 100);
	CHECK_EQ(run(w, &f).tr.drop, GW_DROP_VXLAN_INNER_TYPE);

	/* cut short: the IP and UDP lengths say the inner frame is 10 bytes */
	other.n = 10;
	f = arriving(&other, 0x08, 100);
	CHECK_EQ(run(w, &f).tr.drop, GW_DROP_VXLAN_MALFORMED);
	/* an outer fragment cannot be decapsulated */
	f = arriving(&inner, 0x08, 100);
	struct rte_ipv4_hdr *oip = (struct rte_ipv4_hdr *)(f.b + 14);
	oip->fragment_offset = htons(RTE_IPV4_HDR_MF_FLAG);
	oip->hdr_checksum = 0;
	oip->hdr_checksum = rte_ipv4_cksum(oip);
	CHECK_EQ(run(w, &f).tr.drop, GW_DROP_VXLAN_MALFORMED);
	CHECK_EQ(c->drops[GW_DROP_VXLAN_MALFORMED], 2);
	CHECK_EQ(c->drops[GW_DROP_VXLAN_VNI_UNKNOWN], 1);

	/* to the port's own address: not our VTEP, so the kernel's (punt) */
	f.n = 0;
	vxlan_wrap(&f, P0_MAC, PEER0, VTEP_A, 0x0a000001, 0, 40000, 0x08, 100, &inner);
	struct result r = run(w, &f);
	CHECK_EQ(r.tr.decision, GW_DEC_PUNT);
	CHECK(!has_stage(&r, GW_STAGE_VXLAN_DECAP));
	/* what ip would punt (multicast, a local route of the VPC) never reaches the underlay's kernel */
	struct frame mc = {.n = 0};
	eth(&mc, RMAC, REMOTE_A, RTE_ETHER_TYPE_IPV4);
	ip4_udp(&mc, HOST_A, 0xe0000005, 64, 0, false, 1111, 20);
	f = arriving(&mc, 0x08, 100);
	CHECK_EQ(run(w, &f).tr.drop, GW_DROP_PUNT_FROM_VPC);
	route(dp, 1, v4(0x0a140001), 32, 0);
	mc.n = 0;
	eth(&mc, RMAC, REMOTE_A, RTE_ETHER_TYPE_IPV4);
	ip4_udp(&mc, HOST_A, 0x0a140001, 64, 0, false, 1111, 20);
	f = arriving(&mc, 0x08, 100);
	CHECK_EQ(run(w, &f).tr.drop, GW_DROP_PUNT_FROM_VPC);
	CHECK_EQ(c->punt_packets, 1);
	/* no VTEP: everything for UDP 4789 is punted */
	CHECK_EQ(gw_dp_vtep_del(dp, htonl(VTEP)), 0);
	f = arriving(&inner, 0x08, 100);
	CHECK_EQ(run(w, &f).tr.decision, GW_DEC_PUNT);
	stop(dp, w);
}

/* Reads the inner packet of an encapsulated output after checking its outer headers and tunnel. */
static const uint8_t *inner_of(const struct result *r, uint32_t vni, uint32_t vtep, struct rte_ether_addr mac)
{
	CHECK_EQ(r->n_out, 1);
	CHECK_EQ(r->port, 1);
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)(r->out.b + 14);
	CHECK_EQ(ntohl(oip->dst_addr), vtep);
	CHECK_EQ(ntohl(oip->src_addr), VTEP);
	CHECK_EQ(rte_ipv4_cksum(oip), 0); /* a valid header sums to 0xffff */
	uint32_t vx;
	memcpy(&vx, r->out.b + 14 + 20 + 8 + 4, 4);
	CHECK_EQ(ntohl(vx) >> 8, vni);
	const struct rte_ether_hdr *ie = (const struct rte_ether_hdr *)(r->out.b + 50);
	CHECK(rte_is_same_ether_addr(&ie->dst_addr, &mac) && rte_is_same_ether_addr(&ie->src_addr, &RMAC));
	return r->out.b + 64;
}

static uint16_t sum16(const uint8_t *d, uint32_t n, uint32_t sum)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(d[i] << 8 | d[i + 1]);
	if (n & 1)
		sum += (uint32_t)d[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Inner TTL 1: time exceeded (RFC 792) from our VTEP address, routed in the source VPC's VRF back through the
 * tunnel towards the sender (VNI 100 to 198.51.100.9), quoting the packet. */
static void test_vxlan_inner_ttl(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct frame inner = from_a4(1, 0, false, 1111, 20);
	struct frame in = arriving(&inner, 0x08, 100);
	struct result r = run(w, &in);
	CHECK_EQ(r.tr.decision, GW_DEC_ICMP_ERROR);
	CHECK_EQ(r.tr.drop, GW_DROP_TTL_EXCEEDED);
	CHECK_EQ(r.tr.nexthop, 6);
	const uint8_t *ip = inner_of(&r, 100, VTEP_A, REMOTE_A);
	const struct rte_ipv4_hdr *h = (const struct rte_ipv4_hdr *)ip;
	CHECK_EQ(ntohl(h->src_addr), VTEP);
	CHECK_EQ(ntohl(h->dst_addr), HOST_A);
	CHECK_EQ(h->time_to_live, 64); /* originated by the gateway: not decremented */
	CHECK_EQ(ip[20], 11);
	CHECK_EQ(sum16(ip + 20, ntohs(h->total_length) - 20u, 0), 0xffff);
	CHECK(memcmp(ip + 28, inner.b + 14, 28) == 0); /* the quote starts with the offending header */
	CHECK_EQ(gw_worker_counters(w, 0)->drops[GW_DROP_TTL_EXCEEDED], 1);

	/* IPv6 hop limit 1: ICMPv6 time exceeded from the VTEP's IPv6 source */
	inner = from_a6(1, 0, 1111, 20);
	in = arriving(&inner, 0x08, 100);
	r = run(w, &in);
	CHECK_EQ(r.tr.decision, GW_DEC_ICMP_ERROR);
	ip = inner_of(&r, 100, VTEP_A, REMOTE_A);
	CHECK(memcmp(ip + 8, VTEP6, 16) == 0 && memcmp(ip + 24, H6_A, 16) == 0);
	CHECK_EQ(ip[40], 3);
	stop(dp, w);
}

/* After encapsulation an inner packet must fit port MTU - 50: frag-needed (IPv4 DF, RFC 1191) or Packet Too Big
 * (RFC 8201) with MTU 1450, sent back into the source VPC through its tunnel, so PMTUD works across the gateway. */
static void test_vxlan_pmtud(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct frame inner = from_a4(64, 0, true, 1111, 1450 - 28); /* 1450: fits */
	struct frame in = arriving(&inner, 0x08, 100);
	struct result r = run(w, &in);
	CHECK_EQ(r.tr.decision, GW_DEC_FORWARD);
	CHECK_EQ(r.out.n, 1500u + 14);

	inner = from_a4(64, 0, true, 1111, 1451 - 28);
	in = arriving(&inner, 0x08, 100); /* the outer packet is 1501 bytes: the test's port 0 does not care */
	r = run(w, &in);
	CHECK_EQ(r.tr.decision, GW_DEC_ICMP_ERROR);
	CHECK_EQ(r.tr.drop, GW_DROP_MTU_EXCEEDED);
	const uint8_t *ip = inner_of(&r, 100, VTEP_A, REMOTE_A);
	CHECK_EQ(ip[20], 3);
	CHECK_EQ(ip[21], 4);
	CHECK_EQ(ip[26] << 8 | ip[27], 1450); /* next-hop MTU = port MTU - 50 */

	/* without DF the router fragments the inner packet (RFC 791) and each fragment travels in its own VXLAN packet;
	 * the outer packets are never fragmented (RFC 7348 4.3) */
	inner = from_a4(64, 0, false, 1111, 1600);
	in = arriving(&inner, 0x08, 100);
	r = run(w, &in);
	CHECK_EQ(r.tr.decision, GW_DEC_FORWARD);
	CHECK_EQ(r.n_out, 2);
	CHECK(has_stage(&r, GW_STAGE_IP4_FRAGMENT) && has_stage(&r, GW_STAGE_VXLAN_ENCAP));
	CHECK_EQ(gw_worker_counters(w, 1)->tx_packets, 1 + 1 + 2); /* fits, frag-needed, two fragments */

	inner = from_a6(64, 0, 1111, 1451 - 48);
	in = arriving(&inner, 0x08, 100);
	r = run(w, &in);
	CHECK_EQ(r.tr.decision, GW_DEC_ICMP_ERROR);
	ip = inner_of(&r, 100, VTEP_A, REMOTE_A);
	CHECK_EQ(ip[40], 2);
	CHECK_EQ(ip[44] << 24 | ip[45] << 16 | ip[46] << 8 | ip[47], 1450);
	CHECK_EQ(ip[6], 58);
	CHECK(memcmp(ip + 24, H6_A, 16) == 0);
	stop(dp, w);
}

/* No underlay route to the remote VTEP: a counted drop. An unresolved underlay gateway: neigh_miss + event. An
 * ICMP error with no route back in the source VPC: its own drop. */
static void test_vxlan_underlay_missing(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct frame inner = from_a4(64, 0, false, 1111, 20);
	struct frame in = arriving(&inner, 0x08, 100);
	struct gw_ip n = v4(0x0a010002);
	CHECK_EQ(gw_dp_neigh_del(dp, 1, &n), 0);
	CHECK_EQ(run(w, &in).tr.drop, GW_DROP_NEIGH_MISS);
	struct gw_event ev;
	CHECK_EQ(gw_dp_events_poll(dp, &ev, 1), 1);
	CHECK_EQ(ev.ip.v4, htonl(0x0a010002));
	struct gw_ip u = v4(0xc6336400);
	CHECK_EQ(gw_dp_route_del(dp, 0, &u, 24), 0);
	CHECK_EQ(run(w, &in).tr.drop, GW_DROP_VXLAN_NO_UNDERLAY);
	struct gw_ip back = v4(0x0a0a0000);
	CHECK_EQ(gw_dp_route_del(dp, 1, &back, 16), 0);
	inner = from_a4(1, 0, false, 1111, 20);
	in = arriving(&inner, 0x08, 100);
	CHECK_EQ(run(w, &in).tr.drop, GW_DROP_VXLAN_ICMP_NO_ROUTE);
	CHECK_EQ(gw_worker_counters(w, 0)->drops[GW_DROP_VXLAN_NO_UNDERLAY], 1);
	stop(dp, w);
}

/* The metadata contract with classify: after decap md->vrf = the VNI's VRF, md->vpc = that VRF + 1. */
static uint32_t seen_vrf, seen_vpc;
static bool spy(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	(void)w, (void)out;
	seen_vrf = p->md->vrf;
	seen_vpc = p->md->vpc;
	return false;
}

static void test_vxlan_metadata_and_tables(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	CHECK_EQ(gw_chain_add(GW_PRE_ROUTING, spy), 0);
	struct frame inner = from_a4(64, 0, false, 1111, 20);
	struct frame in = arriving(&inner, 0x08, 100);
	run(w, &in);
	CHECK_EQ(seen_vrf, 1);
	CHECK_EQ(seen_vpc, 2);
	gw_hooks.chain[GW_PRE_ROUTING].n--; /* the chain is process-wide: leave it as found */

	struct gw_vtep vt = {.ip = htonl(VTEP + 1), .mac = RMAC};
	CHECK_EQ(gw_dp_vtep_set(dp, &vt), -ENOSPC);
	CHECK_EQ(gw_dp_vtep_del(dp, htonl(VTEP + 1)), -ENOENT);
	CHECK_EQ(gw_dp_vni_set(dp, 300, 3), -ENOENT);
	CHECK_EQ(gw_dp_vni_set(dp, 1u << 24, 1), -EINVAL);
	CHECK_EQ(gw_dp_vni_del(dp, 300), -ENOENT);
	uint32_t vrf;
	CHECK_EQ(gw_dp_vni_set(dp, 50, 0), 0);
	CHECK_EQ(gw_dp_vni_set(dp, 150, 1), 0);
	CHECK_EQ(gw_dp_vni_get(dp, 50, &vrf), 0);
	CHECK_EQ(vrf, 0);
	CHECK_EQ(gw_dp_vni_get(dp, 150, &vrf), 0);
	CHECK_EQ(vrf, 1);
	CHECK_EQ(gw_dp_vni_del(dp, 50), 0);
	CHECK_EQ(gw_dp_vni_get(dp, 100, &vrf), 0);
	CHECK_EQ(vrf, 1);
	/* four VRFs, so four VNIs at most */
	CHECK_EQ(gw_dp_vni_set(dp, 7, 1), 0);
	CHECK_EQ(gw_dp_vni_set(dp, 8, 1), 0);
	CHECK_EQ(gw_dp_vni_set(dp, 9, 1), -ENOSPC);
	/* one id space with nexthops */
	struct gw_tunnel t;
	CHECK_EQ(gw_dp_tunnel_get(dp, 5, &t), 0);
	CHECK_EQ(t.vni, 200);
	CHECK_EQ(gw_dp_tunnel_del(dp, 1), -ENOENT); /* an Ethernet nexthop */
	struct gw_nexthop nh = {.port = 1, .gw = v4(0x0a010002)};
	CHECK_EQ(gw_dp_nexthop_set(dp, 5, &nh), 0);
	CHECK_EQ(gw_dp_tunnel_get(dp, 5, &t), -ENOENT);
	CHECK_EQ(gw_dp_tunnel_set(dp, 5, &(struct gw_tunnel){.vni = 200, .vtep = htonl(VTEP_B), .mac = REMOTE_B}), 0);
	CHECK_EQ(gw_dp_tunnel_del(dp, 5), 0);
	CHECK_EQ(gw_dp_tunnel_get(dp, 5, &t), -ENOENT);
	CHECK_EQ(gw_dp_tunnel_set(dp, 0, &t), -EINVAL);
	/* a route through a deleted tunnel: nexthop_invalid, not a crash */
	CHECK_EQ(run(w, &in).tr.drop, GW_DROP_NEXTHOP_INVALID);
	stop(dp, w);
}

/* RFC 6040 4.2: the outer header's congestion mark reaches the inner packet; an outer CE over a not ECN-capable
 * inner packet is dropped; an outer ECT(1) over inner ECT(0) gives ECT(1). */
static void test_vxlan_ecn_decap(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct frame inner = from_a4(64, 0x02 /* ECT(0) */, false, 1111, 20), want_inner = {.n = 0}, want = {.n = 0};
	struct frame in = {.n = 0};
	vxlan_wrap(&in, P0_MAC, PEER0, VTEP_A, VTEP, 0x03 /* CE */, 40000, 0x08, 100, &inner);
	eth(&want_inner, REMOTE_B, RMAC, RTE_ETHER_TYPE_IPV4);
	ip4_udp(&want_inner, HOST_A, HOST_B, 63, 0x03, false, 1111, 20); /* CE, checksum valid */
	vxlan_wrap(&want, PEER1, P1_MAC, VTEP, VTEP_B, 0x00, 0, 0x08, 200, &want_inner);
	struct result r = run(w, &in);
	check_encap(&r, &want);

	inner = from_a4(64, 0x00 /* Not-ECT */, false, 1111, 20);
	in.n = 0;
	vxlan_wrap(&in, P0_MAC, PEER0, VTEP_A, VTEP, 0x03, 40000, 0x08, 100, &inner);
	CHECK_EQ(run(w, &in).tr.drop, GW_DROP_VXLAN_ECN_DROP);

	inner = from_a4(64, 0x02, false, 1111, 20);
	in.n = 0;
	vxlan_wrap(&in, P0_MAC, PEER0, VTEP_A, VTEP, 0x01 /* ECT(1) */, 40000, 0x08, 100, &inner);
	want_inner.n = want.n = 0;
	eth(&want_inner, REMOTE_B, RMAC, RTE_ETHER_TYPE_IPV4);
	ip4_udp(&want_inner, HOST_A, HOST_B, 63, 0x01, false, 1111, 20);
	vxlan_wrap(&want, PEER1, P1_MAC, VTEP, VTEP_B, 0x00, 0, 0x08, 200, &want_inner);
	r = run(w, &in);
	check_encap(&r, &want);

	inner = from_a6(64, 0x01 /* ECT(1) */, 1111, 20);
	in.n = 0;
	vxlan_wrap(&in, P0_MAC, PEER0, VTEP_A, VTEP, 0x03, 40000, 0x08, 100, &inner);
	want_inner.n = want.n = 0;
	eth(&want_inner, REMOTE_B, RMAC, RTE_ETHER_TYPE_IPV6);
	ip6_udp(&want_inner, H6_A, H6_B, 63, 0x03, 1111, 20);
	vxlan_wrap(&want, PEER1, P1_MAC, VTEP, VTEP_B, 0x00, 0, 0x08, 200, &want_inner);
	r = run(w, &in);
	check_encap(&r, &want);
	stop(dp, w);
}

/* The outer route is ECMP in the underlay: the inner flow hash picks the member (flows spread over both paths, a
 * flow stays on one), the same hash that gives the outer UDP source port. */
static void test_vxlan_underlay_ecmp(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct gw_port_conf c4 = {.mac = {{2, 0, 0, 0, 4, 1}}, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true};
	CHECK_EQ(gw_dp_port_set(dp, 4, &c4), 0);
	struct gw_nexthop nh = {.port = 4, .gw = v4(0x0a040002)};
	CHECK_EQ(gw_dp_nexthop_set(dp, 2, &nh), 0);
	CHECK_EQ(gw_dp_neigh_set(dp, 4, &nh.gw, &(struct rte_ether_addr){{2, 0, 0, 0, 4, 2}}), 0);
	uint32_t ids[2] = {1, 2};
	CHECK_EQ(gw_dp_group_set(dp, 1, ids, NULL, 2), 0);
	unsigned on[2] = {0, 0};
	for (unsigned i = 0; i < 64; i++) {
		struct frame inner = from_a4(64, 0, false, (uint16_t)(5000 + i), 20);
		struct frame in = arriving(&inner, 0x08, 100);
		struct result a = run(w, &in), b = run(w, &in);
		CHECK_EQ(a.n_out, 1);
		CHECK_EQ(a.port, b.port);
		CHECK(a.out.n == b.out.n && memcmp(a.out.b, b.out.b, a.out.n) == 0);
		on[a.port == 4]++;
	}
	CHECK(on[0] > 8 && on[1] > 8);
	stop(dp, w);
}

/* A worker keeps each tunnel's resolved outer path (underlay route, next hop MAC, headers) between packets; every
 * change of what that path was built from shows in the very next packet: the underlay neighbour's MAC, a more
 * specific underlay route to another port, that port's MAC and link, the VTEP's router MAC, the tunnel itself
 * (VNI, remote router MAC), the neighbour's and the route's removal (the same drops as without a cached path). */
static void check_outer(struct result res, uint16_t port, struct rte_ether_addr dst, struct rte_ether_addr src)
{
	const struct result *r = &res;
	CHECK_EQ(r->n_out, 1);
	CHECK_EQ(r->port, port);
	CHECK(memcmp(r->out.b, dst.addr_bytes, 6) == 0);
	CHECK(memcmp(r->out.b + 6, src.addr_bytes, 6) == 0);
	CHECK_EQ(rte_ipv4_cksum((const struct rte_ipv4_hdr *)(r->out.b + 14)), 0); /* a valid header sums to 0xffff */
}

static void test_vxlan_outer_path_follows_underlay(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct frame inner = from_a4(64, 0, false, 1111, 20);
	struct frame in = arriving(&inner, 0x08, 100);
	for (int i = 0; i < 3; i++)
		check_outer(run(w, &in), 1, PEER1, P1_MAC);
	/* the underlay gateway's MAC moves */
	const struct rte_ether_addr peer1b = {{2, 0, 0, 0, 1, 0x22}};
	struct gw_ip gw1 = v4(0x0a010002);
	CHECK_EQ(gw_dp_neigh_set(dp, 1, &gw1, &peer1b), 0);
	check_outer(run(w, &in), 1, peer1b, P1_MAC);
	/* a more specific underlay route to the remote VTEP over port 4 */
	struct gw_port_conf c4 = {.mac = {{2, 0, 0, 0, 4, 1}}, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true};
	CHECK_EQ(gw_dp_port_set(dp, 4, &c4), 0);
	const struct rte_ether_addr peer4 = {{2, 0, 0, 0, 4, 2}};
	struct gw_nexthop nh2 = {.port = 4, .gw = v4(0x0a040002)};
	CHECK_EQ(gw_dp_nexthop_set(dp, 2, &nh2), 0);
	CHECK_EQ(gw_dp_neigh_set(dp, 4, &nh2.gw, &peer4), 0);
	uint32_t id = 2;
	CHECK_EQ(gw_dp_group_set(dp, 2, &id, NULL, 1), 0);
	route(dp, 0, v4(VTEP_B), 32, 2);
	check_outer(run(w, &in), 4, peer4, c4.mac);
	check_outer(run(w, &in), 4, peer4, c4.mac);
	/* that port's MAC changes, then its link goes down and comes back */
	c4.mac.addr_bytes[5] = 0x11;
	CHECK_EQ(gw_dp_port_set(dp, 4, &c4), 0);
	check_outer(run(w, &in), 4, peer4, c4.mac);
	c4.up = false;
	CHECK_EQ(gw_dp_port_set(dp, 4, &c4), 0);
	CHECK_EQ(run(w, &in).tr.drop, GW_DROP_PORT_DOWN);
	c4.up = true;
	CHECK_EQ(gw_dp_port_set(dp, 4, &c4), 0);
	check_outer(run(w, &in), 4, peer4, c4.mac);
	/* the router MAC of our VTEP (inner source MAC) and the tunnel (VNI, inner destination MAC) change */
	const struct rte_ether_addr rmac2 = {{2, 0xaa, 0, 0, 0, 2}}, remote_b2 = {{2, 0xbb, 0, 0, 0, 0x77}};
	struct gw_vtep vt = {.ip = htonl(VTEP), .mac = rmac2, .ip6 = v6(VTEP6)};
	CHECK_EQ(gw_dp_vtep_set(dp, &vt), 0);
	inner.n = 0;
	eth(&inner, rmac2, REMOTE_A, RTE_ETHER_TYPE_IPV4); /* the leaf learnt the new router MAC */
	ip4_udp(&inner, HOST_A, HOST_B, 64, 0, false, 1111, 20);
	in = arriving(&inner, 0x08, 100);
	struct result r = run(w, &in);
	CHECK(memcmp(r.out.b + 50 + 6, rmac2.addr_bytes, 6) == 0);
	struct gw_tunnel tb = {.vni = 300, .vtep = htonl(VTEP_B), .mac = remote_b2};
	CHECK_EQ(gw_dp_tunnel_set(dp, 5, &tb), 0);
	r = run(w, &in);
	CHECK_EQ(r.n_out, 1);
	CHECK_EQ(r.out.b[46] << 16 | r.out.b[47] << 8 | r.out.b[48], 300); /* VNI */
	CHECK(memcmp(r.out.b + 50, remote_b2.addr_bytes, 6) == 0);
	/* the neighbour goes: a miss and its event, as for an uncached path */
	CHECK_EQ(gw_dp_neigh_del(dp, 4, &nh2.gw), 0);
	CHECK_EQ(run(w, &in).tr.drop, GW_DROP_NEIGH_MISS);
	struct gw_event ev;
	CHECK_EQ(gw_dp_events_poll(dp, &ev, 1), 1);
	CHECK_EQ(ev.ip.v4, nh2.gw.v4);
	/* the specific route goes: back over port 1; then the covering one too */
	struct gw_ip vb = v4(VTEP_B), u = v4(0xc6336400);
	CHECK_EQ(gw_dp_route_del(dp, 0, &vb, 32), 0);
	check_outer(run(w, &in), 1, peer1b, P1_MAC);
	CHECK_EQ(gw_dp_route_del(dp, 0, &u, 24), 0);
	CHECK_EQ(run(w, &in).tr.drop, GW_DROP_VXLAN_NO_UNDERLAY);
	stop(dp, w);
}

/* ip's burst-level inner lookup (vxlan's peek, classify's prediction and memo) only saves cache misses: a burst of
 * every kind of overlay packet gives the same traces (decision, reason, stages, nexthop, VPC fields), the same
 * packets out and the same counters with the prediction as without it (the peek unregistered). */
#define BURST_N 11
struct burst_result {
	struct gw_trace tr[BURST_N];
	unsigned n_tr;
	struct frame out[BURST_N * 2];
	uint16_t out_port[BURST_N * 2];
	unsigned n_out;
	struct gw_port_counters cnt[2];
	struct gw_vpc_counters vc;
};

static void on_burst_trace(void *ctx, const struct gw_trace *t)
{
	struct burst_result *r = ctx;
	if (r->n_tr < BURST_N)
		r->tr[r->n_tr++] = *t;
}

static void run_burst(struct gw_dp *dp, struct gw_worker *w, const struct frame *in, unsigned n, struct burst_result *r)
{
	static struct gw_burst_out out;
	struct gw_port_counters c0 = *gw_worker_counters(w, 0), c1 = *gw_worker_counters(w, 1);
	struct gw_vpc_counters v0;
	CHECK_EQ(gw_dp_vpc_counters(dp, 1, &v0), 0);
	memset(r, 0, sizeof(*r));
	memset(out.n, 0, sizeof(out.n));
	gw_worker_set_trace(w, on_burst_trace, r);
	struct rte_mbuf *m[BURST_N];
	for (unsigned i = 0; i < n; i++)
		m[i] = mbuf_of(&in[i]);
	gw_pipeline_process(w, 0, m, (uint16_t)n, 1000000, &out);
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
		for (unsigned i = 0; i < out.n[p]; i++) {
			struct frame *f = &r->out[r->n_out];
			r->out_port[r->n_out++] = p;
			f->n = rte_pktmbuf_pkt_len(out.pkts[p][i]);
			const void *d = rte_pktmbuf_read(out.pkts[p][i], 0, f->n, f->b);
			if (d != f->b)
				memcpy(f->b, d, f->n);
			rte_pktmbuf_free(out.pkts[p][i]);
		}
	gw_worker_set_trace(w, NULL, NULL);
	gw_worker_quiescent(w);
	r->cnt[0] = *gw_worker_counters(w, 0);
	r->cnt[1] = *gw_worker_counters(w, 1);
	for (unsigned i = 0; i < 2; i++) {
		const struct gw_port_counters *b = i ? &c1 : &c0;
		r->cnt[i].rx_packets -= b->rx_packets;
		r->cnt[i].tx_packets -= b->tx_packets;
		r->cnt[i].tx_bytes -= b->tx_bytes;
		r->cnt[i].punt_packets -= b->punt_packets;
		for (unsigned d = 0; d < GW_DROP_MAX; d++)
			r->cnt[i].drops[d] -= b->drops[d];
		r->cnt[i].rx_bytes -= b->rx_bytes;
	}
	CHECK_EQ(gw_dp_vpc_counters(dp, 1, &r->vc), 0);
	r->vc.rx_packets -= v0.rx_packets;
	r->vc.tx_packets -= v0.tx_packets;
	r->vc.rx_bytes -= v0.rx_bytes;
	r->vc.tx_bytes -= v0.tx_bytes;
}

static void test_vxlan_burst_prediction_is_invisible(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	CHECK_EQ(gw_dp_vrf_add(dp, 2), 0);
	CHECK_EQ(gw_dp_vni_set(dp, 400, 2), 0); /* VRF 2: no peering at all */
	struct frame in[BURST_N], inner;
	unsigned n = 0;
	inner = from_a4(64, 0, false, 1111, 20);
	in[n++] = arriving(&inner, 0x08, 100);                /* admitted, to B's tunnel */
	inner.n = 0;
	eth(&inner, RMAC, REMOTE_A, RTE_ETHER_TYPE_IPV4);
	ip4_udp(&inner, HOST_A, HOST_A + 4, 64, 0, false, 1112, 20);
	in[n++] = arriving(&inner, 0x08, 100);                /* admitted, back to A's tunnel */
	inner = from_a6(64, 0, 1113, 20);
	in[n++] = arriving(&inner, 0x08, 100);                /* inner IPv6: not predicted */
	inner = from_a4(64, 0, false, 1114, 20);
	in[n++] = arriving(&inner, 0x00, 100);                /* vxlan_bad_flags */
	in[n++] = arriving(&inner, 0x08, 999);                /* vxlan_vni_unknown */
	in[n++] = arriving(&inner, 0x08, 400);                /* vpc_no_peering */
	inner = from_a4(1, 0, false, 1115, 20);
	in[n++] = arriving(&inner, 0x08, 100);                /* time exceeded, routed back */
	inner.n = 0;
	eth(&inner, RMAC, REMOTE_A, RTE_ETHER_TYPE_IPV4);
	ip4_udp(&inner, HOST_A, 0x0a630001, 64, 0, false, 1116, 20);
	in[n++] = arriving(&inner, 0x08, 100);                /* no route in the VPC: net unreachable */
	inner = from_a4(64, 0, false, 1117, 20);
	inner.b[14 + 10] ^= 0xff;
	in[n++] = arriving(&inner, 0x08, 100);                /* inner ip4_bad_checksum */
	inner = from_a4(64, 0, false, 1118, 20);
	in[n] = (struct frame){.n = 0};
	vxlan_wrap(&in[n++], P0_MAC, PEER0, VTEP_A, 0x0a000001, 0, 40000, 0x08, 100, &inner); /* to a port address */
	in[n] = arriving(&inner, 0x08, 100);
	in[n].b[14 + 1] = 0x03;                               /* outer CE over a Not-ECT inner packet (checksum fixed) */
	in[n].b[14 + 10] = in[n].b[14 + 11] = 0;
	uint16_t ck = rte_ipv4_cksum((const struct rte_ipv4_hdr *)(in[n].b + 14));
	memcpy(in[n].b + 24, &ck, 2);
	n++;
	CHECK_EQ(n, BURST_N);

	static struct burst_result with, without;
	run_burst(dp, w, in, n, &with);
	gw_ip_inner_fn peek = gw_ip_burst_inner;
	gw_ip_burst_inner = NULL;
	run_burst(dp, w, in, n, &without);
	gw_ip_burst_inner = peek;
	CHECK_EQ(with.n_tr, n);
	CHECK_EQ(without.n_tr, n);
	for (unsigned i = 0; i < n; i++) {
		const struct gw_trace *a = &with.tr[i], *b = &without.tr[i];
		CHECK_EQ(a->stages, b->stages);
		CHECK_EQ(a->decision, b->decision);
		CHECK_EQ(a->drop, b->drop);
		CHECK_EQ(a->out_port, b->out_port);
		CHECK_EQ(a->nexthop, b->nexthop);
		CHECK_EQ(a->vpc, b->vpc);
		CHECK_EQ(a->dst_vrf, b->dst_vrf);
		CHECK_EQ(a->peering, b->peering);
	}
	const enum gw_drop_reason want[BURST_N] = {GW_DROP_MAX, GW_DROP_MAX, GW_DROP_MAX, GW_DROP_VXLAN_BAD_FLAGS,
		GW_DROP_VXLAN_VNI_UNKNOWN, GW_DROP_VPC_NO_PEERING, GW_DROP_TTL_EXCEEDED, GW_DROP_NO_ROUTE,
		GW_DROP_IP4_BAD_CHECKSUM, GW_DROP_MAX, GW_DROP_VXLAN_ECN_DROP};
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(with.tr[i].drop, want[i]);
	CHECK_EQ(with.tr[9].decision, GW_DEC_PUNT);
	CHECK_EQ(with.n_out, without.n_out);
	CHECK_EQ(with.n_out, 6); /* three forwarded, two ICMP errors, one punt */
	for (unsigned i = 0; i < with.n_out && i < without.n_out; i++) {
		CHECK_EQ(with.out_port[i], without.out_port[i]);
		CHECK(with.out[i].n == without.out[i].n && memcmp(with.out[i].b, without.out[i].b, with.out[i].n) == 0);
	}
	CHECK(memcmp(with.cnt, without.cnt, sizeof(with.cnt)) == 0);
	CHECK(memcmp(&with.vc, &without.vc, sizeof(with.vc)) == 0);
	stop(dp, w);
}

/* A pre-routing filter after classify that rewrites the inner destination (as a NAT would) or moves the packet to
 * another VRF: the route is the one of the packet as the filter left it, not the burst-level prediction. */
static bool dnat_to_a(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	(void)w, (void)out;
	if (p->md->vpc == 0)
		return false;
	uint8_t *h = rte_pktmbuf_mtod_offset(p->m, uint8_t *, p->l3);
	uint32_t a = htonl(HOST_A + 9);
	memcpy(h + 16, &a, 4);
	return false;
}

static bool to_vrf_3(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	(void)w, (void)out;
	if (p->md->vpc != 0)
		p->md->vrf = 3;
	return false;
}

static void test_vxlan_filter_after_classify_wins(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = start(dp);
	struct frame inner = from_a4(64, 0, false, 1111, 20);
	struct frame in = arriving(&inner, 0x08, 100);
	CHECK_EQ(run(w, &in).tr.nexthop, 5); /* to B */
	CHECK_EQ(gw_chain_add(GW_PRE_ROUTING, dnat_to_a), 0);
	struct result r = run(w, &in);
	gw_hooks.chain[GW_PRE_ROUTING].n--;
	CHECK_EQ(r.tr.nexthop, 6); /* 10.10.0.14: A's tunnel */
	CHECK_EQ(r.n_out, 1);
	CHECK_EQ(ntohl(gw_ld32(r.out.b + 14 + 16)), VTEP_A);
	CHECK_EQ(gw_dp_vrf_add(dp, 3), 0);
	CHECK_EQ(gw_chain_add(GW_PRE_ROUTING, to_vrf_3), 0);
	r = run(w, &in);
	gw_hooks.chain[GW_PRE_ROUTING].n--;
	CHECK_EQ(r.tr.drop, GW_DROP_NO_ROUTE); /* VRF 3 is empty */
	stop(dp, w);
}

const struct gw_test gw_tests_vxlan[] = {
	{"vxlan_underlay_ecmp", test_vxlan_underlay_ecmp},
	{"vxlan_ecn_decap", test_vxlan_ecn_decap},
	{"vxlan_decap_route_encap4", test_vxlan_decap_route_encap4},
	{"vxlan_sport_entropy", test_vxlan_sport_entropy},
	{"vxlan_inner_ipv6", test_vxlan_inner_ipv6},
	{"vxlan_decap_drops", test_vxlan_decap_drops},
	{"vxlan_inner_ttl", test_vxlan_inner_ttl},
	{"vxlan_pmtud", test_vxlan_pmtud},
	{"vxlan_underlay_missing", test_vxlan_underlay_missing},
	{"vxlan_metadata_and_tables", test_vxlan_metadata_and_tables},
	{"vxlan_outer_path_follows_underlay", test_vxlan_outer_path_follows_underlay},
	{"vxlan_burst_prediction_is_invisible", test_vxlan_burst_prediction_is_invisible},
	{"vxlan_filter_after_classify_wins", test_vxlan_filter_after_classify_wins},
	{NULL, NULL},
};
