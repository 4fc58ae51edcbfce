/* SPDX-License-Identifier: Apache-2.0 */
/* Neighbor table: rte_hash in lock-free mode; the MAC lives in the data word so a replace is atomic.
 * Key slots of deleted entries are returned only after a grace period (a reader may still compare them). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_malloc.h>

#include "neigh.h"

#define GW_NEIGH_LISTENERS 4
static struct {
	unsigned n;
	gw_neigh_listener fn[GW_NEIGH_LISTENERS];
} listeners;

int gw_neigh_listen(gw_neigh_listener fn)
{
	if (listeners.n == GW_NEIGH_LISTENERS)
		return -ENOSPC;
	listeners.fn[listeners.n++] = fn;
	return 0;
}

static void changed(struct gw_dp *dp, uint16_t port, const struct gw_ip *ip)
{
	for (unsigned i = 0; i < listeners.n; i++)
		listeners.fn[i](dp, port, ip);
}

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
	rc = rte_hash_add_key_data(gw_neigh_table(dp), &k, (void *)(uintptr_t)d);
	/* The key store may be full of deleted entries' slots waiting for their grace period: return those whose
	 * period ended, then wait for the rest, before answering table_full. */
	if (rc == -ENOSPC && dp->defer.n) {
		gw_defer_reclaim(&dp->defer);
		rc = rte_hash_add_key_data(gw_neigh_table(dp), &k, (void *)(uintptr_t)d);
		if (rc == -ENOSPC && dp->defer.n) {
			gw_defer_sync(&dp->defer);
			rc = rte_hash_add_key_data(gw_neigh_table(dp), &k, (void *)(uintptr_t)d);
		}
	}
	if (rc < 0)
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	changed(dp, port, ip);
	return 0;
}

uint64_t gw_neigh_data(const struct gw_dp *dp, uint16_t port, const struct gw_ip *ip)
{
	struct gw_neigh_key k;
	void *data;
	gw_neigh_key_make(&k, port, ip->family, ip->family == AF_INET ? (const void *)&ip->v4 : ip->v6);
	return rte_hash_lookup_data(gw_neigh_table(dp), &k, &data) < 0 ? 0 : (uint64_t)(uintptr_t)data;
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
	int32_t pos = rte_hash_del_key(gw_neigh_table(dp), &k);
	if (pos < 0)
		return -ENOENT;
	if (gw_defer_add(&dp->defer, slot_release, gw_neigh_table(dp), (uint64_t)pos) < 0) {
		gw_defer_sync(&dp->defer);
		slot_release(gw_neigh_table(dp), (uint64_t)pos);
	}
	changed(dp, port, ip);
	return 0;
}

void gw_dp_neigh_walk(struct gw_dp *dp, gw_neigh_walk_fn fn, void *ctx)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	while (rte_hash_iterate(gw_neigh_table(dp), &key, &data, &it) >= 0) {
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

static int neigh_dp_create(struct gw_dp *dp)
{
	char name[RTE_HASH_NAMESIZE];
	snprintf(name, sizeof(name), "gwn%u", dp->name_seq);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = dp->p.max_neighbors < 64 ? 64 : dp->p.max_neighbors,
		.key_len = sizeof(struct gw_neigh_key),
		.socket_id = dp->p.socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	dp->mod[GW_MOD_neigh] = rte_hash_create(&hp);
	return dp->mod[GW_MOD_neigh] ? 0 : -ENOMEM;
}

static void neigh_dp_free(struct gw_dp *dp) { rte_hash_free(gw_neigh_table(dp)); }

static int neigh_worker_create(struct gw_worker *w)
{
	w->mod[GW_MOD_neigh] = rte_zmalloc_socket("gw_neigh_w", sizeof(struct gw_neigh_worker), RTE_CACHE_LINE_SIZE,
						  w->dp->p.socket_id);
	return w->mod[GW_MOD_neigh] ? 0 : -ENOMEM;
}

static void neigh_worker_free(struct gw_worker *w) { rte_free(w->mod[GW_MOD_neigh]); }

const struct gw_module gw_module_neigh = {
	.name = "neigh",
	.dp_create = neigh_dp_create,
	.dp_free = neigh_dp_free,
	.worker_create = neigh_worker_create,
	.worker_free = neigh_worker_free,
};
