// Status, audit, log levels and /metrics.
import type { Router } from 'express';
import { conditions } from '../config/conditions.ts';
import { FEATURES } from '../config/features.ts';
import { FEATURE_MODULES } from '../features/index.ts';
import { HealthChecks } from './health.ts';
import type { LogLevel } from '../log/levels.ts';
import { who, type ApiContext } from './context.ts';

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

  r.get('/v1/log-levels', (_req, res) => {
    res.json(ctx.logs.snapshot());
  });

  r.put('/v1/log-levels', async (req, res) => {
    const body = req.body as { default?: LogLevel; levels: Record<string, LogLevel> };
    ctx.logs.set(body);
    await ctx.audit.append({ who: who(res), action: 'log-levels', result: 'ok', detail: JSON.stringify(body) });
    res.json(ctx.logs.snapshot());
  });

  r.get('/metrics', async (_req, res) => {
    ctx.metrics.beforeScrape();
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
