/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dataplane runtime: EAL, ports (+ their kernel punt taps), lcore workers. Everything here except the worker
 * loop runs on the control thread (Node's main thread). The Node addon is a thin binding over this API so the
 * runtime stays plain C and testable without Node.
 */
#ifndef GW_RT_H
#define GW_RT_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_dp.h"

#define RT_MAX_WORKERS GW_MAX_WORKERS
#define RT_NAME_MAX 32
#define RT_ERR_MAX 256

/* Last error text of a failed rt_* call (control thread only). */
const char *rt_last_error(void);

struct rt_eal_conf {
	int argc;
	char **argv;           /* kept for the process lifetime: EAL stores pointers into it */
	unsigned n_workers;    /* lcores 1..n_workers are workers (mapped to CPUs by --lcores) */
	int control_cpu;       /* every non-worker thread is pinned here after init */
	unsigned n_mbufs;
	struct gw_dp_params dp;
};
int rt_eal_init(const struct rt_eal_conf *c);
bool rt_eal_ready(void);
/* Worker lcore ids in worker order. */
unsigned rt_worker_lcores(unsigned *out, unsigned max);
struct gw_dp *rt_dp(void);
/* Pins every thread of the process except the worker lcores to the control CPU; returns threads pinned. */
int rt_pin_control_threads(void);

struct rt_port_conf {
	char name[RT_NAME_MAX];
	char tap_name[RT_NAME_MAX];
	const char *device;    /* "net_af_xdp0,iface=veth0" or a PCI address */
	const char *netns;     /* NULL: the process's own */
	uint16_t mtu;
	uint32_t vrf;
};
struct rt_port_info {
	uint16_t port_id, tap_port_id;
	struct rte_ether_addr mac;
	uint16_t mtu;
	uint32_t vrf;
	bool link_up;
	char name[RT_NAME_MAX], tap_name[RT_NAME_MAX];
	char device[128];
};
int rt_port_add(const struct rt_port_conf *c, struct rt_port_info *out);
int rt_port_del(uint16_t port_id);
int rt_port_get(uint16_t port_id, struct rt_port_info *out); /* polls the port's link first */
/* Reads every port's link state; a change goes to the pipeline (port up/down) and to the tap's carrier.
 * Control thread only (the addon calls it from a timer on Node's loop). Returns the number of ports changed. */
unsigned rt_ports_link_poll(void);
/* Physical port ids (not taps) in creation order. */
unsigned rt_port_list(uint16_t *out, unsigned max);

struct rt_port_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_missed, rx_errors, tx_errors, rx_nombuf;
};
int rt_port_stats_get(uint16_t port_id, struct rt_port_stats *s);

int rt_workers_start(void);
void rt_workers_stop(void);
bool rt_workers_running(void);

struct rt_worker_stats {
	unsigned lcore;
	uint64_t busy_polls, idle_polls, sleeps, sleep_ns;
};
unsigned rt_worker_stats_get(struct rt_worker_stats *out, unsigned max);

/* Pipeline counters (rx, tx, punts, drops) of one dataplane port summed over workers. */
void rt_pipeline_counters(uint16_t port_id, struct gw_port_counters *out);

/* Stops workers and ports, frees the pipeline and mempool, rte_eal_cleanup(). Idempotent. */
void rt_shutdown(void);

/* Internal: worker entry and per-port worker assignment (rt_worker.c <-> rt_port.c). */
void rt_workers_assign(void);
int rt_worker_main(void *arg);

#endif
