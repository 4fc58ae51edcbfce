/* SPDX-License-Identifier: Apache-2.0 */
/* Public C API of the nat module's stateless half (the addon, gw-replay, tests and the bench call it; control
 * thread only, like every gw_dp_* write): the natStatic table of dataplane/tables/tables.yaml.
 *
 * An entry (peering, vrf, ips, as) NATs the expose of the VPC whose dataplane VRF is vrf in that peering. After
 * vpc classify (md->vpc - 1 = source VRF, md->vrf = destination VRF, md->peering), a packet of the peering
 * FROM vrf with its source in ips leaves with source as, and a packet of the peering TO vrf with its
 * destination in as is routed with destination ips; host bits are kept. IPv4: ports untouched, IP and L4
 * checksums updated incrementally (RFC 1624). IPv6: NPTv6 (RFC 6296), checksum-neutral. ICMP errors about such
 * a flow have their embedded packet mapped too. */
#ifndef GW_NAT_PUBLIC_H
#define GW_NAT_PUBLIC_H

#include "gw_dp.h"

/* Entries of one peering (both sides): a packet scans its peering's entries of one VRF and family. */
#define GW_NAT_STATIC_MAX_PER_PEERING 1024
/* An IPv6 prefix longer than this leaves no whole 16-bit word of host bits for the NPTv6 adjustment. */
#define GW_NPTV6_MAX_PLEN 112

/* Add or replace (by peering, vrf, ips): -EINVAL for a peering outside 1..65535, prefixes of different family
 * or length, an IPv6 prefix longer than GW_NPTV6_MAX_PLEN; -ENOENT when vrf does not exist; -ENOSPC past
 * GW_NAT_STATIC_MAX_PER_PEERING. Host bits of the prefixes are ignored. */
int gw_dp_nat_static_set(struct gw_dp *dp, uint32_t peering, uint32_t vrf, const struct gw_ip *ips, uint8_t ips_len,
			 const struct gw_ip *as, uint8_t as_len);
int gw_dp_nat_static_del(struct gw_dp *dp, uint32_t peering, uint32_t vrf, const struct gw_ip *ips, uint8_t ips_len);
/* Deletes every entry of vrf (the VRF is being deleted): a VRF created again under that id starts without them. */
void gw_dp_nat_static_vrf_gone(struct gw_dp *dp, uint32_t vrf);
uint32_t gw_dp_nat_static_count(const struct gw_dp *dp, uint32_t peering);

/* Packets translated (source, destination or both) per peering, summed over workers. */
uint64_t gw_dp_nat_static_translations(const struct gw_dp *dp, uint32_t peering);

#endif
