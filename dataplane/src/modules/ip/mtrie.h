/* SPDX-License-Identifier: Apache-2.0 */
/* Multibit trie FIB used for both IPv4 and IPv6: a first level of 2^s0 entries (s0 = 16 or 24) then
 * 8-bit groups of 256 entries. An entry is a leaf (value << 1) or a link to a group (index << 1 | 1).
 * Why our own: in DPDK 22.11 rte_fib/rte_fib6 recycle tbl8 groups without RCU, and rte_lpm's rule table makes
 * inserts O(n) per depth (quadratic for 1M routes). Here one writer fills address ranges (driven by an rte_rib
 * that knows the covering/covered prefixes), new groups are fully written before the link is published with a
 * release store, and unlinked groups return to the free stack only after a QSBR grace period. */
#ifndef GW_MTRIE_H
#define GW_MTRIE_H

#include <stdint.h>

#include <rte_branch_prediction.h>

struct gw_defer;

struct gw_mtrie {
	uint32_t *tbl0;
	uint32_t *groups;     /* n_groups * 256 */
	uint32_t *free_stack; /* free group indexes */
	uint32_t n_groups, n_free, pending_free;
	uint8_t s0, width;    /* first-level bits; address width 32 or 128 */
	struct gw_defer *defer;
};

typedef unsigned __int128 gw_u128;

int gw_mtrie_init(struct gw_mtrie *t, uint8_t width, uint8_t s0, uint32_t n_groups, int socket,
		  struct gw_defer *defer);
void gw_mtrie_fini(struct gw_mtrie *t);
/* Sets every address in [lo, hi] (host order, right-aligned in width bits) to leaf value v (< 2^31).
 * -ENOSPC when groups run out (the range may then be partly written). */
int gw_mtrie_fill(struct gw_mtrie *t, gw_u128 lo, gw_u128 hi, uint32_t v);
/* Groups a fill could need in the worst case for one range edge pair. */
static inline uint32_t gw_mtrie_reserve(const struct gw_mtrie *t) { return 2u * ((t->width - t->s0) / 8u) + 2u; }
int gw_mtrie_ensure_free(struct gw_mtrie *t, uint32_t need);

static inline uint32_t gw_mtrie_lookup4(const struct gw_mtrie *t, uint32_t ip /* host order */)
{
	unsigned used = t->s0;
	uint32_t e = __atomic_load_n(&t->tbl0[ip >> (32 - used)], __ATOMIC_ACQUIRE);
	while (unlikely(e & 1)) {
		used += 8;
		e = __atomic_load_n(&t->groups[(size_t)(e >> 1) * 256 + ((ip >> (32 - used)) & 0xff)],
				    __ATOMIC_ACQUIRE);
	}
	return e >> 1;
}

static inline uint32_t gw_mtrie_lookup6(const struct gw_mtrie *t, const uint8_t *ip)
{
	unsigned byte = t->s0 / 8;
	uint32_t idx = ((uint32_t)ip[0] << 8) | ip[1];
	if (byte == 3)
		idx = (idx << 8) | ip[2];
	uint32_t e = __atomic_load_n(&t->tbl0[idx], __ATOMIC_ACQUIRE);
	while (unlikely(e & 1)) {
		e = __atomic_load_n(&t->groups[(size_t)(e >> 1) * 256 + ip[byte]], __ATOMIC_ACQUIRE);
		byte++;
	}
	return e >> 1;
}

#endif
