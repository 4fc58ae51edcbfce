/* SPDX-License-Identifier: Apache-2.0 */
/* Overlay ceiling on one core (issue 11): VXLAN decap + VPC classify + route in the destination VPC + encap, next
 * to plain IPv4 forwarding, in the same run, through the same pipeline, on net_ring loopback ports:
 *   100 VPCs (VRF i, VNI 1000 + i), 100 routes each (10k VPC routes: 10.i.j.0/24, j < 100, via tunnels to 4 leaf
 *   VTEPs of the VPC); each VPC peers with the next 4 (a peering route for the peer's 10.d.0.0/16, the own /16 as
 *   source); our VTEP 192.0.2.1; the leaves' VTEPs routed in VRF 0 over one nexthop.
 *   plain: 10k /24 routes in VRF 0 over 8 groups of 4-way ECMP, random destinations among them.
 * Per traffic kind, three loops interleaved, medians: io (bare rx -> tx), gen (io + the generator rewriting each
 * packet: for the overlay a new source VPC, peer, inner source/destination, outer headers back to our VTEP) and
 * pipe (gen + gw_pipeline_process); pipeline cycles/packet = pipe - gen. The figure of merit is the ratio
 * overlay / plain of pipeline cycles (target <= 1.5). Every packet must come back (a drop stops the bench).
 * Output: text, or one JSON object with --json. Never a timed test. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "bench_util.h"
#include "gw_dp.h"
#include "vpc/gw_vpc.h"
#include "vxlan/gw_vxlan.h"

#define N_VPC 100
#define ROUTES_PER_VPC 100
#define LEAVES 4
#define PEERS 4
#define N_PLAIN (N_VPC * ROUTES_PER_VPC)
#define IN_FLIGHT 512
#define BURST 32
#define N_FLOWS 65536
#define VTEP 0xc0000201u        /* 192.0.2.1 */
#define LEAF_NET 0xc6336000u    /* 198.51.96.0/20: leaf l of VPC i is 198.51.(96 + l).i */
#define INNER_LEN 46            /* inner IPv4 + UDP + 18 bytes */
#define OUTER 50                /* outer Ethernet + IPv4 + UDP + VXLAN */

static const struct rte_ether_addr GW_MAC = {{2, 0, 0, 0, 0, 1}}, RMAC = {{2, 0xaa, 0, 0, 0, 1}};
static struct gw_dp *dp;
static struct gw_worker *w;

/* Precomputed traffic so the generator step stays small and alike for every packet. */
static struct flow {
	uint32_t vni, outer_src, inner_src, inner_dst; /* host order */
} *flows;
static uint32_t *plain_dst;

static uint32_t peer_of(uint32_t s, uint32_t k) { return (s - 1 + k) % N_VPC + 1; } /* k = 1..PEERS */
static uint32_t peering_id(uint32_t a, uint32_t b) { return a < b ? a * 128 + b : b * 128 + a; }

static void must(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "setup: %s: %d\n", what, rc);
		exit(1);
	}
}

static struct gw_ip v4(uint32_t a) { return (struct gw_ip){.family = AF_INET, .v4 = htonl(a)}; }

static void setup_tables(uint16_t ring_vx, uint16_t ring_plain)
{
	struct gw_port_conf c = {.mac = GW_MAC, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true};
	must(gw_dp_port_set(dp, ring_vx, &c), "port");
	must(gw_dp_port_set(dp, ring_plain, &c), "port");
	struct gw_route local = {.type = GW_ROUTE_LOCAL};
	struct gw_ip vtep = v4(VTEP);
	must(gw_dp_route_add(dp, 0, &vtep, 32, &local), "vtep route");
	struct gw_vtep vt = {.ip = htonl(VTEP), .mac = RMAC};
	must(gw_dp_vtep_set(dp, &vt), "vtep");
	/* underlay: nexthop 1 towards the leaves, nexthops 2..9 for plain traffic, each with a resolved gateway */
	for (uint32_t id = 1; id <= 9; id++) {
		struct gw_nexthop nh = {.port = id == 1 ? ring_vx : ring_plain, .gw = v4(0x0a010000u + id)};
		must(gw_dp_nexthop_set(dp, id, &nh), "nexthop");
		must(gw_dp_neigh_set(dp, nh.port, &nh.gw, &(struct rte_ether_addr){{2, 0, 0, 0, 1, (uint8_t)id}}), "neigh");
	}
	uint32_t one = 1;
	must(gw_dp_group_set(dp, 1, &one, NULL, 1), "group");
	struct gw_route via1 = {.type = GW_ROUTE_UNICAST, .group_id = 1};
	struct gw_ip leaves = v4(LEAF_NET);
	must(gw_dp_route_add(dp, 0, &leaves, 20, &via1), "leaf route");
	for (uint32_t g = 2; g <= 9; g++) {
		uint32_t ids[4];
		for (uint32_t k = 0; k < 4; k++)
			ids[k] = 2 + (g + k) % 8;
		must(gw_dp_group_set(dp, g, ids, NULL, 4), "plain group");
	}
	for (uint32_t i = 0; i < N_PLAIN; i++) {
		struct gw_ip p = v4(0x14000000u | i << 8); /* 20.x.y.0/24 */
		struct gw_route r = {.type = GW_ROUTE_UNICAST, .group_id = 2 + i % 8};
		must(gw_dp_route_add(dp, 0, &p, 24, &r), "plain route");
	}
	/* VPCs: VRF, VNI, a tunnel (nexthop 100 + 4i + l) and a group per leaf, routes, peerings */
	for (uint32_t i = 1; i <= N_VPC; i++) {
		must(gw_dp_vrf_add(dp, i), "vrf");
		must(gw_dp_vni_set(dp, 1000 + i, i), "vni");
		for (uint32_t l = 0; l < LEAVES; l++) {
			uint32_t id = 100 + LEAVES * i + l;
			struct gw_tunnel t = {.vni = 1000 + i, .vtep = htonl(LEAF_NET + (l << 8) + i),
					      .mac = {{2, 0xbb, 0, 0, (uint8_t)l, (uint8_t)i}}};
			must(gw_dp_tunnel_set(dp, id, &t), "tunnel");
			must(gw_dp_group_set(dp, id, &id, NULL, 1), "tunnel group");
		}
		for (uint32_t j = 0; j < ROUTES_PER_VPC; j++) {
			struct gw_ip p = v4(0x0a000000u | i << 16 | j << 8);
			struct gw_route r = {.type = GW_ROUTE_UNICAST, .group_id = 100 + LEAVES * i + j % LEAVES};
			must(gw_dp_route_add(dp, i, &p, 24, &r), "vpc route");
		}
	}
	for (uint32_t s = 1; s <= N_VPC; s++)
		for (uint32_t k = 1; k <= PEERS; k++) {
			uint32_t d = peer_of(s, k), pid = peering_id(s, d);
			struct gw_ip dp16 = v4(0x0a000000u | d << 16), sp16 = v4(0x0a000000u | s << 16);
			must(gw_dp_peering_route_set(dp, s, &dp16, 16, pid, d), "peering route");
			must(gw_dp_peering_source_set(dp, s, pid, &sp16, 16), "peering source");
			/* the reverse direction, as the peer's own side of the peering */
			must(gw_dp_peering_route_set(dp, d, &sp16, 16, pid, s), "peering route back");
			must(gw_dp_peering_source_set(dp, d, pid, &dp16, 16), "peering source back");
		}
}

static void make_traffic(void)
{
	flows = malloc(sizeof(*flows) * N_FLOWS);
	plain_dst = malloc(sizeof(*plain_dst) * N_FLOWS);
	if (!flows || !plain_dst)
		exit(1);
	for (uint32_t f = 0; f < N_FLOWS; f++) {
		uint32_t s = 1 + (uint32_t)(rnd() % N_VPC), d = peer_of(s, 1 + (uint32_t)(rnd() % PEERS));
		flows[f] = (struct flow){
			.vni = 1000 + s,
			.outer_src = LEAF_NET + (uint32_t)(rnd() % LEAVES << 8) + s,
			.inner_src = 0x0a000000u | s << 16 | (uint32_t)(rnd() % ROUTES_PER_VPC) << 8 | (1 + (uint32_t)(rnd() % 250)),
			.inner_dst = 0x0a000000u | d << 16 | (uint32_t)(rnd() % ROUTES_PER_VPC) << 8 | (1 + (uint32_t)(rnd() % 250)),
		};
		plain_dst[f] = 0x14000000u | (uint32_t)(rnd() % N_PLAIN) << 8 | (1 + (uint32_t)(rnd() % 250));
	}
}

enum traffic { T_PLAIN, T_OVERLAY };
enum mode { M_IO, M_GEN, M_PIPE };

/* Turns whatever the pipeline sent last pass back into a packet for us: plain: a new destination, TTL 64;
 * overlay: a leaf's VXLAN packet of a new flow to our VTEP (outer and inner headers, both checksums). */
static inline void gen(struct rte_mbuf *m, enum traffic t, uint32_t k)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eh->dst_addr = GW_MAC;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	if (t == T_PLAIN) {
		ip->dst_addr = htonl(plain_dst[k % N_FLOWS]);
		ip->time_to_live = 64;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		return;
	}
	const struct flow *f = &flows[k % N_FLOWS];
	ip->src_addr = htonl(f->outer_src);
	ip->dst_addr = htonl(VTEP);
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uint8_t *vx = (uint8_t *)(ip + 1) + sizeof(struct rte_udp_hdr);
	uint32_t word = htonl(f->vni << 8);
	memcpy(vx + 4, &word, 4);
	struct rte_ether_hdr *ie = (struct rte_ether_hdr *)(vx + 8);
	ie->dst_addr = RMAC;
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(ie + 1);
	in->src_addr = htonl(f->inner_src);
	in->dst_addr = htonl(f->inner_dst);
	in->time_to_live = 64;
	in->hdr_checksum = 0;
	in->hdr_checksum = rte_ipv4_cksum(in);
}

static void fill(uint16_t port, struct rte_mempool *mp, enum traffic t)
{
	for (uint32_t i = 0; i < IN_FLIGHT; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint16_t len = (uint16_t)(14 + INNER_LEN + (t == T_OVERLAY ? OUTER : 0));
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, len);
		memset(d, 0, len);
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
		eh->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 2}};
		eh->ether_type = htons(RTE_ETHER_TYPE_IPV4);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		if (t == T_OVERLAY) {
			*ip = (struct rte_ipv4_hdr){.version_ihl = 0x45, .total_length = htons(len - 14),
						    .next_proto_id = IPPROTO_UDP};
			struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
			*u = (struct rte_udp_hdr){.src_port = htons((uint16_t)(49152 + i)), .dst_port = htons(4789),
						  .dgram_len = htons(len - 14 - 20)};
			uint8_t *vx = (uint8_t *)(u + 1);
			vx[0] = 0x08;
			struct rte_ether_hdr *ie = (struct rte_ether_hdr *)(vx + 8);
			ie->ether_type = htons(RTE_ETHER_TYPE_IPV4);
			ip = (struct rte_ipv4_hdr *)(ie + 1);
		}
		*ip = (struct rte_ipv4_hdr){.version_ihl = 0x45, .total_length = htons(INNER_LEN),
					    .next_proto_id = IPPROTO_UDP, .src_addr = htonl(0x0a000000u + i)};
		uint16_t ports[4] = {htons((uint16_t)(1024 + i)), htons(53), htons(INNER_LEN - 20), 0};
		memcpy(ip + 1, ports, 8);
		gen(m, t, (uint32_t)rnd());
		if (rte_eth_tx_burst(port, 0, &m, 1) != 1) {
			fprintf(stderr, "ring full\n");
			exit(1);
		}
	}
}

/* One loop for `secs` of CPU time: cycles per packet. */
static double run(uint16_t port, enum mode mode, enum traffic t, double secs)
{
	struct rte_mbuf *pkts[BURST];
	static struct gw_burst_out out;
	uint64_t n = 0, end = cpu_cycles() + (uint64_t)(secs * (double)rte_get_tsc_hz()), t0 = cpu_cycles(), now;
	uint32_t k = (uint32_t)rnd();
	while ((now = cpu_cycles()) < end) {
		for (int it = 0; it < 64; it++) {
			uint16_t got = rte_eth_rx_burst(port, 0, pkts, BURST);
			struct rte_mbuf **tx = pkts;
			uint16_t ntx = got;
			if (mode != M_IO)
				for (uint16_t i = 0; i < got; i++)
					gen(pkts[i], t, k++);
			if (mode == M_PIPE) {
				out.n[port] = 0;
				gw_pipeline_process(w, port, pkts, got, 0, &out);
				tx = out.pkts[port];
				ntx = out.n[port];
			}
			uint16_t s = rte_eth_tx_burst(port, 0, tx, ntx);
			rte_pktmbuf_free_bulk(tx + s, ntx - s);
			n += got;
		}
		gw_worker_quiescent(w);
	}
	return (double)(now - t0) / (double)n;
}

/* The classify decision alone (what the stage does after its counters), over the same flows: cycles per call. */
static double classify_only(double secs)
{
	uint64_t n = 0, t0 = cpu_cycles(), end = t0 + (uint64_t)(secs * (double)rte_get_tsc_hz()), now, admitted = 0;
	uint32_t k = 0;
	while ((now = cpu_cycles()) < end)
		for (int i = 0; i < 4096; i++, k++) {
			const struct flow *f = &flows[k % N_FLOWS];
			struct gw_ip src = v4(f->inner_src), dst = v4(f->inner_dst);
			uint32_t peering, vrf;
			admitted += gw_dp_vpc_classify(dp, f->vni - 1000, &src, &dst, &peering, &vrf) == GW_DROP_MAX;
			n++;
		}
	if (admitted != n)
		fprintf(stderr, "classify_only: %" PRIu64 " of %" PRIu64 " admitted\n", admitted, n);
	return (double)(now - t0) / (double)n;
}

static uint64_t drops_of(uint16_t port, char *why, size_t len)
{
	uint64_t total = 0;
	const struct gw_port_counters *c = gw_worker_counters(w, port);
	why[0] = 0;
	for (unsigned r = 0; r < GW_DROP_MAX; r++)
		if (c->drops[r]) {
			total += c->drops[r];
			snprintf(why + strlen(why), len - strlen(why), "%s%s=%" PRIu64, why[0] ? "," : "",
				 gw_drop_reason_name(r), c->drops[r]);
		}
	return total;
}

int main(int argc, char **argv)
{
	struct bench_args args = bench_init(argc, argv, "--profile", "1024"); /* --profile: only the overlay pipe loop */
	bool json = args.json;
	double secs = args.secs;
	/* small per-VRF tries: 10k /24s in 40 /16s (plain) and 100 /24s in one /16 (a VPC) */
	struct gw_dp_params p = {.max_vrfs = N_VPC + 1, .max_routes4 = N_PLAIN + 64, .max_routes6 = 16,
				 .max_nexthops = 1024, .max_groups = 1024, .max_neighbors = 64, .n_workers = 1,
				 .trie_groups4 = 96, .trie_groups6 = 16};
	dp = gw_dp_create(&p);
	struct rte_mempool *mp = rte_pktmbuf_pool_create("overlay", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!dp || !mp) {
		fprintf(stderr, "no memory\n");
		return 1;
	}
	uint16_t pvx = ring_start("net_ring_gwov0", mp), ppl = ring_start("net_ring_gwov1", mp);
	setup_tables(pvx, ppl);
	make_traffic();
	w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	fill(pvx, mp, T_OVERLAY);
	fill(ppl, mp, T_PLAIN);

	if (args.flag) {
		printf("overlay pipe: %.1f cycles/packet\n", run(pvx, M_PIPE, T_OVERLAY, secs));
		return 0;
	}
	enum { REPS = 7 };
	double cyc[2][3][REPS], med[2][3];
	for (int rep = 0; rep < REPS; rep++)
		for (int t = 0; t < 2; t++)
			for (int m = 0; m < 3; m++)
				cyc[t][m][rep] = run(t ? pvx : ppl, (enum mode)m, (enum traffic)t, secs / REPS);
	for (int t = 0; t < 2; t++)
		for (int m = 0; m < 3; m++)
			med[t][m] = median(cyc[t][m], REPS);
	double cls[REPS];
	for (int rep = 0; rep < REPS; rep++)
		cls[rep] = classify_only(secs / REPS / 3);
	double classify = median(cls, REPS);
	char why[512];
	uint64_t drops = drops_of(pvx, why, sizeof(why)) + drops_of(ppl, why + strlen(why), sizeof(why) - strlen(why));
	double plain = med[0][2] - med[0][1], overlay = med[1][2] - med[1][1];
	struct gw_vpc_counters vc;
	uint64_t classified = 0;
	for (uint32_t i = 1; i <= N_VPC; i++)
		if (gw_dp_vpc_counters(dp, i, &vc) == 0)
			classified += vc.rx_packets;
	if (json) {
		printf("{\"bench\":\"overlay-ceiling\",\"tsc_hz\":%" PRIu64 ",\"vpcs\":%u,\"vpc_routes\":%u,\"plain_routes\":%u,"
		       "\"peerings_per_vpc\":%u,",
		       rte_get_tsc_hz(), N_VPC, N_VPC * ROUTES_PER_VPC, N_PLAIN, PEERS * 2);
		for (int t = 0; t < 2; t++)
			printf("\"%s\":{\"io_cycles\":%.1f,\"gen_cycles\":%.1f,\"pipe_cycles\":%.1f,\"pipeline_cycles\":%.1f},",
			       t ? "overlay" : "plain_ipv4", med[t][0], med[t][1], med[t][2], med[t][2] - med[t][1]);
		printf("\"classify_decision_cycles\":%.1f,\"overlay_over_plain\":%.2f,\"classified_packets\":%" PRIu64
		       ",\"drops\":%" PRIu64 "}\n",
		       classify, overlay / plain, classified, drops);
	} else {
		printf("plain IPv4 (%u routes, VRF 0): io %.1f, gen %.1f, pipe %.1f -> pipeline %.1f cycles/packet\n", N_PLAIN,
		       med[0][0], med[0][1], med[0][2], plain);
		printf("overlay (decap + classify + VPC route + encap; %u VPCs, %u VPC routes): io %.1f, gen %.1f, pipe %.1f "
		       "-> pipeline %.1f cycles/packet\n",
		       N_VPC, N_VPC * ROUTES_PER_VPC, med[1][0], med[1][1], med[1][2], overlay);
		printf("classify decision alone (gw_dp_vpc_classify over the same flows): %.1f cycles\n", classify);
		printf("overlay / plain: %.2fx (target <= 1.5); %" PRIu64 " packets classified, %" PRIu64 " drops%s%s\n",
		       overlay / plain, classified, drops, drops ? ": " : "", why);
	}
	gw_worker_offline(w);
	return drops ? 1 : 0;
}
