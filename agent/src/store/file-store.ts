// Embedded store: one JSON file per generation in <stateDir>/config/ (gen-000000042.json). Files are written
// durably (fsync + atomic rename + directory fsync) before commit() resolves, so a kill -9 at any instant leaves
// either the old newest generation or the new one complete, never a torn file; leftover temp files are removed
// at open. A failed fsync refuses the commit and leaves no trace of it.
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { realFsync, writeFileDurable, type Fsync } from './fsync.ts';
import { StoreError, type ConfigStore, type NewGeneration, type StoreHealth, type StoredGeneration } from './store.ts';

const FILE_RE = /^gen-(\d{9})\.json$/;

export class FileStore implements ConfigStore {
  readonly kind = 'file';
  private readonly dir: string;
  private gens: number[] = [];
  private readonly cache = new Map<number, StoredGeneration>();

  constructor(
    stateDir: string,
    private readonly fsync: Fsync = realFsync,
  ) {
    this.dir = join(stateDir, 'config');
  }

  async open(): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const gens: number[] = [];
    for (const f of readdirSync(this.dir)) {
      const m = FILE_RE.exec(f);
      if (m) gens.push(Number(m[1]));
      else if (f.includes('.tmp-')) unlinkSync(join(this.dir, f));
    }
    this.gens = gens.sort((a, b) => a - b);
  }

  async close(): Promise<void> {}

  private file(g: number): string {
    return join(this.dir, `gen-${String(g).padStart(9, '0')}.json`);
  }

  async get(generation: number): Promise<StoredGeneration | null> {
    const hit = this.cache.get(generation);
    if (hit) return hit;
    if (!this.gens.includes(generation)) return null;
    let rec: StoredGeneration;
    try {
      rec = JSON.parse(readFileSync(this.file(generation), 'utf8')) as StoredGeneration;
    } catch (e) {
      throw new StoreError('STORE_CORRUPT', `generation ${generation}: ${(e as Error).message}`);
    }
    this.cache.set(generation, rec);
    return rec;
  }

  async latest(): Promise<StoredGeneration | null> {
    const g = this.gens.at(-1);
    return g === undefined ? null : this.get(g);
  }

  async list(limit: number): Promise<StoredGeneration[]> {
    const out: StoredGeneration[] = [];
    for (const g of this.gens.slice(-limit).reverse()) {
      const r = await this.get(g);
      if (r) out.push(r);
    }
    return out;
  }

  async commit(expected: number, next: NewGeneration): Promise<StoredGeneration> {
    const current = this.gens.at(-1) ?? 0;
    if (current !== expected) {
      throw new StoreError('STALE_GENERATION', `generation ${expected} is not the newest (${current})`, current);
    }
    const rec: StoredGeneration = { generation: current + 1, ...next };
    // Reserve the number before the first await so a concurrent commit in this process sees it.
    this.gens.push(rec.generation);
    try {
      await writeFileDurable(this.file(rec.generation), JSON.stringify(rec), this.fsync);
    } catch (e) {
      this.gens.pop();
      throw new StoreError('STORE_UNAVAILABLE', `cannot write generation ${rec.generation}: ${(e as Error).message}`);
    }
    this.cache.set(rec.generation, rec);
    return rec;
  }

  health(): StoreHealth {
    return { healthy: true };
  }

  onExternalCommit(): void {}
}
