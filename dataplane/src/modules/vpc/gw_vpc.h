/* SPDX-License-Identifier: Apache-2.0 */
/* Public C API of the vpc module (the addon, gw-replay, tests and the bench call it; control thread only, like
 * every gw_dp_* write): the classify tables of dataplane/tables/tables.yaml (peeringRoutes, peeringSources) and
 * the per-VPC / per-peering counters summed over workers.
 *
 * Classify (GW_PRE_ROUTING, only packets that came in decapsulated: md->vpc = source VRF + 1): the inner
 * destination's longest match among the source VRF's peering routes gives (peering, dstVrf); the inner source
 * must lie in one of the source VRF's sources of that peering; the packet is then routed in dstVrf. Else it is
 * dropped as vpc_no_peering (no route) or vpc_source_not_exposed (route, but the source is not exposed). */
#ifndef GW_VPC_PUBLIC_H
#define GW_VPC_PUBLIC_H

#include "gw_dp.h"

#define GW_VPC_MAX_PEERING 65535 /* peering ids are 1..this (tables.yaml: peering max) */
#define GW_VPC_MAX_ENTRIES 65536 /* per source VRF: peering routes, and peering sources, each (-ENOSPC beyond) */

/* Add or replace: vrf and dstVrf must exist (-ENOENT), peering 1..GW_VPC_MAX_PEERING (-EINVAL). */
int gw_dp_peering_route_set(struct gw_dp *dp, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen, uint32_t peering,
			    uint32_t dst_vrf);
int gw_dp_peering_route_del(struct gw_dp *dp, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen);
/* Add (an existing entry is 0); vrf must exist (-ENOENT). */
int gw_dp_peering_source_set(struct gw_dp *dp, uint32_t vrf, uint32_t peering, const struct gw_ip *prefix,
			     uint8_t plen);
int gw_dp_peering_source_del(struct gw_dp *dp, uint32_t vrf, uint32_t peering, const struct gw_ip *prefix,
			     uint8_t plen);
uint32_t gw_dp_peering_route_count(const struct gw_dp *dp, uint32_t vrf);
uint32_t gw_dp_peering_source_count(const struct gw_dp *dp, uint32_t vrf);

/* The decision a worker makes for (source VRF, inner source, inner destination), from the published tables:
 * GW_DROP_MAX (allowed) with *peering and *dst_vrf, or the drop reason (GW_DROP_VPC_NO_PEERING,
 * GW_DROP_VPC_SOURCE_NOT_EXPOSED); -EINVAL for a bad argument. */
int gw_dp_vpc_classify(const struct gw_dp *dp, uint32_t vrf, const struct gw_ip *src, const struct gw_ip *dst,
		       uint32_t *peering, uint32_t *dst_vrf);

/* Counters summed over workers (relaxed reads of monotonic per-worker counters).
 * Per VPC (its dataplane VRF): rx = decapsulated packets from the VPC that reached classify (allowed or not),
 * tx = packets routed into the VPC through a peering (after its FIB chose a nexthop), bytes = inner IP bytes;
 * drops = classify's drops of packets from the VPC, by reason (gw_vpc_drop_reasons[i]). */
#define GW_VPC_N_DROPS 2
extern const enum gw_drop_reason gw_vpc_drop_reasons[GW_VPC_N_DROPS];
struct gw_vpc_counters {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t drops[GW_VPC_N_DROPS];
};
int gw_dp_vpc_counters(const struct gw_dp *dp, uint32_t vrf, struct gw_vpc_counters *out); /* -EINVAL past max_vrfs */
/* Per peering: packets (and inner IP bytes) routed through it, both directions. */
struct gw_vpc_peering_counters {
	uint64_t packets, bytes;
};
int gw_dp_vpc_peering_counters(const struct gw_dp *dp, uint32_t peering, struct gw_vpc_peering_counters *out);

#endif
