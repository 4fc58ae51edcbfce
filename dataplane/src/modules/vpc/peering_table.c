/* SPDX-License-Identifier: Apache-2.0 */
/* The classify tables (peeringRoutes, peeringSources) and the module itself. The writer keeps each source VRF's
 * entries in plain arrays and, on every change, builds that VRF's snapshot (vpc.h) anew and publishes it: a
 * change costs O(n log n) in the VRF's entries (a VPC's exposes: a few to a few hundred), a packet one binary
 * search, and a snapshot never changes while a worker reads it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "hooks.h"
#include "vpc.h"

/* A peering route (keyed by prefix) or a peering source (keyed by peering and prefix; dst_vrf 0). */
struct vpc_entry {
	gw_u128 lo;
	uint8_t v6, plen;
	uint32_t peering, dst_vrf;
};
struct vpc_list {
	struct vpc_entry *e;
	uint32_t n, cap;
};
struct vpc_wvrf {
	struct vpc_list routes, sources;
};

const enum gw_drop_reason gw_vpc_drop_reasons[GW_VPC_N_DROPS] = {GW_DROP_VPC_NO_PEERING,
								  GW_DROP_VPC_SOURCE_NOT_EXPOSED};

/* ---- addresses as right-aligned integers ---- */
static int prefix_of(const struct gw_ip *ip, uint8_t plen, gw_u128 *lo, uint8_t *v6)
{
	if (!ip)
		return -EINVAL;
	if (ip->family == AF_INET && plen <= 32) {
		uint32_t a = rte_be_to_cpu_32(ip->v4);
		*lo = plen == 0 ? 0 : a & (0xffffffffu << (32 - plen));
		*v6 = 0;
		return 0;
	}
	if (ip->family == AF_INET6 && plen <= 128) {
		gw_u128 a = vpc_u128_be(ip->v6);
		*lo = plen == 0 ? 0 : a & (~(gw_u128)0 << (128 - plen));
		*v6 = 1;
		return 0;
	}
	return -EINVAL;
}

static gw_u128 range_end(gw_u128 lo, uint8_t v6, uint8_t plen)
{
	unsigned host = (v6 ? 128u : 32u) - plen;
	return host == 128 ? ~(gw_u128)0 : lo + (((gw_u128)1 << host) - 1);
}

static gw_u128 family_max(uint8_t v6) { return v6 ? ~(gw_u128)0 : (gw_u128)0xffffffffu; }

/* ---- snapshot build ---- */
static int cmp_u128(gw_u128 a, gw_u128 b) { return a < b ? -1 : a > b; }

/* Routes by family, then start, then shorter first: a covering prefix comes before what it covers. */
static int route_cmp(const void *x, const void *y)
{
	const struct vpc_entry *a = x, *b = y;
	if (a->v6 != b->v6)
		return a->v6 - b->v6;
	int c = cmp_u128(a->lo, b->lo);
	return c ? c : a->plen - b->plen;
}

static int source_cmp(const void *x, const void *y)
{
	const struct vpc_entry *a = x, *b = y;
	if (a->peering != b->peering)
		return a->peering < b->peering ? -1 : 1;
	if (a->v6 != b->v6)
		return a->v6 - b->v6;
	return cmp_u128(a->lo, b->lo);
}

struct target_key {
	uint32_t peering, dst_vrf;
};
static int target_cmp(const void *x, const void *y)
{
	const struct target_key *a = x, *b = y;
	if (a->peering != b->peering)
		return a->peering < b->peering ? -1 : 1;
	return a->dst_vrf < b->dst_vrf ? -1 : a->dst_vrf > b->dst_vrf;
}

/* Range list being emitted: a new start replaces one at the same address, and a value equal to the previous
 * range's extends it. */
struct emit {
	gw_u128 *lo;
	uint32_t *val;
	uint32_t n;
};
static void emit(struct emit *e, gw_u128 lo, uint32_t val)
{
	if (e->n && e->lo[e->n - 1] == lo) {
		e->n--;
	}
	if (e->n && e->val[e->n - 1] == val)
		return;
	e->lo[e->n] = lo;
	e->val[e->n++] = val;
}

/* Expands sorted routes r[from .. to) of one family (values vals[i]) into disjoint ranges where each address
 * carries the value of its longest covering route. Prefixes nest or are disjoint, so an open-prefix stack (depth ≤ width + 1)
 * is enough. */
static void expand(const struct vpc_entry *r, const uint32_t *vals, uint32_t from, uint32_t to, uint8_t v6,
		   struct emit *e)
{
	struct {
		gw_u128 end;
		uint32_t val;
	} st[130];
	unsigned sp = 0;
	gw_u128 max = family_max(v6);
	e->n = 0;
	emit(e, 0, 0);
	for (uint32_t i = from; i < to; i++) {
		while (sp && st[sp - 1].end < r[i].lo) {
			gw_u128 end = st[--sp].end;
			if (end != max)
				emit(e, end + 1, sp ? st[sp - 1].val : 0);
		}
		emit(e, r[i].lo, vals[i]);
		st[sp].end = range_end(r[i].lo, v6, r[i].plen);
		st[sp++].val = vals[i];
	}
	while (sp) {
		gw_u128 end = st[--sp].end;
		if (end != max)
			emit(e, end + 1, sp ? st[sp - 1].val : 0);
	}
}

/* Sources s[from .. to) (one peering and family, sorted) merged into disjoint [lo, hi] (adjacent ones joined). */
static uint32_t merge_sources(const struct vpc_entry *s, uint32_t from, uint32_t to, gw_u128 *lo, gw_u128 *hi)
{
	uint32_t k = 0;
	for (uint32_t i = from; i < to; i++) {
		gw_u128 a = s[i].lo, b = range_end(s[i].lo, s[i].v6, s[i].plen);
		if (k && (a <= hi[k - 1] || (hi[k - 1] != family_max(s[i].v6) && a == hi[k - 1] + 1))) {
			if (b > hi[k - 1])
				hi[k - 1] = b;
			continue;
		}
		lo[k] = a;
		hi[k++] = b;
	}
	return k;
}

static size_t align16(size_t x) { return (x + 15) & ~(size_t)15; }

/* Builds the VRF's snapshot from its entries (NULL when it has none): *out, or -ENOMEM. */
static int build(const struct gw_dp *dp, struct vpc_wvrf *wv, struct vpc_snap **out)
{
	*out = NULL;
	if (!wv || (wv->routes.n == 0 && wv->sources.n == 0))
		return 0;
	uint32_t nr = wv->routes.n, ns = wv->sources.n;
	struct vpc_entry *R = wv->routes.e, *S = wv->sources.e;
	if (nr)
		qsort(R, nr, sizeof(*R), route_cmp);
	if (ns)
		qsort(S, ns, sizeof(*S), source_cmp);

	/* scratch: targets, per-route values, emitted ranges, merged sources */
	struct target_key *tk = malloc(sizeof(*tk) * (nr ? nr : 1));
	uint32_t *vals = calloc(nr ? nr : 1, sizeof(*vals));
	size_t ne = 2 * (size_t)nr + 1, nsr = ns ? ns : 1;
	gw_u128 *elo = malloc(sizeof(*elo) * ne), *slo = malloc(sizeof(*slo) * nsr), *shi = malloc(sizeof(*shi) * nsr);
	uint32_t *eval = malloc(sizeof(*eval) * ne);
	int rc = -ENOMEM;
	struct vpc_snap *s = NULL;
	if (!tk || !vals || !elo || !slo || !shi || !eval)
		goto out;

	uint32_t nt = 0;
	for (uint32_t i = 0; i < nr; i++)
		tk[nt++] = (struct target_key){R[i].peering, R[i].dst_vrf};
	if (nt)
		qsort(tk, nt, sizeof(*tk), target_cmp);
	uint32_t u = 0;
	for (uint32_t i = 0; i < nt; i++)
		if (u == 0 || target_cmp(&tk[u - 1], &tk[i]) != 0)
			tk[u++] = tk[i];
	nt = u;
	for (uint32_t i = 0; i < nr; i++) {
		struct target_key k = {R[i].peering, R[i].dst_vrf};
		vals[i] = (uint32_t)((struct target_key *)bsearch(&k, tk, nt, sizeof(*tk), target_cmp) - tk) + 1;
	}
	uint32_t n4r = 0;
	while (n4r < nr && !R[n4r].v6)
		n4r++;

	/* sizes: count the ranges first (expand twice is cheaper than guessing) */
	struct emit e4 = {elo, eval, 0};
	expand(R, vals, 0, n4r, 0, &e4);
	uint32_t n4 = n4r ? e4.n : 0;
	struct emit e6 = {elo, eval, 0};
	expand(R, vals, n4r, nr, 1, &e6);
	uint32_t n6 = nr - n4r ? e6.n : 0;
	/* a target's merged sources are at most its peering's raw ones (targets and sources both sorted by peering) */
	uint32_t ns4 = 0, ns6 = 0;
	for (uint32_t t = 0, a = 0; t < nt; t++) {
		while (a < ns && S[a].peering < tk[t].peering)
			a++;
		for (uint32_t b = a; b < ns && S[b].peering == tk[t].peering; b++)
			S[b].v6 ? ns6++ : ns4++;
	}

	size_t o_r4 = align16(sizeof(struct vpc_snap)), o_r6 = align16(o_r4 + n4 * sizeof(struct vpc_r4));
	size_t o_t = align16(o_r6 + n6 * sizeof(struct vpc_r6)), o_s4 = align16(o_t + nt * sizeof(struct vpc_target));
	size_t o_s6 = align16(o_s4 + (size_t)ns4 * sizeof(struct vpc_s4));
	size_t total = o_s6 + (size_t)ns6 * sizeof(struct vpc_s6);
	uint8_t *blob = rte_zmalloc_socket("gw_vpc_snap", total, RTE_CACHE_LINE_SIZE, dp->p.socket_id);
	if (!blob)
		goto out;
	s = (struct vpc_snap *)blob;
	struct vpc_r4 *r4 = (struct vpc_r4 *)(blob + o_r4);
	struct vpc_r6 *r6 = (struct vpc_r6 *)(blob + o_r6);
	struct vpc_target *tg = (struct vpc_target *)(blob + o_t);
	struct vpc_s4 *s4 = (struct vpc_s4 *)(blob + o_s4);
	struct vpc_s6 *s6 = (struct vpc_s6 *)(blob + o_s6);

	expand(R, vals, 0, n4r, 0, &e4);
	for (uint32_t i = 0; i < n4; i++)
		r4[i] = (struct vpc_r4){(uint32_t)elo[i], eval[i]};
	expand(R, vals, n4r, nr, 1, &e6);
	for (uint32_t i = 0; i < n6; i++)
		r6[i] = (struct vpc_r6){.lo = elo[i], .val = eval[i]};

	uint32_t k4 = 0, k6 = 0, first = 0;
	for (uint32_t t = 0; t < nt; t++) {
		tg[t] = (struct vpc_target){.peering = tk[t].peering, .dst_vrf = tk[t].dst_vrf, .s4 = k4, .s6 = k6};
		while (first < ns && S[first].peering < tk[t].peering)
			first++;
		uint32_t a = first;
		while (a < ns && S[a].peering < tk[t].peering)
			a++;
		uint32_t b = a;
		while (b < ns && S[b].peering == tk[t].peering && !S[b].v6)
			b++;
		uint32_t m = merge_sources(S, a, b, slo, shi);
		for (uint32_t i = 0; i < m; i++)
			s4[k4++] = (struct vpc_s4){(uint32_t)slo[i], (uint32_t)shi[i]};
		tg[t].n_s4 = m;
		a = b;
		while (b < ns && S[b].peering == tk[t].peering)
			b++;
		m = merge_sources(S, a, b, slo, shi);
		for (uint32_t i = 0; i < m; i++)
			s6[k6++] = (struct vpc_s6){slo[i], shi[i]};
		tg[t].n_s6 = m;
	}
	*s = (struct vpc_snap){.n4 = n4, .n6 = n6, .n_tgt = nt, .r4 = r4, .r6 = r6, .tgt = tg, .s4 = s4, .s6 = s6};
	*out = s;
	rc = 0;
out:
	free(tk);
	free(vals);
	free(elo);
	free(eval);
	free(slo);
	free(shi);
	return rc;
}

static int publish(struct gw_dp *dp, uint32_t vrf)
{
	struct vpc_tables *t = gw_vpc(dp);
	struct vpc_snap *s;
	int rc = build(dp, t->w[vrf], &s);
	if (rc < 0)
		return rc;
	const struct vpc_snap *old = atomic_exchange_explicit(&t->snap[vrf], s, memory_order_acq_rel);
	gw_dp_defer_free(dp, (void *)old);
	return 0;
}

static struct vpc_wvrf *wvrf(struct gw_dp *dp, uint32_t vrf)
{
	struct vpc_tables *t = gw_vpc(dp);
	if (!t->w[vrf])
		t->w[vrf] = calloc(1, sizeof(struct vpc_wvrf));
	return t->w[vrf];
}

static uint32_t find(const struct vpc_list *l, const struct vpc_entry *k, bool by_peering)
{
	uint32_t i = 0;
	while (i < l->n && !(l->e[i].lo == k->lo && l->e[i].v6 == k->v6 && l->e[i].plen == k->plen &&
			     (!by_peering || l->e[i].peering == k->peering)))
		i++;
	return i;
}

/* Adds or replaces k in the VRF's routes or sources and republishes; the lists are as before on failure (build
 * sorts them, so the entry is found again by key). */
static int put(struct gw_dp *dp, uint32_t vrf, bool sources, const struct vpc_entry *k)
{
	struct vpc_wvrf *w = wvrf(dp, vrf);
	if (!w)
		return -ENOMEM;
	struct vpc_list *l = sources ? &w->sources : &w->routes;
	uint32_t i = find(l, k, sources);
	bool fresh = i == l->n;
	struct vpc_entry old = fresh ? *k : l->e[i];
	if (!fresh && old.peering == k->peering && old.dst_vrf == k->dst_vrf)
		return 0;
	if (fresh && l->n >= GW_VPC_MAX_ENTRIES)
		return -ENOSPC;
	if (fresh) {
		if (l->n == l->cap) {
			uint32_t cap = l->cap ? l->cap * 2 : 16;
			struct vpc_entry *e = realloc(l->e, cap * sizeof(*e));
			if (!e)
				return -ENOMEM;
			l->e = e;
			l->cap = cap;
		}
		l->n++;
	}
	l->e[i] = *k;
	int rc = publish(dp, vrf);
	if (rc < 0) {
		i = find(l, k, sources);
		l->e[i] = fresh ? l->e[--l->n] : old;
	}
	return rc;
}

static int del(struct gw_dp *dp, uint32_t vrf, bool sources, const struct vpc_entry *k)
{
	struct vpc_wvrf *w = gw_vpc(dp)->w[vrf];
	struct vpc_list *l = w ? (sources ? &w->sources : &w->routes) : NULL;
	uint32_t i = l ? find(l, k, sources) : 0;
	if (!l || i == l->n)
		return -ENOENT;
	struct vpc_entry old = l->e[i];
	l->e[i] = l->e[--l->n];
	int rc = publish(dp, vrf);
	if (rc < 0)
		l->e[l->n++] = old;
	return rc;
}

/* The entry an API call names: -EINVAL for a bad argument (peering checked when need_peering). */
static int entry_of(const struct gw_dp *dp, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen, uint32_t peering,
		    bool need_peering, struct vpc_entry *e)
{
	*e = (struct vpc_entry){.plen = plen, .peering = peering};
	if (!dp || vrf >= dp->p.max_vrfs || (need_peering && (peering == 0 || peering > GW_VPC_MAX_PEERING)))
		return -EINVAL;
	return prefix_of(prefix, plen, &e->lo, &e->v6);
}

static bool vrf_ok(const struct gw_dp *dp, uint32_t vrf) { return gw_ip_vrf(dp, vrf) != NULL; }

/* ---- the API (gw_vpc.h) ---- */
int gw_dp_peering_route_set(struct gw_dp *dp, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen, uint32_t peering,
			    uint32_t dst_vrf)
{
	struct vpc_entry e;
	if (entry_of(dp, vrf, prefix, plen, peering, true, &e) < 0 || dst_vrf >= dp->p.max_vrfs)
		return -EINVAL;
	e.dst_vrf = dst_vrf;
	return vrf_ok(dp, vrf) && vrf_ok(dp, dst_vrf) ? put(dp, vrf, false, &e) : -ENOENT;
}

int gw_dp_peering_route_del(struct gw_dp *dp, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen)
{
	struct vpc_entry e;
	return entry_of(dp, vrf, prefix, plen, 0, false, &e) < 0 ? -EINVAL : del(dp, vrf, false, &e);
}

int gw_dp_peering_source_set(struct gw_dp *dp, uint32_t vrf, uint32_t peering, const struct gw_ip *prefix,
			     uint8_t plen)
{
	struct vpc_entry e;
	if (entry_of(dp, vrf, prefix, plen, peering, true, &e) < 0)
		return -EINVAL;
	return vrf_ok(dp, vrf) ? put(dp, vrf, true, &e) : -ENOENT;
}

int gw_dp_peering_source_del(struct gw_dp *dp, uint32_t vrf, uint32_t peering, const struct gw_ip *prefix,
			     uint8_t plen)
{
	struct vpc_entry e;
	return entry_of(dp, vrf, prefix, plen, peering, false, &e) < 0 ? -EINVAL : del(dp, vrf, true, &e);
}

uint32_t gw_dp_peering_route_count(const struct gw_dp *dp, uint32_t vrf)
{
	const struct vpc_wvrf *w = dp && vrf < dp->p.max_vrfs ? gw_vpc(dp)->w[vrf] : NULL;
	return w ? w->routes.n : 0;
}

uint32_t gw_dp_peering_source_count(const struct gw_dp *dp, uint32_t vrf)
{
	const struct vpc_wvrf *w = dp && vrf < dp->p.max_vrfs ? gw_vpc(dp)->w[vrf] : NULL;
	return w ? w->sources.n : 0;
}

int gw_dp_vpc_classify(const struct gw_dp *dp, uint32_t vrf, const struct gw_ip *src, const struct gw_ip *dst,
		       uint32_t *peering, uint32_t *dst_vrf)
{
	if (!dp || !src || !dst || vrf >= dp->p.max_vrfs || src->family != dst->family ||
	    (src->family != AF_INET && src->family != AF_INET6))
		return -EINVAL;
	const struct vpc_target *t = NULL;
	bool v6 = src->family == AF_INET6;
	int r = vpc_decide(vpc_snap_get(dp, vrf), v6, rte_be_to_cpu_32(src->v4), rte_be_to_cpu_32(dst->v4), src->v6,
			   dst->v6, &t);
	if (t) {
		*peering = t->peering;
		*dst_vrf = t->dst_vrf;
	}
	return r;
}

/* ---- the module ---- */
static void vpc_dp_free(struct gw_dp *dp)
{
	struct vpc_tables *t = gw_vpc(dp);
	if (!t)
		return;
	for (uint32_t v = 0; t->snap && v < dp->p.max_vrfs; v++)
		rte_free((void *)t->snap[v]);
	for (uint32_t v = 0; t->w && v < dp->p.max_vrfs; v++) {
		if (!t->w[v])
			continue;
		free(t->w[v]->routes.e);
		free(t->w[v]->sources.e);
		free(t->w[v]);
	}
	for (unsigned i = 0; i < GW_MAX_WORKERS; i++) {
		rte_free(t->cnt[i].vrf);
		rte_free(t->cnt[i].peer);
	}
	rte_free(t->snap);
	free(t->w);
	rte_free(t);
	dp->mod[GW_MOD_vpc] = NULL;
}

/* Counters live with the tables (one block per worker, each on its own cache lines) so the control thread sums
 * them with nothing but the dp. */
static int vpc_dp_create(struct gw_dp *dp)
{
	const struct gw_dp_params *p = &dp->p;
	struct vpc_tables *t = rte_zmalloc_socket("gw_vpc", sizeof(*t), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (!t)
		return -ENOMEM;
	dp->mod[GW_MOD_vpc] = t;
	t->snap = rte_zmalloc_socket("gw_vpc_snaps", sizeof(*t->snap) * p->max_vrfs, 0, p->socket_id);
	t->w = calloc(p->max_vrfs, sizeof(*t->w));
	if (!t->snap || !t->w)
		return -ENOMEM;
	for (unsigned i = 0; i < p->n_workers; i++) {
		t->cnt[i].vrf = rte_zmalloc_socket("gw_vpc_cnt", sizeof(struct vpc_vrf_cnt) * p->max_vrfs,
						   RTE_CACHE_LINE_SIZE, p->socket_id);
		t->cnt[i].peer = rte_zmalloc_socket("gw_vpc_pcnt", sizeof(struct vpc_peer_cnt) * (GW_VPC_MAX_PEERING + 1),
						    RTE_CACHE_LINE_SIZE, p->socket_id);
		if (!t->cnt[i].vrf || !t->cnt[i].peer)
			return -ENOMEM;
	}
	return 0;
}

static int vpc_worker_create(struct gw_worker *w)
{
	w->mod[GW_MOD_vpc] = &gw_vpc(w->dp)->cnt[w->idx];
	return 0;
}

static void vpc_init(void)
{
	gw_chain_add(GW_PRE_ROUTING, gw_vpc_classify);
	gw_chain_add(GW_POST_ROUTING, gw_vpc_count_out);
	gw_ip_burst_vrf_register(gw_vpc_predict_vrf);
}

const struct gw_module gw_module_vpc = {
	.name = "vpc",
	.init = vpc_init,
	.dp_create = vpc_dp_create,
	.dp_free = vpc_dp_free,
	.worker_create = vpc_worker_create,
};
