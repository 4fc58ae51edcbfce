/* SPDX-License-Identifier: Apache-2.0 */
/* ip module: IPv4/IPv6 input, route tables per VRF (rte_rib for the writer, multibit tries for the workers),
 * nexthops and weighted ECMP groups, forwarding (TTL, MTU, IPv4 fragmentation). Uses neigh (Ethernet rewrite,
 * cached MACs) and icmp (errors). Hook points it offers other modules:
 *   gw_ip_nexthop_kind_register()  how a nexthop of a kind sends (Ethernet neighbor today; a tunnel later)
 *   gw_ip_udp_local_register()     UDP to a local address and port (a VXLAN VTEP) instead of the punt
 * and it runs the core's GW_PRE_ROUTING / GW_POST_ROUTING chains. */
#ifndef GW_IP_H
#define GW_IP_H

#include <rte_ip.h>
#include <rte_rib.h>
#include <rte_rib6.h>

#include "hooks.h"
#include "mtrie.h"

/* ---- tables (immutable objects replaced by pointer swap) ---- */
enum gw_nh_kind {
	GW_NH_ETH = 0, /* out an Ethernet port to the gateway's (or the destination's) MAC */
	/* a module's kind goes here (GW_NH_VXLAN, ...): the one line ip learns of it */
	GW_NH_VXLAN, /* vxlan module: a tunnel to a remote VTEP, kind_data = the nexthop id */
	GW_NH_KINDS = 8
};

struct gw_nh_obj {
	struct gw_nexthop nh;
	/* The gateway's MAC (GW_NEIGH_VALID | mac) when resolved, else 0: saves the neighbor hash lookup on the
	 * forward path. The writer republishes the nexthop whenever that neighbor changes. */
	uint64_t mac;
	uint8_t kind;       /* enum gw_nh_kind */
	uint32_t kind_data; /* the kind's own (a tunnel's index in its module's table); 0 for GW_NH_ETH */
};

#define GW_GROUP_SLOTS_MAX 1024
#define GW_GROUP_MAX_MEMBERS 64
struct gw_group_obj {
	unsigned n;          /* members as configured (shown) */
	unsigned n_slots;    /* weighted slot table: member index repeated by weight */
	uint64_t live;       /* members the slots were built from: those whose port is not down (all when none is) */
	uint32_t nh_ids[GW_GROUP_MAX_MEMBERS];
	uint16_t weights[GW_GROUP_MAX_MEMBERS];
	uint32_t slots[];    /* nexthop ids */
};

/* Route values stored in the trie leaves (31 bits): type << 24 | group id; 0 = no route. */
#define GW_RV_TYPE_SHIFT 24
#define GW_RV_GROUP_MASK 0xffffffu
static inline uint32_t gw_rv_make(enum gw_route_type t, uint32_t group) { return ((uint32_t)t << GW_RV_TYPE_SHIFT) | group; }
static inline enum gw_route_type gw_rv_type(uint32_t v) { return (enum gw_route_type)(v >> GW_RV_TYPE_SHIFT); }
static inline uint32_t gw_rv_group(uint32_t v) { return v & GW_RV_GROUP_MASK; }

struct gw_vrf {
	struct gw_mtrie t4, t6;
	struct rte_rib *rib4;
	struct rte_rib6 *rib6;
	uint32_t n4, n6;
};

struct gw_ip_tables {
	struct gw_vrf *_Atomic *vrfs;         /* [max_vrfs] */
	struct gw_nh_obj *_Atomic *nhs;       /* [max_nexthops + 1] */
	struct gw_group_obj *_Atomic *groups; /* [max_groups + 1] */
	uint32_t nh_id_max;    /* highest nexthop id ever set: bounds the writer's scans */
	uint32_t group_id_max; /* same for groups */
	/* Generation of the underlay (VRF 0's routes, nexthops, groups, ports, neighbours): bumped by the writer after
	 * every change a path resolved through VRF 0 could depend on. A worker that caches such a path (vxlan's outer
	 * path per tunnel) uses it only while the generation it was resolved at is still the current one. Starts at 1. */
	_Atomic uint64_t underlay_gen;
};

static inline struct gw_ip_tables *gw_ip(const struct gw_dp *dp) { return dp->mod[GW_MOD_ip]; }

static inline const struct gw_vrf *gw_ip_vrf(const struct gw_dp *dp, uint32_t vrf)
{
	if (unlikely(vrf >= dp->p.max_vrfs))
		return NULL;
	return atomic_load_explicit(&gw_ip(dp)->vrfs[vrf], memory_order_acquire);
}

static inline uint64_t gw_ip_underlay_gen(const struct gw_dp *dp)
{
	return atomic_load_explicit(&gw_ip(dp)->underlay_gen, memory_order_acquire);
}
/* Writer side: invalidates every worker's cached underlay paths (call after publishing the change). */
static inline void gw_ip_underlay_changed(struct gw_dp *dp)
{
	atomic_fetch_add_explicit(&gw_ip(dp)->underlay_gen, 1, memory_order_release);
}

int gw_vrf_create(struct gw_dp *dp, uint32_t vrf, struct gw_vrf **out);
void gw_vrf_destroy(struct gw_vrf *v);
int gw_ip_tables_create(struct gw_dp *dp);
void gw_ip_tables_free(struct gw_dp *dp);
/* Writer side: republish nexthops whose gateway is (port, ip) (a neigh listener); rebuild the groups whose
 * live members changed with the port's state. */
void gw_nh_refresh(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip);
void gw_groups_port_changed(struct gw_dp *dp, uint16_t port);

/* ---- stages ---- */
/* Between a validated header and the route lookup: the pre-routing chain, then the VRF of the packet's metadata.
 * NULL when a filter took the packet or the VRF is unknown (counted vrf_unknown). */
static inline const struct gw_vrf *gw_ip_routing(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	if (gw_chain_run(GW_PRE_ROUTING, w, p, out))
		return NULL;
	const struct gw_vrf *v = gw_ip_vrf(w->dp, p->md->vrf);
	if (unlikely(v == NULL)) {
		gw_drop(w, p, GW_DROP_VRF_UNKNOWN);
		return NULL;
	}
	gw_stage(w, GW_STAGE_IP_LOOKUP);
	return v;
}

void gw_ip4_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
void gw_ip6_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
void gw_ip4_forward(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint32_t rv);
void gw_ip6_forward(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint32_t rv);
/* Burst-level FIB lookups (the core's burst_prepare hook). */
void gw_ip_fib_batch(struct gw_worker *w, struct rte_mbuf **pkts, struct gw_meta *md, uint16_t n);
/* ECMP: the nexthop of group for this packet's flow (NULL if the group or its member vanished). */
const struct gw_nh_obj *gw_ecmp_select(struct gw_worker *w, const struct gw_pkt *p, uint32_t group, uint8_t family);
/* Fragments an IPv4 packet (TTL already decremented, L2 header at p->l3 = 14) to fit mtu and sends every
 * fragment: out port to mac for an Ethernet nexthop, else through the nexthop's kind (which leaves by port). */
void gw_ip4_fragment(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, const struct gw_nh_obj *nh,
		     uint16_t port, const struct gw_port_obj *op, uint32_t mtu, uint64_t mac);
/* The flow hash ECMP uses (addresses, protocol, ports when present, IPv6 flow label) of the packet at p->l3. */
uint32_t gw_ip_flow_hash(const struct gw_pkt *p, uint8_t family);
/* Sends a packet the gateway originates (an ICMP error, L2 header at 14, no TTL decrement) by a route of
 * p->md->vrf: ECMP, egress, the post-routing chain, the nexthop's kind. false (packet untouched) when the VRF has
 * no unicast route to its destination; anything later consumes it (sent or dropped with its reason). */
bool gw_ip_output(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t family);
/* Local delivery: a registered UDP port's stage, else the core's GW_HOOK_LOCAL (punt). */
void gw_ip_local(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t proto, uint32_t l4);

/* ---- hook points of this module (module init only) ---- */
/* Sends a routed packet (TTL decremented, L2 header at 14) over a nexthop of its kind; family/dst_off locate
 * the packet's destination address for connected nexthops. */
typedef void (*gw_nh_send_fn)(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out,
			      const struct gw_nh_obj *nh, const struct gw_port_obj *op, uint8_t family, uint32_t dst_off);
int gw_ip_nexthop_kind_register(enum gw_nh_kind kind, gw_nh_send_fn fn);
/* gw_dp_nexthop_set for a nexthop of another kind (control thread): the kind's module calls it from its own API. */
int gw_ip_nexthop_set_kind(struct gw_dp *dp, uint32_t nh_id, const struct gw_nexthop *nh, enum gw_nh_kind kind,
			   uint32_t kind_data);
extern gw_nh_send_fn gw_ip_nh_send[GW_NH_KINDS];
/* A kind whose egress is chosen per packet (a tunnel: its outer route) tells ip, before the TTL and MTU checks,
 * the port the packet will leave by (*port, and its object) and the largest L3 length it may have there (*mtu);
 * NULL when it dropped the packet itself. The kind's send follows for the packet, or for each of its fragments. A
 * kind without one leaves by nh.port with that port's MTU. */
typedef const struct gw_port_obj *(*gw_nh_egress_fn)(struct gw_worker *w, struct gw_pkt *p, const struct gw_nh_obj *nh,
						      uint8_t family, uint32_t *mtu, uint16_t *port);
int gw_ip_nexthop_egress_register(enum gw_nh_kind kind, gw_nh_egress_fn fn);
extern gw_nh_egress_fn gw_ip_nh_egress[GW_NH_KINDS];
#define GW_UDP_LOCAL_MAX 8
int gw_ip_udp_local_register(uint16_t port /* host order */, gw_stage_fn fn);

/* Burst-level lookups of packets that carry another one (a tunnel to us), so the inner destination's lookup is
 * batched and prefetched like everyone's instead of a chain of cache misses per packet. Predictions only: the
 * stages decide as before, and ip uses the result only when the packet's VRF and destination at lookup time are
 * the ones predicted (struct gw_meta fib_vrf/fib_dst).
 *   inner: for a packet whose outer destination is local, whether it is a tunnel packet the module will
 *          decapsulate, the metadata its inner packet will start with (sets vrf, vpc of *inner, a copy of the
 *          packet's) and the offset of the inner IPv4
 *          header (at least 20 bytes in the first segment, not yet validated); one owner (-EEXIST).
 *   vrf:   a pre-routing filter that moves packets to another VRF (VPC classify) predicts where, from that
 *          metadata and header, for the burst's n tunnel packets at once (so it can overlap its own cache misses):
 *          updates md[i]->vrf, sets drop[i] when it would drop the packet (those already set: skip). Run in
 *          registration order. */
typedef bool (*gw_ip_inner_fn)(struct gw_worker *w, const struct rte_mbuf *m, const struct gw_meta *md,
			       struct gw_meta *inner, uint32_t *l3);
typedef void (*gw_ip_vrf_predict_fn)(struct gw_worker *w, struct gw_meta *const *md, const uint8_t *const *l3,
				     bool *drop, uint16_t n);
/* (a predictor may also leave a memo of its decision in the metadata fields its own stage reads: ip copies the
 * predicted metadata into the packet's, all but vrf/vpc/peering, which the stages set as they run) */
int gw_ip_burst_inner_register(gw_ip_inner_fn fn);
#define GW_VRF_PREDICT_MAX 4
int gw_ip_burst_vrf_register(gw_ip_vrf_predict_fn fn);
extern gw_ip_inner_fn gw_ip_burst_inner;
extern struct gw_ip_vrf_predict {
	unsigned n;
	gw_ip_vrf_predict_fn fn[GW_VRF_PREDICT_MAX];
} gw_ip_vrf_predict;

#endif
