// The credential check behind the plugin socket's ZAP handler, over a FakeProbe of /proc: only the FRR user's
// zebra executable is accepted, and a verified process is told apart from a later one with the same pid.
import { expect } from 'chai';
import { parsePeerCred, ZebraPeers, type ProcessProbe } from '../../agent/src/features/routing/peer-auth.ts';
import { parseCpiSection } from '../../agent/src/features/routing/component.ts';

/** FakeProbe: a /proc of three processes, editable per test. */
class FakeProbe implements ProcessProbe {
  procs = new Map<number, { exe: string; start: string }>([
    [100, { exe: '/usr/lib/frr/zebra', start: '5000' }],
    [101, { exe: '/usr/lib/frr/bgpd', start: '5001' }],
    [102, { exe: '/usr/bin/node', start: '5002' }],
  ]);
  exe(pid: number): string | undefined {
    return this.procs.get(pid)?.exe;
  }
  start(pid: number): string | undefined {
    return this.procs.get(pid)?.start;
  }
}

describe('CPI peer credentials (ZAP)', () => {
  const FRR = 102;
  const who = { uid: FRR, exe: '/usr/lib/frr/zebra' };

  it('reads uid, gid and pid from the ZAP address of an ipc:// peer', () => {
    expect(parsePeerCred('localhost:102:105:4242')).to.deep.equal({ uid: 102, gid: 105, pid: 4242 });
    expect(parsePeerCred('127.0.0.1')).to.equal(undefined); // tcp: no credentials
    expect(parsePeerCred('localhost:0:0:0')).to.equal(undefined);
  });

  it('accepts the FRR user running zebra, refuses root, another FRR daemon, another user and a gone process, each with its reason', () => {
    const probe = new FakeProbe();
    const p = new ZebraPeers(who, probe);
    expect(p.check({ uid: FRR, gid: FRR, pid: 100 })).to.equal(null);
    expect(p.check({ uid: 0, gid: 0, pid: 102 })).to.equal('pid 102 runs as uid 0, zebra runs as uid 102');
    expect(p.check({ uid: FRR, gid: FRR, pid: 101 })).to.equal('pid 101 is /usr/lib/frr/bgpd, not /usr/lib/frr/zebra');
    expect(p.check({ uid: 1000, gid: FRR, pid: 100 })).to.match(/runs as uid 1000/);
    expect(p.check({ uid: FRR, gid: FRR, pid: 999 })).to.equal('pid 999 is gone');
    expect(p.check(undefined)).to.match(/no kernel credentials/);
    expect(p.stats()).to.deep.equal({ accepted: 1, refused: 5 });
    // zebra's binary replaced by a package upgrade while it runs
    probe.procs.set(100, { exe: '/usr/lib/frr/zebra (deleted)', start: '5000' });
    expect(p.check({ uid: FRR, gid: FRR, pid: 100 })).to.equal(null);
  });

  it('remembers verified processes by pid and start time: a dead one or a reused pid is not verified', () => {
    const probe = new FakeProbe();
    const p = new ZebraPeers(who, probe);
    expect(p.verified(100)).to.equal(undefined);
    p.check({ uid: FRR, gid: FRR, pid: 100 });
    const v = p.verified(100);
    expect(v?.process).to.deep.equal({ pid: 100, start: '5000' });
    expect(p.alive(v!.process)).to.equal(true);
    p.check({ uid: FRR, gid: FRR, pid: 100 });
    expect(p.verified(100)!.seq).to.be.greaterThan(v!.seq); // a newer connection of the same process
    probe.procs.set(100, { exe: '/usr/lib/frr/zebra', start: '9999' }); // zebra died, the pid came back
    expect(p.alive(v!.process)).to.equal(false);
    expect(p.verified(100)).to.equal(undefined);
    probe.procs.delete(100);
    expect(p.alive(v!.process)).to.equal(false);
  });

  it('boot cpi.user / cpi.zebra: defaults frr and /usr/lib/frr/zebra, bad values refused at their path', () => {
    expect(parseCpiSection({ endpoint: 'ipc:///run/x/zebra.sock' })).to.include({ user: 'frr', zebra: '/usr/lib/frr/zebra' });
    expect(parseCpiSection({ endpoint: 'ipc:///run/x/zebra.sock', user: 'frr2', zebra: '/opt/frr/zebra' })).to.include({ user: 'frr2', zebra: '/opt/frr/zebra' });
    expect(() => parseCpiSection({ endpoint: 'ipc:///run/x/zebra.sock', user: 'a:b' })).to.throw(/cpi\.user/);
    expect(() => parseCpiSection({ endpoint: 'ipc:///run/x/zebra.sock', zebra: 'zebra' })).to.throw(/cpi\.zebra/);
  });

  it('boot cpi.staleMaxSeconds: default 120, non-integers and values outside 0..3600 refused at their path', () => {
    const ep = 'ipc:///run/x/zebra.sock';
    expect(parseCpiSection({ endpoint: ep }).staleMaxSeconds).to.equal(120);
    expect(parseCpiSection({ endpoint: ep, staleMaxSeconds: 0 }).staleMaxSeconds).to.equal(0);
    for (const bad of [-1, 3601, 1.5, '60']) {
      expect(() => parseCpiSection({ endpoint: ep, staleMaxSeconds: bad }), String(bad)).to.throw(/cpi\.staleMaxSeconds/);
    }
  });
});
