/* SPDX-License-Identifier: Apache-2.0 */
/* Lcore workers: rx burst -> gw_pipeline_process -> tx per egress port, quiescent after every round.
 * Idle back-off: after IDLE_SPINS empty rounds a worker sleeps, doubling the interval up to SLEEP_MAX_US, and
 * goes QSBR-offline around the sleep so table writers never wait on it; any packet resets it to polling. On two
 * cores a worker that never sleeps takes half the machine from FRR, Node and the kernel.
 * After a second without any packet the cap rises to SLEEP_DEEP_US: each wake-up polls every port (syscalls
 * for taps and af_xdp), ~1000 of them a second cost ~3.5% of the core, and a gateway that carried nothing for
 * a second (not even BFD) trades up to 2 ms on its next first packet for a quieter core. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "rt_internal.h"

#define IDLE_SPINS 128
#define SLEEP_MIN_US 8u
#define SLEEP_MAX_US 1024u
#define SLEEP_DEEP_US 2048u
#define DEEP_AFTER_NS 1000000000ull

#define ADD(field, v) __atomic_store_n(&(field), (field) + (v), __ATOMIC_RELAXED)
#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The pipeline counted these packets as transmitted; what the queue refuses goes back to it as tx drops. */
/* The kernel hands unpadded frames (42-byte ARP) to the tap; NICs pad them in hardware, veth/af_xdp do not and
 * such runts never reach the peer. */
static inline void pad_runt(struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	if (likely(len >= RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN))
		return;
	char *tail = rte_pktmbuf_append(m, (uint16_t)(RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN - len));
	if (tail)
		memset(tail, 0, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN - len);
}

static void transmit(struct rt_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct rt_port *p = &rt.ports[port];
	uint16_t sent;
	for (uint16_t i = 0; i < n; i++)
		pad_runt(pkts[i]);
	if (unlikely(!p->used)) {
		sent = 0;
	} else if (likely(p->n_txq >= rt.n_workers)) {
		sent = rte_eth_tx_burst(port, (uint16_t)w->idx, pkts, n);
	} else {
		rte_spinlock_lock(&p->tx_lock);
		sent = rte_eth_tx_burst(port, (uint16_t)(w->idx % p->n_txq), pkts, n);
		rte_spinlock_unlock(&p->tx_lock);
	}
	if (likely(sent == n))
		return;
	uint64_t bytes = 0;
	for (uint16_t i = sent; i < n; i++) {
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
		rte_pktmbuf_free(pkts[i]);
	}
	gw_worker_count_tx_drop(w->gw, port, (unsigned)(n - sent), bytes);
}

static void sleep_us(uint32_t us)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int rt_worker_main(void *arg)
{
	struct rt_worker *w = arg;
	struct rte_mbuf *pkts[GW_BURST_MAX];
	unsigned empty = 0;
	uint32_t nap = SLEEP_MIN_US;
	uint64_t idle_since = 0;

	gw_worker_online(w->gw);
	while (__atomic_load_n(&rt.run, __ATOMIC_ACQUIRE)) {
		unsigned got = 0;
		for (uint16_t i = 0; i < w->n_rx; i++) {
			uint16_t port = w->rx_ports[i];
			uint16_t n = rte_eth_rx_burst(port, 0, pkts, GW_BURST_MAX);
			if (n == 0)
				continue;
			got += n;
			memset(w->out.n, 0, sizeof(w->out.n));
			gw_pipeline_process(w->gw, port, pkts, n, now_ns(), &w->out);
			for (uint16_t e = 0; e < GW_MAX_PORTS; e++)
				if (w->out.n[e])
					transmit(w, e, w->out.pkts[e], w->out.n[e]);
		}
		gw_worker_quiescent(w->gw);
		if (got) {
			ADD(w->busy_polls, 1);
			empty = 0;
			nap = SLEEP_MIN_US;
			continue;
		}
		ADD(w->idle_polls, 1);
		if (++empty < IDLE_SPINS)
			continue;
		uint64_t t0 = now_ns();
		if (empty == IDLE_SPINS)
			idle_since = t0;
		gw_worker_offline(w->gw);
		sleep_us(nap);
		gw_worker_online(w->gw);
		ADD(w->sleeps, 1);
		ADD(w->sleep_ns, now_ns() - t0);
		uint32_t cap = now_ns() - idle_since >= DEEP_AFTER_NS ? SLEEP_DEEP_US : SLEEP_MAX_US;
		nap = nap * 2 > cap ? cap : nap * 2;
	}
	gw_worker_offline(w->gw);
	return 0;
}

/* Physical ports round-robin first, then the taps: port ids alternate physical/tap (each port is probed right
 * before its tap), so one round-robin over ids gave every physical port to worker 0 and only taps to worker 1. */
void rt_workers_assign(void)
{
	for (unsigned i = 0; i < rt.n_workers; i++)
		rt.workers[i]->n_rx = 0;
	unsigned next = 0;
	for (int taps = 0; taps < 2; taps++) {
		for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
			if (!rt.ports[p].used || rt.ports[p].is_tap != (taps == 1))
				continue;
			struct rt_worker *w = rt.workers[next++ % rt.n_workers];
			w->rx_ports[w->n_rx++] = p;
		}
	}
}

bool rt_workers_running(void)
{
	return rt.running;
}

int rt_workers_start(void)
{
	if (!rt.eal_ready) {
		rt_set_error("EAL not initialised");
		return -EPERM;
	}
	if (rt.running)
		return 0;
	rt_workers_assign();
	__atomic_store_n(&rt.run, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < rt.n_workers; i++) {
		int rc = rte_eal_remote_launch(rt_worker_main, rt.workers[i], rt.workers[i]->lcore);
		if (rc < 0) {
			rt_set_error("launch worker %u on lcore %u: %s", i, rt.workers[i]->lcore, strerror(-rc));
			rt.running = true;
			rt_workers_stop();
			return rc;
		}
	}
	rt.running = true;
	return 0;
}

void rt_workers_stop(void)
{
	if (!rt.running)
		return;
	__atomic_store_n(&rt.run, false, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < rt.n_workers; i++)
		rte_eal_wait_lcore(rt.workers[i]->lcore);
	rt.running = false;
}

unsigned rt_worker_stats_get(struct rt_worker_stats *out, unsigned max)
{
	unsigned i;
	for (i = 0; i < rt.n_workers && i < max; i++) {
		struct rt_worker *w = rt.workers[i];
		out[i] = (struct rt_worker_stats){w->lcore, LOAD(w->busy_polls), LOAD(w->idle_polls), LOAD(w->sleeps),
						  LOAD(w->sleep_ns)};
	}
	return i;
}

void rt_pipeline_counters(uint16_t port, struct gw_port_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (port >= GW_MAX_PORTS)
		return;
	for (unsigned i = 0; i < rt.n_workers; i++) {
		const struct gw_port_counters *c = gw_worker_counters(rt.workers[i]->gw, port);
		if (!c)
			continue;
		out->rx_packets += LOAD(c->rx_packets);
		out->rx_bytes += LOAD(c->rx_bytes);
		out->tx_packets += LOAD(c->tx_packets);
		out->tx_bytes += LOAD(c->tx_bytes);
		out->punt_packets += LOAD(c->punt_packets);
		out->tx_drops += LOAD(c->tx_drops);
		for (unsigned r = 0; r < GW_DROP_MAX; r++)
			out->drops[r] += LOAD(c->drops[r]);
	}
}
