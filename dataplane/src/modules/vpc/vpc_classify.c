/* SPDX-License-Identifier: Apache-2.0 */
/* The classify stage (GW_PRE_ROUTING) and the per-VPC/per-peering "out" counters (GW_POST_ROUTING).
 * Only packets that came in decapsulated carry md->vpc (source VRF + 1); underlay traffic pays one load and a
 * branch in each chain. */
#include "vpc.h"

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
	const struct vpc_target *t = NULL;
	int r = vpc_decide(vpc_snap_get(w->dp, src_vrf), v6, v6 ? 0 : rte_be_to_cpu_32(gw_ld32(h + 12)),
			   v6 ? 0 : rte_be_to_cpu_32(gw_ld32(h + 16)), h + 8, h + 24, &t);
	if (unlikely(r != GW_DROP_MAX)) {
		vc->drops[r == GW_DROP_VPC_NO_PEERING ? 0 : 1]++;
		gw_drop(w, p, (enum gw_drop_reason)r);
		return true;
	}
	/* Routed in the destination VPC's FIB: a burst-level lookup ip may have made was in the source VRF. */
	md->vrf = t->dst_vrf;
	md->peering = t->peering;
	md->fib_family = 0;
	if (unlikely(w->trace_fn != NULL)) {
		w->tr.dst_vrf = t->dst_vrf;
		w->tr.peering = t->peering;
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
