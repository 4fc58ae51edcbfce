// Per-component log levels changeable at run time (PUT /v1/log-levels). Components take their logger from
// here (`logs.for('cpi')`) instead of `log.child(...)`, so the API can turn one component to debug without
// flooding the others. pino children copy their level at creation, hence the explicit bookkeeping.
import type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class LogLevels {
  private readonly children = new Map<string, Logger>();
  /** Components whose level was set explicitly; the others follow the default. */
  private readonly overrides = new Map<string, LogLevel>();

  constructor(private readonly root: Logger) {}

  for(mod: string): Logger {
    let l = this.children.get(mod);
    if (!l) {
      l = this.root.child({ mod });
      l.level = this.overrides.get(mod) ?? this.root.level;
      this.children.set(mod, l);
    }
    return l;
  }

  snapshot(): { default: LogLevel; levels: Record<string, LogLevel> } {
    const levels: Record<string, LogLevel> = {};
    for (const [mod, l] of [...this.children].sort(([a], [b]) => a.localeCompare(b))) levels[mod] = l.level as LogLevel;
    return { default: this.root.level as LogLevel, levels };
  }

  set(change: { default?: LogLevel; levels: Record<string, LogLevel> }): void {
    if (change.default) {
      this.root.level = change.default;
      for (const [mod, l] of this.children) if (!this.overrides.has(mod)) l.level = change.default;
    }
    for (const [mod, level] of Object.entries(change.levels)) {
      this.overrides.set(mod, level);
      this.for(mod).level = level;
    }
  }
}
