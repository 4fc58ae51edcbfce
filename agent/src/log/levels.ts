// Per-component log levels changeable at run time (PUT /v1/log-levels). Components log through the daemon's
// logger with a `mod` (a child's binding or the first argument's field) — whether they took a child before or
// after a change. pino children copy their level when created, so levels cannot live in the loggers: the managed
// root logs everything to a logMethod hook, which drops a record below its component's level.
import { pino, type DestinationStream, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Components of the management plane itself; features register theirs (FeatureModule.logComponents). */
export const CORE_LOG_COMPONENTS = ['daemon', 'config', 'store', 'api'] as const;

const VALUE: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export class LogLevels {
  /** The managed root: give it to components (ctx.log) instead of the unmanaged one. */
  readonly root: Logger;
  private defaultLevel: LogLevel;
  private readonly overrides = new Map<string, LogLevel>();
  /** Components seen logging (or asked for), for the snapshot. */
  private readonly seen = new Set<string>();

  constructor(opts: { level: LogLevel; bindings?: Record<string, unknown>; destination?: DestinationStream }) {
    this.defaultLevel = opts.level;
    const threshold = (mod: string | undefined): number => this.threshold(mod);
    this.root = pino(
      {
        level: 'trace',
        base: opts.bindings ?? {},
        hooks: {
          logMethod(args, method, level) {
            const first = args[0] as unknown;
            const fromArg = typeof first === 'object' && first !== null ? (first as { mod?: unknown }).mod : undefined;
            const mod = typeof fromArg === 'string' ? fromArg : ((this.bindings() as { mod?: unknown }).mod as string | undefined);
            if (level >= threshold(mod)) method.apply(this, args);
          },
        },
      },
      opts.destination,
    );
  }

  /** Managed levels for an existing logger: same bindings, its level as the default. */
  static wrapping(log: Logger, destination?: DestinationStream): LogLevels {
    const level = (LOG_LEVELS as readonly string[]).includes(log.level) ? (log.level as LogLevel) : 'info';
    return new LogLevels({ level, bindings: log.bindings(), ...(destination ? { destination } : {}) });
  }

  private threshold(mod: string | undefined): number {
    if (mod === undefined) return VALUE[this.defaultLevel];
    if (!this.seen.has(mod)) this.seen.add(mod);
    return VALUE[this.overrides.get(mod) ?? this.defaultLevel];
  }

  for(mod: string): Logger {
    this.seen.add(mod);
    return this.root.child({ mod });
  }

  /** Levels of every component seen logging and of `known` ones (settable before they first log). */
  snapshot(known: readonly string[] = []): { default: LogLevel; levels: Record<string, LogLevel> } {
    const levels: Record<string, LogLevel> = {};
    for (const mod of [...new Set([...this.seen, ...known])].sort()) levels[mod] = this.overrides.get(mod) ?? this.defaultLevel;
    return { default: this.defaultLevel, levels };
  }

  set(change: { default?: LogLevel; levels: Record<string, LogLevel> }): void {
    if (change.default) this.defaultLevel = change.default;
    for (const [mod, level] of Object.entries(change.levels)) {
      this.overrides.set(mod, level);
      this.seen.add(mod);
    }
  }
}
