/* SPDX-License-Identifier: Apache-2.0 */
/* Decapsulation (RFC 7348 5): ip hands us UDP 4789 to a local address. A packet of the underlay (VRF 0, not
 * itself decapsulated) to our VTEP address loses its outer Ethernet/IPv4/UDP/VXLAN headers and is routed in the
 * VRF of its VNI, marked as coming from that VPC (md->vpc = VRF + 1). Anything else for UDP 4789 (another local
 * address, an IPv6 outer header, no VTEP set) goes where any local packet goes (the punt).
 * Outer UDP checksums are not verified (RFC 7348 5 lets a decapsulating end point skip it; the inner packet
 * carries its own checksums); reserved VXLAN bits are ignored on receipt as the RFC says; congestion marks of the
 * outer header reach the inner one (RFC 6040). */
#include <rte_udp.h>

#include "vxlan.h"

#define VXLAN_FLAG_I 0x08

struct vxlan_hdr {
	uint8_t flags;
	uint8_t reserved[3];
	uint8_t vni_word[4]; /* VNI << 8 | reserved; bytes: the header sits at any alignment */
};

#define ECN_NOT_ECT 0
#define ECN_ECT1 1
#define ECN_ECT0 2
#define ECN_CE 3

/* The inner ECN field after decapsulation (RFC 6040 4.2, normal mode): an outer CE marks the inner packet CE (or,
 * when the inner packet is not ECN-capable, drops it), an outer ECT(1) over an inner ECT(0) becomes ECT(1);
 * anything else leaves the inner field as it is. false after the drop. */
static bool ecn_decap(struct gw_worker *w, struct gw_pkt *p, uint8_t outer, uint32_t l3, uint16_t etype)
{
	outer &= 3;
	if (likely(outer == ECN_NOT_ECT || outer == ECN_ECT0))
		return true;
	struct rte_mbuf *m = p->m;
	bool v4 = etype == RTE_ETHER_TYPE_IPV4;
	if (rte_pktmbuf_data_len(m) < l3 + (v4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr)))
		return true; /* ip input refuses it as too short */
	uint8_t *h = rte_pktmbuf_mtod_offset(m, uint8_t *, l3);
	uint8_t inner = v4 ? h[1] & 3 : (h[1] >> 4) & 3;
	uint8_t want = inner;
	if (outer == ECN_CE) {
		if (inner == ECN_NOT_ECT) {
			gw_drop(w, p, GW_DROP_VXLAN_ECN_DROP);
			return false;
		}
		want = ECN_CE;
	} else if (inner == ECN_ECT0) {
		want = ECN_ECT1;
	}
	if (want == inner)
		return true;
	if (v4) {
		/* RFC 1624 incremental update of the header checksum for the first 16-bit word */
		uint16_t old = (uint16_t)(h[0] << 8 | h[1]);
		h[1] = (uint8_t)((h[1] & 0xfc) | want);
		uint16_t new = (uint16_t)(h[0] << 8 | h[1]);
		uint32_t ck = (uint32_t)(uint16_t)~(h[10] << 8 | h[11]) + (uint16_t)~old + new;
		ck = (ck & 0xffff) + (ck >> 16);
		ck = (ck & 0xffff) + (ck >> 16);
		h[10] = (uint8_t)(~ck >> 8);
		h[11] = (uint8_t)~ck;
	} else {
		h[1] = (uint8_t)((h[1] & 0xcf) | want << 4);
	}
	return true;
}

void vxlan_decap(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	struct rte_mbuf *m = p->m;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, p->l3);
	const struct gw_vtep *vtep = vxlan_vtep(w->dp);
	if ((ip->version_ihl >> 4) != 4 || vtep == NULL || ip->dst_addr != vtep->ip || p->md->vrf != 0 ||
	    p->md->vpc != 0)
		return gw_hook(GW_HOOK_LOCAL, w, p, out);
	gw_stage(w, GW_STAGE_VXLAN_DECAP);
	uint32_t l4 = p->l3 + (ip->version_ihl & 0xf) * 4u;
	uint32_t inner = l4 + sizeof(struct rte_udp_hdr) + sizeof(struct vxlan_hdr);
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	/* ip4_input checked the header, its checksum and the total length against the frame. The outer headers and the
	 * inner Ethernet header must be in the first segment, the UDP length within the IP datagram. */
	if (unlikely((ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) ||
		     rte_pktmbuf_data_len(m) < inner + sizeof(struct rte_ether_hdr)))
		return gw_drop(w, p, GW_DROP_VXLAN_MALFORMED);
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l4);
	uint32_t ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (unlikely(ulen < inner - l4 + sizeof(struct rte_ether_hdr) || l4 + ulen > p->l3 + tot))
		return gw_drop(w, p, GW_DROP_VXLAN_MALFORMED);
	const struct vxlan_hdr *vh = rte_pktmbuf_mtod_offset(m, const struct vxlan_hdr *, l4 + sizeof(*udp));
	if (unlikely(!(vh->flags & VXLAN_FLAG_I)))
		return gw_drop(w, p, GW_DROP_VXLAN_BAD_FLAGS);
	int64_t vrf = vxlan_vni_vrf(w->dp, rte_be_to_cpu_32(gw_ld32(vh->vni_word)) >> 8);
	if (unlikely(vrf < 0))
		return gw_drop(w, p, GW_DROP_VXLAN_VNI_UNKNOWN);
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, inner);
	if (unlikely(!rte_is_same_ether_addr(&eh->dst_addr, &vtep->mac)))
		return gw_drop(w, p, GW_DROP_VXLAN_INNER_MAC);
	uint16_t etype = rte_be_to_cpu_16(eh->ether_type);
	if (unlikely(etype != RTE_ETHER_TYPE_IPV4 && etype != RTE_ETHER_TYPE_IPV6))
		return gw_drop(w, p, GW_DROP_VXLAN_INNER_TYPE);

	if (unlikely(!ecn_decap(w, p, ip->type_of_service, inner + sizeof(*eh), etype)))
		return;
	/* Whatever follows the UDP datagram (Ethernet padding of the outer frame) is not the inner packet's. */
	uint32_t end = l4 + ulen;
	if (rte_pktmbuf_pkt_len(m) > end && m->nb_segs == 1)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - end));
	rte_pktmbuf_adj(m, (uint16_t)inner);
	/* The NIC's checksum verdicts were about the outer headers. */
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	p->l3 = sizeof(struct rte_ether_hdr);
	p->etype = etype;
	p->l2_mcast = false;
	p->md->vrf = (uint32_t)vrf;
	p->md->vpc = (uint32_t)vrf + 1;
	if (etype == RTE_ETHER_TYPE_IPV4)
		return gw_ip4_input(w, p, out);
	return gw_ip6_input(w, p, out);
}

/* ip's burst-level inner lookup: what vxlan_decap would hand to ip4_input for this packet, judged from the headers
 * as they are (a prediction: the stage validates). Untagged outer IPv4 without options, to our VTEP, UDP 4789, a
 * known VNI, inner IPv4. */
bool vxlan_burst_inner(struct gw_worker *w, const struct rte_mbuf *m, const struct gw_meta *md, struct gw_meta *inner,
		       uint32_t *l3)
{
	enum { IP = 14, UDP = IP + 20, VX = UDP + 8, IETH = VX + 8, IIP = IETH + 14 };
	const struct gw_vtep *vtep = vxlan_vtep(w->dp);
	if (md->vrf != 0 || md->vpc != 0 || vtep == NULL || rte_pktmbuf_data_len(m) < IIP + 20)
		return false;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint16_t udp_4789 = rte_cpu_to_be_16(GW_VXLAN_UDP_PORT);
	if (d[IP] != 0x45 || d[IP + 9] != IPPROTO_UDP || gw_ld32(d + IP + 16) != vtep->ip ||
	    memcmp(d + UDP + 2, &udp_4789, 2) != 0 || d[IETH + 12] != 0x08 || d[IETH + 13] != 0x00 ||
	    (d[IIP] >> 4) != 4)
		return false;
	int64_t vrf = vxlan_vni_vrf(w->dp, rte_be_to_cpu_32(gw_ld32(d + VX + 4)) >> 8);
	if (vrf < 0)
		return false;
	inner->vrf = (uint32_t)vrf;
	inner->vpc = (uint32_t)vrf + 1;
	*l3 = IIP;
	return true;
}
