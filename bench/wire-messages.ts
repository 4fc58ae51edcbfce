// Plugin messages for the agent-side benches, as the zebra plugin packs them (plain msgpack, wire/schema.yaml).
import { Packr } from 'msgpackr';
import type { PeerVerifier } from '../agent/src/features/routing/peer-auth.ts';

export const BATCH = 500;
const packr = new Packr({ useRecords: false });

/** The plugin's HELLO (FRR 8.4.4) in the layout of wire schema `schema` (2 added zebra's pid). */
export function hello(schema: number): Uint8Array {
  return packr.pack(schema >= 2 ? [1, 1, schema, '8.4.4', 'z', false, 1] : [1, 1, schema, '8.4.4', 'z', false]);
}

/**
 * FakePeers for the benches: every pid verified and alive. They measure the session's route path, not the
 * credential check (which runs once per connection, in the ZAP handler).
 */
export const benchPeers: PeerVerifier = {
  verified: (pid) => ({ process: { pid, start: '1' }, seq: 1 }),
  alive: () => true,
  stats: () => ({ accepted: 1, refused: 0 }),
};

/** BATCH messages of N route installs: half IPv4 /32, half IPv6 /64, one nexthop each (ifindex 7). */
export function routeMessages(N: number, epoch: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const gw4 = Uint8Array.from([10, 0, 1, 2]);
  const gw6 = Uint8Array.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x60, 0x9c, 0xf8, 0xff, 0xfe, 0x49, 0xac, 0x64]);
  for (let b = 0; b * BATCH < N; b++) {
    const ops: unknown[] = [];
    for (let k = 0; k < BATCH && b * BATCH + k < N; k++) {
      const i = b * BATCH + k;
      const v6 = i % 2 === 1;
      const j = i >> 1;
      const dst = v6 ? Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, j >> 16, (j >> 8) & 255, j & 255, 0, 0, 0, 0, 0, 0, 0, 0]) : Uint8Array.from([10, 128 + (j >> 16), (j >> 8) & 255, j & 255]);
      ops.push([1, i + 1, 0, 254, dst, v6 ? 64 : 32, 11, 20, 0, v6 ? 24 : 21, [[v6 ? 7 : 3, 0, 7, v6 ? gw6 : gw4, 1, 1, 0, 0]]]);
    }
    out.push(packr.pack([3, b + 2, epoch, ops]));
  }
  return out;
}
