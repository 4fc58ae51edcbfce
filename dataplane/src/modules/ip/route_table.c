/* SPDX-License-Identifier: Apache-2.0 */
/* Per-VRF routes: an rte_rib/rte_rib6 (control thread only) knows prefixes and their covering/covered
 * routes; the multibit tries (read by workers) hold the expanded result. Adding or deleting P rewrites the
 * address ranges of P that no more-specific route covers, with P's value (add) or the parent's (delete). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rib.h>
#include <rte_rib6.h>

#include "ip.h"

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

int gw_vrf_create(struct gw_dp *dp, uint32_t vrf, struct gw_vrf **out)
{
	const struct gw_dp_params *p = &dp->p;
	struct gw_vrf *v = rte_zmalloc_socket("gw_vrf", sizeof(*v), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (!v)
		return -ENOMEM;
	uint8_t s0 = p->max_routes4 >= 65536 ? 24 : 16;
	uint32_t g4 = p->trie_groups4 ? p->trie_groups4
				      : (s0 == 24 ? p->max_routes4 / 16 + 1024 : max_u32(p->max_routes4 / 2, 64) + 256);
	uint32_t g6 = p->trie_groups6 ? p->trie_groups6 : max_u32(p->max_routes6, 64) * 2 + 256;
	char name[64];
	struct rte_rib_conf rc4 = {.ext_sz = 0, .max_nodes = (int)(p->max_routes4 * 2 + 16)};
	struct rte_rib6_conf rc6 = {.ext_sz = 0, .max_nodes = (int)(p->max_routes6 * 2 + 16)};
	int rc = gw_mtrie_init(&v->t4, 32, s0, g4, p->socket_id, &dp->defer);
	if (rc == 0)
		rc = gw_mtrie_init(&v->t6, 128, 16, g6, p->socket_id, &dp->defer);
	if (rc == 0) {
		snprintf(name, sizeof(name), "gw%u_4_%u", dp->name_seq, vrf);
		v->rib4 = rte_rib_create(name, p->socket_id, &rc4);
		snprintf(name, sizeof(name), "gw%u_6_%u", dp->name_seq, vrf);
		v->rib6 = rte_rib6_create(name, p->socket_id, &rc6);
		if (!v->rib4 || !v->rib6)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		gw_vrf_destroy(v);
		return rc;
	}
	*out = v;
	return 0;
}

void gw_vrf_destroy(struct gw_vrf *v)
{
	if (!v)
		return;
	gw_mtrie_fini(&v->t4);
	gw_mtrie_fini(&v->t6);
	rte_rib_free(v->rib4);
	rte_rib6_free(v->rib6);
	rte_free(v);
}

static gw_u128 u128_from_be(const uint8_t *b)
{
	gw_u128 x = 0;
	for (int i = 0; i < 16; i++)
		x = (x << 8) | b[i];
	return x;
}

static int fill(struct gw_mtrie *t, gw_u128 lo, gw_u128 hi, uint32_t rv)
{
	int rc = gw_mtrie_ensure_free(t, gw_mtrie_reserve(t));
	return rc < 0 ? rc : gw_mtrie_fill(t, lo, hi, rv);
}

/* Rewrites the parts of ip/plen not covered by a more specific route. */
static int install4(struct gw_vrf *v, uint32_t ip, uint8_t plen, uint32_t rv)
{
	uint64_t edge = ip, end = (uint64_t)ip + (1ull << (32 - plen)) - 1;
	struct rte_rib_node *n = NULL;
	int rc;
	while ((n = rte_rib_get_nxt(v->rib4, ip, plen, n, RTE_RIB_GET_NXT_COVER))) {
		uint32_t nip;
		uint8_t nd;
		rte_rib_get_ip(n, &nip);
		rte_rib_get_depth(n, &nd);
		if (nd == plen)
			continue;
		if (nip > edge && (rc = fill(&v->t4, edge, nip - 1, rv)) < 0)
			return rc;
		edge = (uint64_t)nip + (1ull << (32 - nd));
	}
	return edge <= end ? fill(&v->t4, edge, end, rv) : 0;
}

static int install6(struct gw_vrf *v, const uint8_t *ip, uint8_t plen, uint32_t rv)
{
	gw_u128 start = u128_from_be(ip);
	gw_u128 size_m1 = plen == 0 ? ~(gw_u128)0 : (((gw_u128)1 << (128 - plen)) - 1);
	gw_u128 end = start + size_m1, edge = start;
	bool done = false; /* edge wrapped past the top of the address space */
	struct rte_rib6_node *n = NULL;
	int rc;
	while ((n = rte_rib6_get_nxt(v->rib6, (uint8_t *)ip, plen, n, RTE_RIB6_GET_NXT_COVER))) {
		uint8_t nb[16], nd;
		rte_rib6_get_ip(n, nb);
		rte_rib6_get_depth(n, &nd);
		if (nd == plen)
			continue;
		gw_u128 nip = u128_from_be(nb);
		if (nip > edge && (rc = fill(&v->t6, edge, nip - 1, rv)) < 0)
			return rc;
		gw_u128 nend = nip + (((gw_u128)1 << (128 - nd)) - 1);
		if (nend == ~(gw_u128)0)
			done = true;
		edge = nend + 1;
	}
	return !done && edge <= end ? fill(&v->t6, edge, end, rv) : 0;
}

static int route_value(const struct gw_dp *dp, const struct gw_route *r, uint32_t *rv)
{
	switch (r->type) {
	case GW_ROUTE_UNICAST:
		if (r->group_id == 0 || r->group_id > dp->p.max_groups)
			return -EINVAL;
		if (!gw_ip(dp)->groups[r->group_id])
			return -ENOENT;
		*rv = gw_rv_make(r->type, r->group_id);
		return 0;
	case GW_ROUTE_BLACKHOLE:
	case GW_ROUTE_REJECT:
	case GW_ROUTE_LOCAL:
		*rv = gw_rv_make(r->type, 0);
		return 0;
	}
	return -EINVAL;
}

static void mask6(uint8_t *dst, const uint8_t *src, uint8_t plen)
{
	for (int i = 0; i < 16; i++) {
		int bits = plen - i * 8;
		uint8_t m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		dst[i] = src[i] & m;
	}
}

/* A route change in VRF 0 (the underlay) invalidates cached underlay paths, whatever the trie write returned (a
 * failed one may have written part of its range). */
static int installed(struct gw_dp *dp, uint32_t vrf, int rc)
{
	if (vrf == 0)
		gw_ip_underlay_changed(dp);
	return rc;
}

int gw_dp_route_add(struct gw_dp *dp, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen,
		    const struct gw_route *r)
{
	if (!dp || !prefix || !r || vrf >= dp->p.max_vrfs)
		return -EINVAL;
	struct gw_vrf *v = gw_ip(dp)->vrfs[vrf];
	if (!v)
		return -ENOENT;
	uint32_t rv;
	int rc = route_value(dp, r, &rv);
	if (rc < 0)
		return rc;
	uint64_t old;
	if (prefix->family == AF_INET) {
		if (plen > 32)
			return -EINVAL;
		uint32_t ip = rte_be_to_cpu_32(prefix->v4) & rte_rib_depth_to_mask(plen);
		struct rte_rib_node *n = rte_rib_lookup_exact(v->rib4, ip, plen);
		if (n) {
			rte_rib_get_nh(n, &old);
			if (old == rv)
				return 0;
		} else {
			if (v->n4 >= dp->p.max_routes4)
				return -ENOSPC;
			if (!(n = rte_rib_insert(v->rib4, ip, plen)))
				return rte_errno == ENOSPC ? -ENOSPC : -ENOMEM;
			v->n4++;
		}
		rte_rib_set_nh(n, rv);
		return installed(dp, vrf, install4(v, ip, plen, rv));
	}
	if (prefix->family == AF_INET6) {
		if (plen > 128)
			return -EINVAL;
		uint8_t ip[16];
		mask6(ip, prefix->v6, plen);
		struct rte_rib6_node *n = rte_rib6_lookup_exact(v->rib6, ip, plen);
		if (n) {
			rte_rib6_get_nh(n, &old);
			if (old == rv)
				return 0;
		} else {
			if (v->n6 >= dp->p.max_routes6)
				return -ENOSPC;
			if (!(n = rte_rib6_insert(v->rib6, ip, plen)))
				return rte_errno == ENOSPC ? -ENOSPC : -ENOMEM;
			v->n6++;
		}
		rte_rib6_set_nh(n, rv);
		return installed(dp, vrf, install6(v, ip, plen, rv));
	}
	return -EINVAL;
}

int gw_dp_route_del(struct gw_dp *dp, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen)
{
	if (!dp || !prefix || vrf >= dp->p.max_vrfs)
		return -EINVAL;
	struct gw_vrf *v = gw_ip(dp)->vrfs[vrf];
	if (!v)
		return -ENOENT;
	uint64_t prv = 0;
	if (prefix->family == AF_INET) {
		if (plen > 32)
			return -EINVAL;
		uint32_t ip = rte_be_to_cpu_32(prefix->v4) & rte_rib_depth_to_mask(plen);
		struct rte_rib_node *n = rte_rib_lookup_exact(v->rib4, ip, plen);
		if (!n)
			return -ENOENT;
		struct rte_rib_node *par = rte_rib_lookup_parent(n);
		if (par)
			rte_rib_get_nh(par, &prv);
		rte_rib_remove(v->rib4, ip, plen);
		v->n4--;
		return installed(dp, vrf, install4(v, ip, plen, (uint32_t)prv));
	}
	if (prefix->family == AF_INET6) {
		if (plen > 128)
			return -EINVAL;
		uint8_t ip[16];
		mask6(ip, prefix->v6, plen);
		struct rte_rib6_node *n = rte_rib6_lookup_exact(v->rib6, ip, plen);
		if (!n)
			return -ENOENT;
		struct rte_rib6_node *par = rte_rib6_lookup_parent(n);
		if (par)
			rte_rib6_get_nh(par, &prv);
		rte_rib6_remove(v->rib6, ip, plen);
		v->n6--;
		return installed(dp, vrf, install6(v, ip, plen, (uint32_t)prv));
	}
	return -EINVAL;
}

static void rv_to_route(uint64_t rv, struct gw_route *r)
{
	r->type = gw_rv_type((uint32_t)rv);
	r->group_id = gw_rv_group((uint32_t)rv);
}

int gw_dp_route_walk(struct gw_dp *dp, uint32_t vrf, gw_route_walk_fn fn, void *ctx)
{
	if (!dp || !fn || vrf >= dp->p.max_vrfs)
		return -EINVAL;
	struct gw_vrf *v = gw_ip(dp)->vrfs[vrf];
	if (!v)
		return -ENOENT;
	struct gw_route r;
	struct gw_ip ip;
	uint64_t rv;
	uint8_t d;
	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET;
	struct rte_rib_node *n = rte_rib_lookup_exact(v->rib4, 0, 0);
	if (n) { /* get_nxt lists what lies under 0/0, not 0/0 itself */
		rte_rib_get_nh(n, &rv);
		rv_to_route(rv, &r);
		fn(ctx, vrf, &ip, 0, &r);
	}
	n = NULL;
	while ((n = rte_rib_get_nxt(v->rib4, 0, 0, n, RTE_RIB_GET_NXT_ALL))) {
		uint32_t a;
		rte_rib_get_ip(n, &a);
		rte_rib_get_depth(n, &d);
		if (d == 0)
			continue;
		rte_rib_get_nh(n, &rv);
		ip.v4 = rte_cpu_to_be_32(a);
		rv_to_route(rv, &r);
		fn(ctx, vrf, &ip, d, &r);
	}
	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET6;
	uint8_t zero[16] = {0};
	struct rte_rib6_node *n6 = rte_rib6_lookup_exact(v->rib6, zero, 0);
	if (n6) {
		rte_rib6_get_nh(n6, &rv);
		rv_to_route(rv, &r);
		fn(ctx, vrf, &ip, 0, &r);
	}
	n6 = NULL;
	while ((n6 = rte_rib6_get_nxt(v->rib6, zero, 0, n6, RTE_RIB6_GET_NXT_ALL))) {
		rte_rib6_get_ip(n6, ip.v6);
		rte_rib6_get_depth(n6, &d);
		if (d == 0)
			continue;
		rte_rib6_get_nh(n6, &rv);
		rv_to_route(rv, &r);
		fn(ctx, vrf, &ip, d, &r);
	}
	return 0;
}

uint32_t gw_dp_route_count(const struct gw_dp *dp, uint32_t vrf, uint8_t family)
{
	const struct gw_vrf *v = dp && vrf < dp->p.max_vrfs ? gw_ip(dp)->vrfs[vrf] : NULL;
	if (!v)
		return 0;
	return family == AF_INET ? v->n4 : v->n6;
}

uint32_t gw_dp_route_lookup_value(const struct gw_dp *dp, uint32_t vrf, const struct gw_ip *ip)
{
	const struct gw_vrf *v = gw_ip_vrf(dp, vrf);
	if (!v)
		return 0;
	return ip->family == AF_INET ? gw_mtrie_lookup4(&v->t4, rte_be_to_cpu_32(ip->v4))
				     : gw_mtrie_lookup6(&v->t6, ip->v6);
}

/* ---- VRFs ---- */
int gw_dp_vrf_add(struct gw_dp *dp, uint32_t vrf)
{
	if (!dp || vrf >= dp->p.max_vrfs)
		return -EINVAL;
	struct gw_ip_tables *t = gw_ip(dp);
	if (t->vrfs[vrf])
		return -EEXIST;
	struct gw_vrf *v;
	int rc = gw_vrf_create(dp, vrf, &v);
	if (rc < 0)
		return rc;
	atomic_store_explicit(&t->vrfs[vrf], v, memory_order_release);
	return 0;
}

int gw_dp_vrf_del(struct gw_dp *dp, uint32_t vrf)
{
	if (!dp || vrf >= dp->p.max_vrfs || vrf == 0)
		return -EINVAL;
	struct gw_vrf *v = atomic_exchange_explicit(&gw_ip(dp)->vrfs[vrf], NULL, memory_order_acq_rel);
	if (!v)
		return -ENOENT;
	/* A VRF is big (its tables): wait for readers once instead of queueing; VRF deletion is rare. */
	gw_defer_sync(&dp->defer);
	gw_vrf_destroy(v);
	return 0;
}

/* ---- the module's tables in the dp ---- */
int gw_ip_tables_create(struct gw_dp *dp)
{
	const struct gw_dp_params *p = &dp->p;
	if (p->max_groups > GW_RV_GROUP_MASK)
		return -EINVAL;
	struct gw_ip_tables *t = rte_zmalloc_socket("gw_ip", sizeof(*t), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (!t)
		return -ENOMEM;
	dp->mod[GW_MOD_ip] = t;
	atomic_init(&t->underlay_gen, 1); /* 0 marks a cache entry never filled */
	t->vrfs = rte_zmalloc_socket("gw_vrfs", sizeof(*t->vrfs) * p->max_vrfs, 0, p->socket_id);
	t->nhs = rte_zmalloc_socket("gw_nhs", sizeof(*t->nhs) * (p->max_nexthops + 1), 0, p->socket_id);
	t->groups = rte_zmalloc_socket("gw_groups", sizeof(*t->groups) * (p->max_groups + 1), 0, p->socket_id);
	if (!t->vrfs || !t->nhs || !t->groups)
		return -ENOMEM;
	return gw_dp_vrf_add(dp, 0);
}

void gw_ip_tables_free(struct gw_dp *dp)
{
	struct gw_ip_tables *t = gw_ip(dp);
	if (!t)
		return;
	if (t->vrfs)
		for (uint32_t i = 0; i < dp->p.max_vrfs; i++)
			gw_vrf_destroy(t->vrfs[i]);
	if (t->nhs)
		for (uint32_t i = 0; i <= dp->p.max_nexthops; i++)
			rte_free(t->nhs[i]);
	if (t->groups)
		for (uint32_t i = 0; i <= dp->p.max_groups; i++)
			rte_free(t->groups[i]);
	rte_free(t->vrfs);
	rte_free(t->nhs);
	rte_free(t->groups);
	rte_free(t);
	dp->mod[GW_MOD_ip] = NULL;
}
