// evpn: the overlay's control plane (VRF backend, per-VPC netdevs, FRR's VRFs / L3VNIs / type-5 origination);
// provides ZEBRA_VRFS, EVPN_VNIS and, with the netns backend, FRR_MOUNTNS. Runs wherever FRR runs.
import type { FeatureModule } from '../../core/feature.ts';
import { evpnComponent } from './component.ts';

export const evpn: FeatureModule = {
  name: 'evpn',
  logComponents: ['evpn'],
  components: (ctx) => (ctx.boot.sections.frr !== undefined ? [evpnComponent(ctx)] : []),
};
