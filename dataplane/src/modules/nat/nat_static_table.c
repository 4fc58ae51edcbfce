/* SPDX-License-Identifier: Apache-2.0 */
/* The natStatic table and the module itself. The writer keeps every entry in one plain array and, on a change,
 * rebuilds the snapshot of the peering it belongs to (nat.h): a write costs a scan of the entries, a packet a
 * scan of a few rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "hooks.h"
#include "nat.h"

struct nat_wentry {
	uint32_t peering, vrf;
	uint8_t v6, plen;
	uint8_t ips[16], as[16]; /* host bits cleared; IPv4 in the first 4 bytes */
};

static void mask_bytes(uint8_t *a, uint8_t plen, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
		a[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
	}
}

/* Entry of an API call: -EINVAL for a bad argument. */
static int entry_of(const struct gw_dp *dp, uint32_t peering, uint32_t vrf, const struct gw_ip *ips, uint8_t plen,
		    struct nat_wentry *e)
{
	*e = (struct nat_wentry){.peering = peering, .vrf = vrf, .plen = plen};
	if (!dp || !ips || peering == 0 || peering > GW_VPC_MAX_PEERING || vrf >= dp->p.max_vrfs)
		return -EINVAL;
	if (ips->family == AF_INET && plen <= 32) {
		memcpy(e->ips, &ips->v4, 4);
		mask_bytes(e->ips, plen, 4);
		return 0;
	}
	if (ips->family == AF_INET6 && plen <= GW_NPTV6_MAX_PLEN) {
		e->v6 = 1;
		memcpy(e->ips, ips->v6, 16);
		mask_bytes(e->ips, plen, 16);
		return 0;
	}
	return -EINVAL;
}

static bool same_key(const struct nat_wentry *a, const struct nat_wentry *b)
{
	return a->peering == b->peering && a->vrf == b->vrf && a->v6 == b->v6 && a->plen == b->plen &&
	       memcmp(a->ips, b->ips, 16) == 0;
}

/* Rules by VRF, family, then longest prefix first (a packet takes the first that holds its address). */
static int rule_cmp(const void *x, const void *y)
{
	const struct nat_wentry *a = x, *b = y;
	if (a->vrf != b->vrf)
		return a->vrf < b->vrf ? -1 : 1;
	if (a->v6 != b->v6)
		return a->v6 - b->v6;
	if (a->plen != b->plen)
		return b->plen - a->plen;
	return memcmp(a->ips, b->ips, 16);
}

static void rule_of(const struct nat_wentry *e, struct nat_rule *r)
{
	*r = (struct nat_rule){.vrf = e->vrf, .v6 = e->v6, .plen = e->plen};
	uint8_t m[16] = {0};
	memset(m, 0xff, sizeof(m));
	mask_bytes(m, e->plen, 16);
	if (!e->v6) {
		memcpy(&r->m4, m, 4);
		memcpy(&r->p4[NAT_IPS], e->ips, 4);
		memcpy(&r->p4[NAT_AS], e->as, 4);
		return;
	}
	memcpy(r->m6, m, 16);
	memcpy(r->p6[NAT_IPS], e->ips, 16);
	memcpy(r->p6[NAT_AS], e->as, 16);
	r->adj[NAT_IPS] = gw_nptv6_adjustment(e->ips, e->as);
	r->adj[NAT_AS] = gw_nptv6_adjustment(e->as, e->ips);
}

/* Publishes peering's snapshot anew (NULL when it has no entries). */
static int publish(struct gw_dp *dp, uint32_t peering)
{
	struct nat_tables *t = gw_nat(dp);
	uint32_t n = 0;
	for (uint32_t i = 0; i < t->n; i++)
		n += t->e[i].peering == peering;
	struct nat_snap *s = NULL;
	if (n) {
		struct nat_wentry *sel = malloc(n * sizeof(*sel));
		if (!sel)
			return -ENOMEM;
		for (uint32_t i = 0, k = 0; i < t->n; i++)
			if (t->e[i].peering == peering)
				sel[k++] = t->e[i];
		qsort(sel, n, sizeof(*sel), rule_cmp);
		uint32_t ng = 0;
		for (uint32_t i = 0; i < n; i++)
			ng += i == 0 || sel[i].vrf != sel[i - 1].vrf || sel[i].v6 != sel[i - 1].v6;
		size_t o_r = RTE_ALIGN_CEIL(sizeof(*s), 16), o_g = o_r + n * sizeof(struct nat_rule);
		uint8_t *blob = rte_zmalloc_socket("gw_nat_snap", o_g + ng * sizeof(struct nat_group),
						   RTE_CACHE_LINE_SIZE, dp->p.socket_id);
		if (!blob) {
			free(sel);
			return -ENOMEM;
		}
		s = (struct nat_snap *)blob;
		struct nat_rule *r = (struct nat_rule *)(blob + o_r);
		struct nat_group *g = (struct nat_group *)(blob + o_g);
		uint32_t k = 0;
		for (uint32_t i = 0; i < n; i++) {
			rule_of(&sel[i], &r[i]);
			if (i == 0 || sel[i].vrf != sel[i - 1].vrf || sel[i].v6 != sel[i - 1].v6)
				g[k++] = (struct nat_group){.vrf = sel[i].vrf, .first = i, .v6 = sel[i].v6};
			g[k - 1].n++;
		}
		free(sel);
		s->r = r;
		s->n_grp = ng < 4 ? ng : 4;
		memcpy(s->grp, g, s->n_grp * sizeof(*g));
		s->n_extra = ng - s->n_grp;
		s->xgrp = g + s->n_grp;
	}
	const struct nat_snap *old = atomic_exchange_explicit(&t->snap[peering], s, memory_order_acq_rel);
	gw_dp_defer_free(dp, (void *)old);
	return 0;
}

static uint32_t find(const struct nat_tables *t, const struct nat_wentry *k)
{
	uint32_t i = 0;
	while (i < t->n && !same_key(&t->e[i], k))
		i++;
	return i;
}

int gw_dp_nat_static_set(struct gw_dp *dp, uint32_t peering, uint32_t vrf, const struct gw_ip *ips, uint8_t ips_len,
			 const struct gw_ip *as, uint8_t as_len)
{
	struct nat_wentry e;
	if (entry_of(dp, peering, vrf, ips, ips_len, &e) < 0 || !as || as->family != ips->family || as_len != ips_len)
		return -EINVAL;
	memcpy(e.as, e.v6 ? as->v6 : (const uint8_t *)&as->v4, e.v6 ? 16 : 4);
	mask_bytes(e.as, e.plen, 16);
	if (!gw_ip_vrf(dp, vrf))
		return -ENOENT;
	struct nat_tables *t = gw_nat(dp);
	uint32_t i = find(t, &e);
	bool fresh = i == t->n;
	if (!fresh && memcmp(t->e[i].as, e.as, 16) == 0)
		return 0;
	if (fresh && gw_dp_nat_static_count(dp, peering) >= GW_NAT_STATIC_MAX_PER_PEERING)
		return -ENOSPC;
	if (fresh && t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		struct nat_wentry *ne = realloc(t->e, cap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		t->e = ne;
		t->cap = cap;
	}
	struct nat_wentry old = fresh ? e : t->e[i];
	t->e[i] = e;
	t->n += fresh;
	int rc = publish(dp, peering);
	if (rc < 0) {
		if (fresh)
			t->n--;
		else
			t->e[i] = old;
	}
	return rc;
}

int gw_dp_nat_static_del(struct gw_dp *dp, uint32_t peering, uint32_t vrf, const struct gw_ip *ips, uint8_t ips_len)
{
	struct nat_wentry e;
	if (entry_of(dp, peering, vrf, ips, ips_len, &e) < 0)
		return -EINVAL;
	struct nat_tables *t = gw_nat(dp);
	uint32_t i = find(t, &e);
	if (i == t->n)
		return -ENOENT;
	struct nat_wentry old = t->e[i];
	t->e[i] = t->e[--t->n];
	int rc = publish(dp, peering);
	if (rc < 0) {
		t->e[t->n++] = t->e[i];
		t->e[i] = old;
	}
	return rc;
}

void gw_dp_nat_static_vrf_gone(struct gw_dp *dp, uint32_t vrf)
{
	struct nat_tables *t = dp ? gw_nat(dp) : NULL;
	for (uint32_t i = 0; t && i < t->n;) {
		if (t->e[i].vrf != vrf) {
			i++;
			continue;
		}
		uint32_t peering = t->e[i].peering;
		t->e[i] = t->e[--t->n];
		/* out of memory leaves the old snapshot of a VRF that no longer classifies packets: harmless */
		(void)publish(dp, peering);
	}
}

uint32_t gw_dp_nat_static_count(const struct gw_dp *dp, uint32_t peering)
{
	const struct nat_tables *t = dp ? gw_nat(dp) : NULL;
	uint32_t n = 0;
	for (uint32_t i = 0; t && i < t->n; i++)
		n += t->e[i].peering == peering;
	return n;
}

uint64_t gw_dp_nat_static_translations(const struct gw_dp *dp, uint32_t peering)
{
	if (!dp || peering > GW_VPC_MAX_PEERING)
		return 0;
	const struct nat_tables *t = gw_nat(dp);
	uint64_t sum = 0;
	for (unsigned i = 0; i < dp->p.n_workers; i++)
		if (t->cnt[i].translations)
			sum += __atomic_load_n(&t->cnt[i].translations[peering], __ATOMIC_RELAXED);
	return sum;
}

/* ---- the module ---- */
static void nat_dp_free(struct gw_dp *dp)
{
	struct nat_tables *t = gw_nat(dp);
	if (!t)
		return;
	for (uint32_t v = 0; t->snap && v <= GW_VPC_MAX_PEERING; v++)
		rte_free((void *)t->snap[v]);
	for (unsigned i = 0; i < GW_MAX_WORKERS; i++)
		rte_free(t->cnt[i].translations);
	rte_free(t->snap);
	free(t->e);
	rte_free(t);
	dp->mod[GW_MOD_nat] = NULL;
}

static int nat_dp_create(struct gw_dp *dp)
{
	const struct gw_dp_params *p = &dp->p;
	struct nat_tables *t = rte_zmalloc_socket("gw_nat", sizeof(*t), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (!t)
		return -ENOMEM;
	dp->mod[GW_MOD_nat] = t;
	t->snap = rte_zmalloc_socket("gw_nat_snaps", sizeof(*t->snap) * (GW_VPC_MAX_PEERING + 1), 0, p->socket_id);
	if (!t->snap)
		return -ENOMEM;
	for (unsigned i = 0; i < p->n_workers; i++) {
		t->cnt[i].translations = rte_zmalloc_socket("gw_nat_cnt", sizeof(uint64_t) * (GW_VPC_MAX_PEERING + 1),
							    RTE_CACHE_LINE_SIZE, p->socket_id);
		if (!t->cnt[i].translations)
			return -ENOMEM;
	}
	return 0;
}

static int nat_worker_create(struct gw_worker *w)
{
	struct nat_wcnt *c = &gw_nat(w->dp)->cnt[w->idx];
	w->mod[GW_MOD_nat] = c;
	return gw_nat_frag_worker_create(w, c);
}

static void nat_worker_free(struct gw_worker *w)
{
	if (w->mod[GW_MOD_nat])
		gw_nat_frag_worker_free(w->mod[GW_MOD_nat]);
}

const struct gw_module gw_module_nat = {
	.name = "nat",
	.init = gw_nat_static_init,
	.dp_create = nat_dp_create,
	.dp_free = nat_dp_free,
	.worker_create = nat_worker_create,
	.worker_free = nat_worker_free,
};
