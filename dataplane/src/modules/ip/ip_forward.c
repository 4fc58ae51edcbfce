/* SPDX-License-Identifier: Apache-2.0 */
/* Forwarding decision after a unicast route: ECMP member (ecmp.c), TTL/hop limit, egress MTU,
 * decrement with incremental checksum (RFC 1624), then neighbor rewrite. */
#include <sys/socket.h>

#include "icmp/icmp.h"
#include "ip.h"
#include "neigh/neigh.h"

/* The packet leaves untagged: drop the 802.1Q tag by sliding the MAC addresses over it. */
static inline void strip_vlan(struct gw_pkt *p)
{
	if (p->l3 == sizeof(struct rte_ether_hdr))
		return;
	uint8_t *d = rte_pktmbuf_mtod(p->m, uint8_t *);
	memmove(d + sizeof(struct rte_vlan_hdr), d, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(p->m, sizeof(struct rte_vlan_hdr));
	p->l3 = sizeof(struct rte_ether_hdr);
}

static inline void trim_to(struct rte_mbuf *m, uint32_t len)
{
	if (rte_pktmbuf_pkt_len(m) > len && m->nb_segs == 1)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - len));
}

/* The egress port (id and object) and the L3 MTU there; NULL after a counted drop. */
static inline const struct gw_port_obj *egress(struct gw_worker *w, struct gw_pkt *p, const struct gw_nh_obj *nh,
					       uint8_t family, uint32_t *mtu, uint16_t *port)
{
	if (unlikely(gw_ip_nh_egress[nh->kind] != NULL))
		return gw_ip_nh_egress[nh->kind](w, p, nh, family, mtu, port);
	const struct gw_port_obj *op = gw_dp_port(w->dp, nh->nh.port);
	if (unlikely(op == NULL || !op->c.up)) {
		gw_drop(w, p, GW_DROP_PORT_DOWN);
		return NULL;
	}
	*mtu = op->c.mtu;
	*port = nh->nh.port;
	return op;
}

/* The post-routing chain, then the nexthop's kind sends. An Ethernet nexthop (the common kind, inlined)
 * resolves the packet's own destination (at dst_off) when connected, else the gateway address. */
static inline void to_nexthop(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out,
			      const struct gw_nh_obj *nh, const struct gw_port_obj *op, uint8_t family, uint32_t dst_off)
{
	if (gw_chain_run(GW_POST_ROUTING, w, p, out))
		return;
	if (unlikely(nh->kind != GW_NH_ETH)) {
		if (unlikely(gw_ip_nh_send[nh->kind] == NULL))
			return gw_drop(w, p, GW_DROP_NEXTHOP_INVALID);
		return gw_ip_nh_send[nh->kind](w, p, out, nh, op, family, dst_off);
	}
	const struct gw_ip *g = &nh->nh.gw;
	if (g->family == 0)
		gw_neigh_resolve(w, p, out, nh->nh.port, op, family, rte_pktmbuf_mtod_offset(p->m, const uint8_t *, dst_off), 0);
	else
		gw_neigh_resolve(w, p, out, nh->nh.port, op, g->family, g->family == AF_INET ? (const void *)&g->v4 : g->v6,
				 nh->mac);
}

/* IPv4 over the egress MTU without DF: decrement, resolve, then cut into fragments (RFC 791). A nexthop of another
 * kind (a tunnel) sends each fragment itself. */
static void forward_fragmented(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out,
			       const struct gw_nh_obj *nh, const struct gw_port_obj *op, uint32_t tot, uint32_t mtu,
			       uint16_t port)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(p->m, struct rte_ipv4_hdr *, p->l3);
	trim_to(p->m, p->l3 + tot);
	ip->time_to_live--; /* every fragment's checksum is computed afresh */
	strip_vlan(p);
	if (gw_chain_run(GW_POST_ROUTING, w, p, out))
		return;
	if (nh->kind != GW_NH_ETH)
		return gw_ip4_fragment(w, p, out, nh, port, op, mtu, 0);
	const struct gw_ip *g = &nh->nh.gw;
	uint64_t mac;
	bool ok = g->family == 0
			  ? gw_neigh_lookup(w, p, nh->nh.port, AF_INET,
					    rte_pktmbuf_mtod_offset(p->m, const uint8_t *, p->l3 + 16), 0, &mac)
			  : gw_neigh_lookup(w, p, nh->nh.port, g->family,
					    g->family == AF_INET ? (const void *)&g->v4 : g->v6, nh->mac, &mac);
	if (ok)
		gw_ip4_fragment(w, p, out, nh, port, op, mtu, mac);
}

void gw_ip4_forward(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint32_t rv)
{
	gw_stage(w, GW_STAGE_IP_FORWARD);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(p->m, struct rte_ipv4_hdr *, p->l3);
	if (unlikely(ip->time_to_live <= 1))
		return gw_icmp4_error(w, p, out, GW_ICMP_TIME_EXCEEDED, 0, 0, GW_DROP_TTL_EXCEEDED);

	const struct gw_nh_obj *nh = gw_ecmp_select(w, p, gw_rv_group(rv), AF_INET);
	if (unlikely(nh == NULL))
		return gw_drop(w, p, GW_DROP_NEXTHOP_INVALID);
	uint32_t mtu;
	uint16_t port;
	const struct gw_port_obj *op = egress(w, p, nh, AF_INET, &mtu, &port);
	if (unlikely(op == NULL))
		return;

	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tot > mtu)) {
		if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))
			return gw_icmp4_error(w, p, out, GW_ICMP_DEST_UNREACH, GW_ICMP_UNREACH_FRAG_NEEDED, (uint16_t)mtu,
					      GW_DROP_MTU_EXCEEDED);
		return forward_fragmented(w, p, out, nh, op, tot, mtu, port);
	}
	trim_to(p->m, p->l3 + tot); /* Ethernet padding must not travel on */
	ip->time_to_live--;
	uint32_t ck = ip->hdr_checksum + (uint32_t)rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(ck + (ck >= 0xffff));
	strip_vlan(p);
	to_nexthop(w, p, out, nh, op, AF_INET, p->l3 + 16);
}

void gw_ip6_forward(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint32_t rv)
{
	gw_stage(w, GW_STAGE_IP_FORWARD);
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(p->m, struct rte_ipv6_hdr *, p->l3);
	if (unlikely(ip->hop_limits <= 1))
		return gw_icmp6_error(w, p, out, GW_ICMP6_TIME_EXCEEDED, 0, 0, GW_DROP_TTL_EXCEEDED);

	const struct gw_nh_obj *nh = gw_ecmp_select(w, p, gw_rv_group(rv), AF_INET6);
	if (unlikely(nh == NULL))
		return gw_drop(w, p, GW_DROP_NEXTHOP_INVALID);
	uint32_t mtu;
	uint16_t port;
	const struct gw_port_obj *op = egress(w, p, nh, AF_INET6, &mtu, &port);
	if (unlikely(op == NULL))
		return;

	uint32_t tot = sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len);
	if (unlikely(tot > mtu))
		return gw_icmp6_error(w, p, out, GW_ICMP6_PACKET_TOO_BIG, 0, mtu, GW_DROP_MTU_EXCEEDED);
	trim_to(p->m, p->l3 + tot);
	ip->hop_limits--;
	strip_vlan(p);
	to_nexthop(w, p, out, nh, op, AF_INET6, p->l3 + 24);
}

bool gw_ip_output(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t family)
{
	const struct gw_vrf *v = gw_ip_vrf(w->dp, p->md->vrf);
	if (unlikely(v == NULL))
		return false;
	gw_stage(w, GW_STAGE_IP_LOOKUP);
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(p->m, const uint8_t *, p->l3);
	uint32_t dst_off = p->l3 + (family == AF_INET ? 16 : 24);
	uint32_t rv = family == AF_INET ? gw_mtrie_lookup4(&v->t4, rte_be_to_cpu_32(gw_ld32(l3 + 16)))
					: gw_mtrie_lookup6(&v->t6, l3 + 24);
	if (gw_rv_type(rv) != GW_ROUTE_UNICAST)
		return false;
	gw_stage(w, GW_STAGE_IP_FORWARD);
	const struct gw_nh_obj *nh = gw_ecmp_select(w, p, gw_rv_group(rv), family);
	if (unlikely(nh == NULL)) {
		gw_drop(w, p, GW_DROP_NEXTHOP_INVALID);
		return true;
	}
	uint32_t mtu;
	uint16_t port;
	const struct gw_port_obj *op = egress(w, p, nh, family, &mtu, &port);
	if (unlikely(op == NULL))
		return true;
	if (unlikely(rte_pktmbuf_pkt_len(p->m) - p->l3 > mtu)) {
		gw_drop(w, p, GW_DROP_MTU_EXCEEDED);
		return true;
	}
	to_nexthop(w, p, out, nh, op, family, dst_off);
	return true;
}
