/* SPDX-License-Identifier: Apache-2.0 */
/* FIB lookups for the whole burst before any packet is processed (the core's burst_prepare hook), level by
 * level: each level's loads for all packets are issued (prefetched) before the first of them is used, so the
 * cache/TLB misses of random destinations overlap instead of adding up. Untagged IPv4/IPv6 only (others look up
 * in their stage); results land in the packet's metadata and are only used once the stage has validated the
 * header, and only for the VRF (and IPv4 destination) they were made for. Each packet is looked up in its own
 * metadata VRF (the ingress port's).
 * Then the tunnel packets among them (outer destination local, a registered inner peek says it will decapsulate):
 * their inner IPv4 destination is looked up the same way, in the VRF the pre-routing filters predict (the
 * destination VPC), replacing the outer result (the outer lookup of a local VTEP address is a hot one), and the
 * ECMP group and its first member are prefetched for the forward stage. */
#include "ip.h"

struct walk {
	const uint32_t *slot[GW_BURST_MAX];
	const uint8_t *a6[GW_BURST_MAX];
	const uint32_t *grp[GW_BURST_MAX]; /* the trie groups of the packet's VRF and family */
	uint32_t a4[GW_BURST_MAX];
	uint8_t used[GW_BURST_MAX];
	uint16_t pend[GW_BURST_MAX];
};

static inline void start4(struct walk *k, const struct gw_vrf *v, struct gw_meta *md, uint16_t i, uint32_t vrf,
			  uint32_t a)
{
	k->a4[i] = a;
	k->used[i] = v->t4.s0;
	k->slot[i] = &v->t4.tbl0[a >> (32 - k->used[i])];
	k->grp[i] = v->t4.groups;
	md->fib_family = 4;
	md->fib_vrf = vrf;
	md->fib_dst = a;
	rte_prefetch0(k->slot[i]);
}

/* Follows the np pending packets' trie links level by level until each reached its leaf (md[i].fib_rv). */
static void walk(struct walk *k, struct gw_meta *md, uint16_t np)
{
	while (np) {
		uint16_t nn = 0;
		for (uint16_t j = 0; j < np; j++) {
			uint16_t i = k->pend[j];
			uint32_t e = __atomic_load_n(k->slot[i], __ATOMIC_ACQUIRE);
			if (likely(!(e & 1))) {
				md[i].fib_rv = e >> 1;
				continue;
			}
			if (md[i].fib_family == 4) {
				k->used[i] += 8;
				k->slot[i] = &k->grp[i][(size_t)(e >> 1) * 256 + ((k->a4[i] >> (32 - k->used[i])) & 0xff)];
			} else {
				k->slot[i] = &k->grp[i][(size_t)(e >> 1) * 256 + k->a6[i][k->used[i]++]];
			}
			rte_prefetch0(k->slot[i]);
			k->pend[nn++] = i;
		}
		np = nn;
	}
}

/* The inner lookups of the burst's tunnel packets, then a prefetch of what their forward stage reads next. */
static void inner_batch(struct gw_worker *w, struct walk *k, struct rte_mbuf **pkts, struct gw_meta *md, uint16_t n)
{
	struct gw_meta in[GW_BURST_MAX];
	struct gw_meta *inp[GW_BURST_MAX];
	const uint8_t *h[GW_BURST_MAX];
	bool drop[GW_BURST_MAX];
	uint16_t idx[GW_BURST_MAX], nt = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (md[i].fib_family != 4 || gw_rv_type(md[i].fib_rv) != GW_ROUTE_LOCAL)
			continue;
		uint32_t l3;
		in[nt] = md[i];
		if (!gw_ip_burst_inner(w, pkts[i], &md[i], &in[nt], &l3))
			continue;
		inp[nt] = &in[nt];
		h[nt] = rte_pktmbuf_mtod_offset(pkts[i], const uint8_t *, l3);
		drop[nt] = false;
		idx[nt++] = i;
	}
	if (nt == 0)
		return;
	for (unsigned f = 0; f < gw_ip_vrf_predict.n; f++)
		gw_ip_vrf_predict.fn[f](w, inp, h, drop, nt);
	uint16_t np = 0;
	for (uint16_t j = 0; j < nt; j++) {
		const struct gw_vrf *v = drop[j] ? NULL : gw_ip_vrf(w->dp, in[j].vrf);
		if (v == NULL)
			continue;
		uint16_t i = idx[j];
		uint32_t vrf = md[i].vrf, vpc = md[i].vpc, peering = md[i].peering;
		md[i] = in[j]; /* the predictors' memos */
		md[i].vrf = vrf;
		md[i].vpc = vpc;
		md[i].peering = peering;
		start4(k, v, &md[i], i, in[j].vrf, rte_be_to_cpu_32(gw_ld32(h[j] + 16)));
		k->pend[np++] = i;
		idx[np - 1] = i;
	}
	walk(k, md, np);
	/* the forward stage's next loads: the route's ECMP group (its head and first slot) */
	const struct gw_ip_tables *t = gw_ip(w->dp);
	for (uint16_t j = 0; j < np; j++) {
		uint16_t i = idx[j];
		if (gw_rv_type(md[i].fib_rv) != GW_ROUTE_UNICAST)
			continue;
		const struct gw_group_obj *g =
			atomic_load_explicit(&t->groups[gw_rv_group(md[i].fib_rv)], memory_order_relaxed);
		if (g != NULL) {
			rte_prefetch0(g);
			rte_prefetch0(&g->slots[0]);
		}
	}
}

void gw_ip_fib_batch(struct gw_worker *w, struct rte_mbuf **pkts, struct gw_meta *md, uint16_t n)
{
	struct walk k;
	uint16_t np = 0;
	uint32_t last_id = UINT32_MAX;
	const struct gw_vrf *v = NULL;
	for (uint16_t i = 0; i < n; i++) {
		if (unlikely(md[i].vrf != last_id)) {
			last_id = md[i].vrf;
			v = gw_ip_vrf(w->dp, last_id);
		}
		if (unlikely(v == NULL))
			continue;
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		uint16_t len = rte_pktmbuf_data_len(pkts[i]);
		uint16_t et = (uint16_t)(d[12] << 8 | d[13]);
		if (likely(et == RTE_ETHER_TYPE_IPV4 && len >= 34)) {
			start4(&k, v, &md[i], i, last_id, rte_be_to_cpu_32(gw_ld32(d + 30)));
		} else if (et == RTE_ETHER_TYPE_IPV6 && len >= 54) {
			const uint8_t *a = k.a6[i] = d + 38;
			uint32_t idx = ((uint32_t)a[0] << 8) | a[1];
			if (v->t6.s0 == 24)
				idx = (idx << 8) | a[2];
			k.used[i] = v->t6.s0 / 8; /* next address byte */
			k.slot[i] = &v->t6.tbl0[idx];
			k.grp[i] = v->t6.groups;
			md[i].fib_family = 6;
			md[i].fib_vrf = last_id;
			rte_prefetch0(k.slot[i]);
		} else {
			continue;
		}
		k.pend[np++] = i;
	}
	walk(&k, md, np);
	if (gw_ip_burst_inner != NULL)
		inner_batch(w, &k, pkts, md, n);
}
