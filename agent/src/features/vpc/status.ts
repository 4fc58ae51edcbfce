// The realized overlay as operators look at it (API, gwctl, /metrics): each VPC with its VRF and VNI, each
// peering with what each side reaches, and the vpc module's counters. Read from the realizer's record (what
// is written, not what the document asks) and the dataplane's counters, once per call.
import type { VpcInfo } from './directory.ts';
import type { OverlayCountersApi, PeeringCounters, VpcCounters, Vtep } from './dp-tables.ts';
import type { VpcRealizer } from './realizer.ts';

export interface VpcStatus extends VpcInfo {
  /** Names of the realized peerings the VPC is part of. */
  peerings: string[];
  /** Absent when the dataplane counts nothing per VPC. */
  counters?: Omit<VpcCounters, 'vrf'>;
}

export interface PeeringSideStatus {
  vpc: string;
  vrf: number;
  /** Destinations this side's VPC reaches through the peering (what the other side exposes). */
  reaches: string[];
  /** Sources this side's VPC may send from through the peering (what it exposes). */
  sources: string[];
}

export interface PeeringStatus {
  name: string;
  /** Dataplane peering id. */
  id: number;
  sides: [PeeringSideStatus, PeeringSideStatus];
  counters?: Omit<PeeringCounters, 'peering'>;
}

export interface VpcStatusSource {
  vtep(): Vtep | undefined;
  vpcs(): VpcStatus[];
  peerings(): PeeringStatus[];
  /** Everything at once, the counters read once (for a scrape). */
  snapshot(): OverlaySnapshot;
}

export interface OverlaySnapshot {
  /** False where the agent has no dataplane with overlay tables: ids are assigned, nothing is written. */
  dataplane: boolean;
  vtep: Vtep | undefined;
  vpcs: VpcStatus[];
  peerings: PeeringStatus[];
}

export class VpcStatusView implements VpcStatusSource {
  constructor(
    private readonly realizer: VpcRealizer,
    private readonly counters: () => OverlayCountersApi | undefined,
  ) {}

  vtep(): Vtep | undefined {
    return this.realizer.realized().vteps[0];
  }

  vpcs(): VpcStatus[] {
    return this.snapshot().vpcs;
  }

  peerings(): PeeringStatus[] {
    return this.snapshot().peerings;
  }

  snapshot(): OverlaySnapshot {
    const r = this.realizer.realized();
    const c = this.counters();
    const byVrf = new Map((c?.vpcCounters?.() ?? []).map(({ vrf, ...x }) => [vrf, x]));
    const byPeering = new Map((c?.peeringCounters?.() ?? []).map(({ peering, ...x }) => [peering, x]));
    const vrfOf = new Map(r.vpcs.map((v) => [v.name, v.vrf]));
    const vpcs = r.vpcs
      .map((v): VpcStatus => {
        const counters = byVrf.get(v.vrf);
        return {
          name: v.name,
          id: v.id,
          vni: v.vni,
          vrf: v.vrf,
          subnets: [...v.subnets],
          peerings: r.peerings.filter((p) => p.vpcs.includes(v.name)).map((p) => p.name).sort(),
          ...(counters ? { counters } : {}),
        };
      })
      .sort((a, b) => a.vrf - b.vrf);
    const peerings = r.peerings
      .map((p): PeeringStatus => {
        const side = (vpc: string): PeeringSideStatus => {
          const vrf = vrfOf.get(vpc) ?? 0;
          return {
            vpc,
            vrf,
            reaches: r.peeringRoutes.filter((x) => x.peering === p.id && x.vrf === vrf).map((x) => x.prefix).sort(),
            sources: r.peeringSources.filter((x) => x.peering === p.id && x.vrf === vrf).map((x) => x.prefix).sort(),
          };
        };
        const counters = byPeering.get(p.id);
        return { name: p.name, id: p.id, sides: [side(p.vpcs[0]), side(p.vpcs[1])], ...(counters ? { counters } : {}) };
      })
      .sort((a, b) => a.id - b.id);
    return { dataplane: c !== undefined, vtep: r.vteps[0], vpcs, peerings };
  }
}
