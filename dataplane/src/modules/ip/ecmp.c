/* SPDX-License-Identifier: Apache-2.0 */
/* ECMP: a group's slot table (members repeated by weight) indexed by a flow hash, so every packet of a
 * flow takes the same member while the group is unchanged. The hash covers addresses, protocol, the IPv6
 * flow label and the L4 ports when present (not for IPv4 fragments, whose later pieces carry no ports, so
 * all fragments stay together). Single-member groups skip the hash. */
#include <sys/socket.h>

#include "ip.h"

static inline bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

static uint32_t flow_hash4(const struct gw_pkt *p)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(p->m, const struct rte_ipv4_hdr *, p->l3);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
	uint32_t h = gw_hash_mix(gw_hash_mix(ip->src_addr, ip->dst_addr), ip->next_proto_id);
	if (has_ports(ip->next_proto_id) &&
	    !(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) &&
	    rte_pktmbuf_data_len(p->m) >= p->l3 + ihl + 4)
		h = gw_hash_mix(h, gw_ld32(rte_pktmbuf_mtod_offset(p->m, const uint8_t *, p->l3 + ihl)));
	return h;
}

static uint32_t flow_hash6(const struct gw_pkt *p)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(p->m, const struct rte_ipv6_hdr *, p->l3);
	uint32_t h = gw_hash_mix(ip->vtc_flow & rte_cpu_to_be_32(0xfffff), ip->proto);
	for (int i = 0; i < 16; i += 4)
		h = gw_hash_mix(gw_hash_mix(h, gw_ld32(ip->src_addr + i)), gw_ld32(ip->dst_addr + i));
	if (has_ports(ip->proto) && rte_pktmbuf_data_len(p->m) >= p->l3 + sizeof(*ip) + 4)
		h = gw_hash_mix(h, gw_ld32(rte_pktmbuf_mtod_offset(p->m, const uint8_t *, p->l3 + sizeof(*ip))));
	return h;
}

uint32_t gw_ip_flow_hash(const struct gw_pkt *p, uint8_t family)
{
	return family == AF_INET ? flow_hash4(p) : flow_hash6(p);
}

const struct gw_nh_obj *gw_ecmp_select(struct gw_worker *w, const struct gw_pkt *p, uint32_t group, uint8_t family)
{
	gw_stage(w, GW_STAGE_ECMP);
	const struct gw_group_obj *g = atomic_load_explicit(&gw_ip(w->dp)->groups[group], memory_order_acquire);
	if (unlikely(g == NULL))
		return NULL;
	uint32_t id = g->slots[0];
	if (g->n_slots > 1) {
		uint32_t h = family == AF_INET ? flow_hash4(p) : flow_hash6(p);
		id = g->slots[((uint64_t)h * g->n_slots) >> 32];
	}
	if (unlikely(w->trace_fn != NULL))
		w->tr.nexthop = id;
	return atomic_load_explicit(&gw_ip(w->dp)->nhs[id], memory_order_acquire);
}
