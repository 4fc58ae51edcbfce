// The CPI session over FakeDataplane: epochs, one result per op, sweeps, malformed input answered and counted,
// EVPN ops keyed by VNI.
import { expect } from 'chai';
import { Packr, unpack } from 'msgpackr';
import { EvpnModel } from '../../agent/src/features/routing/evpn.ts';
import { Fib } from '../../agent/src/features/routing/fib.ts';
import { dp, ports } from './routing-fixture.ts';
import { CpiSession } from '../../agent/src/features/routing/session.ts';

const packr = new Packr({ useRecords: false });
const quiet = { info: () => undefined, warn: () => undefined };


describe('CPI session (plugin protocol without sockets)', () => {
  const v4 = (s: string): Uint8Array => Uint8Array.from(s.split('.').map(Number));
  const send = (s: CpiSession, peer: string, m: unknown[]): unknown[] => s.handle(peer, packr.pack(m)).map((b) => unpack(b) as unknown[]);
  const rop = (op: number, dst: string): unknown[] => [op, 5, 0, 254, v4(dst), 24, 11, 20, 0, 1, [[3, 0, 7, v4('10.0.1.2'), 0, 1, 0, 0]]];

  it('HELLO -> epoch, BATCH -> one code per op, SYNC_END sweeps the previous epoch', () => {
    const d = dp();
    const s = new CpiSession('ipc:///x', new Fib(d, ports), new EvpnModel({ vniOf: () => undefined }), quiet);
    expect(send(s, 'p1', [1, 1, 1, '8.4.4', 'z/1', false])).to.deep.equal([[2, 1, 1, 1]]);
    expect(send(s, 'p1', [3, 2, 1, [rop(1, '10.1.0.0'), rop(1, '10.2.0.0'), [1, 5, 'junk']]])).to.deep.equal([[4, 2, [0, 0, 1]]]);
    // The plugin reconnects (agent view: new HELLO) and replays only 10.1/24.
    expect(send(s, 'p2', [1, 3, 1, '8.4.4', 'z/2', false])).to.deep.equal([[2, 3, 1, 2]]);
    send(s, 'p2', [5, 4, 2]);
    send(s, 'p2', [3, 5, 2, [rop(1, '10.1.0.0')]]);
    expect(send(s, 'p2', [6, 6, 2, 1])).to.deep.equal([[7, 6, 2, 1]]);
    expect(d.routes(0).map((r) => r.prefix)).to.deep.equal(['10.1.0.0/24']);
    const st = s.snapshot();
    expect(st.state).to.equal('established');
    expect(st.ops.ROUTE_INSTALL).to.deep.equal({ received: 3, ok: 3, failed: 0 });
    expect(st.recentFailures[0]).to.include({ code: 'invalid' });
  });

  it('answers malformed input with ERROR and a counter, and keeps serving', () => {
    const s = new CpiSession('ipc:///x', new Fib(dp(), ports), new EvpnModel({ vniOf: () => undefined }), quiet);
    const err = (b: Uint8Array): unknown[] => unpack(s.handle('p', b)[0]!) as unknown[];
    expect(err(Uint8Array.from([0x93, 0x01]))[2]).to.equal(1); // not_msgpack (truncated)
    expect(err(packr.pack({ hello: 1 }))[2]).to.equal(2); // bad_envelope
    expect(err(packr.pack([1, 7, 99, '8.4.4', 'z', false]))).to.deep.include.members([7, 3]); // bad_version
    expect(err(packr.pack([3, 8, 1, []]))).to.deep.include.members([8, 4]); // no_session
    expect(s.snapshot().malformed).to.deep.equal({ not_msgpack: 1, bad_envelope: 1, bad_version: 1, no_session: 1 });
    expect(send(s, 'p', [1, 9, 1, '8.4.4', 'z', false])).to.deep.equal([[2, 9, 1, 1]]);
  });

  it('EVPN ops land in the model keyed by the VNI of their netdev', () => {
    const vnis: Record<string, number> = { vx100: 100, br100: 100, vx5000: 5000, br5000: 5000 };
    const evpn = new EvpnModel({ vniOf: (n) => vnis[n] });
    const s = new CpiSession('ipc:///x', new Fib(dp(), ports), evpn, quiet);
    send(s, 'p', [1, 1, 1, '8.4.4', 'z', false]);
    const mac = Uint8Array.from([2, 0, 0, 0, 0xbb, 2]);
    const res = send(s, 'p', [3, 2, 1, [
      [11, 1, 0, 10, 'vx100', v4('10.11.0.2')],
      [6, 2, 0, 10, 'vx100', Uint8Array.from([2, 0, 0, 0, 0xb, 0xb]), v4('10.11.0.2'), 0, 11, false],
      [8, 3, 0, 20, 'br5000', v4('10.11.0.2'), mac, 8, 0x40],
      [6, 4, 0, 21, 'vx5000', mac, v4('10.11.0.2'), 0, 20, false],
    ]]);
    expect(res).to.deep.equal([[4, 2, [0, 0, 0, 0]]]);
    const snap = evpn.snapshot();
    expect(snap.vteps).to.deep.equal([{ vni: 100, vtep: '10.11.0.2', ifname: 'vx100' }]);
    expect(snap.macs.map((m) => [m.vni, m.mac])).to.deep.equal([[100, '02:00:00:00:0b:0b'], [5000, '02:00:00:00:bb:02']]);
    expect(snap.neighbors).to.deep.equal([{ vni: 5000, ip: '10.11.0.2', mac: '02:00:00:00:bb:02', ifname: 'br5000', routerMac: true }]);
  });

  it('a new epoch sweeps EVPN entries the replay did not bring back', () => {
    const evpn = new EvpnModel({ vniOf: (n) => (n === 'vx100' ? 100 : undefined) });
    const s = new CpiSession('ipc:///x', new Fib(dp(), ports), evpn, quiet);
    send(s, 'p', [1, 1, 1, '8.4.4', 'z', false]);
    send(s, 'p', [3, 2, 1, [[11, 1, 0, 10, 'vx100', v4('10.11.0.2')], [11, 2, 0, 10, 'vx100', v4('10.11.0.3')]]]);
    send(s, 'q', [1, 3, 1, '8.4.4', 'z', false]);
    send(s, 'q', [5, 4, 2]);
    send(s, 'q', [3, 5, 2, [[11, 0, 0, 10, 'vx100', v4('10.11.0.3')]]]);
    expect(send(s, 'q', [6, 6, 2, 1])).to.deep.equal([[7, 6, 2, 1]]);
    expect(evpn.snapshot().vteps.map((v) => v.vtep)).to.deep.equal(['10.11.0.3']);
  });
});
