// The interface manager intent of the netns VRF backend (kernels without VRF devices): per VPC a network
// namespace holding the L3 SVI bridge (MAC = router MAC) and the L3VNI vxlan. The vxlan is created into it
// from the agent's namespace, so its UDP socket stays on the underlay (the VTEP address on lo here).
import type { Vtep } from '../../config/model.ts';
import type { NetdevIntent } from '../ifmgr/intent.ts';
import { vpcNetdevs } from './names.ts';
import type { OverlayVpc } from './overlay.ts';

export function netnsBackendIntent(instance: string, vpcs: readonly OverlayVpc[], vtep: Vtep | undefined): NetdevIntent {
  if (!vtep || vpcs.length === 0) return { loopbackAddresses: [], vxlans: [], bridges: [], netns: [] };
  const devs = vpcs.map((v) => ({ v, n: vpcNetdevs(instance, v) }));
  return {
    loopbackAddresses: [`${vtep.ip}/32`],
    netns: devs.map(({ n }) => n.netns),
    vxlans: devs.map(({ v, n }) => ({ name: n.vxlan, vni: v.vni, local: vtep.ip, netns: n.netns, ...(vtep.mtu ? { mtu: vtep.mtu } : {}) })),
    bridges: devs.map(({ n }) => ({ name: n.bridge, mac: vtep.mac.toLowerCase(), members: [n.vxlan], netns: n.netns })),
  };
}

/** vxlan and bridge netdev name -> VNI (zebra names only the netdev on MAC/NEIGH/VTEP ops). */
export function vniByNetdev(instance: string, vpcs: readonly OverlayVpc[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of vpcs) {
    const n = vpcNetdevs(instance, v);
    m.set(n.vxlan, v.vni);
    m.set(n.bridge, v.vni);
  }
  return m;
}
