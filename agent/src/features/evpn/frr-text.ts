// What FRR is told about the overlay (through the renderer's contribution point, features/frr/contrib.ts):
// - zebra: `vrf <vpc>` / ` vni <L3VNI>` per VPC, so zebra ties the VRF to its vxlan + SVI;
// - the default instance: the underlay neighbors activated for l2vpn evpn, with the overlay's route-maps, and
//   `advertise-all-vni` (the VTEP /32 the leafs must reach is announced by the FRR renderer itself);
// - per VPC `router bgp <asn> vrf <vpc>`: `network` for exactly what the peerings originate into it (type-5
//   with our router MAC and VTEP, RD and route targets auto-derived), advertised into EVPN. No `import vrf`:
//   routes learned from the fabric stay in their VPC.
import { neighborName, type BgpNeighbor, type DesiredState } from '../../config/model.ts';
import type { FrrText } from '../frr/contrib.ts';
import { EVPN_ROUTE_MAPS } from '../frr/policy.ts';
import { originations, overlayVpcs } from './overlay.ts';

export interface OverlayTextOptions {
  /** netns backend: the directory the daemons see the VPC namespaces in. zebra shows ` netns <dir>/<vpc>` in
   *  each such VRF's running config; rendered too, else frr-reload.py answers its absence with `no netns`, which
   *  detaches the VRF from its namespace (found by running it: every VRF went inactive on the next reload). */
  netnsDir?: string;
}

export function overlayFrrText(spec: DesiredState, o: OverlayTextOptions = {}): FrrText {
  const g = spec.gateway;
  const vpcs = overlayVpcs(spec);
  if (!g.vtep || vpcs.length === 0) return {};
  const orig = originations(spec);
  const zebra = vpcs.flatMap((v) => [`vrf ${v.name}`, ` vni ${v.vni}`, ...(o.netnsDir ? [` netns ${o.netnsDir}/${v.name}`] : []), 'exit-vrf', '!']);
  // The VTEP's `network <vtep>/32` is the FRR renderer's (it is the underlay's, VPCs or not). RFC 8212 holds in
  // l2vpn evpn too: every session gets the overlay's route-maps (features/frr/policy.ts), else it exchanges nothing.
  const evpnSession = (n: BgpNeighbor): string[] => {
    const name = neighborName(n);
    return [`  neighbor ${name} activate`, `  neighbor ${name} route-map ${EVPN_ROUTE_MAPS.in} in`, `  neighbor ${name} route-map ${EVPN_ROUTE_MAPS.out} out`];
  };
  const bgpFamilies = [' !', ' address-family l2vpn evpn', ...g.neighbors.flatMap(evpnSession), '  advertise-all-vni', ' exit-address-family'];
  const blocks = vpcs.flatMap((v) => {
    const ps = orig.get(v.name) ?? [];
    const out = [`router bgp ${g.asn} vrf ${v.name}`, ` bgp router-id ${g.routerId}`];
    // The originated prefixes are the peer VPC's: they are in no RIB of this VRF, and must be announced anyway.
    out.push(' no bgp network import-check');
    for (const [af, fam] of [['ipv4', (p: string) => !p.includes(':')], ['ipv6', (p: string) => p.includes(':')]] as const) {
      const mine = ps.filter(fam);
      if (mine.length === 0) continue;
      out.push(' !', ` address-family ${af} unicast`, ...mine.map((p) => `  network ${p}`), ' exit-address-family');
    }
    out.push(' !', ' address-family l2vpn evpn', '  advertise ipv4 unicast', '  advertise ipv6 unicast', ' exit-address-family', 'exit', '!');
    return out;
  });
  return { zebra, bgpFamilies, blocks };
}
