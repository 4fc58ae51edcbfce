/* SPDX-License-Identifier: Apache-2.0 */
/* FIB lookups for the whole burst before any packet is processed (the core's burst_prepare hook), level by
 * level: each level's loads for all packets are issued (prefetched) before the first of them is used, so the
 * cache/TLB misses of random destinations overlap instead of adding up. Untagged IPv4/IPv6 only (others look up
 * in their stage); results land in the packet's metadata and are only used once the stage has validated the
 * header. Each packet is looked up in its own metadata VRF (one VRF per burst today: the ingress port's). */
#include "ip.h"

void gw_ip_fib_batch(struct gw_worker *w, struct rte_mbuf **pkts, struct gw_meta *md, uint16_t n)
{
	const uint32_t *slot[GW_BURST_MAX];
	const uint8_t *a6[GW_BURST_MAX];
	const uint32_t *grp[GW_BURST_MAX]; /* the trie groups of the packet's VRF and family */
	uint32_t a4[GW_BURST_MAX];
	uint8_t used[GW_BURST_MAX];
	uint16_t pend[GW_BURST_MAX], np = 0;
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
			a4[i] = rte_be_to_cpu_32(gw_ld32(d + 30));
			used[i] = v->t4.s0;
			slot[i] = &v->t4.tbl0[a4[i] >> (32 - used[i])];
			grp[i] = v->t4.groups;
			md[i].fib_family = 4;
		} else if (et == RTE_ETHER_TYPE_IPV6 && len >= 54) {
			const uint8_t *a = a6[i] = d + 38;
			uint32_t idx = ((uint32_t)a[0] << 8) | a[1];
			if (v->t6.s0 == 24)
				idx = (idx << 8) | a[2];
			used[i] = v->t6.s0 / 8; /* next address byte */
			slot[i] = &v->t6.tbl0[idx];
			grp[i] = v->t6.groups;
			md[i].fib_family = 6;
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
				md[i].fib_rv = e >> 1;
				continue;
			}
			if (md[i].fib_family == 4) {
				used[i] += 8;
				slot[i] = &grp[i][(size_t)(e >> 1) * 256 + ((a4[i] >> (32 - used[i])) & 0xff)];
			} else {
				slot[i] = &grp[i][(size_t)(e >> 1) * 256 + a6[i][used[i]++]];
			}
			rte_prefetch0(slot[i]);
			pend[nn++] = i;
		}
		np = nn;
	}
}
