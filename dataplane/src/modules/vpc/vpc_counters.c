/* SPDX-License-Identifier: Apache-2.0 */
/* Counters summed over workers for the control thread: each worker only ever increments its own block, so
 * relaxed loads give values that never go back. */
#include <errno.h>

#include "vpc.h"

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

int gw_dp_vpc_counters(const struct gw_dp *dp, uint32_t vrf, struct gw_vpc_counters *out)
{
	if (!dp || !out || vrf >= dp->p.max_vrfs)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	const struct vpc_tables *t = gw_vpc(dp);
	for (unsigned i = 0; i < dp->p.n_workers; i++) {
		const struct vpc_vrf_cnt *c = &t->cnt[i].vrf[vrf];
		out->rx_packets += LOAD(c->rx_packets);
		out->rx_bytes += LOAD(c->rx_bytes);
		out->tx_packets += LOAD(c->tx_packets);
		out->tx_bytes += LOAD(c->tx_bytes);
		for (unsigned r = 0; r < GW_VPC_N_DROPS; r++)
			out->drops[r] += LOAD(c->drops[r]);
	}
	return 0;
}

int gw_dp_vpc_peering_counters(const struct gw_dp *dp, uint32_t peering, struct gw_vpc_peering_counters *out)
{
	if (!dp || !out || peering == 0 || peering > GW_VPC_MAX_PEERING)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	const struct vpc_tables *t = gw_vpc(dp);
	for (unsigned i = 0; i < dp->p.n_workers; i++) {
		out->packets += LOAD(t->cnt[i].peer[peering].packets);
		out->bytes += LOAD(t->cnt[i].peer[peering].bytes);
	}
	return 0;
}
