// Which HELLO may open an epoch. One zebra holds the session; another peer never replaces it while that zebra
// lives (before, the last HELLO won: a second client took the session and its SYNC_END swept the FIB). The
// legitimate change of peer is a zebra restart: the old process is then gone, which the agent sees at once
// in /proc (kill -9 included), even when the old connection's disconnect has not been noticed yet.
import type { PeerProcess, PeerVerifier } from './peer-auth.ts';

/** The peer holding the session: its ROUTER identity and the verified process behind it. */
export interface SessionPeer {
  routingId: string;
  process: PeerProcess;
  /** Number of the verified connection the session was opened on (see PeerVerifier.verified). */
  seq: number;
}

export type Admission =
  | { ok: true; peer: SessionPeer; why: string }
  | { ok: false; code: 'peer_busy' | 'not_authenticated'; reason: string };

/** Decides on a HELLO from `routingId` that names `pid`, given the peer holding the session (null: none). */
export function admit(v: PeerVerifier, holder: SessionPeer | null, routingId: string, pid: number): Admission {
  const ver = v.verified(pid);
  if (!ver) {
    return { ok: false, code: 'not_authenticated', reason: `HELLO names pid ${pid}, but no connection of a running zebra came from that pid` };
  }
  const peer: SessionPeer = { routingId, process: ver.process, seq: ver.seq };
  if (!holder) return { ok: true, peer, why: 'no session' };
  // The plugin repeats HELLO on its connection until answered.
  if (holder.routingId === routingId) return { ok: true, peer, why: 'same connection' };
  // The same zebra on a new connection (its old one dropped): only if that process really connected again
  // after the session opened, so a HELLO cannot borrow the holder's pid.
  const same = ver.process.pid === holder.process.pid && ver.process.start === holder.process.start;
  if (same && ver.seq > holder.seq) return { ok: true, peer, why: 'same zebra reconnected' };
  if (!v.alive(holder.process)) return { ok: true, peer, why: `zebra pid ${holder.process.pid} is gone` };
  return {
    ok: false,
    code: 'peer_busy',
    reason: `zebra pid ${holder.process.pid} holds the session and is alive; HELLO from pid ${pid} refused`,
  };
}
