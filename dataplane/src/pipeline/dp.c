/* SPDX-License-Identifier: Apache-2.0 */
/* gw_dp lifetime, ports, VRFs, nexthops, ECMP groups, events. Every write runs on the control thread;
 * objects read by workers are immutable and replaced by a release-store of a new pointer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_malloc.h>

#include "dp_internal.h"

#define GW_EVENTS_RING 4096

static const char *const drop_names[] = {
#define GW_DROP_NAME(e, s) s,
	GW_DROP_REASONS(GW_DROP_NAME)
#undef GW_DROP_NAME
};
static const char *const stage_names[] = {
#define GW_STAGE_NAME(e, s) s,
	GW_STAGES(GW_STAGE_NAME)
#undef GW_STAGE_NAME
};

const char *gw_drop_reason_name(unsigned r) { return r < GW_DROP_MAX ? drop_names[r] : NULL; }
const char *gw_stage_name(unsigned s) { return s < GW_STAGE_MAX ? stage_names[s] : NULL; }

static void defer_free(struct gw_dp *dp, void *p)
{
	if (!p)
		return;
	if (gw_defer_add(&dp->defer, gw_defer_rte_free, p, 0) < 0) {
		gw_defer_sync(&dp->defer);
		rte_free(p);
	}
}

struct gw_dp *gw_dp_create(const struct gw_dp_params *p)
{
	if (!p || p->max_vrfs == 0 || p->max_vrfs > 65536 || p->max_nexthops == 0 || p->max_groups == 0 ||
	    p->max_groups > GW_RV_GROUP_MASK || p->max_neighbors == 0 || p->n_workers == 0 ||
	    p->n_workers > GW_MAX_WORKERS || p->max_routes4 == 0 || p->max_routes6 == 0)
		return NULL;
	struct gw_dp *dp = rte_zmalloc_socket("gw_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (!dp)
		return NULL;
	dp->p = *p;
	if (!dp->p.icmp_rate)
		dp->p.icmp_rate = 1000;
	if (!dp->p.icmp_burst)
		dp->p.icmp_burst = 50;
	char name[RTE_MEMZONE_NAMESIZE];
	static unsigned instance;
	dp->name_seq = __atomic_fetch_add(&instance, 1, __ATOMIC_RELAXED);

	size_t qsz = rte_rcu_qsbr_get_memsize(p->n_workers);
	dp->qsbr = rte_zmalloc_socket("gw_qsbr", qsz, RTE_CACHE_LINE_SIZE, p->socket_id);
	dp->vrfs = rte_zmalloc_socket("gw_vrfs", sizeof(*dp->vrfs) * p->max_vrfs, 0, p->socket_id);
	dp->nhs = rte_zmalloc_socket("gw_nhs", sizeof(*dp->nhs) * (p->max_nexthops + 1), 0, p->socket_id);
	dp->groups = rte_zmalloc_socket("gw_groups", sizeof(*dp->groups) * (p->max_groups + 1), 0, p->socket_id);
	if (!dp->qsbr || !dp->vrfs || !dp->nhs || !dp->groups || rte_rcu_qsbr_init(dp->qsbr, p->n_workers) < 0 ||
	    gw_defer_init(&dp->defer, dp->qsbr) < 0)
		goto fail;

	snprintf(name, sizeof(name), "gwn%u", dp->name_seq);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = p->max_neighbors < 64 ? 64 : p->max_neighbors,
		.key_len = sizeof(struct gw_neigh_key),
		.socket_id = p->socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	if (!(dp->neigh = rte_hash_create(&hp)))
		goto fail;
	snprintf(name, sizeof(name), "gwev%u", dp->name_seq);
	dp->events = rte_ring_create_elem(name, sizeof(struct gw_event), GW_EVENTS_RING, p->socket_id, RING_F_SC_DEQ);
	if (!dp->events)
		goto fail;
	struct gw_vrf *v0;
	if (gw_vrf_create(dp, 0, &v0) < 0)
		goto fail;
	atomic_store_explicit(&dp->vrfs[0], v0, memory_order_release);
	return dp;
fail:
	gw_dp_free(dp);
	return NULL;
}

void gw_dp_free(struct gw_dp *dp)
{
	if (!dp)
		return;
	if (dp->defer.q)
		gw_defer_fini(&dp->defer);
	for (unsigned i = 0; i < GW_MAX_PORTS; i++)
		rte_free(dp->ports[i]);
	if (dp->vrfs)
		for (uint32_t i = 0; i < dp->p.max_vrfs; i++)
			if (dp->vrfs[i])
				gw_vrf_destroy(dp->vrfs[i]);
	if (dp->nhs)
		for (uint32_t i = 0; i <= dp->p.max_nexthops; i++)
			rte_free(dp->nhs[i]);
	if (dp->groups)
		for (uint32_t i = 0; i <= dp->p.max_groups; i++)
			rte_free(dp->groups[i]);
	rte_free(dp->vrfs);
	rte_free(dp->nhs);
	rte_free(dp->groups);
	rte_hash_free(dp->neigh);
	rte_ring_free(dp->events);
	rte_free(dp->qsbr);
	rte_free(dp);
}

/* ---- ports ---- */
static int port_publish(struct gw_dp *dp, uint16_t port_id, const struct gw_port_obj *tmpl)
{
	struct gw_port_obj *o = rte_malloc("gw_port", sizeof(*o), RTE_CACHE_LINE_SIZE);
	if (!o)
		return -ENOMEM;
	*o = *tmpl;
	struct gw_port_obj *old = atomic_exchange_explicit(&dp->ports[port_id], o, memory_order_acq_rel);
	defer_free(dp, old);
	return 0;
}

int gw_dp_port_set(struct gw_dp *dp, uint16_t port_id, const struct gw_port_conf *c)
{
	if (!dp || !c || port_id >= GW_MAX_PORTS || c->vrf >= dp->p.max_vrfs || c->mtu < 68 ||
	    (c->punt_port != GW_PORT_NONE && c->punt_port >= GW_MAX_PORTS))
		return -EINVAL;
	struct gw_port_obj o = {0};
	const struct gw_port_obj *old = dp->ports[port_id];
	if (old)
		o = *old; /* keep the ICMP source addresses */
	o.c = *c;
	return port_publish(dp, port_id, &o);
}

int gw_dp_port_addr_set(struct gw_dp *dp, uint16_t port_id, const struct gw_ip *addr)
{
	if (!dp || !addr || port_id >= GW_MAX_PORTS)
		return -EINVAL;
	const struct gw_port_obj *old = dp->ports[port_id];
	if (!old)
		return -ENOENT;
	struct gw_port_obj o = *old;
	if (addr->family == AF_INET) {
		o.has4 = true;
		o.src4 = addr->v4;
	} else if (addr->family == AF_INET6) {
		o.has6 = true;
		memcpy(o.src6, addr->v6, 16);
	} else if (addr->family == 0) {
		o.has4 = o.has6 = false;
	} else {
		return -EINVAL;
	}
	return port_publish(dp, port_id, &o);
}

int gw_dp_port_del(struct gw_dp *dp, uint16_t port_id)
{
	if (!dp || port_id >= GW_MAX_PORTS)
		return -EINVAL;
	struct gw_port_obj *old = atomic_exchange_explicit(&dp->ports[port_id], NULL, memory_order_acq_rel);
	if (!old)
		return -ENOENT;
	defer_free(dp, old);
	return 0;
}

/* ---- VRFs ---- */
int gw_dp_vrf_add(struct gw_dp *dp, uint32_t vrf)
{
	if (!dp || vrf >= dp->p.max_vrfs)
		return -EINVAL;
	if (dp->vrfs[vrf])
		return -EEXIST;
	struct gw_vrf *v;
	int rc = gw_vrf_create(dp, vrf, &v);
	if (rc < 0)
		return rc;
	atomic_store_explicit(&dp->vrfs[vrf], v, memory_order_release);
	return 0;
}

int gw_dp_vrf_del(struct gw_dp *dp, uint32_t vrf)
{
	if (!dp || vrf >= dp->p.max_vrfs || vrf == 0)
		return -EINVAL;
	struct gw_vrf *v = atomic_exchange_explicit(&dp->vrfs[vrf], NULL, memory_order_acq_rel);
	if (!v)
		return -ENOENT;
	/* A VRF is big (its tables): wait for readers once instead of queueing; VRF deletion is rare. */
	gw_defer_sync(&dp->defer);
	gw_vrf_destroy(v);
	return 0;
}

/* ---- nexthops and groups ---- */
int gw_dp_nexthop_set(struct gw_dp *dp, uint32_t nh_id, const struct gw_nexthop *nh)
{
	if (!dp || !nh || nh_id == 0 || nh_id > dp->p.max_nexthops || nh->port >= GW_MAX_PORTS ||
	    (nh->gw.family != 0 && nh->gw.family != AF_INET && nh->gw.family != AF_INET6))
		return -EINVAL;
	struct gw_nh_obj *o = rte_zmalloc("gw_nh", sizeof(*o), 0);
	if (!o)
		return -ENOMEM;
	o->nh = *nh;
	o->mac = nh->gw.family ? gw_neigh_data(dp, nh->port, &nh->gw) : 0;
	if (nh_id > dp->nh_id_max)
		dp->nh_id_max = nh_id;
	defer_free(dp, atomic_exchange_explicit(&dp->nhs[nh_id], o, memory_order_acq_rel));
	return 0;
}

static bool same_ip(const struct gw_ip *a, const struct gw_ip *b)
{
	return a->family == b->family && (a->family == AF_INET ? a->v4 == b->v4 : memcmp(a->v6, b->v6, 16) == 0);
}

void gw_nh_refresh(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip)
{
	uint64_t mac = gw_neigh_data(dp, port, ip);
	for (uint32_t id = 1; id <= dp->nh_id_max; id++) {
		const struct gw_nh_obj *o = dp->nhs[id];
		if (o && o->nh.port == port && same_ip(&o->nh.gw, ip) && o->mac != mac)
			gw_dp_nexthop_set(dp, id, &o->nh);
	}
}

int gw_dp_nexthop_del(struct gw_dp *dp, uint32_t nh_id)
{
	if (!dp || nh_id == 0 || nh_id > dp->p.max_nexthops)
		return -EINVAL;
	struct gw_nh_obj *old = atomic_exchange_explicit(&dp->nhs[nh_id], NULL, memory_order_acq_rel);
	if (!old)
		return -ENOENT;
	defer_free(dp, old);
	return 0;
}

int gw_dp_nexthop_get(const struct gw_dp *dp, uint32_t nh_id, struct gw_nexthop *out)
{
	if (!dp || nh_id == 0 || nh_id > dp->p.max_nexthops)
		return -EINVAL;
	const struct gw_nh_obj *o = dp->nhs[nh_id];
	if (!o)
		return -ENOENT;
	*out = o->nh;
	return 0;
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

int gw_dp_group_set(struct gw_dp *dp, uint32_t group_id, const uint32_t *nh_ids, const uint16_t *weights,
		    unsigned n)
{
	if (!dp || !nh_ids || group_id == 0 || group_id > dp->p.max_groups || n == 0 || n > GW_GROUP_MAX_MEMBERS)
		return -EINVAL;
	unsigned total = 0, g = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned wt = weights ? weights[i] : 1;
		if (nh_ids[i] == 0 || nh_ids[i] > dp->p.max_nexthops || wt == 0)
			return -EINVAL;
		if (!dp->nhs[nh_ids[i]])
			return -ENOENT;
		total += wt;
		g = gcd(g, wt);
	}
	/* Slot table: each member repeated in proportion to its weight (reduced by the gcd, scaled down to
	 * GW_GROUP_SLOTS_MAX keeping every member at least one slot). */
	unsigned slots[GW_GROUP_MAX_MEMBERS], n_slots = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned wt = (weights ? weights[i] : 1) / g;
		if (total / g > GW_GROUP_SLOTS_MAX) {
			wt = (unsigned)((uint64_t)(weights ? weights[i] : 1) * (GW_GROUP_SLOTS_MAX - n) / total) + 1;
		}
		slots[i] = wt;
		n_slots += wt;
	}
	struct gw_group_obj *o = rte_zmalloc("gw_group", sizeof(*o) + n_slots * sizeof(uint32_t), 0);
	if (!o)
		return -ENOMEM;
	o->n = n;
	o->n_slots = n_slots;
	unsigned k = 0;
	/* Interleave members across the slot table so neighbouring hash values spread over members. */
	unsigned left[GW_GROUP_MAX_MEMBERS];
	memcpy(left, slots, sizeof(unsigned) * n);
	while (k < n_slots)
		for (unsigned i = 0; i < n && k < n_slots; i++)
			if (left[i]) {
				left[i]--;
				o->slots[k++] = nh_ids[i];
			}
	for (unsigned i = 0; i < n; i++) {
		o->nh_ids[i] = nh_ids[i];
		o->weights[i] = weights ? weights[i] : 1;
	}
	defer_free(dp, atomic_exchange_explicit(&dp->groups[group_id], o, memory_order_acq_rel));
	return 0;
}

int gw_dp_group_del(struct gw_dp *dp, uint32_t group_id)
{
	if (!dp || group_id == 0 || group_id > dp->p.max_groups)
		return -EINVAL;
	struct gw_group_obj *old = atomic_exchange_explicit(&dp->groups[group_id], NULL, memory_order_acq_rel);
	if (!old)
		return -ENOENT;
	defer_free(dp, old);
	return 0;
}

int gw_dp_group_get(const struct gw_dp *dp, uint32_t group_id, uint32_t *nh_ids, uint16_t *weights, unsigned max)
{
	if (!dp || group_id == 0 || group_id > dp->p.max_groups)
		return -EINVAL;
	const struct gw_group_obj *o = dp->groups[group_id];
	if (!o)
		return -ENOENT;
	for (unsigned i = 0; i < o->n && i < max; i++) {
		nh_ids[i] = o->nh_ids[i];
		if (weights)
			weights[i] = o->weights[i];
	}
	return (int)o->n;
}

/* ---- events ---- */
unsigned gw_dp_events_poll(struct gw_dp *dp, struct gw_event *ev, unsigned max)
{
	gw_defer_reclaim(&dp->defer); /* the control thread polls often: a cheap place to recycle memory */
	return rte_ring_dequeue_burst_elem(dp->events, ev, sizeof(*ev), max, NULL);
}

uint64_t gw_dp_events_dropped(const struct gw_dp *dp)
{
	return atomic_load_explicit(&dp->events_dropped, memory_order_relaxed);
}
