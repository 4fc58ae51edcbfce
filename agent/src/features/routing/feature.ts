// routing: the zebra plugin link (CPI) and what it feeds: the routing FIB (programs DATAPLANE) and the EVPN
// model; provides CPI. One folder because the CPI is the FIB's only writer.
import type { FeatureModule } from '../../core/feature.ts';
import { CpiComponent } from './component.ts';
import { cpiCollectors } from './metrics.ts';
import { routingHealth } from './health.ts';
import { cpiRoutes } from './routes.ts';

export const routing: FeatureModule = {
  name: 'routing',
  logComponents: ['cpi'],
  components: (ctx) => (ctx.boot.sections.cpi !== undefined ? [new CpiComponent(ctx)] : []),
  health: (services) => routingHealth(services),
  routes: cpiRoutes,
  collectors: cpiCollectors,
};
