// What API handlers need, passed explicitly (no globals) so unit tests build an app around fakes. Feature
// services are looked up late by registry key (core/keys.ts): a component may be absent or not started.
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/log.ts';
import type { ConfigService } from '../config/service.ts';
import type { Key } from '../core/daemon.ts';
import type { Services } from '../core/feature.ts';
import { LogLevels } from '../log/levels.ts';
import { Metrics } from '../metrics/collectors.ts';
import { CounterBaseline } from './counter-baseline.ts';
import { parseIfMatch } from './if-match.ts';
import { ApiProblem } from './problem.ts';

export interface ApiContext {
  config: ConfigService;
  audit: AuditLog;
  logs: LogLevels;
  metrics: Metrics;
  log: Logger;
  /** `clear counters` baseline, shared by every transport. */
  baseline: CounterBaseline;
  services: Services;
}

export type Transport = 'unix' | 'tcp';

export interface ApiSources {
  config: ConfigService;
  audit: AuditLog;
  log: Logger;
  logs?: LogLevels;
  /** The daemon's registry. */
  services?: Services;
  /** Without `services` (unit tests, benches): a getter per registry key id, e.g. `dataplane: () => fake`. */
  [keyId: string]: unknown;
}

/** Services from getters named by registry key id. */
function servicesFrom(s: ApiSources): Services {
  return {
    find<T>(k: Key<T>): T | undefined {
      const get = s[k.id];
      return typeof get === 'function' ? (get as () => T | undefined)() : undefined;
    },
  };
}

/** The context with its derived parts (metrics, counter baseline, log levels); absent sources read as absent. */
export function makeApiContext(s: ApiSources): ApiContext {
  const services = s.services ?? servicesFrom(s);
  return {
    config: s.config,
    audit: s.audit,
    log: s.log,
    logs: s.logs ?? LogLevels.wrapping(s.log),
    baseline: new CounterBaseline(),
    metrics: new Metrics({ config: s.config, services }),
    services,
  };
}

/** Set by the auth middleware: who is asking, for the audit log. */
export function who(res: Response): string {
  return (res.locals.who as string | undefined) ?? 'unknown';
}

export function setEtag(res: Response, generation: number): void {
  res.set('ETag', `"${generation}"`);
}

/** If-Match → the generations it names; undefined when absent. See if-match.ts for what is refused. */
export function ifMatch(req: Request, ctx: ApiContext): readonly number[] | undefined {
  const m = parseIfMatch(req);
  if (m.kind === 'absent') return undefined;
  if (m.kind === 'generations') return m.generations;
  throw new ApiProblem(412, 'ETAG_NO_MATCH', m.detail, { path: '/header/If-Match', currentGeneration: ctx.config.current()?.generation ?? 0 });
}

export function dryRun(req: Request): boolean {
  const v: unknown = req.query.dryRun;
  return v === true || v === 'true';
}
