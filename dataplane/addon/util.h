// SPDX-License-Identifier: Apache-2.0
// Helpers of the Node binding: typed errors with a stable code, address parsing, property access.
#pragma once

#include <napi.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include <arpa/inet.h>
#include <sys/socket.h>

#include "gw_dp.h"
#include "rt.h"
}

namespace gwa {

// Per-item results of table writes; agent/src/dataplane/native.ts maps them to TableErrorCode.
enum Result : int32_t { OK = 0, INVALID, NOT_FOUND, TABLE_FULL, NO_VRF, NO_NEXTHOP, NO_MEMORY };

inline Result from_errno(int rc, Result enoent = NOT_FOUND) {
  switch (rc) {
    case 0: return OK;
    case -ENOENT: return enoent;
    case -ENOSPC: return TABLE_FULL;
    case -ENOMEM: return NO_MEMORY;
    default: return INVALID;
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

inline bool parse_ip(const std::string &s, gw_ip &ip) {
  std::memset(&ip, 0, sizeof(ip));
  if (inet_pton(AF_INET, s.c_str(), &ip.v4) == 1) {
    ip.family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.v6) == 1) {
    ip.family = AF_INET6;
    return true;
  }
  return false;
}

inline bool parse_prefix(const std::string &s, gw_ip &ip, uint8_t &plen) {
  auto slash = s.find('/');
  if (slash == std::string::npos || slash + 1 >= s.size() || s.size() - slash > 4) return false;
  unsigned len = 0;
  for (size_t i = slash + 1; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    len = len * 10 + unsigned(s[i] - '0');
  }
  if (!parse_ip(s.substr(0, slash), ip)) return false;
  unsigned max = ip.family == AF_INET ? 32 : 128;
  if (len > max) return false;
  uint8_t *b = ip.family == AF_INET ? reinterpret_cast<uint8_t *>(&ip.v4) : ip.v6;
  for (unsigned bit = len; bit < max; bit++) b[bit >> 3] &= uint8_t(~(0x80u >> (bit & 7)));
  plen = uint8_t(len);
  return true;
}

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

inline bool parse_mac(const std::string &s, rte_ether_addr &mac) {
  unsigned v[6];
  char tail;
  if (s.size() != 17 || std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
    return false;
  for (int i = 0; i < 6; i++) mac.addr_bytes[i] = uint8_t(v[i]);
  return true;
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
