// /v1/frr*: FRR as this agent runs it (daemons, rendered config, BGP/BFD neighbors).
import type { Router } from 'express';
import type { ApiContext } from '../../api/context.ts';
import { ApiProblem } from '../../api/problem.ts';
import { FRR, FRR_NEIGHBORS } from '../../core/keys.ts';
import type { FrrStatusSource } from './status.ts';

function needFrr(ctx: ApiContext): FrrStatusSource {
  const frr = ctx.services.find(FRR);
  if (!frr) throw new ApiProblem(503, 'NO_FRR', 'FRR is not run by this agent (no frr: boot section)');
  return frr;
}

export function frrRoutes(r: Router, ctx: ApiContext): void {
  r.get('/v1/frr', (_req, res) => {
    res.json(needFrr(ctx).snapshot());
  });

  r.get('/v1/frr/config', (_req, res) => {
    res.type('text/plain').send(needFrr(ctx).config());
  });

  r.get('/v1/frr/drain', (_req, res) => {
    res.json(needFrr(ctx).snapshot().drain);
  });

  r.put('/v1/frr/drain', async (req, res) => {
    // The body's shape is checked against the spec before this runs.
    const { drained } = req.body as { drained: boolean };
    res.json(await needFrr(ctx).setDrained(drained));
  });

  r.get('/v1/frr/neighbors', async (_req, res) => {
    needFrr(ctx);
    const n = ctx.services.find(FRR_NEIGHBORS);
    const [bgp, bfd] = n ? await Promise.all([n.bgp(), n.bfd()]) : [[], []];
    res.json({ bgp, bfd });
  });
}
