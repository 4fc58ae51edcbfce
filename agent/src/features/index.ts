// The features this agent runs, in start order: the daemon starts their components in this order (after the
// log and config components, before the API), and the API and /metrics take their routes and series from
// here. Adding a feature: its folder, plus its import and entry below (docs/adding-a-feature.md).
import type { FeatureModule } from '../core/feature.ts';
import { evpn } from './evpn/feature.ts';
import { frr } from './frr/feature.ts';
import { ifmgr } from './ifmgr/feature.ts';
import { nat } from './nat/feature.ts';
import { routing } from './routing/feature.ts';
import { underlay } from './underlay/feature.ts';
import { vpc } from './vpc/feature.ts';

// underlay provides DATAPLANE before FRR peers over its taps; ifmgr before FRR, which declares its loopback
// through it; vpc writes the overlay tables into DATAPLANE and provides VPCS, which FRR's VRFs and the routing
// FIB look VPCs up in; nat after vpc (its tables use the VPCs' VRFs and the peerings' ids, and its consumer
// applies after vpc's); evpn before FRR (the daemons start in its mount namespace; its VPC netdevs exist before
// FRR is told about the VRFs); routing (the zebra plugin link) needs DATAPLANE and an FRR to connect.
export const FEATURE_MODULES: readonly FeatureModule[] = [underlay, vpc, nat, ifmgr, evpn, frr, routing];
