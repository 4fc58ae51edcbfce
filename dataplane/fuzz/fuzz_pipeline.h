/* SPDX-License-Identifier: Apache-2.0 */
/* What the packet fuzzers (fuzz_parser, fuzz_vxlan) share: EAL and one dp with one online worker, the trace
 * sanity check, and the end of every run (outputs checked and freed, events drained, no mbuf left behind). */
#ifndef GW_FUZZ_PIPELINE_H
#define GW_FUZZ_PIPELINE_H

#include <stdlib.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "gw_dp.h"

static struct gw_dp *dp;
static struct gw_worker *w;
static struct rte_mempool *mp;
static struct gw_burst_out out;
static uint64_t now;

static void on_trace(void *ctx, const struct gw_trace *t)
{
	(void)ctx;
	if (t->decision < GW_DEC_FORWARD || t->decision > GW_DEC_DROP || (t->decision == GW_DEC_DROP && t->pkt))
		abort();
}

/* The tables every fuzzer fills itself; small, with a fast ICMP rate so errors are not rate-limited away. */
static void fuzz_pipeline_init(const char *pool)
{
	char *eal[] = {"fuzz", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0", "-m", "256",
		       "--log-level=*:error"};
	if (rte_eal_init(10, eal) < 0)
		abort();
	struct gw_dp_params p = {.max_vrfs = 4, .max_routes4 = 256, .max_routes6 = 256, .max_nexthops = 16,
				 .max_groups = 16, .max_neighbors = 64, .n_workers = 1, .icmp_rate = 1000000};
	dp = gw_dp_create(&p);
	mp = rte_pktmbuf_pool_create(pool, 1023, 0, 0, 16384 + RTE_PKTMBUF_HEADROOM, 0);
	w = gw_worker_create(dp, 0);
	if (!dp || !mp || !w)
		abort();
	gw_worker_online(w);
}

static struct rte_mbuf *fuzz_mbuf(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	if (!m)
		abort(); /* the previous run left mbufs behind: fuzz_pipeline_finish would have said so */
	return m;
}

/* After a burst: each output between 14 and max_len bytes, checked by check (may be NULL), freed. */
static void fuzz_pipeline_finish(uint32_t max_len, void (*check)(uint16_t port, const struct rte_mbuf *o))
{
	gw_worker_quiescent(w);
	for (unsigned p = 0; p < GW_MAX_PORTS; p++)
		for (unsigned k = 0; k < out.n[p]; k++) {
			struct rte_mbuf *o = out.pkts[p][k];
			if (rte_pktmbuf_pkt_len(o) < 14 || rte_pktmbuf_pkt_len(o) > max_len)
				abort();
			if (check)
				check((uint16_t)p, o);
			rte_pktmbuf_free(o);
		}
	struct gw_event ev[8];
	while (gw_dp_events_poll(dp, ev, 8))
		;
	if (rte_mempool_in_use_count(mp) != 0)
		abort(); /* every packet ends transmitted or freed */
}

#endif
