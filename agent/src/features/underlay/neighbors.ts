// Kernel neighbor learning for the punt path: the kernel resolves ARP/ND over the taps; this mirrors the
// kernel's neighbor table of each tap into the dataplane (keyed by the tap's physical port), and turns
// neighbor-miss events from the workers into kernel resolutions (NTF_USE), rate-limited per address.
// `ip monitor neigh` only tells us *that* something changed: every change triggers a re-read of the table,
// so the dataplane converges to the kernel's view even if a monitor line was missed or mis-parsed.
import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { DataplaneApi, DataplaneEvent, Neighbor, PortId } from '../../dataplane/api.ts';
import { parseIp, parseMac } from '../../dataplane/addr.ts';
import { ip, ipMonitor } from './iproute.ts';

export interface TapBinding {
  port: PortId;
  tap: string;
  netns?: string;
}

export interface NeighborStats {
  /** Entries written to / removed from the dataplane. */
  learned: number;
  removed: number;
  /** Neighbor-miss events from the workers, resolutions asked of the kernel, misses within the hold-down. */
  missEvents: number;
  resolutions: number;
  missSuppressed: number;
  resyncs: number;
  errors: number;
}

/** Kernel states whose lladdr is usable for forwarding. */
const USABLE = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP']);

interface KernelNeigh {
  dst?: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
}

export interface NeighborLearnerOptions {
  resyncMs: number;
  /** Runs `ip` in a namespace (tests pass a fake kernel). */
  ip?: (netns: string | undefined, args: string[]) => Promise<string>;
  /** Follow `ip monitor neigh` (default true). */
  monitor?: boolean;
  /** How often worker events are drained. */
  eventPollMs?: number;
  /** One kernel resolution per address per this interval. */
  missHoldMs?: number;
}

export class NeighborLearner {
  readonly stats: NeighborStats = { learned: 0, removed: 0, missEvents: 0, resolutions: 0, missSuppressed: 0, resyncs: 0, errors: 0 };
  private readonly current = new Map<string, Neighbor>();
  private readonly lastMiss = new Map<string, number>();
  private readonly monitors = new Map<string | undefined, ChildProcess>();
  private started = false;
  private timers: NodeJS.Timeout[] = [];
  private pending: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly dp: DataplaneApi,
    private taps: TapBinding[],
    private readonly log: Logger,
    private readonly opts: NeighborLearnerOptions,
  ) {}

  private namespaces(): (string | undefined)[] {
    return [...new Set(this.taps.map((t) => t.netns))];
  }

  private get ip(): (netns: string | undefined, args: string[]) => Promise<string> {
    return this.opts.ip ?? ip;
  }

  async start(): Promise<void> {
    this.started = true;
    this.watchNamespaces();
    await this.resync();
    this.timers.push(setInterval(() => this.schedule(), this.opts.resyncMs));
    this.timers.push(setInterval(() => this.drainEvents(), this.opts.eventPollMs ?? 20));
  }

  /** Ports come and go with the desired-state document: follow the new set of taps (and their namespaces). */
  setTaps(taps: TapBinding[]): void {
    // A removed port's entries go now, not at the next resync: DPDK reuses port ids, and a port re-created
    // under the same id must not inherit what was learned on the old one.
    const bind = (t: TapBinding): string => `${t.port}|${t.tap}|${t.netns ?? ''}`;
    const keep = new Set(taps.map(bind));
    const gone = new Set(this.taps.filter((t) => !keep.has(bind(t))).map((t) => t.port));
    const stale = [...this.current].filter(([, n]) => gone.has(n.port));
    if (stale.length) {
      this.dp.delNeighbors(stale.map(([, n]) => ({ port: n.port, ip: n.ip })));
      for (const [k] of stale) this.current.delete(k);
      this.stats.removed += stale.length;
    }
    this.taps = [...taps];
    if (this.started && !this.stopped) {
      this.watchNamespaces();
      this.schedule();
    }
  }

  private watchNamespaces(): void {
    for (const ns of this.opts.monitor === false ? [] : this.namespaces()) {
      if (this.monitors.has(ns)) continue;
      const m = ipMonitor(ns, ['neigh'], () => this.schedule());
      m.on('exit', () => {
        if (!this.stopped) this.log.warn({ mod: 'dataplane', netns: ns }, 'ip monitor neigh exited; periodic resync only');
      });
      this.monitors.set(ns, m);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.pending) clearTimeout(this.pending);
    for (const m of this.monitors.values()) m.kill();
    await this.running;
  }

  /** Coalesces bursts of monitor lines into one re-read. */
  schedule(): void {
    if (this.stopped || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.resync();
    }, 10);
  }

  /** Re-reads every tap's kernel neighbors and applies the difference to the dataplane. */
  resync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.doResync().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.resync();
      }
    });
    return this.running;
  }

  private async doResync(): Promise<void> {
    const want = new Map<string, Neighbor>();
    for (const ns of this.namespaces()) {
      let rows: KernelNeigh[];
      try {
        rows = JSON.parse((await this.ip(ns, ['-j', 'neigh', 'show'])) || '[]') as KernelNeigh[];
      } catch (e) {
        this.stats.errors++;
        this.log.warn({ mod: 'dataplane', netns: ns, err: e }, 'reading kernel neighbors failed');
        return;
      }
      for (const r of rows) {
        const tap = this.taps.find((t) => t.netns === ns && t.tap === r.dev);
        const addr = parseIp(r.dst);
        const mac = parseMac(r.lladdr);
        if (!tap || !addr || !mac || !(r.state ?? []).some((s) => USABLE.has(s))) continue;
        want.set(`${tap.port}/${addr.text}`, { port: tap.port, ip: addr.text, mac });
      }
    }
    if (this.stopped) return;
    const set = [...want].filter(([k, n]) => this.current.get(k)?.mac !== n.mac).map(([, n]) => n);
    const del = [...this.current].filter(([k]) => !want.has(k)).map(([, n]) => n);
    if (set.length) {
      const res = this.dp.setNeighbors(set);
      set.forEach((n, i) => {
        if (res[i] === 'ok') {
          this.current.set(`${n.port}/${n.ip}`, n);
          this.stats.learned++;
        } else {
          this.stats.errors++;
          this.log.warn({ mod: 'dataplane', neighbor: n, result: res[i] }, 'dataplane refused neighbor');
        }
      });
    }
    if (del.length) {
      const res = this.dp.delNeighbors(del.map(({ port, ip: a }) => ({ port, ip: a })));
      del.forEach((n, i) => {
        if (res[i] === 'ok' || res[i] === 'not_found') {
          this.current.delete(`${n.port}/${n.ip}`);
          this.stats.removed++;
        }
      });
    }
    this.stats.resyncs++;
  }

  private drainEvents(): void {
    if (this.stopped) return;
    let evs: DataplaneEvent[];
    while ((evs = this.dp.pollEvents(256)).length > 0) {
      for (const ev of evs) if (ev.type === 'neigh_miss') void this.onMiss(ev);
    }
  }

  /** A worker had no neighbor for ev.ip on ev.port: ask the kernel to resolve it on the port's tap. */
  async onMiss(ev: DataplaneEvent): Promise<void> {
    this.stats.missEvents++;
    const tap = this.taps.find((t) => t.port === ev.port);
    const addr = parseIp(ev.ip);
    if (!tap || !addr) {
      this.stats.errors++;
      return;
    }
    const key = `${ev.port}/${addr.text}`;
    const now = Date.now();
    if (now - (this.lastMiss.get(key) ?? -Infinity) < (this.opts.missHoldMs ?? 1000)) {
      this.stats.missSuppressed++;
      return;
    }
    this.lastMiss.set(key, now);
    if (this.lastMiss.size > 65536) this.lastMiss.clear();
    this.stats.resolutions++;
    try {
      // NTF_USE: creates the entry if needed and makes the kernel solicit now; an entry the kernel already
      // has (learned before we read it) is left as is and the following resync programs it.
      await this.ip(tap.netns, ['neigh', 'replace', addr.text, 'dev', tap.tap, 'use', 'nud', 'none']);
    } catch (e) {
      this.stats.errors++;
      this.log.debug({ mod: 'dataplane', err: e }, 'kernel resolution failed');
    }
    this.schedule();
  }
}
