// Field readers used by the generated decoder (wire/gen/wire.gen.ts). Each one checks the msgpack value it is
// given and returns the validated TS value, or throws WireDecodeError naming the field path.
import { formatIp } from '../agent/src/dataplane/addr.ts';
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

export function rd_ip(v: unknown, p: string): string {
  const b = bytes(v);
  if (b?.length === 4 || b?.length === 16) return formatIp(b);
  throw new WireDecodeError('bad_field', `${p}: expected bin of 4 or 16 bytes`);
}

export function rd_ip4(v: unknown, p: string): string {
  const b = bytes(v);
  if (b?.length === 4) return formatIp(b);
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
