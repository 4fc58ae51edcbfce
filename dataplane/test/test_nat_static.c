/* SPDX-License-Identifier: Apache-2.0 */
/* Static NAT44 and NPTv6 (modules/nat) on the path between peered VPCs: packets enter as decapsulation leaves
 * them (md->vpc = source VRF + 1) and go through classify, static NAT, the route lookup and forwarding. Every
 * translated packet is compared byte for byte with the packet built from scratch with the translated addresses
 * (checksums computed anew), so an incremental update that is off by one bit fails. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "ip/ip.h"
#include "hooks.h"
#include "nat/gw_nat.h"
#include "nat/gw_nat_frag.h"
#include "nat/nat.h"
#include "tests.h"
#include "vpc/gw_vpc.h"
#include "vxlan/gw_vxlan.h"

#define PEERING 7
#define VRF_A 1
#define VRF_B 2

static struct rte_mempool *pool(void)
{
	static struct rte_mempool *mp;
	if (!mp)
		mp = rte_pktmbuf_pool_create("gwt_nat", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return mp;
}

static struct gw_ip v4(uint32_t a) { return (struct gw_ip){.family = AF_INET, .v4 = htonl(a)}; }

static struct gw_ip v6s(const char *s)
{
	struct gw_ip ip = {.family = AF_INET6};
	inet_pton(AF_INET6, s, ip.v6);
	return ip;
}

/* ---- packets (L3 bytes), checksums computed from scratch ---- */
struct pk {
	uint8_t b[1600];
	uint16_t len;
};

static uint16_t fold_not(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t raw(const void *p, size_t n) { return rte_raw_cksum(p, n); }

static void put16(uint8_t *p, uint16_t host) { p[0] = (uint8_t)(host >> 8), p[1] = (uint8_t)host; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* The L4 checksum of an unfragmented packet (TCP, UDP, ICMP, ICMPv6), computed anew. */
static void fix_l4(struct pk *k)
{
	uint8_t *h = k->b;
	bool six = (h[0] >> 4) == 6;
	uint32_t ihl = six ? 40 : (h[0] & 0xfu) * 4u;
	uint8_t proto = six ? h[6] : h[9];
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6)
		return;
	uint8_t *l4 = h + ihl;
	uint32_t l4len = k->len - ihl;
	uint32_t off = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
	put16(l4 + off, 0);
	uint32_t s = raw(l4, l4len);
	if (proto != IPPROTO_ICMP) {
		s += six ? raw(h + 8, 32) : raw(h + 12, 8);
		s += htons((uint16_t)l4len) + htons(proto);
	}
	uint16_t c = fold_not(s);
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(l4 + off, &c, 2);
}

static void fix_ip4(uint8_t *h)
{
	put16(h + 10, 0);
	uint16_t c = fold_not(raw(h, (h[0] & 0xfu) * 4u));
	memcpy(h + 10, &c, 2);
}

static void ip4(struct pk *k, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, const uint8_t *l4, uint16_t l4len)
{
	memset(k->b, 0, sizeof(k->b));
	uint8_t *h = k->b;
	h[0] = 0x45;
	k->len = (uint16_t)(20 + l4len);
	put16(h + 2, k->len);
	put16(h + 4, 0x1234);
	h[8] = ttl;
	h[9] = proto;
	uint32_t s = htonl(src), d = htonl(dst);
	memcpy(h + 12, &s, 4);
	memcpy(h + 16, &d, 4);
	memcpy(h + 20, l4, l4len);
	fix_l4(k);
	fix_ip4(h);
}

static void ip6(struct pk *k, const char *src, const char *dst, uint8_t proto, uint8_t hl, const uint8_t *l4,
		uint16_t l4len)
{
	memset(k->b, 0, sizeof(k->b));
	uint8_t *h = k->b;
	h[0] = 0x60;
	put16(h + 4, l4len);
	h[6] = proto;
	h[7] = hl;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	memcpy(h + 40, l4, l4len);
	k->len = (uint16_t)(40 + l4len);
	fix_l4(k);
}

static const uint8_t UDP[] = {0x03, 0xe8, 0x00, 0x35, 0x00, 0x10, 0, 0, 'n', 'a', 't', '-', 's', 't', 'a', 't'};
static const uint8_t TCP[] = {0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
static const uint8_t ECHO[] = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};

/* ---- the gateway ---- */
static void route(struct gw_dp *dp, uint32_t vrf, struct gw_ip pfx, uint8_t plen, uint32_t group)
{
	struct gw_route r = {.type = GW_ROUTE_UNICAST, .group_id = group};
	CHECK_EQ(gw_dp_route_add(dp, vrf, &pfx, plen, &r), 0);
}

/* VRF 0 underlay (port 0, the VTEP for ICMP error sources); VPC A = VRF 1 behind port 1, VPC B = VRF 2 behind
 * port 2. Peering 7: A exposes 10.1.0.0/24 as 192.0.2.0/24 (static), fd01:203:405::/48 as 2001:db8:1::/48 and
 * fd01:203:406:600::/56 as 2001:db8:2:7700::/56 (NPTv6), fd01:203:407::/64 as 2001:db8:3:4::/64; B exposes
 * 10.2.0.0/16 and 2001:db8:b::/48 as they are. The peering routes are what each side sees. */
static struct gw_dp *setup(void)
{
	struct gw_dp_params p = {.max_vrfs = 4, .max_routes4 = 1024, .max_routes6 = 64, .max_nexthops = 8,
				 .max_groups = 8, .max_neighbors = 64, .n_workers = 1, .icmp_rate = 1000000};
	struct gw_dp *dp = gw_dp_create(&p);
	for (uint16_t port = 0; port < 3; port++)
		gwt_vpc_port(dp, port);
	struct gw_vtep vt = {.ip = htonl(0x0a0000fe), .mac = {{2, 0, 0, 0, 7, 1}}, .ip6 = v6s("2001:db8:ffff::1")};
	CHECK_EQ(gw_dp_vtep_set(dp, &vt), 0);
	route(dp, VRF_A, v4(0x0a010000), 16, 1);
	route(dp, VRF_A, v6s("fd01::"), 16, 1);
	route(dp, VRF_B, v4(0x0a020000), 16, 2);
	route(dp, VRF_B, v6s("2001:db8:b::"), 48, 2);
	struct {
		uint32_t vrf;
		struct gw_ip pfx;
		uint8_t plen;
		uint32_t dst;
	} routes[] = {
		{VRF_A, v4(0x0a020000), 16, VRF_B},
		{VRF_A, v6s("2001:db8:b::"), 48, VRF_B},
		{VRF_B, v4(0xc0000200), 24, VRF_A},
		{VRF_B, v6s("2001:db8:1::"), 48, VRF_A},
		{VRF_B, v6s("2001:db8:2:7700::"), 56, VRF_A},
		{VRF_B, v6s("2001:db8:3:4::"), 64, VRF_A},
	};
	for (unsigned i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		CHECK_EQ(gw_dp_peering_route_set(dp, routes[i].vrf, &routes[i].pfx, routes[i].plen, PEERING, routes[i].dst),
			 0);
	struct gw_ip a4 = v4(0x0a010000), a6 = v6s("fd01::"), b4 = v4(0x0a020000), b6 = v6s("2001:db8:b::");
	CHECK_EQ(gw_dp_peering_source_set(dp, VRF_A, PEERING, &a4, 24), 0);
	CHECK_EQ(gw_dp_peering_source_set(dp, VRF_A, PEERING, &a6, 16), 0);
	CHECK_EQ(gw_dp_peering_source_set(dp, VRF_B, PEERING, &b4, 16), 0);
	CHECK_EQ(gw_dp_peering_source_set(dp, VRF_B, PEERING, &b6, 48), 0);
	struct gw_ip i4 = v4(0x0a010000), o4 = v4(0xc0000200);
	CHECK_EQ(gw_dp_nat_static_set(dp, PEERING, VRF_A, &i4, 24, &o4, 24), 0);
	const char *six[][2] = {{"fd01:203:405::", "2001:db8:1::"}, {"fd01:203:406:600::", "2001:db8:2:7700::"},
				{"fd01:203:407::", "2001:db8:3:4::"}};
	uint8_t plens[] = {48, 56, 64};
	for (unsigned i = 0; i < 3; i++) {
		struct gw_ip in = v6s(six[i][0]), as = v6s(six[i][1]);
		CHECK_EQ(gw_dp_nat_static_set(dp, PEERING, VRF_A, &in, plens[i], &as, plens[i]), 0);
	}
	return dp;
}

static uint64_t now_ns; /* the packets' clock */

struct run {
	struct gw_dp *dp;
	struct gw_worker *w;
	struct gw_burst_out out;
};

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
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
}

/* One packet from VPC VRF src_vrf (as decapsulated) through ip input: the egress port and the L3 bytes that left,
 * or -1 and the drop reason. */
static int send1(struct run *r, uint32_t src_vrf, const struct pk *in, struct pk *got, unsigned *drop)
{
	bool six = (in->b[0] >> 4) == 6;
	struct gw_meta md = {.vrf = src_vrf, .vpc = src_vrf + 1};
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool());
	uint8_t *d = m ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + in->len)) : NULL;
	CHECK(d != NULL);
	if (!d)
		return -1;
	memset(d, 0, 14);
	d[0] = 2, d[5] = 1;
	put16(d + 12, six ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	memcpy(d + 14, in->b, in->len);
	struct gw_pkt p = {.m = m, .md = &md, .inp = gw_dp_port(r->dp, 0), .in_port = 0, .l3 = 14, .now = now_ns,
			   .etype = six ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4};
	uint64_t before[GW_DROP_MAX];
	memcpy(before, gw_worker_counters(r->w, 0)->drops, sizeof(before));
	memset(r->out.n, 0, sizeof(r->out.n));
	(six ? gw_ip6_input : gw_ip4_input)(r->w, &p, &r->out);
	int port = -1;
	memset(got, 0, sizeof(*got));
	for (unsigned i = 0; i < GW_MAX_PORTS; i++) {
		if (r->out.n[i] == 1) {
			port = (int)i;
			struct rte_mbuf *o = r->out.pkts[i][0];
			got->len = (uint16_t)(rte_pktmbuf_pkt_len(o) - 14);
			const void *d = rte_pktmbuf_read(o, 14, got->len, got->b);
			if (d != got->b)
				memcpy(got->b, d, got->len);
		}
		rte_pktmbuf_free_bulk(r->out.pkts[i], r->out.n[i]);
	}
	*drop = GW_DROP_MAX;
	for (unsigned i = 0; i < GW_DROP_MAX; i++)
		if (gw_worker_counters(r->w, 0)->drops[i] != before[i])
			*drop = i;
	return port;
}

static bool same(const struct pk *a, const struct pk *b)
{
	if (a->len == b->len && memcmp(a->b, b->b, a->len) == 0)
		return true;
	fprintf(stderr, "  packets differ (len %u vs %u):\n   ", a->len, b->len);
	for (unsigned i = 0; i < a->len || i < b->len; i++)
		if (i >= a->len || i >= b->len || a->b[i] != b->b[i])
			fprintf(stderr, " [%u] %02x/%02x", i, i < a->len ? a->b[i] : 0, i < b->len ? b->b[i] : 0);
	fprintf(stderr, "\n");
	return false;
}

/* IPv4 UDP and TCP both ways: A's source 10.1.0.5 leaves as 192.0.2.5 (host bits kept), B's answers to 192.0.2.5
 * reach 10.1.0.5; ports untouched; IP and L4 checksums as if computed anew (RFC 1624 incremental update). */
static void test_nat44_udp_tcp_both_ways(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk in, got, want;
	unsigned drop;
	const uint8_t *l4s[] = {UDP, TCP};
	uint16_t lens[] = {sizeof(UDP), sizeof(TCP)};
	uint8_t protos[] = {IPPROTO_UDP, IPPROTO_TCP};
	for (unsigned i = 0; i < 2; i++) {
		ip4(&in, 0x0a010005, 0x0a020009, protos[i], 64, l4s[i], lens[i]);
		ip4(&want, 0xc0000205, 0x0a020009, protos[i], 63, l4s[i], lens[i]);
		CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
		CHECK(same(&got, &want));
		ip4(&in, 0x0a020009, 0xc0000205, protos[i], 64, l4s[i], lens[i]);
		ip4(&want, 0x0a020009, 0x0a010005, protos[i], 63, l4s[i], lens[i]);
		CHECK_EQ(send1(&r, VRF_B, &in, &got, &drop), 1);
		CHECK(same(&got, &want));
	}
	/* a source of A outside the NATed ips is not translated (and not exposed: classify drops it) */
	ip4(&in, 0x0a010105, 0x0a020009, IPPROTO_UDP, 64, UDP, sizeof(UDP));
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), -1);
	CHECK_EQ(drop, GW_DROP_VPC_SOURCE_NOT_EXPOSED);
	CHECK_EQ(gw_dp_nat_static_translations(r.dp, PEERING), 4);
	run_end(&r);
}

/* RFC 768: a UDP checksum of zero means none was computed; it stays zero. */
static void test_nat44_udp_zero_checksum(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk in, got, want;
	unsigned drop;
	ip4(&in, 0x0a010005, 0x0a020009, IPPROTO_UDP, 64, UDP, sizeof(UDP));
	put16(in.b + 26, 0);
	fix_ip4(in.b);
	ip4(&want, 0xc0000205, 0x0a020009, IPPROTO_UDP, 63, UDP, sizeof(UDP));
	put16(want.b + 26, 0);
	fix_ip4(want.b);
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
	CHECK(same(&got, &want));
	run_end(&r);
}

/* ICMP echo both ways: the identifier is untouched (static NAT is 1:1), only the IP header changes. */
static void test_nat44_icmp_echo(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk in, got, want;
	unsigned drop;
	ip4(&in, 0x0a010005, 0x0a020009, IPPROTO_ICMP, 64, ECHO, sizeof(ECHO));
	ip4(&want, 0xc0000205, 0x0a020009, IPPROTO_ICMP, 63, ECHO, sizeof(ECHO));
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
	CHECK(same(&got, &want));
	uint8_t reply[sizeof(ECHO)];
	memcpy(reply, ECHO, sizeof(ECHO));
	reply[0] = 0;
	ip4(&in, 0x0a020009, 0xc0000205, IPPROTO_ICMP, 64, reply, sizeof(reply));
	ip4(&want, 0x0a020009, 0x0a010005, IPPROTO_ICMP, 63, reply, sizeof(reply));
	CHECK_EQ(send1(&r, VRF_B, &in, &got, &drop), 1);
	CHECK(same(&got, &want));
	run_end(&r);
}

/* Fragments: the first carries the UDP header, whose checksum covers the whole datagram (pseudo-header
 * included): it is updated for the new address; a later fragment has no L4 header: only its IP header changes. */
static void test_nat44_fragments(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk whole_in, whole_out, in, got, want;
	unsigned drop;
	uint8_t dgram[8 + 64];
	memcpy(dgram, UDP, 8);
	put16(dgram + 4, sizeof(dgram));
	for (unsigned i = 8; i < sizeof(dgram); i++)
		dgram[i] = (uint8_t)(i * 7);
	ip4(&whole_in, 0x0a010005, 0x0a020009, IPPROTO_UDP, 64, dgram, sizeof(dgram));
	ip4(&whole_out, 0xc0000205, 0x0a020009, IPPROTO_UDP, 63, dgram, sizeof(dgram));
	/* first fragment: 8 + 24 bytes of the datagram, MF */
	const uint16_t first = 32;
	for (int k = 0; k < 2; k++) {
		struct pk *w = k ? &want : &in, *src = k ? &whole_out : &whole_in;
		memcpy(w->b, src->b, 20 + first);
		w->len = 20 + first;
		put16(w->b + 2, w->len);
		put16(w->b + 6, RTE_IPV4_HDR_MF_FLAG);
		fix_ip4(w->b);
	}
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
	CHECK(same(&got, &want));
	/* the later fragment: offset 4 (32 bytes), the rest of the datagram */
	for (int k = 0; k < 2; k++) {
		struct pk *w = k ? &want : &in, *src = k ? &whole_out : &whole_in;
		memcpy(w->b, src->b, 20);
		memcpy(w->b + 20, src->b + 20 + first, sizeof(dgram) - first);
		w->len = (uint16_t)(20 + sizeof(dgram) - first);
		put16(w->b + 2, w->len);
		put16(w->b + 6, first / 8);
		fix_ip4(w->b);
	}
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
	CHECK(same(&got, &want));
	/* a later fragment whose payload happens to look like a TCP header: still only the IP header changes */
	ip4(&in, 0x0a020009, 0xc0000205, IPPROTO_TCP, 64, TCP, sizeof(TCP));
	put16(in.b + 6, 100);
	fix_ip4(in.b);
	memcpy(&want, &in, sizeof(in));
	uint32_t d = htonl(0x0a010005);
	memcpy(want.b + 16, &d, 4);
	want.b[8] = 63;
	fix_ip4(want.b);
	CHECK_EQ(send1(&r, VRF_B, &in, &got, &drop), 1);
	CHECK(same(&got, &want));
	/* a first TCP fragment too short to hold the checksum cannot be translated: a named drop */
	ip4(&in, 0x0a010005, 0x0a020009, IPPROTO_TCP, 64, TCP, 8);
	put16(in.b + 6, RTE_IPV4_HDR_MF_FLAG);
	fix_ip4(in.b);
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), -1);
	CHECK_EQ(drop, GW_DROP_NAT_L4_TRUNCATED);
	run_end(&r);
}

/* An ICMP error (port unreachable) with the packet it is about: icmp = the 8-byte ICMP header, then the
 * quoted packet q. */
static void icmp_error4(struct pk *k, uint32_t src, uint32_t dst, uint8_t ttl, const struct pk *q)
{
	uint8_t msg[8 + 64] = {3, 3};
	memcpy(msg + 8, q->b, q->len);
	ip4(k, src, dst, IPPROTO_ICMP, ttl, msg, (uint16_t)(8 + q->len));
}

/* RFC 5508 §4.2 (and RFC 5382/4787 for the embedded ports): an ICMP error about a NATed flow reaches the real
 * host with the outer and the embedded addresses mapped, the embedded IP and UDP checksums as that host sent
 * them and a valid ICMP checksum; both directions. */
static void test_nat44_icmp_error_embedded(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk q, in, got, want;
	unsigned drop;
	/* B's router 10.2.0.1 about A's datagram 192.0.2.5 -> 10.2.0.9, sent back to 192.0.2.5 */
	ip4(&q, 0xc0000205, 0x0a020009, IPPROTO_UDP, 63, UDP, sizeof(UDP));
	icmp_error4(&in, 0x0a020001, 0xc0000205, 64, &q);
	ip4(&q, 0x0a010005, 0x0a020009, IPPROTO_UDP, 63, UDP, sizeof(UDP));
	icmp_error4(&want, 0x0a020001, 0x0a010005, 63, &q);
	CHECK_EQ(send1(&r, VRF_B, &in, &got, &drop), 1);
	CHECK(same(&got, &want));
	/* A's host 10.1.0.5 about B's datagram 10.2.0.9 -> 10.1.0.5 (sent by B to 192.0.2.5) */
	ip4(&q, 0x0a020009, 0x0a010005, IPPROTO_UDP, 63, UDP, sizeof(UDP));
	icmp_error4(&in, 0x0a010005, 0x0a020009, 64, &q);
	ip4(&q, 0x0a020009, 0xc0000205, IPPROTO_UDP, 63, UDP, sizeof(UDP));
	icmp_error4(&want, 0xc0000205, 0x0a020009, 63, &q);
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
	CHECK(same(&got, &want));
	/* an error quoting something that is no IPv4 header is not forwarded half-translated */
	ip4(&q, 0xc0000205, 0x0a020009, IPPROTO_UDP, 63, UDP, sizeof(UDP));
	q.b[0] = 0x65;
	icmp_error4(&in, 0x0a020001, 0xc0000205, 64, &q);
	CHECK_EQ(send1(&r, VRF_B, &in, &got, &drop), -1);
	CHECK_EQ(drop, GW_DROP_NAT_ICMP_EMBEDDED_BAD);
	run_end(&r);
}

/* The gateway's own time-exceeded about a translated packet goes to the real host and quotes the packet as the
 * host sent it (RFC 5508 §4.2: else the host cannot match it to its flow): A's 10.1.0.5 gets it, quoting
 * 10.1.0.5 -> 10.2.0.9 with the original UDP checksum; B's 10.2.0.9 gets one quoting its 10.2.0.9 -> 192.0.2.5. */
static void test_nat44_gateway_time_exceeded(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk in, got, want;
	unsigned drop;
	ip4(&in, 0x0a010005, 0x0a020009, IPPROTO_UDP, 1, UDP, sizeof(UDP));
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 1);
	CHECK_EQ(got.b[20], 11);
	CHECK_EQ(get16(got.b + 16), 0x0a01);
	CHECK_EQ(get16(got.b + 18), 0x0005);
	CHECK_EQ(got.len, 20 + 8 + in.len);
	CHECK(memcmp(got.b + 28, in.b, in.len) == 0);
	CHECK_EQ(fold_not(raw(got.b + 20, got.len - 20u)), 0);

	ip4(&in, 0x0a020009, 0xc0000205, IPPROTO_UDP, 1, UDP, sizeof(UDP));
	CHECK_EQ(send1(&r, VRF_B, &in, &got, &drop), 2);
	CHECK_EQ(got.b[20], 11);
	CHECK(memcmp(got.b + 16, in.b + 12, 4) == 0);
	CHECK_EQ(got.len, 20 + 8 + in.len);
	CHECK(memcmp(got.b + 28, in.b, in.len) == 0);
	(void)want;
	run_end(&r);
}

/* ---- NPTv6 ---- */
static uint16_t sum16(const uint8_t *a, unsigned n)
{
	return (uint16_t)~fold_not(raw(a, n));
}

/* RFC 6296 §3.4 and its /48 example: fd01:203:405:1::1234 is mapped to 2001:db8:1:d550::1234 (the adjustment in
 * the subnet word, bits 48..63); the UDP checksum is untouched and still valid (checksum-neutral, §3.1), and the
 * answer to 2001:db8:1:d550::1234 reaches fd01:203:405:1::1234. */
static void test_nptv6_48(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk in, got, want;
	unsigned drop;
	ip6(&in, "fd01:203:405:1::1234", "2001:db8:b::9", IPPROTO_UDP, 64, UDP, sizeof(UDP));
	ip6(&want, "2001:db8:1:d550::1234", "2001:db8:b::9", IPPROTO_UDP, 63, UDP, sizeof(UDP));
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
	CHECK(same(&got, &want));
	CHECK(memcmp(got.b + 40, in.b + 40, sizeof(UDP)) == 0); /* L4 (checksum included) untouched */
	ip6(&in, "2001:db8:b::9", "2001:db8:1:d550::1234", IPPROTO_TCP, 64, TCP, sizeof(TCP));
	ip6(&want, "2001:db8:b::9", "fd01:203:405:1::1234", IPPROTO_TCP, 63, TCP, sizeof(TCP));
	CHECK_EQ(send1(&r, VRF_B, &in, &got, &drop), 1);
	CHECK(same(&got, &want));
	run_end(&r);
}

/* RFC 6296 §3.7: longer prefixes (/56, /64) take the adjustment in the interface identifier: its first word
 * that is not 0xFFFF. The prefix is replaced, every other bit kept, the address's one's complement sum (and so
 * every checksum) unchanged; the way back restores the address. */
static void test_nptv6_longer_prefixes(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk in, got, back, home;
	unsigned drop;
	const char *hosts[] = {"fd01:203:406:6a1:1:2:3:4", "fd01:203:407:0:ffff:2:3:4", "fd01:203:407:0:ffff:ffff:ffff:5"};
	const char *as[] = {"2001:db8:2:77a1::", "2001:db8:3:4::", "2001:db8:3:4::"};
	int adj_word[] = {4, 5, 7};
	for (unsigned i = 0; i < 3; i++) {
		ip6(&in, hosts[i], "2001:db8:b::9", IPPROTO_UDP, 64, UDP, sizeof(UDP));
		CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
		uint8_t want_pfx[16];
		inet_pton(AF_INET6, as[i], want_pfx);
		unsigned plen = i ? 64 : 56;
		CHECK(memcmp(got.b + 8, want_pfx, plen / 8) == 0);
		for (int wi = (int)(plen + 15) / 16; wi < 8; wi++) /* whole host words: all kept but the adjusted one */
			if (wi != adj_word[i])
				CHECK_EQ(get16(got.b + 8 + 2 * wi), get16(in.b + 8 + 2 * wi));
		CHECK(get16(got.b + 8 + 2 * adj_word[i]) != get16(in.b + 8 + 2 * adj_word[i]));
		if (i == 0)
			CHECK_EQ(got.b[15], in.b[15]); /* bits 56..63: host bits of a /56, kept */
		CHECK_EQ(sum16(got.b + 8, 16), sum16(in.b + 8, 16));
		CHECK(memcmp(got.b + 40, in.b + 40, sizeof(UDP)) == 0);
		CHECK_EQ(fold_not(raw(got.b + 8, 32) + htons(sizeof(UDP)) + htons(IPPROTO_UDP) + raw(got.b + 40, sizeof(UDP))), 0);
		char mapped[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, got.b + 8, mapped, sizeof(mapped));
		ip6(&back, "2001:db8:b::9", mapped, IPPROTO_UDP, 64, UDP, sizeof(UDP));
		CHECK_EQ(send1(&r, VRF_B, &back, &home, &drop), 1);
		CHECK(memcmp(home.b + 24, in.b + 8, 16) == 0);
	}
	run_end(&r);
}

/* RFC 6296 §3.5: 0xFFFF and 0x0000 are one number in one's complement, so an address whose adjustment word is
 * 0xFFFF (/48: the subnet word; longer: every IID word) has no unique image: dropped, counted by name. */
static void test_nptv6_untranslatable(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk in, got;
	unsigned drop;
	ip6(&in, "fd01:203:405:ffff::1", "2001:db8:b::9", IPPROTO_UDP, 64, UDP, sizeof(UDP));
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), -1);
	CHECK_EQ(drop, GW_DROP_NPTV6_UNTRANSLATABLE);
	ip6(&in, "fd01:203:407:0:ffff:ffff:ffff:ffff", "2001:db8:b::9", IPPROTO_UDP, 64, UDP, sizeof(UDP));
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), -1);
	CHECK_EQ(drop, GW_DROP_NPTV6_UNTRANSLATABLE);
	CHECK_EQ(gw_worker_counters(r.w, 0)->drops[GW_DROP_NPTV6_UNTRANSLATABLE], 2);
	run_end(&r);
}

/* An ICMPv6 error from B about A's packet: outer destination and the quoted source mapped back; the ICMPv6
 * checksum is left as it was and is still valid (both mappings are checksum-neutral). */
static void test_nptv6_icmp_error_embedded(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk q, in, got, want;
	unsigned drop;
	uint8_t msg[8 + 40 + sizeof(UDP)] = {1, 4};
	ip6(&q, "2001:db8:1:d550::1234", "2001:db8:b::9", IPPROTO_UDP, 63, UDP, sizeof(UDP));
	memcpy(msg + 8, q.b, q.len);
	ip6(&in, "2001:db8:b::1", "2001:db8:1:d550::1234", IPPROTO_ICMPV6, 64, msg, sizeof(msg));
	ip6(&q, "fd01:203:405:1::1234", "2001:db8:b::9", IPPROTO_UDP, 63, UDP, sizeof(UDP));
	memcpy(msg + 8, q.b, q.len);
	ip6(&want, "2001:db8:b::1", "fd01:203:405:1::1234", IPPROTO_ICMPV6, 63, msg, sizeof(msg));
	CHECK_EQ(send1(&r, VRF_B, &in, &got, &drop), 1);
	CHECK(same(&got, &want));
	CHECK_EQ(get16(got.b + 42), get16(in.b + 42)); /* ICMPv6 checksum untouched */
	run_end(&r);
}

/* The gateway's hop-limit-exceeded about a packet it mapped quotes the packet as A's host sent it. */
static void test_nptv6_gateway_time_exceeded(void)
{
	static struct run r;
	run_begin(&r);
	static struct pk in, got;
	unsigned drop;
	ip6(&in, "fd01:203:405:1::1234", "2001:db8:b::9", IPPROTO_UDP, 1, UDP, sizeof(UDP));
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 1);
	CHECK_EQ(got.b[40], 3);
	CHECK(memcmp(got.b + 24, in.b + 8, 16) == 0);
	CHECK_EQ(got.len, 40 + 8 + in.len);
	CHECK(memcmp(got.b + 48, in.b, in.len) == 0);
	run_end(&r);
}

/* The table's typed errors, replace, delete and a deleted VRF taking its entries along. */
static void test_nat_static_table_errors(void)
{
	static struct run r;
	run_begin(&r);
	struct gw_ip i4 = v4(0x0a030000), o4 = v4(0xc6336400), i6 = v6s("fd02::"), o6 = v6s("2001:db8:9::");
	CHECK_EQ(gw_dp_nat_static_set(r.dp, 0, VRF_A, &i4, 24, &o4, 24), -EINVAL);
	CHECK_EQ(gw_dp_nat_static_set(r.dp, 65536, VRF_A, &i4, 24, &o4, 24), -EINVAL);
	CHECK_EQ(gw_dp_nat_static_set(r.dp, 9, VRF_A, &i4, 24, &o4, 23), -EINVAL);
	CHECK_EQ(gw_dp_nat_static_set(r.dp, 9, VRF_A, &i4, 24, &o6, 24), -EINVAL);
	CHECK_EQ(gw_dp_nat_static_set(r.dp, 9, VRF_A, &i6, 120, &o6, 120), -EINVAL);
	CHECK_EQ(gw_dp_nat_static_set(r.dp, 9, 3, &i4, 24, &o4, 24), -ENOENT);
	CHECK_EQ(gw_dp_nat_static_set(r.dp, 9, VRF_A, &i4, 24, &o4, 24), 0);
	CHECK_EQ(gw_dp_nat_static_set(r.dp, 9, VRF_A, &i4, 24, &o4, 24), 0);
	CHECK_EQ(gw_dp_nat_static_set(r.dp, 9, VRF_A, &i6, 112, &o6, 112), 0);
	CHECK_EQ(gw_dp_nat_static_count(r.dp, 9), 2);
	CHECK_EQ(gw_dp_nat_static_del(r.dp, 9, VRF_A, &i4, 24), 0);
	CHECK_EQ(gw_dp_nat_static_del(r.dp, 9, VRF_A, &i4, 24), -ENOENT);
	CHECK_EQ(gw_dp_nat_static_count(r.dp, PEERING), 4);
	gw_dp_nat_static_vrf_gone(r.dp, VRF_A);
	CHECK_EQ(gw_dp_nat_static_count(r.dp, PEERING), 0);
	CHECK_EQ(gw_dp_nat_static_count(r.dp, 9), 0);
	run_end(&r);
}

/* ---- the writer republishing under a reader ---- */
static _Atomic bool churn_stop, churn_started;
static uint64_t churn_n, churn_bad;

/* 10.1.0.0/24 always maps to 192.0.2.0/24; 10.1.7.0/24 comes and goes, mapping to 198.51.100.0/24 or
 * 203.0.113.0/24: a reader (the worker's own snapshot read and rewrite) must see one of them, never a mix, and
 * never a freed snapshot (ASan). */
static void *nat_reader(void *arg)
{
	struct run *c = arg;
	gw_worker_online(c->w);
	atomic_store(&churn_started, true);
	uint8_t h[28];
	for (uint32_t x = 777; !atomic_load(&churn_stop);) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		bool stable = x & 1;
		struct pk k;
		ip4(&k, (stable ? 0x0a010000u : 0x0a010700u) | (x >> 24), 0x0a020009, IPPROTO_UDP, 64, UDP, 8);
		memcpy(h, k.b, sizeof(h));
		uint8_t done = 0;
		const struct nat_snap *sn = atomic_load_explicit(&gw_nat(c->dp)->snap[PEERING], memory_order_acquire);
		int rc = sn ? gw_nat44_static_xlate(sn, h, sizeof(h), (struct nat_look){VRF_A, NAT_IPS}, NAT_LOOK_NONE, true, &done)
			    : GW_DROP_MAX;
		uint32_t got = (uint32_t)h[12] << 16 | (uint32_t)h[13] << 8 | h[14];
		bool ok = rc == GW_DROP_MAX && h[15] == (uint8_t)(x >> 24) && fold_not(rte_raw_cksum(h, 20)) == 0;
		if (stable)
			ok = ok && got == 0xc00002 && done == GW_NAT_SRC;
		else
			ok = ok && (done ? got == 0xc63364 || got == 0xcb0071 : got == 0x0a0107);
		churn_bad += !ok;
		if ((++churn_n & 255) == 0)
			gw_worker_quiescent(c->w);
	}
	gw_worker_offline(c->w);
	return NULL;
}

static void test_nat_static_updates_under_readers(void)
{
	static struct run c;
	c.dp = setup();
	c.w = gw_worker_create(c.dp, 0);
	pthread_t t;
	pthread_create(&t, NULL, nat_reader, &c);
	while (!atomic_load(&churn_started))
		;
	int bad = 0;
	struct gw_ip in = v4(0x0a010700), as1 = v4(0xc6336400), as2 = v4(0xcb007100);
	for (unsigned op = 0; op < 3000; op++) {
		bad += gw_dp_nat_static_set(c.dp, PEERING, VRF_A, &in, 24, op & 2 ? &as1 : &as2, 24) != 0;
		if (op % 3 == 0)
			bad += gw_dp_nat_static_del(c.dp, PEERING, VRF_A, &in, 24) != 0;
	}
	atomic_store(&churn_stop, true);
	pthread_join(t, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(churn_bad, 0);
	CHECK(churn_n > 0);
	gw_worker_free(c.w);
	gw_dp_free(c.dp);
}

/* ---- fragments of stateful flows (nat_frag.c) ---- */

/* A FAKE napt for these tests only (on while fake_napt_on): it masquerades sources in 10.1.5.0/24 as 198.18.0.77
 * (session 42) in first fragments and whole packets, tells nat_frag about first fragments, and drops a later
 * fragment from 10.1.5.0/24 that nothing followed, as napt is to do. */
static bool fake_napt_on;
static bool fake_napt(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	(void)out;
	uint8_t *h = rte_pktmbuf_mtod_offset(p->m, uint8_t *, p->l3);
	bool six = (h[0] >> 4) == 6;
	uint8_t *src = h + (six ? 8 : 12), *dst = h + (six ? 24 : 16);
	bool inside = six ? src[0] == 0xfd && src[1] == 0x05 : src[0] == 10 && src[1] == 1 && src[2] == 5;
	if (!fake_napt_on || p->md->peering == 0 || !inside)
		return false;
	if (gw_nat_frag_is_later(p)) {
		gw_nat_frag_drop_unfollowed(w, p);
		return true;
	}
	uint8_t os[16], od[16];
	memcpy(os, src, six ? 16 : 4);
	memcpy(od, dst, six ? 16 : 4);
	if (six) {
		src[0] = 0x20, src[1] = 0x01, src[2] = 0x0d, src[3] = 0xb8, src[4] = 0x77;
	} else {
		uint32_t a = htonl(0xc612004d);
		memcpy(src, &a, 4);
		fix_ip4(h);
	}
	p->md->session = 42;
	gw_nat_frag_note(w, p, os, od);
	return false;
}

/* IPv4 fragment `off` (in 8-byte units) of a datagram with id from src, carrying 16 bytes; mf: more follow. */
static void frag4(struct pk *k, uint32_t src, uint16_t id, uint16_t off, bool mf)
{
	uint8_t pay[16];
	for (unsigned i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(off + i);
	ip4(k, src, 0x0a020009, IPPROTO_UDP, 64, UDP, sizeof(UDP));
	memcpy(k->b + 20, off ? pay : UDP, 16);
	put16(k->b + 4, id);
	put16(k->b + 6, (uint16_t)(off | (mf ? RTE_IPV4_HDR_MF_FLAG : 0)));
	fix_ip4(k->b);
}

/* Issue 13 (fragments of a NATed flow): the first fragment creates the translation (here the fake napt's), later
 * ones follow it by (VPC, source, destination, protocol, id), in any order after the first, with a valid IP
 * checksum and their payload untouched; a later fragment nothing followed (unknown id, ahead of its first
 * fragment, after the record aged out) is the named, counted drop nat_frag_no_state. IPv6 fragments likewise. */
static void test_nat_frag_follows_first(void)
{
	static struct run r;
	static bool added;
	if (!added)
		CHECK_EQ(gw_chain_add(GW_PRE_ROUTING, fake_napt), 0);
	added = true;
	fake_napt_on = true;
	run_begin(&r);
	struct gw_ip in4 = v4(0x0a010500), in6 = v6s("fd05::");
	CHECK_EQ(gw_dp_peering_source_set(r.dp, VRF_A, PEERING, &in4, 24), 0);
	CHECK_EQ(gw_dp_peering_source_set(r.dp, VRF_A, PEERING, &in6, 16), 0);
	static struct pk in, got, want;
	unsigned drop;
	now_ns = 1000;
	frag4(&in, 0x0a010505, 0x4242, 0, true);
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
	CHECK_EQ(get16(got.b + 12), 0xc612);
	/* the last fragment first, then a middle one: both follow */
	uint16_t offs[] = {4, 2};
	for (unsigned i = 0; i < 2; i++) {
		frag4(&in, 0x0a010505, 0x4242, offs[i], i == 1);
		memcpy(&want, &in, sizeof(in));
		uint32_t a = htonl(0xc612004d);
		memcpy(want.b + 12, &a, 4);
		want.b[8] = 63;
		fix_ip4(want.b);
		CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
		CHECK(same(&got, &want));
	}
	/* another datagram's later fragment, and one ahead of its first fragment */
	frag4(&in, 0x0a010505, 0x4343, 2, true);
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), -1);
	CHECK_EQ(drop, GW_DROP_NAT_FRAG_NO_STATE);
	/* the record ages out GW_NAT_FRAG_LIFETIME_NS after the last fragment seen */
	now_ns += GW_NAT_FRAG_LIFETIME_NS + 1;
	frag4(&in, 0x0a010505, 0x4242, 2, true);
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), -1);
	CHECK_EQ(drop, GW_DROP_NAT_FRAG_NO_STATE);
	CHECK_EQ(gw_worker_counters(r.w, 0)->drops[GW_DROP_NAT_FRAG_NO_STATE], 2);

	/* IPv6: fragment header right after the fixed header */
	uint8_t fh[8 + 16] = {IPPROTO_UDP, 0, 0, 1, 0, 0, 0x12, 0x34};
	memcpy(fh + 8, UDP, 16);
	ip6(&in, "fd05::9", "2001:db8:b::9", 44, 64, fh, sizeof(fh));
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
	fh[2] = 0, fh[3] = 2 << 3; /* offset 2, last */
	ip6(&in, "fd05::9", "2001:db8:b::9", 44, 64, fh, sizeof(fh));
	ip6(&want, "2001:db8:7700::9", "2001:db8:b::9", 44, 63, fh, sizeof(fh));
	CHECK_EQ(send1(&r, VRF_A, &in, &got, &drop), 2);
	CHECK(same(&got, &want));
	fake_napt_on = false;
	now_ns = 0;
	run_end(&r);
}

const struct gw_test gw_tests_nat_static[] = {
	{"nat44_udp_tcp_both_ways", test_nat44_udp_tcp_both_ways},
	{"nat44_udp_zero_checksum", test_nat44_udp_zero_checksum},
	{"nat44_icmp_echo", test_nat44_icmp_echo},
	{"nat44_fragments", test_nat44_fragments},
	{"nat44_icmp_error_embedded", test_nat44_icmp_error_embedded},
	{"nat44_gateway_time_exceeded", test_nat44_gateway_time_exceeded},
	{"nptv6_48", test_nptv6_48},
	{"nptv6_longer_prefixes", test_nptv6_longer_prefixes},
	{"nptv6_untranslatable", test_nptv6_untranslatable},
	{"nptv6_icmp_error_embedded", test_nptv6_icmp_error_embedded},
	{"nptv6_gateway_time_exceeded", test_nptv6_gateway_time_exceeded},
	{"nat_static_table_errors", test_nat_static_table_errors},
	{"nat_static_updates_under_readers", test_nat_static_updates_under_readers},
	{"nat_frag_follows_first", test_nat_frag_follows_first},
	{NULL, NULL},
};
