// Which dataplane VRF a zebra VRF's routes go to. zebra's VRF 0 is the underlay (dataplane VRF 0); any other
// zebra VRF is a VPC's when the zebra-VRF map (features/evpn, ZEBRA_VRFS) names one and the VPC directory
// (features/vpc, VPCS) knows it: its routes go to that VPC's dataplane VRF. A zebra VRF that maps to no VPC
// is refused `no_vrf` with the reason, so zebra shows the routes rejected and bgpd does not advertise them.
//
// Without the two services (an agent without the overlay features) zebra's VRF id is used as the dataplane
// VRF as before, and EVPN nexthops are refused: there is no VPC to put them in.
import type { Key } from '../../core/daemon.ts';
import { EVPN_VNIS, VPCS, ZEBRA_VRFS } from '../../core/keys.ts';
import type { VniMap } from './evpn.ts';

/** The part of features/evpn's ZebraVrfMap the FIB reads (COORDINATION.md contract). */
export interface ZebraVrfLookup {
  vpcOf(zebraVrfId: number): string | undefined;
  onChange?(cb: () => void): void;
}

/** The part of features/vpc's VpcDirectory the FIB reads (COORDINATION.md contract). */
export interface VpcLookup {
  byName(name: string): { name: string; vni: number; vrf: number } | undefined;
  onChange?(cb: () => void): void;
}

/** The services as the FIB sees them: features/evpn's zebra-VRF map and netdev -> VNI map, features/vpc's VPCs. */
export const ZEBRA_VRFS_KEY: Key<ZebraVrfLookup> = ZEBRA_VRFS;
export const VPCS_KEY: Key<VpcLookup> = VPCS;
export const EVPN_VNIS_KEY: Key<VniMap> = EVPN_VNIS;

export type VrfBinding = { vrf: number; vpc: string | null } | { refuse: string };

export interface OverlayVrfs {
  resolve(zebraVrf: number): VrfBinding;
}

/** zebra's VRF id as the dataplane VRF (an agent without VPCs). */
export const IDENTITY_VRFS: OverlayVrfs = { resolve: (v) => ({ vrf: v, vpc: null }) };

/**
 * Resolution through the two services, looked up on each call (they may start after the routing feature);
 * with neither in this agent, IDENTITY_VRFS.
 */
export class VpcVrfs implements OverlayVrfs {
  constructor(
    private readonly zebraVrfs: () => ZebraVrfLookup | undefined,
    private readonly vpcs: () => VpcLookup | undefined,
  ) {}

  resolve(zebraVrf: number): VrfBinding {
    if (zebraVrf === 0) return { vrf: 0, vpc: null };
    const zm = this.zebraVrfs();
    const dir = this.vpcs();
    if (!zm && !dir) return IDENTITY_VRFS.resolve(zebraVrf);
    if (!zm || !dir) return { refuse: `zebra VRF ${zebraVrf}: ${zm ? 'no VPC directory' : 'no zebra VRF map'} in this agent` };
    const name = zm.vpcOf(zebraVrf);
    if (name === undefined) return { refuse: `zebra VRF ${zebraVrf} maps to no VPC` };
    const vpc = dir.byName(name);
    if (!vpc) return { refuse: `zebra VRF ${zebraVrf} maps to VPC ${name}, which does not exist` };
    return { vrf: vpc.vrf, vpc: vpc.name };
  }
}
