/* SPDX-License-Identifier: Apache-2.0 */
/* Deferred free for the single table writer: a FIFO of (QSBR token, free function). Tokens grow
 * monotonically, so reclaiming stops at the first entry whose grace period has not ended. Our own list
 * instead of rte_rcu_qsbr_dq because that API is experimental in 22.11 and the addon builds without
 * ALLOW_EXPERIMENTAL_API. */
#include <errno.h>
#include <stdlib.h>

#include <rte_malloc.h>

#include "core.h"

int gw_defer_init(struct gw_defer *d, struct rte_rcu_qsbr *v)
{
	d->v = v;
	d->cap = 1024;
	d->head = d->n = 0;
	d->q = malloc(d->cap * sizeof(*d->q));
	return d->q ? 0 : -ENOMEM;
}

static void pop_run(struct gw_defer *d)
{
	struct gw_defer_item it = d->q[d->head];
	d->head = (d->head + 1) % d->cap;
	d->n--;
	it.fn(it.a, it.b);
}

void gw_defer_fini(struct gw_defer *d)
{
	while (d->n)
		pop_run(d);
	free(d->q);
	d->q = NULL;
}

int gw_defer_add(struct gw_defer *d, gw_defer_fn fn, void *a, uint64_t b)
{
	if (d->n == d->cap) {
		gw_defer_reclaim(d);
		if (d->n == d->cap) {
			size_t ncap = d->cap * 2;
			struct gw_defer_item *nq = malloc(ncap * sizeof(*nq));
			if (!nq)
				return -ENOMEM;
			for (size_t i = 0; i < d->n; i++)
				nq[i] = d->q[(d->head + i) % d->cap];
			free(d->q);
			d->q = nq;
			d->cap = ncap;
			d->head = 0;
		}
	}
	struct gw_defer_item *it = &d->q[(d->head + d->n) % d->cap];
	it->token = rte_rcu_qsbr_start(d->v);
	it->fn = fn;
	it->a = a;
	it->b = b;
	d->n++;
	return 0;
}

void gw_defer_reclaim(struct gw_defer *d)
{
	while (d->n && rte_rcu_qsbr_check(d->v, d->q[d->head].token, false) == 1)
		pop_run(d);
}

void gw_defer_sync(struct gw_defer *d)
{
	rte_rcu_qsbr_synchronize(d->v, RTE_QSBR_THRID_INVALID);
	while (d->n)
		pop_run(d);
}

void gw_defer_rte_free(void *a, uint64_t b)
{
	(void)b;
	rte_free(a);
}
