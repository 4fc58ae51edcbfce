// The overlay's dataplane tables as this feature writes them: VRFs and VRF 0's routes (the VTEP's local route),
// vteps and vnis of the vxlan module, peeringRoutes and peeringSources of the vpc module. The realizer only needs
// this slice of DataplaneApi. The vpc module's shapes are written here until its generated types are merged.
import type { DataplaneApi, TableErrorCode } from '../../dataplane/api.ts';

export type { Vni, Vtep } from '../../dataplane/api.ts';

export interface PeeringRoute {
  vrf: number;
  prefix: string;
  peering: number;
  dstVrf: number;
}
export interface PeeringSource {
  vrf: number;
  peering: number;
  prefix: string;
}

/** VRFs, routes and the vxlan module's tables: what VPCs need. */
export type VxlanTablesApi = Pick<DataplaneApi, 'addVrf' | 'delVrf' | 'applyRoutes' | 'setVteps' | 'delVteps' | 'setVnis' | 'delVnis'>;

/** The vpc module's classify tables: what peerings need. */
export interface ClassifyTablesApi {
  setPeeringRoutes(items: PeeringRoute[]): TableErrorCode[];
  delPeeringRoutes(items: Pick<PeeringRoute, 'vrf' | 'prefix'>[]): TableErrorCode[];
  setPeeringSources(items: PeeringSource[]): TableErrorCode[];
  delPeeringSources(items: Pick<PeeringSource, 'vrf' | 'peering' | 'prefix'>[]): TableErrorCode[];
}

/** A dataplane without the vpc module has no classify tables: it realizes VPCs, not peerings. */
export type OverlayTablesApi = VxlanTablesApi & Partial<ClassifyTablesApi>;

/** What the vpc module counts per VPC (its VRF), summed over workers; bytes are inner IP bytes. */
export interface VpcCounters {
  vrf: number;
  /** Decapsulated packets from this VPC that reached classify (admitted or not). */
  rxPackets: bigint;
  rxBytes: bigint;
  /** Packets routed into this VPC through a peering. */
  txPackets: bigint;
  txBytes: bigint;
  /** Classify drops of packets from this VPC, by reason name (vpc_no_peering, vpc_source_not_exposed). */
  drops: Record<string, bigint>;
}

/** What the vpc module counts per peering: packets routed through it. */
export interface PeeringCounters {
  peering: number;
  packets: bigint;
  bytes: bigint;
}

/** The vpc module's counters (optional: a dataplane without the module has none to give). */
export interface OverlayCountersApi {
  vpcCounters?(): VpcCounters[];
  peeringCounters?(): PeeringCounters[];
}
