/* SPDX-License-Identifier: Apache-2.0 */
/* Run-to-completion entry: each packet of the burst goes through the stages and ends transmitted, punted
 * or dropped; nothing is held across bursts, so a worker may report quiescence right after. */
#include "stages.h"

static inline void trace_begin(struct gw_worker *w, uint16_t in_port)
{
	w->tr = (struct gw_trace){
		.in_port = in_port, .out_port = GW_PORT_NONE, .drop = GW_DROP_MAX, .decision = GW_DEC_DROP};
}

/* The FIB's first level is tens of MB: a lookup is a cache (and often TLB) miss. Issuing every packet's
 * first-level load before any packet is processed overlaps those misses across the burst. */
static inline void prefetch_lookups(const struct gw_dp *dp, const struct gw_port_obj *inp, struct rte_mbuf **pkts,
				    uint16_t n)
{
	const struct gw_vrf *v = gw_dp_vrf_get(dp, inp->c.vrf);
	if (unlikely(v == NULL))
		return;
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		uint16_t len = rte_pktmbuf_data_len(pkts[i]);
		uint16_t et = (uint16_t)(d[12] << 8 | d[13]);
		if (likely(et == RTE_ETHER_TYPE_IPV4 && len >= 34)) {
			uint32_t dst = rte_be_to_cpu_32(gw_ld32(d + 30));
			rte_prefetch0(&v->t4.tbl0[dst >> (32 - v->t4.s0)]);
		} else if (et == RTE_ETHER_TYPE_IPV6 && len >= 54) {
			const uint8_t *a = d + 38;
			uint32_t idx = ((uint32_t)a[0] << 8) | a[1];
			rte_prefetch0(&v->t6.tbl0[idx]);
		}
	}
}

void gw_pipeline_process(struct gw_worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n,
			 uint64_t now_ns, struct gw_burst_out *out)
{
	if (unlikely(in_port >= GW_MAX_PORTS)) {
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	const struct gw_port_obj *inp = atomic_load_explicit(&w->dp->ports[in_port], memory_order_acquire);
	struct gw_port_counters *c = &w->cnt[in_port];
	struct gw_pkt p = {.inp = inp, .now = now_ns, .in_port = in_port};
	if (likely(inp != NULL && !inp->c.is_punt))
		prefetch_lookups(w->dp, inp, pkts, n);

	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		p.m = pkts[i];
		c->rx_packets++;
		c->rx_bytes += rte_pktmbuf_pkt_len(p.m);
		if (unlikely(w->trace_fn != NULL))
			trace_begin(w, in_port);
		if (unlikely(inp == NULL))
			gw_drop(w, &p, GW_DROP_PORT_UNKNOWN);
		else if (unlikely(inp->c.is_punt))
			gw_tap_input(w, &p, out);
		else if (unlikely(!inp->c.up))
			gw_drop(w, &p, GW_DROP_PORT_DOWN);
		else
			gw_eth_input(w, &p, out);
		if (unlikely(w->trace_fn != NULL)) {
			if (w->tr.decision == GW_DEC_DROP)
				w->tr.pkt = NULL;
			w->trace_fn(w->trace_ctx, &w->tr);
		}
	}
}
