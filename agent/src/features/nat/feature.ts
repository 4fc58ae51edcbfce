// nat: the document's NAT exposes (static NAT44 / NPTv6, masquerade, port forwards) in the dataplane's NAT
// tables, napt's sessions on the API, gwctl and /metrics. After vpc, whose VRF and peering ids its tables use.
import type { FeatureModule } from '../../core/feature.ts';
import { NatComponent } from './component.ts';
import { natCollectors } from './metrics.ts';
import { natRoutes } from './routes.ts';

export const nat: FeatureModule = {
  name: 'nat',
  logComponents: ['nat'],
  components: (ctx) => [new NatComponent(ctx)],
  routes: natRoutes,
  collectors: natCollectors,
};
