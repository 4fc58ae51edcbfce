// The DPDK dataplane: DataplaneApi over the node-addon-api binding in dataplane/build. Validates at this edge
// (EAL config, port config), turns addon result numbers into TableErrorCode, and owns the process-wide EAL
// (the addon refuses a second init; so does this wrapper, with a typed error).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
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
  RouteTarget,
  TableErrorCode,
  TableLimits,
  Tunnel,
  Vni,
  VpcCounters,
  VrfId,
  Vtep,
  WorkerCounters,
} from './api.ts';
import { DataplaneError } from './errors.ts';
import { ealArgs, type HugepagePlan, planHugepages } from './hugepages.ts';
import { parseIp } from './addr.ts';
import { parseDevice } from './device.ts';
import { TABLE_RESULTS, type TablesAddon } from '../../../dataplane/tables/gen/tables.gen.ts';

/** Shape of the binding (dataplane/addon/*.cc); its table writes are generated from dataplane/tables/tables.yaml. */
export interface Addon extends TablesAddon {
  dropReasons(): string[];
  init(o: { args: string[]; workers: number; controlCpu: number; mbufs: number } & TableLimits): number[];
  addPort(o: { name: string; tapName: string; device: string; netns?: string; mtu: number; vrf: number }): PortInfo;
  removePort(id: number): void;
  ports(): PortInfo[];
  portStats(id: number): PortStats;
  portCounters(id: number): PortCounters;
  workerCounters(): WorkerCounters[];
  startWorkers(): void;
  stopWorkers(): void;
  shutdown(): void;
  pinControlThreads(): number;
  routes(vrf: number): { prefix: string; kind: RouteTarget['kind']; group?: number }[];
  nexthops(): Nexthop[];
  groups(): NexthopGroup[];
  neighbors(): Neighbor[];
  vteps(): Vtep[];
  vnis(): Vni[];
  tunnels(): Tunnel[];
  pollEvents(max: number): DataplaneEvent[];
  portAddrSet(port: number, ip: string | null): number;
  eventsDropped(): bigint;
  peeringRoutes(): PeeringRoute[];
  peeringSources(): PeeringSource[];
  vpcCounters(): VpcCounters[];
  peeringCounters(): PeeringCounters[];
  natStatic(): NatStatic[];
  natStaticCounters(): NatStaticCounters[];
  natSessions(filter: NatSessionFilter, limit: number, after: number): NatSession[];
  natClear(filter: NatSessionFilter): number;
  natPoolStats(): NatPoolStats[];
  natCounters(): NatCounters[];
  natEventsEnable(on: boolean): void;
  natEvents(max: number): NatEvent[];
  natEventsDropped(): bigint;
}

/** Index = result number of the addon (GW_TABLE_RESULTS of dataplane/tables/gen/gw_tables.h). */
const CODES: readonly TableErrorCode[] = TABLE_RESULTS;
/** Rejected table-write items by result code, for /metrics (runtimeCounters: table_rejects_<code>). */
const rejects = new Map<TableErrorCode, bigint>();
const codes = (r: Int32Array): TableErrorCode[] =>
  Array.from(r, (x) => {
    const c = CODES[x] ?? 'invalid';
    if (c !== 'ok') rejects.set(c, (rejects.get(c) ?? 0n) + 1n);
    return c;
  });

export const ADDON_PATH = fileURLToPath(new URL('../../../dataplane/build/Release/gw_dataplane.node', import.meta.url));

let loaded: Addon | undefined;
/** The EAL belongs to the process, not to one NativeDataplane. */
let ealTaken = false;

/** Loads the binding once; throws DP_ADDON_MISSING with the build command when it was not built. */
export function loadAddon(path = ADDON_PATH): Addon {
  if (loaded) return loaded;
  if (!existsSync(path)) {
    throw new DataplaneError('DP_ADDON_MISSING', `${path} not built: run scripts/setup.sh (or npm run build)`);
  }
  const addon = createRequire(import.meta.url)(path) as Addon;
  // Both lists come from tables.yaml; they differ only when the addon was built before the schema changed.
  const built = addon.tableResults().join(' ');
  if (built !== CODES.join(' ')) {
    throw new DataplaneError('DP_ADDON_MISSING', `${path} is stale (result codes "${built}"): run npm run build`);
  }
  loaded = addon;
  return loaded;
}

const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

function checkCores(cfg: EalConfig, online: number): void {
  const all = [cfg.controlCore, ...cfg.workerCores];
  if (cfg.workerCores.length === 0) throw new DataplaneError('DP_BAD_CONFIG', 'eal.workerCores: at least one worker core');
  if (cfg.workerCores.length > 16) throw new DataplaneError('DP_BAD_CONFIG', 'eal.workerCores: at most 16 workers');
  for (const c of all) {
    if (!Number.isInteger(c) || c < 0 || c >= online) {
      throw new DataplaneError('DP_BAD_CONFIG', `eal: core ${c} is not an online CPU (0..${online - 1})`);
    }
  }
  // A worker on the control core competes with Node's thread: allowed only when every online CPU already has a
  // worker (a 2-CPU machine with two workers), where no better place exists.
  const shared = cfg.workerCores.includes(cfg.controlCore) && cfg.workerCores.length >= online;
  if (new Set(cfg.workerCores).size !== cfg.workerCores.length || (new Set(all).size !== all.length && !shared)) {
    throw new DataplaneError('DP_BAD_CONFIG', 'eal: worker cores must be distinct and not the control core (unless every online CPU has a worker)');
  }
}

export class NativeDataplane implements DataplaneApi {
  private eal: EalInfo | undefined;
  private plan: HugepagePlan | undefined;
  private closed = false;
  private readonly counterSources: (() => Record<string, bigint>)[] = [];

  constructor(
    private readonly addon: Addon = loadAddon(),
    private readonly onlineCpus = 0,
  ) {}

  /** The hugepage decision taken at init (for logs and `show`). */
  get hugepagePlan(): HugepagePlan | undefined {
    return this.plan;
  }

  private live(): void {
    if (this.closed) throw new DataplaneError('DP_SHUT_DOWN', 'dataplane was shut down');
    if (!this.eal) throw new DataplaneError('DP_NOT_INITIALIZED', 'init() must be called first');
  }

  init(cfg: EalConfig): EalInfo {
    if (this.eal || ealTaken) throw new DataplaneError('DP_EAL_ALREADY', 'EAL initialises once per process');
    checkCores(cfg, this.onlineCpus || cpus().length);
    if (!Number.isInteger(cfg.memoryMb) || cfg.memoryMb < 64) {
      throw new DataplaneError('DP_BAD_CONFIG', 'eal.memoryMb: integer >= 64');
    }
    this.plan = planHugepages(cfg.hugepages, cfg.memoryMb);
    const args = ealArgs(cfg, this.plan);
    const t = cfg.tables ?? {};
    try {
      const lcores = this.addon.init({
        args,
        workers: cfg.workerCores.length,
        controlCpu: cfg.controlCore,
        mbufs: cfg.mbufs ?? 32767,
        ...t,
      });
      this.eal = { hugepages: this.plan.use, args, workerLcores: lcores };
      ealTaken = true;
    } catch (e) {
      this.plan.release();
      const code = (e as { code?: string }).code;
      throw new DataplaneError(code === 'DP_EAL_ALREADY' ? 'DP_EAL_ALREADY' : 'DP_EAL_FAILED', (e as Error).message);
    }
    return this.eal;
  }

  dropReasons(): string[] {
    return this.addon.dropReasons();
  }

  addPort(cfg: PortConfig): PortInfo {
    this.live();
    const tapName = cfg.tapName ?? cfg.name;
    if (!IFNAME_RE.test(tapName)) throw new DataplaneError('DP_BAD_CONFIG', `tap name ${tapName}: 1-15 of [A-Za-z0-9_.-]`);
    if (!Number.isInteger(cfg.mtu) || cfg.mtu < 68 || cfg.mtu > 9600) {
      throw new DataplaneError('DP_BAD_CONFIG', `port ${cfg.name}: mtu must be 68..9600`);
    }
    // Checked again here although the document and the boot file refuse the same strings: this is the last
    // place before DPDK, whose drivers would act on any argument as root.
    const dev = parseDevice(cfg.device);
    if (!dev.ok) throw new DataplaneError('DP_BAD_CONFIG', `port ${cfg.name}: device ${dev.reason}`);
    try {
      return this.addon.addPort({ name: cfg.name, tapName, device: cfg.device, mtu: cfg.mtu, vrf: cfg.vrf, ...(cfg.netns ? { netns: cfg.netns } : {}) });
    } catch (e) {
      throw asDpError(e, 'DP_PORT_FAILED');
    }
  }

  removePort(id: PortId): void {
    this.live();
    try {
      this.addon.removePort(id);
    } catch (e) {
      throw asDpError(e, 'DP_NO_PORT');
    }
  }

  /** Readers answer empty before init and after shutdown (a `show` must never throw). */
  private get readable(): boolean {
    return !this.closed && this.eal !== undefined;
  }

  ports(): PortInfo[] {
    return this.readable ? this.addon.ports() : [];
  }

  portStats(id: PortId): PortStats {
    this.live();
    try {
      return this.addon.portStats(id);
    } catch (e) {
      throw asDpError(e, 'DP_NO_PORT');
    }
  }

  startWorkers(): void {
    this.live();
    try {
      this.addon.startWorkers();
    } catch (e) {
      throw asDpError(e, 'DP_WORKERS');
    }
  }

  stopWorkers(): void {
    if (!this.closed) this.addon.stopWorkers();
  }

  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.eal) this.addon.shutdown();
    this.plan?.release();
  }

  addVrf(vrf: VrfId): TableErrorCode {
    this.live();
    return CODES[this.addon.vrfAdd(vrf)] ?? 'invalid';
  }

  delVrf(vrf: VrfId): TableErrorCode {
    this.live();
    return CODES[this.addon.vrfDel(vrf)] ?? 'invalid';
  }

  private batch<T>(write: (items: T[]) => Int32Array, items: T[]): TableErrorCode[] {
    this.live();
    return codes(write(items));
  }

  setNexthops(nhs: Nexthop[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setNexthops(a), nhs);
  }

  delNexthops(ids: number[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delNexthops(a), ids);
  }

  setGroups(groups: NexthopGroup[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setGroups(a), groups);
  }

  delGroups(ids: number[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delGroups(a), ids);
  }

  applyRoutes(ops: RouteOp[]): TableErrorCode[] {
    return this.batch((a) => this.addon.applyRoutes(a), ops);
  }

  setNeighbors(ns: Neighbor[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setNeighbors(a), ns);
  }

  delNeighbors(ns: Pick<Neighbor, 'port' | 'ip'>[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delNeighbors(a), ns);
  }

  setVteps(vs: Vtep[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setVteps(a), vs);
  }

  delVteps(ips: string[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delVteps(a), ips);
  }

  setVnis(vs: Vni[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setVnis(a), vs);
  }

  delVnis(vnis: number[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delVnis(a), vnis);
  }

  setTunnels(ts: Tunnel[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setTunnels(a), ts);
  }

  delTunnels(ids: number[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delTunnels(a), ids);
  }

  setPeeringRoutes(items: PeeringRoute[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setPeeringRoutes(a), items);
  }

  delPeeringRoutes(items: Pick<PeeringRoute, 'vrf' | 'prefix'>[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delPeeringRoutes(a), items);
  }

  setPeeringSources(items: PeeringSource[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setPeeringSources(a), items);
  }

  delPeeringSources(items: Pick<PeeringSource, 'vrf' | 'peering' | 'prefix'>[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delPeeringSources(a), items);
  }

  peeringRoutes(): PeeringRoute[] {
    return this.readable ? this.addon.peeringRoutes() : [];
  }

  peeringSources(): PeeringSource[] {
    return this.readable ? this.addon.peeringSources() : [];
  }

  setNatStatic(items: NatStatic[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setNatStatic(a), items);
  }

  delNatStatic(items: Pick<NatStatic, 'peering' | 'vrf' | 'ips'>[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delNatStatic(a), items);
  }

  natStatic(): NatStatic[] {
    return this.readable ? this.addon.natStatic() : [];
  }

  natStaticCounters(): NatStaticCounters[] {
    return this.readable ? this.addon.natStaticCounters() : [];
  }

  vpcCounters(): VpcCounters[] {
    return this.readable ? this.addon.vpcCounters() : [];
  }

  peeringCounters(): PeeringCounters[] {
    return this.readable ? this.addon.peeringCounters() : [];
  }

  setNatPools(items: NatPool[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setNatPools(a), items);
  }

  delNatPools(ids: number[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delNatPools(a), ids);
  }

  setNatPoolPrefixes(items: NatPoolPrefix[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setNatPoolPrefixes(a), items);
  }

  delNatPoolPrefixes(items: NatPoolPrefix[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delNatPoolPrefixes(a), items);
  }

  setNatInside(items: NatInside[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setNatInside(a), items);
  }

  delNatInside(items: NatInside[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delNatInside(a), items);
  }

  setNatForwards(items: NatForward[]): TableErrorCode[] {
    return this.batch((a) => this.addon.setNatForwards(a), items);
  }

  delNatForwards(items: Pick<NatForward, 'pool' | 'proto' | 'addr' | 'port'>[]): TableErrorCode[] {
    return this.batch((a) => this.addon.delNatForwards(a), items);
  }

  natSessions(filter: NatSessionFilter = {}, limit = 1000, after = 0): NatSession[] {
    if (!this.readable) return [];
    checkNatFilter(filter);
    return this.addon.natSessions(filter, Math.max(0, Math.min(limit, 65536)), after);
  }

  natClear(filter: NatSessionFilter = {}): number {
    this.live();
    checkNatFilter(filter);
    return this.addon.natClear(filter);
  }

  natPoolStats(): NatPoolStats[] {
    return this.readable ? this.addon.natPoolStats() : [];
  }

  natCounters(): NatCounters[] {
    return this.readable ? this.addon.natCounters() : [];
  }

  natEventsEnable(on: boolean): void {
    this.live();
    this.addon.natEventsEnable(on);
  }

  natEvents(max: number): NatEvent[] {
    return this.readable ? this.addon.natEvents(max) : [];
  }

  natEventsDropped(): bigint {
    return this.readable ? this.addon.natEventsDropped() : 0n;
  }

  /** ICMP error source addresses of a port: the first IPv4 and first IPv6 of `addresses` ("ip/len" or "ip"). */
  setPortAddresses(port: PortId, addresses: string[]): TableErrorCode {
    this.live();
    let res = CODES[this.addon.portAddrSet(port, null)] ?? 'invalid';
    const ips = addresses.map((a) => parseIp(a.split('/')[0]));
    for (const fam of [4, 6]) {
      const ip = ips.find((x) => x?.family === fam);
      if (ip && res === 'ok') res = CODES[this.addon.portAddrSet(port, ip.text)] ?? 'invalid';
    }
    return res;
  }

  routes(vrf: VrfId): RouteEntry[] {
    if (!this.readable) return [];
    return this.addon.routes(vrf).map((r) => ({
      vrf,
      prefix: r.prefix,
      target: r.kind === 'unicast' ? { kind: 'unicast', group: r.group ?? 0 } : ({ kind: r.kind } as RouteTarget),
    }));
  }

  nexthops(): Nexthop[] {
    return this.readable ? this.addon.nexthops() : [];
  }

  groups(): NexthopGroup[] {
    return this.readable ? this.addon.groups() : [];
  }

  neighbors(): Neighbor[] {
    return this.readable ? this.addon.neighbors() : [];
  }

  vteps(): Vtep[] {
    return this.readable ? this.addon.vteps() : [];
  }

  vnis(): Vni[] {
    return this.readable ? this.addon.vnis() : [];
  }

  tunnels(): Tunnel[] {
    return this.readable ? this.addon.tunnels() : [];
  }

  workerCounters(): WorkerCounters[] {
    return this.readable ? this.addon.workerCounters() : [];
  }

  /** Counters of every physical port and its punt tap. */
  portCounters(): PortCounters[] {
    if (this.closed || !this.eal) return [];
    const out: PortCounters[] = [];
    for (const p of this.addon.ports()) {
      out.push(this.addon.portCounters(p.id), this.addon.portCounters(p.tapPortId));
    }
    return out;
  }

  pollEvents(max: number): DataplaneEvent[] {
    if (this.closed || !this.eal) return [];
    return this.addon.pollEvents(max);
  }

  /** Lets the components around the dataplane (neighbor learner) publish their counters with it. */
  addCounterSource(fn: () => Record<string, bigint>): void {
    this.counterSources.push(fn);
  }

  runtimeCounters(): Record<string, bigint> {
    const out: Record<string, bigint> = {};
    if (this.closed || !this.eal) return out;
    out.events_dropped = this.addon.eventsDropped();
    let sleepNs = 0n;
    for (const w of this.addon.workerCounters()) sleepNs += w.sleepNs ?? 0n;
    out.worker_sleep_ns = sleepNs;
    for (const c of CODES) if (c !== 'ok') out[`table_rejects_${c}`] = rejects.get(c) ?? 0n;
    for (const src of this.counterSources) Object.assign(out, src());
    return out;
  }
}

/** The filter crosses into C as validated numbers and a canonical address. */
function checkNatFilter(f: NatSessionFilter): void {
  const bad = (what: string): never => {
    throw new DataplaneError('DP_BAD_ARGUMENT', `nat session filter: ${what}`);
  };
  for (const k of ['vrf', 'peering'] as const) {
    const v = f[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 0xffffffff)) bad(`${k} must be an integer >= 0`);
  }
  if (f.proto !== undefined && !['tcp', 'udp', 'icmp'].includes(f.proto)) bad('proto must be tcp, udp or icmp');
  if (f.addr !== undefined && parseIp(f.addr) === undefined) bad(`addr ${f.addr} is not an IP address`);
}

function asDpError(e: unknown, fallback: DataplaneError['code']): DataplaneError {
  const code = (e as { code?: string }).code;
  const known: DataplaneError['code'][] = ['DP_PORT_EXISTS', 'DP_PORT_FAILED', 'DP_NO_PORT', 'DP_WORKERS', 'DP_BAD_CONFIG', 'DP_NOT_INITIALIZED'];
  return new DataplaneError(known.find((k) => k === code) ?? fallback, (e as Error).message);
}
