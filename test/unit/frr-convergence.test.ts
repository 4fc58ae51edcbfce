// The convergence probe the CPI asks before it sweeps stale routes (frr/convergence.ts, routing/stale.ts).
// RFC 4724 section 2: a peer's initial update ends with its end-of-RIB marker.
import { expect } from 'chai';
import { notConverged, type BgpNeighborJson } from '../../agent/src/features/frr/convergence.ts';

const established: BgpNeighborJson = {
  bgpState: 'Established',
  bgpTimerUpMsec: 500,
  addressFamilyInfo: { ipv4Unicast: {} },
  gracefulRestartInfo: { remoteGrMode: 'Helper', endOfRibRecv: { ipv4Unicast: true } },
};

describe('FRR convergence probe (RFC 4724 section 2)', () => {
  it('counts a peer Established with end-of-RIB for every family as converged', () => {
    expect(notConverged({ '10.0.1.0': established }, { restarting: null, peers: 1 })).to.equal(null);
    expect(notConverged({ '10.0.1.0': { ...established, gracefulRestartInfo: { remoteGrMode: 'Helper', endOfRibRecv: {} } } }, { restarting: null, peers: 1 }))
      .to.equal('peer 10.0.1.0: no end-of-RIB for ipv4Unicast');
  });

  it('a restarted bgpd that does not have its config yet (no peers) is not converged: the chaos lab swept the held routes there', () => {
    // bgpd restarted with bfdd answers `{}` until the config in force is restored into it; the hold on its
    // routes' deletes must outlive that, or zebra's delete of a learned route reaches the dataplane.
    expect(notConverged({}, { restarting: null, peers: 1 })).to.equal('bgpd has 0 of the 1 configured peers');
    expect(notConverged({ '10.0.1.0': established }, { restarting: 'bfdd exited; bgpd restarts', peers: 1 }))
      .to.equal('bgpd restarting without its config (bfdd exited; bgpd restarts)');
  });

  it('a gateway configured without neighbors converges at once', () => {
    expect(notConverged({}, { restarting: null, peers: 0 })).to.equal(null);
  });
});
