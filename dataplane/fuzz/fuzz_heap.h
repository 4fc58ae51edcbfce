/* SPDX-License-Identifier: Apache-2.0 */
/* What the table fuzzers (fuzz_tables, fuzz_vpc) share: their check macro, EAL without hugepages and a small mbuf
 * pool, and the DPDK heap in use, which every run must give back (a fresh dp per input). */
#ifndef GW_FUZZ_HEAP_H
#define GW_FUZZ_HEAP_H

#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

/* Stops the run with the failed check and the step it happened at (`step`, the fuzzer's own counter):
 * libFuzzer keeps the input. */
static unsigned step;
#define EXPECT(c, ...)                                                                                      \
	do {                                                                                                \
		if (!(c)) {                                                                                 \
			fprintf(stderr, "step %u: %s (%s:%d): ", step, #c, __FILE__, __LINE__);           \
			fprintf(stderr, __VA_ARGS__);                                                       \
			fputc('\n', stderr);                                                                \
			abort();                                                                            \
		}                                                                                           \
	} while (0)

static struct rte_mempool *fuzz_eal_init(const char *pool, unsigned n_mbufs)
{
	char *eal[] = {"fuzz", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0", "-m", "512",
		       "--log-level=*:error"};
	if (rte_eal_init(10, eal) < 0)
		abort();
	struct rte_mempool *mp = rte_pktmbuf_pool_create(pool, n_mbufs, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM, 0);
	if (!mp)
		abort();
	return mp;
}

static size_t fuzz_heap_in_use(void)
{
	struct rte_malloc_socket_stats s;
	rte_malloc_get_socket_stats((int)rte_socket_id(), &s);
	return s.heap_allocsz_bytes;
}

#endif
