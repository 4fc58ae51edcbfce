// Registry keys of the services components provide to each other. A component that provides one of these
// owns the type behind it; consumers (API, metrics, CLI via API) only read through the interface.
import { key } from './daemon.ts';
import type { DataplaneApi } from '../dataplane/api.ts';

/** The dataplane (DPDK addon); provided by features/underlay. */
export const DATAPLANE = key<DataplaneApi>('dataplane');
import type { CpiStatusSource } from '../features/routing/status.ts';

/** Control-plane interface status (zebra plugin link, epochs, op counters); provided by features/routing. */
export const CPI = key<CpiStatusSource>('cpi');
import type { ConfigHub } from '../config/consumer.ts';

/** Desired-state config: consumers register here to be applied atomically; provided by agent/src/config. */
export const CONFIG = key<ConfigHub>('config');
import type { LogLevels } from '../log/levels.ts';

/** Per-component loggers with run-time levels (`registry.get(LOGS).for('cpi')`); provided by agent/src/log. */
export const LOGS = key<LogLevels>('logs');
import type { FrrStatusSource } from '../features/frr/status.ts';

/** The gateway's FRR (daemons, rendered config, apply results); provided by features/frr. */
export const FRR = key<FrrStatusSource>('frr');
import type { InterfaceManager } from '../features/ifmgr/manager.ts';

/** Owner of the kernel netdevs FRR needs (loopback addresses, vxlan, bridges); provided by features/ifmgr. */
export const IFMGR = key<InterfaceManager>('ifmgr');
import type { FrrNeighborSource } from '../features/frr/neighbors.ts';

/** BGP/BFD neighbor states as FRR reports them (asked when read); provided by features/frr. */
export const FRR_NEIGHBORS = key<FrrNeighborSource>('frrNeighbors');
import type { ConvergenceProbe, RouteHold } from '../features/routing/stale.ts';

/** Whether bgpd re-learned its RIB (end-of-RIB from every peer); provided by features/frr, asked by the CPI sweep. */
export const FRR_CONVERGENCE = key<ConvergenceProbe>('frrConvergence');

/** Keeps a restarting routing daemon's deleted routes forwarding until the RIB converged; provided by features/routing. */
export const ROUTE_HOLD = key<RouteHold>('routeHold');

import type { ZebraFibSource } from '../features/frr/zebra-fib.ts';

/** The routes zebra installed in its FIB (asked when read, for the status's FIB check); provided by features/frr. */
export const ZEBRA_FIB = key<ZebraFibSource>('zebraFib');

import type { OverlayView } from '../features/routing/overlay-view.ts';

/** Overlay routes per VPC, tunnels (remote VTEPs) and router MACs as the routing FIB holds them; provided by features/routing. */
export const OVERLAY = key<OverlayView>('overlay');
import type { VpcDirectory } from '../features/vpc/directory.ts';

/** Realized VPCs by name and dataplane VRF (`onChange` on every change); provided by features/vpc. */
export const VPCS = key<VpcDirectory>('vpcs');
import type { VpcStatusSource } from '../features/vpc/status.ts';

/** The realized overlay with its counters, for the API and /metrics; provided by features/vpc. */
export const VPC_STATUS = key<VpcStatusSource>('vpcStatus');
import type { FrrContributions } from '../features/frr/contrib.ts';

/** Other features' text for the FRR renderer (features/frr/contrib.ts); created by the first contributor. */
export const FRR_CONTRIBUTIONS = key<FrrContributions>('frrContributions');
import type { FrrMountNamespace } from '../features/frr/mountns.ts';

/** The FRR daemons' private mount namespace (netns VRF backend only); provided by features/evpn, used by features/frr. */
export const FRR_MOUNTNS = key<FrrMountNamespace>('frrMountns');
import type { ZebraVrfMap } from '../features/evpn/zebra-vrfs.ts';

/** zebra VRF id <-> VPC name (zebra numbers VRFs itself); provided by features/evpn. */
export const ZEBRA_VRFS = key<ZebraVrfMap>('zebraVrfs');
import type { VniMap } from '../features/routing/evpn.ts';

/** VNI of the overlay's vxlan and SVI bridge netdevs (names from features/evpn/names.ts); provided by features/evpn. */
export const EVPN_VNIS = key<VniMap>('evpnVnis');
import type { NatStatusSource } from '../features/nat/status.ts';

/** The realized NAT (static mappings, pools) and napt's sessions and counters, for the API and /metrics; provided by features/nat. */
export const NAT = key<NatStatusSource>('nat');
