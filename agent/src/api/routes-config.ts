// Desired-state endpoints: the whole document, history/rollback, and resource endpoints (VPCs, peerings)
// that edit the same document under the same generation rules.
import type { Request, Response, Router } from 'express';
import { diff } from '../config/diff.ts';
import { ConfigError } from '../config/errors.ts';
import { emptyState, type DesiredState, type GatewayGroup, type Peering, type Vpc } from '../config/model.ts';
import type { WriteOutcome } from '../config/service.ts';
import { dryRun, ifMatch, setEtag, who, type ApiContext } from './context.ts';
import { ApiProblem } from './problem.ts';

function sendWrite(res: Response, out: WriteOutcome): void {
  if (!out.dryRun) setEtag(res, out.generation);
  res.json(out);
}

function newest(ctx: ApiContext): { generation: number; spec: DesiredState } {
  const cur = ctx.config.current();
  return cur ? { generation: cur.generation, spec: cur.spec } : { generation: 0, spec: emptyState() };
}

export function configRoutes(r: Router, ctx: ApiContext): void {
  r.get('/v1/config', (_req, res) => {
    const cur = newest(ctx);
    setEtag(res, cur.generation);
    res.json(cur);
  });

  r.put('/v1/config', async (req, res) => {
    const body = req.body as DesiredState;
    sendWrite(res, await ctx.config.write({ who: who(res), action: 'put-config', ifMatch: ifMatch(req, ctx), dryRun: dryRun(req), build: () => body }));
  });

  r.get('/v1/config/history', async (req, res) => {
    const limit = Number(req.query.limit ?? 100);
    const items = (await ctx.config.store.list(limit)).map((g) => {
      const applied = ctx.audit.applyResult(g.generation);
      const inForce = ctx.config.applied()?.generation;
      const result = g.generation === inForce ? 'applied' : applied?.result === 'refused' ? 'refused' : applied ? 'superseded' : 'pending';
      return {
        generation: g.generation,
        createdAt: g.createdAt,
        author: g.author,
        ...(g.rollbackOf !== undefined ? { rollbackOf: g.rollbackOf } : {}),
        result,
        ...(applied?.result === 'refused' && applied.detail ? { error: applied.detail } : {}),
      };
    });
    res.json({ items });
  });

  r.get('/v1/config/history/:generation', async (req, res) => {
    const g = await ctx.config.store.get(Number(req.params.generation));
    if (!g) throw new ApiProblem(404, 'NOT_FOUND', `no generation ${req.params.generation}`, { path: '/generation' });
    res.json({ generation: g.generation, spec: g.spec });
  });

  r.get('/v1/config/diff', async (req, res) => {
    // Generation 0 is the unconfigured gateway, so `from=0` shows a whole generation as additions.
    const spec = async (g: number, what: string): Promise<DesiredState> => {
      if (g === 0) return emptyState();
      const rec = await ctx.config.store.get(g);
      if (!rec) throw new ApiProblem(404, 'NOT_FOUND', `no generation ${g}`, { path: `/query/${what}` });
      return rec.spec;
    };
    const from = Number(req.query.from);
    const to = req.query.to === undefined ? newest(ctx).generation : Number(req.query.to);
    res.json({ from, to, diff: diff(await spec(from, 'from'), await spec(to, 'to')) });
  });

  r.post('/v1/config/rollback', async (req, res) => {
    const target = (req.body as { generation: number }).generation;
    const old = await ctx.config.store.get(target);
    if (!old) throw new ApiProblem(404, 'NOT_FOUND', `no generation ${target} to roll back to`, { path: '/generation' });
    sendWrite(
      res,
      await ctx.config.write({ who: who(res), action: 'rollback', ifMatch: ifMatch(req, ctx), dryRun: dryRun(req), rollbackOf: target, build: () => old.spec }),
    );
  });

  resource(r, ctx, 'vpcs', 'vpc', (d) => d.vpcs, (d, v) => (d.vpcs = v as Vpc[]));
  resource(r, ctx, 'peerings', 'peering', (d) => d.peerings, (d, v) => (d.peerings = v as Peering[]));
  resource(r, ctx, 'groups', 'group', (d) => d.groups, (d, v) => (d.groups = v as GatewayGroup[]));
}

/** GET list/one, PUT (create or replace in place, keeping the operator's order), DELETE. */
function resource(
  r: Router,
  ctx: ApiContext,
  plural: string,
  singular: string,
  get: (d: DesiredState) => { name: string }[],
  set: (d: DesiredState, v: { name: string }[]) => void,
): void {
  const find = (d: DesiredState, name: string): { name: string } | undefined => get(d).find((x) => x.name === name);
  r.get(`/v1/${plural}`, (_req, res) => {
    const cur = newest(ctx);
    setEtag(res, cur.generation);
    res.json({ items: get(cur.spec) });
  });
  r.get(`/v1/${plural}/:name`, (req: Request, res) => {
    const cur = newest(ctx);
    const item = find(cur.spec, String(req.params.name));
    if (!item) throw new ApiProblem(404, 'NOT_FOUND', `no ${singular} named ${req.params.name}`, { path: `/${plural}` });
    setEtag(res, cur.generation);
    res.json(item);
  });
  r.put(`/v1/${plural}/:name`, async (req: Request, res) => {
    const name = String(req.params.name);
    const body = req.body as { name: string };
    if (body.name !== name) {
      throw new ApiProblem(400, 'NAME_MISMATCH', `body name "${body.name}" differs from the URL name "${name}"`, { path: '/name' });
    }
    const out = await ctx.config.write({
      who: who(res),
      action: `put-${singular}`,
      ifMatch: ifMatch(req, ctx),
      dryRun: dryRun(req),
      build: (d) => {
        const items = get(d);
        const i = items.findIndex((x) => x.name === name);
        set(d, i < 0 ? [...items, body] : items.map((x, j) => (j === i ? body : x)));
        return d;
      },
    });
    sendWrite(res, out);
  });
  r.delete(`/v1/${plural}/:name`, async (req: Request, res) => {
    const name = String(req.params.name);
    const out = await ctx.config.write({
      who: who(res),
      action: `delete-${singular}`,
      ifMatch: ifMatch(req, ctx),
      dryRun: dryRun(req),
      build: (d) => {
        if (!find(d, name)) throw new ConfigError('NOT_FOUND', `no ${singular} named ${name}`, { path: `/${plural}` });
        set(d, get(d).filter((x) => x.name !== name));
        return d;
      },
    });
    sendWrite(res, out);
  });
}
