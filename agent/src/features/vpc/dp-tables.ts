// The overlay's dataplane tables as this feature writes them: VRFs and VRF 0's routes (the VTEP's local route),
// vteps and vnis of the vxlan module, peeringRoutes and peeringSources of the vpc module. The realizer only needs
// this slice of DataplaneApi; a dataplane build without the vpc module lacks the classify part.
import type { DataplaneApi } from '../../dataplane/api.ts';

export type { PeeringCounters, PeeringRoute, PeeringSource, Vni, VpcCounters, Vtep } from '../../dataplane/api.ts';

/** VRFs, routes and the vxlan module's tables: what VPCs need. */
export type VxlanTablesApi = Pick<DataplaneApi, 'addVrf' | 'delVrf' | 'applyRoutes' | 'setVteps' | 'delVteps' | 'setVnis' | 'delVnis'>;

/** The vpc module's classify tables: what peerings need. */
export type ClassifyTablesApi = Pick<DataplaneApi, 'setPeeringRoutes' | 'delPeeringRoutes' | 'setPeeringSources' | 'delPeeringSources'>;

/** A dataplane without the vpc module has no classify tables: it realizes VPCs, not peerings. */
export type OverlayTablesApi = VxlanTablesApi & Partial<ClassifyTablesApi>;

/** The vpc module's counters (optional: a dataplane without the module has none to give). */
export type OverlayCountersApi = Partial<Pick<DataplaneApi, 'vpcCounters' | 'peeringCounters'>>;
