// The overlay's dataplane tables as this feature writes them (vteps and vnis of the vxlan module, peeringRoutes
// and peeringSources of the vpc module; shapes agreed in the session's coordination notes). Until the modules'
// generated types are merged these are written here; the realizer only needs this slice of DataplaneApi.
import type { TableErrorCode } from '../../dataplane/api.ts';

export interface Vtep {
  ip: string;
  mac: string;
}
export interface Vni {
  vni: number;
  vrf: number;
}
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

export interface OverlayTablesApi {
  addVrf(vrf: number): TableErrorCode;
  delVrf(vrf: number): TableErrorCode;
  setVteps(items: Vtep[]): TableErrorCode[];
  delVteps(items: string[]): TableErrorCode[];
  setVnis(items: Vni[]): TableErrorCode[];
  delVnis(items: number[]): TableErrorCode[];
  setPeeringRoutes(items: PeeringRoute[]): TableErrorCode[];
  delPeeringRoutes(items: Pick<PeeringRoute, 'vrf' | 'prefix'>[]): TableErrorCode[];
  setPeeringSources(items: PeeringSource[]): TableErrorCode[];
  delPeeringSources(items: Pick<PeeringSource, 'vrf' | 'peering' | 'prefix'>[]): TableErrorCode[];
}

/** Traffic the vpc module counted for one VPC (by source VRF) or one peering. */
export interface OverlayCounter {
  packets: bigint;
  bytes: bigint;
  /** Drops by reason name (vpc_no_peering, ...). */
  drops: Record<string, bigint>;
}

/** The vpc module's counters (optional: a dataplane without the module has none to give). */
export interface OverlayCountersApi {
  vpcCounters?(): ({ vrf: number } & OverlayCounter)[];
  peeringCounters?(): ({ peering: number } & OverlayCounter)[];
}
