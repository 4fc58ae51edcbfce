// vtysh as a client of one FRR instance. Sockets live in /var/run/frr/<instance>/, so this works from any
// network namespace. vtysh warns about a missing per-instance vtysh.conf on stderr: harmless, filtered.
import { execFile } from 'node:child_process';

export interface VtyshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function vtysh(instance: string, args: string[], timeoutMs = 15_000): Promise<VtyshResult> {
  return new Promise((resolve) => {
    execFile('vtysh', ['-N', instance, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      const cleaned = String(stderr)
        .split('\n')
        .filter((l) => l && !l.includes("Can't open configuration file"))
        .join('\n');
      resolve({ code, stdout: String(stdout), stderr: cleaned });
    });
  });
}

/** `show ... json`; undefined when the daemon is not reachable or the output is not JSON. */
export async function showJson<T>(instance: string, command: string): Promise<T | undefined> {
  const r = await vtysh(instance, ['-c', command]);
  if (r.code !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    return undefined;
  }
}

export interface BgpPeerState {
  peer: string;
  state: string;
  pfxRcd: number;
  /** Torn down by its maximum-prefix limit (FRR's PfxCt state); absent = not. */
  maxPrefixExceeded?: boolean;
}

/** Per-peer state of every address family's summary, keyed by peer address. */
export async function bgpPeers(instance: string): Promise<Map<string, BgpPeerState>> {
  type Af = { peers?: Record<string, { state?: string; peerState?: string; pfxRcd?: number }> };
  const j = await showJson<Record<string, Af>>(instance, 'show bgp summary json');
  const out = new Map<string, BgpPeerState>();
  for (const af of Object.values(j ?? {})) {
    for (const [peer, p] of Object.entries(af.peers ?? {})) {
      const prev = out.get(peer);
      const tripped = prev?.maxPrefixExceeded === true || p.peerState === 'PfxCt';
      out.set(peer, { peer, state: p.state ?? 'unknown', pfxRcd: (prev?.pfxRcd ?? 0) + (p.pfxRcd ?? 0), ...(tripped ? { maxPrefixExceeded: true } : {}) });
    }
  }
  return out;
}

export interface BgpFilteredCount {
  peer: string;
  /** Prefixes the neighbor sent (Adj-RIB-In before policy, kept by soft-reconfiguration inbound). */
  received: number;
  /** Of those, refused by the import policy. */
  filtered: number;
}

/** Per neighbor, what it sent and what the import policy refused: one `received-routes` walk per neighbor. */
export async function bgpFiltered(instance: string, peers: readonly string[]): Promise<BgpFilteredCount[]> {
  type R = { totalPrefixCounter?: number; filteredPrefixCounter?: number };
  const out: BgpFilteredCount[] = [];
  for (const peer of peers) {
    const afi = peer.includes(':') ? 'ipv6' : 'ipv4';
    const j = await showJson<R>(instance, `show bgp ${afi} unicast neighbors ${peer} received-routes json`);
    if (j?.totalPrefixCounter !== undefined) out.push({ peer, received: j.totalPrefixCounter, filtered: j.filteredPrefixCounter ?? 0 });
  }
  return out;
}

export interface BfdPeerState {
  peer: string;
  status: string;
  iface?: string;
}

export async function bfdPeers(instance: string): Promise<BfdPeerState[]> {
  const j = await showJson<{ peer: string; status: string; interface?: string }[]>(instance, 'show bfd peers json');
  return (j ?? []).map((p) => ({ peer: p.peer, status: p.status, iface: p.interface }));
}
