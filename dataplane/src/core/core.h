/* SPDX-License-Identifier: Apache-2.0 */
/* The core of the pipeline: the dp object (params, QSBR, deferred free, ports, events), workers and the module
 * registry. It knows no module: every table lives in a module (src/modules/<name>/), which the core creates and
 * frees through the registry (module.h) and finds again in dp->mod[] / w->mod[].
 *
 * Writers (one control thread) publish with release stores; anything a writer unlinks goes through the
 * deferred-free list (defer.c) and is reclaimed only after every worker reported a quiescent state. */
#ifndef GW_CORE_H
#define GW_CORE_H

#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_branch_prediction.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "gw_dp.h"
#include "module.h"

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

struct gw_dp {
	struct gw_dp_params p;
	struct rte_rcu_qsbr *qsbr;
	struct gw_defer defer;
	void *mod[GW_MOD_MAX];                /* each module's tables (module.h) */
	struct gw_port_obj *_Atomic ports[GW_MAX_PORTS];
	struct rte_ring *events;
	_Atomic uint64_t events_dropped;
	unsigned name_seq;                    /* makes DPDK object names unique per dp */
};

/* rte_free(p) once readers are done with it (a grace period), or at once after waiting when the queue is full. */
void gw_dp_defer_free(struct gw_dp *dp, void *p);
/* A worker's event to the control thread (counted in events_dropped when the ring is full). */
void gw_dp_event_raise(struct gw_dp *dp, const struct gw_event *ev);

static inline const struct gw_port_obj *gw_dp_port(const struct gw_dp *dp, uint16_t port)
{
	return atomic_load_explicit(&dp->ports[port], memory_order_acquire);
}

/* ---- worker ---- */
struct gw_worker {
	struct gw_dp *dp;
	unsigned idx;
	gw_trace_fn trace_fn;
	void *trace_ctx;
	struct gw_trace tr;
	void *mod[GW_MOD_MAX];                /* each module's per-worker state (module.h) */
	struct gw_port_counters cnt[GW_MAX_PORTS] __rte_cache_aligned;
};

/* For tests and the bench: the trie value a worker would see for ip (0 = no route); in the ip module. */
uint32_t gw_dp_route_lookup_value(const struct gw_dp *dp, uint32_t vrf, const struct gw_ip *ip);

#endif
