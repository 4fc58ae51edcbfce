/* SPDX-License-Identifier: Apache-2.0 */
/* Run-to-completion entry: each packet of the burst goes through the stages and ends transmitted, punted
 * or dropped; nothing is held across bursts, so a worker may report quiescence right after. */
#include "stages.h"

static inline void trace_begin(struct gw_worker *w, uint16_t in_port)
{
	w->tr = (struct gw_trace){
		.in_port = in_port, .out_port = GW_PORT_NONE, .drop = GW_DROP_MAX, .decision = GW_DEC_DROP};
}

/* FIB lookups for the whole burst before any packet is processed, level by level: each level's loads for all
 * packets are issued (prefetched) before the first of them is used, so the cache/TLB misses of random
 * destinations overlap instead of adding up. Untagged IPv4/IPv6 only (others look up in their stage);
 * results are only used once the stage has validated the header. */
static inline void batch_lookup(const struct gw_dp *dp, const struct gw_port_obj *inp, struct rte_mbuf **pkts,
				uint16_t n, uint32_t *rv, uint8_t *fam)
{
	const struct gw_vrf *v = gw_dp_vrf_get(dp, inp->c.vrf);
	const uint32_t *slot[GW_BURST_MAX];
	const uint8_t *a6[GW_BURST_MAX];
	uint32_t a4[GW_BURST_MAX];
	uint8_t used[GW_BURST_MAX];
	uint16_t pend[GW_BURST_MAX], np = 0;
	for (uint16_t i = 0; i < n; i++) {
		fam[i] = 0;
		if (unlikely(v == NULL))
			continue;
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		uint16_t len = rte_pktmbuf_data_len(pkts[i]);
		uint16_t et = (uint16_t)(d[12] << 8 | d[13]);
		if (likely(et == RTE_ETHER_TYPE_IPV4 && len >= 34)) {
			a4[i] = rte_be_to_cpu_32(gw_ld32(d + 30));
			used[i] = v->t4.s0;
			slot[i] = &v->t4.tbl0[a4[i] >> (32 - used[i])];
			fam[i] = 4;
		} else if (et == RTE_ETHER_TYPE_IPV6 && len >= 54) {
			const uint8_t *a = a6[i] = d + 38;
			uint32_t idx = ((uint32_t)a[0] << 8) | a[1];
			if (v->t6.s0 == 24)
				idx = (idx << 8) | a[2];
			used[i] = v->t6.s0 / 8; /* next address byte */
			slot[i] = &v->t6.tbl0[idx];
			fam[i] = 6;
		} else {
			continue;
		}
		rte_prefetch0(slot[i]);
		pend[np++] = i;
	}
	while (np) {
		uint16_t nn = 0;
		for (uint16_t j = 0; j < np; j++) {
			uint16_t i = pend[j];
			uint32_t e = __atomic_load_n(slot[i], __ATOMIC_ACQUIRE);
			if (likely(!(e & 1))) {
				rv[i] = e >> 1;
				continue;
			}
			if (fam[i] == 4) {
				used[i] += 8;
				slot[i] = &v->t4.groups[(size_t)(e >> 1) * 256 + ((a4[i] >> (32 - used[i])) & 0xff)];
			} else {
				slot[i] = &v->t6.groups[(size_t)(e >> 1) * 256 + a6[i][used[i]++]];
			}
			rte_prefetch0(slot[i]);
			pend[nn++] = i;
		}
		np = nn;
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
	uint32_t rv[GW_BURST_MAX];
	uint8_t fam[GW_BURST_MAX];
	if (unlikely(n > GW_BURST_MAX)) { /* the contract says at most GW_BURST_MAX: never lose the excess silently */
		c->rx_packets += n - GW_BURST_MAX;
		c->drops[GW_DROP_BURST_OVERFLOW] += n - GW_BURST_MAX;
		rte_pktmbuf_free_bulk(pkts + GW_BURST_MAX, n - GW_BURST_MAX);
		n = GW_BURST_MAX;
	}
	if (likely(inp != NULL && !inp->c.is_punt))
		batch_lookup(w->dp, inp, pkts, n, rv, fam);
	else
		memset(fam, 0, n);

	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		p.m = pkts[i];
		p.fib_family = fam[i];
		p.fib_rv = rv[i];
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
