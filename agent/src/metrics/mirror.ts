// Series whose values live elsewhere (dataplane, CPI, config service, FRR), for the /metrics collectors.
import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';

export type Labels = Record<string, string | number>;

export type Read = () => [Labels, number][] | Promise<[Labels, number][]>;

/**
 * A series whose value lives elsewhere (dataplane, CPI, config service, FRR): reset and refilled on every
 * scrape, so removed ports or peers disappear instead of freezing. Counters stay typed as counters for rate().
 */
export function mirror(reg: PromRegistry, type: 'counter' | 'gauge', name: string, help: string, labelNames: string[], read: Read): void {
  const base = { name, help, labelNames, registers: [reg] };
  if (type === 'gauge') {
    new Gauge({ ...base, async collect() { const v = await read(); this.reset(); for (const [l, x] of v) this.set(l, x); } });
  } else {
    new Counter({ ...base, async collect() { const v = await read(); this.reset(); for (const [l, x] of v) this.inc(l, Math.max(0, x)); } });
  }
}
export const mirrored = (reg: PromRegistry, name: string, help: string, labels: string[], read: Read): void => mirror(reg, 'counter', name, help, labels, read);
export const gauge = (reg: PromRegistry, name: string, help: string, labels: string[], read: Read): void => mirror(reg, 'gauge', name, help, labels, read);

/**
 * One read per scrape: prom-client starts every collect() of a scrape in the same turn of the event loop, so
 * the first read is kept until the next turn and the other series of that scrape share it.
 */
export function perScrape<T>(read: () => T): () => T {
  let cur: { v: T } | undefined;
  return () => {
    if (!cur) {
      cur = { v: read() };
      setImmediate(() => (cur = undefined));
    }
    return cur.v;
  };
}
