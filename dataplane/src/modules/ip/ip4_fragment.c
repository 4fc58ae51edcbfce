/* SPDX-License-Identifier: Apache-2.0 */
/* IPv4 fragmentation for packets without DF over the egress MTU (rte_ip_frag: a fresh header mbuf per
 * fragment, the payload attached by reference, so no payload copy). Fragments come from the packet's own
 * pool. A packet needing more fragments than the burst's output list has room for is a counted drop. */
#include <rte_ip_frag.h>

#include "ip.h"

#define GW_FRAG_MAX 16

void gw_ip4_fragment(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, const struct gw_nh_obj *nh,
		     uint16_t port, const struct gw_port_obj *op, uint32_t mtu, uint64_t mac)
{
	gw_stage(w, GW_STAGE_IP4_FRAGMENT);
	struct rte_mbuf *m = p->m, *frags[GW_FRAG_MAX];
	unsigned room = GW_BURST_MAX - out->n[port];
	struct rte_ether_hdr eh0 = *rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_pktmbuf_adj(m, p->l3);
	int n = rte_ipv4_fragment_packet(m, frags, (uint16_t)(room < GW_FRAG_MAX ? room : GW_FRAG_MAX), (uint16_t)mtu,
					 m->pool, m->pool);
	if (n < 0)
		return gw_drop(w, p, n == -ENOMEM ? GW_DROP_NO_MBUF : GW_DROP_MTU_EXCEEDED);
	rte_pktmbuf_free(m); /* fragments hold their own references to the payload */
	for (int i = 0; i < n; i++) {
		struct rte_mbuf *f = frags[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(f, struct rte_ipv4_hdr *);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(f, sizeof(*eh));
		if (unlikely(eh == NULL)) {
			gw_count(w, p->in_port, GW_DROP_NO_MBUF);
			rte_pktmbuf_free(f);
			continue;
		}
		if (nh->kind != GW_NH_ETH) {
			/* the kind writes its own headers around each fragment, as around a whole packet */
			*eh = eh0;
			struct gw_pkt fp = *p;
			fp.m = f;
			fp.l3 = sizeof(*eh);
			gw_ip_nh_send[nh->kind](w, &fp, out, nh, op, AF_INET, sizeof(*eh) + 16);
			continue;
		}
		memcpy(eh->dst_addr.addr_bytes, &mac, RTE_ETHER_ADDR_LEN);
		eh->src_addr = op->c.mac;
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		gw_tx(w, out, port, f, GW_DEC_FORWARD);
	}
}
