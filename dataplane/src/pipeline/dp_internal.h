/* SPDX-License-Identifier: Apache-2.0 */
/* Private state of the pipeline: tables shared by the control thread (single writer) and the workers
 * (lock-free readers). Writers publish with release stores; anything a writer unlinks goes through the
 * deferred-free list (defer.c) and is reclaimed only after every worker reported a quiescent state. */
#ifndef GW_DP_INTERNAL_H
#define GW_DP_INTERNAL_H

#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_branch_prediction.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "gw_dp.h"
#include "mtrie.h"

/* ---- deferred free ---- */
typedef void (*gw_defer_fn)(void *a, uint64_t b);
struct gw_defer_item {
	uint64_t token;
	gw_defer_fn fn;
	void *a;
	uint64_t b;
};
struct gw_defer {
	struct rte_rcu_qsbr *v;
	struct gw_defer_item *q;
	size_t cap, head, n;
};
int gw_defer_init(struct gw_defer *d, struct rte_rcu_qsbr *v);
void gw_defer_fini(struct gw_defer *d); /* runs every pending free (readers gone) */
int gw_defer_add(struct gw_defer *d, gw_defer_fn fn, void *a, uint64_t b);
void gw_defer_reclaim(struct gw_defer *d);
void gw_defer_sync(struct gw_defer *d); /* wait for a grace period, then reclaim everything */
void gw_defer_rte_free(void *a, uint64_t b);

/* ---- immutable objects replaced by pointer swap ---- */
struct gw_port_obj {
	struct gw_port_conf c;
	bool has4, has6;
	uint32_t src4;
	uint8_t src6[16];
};

struct gw_nh_obj {
	struct gw_nexthop nh;
	/* The gateway's MAC (GW_NEIGH_VALID | mac) when resolved, else 0: saves the neighbor hash lookup on the
	 * forward path. The writer republishes the nexthop whenever that neighbor changes. */
	uint64_t mac;
};

#define GW_GROUP_SLOTS_MAX 1024
struct gw_group_obj {
	unsigned n;          /* members */
	unsigned n_slots;    /* weighted slot table: member index repeated by weight */
	uint32_t nh_ids[64];
	uint16_t weights[64];
	uint32_t slots[];    /* nexthop ids */
};
#define GW_GROUP_MAX_MEMBERS 64

/* Route values stored in the trie leaves (31 bits): type << 24 | group id; 0 = no route. */
#define GW_RV_TYPE_SHIFT 24
#define GW_RV_GROUP_MASK 0xffffffu
static inline uint32_t gw_rv_make(enum gw_route_type t, uint32_t group) { return ((uint32_t)t << GW_RV_TYPE_SHIFT) | group; }
static inline enum gw_route_type gw_rv_type(uint32_t v) { return (enum gw_route_type)(v >> GW_RV_TYPE_SHIFT); }
static inline uint32_t gw_rv_group(uint32_t v) { return v & GW_RV_GROUP_MASK; }

struct gw_vrf {
	struct gw_mtrie t4, t6;
	struct rte_rib *rib4;
	struct rte_rib6 *rib6;
	uint32_t n4, n6;
};

struct gw_neigh_key {
	uint16_t port;
	uint8_t family;
	uint8_t pad;
	uint8_t ip[16];
};

struct gw_dp {
	struct gw_dp_params p;
	struct rte_rcu_qsbr *qsbr;
	struct gw_defer defer;
	struct gw_port_obj *_Atomic ports[GW_MAX_PORTS];
	struct gw_vrf *_Atomic *vrfs;         /* [max_vrfs] */
	struct gw_nh_obj *_Atomic *nhs;       /* [max_nexthops + 1] */
	struct gw_group_obj *_Atomic *groups; /* [max_groups + 1] */
	struct rte_hash *neigh;
	struct rte_ring *events;
	_Atomic uint64_t events_dropped;
	unsigned name_seq;
	uint32_t nh_id_max; /* highest nexthop id ever set: bounds the writer's scans */
};

/* Writer side: the neighbor's data word (0 when unknown); republish nexthops whose gateway is (port, ip). */
uint64_t gw_neigh_data(const struct gw_dp *dp, uint16_t port, const struct gw_ip *ip);
void gw_nh_refresh(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip);

/* For tests and the bench: the trie value a worker would see for ip (0 = no route). */
uint32_t gw_dp_route_lookup_value(const struct gw_dp *dp, uint32_t vrf, const struct gw_ip *ip);
int gw_vrf_create(struct gw_dp *dp, uint32_t vrf, struct gw_vrf **out);
void gw_vrf_destroy(struct gw_vrf *v);

static inline const struct gw_vrf *gw_dp_vrf_get(const struct gw_dp *dp, uint32_t vrf)
{
	if (unlikely(vrf >= dp->p.max_vrfs))
		return NULL;
	return atomic_load_explicit(&dp->vrfs[vrf], memory_order_acquire);
}

static inline void gw_neigh_key_make(struct gw_neigh_key *k, uint16_t port, uint8_t family, const void *ip)
{
	memset(k, 0, sizeof(*k));
	k->port = port;
	k->family = family;
	memcpy(k->ip, ip, family == AF_INET ? 4 : 16);
}

/* Neighbor data is the MAC packed into the hash's data word, so a replace is one atomic store and
 * nothing needs freeing. */
#define GW_NEIGH_VALID (1ull << 63)

/* ---- worker ---- */
#define GW_MISS_CACHE 64
struct gw_worker {
	struct gw_dp *dp;
	unsigned idx;
	gw_trace_fn trace_fn;
	void *trace_ctx;
	struct gw_trace tr;
	/* ICMP error token bucket: credit in token-nanoseconds */
	uint64_t icmp_credit, icmp_last_ns, icmp_cost, icmp_cap;
	/* neighbor-miss dedup: one event per (port, ip) slot per GW_MISS_INTERVAL_NS */
	uint64_t miss_hash[GW_MISS_CACHE];
	uint64_t miss_ns[GW_MISS_CACHE];
	struct gw_port_counters cnt[GW_MAX_PORTS] __rte_cache_aligned;
};
#define GW_MISS_INTERVAL_NS 100000000ull

#endif
