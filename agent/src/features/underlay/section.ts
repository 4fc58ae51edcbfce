// The boot config section `dataplane:`, parsed at the edge into validated types. Errors name the exact path
// (e.g. "dataplane.ports[1].addresses[0]") and carry the boot config's stable code.
import { BootConfigError } from '../../boot/config.ts';
import type { EalConfig, TableLimits } from '../../dataplane/api.ts';
import { parseIp, parsePrefix, type ParsedPrefix } from '../../dataplane/addr.ts';
import { parseDevice } from '../../dataplane/device.ts';

export interface PortSection {
  name: string;
  device: string;
  mtu: number;
  vrf: number;
  netns?: string;
  tapName: string;
  /** Interface addresses of the gateway on this port ("10.0.1.1/24"), put on the tap. */
  addresses: ParsedPrefix[];
  /** The same with host bits kept, as written (the address itself, not the network). */
  hostAddresses: string[];
}

export interface StaticNexthop {
  port: string;
  via?: string;
  weight: number;
}

export type StaticRoute =
  | { vrf: number; prefix: string; type: 'unicast'; nexthops: StaticNexthop[] }
  | { vrf: number; prefix: string; type: 'blackhole' | 'reject' };

export interface DataplaneSection {
  eal: EalConfig;
  ports: PortSection[];
  staticRoutes: StaticRoute[];
  /** How often the kernel neighbor table is fully re-read (the monitor covers changes in between). */
  neighborResyncMs: number;
  /** Namespace of the devices and taps of ports the desired-state document defines (default: the agent's). */
  netns?: string;
}

type Obj = Record<string, unknown>;
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const NSNAME = /^[A-Za-z0-9_.-]{1,64}$/;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BootConfigError(path, 'must be a mapping');
  return v as Obj;
}

function only(o: Obj, path: string, keys: string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new BootConfigError(`${path}.${k}`, 'unknown key');
}

function int(v: unknown, path: string, lo: number, hi: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new BootConfigError(path, `must be an integer ${lo}..${hi}`);
  }
  return v;
}

function str(v: unknown, path: string, re?: RegExp): string {
  if (typeof v !== 'string' || v === '' || (re && !re.test(v))) {
    throw new BootConfigError(path, re ? `must match ${re.source}` : 'must be a non-empty string');
  }
  return v;
}

function list(v: unknown, path: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new BootConfigError(path, 'must be a list');
  return v;
}

function parseEal(v: unknown, path: string): EalConfig {
  const o = obj(v ?? {}, path);
  only(o, path, ['workerCores', 'controlCore', 'hugepages', 'memoryMb', 'extraArgs', 'tables', 'mbufs']);
  const workerCores = list(o.workerCores ?? [1], `${path}.workerCores`).map((c, i) => int(c, `${path}.workerCores[${i}]`, 0, 1023));
  if (workerCores.length === 0) throw new BootConfigError(`${path}.workerCores`, 'at least one worker core');
  const hugepages = o.hugepages ?? 'auto';
  if (hugepages !== 'auto' && hugepages !== 'on' && hugepages !== 'off') {
    throw new BootConfigError(`${path}.hugepages`, 'must be auto, on or off');
  }
  const eal: EalConfig = {
    workerCores,
    controlCore: int(o.controlCore, `${path}.controlCore`, 0, 1023, 0),
    hugepages,
    memoryMb: int(o.memoryMb, `${path}.memoryMb`, 64, 1 << 20, 256),
    extraArgs: list(o.extraArgs, `${path}.extraArgs`).map((a, i) => str(a, `${path}.extraArgs[${i}]`)),
    mbufs: int(o.mbufs, `${path}.mbufs`, 1023, 1 << 24, 32767),
  };
  if (o.tables !== undefined) {
    const t = obj(o.tables, `${path}.tables`);
    const keys: (keyof TableLimits)[] = ['maxVrfs', 'maxRoutes4', 'maxRoutes6', 'maxNexthops', 'maxGroups', 'maxNeighbors', 'natSessions'];
    only(t, `${path}.tables`, keys);
    eal.tables = {};
    for (const k of keys) if (t[k] !== undefined) eal.tables[k] = int(t[k], `${path}.tables.${k}`, 1, 1 << 26);
  }
  return eal;
}

function parsePort(v: unknown, path: string): PortSection {
  const o = obj(v, path);
  only(o, path, ['name', 'device', 'mtu', 'vrf', 'netns', 'tapName', 'addresses']);
  const name = str(o.name, `${path}.name`, IFNAME);
  const addrs = list(o.addresses, `${path}.addresses`);
  const addresses: ParsedPrefix[] = [];
  const hostAddresses: string[] = [];
  addrs.forEach((a, i) => {
    const p = parsePrefix(a);
    const ip = typeof a === 'string' ? parseIp(a.split('/')[0]) : undefined;
    if (!p || !ip) throw new BootConfigError(`${path}.addresses[${i}]`, 'must be an address with prefix length, e.g. 10.0.1.1/24');
    addresses.push(p);
    hostAddresses.push(`${ip.text}/${p.len}`);
  });
  const device = str(o.device, `${path}.device`);
  const dev = parseDevice(device);
  if (!dev.ok) throw new BootConfigError(`${path}.device`, dev.reason);
  return {
    name,
    device,
    mtu: int(o.mtu, `${path}.mtu`, 68, 9600, 1500),
    vrf: int(o.vrf, `${path}.vrf`, 0, 65535, 0),
    ...(o.netns !== undefined ? { netns: str(o.netns, `${path}.netns`, NSNAME) } : {}),
    tapName: o.tapName === undefined ? name : str(o.tapName, `${path}.tapName`, IFNAME),
    addresses,
    hostAddresses,
  };
}

function parseRoute(v: unknown, path: string, ports: Set<string>): StaticRoute {
  const o = obj(v, path);
  only(o, path, ['vrf', 'prefix', 'type', 'via', 'port', 'nexthops']);
  const p = parsePrefix(o.prefix);
  if (!p) throw new BootConfigError(`${path}.prefix`, 'must be a prefix, e.g. 10.9.0.0/16');
  const vrf = int(o.vrf, `${path}.vrf`, 0, 65535, 0);
  const type = o.type ?? 'unicast';
  if (type === 'blackhole' || type === 'reject') return { vrf, prefix: p.text, type };
  if (type !== 'unicast') throw new BootConfigError(`${path}.type`, 'must be unicast, blackhole or reject');
  const raw = o.nexthops !== undefined ? list(o.nexthops, `${path}.nexthops`) : [{ via: o.via, port: o.port }];
  const nexthops = raw.map((n, i) => {
    const np = `${path}.nexthops[${i}]`;
    const no = obj(n, np);
    only(no, np, ['via', 'port', 'weight']);
    const port = str(no.port, `${np}.port`);
    if (!ports.has(port)) throw new BootConfigError(`${np}.port`, `no port named ${port}`);
    const nh: StaticNexthop = { port, weight: int(no.weight, `${np}.weight`, 1, 65535, 1) };
    if (no.via !== undefined) {
      const ip = parseIp(no.via);
      if (!ip || ip.family !== p.family) throw new BootConfigError(`${np}.via`, `must be an IPv${p.family} address`);
      nh.via = ip.text;
    }
    return nh;
  });
  if (nexthops.length === 0) throw new BootConfigError(`${path}.nexthops`, 'at least one nexthop');
  return { vrf, prefix: p.text, type: 'unicast', nexthops };
}

export function parseDataplaneSection(v: unknown, path = 'dataplane'): DataplaneSection {
  const o = obj(v, path);
  only(o, path, ['eal', 'ports', 'staticRoutes', 'neighborResyncMs', 'netns']);
  const ports = list(o.ports, `${path}.ports`).map((p, i) => parsePort(p, `${path}.ports[${i}]`));
  const names = new Set<string>();
  const taps = new Set<string>();
  ports.forEach((p, i) => {
    if (names.has(p.name)) throw new BootConfigError(`${path}.ports[${i}].name`, `duplicate port ${p.name}`);
    if (taps.has(p.tapName)) throw new BootConfigError(`${path}.ports[${i}].tapName`, `duplicate tap ${p.tapName}`);
    names.add(p.name);
    taps.add(p.tapName);
  });
  return {
    eal: parseEal(o.eal, `${path}.eal`),
    ports,
    staticRoutes: list(o.staticRoutes, `${path}.staticRoutes`).map((r, i) => parseRoute(r, `${path}.staticRoutes[${i}]`, names)),
    neighborResyncMs: int(o.neighborResyncMs, `${path}.neighborResyncMs`, 100, 3_600_000, 5000),
    ...(o.netns !== undefined ? { netns: str(o.netns, `${path}.netns`, NSNAME) } : {}),
  };
}
