/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the VPC classify tables (modules/vpc): the input is a sequence of peeringRoutes /
 * peeringSources writes through the gw_dp_* calls the addon makes, interleaved with lookups and packets of
 * decapsulated traffic (md->vpc set) through ip input and the classify stage. A reference model kept here says
 * what every call must answer; after each operation the fuzzer checks:
 *  - the return code is the model's (-EINVAL, -ENOENT, 0) and the per-VRF counts are the model's;
 *  - the decision (gw_dp_vpc_classify, what a worker reads) at the first and last address of a random entry and
 *    just outside them equals the brute-force one: the longest covering peering route of the source VRF and
 *    family gives (peering, dstVrf), admitted only when a source of that peering covers the source address;
 *  - a packet's classify verdict (drop reason counted, the trace's dst_vrf/peering) is the model's;
 *  - QSBR: while a simulated reader holds a VRF's snapshot (worker online, not quiescent), its content does not
 *    change, whatever is written meanwhile;
 *  - teardown returns every byte of the DPDK heap and every mbuf.
 * Each input gets a fresh dp, so a crash reproduces from its input alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "fuzz_heap.h"
#include "vpc/vpc.h"

#define N_VRFS 4  /* VRFs 0..2 exist, 3 does not */
#define MAX_E 40  /* model entries per VRF and kind */


static struct rte_mempool *mp;
static struct gw_dp *dp;
static struct gw_worker *w;
static struct gw_trace last;

struct ent {
	bool v6;
	gw_u128 lo, hi;
	uint8_t plen;
	uint32_t peering, dst;
};
static struct {
	struct ent r[N_VRFS][MAX_E], s[N_VRFS][MAX_E];
	unsigned nr[N_VRFS], ns[N_VRFS];
} M;

/* ---- input ---- */
static const uint8_t *in_d;
static size_t in_n, in_i;
static uint8_t u8(void) { return in_i < in_n ? in_d[in_i++] : 0; }

/* Addresses from few bits, so prefixes nest, touch and repeat. */
static gw_u128 addr(bool v6)
{
	uint8_t a = u8(), b = u8();
	if (!v6)
		return (gw_u128)((uint32_t)(a & 0xf0) << 24 | (uint32_t)(a & 0x0f) << 16 | (uint32_t)b << 8 | (b & 3));
	return (gw_u128)0x20010db8u << 96 | (gw_u128)(a & 0xf0) << 88 | (gw_u128)(a & 0x0f) << 64 | (gw_u128)b << 56 |
	       (b & 3);
}

static uint8_t plen_of(bool v6, uint8_t x)
{
	static const uint8_t p4[] = {0, 1, 4, 8, 12, 16, 20, 24, 28, 30, 31, 32, 33};
	static const uint8_t p6[] = {0, 1, 16, 32, 36, 40, 44, 48, 56, 64, 72, 127, 128, 129};
	return v6 ? p6[x % sizeof(p6)] : p4[x % sizeof(p4)];
}

static gw_u128 mask(bool v6, gw_u128 a, uint8_t plen)
{
	unsigned w_ = v6 ? 128 : 32;
	if (plen == 0)
		return 0;
	gw_u128 m = plen >= w_ ? ~(gw_u128)0 : ~(~(gw_u128)0 >> plen);
	if (!v6)
		m >>= 96;
	return a & m;
}

static struct gw_ip ip_of(bool v6, gw_u128 a)
{
	struct gw_ip ip = {.family = v6 ? AF_INET6 : AF_INET};
	if (!v6) {
		ip.v4 = htonl((uint32_t)a);
		return ip;
	}
	for (int i = 15; i >= 0; i--, a >>= 8)
		ip.v6[i] = (uint8_t)a;
	return ip;
}

/* ---- the model's decision ---- */
static int model_decide(uint32_t vrf, bool v6, gw_u128 src, gw_u128 dst, uint32_t *peering, uint32_t *dvrf)
{
	const struct ent *best = NULL;
	for (unsigned i = 0; i < M.nr[vrf]; i++) {
		const struct ent *e = &M.r[vrf][i];
		if (e->v6 == v6 && e->lo <= dst && dst <= e->hi && (!best || e->plen > best->plen))
			best = e;
	}
	if (!best)
		return GW_DROP_VPC_NO_PEERING;
	for (unsigned i = 0; i < M.ns[vrf]; i++) {
		const struct ent *e = &M.s[vrf][i];
		if (e->v6 == v6 && e->peering == best->peering && e->lo <= src && src <= e->hi) {
			*peering = best->peering;
			*dvrf = best->dst;
			return GW_DROP_MAX;
		}
	}
	return GW_DROP_VPC_SOURCE_NOT_EXPOSED;
}

static void check_decision(uint32_t vrf, bool v6, gw_u128 src, gw_u128 dst)
{
	uint32_t mp_ = 0, mv = 0, p = 0, v = 0;
	int want = model_decide(vrf, v6, src, dst, &mp_, &mv);
	struct gw_ip s = ip_of(v6, src), d = ip_of(v6, dst);
	int got = gw_dp_vpc_classify(dp, vrf, &s, &d, &p, &v);
	EXPECT(got == want && p == mp_ && v == mv, "vrf %u v6 %d: got %d (%u, %u), model %d (%u, %u)", vrf, v6, got, p,
	       v, want, mp_, mv);
}

/* ---- packets ---- */
static void on_trace(void *ctx, const struct gw_trace *t)
{
	(void)ctx;
	last = *t;
}

static void packet(uint32_t vrf, bool v6, gw_u128 src, gw_u128 dst)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint16_t l3len = v6 ? 48 : 28;
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + l3len));
	memset(f, 0, 14u + l3len);
	struct gw_ip s = ip_of(v6, src), d = ip_of(v6, dst);
	if (v6) {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)(f + 14);
		h->vtc_flow = htonl(6u << 28);
		h->payload_len = htons(8);
		h->proto = IPPROTO_UDP;
		h->hop_limits = 64;
		memcpy(h->src_addr, s.v6, 16);
		memcpy(h->dst_addr, d.v6, 16);
	} else {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)(f + 14);
		*h = (struct rte_ipv4_hdr){.version_ihl = 0x45, .total_length = htons(l3len), .time_to_live = 64,
					   .next_proto_id = IPPROTO_UDP, .src_addr = s.v4, .dst_addr = d.v4};
		h->hdr_checksum = rte_ipv4_cksum(h);
	}
	struct gw_meta md = {.vrf = vrf, .vpc = vrf + 1};
	struct gw_pkt p = {.m = m, .md = &md, .inp = gw_dp_port(dp, 0), .l3 = 14,
			   .etype = v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4};
	static struct gw_burst_out out;
	memset(out.n, 0, sizeof(out.n));
	memset(&last, 0, sizeof(last));
	w->tr = (struct gw_trace){.drop = GW_DROP_MAX, .out_port = GW_PORT_NONE, .decision = GW_DEC_DROP};
	(v6 ? gw_ip6_input : gw_ip4_input)(w, &p, &out);
	w->trace_fn(w->trace_ctx, &w->tr);
	for (unsigned i = 0; i < GW_MAX_PORTS; i++)
		rte_pktmbuf_free_bulk(out.pkts[i], out.n[i]);
	/* martian or multicast inner addresses never reach classify: ip input decides first */
	if (!(last.stages & (1u << GW_STAGE_VPC_CLASSIFY)))
		return;
	uint32_t mpeer = 0, mv = 0;
	int want = model_decide(vrf, v6, src, dst, &mpeer, &mv);
	EXPECT(last.vpc == vrf + 1, "trace vpc %u", last.vpc);
	if (want == GW_DROP_MAX)
		EXPECT(last.peering == mpeer && last.dst_vrf == mv, "admitted: trace (%u, %u), model (%u, %u)",
		       last.peering, last.dst_vrf, mpeer, mv);
	else
		EXPECT(last.drop == (enum gw_drop_reason)want && last.peering == 0, "drop %d, model %d", last.drop, want);
}

/* ---- the simulated reader ---- */
static struct {
	bool on;
	uint32_t vrf;
	const struct vpc_snap *s;
	uint64_t sum;
} H;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211ull;
	return h;
}

static uint64_t snap_sum(const struct vpc_snap *s)
{
	if (!s)
		return 0;
	uint64_t h = fnv(1469598103934665603ull, s, sizeof(*s));
	h = fnv(h, s->r4, s->n4 * sizeof(*s->r4));
	h = fnv(h, s->r6, s->n6 * sizeof(*s->r6));
	h = fnv(h, s->tgt, s->n_tgt * sizeof(*s->tgt));
	for (uint32_t t = 0; t < s->n_tgt; t++) {
		h = fnv(h, s->s4 + s->tgt[t].s4, s->tgt[t].n_s4 * sizeof(*s->s4));
		h = fnv(h, s->s6 + s->tgt[t].s6, s->tgt[t].n_s6 * sizeof(*s->s6));
	}
	return h;
}

static void hold_end(void)
{
	if (!H.on)
		return;
	EXPECT(snap_sum(H.s) == H.sum, "the snapshot of VRF %u changed before the reader's grace period ended", H.vrf);
	gw_worker_quiescent(w);
	gw_worker_offline(w);
	H.on = false;
}

static void hold_begin(uint32_t vrf)
{
	hold_end();
	gw_worker_online(w);
	H = (typeof(H)){.on = true, .vrf = vrf, .s = vpc_snap_get(dp, vrf)};
	H.sum = snap_sum(H.s);
}

/* ---- writes ---- */
static bool same_key(const struct ent *e, const struct ent *k, bool by_peering)
{
	return e->v6 == k->v6 && e->lo == k->lo && e->plen == k->plen && (!by_peering || e->peering == k->peering);
}

static void write_op(bool sources, bool del)
{
	uint32_t vrf = u8() % N_VRFS;
	uint8_t x = u8();
	bool v6 = x & 1;
	struct ent k = {.v6 = v6, .plen = plen_of(v6, x >> 1)};
	gw_u128 a = addr(v6);
	k.peering = u8() % 5; /* 0 is invalid */
	k.dst = u8() % N_VRFS;
	bool bad_plen = k.plen > (v6 ? 128 : 32);
	k.lo = bad_plen ? 0 : mask(v6, a, k.plen);
	unsigned host = (v6 ? 128u : 32u) - k.plen;
	k.hi = bad_plen ? 0 : host == 128 ? ~(gw_u128)0 : k.lo + (((gw_u128)1 << host) - 1);
	struct gw_ip ip = ip_of(v6, a); /* host bits set: the API clears them */
	struct ent *list = sources ? M.s[vrf] : M.r[vrf];
	unsigned *n = sources ? &M.ns[vrf] : &M.nr[vrf];
	unsigned i = 0;
	while (i < *n && !same_key(&list[i], &k, sources))
		i++;
	int want, got;
	if (del) {
		want = bad_plen ? -EINVAL : i < *n ? 0 : -ENOENT;
		got = sources ? gw_dp_peering_source_del(dp, vrf, k.peering, &ip, k.plen)
			      : gw_dp_peering_route_del(dp, vrf, &ip, k.plen);
		if (want == 0)
			list[i] = list[--*n];
	} else {
		bool vrf_missing = vrf == 3 || (!sources && k.dst == 3);
		want = bad_plen || k.peering == 0 ? -EINVAL : vrf_missing ? -ENOENT : 0;
		if (want == 0 && i == *n && *n == MAX_E)
			return; /* the model is full: skip (the dp's own limit is far beyond) */
		got = sources ? gw_dp_peering_source_set(dp, vrf, k.peering, &ip, k.plen)
			      : gw_dp_peering_route_set(dp, vrf, &ip, k.plen, k.peering, k.dst);
		if (want == 0) {
			if (i == *n)
				(*n)++;
			list[i] = k;
		}
	}
	EXPECT(got == want, "%s %s vrf %u plen %u peering %u dst %u: %d, model %d", sources ? "source" : "route",
	       del ? "del" : "set", vrf, k.plen, k.peering, k.dst, got, want);
	EXPECT(gw_dp_peering_route_count(dp, vrf) == M.nr[vrf] && gw_dp_peering_source_count(dp, vrf) == M.ns[vrf],
	       "counts of VRF %u", vrf);
}

/* Probes at the edges of a random entry of a VRF (and just outside), with a source from another entry. */
static void probe(bool with_packet)
{
	uint32_t vrf = u8() % 3;
	uint8_t x = u8();
	bool v6 = x & 1;
	gw_u128 max = v6 ? ~(gw_u128)0 : 0xffffffffu;
	gw_u128 d[4] = {addr(v6), 0, 0, 0}, s = addr(v6);
	unsigned nr = M.nr[vrf], ns = M.ns[vrf];
	if (nr) {
		const struct ent *e = &M.r[vrf][u8() % nr];
		if (e->v6 == v6) {
			d[1] = e->lo, d[2] = e->hi;
			d[3] = (x & 2) ? (e->lo ? e->lo - 1 : 0) : (e->hi < max ? e->hi + 1 : e->hi);
		}
	}
	if (ns) {
		const struct ent *e = &M.s[vrf][u8() % ns];
		if (e->v6 == v6)
			s = (x & 4) ? e->lo : (x & 8) ? e->hi : (e->lo ? e->lo - 1 : e->hi + (e->hi < max));
	}
	for (unsigned i = 0; i < 4; i++) {
		check_decision(vrf, v6, s, d[i]);
		if (with_packet)
			packet(vrf, v6, s, d[i]);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mp = fuzz_eal_init("fuzz_vpc", 63);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	in_d = data, in_n = size, in_i = 0;
	memset(&M, 0, sizeof(M));
	memset(&H, 0, sizeof(H));
	step = 0;
	size_t heap0 = fuzz_heap_in_use();
	struct gw_dp_params p = {.max_vrfs = N_VRFS, .max_routes4 = 16, .max_routes6 = 16, .max_nexthops = 4,
				 .max_groups = 4, .max_neighbors = 16, .n_workers = 1};
	dp = gw_dp_create(&p);
	w = dp ? gw_worker_create(dp, 0) : NULL;
	if (!dp || !w)
		abort();
	gw_dp_vrf_add(dp, 1);
	gw_dp_vrf_add(dp, 2);
	struct gw_port_conf c = {.mac = {{2, 0, 0, 0, 0, 1}}, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true};
	gw_dp_port_set(dp, 0, &c);
	gw_worker_set_trace(w, on_trace, NULL);
	while (in_i < in_n) {
		step++;
		uint8_t op = u8() % 8;
		switch (op) {
		case 0: case 1: case 2: case 3:
			write_op(op & 1, op & 2);
			break;
		case 4: probe(false); break;
		case 5: probe(true); break;
		case 6: hold_begin(u8() % N_VRFS); break;
		default: hold_end(); break;
		}
	}
	hold_end();
	for (uint32_t v = 0; v < N_VRFS; v++)
		for (int fam = 0; fam < 2; fam++)
			check_decision(v, fam, 0, 0);
	gw_worker_free(w);
	gw_dp_free(dp);
	EXPECT(fuzz_heap_in_use() == heap0, "DPDK heap: %zu bytes before, %zu after", heap0, fuzz_heap_in_use());
	EXPECT(rte_mempool_in_use_count(mp) == 0, "mbufs left: %u", rte_mempool_in_use_count(mp));
	return 0;
}
