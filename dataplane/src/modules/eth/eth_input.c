/* SPDX-License-Identifier: Apache-2.0 */
/* Ethernet: accept frames for our MAC or broadcast/multicast, one 802.1Q tag tolerated (stripped on the
 * forward path since our ports are untagged), then the stage registered for the ethertype. */
#include <errno.h>

#include "eth.h"

static struct {
	unsigned n;
	uint16_t type[GW_ETH_TYPES_MAX];
	gw_stage_fn fn[GW_ETH_TYPES_MAX];
} types;

int gw_eth_input_register(uint16_t ether_type, gw_stage_fn fn)
{
	if (!fn)
		return -EINVAL;
	for (unsigned i = 0; i < types.n; i++)
		if (types.type[i] == ether_type)
			return types.fn[i] == fn ? 0 : -EEXIST;
	if (types.n == GW_ETH_TYPES_MAX)
		return -ENOSPC;
	types.type[types.n] = ether_type;
	types.fn[types.n++] = fn;
	return 0;
}

static void eth_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
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
	for (unsigned i = 0; i < types.n; i++)
		if (types.type[i] == et)
			return types.fn[i](w, p, out);
	return gw_drop(w, p, GW_DROP_ETH_UNKNOWN_TYPE);
}

static void eth_init(void) { gw_hook_set(GW_HOOK_PORT_INPUT, eth_input); }

const struct gw_module gw_module_eth = {.name = "eth", .init = eth_init};
