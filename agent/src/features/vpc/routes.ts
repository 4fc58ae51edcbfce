// /v1/overlay/vpcs and /v1/overlay/peerings: the realized overlay (dataplane VRF, VNI, what each side of a
// peering reaches, counters), next to /v1/vpcs and /v1/peerings, which show the document. Counters are decimal
// strings because 64-bit values do not fit JSON numbers exactly.
import type { Router } from 'express';
import type { ApiContext } from '../../api/context.ts';
import { ApiProblem } from '../../api/problem.ts';
import { VPC_STATUS } from '../../core/keys.ts';
import type { VpcStatusSource } from './status.ts';

function need(ctx: ApiContext): VpcStatusSource {
  const s = ctx.services.find(VPC_STATUS);
  if (!s) throw new ApiProblem(503, 'NO_OVERLAY', 'the VPC overlay is not running in this agent');
  return s;
}

/** bigints as decimal strings, also inside `drops`. */
export function countersJson(c: Record<string, bigint | Record<string, bigint>>): Record<string, string | Record<string, string>> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : (countersJson(v) as Record<string, string>)]));
}

export function vpcRoutes(r: Router, ctx: ApiContext): void {
  r.get('/v1/overlay/vpcs', (_req, res) => {
    const s = need(ctx).snapshot();
    res.json({
      dataplane: s.dataplane,
      ...(s.vtep ? { vtep: { ip: s.vtep.ip, mac: s.vtep.mac } } : {}),
      items: s.vpcs.map(({ counters, ...v }) => ({ ...v, ...(counters ? { counters: countersJson(counters) } : {}) })),
    });
  });

  r.get('/v1/overlay/peerings', (_req, res) => {
    res.json({ items: need(ctx).peerings().map(({ counters, ...p }) => ({ ...p, ...(counters ? { counters: countersJson(counters) } : {}) })) });
  });
}
