/* SPDX-License-Identifier: Apache-2.0 */
/* Direct pipeline tests: packet accounting over a mixed burst, and lock-free readers during route churn. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "ip/ip.h"
#include "tests.h"

static struct rte_mempool *pool(void)
{
	static struct rte_mempool *mp;
	if (!mp)
		mp = rte_pktmbuf_pool_create("gwt_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return mp;
}

static const struct rte_ether_addr GW_MAC = {{2, 0, 0, 0, 0, 1}};

static struct rte_mbuf *udp4(uint32_t src, uint32_t dst, uint8_t ttl, uint16_t sport, bool bad_ck)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool());
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
	eh->dst_addr = GW_MAC;
	eh->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 2}};
	eh->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	*ip = (struct rte_ipv4_hdr){.version_ihl = 0x45, .total_length = htons(28), .time_to_live = ttl,
				    .next_proto_id = IPPROTO_UDP, .src_addr = htonl(src), .dst_addr = htonl(dst)};
	ip->hdr_checksum = rte_ipv4_cksum(ip) ^ (bad_ck ? 1 : 0);
	uint16_t ports[4] = {htons(sport), htons(53), htons(8), 0};
	memcpy(ip + 1, ports, 8);
	return m;
}

static struct gw_dp *setup(void)
{
	struct gw_dp_params p = {.max_vrfs = 2, .max_routes4 = 1024, .max_routes6 = 64, .max_nexthops = 8,
				 .max_groups = 8, .max_neighbors = 64, .n_workers = 2, .icmp_rate = 1000000};
	struct gw_dp *dp = gw_dp_create(&p);
	struct gw_port_conf c0 = {.mac = GW_MAC, .mtu = 1500, .punt_port = 2, .up = true};
	struct gw_port_conf c1 = {.mac = {{2, 0, 0, 0, 1, 1}}, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true};
	gw_dp_port_set(dp, 0, &c0);
	gw_dp_port_set(dp, 1, &c1);
	struct gw_ip a = {.family = AF_INET, .v4 = htonl(0x0a000001)};
	gw_dp_port_addr_set(dp, 0, &a);
	struct gw_nexthop nh = {.port = 1, .gw = {.family = AF_INET, .v4 = htonl(0x0a010002)}};
	gw_dp_nexthop_set(dp, 1, &nh);
	uint32_t id = 1;
	gw_dp_group_set(dp, 1, &id, NULL, 1);
	gw_dp_neigh_set(dp, 1, &nh.gw, &(struct rte_ether_addr){{2, 0, 0, 0, 1, 2}});
	struct gw_ip pfx = {.family = AF_INET, .v4 = htonl(0x0a020000)};
	gw_dp_route_add(dp, 0, &pfx, 16, &(struct gw_route){.type = GW_ROUTE_UNICAST, .group_id = 1});
	pfx.v4 = htonl(0x0a030000);
	gw_dp_route_add(dp, 0, &pfx, 16, &(struct gw_route){.type = GW_ROUTE_BLACKHOLE});
	gw_dp_route_add(dp, 0, &a, 32, &(struct gw_route){.type = GW_ROUTE_LOCAL});
	return dp;
}

/* Every packet of a burst ends in exactly one place: an output list or a drop counter. */
static void test_burst_accounting(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	struct rte_mbuf *pkts[GW_BURST_MAX];
	for (unsigned i = 0; i < GW_BURST_MAX; i++) {
		switch (i % 5) {
		case 0: pkts[i] = udp4(0x0a000002, 0x0a020000 + i, 64, (uint16_t)i, false); break; /* forward */
		case 1: pkts[i] = udp4(0x0a000002, 0x0a020000 + i, 1, (uint16_t)i, false); break;  /* ttl -> icmp */
		case 2: pkts[i] = udp4(0x0a000002, 0x0a030000 + i, 64, (uint16_t)i, false); break; /* blackhole */
		case 3: pkts[i] = udp4(0x0a000002, 0x0a020000 + i, 64, (uint16_t)i, true); break;  /* bad checksum */
		default: pkts[i] = udp4(0x0a000002, 0x0a000001, 64, (uint16_t)i, false); break;    /* local: punt */
		}
	}
	static struct gw_burst_out out;
	memset(out.n, 0, sizeof(out.n));
	gw_pipeline_process(w, 0, pkts, GW_BURST_MAX, 1000, &out);
	gw_worker_quiescent(w);
	const struct gw_port_counters *c0 = gw_worker_counters(w, 0);
	CHECK_EQ(c0->rx_packets, GW_BURST_MAX);
	CHECK_EQ(out.n[1], 13);                     /* forwarded */
	CHECK_EQ(out.n[0], 13);                     /* ICMP errors back to the sender */
	CHECK_EQ(out.n[2], 12);                     /* punted */
	CHECK_EQ(c0->drops[GW_DROP_BLACKHOLE], 13);
	CHECK_EQ(c0->drops[GW_DROP_IP4_BAD_CHECKSUM], 13);
	CHECK_EQ(c0->drops[GW_DROP_TTL_EXCEEDED], 13);
	CHECK_EQ(c0->punt_packets, 12);
	for (unsigned p = 0; p < GW_MAX_PORTS; p++)
		rte_pktmbuf_free_bulk(out.pkts[p], out.n[p]);
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
	/* an unknown ingress port drops (counted) instead of crashing */
	struct rte_mbuf *m = udp4(1, 2, 3, 4, false);
	memset(out.n, 0, sizeof(out.n));
	gw_pipeline_process(w, 7, &m, 1, 2000, &out);
	CHECK_EQ(gw_worker_counters(w, 7)->drops[GW_DROP_PORT_UNKNOWN], 1);
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
}

/* Sends n UDP flows (source port i) to 10.2.0.9 from port 0; returns how many left on port 1 and port 3. */
static void send_flows(struct gw_worker *w, unsigned n, unsigned *on1, unsigned *on3)
{
	static struct gw_burst_out out;
	*on1 = *on3 = 0;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = udp4(0x0a000002, 0x0a020009, 64, (uint16_t)(1000 + i), false);
		memset(out.n, 0, sizeof(out.n));
		gw_pipeline_process(w, 0, &m, 1, 1000, &out);
		*on1 += out.n[1];
		*on3 += out.n[3];
		for (unsigned p = 0; p < GW_MAX_PORTS; p++)
			rte_pktmbuf_free_bulk(out.pkts[p], out.n[p]);
	}
	gw_worker_quiescent(w);
}

/* A port whose link goes down leaves the ECMP groups of its nexthops: flows move to the surviving member; a
 * route whose only nexthop is down drops as port_down; when the link is back, both members carry flows again. */
static void test_port_down_ecmp(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	struct gw_port_conf c3 = {.mac = {{2, 0, 0, 0, 3, 1}}, .mtu = 1500, .punt_port = GW_PORT_NONE, .up = true};
	gw_dp_port_set(dp, 3, &c3);
	struct gw_nexthop nh = {.port = 3, .gw = {.family = AF_INET, .v4 = htonl(0x0a030002)}};
	gw_dp_nexthop_set(dp, 2, &nh);
	gw_dp_neigh_set(dp, 3, &nh.gw, &(struct rte_ether_addr){{2, 0, 0, 0, 3, 2}});
	uint32_t ids[2] = {1, 2};
	CHECK_EQ(gw_dp_group_set(dp, 1, ids, NULL, 2), 0);
	unsigned on1, on3;
	send_flows(w, 64, &on1, &on3);
	CHECK(on1 > 0 && on3 > 0);
	CHECK_EQ(on1 + on3, 64);

	c3.up = false;
	gw_dp_port_set(dp, 3, &c3);
	send_flows(w, 64, &on1, &on3);
	CHECK_EQ(on1, 64);
	CHECK_EQ(on3, 0);
	uint32_t shown[4];
	CHECK_EQ(gw_dp_group_get(dp, 1, shown, NULL, 4), 2); /* the group still lists both members */

	struct gw_port_conf c1;
	CHECK_EQ(gw_dp_port_get(dp, 1, &c1), 0);
	c1.up = false;
	gw_dp_port_set(dp, 1, &c1);
	uint64_t before = gw_worker_counters(w, 0)->drops[GW_DROP_PORT_DOWN];
	send_flows(w, 16, &on1, &on3);
	CHECK_EQ(on1 + on3, 0);
	CHECK_EQ(gw_worker_counters(w, 0)->drops[GW_DROP_PORT_DOWN] - before, 16);

	c1.up = c3.up = true;
	gw_dp_port_set(dp, 1, &c1);
	gw_dp_port_set(dp, 3, &c3);
	send_flows(w, 64, &on1, &on3);
	CHECK(on1 > 0 && on3 > 0);
	CHECK_EQ(on1 + on3, 64);
	/* a nexthop moved onto a down port leaves the group too */
	c3.up = false;
	gw_dp_port_set(dp, 3, &c3);
	nh.port = 1;
	gw_dp_nexthop_set(dp, 2, &nh);
	nh.port = 3;
	gw_dp_nexthop_set(dp, 2, &nh);
	send_flows(w, 32, &on1, &on3);
	CHECK_EQ(on1, 32);
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
}

/* A pre-routing filter (core hook point) sees validated packets before the lookup and may take them. */
static bool take_marked(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	(void)out;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(p->m, const struct rte_ipv4_hdr *, p->l3);
	if (p->etype != RTE_ETHER_TYPE_IPV4 || ip->dst_addr != htonl(0x0a0909fe) || p->md->vrf != 0)
		return false;
	gw_drop(w, p, GW_DROP_BLACKHOLE);
	return true;
}

static void test_pre_routing_hook(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	CHECK_EQ(gw_chain_add(GW_PRE_ROUTING, take_marked), 0);
	static struct gw_burst_out out;
	memset(out.n, 0, sizeof(out.n));
	struct rte_mbuf *pkts[2] = {udp4(0x0a000002, 0x0a0909fe, 64, 1, false), udp4(0x0a000002, 0x0a020009, 64, 2, false)};
	gw_pipeline_process(w, 0, pkts, 2, 1000, &out);
	CHECK_EQ(gw_worker_counters(w, 0)->drops[GW_DROP_BLACKHOLE], 1); /* 10.9.9.254 has no route: the filter took it */
	CHECK_EQ(out.n[1], 1);
	for (unsigned p = 0; p < GW_MAX_PORTS; p++)
		rte_pktmbuf_free_bulk(out.pkts[p], out.n[p]);
	gw_worker_quiescent(w);
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
}

/* An IPv6 UDP packet from 2001:db8::2 to dst with the given hop limit. */
static struct rte_mbuf *udp6(const uint8_t *dst, uint8_t hops, uint16_t plen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool());
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + 40 + plen));
	memset(d, 0, 14u + 40 + plen);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
	eh->dst_addr = GW_MAC;
	eh->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 2}};
	eh->ether_type = htons(RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);
	ip->vtc_flow = htonl(6u << 28);
	ip->payload_len = htons(plen);
	ip->proto = IPPROTO_UDP;
	ip->hop_limits = hops;
	static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	return m;
}

/* The ICMPv6 error in out (type, code, 32-bit MTU/unused word) as RFC 4443 2.1 lays it out on the wire. */
static bool icmp6_of(struct rte_mbuf *m, uint8_t *type, uint8_t *code, uint32_t *word)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	if (rte_pktmbuf_data_len(m) < 14 + 40 + 8 || d[12] != 0x86 || d[13] != 0xdd || d[14 + 6] != 58)
		return false;
	*type = d[54];
	*code = d[55];
	uint32_t w;
	memcpy(&w, d + 58, 4);
	*word = ntohl(w);
	return true;
}

/* RFC 4443 3.1 (unreachable, code 0 no route), 3.2 (packet too big carrying the MTU), 3.3 (time exceeded,
 * code 0 hop limit): the wire values of the ICMPv6 errors the pipeline sends, pinned by number. */
static void test_icmp6_errors(void)
{
	struct gw_dp *dp = setup();
	struct gw_ip a6 = {.family = AF_INET6, .v6 = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	gw_dp_port_addr_set(dp, 0, &a6);
	struct gw_port_conf c1 = {.mac = {{2, 0, 0, 0, 1, 1}}, .mtu = 1280, .punt_port = GW_PORT_NONE, .up = true};
	gw_dp_port_set(dp, 1, &c1);
	struct gw_ip pfx = {.family = AF_INET6, .v6 = {0x20, 0x01, 0x0d, 0xb9}};
	gw_dp_route_add(dp, 0, &pfx, 32, &(struct gw_route){.type = GW_ROUTE_UNICAST, .group_id = 1});
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	static const uint8_t routed[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 9};
	static const uint8_t unrouted[16] = {0x20, 0x01, 0x0d, 0xba, [15] = 9};
	struct {
		const uint8_t *dst;
		uint8_t hops;
		uint16_t plen;
		uint8_t type, code;
		uint32_t word;
		enum gw_drop_reason why;
	} cases[] = {
		{unrouted, 64, 8, 1, 0, 0, GW_DROP_NO_ROUTE},
		{routed, 64, 1300, 2, 0, 1280, GW_DROP_MTU_EXCEEDED},
		{routed, 1, 8, 3, 0, 0, GW_DROP_TTL_EXCEEDED},
	};
	static struct gw_burst_out out;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out.n, 0, sizeof(out.n));
		struct rte_mbuf *m = udp6(cases[i].dst, cases[i].hops, cases[i].plen);
		gw_pipeline_process(w, 0, &m, 1, 1000 + i, &out);
		uint8_t type = 0xff, code = 0xff;
		uint32_t word = 0xffffffffu;
		CHECK_EQ(out.n[0], 1);
		CHECK(out.n[0] == 1 && icmp6_of(out.pkts[0][0], &type, &code, &word));
		CHECK_EQ(type, cases[i].type);
		CHECK_EQ(code, cases[i].code);
		CHECK_EQ(word, cases[i].word);
		CHECK_EQ(gw_worker_counters(w, 0)->drops[cases[i].why], 1);
		rte_pktmbuf_free_bulk(out.pkts[0], out.n[0]);
	}
	CHECK_EQ(rte_mempool_in_use_count(pool()), 0);
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
}

/* A nexthop's cached gateway MAC follows the neighbor table: replaced MAC used at once, deleted -> miss. */
static void test_neighbor_change(void)
{
	struct gw_dp *dp = setup();
	struct gw_worker *w = gw_worker_create(dp, 0);
	gw_worker_online(w);
	static struct gw_burst_out out;
	struct gw_ip gw = {.family = AF_INET, .v4 = htonl(0x0a010002)};
	const uint8_t macs[2][6] = {{2, 0, 0, 0, 1, 2}, {2, 0, 0, 0, 7, 7}};
	for (int round = 0; round < 3; round++) {
		if (round == 1)
			gw_dp_neigh_set(dp, 1, &gw, &(struct rte_ether_addr){{2, 0, 0, 0, 7, 7}});
		if (round == 2)
			CHECK_EQ(gw_dp_neigh_del(dp, 1, &gw), 0);
		struct rte_mbuf *m = udp4(0x0a000002, 0x0a020304, 64, 1, false);
		memset(out.n, 0, sizeof(out.n));
		gw_pipeline_process(w, 0, &m, 1, 1000 + round, &out);
		gw_worker_quiescent(w);
		if (round < 2) {
			CHECK_EQ(out.n[1], 1);
			if (out.n[1] == 1) {
				CHECK(memcmp(rte_pktmbuf_mtod(out.pkts[1][0], uint8_t *), macs[round], 6) == 0);
				rte_pktmbuf_free(out.pkts[1][0]);
			}
		} else {
			CHECK_EQ(out.n[1], 0);
			CHECK_EQ(gw_worker_counters(w, 0)->drops[GW_DROP_NEIGH_MISS], 1);
			struct gw_event ev;
			CHECK_EQ(gw_dp_events_poll(dp, &ev, 1), 1);
			CHECK(ev.type == GW_EV_NEIGH_MISS && ev.port == 1 && ev.ip.v4 == gw.v4);
		}
	}
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
}

/* Stress: readers on another thread see a consistent table while the writer churns routes that allocate,
 * free and reuse trie groups: probes never covered by churned routes always resolve to their /8.
 * (The reuse race window is nanoseconds; test_qsbr_defers_reuse checks the deferral deterministically.) */
struct churn {
	struct gw_dp *dp;
	struct gw_worker *w;
	volatile bool stop;
	uint64_t lookups, wrong;
};

static void *reader(void *arg)
{
	struct churn *c = arg;
	gw_worker_online(c->w);
	uint32_t x = 12345;
	while (!c->stop) {
		for (int i = 0; i < 256; i++) {
			x = x * 1103515245u + 12345u;
			bool ten = x & 0x80000000u;
			uint32_t a = ((ten ? 10u : 11u) << 24) | ((x >> 8) & 0xffff00u) | 5u;
			struct gw_ip ip = {.family = AF_INET, .v4 = htonl(a)};
			uint32_t v = gw_dp_route_lookup_value(c->dp, 0, &ip);
			if (v != gw_rv_make(GW_ROUTE_UNICAST, ten ? 1 : 2))
				c->wrong++;
			c->lookups++;
		}
		gw_worker_quiescent(c->w);
	}
	gw_worker_offline(c->w);
	return NULL;
}

static void test_rcu_churn(void)
{
	struct gw_dp_params p = {.max_vrfs = 1, .max_routes4 = 1024, .max_routes6 = 64, .max_nexthops = 8,
				 .max_groups = 8, .max_neighbors = 64, .n_workers = 1, .trie_groups4 = 160};
	struct gw_dp *dp = gw_dp_create(&p);
	struct gw_nexthop nh = {.port = 1};
	gw_dp_nexthop_set(dp, 1, &nh);
	uint32_t id = 1;
	gw_dp_group_set(dp, 1, &id, NULL, 1);
	gw_dp_group_set(dp, 2, &id, NULL, 1);
	struct gw_ip pfx = {.family = AF_INET, .v4 = htonl(0x0a000000)};
	gw_dp_route_add(dp, 0, &pfx, 8, &(struct gw_route){.type = GW_ROUTE_UNICAST, .group_id = 1});
	pfx.v4 = htonl(0x0b000000);
	gw_dp_route_add(dp, 0, &pfx, 8, &(struct gw_route){.type = GW_ROUTE_UNICAST, .group_id = 2});
	struct churn c = {.dp = dp, .w = gw_worker_create(dp, 0)};
	pthread_t t;
	pthread_create(&t, NULL, reader, &c);
	/* few groups (160) so they are recycled constantly; each /28 needs two groups below its /16 entry */
	uint32_t x = 99, ops = 0;
	int rc_bad = 0;
	while (ops < 40000) {
		uint32_t held[16];
		for (int k = 0; k < 16; k++) {
			x = x * 1664525u + 1013904223u;
			held[k] = ((x & 1 ? 10u : 11u) << 24) | ((x >> 8) & 0xffff00u) | 16u;
			pfx.v4 = htonl(held[k]);
			int rc = gw_dp_route_add(dp, 0, &pfx, 28, &(struct gw_route){.type = GW_ROUTE_BLACKHOLE});
			rc_bad += rc != 0 && rc != -ENOSPC;
		}
		for (int k = 0; k < 16; k++) {
			pfx.v4 = htonl(held[k]);
			int rc = gw_dp_route_del(dp, 0, &pfx, 28);
			rc_bad += rc != 0 && rc != -ENOENT;
		}
		ops += 32;
	}
	c.stop = true;
	pthread_join(t, NULL);
	CHECK_EQ(rc_bad, 0);
	CHECK_EQ(c.wrong, 0);
	CHECK(c.lookups > 0);
	gw_worker_free(c.w);
	gw_dp_free(dp);
}

/* The grace period itself: memory unlinked while a worker is inside a read section is not reused until that
 * worker reports a quiescent state (or goes offline). */
static void test_qsbr_defers_reuse(void)
{
	struct gw_dp_params p = {.max_vrfs = 1, .max_routes4 = 64, .max_routes6 = 64, .max_nexthops = 8,
				 .max_groups = 8, .max_neighbors = 64, .n_workers = 1};
	struct gw_dp *dp = gw_dp_create(&p);
	struct gw_worker *w = gw_worker_create(dp, 0);
	struct gw_mtrie *t4 = &gw_ip(dp)->vrfs[0]->t4;
	uint32_t all = t4->n_groups;
	gw_worker_online(w);
	struct gw_ip pfx = {.family = AF_INET, .v4 = htonl(0x0a010110)};
	CHECK_EQ(gw_dp_route_add(dp, 0, &pfx, 28, &(struct gw_route){.type = GW_ROUTE_BLACKHOLE}), 0);
	CHECK_EQ(t4->n_free, all - 2); /* /24 and /32 levels below the /16 entry */
	CHECK_EQ(gw_dp_route_del(dp, 0, &pfx, 28), 0);
	gw_defer_reclaim(&dp->defer);
	CHECK_EQ(t4->pending_free, 2); /* the worker may still be walking them */
	CHECK_EQ(t4->n_free, all - 2);
	gw_worker_quiescent(w);
	gw_defer_reclaim(&dp->defer);
	CHECK_EQ(t4->pending_free, 0);
	CHECK_EQ(t4->n_free, all);
	/* objects replaced by pointer swap (nexthops) wait the same way; an offline worker does not hold them */
	struct gw_nexthop nh = {.port = 1};
	gw_dp_nexthop_set(dp, 1, &nh);
	gw_dp_nexthop_set(dp, 1, &nh);
	gw_defer_reclaim(&dp->defer);
	CHECK_EQ(dp->defer.n, 1);
	gw_worker_offline(w);
	gw_defer_reclaim(&dp->defer);
	CHECK_EQ(dp->defer.n, 0);
	gw_worker_free(w);
	gw_dp_free(dp);
}

/* Found by fuzz/fuzz_tables.c: a deleted neighbor's key slot waits for a grace period, and nothing reclaimed it
 * before the next add, so a table that had been full refused adds (table_full) with half of it free until the
 * control thread happened to poll events. An add that finds the key store full reclaims (and, when slots are
 * still pending, waits for the grace period) before it answers table_full. */
static void test_neighbor_slots_reused(void)
{
	struct gw_dp_params p = {.max_vrfs = 1, .max_routes4 = 64, .max_routes6 = 64, .max_nexthops = 8,
				 .max_groups = 8, .max_neighbors = 64, .n_workers = 1};
	struct gw_dp *dp = gw_dp_create(&p);
	struct gw_worker *w = gw_worker_create(dp, 0);
	struct rte_ether_addr mac = {{2, 0, 0, 0, 9, 9}};
	unsigned filled = 0;
	for (uint32_t i = 1; i <= 128; i++) {
		struct gw_ip ip = {.family = AF_INET, .v4 = htonl(0x0a090000 + i)};
		if (gw_dp_neigh_set(dp, 1, &ip, &mac) != 0)
			break;
		filled++;
	}
	CHECK(filled >= 32); /* a 64-entry cuckoo hash holds at least half */
	for (uint32_t i = 1; i <= filled; i++)
		CHECK_EQ(gw_dp_neigh_del(dp, 1, &(struct gw_ip){.family = AF_INET, .v4 = htonl(0x0a090000 + i)}), 0);
	/* the worker is online and has read nothing since: its quiescent report ends the grace period */
	gw_worker_online(w);
	gw_worker_quiescent(w);
	gw_worker_offline(w);
	unsigned refused = 0;
	for (uint32_t i = 1; i <= 32; i++)
		refused += gw_dp_neigh_set(dp, 2, &(struct gw_ip){.family = AF_INET6, .v6 = {0xfe, 0x80, [15] = (uint8_t)i}},
					   &mac) != 0;
	CHECK_EQ(refused, 0);
	gw_worker_free(w);
	gw_dp_free(dp);
}

const struct gw_test gw_tests_pipeline[] = {
	{"QSBR: unlinked trie groups and objects wait for the worker's quiescent state", test_qsbr_defers_reuse},
	{"a mixed burst: every packet forwarded, answered, punted or counted", test_burst_accounting},
	{"a port going down leaves its ECMP groups; port_down when no member is left; back when up", test_port_down_ecmp},
	{"a pre-routing filter takes a packet before the route lookup", test_pre_routing_hook},
	{"ICMPv6 errors carry the RFC 4443 type, code and MTU", test_icmp6_errors},
	{"neighbor replaced or deleted: the forward path follows at once", test_neighbor_change},
	{"deleted neighbors' slots are reused by the next adds without waiting for an events poll", test_neighbor_slots_reused},
	{"readers stay consistent while the writer recycles trie groups", test_rcu_churn},
	{NULL, NULL},
};
