// Forwarding through the pipeline (gw-replay): bytes on the wire compared with what scapy says a router
// must emit (new MACs, TTL/hop limit decremented, IPv4 checksum recomputed), 802.1Q, ECMP spread/stickiness.
import { expect } from 'chai';
import { at, baseConfig, FROM_A, GW1_MAC, NEXTHOP_MAC, ReplayBench, scapy, unicast } from './harness.ts';

describe('dataplane pipeline: forwarding', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  it('forwards IPv4 with TTL decremented and the header checksum updated, byte for byte', () => {
    const inputs = scapy([
      `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', ttl=64, id=7)/UDP(sport=1000, dport=53)/Raw(b'hello')`,
      `${FROM_A}/IP(src='10.0.0.2', dst='10.2.200.1', ttl=2, tos=0x10)/TCP(sport=1, dport=80)`,
      // Ethernet padding after a short IP packet must not travel on
      `${FROM_A}/IP(src='10.0.0.2', dst='10.2.0.9', ttl=9)/ICMP()/Raw(b'p') / Padding(b'\\x00' * 20)`,
    ]);
    const out = bench.replay(baseConfig(), { eth0: inputs });
    const expected = scapy(inputs.map((pkt) => ({ pkt, expr: `routed(pkt, '${GW1_MAC}', '${NEXTHOP_MAC}')` })));
    expect(out.p('eth1')).to.deep.equal(expected);
    expect(out.trace.map((t) => t.decision)).to.deep.equal(['forward', 'forward', 'forward']);
    expect(at(out.trace, 0).stages).to.deep.equal(['eth_input', 'ip4_input', 'ip_lookup', 'ip_forward', 'ecmp', 'neigh_resolve']);
    expect(at(out.trace, 0)).to.deep.include({ in: 'eth0', out: 'eth1', nexthop: 1, reason: null });
    expect(out.c('eth1').tx_packets).to.equal(3);
    expect(out.c('eth0').rx_packets).to.equal(3);
  });

  it('forwards IPv4 options unchanged: Record Route passed through, not recorded (RFC 1812 5.3.13.5 pass-through, RFC 791 3.1)', () => {
    // The documented choice (docs/dataplane-pipeline.md, "IPv4 options"): a recording router would write its
    // egress address (10.1.0.1) at the pointer and advance it by 4; the gateway forwards every option as it came.
    const inputs = scapy([
      `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', options=[IPOption_RR(routers=['0.0.0.0'] * 3)])/UDP(sport=1, dport=2)`,
      `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', options=[IPOption_RR(routers=['192.0.2.9'], pointer=8)])/UDP(sport=1, dport=2)`,
      `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', options=[IPOption_Timestamp(flg=0, pointer=5, timestamp=0, length=8)])/UDP()`,
    ]);
    const out = bench.replay(baseConfig(), { eth0: inputs });
    expect(out.trace.map((t) => t.decision)).to.deep.equal(['forward', 'forward', 'forward']);
    const sent = out.p('eth1');
    const options = (pkts: string[]): string[] => scapy(pkts.map((pkt) => ({ pkt, expr: 'ip_options(pkt)' }))).map((v) => JSON.parse(v) as string);
    const sentOptions = options(sent);
    expect(sentOptions).to.deep.equal(options(inputs));
    // Record Route with three empty slots: type 7, length 15, pointer still 4, slots still zero, EOL padding.
    expect(sentOptions[0]).to.equal(`070f04${'00'.repeat(12)}00`);
    expect(sent).to.deep.equal(scapy(inputs.map((pkt) => ({ pkt, expr: `routed(pkt, '${GW1_MAC}', '${NEXTHOP_MAC}')` }))));
  });

  it('forwards IPv6 with the hop limit decremented, byte for byte', () => {
    const inputs = scapy([
      `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2::5', hlim=64)/UDP(sport=5, dport=6)/Raw(b'x' * 100)`,
      `${FROM_A}/IPv6(src='2001:db8::2', dst='2001:db8:2:ffff::1', hlim=2, fl=12345)/TCP()`,
    ]);
    const out = bench.replay(baseConfig(), { eth0: inputs });
    const expected = scapy(inputs.map((pkt) => ({ pkt, expr: `routed(pkt, '${GW1_MAC}', '${NEXTHOP_MAC}')` })));
    expect(out.p('eth1')).to.deep.equal(expected);
  });

  it('fragments IPv4 without DF over the egress MTU; the fragments reassemble to the routed packet', () => {
    const pkt = at(scapy([`${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4', id=4242)/UDP(sport=7, dport=9)/Raw(bytes(range(256)) * 6)`]), 0);
    const out = bench.replay(baseConfig(), { eth0: [pkt] });
    const frags = out.p('eth1');
    expect(frags).to.have.length(2);
    expect(at(out.trace, 0).stages).to.include('ip4_fragment');
    const [check] = scapy([
      {
        pkt,
        expr: `(lambda fs: {'lens': [f[IP].len for f in fs], 'ok': all(checksum(bytes(f[IP])[:f[IP].ihl * 4]) == 0 for f in fs), 'ttl': [f[IP].ttl for f in fs], 'mf': [int(f[IP].flags.MF) for f in fs], 'off': [f[IP].frag for f in fs], 'macs': all(f.src == '${GW1_MAC}' and f.dst == '${NEXTHOP_MAC}' for f in fs), 'same': bytes(defragment(fs)[0][IP].payload) == bytes(pkt[IP].payload)})([Ether(bytes.fromhex(h)) for h in ${JSON.stringify(frags)}])`,
      },
    ]);
    expect(JSON.parse(String(check).replace(/True/g, 'true').replace(/False/g, 'false'))).to.deep.equal({
      lens: [1396, 188], ok: true, ttl: [63, 63], mf: [1, 0], off: [0, 172], macs: true, same: true,
    });
  });

  it('accepts one 802.1Q tag and forwards untagged', () => {
    const inputs = scapy([`${FROM_A}/Dot1Q(vlan=10)/IP(src='10.0.0.2', dst='10.2.3.4')/UDP()`]);
    const out = bench.replay(baseConfig(), { eth0: inputs });
    const expected = scapy(inputs.map((pkt) => ({ pkt, expr: `routed(pkt, '${GW1_MAC}', '${NEXTHOP_MAC}')` })));
    expect(out.p('eth1')).to.deep.equal(expected);
  });

  it('routes by the ingress port VRF: the same destination goes elsewhere in another VRF', () => {
    const cfg = baseConfig() as { ports: { vrf?: number }[]; routes: object[]; vrfs?: number[] };
    cfg.vrfs = [1];
    at(cfg.ports, 0).vrf = 1;
    cfg.routes.push({ vrf: 1, prefix: '10.2.0.0/16', target: { kind: 'blackhole' } });
    const out = bench.replay(cfg, { eth0: scapy([`${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4')/UDP()`]) });
    expect(out.p('eth1')).to.have.length(0);
    expect(out.c('eth0').drops.blackhole).to.equal(1);
  });

  describe('ECMP', () => {
    const ecmp = (weights: number[]): object =>
      baseConfig({
        nexthops: weights.map((_, i) => ({ id: 10 + i, port: 'eth1', gateway: `10.1.0.${10 + i}` })),
        groups: [{ id: 9, members: weights.map((w, i) => ({ nexthop: 10 + i, weight: w })) }],
        routes: [unicast('10.9.0.0/16', 9)],
        neighbors: weights.map((_, i) => ({ port: 'eth1', ip: `10.1.0.${10 + i}`, mac: `02:00:00:00:09:${(10 + i).toString(16).padStart(2, '0')}` })),
      });
    // 400 flows (source ports), each sent 3 times, interleaved
    const flows = scapy(Array.from({ length: 400 }, (_, f) => `${FROM_A}/IP(src='10.0.0.2', dst='10.9.${f % 7}.1')/UDP(sport=${1024 + f}, dport=443)`));
    const packets = [...flows, ...flows, ...flows];

    it('keeps every flow on one nexthop and spreads flows over all members', () => {
      const out = bench.replay(ecmp([1, 1, 1]), { eth0: packets });
      const perFlow = new Map<number, Set<number>>();
      out.trace.forEach((t, i) => {
        expect(t.decision).to.equal('forward');
        const f = i % flows.length;
        perFlow.set(f, (perFlow.get(f) ?? new Set()).add(t.nexthop));
      });
      for (const s of perFlow.values()) expect(s.size).to.equal(1);
      const share = [10, 11, 12].map((nh) => [...perFlow.values()].filter((s) => s.has(nh)).length / flows.length);
      for (const s of share) expect(s).to.be.within(0.2, 0.47);
      // the destination MAC follows the chosen nexthop
      out.p('eth1').forEach((hex, i) => expect(hex.slice(0, 12)).to.equal(`0200000009${at(out.trace, i).nexthop.toString(16).padStart(2, '0')}`));
    });

    it('honours weights (3:1)', () => {
      const out = bench.replay(ecmp([3, 1]), { eth0: flows });
      const heavy = out.trace.filter((t) => t.nexthop === 10).length / flows.length;
      expect(heavy).to.be.within(0.65, 0.85);
    });
  });
});
