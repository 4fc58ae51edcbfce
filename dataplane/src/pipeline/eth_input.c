/* SPDX-License-Identifier: Apache-2.0 */
/* Ethernet: accept frames for our MAC or broadcast/multicast, one 802.1Q tag tolerated (stripped on the
 * forward path since our ports are untagged), ARP goes to the kernel. */
#include "stages.h"

void gw_eth_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	struct rte_mbuf *m = p->m;
	gw_stage(w, GW_STAGE_ETH_INPUT);
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr)))
		return gw_drop(w, p, GW_DROP_ETH_TOO_SHORT);
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	p->l2_mcast = rte_is_multicast_ether_addr(&eh->dst_addr);
	if (unlikely(!p->l2_mcast && !rte_is_same_ether_addr(&eh->dst_addr, &p->inp->c.mac)))
		return gw_drop(w, p, GW_DROP_ETH_NOT_FOR_US);
	uint16_t et = rte_be_to_cpu_16(eh->ether_type);
	p->l3 = sizeof(struct rte_ether_hdr);
	if (et == RTE_ETHER_TYPE_VLAN) {
		if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr)))
			return gw_drop(w, p, GW_DROP_ETH_TOO_SHORT);
		const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eh + 1);
		et = rte_be_to_cpu_16(vh->eth_proto);
		p->l3 += sizeof(struct rte_vlan_hdr);
	}
	p->etype = et;
	if (likely(et == RTE_ETHER_TYPE_IPV4))
		return gw_ip4_input(w, p, out);
	if (et == RTE_ETHER_TYPE_IPV6)
		return gw_ip6_input(w, p, out);
	if (et == RTE_ETHER_TYPE_ARP)
		return gw_punt(w, p, out);
	return gw_drop(w, p, GW_DROP_ETH_UNKNOWN_TYPE);
}
