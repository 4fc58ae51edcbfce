// Health of the gateway's FRR for GET /v1/status: every BGP neighbor of the document in force Established,
// and its BFD session up where it has a BFD profile. A peer down is a named condition, not an `ok` status.
import type { Condition } from '../../config/conditions.ts';
import { neighborName, type DesiredState } from '../../config/model.ts';
import type { Services } from '../../core/feature.ts';
import { FRR, FRR_NEIGHBORS } from '../../core/keys.ts';

export async function frrHealth(services: Services, applied: DesiredState | null): Promise<Condition[]> {
  const frr = services.find(FRR);
  if (!frr || !applied) return [];
  const snap = frr.snapshot();
  const out: Condition[] = [];
  for (const d of snap.daemons) {
    if (!d.running) out.push({ object: `frr/${d.daemon}`, type: 'Healthy', status: 'False', reason: 'DaemonNotRunning', message: `${d.daemon} is not running (last exit: ${d.lastExit ?? 'none'}, ${d.restarts} restarts)` });
  }
  if (snap.drain.drained) {
    out.push({ object: 'frr/drain', type: 'Healthy', status: 'False', reason: 'Drained', message: `drained since ${snap.drain.since ?? '?'}: every announcement carries GRACEFUL_SHUTDOWN (RFC 8326); gwctl undrain` });
  }
  if (snap.fragments > 0) {
    // Not a fault: a marker that part of FRR's configuration comes from raw text the model does not check.
    out.push({ object: 'frr/fragments', type: 'Healthy', status: 'True', reason: 'RawFragmentsInForce', message: `${snap.fragments} lines of raw FRR configuration from the document (gateway.frrFragments)` });
  }
  const neighbors = applied.gateway.neighbors;
  if (neighbors.length === 0) return out;
  const source = services.find(FRR_NEIGHBORS);
  if (!source) return out;
  const [bgpList, bfd] = await Promise.all([source.bgp(), source.bfd()]);
  const bgp = new Map(bgpList.map((p) => [p.peer, p]));
  for (const n of neighbors) {
    // bgpd names an unnumbered peer by its interface; bfdd by the peer's link-local address on that interface.
    const name = neighborName(n);
    const p = bgp.get(name);
    if (p?.maxPrefixExceeded) {
      out.push({ object: `bgp/${name}`, type: 'Healthy', status: 'False', reason: 'MaxPrefixExceeded', message: `BGP session with ${name} (AS ${n.asn}) torn down: it sent more prefixes than its maximum-prefix limit` });
      continue;
    }
    out.push(
      p?.state === 'Established'
        ? { object: `bgp/${name}`, type: 'Healthy', status: 'True', reason: 'Established' }
        : { object: `bgp/${name}`, type: 'Healthy', status: 'False', reason: 'PeerDown', message: `BGP session with ${name} (AS ${n.asn}) is ${p?.state ?? 'not configured in bgpd'}` },
    );
    if (!n.bfdProfile) continue;
    const b = bfd.find((x) => (n.ip === undefined ? x.iface === n.port : x.peer === n.ip));
    out.push(
      b?.status === 'up'
        ? { object: `bfd/${name}`, type: 'Healthy', status: 'True', reason: 'Up' }
        : { object: `bfd/${name}`, type: 'Healthy', status: 'False', reason: 'BfdDown', message: `BFD session with ${name} is ${b?.status ?? 'absent from bfdd'}` },
    );
  }
  return out;
}
