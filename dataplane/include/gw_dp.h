/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Contract between the packet pipeline (dataplane/src/core + src/modules, owns the tables) and the runtime
 * (dataplane/src/runtime + dataplane/addon: EAL, ports, lcore workers, Node binding).
 *
 * Threading: every gw_dp_* write below is called from ONE thread (the control thread = Node's main thread).
 * Workers only call gw_pipeline_* and gw_worker_*; they read tables without locks. Memory a writer
 * unlinks is freed only after rte_rcu_qsbr_synchronize() on the dp's QSBR variable, so workers must report
 * quiescent state (gw_worker_quiescent) between bursts and go offline around sleeps.
 *
 * Contract changes by the pipeline (all additive, existing signatures unchanged):
 *  - gw_dp_params gained icmp_rate/icmp_burst/trie_groups4/trie_groups6 (0 = defaults) at the end.
 *  - gw_dp_port_addr_set: source address of ICMP errors generated for packets that arrived on a port.
 *  - workers are created OFFLINE: the worker thread calls gw_worker_online() before its first burst.
 *  - gw_dp_port_get; gw_port_conf.up follows the link (the runtime polls it): a route's nexthops on a down port
 *    leave their ECMP groups, and a group left with none drops its packets as port_down.
 *  - show/walk functions (gw_dp_route_walk, gw_dp_nexthop_get, gw_dp_group_get, gw_dp_neigh_walk),
 *    gw_drop_reason_name(), per-packet trace hook (gw_worker_set_trace), gw_dp_events_dropped().
 *
 * Addresses are in network byte order unless a name says otherwise. Return values: 0 or a negative errno
 * (-EINVAL bad argument, -ENOENT missing, -ENOSPC table full, -EEXIST, -ENOMEM).
 */
#ifndef GW_DP_H
#define GW_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "gw_drop_reasons.h"

#define GW_MAX_PORTS 32       /* dataplane port ids (DPDK port ids of physical ports and of their punt taps) */
#define GW_MAX_WORKERS 16
#define GW_PORT_NONE 0xffff

struct gw_dp;
struct gw_worker;

struct gw_dp_params {
	uint32_t max_vrfs;      /* VRF ids are 0..max_vrfs-1; VRF 0 is the default VRF */
	uint32_t max_routes4;   /* per VRF; >= 1M must work */
	uint32_t max_routes6;   /* per VRF */
	uint32_t max_nexthops;  /* nexthop ids are 1..max_nexthops */
	uint32_t max_groups;    /* ECMP group ids are 1..max_groups */
	uint32_t max_neighbors;
	unsigned n_workers;
	int socket_id;
	uint32_t icmp_rate;     /* ICMP errors per second per worker (token bucket); 0 = 1000 */
	uint32_t icmp_burst;    /* bucket depth; 0 = 50 */
	uint32_t trie_groups4;  /* 1 KiB trie groups per VRF for IPv4; 0 = sized from max_routes4 */
	uint32_t trie_groups6;  /* same for IPv6; 0 = sized from max_routes6 */
	uint32_t nat_sessions;  /* napt session table: sessions + mappings; 0 = 1048576 (modules/napt/gw_napt.h) */
};

struct gw_dp *gw_dp_create(const struct gw_dp_params *p);
void gw_dp_free(struct gw_dp *dp); /* workers stopped */

struct gw_ip {
	uint8_t family;        /* AF_INET or AF_INET6 */
	union {
		uint32_t v4;
		uint8_t v6[16];
	};
};

/* The pipeline's view of a port. A physical port has punt_port = the DPDK port id of its kernel tap;
 * the tap port has is_punt = true and punt_port = the physical port it mirrors (what the kernel sends on
 * the tap leaves through that physical port unchanged). */
struct gw_port_conf {
	struct rte_ether_addr mac;
	uint16_t mtu;          /* L3 MTU */
	uint32_t vrf;
	uint16_t punt_port;
	bool is_punt;
	bool up;
};
int gw_dp_port_set(struct gw_dp *dp, uint16_t port_id, const struct gw_port_conf *c);
int gw_dp_port_del(struct gw_dp *dp, uint16_t port_id);
int gw_dp_port_get(const struct gw_dp *dp, uint16_t port_id, struct gw_port_conf *out); /* -ENOENT when unset */

/* Source address of the ICMP/ICMPv6 errors the dataplane generates for packets received on this port (one per
 * family; family 0 with the other fields zero clears it). Without one, no error is sent (counted icmp_no_source). */
int gw_dp_port_addr_set(struct gw_dp *dp, uint16_t port_id, const struct gw_ip *addr);

int gw_dp_vrf_add(struct gw_dp *dp, uint32_t vrf);
int gw_dp_vrf_del(struct gw_dp *dp, uint32_t vrf);


/* A nexthop: out port + gateway. gw.family == 0 means "directly connected": the packet's own destination
 * is resolved on the port. */
struct gw_nexthop {
	uint16_t port;
	struct gw_ip gw;
};
int gw_dp_nexthop_set(struct gw_dp *dp, uint32_t nh_id, const struct gw_nexthop *nh); /* add or replace */
int gw_dp_nexthop_del(struct gw_dp *dp, uint32_t nh_id);

/* Weighted ECMP group; a flow hash picks one member and keeps the flow on it while the group is unchanged. */
int gw_dp_group_set(struct gw_dp *dp, uint32_t group_id, const uint32_t *nh_ids, const uint16_t *weights,
		    unsigned n);
int gw_dp_group_del(struct gw_dp *dp, uint32_t group_id);

enum gw_route_type {
	GW_ROUTE_UNICAST = 1,  /* group_id */
	GW_ROUTE_BLACKHOLE,    /* silent, counted drop */
	GW_ROUTE_REJECT,       /* ICMP unreachable, counted drop */
	GW_ROUTE_LOCAL,        /* address of the gateway: punt */
};
struct gw_route {
	enum gw_route_type type;
	uint32_t group_id;
};
int gw_dp_route_add(struct gw_dp *dp, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen,
		    const struct gw_route *r); /* add or replace */
int gw_dp_route_del(struct gw_dp *dp, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen);

int gw_dp_neigh_set(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip, const struct rte_ether_addr *mac);
int gw_dp_neigh_del(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip);

/* Events from workers to the control thread (multi-producer ring, drained by the control thread). */
enum gw_event_type { GW_EV_NEIGH_MISS = 1 };
struct gw_event {
	enum gw_event_type type;
	uint16_t port;
	struct gw_ip ip;
};
unsigned gw_dp_events_poll(struct gw_dp *dp, struct gw_event *ev, unsigned max);
uint64_t gw_dp_events_dropped(const struct gw_dp *dp); /* ring full */

/* ---- show (control thread) ---- */
typedef void (*gw_route_walk_fn)(void *ctx, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen,
				 const struct gw_route *r);
int gw_dp_route_walk(struct gw_dp *dp, uint32_t vrf, gw_route_walk_fn fn, void *ctx); /* both families */
uint32_t gw_dp_route_count(const struct gw_dp *dp, uint32_t vrf, uint8_t family);
int gw_dp_nexthop_get(const struct gw_dp *dp, uint32_t nh_id, struct gw_nexthop *out);
/* returns the member count (<= max) or -ENOENT */
int gw_dp_group_get(const struct gw_dp *dp, uint32_t group_id, uint32_t *nh_ids, uint16_t *weights, unsigned max);
typedef void (*gw_neigh_walk_fn)(void *ctx, uint16_t port, const struct gw_ip *ip, const struct rte_ether_addr *mac);
void gw_dp_neigh_walk(struct gw_dp *dp, gw_neigh_walk_fn fn, void *ctx);
const char *gw_drop_reason_name(unsigned reason); /* NULL past GW_DROP_MAX */

/* ---- worker side ---- */
struct gw_worker *gw_worker_create(struct gw_dp *dp, unsigned worker_idx);
void gw_worker_free(struct gw_worker *w);

/* Where the pipeline put each packet of a burst: per egress port lists, the runtime transmits and frees
 * what the port does not take (counted as a tx drop). Dropped packets are already freed and counted. */
struct gw_burst_out {
	uint16_t n[GW_MAX_PORTS];
	struct rte_mbuf *pkts[GW_MAX_PORTS][64];
};
#define GW_BURST_MAX 64
void gw_pipeline_process(struct gw_worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n,
			 uint64_t now_ns, struct gw_burst_out *out);
void gw_worker_quiescent(struct gw_worker *w);
/* Per-packet trace (replay, debugging): called once per input packet after its decision. Off (NULL) by
 * default; when off the pipeline pays one predictable branch per stage. */
enum gw_decision {
	GW_DEC_FORWARD = 1, /* out_port = egress port */
	GW_DEC_PUNT,        /* to a punt tap (out_port), or from a tap to its physical port */
	GW_DEC_ICMP_ERROR,  /* packet turned into an ICMP error sent on out_port */
	GW_DEC_DROP,
};
/* Listed in the order a packet meets them, so a trace's stage set reads as its path. */
#define GW_STAGES(X) X(TAP_INPUT, "tap_input") X(ETH_INPUT, "eth_input") X(IP4_INPUT, "ip4_input")            \
	X(IP6_INPUT, "ip6_input") X(VPC_CLASSIFY, "vpc_classify")                                                 \
	X(IP_LOOKUP, "ip_lookup") X(PUNT, "punt") X(IP_FORWARD, "ip_forward")                                    \
	X(ECMP, "ecmp") X(NEIGH_RESOLVE, "neigh_resolve") X(IP4_FRAGMENT, "ip4_fragment") X(ICMP_ERROR, "icmp_error")  \
	X(VXLAN_DECAP, "vxlan_decap") X(VXLAN_ENCAP, "vxlan_encap") X(NAT_STATIC, "nat_static") X(NAT_FRAG, "nat_frag")
enum gw_stage {
#define GW_STAGE_ENUM(e, s) GW_STAGE_##e,
	GW_STAGES(GW_STAGE_ENUM)
#undef GW_STAGE_ENUM
	GW_STAGE_MAX
};
const char *gw_stage_name(unsigned stage);
struct gw_trace {
	uint32_t stages;            /* bit (1 << enum gw_stage) per stage passed */
	enum gw_decision decision;
	enum gw_drop_reason drop;   /* GW_DROP_MAX when not dropped */
	uint16_t in_port, out_port; /* out_port GW_PORT_NONE when dropped */
	uint32_t nexthop;           /* nexthop id chosen (0 none) */
	struct rte_mbuf *pkt;       /* the packet as it leaves (NULL when dropped); do not free */
	uint32_t vpc;               /* VPC classify: source VPC's VRF + 1 (0 = not from a VPC) */
	uint32_t dst_vrf, peering;  /* VPC classify: destination VRF and peering when admitted (peering 0: not) */
	uint8_t nat;                /* static NAT: 1 source, 2 destination translated (0: neither) */
	struct gw_ip nat_src, nat_dst; /* static NAT: the addresses before translation (when nat != 0) */
};
typedef void (*gw_trace_fn)(void *ctx, const struct gw_trace *t);
void gw_worker_set_trace(struct gw_worker *w, gw_trace_fn fn, void *ctx);
void gw_worker_offline(struct gw_worker *w);
void gw_worker_online(struct gw_worker *w);

/* Counters: per worker, read by the control thread without locks (relaxed loads of monotonic counters). */
struct gw_port_counters {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, punt_packets, tx_drops;
	uint64_t drops[GW_DROP_MAX];
};
const struct gw_port_counters *gw_worker_counters(const struct gw_worker *w, uint16_t port);
/* The runtime counts what a port's tx queue did not take (the pipeline already counted it as tx). */
void gw_worker_count_tx_drop(struct gw_worker *w, uint16_t port, unsigned n, uint64_t bytes);

#endif
