// What the FRR component exposes to the API, the CLI and /metrics (through the FRR registry key).
import type { DaemonStatus } from './supervisor.ts';
import type { FrrApplyErrorCode } from './reload.ts';

export interface FrrSnapshot {
  instance: string;
  plugin: string | null;
  kernelForwarding: boolean;
  daemons: DaemonStatus[];
  /** Desired-state generation whose rendering is in force; null before the first apply. */
  generation: number | null;
  lastApply: { ok: boolean; at: string; generation: number; code?: FrrApplyErrorCode; detail?: string } | null;
  counters: { applies: number; applyFailures: Record<string, number>; daemonRestarts: number };
  /** RFC 8326 drain: GRACEFUL_SHUTDOWN on every announcement while drained. */
  drain: { drained: boolean; since: string | null };
  /** Lines of raw FRR configuration from the document (frrFragments) in force. */
  fragments: number;
}

export interface FrrStatusSource {
  snapshot(): FrrSnapshot;
  /** The rendered config in force (`show frr config`), passwords redacted. */
  config(): string;
  setDrained(drained: boolean): Promise<FrrSnapshot['drain']>;
}
