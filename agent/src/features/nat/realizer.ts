// Brings the dataplane's NAT tables from what this feature realized to a NatTables, by keyed diff, one batch per
// table and direction. Deletes run first and from the leaves (forwards, inside, pool prefixes, then pools, and
// static mappings), additions after and from the roots (pools before what refers to them), so no entry ever
// names a pool that is not there.
//
// The record follows the per-item results, never ahead of them: when an apply fails half way, the config hub
// re-applies the previous generation and the diff starts from what is really written, which restores it exactly.
import { syncKeyed } from '../../core/keyed-sync.ts';
import type { TableErrorCode } from '../../dataplane/api.ts';
import { emptyNatTables, forwardKey, prefixKey, staticKey, type NatOrigin, type NatTables } from './desired.ts';
import type { NatTablesApi } from './dp-tables.ts';

type TableName = keyof NatTables;

/** A table write the dataplane refused: the table, the item and its result code. */
export class NatRealizeError extends Error {
  constructor(
    readonly table: TableName,
    readonly key: string,
    readonly code: TableErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NatRealizeError';
  }
}

export interface NatRealizerStats {
  applies: number;
  applyFailures: number;
  written: Record<TableName, number>;
  deleted: Record<TableName, number>;
}

const zero = (): Record<TableName, number> => ({ natStatic: 0, natPools: 0, natPoolPrefixes: 0, natInside: 0, natForwards: 0 });

export interface NatRealized {
  tables: NatTables;
  poolOrigin: ReadonlyMap<number, NatOrigin>;
  staticOrigin: ReadonlyMap<string, NatOrigin>;
}

export class NatRealizer {
  readonly stats: NatRealizerStats = { applies: 0, applyFailures: 0, written: zero(), deleted: zero() };
  private readonly have: NatTables = emptyNatTables();
  private poolOrigin = new Map<number, NatOrigin>();
  private staticOrigin = new Map<string, NatOrigin>();
  private queue: Promise<void> = Promise.resolve();

  /** `dp` undefined: nothing is written (an agent without NAT tables realizes no NAT). */
  constructor(private readonly dp: NatTablesApi | undefined) {}

  /** Expose key → pool id of what is realized is kept by the consumer; this is what is written. */
  realized(): NatRealized {
    const t = this.have;
    return {
      tables: { natStatic: new Map(t.natStatic), natPools: new Map(t.natPools), natPoolPrefixes: new Map(t.natPoolPrefixes), natInside: new Map(t.natInside), natForwards: new Map(t.natForwards) },
      poolOrigin: this.poolOrigin,
      staticOrigin: this.staticOrigin,
    };
  }

  /** Applies are serialized: each diffs from the state the previous one left. */
  apply(next: NatTables, origin: { pools: Map<number, NatOrigin>; statics: Map<string, NatOrigin> }): Promise<void> {
    const run = this.queue.then(() => {
      this.stats.applies++;
      // Origins of what stays written whatever happens: the old ones for entries a failure leaves behind.
      this.poolOrigin = new Map([...this.poolOrigin, ...origin.pools]);
      this.staticOrigin = new Map([...this.staticOrigin, ...origin.statics]);
      try {
        this.diff(next);
      } catch (e) {
        this.stats.applyFailures++;
        throw e;
      } finally {
        for (const id of [...this.poolOrigin.keys()]) if (!this.have.natPools.has(id)) this.poolOrigin.delete(id);
        for (const k of [...this.staticOrigin.keys()]) if (!this.have.natStatic.has(k)) this.staticOrigin.delete(k);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private diff(next: NatTables): void {
    const dp = this.dp;
    // A pool whose row changes in place keeps its entries; one that goes takes them along in the dataplane,
    // but they are deleted first anyway so the record never holds an entry of a missing pool.
    this.sync('natForwards', this.have.natForwards, next.natForwards, 'del', (xs) => dp?.delNatForwards?.(xs.map(({ pool, proto, addr, port }) => ({ pool, proto, addr, port }))), forwardKey);
    this.sync('natInside', this.have.natInside, next.natInside, 'del', (xs) => dp?.delNatInside?.(xs), prefixKey);
    this.sync('natPoolPrefixes', this.have.natPoolPrefixes, next.natPoolPrefixes, 'del', (xs) => dp?.delNatPoolPrefixes?.(xs), prefixKey);
    this.sync('natPools', this.have.natPools, next.natPools, 'del', (xs) => dp?.delNatPools?.(xs.map((p) => p.pool)), (p) => String(p.pool));
    this.sync('natStatic', this.have.natStatic, next.natStatic, 'del', (xs) => dp?.delNatStatic?.(xs.map(({ peering, vrf, ips }) => ({ peering, vrf, ips }))), staticKey);

    this.sync('natPools', this.have.natPools, next.natPools, 'set', (xs) => dp?.setNatPools?.(xs), (p) => String(p.pool));
    this.sync('natPoolPrefixes', this.have.natPoolPrefixes, next.natPoolPrefixes, 'set', (xs) => dp?.setNatPoolPrefixes?.(xs), prefixKey);
    this.sync('natInside', this.have.natInside, next.natInside, 'set', (xs) => dp?.setNatInside?.(xs), prefixKey);
    this.sync('natForwards', this.have.natForwards, next.natForwards, 'set', (xs) => dp?.setNatForwards?.(xs), forwardKey);
    this.sync('natStatic', this.have.natStatic, next.natStatic, 'set', (xs) => dp?.setNatStatic?.(xs), staticKey);
  }

  /** One batch of `table` (core/keyed-sync.ts); the first refused item becomes the error. */
  private sync<K, T>(table: TableName, have: Map<K, T>, want: Map<K, T>, dir: 'del' | 'set', write: (items: T[]) => TableErrorCode[] | undefined, keyText: (item: T) => string): void {
    const { done, bad } = syncKeyed(have, want, dir, write);
    this.stats[dir === 'del' ? 'deleted' : 'written'][table] += done;
    if (bad) throw new NatRealizeError(table, keyText(bad.item), bad.code, `${dir === 'del' ? 'deleting from' : 'writing'} ${table} ${JSON.stringify(bad.item)}: ${bad.code}`);
  }
}
