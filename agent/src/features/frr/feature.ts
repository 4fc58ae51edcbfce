// frr: the gateway's FRR daemons, supervised, configured from the desired state; provides FRR, FRR_NEIGHBORS.
import type { FeatureModule } from '../../core/feature.ts';
import { clearFrrLeftovers, frrComponent } from './component.ts';
import { frrCollectors } from './metrics.ts';
import { frrHealth } from './health.ts';
import { frrRoutes } from './routes.ts';

export const frr: FeatureModule = {
  name: 'frr',
  logComponents: ['frr'],
  components: (ctx) => (ctx.boot.sections.frr !== undefined ? [frrComponent(ctx)] : []),
  clearLeftovers: clearFrrLeftovers,
  health: frrHealth,
  routes: frrRoutes,
  collectors: frrCollectors,
};
