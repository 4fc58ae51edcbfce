// gw_ifmgr_* series, read from the interface manager at scrape time (for the /metrics collector).
import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { IfmgrSnapshot } from './manager.ts';

export function registerIfmgrMetrics(reg: PromRegistry, src: () => { snapshot(): IfmgrSnapshot } | undefined): void {
  new Counter({
    name: 'gw_ifmgr_restores_total',
    help: 'owned netdevs and loopback addresses put back after something removed or downed them',
    registers: [reg],
    collect() {
      this.reset();
      const s = src()?.snapshot();
      if (s) this.inc(s.counters.restores);
    },
  });
  new Counter({
    name: 'gw_ifmgr_errors_total',
    help: 'interface manager errors by code (IFMGR_NAME_TAKEN, IFMGR_KERNEL, IFMGR_INVALID)',
    labelNames: ['code'],
    registers: [reg],
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(src()?.snapshot().counters.errors ?? {})) this.inc({ code }, n ?? 0);
    },
  });
  new Gauge({
    name: 'gw_ifmgr_owned_present',
    help: '1 when an owned netdev or loopback address is present (and up), 0 while missing',
    labelNames: ['name', 'kind'],
    registers: [reg],
    collect() {
      this.reset();
      const s = src()?.snapshot();
      for (const d of s?.devices ?? []) this.set({ name: d.name, kind: d.kind }, d.present && d.up ? 1 : 0);
      for (const a of s?.loopbackAddresses ?? []) this.set({ name: a.cidr, kind: 'address' }, a.present ? 1 : 0);
    },
  });
}
