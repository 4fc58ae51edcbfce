// SPDX-License-Identifier: Apache-2.0
// Table writes from JS in batches and their `show`. Items are decoded by the decoders generated from
// dataplane/tables/tables.yaml (gen/gw_tables.h) through a reader of JS values; one batch loop answers each item
// with its own result code. Routes are listed by walking the pipeline's RIB (a copy of 1M routes would double
// memory and halve the write rate); the small tables (VRFs, nexthops, groups, neighbors) keep an ordered copy of
// what was written, which also answers the per-item checks that need the whole picture (VRF exists, group
// members exist) with a precise result code.
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "tables.h"
#include "util.h"

extern "C" {
#include "nat/gw_nat.h"
#include "vpc/gw_vpc.h"
}

namespace gwa {
namespace {

struct NhEntry {
  uint16_t port;
  gw_ip gw;
};
struct GroupEntry {
  std::vector<uint32_t> nhs;
  std::vector<uint16_t> weights;
};

std::set<uint32_t> vrfs;
std::map<uint32_t, NhEntry> nexthops;
std::map<uint32_t, GroupEntry> groups;
std::map<std::pair<uint16_t, Key>, rte_ether_addr> neighbors;
// vxlan: the one VTEP (ip 0 = none), VNI -> VRF, tunnels (nexthop ids of kind vxlan: groups may list them).
gw_vtep vtep;
std::map<uint32_t, uint32_t> vnis;
std::map<uint32_t, gw_tunnel> tunnels;
uint32_t max_vrfs;

bool port_ok(uint32_t port) {
  rt_port_info pi;
  return port < GW_MAX_PORTS && rt_port_get(uint16_t(port), &pi) == 0;
}

// gw_tbl_reader over JS values (napi_value is a pointer, so it travels as const void *). The property names are
// made once per batch, not per item.
struct JsReader {
  napi_env env;
  napi_value keys[GW_TK_MAX];
};

napi_value js(const void *v) {
  return static_cast<napi_value>(const_cast<void *>(v));
}

const void *js_get(void *ctx, const void *obj, unsigned key) {
  auto *c = static_cast<JsReader *>(ctx);
  napi_value v;
  napi_valuetype t;
  // Only objects: reading a property of null or undefined would leave a pending JS exception.
  if (napi_typeof(c->env, js(obj), &t) != napi_ok || t != napi_object ||
      napi_get_property(c->env, js(obj), c->keys[key], &v) != napi_ok || napi_typeof(c->env, v, &t) != napi_ok ||
      t == napi_undefined)
    return nullptr;
  return v;
}

int js_u32(void *ctx, const void *v, uint32_t *out) {
  double d;
  if (napi_get_value_double(static_cast<JsReader *>(ctx)->env, js(v), &d) != napi_ok) return -1;
  return gw_tbl_u32_of_double(d, out);
}

int js_str(void *ctx, const void *v, char *buf, size_t len) {
  size_t n;
  if (napi_get_value_string_utf8(static_cast<JsReader *>(ctx)->env, js(v), buf, len, &n) != napi_ok) return -1;
  return gw_tbl_str_fits(buf, n, len);
}

long js_len(void *ctx, const void *v) {
  auto *c = static_cast<JsReader *>(ctx);
  bool is;
  uint32_t n;
  if (napi_is_array(c->env, js(v), &is) != napi_ok || !is || napi_get_array_length(c->env, js(v), &n) != napi_ok)
    return -1;
  return long(n);
}

const void *js_at(void *ctx, const void *v, size_t i) {
  napi_value e;
  return napi_get_element(static_cast<JsReader *>(ctx)->env, js(v), uint32_t(i), &e) == napi_ok ? e : nullptr;
}

// One batch: decode each item of the array argument, then apply it (checks that need the tables, the pipeline
// write, the mirror) for one result code per item. Every table write below is a decode + apply pair.
template <typename Item, typename Decode, typename Apply>
Napi::Value batch(const Napi::CallbackInfo &info, Decode decode, Apply apply) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) fail(env, "DP_BAD_ARGUMENT", "expected an array");
  need_eal(env);
  Napi::Array a = info[0].As<Napi::Array>();
  JsReader c{env, {}};
  static const char *const names[] = {
#define GW_TK_NAME(e, s) s,
      GW_TBL_KEYS(GW_TK_NAME)
#undef GW_TK_NAME
  };
  for (unsigned k = 0; k < GW_TK_MAX; k++) c.keys[k] = Napi::String::New(env, names[k]);
  gw_tbl_reader r{&c, js_get, js_u32, js_str, js_len, js_at, js_u32, nullptr};
  uint32_t n = a.Length();
  auto out = Napi::Int32Array::New(env, n);
  Item it;
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = a[i];
    int rc = decode(&r, static_cast<napi_value>(v), &it);
    out[i] = rc == GW_TR_OK ? apply(it) : rc;
  }
  return out;
}

// ---- VPC classify (modules/vpc): peering routes and sources of a source VPC's VRF, and its counters ----
// The mirrors answer the shows and say which VRFs and peerings have counters worth listing.
std::map<std::pair<uint32_t, Key>, std::pair<uint32_t, uint32_t>> peering_routes;  // (vrf, prefix) → (peering, dstVrf)
std::set<std::tuple<uint32_t, uint32_t, Key>> peering_sources;                    // (vrf, peering, prefix)

void vpc_clear() {
  peering_routes.clear();
  peering_sources.clear();
}

// ---- static NAT (modules/nat): (peering, vrf, ips) -> as, as written ----
std::map<std::tuple<uint32_t, uint32_t, Key>, Key> nat_static;

// A deleted VRF takes its static NAT entries along (the pipeline's too).
void nat_static_vrf_gone(uint32_t vrf) {
  gw_dp_nat_static_vrf_gone(rt_dp(), vrf);
  for (auto it = nat_static.begin(); it != nat_static.end();)
    it = std::get<1>(it->first) == vrf ? nat_static.erase(it) : std::next(it);
}

// A deleted VRF takes its peering entries along: a VRF created again under that id starts without them.
void vpc_vrf_gone(uint32_t vrf) {
  for (auto it = peering_routes.begin(); it != peering_routes.end();) {
    if (it->first.first != vrf) {
      ++it;
      continue;
    }
    gw_ip ip = ip_of(it->first.second);
    gw_dp_peering_route_del(rt_dp(), vrf, &ip, it->first.second[1]);
    it = peering_routes.erase(it);
  }
  for (auto it = peering_sources.begin(); it != peering_sources.end();) {
    if (std::get<0>(*it) != vrf) {
      ++it;
      continue;
    }
    gw_ip ip = ip_of(std::get<2>(*it));
    gw_dp_peering_source_del(rt_dp(), vrf, std::get<1>(*it), &ip, std::get<2>(*it)[1]);
    it = peering_sources.erase(it);
  }
}

}  // namespace

void tables_init(uint32_t n_vrfs) {
  max_vrfs = n_vrfs;
  gw_dp_vrf_add(rt_dp(), 0);  // VRF 0 is the default VRF and always exists
  vrfs.insert(0);
}

void tables_clear() {
  vrfs.clear();
  nexthops.clear();
  groups.clear();
  neighbors.clear();
  vtep = gw_vtep{};
  vnis.clear();
  tunnels.clear();
  vpc_clear();
  nat_static.clear();
}

Napi::Value TableResults(const Napi::CallbackInfo &info) {
  static const char *const names[] = {
#define GW_TR_NAME(e, s) s,
      GW_TABLE_RESULTS(GW_TR_NAME)
#undef GW_TR_NAME
  };
  Napi::Array a = Napi::Array::New(info.Env(), GW_TR_MAX);
  for (uint32_t i = 0; i < GW_TR_MAX; i++) a[i] = Napi::String::New(info.Env(), names[i]);
  return a;
}

// One VRF id (not a batch): decoded like a batch item.
int32_t vrf_arg(const Napi::CallbackInfo &info, gw_tbl_vrfs_item *it) {
  need_eal(info.Env());
  JsReader c{info.Env(), {}};
  gw_tbl_reader r{&c, js_get, js_u32, js_str, js_len, js_at, js_u32, nullptr};
  napi_value v = info[0];
  return gw_tbl_vrfs_key_decode(&r, v, it);
}

Napi::Value VrfAdd(const Napi::CallbackInfo &info) {
  gw_tbl_vrfs_item it;
  if (vrf_arg(info, &it) != GW_TR_OK || it.vrf >= max_vrfs) return Napi::Number::New(info.Env(), GW_TR_INVALID);
  if (vrfs.count(it.vrf)) return Napi::Number::New(info.Env(), GW_TR_OK);
  int rc = gw_dp_vrf_add(rt_dp(), it.vrf);
  if (rc == 0 || rc == -EEXIST) {
    vrfs.insert(it.vrf);
    rc = 0;
  }
  return Napi::Number::New(info.Env(), from_errno(rc));
}

Napi::Value VrfDel(const Napi::CallbackInfo &info) {
  gw_tbl_vrfs_item it;
  if (vrf_arg(info, &it) != GW_TR_OK || it.vrf == 0 || it.vrf >= max_vrfs)
    return Napi::Number::New(info.Env(), GW_TR_INVALID);
  if (!vrfs.count(it.vrf)) return Napi::Number::New(info.Env(), GW_TR_NOT_FOUND);
  int rc = gw_dp_vrf_del(rt_dp(), it.vrf);
  if (rc == 0) vrfs.erase(it.vrf);
  if (rc == 0) vpc_vrf_gone(it.vrf);
  if (rc == 0) nat_static_vrf_gone(it.vrf);
  return Napi::Number::New(info.Env(), from_errno(rc));
}

Napi::Value SetNexthops(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_nexthops_item>(info, gw_tbl_nexthops_decode, [](const gw_tbl_nexthops_item &it) -> int32_t {
    if (!port_ok(it.port)) return GW_TR_INVALID;
    gw_nexthop nh{};
    nh.port = it.port;
    nh.gw = it.gateway;
    int rc = gw_dp_nexthop_set(rt_dp(), it.id, &nh);
    if (rc == 0) {
      nexthops[it.id] = {nh.port, nh.gw};
      tunnels.erase(it.id);  // one id space: the nexthop replaced the tunnel
    }
    return from_errno(rc);
  });
}

// Deletes by id: not_found from the mirror, else the pipeline's answer; the mirror follows successes.
template <typename Item, typename M>
Napi::Value del_ids(const Napi::CallbackInfo &info, int (*decode)(gw_tbl_reader *, const void *, Item *), M &mirror,
                    int (*del)(struct gw_dp *, uint32_t)) {
  return batch<Item>(info, decode, [&](const Item &it) -> int32_t {
    if (!mirror.count(it.id)) return GW_TR_NOT_FOUND;
    int rc = del(rt_dp(), it.id);
    if (rc == 0) mirror.erase(it.id);
    return from_errno(rc);
  });
}

Napi::Value DelNexthops(const Napi::CallbackInfo &info) {
  return del_ids(info, gw_tbl_nexthops_key_decode, nexthops, gw_dp_nexthop_del);
}

Napi::Value SetGroups(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_groups_item>(info, gw_tbl_groups_decode, [](const gw_tbl_groups_item &it) -> int32_t {
    GroupEntry ge;
    for (unsigned k = 0; k < it.n_members; k++) {
      if (!nexthops.count(it.members[k].nexthop) && !tunnels.count(it.members[k].nexthop)) return GW_TR_NO_NEXTHOP;
      ge.nhs.push_back(it.members[k].nexthop);
      ge.weights.push_back(it.members[k].weight);
    }
    int rc = gw_dp_group_set(rt_dp(), it.id, ge.nhs.data(), ge.weights.data(), it.n_members);
    if (rc == 0) groups[it.id] = std::move(ge);
    return from_errno(rc, GW_TR_NO_NEXTHOP);
  });
}

Napi::Value DelGroups(const Napi::CallbackInfo &info) {
  return del_ids(info, gw_tbl_groups_key_decode, groups, gw_dp_group_del);
}

static const char *KINDS[] = {nullptr, "unicast", "blackhole", "reject", "local"};

Napi::Value ApplyRoutes(const Napi::CallbackInfo &info) {
  uint8_t op = 0;
  auto decode = [&op](gw_tbl_reader *r, const void *v, gw_tbl_routes_item *it) {
    return gw_tbl_routes_apply_decode(r, v, &op, it);
  };
  return batch<gw_tbl_routes_item>(info, decode, [&op](const gw_tbl_routes_item &it) -> int32_t {
    if (!vrfs.count(it.vrf)) return GW_TR_NO_VRF;
    if (op == GW_TBL_ROUTES_DEL) return from_errno(gw_dp_route_del(rt_dp(), it.vrf, &it.prefix, it.prefix_len));
    gw_route rt_{};
    rt_.type = gw_route_type(it.target.kind);
    rt_.group_id = it.target.group;
    if (rt_.type == GW_ROUTE_UNICAST && !groups.count(rt_.group_id)) return GW_TR_NO_NEXTHOP;
    return from_errno(gw_dp_route_add(rt_dp(), it.vrf, &it.prefix, it.prefix_len, &rt_), GW_TR_NO_NEXTHOP);
  });
}

// ---- VPC classify (modules/vpc): the tables' writes, shows and counters ----
Napi::Value SetPeeringRoutes(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_peeringRoutes_item>(info, gw_tbl_peeringRoutes_decode, [](const gw_tbl_peeringRoutes_item &it) -> int32_t {
    if (!vrfs.count(it.vrf) || !vrfs.count(it.dstVrf)) return GW_TR_NO_VRF;
    int rc = gw_dp_peering_route_set(rt_dp(), it.vrf, &it.prefix, it.prefix_len, it.peering, it.dstVrf);
    if (rc == 0) peering_routes[{it.vrf, key_of(it.prefix, it.prefix_len)}] = {it.peering, it.dstVrf};
    return from_errno(rc, GW_TR_NO_VRF);
  });
}

Napi::Value DelPeeringRoutes(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_peeringRoutes_item>(info, gw_tbl_peeringRoutes_key_decode, [](const gw_tbl_peeringRoutes_item &it) -> int32_t {
    auto found = peering_routes.find({it.vrf, key_of(it.prefix, it.prefix_len)});
    if (found == peering_routes.end()) return GW_TR_NOT_FOUND;
    int rc = gw_dp_peering_route_del(rt_dp(), it.vrf, &it.prefix, it.prefix_len);
    if (rc == 0) peering_routes.erase(found);
    return from_errno(rc);
  });
}

Napi::Value SetPeeringSources(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_peeringSources_item>(info, gw_tbl_peeringSources_decode, [](const gw_tbl_peeringSources_item &it) -> int32_t {
    if (!vrfs.count(it.vrf)) return GW_TR_NO_VRF;
    int rc = gw_dp_peering_source_set(rt_dp(), it.vrf, it.peering, &it.prefix, it.prefix_len);
    if (rc == 0) peering_sources.insert({it.vrf, it.peering, key_of(it.prefix, it.prefix_len)});
    return from_errno(rc, GW_TR_NO_VRF);
  });
}

Napi::Value DelPeeringSources(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_peeringSources_item>(info, gw_tbl_peeringSources_key_decode, [](const gw_tbl_peeringSources_item &it) -> int32_t {
    auto found = peering_sources.find({it.vrf, it.peering, key_of(it.prefix, it.prefix_len)});
    if (found == peering_sources.end()) return GW_TR_NOT_FOUND;
    int rc = gw_dp_peering_source_del(rt_dp(), it.vrf, it.peering, &it.prefix, it.prefix_len);
    if (rc == 0) peering_sources.erase(found);
    return from_errno(rc);
  });
}

std::string prefix_str(const Key &k) {
  return ip_str(ip_of(k)) + "/" + std::to_string(k[1]);
}

Napi::Value PeeringRoutes(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, peering_routes.size());
  uint32_t i = 0;
  for (const auto &[k, v] : peering_routes) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("vrf", k.first);
    o.Set("prefix", prefix_str(k.second));
    o.Set("peering", v.first);
    o.Set("dstVrf", v.second);
    out[i++] = o;
  }
  return out;
}

Napi::Value PeeringSources(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, peering_sources.size());
  uint32_t i = 0;
  for (const auto &[vrf, peering, k] : peering_sources) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("vrf", vrf);
    o.Set("peering", peering);
    o.Set("prefix", prefix_str(k));
    out[i++] = o;
  }
  return out;
}

// Per VPC (every VRF but the underlay's 0), summed over workers: see gw_vpc.h for what each counts.
Napi::Value VpcCounters(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  if (!rt_eal_ready()) return out;
  uint32_t i = 0;
  for (uint32_t vrf : vrfs) {
    gw_vpc_counters c;
    if (vrf == 0 || gw_dp_vpc_counters(rt_dp(), vrf, &c) < 0) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("vrf", vrf);
    o.Set("rxPackets", Napi::BigInt::New(env, c.rx_packets));
    o.Set("rxBytes", Napi::BigInt::New(env, c.rx_bytes));
    o.Set("txPackets", Napi::BigInt::New(env, c.tx_packets));
    o.Set("txBytes", Napi::BigInt::New(env, c.tx_bytes));
    Napi::Object d = Napi::Object::New(env);
    for (unsigned r = 0; r < GW_VPC_N_DROPS; r++)
      d.Set(gw_drop_reason_name(gw_vpc_drop_reasons[r]), Napi::BigInt::New(env, c.drops[r]));
    o.Set("drops", d);
    out[i++] = o;
  }
  return out;
}

// Per peering id that has a peering route or source in some VRF.
Napi::Value PeeringCounters(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  if (!rt_eal_ready()) return out;
  std::set<uint32_t> ids;
  for (const auto &[k, v] : peering_routes) ids.insert(v.first);
  for (const auto &e : peering_sources) ids.insert(std::get<1>(e));
  uint32_t i = 0;
  for (uint32_t id : ids) {
    gw_vpc_peering_counters c;
    if (gw_dp_vpc_peering_counters(rt_dp(), id, &c) < 0) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("peering", id);
    o.Set("packets", Napi::BigInt::New(env, c.packets));
    o.Set("bytes", Napi::BigInt::New(env, c.bytes));
    out[i++] = o;
  }
  return out;
}

// ---- static NAT (modules/nat): natStatic writes and show ----
Napi::Value SetNatStatic(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_natStatic_item>(info, gw_tbl_natStatic_decode, [](const gw_tbl_natStatic_item &it) -> int32_t {
    if (!vrfs.count(it.vrf)) return GW_TR_NO_VRF;
    int rc = gw_dp_nat_static_set(rt_dp(), it.peering, it.vrf, &it.ips, it.ips_len, &it.as, it.as_len);
    if (rc == 0) nat_static[{it.peering, it.vrf, key_of(it.ips, it.ips_len)}] = key_of(it.as, it.as_len);
    return from_errno(rc, GW_TR_NO_VRF);
  });
}

Napi::Value DelNatStatic(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_natStatic_item>(info, gw_tbl_natStatic_key_decode, [](const gw_tbl_natStatic_item &it) -> int32_t {
    auto found = nat_static.find({it.peering, it.vrf, key_of(it.ips, it.ips_len)});
    if (found == nat_static.end()) return GW_TR_NOT_FOUND;
    int rc = gw_dp_nat_static_del(rt_dp(), it.peering, it.vrf, &it.ips, it.ips_len);
    if (rc == 0) nat_static.erase(found);
    return from_errno(rc);
  });
}

Napi::Value NatStatic(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, nat_static.size());
  uint32_t i = 0;
  for (const auto &[k, as] : nat_static) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("peering", std::get<0>(k));
    o.Set("vrf", std::get<1>(k));
    o.Set("ips", prefix_str(std::get<2>(k)));
    o.Set("as", prefix_str(as));
    out[i++] = o;
  }
  return out;
}

// Packets static NAT translated, per peering id that has entries, summed over workers.
Napi::Value NatStaticCounters(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  need_eal(env);
  std::set<uint32_t> ids;
  for (const auto &e : nat_static) ids.insert(std::get<0>(e.first));
  Napi::Array out = Napi::Array::New(env, ids.size());
  uint32_t i = 0;
  for (uint32_t id : ids) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("peering", id);
    o.Set("translations", Napi::BigInt::New(env, gw_dp_nat_static_translations(rt_dp(), id)));
    out[i++] = o;
  }
  return out;
}

Napi::Value SetNeighbors(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_neighbors_item>(info, gw_tbl_neighbors_decode, [](const gw_tbl_neighbors_item &it) -> int32_t {
    if (!port_ok(it.port)) return GW_TR_INVALID;
    int rc = gw_dp_neigh_set(rt_dp(), it.port, &it.ip, &it.mac);
    if (rc == 0) neighbors[{it.port, key_of(it.ip, 0)}] = it.mac;
    return from_errno(rc);
  });
}

Napi::Value DelNeighbors(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_neighbors_item>(info, gw_tbl_neighbors_key_decode, [](const gw_tbl_neighbors_item &it) -> int32_t {
    auto found = neighbors.find({it.port, key_of(it.ip, 0)});
    if (found == neighbors.end()) return GW_TR_NOT_FOUND;
    int rc = gw_dp_neigh_del(rt_dp(), it.port, &it.ip);
    if (rc == 0) neighbors.erase(found);
    return from_errno(rc);
  });
}

Napi::Value SetVteps(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_vteps_item>(info, gw_tbl_vteps_decode, [](const gw_tbl_vteps_item &it) -> int32_t {
    gw_vtep v{};
    v.ip = it.ip.v4;
    v.mac = it.mac;
    v.ip6 = it.ip6;
    int rc = gw_dp_vtep_set(rt_dp(), &v);
    if (rc == 0) vtep = v;
    return from_errno(rc);
  });
}

Napi::Value DelVteps(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_vteps_item>(info, gw_tbl_vteps_key_decode, [](const gw_tbl_vteps_item &it) -> int32_t {
    if (vtep.ip == 0 || vtep.ip != it.ip.v4) return GW_TR_NOT_FOUND;
    int rc = gw_dp_vtep_del(rt_dp(), it.ip.v4);
    if (rc == 0) vtep = gw_vtep{};
    return from_errno(rc);
  });
}

Napi::Value SetVnis(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_vnis_item>(info, gw_tbl_vnis_decode, [](const gw_tbl_vnis_item &it) -> int32_t {
    if (!vrfs.count(it.vrf)) return GW_TR_NO_VRF;
    int rc = gw_dp_vni_set(rt_dp(), it.vni, it.vrf);
    if (rc == 0) vnis[it.vni] = it.vrf;
    return from_errno(rc, GW_TR_NO_VRF);
  });
}

Napi::Value DelVnis(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_vnis_item>(info, gw_tbl_vnis_key_decode, [](const gw_tbl_vnis_item &it) -> int32_t {
    if (!vnis.count(it.vni)) return GW_TR_NOT_FOUND;
    int rc = gw_dp_vni_del(rt_dp(), it.vni);
    if (rc == 0) vnis.erase(it.vni);
    return from_errno(rc);
  });
}

Napi::Value SetTunnels(const Napi::CallbackInfo &info) {
  return batch<gw_tbl_tunnels_item>(info, gw_tbl_tunnels_decode, [](const gw_tbl_tunnels_item &it) -> int32_t {
    gw_tunnel t{};
    t.vni = it.vni;
    t.vtep = it.vtep.v4;
    t.mac = it.mac;
    int rc = gw_dp_tunnel_set(rt_dp(), it.id, &t);
    if (rc == 0) {
      tunnels[it.id] = t;
      nexthops.erase(it.id);  // one id space: the tunnel replaced the nexthop
    }
    return from_errno(rc);
  });
}

Napi::Value DelTunnels(const Napi::CallbackInfo &info) {
  return del_ids(info, gw_tbl_tunnels_key_decode, tunnels, gw_dp_tunnel_del);
}

struct RouteWalk {
  Napi::Env env;
  Napi::Array out;
  uint32_t n;
  Napi::String kPrefix, kKind, kGroup;
};

void route_cb(void *ctx, uint32_t, const gw_ip *prefix, uint8_t plen, const gw_route *r) {
  auto *w = static_cast<RouteWalk *>(ctx);
  Napi::Object o = Napi::Object::New(w->env);
  o.Set(w->kPrefix, ip_str(*prefix) + "/" + std::to_string(plen));
  o.Set(w->kKind, r->type >= GW_ROUTE_UNICAST && r->type <= GW_ROUTE_LOCAL ? KINDS[r->type] : "unknown");
  if (r->type == GW_ROUTE_UNICAST) o.Set(w->kGroup, r->group_id);
  w->out[w->n++] = o;
}

Napi::Value Routes(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uint32_t vrf = info[0].ToNumber().Uint32Value();
  RouteWalk w{env, Napi::Array::New(env), 0, Napi::String::New(env, "prefix"), Napi::String::New(env, "kind"),
              Napi::String::New(env, "group")};
  if (rt_eal_ready() && vrfs.count(vrf)) gw_dp_route_walk(rt_dp(), vrf, route_cb, &w);
  return w.out;
}

Napi::Value Nexthops(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, nexthops.size());
  uint32_t i = 0;
  for (const auto &[id, nh] : nexthops) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", id);
    o.Set("port", nh.port);
    if (nh.gw.family) o.Set("gateway", ip_str(nh.gw));
    out[i++] = o;
  }
  return out;
}

Napi::Value Groups(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, groups.size());
  uint32_t i = 0;
  for (const auto &[id, g] : groups) {
    Napi::Object o = Napi::Object::New(env);
    Napi::Array m = Napi::Array::New(env, g.nhs.size());
    for (uint32_t k = 0; k < g.nhs.size(); k++) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("nexthop", g.nhs[k]);
      e.Set("weight", g.weights[k]);
      m[k] = e;
    }
    o.Set("id", id);
    o.Set("members", m);
    out[i++] = o;
  }
  return out;
}

Napi::Value Neighbors(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, neighbors.size());
  uint32_t i = 0;
  for (const auto &[k, mac] : neighbors) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("port", k.first);
    o.Set("ip", ip_str(ip_of(k.second)));
    o.Set("mac", mac_str(mac));
    out[i++] = o;
  }
  return out;
}

Napi::Value Vteps(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  if (vtep.ip == 0) return out;
  Napi::Object o = Napi::Object::New(env);
  gw_ip ip{};
  ip.family = AF_INET;
  ip.v4 = vtep.ip;
  o.Set("ip", ip_str(ip));
  o.Set("mac", mac_str(vtep.mac));
  if (vtep.ip6.family) o.Set("ip6", ip_str(vtep.ip6));
  out[0u] = o;
  return out;
}

Napi::Value Vnis(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, vnis.size());
  uint32_t i = 0;
  for (const auto &[vni, vrf] : vnis) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("vni", vni);
    o.Set("vrf", vrf);
    out[i++] = o;
  }
  return out;
}

Napi::Value Tunnels(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, tunnels.size());
  uint32_t i = 0;
  for (const auto &[id, t] : tunnels) {
    Napi::Object o = Napi::Object::New(env);
    gw_ip ip{};
    ip.family = AF_INET;
    ip.v4 = t.vtep;
    o.Set("id", id);
    o.Set("vni", t.vni);
    o.Set("vtep", ip_str(ip));
    o.Set("mac", mac_str(t.mac));
    out[i++] = o;
  }
  return out;
}

Napi::Value PollEvents(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  need_eal(env);
  unsigned max = info[0].ToNumber().Uint32Value();
  if (max > 4096) max = 4096;
  std::vector<gw_event> ev(max ? max : 1);
  unsigned n = max ? gw_dp_events_poll(rt_dp(), ev.data(), max) : 0;
  Napi::Array out = Napi::Array::New(env, n);
  for (unsigned i = 0; i < n; i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", ev[i].type == GW_EV_NEIGH_MISS ? "neigh_miss" : "unknown");
    o.Set("port", ev[i].port);
    o.Set("ip", ip_str(ev[i].ip));
    out[i] = o;
  }
  return out;
}

Napi::Value EventsDropped(const Napi::CallbackInfo &info) {
  need_eal(info.Env());
  return Napi::BigInt::New(info.Env(), gw_dp_events_dropped(rt_dp()));
}

// ICMP error source of a port (one per family): ip = address string, or null to clear both.
Napi::Value PortAddrSet(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  need_eal(env);
  uint32_t port = info[0].ToNumber().Uint32Value();
  gw_ip ip{};
  if (info[1].IsString()) {
    if (gw_parse_ip(info[1].As<Napi::String>().Utf8Value().c_str(), &ip) < 0)
      return Napi::Number::New(env, GW_TR_INVALID);
  } else if (!info[1].IsNull()) {
    return Napi::Number::New(env, GW_TR_INVALID);
  }
  if (!port_ok(port)) return Napi::Number::New(env, GW_TR_INVALID);
  return Napi::Number::New(env, from_errno(gw_dp_port_addr_set(rt_dp(), uint16_t(port), &ip)));
}

void tables_register(Napi::Env env, Napi::Object exports) {
  exports.Set("tableResults", Napi::Function::New(env, TableResults));
  exports.Set("vrfAdd", Napi::Function::New(env, VrfAdd));
  exports.Set("vrfDel", Napi::Function::New(env, VrfDel));
  exports.Set("setNexthops", Napi::Function::New(env, SetNexthops));
  exports.Set("delNexthops", Napi::Function::New(env, DelNexthops));
  exports.Set("setGroups", Napi::Function::New(env, SetGroups));
  exports.Set("delGroups", Napi::Function::New(env, DelGroups));
  exports.Set("applyRoutes", Napi::Function::New(env, ApplyRoutes));
  exports.Set("setPeeringRoutes", Napi::Function::New(env, SetPeeringRoutes));
  exports.Set("delPeeringRoutes", Napi::Function::New(env, DelPeeringRoutes));
  exports.Set("setPeeringSources", Napi::Function::New(env, SetPeeringSources));
  exports.Set("delPeeringSources", Napi::Function::New(env, DelPeeringSources));
  exports.Set("peeringRoutes", Napi::Function::New(env, PeeringRoutes));
  exports.Set("peeringSources", Napi::Function::New(env, PeeringSources));
  exports.Set("vpcCounters", Napi::Function::New(env, VpcCounters));
  exports.Set("peeringCounters", Napi::Function::New(env, PeeringCounters));
  exports.Set("setNatStatic", Napi::Function::New(env, SetNatStatic));
  exports.Set("delNatStatic", Napi::Function::New(env, DelNatStatic));
  exports.Set("natStatic", Napi::Function::New(env, NatStatic));
  exports.Set("natStaticCounters", Napi::Function::New(env, NatStaticCounters));
  exports.Set("setNeighbors", Napi::Function::New(env, SetNeighbors));
  exports.Set("delNeighbors", Napi::Function::New(env, DelNeighbors));
  exports.Set("setVteps", Napi::Function::New(env, SetVteps));
  exports.Set("delVteps", Napi::Function::New(env, DelVteps));
  exports.Set("setVnis", Napi::Function::New(env, SetVnis));
  exports.Set("delVnis", Napi::Function::New(env, DelVnis));
  exports.Set("setTunnels", Napi::Function::New(env, SetTunnels));
  exports.Set("delTunnels", Napi::Function::New(env, DelTunnels));
  exports.Set("vteps", Napi::Function::New(env, Vteps));
  exports.Set("vnis", Napi::Function::New(env, Vnis));
  exports.Set("tunnels", Napi::Function::New(env, Tunnels));
  exports.Set("routes", Napi::Function::New(env, Routes));
  exports.Set("nexthops", Napi::Function::New(env, Nexthops));
  exports.Set("groups", Napi::Function::New(env, Groups));
  exports.Set("neighbors", Napi::Function::New(env, Neighbors));
  exports.Set("pollEvents", Napi::Function::New(env, PollEvents));
  exports.Set("portAddrSet", Napi::Function::New(env, PortAddrSet));
  exports.Set("eventsDropped", Napi::Function::New(env, EventsDropped));
}

}  // namespace gwa
