// Stale entries of a lost epoch (routing/stale.ts, docs/zebra-plugin.md): the dataplane keeps forwarding on them
// until the RIB re-converged, and a restarting bgpd's deletes keep the entry as stale.
import { expect } from 'chai';
import { StaleSweeper, type ConvergenceProbe } from '../../agent/src/features/routing/stale.ts';

/** A FIB reduced to prefix -> epoch of its last announcement. */
class FakeTables {
  readonly e = new Map<string, number>();
  count(epoch: number): number {
    return [...this.e.values()].filter((x) => x < epoch).length;
  }
  sweep(epoch: number): number {
    let n = 0;
    for (const [k, x] of this.e) {
      if (x >= epoch) continue;
      this.e.delete(k);
      n++;
    }
    return n;
  }
}

class FakeProbe implements ConvergenceProbe {
  answer = { converged: false, reason: 'peer 10.0.1.0: Active' };
  converged(): Promise<{ converged: boolean; reason: string }> {
    return Promise.resolve(this.answer);
  }
}

const quiet = { info: () => undefined, warn: () => undefined };

function setup(withProbe = true) {
  const t = new FakeTables();
  const probe = new FakeProbe();
  let now = 0;
  const s = new StaleSweeper(t, () => (withProbe ? probe : undefined), quiet, { maxMs: 120_000, pollMs: 500, quietMs: 1000 }, () => now, false);
  return { t, probe, s, advance: (ms: number) => (now += ms) };
}

describe('CPI stale entries', () => {
  it('sweeps at SYNC_END when nothing is stale or no convergence probe exists', () => {
    const a = setup();
    a.t.e.set('10.0.0.0/24', 1);
    expect(a.s.epochComplete(1)).to.equal(0);
    expect(a.s.status().sweepPending).to.equal(false);
    const b = setup(false);
    b.t.e.set('10.0.0.0/24', 1);
    b.s.epochStarted(2);
    expect(b.s.epochComplete(2)).to.equal(1);
  });

  it('keeps a lost epoch\'s routes until the probe says converged and routes stopped arriving, then sweeps', async () => {
    const { t, probe, s, advance } = setup();
    s.epochStarted(1);
    t.e.set('10.200.0.0/24', 1).set('10.9.0.0/24', 1);
    s.epochComplete(1);
    s.lost();
    expect(s.status()).to.include({ entries: 2, reason: 'plugin disconnected' });
    s.epochStarted(2);
    expect(s.epochComplete(2)).to.equal(0);
    await s.poll();
    expect(s.status()).to.include({ entries: 2, sweepPending: true, reason: 'peer 10.0.1.0: Active' });
    t.e.set('10.200.0.0/24', 2); // announced again in the new epoch: refreshed
    s.touched();
    probe.answer = { converged: true, reason: '' };
    advance(500);
    await s.poll();
    expect(s.status()).to.include({ sweepPending: true, reason: 'quiet period' });
    advance(1000);
    await s.poll();
    expect([...t.e.keys()]).to.deep.equal(['10.200.0.0/24']);
    expect(s.status()).to.deep.include({ entries: 0, sweepPending: false, reason: null });
    expect(s.status().lastSweep).to.include({ removed: 1, trigger: 'converged' });
  });

  it('sweeps at the bound when the RIB never converges', async () => {
    const { t, s, advance } = setup();
    t.e.set('10.9.0.0/24', 1);
    s.epochStarted(2);
    s.epochComplete(2);
    advance(119_000);
    await s.poll();
    expect(t.e.size).to.equal(1);
    advance(1000);
    await s.poll();
    expect(t.e.size).to.equal(0);
    expect(s.status().lastSweep).to.include({ trigger: 'bound' });
  });

  it('holds deletes of a restarting daemon\'s routes (zebra type) until convergence, not longer', async () => {
    const { probe, s, advance } = setup();
    s.epochStarted(1);
    s.epochComplete(1);
    expect(s.holds(9)).to.equal(false);
    s.holdDeletes([9], 'bgpd exited; bgpd restarts');
    expect(s.holds(9)).to.equal(true);
    expect(s.holds(3)).to.equal(false);
    expect(s.status()).to.include({ sweepPending: true, holding: 'bgpd exited; bgpd restarts' });
    probe.answer = { converged: true, reason: '' };
    advance(2000);
    await s.poll();
    expect(s.holds(9)).to.equal(false);
    expect(s.status().holding).to.equal(null);
  });
});
