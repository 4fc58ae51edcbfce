// When entries of a lost epoch leave the dataplane. A new epoch's SYNC_END means the plugin replayed everything
// zebra has *now*; after a control-plane restart that is close to nothing (zebra and bgpd start empty, the
// leafs' routes come back only once BGP re-converged), so sweeping there blackholes every BGP route for the
// whole restart. Entries older than the current epoch are kept as stale and keep forwarding; a route the new
// epoch announces again is simply refreshed (it takes the new epoch). The sweep waits until the RIB is
// converged — the probe (bgpd: every configured peer Established with end-of-RIB received, RFC 4724
// section 2) says so and no route op arrived for a quiet period — or until an upper bound.
//
// Deletes inside an epoch are applied at once: they come from zebra, which keeps a crashed GR-enabled client's
// routes (zebra client graceful restart) and sweeps them itself once the client says it is complete, so a
// delete the plugin streams is zebra's decision, not a client crash.

import { ZEBRA_ROUTE_BGP } from './fib.ts';

/** Whether the routing daemons have re-learned what they had; reason says what is still missing. */
export interface ConvergenceProbe {
  converged(): Promise<{ converged: boolean; reason: string }>;
}

/** Routing daemons whose restart the FRR supervisor announces (zebra route types of their routes). */
export type RestartingClient = 'bgp';
const CLIENT_PROTO: Record<RestartingClient, number> = { bgp: ZEBRA_ROUTE_BGP };

/**
 * Told by the FRR supervisor when a routing daemon restarts: until the RIB re-converged, zebra's deletes of that
 * daemon's routes keep the dataplane entry as stale instead of removing it.
 */
export interface RouteHold {
  clientRestarting(client: RestartingClient, why: string): void;
}

export interface StaleStatus {
  /** FIB routes and EVPN entries from an earlier epoch still in the dataplane. */
  entries: number;
  sweepPending: boolean;
  /** Why the sweep waits (or null): the probe's answer, "quiet period" or "epoch incomplete". */
  reason: string | null;
  /** A restarting client whose deleted routes are kept as stale until the sweep (or null). */
  holding: string | null;
  /** ISO-8601 time the stale entries started waiting; null when none wait. */
  since: string | null;
  /** Upper bound of the wait. */
  maxSeconds: number;
  /** How the last sweep was triggered. */
  lastSweep: { at: string; removed: number; trigger: 'immediate' | 'converged' | 'bound' } | null;
}

export interface StaleTables {
  /** Removes entries last announced before `epoch`; returns how many. */
  sweep(epoch: number): number;
  /** Entries last announced before `epoch`. */
  count(epoch: number): number;
}

export interface StaleOptions {
  maxMs: number;
  pollMs: number;
  /**
   * No route op for this long after the probe said converged: zebra and the plugin delivered what bgpd chose.
   * bgpd re-installed a route ~1.05 s after zebra had deleted it (held) in the chaos lab, so 1 s swept it early.
   */
  quietMs: number;
}

export const STALE_DEFAULTS: StaleOptions = { maxMs: 120_000, pollMs: 500, quietMs: 2500 };

interface Log {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export class StaleSweeper {
  private epoch = 0;
  private pending = false;
  private since: number | null = null;
  private reason: string | null = null;
  private lastOp = 0;
  private lastSweep: StaleStatus['lastSweep'] = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  /** The plugin is gone: everything the FIB holds is from a finished epoch until the next one replays. */
  private disconnected = false;
  private complete = false;
  /** Route types (zebra's) whose deletes are held, and why. */
  private hold: { protos: Set<number>; why: string } | null = null;

  constructor(
    private readonly tables: StaleTables,
    /** Looked up when needed: absent (no FRR in this agent), the sweep runs at SYNC_END as before. */
    private readonly probe: () => ConvergenceProbe | undefined,
    private readonly log: Log,
    private readonly o: StaleOptions = STALE_DEFAULTS,
    private readonly now: () => number = Date.now,
    private readonly schedule = true,
  ) {}

  /** A route or EVPN op was applied in the current epoch. */
  touched(): void {
    this.lastOp = this.now();
  }

  /** A new epoch began (HELLO): whatever waits, waits for this epoch's SYNC_END now. */
  epochStarted(epoch: number): void {
    this.epoch = epoch;
    this.complete = false;
    this.disconnected = false;
    this.stopTimer();
    if (this.pending) this.reason = 'epoch incomplete';
    if (this.since === null && this.tables.count(epoch) > 0) this.since = this.now();
  }

  /** The epoch's replay is complete: sweep now when nothing is stale or no probe exists, else wait. */
  epochComplete(epoch: number): number {
    this.epoch = epoch;
    this.complete = true;
    if (this.tables.count(epoch) === 0 && !this.hold) {
      this.clear();
      return 0;
    }
    if (!this.probe()) return this.sweep('immediate');
    this.log.info({ mod: 'cpi', epoch, stale: this.tables.count(epoch), maxMs: this.o.maxMs }, 'epoch complete; stale entries kept until the RIB converged');
    this.wait('waiting for the first convergence check');
    return 0;
  }

  private wait(reason: string): void {
    if (this.pending) return;
    this.pending = true;
    this.since ??= this.now();
    this.reason = reason;
    if (this.schedule) this.startTimer();
  }

  /**
   * A routing daemon restarted. zebra normally keeps a graceful-restart client's routes while it is away, but it
   * sweeps them as soon as the client says its update is complete, and bgpd says so at once when a peer
   * announces itself restarting (R bit, FRR 8.4 bgp_fsm.c) — before it re-installed anything. A delete of such
   * a route inside the epoch cannot be told from a withdraw, so until the RIB re-converged (probe, bounded)
   * those deletes keep the entry as stale; the sweep then removes what was not announced again. A real
   * withdraw in that window leaves the dataplane at that sweep instead of at once.
   */
  holdDeletes(protos: number[], why: string): void {
    if (!this.probe()) return;
    this.hold = { protos: new Set([...(this.hold?.protos ?? []), ...protos]), why };
    this.since ??= this.now();
    this.log.info({ mod: 'cpi', epoch: this.epoch, protos, why, maxMs: this.o.maxMs }, 'holding route deletes of a restarting routing daemon until the RIB converged');
    if (this.complete && !this.disconnected) this.wait('waiting for the first convergence check');
  }

  /** True when a delete of a route of this zebra type is to keep the entry as stale (see holdDeletes). */
  holds(proto: number): boolean {
    return this.hold?.protos.has(proto) ?? false;
  }

  /** The plugin disconnected: nothing is swept until a new epoch completes (the bound counts from here). */
  lost(): void {
    this.disconnected = true;
    this.stopTimer();
    if (this.since === null && this.tables.count(this.epoch + 1) > 0) this.since = this.now();
  }

  /** One convergence check (the timer calls it; tests call it with their own clock). */
  async poll(): Promise<void> {
    if (!this.pending || this.polling) return;
    this.polling = true;
    try {
      if (this.now() - this.since! >= this.o.maxMs) {
        this.log.warn({ mod: 'cpi', epoch: this.epoch, waitedMs: this.now() - this.since!, reason: this.reason }, 'RIB not converged within the bound: sweeping stale entries');
        this.sweep('bound');
        return;
      }
      const p = this.probe();
      const r = p ? await p.converged() : { converged: true, reason: '' };
      if (!this.pending) return;
      if (!r.converged) {
        this.reason = r.reason;
        return;
      }
      if (this.now() - this.lastOp < this.o.quietMs) {
        this.reason = 'quiet period';
        return;
      }
      this.sweep('converged');
    } catch (e) {
      this.reason = `convergence check failed: ${(e as Error).message}`;
    } finally {
      this.polling = false;
    }
  }

  status(): StaleStatus {
    const waiting = this.pending || this.since !== null;
    const reason = this.disconnected ? 'plugin disconnected' : this.pending ? this.reason : 'epoch incomplete';
    return {
      entries: waiting ? this.tables.count(this.disconnected ? this.epoch + 1 : this.epoch) : 0,
      sweepPending: this.pending,
      reason: waiting ? reason : null,
      holding: this.hold?.why ?? null,
      since: this.since === null ? null : new Date(this.since).toISOString(),
      maxSeconds: Math.round(this.o.maxMs / 1000),
      lastSweep: this.lastSweep,
    };
  }

  stop(): void {
    this.stopTimer();
  }

  private sweep(trigger: 'immediate' | 'converged' | 'bound'): number {
    const removed = this.tables.sweep(this.epoch);
    const waited = this.since === null ? 0 : this.now() - this.since;
    this.lastSweep = { at: new Date(this.now()).toISOString(), removed, trigger };
    this.clear();
    if (trigger !== 'immediate') this.log.info({ mod: 'cpi', epoch: this.epoch, removed, trigger, waitedMs: waited }, 'stale entries swept');
    return removed;
  }

  private clear(): void {
    this.hold = null;
    this.pending = false;
    this.since = null;
    this.reason = null;
    this.stopTimer();
  }

  private startTimer(): void {
    this.stopTimer();
    this.timer = setInterval(() => void this.poll(), this.o.pollMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** The RouteHold the routing component provides for the FRR supervisor. */
export function routeHold(s: StaleSweeper): RouteHold {
  return { clientRestarting: (client, why) => s.holdDeletes([CLIENT_PROTO[client]], why) };
}
