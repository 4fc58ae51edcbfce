// The VPCS service: which VPCs are realized and under which dataplane VRF. Other features (FRR's per-VPC VRFs,
// the routing FIB's per-VPC routes) look VPCs up here instead of reading the document, so they agree with the
// dataplane on the VRF id. Updated after each successful apply (and after a rollback), from what was written.
import type { DesiredState } from '../../config/model.ts';
import type { Assignment, VpcWant } from './desired.ts';

export interface VpcInfo {
  name: string;
  id: string;
  vni: number;
  /** Dataplane VRF id, ≥ 1, stable while the VPC exists. */
  vrf: number;
  /** Canonical prefixes. */
  subnets: string[];
}

export interface VpcDirectory {
  /** In VRF order. */
  list(): VpcInfo[];
  byName(name: string): VpcInfo | undefined;
  byVrf(dpVrf: number): VpcInfo | undefined;
  /** Called after the set of VPCs or any of their fields changed; returns the unsubscribe function. */
  onChange(cb: (vpcs: readonly VpcInfo[]) => void): () => void;
  /**
   * The VRF of each VPC and the id of each peering of `doc` as the vpc feature gives (or gave) them: what it
   * realizes now for those it has, what its next apply of `doc` assigns for new ones (features keyed by them,
   * such as NAT, compute their tables before or after that apply alike).
   */
  idsFor(doc: DesiredState): { vrfs: ReadonlyMap<string, number>; peerings: ReadonlyMap<string, number> };
}

export class VpcDirectoryImpl implements VpcDirectory {
  private byNameMap = new Map<string, VpcInfo>();
  private byVrfMap = new Map<number, VpcInfo>();
  private readonly listeners = new Set<(vpcs: readonly VpcInfo[]) => void>();

  /** Set by the vpc component: the assignment of its consumer (none without a dataplane: nothing is assigned). */
  planner: ((doc: DesiredState) => Assignment) | undefined;

  constructor(private readonly onListenerError: (e: unknown) => void = () => undefined) {}

  idsFor(doc: DesiredState): Assignment {
    return this.planner?.(doc) ?? { vrfs: new Map(), peerings: new Map() };
  }

  /** In VRF order. */
  list(): VpcInfo[] {
    return [...this.byNameMap.values()].map((v) => ({ ...v, subnets: [...v.subnets] }));
  }

  byName(name: string): VpcInfo | undefined {
    const v = this.byNameMap.get(name);
    return v && { ...v, subnets: [...v.subnets] };
  }

  byVrf(dpVrf: number): VpcInfo | undefined {
    const v = this.byVrfMap.get(dpVrf);
    return v && { ...v, subnets: [...v.subnets] };
  }

  onChange(cb: (vpcs: readonly VpcInfo[]) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Replaces the directory's content; listeners hear of it only when something changed. */
  update(vpcs: Iterable<VpcWant>): void {
    // In VRF order: list() reads the same whatever order the VPCs were realized in.
    const next = new Map<string, VpcInfo>();
    for (const v of [...vpcs].sort((a, b) => a.vrf - b.vrf)) next.set(v.name, { name: v.name, id: v.id, vni: v.vni, vrf: v.vrf, subnets: [...v.subnets] });
    const key = (m: Map<string, VpcInfo>): string => JSON.stringify([...m.values()]);
    if (key(next) === key(this.byNameMap)) return;
    this.byNameMap = next;
    this.byVrfMap = new Map([...next.values()].map((v) => [v.vrf, v]));
    const snapshot = this.list();
    for (const cb of this.listeners) {
      // One listener's failure must not keep the others from hearing of the change.
      try {
        cb(snapshot);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
