// `clear counters` takes a baseline instead of resetting the dataplane: its counters stay monotonic for
// Prometheus (rate() breaks on resets) while operators see "since I cleared". A counter below its baseline
// means the dataplane restarted; it is then shown as is.
import type { PortCounters, WorkerCounters } from '../dataplane/api.ts';

const sub = (now: bigint, base: bigint | undefined): bigint => (base !== undefined && now >= base ? now - base : now);

export class CounterBaseline {
  private ports = new Map<number, PortCounters>();
  private workers = new Map<number, WorkerCounters>();
  clearedAt: string | null = null;

  clear(ports: PortCounters[], workers: WorkerCounters[]): void {
    // Copies: a source may hand out its live objects and keep counting in them.
    this.ports = new Map(ports.map((p) => [p.port, structuredClone(p)]));
    this.workers = new Map(workers.map((w) => [w.worker, structuredClone(w)]));
    this.clearedAt = new Date().toISOString();
  }

  port(c: PortCounters): PortCounters {
    const b = this.ports.get(c.port);
    const drops: Record<string, bigint> = {};
    for (const [k, v] of Object.entries(c.drops)) drops[k] = sub(v, b?.drops[k]);
    return {
      port: c.port,
      rxPackets: sub(c.rxPackets, b?.rxPackets),
      rxBytes: sub(c.rxBytes, b?.rxBytes),
      txPackets: sub(c.txPackets, b?.txPackets),
      txBytes: sub(c.txBytes, b?.txBytes),
      puntPackets: sub(c.puntPackets, b?.puntPackets),
      txDrops: sub(c.txDrops, b?.txDrops),
      drops,
    };
  }

  worker(w: WorkerCounters): WorkerCounters {
    const b = this.workers.get(w.worker);
    return {
      worker: w.worker,
      lcore: w.lcore,
      busyPolls: sub(w.busyPolls, b?.busyPolls),
      idlePolls: sub(w.idlePolls, b?.idlePolls),
      sleeps: sub(w.sleeps, b?.sleeps),
    };
  }
}
