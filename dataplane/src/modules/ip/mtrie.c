/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "core.h"
#include "mtrie.h"
#include "mtrie.h"

int gw_mtrie_init(struct gw_mtrie *t, uint8_t width, uint8_t s0, uint32_t n_groups, int socket,
		  struct gw_defer *defer)
{
	memset(t, 0, sizeof(*t));
	if ((s0 != 16 && s0 != 24) || (width != 32 && width != 128) || n_groups == 0 || n_groups > (1u << 30))
		return -EINVAL;
	t->width = width;
	t->s0 = s0;
	t->defer = defer;
	t->n_groups = n_groups;
	t->tbl0 = rte_zmalloc_socket("gw_mtrie0", sizeof(uint32_t) << s0, RTE_CACHE_LINE_SIZE, socket);
	t->groups = rte_malloc_socket("gw_mtrie_g", (size_t)n_groups * 256 * sizeof(uint32_t), RTE_CACHE_LINE_SIZE,
				      socket);
	t->free_stack = malloc((size_t)n_groups * sizeof(uint32_t));
	if (!t->tbl0 || !t->groups || !t->free_stack) {
		gw_mtrie_fini(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n_groups; i++)
		t->free_stack[i] = n_groups - 1 - i;
	t->n_free = n_groups;
	return 0;
}

void gw_mtrie_fini(struct gw_mtrie *t)
{
	rte_free(t->tbl0);
	rte_free(t->groups);
	free(t->free_stack);
	t->tbl0 = NULL;
	t->groups = NULL;
	t->free_stack = NULL;
}

static void group_release(void *a, uint64_t g)
{
	struct gw_mtrie *t = a;
	t->free_stack[t->n_free++] = (uint32_t)g;
	t->pending_free--;
}

int gw_mtrie_ensure_free(struct gw_mtrie *t, uint32_t need)
{
	if (t->n_free >= need)
		return 0;
	gw_defer_reclaim(t->defer);
	if (t->n_free < need && t->pending_free > 0)
		gw_defer_sync(t->defer);
	return t->n_free >= need ? 0 : -ENOSPC;
}

static int group_alloc(struct gw_mtrie *t, uint32_t *g)
{
	if (gw_mtrie_ensure_free(t, 1) < 0)
		return -ENOSPC;
	*g = t->free_stack[--t->n_free];
	return 0;
}

/* The group is unlinked already; readers that still walk it see its old content until the grace period. */
static void group_free_tree(struct gw_mtrie *t, uint32_t g)
{
	const uint32_t *G = &t->groups[(size_t)g * 256];
	for (unsigned i = 0; i < 256; i++)
		if (G[i] & 1)
			group_free_tree(t, G[i] >> 1);
	t->pending_free++;
	if (gw_defer_add(t->defer, group_release, t, g) < 0) {
		/* No memory for the deferred list: wait for readers now rather than leak or free early. */
		gw_defer_sync(t->defer);
		group_release(t, g);
	}
}

static inline void entry_store(uint32_t *e, uint32_t v) { __atomic_store_n(e, v, __ATOMIC_RELEASE); }

/* tbl has 2^bits entries covering [base, end]; each entry covers 2^shift addresses. */
static int fill_tbl(struct gw_mtrie *t, uint32_t *tbl, unsigned shift, gw_u128 base, gw_u128 end, gw_u128 lo,
		    gw_u128 hi, uint32_t v)
{
	gw_u128 a = lo > base ? lo : base, b = hi < end ? hi : end;
	uint64_t i_lo = (uint64_t)((a - base) >> shift), i_hi = (uint64_t)((b - base) >> shift);
	gw_u128 span_m1 = shift ? (((gw_u128)1 << shift) - 1) : 0;
	uint32_t leaf = v << 1;
	int rc = 0;

	for (uint64_t i = i_lo; i <= i_hi; i++) {
		gw_u128 e_lo = base + ((gw_u128)i << shift), e_hi = e_lo + span_m1;
		uint32_t old = tbl[i];
		if (lo <= e_lo && e_hi <= hi) {
			if (old == leaf)
				continue;
			entry_store(&tbl[i], leaf);
			if (old & 1)
				group_free_tree(t, old >> 1);
			continue;
		}
		uint32_t g;
		if (old & 1) {
			g = old >> 1;
		} else {
			if (old == leaf)
				continue; /* partial range already has this value and no finer entries */
			if ((rc = group_alloc(t, &g)) < 0)
				return rc;
			uint32_t *G = &t->groups[(size_t)g * 256];
			for (unsigned k = 0; k < 256; k++)
				G[k] = old;
			entry_store(&tbl[i], (g << 1) | 1);
		}
		uint32_t *G = &t->groups[(size_t)g * 256];
		rc = fill_tbl(t, G, shift - 8, e_lo, e_hi, lo, hi, v);
		/* Collapse a group whose entries became one leaf value: keeps memory proportional to routes. */
		uint32_t first = G[0];
		if (!(first & 1)) {
			unsigned k = 1;
			while (k < 256 && G[k] == first)
				k++;
			if (k == 256) {
				entry_store(&tbl[i], first);
				group_free_tree(t, g);
			}
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int gw_mtrie_fill(struct gw_mtrie *t, gw_u128 lo, gw_u128 hi, uint32_t v)
{
	gw_u128 max = t->width == 32 ? (gw_u128)0xffffffffu : ~(gw_u128)0;
	if (lo > hi || hi > max || v >= (1u << 31))
		return -EINVAL;
	return fill_tbl(t, t->tbl0, t->width - t->s0, 0, max, lo, hi, v);
}
