// Per-object conditions for GET /v1/status: for each object of the newest document, is it in force, and if
// not, which problem holds it back. Operators read "vpc/blue Ready=False OVERLAP ..." instead of diffing.
import { isDeepStrictEqual } from 'node:util';
import { neighborName, type DesiredState } from './model.ts';
import type { Problem } from './problem.ts';

export interface Condition {
  object: string;
  /** Ready: an object of the document is in force. Healthy: a part of the running system works (features' health). */
  type: 'Ready' | 'Healthy';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message?: string;
}

interface Obj {
  id: string;
  path: string;
  value: unknown;
}

function objects(doc: DesiredState): Obj[] {
  return [
    ...doc.gateway.ports.map((p, i) => ({ id: `port/${p.name}`, path: `/gateway/ports/${i}`, value: p })),
    ...doc.gateway.neighbors.map((n, i) => ({ id: `neighbor/${neighborName(n)}`, path: `/gateway/neighbors/${i}`, value: n })),
    ...doc.vpcs.map((v, i) => ({ id: `vpc/${v.name}`, path: `/vpcs/${i}`, value: v })),
    ...doc.peerings.map((p, i) => ({ id: `peering/${p.name}`, path: `/peerings/${i}`, value: p })),
    ...doc.groups.map((g, i) => ({ id: `group/${g.name}`, path: `/groups/${i}`, value: g })),
    ...doc.staticRoutes.map((r, i) => ({ id: `route/${r.vpc ?? 'underlay'}/${r.prefix}`, path: `/staticRoutes/${i}`, value: r })),
  ];
}

export function conditions(
  newest: DesiredState | null,
  inForce: DesiredState | null,
  refusal: { problems: Problem[] } | null,
): Condition[] {
  if (!newest) return [];
  const applied = new Map((inForce ? objects(inForce) : []).map((o) => [o.id, o.value]));
  return objects(newest).map((o): Condition => {
    const p = refusal?.problems.find((x) => x.path === o.path || x.path.startsWith(`${o.path}/`));
    if (p) return { object: o.id, type: 'Ready', status: 'False', reason: p.code, message: p.detail };
    if (applied.has(o.id) && isDeepStrictEqual(applied.get(o.id), o.value)) {
      return { object: o.id, type: 'Ready', status: 'True', reason: 'InForce' };
    }
    if (refusal) return { object: o.id, type: 'Ready', status: 'False', reason: 'GenerationRefused', message: refusal.problems[0]?.detail ?? '' };
    return { object: o.id, type: 'Ready', status: 'Unknown', reason: 'Pending' };
  });
}
