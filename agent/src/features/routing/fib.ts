// zebra's FIB (per VRF, as the plugin streams it) -> dataplane tables. One writer (Node's main thread);
// nexthops and groups are deduplicated with reference counts so 1M routes over two peers cost two
// nexthops and a few groups. Every batch of ops is applied with one call per table kind and each op gets
// its own result, which the CPI sends back to zebra.
//
// Overlay routes (EVPN nexthops: vni != 0, gate = remote VTEP, ifindex = the L3 SVI) of a zebra VRF that is a
// VPC's go to that VPC's dataplane VRF through groups of VXLAN tunnels (vni, VTEP, router MAC). zebra puts no
// router MAC on a route: it comes from the EVPN model (RmacSource). A route whose VTEP has no known router MAC
// yet is answered `ok` and waits (zebra sends the RMAC neighbor before the route, but a replay or a re-created
// L3VNI can order them otherwise); it is installed when the MAC arrives. A MAC that changes rewrites the tunnel
// in place; one that is deleted leaves the tunnel with its last MAC (zebra deletes the RMAC before the routes
// over it, note section 11), and new routes to that VTEP use it too.
import type { DataplaneApi, RouteOp, RouteTarget, TableErrorCode } from '../../dataplane/api.ts';
import { idPools, NexthopBatch, NexthopOwner, type GroupRef, type Member, type TableSizes } from '../../core/nexthops.ts';
import type { ResultName, RouteOp as WireRouteOp } from '../../../../wire/gen/wire.gen.ts';
import { parsePrefix } from '../../dataplane/addr.ts';
import type { PortResolver } from './ports.ts';
import { unmapV4, type RmacChange, type RmacSource } from './evpn.ts';
import { IDENTITY_VRFS, type OverlayVrfs } from './overlay-vrfs.ts';

/** How the FIB places overlay routes: zebra VRF -> dataplane VRF, and the remote VTEPs' router MACs. */
export interface FibOverlay {
  vrfs: OverlayVrfs;
  rmacs?: RmacSource;
}

/** FRR constants the FIB reads from route ops (lib/route_types.h, lib/nexthop.h). */
export const ZEBRA_ROUTE_KERNEL = 1;
export const ZEBRA_ROUTE_CONNECT = 2;
export const ZEBRA_ROUTE_BGP = 9;
const RT_TABLE_MAIN = 254;
const NH_BLACKHOLE = 6;
const BH_REJECT = 2;
const BH_ADMINPROHIB = 3;

/**
 * "addr/len" when addr (canonical text from the wire decoder) has no host bits set, else undefined. IPv4 is
 * checked arithmetically (it is most of the table and the generic parser cost ~5 us/route); IPv6 is parsed.
 */
export function canonicalPrefix(addr: string, plen: number): string | undefined {
  if (!addr.includes(':')) {
    if (plen > 32) return undefined;
    const o = addr.split('.');
    const v = ((+o[0]! << 24) | (+o[1]! << 16) | (+o[2]! << 8) | +o[3]!) >>> 0;
    const host = plen === 32 ? 0 : (0xffffffff >>> plen) >>> 0;
    return (v & host) === 0 ? `${addr}/${plen}` : undefined;
  }
  if (plen <= 128 && v6HostBitsClear(addr, plen)) return `${addr}/${plen}`;
  const p = parsePrefix(`${addr}/${plen}`);
  return p && p.text === `${addr}/${plen}` ? p.text : undefined;
}

/**
 * True when the (canonical, hex-only) IPv6 text has no bits set beyond plen. Reads the hextets in place: the
 * generic parse + format cost ~4.5 us per IPv6 route. Anything unexpected answers false (the slow path decides).
 */
function v6HostBitsClear(addr: string, plen: number): boolean {
  // Hextets before "::" land at 0.., those after it are right-aligned once their count is known.
  const g: number[] = [];
  let gap = -1;
  let v = 0;
  let digits = 0;
  for (let i = 0; i <= addr.length; i++) {
    if (i === addr.length) {
      if (digits > 0) g.push(v);
      else if (!(addr.endsWith('::') && gap === g.length)) return false;
      break;
    }
    const c = addr.charCodeAt(i);
    if (c === 58) {
      if (digits === 0) {
        if (i === 0 && addr.charCodeAt(1) === 58) continue;
        if (gap >= 0 || addr.charCodeAt(i - 1) !== 58) return false;
        gap = g.length;
        continue;
      }
      g.push(v);
      v = 0;
      digits = 0;
      continue;
    }
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0 || ++digits > 4) return false;
    v = (v << 4) | d;
  }
  if (gap < 0 ? g.length !== 8 : g.length > 7) return false;
  const zeros = 8 - g.length;
  for (let k = 0; k < 8; k++) {
    const x = gap < 0 || k < gap ? g[k]! : k < gap + zeros ? 0 : g[k - zeros]!;
    const keep = plen >= (k + 1) * 16 ? 16 : Math.max(0, plen - k * 16);
    if (keep < 16 && (x & (0xffff >>> keep)) !== 0) return false;
  }
  return true;
}

export interface FibRouteResult {
  code: ResultName;
  reason?: string;
}

/**
 * What the FIB remembers per route, packed into one number: the epoch of the last op that announced it
 * (mark-and-sweep) times GROUP_SPAN plus the group it holds (0 for non-unicast targets). An object per route
 * cost ~30 B more at 1M routes; the number stays a small integer (no heap cell) for the first 2047 epochs.
 */
type Installed = number;
const GROUP_SPAN = 2 ** 20;
const installed = (epoch: number, group: number): Installed => epoch * GROUP_SPAN + group;
const groupOf = (v: Installed): number => v % GROUP_SPAN;
const epochOf = (v: Installed): number => Math.floor(v / GROUP_SPAN);

/** What a route op resolves to before anything is written. */
type Plan =
  | { kind: 'skip'; code: ResultName }
  /** vrf: the dataplane VRF an older entry of the prefix would be in (when the VRF resolved). */
  | { kind: 'fail'; code: ResultName; reason: string; vrf?: number; prefix?: string }
  | { kind: 'del'; vrf: number; prefix: string }
  | { kind: 'wait'; vrf: number; prefix: string }
  | { kind: 'add'; vrf: number; prefix: string; target: RouteTarget; members?: Member[]; sig?: string; group?: GroupRef };


/** Most routes share a handful of nexthop sets: remembered by their wire form, up to this many. */
const MAX_CACHED_SETS = 4096;
const OK: FibRouteResult = Object.freeze({ code: 'ok' });
const UNDERLAY = Object.freeze({ vrf: 0, vpc: null });

const DP_TO_RESULT: Record<TableErrorCode, ResultName> = {
  ok: 'ok',
  not_found: 'ok',
  invalid: 'invalid',
  table_full: 'table_full',
  no_vrf: 'no_vrf',
  no_nexthop: 'internal',
  no_memory: 'no_memory',
};

export interface FibSizes {
  vrfs: number;
  routes: number;
  nexthops: number;
  groups: number;
}

/** A route of a dataplane VRF as `show routes` lists it. */
export interface FibRouteView {
  prefix: string;
  /** installed: in the dataplane; waiting: an overlay route whose VTEP's router MAC is not known yet. */
  state: 'installed' | 'waiting';
  target: 'unicast' | 'blackhole' | 'reject';
  nexthops: ({ kind: 'port'; port: number; gateway: string | null; weight: number } | { kind: 'vxlan'; vni: number; vtep: string; rmac: string | null; tunnel: number | null; weight: number })[];
  stale: boolean;
}

/** An overlay route waiting for a router MAC: its op is applied again when one of its VTEPs gets one. */
interface Waiting {
  op: WireRouteOp;
  epoch: number;
}

export class Fib {
  private readonly routes = new Map<number, Map<string, Installed>>();
  /** Wire nexthop set -> the group it resolved to (valid while that very group object is live). */
  private readonly groupBySig = new Map<string, GroupRef>();
  private sigPortsVersion = -1;
  private readonly nexthops: NexthopOwner;
  private routeCount = 0;
  /** Overlay routes answered ok that wait for a router MAC, per dataplane VRF. */
  private readonly waiting = new Map<number, Map<string, Waiting>>();
  /** The dataplane VRF each zebra VRF last resolved to: its deletes still find their routes after the map changed. */
  private readonly bound = new Map<number, number>();
  private readonly vrfs: OverlayVrfs;
  private readonly rmacs: RmacSource | undefined;

  constructor(
    private readonly dp: DataplaneApi,
    private readonly ports: PortResolver,
    limits: TableSizes = {},
    /**
     * Routes of the boot file's dataplane section ("<vrf> <prefix>"): written before FRR runs and outside zebra,
     * so zebra may not replace them (or delete them with a withdraw). Its route for such a prefix is refused.
     */
    private readonly bootRoutes: ReadonlySet<string> = new Set(),
    overlay: FibOverlay = { vrfs: IDENTITY_VRFS },
  ) {
    this.vrfs = overlay.vrfs;
    this.rmacs = overlay.rmacs;
    // Group ids must fit the packed Installed value.
    this.nexthops = new NexthopOwner(idPools(limits, GROUP_SPAN - 1).fib);
  }

  sizes(): FibSizes {
    return { vrfs: this.routes.size, routes: this.routeCount, ...this.nexthops.sizes() };
  }

  /** Routes the FIB holds for a VRF (what it believes the dataplane has), e.g. for comparisons in tests. */
  prefixes(vrf: number): string[] {
    return [...(this.routes.get(vrf)?.keys() ?? [])];
  }

  /** The dataplane VRF of a zebra VRF's routes; a delete falls back to where the VRF's routes last went. */
  private bind(zebraVrf: number, del: boolean): { vrf: number; vpc: string | null } | string {
    if (zebraVrf === 0) return UNDERLAY;
    const b = this.vrfs.resolve(zebraVrf);
    if ('refuse' in b) {
      const last = del ? this.bound.get(zebraVrf) : undefined;
      return last === undefined ? b.refuse : { vrf: last, vpc: null };
    }
    this.bound.set(zebraVrf, b.vrf);
    return b;
  }

  private plan(op: WireRouteOp): Plan {
    // Only the main table forwards; other tables (policy routing) and connected/kernel routes are not the
    // plugin's to program: the dataplane component owns its ports' connected and local routes. (With the netns
    // VRF backend every VRF's main table is 254 too.)
    if (op.table !== RT_TABLE_MAIN) return { kind: 'skip', code: 'ok' };
    if (op.proto === ZEBRA_ROUTE_CONNECT || op.proto === ZEBRA_ROUTE_KERNEL) return { kind: 'skip', code: 'ok' };
    const p = canonicalPrefix(op.dst, op.plen);
    if (!p) return { kind: 'fail', code: 'invalid', reason: `bad prefix ${op.dst}/${op.plen}` };
    const del = op.op === 'ROUTE_DELETE';
    const b = this.bind(op.vrf, del);
    if (typeof b === 'string') return del ? { kind: 'skip', code: 'ok' } : { kind: 'fail', code: 'no_vrf', reason: b };
    const vrf = b.vrf;
    if (this.bootRoutes.size > 0 && this.bootRoutes.has(`${vrf} ${p}`)) {
      return del ? { kind: 'skip', code: 'ok' } : { kind: 'fail', code: 'unsupported', reason: `${p} is a route of the boot file's dataplane section` };
    }
    if (this.waiting.size > 0) this.unwait(vrf, p);
    if (del) return { kind: 'del', vrf, prefix: p };
    const bh = op.nexthops.find((n) => n.type === NH_BLACKHOLE);
    if (bh) {
      const kind = bh.bhType === BH_REJECT || bh.bhType === BH_ADMINPROHIB ? 'reject' : 'blackhole';
      return { kind: 'add', vrf, prefix: p, target: { kind } };
    }
    if (op.nexthops.length === 0) return { kind: 'fail', code: 'invalid', reason: 'route without active nexthops', vrf, prefix: p };
    if (op.nexthops[0]!.vni !== 0) return this.planOverlay(op, b, p);
    // Resolving ports and building the group's dedup keys cost more than the rest of a route: a nexthop set
    // seen before maps straight to its live group. Port mappings change only on a resolver refresh.
    const pv = this.ports.version ?? 0;
    if (pv !== this.sigPortsVersion) {
      this.groupBySig.clear();
      this.sigPortsVersion = pv;
    }
    let sig = '';
    for (const nh of op.nexthops) sig += `${nh.vrf}/${nh.ifindex}/${nh.gate ?? ''}/${nh.weight}/${nh.vni};`;
    const cached = this.groupBySig.get(sig);
    if (cached && this.nexthops.live(cached)) return { kind: 'add', vrf, prefix: p, target: { kind: 'unicast', group: cached.id }, group: cached };
    const members: Member[] = [];
    for (const nh of op.nexthops) {
      if (nh.vni !== 0) return { kind: 'fail', code: 'unsupported', reason: `EVPN and underlay nexthops in one route (vni ${nh.vni})`, vrf, prefix: p };
      const port = this.ports.portFor(nh.vrf, nh.ifindex);
      if (port === undefined) return { kind: 'fail', code: 'unsupported', reason: `nexthop ifindex ${nh.ifindex} (vrf ${nh.vrf}) is not a dataplane port`, vrf, prefix: p };
      members.push({ port, ...(nh.gate !== null ? { gateway: nh.gate } : {}), weight: Math.max(1, nh.weight) });
    }
    return { kind: 'add', vrf, prefix: p, target: { kind: 'unicast', group: 0 }, members, sig };
  }

  /** A route over EVPN nexthops: one tunnel per (vni, VTEP), each with the VTEP's router MAC. */
  private planOverlay(op: WireRouteOp, b: { vrf: number; vpc: string | null }, p: string): Plan {
    const vrf = b.vrf;
    const no = (code: ResultName, reason: string): Plan => ({ kind: 'fail', code, reason, vrf, prefix: p });
    if (b.vpc === null) return no('no_vrf', `EVPN nexthop (vni ${op.nexthops[0]!.vni}) in zebra VRF ${op.vrf}, which is no VPC's`);
    const members: Member[] = [];
    for (const nh of op.nexthops) {
      if (nh.vni === 0) return no('unsupported', 'EVPN and underlay nexthops in one route');
      if (nh.gate === null) return no('invalid', `EVPN nexthop (vni ${nh.vni}) without a VTEP`);
      const vtep = unmapV4(nh.gate);
      if (vtep.includes(':')) return no('unsupported', `EVPN nexthop (vni ${nh.vni}): VTEP ${vtep} is not IPv4 (the overlay's underlay is IPv4)`);
      const mac = this.rmacs?.rmac(nh.vni, vtep) ?? this.nexthops.tunnel(nh.vni, vtep)?.mac;
      if (mac === undefined) return { kind: 'wait', vrf, prefix: p };
      const weight = Math.max(1, nh.weight);
      members.push({ vxlan: { vni: nh.vni, vtep, mac }, weight });
    }
    return { kind: 'add', vrf, prefix: p, target: { kind: 'unicast', group: 0 }, members };
  }

  /** Forgets a waiting route (a new op for the prefix decides again). */
  private unwait(vrf: number, prefix: string): boolean {
    const t = this.waiting.get(vrf);
    if (!t?.delete(prefix)) return false;
    if (t.size === 0) this.waiting.delete(vrf);
    return true;
  }

  /**
   * Applies route ops (install/update/delete) as one batch. Returns one result per op, in order. The
   * dataplane is written with one setNexthops, setGroups, applyRoutes and cleanup call each.
   */
  apply(ops: WireRouteOp[], epoch: number): FibRouteResult[] {
    const results: FibRouteResult[] = new Array(ops.length);
    const batch = new NexthopBatch();
    const { newNexthops: newNhs, newGroups, deadGroups: delGroups, deadNexthops: delNhs } = batch;
    const routeOps: RouteOp[] = [];
    const routeIdx: number[] = [];
    const newGroupOf: number[] = [];
    for (let i = 0; i < ops.length; i++) {
      const pl = this.plan(ops[i]!);
      if (pl.kind === 'skip') {
        results[i] = pl.code === 'ok' ? OK : { code: pl.code };
        continue;
      }
      if (pl.kind === 'fail') {
        results[i] = { code: pl.code, reason: pl.reason };
        // zebra now believes the prefix is not installed: the dataplane must not keep an older entry.
        const v = pl.vrf ?? this.bound.get(ops[i]!.vrf) ?? ops[i]!.vrf;
        const pfx = pl.prefix ?? `${ops[i]!.dst}/${ops[i]!.plen}`;
        this.dropOlder(v, pfx, routeOps, routeIdx, newGroupOf, batch);
        continue;
      }
      if (pl.kind === 'wait') {
        // Answered ok: zebra's route is accepted and takes effect once the router MAC is known. What the prefix
        // had before (an older path) must not keep forwarding meanwhile.
        results[i] = OK;
        this.dropOlder(pl.vrf, pl.prefix, routeOps, routeIdx, newGroupOf, batch);
        let t = this.waiting.get(pl.vrf);
        if (!t) this.waiting.set(pl.vrf, (t = new Map()));
        t.set(pl.prefix, { op: ops[i]!, epoch });
        continue;
      }
      if (pl.kind === 'del') {
        routeOps.push({ op: 'del', vrf: pl.vrf, prefix: pl.prefix });
        routeIdx.push(i);
        newGroupOf.push(0);
        continue;
      }
      let target = pl.target;
      let gid = 0;
      if (pl.group) {
        pl.group.refs++;
        gid = pl.group.id;
      } else if (pl.members) {
        const g = this.nexthops.holdGroup(pl.members, batch);
        if (g === undefined) {
          results[i] = { code: 'table_full', reason: 'nexthop or group ids exhausted' };
          continue;
        }
        gid = g.id;
        target = { kind: 'unicast', group: g.id };
        if (pl.sig !== undefined) {
          if (this.groupBySig.size >= MAX_CACHED_SETS) this.groupBySig.clear();
          this.groupBySig.set(pl.sig, g);
        }
      }
      routeOps.push({ op: 'add', vrf: pl.vrf, prefix: pl.prefix, target });
      routeIdx.push(i);
      newGroupOf.push(gid);
    }

    const nhRes = newNhs.length ? this.dp.setNexthops(newNhs) : [];
    const badNh = new Set(newNhs.filter((_, k) => nhRes[k] !== 'ok').map((n) => n.id));
    this.writeTunnels(batch, badNh);
    const grRes = newGroups.length ? this.dp.setGroups(newGroups) : [];
    const badGroup = new Map<number, TableErrorCode>();
    newGroups.forEach((g, k) => {
      if (grRes[k] !== 'ok' || g.members.some((m) => badNh.has(m.nexthop))) badGroup.set(g.id, grRes[k] === 'ok' ? 'invalid' : grRes[k]!);
    });
    // Routes over a group the dataplane refused are not written; they fail with the group's code.
    const writable: number[] = [];
    for (let k = 0; k < routeOps.length; k++) {
      const g = newGroupOf[k]!;
      if (g && badGroup.has(g)) {
        const i = routeIdx[k]!;
        results[i] = { code: DP_TO_RESULT[badGroup.get(g)!], reason: `nexthop group refused: ${badGroup.get(g)}` };
        this.nexthops.release(g, batch);
      } else {
        writable.push(k);
      }
    }
    const toWrite = writable.length === routeOps.length ? routeOps : writable.map((k) => routeOps[k]!);
    const rtRes = toWrite.length ? this.dp.applyRoutes(toWrite) : [];
    for (let j = 0; j < writable.length; j++) {
      const k = writable[j]!;
      const r = routeOps[k]!;
      const i = routeIdx[k]!;
      const code = rtRes[j]!;
      if (i < 0) continue;
      if (r.op === 'del') {
        this.forget(r.vrf, r.prefix, batch);
        // no_vrf: the VPC's dataplane VRF went first (its routes with it).
        results[i] = code === 'ok' || code === 'not_found' || code === 'no_vrf' ? OK : { code: DP_TO_RESULT[code] };
        continue;
      }
      if (code !== 'ok') {
        results[i] = { code: DP_TO_RESULT[code], reason: `dataplane: ${code}` };
        this.nexthops.release(newGroupOf[k]!, batch);
        continue;
      }
      const t = this.vrfTable(r.vrf);
      const prev = t.get(r.prefix);
      if (prev !== undefined) {
        if (groupOf(prev)) this.nexthops.release(groupOf(prev), batch);
      } else {
        this.routeCount++;
      }
      t.set(r.prefix, installed(epoch, newGroupOf[k]!));
      results[i] = OK;
    }
    // Groups before nexthops: a group must not point at a deleted nexthop, even briefly.
    const liveGroups = delGroups.filter((g) => !badGroup.has(g));
    if (liveGroups.length) this.dp.delGroups(liveGroups);
    if (delNhs.length) this.dp.delNexthops(delNhs.filter((n) => !badNh.has(n)));
    const deadTunnels = batch.deadTunnels.filter((n) => !badNh.has(n));
    if (deadTunnels.length) this.dp.delTunnels(deadTunnels);
    return results;
  }

  /** Removes the dataplane entry a refused or waiting route replaces (written with the batch's routes). */
  private dropOlder(vrf: number, prefix: string, routeOps: RouteOp[], routeIdx: number[], newGroupOf: number[], batch: NexthopBatch): void {
    if (!this.routes.get(vrf)?.has(prefix)) return;
    routeOps.push({ op: 'del', vrf, prefix });
    routeIdx.push(-1);
    newGroupOf.push(0);
    this.forget(vrf, prefix, batch);
  }

  /** New tunnels and router-MAC rewrites, before the groups that use them; refused ids join `bad`. */
  private writeTunnels(batch: NexthopBatch, bad: Set<number>): void {
    if (!batch.newTunnels.length) return;
    const res = this.dp.setTunnels(batch.newTunnels);
    batch.newTunnels.forEach((t, k) => {
      if (res[k] !== 'ok') bad.add(t.id);
    });
  }

  /**
   * Router MACs changed (EVPN model): live tunnels to those VTEPs are rewritten, and waiting routes over them
   * are applied again (in their own epochs). Returns what failed, for the CPI's failure list.
   */
  rmacsChanged(changes: RmacChange[]): { vrf: number; prefix: string; result: FibRouteResult }[] {
    const batch = new NexthopBatch();
    const known = new Set<string>();
    for (const c of changes) {
      if (c.mac === undefined) continue;
      this.nexthops.setTunnelMac(c.vni, c.vtep, c.mac, batch);
      known.add(`${c.vni}/${c.vtep}`);
    }
    this.writeTunnels(batch, new Set());
    const failed: { vrf: number; prefix: string; result: FibRouteResult }[] = [];
    if (known.size === 0 || this.waiting.size === 0) return failed;
    const ready: Waiting[] = [];
    for (const t of this.waiting.values()) {
      for (const w of t.values()) if (w.op.nexthops.some((n) => n.gate !== null && known.has(`${n.vni}/${unmapV4(n.gate)}`))) ready.push(w);
    }
    // Each keeps the epoch of the op that announced it (a later sweep must judge it by that).
    for (const w of ready) {
      const [r] = this.apply([w.op], w.epoch);
      if (r!.code !== 'ok') failed.push({ vrf: w.op.vrf, prefix: `${w.op.dst}/${w.op.plen}`, result: r! });
    }
    return failed;
  }

  private vrfTable(vrf: number): Map<string, Installed> {
    let t = this.routes.get(vrf);
    if (!t) {
      t = new Map();
      this.routes.set(vrf, t);
    }
    return t;
  }

  private forget(vrf: number, prefix: string, batch: NexthopBatch): void {
    const t = this.routes.get(vrf);
    const prev = t?.get(prefix);
    if (!t || prev === undefined) return;
    t.delete(prefix);
    this.routeCount--;
    if (groupOf(prev)) this.nexthops.release(groupOf(prev), batch);
    if (t.size === 0) this.routes.delete(vrf);
  }

  /**
   * Keeps a route zebra deleted in the dataplane as stale (as if last announced before `epoch`): the next sweep
   * removes it unless the route is announced again first. False when the FIB does not hold it.
   */
  retire(zebraVrf: number, prefix: string, epoch: number): boolean {
    const vrf = zebraVrf === 0 ? 0 : (this.bound.get(zebraVrf) ?? zebraVrf);
    const w = this.waiting.get(vrf)?.get(prefix);
    if (w) {
      w.epoch = Math.min(w.epoch, epoch - 1);
      return true;
    }
    const t = this.routes.get(vrf);
    const prev = t?.get(prefix);
    if (!t || prev === undefined) return false;
    t.set(prefix, installed(Math.min(epochOf(prev), epoch - 1), groupOf(prev)));
    return true;
  }

  /** Routes last announced before `epoch` (stale until swept). */
  staleCount(epoch: number): number {
    let n = 0;
    for (const t of this.routes.values()) for (const r of t.values()) if (epochOf(r) < epoch) n++;
    for (const t of this.waiting.values()) for (const w of t.values()) if (w.epoch < epoch) n++;
    return n;
  }

  /** Removes every route last announced before `epoch` (mark-and-sweep after a complete replay). */
  sweep(epoch: number): number {
    const stale: RouteOp[] = [];
    for (const [vrf, t] of this.routes) for (const [prefix, r] of t) if (epochOf(r) < epoch) stale.push({ op: 'del', vrf, prefix });
    let waited = 0;
    for (const [vrf, t] of this.waiting) {
      for (const [prefix, w] of t) {
        if (w.epoch >= epoch) continue;
        t.delete(prefix);
        waited++;
      }
      if (t.size === 0) this.waiting.delete(vrf);
    }
    if (!stale.length) return waited;
    const batch = new NexthopBatch();
    this.dp.applyRoutes(stale);
    for (const s of stale) this.forget(s.vrf, s.prefix, batch);
    if (batch.deadGroups.length) this.dp.delGroups(batch.deadGroups);
    if (batch.deadNexthops.length) this.dp.delNexthops(batch.deadNexthops);
    if (batch.deadTunnels.length) this.dp.delTunnels(batch.deadTunnels);
    return stale.length + waited;
  }

  /** Routes of a dataplane VRF with their nexthops and tunnels (installed and waiting), for `show routes`. */
  view(vrf: number, epoch: number): FibRouteView[] {
    const out: FibRouteView[] = [];
    let drops: Map<string, string> | undefined;
    const dropKind = (prefix: string): 'blackhole' | 'reject' => {
      drops ??= new Map(this.dp.routes(vrf).map((e) => [e.prefix, e.target.kind]));
      return drops.get(prefix) === 'reject' ? 'reject' : 'blackhole';
    };
    for (const [prefix, r] of this.routes.get(vrf) ?? []) {
      const g = groupOf(r);
      const nexthops: FibRouteView['nexthops'] = this.nexthops.describe(g).map((m) =>
        m.tunnel
          ? { kind: 'vxlan', vni: m.tunnel.vni, vtep: m.tunnel.vtep, rmac: m.tunnel.mac, tunnel: m.tunnel.id, weight: m.weight }
          : { kind: 'port', port: m.nexthop?.port ?? -1, gateway: m.nexthop?.gateway ?? null, weight: m.weight },
      );
      const target = g ? 'unicast' : dropKind(prefix);
      out.push({ prefix, state: 'installed', target, nexthops, stale: epochOf(r) < epoch });
    }
    for (const [prefix, w] of this.waiting.get(vrf) ?? []) {
      out.push({
        prefix,
        state: 'waiting',
        target: 'unicast',
        nexthops: w.op.nexthops.map((n) => ({ kind: 'vxlan', vni: n.vni, vtep: unmapV4(n.gate ?? ''), rmac: null, tunnel: null, weight: Math.max(1, n.weight) })),
        stale: w.epoch < epoch,
      });
    }
    return out.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  }

  /** Live tunnels (remote VTEPs) with the groups using each, for `show vteps`. */
  tunnels(): { id: number; vni: number; vtep: string; rmac: string; groups: number }[] {
    return this.nexthops
      .tunnels()
      .map(({ tunnel: t, groups }) => ({ id: t.id, vni: t.vni, vtep: t.vtep, rmac: t.mac, groups }))
      .sort((a, b) => a.id - b.id);
  }

  /** Overlay routes waiting for a router MAC. */
  waitingCount(): number {
    let n = 0;
    for (const t of this.waiting.values()) n += t.size;
    return n;
  }

  /** Dataplane VRFs the FIB holds routes in (installed or waiting). */
  vrfIds(): number[] {
    return [...new Set([...this.routes.keys(), ...this.waiting.keys()])].sort((a, b) => a - b);
  }
}
