// Which FRR daemons restart together, in which order, and after how long. Pure, so the policy is unit-tested
// without processes; the supervisor only executes it.
//
// zebra is the server of every other daemon: a restarted zebra starts with an empty RIB and FRR 8.4's clients
// do not resend what they had installed, so its clients restart with it (what watchfrr does). bfdd is the BFD
// server of bgpd: a restarted bfdd reports every re-registered session Down, which bgpd (still holding it Up)
// takes for a failure and answers with a Cease/BFD-down NOTIFICATION, a hard reset under RFC 8538 section 5.1
// that makes the leafs flush our routes. A bgpd restarted with bfdd registers fresh sessions instead, and its
// peers keep our routes under graceful restart (RFC 4724).
import type { FrrDaemon } from './daemons.ts';

/** Servers first: zebra, then the daemons bgpd registers with through zebra (bfdd, staticd), bgpd last. */
function rank(d: FrrDaemon): number {
  return d === 'zebra' ? 0 : d === 'bgpd' ? 2 : 1;
}

export function startOrder(daemons: readonly FrrDaemon[]): FrrDaemon[] {
  return [...daemons].sort((a, b) => rank(a) - rank(b));
}

/** Clients that lose their state when `server` restarts. */
const CLIENTS: Partial<Record<FrrDaemon, (d: FrrDaemon) => boolean>> = {
  zebra: (d) => d !== 'zebra',
  bfdd: (d) => d === 'bgpd',
};

/** The daemons to restart when `dead` exited: itself and its clients among `daemons`, in start order. */
export function restartGroup(dead: FrrDaemon, daemons: readonly FrrDaemon[]): FrrDaemon[] {
  const isClient = CLIENTS[dead];
  return startOrder(daemons.filter((d) => d === dead || (isClient?.(d) ?? false)));
}

export const BACKOFF_MS: readonly number[] = [200, 500, 1000, 2000, 5000, 10_000];
/** A daemon that ran this long before exiting starts its back-off over: the earlier crash is history. */
export const STABLE_MS = 60_000;

/** Restart back-off of one daemon: grows while it keeps crashing soon after each start. */
export class Backoff {
  private step = 0;

  constructor(
    private readonly steps: readonly number[] = BACKOFF_MS,
    private readonly stableMs = STABLE_MS,
  ) {}

  /** Delay before the restart that follows an exit at `now` of a daemon started at `startedAt`. */
  next(startedAt: number, now: number): number {
    if (now - startedAt >= this.stableMs) this.step = 0;
    const d = this.steps[Math.min(this.step, this.steps.length - 1)]!;
    this.step++;
    return d;
  }
}
