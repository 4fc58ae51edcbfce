/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime state shared by rt_eal.c, rt_port.c and rt_worker.c. Written by the control thread only; workers
 * read the per-worker port lists, which are rebuilt only while workers are stopped. */
#ifndef GW_RT_INTERNAL_H
#define GW_RT_INTERNAL_H

#include <stdarg.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include "rt.h"

struct rt_port {
	bool used;
	bool is_tap;
	uint16_t peer;          /* tap of a physical port, physical port of a tap */
	uint16_t n_txq;         /* < n_workers: workers share queue (id % n_txq) under tx_lock */
	rte_spinlock_t tx_lock;
	struct rt_port_info info;
	char netns[64];
};

struct rt_worker {
	unsigned idx, lcore;
	struct gw_worker *gw;
	uint16_t n_rx;
	uint16_t rx_ports[GW_MAX_PORTS];
	uint64_t busy_polls, idle_polls, sleeps, sleep_ns;
	struct gw_burst_out out;
} __rte_cache_aligned;

struct rt_state {
	bool eal_ready;
	unsigned n_workers;
	int control_cpu;
	unsigned worker_lcores[RT_MAX_WORKERS];
	struct gw_dp *dp;
	struct rte_mempool *pool;
	struct rt_port ports[GW_MAX_PORTS];
	struct rt_worker *workers[RT_MAX_WORKERS];
	volatile bool run;
	bool running;
};
extern struct rt_state rt;

void rt_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
