/* SPDX-License-Identifier: Apache-2.0 */
/* Ethernet rewrite from the neighbor table. A miss is counted and reported to the control thread (which
 * makes the kernel resolve over the tap); events are deduplicated per (port, address) slot for
 * GW_MISS_INTERVAL_NS so a flow towards an unresolved host does not flood the ring. */
#include "neigh.h"

static void miss_event(struct gw_worker *w, const struct gw_neigh_key *k, uint64_t now)
{
	struct gw_neigh_worker *nw = w->mod[GW_MOD_neigh];
	uint64_t hv = rte_hash_crc(k, sizeof(*k), 0) | (1ull << 32);
	unsigned slot = (unsigned)hv % GW_MISS_CACHE;
	if (nw->hash[slot] == hv && now - nw->ns[slot] < GW_MISS_INTERVAL_NS)
		return;
	nw->hash[slot] = hv;
	nw->ns[slot] = now;
	struct gw_event ev = {.type = GW_EV_NEIGH_MISS, .port = k->port, .ip = {.family = k->family}};
	memcpy(ev.ip.v6, k->ip, k->family == AF_INET ? 4 : 16);
	gw_dp_event_raise(w->dp, &ev);
}

bool gw_neigh_lookup(struct gw_worker *w, struct gw_pkt *p, uint16_t port, uint8_t family, const void *ip,
		     uint64_t cached_mac, uint64_t *mac)
{
	gw_stage(w, GW_STAGE_NEIGH_RESOLVE);
	*mac = cached_mac;
	if (cached_mac & GW_NEIGH_VALID)
		return true;
	struct gw_neigh_key k;
	gw_neigh_key_make(&k, port, family, ip);
	void *data;
	if (unlikely(rte_hash_lookup_data(gw_neigh_table(w->dp), &k, &data) < 0)) {
		miss_event(w, &k, p->now);
		gw_drop(w, p, GW_DROP_NEIGH_MISS);
		return false;
	}
	*mac = (uint64_t)(uintptr_t)data;
	return true;
}

void gw_neigh_resolve(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint16_t port,
		      const struct gw_port_obj *op, uint8_t family, const void *ip, uint64_t cached_mac)
{
	uint64_t mac;
	if (!gw_neigh_lookup(w, p, port, family, ip, cached_mac, &mac))
		return;
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(p->m, struct rte_ether_hdr *);
	memcpy(eh->dst_addr.addr_bytes, &mac, RTE_ETHER_ADDR_LEN);
	eh->src_addr = op->c.mac;
	gw_tx(w, out, port, p->m, GW_DEC_FORWARD);
}
