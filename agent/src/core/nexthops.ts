// The one owner of the dataplane's nexthop and group ids. Every writer of routes (the boot tables, the
// document's static routes, the routing FIB) asks it for a route target: drop kinds need no entry, forwarding
// kinds get a deduplicated, reference-counted group of deduplicated nexthops, so 1M routes over two peers cost
// two nexthops and a few groups. Sharing is per owner: a document route shares the boot tables' nexthops, a FIB
// route (its own owner, below) does not yet.
//
// The owner only keeps the books; its user writes the dataplane, batch by batch, in the order a NexthopBatch
// says (new nexthops, new groups, routes, then dead groups, dead nexthops), because each user batches its
// writes differently and reports per-item results its own way.
//
// Ids: one space per table, split in two pools. The top RESERVED_IDS ids are the boot tables' and the
// document's (a handful, and they must never be crowded out by a full FIB); the FIB allocates below them.
// An owner keeps the books of one pool: the underlay's owner serves the boot tables and the document, the
// FIB has its own, so each reports its own sizes (/v1/cpi's rib counts stay the FIB's).
//
// VXLAN nexthops (the `tunnels` table: remote VTEP, its L3VNI and router MAC) share the nexthop id space, so
// an ECMP group lists them like port nexthops. One tunnel per (VNI, VTEP): the router MAC is an attribute, and
// a new MAC for a live tunnel rewrites that tunnel in place (groups and routes over it stay as they are).
import type { Nexthop, NexthopGroup, PortId, RouteTarget, Tunnel } from '../dataplane/api.ts';

/** An item of the dataplane's `tunnels` table (modules/vxlan). */
export type VxlanTunnel = Tunnel;

/** Table sizes when the boot file's `dataplane.eal.tables` leaves them out. The only copy. */
export const TABLE_DEFAULTS = { maxNexthops: 1 << 16, maxGroups: 1 << 16, maxRoutes4: 16384, maxRoutes6: 4096, maxVrfs: 16 } as const;

/** Ids at the top of each space kept for the boot tables and the document. */
export const RESERVED_IDS = 4096;

export type TableSizes = { maxNexthops?: number | undefined; maxGroups?: number | undefined };

/** Ids from a fixed range [lo, hi], reused after release: the one id allocator. */
export class IdRange {
  private next: number;
  private readonly free: number[] = [];
  constructor(
    lo: number,
    private readonly hi: number,
  ) {
    this.next = lo;
  }
  /** undefined when every id is taken. */
  tryTake(): number | undefined {
    const f = this.free.pop();
    if (f !== undefined) return f;
    return this.next <= this.hi ? this.next++ : undefined;
  }
  take(): number {
    const id = this.tryTake();
    if (id === undefined) throw new IdsExhausted();
    return id;
  }
  give(id: number): void {
    this.free.push(id);
  }
  /** Ids that can still be taken. */
  get available(): number {
    return Math.max(0, this.hi - this.next + 1) + this.free.length;
  }
}

export class IdsExhausted extends Error {
  constructor() {
    super('reserved nexthop/group ids exhausted');
  }
}

export interface IdPools {
  nexthops: IdRange;
  groups: IdRange;
}

/** The two pools of each id space for these table sizes; `fibGroupCap` bounds the FIB's group ids further. */
export function idPools(sizes: TableSizes = {}, fibGroupCap = Infinity): { fib: IdPools; reserved: IdPools } {
  const nh = sizes.maxNexthops ?? TABLE_DEFAULTS.maxNexthops;
  const g = sizes.maxGroups ?? TABLE_DEFAULTS.maxGroups;
  return {
    fib: { nexthops: new IdRange(1, nh - RESERVED_IDS), groups: new IdRange(1, Math.min(g - RESERVED_IDS, fibGroupCap)) },
    reserved: { nexthops: new IdRange(nh - RESERVED_IDS + 1, nh), groups: new IdRange(g - RESERVED_IDS + 1, g) },
  };
}

/** How a route leaves: out of a port to a connected host or to a gateway, or not at all. */
export type NexthopSpec =
  | { kind: 'connected'; port: PortId; weight?: number }
  | { kind: 'gateway'; port: PortId; gateway: string; weight?: number }
  | { kind: 'blackhole' }
  | { kind: 'reject' };

/** Where a VXLAN member sends: the remote VTEP, the VNI it decapsulates to, and its router MAC. */
export interface VxlanDest {
  vni: number;
  vtep: string;
  mac: string;
}

/** One forwarding member of a group: out of a port (connected when it has no gateway), or into a tunnel. */
export type Member = { port: PortId; gateway?: string; weight: number; vxlan?: undefined } | { vxlan: VxlanDest; weight: number };

/** Table writes one batch of holds and releases needs, in the order they must be written. */
export class NexthopBatch {
  readonly newNexthops: Nexthop[] = [];
  readonly newGroups: NexthopGroup[] = [];
  readonly deadGroups: number[] = [];
  readonly deadNexthops: number[] = [];
  /** Tunnels to write before the groups: new ones and live ones whose router MAC changed. */
  readonly newTunnels: VxlanTunnel[] = [];
  readonly deadTunnels: number[] = [];
}

type NhRef = { refs: number; value: Nexthop; tunnel?: undefined } | { refs: number; value?: undefined; tunnel: VxlanTunnel };
const refId = (r: NhRef): number => (r.tunnel ? r.tunnel.id : r.value.id);

export interface GroupRef {
  readonly id: number;
  refs: number;
  readonly key: string;
  readonly value: NexthopGroup;
}

const nhKey = (port: PortId, gateway: string | undefined): string => `${port}/${gateway ?? ''}`;
const tunnelKey = (vni: number, vtep: string): string => `vx/${vni}/${vtep}`;
const memberKey = (m: Member): string => (m.vxlan ? tunnelKey(m.vxlan.vni, m.vxlan.vtep) : nhKey(m.port, m.gateway));
const refKey = (r: NhRef): string => (r.tunnel ? tunnelKey(r.tunnel.vni, r.tunnel.vtep) : nhKey(r.value.port, r.value.gateway));

export class NexthopOwner {
  private readonly nhByKey = new Map<string, NhRef>();
  private readonly nhById = new Map<number, NhRef>();
  private readonly groupByKey = new Map<string, GroupRef>();
  private readonly groupById = new Map<number, GroupRef>();

  constructor(private readonly ids: IdPools) {}

  /** Ids this owner can still hand out (the smaller of its two pools). */
  available(): number {
    return Math.min(this.ids.nexthops.available, this.ids.groups.available);
  }

  sizes(): { nexthops: number; groups: number } {
    return { nexthops: this.nhByKey.size, groups: this.groupByKey.size };
  }

  /**
   * The target of a route over these next hops, holding a reference on its group; undefined when ids ran out
   * (nothing is held then). A drop kind among them makes the route drop.
   */
  hold(specs: NexthopSpec[], batch: NexthopBatch): RouteTarget | undefined {
    const drop = specs.find((s) => s.kind === 'blackhole' || s.kind === 'reject');
    if (drop) return { kind: drop.kind as 'blackhole' | 'reject' };
    const members = specs.flatMap((s): Member[] =>
      s.kind === 'gateway' ? [{ port: s.port, gateway: s.gateway, weight: s.weight ?? 1 }] : s.kind === 'connected' ? [{ port: s.port, weight: s.weight ?? 1 }] : [],
    );
    const g = this.holdGroup(members, batch);
    return g && { kind: 'unicast', group: g.id };
  }

  /** Releases what hold() returned. */
  releaseTarget(t: RouteTarget, batch: NexthopBatch): void {
    if (t.kind === 'unicast') this.release(t.group, batch);
  }

  /** A reference on the group of these members, created (with its nexthops) in `batch` when new. */
  holdGroup(members: Member[], batch: NexthopBatch): GroupRef | undefined {
    const ids = this.ids;
    const taken: NhRef[] = [];
    const refs: { nexthop: number; weight: number }[] = [];
    for (const m of members) {
      const old = this.nhByKey.get(memberKey(m));
      if (old?.tunnel && m.vxlan && old.tunnel.mac !== m.vxlan.mac) this.remac(old.tunnel, m.vxlan.mac, batch);
      const r = old ?? this.makeNexthop(m, batch, taken);
      if (!r) return this.unmake(taken, batch);
      refs.push({ nexthop: refId(r), weight: m.weight });
    }
    refs.sort((a, b) => a.nexthop - b.nexthop);
    const key = refs.map((m) => `${m.nexthop}:${m.weight}`).join(',');
    let g = this.groupByKey.get(key);
    if (!g) {
      const id = ids.groups.tryTake();
      if (id === undefined) return this.unmake(taken, batch);
      g = { id, refs: 0, key, value: { id, members: refs } };
      this.groupByKey.set(key, g);
      this.groupById.set(id, g);
      for (const m of refs) this.nhById.get(m.nexthop)!.refs++;
      batch.newGroups.push(g.value);
    }
    g.refs++;
    return g;
  }

  private makeNexthop(m: Member, batch: NexthopBatch, taken: NhRef[]): NhRef | undefined {
    const id = this.ids.nexthops.tryTake();
    if (id === undefined) return undefined;
    let r: NhRef;
    if (m.vxlan) {
      r = { refs: 0, tunnel: { id, vni: m.vxlan.vni, vtep: m.vxlan.vtep, mac: m.vxlan.mac } };
      batch.newTunnels.push(r.tunnel);
    } else {
      r = { refs: 0, value: m.gateway !== undefined ? { id, port: m.port, gateway: m.gateway } : { id, port: m.port } };
      batch.newNexthops.push(r.value);
    }
    this.nhByKey.set(memberKey(m), r);
    this.nhById.set(id, r);
    taken.push(r);
    return r;
  }

  /** A live tunnel gets another router MAC: the entry is rewritten in place (same id, groups unchanged). */
  private remac(t: VxlanTunnel, mac: string, batch: NexthopBatch): void {
    t.mac = mac;
    if (!batch.newTunnels.includes(t)) batch.newTunnels.push(t);
  }

  /**
   * The router MAC of the remote VTEP behind (vni, vtep) is now `mac`: a live tunnel to it is rewritten in
   * `batch`. False when no tunnel to it is live or it already has that MAC.
   */
  setTunnelMac(vni: number, vtep: string, mac: string, batch: NexthopBatch): boolean {
    const r = this.nhByKey.get(tunnelKey(vni, vtep));
    if (!r?.tunnel || r.tunnel.mac === mac) return false;
    this.remac(r.tunnel, mac, batch);
    return true;
  }

  /** The live tunnel to (vni, vtep), if any (its MAC is the last one written). */
  tunnel(vni: number, vtep: string): Readonly<VxlanTunnel> | undefined {
    return this.nhByKey.get(tunnelKey(vni, vtep))?.tunnel;
  }

  /** Live tunnels with the number of groups using each. */
  tunnels(): { tunnel: Readonly<VxlanTunnel>; groups: number }[] {
    const out: { tunnel: Readonly<VxlanTunnel>; groups: number }[] = [];
    for (const r of this.nhById.values()) if (r.tunnel) out.push({ tunnel: r.tunnel, groups: r.refs });
    return out;
  }

  /** Members of a live group as nexthops and tunnels (for show commands). */
  describe(groupId: number): { weight: number; nexthop?: Readonly<Nexthop>; tunnel?: Readonly<VxlanTunnel> }[] {
    const g = this.groupById.get(groupId);
    if (!g) return [];
    return g.value.members.map((m) => {
      const r = this.nhById.get(m.nexthop);
      return r?.tunnel ? { weight: m.weight, tunnel: r.tunnel } : { weight: m.weight, ...(r?.value ? { nexthop: r.value } : {}) };
    });
  }

  /** Nexthops made for a group that could not be made after all: never written, so not deleted either. */
  private unmake(taken: NhRef[], batch: NexthopBatch): undefined {
    for (const r of taken) {
      this.forget(r);
      if (r.tunnel) batch.newTunnels.splice(batch.newTunnels.indexOf(r.tunnel), 1);
      else batch.newNexthops.splice(batch.newNexthops.indexOf(r.value), 1);
    }
    return undefined;
  }

  /** True while this very group object is the live one (callers may cache GroupRefs). */
  live(g: GroupRef): boolean {
    return this.groupByKey.get(g.key) === g;
  }

  /** Drops a reference; an unreferenced group and the nexthops only it used go into the batch's dead lists. */
  release(groupId: number, batch: NexthopBatch): void {
    const g = this.groupById.get(groupId);
    if (!g || --g.refs > 0) return;
    this.groupByKey.delete(g.key);
    this.groupById.delete(groupId);
    this.ids.groups.give(groupId);
    batch.deadGroups.push(groupId);
    for (const m of g.value.members) {
      const n = this.nhById.get(m.nexthop);
      if (n && --n.refs <= 0) {
        this.forget(n);
        if (n.tunnel) {
          batch.deadTunnels.push(n.tunnel.id);
          // A rewrite of it queued in this batch must not recreate it after the delete.
          const k = batch.newTunnels.indexOf(n.tunnel);
          if (k >= 0) batch.newTunnels.splice(k, 1);
        } else {
          batch.deadNexthops.push(n.value.id);
        }
      }
    }
  }

  private forget(r: NhRef): void {
    this.nhByKey.delete(refKey(r));
    this.nhById.delete(refId(r));
    this.ids.nexthops.give(refId(r));
  }
}
