// gw_dp_* series: per port, NIC, worker and runtime counters of the dataplane, read at scrape time.
import type { Registry as PromRegistry } from 'prom-client';
import type { Collectors } from '../../core/feature.ts';
import { DATAPLANE } from '../../core/keys.ts';
import type { DataplaneApi, PortCounters, PortInfo, PortStats, WorkerCounters } from '../../dataplane/api.ts';
import { gauge, mirrored, perScrape, type Labels } from '../../metrics/mirror.ts';

export function underlayCollectors(c: Collectors): void {
  const dp = (): DataplaneApi | undefined => c.services.find(DATAPLANE);
  const read = perScrape(() => readDataplane(dp()));
  dataplaneMetrics(c.registry, read);
  const runtimeNames = new Set<string>();
  c.beforeScrape(() => runtimeSeries(c.registry, read, runtimeNames));
}

/** Everything the gw_dp_* series show, read from the addon once per scrape (each read crosses into C). */
interface DataplaneReading {
  ports: PortInfo[];
  names: Map<number, string>;
  counters: PortCounters[];
  stats: Map<number, PortStats>;
  workers: WorkerCounters[];
  runtime: Record<string, bigint>;
}

function readDataplane(d: DataplaneApi | undefined): DataplaneReading | undefined {
  if (!d) return undefined;
  const ports = d.ports();
  return {
    ports,
    names: new Map(ports.map((p) => [p.id, p.name])),
    counters: d.portCounters(),
    stats: new Map(ports.map((p) => [p.id, d.portStats(p.id)])),
    workers: d.workerCounters(),
    runtime: d.runtimeCounters?.() ?? {},
  };
}

function dataplaneMetrics(reg: PromRegistry, read: () => DataplaneReading | undefined): void {
  const perPort = (field: 'rxPackets' | 'rxBytes' | 'txPackets' | 'txBytes' | 'puntPackets' | 'txDrops') => (): [Labels, number][] => {
    const r = read();
    if (!r) return [];
    return r.counters.map((c) => [{ port: c.port, iface: r.names.get(c.port) ?? '' }, Number(c[field])]);
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
    const r = read();
    if (!r) return [];
    return r.counters.flatMap((c) => Object.entries(c.drops).map(([reason, v]): [Labels, number] => [{ port: c.port, iface: r.names.get(c.port) ?? '', reason }, Number(v)]));
  });
  const nic = [
    ['rxMissed', 'rx_missed', 'packets the NIC dropped because RX rings were full'],
    ['rxErrors', 'rx_errors', 'erroneous packets received'],
    ['txErrors', 'tx_errors', 'packets the NIC failed to send'],
    ['rxNoMbuf', 'rx_nombuf', 'RX mbuf allocation failures'],
  ] as const;
  for (const [f, name, help] of nic) {
    mirrored(reg, `gw_dp_nic_${name}_total`, help, ['port', 'iface'], () => {
      const r = read();
      if (!r) return [];
      return r.ports.map((p) => [{ port: p.id, iface: p.name }, Number(r.stats.get(p.id)![f])]);
    });
  }
  gauge(reg, 'gw_dp_port_link_up', '1 when the port link is up', ['port', 'iface'], () =>
    (read()?.ports ?? []).map((p) => [{ port: p.id, iface: p.name }, p.linkUp ? 1 : 0]),
  );
  const wfields = [
    ['busyPolls', 'busy_polls', 'RX polls that returned packets'],
    ['idlePolls', 'idle_polls', 'RX polls that returned nothing'],
    ['sleeps', 'sleeps', 'times the worker backed off while idle'],
  ] as const;
  for (const [f, name, help] of wfields) {
    mirrored(reg, `gw_dp_worker_${name}_total`, help, ['worker', 'lcore'], () =>
      (read()?.workers ?? []).map((w) => [{ worker: w.worker, lcore: w.lcore }, Number(w[f])]),
    );
  }
}

/**
 * Registers a gw_dp_runtime_<name>_total series for runtime counters that appeared since the last scrape
 * (the dataplane names them; a series cannot be added while the registry is being collected).
 */
function runtimeSeries(reg: PromRegistry, read: () => DataplaneReading | undefined, runtimeNames: Set<string>): void {
  const counters = read()?.runtime ?? {};
  for (const name of Object.keys(counters)) {
    if (runtimeNames.has(name) || !/^[a-z][a-z0-9_]*$/.test(name)) continue;
    runtimeNames.add(name);
    mirrored(reg, `gw_dp_runtime_${name}_total`, `dataplane runtime counter ${name}`, [], () => {
      const v = read()?.runtime[name];
      return v === undefined ? [] : [[{}, Number(v)]];
    });
  }
}
