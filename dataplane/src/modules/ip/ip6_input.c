/* SPDX-License-Identifier: Apache-2.0 */
/* IPv6 validation, local delivery (multicast, link-local, neighbor discovery), lookup in the packet's VRF. */
#include <string.h>

#include <rte_icmp.h>

#include "icmp/icmp.h"
#include "ip.h"

static inline bool is_nd(const struct rte_mbuf *m, uint32_t l4, uint8_t proto)
{
	if (proto != GW_IPPROTO_ICMPV6 || rte_pktmbuf_data_len(m) < l4 + 1)
		return false;
	uint8_t type = *rte_pktmbuf_mtod_offset(m, const uint8_t *, l4);
	return type >= GW_ICMP6_ND_RS && type <= GW_ICMP6_ND_REDIRECT; /* RS, RA, NS, NA, redirect */
}

void gw_ip6_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	struct rte_mbuf *m = p->m;
	gw_stage(w, GW_STAGE_IP6_INPUT);
	if (unlikely(rte_pktmbuf_data_len(m) < p->l3 + sizeof(struct rte_ipv6_hdr)))
		return gw_drop(w, p, GW_DROP_IP6_TOO_SHORT);
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, p->l3);
	if (unlikely((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6))
		return gw_drop(w, p, GW_DROP_IP6_BAD_VERSION);
	uint32_t plen = rte_be_to_cpu_16(ip->payload_len);
	if (unlikely(sizeof(*ip) + plen > rte_pktmbuf_pkt_len(m) - p->l3 || (plen == 0 && ip->proto == 0)))
		return gw_drop(w, p, GW_DROP_IP6_BAD_LENGTH);

	if (unlikely(p->l2_mcast || ip->dst_addr[0] == 0xff ||
		     (ip->dst_addr[0] == 0xfe && (ip->dst_addr[1] & 0xc0) == 0x80) ||
		     is_nd(m, p->l3 + sizeof(*ip), ip->proto)))
		return gw_hook(GW_HOOK_LOCAL, w, p, out);
	static const uint8_t loopback[16] = {[15] = 1};
	if (unlikely(ip->src_addr[0] == 0xff || memcmp(ip->src_addr, loopback, 16) == 0))
		return gw_drop(w, p, GW_DROP_IP6_BAD_SOURCE);

	const struct gw_vrf *v = gw_ip_routing(w, p, out);
	if (unlikely(v == NULL))
		return;
	/* (the batch looks up IPv6 only for the packet as it arrived: no filter rewrites an underlay IPv6 destination) */
	uint32_t rv = p->md->fib_family == 6 && p->md->fib_vrf == p->md->vrf ? p->md->fib_rv
									       : gw_mtrie_lookup6(&v->t6, ip->dst_addr);
	switch (gw_rv_type(rv)) {
	case GW_ROUTE_UNICAST:
		return gw_ip6_forward(w, p, out, rv);
	case GW_ROUTE_LOCAL:
		return gw_ip_local(w, p, out, ip->proto, p->l3 + sizeof(*ip));
	case GW_ROUTE_BLACKHOLE:
		return gw_drop(w, p, GW_DROP_BLACKHOLE);
	case GW_ROUTE_REJECT:
		return gw_icmp6_error(w, p, out, GW_ICMP6_DEST_UNREACH, GW_ICMP6_UNREACH_NO_ROUTE, 0, GW_DROP_REJECT);
	default:
		return gw_icmp6_error(w, p, out, GW_ICMP6_DEST_UNREACH, GW_ICMP6_UNREACH_NO_ROUTE, 0, GW_DROP_NO_ROUTE);
	}
}
