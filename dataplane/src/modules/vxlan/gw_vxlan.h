/* SPDX-License-Identifier: Apache-2.0 */
/* Public API of the vxlan module (control thread, like every gw_dp_* write): the local VTEP, VNI -> VRF for
 * decapsulation, and tunnels, the nexthops of kind vxlan. The addon and gw-replay call these; the tables are
 * described in dataplane/tables/tables.yaml (vteps, vnis, tunnels) and docs/vxlan.md.
 * Addresses in network byte order. Returns 0 or a negative errno as gw_dp.h says. */
#ifndef GW_VXLAN_API_H
#define GW_VXLAN_API_H

#include "gw_dp.h"

#define GW_VXLAN_UDP_PORT 4789   /* RFC 7348 5: the IANA port; fixed */
#define GW_VXLAN_VNI_MAX 0xffffffu
/* Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8: an inner packet fits a tunnel whose underlay port has MTU m
 * when its L3 length is at most m - 50 (the inner Ethernet header rides inside the 50). */
#define GW_VXLAN_OVERHEAD 50

struct gw_vtep {
	uint32_t ip;                /* IPv4: outer source of encapsulated packets, outer destination we decapsulate,
	                             * source of ICMP errors sent into a VPC */
	struct rte_ether_addr mac;  /* router MAC: inner source MAC we send, the one inner destination MAC we accept */
	struct gw_ip ip6;           /* family AF_INET6: source of ICMPv6 errors sent into a VPC; family 0: none */
};
/* One VTEP: set again with the same ip replaces mac/ip6; another ip while one is set is -ENOSPC. */
int gw_dp_vtep_set(struct gw_dp *dp, const struct gw_vtep *v);
int gw_dp_vtep_del(struct gw_dp *dp, uint32_t ip);          /* -ENOENT when that VTEP is not set */
int gw_dp_vtep_get(const struct gw_dp *dp, struct gw_vtep *out); /* -ENOENT when none */

/* VNI (1..GW_VXLAN_VNI_MAX) -> VRF; the VRF must exist (-ENOENT). At most max_vrfs VNIs (-ENOSPC). */
int gw_dp_vni_set(struct gw_dp *dp, uint32_t vni, uint32_t vrf);
int gw_dp_vni_del(struct gw_dp *dp, uint32_t vni);
int gw_dp_vni_get(const struct gw_dp *dp, uint32_t vni, uint32_t *vrf);

/* A tunnel is the nexthop `id` (the id space of gw_dp_nexthop_set: setting one replaces the other there), so ECMP
 * groups list it as a member. Its outer route (to vtep, in VRF 0) is resolved when a packet needs it and cached
 * per worker until the underlay changes (docs/vxlan.md). */
struct gw_tunnel {
	uint32_t vni;               /* the remote's L3VNI */
	uint32_t vtep;              /* remote VTEP (IPv4) */
	struct rte_ether_addr mac;  /* remote router MAC: inner destination MAC */
};
int gw_dp_tunnel_set(struct gw_dp *dp, uint32_t id, const struct gw_tunnel *t);
int gw_dp_tunnel_del(struct gw_dp *dp, uint32_t id);        /* -ENOENT when nexthop id is not a tunnel */
int gw_dp_tunnel_get(const struct gw_dp *dp, uint32_t id, struct gw_tunnel *out);

#endif
