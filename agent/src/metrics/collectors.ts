// /metrics: every counter an operator can alert on, read at scrape time from its owner so nothing is sampled.
// The API's own series and the config service's live here; each feature contributes its series through
// FeatureModule.collectors (features/<f>/metrics.ts). Names: gw_<area>_<what>[_total]; labels iface, port,
// worker, lcore, reason, op, result, code (the conventions in docs/management.md).
import { Counter, Registry as PromRegistry } from 'prom-client';
import type { ConfigService } from '../config/service.ts';
import type { Services } from '../core/feature.ts';
import { FEATURE_MODULES } from '../features/index.ts';
import { gauge, mirrored } from './mirror.ts';

export interface MetricSources {
  config: ConfigService;
  services: Services;
}

export class Metrics {
  readonly registry = new PromRegistry();
  readonly apiRequests: Counter<'method' | 'route' | 'status'>;
  readonly apiProblems: Counter<'code'>;
  private readonly scrapeHooks: (() => void)[] = [];

  constructor(src: MetricSources) {
    const reg = this.registry;
    this.apiRequests = new Counter({
      name: 'gw_api_requests_total',
      help: 'management API requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [reg],
    });
    this.apiProblems = new Counter({
      name: 'gw_api_problems_total',
      help: 'problem+json answers by stable code (bad input of every kind, refusals, auth failures)',
      labelNames: ['code'],
      registers: [reg],
    });
    this.configMetrics(reg, src.config);
    for (const f of FEATURE_MODULES) f.collectors?.({ registry: reg, services: src.services, beforeScrape: (fn) => this.scrapeHooks.push(fn) });
  }

  private configMetrics(reg: PromRegistry, cfg: ConfigService): void {
    gauge(reg, 'gw_config_generation', 'newest stored desired-state generation', [], () => [[{}, cfg.status().generation]]);
    gauge(reg, 'gw_config_observed_generation', 'generation in force', [], () => [[{}, cfg.status().observedGeneration]]);
    gauge(reg, 'gw_config_store_healthy', '1 when the config store accepts writes', ['store'], () => [
      [{ store: cfg.store.kind }, cfg.store.health().healthy ? 1 : 0],
    ]);
    mirrored(reg, 'gw_config_applies_total', 'generation applies by result', ['result'], () => [
      [{ result: 'ok' }, cfg.counters.applies.ok],
      [{ result: 'refused' }, cfg.counters.applies.refused],
    ]);
    mirrored(reg, 'gw_config_rejected_total', 'writes rejected before storing, by problem code', ['code'], () =>
      Object.entries(cfg.counters.rejected).map(([code, v]) => [{ code }, v]),
    );
  }

  /** Lets collectors add series that appeared since the last scrape. */
  beforeScrape(): void {
    for (const fn of this.scrapeHooks) fn();
  }
}
