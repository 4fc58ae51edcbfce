/* SPDX-License-Identifier: Apache-2.0 */
/* Nexthops and weighted ECMP groups. Every write runs on the control thread; objects read by workers are
 * immutable and replaced by a release-store of a new pointer.
 * A group's slot table holds only the members whose port is up: when a port goes down (or a nexthop moves to
 * a down port) the groups using it are rebuilt over the surviving members, and rebuilt again when it comes
 * back. A group whose members are all down keeps them all, so its packets are the counted drop port_down. */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "ip.h"
#include "neigh/neigh.h"

/* A member is out only when its nexthop exists and its port is known and down: an unknown nexthop or port
 * stays in the slots and gives nexthop_invalid / port_down as it did before ports had a link state. A nexthop of a
 * kind with a per-packet egress (a tunnel) has no port of its own and stays. */
static bool nh_live(const struct gw_dp *dp, const struct gw_nh_obj *o)
{
	if (!o || gw_ip_nh_egress[o->kind])
		return true;
	const struct gw_port_obj *po = dp->ports[o->nh.port];
	return !po || po->c.up;
}

static uint64_t live_mask(const struct gw_dp *dp, const uint32_t *nh_ids, unsigned n)
{
	const struct gw_ip_tables *t = gw_ip(dp);
	uint64_t m = 0;
	for (unsigned i = 0; i < n; i++)
		if (nh_live(dp, t->nhs[nh_ids[i]]))
			m |= 1ull << i;
	return m;
}

static unsigned gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Builds and publishes the group object over the members in `live` (all of them when live is 0). */
static int group_publish(struct gw_dp *dp, uint32_t group_id, const uint32_t *nh_ids, const uint16_t *weights,
			 unsigned n, uint64_t live)
{
	uint64_t use = live ? live : (n == 64 ? ~0ull : (1ull << n) - 1);
	unsigned total = 0, g = 0, slots[GW_GROUP_MAX_MEMBERS] = {0}, n_slots = 0;
	for (unsigned i = 0; i < n; i++)
		if (use >> i & 1) {
			total += weights[i];
			g = gcd(g, weights[i]);
		}
	/* Slot table: each member repeated in proportion to its weight (reduced by the gcd, scaled down to
	 * GW_GROUP_SLOTS_MAX keeping every member at least one slot). */
	for (unsigned i = 0; i < n; i++) {
		if (!(use >> i & 1))
			continue;
		unsigned wt = weights[i] / g;
		if (total / g > GW_GROUP_SLOTS_MAX)
			wt = (unsigned)((uint64_t)weights[i] * (GW_GROUP_SLOTS_MAX - n) / total) + 1;
		slots[i] = wt;
		n_slots += wt;
	}
	struct gw_group_obj *o = rte_zmalloc("gw_group", sizeof(*o) + n_slots * sizeof(uint32_t), 0);
	if (!o)
		return -ENOMEM;
	o->n = n;
	o->n_slots = n_slots;
	o->live = live;
	unsigned k = 0;
	/* Interleave members across the slot table so neighbouring hash values spread over members. */
	while (k < n_slots)
		for (unsigned i = 0; i < n && k < n_slots; i++)
			if (slots[i]) {
				slots[i]--;
				o->slots[k++] = nh_ids[i];
			}
	memcpy(o->nh_ids, nh_ids, n * sizeof(*nh_ids));
	memcpy(o->weights, weights, n * sizeof(*weights));
	struct gw_ip_tables *t = gw_ip(dp);
	if (group_id > t->group_id_max)
		t->group_id_max = group_id;
	gw_dp_defer_free(dp, atomic_exchange_explicit(&t->groups[group_id], o, memory_order_acq_rel));
	gw_ip_underlay_changed(dp);
	return 0;
}

/* Rebuilds every group whose live members are no longer those its slots were built from. */
static void groups_refresh(struct gw_dp *dp)
{
	struct gw_ip_tables *t = gw_ip(dp);
	for (uint32_t id = 1; id <= t->group_id_max; id++) {
		const struct gw_group_obj *g = t->groups[id];
		if (g && live_mask(dp, g->nh_ids, g->n) != g->live)
			group_publish(dp, id, g->nh_ids, g->weights, g->n, live_mask(dp, g->nh_ids, g->n));
	}
}

void gw_groups_port_changed(struct gw_dp *dp, uint16_t port)
{
	(void)port;
	groups_refresh(dp);
	gw_ip_underlay_changed(dp); /* a cached path keeps the port id, not the port object: its MAC/MTU/state changed */
}

int gw_dp_nexthop_set(struct gw_dp *dp, uint32_t nh_id, const struct gw_nexthop *nh)
{
	return gw_ip_nexthop_set_kind(dp, nh_id, nh, GW_NH_ETH, 0);
}

int gw_ip_nexthop_set_kind(struct gw_dp *dp, uint32_t nh_id, const struct gw_nexthop *nh, enum gw_nh_kind kind,
			   uint32_t kind_data)
{
	if (!dp || !nh || nh_id == 0 || nh_id > dp->p.max_nexthops || nh->port >= GW_MAX_PORTS ||
	    kind >= GW_NH_KINDS || (nh->gw.family != 0 && nh->gw.family != AF_INET && nh->gw.family != AF_INET6))
		return -EINVAL;
	struct gw_ip_tables *t = gw_ip(dp);
	struct gw_nh_obj *o = rte_zmalloc("gw_nh", sizeof(*o), 0);
	if (!o)
		return -ENOMEM;
	o->nh = *nh;
	o->kind = (uint8_t)kind;
	o->kind_data = kind_data;
	o->mac = nh->gw.family ? gw_neigh_data(dp, nh->port, &nh->gw) : 0;
	if (nh_id > t->nh_id_max)
		t->nh_id_max = nh_id;
	struct gw_nh_obj *old = atomic_exchange_explicit(&t->nhs[nh_id], o, memory_order_acq_rel);
	bool moved = nh_live(dp, old) != nh_live(dp, o);
	gw_ip_underlay_changed(dp);
	gw_dp_defer_free(dp, old);
	if (moved)
		groups_refresh(dp);
	return 0;
}

static bool same_ip(const struct gw_ip *a, const struct gw_ip *b)
{
	return a->family == b->family && (a->family == AF_INET ? a->v4 == b->v4 : memcmp(a->v6, b->v6, 16) == 0);
}

void gw_nh_refresh(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip)
{
	struct gw_ip_tables *t = gw_ip(dp);
	uint64_t mac = gw_neigh_data(dp, port, ip);
	gw_ip_underlay_changed(dp); /* also the neighbours of connected nexthops, which no nexthop object caches */
	for (uint32_t id = 1; id <= t->nh_id_max; id++) {
		const struct gw_nh_obj *o = t->nhs[id];
		if (o && o->nh.port == port && same_ip(&o->nh.gw, ip) && o->mac != mac)
			gw_ip_nexthop_set_kind(dp, id, &o->nh, (enum gw_nh_kind)o->kind, o->kind_data);
	}
}

int gw_dp_nexthop_del(struct gw_dp *dp, uint32_t nh_id)
{
	if (!dp || nh_id == 0 || nh_id > dp->p.max_nexthops)
		return -EINVAL;
	struct gw_nh_obj *old = atomic_exchange_explicit(&gw_ip(dp)->nhs[nh_id], NULL, memory_order_acq_rel);
	if (!old)
		return -ENOENT;
	bool moved = !nh_live(dp, old);
	gw_ip_underlay_changed(dp);
	gw_dp_defer_free(dp, old);
	if (moved)
		groups_refresh(dp);
	return 0;
}

int gw_dp_nexthop_get(const struct gw_dp *dp, uint32_t nh_id, struct gw_nexthop *out)
{
	if (!dp || nh_id == 0 || nh_id > dp->p.max_nexthops)
		return -EINVAL;
	const struct gw_nh_obj *o = gw_ip(dp)->nhs[nh_id];
	if (!o)
		return -ENOENT;
	*out = o->nh;
	return 0;
}

int gw_dp_group_set(struct gw_dp *dp, uint32_t group_id, const uint32_t *nh_ids, const uint16_t *weights,
		    unsigned n)
{
	if (!dp || !nh_ids || group_id == 0 || group_id > dp->p.max_groups || n == 0 || n > GW_GROUP_MAX_MEMBERS)
		return -EINVAL;
	const struct gw_ip_tables *t = gw_ip(dp);
	uint16_t wts[GW_GROUP_MAX_MEMBERS];
	for (unsigned i = 0; i < n; i++) {
		wts[i] = weights ? weights[i] : 1;
		if (nh_ids[i] == 0 || nh_ids[i] > dp->p.max_nexthops || wts[i] == 0)
			return -EINVAL;
		if (!t->nhs[nh_ids[i]])
			return -ENOENT;
	}
	return group_publish(dp, group_id, nh_ids, wts, n, live_mask(dp, nh_ids, n));
}

int gw_dp_group_del(struct gw_dp *dp, uint32_t group_id)
{
	if (!dp || group_id == 0 || group_id > dp->p.max_groups)
		return -EINVAL;
	struct gw_group_obj *old = atomic_exchange_explicit(&gw_ip(dp)->groups[group_id], NULL, memory_order_acq_rel);
	if (!old)
		return -ENOENT;
	gw_ip_underlay_changed(dp);
	gw_dp_defer_free(dp, old);
	return 0;
}

int gw_dp_group_get(const struct gw_dp *dp, uint32_t group_id, uint32_t *nh_ids, uint16_t *weights, unsigned max)
{
	if (!dp || group_id == 0 || group_id > dp->p.max_groups)
		return -EINVAL;
	const struct gw_group_obj *o = gw_ip(dp)->groups[group_id];
	if (!o)
		return -ENOENT;
	for (unsigned i = 0; i < o->n && i < max; i++) {
		nh_ids[i] = o->nh_ids[i];
		if (weights)
			weights[i] = o->weights[i];
	}
	return (int)o->n;
}
