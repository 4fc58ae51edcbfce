// What operators see of the overlay (`gwctl show routes --vpc X`, `show vteps`, `show rmacs`; /v1/overlay/*):
// the routes of a VPC's dataplane VRF with their tunnels (VNI, remote VTEP, router MAC) as the FIB holds them,
// including routes that wait for a router MAC; the live tunnels; the router MACs the EVPN model learned.
import type { EvpnModel } from './evpn.ts';
import type { Fib, FibRouteView } from './fib.ts';
import type { VpcLookup } from './overlay-vrfs.ts';

export interface OverlayRoutes {
  vpc: string;
  vrf: number;
  vni: number;
  items: FibRouteView[];
}

export interface OverlayVtep {
  /** The tunnel's id in the dataplane's tunnels table (nexthop id space). */
  tunnel: number;
  vni: number;
  vtep: string;
  rmac: string;
  /** ECMP groups listing this tunnel. */
  groups: number;
}

export interface OverlayRmac {
  vni: number;
  vtep: string;
  mac: string;
  /** neighbor: VTEP -> RMAC on the L3 SVI; mac: RMAC on the L3VNI vxlan (zebra sends both; the neighbor wins). */
  from: 'neighbor' | 'mac';
}

export interface OverlayView {
  /** undefined when no VPC has that name (or no VPC directory runs in this agent). */
  routes(vpc: string): OverlayRoutes | undefined;
  vteps(): OverlayVtep[];
  rmacs(): OverlayRmac[];
  /** Routes waiting for a router MAC, over all VPCs. */
  waiting(): number;
}

export function overlayView(fib: Fib, evpn: EvpnModel, vpcs: () => VpcLookup | undefined, epoch: () => number): OverlayView {
  return {
    routes: (name) => {
      const v = vpcs()?.byName(name);
      return v && { vpc: v.name, vrf: v.vrf, vni: v.vni, items: fib.view(v.vrf, epoch()) };
    },
    vteps: () => fib.tunnels().map((t) => ({ tunnel: t.id, vni: t.vni, vtep: t.vtep, rmac: t.rmac, groups: t.groups })),
    waiting: () => fib.waitingCount(),
    rmacs: () => evpn.routerMacs().sort((a, b) => a.vni - b.vni || (a.vtep < b.vtep ? -1 : a.vtep > b.vtep ? 1 : 0)),
  };
}
