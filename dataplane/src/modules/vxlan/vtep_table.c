/* SPDX-License-Identifier: Apache-2.0 */
/* The vxlan module's tables and registration: the local VTEP, the VNI -> VRF map (a sorted array plus its hash index,
 * rebuilt on each change: VNIs are few, one per VPC, and an immutable object needs no reader locks), and the
 * tunnels, each published here before ip's nexthop of kind GW_NH_VXLAN that points at it. */
#include <errno.h>

#include <rte_malloc.h>

#include "icmp/icmp.h"
#include "vxlan.h"

static void *zalloc(const struct gw_dp *dp, size_t n)
{
	return rte_zmalloc_socket("gw_vxlan", n, RTE_CACHE_LINE_SIZE, dp->p.socket_id);
}

int gw_dp_vtep_set(struct gw_dp *dp, const struct gw_vtep *v)
{
	if (!dp || !v || v->ip == 0 || (v->ip6.family != 0 && v->ip6.family != AF_INET6))
		return -EINVAL;
	struct gw_vxlan_tables *t = gw_vxlan(dp);
	const struct gw_vtep *cur = t->vtep;
	if (cur && cur->ip != v->ip)
		return -ENOSPC;
	struct gw_vtep *o = zalloc(dp, sizeof(*o));
	if (!o)
		return -ENOMEM;
	*o = *v;
	struct gw_vtep *old = atomic_exchange_explicit(&t->vtep, o, memory_order_acq_rel);
	gw_ip_underlay_changed(dp); /* cached paths hold the VTEP's address and MAC in their headers */
	gw_dp_defer_free(dp, old);
	return 0;
}

int gw_dp_vtep_del(struct gw_dp *dp, uint32_t ip)
{
	if (!dp)
		return -EINVAL;
	struct gw_vxlan_tables *t = gw_vxlan(dp);
	if (!t->vtep || t->vtep->ip != ip)
		return -ENOENT;
	struct gw_vtep *old = atomic_exchange_explicit(&t->vtep, NULL, memory_order_acq_rel);
	gw_ip_underlay_changed(dp);
	gw_dp_defer_free(dp, old);
	return 0;
}

int gw_dp_vtep_get(const struct gw_dp *dp, struct gw_vtep *out)
{
	const struct gw_vtep *v = dp ? gw_vxlan(dp)->vtep : NULL;
	if (!v)
		return -ENOENT;
	*out = *v;
	return 0;
}

/* Publishes a copy of the VNI array with vni set to vrf (vrf < 0: removed). */
static int vnis_publish(struct gw_dp *dp, uint32_t vni, int64_t vrf)
{
	struct gw_vxlan_tables *t = gw_vxlan(dp);
	const struct vxlan_vnis *cur = t->vnis;
	uint32_t n = cur ? cur->n : 0, i = 0;
	while (i < n && cur->e[i].vni < vni)
		i++;
	bool found = i < n && cur->e[i].vni == vni;
	if (vrf < 0 && !found)
		return -ENOENT;
	uint32_t nn = vrf < 0 ? n - 1 : found ? n : n + 1;
	if (nn > dp->p.max_vrfs)
		return -ENOSPC;
	uint32_t slots = 16;
	while (slots < 2 * nn)
		slots *= 2;
	struct vxlan_vnis *o = zalloc(dp, sizeof(*o) + (nn + slots) * sizeof(o->e[0]));
	if (!o)
		return -ENOMEM;
	o->mask = slots - 1;
	o->idx = o->e + nn;
	uint32_t k = 0;
	for (uint32_t j = 0; j < i; j++)
		o->e[k++] = cur->e[j];
	if (vrf >= 0) {
		o->e[k].vni = vni;
		o->e[k++].vrf = (uint32_t)vrf;
	}
	for (uint32_t j = i + found; j < n; j++)
		o->e[k++] = cur->e[j];
	o->n = k;
	for (uint32_t j = 0; j < k; j++) {
		uint32_t h = vxlan_vni_slot(o->e[j].vni, o->mask);
		while (o->idx[h].vni != 0)
			h = (h + 1) & o->mask;
		o->idx[h] = o->e[j];
	}
	gw_dp_defer_free(dp, atomic_exchange_explicit(&t->vnis, o, memory_order_acq_rel));
	return 0;
}

int gw_dp_vni_set(struct gw_dp *dp, uint32_t vni, uint32_t vrf)
{
	if (!dp || vni == 0 || vni > GW_VXLAN_VNI_MAX || vrf >= dp->p.max_vrfs)
		return -EINVAL;
	if (!gw_ip_vrf(dp, vrf))
		return -ENOENT;
	return vnis_publish(dp, vni, vrf);
}

int gw_dp_vni_del(struct gw_dp *dp, uint32_t vni)
{
	if (!dp || vni == 0 || vni > GW_VXLAN_VNI_MAX)
		return -EINVAL;
	return vnis_publish(dp, vni, -1);
}

int gw_dp_vni_get(const struct gw_dp *dp, uint32_t vni, uint32_t *vrf)
{
	if (!dp || vni == 0 || vni > GW_VXLAN_VNI_MAX)
		return -EINVAL;
	int64_t v = vxlan_vni_vrf(dp, vni);
	if (v < 0)
		return -ENOENT;
	*vrf = (uint32_t)v;
	return 0;
}

static bool is_tunnel(const struct gw_dp *dp, uint32_t id)
{
	const struct gw_nh_obj *o = gw_ip(dp)->nhs[id];
	return o && o->kind == GW_NH_VXLAN && gw_vxlan(dp)->tunnels[id];
}

int gw_dp_tunnel_set(struct gw_dp *dp, uint32_t id, const struct gw_tunnel *tn)
{
	if (!dp || !tn || id == 0 || id > dp->p.max_nexthops || tn->vni == 0 || tn->vni > GW_VXLAN_VNI_MAX ||
	    tn->vtep == 0)
		return -EINVAL;
	struct gw_vxlan_tables *t = gw_vxlan(dp);
	struct vxlan_tunnel *o = zalloc(dp, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->t = *tn;
	o->vni_word = rte_cpu_to_be_32(tn->vni << 8);
	struct vxlan_tunnel *old = atomic_exchange_explicit(&t->tunnels[id], o, memory_order_acq_rel);
	/* The port is unused: a tunnel's egress is its outer route's, chosen per packet. */
	const struct gw_nexthop nh = {.port = 0};
	int rc = gw_ip_nexthop_set_kind(dp, id, &nh, GW_NH_VXLAN, id);
	if (rc < 0) {
		atomic_store_explicit(&t->tunnels[id], old, memory_order_release);
		rte_free(o);
		return rc;
	}
	/* (setting the nexthop invalidated cached paths: an entry names its tunnel object, which may now be freed and
	 * its memory reused) */
	gw_dp_defer_free(dp, old);
	return 0;
}

int gw_dp_tunnel_del(struct gw_dp *dp, uint32_t id)
{
	if (!dp || id == 0 || id > dp->p.max_nexthops)
		return -EINVAL;
	if (!is_tunnel(dp, id))
		return -ENOENT;
	int rc = gw_dp_nexthop_del(dp, id);
	if (rc < 0)
		return rc;
	gw_dp_defer_free(dp, atomic_exchange_explicit(&gw_vxlan(dp)->tunnels[id], NULL, memory_order_acq_rel));
	return 0;
}

int gw_dp_tunnel_get(const struct gw_dp *dp, uint32_t id, struct gw_tunnel *out)
{
	if (!dp || id == 0 || id > dp->p.max_nexthops)
		return -EINVAL;
	if (!is_tunnel(dp, id))
		return -ENOENT;
	*out = gw_vxlan(dp)->tunnels[id]->t;
	return 0;
}

static int vxlan_dp_create(struct gw_dp *dp)
{
	struct gw_vxlan_tables *t = zalloc(dp, sizeof(*t));
	if (!t)
		return -ENOMEM;
	dp->mod[GW_MOD_vxlan] = t;
	t->tunnels = zalloc(dp, (dp->p.max_nexthops + 1) * sizeof(*t->tunnels));
	return t->tunnels ? 0 : -ENOMEM;
}

static void vxlan_dp_free(struct gw_dp *dp)
{
	struct gw_vxlan_tables *t = gw_vxlan(dp);
	if (!t)
		return;
	if (t->tunnels)
		for (uint32_t id = 0; id <= dp->p.max_nexthops; id++)
			rte_free(t->tunnels[id]);
	rte_free(t->tunnels);
	rte_free(t->vtep);
	rte_free(t->vnis);
	rte_free(t);
	dp->mod[GW_MOD_vxlan] = NULL;
}

/* The outer path cache: one entry per tunnel id up to VXLAN_PATHS_MAX (ids beyond share entries). */
#define VXLAN_PATHS_MAX 4096u

static int vxlan_worker_create(struct gw_worker *w)
{
	struct vxlan_worker *s = rte_zmalloc_socket("gw_vxlan_w", sizeof(*s), RTE_CACHE_LINE_SIZE, w->dp->p.socket_id);
	if (!s)
		return -ENOMEM;
	uint32_t n = 1;
	while (n < VXLAN_PATHS_MAX && n < w->dp->p.max_nexthops + 1)
		n *= 2;
	s->paths = rte_zmalloc_socket("gw_vxlan_paths", n * sizeof(*s->paths), RTE_CACHE_LINE_SIZE, w->dp->p.socket_id);
	if (!s->paths) {
		rte_free(s);
		return -ENOMEM;
	}
	s->path_mask = n - 1;
	w->mod[GW_MOD_vxlan] = s;
	return 0;
}

static void vxlan_worker_free(struct gw_worker *w)
{
	struct vxlan_worker *s = w->mod[GW_MOD_vxlan];
	if (s)
		rte_free(s->paths);
	rte_free(s);
}

static const struct gw_icmp_overlay icmp_overlay = {.source = vxlan_icmp_source, .send = vxlan_icmp_send};

static void vxlan_init(void)
{
	gw_ip_udp_local_register(GW_VXLAN_UDP_PORT, vxlan_decap);
	gw_ip_burst_inner_register(vxlan_burst_inner);
	gw_ip_nexthop_kind_register(GW_NH_VXLAN, vxlan_send);
	gw_ip_nexthop_egress_register(GW_NH_VXLAN, vxlan_egress);
	gw_icmp_overlay_register(&icmp_overlay);
}

const struct gw_module gw_module_vxlan = {
	.name = "vxlan",
	.init = vxlan_init,
	.dp_create = vxlan_dp_create,
	.dp_free = vxlan_dp_free,
	.worker_create = vxlan_worker_create,
	.worker_free = vxlan_worker_free,
};
