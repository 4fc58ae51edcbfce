// The kernel VRF backend (production kernels with CONFIG_NET_VRF): per VPC a VRF device named after the VPC
// with its own routing table, the L3 SVI bridge (MAC = router MAC) enslaved to it, and the L3VNI vxlan
// enslaved to the bridge, all in the agent's namespace; zebra runs without -n and sees each VRF device as a VRF.
// Pure: the plan is the ordered `ip` commands that build it from nothing (unit-tested; these machines have no
// VRF devices, so it is not run here).
import type { Vtep } from '../../config/model.ts';
import { vpcNetdevs } from './names.ts';
import type { OverlayVpc } from './overlay.ts';

/** First kernel table of the VPC VRFs; each VPC gets base + VNI so a table never moves between VPCs. */
export const VRF_TABLE_BASE = 1_000_000;

export function vrfTable(vni: number): number {
  return VRF_TABLE_BASE + vni;
}

/** `ip` argument vectors, in order: devices before their masters' enslavement, everything up last. */
export function kernelVrfPlan(instance: string, vpcs: readonly OverlayVpc[], vtep: Vtep, alias: string): string[][] {
  const out: string[][] = [['addr', 'replace', `${vtep.ip}/32`, 'dev', 'lo']];
  for (const v of vpcs) {
    const n = vpcNetdevs(instance, v);
    out.push(
      ['link', 'add', n.vrf, 'type', 'vrf', 'table', String(vrfTable(v.vni))],
      ['link', 'set', n.vrf, 'alias', alias],
      // forward_delay 0: else the SVI stays NO-CARRIER for 15 s and zebra reports the L3VNI down.
      ['link', 'add', n.bridge, 'address', vtep.mac.toLowerCase(), 'type', 'bridge', 'forward_delay', '0'],
      ['link', 'set', n.bridge, 'alias', alias],
      ['link', 'add', n.vxlan, 'type', 'vxlan', 'id', String(v.vni), 'local', vtep.ip, 'dstport', '4789', 'nolearning'],
      ['link', 'set', n.vxlan, 'alias', alias, ...(vtep.mtu ? ['mtu', String(vtep.mtu)] : [])],
      ['link', 'set', n.bridge, 'master', n.vrf],
      ['link', 'set', n.vxlan, 'master', n.bridge],
      ['link', 'set', n.vrf, 'up'],
      ['link', 'set', n.bridge, 'up'],
      ['link', 'set', n.vxlan, 'up'],
    );
  }
  return out;
}
