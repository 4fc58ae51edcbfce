// VPC classify through gw-replay: the replay config carries the classify tables (peeringRoutes, peeringSources:
// the addon's items), a bad item is refused with its place, and underlay traffic is not classified.
import { expect } from 'chai';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runReplay } from '../../agent/src/cli/commands/replay.ts';
import { baseConfig, FROM_A, ReplayBench, scapy } from './harness.ts';

describe('dataplane pipeline: VPC classify tables in replay', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  const classify = {
    vrfs: [1, 2],
    peeringRoutes: [{ vrf: 1, prefix: '10.2.0.0/16', peering: 7, dstVrf: 2 }],
    peeringSources: [{ vrf: 1, peering: 7, prefix: '10.0.0.0/24' }],
  };

  it('loads peeringRoutes and peeringSources; underlay packets to the same prefixes are routed as before', () => {
    const pkts = scapy([`${FROM_A}/IP(src='10.0.0.2', dst='10.2.0.9')/UDP()`, `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::9')/UDP()`]);
    const out = bench.replay({ ...baseConfig(), ...classify }, { eth0: pkts });
    expect(out.trace.map((t) => t.decision)).to.deep.equal(['forward', 'forward']);
    expect(out.trace.every((t) => t.vpc === undefined && !t.stages.includes('vpc_classify'))).to.equal(true);
    expect(out.p('eth1')).to.have.length(2);
  });

  for (const [what, extra, message] of [
    ['a peering of 0', { peeringRoutes: [{ vrf: 1, prefix: '10.2.0.0/16', peering: 0, dstVrf: 2 }] }, /peeringRoutes\[0\]: peering: expected an integer 1\.\.65535/],
    ['a destination VRF not listed', { peeringRoutes: [classify.peeringRoutes[0], { vrf: 1, prefix: '10.3.0.0/16', peering: 7, dstVrf: 5 }] },
      /peeringRoutes\[1\]: vrf or dstVrf not listed in vrfs/],
    ['a source without prefix', { peeringSources: [{ vrf: 1, peering: 7 }] }, /peeringSources\[0\]: prefix: expected address\/length/],
    ['a source in a VRF not listed', { peeringSources: [{ vrf: 3, peering: 7, prefix: '10.0.0.0/24' }] }, /peeringSources\[0\]: vrf not listed in vrfs/],
  ] as const) {
    it(`refuses ${what} with REPLAY_INVALID_INPUT naming the item`, () => {
      const cfg = join(bench.dir, `vpc-bad-${what.replace(/\W/g, '-')}.json`);
      writeFileSync(cfg, JSON.stringify({ ...baseConfig(), ...classify, ...extra }));
      expect(() => runReplay({ config: cfg, inputs: ['eth0=/dev/null'], outDir: join(bench.dir, 'vpc-bad-out') }))
        .to.throw(message).with.property('code', 'REPLAY_INVALID_INPUT');
    });
  }
});
