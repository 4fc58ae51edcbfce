// The wire schema's generated files are current, and the agent's decoder survives anything: random bytes,
// mutated valid messages, wrong types. A fuzz loop bounded in time (not a fixed count) keeps the suite fast.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { pack, Packr } from 'msgpackr';
import { generate, OUT_C, OUT_TS } from '../../wire/gen.ts';
import { decodeMessage, decodeOp, WireDecodeError, WIRE_VERSION } from '../../wire/gen/wire.gen.ts';

const packr = new Packr({ useRecords: false });
const v4 = (s: string): Uint8Array => Uint8Array.from(s.split('.').map(Number));

function routeOp(op = 1, dst = '10.1.0.0', plen = 24, nexthops: unknown[] = [[3, 0, 7, v4('10.0.1.2'), 1, 1, 0, 0]]): unknown[] {
  return [op, 9, 0, 254, v4(dst), plen, 11, 20, 0, 19, nexthops];
}

describe('cpi wire schema', () => {
  it('generated C header and TS decoder match wire/schema.yaml (regenerate: npx tsx wire/gen.ts)', () => {
    const { c, ts } = generate();
    expect(readFileSync(OUT_C, 'utf8'), 'wire/gen/gw_wire.h is stale').to.equal(c);
    expect(readFileSync(OUT_TS, 'utf8'), 'wire/gen/wire.gen.ts is stale').to.equal(ts);
  });

  it('decodes a HELLO and a BATCH route op into validated types with canonical addresses', () => {
    const h = decodeMessage([1, 1, WIRE_VERSION, '8.4.4', 'zebra/1/2', false, 4242]);
    expect(h).to.deep.equal({ type: 'HELLO', seq: 1, schema: WIRE_VERSION, frrVersion: '8.4.4', instance: 'zebra/1/2', kernel: false, pid: 4242 });
    // A schema-1 HELLO (no pid) is refused before anything else is read.
    expect(() => decodeMessage([1, 1, 1, '8.4.4', 'zebra/1/2', false])).to.throw(WireDecodeError, /expected 7 elements/);
    const gate6 = new Uint8Array(16);
    gate6.set([0x20, 0x01, 0x0d, 0xb8], 0);
    gate6[15] = 1;
    const op = decodeOp(routeOp(1, '10.1.0.0', 24, [[5, 0, 7, gate6, 0, 1, 0, 0]]), 'ops[0]');
    expect(op).to.include({ op: 'ROUTE_INSTALL', id: 9, dst: '10.1.0.0', plen: 24, nheId: 19 });
    if (op.op !== 'ROUTE_INSTALL') throw new Error('type');
    expect(op.nexthops[0]).to.include({ gate: '2001:db8::1', ifindex: 7 });
  });

  it('names the field and a stable code for each kind of bad input', () => {
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).to.be.instanceOf(WireDecodeError);
        return `${(e as WireDecodeError).code}: ${(e as Error).message}`;
      }
      return 'accepted';
    };
    expect(code(() => decodeMessage({ a: 1 }))).to.match(/^bad_envelope/);
    expect(code(() => decodeMessage([99, 1]))).to.match(/^bad_envelope: unknown message type 99/);
    expect(code(() => decodeMessage([1, 1, 1, '8.4.4']))).to.match(/^bad_envelope: .*expected 7/);
    expect(code(() => decodeMessage([3, -1, 1, []]))).to.match(/^bad_field: seq/);
    expect(code(() => decodeOp(routeOp(1, '10.1.0.0', 24, [[3, 0, 7, new Uint8Array(5), 1, 1, 0, 0]]), 'ops[0]'))).to.match(/^bad_field: ops\[0\]\.nexthops\[0\]\.gate/);
    expect(code(() => decodeOp([77, 1], 'ops[3]'))).to.match(/^bad_field: ops\[3\]: unknown op 77/);
    expect(code(() => decodeOp([6, 1, 0, 4, 'vx', new Uint8Array(5), v4('1.1.1.1'), 0, 0, false], 'ops[0]'))).to.match(/mac/);
  });

  it('fuzz: random and mutated messages never escape as anything but WireDecodeError (2 s)', () => {
    let seed = 0x2545f491;
    const rnd = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const valid = [
      packr.pack([1, 1, WIRE_VERSION, '8.4.4', 'z', true, 1]),
      packr.pack([3, 2, 1, [routeOp(), routeOp(3)]]),
      packr.pack([6, 3, 1, 2]),
      pack([3, 2, 1, [[8, 1, 0, 4, 'br', v4('10.0.0.1'), null, 0, 0]]]),
    ];
    const end = Date.now() + 2000;
    let runs = 0;
    let accepted = 0;
    while (Date.now() < end) {
      runs++;
      const base = valid[rnd(valid.length)]!;
      const buf = rnd(4) === 0 ? Uint8Array.from({ length: rnd(64) }, () => rnd(256)) : Uint8Array.from(base);
      for (let k = 0, n = rnd(4); k < n && buf.length; k++) buf[rnd(buf.length)] = rnd(256);
      let v: unknown;
      try {
        v = new Packr({ useRecords: false }).unpack(buf);
      } catch {
        continue; // not msgpack: the session answers not_msgpack
      }
      try {
        const m = decodeMessage(v);
        if (m.type === 'BATCH') for (const [i, o] of m.ops.entries()) decodeOp(o, `ops[${i}]`);
        accepted++;
      } catch (e) {
        if (!(e instanceof WireDecodeError)) throw new Error(`decoder threw ${String(e)} for ${Buffer.from(buf).toString('hex')}`);
      }
    }
    expect(runs).to.be.greaterThan(1000);
    expect(accepted).to.be.greaterThan(0);
  });
});
