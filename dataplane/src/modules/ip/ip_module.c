/* SPDX-License-Identifier: Apache-2.0 */
/* The ip module's registration: its stages at the eth and core hook points, its tables in the dp, and the hook
 * points it offers (nexthop kinds, local UDP ports). */
#include <errno.h>

#include <rte_udp.h>

#include "eth/eth.h"
#include "ip.h"
#include "neigh/neigh.h"

gw_nh_send_fn gw_ip_nh_send[GW_NH_KINDS];

int gw_ip_nexthop_kind_register(enum gw_nh_kind kind, gw_nh_send_fn fn)
{
	if (kind >= GW_NH_KINDS || !fn)
		return -EINVAL;
	if (gw_ip_nh_send[kind] && gw_ip_nh_send[kind] != fn)
		return -EEXIST;
	gw_ip_nh_send[kind] = fn;
	return 0;
}

gw_nh_egress_fn gw_ip_nh_egress[GW_NH_KINDS];

int gw_ip_nexthop_egress_register(enum gw_nh_kind kind, gw_nh_egress_fn fn)
{
	if (kind >= GW_NH_KINDS || kind == GW_NH_ETH || !fn)
		return -EINVAL;
	if (gw_ip_nh_egress[kind] && gw_ip_nh_egress[kind] != fn)
		return -EEXIST;
	gw_ip_nh_egress[kind] = fn;
	return 0;
}

gw_ip_inner_fn gw_ip_burst_inner;
struct gw_ip_vrf_predict gw_ip_vrf_predict;

int gw_ip_burst_inner_register(gw_ip_inner_fn fn)
{
	if (!fn)
		return -EINVAL;
	if (gw_ip_burst_inner && gw_ip_burst_inner != fn)
		return -EEXIST;
	gw_ip_burst_inner = fn;
	return 0;
}

int gw_ip_burst_vrf_register(gw_ip_vrf_predict_fn fn)
{
	if (!fn)
		return -EINVAL;
	for (unsigned i = 0; i < gw_ip_vrf_predict.n; i++)
		if (gw_ip_vrf_predict.fn[i] == fn)
			return 0;
	if (gw_ip_vrf_predict.n == GW_VRF_PREDICT_MAX)
		return -ENOSPC;
	gw_ip_vrf_predict.fn[gw_ip_vrf_predict.n++] = fn;
	return 0;
}

static struct {
	unsigned n;
	uint16_t port[GW_UDP_LOCAL_MAX]; /* network order, as compared */
	gw_stage_fn fn[GW_UDP_LOCAL_MAX];
} udp_local;

int gw_ip_udp_local_register(uint16_t port, gw_stage_fn fn)
{
	if (!fn)
		return -EINVAL;
	for (unsigned i = 0; i < udp_local.n; i++)
		if (udp_local.port[i] == rte_cpu_to_be_16(port))
			return udp_local.fn[i] == fn ? 0 : -EEXIST;
	if (udp_local.n == GW_UDP_LOCAL_MAX)
		return -ENOSPC;
	udp_local.port[udp_local.n] = rte_cpu_to_be_16(port);
	udp_local.fn[udp_local.n++] = fn;
	return 0;
}

void gw_ip_local(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t proto, uint32_t l4)
{
	if (unlikely(udp_local.n != 0) && proto == IPPROTO_UDP &&
	    rte_pktmbuf_data_len(p->m) >= l4 + sizeof(struct rte_udp_hdr)) {
		uint16_t dport = rte_pktmbuf_mtod_offset(p->m, const struct rte_udp_hdr *, l4)->dst_port;
		for (unsigned i = 0; i < udp_local.n; i++)
			if (udp_local.port[i] == dport)
				return udp_local.fn[i](w, p, out);
	}
	gw_hook(GW_HOOK_LOCAL, w, p, out);
}

static void ip_init(void)
{
	gw_eth_input_register(RTE_ETHER_TYPE_IPV4, gw_ip4_input);
	gw_eth_input_register(RTE_ETHER_TYPE_IPV6, gw_ip6_input);
	gw_hook_burst_set(gw_ip_fib_batch);
	gw_neigh_listen(gw_nh_refresh);
}

const struct gw_module gw_module_ip = {
	.name = "ip",
	.init = ip_init,
	.dp_create = gw_ip_tables_create,
	.dp_free = gw_ip_tables_free,
	.port_changed = gw_groups_port_changed,
};
