// The punt path: what is for the gateway (ARP, ND, its addresses, multicast, link-local) goes unchanged to
// the ingress port's tap; what the kernel sends on a tap leaves unchanged through its physical port.
import { expect } from 'chai';
import { baseConfig, FROM_A, GW0_MAC, ReplayBench, scapy } from './harness.ts';

describe('dataplane pipeline: punt', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  it('sends local traffic to the ingress tap unchanged', () => {
    const pkts = scapy([
      `Ether(src='02:00:00:00:00:02', dst='ff:ff:ff:ff:ff:ff')/ARP(psrc='10.0.0.2', pdst='10.0.0.1')`,
      `${FROM_A}/IP(src='10.0.0.2', dst='10.0.0.1')/ICMP()`,
      `${FROM_A}/IP(src='10.0.0.2', dst='10.1.0.1', ttl=1)/TCP(dport=179)`, // another port's address, TTL 1: still ours
      `Ether(src='02:00:00:00:00:02', dst='33:33:ff:00:00:01')/IPv6(src='fe80::2', dst='ff02::1:ff00:1', hlim=255)/ICMPv6ND_NS(tgt='2001:db8::1')`,
      `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8::1', hlim=255)/ICMPv6ND_NS(tgt='2001:db8::1')`,
      `${FROM_A}/IPv6(src='fe80::2', dst='fe80::1')/UDP(dport=3784)`,
      `Ether(src='02:00:00:00:00:02', dst='01:00:5e:00:00:05')/IP(src='10.0.0.2', dst='224.0.0.5', ttl=1)/Raw(b'ospf')`,
    ]);
    const out = bench.replay(baseConfig(), { eth0: pkts });
    expect(out.p('eth0.tap')).to.deep.equal(pkts);
    expect(out.trace.every((t) => t.decision === 'punt' && t.out === 'eth0.tap')).to.equal(true);
    expect(out.c('eth0').punt_packets).to.equal(pkts.length);
    expect(out.p('eth1')).to.have.length(0);
  });

  it('sends what the kernel writes on a tap out of its physical port unchanged', () => {
    const pkts = scapy([
      `Ether(src='${GW0_MAC}', dst='02:00:00:00:00:02')/IP(src='10.0.0.1', dst='10.0.0.2')/TCP(sport=179)`,
      `Ether(src='${GW0_MAC}', dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, psrc='10.0.0.1', pdst='10.0.0.2')`,
    ]);
    const out = bench.replay(baseConfig(), { 'eth0.tap': pkts });
    expect(out.p('eth0')).to.deep.equal(pkts);
    expect(out.p('eth0.tap')).to.have.length(0);
  });

  it('merges inputs of several ports by timestamp, deterministically', () => {
    const a = scapy([`${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4')/UDP()`]);
    const b = scapy([`Ether(src='02:00:00:00:01:02', dst='02:00:00:00:01:01')/IP(src='10.2.3.4', dst='10.1.0.1')/UDP()`]);
    const one = bench.replay(baseConfig(), { eth0: [...a, ...a], eth1: [...b, ...b] });
    const two = bench.replay(baseConfig(), { eth0: [...a, ...a], eth1: [...b, ...b] });
    expect(one.trace.map((t) => t.in)).to.deep.equal(['eth0', 'eth1', 'eth0', 'eth1']);
    expect(one.trace).to.deep.equal(two.trace);
    expect(one.ports).to.deep.equal(two.ports);
  });
});
