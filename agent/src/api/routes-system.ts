// Status, audit, log levels and /metrics.
import type { Router } from 'express';
import { conditions } from '../config/conditions.ts';
import { FEATURES } from '../config/features.ts';
import { FEATURE_MODULES } from '../features/index.ts';
import { CORE_LOG_COMPONENTS, type LogLevel } from '../log/levels.ts';
import { HealthChecks } from './health.ts';
import { who, type ApiContext } from './context.ts';
import { ApiProblem } from './problem.ts';

/** Components whose level can be set: the management plane's and each feature's registered ones. */
export function logComponents(): string[] {
  return [...new Set([...CORE_LOG_COMPONENTS, ...FEATURE_MODULES.flatMap((f) => f.logComponents ?? [])])].sort();
}

export function systemRoutes(r: Router, ctx: ApiContext): void {
  const checks = new HealthChecks(FEATURE_MODULES, ctx.services);
  r.get('/v1/status', async (_req, res) => {
    const s = ctx.config.status();
    const health = ctx.config.store.health();
    const newest = ctx.config.current();
    const refusal = s.lastError && s.lastError.generation === s.generation ? s.lastError : null;
    // The running system's conditions (features' health): any False one makes the gateway degraded.
    const applied = ctx.config.applied();
    const running = await checks.get(applied?.spec ?? null, applied?.generation ?? 0);
    const sick = running.some((c) => c.status === 'False');
    // A refused generation is the more specific news: it says `failed`, the conditions still say what is down.
    const state = !health.healthy ? 'degraded' : s.applying ? 'applying' : refusal ? 'failed' : sick ? 'degraded' : 'ok';
    res.json({
      generation: s.generation,
      observedGeneration: s.observedGeneration,
      state,
      lastAppliedAt: s.lastAppliedAt,
      lastError: s.lastError,
      store: { kind: ctx.config.store.kind, healthy: health.healthy, ...(health.detail ? { detail: health.detail } : {}) },
      consumers: ctx.config.consumerNames(),
      features: FEATURES.filter((f) => ctx.config.realized().has(f)),
      conditions: [...conditions(newest?.spec ?? null, ctx.config.applied()?.spec ?? null, refusal), ...running],
    });
  });

  r.get('/v1/audit', (req, res) => {
    const limit = Number(req.query.limit ?? 100);
    const generation = req.query.generation === undefined ? undefined : Number(req.query.generation);
    res.json({ items: ctx.audit.query({ limit, ...(generation !== undefined ? { generation } : {}) }) });
  });

  const known = logComponents();
  r.get('/v1/log-levels', (_req, res) => {
    res.json(ctx.logs.snapshot(known));
  });

  r.put('/v1/log-levels', async (req, res) => {
    const body = req.body as { default?: LogLevel; levels: Record<string, LogLevel> };
    // Unknown names were kept for ever (200k of them in one request): only registered components.
    const problems = Object.keys(body.levels)
      .filter((c) => !known.includes(c))
      .map((c) => ({ code: 'UNKNOWN_COMPONENT', path: `/levels/${c}`, detail: `no component ${c} (known: ${known.join(', ')})` }));
    if (problems.length > 0) {
      throw new ApiProblem(422, 'UNKNOWN_COMPONENT', `${problems.length} unknown component(s): ${problems.map((p) => p.path).join(', ')}`, {
        path: problems[0]!.path,
        problems,
      });
    }
    ctx.logs.set(body);
    await ctx.audit.append({ who: who(res), action: 'log-levels', result: 'ok', detail: JSON.stringify(body) });
    res.json(ctx.logs.snapshot(known));
  });

  r.get('/metrics', async (_req, res) => {
    ctx.metrics.beforeScrape();
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
