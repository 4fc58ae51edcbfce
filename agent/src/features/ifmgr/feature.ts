// ifmgr: the kernel netdevs FRR needs (loopback addresses, vxlan, bridges); provides IFMGR.
import type { FeatureModule } from '../../core/feature.ts';
import { IFMGR } from '../../core/keys.ts';
import { ifmgrComponent } from './component.ts';
import { registerIfmgrMetrics } from './metrics.ts';

export const ifmgr: FeatureModule = {
  name: 'ifmgr',
  logComponents: ['ifmgr'],
  components: (ctx) => (ctx.boot.sections.frr !== undefined || ctx.boot.sections.ifmgr !== undefined ? [ifmgrComponent(ctx)] : []),
  collectors: (c) => registerIfmgrMetrics(c.registry, () => c.services.find(IFMGR)),
};
