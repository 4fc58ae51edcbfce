// The CPI session over FakeDataplane: epochs, one result per op, sweeps, malformed input answered and counted,
// EVPN ops keyed by VNI.
import { expect } from 'chai';
import { Packr, unpack } from 'msgpackr';
import { EvpnModel } from '../../agent/src/features/routing/evpn.ts';
import { Fib } from '../../agent/src/features/routing/fib.ts';
import { dp, FakePeers, ports } from './routing-fixture.ts';
import { CpiSession } from '../../agent/src/features/routing/session.ts';
import { LimitedLog } from '../../agent/src/features/routing/log-limit.ts';
import { WIRE_ERROR, WIRE_VERSION } from '../../wire/gen/wire.gen.ts';

const packr = new Packr({ useRecords: false });
const quiet = { info: () => undefined, warn: () => undefined };
const V = WIRE_VERSION;
/** HELLO of the plugin in zebra `pid` (wire v2: pid last). */
const hello = (seq: number, pid: number, instance = `zebra/${pid}`): unknown[] => [1, seq, V, '8.4.4', instance, false, pid];


describe('CPI session (plugin protocol without sockets)', () => {
  const v4 = (s: string): Uint8Array => Uint8Array.from(s.split('.').map(Number));
  const send = (s: CpiSession, peer: string, m: unknown[]): unknown[] => s.handle(peer, packr.pack(m)).map((b) => unpack(b) as unknown[]);
  const rop = (op: number, dst: string): unknown[] => [op, 5, 0, 254, v4(dst), 24, 11, 20, 0, 1, [[3, 0, 7, v4('10.0.1.2'), 0, 1, 0, 0]]];

  it('HELLO -> epoch, BATCH -> one code per op, SYNC_END sweeps the previous epoch', () => {
    const d = dp();
    const peers = new FakePeers().connect(100);
    const s = new CpiSession('ipc:///x', new Fib(d, ports), new EvpnModel({ vniOf: () => undefined }), quiet, peers);
    expect(send(s, 'p1', hello(1, 100))).to.deep.equal([[2, 1, V, 1]]);
    expect(send(s, 'p1', [3, 2, 1, [rop(1, '10.1.0.0'), rop(1, '10.2.0.0'), [1, 5, 'junk']]])).to.deep.equal([[4, 2, [0, 0, 1]]]);
    // The same zebra reconnects (a new verified connection, agent view: new HELLO) and replays only 10.1/24.
    peers.connect(100);
    expect(send(s, 'p2', hello(3, 100))).to.deep.equal([[2, 3, V, 2]]);
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
    const s = new CpiSession('ipc:///x', new Fib(dp(), ports), new EvpnModel({ vniOf: () => undefined }), quiet, new FakePeers().connect(1));
    const err = (b: Uint8Array): unknown[] => unpack(s.handle('p', b)[0]!) as unknown[];
    expect(err(Uint8Array.from([0x93, 0x01]))[2]).to.equal(1); // not_msgpack (truncated)
    expect(err(packr.pack({ hello: 1 }))[2]).to.equal(2); // bad_envelope
    expect(err(packr.pack([1, 7, 99, '8.4.4', 'z', false, 1]))).to.deep.include.members([7, 3]); // bad_version
    expect(err(packr.pack([1, 7, 1, '8.4.4', 'z', false]))).to.deep.include.members([7, 3]); // a schema-1 plugin: bad_version
    expect(err(packr.pack([3, 8, 1, []]))).to.deep.include.members([8, 4]); // no_session
    expect(s.snapshot().malformed).to.deep.equal({ not_msgpack: 1, bad_envelope: 1, bad_version: 2, no_session: 1 });
    expect(send(s, 'p', hello(9, 1))).to.deep.equal([[2, 9, V, 1]]);
  });

  it('EVPN ops land in the model keyed by the VNI of their netdev', () => {
    const vnis: Record<string, number> = { vx100: 100, br100: 100, vx5000: 5000, br5000: 5000 };
    const evpn = new EvpnModel({ vniOf: (n) => vnis[n] });
    const s = new CpiSession('ipc:///x', new Fib(dp(), ports), evpn, quiet, new FakePeers().connect(1));
    send(s, 'p', hello(1, 1));
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
    const peers = new FakePeers().connect(1);
    const s = new CpiSession('ipc:///x', new Fib(dp(), ports), evpn, quiet, peers);
    send(s, 'p', hello(1, 1));
    send(s, 'p', [3, 2, 1, [[11, 1, 0, 10, 'vx100', v4('10.11.0.2')], [11, 2, 0, 10, 'vx100', v4('10.11.0.3')]]]);
    s.disconnected(); // zebra went away and came back
    send(s, 'q', hello(3, 1));
    send(s, 'q', [5, 4, 2]);
    send(s, 'q', [3, 5, 2, [[11, 0, 0, 10, 'vx100', v4('10.11.0.3')]]]);
    expect(send(s, 'q', [6, 6, 2, 1])).to.deep.equal([[7, 6, 2, 1]]);
    expect(evpn.snapshot().vteps.map((v) => v.vtep)).to.deep.equal(['10.11.0.3']);
  });

  describe('peers (issue 10: the last HELLO no longer wins)', () => {
    const ERR = (code: keyof typeof WIRE_ERROR) => (m: unknown): boolean => Array.isArray(m) && m[0] === 8 && m[2] === WIRE_ERROR[code];
    /** zebra pid 100 holds epoch 1, which installed 10.1/24 and 10.2/24 and is complete. */
    function live(): { s: CpiSession; peers: FakePeers; d: ReturnType<typeof dp>; warns: string[] } {
      const d = dp();
      const peers = new FakePeers().connect(100);
      const warns: string[] = [];
      const s = new CpiSession('ipc:///x', new Fib(d, ports), new EvpnModel({ vniOf: () => undefined }), { info: () => undefined, warn: (_o, m) => warns.push(m) }, peers);
      send(s, 'zebra', hello(1, 100));
      send(s, 'zebra', [5, 2, 1]);
      send(s, 'zebra', [3, 3, 1, [rop(1, '10.1.0.0'), rop(1, '10.2.0.0')]]);
      send(s, 'zebra', [6, 4, 1, 2]);
      return { s, peers, d, warns };
    }
    const prefixes = (d: ReturnType<typeof dp>): string[] => d.routes(0).map((r) => r.prefix).sort();

    it('a second zebra cannot take a live session: HELLO refused peer_busy, its SYNC_BEGIN/BATCH/SYNC_END no_session, the FIB and status stay', () => {
      const { s, peers, d } = live();
      peers.connect(200); // the attacker passed the credential check (another zebra process)
      const [r] = send(s, 'attacker', hello(10, 200, 'zebra/fake'));
      expect(ERR('peer_busy')(r), JSON.stringify(r)).to.equal(true);
      // Without a session of its own it can neither open nor end an epoch, for its guess or the live one.
      for (const m of [[5, 11, 1], [5, 12, 2], [3, 13, 1, [rop(3, '10.1.0.0')]], [6, 14, 1, 0], [6, 15, 2, 0]]) {
        const [x] = send(s, 'attacker', m);
        expect(ERR('no_session')(x), `${JSON.stringify(m)} -> ${JSON.stringify(x)}`).to.equal(true);
      }
      expect(prefixes(d)).to.deep.equal(['10.1.0.0/24', '10.2.0.0/24']);
      const st = s.snapshot();
      expect(st).to.include({ state: 'established', pluginInstance: 'zebra/100', epoch: 1 });
      expect(st.peer.pid).to.equal(100);
      expect(st.peer.refused).to.deep.equal({ peer_busy: 1 });
      expect(st.peer.lastRefusal?.reason).to.match(/zebra pid 100 holds the session/);
      // The live zebra goes on as before.
      expect(send(s, 'zebra', [3, 5, 1, [rop(3, '10.2.0.0')]])).to.deep.equal([[4, 5, [0]]]);
    });

    it('a HELLO naming a pid that no verified connection came from is refused not_authenticated; borrowing the holder pid is peer_busy', () => {
      const { s } = live();
      const [r] = send(s, 'attacker', hello(10, 4242));
      expect(ERR('not_authenticated')(r), JSON.stringify(r)).to.equal(true);
      // pid 100 is verified, but only for the connection that already holds the session.
      const [b] = send(s, 'attacker', hello(11, 100));
      expect(ERR('peer_busy')(b), JSON.stringify(b)).to.equal(true);
      expect(s.snapshot().peer.refused).to.deep.equal({ not_authenticated: 1, peer_busy: 1 });
      expect(s.snapshot().epoch).to.equal(1);
    });

    it('zebra kill -9 and restarted: the new zebra is taken at its first HELLO, before the old disconnect is seen (pid reuse included)', () => {
      const { s, peers, d } = live();
      peers.kill(100);
      peers.connect(300);
      expect(send(s, 'zebra2', hello(1, 300))).to.deep.equal([[2, 1, V, 2]]);
      expect(s.snapshot()).to.include({ state: 'syncing', pluginInstance: 'zebra/300' });
      // Routes of the lost epoch stay until the new epoch ends.
      expect(prefixes(d)).to.deep.equal(['10.1.0.0/24', '10.2.0.0/24']);
      // The next restart gets the dead zebra's pid back: another process, so also taken.
      peers.kill(300);
      peers.connect(300);
      expect(send(s, 'zebra3', hello(1, 300))).to.deep.equal([[2, 1, V, 3]]);
    });

    it('after the holder disconnected, another zebra is taken', () => {
      const { s, peers } = live();
      s.disconnected();
      peers.connect(200);
      expect(send(s, 'other', hello(1, 200))).to.deep.equal([[2, 1, V, 2]]);
      expect(s.snapshot().peer.pid).to.equal(200);
    });

    it('1000 malformed messages and 1000 refused HELLOs: every one counted and answered, at most 10 warning lines each', () => {
      const { s, peers, warns } = live();
      peers.connect(200);
      for (let i = 0; i < 1000; i++) {
        s.handle('junk', Uint8Array.from([0x93, 0x01])); // truncated
        send(s, 'attacker', hello(i, 200));
      }
      const st = s.snapshot();
      expect(st.malformed.not_msgpack).to.equal(1000);
      expect(st.peer.refused.peer_busy).to.equal(1000);
      expect(warns.filter((w) => w === 'malformed message from plugin')).to.have.length(10);
      expect(warns.filter((w) => w === 'plugin peer refused')).to.have.length(10);
      expect(st.logSuppressed).to.equal(1980);
    });
  });

  describe('LimitedLog', () => {
    it('logs the first `burst` events of an interval per kind, then one summary line with the count withheld', () => {
      let now = 0;
      const lines: [object, string][] = [];
      const l = new LimitedLog((o, m) => lines.push([o, m]), { burst: 2, intervalMs: 1000, now: () => now });
      for (let i = 0; i < 5; i++) l.event('a', { i }, 'bad a');
      l.event('b', {}, 'bad b');
      expect(lines.map(([, m]) => m)).to.deep.equal(['bad a', 'bad a', 'bad b']);
      l.flush(); // interval not over: nothing yet
      expect(lines).to.have.length(3);
      now = 1000;
      l.flush();
      expect(lines.slice(3)).to.deep.equal([[{ kind: 'a', withheld: 3, intervalMs: 1000 }, 'bad a: 3 more not logged in this interval (counted)']]);
      // A new interval logs again.
      l.event('a', {}, 'bad a');
      expect(lines.at(-1)?.[1]).to.equal('bad a');
      expect(l.suppressed).to.equal(3);
    });
  });
});
