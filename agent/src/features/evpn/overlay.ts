// The overlay as the control plane needs it, computed from the desired document alone: the VPCs this gateway
// serves (VRF + L3VNI each) and, per VPC, the prefixes it originates into that VPC as EVPN type-5 routes.
// A peering A <-> B makes the gateway originate into A exactly what B exposes to A (and the reverse), so A's
// leafs send that traffic to the gateway; nothing learned from the fabric is ever leaked between VPCs.
import type { DesiredState, Expose, Peering } from '../../config/model.ts';
import { parsePrefix } from '../../dataplane/addr.ts';

export interface OverlayVpc {
  name: string;
  /** Short stable id, used in derived netdev / netns names (length limits). */
  id: string;
  vni: number;
}

/** The catch-all a default expose stands for, in both families. */
export const DEFAULT_PREFIXES = ['0.0.0.0/0', '::/0'] as const;

export function overlayVpcs(spec: DesiredState): OverlayVpc[] {
  return spec.vpcs.map((v) => ({ name: v.name, id: v.id, vni: v.vni }));
}

/** A peering with a group is served by that group's members only; one without, by every gateway. */
export function servesPeering(spec: DesiredState, p: Peering): boolean {
  if (p.group === undefined) return true;
  return spec.groups.some((g) => g.name === p.group && g.members.some((m) => m.name === spec.gateway.name));
}

/** What the other side sees of one expose: its translated prefixes (`as`) when NATed, the catch-all for a default. */
function exposed(e: Expose): string[] {
  if (e.default) return [...DEFAULT_PREFIXES];
  return e.as ?? e.ips;
}

/**
 * Per VPC (every VPC of the document, in its order), the canonical prefixes originated into it: IPv4 before
 * IPv6, each family in address order, no duplicates (two peerings may expose the same catch-all).
 */
export function originations(spec: DesiredState): Map<string, string[]> {
  const out = new Map<string, Set<string>>(spec.vpcs.map((v) => [v.name, new Set<string>()]));
  for (const p of spec.peerings) {
    if (!servesPeering(spec, p)) continue;
    p.sides.forEach((side, i) => {
      const into = out.get(p.sides[1 - i]!.vpc);
      if (!into || !out.has(side.vpc)) return;
      for (const e of side.expose) for (const pfx of exposed(e)) into.add(parsePrefix(pfx)?.text ?? pfx);
      // A stateful pool is originated into its own VPC too, so its hosts reach each other's mappings through
      // the gateway (hairpinning, RFC 4787 section 6).
      const own = out.get(side.vpc)!;
      for (const e of side.expose) if (e.nat?.mode === 'masquerade' || e.nat?.mode === 'portForward') for (const pfx of e.as ?? []) own.add(parsePrefix(pfx)?.text ?? pfx);
    });
  }
  return new Map([...out].map(([vpc, set]) => [vpc, sortPrefixes([...set])]));
}

export function sortPrefixes(ps: string[]): string[] {
  const key = (s: string): [number, Uint8Array, number] => {
    const p = parsePrefix(s);
    return p ? [p.family, p.bytes, p.len] : [9, new Uint8Array(), 0];
  };
  return ps
    .map((s) => ({ s, k: key(s) }))
    .sort((a, b) => {
      if (a.k[0] !== b.k[0]) return a.k[0] - b.k[0];
      for (let i = 0; i < a.k[1].length; i++) if (a.k[1][i] !== b.k[1][i]) return a.k[1][i]! - b.k[1][i]!;
      return a.k[2] - b.k[2];
    })
    .map((x) => x.s);
}
