// What the desired-state document asks of the dataplane, as a flat, keyed description (pure, no I/O): the
// ports the document defines, and every route they and its static routes imply (local /32 or /128 per
// address, a connected route per subnet, unicast/blackhole/reject statics). The realizer diffs two of these.
//
// Precedence with the boot file: boot ports and boot static routes stay owned by the boot file for the life of
// the process. A document may not redefine them (same port name, device, tap, overlapping subnet or route
// prefix): that is refused with a problem naming the field, never silently merged. Document next hops may use
// boot ports.
import type { DesiredState } from '../../config/model.ts';
import { problem, type Problem } from '../../config/problem.ts';
import { parseIp, parsePrefix, type ParsedPrefix } from '../../dataplane/addr.ts';
import { parseDevice } from '../../dataplane/device.ts';
import type { DataplaneSection } from './section.ts';

export interface PortWant {
  name: string;
  device: string;
  mtu: number;
  netns?: string;
  /** Addresses with host bits kept, canonical ("10.0.1.1/24"): what goes on the tap. */
  addresses: string[];
}

export interface NexthopWant {
  port: string;
  via?: string;
  weight: number;
}

export type RouteWant =
  | { prefix: string; kind: 'local' | 'blackhole' | 'reject' }
  | { prefix: string; kind: 'unicast'; nexthops: NexthopWant[] };

export interface DesiredTables {
  ports: Map<string, PortWant>;
  /** By canonical prefix; all in VRF 0 (VPC VRFs are not realized by the dataplane yet). */
  routes: Map<string, RouteWant>;
  /** Which of `routes` are the document's static routes (the rest: the ports' local and connected routes). */
  statics: Set<string>;
  /** The gateway's router-id: the IPv4 source of ICMP errors from ports without an IPv4 address (unnumbered). */
  routerId?: string;
}

/** Limits of the running dataplane that validation checks against. */
export interface DesiredLimits {
  maxRoutes4: number;
  maxRoutes6: number;
  /** Nexthop and group ids left for the document in the component's reserved range. */
  ids: number;
  /** DPDK ports the document may still add (each port takes two: the device and its tap). */
  ports: number;
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const vdevName = (device: string): string => device.split(',')[0]!;

function contains(net: ParsedPrefix, ip: { family: 4 | 6; bytes: Uint8Array }): boolean {
  if (net.family !== ip.family) return false;
  for (let bit = 0; bit < net.len; bit++) {
    const mask = 0x80 >> bit % 8;
    if ((net.bytes[bit >> 3]! & mask) !== (ip.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

function overlaps(a: ParsedPrefix, b: ParsedPrefix): boolean {
  return a.len <= b.len ? contains(a, b) : contains(b, a);
}

/** The dataplane's part of a document, with the problems only the dataplane can judge. */
export function desiredTables(
  doc: DesiredState,
  boot: Pick<DataplaneSection, 'ports' | 'staticRoutes'>,
  opts: { netns?: string; limits: DesiredLimits },
): { tables: DesiredTables; problems: Problem[] } {
  const problems: Problem[] = [];
  const bad = (code: Problem['code'], path: string, detail: string): void => {
    problems.push(problem(code, path, detail));
  };
  const ports = new Map<string, PortWant>();
  const routes = new Map<string, RouteWant>();
  // Subnets of every port (boot and document), for next hops given without a port.
  const subnets: { net: ParsedPrefix; port: string }[] = boot.ports.flatMap((p) => p.addresses.map((net) => ({ net, port: p.name })));
  const bootPrefixes = new Set<string>();
  for (const p of boot.ports) {
    p.hostAddresses.forEach((a, i) => {
      const ip = a.split('/')[0]!;
      bootPrefixes.add(`${ip}/${p.addresses[i]!.family === 4 ? 32 : 128}`);
      bootPrefixes.add(p.addresses[i]!.text);
    });
  }
  for (const r of boot.staticRoutes) if (r.vrf === 0) bootPrefixes.add(r.prefix);
  const addRoute = (r: RouteWant, path: string): void => {
    if (bootPrefixes.has(r.prefix)) bad('DUPLICATE', path, `${r.prefix} is a route of the boot file's dataplane section`);
    else if (routes.has(r.prefix)) bad('DUPLICATE', path, `route ${r.prefix} is defined twice (a port subnet and a static route?)`);
    else routes.set(r.prefix, r);
  };

  doc.gateway.ports.forEach((p, i) => {
    const at = `/gateway/ports/${i}`;
    const boots = boot.ports.find((b) => b.name === p.name || b.tapName === p.name);
    if (boots) bad('DUPLICATE', `${at}/name`, `port ${p.name} is defined by the boot file (boot ports cannot be redefined by the document)`);
    if (!IFNAME.test(p.name)) bad('INVALID_VALUE', `${at}/name`, `${p.name} cannot name the punt tap (1-15 of A-Z a-z 0-9 _ . -)`);
    const dev = parseDevice(p.device);
    // PCI devices are probed only at EAL init (the EAL allow-list is fixed then); vdevs can be hot-plugged.
    if (!dev.ok) {
      bad('INVALID_VALUE', `${at}/device`, dev.reason);
    } else if (dev.device.kind === 'pci') {
      bad('INVALID_VALUE', `${at}/device`, `"${p.device}" is a PCI device: PCI ports are probed at start and belong in the boot file`);
    } else if (boot.ports.some((b) => vdevName(b.device) === vdevName(p.device))) {
      bad('DUPLICATE', `${at}/device`, `device ${vdevName(p.device)} is a boot file port`);
    }
    if (p.mtu < 68 || p.mtu > 9600) bad('INVALID_VALUE', `${at}/mtu`, 'the dataplane supports MTU 68..9600');
    const addresses: string[] = [];
    p.addresses.forEach((a, j) => {
      const net = parsePrefix(a);
      const ip = parseIp(a.split('/')[0]);
      if (!net || !ip) return; // the document validator reports it
      addresses.push(`${ip.text}/${net.len}`);
      const clash = subnets.find((s) => overlaps(s.net, net) && boot.ports.some((b) => b.name === s.port));
      if (clash) bad('OVERLAP', `${at}/addresses/${j}`, `${net.text} overlaps ${clash.net.text} of boot port ${clash.port}`);
      subnets.push({ net, port: p.name });
      const host = net.family === 4 ? 32 : 128;
      addRoute({ prefix: `${ip.text}/${host}`, kind: 'local' }, `${at}/addresses/${j}`);
      if (net.len < host) addRoute({ prefix: net.text, kind: 'unicast', nexthops: [{ port: p.name, weight: 1 }] }, `${at}/addresses/${j}`);
    });
    ports.set(p.name, { name: p.name, device: p.device, mtu: p.mtu, ...(opts.netns ? { netns: opts.netns } : {}), addresses });
  });
  if (ports.size > opts.limits.ports) {
    bad('REFUSED', '/gateway/ports', `the dataplane has room for ${opts.limits.ports} more ports, the document has ${ports.size}`);
  }

  const portNames = new Set([...boot.ports.map((p) => p.name), ...ports.keys()]);
  const statics = new Set<string>();
  doc.staticRoutes.forEach((r, i) => {
    const at = `/staticRoutes/${i}`;
    const prefix = parsePrefix(r.prefix);
    if (!prefix) return;
    if (r.vpc !== undefined) {
      bad('NOT_SUPPORTED', `${at}/vpc`, 'static routes in VPCs are not realized by the dataplane yet (underlay only)');
      return;
    }
    statics.add(prefix.text);
    if (r.blackhole || r.reject) {
      addRoute({ prefix: prefix.text, kind: r.blackhole ? 'blackhole' : 'reject' }, `${at}/prefix`);
      return;
    }
    const nexthops: NexthopWant[] = [];
    r.nexthops.forEach((nh, j) => {
      const ip = parseIp(nh.ip);
      if (!ip) return;
      let port = nh.port;
      if (port === undefined) {
        port = subnets.find((s) => contains(s.net, ip))?.port;
        if (port === undefined) {
          bad('INVALID_VALUE', `${at}/nexthops/${j}/ip`, `${ip.text} is on no port's subnet: name the port`);
          return;
        }
      } else if (!portNames.has(port)) {
        bad('NO_SUCH_REF', `${at}/nexthops/${j}/port`, `no dataplane port named ${port}`);
        return;
      }
      nexthops.push({ port, via: ip.text, weight: 1 });
    });
    if (nexthops.length === r.nexthops.length) addRoute({ prefix: prefix.text, kind: 'unicast', nexthops }, `${at}/prefix`);
  });

  const count = (fam: 4 | 6): number => [...routes.keys()].filter((p) => p.includes(':') === (fam === 6)).length;
  const bootCount = (fam: 4 | 6): number => [...bootPrefixes].filter((p) => p.includes(':') === (fam === 6)).length;
  for (const fam of [4, 6] as const) {
    const max = fam === 4 ? opts.limits.maxRoutes4 : opts.limits.maxRoutes6;
    if (count(fam) + bootCount(fam) > max) {
      bad('REFUSED', '/staticRoutes', `${count(fam)} IPv${fam} routes do not fit the dataplane table (${max} with ${bootCount(fam)} from the boot file)`);
    }
  }
  // Routes with the same next hops share one group (the realizer keys groups by their members).
  const unicast = [...routes.values()].flatMap((r) => (r.kind === 'unicast' ? [r.nexthops.map((n) => `${n.port}|${n.via ?? ''}*${n.weight}`)] : []));
  const nhIds = new Set(unicast.flat().map((m) => m.slice(0, m.lastIndexOf('*'))));
  const groupIds = new Set(unicast.map((ms) => [...ms].sort().join(' ')));
  if (nhIds.size > opts.limits.ids || groupIds.size > opts.limits.ids) {
    bad('REFUSED', '/staticRoutes', `the document needs more next hops/groups than the ${opts.limits.ids} ids the dataplane reserves for it`);
  }
  const rid = parseIp(doc.gateway.routerId);
  return { tables: { ports, routes, statics, ...(rid?.family === 4 ? { routerId: rid.text } : {}) }, problems };
}
