/* SPDX-License-Identifier: Apache-2.0 */
/* What every stage shares: the per-packet context and metadata, and the three ways a packet leaves a stage
 * (transmit on a port, hand to another stage, drop). Every stage ends in exactly one of them. */
#ifndef GW_PACKET_H
#define GW_PACKET_H

#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "core.h"

/* Per-packet metadata, one slot per packet of the burst (gw_pipeline_process). The VRF is set ONCE, at input
 * (from the ingress port today; a decapsulating stage sets it from the VNI); stages read it from here, never
 * from the port. The reserved fields are the places the coming features fill (0 = none). A packet never
 * outlives its burst, so the slots are reused by the next one. */
struct gw_meta {
	uint32_t vrf;
	uint32_t vpc;       /* reserved: VPC of the packet */
	uint32_t session;   /* reserved: NAT session */
	uint8_t colour;     /* reserved: policer colour */
	uint8_t fib_family; /* 4 or 6 when fib_rv holds a burst-level lookup made in fib_vrf (IPv4: of fib_dst) */
	uint32_t fib_rv;
	uint32_t peering;   /* the peering VPC classify admitted the packet through (0 = none) */
	/* What the burst-level lookup was made for; ip uses it only for a packet whose md->vrf (and IPv4 destination)
	 * still match, so a stage that moves a packet to another VRF or rewrites its destination needs no reset. */
	uint32_t fib_vrf;
	uint32_t fib_dst;   /* IPv4, host order */
	/* VPC classify's burst-level decision for a tunnel packet: used by its stage when the packet's vpc, inner
	 * IPv4 source and destination (fib_dst) are those it was made for (cls_vpc 0 = none). */
	uint32_t cls_vpc, cls_src, cls_peering, cls_vrf;
	uint8_t nat;        /* what static NAT rewrote (nat module: source 1, destination 2): undone in ICMP errors */
};

struct gw_pkt {
	struct rte_mbuf *m;
	struct gw_meta *md;
	const struct gw_port_obj *inp;
	uint64_t now;
	uint16_t in_port;
	uint16_t l3;     /* offset of the L3 header */
	uint16_t etype;  /* host order, after an optional 802.1Q tag */
	bool l2_mcast;   /* broadcast or multicast destination MAC */
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

#endif
