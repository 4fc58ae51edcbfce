// gw_frr_*, gw_bgp_* and gw_bfd_* series, read from the FRR component (and FRR itself) at scrape time.
import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { Collectors } from '../../core/feature.ts';
import { FRR, FRR_NEIGHBORS } from '../../core/keys.ts';
import { gauge } from '../../metrics/mirror.ts';
import type { FrrNeighborSource } from './neighbors.ts';
import type { FrrStatusSource } from './status.ts';

export function frrCollectors(c: Collectors): void {
  registerFrrMetrics(c.registry, () => c.services.find(FRR));
  neighborMetrics(c.registry, () => c.services.find(FRR_NEIGHBORS));
}

/** gw_frr_* series, read from the FRR component at scrape time. */
function registerFrrMetrics(reg: PromRegistry, src: () => FrrStatusSource | undefined): void {
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

/** Asked from FRR at scrape time (vtysh JSON); a scrape while FRR is unreachable has no neighbor series. */
function neighborMetrics(reg: PromRegistry, src: () => FrrNeighborSource | undefined): void {
  gauge(reg, 'gw_bgp_neighbor_established', '1 when the BGP session is Established', ['peer', 'state'], async () =>
    ((await src()?.bgp()) ?? []).map((p) => [{ peer: p.peer, state: p.state }, p.state === 'Established' ? 1 : 0]),
  );
  gauge(reg, 'gw_bgp_neighbor_prefixes_received', 'prefixes received from the BGP neighbor (all address families)', ['peer'], async () =>
    ((await src()?.bgp()) ?? []).map((p) => [{ peer: p.peer }, p.pfxRcd]),
  );
  gauge(reg, 'gw_bfd_peer_up', '1 when the BFD session is up', ['peer', 'status'], async () =>
    ((await src()?.bfd()) ?? []).map((p) => [{ peer: p.peer, status: p.status }, p.status === 'up' ? 1 : 0]),
  );
}

