// gw_frr_*, gw_bgp_* and gw_bfd_* series, read from the FRR component (and FRR itself) at scrape time.
import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { Collectors } from '../../core/feature.ts';
import { FRR, FRR_NEIGHBORS } from '../../core/keys.ts';
import { gauge, perScrape } from '../../metrics/mirror.ts';
import type { BfdPeerState, BgpPeerState } from './vtysh.ts';
import type { FrrStatusSource } from './status.ts';

export function frrCollectors(c: Collectors): void {
  registerFrrMetrics(c.registry, () => c.services.find(FRR));
  // One vtysh call per table per scrape, shared by the series that show it.
  const bgp = perScrape(async () => (await c.services.find(FRR_NEIGHBORS)?.bgp()) ?? []);
  const bfd = perScrape(async () => (await c.services.find(FRR_NEIGHBORS)?.bfd()) ?? []);
  neighborMetrics(c.registry, bgp, bfd);
  const filtered = perScrape(async () => {
    const src = c.services.find(FRR_NEIGHBORS);
    return (await src?.filtered?.((await bgp()).map((p) => p.peer))) ?? [];
  });
  gauge(c.registry, 'gw_bgp_neighbor_prefixes_offered', 'prefixes the BGP neighbor sent, before the import policy', ['peer'], async () =>
    (await filtered()).map((p) => [{ peer: p.peer }, p.received]),
  );
  gauge(c.registry, 'gw_bgp_neighbor_prefixes_filtered', 'prefixes the BGP neighbor sent that the import policy refused', ['peer'], async () =>
    (await filtered()).map((p) => [{ peer: p.peer }, p.filtered]),
  );
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
function neighborMetrics(reg: PromRegistry, bgp: () => Promise<BgpPeerState[]>, bfd: () => Promise<BfdPeerState[]>): void {
  gauge(reg, 'gw_bgp_neighbor_established', '1 when the BGP session is Established', ['peer', 'state'], async () =>
    (await bgp()).map((p) => [{ peer: p.peer, state: p.state }, p.state === 'Established' ? 1 : 0]),
  );
  gauge(reg, 'gw_bgp_neighbor_prefixes_received', 'prefixes received from the BGP neighbor (all address families)', ['peer'], async () =>
    (await bgp()).map((p) => [{ peer: p.peer }, p.pfxRcd]),
  );
  gauge(reg, 'gw_bgp_neighbor_max_prefix_exceeded', '1 while the session is torn down by its maximum-prefix limit', ['peer'], async () =>
    (await bgp()).map((p) => [{ peer: p.peer }, p.maxPrefixExceeded ? 1 : 0]),
  );
  gauge(reg, 'gw_bfd_peer_up', '1 when the BFD session is up', ['peer', 'status'], async () =>
    (await bfd()).map((p) => [{ peer: p.peer, status: p.status }, p.status === 'up' ? 1 : 0]),
  );
}
