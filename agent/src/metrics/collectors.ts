// /metrics: every counter an operator can alert on, read at scrape time from its owner (dataplane, CPI,
// config service) so nothing is cached or sampled. Names: gw_<area>_<what>[_total]; labels iface, port,
// worker, lcore, reason, op, result, code (the conventions in docs/management.md).
import { Counter, Gauge, Registry as PromRegistry } from 'prom-client';
import type { DataplaneApi } from '../dataplane/api.ts';
import type { CpiStatus, CpiStatusSource } from '../cpi/status.ts';
import type { ConfigService } from '../config/service.ts';
import { registerFrrMetrics, type FrrStatusSource } from '../frr/status.ts';
import type { FrrNeighborSource } from '../api/frr-neighbors.ts';
import type { IfmgrSnapshot } from '../ifmgr/manager.ts';
import { registerIfmgrMetrics } from '../ifmgr/metrics.ts';

export interface MetricSources {
  config: ConfigService;
  dataplane(): DataplaneApi | undefined;
  cpi(): CpiStatusSource | undefined;
  frr(): FrrStatusSource | undefined;
  frrNeighbors(): FrrNeighborSource | undefined;
  ifmgr?(): { snapshot(): IfmgrSnapshot } | undefined;
}

type Labels = Record<string, string | number>;

type Read = () => [Labels, number][] | Promise<[Labels, number][]>;

/**
 * A series whose value lives elsewhere (dataplane, CPI, config service, FRR): reset and refilled on every
 * scrape, so removed ports or peers disappear instead of freezing. Counters stay typed as counters for rate().
 */
function mirror(reg: PromRegistry, type: 'counter' | 'gauge', name: string, help: string, labelNames: string[], read: Read): void {
  const base = { name, help, labelNames, registers: [reg] };
  if (type === 'gauge') {
    new Gauge({ ...base, async collect() { const v = await read(); this.reset(); for (const [l, x] of v) this.set(l, x); } });
  } else {
    new Counter({ ...base, async collect() { const v = await read(); this.reset(); for (const [l, x] of v) this.inc(l, Math.max(0, x)); } });
  }
}
const mirrored = (reg: PromRegistry, name: string, help: string, labels: string[], read: Read): void => mirror(reg, 'counter', name, help, labels, read);
const gauge = (reg: PromRegistry, name: string, help: string, labels: string[], read: Read): void => mirror(reg, 'gauge', name, help, labels, read);

export class Metrics {
  readonly registry = new PromRegistry();
  readonly apiRequests: Counter<'method' | 'route' | 'status'>;
  readonly apiProblems: Counter<'code'>;
  private readonly dataplane: () => DataplaneApi | undefined;
  private readonly runtimeNames = new Set<string>();

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
    this.dataplaneMetrics(reg, src.dataplane);
    this.cpiMetrics(reg, src.cpi);
    // FRR owns its series (agent/src/frr/status.ts); they are read from it at scrape time like the rest.
    registerFrrMetrics(reg, src.frr);
    registerIfmgrMetrics(reg, () => src.ifmgr?.());
    this.dataplane = src.dataplane;
    this.neighborMetrics(reg, src.frrNeighbors);
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

  private dataplaneMetrics(reg: PromRegistry, dp: () => DataplaneApi | undefined): void {
    const names = (d: DataplaneApi): Map<number, string> => new Map(d.ports().map((p) => [p.id, p.name]));
    const perPort = (field: 'rxPackets' | 'rxBytes' | 'txPackets' | 'txBytes' | 'puntPackets' | 'txDrops') => (): [Labels, number][] => {
      const d = dp();
      if (!d) return [];
      const n = names(d);
      return d.portCounters().map((c) => [{ port: c.port, iface: n.get(c.port) ?? '' }, Number(c[field])]);
    };
    const fields = [
      ['rxPackets', 'rx_packets', 'packets received by the workers'],
      ['rxBytes', 'rx_bytes', 'bytes received by the workers'],
      ['txPackets', 'tx_packets', 'packets sent'],
      ['txBytes', 'tx_bytes', 'bytes sent'],
      ['puntPackets', 'punt_packets', 'packets punted to the kernel (local delivery, control plane)'],
      ['txDrops', 'tx_drops', 'packets dropped because the TX queue was full'],
    ] as const;
    for (const [f, name, help] of fields) mirrored(reg, `gw_dp_port_${name}_total`, help, ['port', 'iface'], perPort(f));
    mirrored(reg, 'gw_dp_drops_total', 'packets dropped by the pipeline, by port and reason', ['port', 'iface', 'reason'], () => {
      const d = dp();
      if (!d) return [];
      const n = names(d);
      return d
        .portCounters()
        .flatMap((c) => Object.entries(c.drops).map(([reason, v]): [Labels, number] => [{ port: c.port, iface: n.get(c.port) ?? '', reason }, Number(v)]));
    });
    const nic = [
      ['rxMissed', 'rx_missed', 'packets the NIC dropped because RX rings were full'],
      ['rxErrors', 'rx_errors', 'erroneous packets received'],
      ['txErrors', 'tx_errors', 'packets the NIC failed to send'],
      ['rxNoMbuf', 'rx_nombuf', 'RX mbuf allocation failures'],
    ] as const;
    for (const [f, name, help] of nic) {
      mirrored(reg, `gw_dp_nic_${name}_total`, help, ['port', 'iface'], () => {
        const d = dp();
        if (!d) return [];
        return d.ports().map((p) => [{ port: p.id, iface: p.name }, Number(d.portStats(p.id)[f])]);
      });
    }
    gauge(reg, 'gw_dp_port_link_up', '1 when the port link is up', ['port', 'iface'], () =>
      (dp()?.ports() ?? []).map((p) => [{ port: p.id, iface: p.name }, p.linkUp ? 1 : 0]),
    );
    const wfields = [
      ['busyPolls', 'busy_polls', 'RX polls that returned packets'],
      ['idlePolls', 'idle_polls', 'RX polls that returned nothing'],
      ['sleeps', 'sleeps', 'times the worker backed off while idle'],
    ] as const;
    for (const [f, name, help] of wfields) {
      mirrored(reg, `gw_dp_worker_${name}_total`, help, ['worker', 'lcore'], () =>
        (dp()?.workerCounters() ?? []).map((w) => [{ worker: w.worker, lcore: w.lcore }, Number(w[f])]),
      );
    }
  }

  /**
   * Registers a gw_dp_runtime_<name>_total series for runtime counters that appeared since the last scrape
   * (the dataplane names them; a series cannot be added while the registry is being collected).
   */
  beforeScrape(): void {
    const counters = this.dataplane()?.runtimeCounters?.() ?? {};
    for (const name of Object.keys(counters)) {
      if (this.runtimeNames.has(name) || !/^[a-z][a-z0-9_]*$/.test(name)) continue;
      this.runtimeNames.add(name);
      mirrored(this.registry, `gw_dp_runtime_${name}_total`, `dataplane runtime counter ${name}`, [], () => {
        const v = this.dataplane()?.runtimeCounters?.()[name];
        return v === undefined ? [] : [[{}, Number(v)]];
      });
    }
  }

  /** Asked from FRR at scrape time (vtysh JSON); a scrape while FRR is unreachable has no neighbor series. */
  private neighborMetrics(reg: PromRegistry, src: () => FrrNeighborSource | undefined): void {
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

  private cpiMetrics(reg: PromRegistry, cpi: () => CpiStatusSource | undefined): void {
    const snap = () => cpi()?.snapshot();
    mirrored(reg, 'gw_cpi_ops_total', 'zebra plugin ops by op and outcome', ['op', 'result'], () =>
      Object.entries(snap()?.ops ?? {}).flatMap(([op, c]): [Labels, number][] => [
        [{ op, result: 'received' }, c.received],
        [{ op, result: 'ok' }, c.ok],
        [{ op, result: 'failed' }, c.failed],
      ]),
    );
    mirrored(reg, 'gw_cpi_malformed_total', 'plugin messages that failed decoding or validation', ['code'], () =>
      Object.entries(snap()?.malformed ?? {}).map(([code, v]) => [{ code }, v]),
    );
    const scalar = (f: (s: CpiStatus) => number) => (): [Labels, number][] => {
      const s = snap();
      return s ? [[{}, f(s)]] : [];
    };
    mirrored(reg, 'gw_cpi_messages_received_total', 'messages received from the plugin', [], scalar((s) => s.messagesReceived));
    mirrored(reg, 'gw_cpi_batches_answered_total', 'reply batches sent to the plugin', [], scalar((s) => s.batchesAnswered));
    gauge(reg, 'gw_cpi_pending_ops', 'ops received and not answered yet', [], scalar((s) => s.pendingOps));
    gauge(reg, 'gw_cpi_epoch', 'plugin session epoch (increments on every reconnect)', [], scalar((s) => s.epoch));
    gauge(reg, 'gw_cpi_state', '1 for the current plugin link state', ['state'], () => {
      const s = snap();
      return s ? (['waiting', 'syncing', 'established', 'lost'] as const).map((st) => [{ state: st }, s.state === st ? 1 : 0]) : [];
    });
    gauge(reg, 'gw_cpi_model_entries', 'entries in the agent model built from the plugin', ['table'], () => {
      const s = snap();
      return s ? [...Object.entries(s.rib), ...Object.entries(s.evpn)].map(([table, v]) => [{ table }, v]) : [];
    });
  }
}
