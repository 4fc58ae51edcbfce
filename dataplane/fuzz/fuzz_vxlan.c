/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for VXLAN decapsulation and everything behind it (VPC route, encapsulation, ICMP errors back
 * through a tunnel). The first input byte picks flags; unless its top bit is set, the rest (a VXLAN header and an
 * inner frame) is wrapped in valid outer Ethernet/IPv4/UDP headers to our VTEP, so every input reaches the decap
 * stage; with the top bit the rest is the whole frame. Outputs are checked (encapsulated ones carry sane outer
 * headers, a source port in the dynamic range, a tunnel's VNI and MACs) and freed; ASan/UBSan catch the rest. */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "fuzz_pipeline.h"
#include "gw_dp.h"
#include "vpc/gw_vpc.h"
#include "vxlan/gw_vxlan.h"

static const struct rte_ether_addr P0 = {{2, 0, 0, 0, 0, 1}}, RMAC = {{2, 0xaa, 0, 0, 0, 1}};
static const struct rte_ether_addr LEAF_A = {{2, 0xbb, 0, 0, 0, 9}}, LEAF_B = {{2, 0xbb, 0, 0, 0, 7}};

static struct gw_ip ip4(uint32_t host) { return (struct gw_ip){.family = AF_INET, .v4 = htonl(host)}; }

static void route(uint32_t vrf, struct gw_ip pfx, uint8_t len, enum gw_route_type t, uint32_t group)
{
	struct gw_route r = {.type = t, .group_id = group};
	gw_dp_route_add(dp, vrf, &pfx, len, &r);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_pipeline_init("fuzzvx");
	struct gw_port_conf c0 = {.mac = P0, .mtu = 1500, .punt_port = 2, .up = true};
	struct gw_port_conf c1 = {.mac = {{2, 0, 0, 0, 1, 1}}, .mtu = 1400, .punt_port = 3, .up = true};
	struct gw_port_conf t0 = {.mac = P0, .mtu = 1500, .punt_port = 0, .is_punt = true, .up = true};
	gw_dp_port_set(dp, 0, &c0);
	gw_dp_port_set(dp, 1, &c1);
	gw_dp_port_set(dp, 2, &t0);
	struct gw_ip a = ip4(0x0a000001);
	gw_dp_port_addr_set(dp, 0, &a);
	route(0, a, 32, GW_ROUTE_LOCAL, 0);
	route(0, ip4(0xc0000201), 32, GW_ROUTE_LOCAL, 0);
	struct gw_nexthop nh = {.port = 1, .gw = ip4(0x0a010002)};
	gw_dp_nexthop_set(dp, 1, &nh);
	uint32_t id = 1;
	gw_dp_group_set(dp, 1, &id, NULL, 1);
	struct rte_ether_addr m = {{2, 0, 0, 0, 1, 2}};
	gw_dp_neigh_set(dp, 1, &nh.gw, &m);
	route(0, ip4(0xc6336400), 24, GW_ROUTE_UNICAST, 1);
	gw_dp_vrf_add(dp, 1);
	gw_dp_vrf_add(dp, 2);
	struct gw_vtep vt = {.ip = htonl(0xc0000201), .mac = RMAC,
			     .ip6 = {.family = AF_INET6, .v6 = {0x20, 0x01, 0x0d, 0xb8, 0xff, [15] = 1}}};
	gw_dp_vtep_set(dp, &vt);
	gw_dp_vni_set(dp, 100, 1);
	gw_dp_vni_set(dp, 300, 2); /* a VRF without routes */
	struct gw_tunnel tb = {.vni = 200, .vtep = htonl(0xc6336407), .mac = LEAF_B};
	struct gw_tunnel ta = {.vni = 100, .vtep = htonl(0xc6336409), .mac = LEAF_A};
	struct gw_tunnel tx = {.vni = 400, .vtep = htonl(0xcb007107), .mac = LEAF_B}; /* no underlay route */
	gw_dp_tunnel_set(dp, 5, &tb);
	gw_dp_tunnel_set(dp, 6, &ta);
	gw_dp_tunnel_set(dp, 7, &tx);
	uint32_t ids[] = {5, 7};
	gw_dp_group_set(dp, 5, ids, NULL, 2);
	id = 6;
	gw_dp_group_set(dp, 6, &id, NULL, 1);
	route(1, ip4(0x0a140000), 16, GW_ROUTE_UNICAST, 5);
	route(1, ip4(0x0a0a0000), 16, GW_ROUTE_UNICAST, 6);
	route(1, ip4(0x0a1e0000), 16, GW_ROUTE_REJECT, 0);
	route(1, ip4(0xc0000201), 32, GW_ROUTE_LOCAL, 0); /* the VTEP inside a VPC: no nested decap */
	struct gw_ip p6 = {.family = AF_INET6, .v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20}};
	route(1, p6, 48, GW_ROUTE_UNICAST, 5);
	p6.v6[5] = 0x10;
	route(1, p6, 48, GW_ROUTE_UNICAST, 6);
	/* VPC classify admits decapsulated packets through a peering only: each VPC VRF exposes everything to itself */
	for (uint32_t vrf = 1; vrf <= 2; vrf++)
		for (int fam = 0; fam < 2; fam++) {
			struct gw_ip any = {.family = fam ? AF_INET6 : AF_INET};
			gw_dp_peering_route_set(dp, vrf, &any, 0, vrf, vrf);
			gw_dp_peering_source_set(dp, vrf, vrf, &any, 0);
		}
	return 0;
}

/* Outer Ethernet/IPv4/UDP from leaf A (198.51.100.9) to our VTEP around n bytes of VXLAN header + inner frame. */
static void wrap(struct rte_mbuf *m, const uint8_t *d, size_t n, uint8_t sel)
{
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(42 + n));
	struct rte_ether_hdr eh = {.dst_addr = P0, .src_addr = {{2, 0, 0, 0, 0, 2}}, .ether_type = htons(RTE_ETHER_TYPE_IPV4)};
	memcpy(b, &eh, 14);
	struct rte_ipv4_hdr ip = {.version_ihl = 0x45, .total_length = htons((uint16_t)(28 + n)), .time_to_live = 64,
				  .next_proto_id = IPPROTO_UDP, .src_addr = htonl(0xc6336409), .dst_addr = htonl(0xc0000201)};
	if (sel & 0x04)
		ip.fragment_offset = htons(RTE_IPV4_HDR_MF_FLAG);
	ip.hdr_checksum = rte_ipv4_cksum(&ip);
	memcpy(b + 14, &ip, 20);
	uint16_t udp[4] = {htons(40000), htons(4789), htons((uint16_t)(8 + n - (sel & 0x08 ? 3 : 0))), 0};
	memcpy(b + 34, udp, 8);
	memcpy(b + 42, d, n);
}

/* An encapsulated output: outer IPv4 header valid, UDP 4789 from the dynamic range, a tunnel's VNI and MACs. */
static void check_encap(uint16_t port, const struct rte_mbuf *o)
{
	if (port != 1)
		return;
	uint8_t h[64];
	const uint8_t *b = rte_pktmbuf_read(o, 0, 64, h);
	if (!b || b[12] != 0x08 || b[13] != 0x00 || b[23] != IPPROTO_UDP || (b[36] << 8 | b[37]) != 4789)
		return;
	if (rte_ipv4_cksum((const struct rte_ipv4_hdr *)(b + 14)) != 0 || (b[34] << 8 | b[35]) < 49152 || b[42] != 0x08)
		abort();
	uint32_t vni = (uint32_t)(b[46] << 16 | b[47] << 8 | b[48]);
	const struct rte_ether_addr *dst = (const struct rte_ether_addr *)(b + 50);
	const struct rte_ether_addr *src = (const struct rte_ether_addr *)(b + 56);
	bool to_b = vni == 200 && rte_is_same_ether_addr(dst, &LEAF_B);
	bool to_a = vni == 100 && rte_is_same_ether_addr(dst, &LEAF_A);
	if (!(to_a || to_b) || !rte_is_same_ether_addr(src, &RMAC) ||
	    (uint32_t)(b[16] << 8 | b[17]) != rte_pktmbuf_pkt_len(o) - 14)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 9000)
		return 0;
	uint8_t sel = data[0];
	struct rte_mbuf *m = fuzz_mbuf();
	if (sel & 0x80)
		memcpy(rte_pktmbuf_append(m, (uint16_t)(size - 1)), data + 1, size - 1);
	else
		wrap(m, data + 1, size - 1, sel);
	uint32_t in_len = rte_pktmbuf_pkt_len(m);
	gw_worker_set_trace(w, (sel & 0x20) ? on_trace : NULL, NULL);
	memset(out.n, 0, sizeof(out.n));
	now += (sel & 0x40) ? 1000000 : 1000;
	gw_pipeline_process(w, (uint16_t)(sel & 1), &m, 1, now, &out);
	fuzz_pipeline_finish(in_len + 128, check_encap);
	return 0;
}
