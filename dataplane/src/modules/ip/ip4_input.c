/* SPDX-License-Identifier: Apache-2.0 */
/* IPv4 validation (RFC 1812 5.2.2), local delivery, route lookup in the packet's VRF. */
#include "icmp/icmp.h"
#include "ip.h"

/* RFC 1812 5.3.7: not forwarded, and never answered with an ICMP error (4.3.2.7): network 0 (not only 0.0.0.0),
 * loopback, multicast, limited broadcast. */
static inline bool martian_src(uint32_t s /* host order */)
{
	return (s >> 28) == 0xe || s == 0xffffffffu || (s >> 24) == 127 || (s >> 24) == 0;
}

/* One's complement sum of the header in 32-bit words (ihl is a multiple of 4), folded: a valid header sums to
 * 0xffff. Cheaper than the generic 16-bit loop; the result does not depend on byte order. */
static inline bool cksum_ok(const uint8_t *h, uint32_t ihl)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < ihl; i += 4)
		sum += gw_ld32(h + i);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

void gw_ip4_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	struct rte_mbuf *m = p->m;
	gw_stage(w, GW_STAGE_IP4_INPUT);
	uint32_t avail = rte_pktmbuf_data_len(m) - p->l3;
	if (unlikely(rte_pktmbuf_data_len(m) < p->l3 + sizeof(struct rte_ipv4_hdr)))
		return gw_drop(w, p, GW_DROP_IP4_TOO_SHORT);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, p->l3);
	if (unlikely((ip->version_ihl >> 4) != 4))
		return gw_drop(w, p, GW_DROP_IP4_BAD_VERSION);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
	if (unlikely(ihl < sizeof(struct rte_ipv4_hdr)))
		return gw_drop(w, p, GW_DROP_IP4_BAD_IHL);
	if (unlikely(ihl > avail))
		return gw_drop(w, p, GW_DROP_IP4_TOO_SHORT);
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tot < ihl || tot > rte_pktmbuf_pkt_len(m) - p->l3))
		return gw_drop(w, p, GW_DROP_IP4_BAD_LENGTH);
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD))
		return gw_drop(w, p, GW_DROP_IP4_BAD_CHECKSUM);
	if (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && unlikely(!cksum_ok((const uint8_t *)ip, ihl)))
		return gw_drop(w, p, GW_DROP_IP4_BAD_CHECKSUM);

	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
	if (unlikely(p->l2_mcast || (dst >> 28) == 0xe || dst == 0xffffffffu))
		return gw_hook(GW_HOOK_LOCAL, w, p, out);
	if (unlikely(martian_src(rte_be_to_cpu_32(ip->src_addr))))
		return gw_drop(w, p, GW_DROP_IP4_BAD_SOURCE);

	const struct gw_vrf *v = gw_ip_routing(w, p, out);
	if (unlikely(v == NULL))
		return;
	/* read again: a pre-routing filter (destination NAT) may have rewritten it */
	uint32_t rv = p->md->fib_family == 4 ? p->md->fib_rv : gw_mtrie_lookup4(&v->t4, rte_be_to_cpu_32(ip->dst_addr));
	switch (gw_rv_type(rv)) {
	case GW_ROUTE_UNICAST:
		return gw_ip4_forward(w, p, out, rv);
	case GW_ROUTE_LOCAL:
		return gw_ip_local(w, p, out, ip->next_proto_id, p->l3 + ihl);
	case GW_ROUTE_BLACKHOLE:
		return gw_drop(w, p, GW_DROP_BLACKHOLE);
	case GW_ROUTE_REJECT:
		return gw_icmp4_error(w, p, out, GW_ICMP_DEST_UNREACH, GW_ICMP_UNREACH_HOST, 0, GW_DROP_REJECT);
	default:
		return gw_icmp4_error(w, p, out, GW_ICMP_DEST_UNREACH, GW_ICMP_UNREACH_NET, 0, GW_DROP_NO_ROUTE);
	}
}
