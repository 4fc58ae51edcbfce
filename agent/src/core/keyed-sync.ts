// One batch of a keyed diff between what a realizer wrote (`have`) and what it wants, shared by the realizers
// that bring a dataplane table set from one generation to the next. The record follows each item's result,
// never ahead of it, so a half-failed apply is re-applied exactly from what is really written.
import type { TableErrorCode } from '../dataplane/api.ts';

export interface KeyedSyncResult<T> {
  /** Items written (set) or deleted (del), `not_found` on delete counting as deleted. */
  done: number;
  /** The first refused item, if any. */
  bad?: { item: T; code: TableErrorCode };
}

/**
 * `del` removes what `have` has and `want` has not (or what `stale` says must go although still wanted); `set`
 * writes what is new or changed (compared as JSON). `write` returns one code per item, or undefined for "all ok"
 * (nothing to write to).
 */
export function syncKeyed<K, T>(
  have: Map<K, T>,
  want: Map<K, T>,
  dir: 'del' | 'set',
  write: (items: T[]) => TableErrorCode[] | undefined,
  stale: (item: T) => boolean = () => false,
): KeyedSyncResult<T> {
  const same = (a: T, b: T): boolean => JSON.stringify(a) === JSON.stringify(b);
  const keys = dir === 'del' ? [...have.keys()].filter((k) => !want.has(k) || stale(have.get(k)!)) : [...want.keys()].filter((k) => !have.has(k) || !same(have.get(k)!, want.get(k)!));
  const out: KeyedSyncResult<T> = { done: 0 };
  if (keys.length === 0) return out;
  const items = keys.map((k) => (dir === 'del' ? have.get(k)! : want.get(k)!));
  const res = write(items) ?? items.map((): TableErrorCode => 'ok');
  keys.forEach((k, i) => {
    const code = res[i] ?? 'invalid';
    if (code === 'ok' || (dir === 'del' && code === 'not_found')) {
      if (dir === 'del') have.delete(k);
      else have.set(k, items[i]!);
      out.done++;
    } else if (!out.bad) out.bad = { item: items[i]!, code };
  });
  return out;
}
