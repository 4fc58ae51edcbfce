/* SPDX-License-Identifier: Apache-2.0 */
/* Named hook points: where a module's stage plugs into the pipeline, so stages never call another module's
 * stage by name. Set only by module init functions (core/module.h), before the first dp exists; read by workers
 * as plain loads of a table that no longer changes (one indirect call per hop, no lookup by name).
 *   stage points: one owner each; gw_dp_create fails when one is left unset (a module is missing).
 *   chains: any number of filters (at most GW_CHAIN_MAX) run in registration order; an empty chain costs one
 *           load and a branch. */
#ifndef GW_HOOKS_H
#define GW_HOOKS_H

#include <stdbool.h>

#include "packet.h"

typedef void (*gw_stage_fn)(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
/* A filter returns true when it took the packet (transmitted, handed on or dropped it). */
typedef bool (*gw_filter_fn)(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
/* Runs once per burst before the first packet, with each packet's metadata (VRF set): batched lookups. */
typedef void (*gw_burst_fn)(struct gw_worker *w, struct rte_mbuf **pkts, struct gw_meta *md, uint16_t n);

enum gw_hook {
	GW_HOOK_PORT_INPUT, /* every packet of a physical port (eth) */
	GW_HOOK_TAP_INPUT,  /* every packet the kernel sent on a punt tap (punt) */
	GW_HOOK_LOCAL,      /* a packet for the gateway itself (punt) */
	GW_HOOK_MAX
};

enum gw_chain_point {
	GW_PRE_ROUTING,  /* IPv4/IPv6 validated, before the route lookup: classify, DNAT, decapsulate */
	GW_POST_ROUTING, /* nexthop chosen, TTL decremented, before the neighbor rewrite: SNAT, police */
	GW_CHAIN_POINTS
};

#define GW_CHAIN_MAX 8
struct gw_chain {
	unsigned n;
	gw_filter_fn fn[GW_CHAIN_MAX];
};

struct gw_hooks {
	gw_stage_fn stage[GW_HOOK_MAX];
	gw_burst_fn burst_prepare; /* optional */
	struct gw_chain chain[GW_CHAIN_POINTS];
};
extern struct gw_hooks gw_hooks;

/* Registration (module init only): 0, -EEXIST when the point has an owner, -ENOSPC when the chain is full. */
int gw_hook_set(enum gw_hook h, gw_stage_fn fn);
int gw_hook_burst_set(gw_burst_fn fn);
int gw_chain_add(enum gw_chain_point pt, gw_filter_fn fn);

static inline void gw_hook(enum gw_hook h, struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	gw_hooks.stage[h](w, p, out);
}

/* true when a filter of the chain took the packet */
static inline bool gw_chain_run(enum gw_chain_point pt, struct gw_worker *w, struct gw_pkt *p,
				struct gw_burst_out *out)
{
	const struct gw_chain *c = &gw_hooks.chain[pt];
	if (likely(c->n == 0))
		return false;
	for (unsigned i = 0; i < c->n; i++)
		if (c->fn[i](w, p, out))
			return true;
	return false;
}

#endif
