// What API handlers need, passed explicitly (no globals) so unit tests build an app around fakes.
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/log.ts';
import type { ConfigService } from '../config/service.ts';
import type { CpiStatusSource } from '../cpi/status.ts';
import type { DataplaneApi } from '../dataplane/api.ts';
import type { FrrStatusSource } from '../frr/status.ts';
import type { IfmgrSnapshot } from '../ifmgr/manager.ts';
import { LogLevels } from '../log/levels.ts';
import { Metrics } from '../metrics/collectors.ts';
import { CounterBaseline } from './counter-baseline.ts';
import type { FrrNeighborSource } from './frr-neighbors.ts';
import { ApiProblem } from './problem.ts';

export interface ApiContext {
  config: ConfigService;
  audit: AuditLog;
  logs: LogLevels;
  metrics: Metrics;
  log: Logger;
  /** `clear counters` baseline, shared by every transport. */
  baseline: CounterBaseline;
  /** Late-bound: the dataplane and CPI may be absent (tests, or a component that failed to start). */
  dataplane(): DataplaneApi | undefined;
  cpi(): CpiStatusSource | undefined;
  frr(): FrrStatusSource | undefined;
  frrNeighbors(): FrrNeighborSource | undefined;
}

export type Transport = 'unix' | 'tcp';

export interface ApiSources {
  config: ConfigService;
  audit: AuditLog;
  log: Logger;
  logs?: LogLevels;
  dataplane?: () => DataplaneApi | undefined;
  cpi?: () => CpiStatusSource | undefined;
  frr?: () => FrrStatusSource | undefined;
  frrNeighbors?: () => FrrNeighborSource | undefined;
  ifmgr?: () => { snapshot(): IfmgrSnapshot } | undefined;
}

/** The context with its derived parts (metrics, counter baseline, log levels); absent sources read as absent. */
export function makeApiContext(s: ApiSources): ApiContext {
  const none = (): undefined => undefined;
  const src = { dataplane: s.dataplane ?? none, cpi: s.cpi ?? none, frr: s.frr ?? none, frrNeighbors: s.frrNeighbors ?? none };
  return {
    config: s.config,
    audit: s.audit,
    log: s.log,
    logs: s.logs ?? LogLevels.wrapping(s.log),
    baseline: new CounterBaseline(),
    metrics: new Metrics({ config: s.config, ...src, ...(s.ifmgr ? { ifmgr: s.ifmgr } : {}) }),
    ...src,
  };
}

/** Set by the auth middleware: who is asking, for the audit log. */
export function who(res: Response): string {
  return (res.locals.who as string | undefined) ?? 'unknown';
}

export function setEtag(res: Response, generation: number): void {
  res.set('ETag', `"${generation}"`);
}

/** If-Match → generation; undefined when absent. Weak and quoted forms accepted; "*" is not (lost updates). */
export function ifMatch(req: Request): number | undefined {
  const h = req.get('if-match');
  if (h === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(h);
  if (!m) throw new ApiProblem(400, 'BAD_IF_MATCH', `If-Match must be the ETag of a generation, like "7" (got ${h})`, { path: '/header/If-Match' });
  return Number(m[1]);
}

export function dryRun(req: Request): boolean {
  const v: unknown = req.query.dryRun;
  return v === true || v === 'true';
}
