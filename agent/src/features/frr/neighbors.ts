// BGP/BFD neighbor states, read from FRR (vtysh JSON) when asked: by GET /v1/frr/neighbors, gwctl show bgp|bfd
// and at /metrics scrape time. Nothing is polled in between.
import { bfdPeers, bgpFiltered, bgpPeers, type BfdPeerState, type BgpFilteredCount, type BgpPeerState } from './vtysh.ts';

export interface FrrNeighborSource {
  bgp(): Promise<BgpPeerState[]>;
  bfd(): Promise<BfdPeerState[]>;
  /** Received and policy-filtered prefix counts of these neighbors (one FRR walk each: scrape time only). */
  filtered?(peers: readonly string[]): Promise<BgpFilteredCount[]>;
}

/** Reads one FRR instance (the one the FRR component runs). */
export function vtyshNeighbors(instance: string): FrrNeighborSource {
  return {
    bgp: async () => [...(await bgpPeers(instance)).values()],
    filtered: (peers) => bgpFiltered(instance, peers),
    bfd: async () => (await bfdPeers(instance)).map((p) => ({ peer: p.peer, status: p.status, ...(p.iface ? { iface: p.iface } : {}) })),
  };
}
