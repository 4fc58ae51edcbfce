// Has bgpd re-learned its RIB? Asked by the CPI session before it sweeps a lost epoch's routes (routing/stale.ts).
// bgpd knows it per peer: Established, and end-of-RIB received for every negotiated address family (RFC 4724
// section 2: the marker ends the initial update). A peer without the graceful-restart capability sends no
// marker that bgpd reports, so it counts once it has been Established for a while.
// bgpd only knows the peers it is configured with: a restarted bgpd runs with an empty config until the FRR
// feature restored the config in force (restore.ts), and answers `{}` meanwhile, which lists no peer that is not
// converged. So the probe also asks the FRR feature what bgpd must have: not while the restore is outstanding,
// and never with fewer peers than the config in force names.
import type { ConvergenceProbe } from '../routing/stale.ts';
import { showJson } from './vtysh.ts';

/** How long a peer without graceful restart must have been Established to count as converged. */
export const NO_EOR_SETTLE_MS = 3000;

export interface BgpNeighborJson {
  bgpState?: string;
  bgpTimerUpMsec?: number;
  addressFamilyInfo?: Record<string, unknown>;
  gracefulRestartInfo?: { endOfRibRecv?: Record<string, boolean>; remoteGrMode?: string };
}

/** What bgpd must show to count as converged, from the FRR feature (not from bgpd). */
export interface BgpExpectation {
  /** Why bgpd runs without the config in force (restarted, restore outstanding), or null. */
  restarting: string | null;
  /** Neighbors the config in force gives the default BGP instance. */
  peers: number;
}

/** The first reason `neighbors` (bgpd's `show bgp neighbors json`) is not converged, or null when it is. */
export function notConverged(neighbors: Record<string, BgpNeighborJson>, expect: BgpExpectation = { restarting: null, peers: 0 }): string | null {
  if (expect.restarting !== null) return `bgpd restarting without its config (${expect.restarting})`;
  const have = Object.keys(neighbors).length;
  if (have < expect.peers) return `bgpd has ${have} of the ${expect.peers} configured peers`;
  for (const [peer, n] of Object.entries(neighbors)) {
    if (n.bgpState !== 'Established') return `peer ${peer}: ${n.bgpState ?? 'unknown'}`;
    const afs = Object.keys(n.addressFamilyInfo ?? {});
    const eor = n.gracefulRestartInfo?.endOfRibRecv ?? {};
    const grPeer = n.gracefulRestartInfo?.remoteGrMode !== undefined && n.gracefulRestartInfo.remoteGrMode !== 'Disable';
    if (grPeer) {
      const missing = afs.filter((af) => eor[af] !== true);
      if (missing.length) return `peer ${peer}: no end-of-RIB for ${missing.join(', ')}`;
    } else if ((n.bgpTimerUpMsec ?? 0) < NO_EOR_SETTLE_MS) {
      return `peer ${peer}: Established for less than ${NO_EOR_SETTLE_MS} ms (no graceful restart, no end-of-RIB)`;
    }
  }
  return null;
}

/** The probe for one FRR instance (default VRF). */
export function bgpConvergence(instance: string, expect: () => BgpExpectation): ConvergenceProbe {
  return {
    async converged() {
      const before = expect();
      if (before.restarting !== null) return { converged: false, reason: notConverged({}, before)! };
      const j = await showJson<Record<string, BgpNeighborJson>>(instance, 'show bgp neighbors json');
      if (j === undefined) return { converged: false, reason: 'bgpd not answering' };
      // Asked again: a daemon that exited while bgpd answered makes the answer the old bgpd's.
      const why = notConverged(j, expect());
      return why === null ? { converged: true, reason: '' } : { converged: false, reason: why };
    },
  };
}
