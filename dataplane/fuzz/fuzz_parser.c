/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the packet parser and every stage behind it: the first input byte picks the
 * ingress port (physical, tagged or tap) and flags, the rest is the frame. A small routing table with
 * every route type, ECMP, a known and an unknown neighbor makes all stages reachable. Outputs are
 * checked for sanity (length, headroom) and freed; ASan/UBSan catch the rest. */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "fuzz_pipeline.h"
#include "gw_dp.h"

static void ip4(struct gw_ip *ip, uint32_t host) { *ip = (struct gw_ip){.family = AF_INET, .v4 = htonl(host)}; }

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_pipeline_init("fuzz");
	struct gw_port_conf c0 = {.mac = {{2, 0, 0, 0, 0, 1}}, .mtu = 1500, .punt_port = 2, .up = true};
	struct gw_port_conf c1 = {.mac = {{2, 0, 0, 0, 1, 1}}, .mtu = 1400, .punt_port = 3, .up = true};
	struct gw_port_conf t0 = {.mac = c0.mac, .mtu = 1500, .punt_port = 0, .is_punt = true, .up = true};
	gw_dp_port_set(dp, 0, &c0);
	gw_dp_port_set(dp, 1, &c1);
	gw_dp_port_set(dp, 2, &t0);
	struct gw_ip a, g6 = {.family = AF_INET6, .v6 = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	ip4(&a, 0x0a000001);
	gw_dp_port_addr_set(dp, 0, &a);
	gw_dp_port_addr_set(dp, 0, &g6);
	struct gw_nexthop nh1 = {.port = 1}, nh2 = {.port = 1};
	ip4(&nh1.gw, 0x0a010002);
	gw_dp_nexthop_set(dp, 1, &nh1);
	gw_dp_nexthop_set(dp, 2, &nh2); /* connected */
	uint32_t ids[] = {1, 2};
	uint16_t wts[] = {3, 1};
	gw_dp_group_set(dp, 1, ids, wts, 2);
	struct rte_ether_addr m = {{2, 0, 0, 0, 1, 2}};
	gw_dp_neigh_set(dp, 1, &nh1.gw, &m);
	struct gw_route uni = {.type = GW_ROUTE_UNICAST, .group_id = 1}, bh = {.type = GW_ROUTE_BLACKHOLE},
			rej = {.type = GW_ROUTE_REJECT}, loc = {.type = GW_ROUTE_LOCAL};
	struct gw_ip pfx;
	ip4(&pfx, 0x0a000000);
	gw_dp_route_add(dp, 0, &pfx, 8, &uni);
	ip4(&pfx, 0x0a030000);
	gw_dp_route_add(dp, 0, &pfx, 16, &bh);
	ip4(&pfx, 0x0a040000);
	gw_dp_route_add(dp, 0, &pfx, 16, &rej);
	gw_dp_route_add(dp, 0, &a, 32, &loc);
	struct gw_ip p6 = {.family = AF_INET6, .v6 = {0x20, 0x01, 0x0d, 0xb8}};
	gw_dp_route_add(dp, 0, &p6, 32, &uni);
	gw_dp_route_add(dp, 0, &g6, 128, &loc);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 9000)
		return 0;
	uint8_t sel = data[0];
	struct rte_mbuf *m = fuzz_mbuf();
	memcpy(rte_pktmbuf_append(m, (uint16_t)(size - 1)), data + 1, size - 1);
	if (sel & 0x10)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD; /* NIC said good: parser must still be memory-safe */
	gw_worker_set_trace(w, (sel & 0x20) ? on_trace : NULL, NULL);
	memset(out.n, 0, sizeof(out.n));
	now += (sel & 0x40) ? 1000000 : 1000;
	gw_pipeline_process(w, (uint16_t)(sel & 3), &m, 1, now, &out);
	fuzz_pipeline_finish((uint32_t)(size - 1 + 128), NULL);
	return 0;
}
