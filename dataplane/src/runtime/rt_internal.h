/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime state shared by rt_eal.c, rt_port.c and rt_worker.c. Written by the control thread only; workers
 * read the per-worker port lists, which are rebuilt only while workers are stopped. */
#ifndef GW_RT_INTERNAL_H
#define GW_RT_INTERNAL_H

#include <stdarg.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include "rt.h"

/* Link state sources of a physical port (rt_link.c); sockets live in the port's netns. */
struct rt_link {
	int sock;          /* AF_INET, for SIOCGIFFLAGS on ifname; -1 none */
	int nl;            /* NETLINK_ROUTE, sets the punt tap's carrier; -1 none */
	int tap_ifindex;
	char ifname[16];   /* kernel interface of the device ("iface=" of af_xdp/af_packet), "" for none */
};
void rt_link_open(struct rt_link *l, const char *device, const char *tap_name); /* inside the port's netns */
void rt_link_close(struct rt_link *l);
bool rt_link_read(uint16_t pid, const struct rt_link *l);
int rt_link_carrier(const struct rt_link *l, bool on);
bool rt_link_poll_port(uint16_t pid); /* true when the state changed (and was published) */

struct rt_port {
	bool used;
	bool is_tap;
	uint16_t peer;          /* tap of a physical port, physical port of a tap */
	uint16_t n_txq;         /* < n_workers: workers share queue (id % n_txq) under tx_lock */
	rte_spinlock_t tx_lock;
	struct rt_port_info info;
	struct rt_link link; /* physical ports only */
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
/* Marks every fd above stderr close-on-exec (rt_fds.c); returns how many were not yet, -1 if /proc is unreadable. */
int rt_fds_cloexec(void);

#endif
