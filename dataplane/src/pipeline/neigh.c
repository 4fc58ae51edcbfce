/* SPDX-License-Identifier: Apache-2.0 */
/* Neighbor table: rte_hash in lock-free mode; the MAC lives in the data word so a replace is atomic.
 * Key slots of deleted entries are returned only after a grace period (a reader may still compare them). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_internal.h"

static int key_from(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip, struct gw_neigh_key *k)
{
	if (!dp || !ip || port >= GW_MAX_PORTS || (ip->family != AF_INET && ip->family != AF_INET6))
		return -EINVAL;
	gw_neigh_key_make(k, port, ip->family, ip->family == AF_INET ? (const void *)&ip->v4 : ip->v6);
	return 0;
}

int gw_dp_neigh_set(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip, const struct rte_ether_addr *mac)
{
	struct gw_neigh_key k;
	int rc = key_from(dp, port, ip, &k);
	if (rc < 0 || !mac)
		return -EINVAL;
	uint64_t d = GW_NEIGH_VALID;
	memcpy(&d, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	rc = rte_hash_add_key_data(dp->neigh, &k, (void *)(uintptr_t)d);
	if (rc < 0)
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	gw_nh_refresh(dp, port, ip);
	return 0;
}

uint64_t gw_neigh_data(const struct gw_dp *dp, uint16_t port, const struct gw_ip *ip)
{
	struct gw_neigh_key k;
	void *data;
	gw_neigh_key_make(&k, port, ip->family, ip->family == AF_INET ? (const void *)&ip->v4 : ip->v6);
	return rte_hash_lookup_data(dp->neigh, &k, &data) < 0 ? 0 : (uint64_t)(uintptr_t)data;
}

static void slot_release(void *a, uint64_t pos)
{
	rte_hash_free_key_with_position(a, (int32_t)pos);
}

int gw_dp_neigh_del(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip)
{
	struct gw_neigh_key k;
	int rc = key_from(dp, port, ip, &k);
	if (rc < 0)
		return rc;
	int32_t pos = rte_hash_del_key(dp->neigh, &k);
	if (pos < 0)
		return -ENOENT;
	if (gw_defer_add(&dp->defer, slot_release, dp->neigh, (uint64_t)pos) < 0) {
		gw_defer_sync(&dp->defer);
		slot_release(dp->neigh, (uint64_t)pos);
	}
	gw_nh_refresh(dp, port, ip);
	return 0;
}

void gw_dp_neigh_walk(struct gw_dp *dp, gw_neigh_walk_fn fn, void *ctx)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	while (rte_hash_iterate(dp->neigh, &key, &data, &it) >= 0) {
		const struct gw_neigh_key *k = key;
		struct gw_ip ip = {.family = k->family};
		if (k->family == AF_INET)
			memcpy(&ip.v4, k->ip, 4);
		else
			memcpy(ip.v6, k->ip, 16);
		uint64_t d = (uint64_t)(uintptr_t)data;
		struct rte_ether_addr mac;
		memcpy(mac.addr_bytes, &d, RTE_ETHER_ADDR_LEN);
		fn(ctx, k->port, &ip, &mac);
	}
}
