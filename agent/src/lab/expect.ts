// What the main job expects of a lab, taken from the topology file rather than from what the gateway shows:
// a summary built from the gateway's own tables lists what is there and cannot notice what is absent.
import { parsePrefix } from '../dataplane/addr.ts';
import type { FibRoute } from './observe.ts';
import type { LabNode, Topology } from './topology.ts';

/** Host nodes: neither routers (FRR) nor gateways (a cmd); the ends of the job's traffic test. */
export function hostNodes(t: Topology): LabNode[] {
  return t.nodes.filter((n) => !n.frr && !n.cmd);
}

/**
 * The networks of every host's `ip addr add A/L` exec lines, canonical ("10.1.1.0/24", "fd01:1::/64"): each
 * must be in a gateway's FIB, reached through a router (a host is never attached to the gateway directly).
 */
export function hostNetworks(t: Topology): string[] {
  const out = new Set<string>();
  for (const n of hostNodes(t)) {
    for (const line of n.exec) {
      const m = /\bip\s+(?:-[46]\s+)?addr(?:ess)?\s+add\s+(\S+\/\d+)/.exec(line);
      const p = m ? parsePrefix(m[1]) : undefined;
      if (p) out.add(p.text);
    }
  }
  return [...out];
}

export interface SummaryLine {
  ok: boolean;
  text: string;
}

/** One line per expected network, present (with its next hops) or missing; then the routes nobody expected. */
export function fibLines(expected: string[], routes: FibRoute[]): SummaryLine[] {
  const viaRouter = (r: FibRoute): boolean => r.kind === 'unicast' && r.via.length > 0 && r.via.every((v) => !v.startsWith('port'));
  const lines: SummaryLine[] = [];
  for (const prefix of expected) {
    const r = routes.find((x) => x.prefix === prefix);
    if (!r) lines.push({ ok: false, text: `FIB ${prefix.padEnd(16)} missing (a host network of the topology)` });
    else if (!viaRouter(r)) lines.push({ ok: false, text: `FIB ${prefix.padEnd(16)} ${r.kind} via ${r.via.join(', ') || 'nothing'} (expected via a router)` });
    else lines.push({ ok: true, text: `FIB ${prefix.padEnd(16)} via ${r.via.join(', ')}${r.via.length > 1 ? '  (ECMP)' : ''}` });
  }
  for (const r of routes.filter((x) => viaRouter(x) && !expected.includes(x.prefix))) {
    lines.push({ ok: true, text: `FIB ${r.prefix.padEnd(16)} via ${r.via.join(', ')}${r.via.length > 1 ? '  (ECMP)' : ''}` });
  }
  return lines;
}

/** True when every expected network is in the FIB through a router. */
export function fibComplete(expected: string[], routes: FibRoute[]): boolean {
  return fibLines(expected, routes).every((l) => l.ok);
}

/** The expected networks that hold `addr` and are missing from the FIB (traffic to it cannot cross the gateway). */
export function unroutable(addr: string, missing: string[]): string[] {
  return missing.filter((net) => parsePrefix(`${addr}/${net.split('/')[1]}`)?.text === net);
}
