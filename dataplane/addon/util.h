// SPDX-License-Identifier: Apache-2.0
// Helpers of the Node binding: typed errors with a stable code, address formatting, property access. Address
// parsing is dataplane/tables/gw_addr.h, shared with gw-replay and the generated table decoders.
#pragma once

#include <napi.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include <arpa/inet.h>
#include <sys/socket.h>

#include "gen/gw_tables.h"
#include "gw_dp.h"
#include "rt.h"
#include "vxlan/gw_vxlan.h"
}

namespace gwa {

// Per-item result (GW_TABLE_RESULTS, generated from dataplane/tables/tables.yaml) of a pipeline write.
inline int32_t from_errno(int rc, int32_t enoent = GW_TR_NOT_FOUND) {
  switch (rc) {
    case 0: return GW_TR_OK;
    case -ENOENT: return enoent;
    case -ENOSPC: return GW_TR_TABLE_FULL;
    case -ENOMEM: return GW_TR_NO_MEMORY;
    default: return GW_TR_INVALID;
  }
}

[[noreturn]] inline void fail(Napi::Env env, const char *code, const std::string &msg) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  throw e;
}

inline void need_eal(Napi::Env env) {
  if (!rt_eal_ready()) fail(env, "DP_NOT_INITIALIZED", "dataplane not initialised (init() first)");
}

// Family byte, prefix length, 16 address bytes: ordered key of the show mirrors.
using Key = std::array<uint8_t, 18>;

inline Key key_of(const gw_ip &ip, uint8_t plen) {
  Key k{};
  k[0] = ip.family;
  k[1] = plen;
  std::memcpy(&k[2], ip.family == AF_INET ? static_cast<const void *>(&ip.v4) : ip.v6, ip.family == AF_INET ? 4 : 16);
  return k;
}

inline gw_ip ip_of(const Key &k) {
  gw_ip ip{};
  ip.family = k[0];
  std::memcpy(ip.family == AF_INET ? static_cast<void *>(&ip.v4) : ip.v6, &k[2], ip.family == AF_INET ? 4 : 16);
  return ip;
}

inline std::string ip_str(const gw_ip &ip) {
  char buf[INET6_ADDRSTRLEN];
  if (!inet_ntop(ip.family, ip.family == AF_INET ? static_cast<const void *>(&ip.v4) : ip.v6, buf, sizeof(buf)))
    return "";
  return buf;
}

inline std::string mac_str(const rte_ether_addr &mac) {
  char buf[RTE_ETHER_ADDR_FMT_SIZE];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac.addr_bytes[0], mac.addr_bytes[1],
                mac.addr_bytes[2], mac.addr_bytes[3], mac.addr_bytes[4], mac.addr_bytes[5]);
  return buf;
}

// Integer property in [lo, hi] or a typed error naming the field.
inline uint32_t u32(Napi::Object o, const Napi::Value &key, const char *what, uint32_t lo, uint32_t hi, bool *ok) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) {
    *ok = false;
    return 0;
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != double(int64_t(d)) || d < lo || d > hi) {
    *ok = false;
    return 0;
  }
  (void)what;
  return uint32_t(d);
}

inline std::string str(Napi::Object o, const Napi::Value &key, bool *ok) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) {
    *ok = false;
    return "";
  }
  return v.As<Napi::String>().Utf8Value();
}

}  // namespace gwa
