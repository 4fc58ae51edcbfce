// Every packet the pipeline does not deliver is a named, counted drop: malformed headers, blackhole routes,
// unresolved neighbors (also reported as an event so the control plane resolves them).
import { expect } from 'chai';
import { baseConfig, FROM_A, ReplayBench, scapy, unicast } from './harness.ts';

describe('dataplane pipeline: drops', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  it('blackhole: silent, counted drop', () => {
    const pkts = scapy(Array.from({ length: 5 }, (_, i) => `${FROM_A}/IP(src='10.0.0.2', dst='10.3.0.${i + 1}')/UDP()`));
    const out = bench.replay(baseConfig(), { eth0: pkts });
    for (const p of Object.values(out.ports)) expect(p).to.have.length(0);
    expect(out.c('eth0').drops).to.deep.equal({ blackhole: 5 });
    expect(out.trace.every((t) => t.decision === 'drop' && t.reason === 'blackhole')).to.equal(true);
  });

  it('malformed headers -> one named reason each', () => {
    const cases: [string, string][] = [
      [`Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01', type=0x0800)/Raw(b'\\x45')`, 'ip4_too_short'],
      [`${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', version=5)/UDP()`, 'ip4_bad_version'],
      [`${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', ihl=4)/UDP()`, 'ip4_bad_ihl'],
      [`${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', ihl=15)/UDP()`, 'ip4_too_short'],
      [`${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', len=400)/UDP()`, 'ip4_bad_length'],
      [`${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', len=10)/UDP()`, 'ip4_bad_length'],
      [`${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', chksum=0x1234)/UDP()`, 'ip4_bad_checksum'],
      [`${FROM_A}/IP(src='127.0.0.1', dst='10.2.3.4')/UDP()`, 'ip4_bad_source'],
      [`${FROM_A}/IP(src='224.0.0.5', dst='10.2.3.4')/UDP()`, 'ip4_bad_source'],
      [`Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01', type=0x86dd)/Raw(b'\\x60' * 20)`, 'ip6_too_short'],
      [`${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::1', version=4)/UDP()`, 'ip6_bad_version'],
      [`${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::1', plen=500)/UDP()`, 'ip6_bad_length'],
      [`${FROM_A}/IPv6(src='ff02::1', dst='2001:db8:2::1')/UDP()`, 'ip6_bad_source'],
      [`Raw(b'\\x02\\x00\\x00\\x00\\x00\\x01\\x02')`, 'eth_too_short'],
      [`Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01', type=0x88cc)/Raw(b'lldp')`, 'eth_unknown_type'],
      [`Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:99')/IP(src='10.0.0.2', dst='10.2.3.4')/UDP()`, 'eth_not_for_us'],
    ];
    const out = bench.replay(baseConfig(), { eth0: scapy(cases.map(([e]) => e)) });
    expect(out.trace.map((t) => t.reason)).to.deep.equal(cases.map(([, r]) => r));
    expect(out.trace.every((t) => t.decision === 'drop')).to.equal(true);
    const want: Record<string, number> = {};
    for (const [, r] of cases) want[r] = (want[r] ?? 0) + 1;
    expect(out.c('eth0').drops).to.deep.equal(want);
    for (const p of Object.values(out.ports)) expect(p).to.have.length(0);
  });

  it('unresolved neighbor -> counted drop and one neigh_miss event per address', () => {
    const cfg = baseConfig({
      nexthops: [{ id: 5, port: 'eth1', gateway: '10.1.0.77' }, { id: 6, port: 'eth1' }],
      groups: [{ id: 5, members: [{ nexthop: 5, weight: 1 }] }, { id: 6, members: [{ nexthop: 6, weight: 1 }] }],
      routes: [unicast('10.5.0.0/16', 5), unicast('10.1.0.0/24', 6)],
    });
    const pkts = scapy([
      `${FROM_A}/IP(src='10.0.0.2', dst='10.5.0.1')/UDP()`,
      `${FROM_A}/IP(src='10.0.0.2', dst='10.5.0.2')/UDP()`,
      `${FROM_A}/IP(src='10.0.0.2', dst='10.1.0.50')/UDP()`, // connected: resolves the destination itself
      `${FROM_A}/IP(src='10.0.0.2', dst='10.1.0.2')/UDP()`, // connected and known
    ]);
    const out = bench.replay(cfg, { eth0: pkts });
    expect(out.trace.map((t) => t.reason)).to.deep.equal(['neigh_miss', 'neigh_miss', 'neigh_miss', null]);
    expect(out.c('eth0').drops.neigh_miss).to.equal(3);
    expect(out.events).to.deep.equal([
      { type: 'neigh_miss', port: 'eth1', ip: '10.1.0.77' },
      { type: 'neigh_miss', port: 'eth1', ip: '10.1.0.50' },
    ]);
    expect(out.p('eth1')).to.have.length(1);
  });

  it('a bad config is refused with the place and the reason', () => {
    const cfg = baseConfig({ routes: [unicast('10.7.0.0/33', 1)] });
    // chai's throw() makes the thrown error the subject: the code and message are asserted on that error, and
    // the assertion fails if replay stops throwing.
    expect(() => bench.replay(cfg, { eth0: [] }))
      .to.throw(/routes\[4\]: prefix/)
      .with.property('code', 'REPLAY_INVALID_INPUT');
  });
});
