/* SPDX-License-Identifier: Apache-2.0 */
/* What the one-core benches (pipeline_ceiling.c, overlay_ceiling.c) share: a fast PRNG, CPU time in TSC cycles
 * (the machine is shared: wall-clock cycles would count the time other processes ran on our core), medians, and a
 * net_ring loopback port (rx and tx share a ring, so the packets put in it circulate). */
#ifndef GW_BENCH_UTIL_H
#define GW_BENCH_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

static uint64_t rnd_state = 88172645463325252ull;

static inline uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static inline double now_s(void) { return (double)rte_rdtsc() / (double)rte_get_tsc_hz(); }

static inline uint64_t cpu_cycles(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)(((double)ts.tv_sec + (double)ts.tv_nsec / 1e9) * (double)rte_get_tsc_hz());
}

static inline int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of n values (sorts them). */
static inline double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_d);
	return v[n / 2];
}

/* Attaches and starts a net_ring vdev with one queue pair; exits on failure. */
static inline uint16_t ring_start(const char *name, struct rte_mempool *mp)
{
	uint16_t port;
	if (rte_eal_hotplug_add("vdev", name, "") < 0 || rte_eth_dev_get_port_by_name(name, &port) < 0) {
		fprintf(stderr, "%s: cannot attach\n", name);
		exit(1);
	}
	struct rte_eth_conf conf = {0};
	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 || rte_eth_rx_queue_setup(port, 0, 1024, 0, NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, 1024, 0, NULL) < 0 || rte_eth_dev_start(port) < 0) {
		fprintf(stderr, "%s: cannot start\n", name);
		exit(1);
	}
	return port;
}

/* The benches' command line: [--json] [--secs N] [flag] [-- EAL args]; without EAL args, --no-huge with mem_mb.
 * Initialises EAL; exits on failure. */
struct bench_args {
	bool json, flag;
	double secs;
};
static inline struct bench_args bench_init(int argc, char **argv, const char *flag, const char *mem_mb)
{
	struct bench_args a = {.secs = 1.0};
	int eal_at = 0;
	for (int i = 1; i < argc && !eal_at; i++) {
		if (!strcmp(argv[i], "--json"))
			a.json = true;
		else if (flag && !strcmp(argv[i], flag))
			a.flag = true;
		else if (!strcmp(argv[i], "--secs") && i + 1 < argc)
			a.secs = atof(argv[++i]);
		else if (!strcmp(argv[i], "--"))
			eal_at = i;
	}
	char *dflt[] = {argv[0], "--no-huge", "--no-shconf", "--no-pci", "--no-telemetry", "-l", "0", "-m",
			(char *)mem_mb, "--log-level=*:error"};
	char **eal = dflt;
	int n_eal = 10;
	if (eal_at) { /* argv[eal_at] is the "--": EAL takes it as its program name */
		eal = argv + eal_at;
		n_eal = argc - eal_at;
		eal[0] = argv[0];
	}
	if (rte_eal_init(n_eal, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		exit(1);
	}
	return a;
}

#endif
