// Audit log: every write attempt (who, when, generation, diff, result) as one JSON line in
// <stateDir>/audit.jsonl, fsynced before the API answers. Local to each agent: with an etcd store both
// gateways record what their own API accepted and what they applied. Torn last lines (kill -9) are skipped.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiffEntry } from '../config/diff.ts';
import { appendLineDurable } from '../store/fsync.ts';

export type AuditResult = 'ok' | 'rejected' | 'refused' | 'error';

export interface AuditEntry {
  seq: number;
  at: string;
  /** "unix:<user>" or "token:<name>" or "agent" for the agent's own applies. */
  who: string;
  /** put-config, put-vpc, delete-peering, rollback, apply, clear-counters, log-levels ... */
  action: string;
  generation?: number;
  diff?: DiffEntry[];
  result: AuditResult;
  code?: string;
  detail?: string;
}

/** Entries kept in memory for queries; older ones stay in the file. */
const MEMORY = 10_000;

export class AuditLog {
  private readonly file: string;
  private entries: AuditEntry[] = [];
  private seq = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(stateDir: string) {
    this.file = join(stateDir, 'audit.jsonl');
  }

  open(): void {
    if (!existsSync(this.file)) return;
    const out: AuditEntry[] = [];
    const text = readFileSync(this.file, 'utf8');
    // A crash mid-append leaves a last line without its newline: end it, or the next entry would be appended
    // to the fragment and be unreadable at the next start.
    if (text !== '' && !text.endsWith('\n')) appendFileSync(this.file, '\n');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as AuditEntry);
      } catch {
        // A line cut by a crash mid-append; everything acknowledged before it is intact.
      }
    }
    this.seq = out.at(-1)?.seq ?? 0;
    this.entries = out.slice(-MEMORY);
  }

  /** Resolves once the entry is on disk. Appends are chained so the file keeps seq order. */
  append(e: Omit<AuditEntry, 'seq' | 'at'>): Promise<AuditEntry> {
    const entry: AuditEntry = { seq: ++this.seq, at: new Date().toISOString(), ...e };
    this.entries.push(entry);
    if (this.entries.length > MEMORY) this.entries.splice(0, this.entries.length - MEMORY);
    const done = this.tail.then(() => appendLineDurable(this.file, JSON.stringify(entry)));
    this.tail = done.catch(() => undefined);
    return done.then(() => entry);
  }

  /** Newest first. */
  query(q: { limit: number; generation?: number }): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < q.limit; i--) {
      const e = this.entries[i]!;
      if (q.generation === undefined || e.generation === q.generation) out.push(e);
    }
    return out;
  }

  /** The newest generation this agent applied successfully (boot fallback when the newest is refused). */
  lastApplied(): number | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.action === 'apply' && e.result === 'ok') return e.generation;
    }
    return undefined;
  }

  /** Last apply outcome recorded for a generation (history view). */
  applyResult(generation: number): AuditEntry | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.generation === generation && e.action === 'apply') return e;
    }
    return undefined;
  }
}
