/* SPDX-License-Identifier: Apache-2.0 */
/* The classify stage (GW_PRE_ROUTING) and the per-VPC/per-peering "out" counters (GW_POST_ROUTING).
 * Only packets that came in decapsulated carry md->vpc (source VRF + 1); underlay traffic pays one load and a
 * branch in each chain. */
#include "vpc.h"

/* Bytes of a snapshot prefetched per packet at burst level: its header, the first ranges, a few targets. */
#define VPC_SNAP_PREFETCH 256u

static inline struct vpc_wcnt *wcnt(struct gw_worker *w) { return w->mod[GW_MOD_vpc]; }

bool gw_vpc_classify(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	(void)out;
	struct gw_meta *md = p->md;
	if (likely(md->vpc == 0))
		return false;
	gw_stage(w, GW_STAGE_VPC_CLASSIFY);
	uint32_t src_vrf = md->vpc - 1;
	if (unlikely(src_vrf >= w->dp->p.max_vrfs)) {
		gw_drop(w, p, GW_DROP_VRF_UNKNOWN);
		return true;
	}
	/* ip4_input/ip6_input validated the header at l3 (version, lengths), so the addresses are in the frame */
	const uint8_t *h = rte_pktmbuf_mtod_offset(p->m, const uint8_t *, p->l3);
	bool v6 = (h[0] >> 4) == 6;
	uint32_t len = rte_pktmbuf_pkt_len(p->m) - p->l3;
	struct vpc_vrf_cnt *vc = &wcnt(w)->vrf[src_vrf];
	vc->rx_packets++;
	vc->rx_bytes += len;
	if (unlikely(w->trace_fn != NULL))
		w->tr.vpc = md->vpc;
	uint32_t src4 = v6 ? 0 : rte_be_to_cpu_32(gw_ld32(h + 12)), dst4 = v6 ? 0 : rte_be_to_cpu_32(gw_ld32(h + 16));
	uint32_t dst_vrf, peering;
	if (!v6 && md->cls_vpc == md->vpc && md->cls_src == src4 && md->fib_dst == dst4) {
		/* decided for this packet at burst level (gw_vpc_predict_vrf) */
		dst_vrf = md->cls_vrf;
		peering = md->cls_peering;
	} else {
		const struct vpc_target *t = NULL;
		int r = vpc_decide(vpc_snap_get(w->dp, src_vrf), v6, src4, dst4, h + 8, h + 24, &t);
		if (unlikely(r != GW_DROP_MAX)) {
			vc->drops[r == GW_DROP_VPC_NO_PEERING ? 0 : 1]++;
			gw_drop(w, p, (enum gw_drop_reason)r);
			return true;
		}
		dst_vrf = t->dst_vrf;
		peering = t->peering;
	}
	/* Routed in the destination VPC's FIB (ip's burst-level result counts only if it was made there). */
	md->vrf = dst_vrf;
	md->peering = peering;
	if (unlikely(w->trace_fn != NULL)) {
		w->tr.dst_vrf = dst_vrf;
		w->tr.peering = peering;
	}
	return false;
}

bool gw_vpc_count_out(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	(void)out;
	const struct gw_meta *md = p->md;
	if (likely(md->peering == 0))
		return false;
	uint32_t len = rte_pktmbuf_pkt_len(p->m) - p->l3;
	struct vpc_wcnt *c = wcnt(w);
	c->vrf[md->vrf].tx_packets++;
	c->vrf[md->vrf].tx_bytes += len;
	c->peer[md->peering].packets++;
	c->peer[md->peering].bytes += len;
	return false;
}

/* ip's burst-level inner lookup: the VRF classify would route each decapsulated IPv4 packet in (drop: it would
 * drop it), the same decision as the stage's without its counters, left as a memo the stage reuses. Level by level
 * over the burst, so the snapshots' cache misses overlap: pointers, then the snapshots (header and first ranges),
 * then the decisions. */
void gw_vpc_predict_vrf(struct gw_worker *w, struct gw_meta *const *md, const uint8_t *const *l3, bool *drop,
			uint16_t n)
{
	const struct vpc_snap *s[GW_BURST_MAX];
	for (uint16_t i = 0; i < n; i++) {
		s[i] = NULL;
		if (drop[i] || md[i]->vpc == 0)
			continue;
		if (unlikely(md[i]->vpc - 1 >= w->dp->p.max_vrfs)) {
			drop[i] = true;
			continue;
		}
		s[i] = vpc_snap_get(w->dp, md[i]->vpc - 1);
		if (s[i] != NULL)
			for (uint32_t b = 0; b < VPC_SNAP_PREFETCH; b += 64)
				rte_prefetch0((const uint8_t *)s[i] + b);
	}
	for (uint16_t i = 0; i < n; i++) {
		if (drop[i] || md[i]->vpc == 0)
			continue;
		const struct vpc_target *t = NULL;
		uint32_t src4 = rte_be_to_cpu_32(gw_ld32(l3[i] + 12));
		if (vpc_decide(s[i], false, src4, rte_be_to_cpu_32(gw_ld32(l3[i] + 16)), NULL, NULL, &t) != GW_DROP_MAX) {
			drop[i] = true;
			continue;
		}
		md[i]->vrf = t->dst_vrf;
		/* the memo the stage reuses (the destination it was made for is ip's fib_dst) */
		md[i]->cls_vpc = md[i]->vpc;
		md[i]->cls_src = src4;
		md[i]->cls_vrf = t->dst_vrf;
		md[i]->cls_peering = t->peering;
	}
}
