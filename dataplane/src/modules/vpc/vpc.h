/* SPDX-License-Identifier: Apache-2.0 */
/* vpc module: classify of decapsulated packets by peering (source VPC, inner source, inner destination →
 * destination VPC), per-VPC and per-peering counters. Uses ip (VRFs exist, its pre/post-routing chains).
 *
 * Readers see one immutable snapshot per source VRF, rebuilt by the writer on every change of that VRF's
 * entries and swapped with a release store; the old one is freed after a QSBR grace period. A snapshot holds
 * the peering routes expanded into sorted disjoint ranges (longest match already resolved: one binary search
 * per packet, no trie memory reserved up front, which matters with a hundred VPCs of a few exposes each), the
 * distinct (peering, dstVrf) targets, and per target the merged source ranges of its peering. */
#ifndef GW_VPC_H
#define GW_VPC_H

#include "gw_vpc.h"
#include "ip/ip.h"

struct vpc_r4 {
	uint32_t lo;  /* first address of the range (host order); the range ends where the next one starts */
	uint32_t val; /* target index + 1; 0 = no peering route */
};
struct vpc_r6 {
	gw_u128 lo;
	uint32_t val;
};
struct vpc_s4 {
	uint32_t lo, hi;
};
struct vpc_s6 {
	gw_u128 lo, hi;
};
struct vpc_target {
	uint32_t peering, dst_vrf;
	uint32_t s4, n_s4, s6, n_s6; /* the peering's source ranges: s4[s4 .. s4 + n_s4) of the snapshot */
};
struct vpc_snap {
	uint32_t n4, n6, n_tgt;
	const struct vpc_r4 *r4; /* r4[0].lo == 0 when n4 > 0 (same for r6) */
	const struct vpc_r6 *r6;
	const struct vpc_target *tgt;
	const struct vpc_s4 *s4;
	const struct vpc_s6 *s6;
};

/* Per worker, indexed by VRF and by peering id; the control thread sums them. */
struct vpc_vrf_cnt {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t drops[GW_VPC_N_DROPS];
};
struct vpc_peer_cnt {
	uint64_t packets, bytes;
};
struct vpc_wcnt {
	struct vpc_vrf_cnt *vrf;   /* [max_vrfs] */
	struct vpc_peer_cnt *peer; /* [GW_VPC_MAX_PEERING + 1] */
};

struct vpc_wvrf; /* the writer's entries of one VRF (peering_table.c) */
struct vpc_tables {
	const struct vpc_snap *_Atomic *snap; /* [max_vrfs] */
	struct vpc_wvrf **w;                  /* [max_vrfs], control thread only */
	struct vpc_wcnt cnt[GW_MAX_WORKERS];
};

static inline struct vpc_tables *gw_vpc(const struct gw_dp *dp) { return dp->mod[GW_MOD_vpc]; }

static inline const struct vpc_snap *vpc_snap_get(const struct gw_dp *dp, uint32_t vrf)
{
	return atomic_load_explicit(&gw_vpc(dp)->snap[vrf], memory_order_acquire);
}

/* The last of n > 0 entries sorted by .lo whose lo <= a, given base[0].lo <= a: a branch-free binary search. */
#define VPC_LAST_LE(T, base, count, a)                                                                              \
	({                                                                                                         \
		const T *b_ = (base);                                                                             \
		uint32_t n_ = (count);                                                                             \
		while (n_ > 1) {                                                                                   \
			uint32_t h_ = n_ / 2;                                                                      \
			b_ = b_[h_].lo <= (a) ? b_ + h_ : b_;                                                      \
			n_ -= h_;                                                                                  \
		}                                                                                                  \
		b_;                                                                                                \
	})

/* Target of the longest peering route covering the destination (0 = none); r[0].lo is 0, so a range holds it. */
static inline uint32_t vpc_find(const struct vpc_snap *s, bool v6, uint32_t a4, gw_u128 a6)
{
	if (v6)
		return s->n6 ? VPC_LAST_LE(struct vpc_r6, s->r6, s->n6, a6)->val : 0;
	return s->n4 ? VPC_LAST_LE(struct vpc_r4, s->r4, s->n4, a4)->val : 0;
}

/* Whether the source lies in one of the target peering's merged source ranges. */
static inline bool vpc_src_ok(const struct vpc_snap *s, const struct vpc_target *t, bool v6, uint32_t a4, gw_u128 a6)
{
	if (v6) {
		const struct vpc_s6 *b = s->s6 + t->s6;
		return t->n_s6 && a6 >= b->lo && a6 <= VPC_LAST_LE(struct vpc_s6, b, t->n_s6, a6)->hi;
	}
	const struct vpc_s4 *b = s->s4 + t->s4;
	return t->n_s4 && a4 >= b->lo && a4 <= VPC_LAST_LE(struct vpc_s4, b, t->n_s4, a4)->hi;
}

static inline gw_u128 vpc_u128_be(const uint8_t *b)
{
	uint64_t hi, lo;
	memcpy(&hi, b, 8);
	memcpy(&lo, b + 8, 8);
	return ((gw_u128)rte_be_to_cpu_64(hi) << 64) | rte_be_to_cpu_64(lo);
}

/* The decision for one packet of a source VRF: GW_DROP_MAX (allowed) and the target, or the drop reason. */
static inline int vpc_decide(const struct vpc_snap *s, bool v6, uint32_t src4, uint32_t dst4, const uint8_t *src6,
			     const uint8_t *dst6, const struct vpc_target **out)
{
	if (unlikely(s == NULL))
		return GW_DROP_VPC_NO_PEERING;
	uint32_t t = vpc_find(s, v6, dst4, v6 ? vpc_u128_be(dst6) : 0);
	if (t == 0)
		return GW_DROP_VPC_NO_PEERING;
	const struct vpc_target *tg = &s->tgt[t - 1];
	if (!vpc_src_ok(s, tg, v6, src4, v6 ? vpc_u128_be(src6) : 0))
		return GW_DROP_VPC_SOURCE_NOT_EXPOSED;
	*out = tg;
	return GW_DROP_MAX;
}

/* stages (vpc_classify.c) */
bool gw_vpc_classify(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
bool gw_vpc_count_out(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
void gw_vpc_predict_vrf(struct gw_worker *w, struct gw_meta *const *md, const uint8_t *const *l3, bool *drop,
			uint16_t n);

#endif
