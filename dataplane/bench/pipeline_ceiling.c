/* SPDX-License-Identifier: Apache-2.0 */
/* Pipeline ceiling on one core: a net_ring loopback port (rx and tx share a ring, so packets circulate) with
 * 1M IPv4 + 100k IPv6 routes. Three loops on the same port in the same run, interleaved, medians:
 *   io   - bare rx_burst -> tx_burst (the baseline)
 *   gen  - io + the traffic generator step: each packet gets a new random destination (from the route set),
 *          TTL 64, fresh IPv4 checksum, our MAC as destination (the pipeline rewrote it on the last pass)
 *   pipe - gen + gw_pipeline_process (eth, ip4/ip6 input, LPM, ECMP, TTL, MTU, neighbor rewrite)
 * pipeline cycles/packet = pipe - gen. Also route insert rates (bulk 1M, and churn in the full table).
 * Output: text, or one JSON object with --json. Never a timed test: figures are ratios within this run. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "bench_util.h"
#include "gw_dp.h"

#define N4 1000000u
#define N6 100000u
#define IN_FLIGHT 512
#define BURST 32
#define N_NH 64
#define N_GROUPS 16

static const struct rte_ether_addr GW_MAC = {{2, 0, 0, 0, 0, 1}};
static struct gw_dp *dp;
static struct gw_worker *w;
static uint32_t *pfx4;       /* installed IPv4 prefixes (host order) and their lengths */
static uint8_t *len4;
static unsigned n_pfx4;
static uint32_t *dst4;       /* random destinations inside installed prefixes (host order) */
static uint8_t (*dst6)[16];
static uint32_t dst_mask = ~0u; /* --hot: every packet to one destination (tables in cache) */

/* Prefix lengths roughly like a full table: 58% /24, 38% /17-/23, 2% /16 and shorter, 2% longer than /24. */
static uint8_t plen4(void)
{
	unsigned r = (unsigned)(rnd() % 1000);
	return r < 580 ? 24 : r < 960 ? (uint8_t)(17 + rnd() % 7) : r < 975 ? 16 : r < 980 ? (uint8_t)(8 + rnd() % 8)
								      : (uint8_t)(25 + rnd() % 6);
}

static double install_routes4(void)
{
	struct gw_route r = {.type = GW_ROUTE_UNICAST};
	double t0 = now_s();
	unsigned ok = 0;
	for (unsigned i = 0; gw_dp_route_count(dp, 0, AF_INET) < N4; i = (i + 1) % N4) {
		uint8_t l = plen4();
		uint32_t a = (uint32_t)rnd() & (l ? ~0u << (32 - l) : 0);
		if ((a >> 24) == 0 || (a >> 28) >= 0xe || (a >> 24) == 127)
			a ^= 0x40000000u; /* keep to unicast space */
		struct gw_ip p = {.family = AF_INET, .v4 = htonl(a)};
		r.group_id = 1 + i % 8;
		if (gw_dp_route_add(dp, 0, &p, l, &r) == 0) {
			ok++;
			pfx4[n_pfx4 % N4] = a;
			len4[n_pfx4++ % N4] = l;
		}
		dst4[i] = a | ((uint32_t)rnd() & (l == 32 ? 0 : (~0u >> l)));
	}
	double dt = now_s() - t0;
	return ok / dt;
}

static double install_routes6(void)
{
	struct gw_route r = {.type = GW_ROUTE_UNICAST};
	double t0 = now_s();
	unsigned ok = 0;
	for (unsigned i = 0; i < N6; i++) {
		/* /48s (and some /56, /64) inside 256 provider /32s, as address plans look */
		struct gw_ip p = {.family = AF_INET6, .v6 = {0x20, 0x01, 0x0d, (uint8_t)(rnd() % 256)}};
		uint8_t l = (uint8_t)(rnd() % 10 < 8 ? 48 : rnd() % 2 ? 56 : 64);
		for (int k = 4; k < l / 8; k++)
			p.v6[k] = (uint8_t)rnd();
		r.group_id = 9 + i % 8;
		if (gw_dp_route_add(dp, 0, &p, l, &r) == 0)
			ok++;
		memcpy(dst6[i], p.v6, 16);
		for (int k = l / 8; k < 16; k++)
			dst6[i][k] = (uint8_t)rnd();
	}
	double dt = now_s() - t0;
	if (ok < N6 * 99 / 100) {
		fprintf(stderr, "only %u of %u IPv6 routes installed\n", ok, N6);
		exit(1);
	}
	return ok / dt;
}

/* Delete + re-add 100k random /24s in the full table (incremental updates, as BGP churn). */
static double churn4(void)
{
	struct gw_route r = {.type = GW_ROUTE_UNICAST, .group_id = 1};
	double t0 = now_s();
	for (unsigned i = 0; i < 100000; i++) {
		struct gw_ip p = {.family = AF_INET, .v4 = htonl((dst4[rnd() % N4] & 0xffffff00u))};
		gw_dp_route_del(dp, 0, &p, 24);
		gw_dp_route_add(dp, 0, &p, 24, &r);
	}
	return 200000 / (now_s() - t0);
}

enum mode { M_IO, M_GEN, M_PIPE };
static double run(uint16_t port, enum mode mode, bool v6, double secs, double *mpps);

/* Route programming while traffic flows: a second thread (the table writer) re-points every IPv4 route to
 * another ECMP group while this thread forwards; a replace is atomic, so no packet may be dropped and none
 * may leave the loop (the ring must still hold every packet afterwards). */
static volatile bool writer_done;
static double writer_rate, writer_rate_cpu;

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *replace_all(void *arg)
{
	(void)arg;
	struct gw_route r = {.type = GW_ROUTE_UNICAST};
	double t0 = now_s(), c0 = thread_cpu_s();
	for (unsigned i = 0; i < n_pfx4 && i < N4; i++) {
		struct gw_ip p = {.family = AF_INET, .v4 = htonl(pfx4[i])};
		r.group_id = 1 + (i + 3) % 8;
		gw_dp_route_add(dp, 0, &p, len4[i], &r);
	}
	writer_rate = (n_pfx4 < N4 ? n_pfx4 : N4) / (now_s() - t0);
	writer_rate_cpu = (n_pfx4 < N4 ? n_pfx4 : N4) / (thread_cpu_s() - c0);
	writer_done = true;
	return NULL;
}

struct under_traffic {
	double routes_per_s, routes_per_cpu_s, mpps_before, mpps_during;
	uint64_t drops;
	unsigned in_flight_after;
};

static uint64_t total_drops(uint16_t port)
{
	uint64_t d = 0;
	const struct gw_port_counters *c = gw_worker_counters(w, port);
	for (int r = 0; r < GW_DROP_MAX; r++)
		d += c->drops[r];
	return d;
}

static struct under_traffic program_under_traffic(uint16_t p4)
{
	struct under_traffic u = {0};
	const struct gw_port_counters *c = gw_worker_counters(w, p4);
	/* Mpps by wall clock before and during: the writer takes CPU from the same machine */
	uint64_t rx0 = c->rx_packets;
	double tb = now_s();
	while (now_s() - tb < 1.0) {
		double m;
		run(p4, M_PIPE, false, 0.01, &m);
	}
	u.mpps_before = (double)(c->rx_packets - rx0) / (now_s() - tb) / 1e6;
	uint64_t d0 = total_drops(p4);
	rx0 = c->rx_packets;
	pthread_t t;
	pthread_create(&t, NULL, replace_all, NULL);
	cpu_set_t all;
	CPU_ZERO(&all);
	for (int cpu = 0; cpu < CPU_SETSIZE && cpu < 64; cpu++)
		CPU_SET(cpu, &all);
	pthread_setaffinity_np(t, sizeof(all), &all); /* EAL pinned us; the writer may use any core */
	double t0 = now_s();
	while (!writer_done) {
		double m;
		run(p4, M_PIPE, false, 0.01, &m);
	}
	double dt = now_s() - t0;
	pthread_join(t, NULL);
	u.routes_per_s = writer_rate;
	u.routes_per_cpu_s = writer_rate_cpu;
	u.mpps_during = (double)(c->rx_packets - rx0) / dt / 1e6;
	u.drops = total_drops(p4) - d0;
	struct rte_eth_stats st;
	rte_eth_stats_get(p4, &st);
	/* packets still circulating: drain the ring once and put everything back */
	struct rte_mbuf *pk[BURST];
	unsigned n = 0;
	uint16_t got;
	struct rte_mbuf *all_pk[IN_FLIGHT + BURST];
	while ((got = rte_eth_rx_burst(p4, 0, pk, BURST)) > 0 && n + got <= IN_FLIGHT + BURST) {
		memcpy(all_pk + n, pk, got * sizeof(pk[0]));
		n += got;
	}
	u.in_flight_after = n;
	rte_eth_tx_burst(p4, 0, all_pk, (uint16_t)n);
	return u;
}

static inline void gen(struct rte_mbuf *m, bool v6, uint32_t *k)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eh->dst_addr = GW_MAC;
	if (!v6) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		ip->dst_addr = htonl(dst4[(*k & dst_mask) % N4]);
		ip->time_to_live = 64;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);
		memcpy(ip->dst_addr, dst6[(*k & dst_mask) % N6], 16);
		ip->hop_limits = 64;
	}
	(*k)++;
}

/* Runs one loop for `secs` of CPU time; returns cycles per packet. */
static double run(uint16_t port, enum mode mode, bool v6, double secs, double *mpps)
{
	struct rte_mbuf *pkts[BURST];
	static struct gw_burst_out out;
	uint64_t n = 0, hz = rte_get_tsc_hz(), t0 = cpu_cycles(), end = t0 + (uint64_t)(secs * (double)hz);
	uint32_t k = (uint32_t)rnd();
	uint64_t t;
	while ((t = cpu_cycles()) < end) {
		for (int it = 0; it < 64; it++) {
			uint16_t got = rte_eth_rx_burst(port, 0, pkts, BURST);
			if (mode == M_IO) {
				uint16_t s = rte_eth_tx_burst(port, 0, pkts, got);
				rte_pktmbuf_free_bulk(pkts + s, got - s);
			} else {
				for (uint16_t i = 0; i < got; i++)
					gen(pkts[i], v6, &k);
				if (mode == M_GEN) {
					uint16_t s = rte_eth_tx_burst(port, 0, pkts, got);
					rte_pktmbuf_free_bulk(pkts + s, got - s);
				} else {
					out.n[port] = 0;
					gw_pipeline_process(w, port, pkts, got, 0, &out);
					uint16_t s = rte_eth_tx_burst(port, 0, out.pkts[port], out.n[port]);
					rte_pktmbuf_free_bulk(out.pkts[port] + s, out.n[port] - s);
				}
			}
			n += got;
		}
		gw_worker_quiescent(w);
	}
	double cyc = (double)(t - t0);
	*mpps = (double)n / (cyc / (double)hz) / 1e6;
	return cyc / (double)n;
}

static uint16_t ring_port(const char *name, struct rte_mempool *mp, bool v6)
{
	uint16_t port = ring_start(name, mp);
	/* fill the loop with packets (UDP, 64-byte frames) */
	for (unsigned i = 0; i < IN_FLIGHT; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, v6 ? 78 : 60);
		memset(d, 0, v6 ? 78 : 60);
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
		eh->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 2}};
		eh->ether_type = htons(v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
		if (!v6) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
			ip->version_ihl = 0x45;
			ip->total_length = htons(46);
			ip->next_proto_id = IPPROTO_UDP;
			ip->src_addr = htonl(0x0a000000u + i);
			uint16_t ports[2] = {htons((uint16_t)(1024 + i)), htons(53)};
			memcpy(ip + 1, ports, 4);
		} else {
			struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);
			ip->vtc_flow = htonl(6u << 28);
			ip->payload_len = htons(24);
			ip->proto = IPPROTO_UDP;
			ip->src_addr[0] = 0x20;
			ip->src_addr[15] = (uint8_t)i;
		}
		uint32_t k = i;
		gen(m, v6, &k);
		if (rte_eth_tx_burst(port, 0, &m, 1) != 1) {
			fprintf(stderr, "%s: ring full\n", name);
			exit(1);
		}
	}
	struct gw_port_conf c = {.mac = GW_MAC, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true};
	gw_dp_port_set(dp, port, &c);
	return port;
}

int main(int argc, char **argv)
{
	struct bench_args args = bench_init(argc, argv, "--hot", "2048"); /* --hot: every packet to one destination */
	bool json = args.json;
	double secs = args.secs;
	if (args.flag)
		dst_mask = 0;
	struct gw_dp_params p = {.max_vrfs = 1, .max_routes4 = N4 + 16, .max_routes6 = N6 + 16, .max_nexthops = N_NH,
				 .max_groups = N_GROUPS, .max_neighbors = 1024, .n_workers = 1, .socket_id = 0,
				 .trie_groups4 = 80000, .trie_groups6 = 120000};
	dp = gw_dp_create(&p);
	dst4 = malloc(sizeof(*dst4) * N4);
	pfx4 = malloc(sizeof(*pfx4) * N4);
	len4 = malloc(N4);
	dst6 = malloc(sizeof(*dst6) * N6);
	struct rte_mempool *mp = rte_pktmbuf_pool_create("bench", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!dp || !dst4 || !dst6 || !mp || !pfx4 || !len4) {
		fprintf(stderr, "no memory (tables need ~1.5 GB)\n");
		return 1;
	}
	uint16_t p4 = ring_port("net_ring_gwpl4", mp, false), p6 = ring_port("net_ring_gwpl6", mp, true);
	for (uint32_t i = 1; i <= N_NH; i++) {
		struct gw_nexthop nh = {.port = (uint16_t)(i % 2 ? p4 : p6)};
		nh.gw.family = i % 2 ? AF_INET : AF_INET6;
		if (i % 2)
			nh.gw.v4 = htonl(0x0a010000u + i);
		else
			memcpy(nh.gw.v6, (uint8_t[16]){0xfe, 0x80, [15] = (uint8_t)i}, 16);
		gw_dp_nexthop_set(dp, i, &nh);
		struct rte_ether_addr mac = {{2, 0, 0, 0, 1, (uint8_t)i}};
		gw_dp_neigh_set(dp, nh.port, &nh.gw, &mac);
	}
	/* groups 1..8: 4-way ECMP over v4-port nexthops (odd ids); groups 9..16 over v6-port ones (even ids),
	 * so each loop's packets come back to its own ring */
	for (uint32_t g = 1; g <= N_GROUPS; g++) {
		uint32_t base = 8 * ((g - 1) % 8), par = g <= 8 ? 1 : 2, ids[4];
		for (uint32_t k = 0; k < 4; k++)
			ids[k] = base + 2 * k + par;
		gw_dp_group_set(dp, g, ids, NULL, 4);
	}
	w = gw_worker_create(dp, 0);
	double r4 = install_routes4(), r6 = install_routes6(), rc = churn4();
	gw_worker_online(w);

	enum { REPS = 5 };
	double cyc[2][3][REPS], mp_[2][3][REPS];
	for (int rep = 0; rep < REPS; rep++)
		for (int v = 0; v < 2; v++)
			for (int m = 0; m < 3; m++)
				cyc[v][m][rep] = run(v ? p6 : p4, (enum mode)m, v, secs / REPS, &mp_[v][m][rep]);
	double med[2][3], mpps[2][3];
	for (int v = 0; v < 2; v++)
		for (int m = 0; m < 3; m++) {
			med[v][m] = median(cyc[v][m], REPS);
			mpps[v][m] = median(mp_[v][m], REPS);
		}
	struct under_traffic u = program_under_traffic(p4);
	const struct gw_port_counters *c4 = gw_worker_counters(w, p4), *c6 = gw_worker_counters(w, p6);
	uint64_t drops = 0;
	for (int r = 0; r < GW_DROP_MAX; r++)
		drops += c4->drops[r] + c6->drops[r];
	if (json) {
		printf("{\"bench\":\"pipeline-ceiling\",\"tsc_hz\":%" PRIu64 ",\"routes4\":%u,\"routes6\":%u,"
		       "\"insert4_routes_per_s\":%.0f,\"insert6_routes_per_s\":%.0f,\"churn4_ops_per_s\":%.0f,",
		       rte_get_tsc_hz(), gw_dp_route_count(dp, 0, AF_INET), gw_dp_route_count(dp, 0, AF_INET6), r4, r6, rc);
		for (int v = 0; v < 2; v++)
			printf("\"%s\":{\"io_cycles\":%.1f,\"gen_cycles\":%.1f,\"pipe_cycles\":%.1f,\"pipeline_cycles\":%.1f,"
			       "\"io_mpps\":%.2f,\"pipe_mpps\":%.2f,\"pipe_over_io_cycles\":%.2f}%s",
			       v ? "ipv6" : "ipv4", med[v][0], med[v][1], med[v][2], med[v][2] - med[v][1], mpps[v][0],
			       mpps[v][2], med[v][2] / med[v][0], v ? "," : ",");
		printf("\"under_traffic\":{\"replace4_routes_per_s\":%.0f,\"replace4_routes_per_cpu_s\":%.0f,\"mpps_before\":%.2f,\"mpps_during\":%.2f,"
		       "\"drops\":%" PRIu64 ",\"in_flight_before\":%u,\"in_flight_after\":%u},",
		       u.routes_per_s, u.routes_per_cpu_s, u.mpps_before, u.mpps_during, u.drops, IN_FLIGHT, u.in_flight_after);
		printf("\"pipeline_drops\":%" PRIu64 "}\n", drops);
	} else {
		printf("routes: %u IPv4 inserted at %.0f/s, %u IPv6 at %.0f/s; churn (del+add /24) %.0f ops/s\n",
		       gw_dp_route_count(dp, 0, AF_INET), r4, gw_dp_route_count(dp, 0, AF_INET6), r6, rc);
		for (int v = 0; v < 2; v++)
			printf("%s: io %.1f cyc/pkt (%.1f Mpps), gen %.1f, io+gen+pipeline %.1f (%.1f Mpps) -> pipeline %.1f "
			       "cyc/pkt, %.2fx the bare loop\n",
			       v ? "ipv6" : "ipv4", med[v][0], mpps[v][0], med[v][1], med[v][2], mpps[v][2], med[v][2] - med[v][1],
			       med[v][2] / med[v][0]);
		printf("while forwarding IPv4: %.0f route replaces/s (%.0f per writer CPU-second), %.2f Mpps before, "
		       "%.2f Mpps during (wall clock), %" PRIu64 " drops, %u of %u packets still in the loop\n",
		       u.routes_per_s, u.routes_per_cpu_s, u.mpps_before, u.mpps_during, u.drops, u.in_flight_after, IN_FLIGHT);
		printf("pipeline drops: %" PRIu64 "\n", drops);
	}
	gw_worker_offline(w);
	return 0;
}
