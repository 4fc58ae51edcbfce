// Field readers of the generated TS table decoders (dataplane/tables/gen/tables.gen.ts). Each mirrors the C
// reader + decoder of gw_tables.h check for check, so FakeDataplane refuses exactly what the addon refuses;
// each returns the canonical value or undefined (the item is then `invalid`).
import { parseIp, parseMac, parsePrefix } from '../../agent/src/dataplane/addr.ts';

/** Strings of this length or longer are refused (the C decoders read into a buffer of this size). */
export const STR_MAX = 64;

export type Obj = Record<string, unknown>;

/** Like the C readers, a property of a non-object is absent. */
export function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null ? (v as Obj) : {};
}

export function int(v: unknown, min: number, max: number): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length < STR_MAX ? v : undefined;
}

/** An address of either family, or of `family` only. */
export const ip = (v: unknown, family?: 4 | 6): string | undefined => {
  const s = str(v);
  const a = s === undefined ? undefined : parseIp(s);
  return a === undefined || (family !== undefined && a.family !== family) ? undefined : a.text;
};

export const prefix = (v: unknown): string | undefined => {
  const s = str(v);
  return s === undefined ? undefined : parsePrefix(s)?.text;
};

export const mac = (v: unknown): string | undefined => {
  const s = str(v);
  return s === undefined ? undefined : parseMac(s);
};

/** One of the names of an enum field (the C decoder matches the same strings). */
export function oneOf<T extends string>(v: unknown, names: readonly T[]): T | undefined {
  const s = str(v);
  return names.find((n) => n === s);
}

export function list<T>(v: unknown, min: number, max: number, item: (e: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(v) || v.length < min || v.length > max) return undefined;
  const out: T[] = [];
  for (const e of v) {
    const x = item(e);
    if (x === undefined) return undefined;
    out.push(x);
  }
  return out;
}

/** The one batch loop of FakeDataplane (tables.cc has its C twin): decode each item, then apply it. */
export function batch<I, R extends string>(items: unknown[], decode: (v: unknown) => I | undefined, apply: (item: I) => R, invalid: R): R[] {
  return items.map((v) => {
    const it = decode(v);
    return it === undefined ? invalid : apply(it);
  });
}
