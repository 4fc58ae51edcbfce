/* SPDX-License-Identifier: Apache-2.0 */
/* vxlan module (RFC 7348, outer IPv4): the local VTEP, VNI -> VRF, tunnels (nexthops of kind GW_NH_VXLAN).
 * Stages: decapsulation (ip's local UDP 4789 hook) and encapsulation (ip's nexthop kind). ICMP errors about a
 * decapsulated packet are routed back into its source VPC through icmp's overlay hook. Uses ip, icmp, neigh. */
#ifndef GW_VXLAN_H
#define GW_VXLAN_H

#include <rte_udp.h>

#include "gw_vxlan.h"
#include "ip/ip.h"

/* Every object workers read is immutable and replaced by pointer (freed after a grace period). */
struct vxlan_vni_ent {
	uint32_t vni, vrf; /* vni 0 = empty slot (VNI 0 is never valid) */
};
struct vxlan_vnis {
	uint32_t n;
	uint32_t mask;                /* slots of the index - 1 (a power of two, at least twice n) */
	struct vxlan_vni_ent *idx;    /* open-addressed index (linear probing) into the same allocation */
	struct vxlan_vni_ent e[];     /* sorted by vni: what the writer edits */
};

/* The index is what decapsulation reads: a binary search over a hundred random VNIs cost ~4 mispredicted branches
 * per packet; a hash at most half full is one probe most of the time. */
static inline uint32_t vxlan_vni_slot(uint32_t vni, uint32_t mask) { return (vni * 0x9e3779b1u >> 8) & mask; }

struct vxlan_tunnel {
	struct gw_tunnel t;
	uint32_t vni_word; /* the VXLAN header's second word, network order: VNI << 8 */
};

struct gw_vxlan_tables {
	struct gw_vtep *_Atomic vtep;
	struct vxlan_vnis *_Atomic vnis;
	struct vxlan_tunnel *_Atomic *tunnels; /* [max_nexthops + 1], by nexthop id */
};

static inline struct gw_vxlan_tables *gw_vxlan(const struct gw_dp *dp) { return dp->mod[GW_MOD_vxlan]; }

static inline const struct gw_vtep *vxlan_vtep(const struct gw_dp *dp)
{
	return atomic_load_explicit(&gw_vxlan(dp)->vtep, memory_order_acquire);
}

/* VRF of a VNI (host order), or -1. */
static inline int64_t vxlan_vni_vrf(const struct gw_dp *dp, uint32_t vni)
{
	const struct vxlan_vnis *t = atomic_load_explicit(&gw_vxlan(dp)->vnis, memory_order_acquire);
	if (unlikely(t == NULL || vni == 0))
		return -1;
	for (uint32_t i = vxlan_vni_slot(vni, t->mask);; i = (i + 1) & t->mask) {
		const struct vxlan_vni_ent *s = &t->idx[i];
		if (s->vni == vni)
			return s->vrf;
		if (s->vni == 0)
			return -1;
	}
}

/* What encapsulation writes after the outer Ethernet header, the same for every packet of a tunnel: outer IPv4
 * (total length, DSCP and checksum 0), UDP (source port and length 0), VXLAN, and the inner Ethernet addresses. */
struct vxlan_tmpl {
	struct rte_ipv4_hdr ip;
	struct rte_udp_hdr udp;
	uint8_t vxlan[8];
	struct rte_ether_addr inner_dst, inner_src;
};
_Static_assert(sizeof(struct vxlan_tmpl) == 48, "outer IPv4 + UDP + VXLAN + inner MACs");

/* A worker's resolution of one tunnel's outer path: the underlay route's ECMP slots (egress port and next hop MAC,
 * in the group's slot order) and the header template. Valid while the underlay generation (ip.h) is the one it was
 * resolved at and the tunnel object is the same; it holds values, never pointers it would dereference, so nothing
 * it names can be freed under it. A path that cannot be resolved without a drop (no route, a neighbour miss, more
 * slots than VXLAN_LEGS) is not cached: such packets take the per-packet path, with its drops and events. */
#define VXLAN_LEGS 8
struct vxlan_path {
	uint64_t gen;                   /* 0: empty */
	const struct vxlan_tunnel *tun; /* compared only */
	uint32_t id;                    /* tunnel (nexthop) id */
	uint16_t n_legs;
	uint16_t ip_sum;                /* one's complement sum of tmpl.ip as stored (no length, DSCP, checksum) */
	struct {
		uint16_t port;
		uint8_t mac[RTE_ETHER_ADDR_LEN];
	} leg[VXLAN_LEGS];
	struct vxlan_tmpl tmpl;
} __rte_cache_aligned;

/* The underlay path ip's egress call chose for a tunnel nexthop, kept per worker for the send that follows it. */
struct vxlan_worker {
	const struct gw_nh_obj *nh;      /* the tunnel nexthop it was chosen for */
	const struct gw_port_obj *op;    /* the egress port */
	uint16_t port;                   /* its id */
	uint32_t hash;                   /* the inner flow hash */
	uint64_t mac;                    /* the outer destination MAC (GW_NEIGH_VALID | mac) when known, else 0 */
	const struct gw_nh_obj *under;   /* when mac is 0: the underlay nexthop whose neighbour send looks up */
	const struct vxlan_tunnel *tun;
	struct vxlan_tmpl tmpl;          /* this packet's template when its path is not cached */
	uint16_t ip_sum;
	const struct vxlan_path *path;   /* the cached path (else NULL: tmpl/ip_sum above) */
	uint32_t path_mask;              /* paths[] is a direct-mapped cache by tunnel id */
	struct vxlan_path *paths;
};

void vxlan_decap(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
bool vxlan_burst_inner(struct gw_worker *w, const struct rte_mbuf *m, const struct gw_meta *md, struct gw_meta *inner,
		       uint32_t *l3);
const struct gw_port_obj *vxlan_egress(struct gw_worker *w, struct gw_pkt *p, const struct gw_nh_obj *nh,
				       uint8_t family, uint32_t *mtu, uint16_t *port);
void vxlan_send(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, const struct gw_nh_obj *nh,
		const struct gw_port_obj *op, uint8_t family, uint32_t dst_off);
bool vxlan_icmp_source(struct gw_worker *w, const struct gw_pkt *p, uint8_t family, void *src);
void vxlan_icmp_send(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t family);

#endif
