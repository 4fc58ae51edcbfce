/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the pipeline stages: the per-packet context and the three ways a packet leaves a stage
 * (transmit on a port, punt, drop). Every stage ends in exactly one of them. */
#ifndef GW_STAGES_H
#define GW_STAGES_H

#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_internal.h"

/* ICMP (RFC 792) types and codes the pipeline sends. */
#define GW_ICMP_DEST_UNREACH 3
#define GW_ICMP_UNREACH_NET 0
#define GW_ICMP_UNREACH_HOST 1
#define GW_ICMP_UNREACH_FRAG_NEEDED 4
#define GW_ICMP_TIME_EXCEEDED 11
/* ICMPv6 (RFC 4443 2.1, 3; RFC 4861 4 for neighbor discovery). */
#define GW_IPPROTO_ICMPV6 58
#define GW_ICMP6_DEST_UNREACH 1
#define GW_ICMP6_UNREACH_NO_ROUTE 0
#define GW_ICMP6_PACKET_TOO_BIG 2
#define GW_ICMP6_TIME_EXCEEDED 3
#define GW_ICMP6_INFO_MIN 128 /* types below are errors (RFC 4443 2.1) */
#define GW_ICMP6_ND_RS 133    /* router solicitation ... */
#define GW_ICMP6_ND_REDIRECT 137 /* ... redirect: the neighbor discovery range */

struct gw_pkt {
	struct rte_mbuf *m;
	const struct gw_port_obj *inp;
	uint64_t now;
	uint16_t in_port;
	uint16_t l3;     /* offset of the L3 header */
	uint16_t etype;  /* host order, after an optional 802.1Q tag */
	bool l2_mcast;   /* broadcast or multicast destination MAC */
	uint8_t fib_family; /* 4 or 6 when fib_rv holds the burst-level lookup of this packet's destination */
	uint32_t fib_rv;
};

static inline void gw_stage(struct gw_worker *w, enum gw_stage s)
{
	if (unlikely(w->trace_fn != NULL))
		w->tr.stages |= 1u << s;
}

static inline void gw_drop(struct gw_worker *w, struct gw_pkt *p, enum gw_drop_reason r)
{
	w->cnt[p->in_port].drops[r]++;
	rte_pktmbuf_free(p->m);
	if (unlikely(w->trace_fn != NULL)) {
		w->tr.decision = GW_DEC_DROP;
		w->tr.drop = r;
	}
}

/* Counts a side reason (e.g. icmp_rate_limited) next to the packet's own drop reason. */
static inline void gw_count(struct gw_worker *w, uint16_t port, enum gw_drop_reason r) { w->cnt[port].drops[r]++; }

static inline void gw_tx(struct gw_worker *w, struct gw_burst_out *out, uint16_t port, struct rte_mbuf *m,
			 enum gw_decision d)
{
	out->pkts[port][out->n[port]++] = m;
	w->cnt[port].tx_packets++;
	w->cnt[port].tx_bytes += rte_pktmbuf_pkt_len(m);
	if (unlikely(w->trace_fn != NULL)) {
		w->tr.decision = d;
		w->tr.out_port = port;
		w->tr.pkt = m;
	}
}

/* Headers sit at any alignment in the mbuf: load words through memcpy (one mov on x86, no UB). */
static inline uint32_t gw_ld32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t gw_hash_mix(uint32_t h, uint32_t v) { return rte_hash_crc_4byte(v, h); }

void gw_eth_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
void gw_ip4_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
void gw_ip6_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
void gw_ip4_forward(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint32_t rv);
void gw_ip6_forward(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint32_t rv);
/* ECMP: the nexthop of group for this packet's flow (NULL if the group or its member vanished). */
const struct gw_nh_obj *gw_ecmp_select(struct gw_worker *w, const struct gw_pkt *p, uint32_t group, uint8_t family);
/* The MAC to send to (cached from the nexthop, else the neighbor table); false after counting a neighbor
 * miss, raising the event and dropping the packet. */
bool gw_neigh_lookup(struct gw_worker *w, struct gw_pkt *p, uint16_t port, uint8_t family, const void *ip,
		     uint64_t cached_mac, uint64_t *mac);
/* Fragments an IPv4 packet (TTL already decremented, L2 header at p->l3 = 14) for the egress MTU and
 * transmits every fragment to mac. */
void gw_ip4_fragment(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint16_t port,
		     const struct gw_port_obj *op, uint64_t mac);
/* Rewrites Ethernet for the egress port and transmits, or counts a neighbor miss and raises an event. */
void gw_neigh_resolve(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint16_t port,
		      const struct gw_port_obj *op, uint8_t family, const void *ip, uint64_t cached_mac);
void gw_punt(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
void gw_tap_input(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
/* Turns the packet into an ICMP error back to its sender (rate-limited); the packet is counted under `why`. */
void gw_icmp4_error(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t type, uint8_t code,
		    uint16_t mtu, enum gw_drop_reason why);
void gw_icmp6_error(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t type, uint8_t code,
		    uint32_t mtu, enum gw_drop_reason why);

#endif
