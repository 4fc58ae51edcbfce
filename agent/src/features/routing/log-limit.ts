// Log lines caused by what a peer sends are bounded: a hostile or broken peer sending 73k bad messages wrote
// 14 MB of warnings. Per kind, the first `burst` events of an interval are logged in full; the rest are only
// counted, and one summary line per interval says how many were withheld. The counters the operator reads
// (/metrics, `gwctl show plugin`) count every event either way.

export interface LimitedLogOptions {
  /** Events logged in full per interval and kind. */
  burst: number;
  intervalMs: number;
  now?: () => number;
}

type Write = (o: object, msg: string) => void;

interface Window {
  start: number;
  logged: number;
  withheld: number;
  msg: string;
}

export class LimitedLog {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  /** Lines withheld since start, over all kinds. */
  suppressed = 0;

  constructor(
    private readonly write: Write,
    private readonly opts: LimitedLogOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** One event of `kind`: logged when within the burst of the current interval, otherwise counted. */
  event(kind: string, o: object, msg: string): void {
    const t = this.now();
    let w = this.windows.get(kind);
    if (w && t - w.start >= this.opts.intervalMs) {
      this.summarize(kind, w);
      w = undefined;
    }
    if (!w) {
      w = { start: t, logged: 0, withheld: 0, msg };
      this.windows.set(kind, w);
    }
    if (w.logged < this.opts.burst) {
      w.logged++;
      this.write({ ...o, kind }, msg);
      return;
    }
    w.withheld++;
    this.suppressed++;
  }

  /** Writes the summary of every interval that has ended (call periodically: events may just stop). */
  flush(): void {
    const t = this.now();
    for (const [kind, w] of this.windows) {
      if (t - w.start < this.opts.intervalMs) continue;
      this.summarize(kind, w);
      this.windows.delete(kind);
    }
  }

  private summarize(kind: string, w: Window): void {
    if (w.withheld === 0) return;
    this.write({ kind, withheld: w.withheld, intervalMs: this.opts.intervalMs }, `${w.msg}: ${w.withheld} more not logged in this interval (counted)`);
  }
}
