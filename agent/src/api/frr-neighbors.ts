// BGP/BFD neighbor states, read from FRR (vtysh JSON) when asked: by GET /v1/frr/neighbors, gwctl show bgp|bfd
// and at /metrics scrape time. Nothing is polled in between.
import { bfdPeers, bgpPeers, type BfdPeerState, type BgpPeerState } from '../frr/vtysh.ts';
import type { FrrStatusSource } from '../frr/status.ts';

export interface FrrNeighborSource {
  bgp(): Promise<BgpPeerState[]>;
  bfd(): Promise<BfdPeerState[]>;
}

/** Reads the FRR instance the FRR component runs; undefined when there is none. */
export function vtyshNeighbors(frr: () => FrrStatusSource | undefined): () => FrrNeighborSource | undefined {
  return () => {
    const f = frr();
    if (!f) return undefined;
    const instance = f.snapshot().instance;
    return {
      bgp: async () => [...(await bgpPeers(instance)).values()],
      bfd: async () => (await bfdPeers(instance)).map((p) => ({ peer: p.peer, status: p.status, ...(p.iface ? { iface: p.iface } : {}) })),
    };
  };
}
