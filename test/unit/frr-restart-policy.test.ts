// The FRR supervisor's restart policy (restart-policy.ts): who restarts with whom, in which order, how long after.
import { expect } from 'chai';
import { Backoff, restartGroup, startOrder } from '../../agent/src/features/frr/restart-policy.ts';

describe('FRR restart policy', () => {
  const all = ['zebra', 'bgpd', 'bfdd', 'staticd'] as const;

  it('starts servers first: zebra, then bfdd/staticd, bgpd last', () => {
    expect(startOrder(['bgpd', 'bfdd', 'zebra'])).to.deep.equal(['zebra', 'bfdd', 'bgpd']);
    expect(startOrder(all).at(0)).to.equal('zebra');
    expect(startOrder(all).at(-1)).to.equal('bgpd');
  });

  it('restarts every client with zebra (they do not resend to a new zebra), in start order', () => {
    expect(restartGroup('zebra', all)).to.deep.equal(['zebra', 'bfdd', 'staticd', 'bgpd']);
    expect(restartGroup('zebra', ['zebra', 'bgpd'])).to.deep.equal(['zebra', 'bgpd']);
  });

  it('restarts bgpd with bfdd (a new bfdd reports its sessions Down to a bgpd that had them Up)', () => {
    expect(restartGroup('bfdd', all)).to.deep.equal(['bfdd', 'bgpd']);
    expect(restartGroup('bfdd', ['zebra', 'bfdd'])).to.deep.equal(['bfdd']);
  });

  it('restarts a client alone', () => {
    expect(restartGroup('bgpd', all)).to.deep.equal(['bgpd']);
    expect(restartGroup('staticd', all)).to.deep.equal(['staticd']);
  });

  it('backs off while a daemon keeps crashing and starts over after a stable period', () => {
    const b = new Backoff([100, 200, 400], 60_000);
    let t = 0;
    const crashAfter = (upMs: number): number => {
      const started = t;
      t += upMs;
      return b.next(started, t);
    };
    expect([crashAfter(1000), crashAfter(1000), crashAfter(1000), crashAfter(1000)]).to.deep.equal([100, 200, 400, 400]);
    expect(crashAfter(60_000)).to.equal(100);
    expect(crashAfter(10)).to.equal(200);
  });
});
