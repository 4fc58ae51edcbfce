/* SPDX-License-Identifier: Apache-2.0 */
/* EAL bring-up inside a host process (Node): init once, create the pipeline and the mbuf pool, and keep the
 * worker CPUs exclusive by pinning every other thread (V8, libuv, EAL control) to the control CPU. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "rt_internal.h"

struct rt_state rt;
static char last_err[RT_ERR_MAX];
static pid_t worker_tids[RT_MAX_WORKERS];

void rt_set_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
}

const char *rt_last_error(void)
{
	return last_err;
}

bool rt_eal_ready(void)
{
	return rt.eal_ready;
}

struct gw_dp *rt_dp(void)
{
	return rt.dp;
}

unsigned rt_worker_lcores(unsigned *out, unsigned max)
{
	unsigned i;
	for (i = 0; i < rt.n_workers && i < max; i++)
		out[i] = rt.worker_lcores[i];
	return i;
}

/* Runs once on each worker lcore right after init: records the thread id (so pinning can skip it) and blocks
 * every signal so SIGINT/SIGTERM are always delivered to Node's thread, which runs the clean stop. */
static int probe_worker(void *arg)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return 0;
}

int rt_pin_control_threads(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(rt.control_cpu, &set);
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -errno;
	int pinned = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		pid_t tid = (pid_t)atoi(e->d_name);
		bool worker = false;
		for (unsigned i = 0; i < rt.n_workers; i++)
			worker |= worker_tids[i] == tid;
		if (!worker && sched_setaffinity(tid, sizeof(set), &set) == 0)
			pinned++;
	}
	closedir(d);
	return pinned;
}

/* af_xdp registers the mbuf pool as its UMEM. Over 4 KiB pages (no hugepages) frames got lost (ARP never left)
 * with default-sized mbufs; with one object per page (packed: no channel spreading) no buffer crosses a page.
 * Half a page is not enough: af_xdp puts 320 + 256 bytes of headroom before the frame, leaving < 1514. */
static struct rte_mempool *page_split_pool(unsigned n)
{
	const unsigned obj = 4096;
	uint16_t room = (uint16_t)(obj - RTE_CACHE_LINE_SIZE - sizeof(struct rte_mbuf));
	struct rte_pktmbuf_pool_private priv = {.mbuf_data_room_size = room, .mbuf_priv_size = 0};
	struct rte_mempool *mp = rte_mempool_create_empty("gw_mbufs", n, sizeof(struct rte_mbuf) + room, 256,
							  sizeof(priv), (int)rte_socket_id(), RTE_MEMPOOL_F_NO_SPREAD);
	if (!mp)
		return NULL;
	if (rte_mempool_calc_obj_size(mp->elt_size, mp->flags, NULL) != obj ||
	    rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) < 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	return NULL;
}

int rt_eal_init(const struct rt_eal_conf *c)
{
	if (rt.eal_ready) {
		rt_set_error("EAL already initialised in this process");
		return -EALREADY;
	}
	if (c->n_workers == 0 || c->n_workers > RT_MAX_WORKERS) {
		rt_set_error("worker count must be 1..%d", RT_MAX_WORKERS);
		return -EINVAL;
	}
	if (rte_eal_init(c->argc, c->argv) < 0) {
		int err = rte_errno;
		rt_set_error("rte_eal_init failed: %s", rte_strerror(err));
		return -(err ? err : EINVAL);
	}
	rt.eal_ready = true;
	rt.control_cpu = c->control_cpu;
	unsigned lc, n = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (n < c->n_workers)
			rt.worker_lcores[n++] = lc;
	}
	if (n != c->n_workers) {
		rt_set_error("EAL has %u worker lcores, %u configured", n, c->n_workers);
		return -EINVAL;
	}
	rt.n_workers = n;
	for (unsigned i = 0; i < n; i++)
		rte_eal_remote_launch(probe_worker, &worker_tids[i], rt.worker_lcores[i]);
	rte_eal_mp_wait_lcore();
	rt_pin_control_threads();

	rt.pool = rte_eal_has_hugepages() ? rte_pktmbuf_pool_create("gw_mbufs", c->n_mbufs, 256, 0,
								     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id())
					  : page_split_pool(c->n_mbufs);
	if (!rt.pool) {
		rt_set_error("mbuf pool of %u: %s", c->n_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	struct gw_dp_params p = c->dp;
	p.n_workers = n;
	p.socket_id = (int)rte_socket_id();
	rt.dp = gw_dp_create(&p);
	if (!rt.dp) {
		rt_set_error("pipeline tables could not be created (max_routes4=%u max_routes6=%u max_vrfs=%u): "
			     "out of EAL memory? raise eal.memoryMb or lower eal.tables",
			     p.max_routes4, p.max_routes6, p.max_vrfs);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rt_worker *w = rte_zmalloc_socket("gw_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
							 (int)rte_socket_id());
		if (!w) {
			rt_set_error("no memory for worker %u", i);
			return -ENOMEM;
		}
		w->idx = i;
		w->lcore = rt.worker_lcores[i];
		w->gw = gw_worker_create(rt.dp, i);
		if (!w->gw) {
			rt_set_error("pipeline worker %u could not be created", i);
			return -ENOMEM;
		}
		rt.workers[i] = w;
	}
	rt_fds_cloexec();
	return 0;
}

void rt_shutdown(void)
{
	if (!rt.eal_ready)
		return;
	rt_workers_stop();
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
		if (rt.ports[p].used && !rt.ports[p].is_tap)
			rt_port_del(p);
	for (unsigned i = 0; i < rt.n_workers; i++) {
		if (rt.workers[i]) {
			if (rt.workers[i]->gw)
				gw_worker_free(rt.workers[i]->gw);
			rte_free(rt.workers[i]);
			rt.workers[i] = NULL;
		}
	}
	if (rt.dp)
		gw_dp_free(rt.dp);
	rt.dp = NULL;
	rte_mempool_free(rt.pool);
	rt.pool = NULL;
	rte_eal_cleanup();
	rt.eal_ready = false;
}
