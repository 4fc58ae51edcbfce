// What the FRR component exposes to the API, the CLI and /metrics (through the FRR registry key).
import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { DaemonStatus } from './supervisor.ts';
import type { FrrApplyErrorCode } from './reload.ts';

export interface FrrSnapshot {
  instance: string;
  plugin: string | null;
  kernelForwarding: boolean;
  daemons: DaemonStatus[];
  /** Desired-state generation whose rendering is in force; null before the first apply. */
  generation: number | null;
  lastApply: { ok: boolean; at: string; generation: number; code?: FrrApplyErrorCode; detail?: string } | null;
  counters: { applies: number; applyFailures: Record<string, number>; daemonRestarts: number };
}

export interface FrrStatusSource {
  snapshot(): FrrSnapshot;
  /** The rendered config in force (`show frr config`). */
  config(): string;
}

/** gw_frr_* series, read from the FRR component at scrape time. */
export function registerFrrMetrics(reg: PromRegistry, src: () => FrrStatusSource | undefined): void {
  new Gauge({
    name: 'gw_frr_daemon_up',
    help: '1 while the FRR daemon runs',
    labelNames: ['daemon'],
    registers: [reg],
    collect() {
      this.reset();
      for (const d of src()?.snapshot().daemons ?? []) this.set({ daemon: d.daemon }, d.running ? 1 : 0);
    },
  });
  new Counter({
    name: 'gw_frr_daemon_restarts_total',
    help: 'FRR daemons restarted by the supervisor',
    labelNames: ['daemon'],
    registers: [reg],
    collect() {
      this.reset();
      for (const d of src()?.snapshot().daemons ?? []) this.inc({ daemon: d.daemon }, d.restarts);
    },
  });
  new Counter({
    name: 'gw_frr_applies_total',
    help: 'FRR config applies by result (ok or an FRR_* error code)',
    labelNames: ['result'],
    registers: [reg],
    collect() {
      this.reset();
      const s = src()?.snapshot();
      if (!s) return;
      this.inc({ result: 'ok' }, s.counters.applies);
      for (const [code, n] of Object.entries(s.counters.applyFailures)) this.inc({ result: code }, n);
    },
  });
}
