// SPDX-License-Identifier: Apache-2.0
// Table writes from JS in batches and their `show`. Routes are listed by walking the pipeline's RIB (a copy of
// 1M routes would double memory and halve the write rate); the small tables (VRFs, nexthops, groups, neighbors)
// keep an ordered copy of what was written, which also answers the per-item checks that need the whole
// picture (VRF exists, group members exist) with a precise result code.
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "tables.h"
#include "util.h"

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
uint32_t max_vrfs;

Napi::Int32Array results(Napi::Env env, const std::vector<int32_t> &r) {
  auto a = Napi::Int32Array::New(env, r.size());
  if (!r.empty()) std::memcpy(a.Data(), r.data(), r.size() * sizeof(int32_t));
  return a;
}

Napi::Array need_array(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsArray()) fail(info.Env(), "DP_BAD_ARGUMENT", "expected an array");
  need_eal(info.Env());
  return info[0].As<Napi::Array>();
}

bool port_ok(uint32_t port) {
  rt_port_info pi;
  return port < GW_MAX_PORTS && rt_port_get(uint16_t(port), &pi) == 0;
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
}

Napi::Value VrfAdd(const Napi::CallbackInfo &info) {
  need_eal(info.Env());
  double v = info[0].ToNumber().DoubleValue();
  if (v != double(int64_t(v)) || v < 0 || v >= max_vrfs) return Napi::Number::New(info.Env(), INVALID);
  uint32_t vrf = uint32_t(v);
  if (vrfs.count(vrf)) return Napi::Number::New(info.Env(), OK);
  int rc = gw_dp_vrf_add(rt_dp(), vrf);
  if (rc == 0 || rc == -EEXIST) {
    vrfs.insert(vrf);
    rc = 0;
  }
  return Napi::Number::New(info.Env(), from_errno(rc));
}

Napi::Value VrfDel(const Napi::CallbackInfo &info) {
  need_eal(info.Env());
  double v = info[0].ToNumber().DoubleValue();
  if (v != double(int64_t(v)) || v <= 0 || v >= max_vrfs) return Napi::Number::New(info.Env(), INVALID);
  uint32_t vrf = uint32_t(v);
  if (!vrfs.count(vrf)) return Napi::Number::New(info.Env(), NOT_FOUND);
  int rc = gw_dp_vrf_del(rt_dp(), vrf);
  if (rc == 0) {
    vrfs.erase(vrf);
  }
  return Napi::Number::New(info.Env(), from_errno(rc));
}

Napi::Value SetNexthops(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array a = need_array(info);
  Napi::String kId = Napi::String::New(env, "id"), kPort = Napi::String::New(env, "port"),
               kGw = Napi::String::New(env, "gateway");
  std::vector<int32_t> r(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value item = a[i];
    if (!item.IsObject()) {
      r[i] = INVALID;
      continue;
    }
    Napi::Object o = item.As<Napi::Object>();
    bool ok = true;
    uint32_t id = u32(o, kId, "id", 1, UINT32_MAX, &ok);
    uint32_t port = u32(o, kPort, "port", 0, GW_MAX_PORTS - 1, &ok);
    gw_nexthop nh{};
    nh.port = uint16_t(port);
    Napi::Value g = o.Get(kGw);
    if (!g.IsUndefined() && (!g.IsString() || !parse_ip(g.As<Napi::String>().Utf8Value(), nh.gw))) ok = false;
    if (!ok || !port_ok(port)) {
      r[i] = INVALID;
      continue;
    }
    int rc = gw_dp_nexthop_set(rt_dp(), id, &nh);
    r[i] = from_errno(rc);
    if (rc == 0) nexthops[id] = {nh.port, nh.gw};
  }
  return results(env, r);
}

// Deletes by id: not_found from the mirror, else the pipeline's answer; the mirror follows successes.
template <typename M>
Napi::Value del_ids(const Napi::CallbackInfo &info, M &mirror, int (*del)(struct gw_dp *, uint32_t)) {
  Napi::Array a = need_array(info);
  std::vector<int32_t> r(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value v = a[i];
    uint32_t id = v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : 0;
    if (!id) {
      r[i] = INVALID;
      continue;
    }
    if (!mirror.count(id)) {
      r[i] = NOT_FOUND;
      continue;
    }
    int rc = del(rt_dp(), id);
    r[i] = from_errno(rc);
    if (rc == 0) mirror.erase(id);
  }
  return results(info.Env(), r);
}

Napi::Value DelNexthops(const Napi::CallbackInfo &info) {
  return del_ids(info, nexthops, gw_dp_nexthop_del);
}

Napi::Value SetGroups(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array a = need_array(info);
  Napi::String kId = Napi::String::New(env, "id"), kMembers = Napi::String::New(env, "members"),
               kNh = Napi::String::New(env, "nexthop"), kW = Napi::String::New(env, "weight");
  std::vector<int32_t> r(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value item = a[i];
    bool ok = item.IsObject();
    uint32_t id = 0;
    GroupEntry ge;
    bool missing = false;
    if (ok) {
      Napi::Object o = item.As<Napi::Object>();
      id = u32(o, kId, "id", 1, UINT32_MAX, &ok);
      Napi::Value mv = o.Get(kMembers);
      if (!mv.IsArray() || mv.As<Napi::Array>().Length() == 0) ok = false;
      if (ok) {
        Napi::Array m = mv.As<Napi::Array>();
        for (uint32_t k = 0; k < m.Length() && ok; k++) {
          Napi::Value e = m[k];
          if (!e.IsObject()) {
            ok = false;
            break;
          }
          uint32_t nh = u32(e.As<Napi::Object>(), kNh, "nexthop", 1, UINT32_MAX, &ok);
          uint32_t w = u32(e.As<Napi::Object>(), kW, "weight", 1, 65535, &ok);
          missing |= ok && !nexthops.count(nh);
          ge.nhs.push_back(nh);
          ge.weights.push_back(uint16_t(w));
        }
      }
    }
    if (!ok) {
      r[i] = INVALID;
      continue;
    }
    if (missing) {
      r[i] = NO_NEXTHOP;
      continue;
    }
    int rc = gw_dp_group_set(rt_dp(), id, ge.nhs.data(), ge.weights.data(), unsigned(ge.nhs.size()));
    r[i] = from_errno(rc, NO_NEXTHOP);
    if (rc == 0) groups[id] = std::move(ge);
  }
  return results(env, r);
}

Napi::Value DelGroups(const Napi::CallbackInfo &info) {
  return del_ids(info, groups, gw_dp_group_del);
}

static const char *KINDS[] = {nullptr, "unicast", "blackhole", "reject", "local"};

Napi::Value ApplyRoutes(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array a = need_array(info);
  Napi::String kOp = Napi::String::New(env, "op"), kVrf = Napi::String::New(env, "vrf"),
               kPrefix = Napi::String::New(env, "prefix"), kTarget = Napi::String::New(env, "target"),
               kKind = Napi::String::New(env, "kind"), kGroup = Napi::String::New(env, "group");
  std::vector<int32_t> r(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value item = a[i];
    if (!item.IsObject()) {
      r[i] = INVALID;
      continue;
    }
    Napi::Object o = item.As<Napi::Object>();
    bool ok = true;
    std::string op = str(o, kOp, &ok);
    uint32_t vrf = u32(o, kVrf, "vrf", 0, UINT32_MAX, &ok);
    std::string pfx = str(o, kPrefix, &ok);
    gw_ip ip;
    uint8_t plen = 0;
    if (!ok || !parse_prefix(pfx, ip, plen) || (op != "add" && op != "del")) {
      r[i] = INVALID;
      continue;
    }
    if (!vrfs.count(vrf)) {
      r[i] = NO_VRF;
      continue;
    }
    if (op == "del") {
      r[i] = from_errno(gw_dp_route_del(rt_dp(), vrf, &ip, plen));
      continue;
    }
    Napi::Value tv = o.Get(kTarget);
    if (!tv.IsObject()) {
      r[i] = INVALID;
      continue;
    }
    Napi::Object t = tv.As<Napi::Object>();
    std::string kind = str(t, kKind, &ok);
    gw_route rt_{};
    if (kind == "unicast") {
      rt_.type = GW_ROUTE_UNICAST;
      rt_.group_id = u32(t, kGroup, "group", 1, UINT32_MAX, &ok);
    } else if (kind == "blackhole") {
      rt_.type = GW_ROUTE_BLACKHOLE;
    } else if (kind == "reject") {
      rt_.type = GW_ROUTE_REJECT;
    } else if (kind == "local") {
      rt_.type = GW_ROUTE_LOCAL;
    } else {
      ok = false;
    }
    if (!ok) {
      r[i] = INVALID;
      continue;
    }
    if (rt_.type == GW_ROUTE_UNICAST && !groups.count(rt_.group_id)) {
      r[i] = NO_NEXTHOP;
      continue;
    }
    r[i] = from_errno(gw_dp_route_add(rt_dp(), vrf, &ip, plen, &rt_), NO_NEXTHOP);
  }
  return results(env, r);
}

Napi::Value SetNeighbors(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array a = need_array(info);
  Napi::String kPort = Napi::String::New(env, "port"), kIp = Napi::String::New(env, "ip"),
               kMac = Napi::String::New(env, "mac");
  std::vector<int32_t> r(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value item = a[i];
    if (!item.IsObject()) {
      r[i] = INVALID;
      continue;
    }
    Napi::Object o = item.As<Napi::Object>();
    bool ok = true;
    uint32_t port = u32(o, kPort, "port", 0, GW_MAX_PORTS - 1, &ok);
    gw_ip ip;
    rte_ether_addr mac;
    if (!ok || !parse_ip(str(o, kIp, &ok), ip) || !parse_mac(str(o, kMac, &ok), mac) || !port_ok(port)) {
      r[i] = INVALID;
      continue;
    }
    int rc = gw_dp_neigh_set(rt_dp(), uint16_t(port), &ip, &mac);
    r[i] = from_errno(rc);
    if (rc == 0) neighbors[{uint16_t(port), key_of(ip, 0)}] = mac;
  }
  return results(env, r);
}

Napi::Value DelNeighbors(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array a = need_array(info);
  Napi::String kPort = Napi::String::New(env, "port"), kIp = Napi::String::New(env, "ip");
  std::vector<int32_t> r(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value item = a[i];
    if (!item.IsObject()) {
      r[i] = INVALID;
      continue;
    }
    Napi::Object o = item.As<Napi::Object>();
    bool ok = true;
    uint32_t port = u32(o, kPort, "port", 0, GW_MAX_PORTS - 1, &ok);
    gw_ip ip;
    if (!ok || !parse_ip(str(o, kIp, &ok), ip)) {
      r[i] = INVALID;
      continue;
    }
    auto it = neighbors.find({uint16_t(port), key_of(ip, 0)});
    if (it == neighbors.end()) {
      r[i] = NOT_FOUND;
      continue;
    }
    int rc = gw_dp_neigh_del(rt_dp(), uint16_t(port), &ip);
    r[i] = from_errno(rc);
    if (rc == 0) neighbors.erase(it);
  }
  return results(env, r);
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
    if (!parse_ip(info[1].As<Napi::String>().Utf8Value(), ip)) return Napi::Number::New(env, INVALID);
  } else if (!info[1].IsNull()) {
    return Napi::Number::New(env, INVALID);
  }
  if (!port_ok(port)) return Napi::Number::New(env, INVALID);
  return Napi::Number::New(env, from_errno(gw_dp_port_addr_set(rt_dp(), uint16_t(port), &ip)));
}

void tables_register(Napi::Env env, Napi::Object exports) {
  exports.Set("vrfAdd", Napi::Function::New(env, VrfAdd));
  exports.Set("vrfDel", Napi::Function::New(env, VrfDel));
  exports.Set("setNexthops", Napi::Function::New(env, SetNexthops));
  exports.Set("delNexthops", Napi::Function::New(env, DelNexthops));
  exports.Set("setGroups", Napi::Function::New(env, SetGroups));
  exports.Set("delGroups", Napi::Function::New(env, DelGroups));
  exports.Set("applyRoutes", Napi::Function::New(env, ApplyRoutes));
  exports.Set("setNeighbors", Napi::Function::New(env, SetNeighbors));
  exports.Set("delNeighbors", Napi::Function::New(env, DelNeighbors));
  exports.Set("routes", Napi::Function::New(env, Routes));
  exports.Set("nexthops", Napi::Function::New(env, Nexthops));
  exports.Set("groups", Napi::Function::New(env, Groups));
  exports.Set("neighbors", Napi::Function::New(env, Neighbors));
  exports.Set("pollEvents", Napi::Function::New(env, PollEvents));
  exports.Set("portAddrSet", Napi::Function::New(env, PortAddrSet));
  exports.Set("eventsDropped", Napi::Function::New(env, EventsDropped));
}

}  // namespace gwa
