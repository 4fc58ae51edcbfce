// SPDX-License-Identifier: Apache-2.0
// Node binding of the dataplane runtime: EAL bring-up, ports, workers, counters. All functions run on Node's
// main thread, which is the EAL main lcore and the single table writer. Counters are read synchronously with
// relaxed loads; nothing here blocks on a worker except stopWorkers/shutdown.
#include <string>
#include <vector>

#include <uv.h>

#include "tables.h"
#include "util.h"

namespace gwa {
namespace {

// EAL keeps pointers into argv for the process lifetime.
std::vector<std::string> eal_args;
std::vector<char *> eal_argv;

const char *const DROP_NAMES[] = {
#define GW_DROP_NAME(e, s) s,
    GW_DROP_REASONS(GW_DROP_NAME)
#undef GW_DROP_NAME
};

Napi::Value DropReasons(const Napi::CallbackInfo &info) {
  Napi::Array a = Napi::Array::New(info.Env(), GW_DROP_MAX);
  for (uint32_t i = 0; i < GW_DROP_MAX; i++) a[i] = Napi::String::New(info.Env(), DROP_NAMES[i]);
  return a;
}

// Port link state is polled on Node's loop (the control thread, the single table writer), never in workers:
// a libuv timer that does not keep the process alive. A link change reaches the pipeline and the punt tap.
constexpr uint64_t LINK_POLL_MS = 100;
uv_timer_t link_timer;
bool link_timer_made = false;  // initialised once: a handle is never initialised twice
bool link_timer_on = false;

void link_timer_start(Napi::Env env) {
  uv_loop_t *loop = nullptr;
  if (link_timer_on) return;
  if (!link_timer_made) {
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_timer_init(loop, &link_timer) != 0) return;
    link_timer_made = true;
  }
  uv_timer_start(&link_timer, [](uv_timer_t *) { rt_ports_link_poll(); }, LINK_POLL_MS, LINK_POLL_MS);
  uv_unref(reinterpret_cast<uv_handle_t *>(&link_timer));
  link_timer_on = true;
}

void link_timer_stop() {
  if (!link_timer_on) return;
  uv_timer_stop(&link_timer);
  link_timer_on = false;
}

uint32_t opt(Napi::Object o, const char *k, uint32_t def) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : def;
}

Napi::Value Init(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) fail(env, "DP_BAD_CONFIG", "init: expected an options object");
  Napi::Object o = info[0].As<Napi::Object>();
  if (!eal_args.empty()) fail(env, "DP_EAL_ALREADY", "EAL initialises once per process");
  Napi::Value av = o.Get("args");
  if (!av.IsArray()) fail(env, "DP_BAD_CONFIG", "init: args must be an array of strings");
  Napi::Array a = av.As<Napi::Array>();
  eal_args.push_back("vpc-gatewayd");
  for (uint32_t i = 0; i < a.Length(); i++) eal_args.push_back(Napi::Value(a[i]).ToString().Utf8Value());
  for (auto &s : eal_args) eal_argv.push_back(s.data());
  eal_argv.push_back(nullptr);

  rt_eal_conf c{};
  c.argc = int(eal_args.size());
  c.argv = eal_argv.data();
  c.n_workers = opt(o, "workers", 1);
  c.control_cpu = int(opt(o, "controlCpu", 0));
  c.n_mbufs = opt(o, "mbufs", 32767);
  // Lab-sized defaults (the FIB reserves its memory per VRF up front: ~300 MiB per VRF at 1M IPv4 routes);
  // production raises them in eal.tables together with eal.memoryMb.
  c.dp.max_vrfs = opt(o, "maxVrfs", 16);
  c.dp.max_routes4 = opt(o, "maxRoutes4", 16384);
  c.dp.max_routes6 = opt(o, "maxRoutes6", 4096);
  c.dp.max_nexthops = opt(o, "maxNexthops", 1u << 16);
  c.dp.max_groups = opt(o, "maxGroups", 1u << 16);
  c.dp.max_neighbors = opt(o, "maxNeighbors", 1u << 16);
  c.dp.nat_sessions = opt(o, "natSessions", 1u << 20);
  int rc = rt_eal_init(&c);
  if (rc < 0) fail(env, rc == -EALREADY ? "DP_EAL_ALREADY" : "DP_EAL_FAILED", rt_last_error());
  tables_init(c.dp.max_vrfs);
  link_timer_start(env);
  unsigned lc[RT_MAX_WORKERS];
  unsigned n = rt_worker_lcores(lc, RT_MAX_WORKERS);
  Napi::Array out = Napi::Array::New(env, n);
  for (unsigned i = 0; i < n; i++) out[i] = lc[i];
  return out;
}

Napi::Object port_obj(Napi::Env env, const rt_port_info &p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", p.port_id);
  o.Set("name", p.name);
  o.Set("device", p.device);
  o.Set("mac", mac_str(p.mac));
  o.Set("mtu", p.mtu);
  o.Set("vrf", p.vrf);
  o.Set("linkUp", p.link_up);
  o.Set("tapName", p.tap_name);
  o.Set("tapPortId", p.tap_port_id);
  return o;
}

Napi::Value AddPort(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  need_eal(env);
  if (info.Length() < 1 || !info[0].IsObject()) fail(env, "DP_BAD_CONFIG", "addPort: expected a port object");
  Napi::Object o = info[0].As<Napi::Object>();
  bool ok = true;
  std::string name = str(o, Napi::String::New(env, "name"), &ok);
  std::string tap = str(o, Napi::String::New(env, "tapName"), &ok);
  std::string device = str(o, Napi::String::New(env, "device"), &ok);
  uint32_t mtu = u32(o, Napi::String::New(env, "mtu"), "mtu", 68, 9600, &ok);
  uint32_t vrf = u32(o, Napi::String::New(env, "vrf"), "vrf", 0, UINT32_MAX, &ok);
  Napi::Value nsv = o.Get("netns");
  std::string ns = nsv.IsString() ? nsv.As<Napi::String>().Utf8Value() : "";
  if (!ok || name.empty() || name.size() >= RT_NAME_MAX || tap.empty() || tap.size() >= 16 || device.empty())
    fail(env, "DP_BAD_CONFIG", "addPort: name, tapName (<16 chars), device, mtu 68..9600, vrf required");
  rt_port_conf c{};
  std::snprintf(c.name, sizeof(c.name), "%s", name.c_str());
  std::snprintf(c.tap_name, sizeof(c.tap_name), "%s", tap.c_str());
  c.device = device.c_str();
  c.netns = ns.empty() ? nullptr : ns.c_str();
  c.mtu = uint16_t(mtu);
  c.vrf = vrf;
  rt_port_info pi;
  int rc = rt_port_add(&c, &pi);
  if (rc < 0) fail(env, rc == -EEXIST ? "DP_PORT_EXISTS" : "DP_PORT_FAILED", rt_last_error());
  return port_obj(env, pi);
}

Napi::Value RemovePort(const Napi::CallbackInfo &info) {
  need_eal(info.Env());
  int rc = rt_port_del(uint16_t(info[0].ToNumber().Uint32Value()));
  if (rc < 0) fail(info.Env(), rc == -ENOENT ? "DP_NO_PORT" : "DP_PORT_FAILED", rt_last_error());
  return info.Env().Undefined();
}

Napi::Value Ports(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uint16_t ids[GW_MAX_PORTS];
  unsigned n = rt_eal_ready() ? rt_port_list(ids, GW_MAX_PORTS) : 0;
  Napi::Array out = Napi::Array::New(env, n);
  for (unsigned i = 0; i < n; i++) {
    rt_port_info pi;
    if (rt_port_get(ids[i], &pi) == 0) out[i] = port_obj(env, pi);
  }
  return out;
}

Napi::BigInt big(Napi::Env env, uint64_t v) {
  return Napi::BigInt::New(env, v);
}

Napi::Value PortStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  need_eal(env);
  rt_port_stats s;
  if (rt_port_stats_get(uint16_t(info[0].ToNumber().Uint32Value()), &s) < 0) fail(env, "DP_NO_PORT", rt_last_error());
  Napi::Object o = Napi::Object::New(env);
  o.Set("rxPackets", big(env, s.rx_packets));
  o.Set("rxBytes", big(env, s.rx_bytes));
  o.Set("txPackets", big(env, s.tx_packets));
  o.Set("txBytes", big(env, s.tx_bytes));
  o.Set("rxMissed", big(env, s.rx_missed));
  o.Set("rxErrors", big(env, s.rx_errors));
  o.Set("txErrors", big(env, s.tx_errors));
  o.Set("rxNoMbuf", big(env, s.rx_nombuf));
  return o;
}

// Counters of one dataplane port id (physical or tap) summed over workers.
Napi::Value PortCounters(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  need_eal(env);
  uint16_t port = uint16_t(info[0].ToNumber().Uint32Value());
  gw_port_counters pc;
  rt_pipeline_counters(port, &pc);
  Napi::Object o = Napi::Object::New(env);
  o.Set("port", port);
  o.Set("rxPackets", big(env, pc.rx_packets));
  o.Set("rxBytes", big(env, pc.rx_bytes));
  o.Set("txPackets", big(env, pc.tx_packets));
  o.Set("txBytes", big(env, pc.tx_bytes));
  o.Set("puntPackets", big(env, pc.punt_packets));
  o.Set("txDrops", big(env, pc.tx_drops));
  Napi::Object d = Napi::Object::New(env);
  for (unsigned r = 0; r < GW_DROP_MAX; r++) d.Set(DROP_NAMES[r], big(env, pc.drops[r]));
  o.Set("drops", d);
  return o;
}

Napi::Value WorkerCounters(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  rt_worker_stats ws[RT_MAX_WORKERS];
  unsigned n = rt_eal_ready() ? rt_worker_stats_get(ws, RT_MAX_WORKERS) : 0;
  Napi::Array out = Napi::Array::New(env, n);
  for (unsigned i = 0; i < n; i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("worker", i);
    o.Set("lcore", ws[i].lcore);
    o.Set("busyPolls", big(env, ws[i].busy_polls));
    o.Set("idlePolls", big(env, ws[i].idle_polls));
    o.Set("sleeps", big(env, ws[i].sleeps));
    o.Set("sleepNs", big(env, ws[i].sleep_ns));
    out[i] = o;
  }
  return out;
}

Napi::Value StartWorkers(const Napi::CallbackInfo &info) {
  need_eal(info.Env());
  if (rt_workers_start() < 0) fail(info.Env(), "DP_WORKERS", rt_last_error());
  return info.Env().Undefined();
}

Napi::Value StopWorkers(const Napi::CallbackInfo &info) {
  rt_workers_stop();
  return info.Env().Undefined();
}

Napi::Value Shutdown(const Napi::CallbackInfo &info) {
  link_timer_stop();
  rt_shutdown();
  tables_clear();
  return info.Env().Undefined();
}

Napi::Value PinControlThreads(const Napi::CallbackInfo &info) {
  need_eal(info.Env());
  return Napi::Number::New(info.Env(), rt_pin_control_threads());
}

}  // namespace

Napi::Object Register(Napi::Env env, Napi::Object exports) {
  exports.Set("dropReasons", Napi::Function::New(env, DropReasons));
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("addPort", Napi::Function::New(env, AddPort));
  exports.Set("removePort", Napi::Function::New(env, RemovePort));
  exports.Set("ports", Napi::Function::New(env, Ports));
  exports.Set("portStats", Napi::Function::New(env, PortStats));
  exports.Set("portCounters", Napi::Function::New(env, PortCounters));
  exports.Set("workerCounters", Napi::Function::New(env, WorkerCounters));
  exports.Set("startWorkers", Napi::Function::New(env, StartWorkers));
  exports.Set("stopWorkers", Napi::Function::New(env, StopWorkers));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown));
  exports.Set("pinControlThreads", Napi::Function::New(env, PinControlThreads));
  tables_register(env, exports);
  return exports;
}

}  // namespace gwa

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return gwa::Register(env, exports);
}

NODE_API_MODULE(gw_dataplane, InitModule)
