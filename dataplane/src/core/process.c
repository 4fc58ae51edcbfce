/* SPDX-License-Identifier: Apache-2.0 */
/* Run-to-completion entry: each packet of the burst gets its metadata (the VRF, set here once), then goes
 * through the stage at the port's hook point and ends transmitted, punted or dropped; nothing is held across
 * bursts, so a worker may report quiescence right after. */
#include "hooks.h"

static inline void trace_begin(struct gw_worker *w, uint16_t in_port)
{
	w->tr = (struct gw_trace){
		.in_port = in_port, .out_port = GW_PORT_NONE, .drop = GW_DROP_MAX, .decision = GW_DEC_DROP};
}

void gw_pipeline_process(struct gw_worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n,
			 uint64_t now_ns, struct gw_burst_out *out)
{
	if (unlikely(in_port >= GW_MAX_PORTS)) {
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	const struct gw_port_obj *inp = gw_dp_port(w->dp, in_port);
	struct gw_port_counters *c = &w->cnt[in_port];
	struct gw_pkt p = {.inp = inp, .now = now_ns, .in_port = in_port};
	struct gw_meta md[GW_BURST_MAX];
	if (unlikely(n > GW_BURST_MAX)) { /* the contract says at most GW_BURST_MAX: never lose the excess silently */
		c->rx_packets += n - GW_BURST_MAX;
		c->drops[GW_DROP_BURST_OVERFLOW] += n - GW_BURST_MAX;
		rte_pktmbuf_free_bulk(pkts + GW_BURST_MAX, n - GW_BURST_MAX);
		n = GW_BURST_MAX;
	}
	enum gw_hook entry = GW_HOOK_PORT_INPUT;
	if (likely(inp != NULL && !inp->c.is_punt)) {
		/* Input classification: today the VRF is the ingress port's. */
		for (uint16_t i = 0; i < n; i++)
			md[i] = (struct gw_meta){.vrf = inp->c.vrf};
		if (likely(gw_hooks.burst_prepare != NULL))
			gw_hooks.burst_prepare(w, pkts, md, n);
	} else {
		entry = GW_HOOK_TAP_INPUT;
		for (uint16_t i = 0; i < n; i++)
			md[i] = (struct gw_meta){0};
	}

	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		p.m = pkts[i];
		p.md = &md[i];
		c->rx_packets++;
		c->rx_bytes += rte_pktmbuf_pkt_len(p.m);
		if (unlikely(w->trace_fn != NULL))
			trace_begin(w, in_port);
		if (unlikely(inp == NULL))
			gw_drop(w, &p, GW_DROP_PORT_UNKNOWN);
		else if (unlikely(!inp->c.up && !inp->c.is_punt))
			gw_drop(w, &p, GW_DROP_PORT_DOWN);
		else
			gw_hook(entry, w, &p, out);
		if (unlikely(w->trace_fn != NULL)) {
			if (w->tr.decision == GW_DEC_DROP)
				w->tr.pkt = NULL;
			w->trace_fn(w->trace_ctx, &w->tr);
		}
	}
}
