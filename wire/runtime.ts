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

// Readers get the path of the enclosing object (p) and the field name (f) separately: joining them for every
// field of every route cost more than decoding (16 us/route), so the path is only built for an error.
const at = (p: string, f: string): string => (p ? `${p}.${f}` : f);

function uint(v: unknown, p: string, f: string, max: number): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return v;
  // msgpack uint64 values decode as bigint; none of ours may be that large.
  throw new WireDecodeError('bad_field', `${at(p, f)}: expected integer 0..${max}`);
}
export const rd_u8 = (v: unknown, p: string, f: string): number => uint(v, p, f, 0xff);
export const rd_u16 = (v: unknown, p: string, f: string): number => uint(v, p, f, 0xffff);
export const rd_u32 = (v: unknown, p: string, f: string): number => uint(v, p, f, 0xffffffff);

export function rd_bool(v: unknown, p: string, f: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new WireDecodeError('bad_field', `${at(p, f)}: expected bool`);
}

export function rd_str(v: unknown, p: string, f: string, max: number): string {
  if (typeof v === 'string' && v.length <= max) return v;
  throw new WireDecodeError('bad_field', `${at(p, f)}: expected string of at most ${max} chars`);
}

function bytes(v: unknown): Uint8Array | null {
  return v instanceof Uint8Array ? v : null;
}

// The last optional IPv6 address (a nexthop's gateway) formatted: a batch repeats its gateways (one or two
// link-locals for 100k routes), and formatting one costs ~1.5 us.
const last6 = new Uint8Array(16);
let last6Text = '::';

function ip6(b: Uint8Array): string {
  for (let i = 0; i < 16; i++) {
    if (b[i] !== last6[i]) {
      last6.set(b);
      last6Text = formatIp(b);
      return last6Text;
    }
  }
  return last6Text;
}

export function rd_ip(v: unknown, p: string, f: string): string {
  const b = bytes(v);
  // IPv4 is most of what flows: format it directly rather than through the generic formatter.
  if (b?.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b?.length === 16) return formatIp(b);
  throw new WireDecodeError('bad_field', `${at(p, f)}: expected bin of 4 or 16 bytes`);
}

export function rd_ip4(v: unknown, p: string, f: string): string {
  const b = bytes(v);
  if (b?.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  throw new WireDecodeError('bad_field', `${at(p, f)}: expected bin of 4 bytes`);
}

export function rd_opt_ip(v: unknown, p: string, f: string): string | null {
  if (v === null) return null;
  const b = bytes(v);
  return b?.length === 16 ? ip6(b) : rd_ip(v, p, f);
}

export function rd_mac(v: unknown, p: string, f: string): string {
  const b = bytes(v);
  if (b?.length === 6) return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
  throw new WireDecodeError('bad_field', `${at(p, f)}: expected bin of 6 bytes`);
}

export const rd_opt_mac = (v: unknown, p: string, f: string): string | null => (v === null ? null : rd_mac(v, p, f));

export function rdList<T>(v: unknown, p: string, f: string, max: number, el: (x: unknown, p: string, f: string) => T): T[] {
  if (!Array.isArray(v) || v.length > max) throw new WireDecodeError('bad_field', `${at(p, f)}: expected list of at most ${max}`);
  const out = new Array<T>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = el(v[i], at(p, f), `[${i}]`);
  return out;
}
