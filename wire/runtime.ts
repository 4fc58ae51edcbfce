// Field readers used by the generated decoder (wire/gen/wire.gen.ts). Each one checks the msgpack value it is
// given and returns the validated TS value, or throws WireDecodeError naming the field path.
import type { WireErrorName } from './gen/wire.gen.ts';

export class WireDecodeError extends Error {
  constructor(
    readonly code: WireErrorName,
    message: string,
  ) {
    super(message);
  }
}

function uint(v: unknown, p: string, max: number): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return v;
  // msgpack uint64 values decode as bigint; none of ours may be that large.
  throw new WireDecodeError('bad_field', `${p}: expected integer 0..${max}`);
}
export const rd_u8 = (v: unknown, p: string): number => uint(v, p, 0xff);
export const rd_u16 = (v: unknown, p: string): number => uint(v, p, 0xffff);
export const rd_u32 = (v: unknown, p: string): number => uint(v, p, 0xffffffff);

export function rd_bool(v: unknown, p: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new WireDecodeError('bad_field', `${p}: expected bool`);
}

export function rd_str(v: unknown, p: string, max: number): string {
  if (typeof v === 'string' && v.length <= max) return v;
  throw new WireDecodeError('bad_field', `${p}: expected string of at most ${max} chars`);
}

function bytes(v: unknown): Uint8Array | null {
  return v instanceof Uint8Array ? v : null;
}

export function ip4ToString(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text form: lowercase, longest run (>= 2) of zero groups compressed, v4-mapped kept as ::ffff:a.b.c.d. */
export function ip6ToString(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${ip4ToString(b.subarray(12))}`;
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

export function rd_ip(v: unknown, p: string): string {
  const b = bytes(v);
  if (b?.length === 4) return ip4ToString(b);
  if (b?.length === 16) return ip6ToString(b);
  throw new WireDecodeError('bad_field', `${p}: expected bin of 4 or 16 bytes`);
}

export function rd_ip4(v: unknown, p: string): string {
  const b = bytes(v);
  if (b?.length === 4) return ip4ToString(b);
  throw new WireDecodeError('bad_field', `${p}: expected bin of 4 bytes`);
}

export const rd_opt_ip = (v: unknown, p: string): string | null => (v === null ? null : rd_ip(v, p));

export function rd_mac(v: unknown, p: string): string {
  const b = bytes(v);
  if (b?.length === 6) return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
  throw new WireDecodeError('bad_field', `${p}: expected bin of 6 bytes`);
}

export const rd_opt_mac = (v: unknown, p: string): string | null => (v === null ? null : rd_mac(v, p));

export function rdList<T>(v: unknown, p: string, max: number, el: (x: unknown, p: string) => T): T[] {
  if (!Array.isArray(v) || v.length > max) throw new WireDecodeError('bad_field', `${p}: expected list of at most ${max}`);
  return v.map((x, i) => el(x, `${p}[${i}]`));
}
