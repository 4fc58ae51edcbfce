/* SPDX-License-Identifier: Apache-2.0 */
/* vxlan module (RFC 7348, outer IPv4): the local VTEP, VNI -> VRF, tunnels (nexthops of kind GW_NH_VXLAN).
 * Stages: decapsulation (ip's local UDP 4789 hook) and encapsulation (ip's nexthop kind). ICMP errors about a
 * decapsulated packet are routed back into its source VPC through icmp's overlay hook. Uses ip, icmp, neigh. */
#ifndef GW_VXLAN_H
#define GW_VXLAN_H

#include "gw_vxlan.h"
#include "ip/ip.h"

/* Every object workers read is immutable and replaced by pointer (freed after a grace period). */
struct vxlan_vnis {
	uint32_t n;
	struct {
		uint32_t vni, vrf;
	} e[]; /* sorted by vni */
};

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
	uint32_t lo = 0, hi = t ? t->n : 0;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (t->e[mid].vni < vni)
			lo = mid + 1;
		else
			hi = mid;
	}
	return t && lo < t->n && t->e[lo].vni == vni ? (int64_t)t->e[lo].vrf : -1;
}

/* The underlay path ip's egress call chose for a tunnel nexthop, kept per worker for the send that follows it. */
struct vxlan_worker {
	const struct gw_nh_obj *nh;      /* the tunnel nexthop it was chosen for */
	const struct vxlan_tunnel *tun;
	const struct gw_vtep *vtep;
	const struct gw_nh_obj *under;   /* the underlay nexthop (Ethernet) */
	const struct gw_port_obj *op;    /* its port */
	uint32_t hash;                   /* the inner flow hash */
};

void vxlan_decap(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
const struct gw_port_obj *vxlan_egress(struct gw_worker *w, struct gw_pkt *p, const struct gw_nh_obj *nh,
				       uint8_t family, uint32_t *mtu, uint16_t *port);
void vxlan_send(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, const struct gw_nh_obj *nh,
		const struct gw_port_obj *op, uint8_t family, uint32_t dst_off);
bool vxlan_icmp_source(struct gw_worker *w, const struct gw_pkt *p, uint8_t family, void *src);
void vxlan_icmp_send(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t family);

#endif
