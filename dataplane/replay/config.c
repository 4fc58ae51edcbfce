/* SPDX-License-Identifier: Apache-2.0 */
/* Gateway config (JSON) for replay: parsed and validated at the edge, then applied through the same
 * gw_dp_* calls the agent uses. Table entries (vrfs, nexthops, groups, routes, neighbors, vteps, vnis, tunnels)
 * are the addon's items, decoded by the same generated decoders (dataplane/tables/gen/gw_tables.h); only a `port`
 * names a port. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gen/gw_tables.h"
#include "replay.h"
#include "nat/gw_nat.h"
#include "vpc/gw_vpc.h"
#include "vxlan/gw_vxlan.h"

static int fail(const char *where, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "config: %s: ", where);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

int replay_port_by_name(const struct replay_cfg *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		size_t n = strlen(cfg->names[i]);
		if (strcmp(name, cfg->names[i]) == 0)
			return (int)i;
		if (strncmp(name, cfg->names[i], n) == 0 && strcmp(name + n, ".tap") == 0)
			return GW_REPLAY_TAP_BASE + (int)i;
	}
	return -1;
}

const char *replay_port_name(const struct replay_cfg *cfg, uint16_t port, char *buf, size_t len)
{
	if (port < cfg->n_ports)
		snprintf(buf, len, "%s", cfg->names[port]);
	else if (port >= GW_REPLAY_TAP_BASE && port - GW_REPLAY_TAP_BASE < (int)cfg->n_ports)
		snprintf(buf, len, "%s.tap", cfg->names[port - GW_REPLAY_TAP_BASE]);
	else
		return NULL;
	return buf;
}

static uint32_t get_u32(json_t *o, const char *k, uint32_t dflt, bool *ok)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return dflt;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0xffffffffll) {
		*ok = false;
		return 0;
	}
	return (uint32_t)json_integer_value(v);
}

static const char *get_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* gw_tbl_reader over JSON values; ctx is the config, whose port names `port` fields refer to. */
static const char *const key_names[] = {
#define KEY_NAME(e, s) s,
	GW_TBL_KEYS(KEY_NAME)
#undef KEY_NAME
};

static const void *js_get(void *ctx, const void *obj, unsigned key)
{
	(void)ctx;
	return json_object_get((const json_t *)obj, key_names[key]);
}

static int js_u32(void *ctx, const void *v, uint32_t *out)
{
	(void)ctx;
	json_int_t i = json_integer_value((const json_t *)v);
	if (!json_is_integer((const json_t *)v) || i < 0 || i > 0xffffffffll)
		return -1;
	*out = (uint32_t)i;
	return 0;
}

static int js_str(void *ctx, const void *v, char *buf, size_t len)
{
	(void)ctx;
	const char *s = json_string_value((const json_t *)v);
	if (!s || strlen(s) + 1 >= len)
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static long js_len(void *ctx, const void *v)
{
	(void)ctx;
	return json_is_array((const json_t *)v) ? (long)json_array_size((const json_t *)v) : -1;
}

static const void *js_at(void *ctx, const void *v, size_t i)
{
	(void)ctx;
	return json_array_get((const json_t *)v, i);
}

static int js_port(void *ctx, const void *v, uint32_t *out)
{
	const char *n = json_string_value((const json_t *)v);
	int p = n ? replay_port_by_name(ctx, n) : -1;
	if (p < 0)
		return -1;
	*out = (uint32_t)p;
	return 0;
}

/* The VPC classify tables (modules/vpc): the items the addon's setPeeringRoutes / setPeeringSources take. */
static int load_vpc(json_t *root, struct gw_dp *dp, struct gw_tbl_reader *r)
{
	char where[96];
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(root, "peeringRoutes"), i, e)
	{
		snprintf(where, sizeof(where), "peeringRoutes[%zu]", i);
		struct gw_tbl_peeringRoutes_item it;
		if (gw_tbl_peeringRoutes_decode(r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r->why);
		int rc = gw_dp_peering_route_set(dp, it.vrf, &it.prefix, it.prefix_len, it.peering, it.dstVrf);
		if (rc < 0)
			return fail(where, "%s", rc == -ENOENT ? "vrf or dstVrf not listed in vrfs" : strerror(-rc));
	}
	json_array_foreach(json_object_get(root, "peeringSources"), i, e)
	{
		snprintf(where, sizeof(where), "peeringSources[%zu]", i);
		struct gw_tbl_peeringSources_item it;
		if (gw_tbl_peeringSources_decode(r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r->why);
		int rc = gw_dp_peering_source_set(dp, it.vrf, it.peering, &it.prefix, it.prefix_len);
		if (rc < 0)
			return fail(where, "%s", rc == -ENOENT ? "vrf not listed in vrfs" : strerror(-rc));
	}
	return 0;
}

/* Static NAT / NPTv6 (modules/nat): the items the addon's setNatStatic takes. */
static int load_nat_static(json_t *root, struct gw_dp *dp, struct gw_tbl_reader *r)
{
	char where[96];
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(root, "natStatic"), i, e)
	{
		snprintf(where, sizeof(where), "natStatic[%zu]", i);
		struct gw_tbl_natStatic_item it;
		if (gw_tbl_natStatic_decode(r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r->why);
		int rc = gw_dp_nat_static_set(dp, it.peering, it.vrf, &it.ips, it.ips_len, &it.as, it.as_len);
		if (rc < 0)
			return fail(where, "%s", rc == -ENOENT ? "vrf not listed in vrfs"
					       : rc == -EINVAL ? "ips and as must have the same family and length (IPv6 at most /112)"
							       : strerror(-rc));
	}
	return 0;
}

static int load(json_t *root, struct replay_cfg *cfg, struct gw_dp **dp_out)
{
	char where[96];
	bool ok = true;
	json_t *ports = json_object_get(root, "ports"), *routes = json_object_get(root, "routes");
	json_t *nhs = json_object_get(root, "nexthops"), *groups = json_object_get(root, "groups");
	json_t *neighs = json_object_get(root, "neighbors"), *vrfs = json_object_get(root, "vrfs");
	json_t *icmp = json_object_get(root, "icmp");
	if (!json_is_array(ports) || json_array_size(ports) == 0 || json_array_size(ports) > GW_REPLAY_MAX_PHY)
		return fail("ports", "must be an array of 1..%d ports", GW_REPLAY_MAX_PHY);
	uint32_t max_vrf = 1;
	size_t i;
	json_t *e;
	json_array_foreach(vrfs, i, e) if (json_is_integer(e) && json_integer_value(e) + 1 > max_vrf)
		max_vrf = (uint32_t)json_integer_value(e) + 1;
	/* size each family's tables from what the config holds: an IPv6 trie group is 1 KiB per expected route */
	uint32_t n6 = 0;
	json_array_foreach(routes, i, e)
	{
		const char *ps = get_str(e, "prefix");
		n6 += ps && strchr(ps, ':') != NULL;
	}
	uint32_t n4 = (uint32_t)json_array_size(routes) - n6;
	struct gw_dp_params *p = &cfg->params;
	*p = (struct gw_dp_params){
		.max_vrfs = max_vrf > 16 ? max_vrf : 16,
		.max_routes4 = 4096 + 2 * n4,
		.max_routes6 = 4096 + 2 * n6,
		.max_nexthops = 4096,
		.max_groups = 4096,
		.max_neighbors = 4096,
		.n_workers = 1,
		.socket_id = 0,
		.icmp_rate = get_u32(icmp, "rate", 0, &ok),
		.icmp_burst = get_u32(icmp, "burst", 0, &ok),
	};
	if (!ok)
		return fail("icmp", "rate and burst must be non-negative integers");
	struct gw_dp *dp = gw_dp_create(p);
	if (!dp)
		return fail("dataplane", "gw_dp_create failed (memory?)");
	*dp_out = dp;
	struct gw_tbl_reader r = {cfg, js_get, js_u32, js_str, js_len, js_at, js_port, NULL};
	json_array_foreach(vrfs, i, e)
	{
		snprintf(where, sizeof(where), "vrfs[%zu]", i);
		struct gw_tbl_vrfs_item it;
		if (gw_tbl_vrfs_key_decode(&r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r.why);
		int rc = gw_dp_vrf_add(dp, it.vrf);
		if (rc < 0 && rc != -EEXIST)
			return fail(where, "%s", strerror(-rc));
	}
	cfg->n_ports = (unsigned)json_array_size(ports);
	json_array_foreach(ports, i, e)
	{
		snprintf(where, sizeof(where), "ports[%zu]", i);
		const char *name = get_str(e, "name");
		if (!name || strlen(name) >= sizeof(cfg->names[0]) || !*name)
			return fail(where, "name: required, under 32 characters");
		snprintf(cfg->names[i], sizeof(cfg->names[i]), "%s", name);
	}
	json_array_foreach(ports, i, e)
	{
		snprintf(where, sizeof(where), "ports[%zu]", i);
		const char *mac = get_str(e, "mac");
		struct gw_port_conf c = {.mtu = (uint16_t)get_u32(e, "mtu", 1500, &ok),
					 .vrf = get_u32(e, "vrf", 0, &ok),
					 .punt_port = GW_REPLAY_TAP_BASE + i,
					 .up = !json_is_false(json_object_get(e, "up"))};
		if (!mac || gw_parse_mac(mac, &c.mac) < 0)
			return fail(where, "mac: expected xx:xx:xx:xx:xx:xx");
		int rc;
		if (!ok || (rc = gw_dp_port_set(dp, (uint16_t)i, &c)) < 0)
			return fail(where, "invalid mtu/vrf (vrf must be listed in vrfs)");
		struct gw_port_conf tap = c;
		tap.is_punt = true;
		tap.punt_port = (uint16_t)i;
		gw_dp_port_set(dp, (uint16_t)(GW_REPLAY_TAP_BASE + i), &tap);
		json_t *addrs = json_object_get(e, "addresses"), *a;
		size_t k;
		json_array_foreach(addrs, k, a)
		{
			struct gw_ip ip;
			if (!json_is_string(a) || gw_parse_ip(json_string_value(a), &ip) < 0)
				return fail(where, "addresses[%zu]: not an IP address", k);
			struct gw_route local = {.type = GW_ROUTE_LOCAL};
			if (gw_dp_port_addr_set(dp, (uint16_t)i, &ip) < 0 ||
			    gw_dp_route_add(dp, c.vrf, &ip, ip.family == AF_INET ? 32 : 128, &local) < 0)
				return fail(where, "addresses[%zu]: cannot install", k);
		}
	}
	json_array_foreach(nhs, i, e)
	{
		snprintf(where, sizeof(where), "nexthops[%zu]", i);
		struct gw_tbl_nexthops_item it;
		if (gw_tbl_nexthops_decode(&r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r.why);
		struct gw_nexthop nh = {.port = it.port, .gw = it.gateway};
		int rc = gw_dp_nexthop_set(dp, it.id, &nh);
		if (rc < 0)
			return fail(where, "id: must be 1..%u (%s)", p->max_nexthops, strerror(-rc));
	}
	json_array_foreach(json_object_get(root, "vteps"), i, e)
	{
		snprintf(where, sizeof(where), "vteps[%zu]", i);
		struct gw_tbl_vteps_item it;
		if (gw_tbl_vteps_decode(&r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r.why);
		struct gw_vtep v = {.ip = it.ip.v4, .mac = it.mac, .ip6 = it.ip6};
		int rc = gw_dp_vtep_set(dp, &v);
		if (rc < 0)
			return fail(where, "%s", rc == -ENOSPC ? "one VTEP only" : strerror(-rc));
	}
	json_array_foreach(json_object_get(root, "vnis"), i, e)
	{
		snprintf(where, sizeof(where), "vnis[%zu]", i);
		struct gw_tbl_vnis_item it;
		if (gw_tbl_vnis_decode(&r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r.why);
		int rc = gw_dp_vni_set(dp, it.vni, it.vrf);
		if (rc < 0)
			return fail(where, "%s", rc == -ENOENT ? "vrf: not listed in vrfs" : strerror(-rc));
	}
	json_array_foreach(json_object_get(root, "tunnels"), i, e)
	{
		snprintf(where, sizeof(where), "tunnels[%zu]", i);
		struct gw_tbl_tunnels_item it;
		if (gw_tbl_tunnels_decode(&r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r.why);
		struct gw_tunnel t = {.vni = it.vni, .vtep = it.vtep.v4, .mac = it.mac};
		int rc = gw_dp_tunnel_set(dp, it.id, &t);
		if (rc < 0)
			return fail(where, "id: must be 1..%u, vtep not 0.0.0.0 (%s)", p->max_nexthops, strerror(-rc));
	}
	json_array_foreach(groups, i, e)
	{
		snprintf(where, sizeof(where), "groups[%zu]", i);
		struct gw_tbl_groups_item it;
		uint32_t ids[GW_TBL_MAX_MEMBERS];
		uint16_t wts[GW_TBL_MAX_MEMBERS];
		if (gw_tbl_groups_decode(&r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r.why);
		for (unsigned k = 0; k < it.n_members; k++) {
			ids[k] = it.members[k].nexthop;
			wts[k] = it.members[k].weight;
		}
		int rc = gw_dp_group_set(dp, it.id, ids, wts, it.n_members);
		if (rc < 0)
			return fail(where, "%s", rc == -ENOENT ? "unknown nexthop" : "invalid id/weights");
	}
	json_array_foreach(routes, i, e)
	{
		snprintf(where, sizeof(where), "routes[%zu]", i);
		struct gw_tbl_routes_item it;
		if (gw_tbl_routes_decode(&r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r.why);
		struct gw_route rt = {.type = (enum gw_route_type)it.target.kind, .group_id = it.target.group};
		int rc = gw_dp_route_add(dp, it.vrf, &it.prefix, it.prefix_len, &rt);
		if (rc < 0)
			return fail(where, "%s", rc == -ENOENT ? "unknown group or vrf" : strerror(-rc));
	}
	json_array_foreach(neighs, i, e)
	{
		snprintf(where, sizeof(where), "neighbors[%zu]", i);
		struct gw_tbl_neighbors_item it;
		if (gw_tbl_neighbors_decode(&r, e, &it) != GW_TR_OK)
			return fail(where, "%s", r.why);
		if (gw_dp_neigh_set(dp, it.port, &it.ip, &it.mac) < 0)
			return fail(where, "cannot install");
	}
	return load_vpc(root, dp, &r) < 0 ? -1 : load_nat_static(root, dp, &r);
}

unsigned replay_config_memory_mb(const char *path)
{
	json_t *root = json_load_file(path, 0, NULL), *e;
	if (!root)
		return 0;
	size_t i, n4 = 0, n6 = 0;
	json_array_foreach(json_object_get(root, "routes"), i, e)
	{
		const char *ps = get_str(e, "prefix");
		if (ps && strchr(ps, ':'))
			n6++;
		else
			n4++;
	}
	json_decref(root);
	/* base + mbufs, a 64 MiB first level once IPv4 tables pass 64k routes, ~1 KiB per IPv4 route (RIB nodes,
	 * trie groups) and ~5 KiB per IPv6 route (trie groups of the deeper levels) */
	return (unsigned)(160 + (4096 + 2 * n4 >= 65536 ? 64 : 0) + n4 / 1000 + n6 * 5 / 1000);
}

int replay_config_load(const char *path, struct replay_cfg *cfg, struct gw_dp **dp_out)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);
	*dp_out = NULL;
	if (!root) {
		fprintf(stderr, "config: %s:%d: %s\n", path, err.line, err.text);
		return -1;
	}
	memset(cfg, 0, sizeof(*cfg));
	int rc = json_is_object(root) ? load(root, cfg, dp_out) : fail(path, "top level must be an object");
	json_decref(root);
	return rc;
}
