/* SPDX-License-Identifier: Apache-2.0 */
/* gw_dp lifetime, ports, events. Every write runs on the control thread; objects read by workers are
 * immutable and replaced by a release-store of a new pointer. The tables are the modules' (registry.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_malloc.h>

#include "registry.h"

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

void gw_dp_defer_free(struct gw_dp *dp, void *p)
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
	    p->max_neighbors == 0 || p->n_workers == 0 || p->n_workers > GW_MAX_WORKERS || p->max_routes4 == 0 ||
	    p->max_routes6 == 0 || gw_modules_init() < 0)
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
	if (!dp->qsbr || rte_rcu_qsbr_init(dp->qsbr, p->n_workers) < 0 || gw_defer_init(&dp->defer, dp->qsbr) < 0)
		goto fail;
	snprintf(name, sizeof(name), "gwev%u", dp->name_seq);
	dp->events = rte_ring_create_elem(name, sizeof(struct gw_event), GW_EVENTS_RING, p->socket_id, RING_F_SC_DEQ);
	if (!dp->events || gw_modules_dp_create(dp) < 0)
		goto fail;
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
	gw_modules_dp_free(dp);
	for (unsigned i = 0; i < GW_MAX_PORTS; i++)
		rte_free(dp->ports[i]);
	rte_ring_free(dp->events);
	rte_free(dp->qsbr);
	rte_free(dp);
}

/* ---- ports ---- */
static int port_publish(struct gw_dp *dp, uint16_t port_id, const struct gw_port_obj *tmpl)
{
	struct gw_port_obj *o = NULL;
	if (tmpl) {
		if (!(o = rte_malloc("gw_port", sizeof(*o), RTE_CACHE_LINE_SIZE)))
			return -ENOMEM;
		*o = *tmpl;
	}
	struct gw_port_obj *old = atomic_exchange_explicit(&dp->ports[port_id], o, memory_order_acq_rel);
	gw_dp_defer_free(dp, old);
	gw_modules_port_changed(dp, port_id);
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

int gw_dp_port_get(const struct gw_dp *dp, uint16_t port_id, struct gw_port_conf *out)
{
	if (!dp || !out || port_id >= GW_MAX_PORTS)
		return -EINVAL;
	const struct gw_port_obj *o = dp->ports[port_id];
	if (!o)
		return -ENOENT;
	*out = o->c;
	return 0;
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
	if (!dp->ports[port_id])
		return -ENOENT;
	return port_publish(dp, port_id, NULL);
}

/* ---- events ---- */
void gw_dp_event_raise(struct gw_dp *dp, const struct gw_event *ev)
{
	if (rte_ring_mp_enqueue_elem(dp->events, (void *)ev, sizeof(*ev)) != 0)
		atomic_fetch_add_explicit(&dp->events_dropped, 1, memory_order_relaxed);
}

unsigned gw_dp_events_poll(struct gw_dp *dp, struct gw_event *ev, unsigned max)
{
	gw_defer_reclaim(&dp->defer); /* the control thread polls often: a cheap place to recycle memory */
	return rte_ring_dequeue_burst_elem(dp->events, ev, sizeof(*ev), max, NULL);
}

uint64_t gw_dp_events_dropped(const struct gw_dp *dp)
{
	return atomic_load_explicit(&dp->events_dropped, memory_order_relaxed);
}
