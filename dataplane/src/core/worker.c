/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "registry.h"

struct gw_worker *gw_worker_create(struct gw_dp *dp, unsigned worker_idx)
{
	if (!dp || worker_idx >= dp->p.n_workers)
		return NULL;
	struct gw_worker *w = rte_zmalloc_socket("gw_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, dp->p.socket_id);
	if (!w)
		return NULL;
	w->dp = dp;
	w->idx = worker_idx;
	if (gw_modules_worker_create(w) < 0 || rte_rcu_qsbr_thread_register(dp->qsbr, worker_idx) < 0) {
		gw_modules_worker_free(w);
		rte_free(w);
		return NULL;
	}
	return w;
}

void gw_worker_free(struct gw_worker *w)
{
	if (!w)
		return;
	rte_rcu_qsbr_thread_offline(w->dp->qsbr, w->idx);
	rte_rcu_qsbr_thread_unregister(w->dp->qsbr, w->idx);
	gw_modules_worker_free(w);
	rte_free(w);
}

void gw_worker_quiescent(struct gw_worker *w) { rte_rcu_qsbr_quiescent(w->dp->qsbr, w->idx); }
void gw_worker_offline(struct gw_worker *w) { rte_rcu_qsbr_thread_offline(w->dp->qsbr, w->idx); }
void gw_worker_online(struct gw_worker *w) { rte_rcu_qsbr_thread_online(w->dp->qsbr, w->idx); }

const struct gw_port_counters *gw_worker_counters(const struct gw_worker *w, uint16_t port)
{
	return port < GW_MAX_PORTS ? &w->cnt[port] : NULL;
}

void gw_worker_count_tx_drop(struct gw_worker *w, uint16_t port, unsigned n, uint64_t bytes)
{
	if (port >= GW_MAX_PORTS)
		return;
	/* tx_packets/tx_bytes stay "handed to the port" so every counter only grows. */
	(void)bytes;
	w->cnt[port].tx_drops += n;
}

void gw_worker_set_trace(struct gw_worker *w, gw_trace_fn fn, void *ctx)
{
	w->trace_ctx = ctx;
	w->trace_fn = fn;
}
