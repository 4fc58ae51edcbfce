/* SPDX-License-Identifier: Apache-2.0 */
/* linux-cp style punt path: what is for the gateway goes, unchanged, to the ingress port's kernel tap;
 * what the kernel sends on a tap leaves, unchanged, through the physical port the tap mirrors. */
#include "eth/eth.h"
#include "punt.h"

static void punt(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	gw_stage(w, GW_STAGE_PUNT);
	uint16_t tap = p->inp->c.punt_port;
	if (unlikely(tap >= GW_MAX_PORTS))
		return gw_drop(w, p, GW_DROP_PUNT_NO_TAP);
	/* A decapsulated packet belongs to a VPC, but the ingress port's tap is the underlay's kernel: handing it there
	 * would carry tenant traffic across VRFs. VPCs have no kernel side in the dataplane. */
	if (unlikely(p->md->vpc != 0))
		return gw_drop(w, p, GW_DROP_PUNT_FROM_VPC);
	w->cnt[p->in_port].punt_packets++;
	gw_tx(w, out, tap, p->m, GW_DEC_PUNT);
}

static void tap_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	gw_stage(w, GW_STAGE_TAP_INPUT);
	if (unlikely(rte_pktmbuf_pkt_len(p->m) < sizeof(struct rte_ether_hdr)))
		return gw_drop(w, p, GW_DROP_ETH_TOO_SHORT);
	uint16_t phy = p->inp->c.punt_port;
	if (unlikely(phy >= GW_MAX_PORTS))
		return gw_drop(w, p, GW_DROP_PUNT_NO_TAP);
	gw_tx(w, out, phy, p->m, GW_DEC_PUNT);
}

static void punt_init(void)
{
	gw_hook_set(GW_HOOK_LOCAL, punt);
	gw_hook_set(GW_HOOK_TAP_INPUT, tap_input);
	gw_eth_input_register(RTE_ETHER_TYPE_ARP, punt);
}

const struct gw_module gw_module_punt = {.name = "punt", .init = punt_init};
