// IPv6 extension headers and fragments through the pipeline (gw-replay), and IPv6 ECMP. A transit router does not
// process extension headers (RFC 8200 §4: hop-by-hop only when configured to, the rest at the destination), so
// they travel unchanged with the hop limit decremented; the flow hash covers the flow label (RFC 6437 §4).
import { expect } from 'chai';
import { at, baseConfig, FROM_A, GW1_MAC, NEXTHOP_MAC, ReplayBench, scapy, unicast } from './harness.ts';

const V6 = `IPv6(src='2001:db8::2', dst='2001:db8:2::5'`;

describe('dataplane pipeline: IPv6 extension headers, fragments, flow label and ECMP', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  it('RFC 8200 §4: forwards hop-by-hop, routing, destination options and fragment headers unchanged, byte for byte', () => {
    const inputs = scapy([
      `${FROM_A}/${V6}, hlim=64)/IPv6ExtHdrHopByHop(options=[PadN(optdata=b'\\x00' * 4)])/UDP(sport=1, dport=2)/Raw(b'hbh')`,
      `${FROM_A}/${V6}, hlim=64)/IPv6ExtHdrHopByHop(options=[RouterAlert()])/ICMPv6EchoRequest()`,
      `${FROM_A}/${V6}, hlim=9)/IPv6ExtHdrSegmentRouting(addresses=['2001:db8:3::1'], segleft=1)/TCP(dport=80)`,
      `${FROM_A}/${V6}, hlim=64)/IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\\x00' * 4)])/UDP()/Raw(b'dst')`,
      `${FROM_A}/${V6}, hlim=64, fl=77)/IPv6ExtHdrFragment(id=5, offset=0, m=1)/UDP(sport=3, dport=4)/Raw(b'a' * 40)`,
      `${FROM_A}/${V6}, hlim=64, fl=77)/IPv6ExtHdrFragment(id=5, offset=6, m=0)/Raw(b'b' * 40)`,
      `${FROM_A}/${V6}, hlim=2)/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/IPv6ExtHdrRouting()/IPv6ExtHdrFragment(id=6)/UDP()`,
      `${FROM_A}/${V6}, hlim=64)/IPv6ExtHdrDestOpt(nh=59)`,
    ]);
    const out = bench.replay(baseConfig(), { eth0: inputs });
    const expected = scapy(inputs.map((pkt) => ({ pkt, expr: `routed(pkt, '${GW1_MAC}', '${NEXTHOP_MAC}')` })));
    expect(out.trace.map((t) => t.decision)).to.deep.equal(Array(inputs.length).fill('forward'));
    expect(out.p('eth1')).to.deep.equal(expected);
  });

  it('answers an IPv6 packet with extension headers like any other: time exceeded, packet too big, quoting it', () => {
    const pkts = scapy([
      `${FROM_A}/${V6}, hlim=1)/IPv6ExtHdrHopByHop()/IPv6ExtHdrFragment(id=8, offset=0, m=1)/UDP()/Raw(b'x' * 16)`,
      `${FROM_A}/${V6})/IPv6ExtHdrDestOpt()/UDP()/Raw(b'x' * 1400)`,
    ]);
    const out = bench.replay(baseConfig(), { eth0: pkts });
    expect(out.trace.map((t) => t.reason)).to.deep.equal(['ttl_exceeded', 'mtu_exceeded']);
    const errs = out.p('eth0');
    expect(errs).to.have.length(2);
    const check = scapy([
      {
        pkt: at(errs, 0),
        expr: `[bytes(pkt[IPv6].payload)[0], bytes(pkt[IPv6].payload)[8:] == bytes.fromhex('${at(pkts, 0)}')[14:], checksums_ok(pkt)]`,
      },
    ]);
    expect(JSON.parse(at(check, 0).replace(/True/g, 'true').replace(/False/g, 'false'))).to.deep.equal([3, true, true]);
    expect(Buffer.from(at(errs, 1), 'hex')[54]).to.equal(2); // ICMPv6 type 2, packet too big
  });

  describe('ECMP over four IPv6 nexthops', () => {
    const members = [10, 11, 12, 13];
    const cfg = baseConfig({
      nexthops: members.map((id) => ({ id, port: 'eth1', gateway: `2001:db8:1::${id}` })),
      groups: [{ id: 9, members: members.map((nexthop) => ({ nexthop, weight: 1 })) }],
      routes: [unicast('2001:db8:9::/48', 9)],
      neighbors: members.map((id) => ({ port: 'eth1', ip: `2001:db8:1::${id}`, mac: `02:00:00:00:09:${id.toString(16).padStart(2, '0')}` })),
    });
    const SPREAD = 300;
    /** per flow, the set of nexthops its packets took (packets i, i+n, i+2n belong to flow i) */
    function perFlow(pkts: string[], n: number): Set<number>[] {
      const out = bench.replay(cfg, { eth0: pkts });
      const sets = Array.from({ length: n }, () => new Set<number>());
      out.trace.forEach((t, i) => {
        expect(t.decision).to.equal('forward');
        at(sets, i % n).add(t.nexthop);
      });
      // the destination MAC follows the chosen nexthop
      out.p('eth1').forEach((hex, i) => expect(hex.slice(10, 12)).to.equal(at(out.trace, i).nexthop.toString(16).padStart(2, '0')));
      return sets;
    }
    function shares(sets: Set<number>[]): number[] {
      for (const s of sets) expect(s.size, 'a flow stays on one nexthop').to.equal(1);
      return members.map((m) => sets.filter((s) => s.has(m)).length / sets.length);
    }

    it('spreads flows (source ports) over every member and keeps each flow on one', () => {
      const flows = scapy(Array.from({ length: SPREAD }, (_, f) => `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:9::${f % 5 + 1}')/UDP(sport=${2000 + f}, dport=443)`));
      for (const s of shares(perFlow([...flows, ...flows, ...flows], SPREAD))) expect(s).to.be.within(0.15, 0.35);
    });

    it('RFC 6437 §4: the same 5-tuple with different flow labels spreads; the same flow label sticks', () => {
      const flows = scapy(Array.from({ length: SPREAD }, (_, f) => `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:9::1', fl=${f * 3001 + 1})/UDP(sport=5000, dport=443)`));
      for (const s of shares(perFlow([...flows, ...flows, ...flows], SPREAD))) expect(s).to.be.within(0.15, 0.35);
    });

    it('keeps both fragments of a datagram on one member (no ports read past a fragment header); datagrams spread by flow label', () => {
      // fragments carry no ports past the first: the hash must not read ports of any fragment
      const frags = (fl: number) => [
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:9::1', fl=${fl})/IPv6ExtHdrFragment(id=${fl}, offset=0, m=1)/UDP(sport=${fl % 65536}, dport=53)/Raw(b'a' * 32)`,
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:9::1', fl=${fl})/IPv6ExtHdrFragment(id=${fl}, offset=5, m=0)/Raw(b'b' * 32)`,
      ];
      const n = 100;
      const pkts = scapy(Array.from({ length: n }, (_, f) => frags(f * 7919 + 1)).flat());
      const out = bench.replay(cfg, { eth0: pkts });
      const sets = Array.from({ length: n }, (_, f) => new Set([at(out.trace, 2 * f).nexthop, at(out.trace, 2 * f + 1).nexthop]));
      for (const s of shares(sets)) expect(s).to.be.within(0.1, 0.4);
    });
  });
});
