// FakeDataplane: an in-memory DataplaneApi with the same validation and result codes as the addon, for unit
// tests of components that program the dataplane (routing manager, API, CLI). No packets move; tests can
// inject worker events and counters through the `fake*` helpers.
import type {
  DataplaneApi,
  DataplaneEvent,
  EalConfig,
  EalInfo,
  NatStatic,
  NatStaticCounters,
  NatCounters,
  NatEvent,
  NatForward,
  NatInside,
  NatPool,
  NatPoolPrefix,
  NatPoolStats,
  NatSession,
  NatSessionFilter,
  Neighbor,
  Nexthop,
  NexthopGroup,
  PeeringCounters,
  PeeringRoute,
  PeeringSource,
  PortConfig,
  PortCounters,
  PortId,
  PortInfo,
  PortStats,
  RouteEntry,
  RouteOp,
  TableErrorCode,
  Tunnel,
  Vni,
  VpcCounters,
  VrfId,
  Vtep,
  WorkerCounters,
} from './api.ts';
import { readFileSync } from 'node:fs';
import { parseIp, parsePrefix } from './addr.ts';
import { batch } from '../../../dataplane/tables/runtime.ts';
import * as tables from '../../../dataplane/tables/gen/tables.gen.ts';
import { DataplaneError } from './errors.ts';

/** Read from dataplane/include/gw_drop_reasons.h, the list the addon compiles in, so names never diverge. */
export const FAKE_DROP_REASONS: string[] = [
  ...readFileSync(new URL('../../../dataplane/include/gw_drop_reasons.h', import.meta.url), 'utf8').matchAll(/X\(\w+, "(\w+)"\)/g),
].map((m) => m[1]!);

export interface FakeLimits {
  maxVrfs: number;
  maxRoutes: number;
  maxNexthops: number;
  maxGroups: number;
  maxPorts: number;
}

/** Peering routes, and peering sources, per source VRF (GW_VPC_MAX_ENTRIES of dataplane/src/modules/vpc/gw_vpc.h). */
export const FAKE_VPC_MAX_ENTRIES = 65536;
/** natStatic entries per peering, and the longest NPTv6 prefix (dataplane/src/modules/nat/gw_nat.h). */
export const FAKE_NAT_STATIC_MAX_PER_PEERING = 1024;
export const FAKE_NPTV6_MAX_PLEN = 112;
/** The classify drop reasons the addon lists per VPC (gw_vpc_drop_reasons). */
const VPC_DROPS = ['vpc_no_peering', 'vpc_source_not_exposed'] as const;

/** napt limits per pool (GW_NAPT_POOL_ADDRS, GW_NAPT_POOL_ENTRIES of dataplane/src/modules/napt/gw_napt.h). */
export const FAKE_NAPT_POOL_ADDRS = 65536;
export const FAKE_NAPT_POOL_ENTRIES = 4096;

const DEFAULT_LIMITS: FakeLimits = { maxVrfs: 256, maxRoutes: 1 << 20, maxNexthops: 1 << 16, maxGroups: 1 << 16, maxPorts: 32 };

const zeroStats = (): PortStats => ({
  rxPackets: 0n, rxBytes: 0n, txPackets: 0n, txBytes: 0n, rxMissed: 0n, rxErrors: 0n, txErrors: 0n, rxNoMbuf: 0n,
});

export class FakeDataplane implements DataplaneApi {
  readonly limits: FakeLimits;
  private eal: EalInfo | undefined;
  private closed = false;
  private running = false;
  private readonly portTable = new Map<PortId, PortInfo>();
  private readonly vrfs = new Set<VrfId>([0]);
  private readonly nhs = new Map<number, Nexthop>();
  private readonly grps = new Map<number, NexthopGroup>();
  private readonly rts = new Map<VrfId, Map<string, RouteEntry>>([[0, new Map()]]);
  private readonly neighs = new Map<string, Neighbor>();
  private vtep: Vtep | undefined;
  private readonly vniMap = new Map<number, Vni>();
  /** Tunnels share the nexthop id space: an id is in nhs or in tuns, never both. */
  private readonly tuns = new Map<number, Tunnel>();
  private readonly events: DataplaneEvent[] = [];
  private readonly counters = new Map<PortId, PortCounters>();
  private readonly stats = new Map<PortId, PortStats>();
  /** Number of applyRoutes/setNexthops/... calls, so tests can check batching. */
  writeCalls = 0;

  constructor(limits: Partial<FakeLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get workersRunning(): boolean {
    return this.running;
  }

  private live(): void {
    if (this.closed) throw new DataplaneError('DP_SHUT_DOWN', 'dataplane was shut down');
    if (!this.eal) throw new DataplaneError('DP_NOT_INITIALIZED', 'init() must be called first');
  }

  init(cfg: EalConfig): EalInfo {
    if (this.eal) throw new DataplaneError('DP_EAL_ALREADY', 'EAL initialises once per process');
    if (cfg.workerCores.length === 0) throw new DataplaneError('DP_BAD_CONFIG', 'at least one worker core');
    if (cfg.workerCores.includes(cfg.controlCore)) {
      throw new DataplaneError('DP_BAD_CONFIG', 'control core must not be a worker core');
    }
    const hugepages = cfg.hugepages === 'on';
    this.eal = {
      hugepages,
      args: ['fake', '-l', [cfg.controlCore, ...cfg.workerCores].join(','), ...(hugepages ? ['--in-memory'] : ['--no-huge'])],
      workerLcores: cfg.workerCores.map((_, i) => i + 1),
    };
    return this.eal;
  }

  dropReasons(): string[] {
    return [...FAKE_DROP_REASONS];
  }

  addPort(cfg: PortConfig): PortInfo {
    this.live();
    if ([...this.portTable.values()].some((p) => p.name === cfg.name)) {
      throw new DataplaneError('DP_PORT_EXISTS', `port ${cfg.name} exists`);
    }
    if (!this.vrfs.has(cfg.vrf)) throw new DataplaneError('DP_NO_VRF', `vrf ${cfg.vrf} does not exist`);
    if (this.portTable.size * 2 + 2 > this.limits.maxPorts) throw new DataplaneError('DP_TOO_MANY_PORTS', 'too many ports');
    // Lowest free even id (DPDK reuses a released port id too); size*2 would collide after a removal.
    let id = 0;
    while (this.portTable.has(id)) id += 2;
    const n = id / 2 + 1;
    const info: PortInfo = {
      id,
      name: cfg.name,
      device: cfg.device,
      mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
      mtu: cfg.mtu,
      vrf: cfg.vrf,
      linkUp: true,
      tapName: cfg.tapName ?? cfg.name,
      tapPortId: id + 1,
    };
    this.portTable.set(id, info);
    this.stats.set(id, zeroStats());
    return { ...info };
  }

  removePort(id: PortId): void {
    this.live();
    if (!this.portTable.delete(id)) throw new DataplaneError('DP_NO_PORT', `no port ${id}`);
    // A later port may get this id again: it starts from zero like a fresh DPDK port.
    this.counters.delete(id);
  }

  ports(): PortInfo[] {
    return [...this.portTable.values()].map((p) => ({ ...p }));
  }

  portStats(id: PortId): PortStats {
    const s = this.stats.get(id);
    if (!s) throw new DataplaneError('DP_NO_PORT', `no port ${id}`);
    return { ...s };
  }

  startWorkers(): void {
    this.live();
    this.running = true;
  }

  stopWorkers(): void {
    this.running = false;
  }

  shutdown(): void {
    this.running = false;
    this.closed = true;
  }

  // Items are checked by the decoders generated from dataplane/tables/tables.yaml, the same checks the addon's
  // C decoders make; what needs the tables (ids in range of the limits, port/VRF/nexthop/group exist) follows in
  // the addon's order.
  addVrf(vrf: VrfId): TableErrorCode {
    const v = tables.decodeVrfsKey(vrf);
    if (v === undefined || v >= this.limits.maxVrfs) return 'invalid';
    this.vrfs.add(v);
    if (!this.rts.has(v)) this.rts.set(v, new Map());
    return 'ok';
  }

  delVrf(vrf: VrfId): TableErrorCode {
    const v = tables.decodeVrfsKey(vrf);
    if (v === undefined || v === 0 || v >= this.limits.maxVrfs) return 'invalid';
    if (!this.vrfs.delete(v)) return 'not_found';
    this.rts.delete(v);
    // as the addon: a deleted VRF takes its peering entries along
    for (const [k, r] of this.pRoutes) if (r.vrf === v) this.pRoutes.delete(k);
    for (const [k, src] of this.pSources) if (src.vrf === v) this.pSources.delete(k);
    for (const [k, e] of this.natSt) if (e.vrf === v) this.natSt.delete(k);
    for (const p of [...this.natPoolMap.values()]) if (p.vrf === v) this.dropNatPool(p.pool);
    return 'ok';
  }

  private write<I>(items: unknown[], decode: (v: unknown) => I | undefined, apply: (item: I) => TableErrorCode): TableErrorCode[] {
    this.writeCalls++;
    return batch(items, decode, apply, 'invalid');
  }

  setNexthops(nhs: Nexthop[]): TableErrorCode[] {
    return this.write(nhs, tables.decodeNexthops, (nh) => {
      if (nh.id > this.limits.maxNexthops || !this.portTable.has(nh.port)) return 'invalid';
      this.nhs.set(nh.id, nh);
      this.tuns.delete(nh.id);
      return 'ok';
    });
  }

  delNexthops(ids: number[]): TableErrorCode[] {
    return this.write(ids, tables.decodeNexthopsKey, (id) => (this.nhs.delete(id) ? 'ok' : 'not_found'));
  }

  setGroups(groups: NexthopGroup[]): TableErrorCode[] {
    return this.write(groups, tables.decodeGroups, (g) => {
      if (g.members.some((m) => !this.nhs.has(m.nexthop) && !this.tuns.has(m.nexthop))) return 'no_nexthop';
      if (g.id > this.limits.maxGroups) return 'invalid';
      this.grps.set(g.id, g);
      return 'ok';
    });
  }

  delGroups(ids: number[]): TableErrorCode[] {
    return this.write(ids, tables.decodeGroupsKey, (id) => (this.grps.delete(id) ? 'ok' : 'not_found'));
  }

  applyRoutes(ops: RouteOp[]): TableErrorCode[] {
    return this.write(ops, tables.decodeRoutesApply, (op) => {
      const table = this.rts.get(op.vrf);
      if (!table) return 'no_vrf';
      if (op.op === 'del') return table.delete(op.prefix) ? 'ok' : 'not_found';
      if (op.target.kind === 'unicast' && !this.grps.has(op.target.group)) return 'no_nexthop';
      if (!table.has(op.prefix) && table.size >= this.limits.maxRoutes) return 'table_full';
      table.set(op.prefix, { vrf: op.vrf, prefix: op.prefix, target: op.target });
      return 'ok';
    });
  }

  setNeighbors(ns: Neighbor[]): TableErrorCode[] {
    return this.write(ns, tables.decodeNeighbors, (n) => {
      if (!this.portTable.has(n.port)) return 'invalid';
      this.neighs.set(`${n.port}/${n.ip}`, n);
      return 'ok';
    });
  }

  delNeighbors(ns: Pick<Neighbor, 'port' | 'ip'>[]): TableErrorCode[] {
    return this.write(ns, tables.decodeNeighborsKey, (n) => (this.neighs.delete(`${n.port}/${n.ip}`) ? 'ok' : 'not_found'));
  }

  setVteps(vs: Vtep[]): TableErrorCode[] {
    return this.write(vs, tables.decodeVteps, (v) => {
      if (v.ip === '0.0.0.0') return 'invalid';
      if (this.vtep && this.vtep.ip !== v.ip) return 'table_full';
      this.vtep = v;
      return 'ok';
    });
  }

  delVteps(ips: string[]): TableErrorCode[] {
    return this.write(ips, tables.decodeVtepsKey, (ip) => {
      if (this.vtep?.ip !== ip) return 'not_found';
      this.vtep = undefined;
      return 'ok';
    });
  }

  setVnis(vs: Vni[]): TableErrorCode[] {
    return this.write(vs, tables.decodeVnis, (v) => {
      if (!this.vrfs.has(v.vrf)) return 'no_vrf';
      if (!this.vniMap.has(v.vni) && this.vniMap.size >= this.limits.maxVrfs) return 'table_full';
      this.vniMap.set(v.vni, v);
      return 'ok';
    });
  }

  delVnis(vnis: number[]): TableErrorCode[] {
    return this.write(vnis, tables.decodeVnisKey, (vni) => (this.vniMap.delete(vni) ? 'ok' : 'not_found'));
  }

  setTunnels(ts: Tunnel[]): TableErrorCode[] {
    return this.write(ts, tables.decodeTunnels, (t) => {
      if (t.id > this.limits.maxNexthops || t.vtep === '0.0.0.0') return 'invalid';
      this.tuns.set(t.id, t);
      this.nhs.delete(t.id);
      return 'ok';
    });
  }

  delTunnels(ids: number[]): TableErrorCode[] {
    return this.write(ids, tables.decodeTunnelsKey, (id) => (this.tuns.delete(id) ? 'ok' : 'not_found'));
  }

  // ---- VPC classify tables (vpc module): the addon's checks, in its order ----
  private readonly pRoutes = new Map<string, PeeringRoute>();
  private readonly pSources = new Map<string, PeeringSource>();
  private readonly vpcCnt = new Map<VrfId, VpcCounters>();
  private readonly peerCnt = new Map<number, PeeringCounters>();

  private perVrf(m: Map<string, { vrf: VrfId }>, vrf: VrfId): number {
    let n = 0;
    for (const e of m.values()) if (e.vrf === vrf) n++;
    return n;
  }

  setPeeringRoutes(items: PeeringRoute[]): TableErrorCode[] {
    return this.write(items, tables.decodePeeringRoutes, (r) => {
      if (!this.vrfs.has(r.vrf) || !this.vrfs.has(r.dstVrf)) return 'no_vrf';
      const k = `${r.vrf}/${r.prefix}`;
      if (!this.pRoutes.has(k) && this.perVrf(this.pRoutes, r.vrf) >= FAKE_VPC_MAX_ENTRIES) return 'table_full';
      this.pRoutes.set(k, r);
      return 'ok';
    });
  }

  delPeeringRoutes(items: Pick<PeeringRoute, 'vrf' | 'prefix'>[]): TableErrorCode[] {
    return this.write(items, tables.decodePeeringRoutesKey, (r) => (this.pRoutes.delete(`${r.vrf}/${r.prefix}`) ? 'ok' : 'not_found'));
  }

  setPeeringSources(items: PeeringSource[]): TableErrorCode[] {
    return this.write(items, tables.decodePeeringSources, (src) => {
      if (!this.vrfs.has(src.vrf)) return 'no_vrf';
      const k = `${src.vrf}/${src.peering}/${src.prefix}`;
      if (!this.pSources.has(k) && this.perVrf(this.pSources, src.vrf) >= FAKE_VPC_MAX_ENTRIES) return 'table_full';
      this.pSources.set(k, src);
      return 'ok';
    });
  }

  delPeeringSources(items: Pick<PeeringSource, 'vrf' | 'peering' | 'prefix'>[]): TableErrorCode[] {
    return this.write(items, tables.decodePeeringSourcesKey, (src) =>
      this.pSources.delete(`${src.vrf}/${src.peering}/${src.prefix}`) ? 'ok' : 'not_found',
    );
  }

  peeringRoutes(): PeeringRoute[] {
    return [...this.pRoutes.values()].map((r) => ({ ...r }));
  }

  peeringSources(): PeeringSource[] {
    return [...this.pSources.values()].map((src) => ({ ...src }));
  }

  // ---- static NAT (nat module): the addon's and the pipeline's checks, in their order ----
  private readonly natSt = new Map<string, NatStatic>();
  private readonly natStCnt = new Map<number, bigint>();

  setNatStatic(items: NatStatic[]): TableErrorCode[] {
    return this.write(items, tables.decodeNatStatic, (e) => {
      if (!this.vrfs.has(e.vrf)) return 'no_vrf';
      const [ipsAddr, ipsLen] = e.ips.split('/');
      const [asAddr, asLen] = e.as.split('/');
      const v6 = ipsAddr!.includes(':');
      if (v6 !== asAddr!.includes(':') || ipsLen !== asLen || (v6 && Number(ipsLen) > FAKE_NPTV6_MAX_PLEN)) return 'invalid';
      const k = `${e.peering}/${e.vrf}/${e.ips}`;
      if (!this.natSt.has(k) && [...this.natSt.values()].filter((x) => x.peering === e.peering).length >= FAKE_NAT_STATIC_MAX_PER_PEERING) {
        return 'table_full';
      }
      this.natSt.set(k, e);
      return 'ok';
    });
  }

  delNatStatic(items: Pick<NatStatic, 'peering' | 'vrf' | 'ips'>[]): TableErrorCode[] {
    return this.write(items, tables.decodeNatStaticKey, (e) => (this.natSt.delete(`${e.peering}/${e.vrf}/${e.ips}`) ? 'ok' : 'not_found'));
  }

  natStatic(): NatStatic[] {
    return [...this.natSt.values()].map((e) => ({ ...e }));
  }

  /** Every peering id with natStatic entries, as the addon lists them. */
  natStaticCounters(): NatStaticCounters[] {
    const ids = new Set([...this.natSt.values()].map((e) => e.peering));
    return [...ids].sort((a, b) => a - b).map((peering) => ({ peering, translations: this.natStCnt.get(peering) ?? 0n }));
  }

  /** Adds to a peering's static NAT translations as if workers had translated packets (test helper). */
  fakeNatStaticTraffic(peering: number, packets: bigint): void {
    this.natStCnt.set(peering, (this.natStCnt.get(peering) ?? 0n) + packets);
  }

  /** Every VRF but 0, as the addon lists them. */
  vpcCounters(): VpcCounters[] {
    return [...this.vrfs].filter((v) => v !== 0).sort((a, b) => a - b).map((vrf) => {
      const c = this.vpcCnt.get(vrf) ?? this.emptyVpcCounters(vrf);
      return { ...c, drops: { ...c.drops } };
    });
  }

  /** Every peering id some peering route or source names. */
  peeringCounters(): PeeringCounters[] {
    const ids = new Set([...this.pRoutes.values(), ...this.pSources.values()].map((e) => e.peering));
    return [...ids].sort((a, b) => a - b).map((peering) => ({ ...(this.peerCnt.get(peering) ?? { peering, packets: 0n, bytes: 0n }) }));
  }

  /** Adds to a VPC's counters as if workers had classified packets (test helper). */
  fakeVpcTraffic(vrf: VrfId, add: Partial<Omit<VpcCounters, 'vrf' | 'drops'>> & { drops?: Record<string, bigint> }): void {
    const c = this.vpcCnt.get(vrf) ?? this.emptyVpcCounters(vrf);
    for (const k of ['rxPackets', 'rxBytes', 'txPackets', 'txBytes'] as const) c[k] += add[k] ?? 0n;
    for (const [r, v] of Object.entries(add.drops ?? {})) {
      if (!(r in c.drops)) throw new Error(`not a VPC drop reason: ${r}`);
      c.drops[r]! += v;
    }
    this.vpcCnt.set(vrf, c);
  }

  /** Adds to a peering's counters as if workers had routed packets through it (test helper). */
  fakePeeringTraffic(peering: number, packets: bigint, bytes: bigint): void {
    const c = this.peerCnt.get(peering) ?? { peering, packets: 0n, bytes: 0n };
    this.peerCnt.set(peering, { peering, packets: c.packets + packets, bytes: c.bytes + bytes });
  }

  private emptyVpcCounters(vrf: VrfId): VpcCounters {
    return { vrf, rxPackets: 0n, rxBytes: 0n, txPackets: 0n, txBytes: 0n, drops: Object.fromEntries(VPC_DROPS.map((r) => [r, 0n])) };
  }

  // ---- napt (stateful NAT): the addon's checks, in its order; sessions are injected by tests ----
  private readonly natPoolMap = new Map<number, NatPool>();
  private readonly natPrefixMap = new Map<string, NatPoolPrefix>();
  private readonly natInsideMap = new Map<string, NatInside>();
  private readonly natForwardMap = new Map<string, NatForward>();
  private readonly natSessionMap = new Map<number, NatSession>();
  private readonly natCnt = new Map<number, { created: bigint; expired: bigint; translations: bigint }>();
  private readonly natExhausted = new Map<number, bigint>();
  private natEventsOn = false;
  private readonly natEventQueue: NatEvent[] = [];

  private perPool(m: Map<string, { pool: number }>, pool: number): number {
    let n = 0;
    for (const e of m.values()) if (e.pool === pool) n++;
    return n;
  }

  private dropNatPool(pool: number): void {
    this.natPoolMap.delete(pool);
    for (const m of [this.natPrefixMap, this.natInsideMap, this.natForwardMap] as Map<string, { pool: number }>[]) {
      for (const [k, e] of m) if (e.pool === pool) m.delete(k);
    }
    this.natClearWhere((s) => s.pool === pool);
  }

  private natAddresses(pool: number): number {
    let n = 0;
    for (const e of this.natPrefixMap.values()) {
      if (e.pool !== pool) continue;
      const p = parsePrefix(e.prefix)!;
      n += 2 ** ((p.family === 4 ? 32 : 128) - p.len);
    }
    return n;
  }

  setNatPools(items: NatPool[]): TableErrorCode[] {
    return this.write(items, tables.decodeNatPools, (p) => {
      if (!this.vrfs.has(p.vrf)) return 'no_vrf';
      const old = this.natPoolMap.get(p.pool);
      if (old && (old.peering !== p.peering || old.vrf !== p.vrf || old.mode !== p.mode)) this.natClearWhere((s) => s.pool === p.pool);
      this.natPoolMap.set(p.pool, p);
      return 'ok';
    });
  }

  delNatPools(ids: number[]): TableErrorCode[] {
    return this.write(ids, tables.decodeNatPoolsKey, (id) => {
      if (!this.natPoolMap.has(id)) return 'not_found';
      this.dropNatPool(id);
      return 'ok';
    });
  }

  setNatPoolPrefixes(items: NatPoolPrefix[]): TableErrorCode[] {
    return this.write(items, tables.decodeNatPoolPrefixes, (e) => {
      if (!this.natPoolMap.has(e.pool)) return 'not_found';
      const k = `${e.pool}/${e.prefix}`;
      if (this.natPrefixMap.has(k)) return 'ok';
      const p = parsePrefix(e.prefix)!;
      const host = (p.family === 4 ? 32 : 128) - p.len;
      if (host > 16 || this.natAddresses(e.pool) + 2 ** host > FAKE_NAPT_POOL_ADDRS) return 'table_full';
      if (this.perPool(this.natPrefixMap, e.pool) >= FAKE_NAPT_POOL_ENTRIES) return 'table_full';
      this.natPrefixMap.set(k, e);
      return 'ok';
    });
  }

  delNatPoolPrefixes(items: NatPoolPrefix[]): TableErrorCode[] {
    return this.write(items, tables.decodeNatPoolPrefixesKey, (e) => {
      if (!this.natPrefixMap.delete(`${e.pool}/${e.prefix}`)) return 'not_found';
      const p = parsePrefix(e.prefix)!;
      this.natClearWhere((s) => s.pool === e.pool && inPrefix(s.outside.addr, p.family, p.text));
      return 'ok';
    });
  }

  setNatInside(items: NatInside[]): TableErrorCode[] {
    return this.write(items, tables.decodeNatInside, (e) => {
      if (!this.natPoolMap.has(e.pool)) return 'not_found';
      const k = `${e.pool}/${e.prefix}`;
      if (!this.natInsideMap.has(k) && this.perPool(this.natInsideMap, e.pool) >= FAKE_NAPT_POOL_ENTRIES) return 'table_full';
      this.natInsideMap.set(k, e);
      return 'ok';
    });
  }

  delNatInside(items: NatInside[]): TableErrorCode[] {
    return this.write(items, tables.decodeNatInsideKey, (e) => (this.natInsideMap.delete(`${e.pool}/${e.prefix}`) ? 'ok' : 'not_found'));
  }

  setNatForwards(items: NatForward[]): TableErrorCode[] {
    return this.write(items, tables.decodeNatForwards, (f) => {
      if (!this.natPoolMap.has(f.pool)) return 'not_found';
      if (parseIp(f.addr)!.family !== parseIp(f.inside)!.family) return 'invalid';
      const k = `${f.pool}/${f.proto}/${f.addr}/${f.port}`;
      if (!this.natForwardMap.has(k) && this.perPool(this.natForwardMap, f.pool) >= FAKE_NAPT_POOL_ENTRIES) return 'table_full';
      this.natForwardMap.set(k, f);
      return 'ok';
    });
  }

  delNatForwards(items: Pick<NatForward, 'pool' | 'proto' | 'addr' | 'port'>[]): TableErrorCode[] {
    return this.write(items, tables.decodeNatForwardsKey, (f) =>
      this.natForwardMap.delete(`${f.pool}/${f.proto}/${f.addr}/${f.port}`) ? 'ok' : 'not_found',
    );
  }

  /** What the napt tables hold, as written (test helper: the addon keeps the same mirror). */
  natTables(): { pools: NatPool[]; prefixes: NatPoolPrefix[]; inside: NatInside[]; forwards: NatForward[] } {
    return {
      pools: [...this.natPoolMap.values()].map((p) => ({ ...p })),
      prefixes: [...this.natPrefixMap.values()].map((p) => ({ ...p })),
      inside: [...this.natInsideMap.values()].map((p) => ({ ...p })),
      forwards: [...this.natForwardMap.values()].map((p) => ({ ...p })),
    };
  }

  private natMatch(s: NatSession, f: NatSessionFilter): boolean {
    const addr = f.addr === undefined ? undefined : parseIp(f.addr)?.text;
    return (
      (f.vrf === undefined || s.vrf === f.vrf) &&
      (f.peering === undefined || s.peering === f.peering) &&
      (f.proto === undefined || s.proto === f.proto) &&
      (addr === undefined || [s.inside.addr, s.outside.addr, s.remote.addr].includes(addr))
    );
  }

  private checkNatFilter(f: NatSessionFilter): void {
    if (f.addr !== undefined && parseIp(f.addr) === undefined) throw new DataplaneError('DP_BAD_ARGUMENT', `nat session filter: addr ${f.addr} is not an IP address`);
  }

  private natClearWhere(pred: (s: NatSession) => boolean): number {
    let n = 0;
    for (const [id, s] of this.natSessionMap) {
      if (!pred(s)) continue;
      this.natSessionMap.delete(id);
      this.natCount(s.peering).expired++;
      if (this.natEventsOn) this.natEventQueue.push({ type: 'delete', session: { ...s } });
      n++;
    }
    return n;
  }

  private natCount(peering: number): { created: bigint; expired: bigint; translations: bigint } {
    let c = this.natCnt.get(peering);
    if (!c) this.natCnt.set(peering, (c = { created: 0n, expired: 0n, translations: 0n }));
    return c;
  }

  natSessions(filter: NatSessionFilter = {}, limit = 1000, after = 0): NatSession[] {
    this.checkNatFilter(filter);
    return [...this.natSessionMap.values()]
      .filter((s) => s.id > after && this.natMatch(s, filter))
      .sort((a, b) => a.id - b.id)
      .slice(0, Math.max(0, Math.min(limit, 65536)))
      .map((s) => ({ ...s, inside: { ...s.inside }, outside: { ...s.outside }, remote: { ...s.remote } }));
  }

  natClear(filter: NatSessionFilter = {}): number {
    this.checkNatFilter(filter);
    return this.natClearWhere((s) => this.natMatch(s, filter));
  }

  natPoolStats(): NatPoolStats[] {
    return [...this.natPoolMap.values()]
      .sort((a, b) => a.pool - b.pool)
      .map((p) => {
        const sessions = [...this.natSessionMap.values()].filter((s) => s.pool === p.pool);
        return {
          pool: p.pool,
          peering: p.peering,
          vrf: p.vrf,
          mode: p.mode,
          addresses: this.natAddresses(p.pool),
          portsInUse: new Set(sessions.map((s) => `${s.proto}/${s.outside.addr}/${s.outside.port}`)).size,
          sessions: sessions.length,
          exhausted: this.natExhausted.get(p.pool) ?? 0n,
        };
      });
  }

  /** Every peering some pool is on. */
  natCounters(): NatCounters[] {
    const ids = new Set([...this.natPoolMap.values()].map((p) => p.peering));
    return [...ids]
      .sort((a, b) => a - b)
      .map((peering) => ({
        peering,
        ...this.natCount(peering),
        active: [...this.natSessionMap.values()].filter((s) => s.peering === peering).length,
      }));
  }

  natEventsEnable(on: boolean): void {
    this.natEventsOn = on;
  }

  natEvents(max: number): NatEvent[] {
    return this.natEventQueue.splice(0, Math.max(0, max));
  }

  natEventsDropped(): bigint {
    return 0n;
  }

  /** Adds a session as if a worker had created it (test helper): its pool must exist; id = the next free one
   *  unless given. */
  fakeNatSession(s: Omit<NatSession, 'id'> & { id?: number }, translations = 1n): NatSession {
    const pool = this.natPoolMap.get(s.pool);
    if (!pool) throw new Error(`fakeNatSession: no pool ${s.pool}`);
    let id = s.id ?? 1;
    while (s.id === undefined && this.natSessionMap.has(id)) id++;
    const full: NatSession = { ...s, id, peering: pool.peering, vrf: pool.vrf };
    this.natSessionMap.set(id, full);
    const c = this.natCount(pool.peering);
    c.created++;
    c.translations += translations;
    if (this.natEventsOn) this.natEventQueue.push({ type: 'create', session: { ...full } });
    return full;
  }

  /** Counts packets a pool dropped for want of a free port (test helper). */
  fakeNatExhausted(pool: number, packets: bigint): void {
    this.natExhausted.set(pool, (this.natExhausted.get(pool) ?? 0n) + packets);
  }

  /** ICMP source addresses per port, as the addon would keep them. */
  readonly portAddresses = new Map<PortId, string[]>();

  setPortAddresses(port: PortId, addresses: string[]): TableErrorCode {
    if (!this.portTable.has(port)) return 'invalid';
    const ips = addresses.map((a) => parseIp(a.split('/')[0]));
    if (ips.some((x) => !x)) return 'invalid';
    this.portAddresses.set(port, ips.map((x) => x!.text));
    return 'ok';
  }

  routes(vrf: VrfId): RouteEntry[] {
    return [...(this.rts.get(vrf)?.values() ?? [])].map((r) => ({ ...r, target: { ...r.target } }));
  }

  nexthops(): Nexthop[] {
    return [...this.nhs.values()].map((n) => ({ ...n }));
  }

  groups(): NexthopGroup[] {
    return [...this.grps.values()].map((g) => ({ id: g.id, members: g.members.map((m) => ({ ...m })) }));
  }

  neighbors(): Neighbor[] {
    return [...this.neighs.values()].map((n) => ({ ...n }));
  }

  vteps(): Vtep[] {
    return this.vtep ? [{ ...this.vtep }] : [];
  }

  vnis(): Vni[] {
    return [...this.vniMap.values()].sort((a, b) => a.vni - b.vni).map((v) => ({ ...v }));
  }

  tunnels(): Tunnel[] {
    return [...this.tuns.values()].sort((a, b) => a.id - b.id).map((t) => ({ ...t }));
  }

  workerCounters(): WorkerCounters[] {
    return (this.eal?.workerLcores ?? []).map((lcore, worker) => ({ worker, lcore, busyPolls: 0n, idlePolls: 0n, sleeps: 0n }));
  }

  portCounters(): PortCounters[] {
    // Copies: a caller keeping a snapshot (counter baselines) must not see it change under it.
    return [...this.portTable.keys()].map((port) => {
      const c = this.counters.get(port) ?? this.emptyCounters(port);
      return { ...c, drops: { ...c.drops } };
    });
  }

  pollEvents(max: number): DataplaneEvent[] {
    return this.events.splice(0, max);
  }

  /** Runtime counters as the addon names them; tests add to them with fakeRuntime(). */
  private readonly runtime: Record<string, bigint> = { events_dropped: 0n, worker_sleep_ns: 0n };

  runtimeCounters(): Record<string, bigint> {
    return { ...this.runtime };
  }

  fakeRuntime(name: string, add: bigint): void {
    this.runtime[name] = (this.runtime[name] ?? 0n) + add;
  }

  // ---- test helpers ----

  /** Queues an event as if a worker had produced it. */
  fakeEvent(ev: DataplaneEvent): void {
    this.events.push(ev);
  }

  /** Adds to a port's counters as if workers had moved packets. */
  fakeTraffic(port: PortId, add: Partial<Omit<PortCounters, 'port' | 'drops'>> & { drops?: Record<string, bigint> }): void {
    const c = this.counters.get(port) ?? this.emptyCounters(port);
    for (const k of ['rxPackets', 'rxBytes', 'txPackets', 'txBytes', 'puntPackets', 'txDrops'] as const) {
      c[k] += add[k] ?? 0n;
    }
    for (const [r, v] of Object.entries(add.drops ?? {})) {
      if (!(r in c.drops)) throw new Error(`unknown drop reason ${r}`);
      c.drops[r]! += v;
    }
    this.counters.set(port, c);
  }

  private emptyCounters(port: PortId): PortCounters {
    return {
      port, rxPackets: 0n, rxBytes: 0n, txPackets: 0n, txBytes: 0n, puntPackets: 0n, txDrops: 0n,
      drops: Object.fromEntries(FAKE_DROP_REASONS.map((r) => [r, 0n])),
    };
  }
}

/** Whether address text `a` lies in prefix `prefix` (both canonical) of the given family. */
function inPrefix(a: string, family: 4 | 6, prefix: string): boolean {
  const ip = parseIp(a);
  const p = parsePrefix(prefix);
  if (!ip || !p || ip.family !== family || p.family !== family) return false;
  const base = p.bytes;
  for (let bit = 0; bit < p.len; bit++) {
    const m = 0x80 >> (bit % 8);
    if ((ip.bytes[bit >> 3]! & m) !== (base[bit >> 3]! & m)) return false;
  }
  return true;
}
