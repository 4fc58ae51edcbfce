/* SPDX-License-Identifier: Apache-2.0 */
/* Encapsulation: the nexthop kind GW_NH_VXLAN. ip asks vxlan_egress for the port and MTU first (the outer route
 * to the remote VTEP in VRF 0, its ECMP member chosen by the inner flow hash), checks TTL and MTU against
 * port MTU - 50, then vxlan_send prepends outer Ethernet/IPv4/UDP/VXLAN:
 *   inner Ethernet: source = our router MAC, destination = the tunnel's router MAC
 *   outer IPv4: our VTEP -> the tunnel's VTEP, TTL 64, DSCP copied from the inner packet, ECN Not-ECT (RFC 6040
 *     4.1 compatibility mode), DF set (RFC 7348 4.3: VTEPs must not fragment VXLAN packets), id 0
 *   outer UDP: source port 49152 + (inner flow hash mod 16384) (RFC 7348 5: entropy for the underlay's ECMP, in the
 *     dynamic range), destination 4789, checksum 0 (RFC 7348 5: SHOULD be zero over IPv4)
 *   VXLAN: I flag, the tunnel's VNI.
 * ICMP errors about packets that came out of a tunnel are routed back into the source VPC from here too. */
#include <rte_udp.h>

#include "icmp/icmp.h"
#include "neigh/neigh.h"
#include "vxlan.h"

#define VXLAN_SPORT_BASE 49152u
#define VXLAN_SPORT_MASK 0x3fffu
#define VXLAN_TTL 64

/* The underlay nexthop for the tunnel's VTEP by the hash; NULL after a counted drop. */
static const struct gw_nh_obj *underlay(struct gw_worker *w, struct gw_pkt *p, const struct vxlan_tunnel *tun,
					uint32_t hash)
{
	const struct gw_vrf *v0 = gw_ip_vrf(w->dp, 0);
	uint32_t rv = v0 ? gw_mtrie_lookup4(&v0->t4, rte_be_to_cpu_32(tun->t.vtep)) : 0;
	if (unlikely(gw_rv_type(rv) != GW_ROUTE_UNICAST)) {
		gw_drop(w, p, GW_DROP_VXLAN_NO_UNDERLAY);
		return NULL;
	}
	const struct gw_ip_tables *ipt = gw_ip(w->dp);
	const struct gw_group_obj *g = atomic_load_explicit(&ipt->groups[gw_rv_group(rv)], memory_order_acquire);
	const struct gw_nh_obj *u =
		g ? atomic_load_explicit(&ipt->nhs[g->slots[((uint64_t)hash * g->n_slots) >> 32]], memory_order_acquire)
		  : NULL;
	/* The underlay is Ethernet: a tunnel inside a tunnel is not supported. */
	if (unlikely(u == NULL || u->kind != GW_NH_ETH)) {
		gw_drop(w, p, GW_DROP_NEXTHOP_INVALID);
		return NULL;
	}
	return u;
}

static uint16_t fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)((sum & 0xffff) + (sum >> 16));
}

static void tmpl_build(struct vxlan_tmpl *t, uint16_t *ip_sum, const struct vxlan_tunnel *tun, const struct gw_vtep *vtep)
{
	*t = (struct vxlan_tmpl){
		.ip = {.version_ihl = 0x45, .fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG),
		       .time_to_live = VXLAN_TTL, .next_proto_id = IPPROTO_UDP, .src_addr = vtep->ip,
		       .dst_addr = tun->t.vtep},
		.udp = {.dst_port = rte_cpu_to_be_16(GW_VXLAN_UDP_PORT)},
		.vxlan = {0x08},
		.inner_dst = tun->t.mac,
		.inner_src = vtep->mac,
	};
	memcpy(t->vxlan + 4, &tun->vni_word, 4);
	*ip_sum = rte_raw_cksum(&t->ip, sizeof(t->ip));
}

/* The MAC of underlay nexthop u for the tunnel (GW_NEIGH_VALID | mac), 0 when not resolved. */
static uint64_t leg_mac(const struct gw_dp *dp, const struct gw_nh_obj *u, const struct vxlan_tunnel *tun)
{
	if (u->nh.gw.family != 0)
		return (u->mac & GW_NEIGH_VALID) ? u->mac : gw_neigh_data(dp, u->nh.port, &u->nh.gw);
	const struct gw_ip vt = {.family = AF_INET, .v4 = tun->t.vtep};
	return gw_neigh_data(dp, u->nh.port, &vt);
}

/* Resolves every ECMP slot of the tunnel's outer route into the worker's cache entry e, as seen at generation gen
 * (read before any table); leaves e empty when some slot would drop. */
static void path_fill(struct gw_worker *w, struct vxlan_path *e, uint32_t id, const struct vxlan_tunnel *tun,
		      const struct gw_vtep *vtep, uint64_t gen)
{
	e->gen = 0;
	const struct gw_vrf *v0 = gw_ip_vrf(w->dp, 0);
	uint32_t rv = v0 ? gw_mtrie_lookup4(&v0->t4, rte_be_to_cpu_32(tun->t.vtep)) : 0;
	if (gw_rv_type(rv) != GW_ROUTE_UNICAST)
		return;
	const struct gw_ip_tables *ipt = gw_ip(w->dp);
	const struct gw_group_obj *g = atomic_load_explicit(&ipt->groups[gw_rv_group(rv)], memory_order_acquire);
	if (g == NULL || g->n_slots > VXLAN_LEGS)
		return;
	for (unsigned k = 0; k < g->n_slots; k++) {
		const struct gw_nh_obj *u = atomic_load_explicit(&ipt->nhs[g->slots[k]], memory_order_acquire);
		if (u == NULL || u->kind != GW_NH_ETH)
			return;
		uint64_t mac = leg_mac(w->dp, u, tun);
		if (!(mac & GW_NEIGH_VALID))
			return;
		e->leg[k].port = u->nh.port;
		memcpy(e->leg[k].mac, &mac, RTE_ETHER_ADDR_LEN);
	}
	e->n_legs = (uint16_t)g->n_slots;
	tmpl_build(&e->tmpl, &e->ip_sum, tun, vtep);
	e->id = id;
	e->tun = tun;
	e->gen = gen;
}

/* The tunnel's egress port, checked as for any nexthop; NULL after the drop. */
static const struct gw_port_obj *egress_port(struct gw_worker *w, struct gw_pkt *p, uint16_t port)
{
	const struct gw_port_obj *op = gw_dp_port(w->dp, port);
	if (unlikely(op == NULL || !op->c.up || op->c.mtu <= GW_VXLAN_OVERHEAD)) {
		gw_drop(w, p, GW_DROP_PORT_DOWN);
		return NULL;
	}
	return op;
}

const struct gw_port_obj *vxlan_egress(struct gw_worker *w, struct gw_pkt *p, const struct gw_nh_obj *nh,
				       uint8_t family, uint32_t *mtu, uint16_t *port)
{
	gw_stage(w, GW_STAGE_VXLAN_ENCAP);
	struct vxlan_worker *s = w->mod[GW_MOD_vxlan];
	s->nh = NULL;
	uint64_t gen = gw_ip_underlay_gen(w->dp); /* before any table the path depends on */
	uint32_t id = nh->kind_data;
	const struct vxlan_tunnel *tun = atomic_load_explicit(&gw_vxlan(w->dp)->tunnels[id], memory_order_acquire);
	if (unlikely(tun == NULL)) {
		gw_drop(w, p, GW_DROP_NEXTHOP_INVALID);
		return NULL;
	}
	uint32_t hash = gw_ip_flow_hash(p, family);
	struct vxlan_path *e = &s->paths[id & s->path_mask];
	if (likely(e->gen == gen && e->id == id && e->tun == tun)) {
		unsigned k = e->n_legs == 1 ? 0 : (unsigned)(((uint64_t)hash * e->n_legs) >> 32);
		const struct gw_port_obj *op = egress_port(w, p, e->leg[k].port);
		if (unlikely(op == NULL))
			return NULL;
		uint64_t mac = GW_NEIGH_VALID;
		memcpy(&mac, e->leg[k].mac, RTE_ETHER_ADDR_LEN);
		s->nh = nh;
		s->op = op;
		s->hash = hash;
		s->mac = mac;
		s->path = e;
		s->port = e->leg[k].port;
		*mtu = op->c.mtu - GW_VXLAN_OVERHEAD;
		*port = s->port;
		return op;
	}
	const struct gw_vtep *vtep = vxlan_vtep(w->dp);
	if (unlikely(vtep == NULL)) {
		gw_drop(w, p, GW_DROP_VXLAN_NO_VTEP);
		return NULL;
	}
	const struct gw_nh_obj *u = underlay(w, p, tun, hash);
	if (unlikely(u == NULL))
		return NULL;
	const struct gw_port_obj *op = egress_port(w, p, u->nh.port);
	if (unlikely(op == NULL))
		return NULL;
	path_fill(w, e, id, tun, vtep, gen); /* for the next packets of this tunnel */
	s->nh = nh;
	s->op = op;
	s->hash = hash;
	s->mac = 0;
	s->under = u;
	s->tun = tun;
	s->path = NULL;
	s->port = u->nh.port;
	tmpl_build(&s->tmpl, &s->ip_sum, tun, vtep);
	*mtu = op->c.mtu - GW_VXLAN_OVERHEAD;
	*port = u->nh.port;
	return op;
}

struct vxlan_outer {
	struct rte_ether_hdr eth;
	struct vxlan_tmpl t; /* up to and including the inner MAC addresses */
};
_Static_assert(sizeof(struct vxlan_outer) == GW_VXLAN_OVERHEAD + 2 * RTE_ETHER_ADDR_LEN,
	       "outer headers are 50 bytes, then the inner MACs");

void vxlan_send(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, const struct gw_nh_obj *nh,
		const struct gw_port_obj *op, uint8_t family, uint32_t dst_off)
{
	(void)dst_off;
	struct vxlan_worker *s = w->mod[GW_MOD_vxlan];
	/* ip calls egress right before (once for all fragments of a packet); a post-routing filter that changed the
	 * packet's path makes us look again. */
	if (unlikely(s->nh != nh || s->op != op)) {
		uint32_t mtu;
		uint16_t port;
		if (vxlan_egress(w, p, nh, family, &mtu, &port) == NULL)
			return;
	}
	uint64_t mac = s->mac;
	if (likely(mac != 0)) {
		gw_stage(w, GW_STAGE_NEIGH_RESOLVE); /* resolved when the path was cached */
	} else {
		const struct gw_nh_obj *u = s->under;
		const struct gw_ip *g = &u->nh.gw;
		bool ok = g->family == 0
				  ? gw_neigh_lookup(w, p, u->nh.port, AF_INET, &s->tun->t.vtep, 0, &mac)
				  : gw_neigh_lookup(w, p, u->nh.port, g->family,
						    g->family == AF_INET ? (const void *)&g->v4 : g->v6, u->mac, &mac);
		if (unlikely(!ok))
			return;
	}
	const struct vxlan_tmpl *t = s->path ? &s->path->tmpl : &s->tmpl;
	uint16_t ip_sum = s->path ? s->path->ip_sum : s->ip_sum;

	struct rte_mbuf *m = p->m;
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l3);
	uint8_t tos = (family == AF_INET ? l3[1] : (uint8_t)((l3[0] << 4) | (l3[1] >> 4))) & 0xfc;
	uint32_t inner_len = rte_pktmbuf_pkt_len(m);
	struct vxlan_outer *o = (struct vxlan_outer *)rte_pktmbuf_prepend(m, GW_VXLAN_OVERHEAD);
	if (unlikely(o == NULL))
		return gw_drop(w, p, GW_DROP_NO_MBUF);
	memcpy(o->eth.dst_addr.addr_bytes, &mac, RTE_ETHER_ADDR_LEN);
	o->eth.src_addr = op->c.mac;
	o->eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	o->t = *t;
	uint16_t ulen = (uint16_t)(inner_len + sizeof(o->t.udp) + sizeof(o->t.vxlan));
	uint16_t tot = rte_cpu_to_be_16((uint16_t)(ulen + sizeof(o->t.ip)));
	const uint8_t tos_word[2] = {0, tos};
	uint16_t tw;
	memcpy(&tw, tos_word, 2);
	o->t.ip.type_of_service = tos;
	o->t.ip.total_length = tot;
	/* The template's sum plus the two fields that vary: what rte_ipv4_cksum gives for the whole header. */
	o->t.ip.hdr_checksum = (uint16_t)~fold((uint32_t)ip_sum + tot + tw);
	o->t.udp.src_port = rte_cpu_to_be_16((uint16_t)(VXLAN_SPORT_BASE + (s->hash & VXLAN_SPORT_MASK)));
	o->t.udp.dgram_len = rte_cpu_to_be_16(ulen);
	m->ol_flags = 0;
	/* The choice stays for the next fragment of the same packet (ip asks egress again for the next packet). */
	gw_tx(w, out, s->port, m, GW_DEC_FORWARD);
}

bool vxlan_icmp_source(struct gw_worker *w, const struct gw_pkt *p, uint8_t family, void *src)
{
	(void)p;
	const struct gw_vtep *v = vxlan_vtep(w->dp);
	if (v == NULL)
		return false;
	if (family == AF_INET) {
		memcpy(src, &v->ip, 4);
		return true;
	}
	if (v->ip6.family != AF_INET6)
		return false;
	memcpy(src, v->ip6.v6, 16);
	return true;
}

void vxlan_icmp_send(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t family)
{
	/* Towards the offending packet's source, in the VPC it came from (classify may have moved md->vrf on). */
	p->md->vrf = p->md->vpc - 1;
	p->md->fib_family = 0;
	p->md->peering = 0; /* the gateway's own error is no peering's traffic (the vpc module's counters) */
	if (!gw_ip_output(w, p, out, family))
		gw_drop(w, p, GW_DROP_VXLAN_ICMP_NO_ROUTE);
}
