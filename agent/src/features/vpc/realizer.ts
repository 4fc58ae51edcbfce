// Brings the dataplane's overlay tables from what this feature realized to a VpcTables, by keyed diff, one batch
// per table and direction. Deletes run first and from the leaves (classify entries, VNIs, the VTEP, then VRFs),
// additions after and from the roots (VRFs first), so no item ever refers to a VRF that is not there and a VTEP
// replaced by another never needs two slots.
//
// The record is updated item by item from the per-item results, never ahead of them: when an apply fails half
// way, the config hub re-applies the previous generation and the diff starts from what is really written.
import { syncKeyed } from '../../core/keyed-sync.ts';
import type { TableErrorCode } from '../../dataplane/api.ts';
import type { Assignment, PeeringWant, VpcTables, VpcWant } from './desired.ts';
import type { OverlayTablesApi, PeeringRoute, PeeringSource, Vni, Vtep } from './dp-tables.ts';

/** What a failed write concerns, in the document's terms (the consumer turns it into a path). */
export type RealizeRef = { vpc: string } | { peering: string } | { vtep: string };

/** A table write the dataplane refused, with its per-item result code. */
export class VpcRealizeError extends Error {
  constructor(
    readonly ref: RealizeRef,
    readonly code: TableErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VpcRealizeError';
  }
}

export interface VpcRealizerStats {
  applies: number;
  applyFailures: number;
  /** Items written and deleted, per table. */
  written: Record<'vrfs' | 'localRoutes' | 'vteps' | 'vnis' | 'peeringRoutes' | 'peeringSources', number>;
  deleted: Record<'vrfs' | 'localRoutes' | 'vteps' | 'vnis' | 'peeringRoutes' | 'peeringSources', number>;
}

type TableName = keyof VpcRealizerStats['written'];

export class VpcRealizer {
  readonly stats: VpcRealizerStats = {
    applies: 0,
    applyFailures: 0,
    written: { vrfs: 0, localRoutes: 0, vteps: 0, vnis: 0, peeringRoutes: 0, peeringSources: 0 },
    deleted: { vrfs: 0, localRoutes: 0, vteps: 0, vnis: 0, peeringRoutes: 0, peeringSources: 0 },
  };
  /** VPCs whose VRF exists in the dataplane. */
  private readonly vpcs = new Map<string, VpcWant>();
  private readonly peerings = new Map<string, PeeringWant>();
  private readonly vteps = new Map<string, Vtep>();
  /** Local routes in VRF 0, by prefix (the value is the VTEP address, for errors). */
  private readonly local = new Map<string, string>();
  private readonly vnis = new Map<number, Vni>();
  private readonly routes = new Map<string, PeeringRoute>();
  private readonly sources = new Map<string, PeeringSource>();
  private queue: Promise<void> = Promise.resolve();

  /** `dp` undefined: an agent without a dataplane keeps the ids (for the directory) and writes nothing. */
  constructor(private readonly dp: OverlayTablesApi | undefined) {}

  /** The ids of what is realized: the input of the next desired computation. */
  assignment(): Assignment {
    return {
      vrfs: new Map([...this.vpcs.values()].map((v) => [v.name, v.vrf])),
      peerings: new Map([...this.peerings.values()].map((p) => [p.name, p.id])),
    };
  }

  realized(): { vpcs: VpcWant[]; peerings: PeeringWant[]; vteps: Vtep[]; vnis: Vni[]; peeringRoutes: PeeringRoute[]; peeringSources: PeeringSource[] } {
    return {
      vpcs: [...this.vpcs.values()],
      peerings: [...this.peerings.values()],
      vteps: [...this.vteps.values()],
      vnis: [...this.vnis.values()],
      peeringRoutes: [...this.routes.values()],
      peeringSources: [...this.sources.values()],
    };
  }

  /** Applies are serialized: each diffs from the state the previous one left. */
  apply(next: VpcTables): Promise<void> {
    const run = this.queue.then(() => {
      this.stats.applies++;
      try {
        this.diff(next);
      } catch (e) {
        this.stats.applyFailures++;
        throw e;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private diff(next: VpcTables): void {
    const vrfOwner = new Map([...this.vpcs.values(), ...next.vpcs.values()].map((v) => [v.vrf, v.name]));
    const peeringOf = new Map([...this.peerings.values(), ...next.peerings.values()].map((p) => [p.id, p.name]));
    const byVrf = (vrf: number): RealizeRef => ({ vpc: vrfOwner.get(vrf) ?? `vrf ${vrf}` });
    const byPeering = (id: number): RealizeRef => ({ peering: peeringOf.get(id) ?? `peering ${id}` });

    // Deletes, leaves first. An entry kept under the same key but naming a VRF that goes away (a VNI or prefix
    // taken over by a new VPC) is deleted too and written again below, so nothing points at a deleted VRF.
    const going = new Set([...this.vpcs].filter(([name, v]) => next.vpcs.get(name)?.vrf !== v.vrf).map(([, v]) => v.vrf));
    this.sync('peeringRoutes', this.routes, next.peeringRoutes, 'del', (items) => this.dp?.delPeeringRoutes?.(items.map(({ vrf, prefix }) => ({ vrf, prefix }))), (r) => byPeering(r.peering), (r) => going.has(r.vrf) || going.has(r.dstVrf));
    this.sync('peeringSources', this.sources, next.peeringSources, 'del', (items) => this.dp?.delPeeringSources?.(items), (s) => byPeering(s.peering), (s) => going.has(s.vrf));
    this.sync('vnis', this.vnis, next.vnis, 'del', (items) => this.dp?.delVnis(items.map((v) => v.vni)), (v) => byVrf(v.vrf), (v) => going.has(v.vrf));
    this.sync('vteps', this.vteps, next.vteps, 'del', (items) => this.dp?.delVteps(items.map((v) => v.ip)), (v) => ({ vtep: v.ip }));
    const local = new Map([...next.localRoutes].map((p) => [p, p.slice(0, p.indexOf('/'))]));
    this.sync('localRoutes', this.local, local, 'del', (ps) => this.dp?.applyRoutes(ps.map((ip) => ({ op: 'del', vrf: 0, prefix: `${ip}/32` }))), (ip) => ({ vtep: ip }));
    for (const p of [...this.peerings.keys()]) if (!next.peerings.has(p)) this.peerings.delete(p);
    for (const [name, v] of [...this.vpcs]) {
      const w = next.vpcs.get(name);
      if (w && w.vrf === v.vrf) continue;
      this.single('vrfs', this.dp?.delVrf(v.vrf), true, { vpc: name }, `VRF ${v.vrf} of VPC ${name}`);
      this.vpcs.delete(name);
    }

    // Additions and changes, roots first.
    for (const [name, w] of next.vpcs) {
      if (!this.vpcs.has(name)) this.single('vrfs', this.dp?.addVrf(w.vrf), false, { vpc: name }, `VRF ${w.vrf} of VPC ${name}`);
      this.vpcs.set(name, w);
    }
    for (const [name, p] of next.peerings) this.peerings.set(name, p);
    this.sync('localRoutes', this.local, local, 'set', (ps) => this.dp?.applyRoutes(ps.map((ip) => ({ op: 'add', vrf: 0, prefix: `${ip}/32`, target: { kind: 'local' } }))), (ip) => ({ vtep: ip }));
    this.sync('vteps', this.vteps, next.vteps, 'set', (items) => this.dp?.setVteps(items), (v) => ({ vtep: v.ip }));
    this.sync('vnis', this.vnis, next.vnis, 'set', (items) => this.dp?.setVnis(items), (v) => byVrf(v.vrf));
    // Sources before routes: a destination becomes reachable only once the traffic allowed to it is known.
    this.sync('peeringSources', this.sources, next.peeringSources, 'set', (items) => this.dp?.setPeeringSources?.(items), (s) => byPeering(s.peering));
    this.sync('peeringRoutes', this.routes, next.peeringRoutes, 'set', (items) => this.dp?.setPeeringRoutes?.(items), (r) => byPeering(r.peering));
  }

  private single(table: TableName, code: TableErrorCode | undefined, del: boolean, ref: RealizeRef, what: string): void {
    const c = code ?? 'ok';
    if (c === 'ok' || (del && c === 'not_found')) {
      this.stats[del ? 'deleted' : 'written'][table]++;
      return;
    }
    throw new VpcRealizeError(ref, c, `${del ? 'deleting' : 'creating'} ${what}: ${c}`);
  }

  /**
   * One batch of `table`: `del` removes what the record has and `want` has not, `set` writes what is new or
   * changed. The record follows each item's result; the first refused item becomes the error.
   */
  private sync<K, T>(
    table: TableName,
    have: Map<K, T>,
    want: Map<K, T>,
    dir: 'del' | 'set',
    write: (items: T[]) => TableErrorCode[] | undefined,
    refOf: (item: T) => RealizeRef,
    /** del: an entry to delete although its key stays wanted. */
    stale: (item: T) => boolean = () => false,
  ): void {
    const { done, bad } = syncKeyed(have, want, dir, write, stale);
    this.stats[dir === 'del' ? 'deleted' : 'written'][table] += done;
    if (bad) throw new VpcRealizeError(refOf(bad.item), bad.code, `${dir === 'del' ? 'deleting from' : 'writing'} ${table} ${JSON.stringify(bad.item)}: ${bad.code}`);
  }
}
