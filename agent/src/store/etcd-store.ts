// etcd store: both gateways of a pair read and write one desired state. Layout under `prefix`:
//   <prefix>/latest          newest generation number (decimal)
//   <prefix>/gen/000000042   the StoredGeneration JSON
// commit() is one transaction that compares `latest` (CAS on the generation the writer started from) and
// puts both keys, so two agents can never both create generation N. A watch on `latest` plus a 1 s probe
// (which also catches events missed while disconnected) report other writers' generations; a failing probe
// marks the store unhealthy: the service then refuses writes and keeps the last applied generation running.
import { Etcd3, type Watcher } from 'etcd3';
import type { Logger } from 'pino';
import { StoreError, type ConfigStore, type NewGeneration, type StoreHealth, type StoredGeneration } from './store.ts';

export interface EtcdStoreOptions {
  endpoints: string[];
  /** Key prefix shared by the gateways of one pair, e.g. "/vpc-gateway/pair-a". */
  prefix: string;
  /** Deadline of every etcd call. */
  timeoutMs: number;
  probeIntervalMs: number;
}

const pad = (g: number): string => String(g).padStart(9, '0');

export class EtcdStore implements ConfigStore {
  readonly kind = 'etcd';
  private client: Etcd3 | undefined;
  private watcher: Watcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private healthy = false;
  private detail = 'not connected yet';
  private known = 0;
  private readonly listeners: ((g: StoredGeneration) => void)[] = [];
  private readonly cache = new Map<number, StoredGeneration>();
  private probing = false;

  constructor(
    private readonly opts: EtcdStoreOptions,
    private readonly log: Logger,
  ) {}

  private get latestKey(): string {
    return `${this.opts.prefix}/latest`;
  }
  private genKey(g: number): string {
    return `${this.opts.prefix}/gen/${pad(g)}`;
  }

  private etcd(): Etcd3 {
    if (!this.client) throw new StoreError('STORE_UNAVAILABLE', 'etcd store not open');
    return this.client;
  }

  private async call<T>(what: string, fn: (c: Etcd3) => Promise<T>): Promise<T> {
    try {
      return await fn(this.etcd());
    } catch (e) {
      if (e instanceof StoreError) throw e;
      this.markDown(`${what}: ${(e as Error).message}`);
      throw new StoreError('STORE_UNAVAILABLE', `etcd ${what} failed: ${(e as Error).message}`);
    }
  }

  private markDown(detail: string): void {
    if (this.healthy) this.log.warn({ mod: 'store', detail }, 'etcd unreachable: degraded, writes refused');
    this.healthy = false;
    this.detail = detail;
  }

  async open(): Promise<void> {
    const timeout = this.opts.timeoutMs;
    this.client = new Etcd3({
      hosts: this.opts.endpoints,
      dialTimeout: timeout,
      defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + timeout }),
    });
    await this.probe();
    // Not awaited: with etcd down at boot the watch waits for it, and the agent must come up degraded meanwhile.
    void this.etcd()
      .watch()
      .key(this.latestKey)
      .create()
      .then((w) => {
        if (!this.client) return void w.cancel();
        this.watcher = w;
        w.on('put', (kv) => void this.announce(Number(kv.value.toString())));
        w.on('error', (e: Error) => this.log.debug({ mod: 'store', err: e }, 'etcd watch error'));
      })
      .catch((e: Error) => this.log.warn({ mod: 'store', err: e }, 'etcd watch not established; relying on the probe'));
    this.timer = setInterval(() => void this.probe(), this.opts.probeIntervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.watcher?.cancel().catch(() => undefined);
    this.client?.close();
    this.client = undefined;
  }

  /** Reads `latest`; flips health; reports a generation nobody announced yet (missed while disconnected). */
  private async probe(): Promise<void> {
    if (this.probing || !this.client) return;
    this.probing = true;
    try {
      const v = await this.client.get(this.latestKey).string();
      if (!this.healthy) this.log.info({ mod: 'store' }, 'etcd reachable: writes accepted');
      this.healthy = true;
      this.detail = '';
      await this.announce(v === null ? 0 : Number(v));
    } catch (e) {
      this.markDown((e as Error).message);
    } finally {
      this.probing = false;
    }
  }

  private async announce(g: number): Promise<void> {
    if (!(g > this.known)) return;
    this.known = g;
    try {
      const rec = await this.get(g);
      if (rec) for (const l of this.listeners) l(rec);
    } catch (e) {
      this.log.warn({ mod: 'store', err: e, generation: g }, 'cannot read announced generation');
    }
  }

  async latest(): Promise<StoredGeneration | null> {
    const v = await this.call('get latest', (c) => c.get(this.latestKey).string());
    if (v === null) return null;
    this.known = Math.max(this.known, Number(v));
    return this.get(Number(v));
  }

  async get(generation: number): Promise<StoredGeneration | null> {
    const hit = this.cache.get(generation);
    if (hit) return hit;
    const v = await this.call('get generation', (c) => c.get(this.genKey(generation)).string());
    if (v === null) return null;
    let rec: StoredGeneration;
    try {
      rec = JSON.parse(v) as StoredGeneration;
    } catch (e) {
      throw new StoreError('STORE_CORRUPT', `generation ${generation}: ${(e as Error).message}`);
    }
    this.cache.set(generation, rec);
    return rec;
  }

  async list(limit: number): Promise<StoredGeneration[]> {
    const all = await this.call('list', (c) => c.getAll().prefix(`${this.opts.prefix}/gen/`).sort('Key', 'Descend').limit(limit).strings());
    return Object.values(all).map((v) => JSON.parse(v) as StoredGeneration);
  }

  async commit(expected: number, next: NewGeneration): Promise<StoredGeneration> {
    const rec: StoredGeneration = { generation: expected + 1, ...next };
    const res = await this.call('commit', (c) => {
      const guard = expected === 0 ? c.if(this.latestKey, 'Version', '==', 0) : c.if(this.latestKey, 'Value', '==', String(expected));
      return guard.then(c.put(this.latestKey).value(String(rec.generation)), c.put(this.genKey(rec.generation)).value(JSON.stringify(rec))).commit();
    });
    if (!res.succeeded) {
      const cur = await this.call('get latest', (c) => c.get(this.latestKey).string());
      throw new StoreError('STALE_GENERATION', `generation ${expected} is not the newest in etcd (${cur ?? 0})`, Number(cur ?? 0));
    }
    this.cache.set(rec.generation, rec);
    return rec;
  }

  health(): StoreHealth {
    return this.healthy ? { healthy: true } : { healthy: false, detail: this.detail };
  }

  onExternalCommit(cb: (g: StoredGeneration) => void): void {
    this.listeners.push(cb);
  }
}
