// Semantic validation of a schema-valid document. Reports every problem (not only the first) so an operator
// fixes a document in one round; each problem carries a stable code and the JSON pointer of the field.
// Rules follow what operators of Hedgehog-style gateways expect (see docs/config.md for the list and why).
import { parseIp, parsePrefix, type ParsedPrefix } from '../dataplane/addr.ts';
import { parseDevice } from '../dataplane/device.ts';
import type { FixedPort } from './consumer.ts';
import type { DesiredState, Expose, Peering, PolicyRule, SessionSettings } from './model.ts';
import { problem, type Problem } from './problem.ts';
import { natExposeProblems, natPoolProblems } from './validate-nat.ts';
import { exposedDestinations, overlayProblems } from './validate-overlay.ts';

/**
 * Prefixes that never belong in a routed document: this-network, loopback, link-local, multicast, reserved, and
 * IPv4-mapped IPv6 (RFC 4291 2.5.5.2: an IPv4 host seen through an IPv6 socket, never a router on the wire).
 */
const SPECIAL_USE = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4', '::1/128', '::ffff:0:0/96', 'fe80::/10', 'ff00::/8'].map(
  (s) => parsePrefix(s)!,
);

/** The special-use block an address is in (multicast, loopback ... and 255.255.255.255 in 240/4). */
function specialHost(ip: string): ParsedPrefix | undefined {
  const host = parsePrefix(`${ip}/${ip.includes(':') ? 128 : 32}`);
  return host ? SPECIAL_USE.find((sp) => covers(sp, host)) : undefined;
}

export function covers(outer: ParsedPrefix, inner: ParsedPrefix): boolean {
  if (outer.family !== inner.family || outer.len > inner.len) return false;
  for (let bit = 0; bit < outer.len; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((outer.bytes[byte]! & mask) !== (inner.bytes[byte]! & mask)) return false;
  }
  return true;
}

export function overlaps(a: ParsedPrefix, b: ParsedPrefix): boolean {
  return covers(a, b) || covers(b, a);
}

class Checker {
  readonly problems: Problem[] = [];
  add(code: Problem['code'], path: string, detail: string): void {
    this.problems.push(problem(code, path, detail));
  }
  /** A routed prefix: valid, host bits clear, not special-use. */
  prefix(s: string, path: string): ParsedPrefix | undefined {
    const p = parsePrefix(s);
    if (!p) {
      this.add('INVALID_VALUE', path, `"${s}" is not an IP prefix`);
      return undefined;
    }
    const addr = parseIp(s.slice(0, s.indexOf('/')));
    if (addr && addr.bytes.some((b, i) => b !== p.bytes[i])) {
      this.add('INVALID_VALUE', path, `"${s}" has host bits set (did you mean ${p.text}?)`);
    }
    // Inside a special-use block; a covering prefix (0.0.0.0/0, a default route) is fine.
    const special = SPECIAL_USE.find((sp) => covers(sp, p));
    if (special) this.add('INVALID_VALUE', path, `"${s}" is inside special-use ${special.text}`);
    return p;
  }
  ip(s: string, path: string): ReturnType<typeof parseIp> {
    const a = parseIp(s);
    if (!a) this.add('INVALID_VALUE', path, `"${s}" is not an IP address`);
    return a;
  }
  /**
   * A router address (BGP neighbor, next hop): a unicast address that is not the gateway's own. A link-local
   * one only together with the port it is reached through.
   */
  peer(s: string, path: string, port: string | undefined, own: Map<string, string>): ReturnType<typeof parseIp> {
    const a = this.ip(s, path);
    if (!a) return a;
    const special = specialHost(a.text);
    if (special && !(special.text === 'fe80::/10' && port !== undefined)) {
      this.add('INVALID_VALUE', path, `${s} is inside special-use ${special.text}${special.text === 'fe80::/10' ? ' (name the port)' : ''}`);
    }
    const mine = own.get(a.text);
    if (mine) this.add('INVALID_VALUE', path, `${s} is the gateway's own address (${mine})`);
    return a;
  }
  unique<T>(items: readonly T[], keyOf: (t: T) => string | number | undefined, path: (i: number) => string, what: string): void {
    const seen = new Map<string | number, number>();
    items.forEach((t, i) => {
      const k = keyOf(t);
      if (k === undefined) return;
      const first = seen.get(k);
      if (first !== undefined) this.add('DUPLICATE', path(i), `${what} ${String(k)} already used at ${path(first)}`);
      else seen.set(k, i);
    });
  }
  disjoint(items: { p: ParsedPrefix; path: string }[], what: string): void {
    for (let i = 0; i < items.length; i++) {
      for (let j = 0; j < i; j++) {
        if (overlaps(items[i]!.p, items[j]!.p)) {
          this.add('OVERLAP', items[i]!.path, `${what} ${items[i]!.p.text} overlaps ${items[j]!.p.text} at ${items[j]!.path}`);
        }
      }
    }
  }
}

/** What the document is validated against besides itself. */
export interface ValidationContext {
  /** Ports outside the document (the boot file's): usable by name, their addresses are the gateway's own. */
  fixedPorts?: readonly Pick<FixedPort, 'name' | 'addresses'>[];
}

export function validateDocument(doc: DesiredState, ctx: ValidationContext = {}): Problem[] {
  const c = new Checker();
  const gw = doc.gateway;
  const rid = c.ip(gw.routerId, '/gateway/routerId');
  if (rid && specialHost(rid.text)) c.add('INVALID_VALUE', '/gateway/routerId', `${gw.routerId} is a special-use address`);

  // Ports: devices on the allow-list, unique names and devices; interface subnets of different ports must not
  // overlap.
  gw.ports.forEach((p, i) => {
    const dev = parseDevice(p.device);
    if (!dev.ok) c.add('INVALID_VALUE', `/gateway/ports/${i}/device`, dev.reason);
  });
  c.unique(gw.ports, (p) => p.name, (i) => `/gateway/ports/${i}/name`, 'port name');
  c.unique(gw.ports, (p) => p.device, (i) => `/gateway/ports/${i}/device`, 'device');
  const portNets: { p: ParsedPrefix; path: string }[] = [];
  // The gateway's own addresses, each with where it is defined: never a neighbor or a next hop.
  const own = new Map<string, string>();
  if (rid) own.set(rid.text, '/gateway/routerId');
  for (const fp of ctx.fixedPorts ?? []) for (const a of fp.addresses) own.set(parseIp(a.split('/')[0])?.text ?? a, `boot port ${fp.name}`);
  gw.ports.forEach((port, i) =>
    port.addresses.forEach((a, j) => {
      const path = `/gateway/ports/${i}/addresses/${j}`;
      const p = parsePrefix(a);
      const ip = parseIp(a.slice(0, a.indexOf('/')));
      if (!p || !ip) c.add('INVALID_VALUE', path, `"${a}" is not address/length`);
      else {
        portNets.push({ p, path });
        own.set(ip.text, path);
      }
    }),
  );
  c.disjoint(portNets, 'port subnet');
  const portNames = new Set([...gw.ports.map((p) => p.name), ...(ctx.fixedPorts ?? []).map((p) => p.name)]);

  // BFD profiles and BGP neighbors.
  c.unique(gw.bfdProfiles, (b) => b.name, (i) => `/gateway/bfdProfiles/${i}/name`, 'BFD profile');
  const profiles = new Set(gw.bfdProfiles.map((b) => b.name));
  c.unique(gw.neighbors, (n) => (n.ip === undefined ? undefined : parseIp(n.ip)?.text), (i) => `/gateway/neighbors/${i}/ip`, 'neighbor');
  // One unnumbered session per port: FRR names the peer by its interface.
  c.unique(gw.neighbors, (n) => (n.ip === undefined ? n.port : undefined), (i) => `/gateway/neighbors/${i}/port`, 'unnumbered neighbor on port');
  gw.neighbors.forEach((n, i) => {
    if (n.ip !== undefined) c.peer(n.ip, `/gateway/neighbors/${i}/ip`, n.port, own);
    else if (n.port === undefined) c.add('MISSING', `/gateway/neighbors/${i}/ip`, 'a neighbor needs an ip, or a port for an unnumbered (interface) session');
    if (n.port !== undefined && !portNames.has(n.port)) c.add('NO_SUCH_REF', `/gateway/neighbors/${i}/port`, `no port named ${n.port}`);
  });
  checkBgpPolicy(c, doc, profiles);
  if (gw.vtep) c.ip(gw.vtep.ip, '/gateway/vtep/ip');

  // VPCs: unique name/id/VNI, subnets valid and disjoint within a VPC (VPCs are separate VRFs: they may reuse).
  if (doc.vpcs.length > 0 && !gw.vtep) c.add('MISSING', '/gateway/vtep', 'a VTEP (ip, mac) is required once VPCs exist');
  c.unique(doc.vpcs, (v) => v.name, (i) => `/vpcs/${i}/name`, 'VPC name');
  c.unique(doc.vpcs, (v) => v.id, (i) => `/vpcs/${i}/id`, 'VPC id');
  c.unique(doc.vpcs, (v) => v.vni, (i) => `/vpcs/${i}/vni`, 'VNI');
  const vpcNets = new Map<string, ParsedPrefix[]>();
  doc.vpcs.forEach((v, i) => {
    c.unique(v.subnets, (s) => s.name, (j) => `/vpcs/${i}/subnets/${j}/name`, 'subnet name');
    const nets: { p: ParsedPrefix; path: string }[] = [];
    v.subnets.forEach((s, j) => {
      const p = c.prefix(s.cidr, `/vpcs/${i}/subnets/${j}/cidr`);
      if (p) nets.push({ p, path: `/vpcs/${i}/subnets/${j}/cidr` });
    });
    c.disjoint(nets, 'subnet');
    vpcNets.set(v.name, nets.map((n) => n.p));
  });

  // Gateway groups.
  c.unique(doc.groups, (g) => g.name, (i) => `/groups/${i}/name`, 'group name');
  doc.groups.forEach((g, i) => c.unique(g.members, (m) => m.name, (j) => `/groups/${i}/members/${j}/name`, 'member'));
  const groups = new Set(doc.groups.map((g) => g.name));

  // Peerings.
  c.unique(doc.peerings, (p) => p.name, (i) => `/peerings/${i}/name`, 'peering name');
  c.unique(
    doc.peerings,
    (p) => (p.sides[0].vpc === p.sides[1].vpc ? undefined : [p.sides[0].vpc, p.sides[1].vpc].sort().join(' <-> ')),
    (i) => `/peerings/${i}/sides`,
    'VPC pair',
  );
  doc.peerings.forEach((p, i) => checkPeering(c, p, `/peerings/${i}`, vpcNets, groups));

  // Static routes.
  const vpcNames = new Set(doc.vpcs.map((v) => v.name));
  c.unique(doc.staticRoutes, (r) => `${r.vpc ?? 'underlay'} ${parsePrefix(r.prefix)?.text ?? r.prefix}`, (i) => `/staticRoutes/${i}/prefix`, 'route');
  doc.staticRoutes.forEach((r, i) => {
    const at = `/staticRoutes/${i}`;
    if (r.vpc !== undefined && !vpcNames.has(r.vpc)) c.add('NO_SUCH_REF', `${at}/vpc`, `no VPC named ${r.vpc}`);
    const p = c.prefix(r.prefix, `${at}/prefix`);
    const drop = r.blackhole ? 'blackhole' : r.reject ? 'reject' : undefined;
    if (r.blackhole && r.reject) c.add('INVALID_VALUE', `${at}/reject`, 'a route is either blackhole or reject');
    if (drop && r.nexthops.length > 0) c.add('INVALID_VALUE', `${at}/nexthops`, `a ${drop} route has no next hops`);
    if (!drop && r.nexthops.length === 0) c.add('MISSING', `${at}/nexthops`, 'next hops required (or blackhole/reject: true)');
    r.nexthops.forEach((nh, j) => {
      const a = c.peer(nh.ip, `${at}/nexthops/${j}/ip`, nh.port, own);
      if (a && p && a.family !== p.family) c.add('INVALID_VALUE', `${at}/nexthops/${j}/ip`, `IPv${a.family} next hop for an IPv${p.family} prefix`);
      if (nh.port !== undefined && !portNames.has(nh.port)) c.add('NO_SUCH_REF', `${at}/nexthops/${j}/port`, `no port named ${nh.port}`);
    });
    // The same router twice is one path, not ECMP; a link-local address is only the same router on the same port.
    c.unique(
      r.nexthops,
      (nh) => {
        const a = parseIp(nh.ip);
        return a && (a.family === 6 && specialHost(a.text)?.text === 'fe80::/10' ? `${a.text}%${nh.port ?? ''}` : a.text);
      },
      (j) => `${at}/nexthops/${j}/ip`,
      'next hop',
    );
  });
  c.problems.push(...overlayProblems(doc, own, vpcNets));
  c.problems.push(...natPoolProblems(doc));
  // One problem per (code, path): two rules can see the same fault (an overlap of untranslated exposes).
  const seen = new Set<string>();
  return c.problems.filter((p) => !seen.has(`${p.code} ${p.path}`) && seen.add(`${p.code} ${p.path}`));
}

const STATEFUL = new Set(['masquerade', 'portForward']);

function checkPeering(c: Checker, p: Peering, at: string, vpcNets: Map<string, ParsedPrefix[]>, groups: Set<string>): void {
  if (p.group !== undefined && !groups.has(p.group)) c.add('NO_SUCH_REF', `${at}/group`, `no gateway group named ${p.group}`);
  if (p.sides[0].vpc === p.sides[1].vpc) c.add('INVALID_VALUE', `${at}/sides/1/vpc`, 'a peering connects two different VPCs');
  const statefulSides: number[] = [];
  const defaults: number[] = [];
  p.sides.forEach((side, j) => {
    const sat = `${at}/sides/${j}`;
    const nets = vpcNets.get(side.vpc);
    if (!nets) c.add('NO_SUCH_REF', `${sat}/vpc`, `no VPC named ${side.vpc}`);
    const sideDefaults = side.expose.filter((e) => e.default).length;
    if (sideDefaults > 1) c.add('DUPLICATE', `${sat}/expose`, 'at most one default expose per side');
    if (sideDefaults > 0) defaults.push(j);
    if (side.expose.some((e) => e.nat && STATEFUL.has(e.nat.mode))) statefulSides.push(j);
    const exposed: { p: ParsedPrefix; path: string }[] = [];
    side.expose.forEach((e, k) => checkExpose(c, e, `${sat}/expose/${k}`, nets, exposed));
    c.disjoint(exposed, 'exposed prefix');
    // What the other side routes to by destination (untranslated or statically translated) must be unambiguous.
    const visible: { p: ParsedPrefix; path: string }[] = [];
    side.expose.forEach((e, k) => {
      const d = exposedDestinations(e);
      if (!d || d.field === 'default') return;
      d.prefixes.forEach((s, i) => {
        const p = parsePrefix(s);
        if (p) visible.push({ p, path: `${sat}/expose/${k}/${d.field}/${i}` });
      });
    });
    c.disjoint(visible, 'prefix seen by the other side');
  });
  if (statefulSides.length > 1) {
    c.add('NAT_INCOMPATIBLE', `${at}/sides/1/expose`, 'stateful NAT (masquerade, portForward) on both sides of a peering: flows could never be initiated');
  }
  if (defaults.length > 1) c.add('INVALID_VALUE', `${at}/sides/1/expose`, 'default expose on both sides of a peering');
}

function checkExpose(c: Checker, e: Expose, at: string, nets: ParsedPrefix[] | undefined, exposed: { p: ParsedPrefix; path: string }[]): void {
  const ips = e.ips.map((s, i) => c.prefix(s, `${at}/ips/${i}`));
  const as = (e.as ?? []).map((s, i) => c.prefix(s, `${at}/as/${i}`));
  ips.forEach((p, i) => {
    if (!p) return;
    exposed.push({ p, path: `${at}/ips/${i}` });
    if (nets && !e.default && !nets.some((n) => covers(n, p))) {
      c.add('INVALID_VALUE', `${at}/ips/${i}`, `${p.text} is not inside a subnet of this VPC`);
    }
  });
  if (e.default && e.ips.length > 0) c.add('INVALID_VALUE', `${at}/ips`, 'a default expose lists no prefixes');
  if (e.rateLimit && e.rateLimit.packetsPerSecond === undefined && e.rateLimit.bitsPerSecond === undefined) {
    c.add('MISSING', `${at}/rateLimit`, 'a rate limit needs packetsPerSecond and/or bitsPerSecond');
  }
  const fam = (ps: (ParsedPrefix | undefined)[]): Set<number> => new Set(ps.filter((p) => p).map((p) => p!.family));
  if (fam(ips).size > 1) c.add('INVALID_VALUE', `${at}/ips`, 'mixes IPv4 and IPv6 prefixes');
  if (fam(as).size > 1) c.add('INVALID_VALUE', `${at}/as`, 'mixes IPv4 and IPv6 prefixes');
  c.problems.push(...natExposeProblems(e, at, ips, as));
}

/** Communities FRR prints by name (RFC 1997, RFC 7999, RFC 8326): the numeric form of these is refused. */
const WELL_KNOWN_COMMUNITIES = new Set(['graceful-shutdown', 'no-export', 'no-advertise', 'blackhole']);

function checkCommunity(c: Checker, s: string, path: string): void {
  if (WELL_KNOWN_COMMUNITIES.has(s)) return;
  const m = /^(\d+):(\d+)$/.exec(s);
  if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) c.add('INVALID_VALUE', path, `"${s}" is not a community (asn:value, each 0..65535)`);
  // 65535:x is the well-known range: FRR shows those by name, so the document must use the name too.
  else if (Number(m[1]) === 65535) c.add('INVALID_VALUE', path, `"${s}" is in the well-known range 65535:x; use its name (graceful-shutdown, no-export, no-advertise, blackhole)`);
}

function checkRule(c: Checker, r: PolicyRule, at: string): void {
  (r.match?.prefixes ?? []).forEach((m, k) => {
    const pat = `${at}/match/prefixes/${k}`;
    const p = c.prefix(m.prefix, `${pat}/prefix`);
    if (!p) return;
    const max = p.family === 4 ? 32 : 128;
    // FRR's prefix-list rule: len < ge <= le <= max.
    if (m.ge !== undefined && (m.ge <= p.len || m.ge > max)) c.add('INVALID_VALUE', `${pat}/ge`, `ge ${m.ge} must be longer than /${p.len} and at most ${max}`);
    if (m.le !== undefined && (m.le <= p.len || m.le > max)) c.add('INVALID_VALUE', `${pat}/le`, `le ${m.le} must be longer than /${p.len} and at most ${max}`);
    if (m.ge !== undefined && m.le !== undefined && m.le < m.ge) c.add('INVALID_VALUE', `${pat}/le`, `le ${m.le} is below ge ${m.ge}`);
  });
  (r.match?.communities ?? []).forEach((x, k) => checkCommunity(c, x, `${at}/match/communities/${k}`));
  (r.set?.communities ?? []).forEach((x, k) => checkCommunity(c, x, `${at}/set/communities/${k}`));
  if (r.action === 'deny' && r.set) c.add('INVALID_VALUE', `${at}/set`, 'a deny rule refuses the route: there is nothing to set');
}

/** Neighbor groups, route policies and the references to them; raw FRR fragments that would leave their block. */
function checkBgpPolicy(c: Checker, doc: DesiredState, profiles: Set<string>): void {
  const gw = doc.gateway;
  const groups = gw.neighborGroups ?? [];
  const policies = gw.policies ?? [];
  c.unique(groups, (g) => g.name, (i) => `/gateway/neighborGroups/${i}/name`, 'neighbor group');
  c.unique(policies, (p) => p.name, (i) => `/gateway/policies/${i}/name`, 'policy');
  const names = new Set(policies.map((p) => p.name));
  const groupNames = new Set(groups.map((g) => g.name));
  const settings = (s: SessionSettings, at: string): void => {
    for (const dir of ['import', 'export'] as const) {
      const ref = s[dir];
      if (ref !== undefined && !names.has(ref)) c.add('NO_SUCH_REF', `${at}/${dir}`, `no policy named ${ref}`);
    }
    if (s.bfdProfile !== undefined && !profiles.has(s.bfdProfile)) c.add('NO_SUCH_REF', `${at}/bfdProfile`, `no BFD profile named ${s.bfdProfile}`);
  };
  groups.forEach((g, i) => settings(g, `/gateway/neighborGroups/${i}`));
  gw.neighbors.forEach((n, i) => {
    settings(n, `/gateway/neighbors/${i}`);
    if (n.group !== undefined && !groupNames.has(n.group)) c.add('NO_SUCH_REF', `/gateway/neighbors/${i}/group`, `no neighbor group named ${n.group}`);
  });
  policies.forEach((p, i) => p.rules.forEach((r, j) => checkRule(c, r, `/gateway/policies/${i}/rules/${j}`)));
  // A fragment is spliced into its block: a line that closes the block would put the rest of the file elsewhere.
  const frag = gw.frrFragments?.routerBgp;
  if (frag !== undefined) {
    frag.split('\n').forEach((l, k) => {
      if (/^\s*(exit|end|quit)\s*$|^\s*router\s/.test(l)) c.add('INVALID_VALUE', '/gateway/frrFragments/routerBgp', `line ${k + 1} "${l.trim()}" would leave the router bgp block`);
    });
  }
}
