// underlay: the dataplane's EAL and ports with their punt taps, the ports' addresses (local and connected
// routes), boot and document static routes, neighbor learning on the taps; provides DATAPLANE.
import type { FeatureModule } from '../../core/feature.ts';
import { clearBootPortLeftovers, DataplaneComponent } from './component.ts';
import { underlayCollectors } from './metrics.ts';
import { dataplaneRoutes } from './routes.ts';

export const underlay: FeatureModule = {
  name: 'underlay',
  logComponents: ['dataplane'],
  // Without a `dataplane:` section the component provides nothing (an agent without packets: API tests).
  components: (ctx) => [new DataplaneComponent(ctx)],
  clearLeftovers: clearBootPortLeftovers,
  routes: dataplaneRoutes,
  collectors: underlayCollectors,
};
