/* SPDX-License-Identifier: Apache-2.0 */
/* neigh module: the neighbor table (rte_hash, lock-free readers; the MAC in the data word so a replace is one
 * atomic store) and the Ethernet rewrite from it. A miss is counted, dropped and reported to the control thread.
 * Modules that cache a neighbor's MAC (ip's nexthops) listen for changes. */
#ifndef GW_NEIGH_H
#define GW_NEIGH_H

#include <rte_hash.h>

#include "packet.h"

struct gw_neigh_key {
	uint16_t port;
	uint8_t family;
	uint8_t pad;
	uint8_t ip[16];
};

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
#define GW_MISS_CACHE 64
#define GW_MISS_INTERVAL_NS 100000000ull
/* Per worker: miss dedup, one event per (port, ip) slot per GW_MISS_INTERVAL_NS. */
struct gw_neigh_worker {
	uint64_t hash[GW_MISS_CACHE];
	uint64_t ns[GW_MISS_CACHE];
};

static inline struct rte_hash *gw_neigh_table(const struct gw_dp *dp) { return dp->mod[GW_MOD_neigh]; }

/* Writer side: the neighbor's data word (0 when unknown). */
uint64_t gw_neigh_data(const struct gw_dp *dp, uint16_t port, const struct gw_ip *ip);
/* Called (control thread) after the neighbor (port, ip) was set, replaced or deleted. Module init only. */
typedef void (*gw_neigh_listener)(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip);
int gw_neigh_listen(gw_neigh_listener fn);

/* The MAC to send to (cached_mac when valid, else the neighbor table); false after counting a neighbor
 * miss, raising the event and dropping the packet. */
bool gw_neigh_lookup(struct gw_worker *w, struct gw_pkt *p, uint16_t port, uint8_t family, const void *ip,
		     uint64_t cached_mac, uint64_t *mac);
/* Rewrites Ethernet for the egress port and transmits, or counts a neighbor miss and raises an event. */
void gw_neigh_resolve(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint16_t port,
		      const struct gw_port_obj *op, uint8_t family, const void *ip, uint64_t cached_mac);

#endif
