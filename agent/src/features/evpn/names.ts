// Names of what the gateway creates per VPC. Derived from the VPC's short id (1..5 characters) so that netdev
// names stay within the kernel's 15 characters; the netns name carries the gateway instance, so two gateways
// on one host never share one. FRR sees the VRF under the VPC's name either way.
import type { OverlayVpc } from './overlay.ts';

export interface VpcNetdevs {
  /** The VRF name FRR uses: the VPC's name. */
  vrf: string;
  /** netns backend: the VPC's network namespace (in /run/netns of the agent's mount namespace). */
  netns: string;
  /** The L3VNI's vxlan device. */
  vxlan: string;
  /** The L3 SVI: a bridge whose MAC is the router MAC; the vxlan is its only member. */
  bridge: string;
}

export function vpcNetdevs(instance: string, vpc: Pick<OverlayVpc, 'name' | 'id'>): VpcNetdevs {
  return { vrf: vpc.name, netns: `${instance}-vpc-${vpc.id}`, vxlan: `vx-${vpc.id}`, bridge: `br-${vpc.id}` };
}

/** Longest VRF name FRR 8.4 accepts (VRF_NAMSIZ 36, NUL included). */
export const FRR_VRF_NAME_MAX = 35;
/** Longest kernel netdev name (IFNAMSIZ 16, NUL included): the kernel backend's VRF device is named after the VPC. */
export const KERNEL_IFNAME_MAX = 15;
