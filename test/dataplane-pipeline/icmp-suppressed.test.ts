// Packets the gateway must never answer with an ICMP/ICMPv6 error, through the replay pipeline. Each case sends a
// packet that would earn an error (TTL/hop limit 1 towards a routed prefix, or too big for the egress MTU) next to
// a twin that differs only in the property under test and does get its error, so a gate that stops working fails.
import { expect } from 'chai';
import { baseConfig, FROM_A, HOST_A_MAC, ReplayBench, scapy } from './harness.ts';

const BCAST = `Ether(src='${HOST_A_MAC}', dst='ff:ff:ff:ff:ff:ff')`;
const MCAST4 = `Ether(src='${HOST_A_MAC}', dst='01:00:5e:01:02:03')`;
const MCAST6 = `Ether(src='${HOST_A_MAC}', dst='33:33:00:00:00:01')`;

describe('dataplane pipeline: no ICMP error about errors, fragments, multicast/broadcast, bad sources', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  /** Replays pkts on eth0 and returns, per packet, whether an error came back on eth0 and its drop reason. */
  function answered(pkts: string[]): { error: boolean; reason: string | null; decision: string }[] {
    const out = bench.replay(baseConfig(), { eth0: pkts });
    expect(out.p('eth1')).to.have.length(0);
    const errors = out.trace.filter((t) => t.decision === 'icmp_error').length;
    expect(out.p('eth0')).to.have.length(errors);
    return out.trace.map((t) => ({ error: t.decision === 'icmp_error', reason: t.reason, decision: t.decision }));
  }

  it('RFC 1812 §4.3.2.7: no error about a non-initial IPv4 fragment (the first fragment gets one)', () => {
    const r = answered(
      scapy([
        `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', ttl=1, id=9, flags='MF', frag=0)/UDP()/Raw(b'a' * 64)`,
        `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', ttl=1, id=9, flags='MF', frag=9)/Raw(b'b' * 64)`,
        `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', ttl=1, id=9, frag=17)/Raw(b'c' * 8)`,
        `${FROM_A}/IP(src='10.0.0.2', dst='192.0.2.9', id=10, frag=3)/Raw(b'd' * 8)`, // no route
        `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', id=11, flags='DF', frag=5)/Raw(b'e' * 1400)`, // too big, DF
      ]),
    );
    expect(r).to.deep.equal([
      { error: true, reason: 'ttl_exceeded', decision: 'icmp_error' },
      { error: false, reason: 'ttl_exceeded', decision: 'drop' },
      { error: false, reason: 'ttl_exceeded', decision: 'drop' },
      { error: false, reason: 'no_route', decision: 'drop' },
      { error: false, reason: 'mtu_exceeded', decision: 'drop' },
    ]);
  });

  it('RFC 1812 §4.3.2.7: no error about link-layer broadcast/multicast or IP multicast/broadcast destinations', () => {
    const r = answered(
      scapy([
        `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', ttl=1)/UDP()`, // the unicast twin: answered
        `${BCAST}/IP(src='10.0.0.2', dst='10.2.3.4', ttl=1)/UDP()`,
        `${MCAST4}/IP(src='10.0.0.2', dst='10.2.3.4', ttl=1)/UDP()`,
        `${MCAST4}/IP(src='10.0.0.2', dst='239.1.2.3', ttl=1)/UDP()`,
        `${BCAST}/IP(src='10.0.0.2', dst='255.255.255.255', ttl=1)/UDP()`,
      ]),
    );
    expect(r.map((x) => x.error)).to.deep.equal([true, false, false, false, false]);
    // they are the kernel's to handle (it sends no error either): punted, not dropped silently
    expect(r.slice(1).map((x) => x.decision)).to.deep.equal(['punt', 'punt', 'punt', 'punt']);
  });

  it('RFC 1812 §4.3.2.7 / §5.3.7: no error to an invalid source (network 0, loopback, multicast, broadcast)', () => {
    const r = answered(
      scapy([
        `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', ttl=1)/UDP()`,
        `${FROM_A}/IP(src='0.0.0.0', dst='10.2.3.4', ttl=1)/UDP()`,
        `${FROM_A}/IP(src='0.1.2.3', dst='10.2.3.4', ttl=1)/UDP()`,
        `${FROM_A}/IP(src='127.0.0.2', dst='10.2.3.4', ttl=1)/UDP()`,
        `${FROM_A}/IP(src='224.1.1.1', dst='10.2.3.4', ttl=1)/UDP()`,
        `${FROM_A}/IP(src='255.255.255.255', dst='192.0.2.1')/UDP()`,
      ]),
    );
    expect(r.map((x) => x.error)).to.deep.equal([true, false, false, false, false, false]);
    expect(r.slice(1).map((x) => x.reason)).to.deep.equal(Array(5).fill('ip4_bad_source'));
  });

  it('RFC 4443 §2.4 (e.1): no ICMPv6 error about an ICMPv6 error, also behind extension headers', () => {
    const te = `ICMPv6TimeExceeded()/IPv6(src='2001:db8:2::5', dst='2001:db8::2')/UDP()`;
    const r = answered(
      scapy([
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::5', hlim=1)/ICMPv6EchoRequest()`, // informational: answered
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::5', hlim=1)/${te}`,
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::5', hlim=1)/IPv6ExtHdrDestOpt()/${te}`,
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::5', hlim=1)/IPv6ExtHdrHopByHop()/IPv6ExtHdrRouting()/${te}`,
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::5', hlim=1)/IPv6ExtHdrFragment(id=3, offset=0, m=1)/${te}`,
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:99::5')/IPv6ExtHdrDestOpt()/ICMPv6DestUnreach()/IPv6(src='2001:db8:99::5', dst='2001:db8::2')/UDP()`,
      ]),
    );
    expect(r).to.deep.equal([
      { error: true, reason: 'ttl_exceeded', decision: 'icmp_error' },
      { error: false, reason: 'ttl_exceeded', decision: 'drop' },
      { error: false, reason: 'ttl_exceeded', decision: 'drop' },
      { error: false, reason: 'ttl_exceeded', decision: 'drop' },
      { error: false, reason: 'ttl_exceeded', decision: 'drop' },
      { error: false, reason: 'no_route', decision: 'drop' },
    ]);
  });

  it('RFC 4443 §2.4 (e.3-e.5): no ICMPv6 error about multicast destinations or link-layer multicast', () => {
    const r = answered(
      scapy([
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::5', hlim=1)/UDP()`,
        `${MCAST6}/IPv6(src='2001:db8::2', dst='2001:db8:2::5', hlim=1)/UDP()`,
        `${MCAST6}/IPv6(src='2001:db8::2', dst='ff0e::1', hlim=1)/UDP()`,
        `${BCAST}/IPv6(src='2001:db8::2', dst='2001:db8:2::5')/UDP()/Raw(b'x' * 1400)`, // too big, link-layer broadcast
      ]),
    );
    expect(r.map((x) => x.error)).to.deep.equal([true, false, false, false]);
    expect(r.slice(1).map((x) => x.decision)).to.deep.equal(['punt', 'punt', 'punt']);
  });

  it('RFC 4443 §2.4 (e.6): no ICMPv6 error to the unspecified or a multicast source', () => {
    const r = answered(
      scapy([
        `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::5', hlim=1)/UDP()`,
        `${FROM_A}/IPv6(src='::', dst='2001:db8:2::5', hlim=1)/UDP()`,
        `${FROM_A}/IPv6(src='::', dst='2001:db8:99::1')/UDP()`,
        `${FROM_A}/IPv6(src='ff02::1', dst='2001:db8:2::5', hlim=1)/UDP()`,
      ]),
    );
    expect(r).to.deep.equal([
      { error: true, reason: 'ttl_exceeded', decision: 'icmp_error' },
      { error: false, reason: 'ttl_exceeded', decision: 'drop' },
      { error: false, reason: 'no_route', decision: 'drop' },
      { error: false, reason: 'ip6_bad_source', decision: 'drop' },
    ]);
  });

  it('RFC 4443 §2.4 / RFC 8201 §4: a non-first IPv6 fragment that is too big still gets its Packet Too Big', () => {
    // RFC 4443 has no non-first-fragment rule (that one is IPv4's), and Path MTU discovery needs the error for
    // whichever fragment does not fit.
    const r = answered(
      scapy([`${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::5')/IPv6ExtHdrFragment(id=7, offset=200, m=0)/Raw(b'f' * 1400)`]),
    );
    expect(r).to.deep.equal([{ error: true, reason: 'mtu_exceeded', decision: 'icmp_error' }]);
  });
});
