// vpc: the document's VTEP, VPCs and peerings made real in the dataplane (VRF per VPC, VNI → VRF, the local
// VTEP, the peerings' classify tables); provides VPCS and VPC_STATUS. After underlay (DATAPLANE), before the
// features that look VPCs up (FRR's VRFs, the routing FIB).
import type { FeatureModule } from '../../core/feature.ts';
import { VpcComponent } from './component.ts';
import { vpcCollectors } from './metrics.ts';
import { vpcRoutes } from './routes.ts';

export const vpc: FeatureModule = {
  name: 'vpc',
  logComponents: ['vpc'],
  components: (ctx) => [new VpcComponent(ctx)],
  routes: vpcRoutes,
  collectors: vpcCollectors,
};
