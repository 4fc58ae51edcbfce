// The config service: single writer of desired state. Every write (whole document, one resource, rollback)
// goes through write(): If-Match check → build → validate everything → (dry-run: diff) → commit to the store
// (CAS) → apply atomically to the consumers → audit. Writes are serialized in this process; the store's CAS
// serializes agents sharing an etcd store.
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/log.ts';
import type { ConfigStore, StoredGeneration } from '../store/store.ts';
import { StoreError } from '../store/store.ts';
import { applyAtomically, validateWithConsumers, type ApplyResult, type ConfigConsumer, type ConfigHub } from './consumer.ts';
import { diff, type DiffEntry } from './diff.ts';
import { ConfigError } from './errors.ts';
import { unsupported, type Feature } from './features.ts';
import { emptyState, type DesiredState, type Generation } from './model.ts';
import type { Problem } from './problem.ts';
import { validateDocument } from './validate.ts';

export interface WriteRequest {
  who: string;
  action: string;
  /** Generation(s) parsed from If-Match (a list matches when any is the newest); undefined when the header is missing. */
  ifMatch: number | readonly number[] | undefined;
  dryRun: boolean;
  /** Builds the next document from (a private copy of) the newest one; may throw ConfigError NOT_FOUND. */
  build(current: DesiredState): DesiredState;
  rollbackOf?: number;
}

export interface WriteOutcome {
  generation: number;
  dryRun: boolean;
  applied: boolean;
  diff: DiffEntry[];
}

export interface ApplyError {
  generation: number;
  at: string;
  problems: Problem[];
  rollbackErrors: ApplyResult['rollbackErrors'];
}

export interface ConfigCounters {
  applies: { ok: number; refused: number };
  /** Writes rejected before storing, by code (INVALID_CONFIG problems are counted per problem code). */
  rejected: Record<string, number>;
}

export class ConfigService implements ConfigHub {
  private readonly consumers: ConfigConsumer[] = [];
  private newest: StoredGeneration | null = null;
  private inForce: Generation | null = null;
  private lastAppliedAt: string | null = null;
  private lastError: ApplyError | null = null;
  private applying = false;
  private queue: Promise<unknown> = Promise.resolve();
  readonly counters: ConfigCounters = { applies: { ok: 0, refused: 0 }, rejected: {} };

  constructor(
    readonly store: ConfigStore,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    /** Features accepted without a consumer (boot `config.acceptUnrealized`: labs and API tests only). */
    private readonly acceptUnrealized: readonly Feature[] = [],
  ) {
    store.onExternalCommit((g) => void this.serial(() => this.adoptExternal(g)));
  }

  addConsumer(c: ConfigConsumer): void {
    this.consumers.push(c);
  }

  consumerNames(): string[] {
    return this.consumers.map((c) => c.name);
  }

  applied(): Generation | null {
    return this.inForce;
  }

  /** Loads the newest stored generation and applies it (after every consumer registered). */
  async start(): Promise<void> {
    await this.serial(async () => {
      this.newest = await this.store.latest();
      if (!this.newest) return;
      const res = await this.applyGeneration(this.newest);
      if (res.ok) return;
      // Booting into a refused generation: run the last one this agent ran successfully rather than nothing
      // (the refusal stays reported: generation N, observedGeneration = that one, lastError).
      const good = this.audit.lastApplied();
      const prev = good !== undefined && good !== this.newest.generation ? await this.store.get(good) : null;
      if (prev) await this.applyGeneration(prev);
    });
  }

  current(): StoredGeneration | null {
    return this.newest;
  }

  status(): {
    generation: number;
    observedGeneration: number;
    applying: boolean;
    lastAppliedAt: string | null;
    lastError: ApplyError | null;
  } {
    return {
      generation: this.newest?.generation ?? 0,
      observedGeneration: this.inForce?.generation ?? 0,
      applying: this.applying,
      lastAppliedAt: this.lastAppliedAt,
      lastError: this.lastError,
    };
  }

  /** Every problem of a candidate document: semantics, unsupported features, consumers' own checks. */
  check(next: DesiredState): Problem[] {
    const fixedPorts = this.consumers.flatMap((c) => c.fixedPorts ?? []);
    const all = [...validateDocument(next, { fixedPorts }), ...unsupported(next, this.realized()), ...validateWithConsumers(this.consumers, next)];
    // One problem per (code, path): a consumer may see again what the document rules saw (a bad device).
    const seen = new Set<string>();
    return all.filter((p) => !seen.has(`${p.code} ${p.path}`) && seen.add(`${p.code} ${p.path}`));
  }

  /** Features some consumer realizes (plus boot `acceptUnrealized`). */
  realized(): Set<Feature> {
    const out = new Set<Feature>(this.acceptUnrealized);
    for (const c of this.consumers) for (const f of c.realizes ?? []) out.add(f);
    return out;
  }

  write(req: WriteRequest): Promise<WriteOutcome> {
    return this.serial(async () => {
      try {
        return await this.doWrite(req);
      } catch (e) {
        if (e instanceof ConfigError && e.code !== 'REFUSED') await this.reject(req, e);
        throw e;
      }
    });
  }

  private async doWrite(req: WriteRequest): Promise<WriteOutcome> {
    const base = this.newest;
    const baseGen = base?.generation ?? 0;
    if (req.ifMatch === undefined) {
      throw new ConfigError('PRECONDITION_REQUIRED', `If-Match required: send the ETag of the generation you edited ("${baseGen}")`, {
        current: baseGen,
      });
    }
    const tags = typeof req.ifMatch === 'number' ? [req.ifMatch] : req.ifMatch;
    if (!tags.includes(baseGen)) {
      throw new ConfigError('STALE_GENERATION', `generation ${tags.join(', ')} is not the newest (${baseGen}): re-read and retry`, {
        current: baseGen,
      });
    }
    const baseSpec = base?.spec ?? emptyState();
    const next = req.build(structuredClone(baseSpec));
    const problems = this.check(next);
    if (problems.length > 0) {
      throw new ConfigError('INVALID_CONFIG', `${problems.length} problem(s) in the document`, { problems, path: problems[0]!.path });
    }
    const d = diff(baseSpec, next);
    // Re-applying what is already in force is a no-op (idempotent `apply -f`); a refused newest generation is
    // retried as a new generation instead, since the refusal may have been transient.
    const noop = d.length === 0 && base !== null && this.inForce?.generation === baseGen;
    if (noop) return { generation: baseGen, dryRun: req.dryRun, applied: true, diff: [] };
    if (req.dryRun) return { generation: baseGen + 1, dryRun: true, applied: false, diff: d };
    if (!this.store.health().healthy) {
      throw new ConfigError('STORE_UNAVAILABLE', `config store unavailable (${this.store.health().detail ?? 'down'}): writes refused`);
    }
    let rec: StoredGeneration;
    try {
      rec = await this.store.commit(baseGen, {
        spec: next,
        createdAt: new Date().toISOString(),
        author: req.who,
        ...(req.rollbackOf !== undefined ? { rollbackOf: req.rollbackOf } : {}),
      });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'STALE_GENERATION') {
        // Another agent wrote first and we have not heard of it yet: catch up now (we hold the write queue), so
        // the caller's re-read returns what won instead of looping on 412 until the watch or probe reports it.
        const latest = await this.store.latest().catch(() => null);
        if (latest && latest.generation > baseGen) await this.adoptExternal(latest);
        throw new ConfigError('STALE_GENERATION', e.message, { current: e.current ?? baseGen });
      }
      throw new ConfigError('STORE_UNAVAILABLE', (e as Error).message);
    }
    this.newest = rec;
    await this.audit.append({ who: req.who, action: req.action, generation: rec.generation, diff: d, result: 'ok' });
    const res = await this.applyGeneration(rec);
    if (!res.ok) {
      throw new ConfigError('REFUSED', `generation ${rec.generation} stored but refused; generation ${this.inForce?.generation ?? 0} stays in force`, {
        problems: res.problems,
        current: rec.generation,
        path: res.problems[0]?.path ?? '',
      });
    }
    return { generation: rec.generation, dryRun: false, applied: true, diff: d };
  }

  private async reject(req: WriteRequest, e: ConfigError): Promise<void> {
    const codes = e.extra.problems?.map((p) => p.code) ?? [e.code];
    for (const c of codes) this.counters.rejected[c] = (this.counters.rejected[c] ?? 0) + 1;
    if (req.dryRun) return;
    const detail = e.extra.problems ? e.extra.problems.map((p) => `${p.path}: ${p.code}`).join('; ') : e.message;
    await this.audit.append({ who: req.who, action: req.action, result: 'rejected', code: e.code, detail }).catch((ae: unknown) => {
      this.log.error({ mod: 'config', err: ae }, 'audit append failed');
    });
  }

  private async applyGeneration(rec: StoredGeneration): Promise<ApplyResult> {
    const next: Generation = { generation: rec.generation, spec: rec.spec };
    this.applying = true;
    let res: ApplyResult;
    try {
      res = await applyAtomically(this.consumers, next, this.inForce);
    } finally {
      this.applying = false;
    }
    if (res.ok) {
      this.inForce = next;
      this.lastAppliedAt = new Date().toISOString();
      this.counters.applies.ok++;
      this.log.info({ mod: 'config', generation: rec.generation }, 'generation applied');
    } else {
      this.counters.applies.refused++;
      this.lastError = { generation: rec.generation, at: new Date().toISOString(), problems: res.problems, rollbackErrors: res.rollbackErrors };
      this.log.warn({ mod: 'config', generation: rec.generation, problems: res.problems, rollbackErrors: res.rollbackErrors }, 'generation refused');
    }
    // The apply happened either way; a failing audit disk must not turn it into an error for the caller.
    await this.audit
      .append({
        who: 'agent',
        action: 'apply',
        generation: rec.generation,
        result: res.ok ? 'ok' : 'refused',
        ...(res.ok ? {} : { code: res.problems[0]?.code ?? 'REFUSED', detail: res.problems.map((p) => p.detail).join('; ') }),
      })
      .catch((ae: unknown) => this.log.error({ mod: 'config', err: ae }, 'audit append failed'));
    return res;
  }

  /** A generation committed by another agent sharing the store. */
  private async adoptExternal(g: StoredGeneration): Promise<void> {
    if (this.newest && g.generation <= this.newest.generation) return;
    this.newest = g;
    await this.applyGeneration(g);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
