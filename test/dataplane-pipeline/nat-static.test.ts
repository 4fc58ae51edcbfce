// Static NAT44 and NPTv6 through gw-replay (the code the workers run): VXLAN from a VPC's leaf is decapsulated,
// admitted through the peering, its addresses mapped, routed in the destination VPC and re-encapsulated. Every
// expected packet is built by scapy from scratch with the mapped addresses (all checksums computed anew), so an
// incremental checksum update that is off by one bit fails; the trace shows the translation.
//
//   leaf A (VTEP 198.51.100.9) --.                                      .-- 10.1.0.2 -- leaf A / leaf B
//   leaf B (VTEP 198.51.100.7) --+-- eth0 [gateway VTEP 192.0.2.1] eth1 -'   (198.51.100.0/24)
//   VPC A: VNI 100 -> VRF 1 (10.10/16, fd01:203:405::/48 via tunnel 6 to leaf A)
//   VPC B: VNI 200 -> VRF 2 (10.20/16, 2001:db8:20::/48 via tunnel 5 to leaf B)
//   peering 7: A exposes 10.10.0.0/24 as 203.0.113.0/24 (static) and fd01:203:405::/48 as 2001:db8:1::/48
//   (NPTv6); B exposes 10.20.0.0/16 and 2001:db8:20::/48 as they are.
import { expect } from 'chai';
import { at, GW0_MAC, GW1_MAC, HOST_A_MAC, NEXTHOP_MAC, ReplayBench, scapy, unicast } from './harness.ts';

const RMAC = '02:aa:00:00:00:01';
const VTEP = '192.0.2.1';
const LEAF = { A: { vtep: '198.51.100.9', rmac: '02:bb:00:00:00:09', vni: 100 }, B: { vtep: '198.51.100.7', rmac: '02:bb:00:00:00:07', vni: 200 } };

function config(): object {
  const via = (vrf: number, prefix: string, group: number): object => ({ vrf, prefix, target: { kind: 'unicast', group } });
  return {
    ports: [
      { name: 'eth0', mac: GW0_MAC, mtu: 1600, addresses: ['10.0.0.1'] },
      { name: 'eth1', mac: GW1_MAC, mtu: 1600, addresses: ['10.1.0.1'] },
    ],
    vrfs: [1, 2],
    nexthops: [{ id: 1, port: 'eth1', gateway: '10.1.0.2' }],
    vteps: [{ ip: VTEP, mac: RMAC, ip6: '2001:db8:ff::1' }],
    vnis: [{ vni: 100, vrf: 1 }, { vni: 200, vrf: 2 }],
    tunnels: [{ id: 5, vni: 200, vtep: LEAF.B.vtep, mac: LEAF.B.rmac }, { id: 6, vni: 100, vtep: LEAF.A.vtep, mac: LEAF.A.rmac }],
    groups: [1, 5, 6].map((id) => ({ id, members: [{ nexthop: id, weight: 1 }] })),
    routes: [
      { vrf: 0, prefix: `${VTEP}/32`, target: { kind: 'local' } },
      unicast('198.51.100.0/24', 1),
      via(1, '10.10.0.0/16', 6), via(1, 'fd01:203:405::/48', 6),
      via(2, '10.20.0.0/16', 5), via(2, '2001:db8:20::/48', 5),
    ],
    neighbors: [{ port: 'eth1', ip: '10.1.0.2', mac: NEXTHOP_MAC }],
    peeringRoutes: [
      { vrf: 1, prefix: '10.20.0.0/16', peering: 7, dstVrf: 2 }, { vrf: 1, prefix: '2001:db8:20::/48', peering: 7, dstVrf: 2 },
      { vrf: 2, prefix: '203.0.113.0/24', peering: 7, dstVrf: 1 }, { vrf: 2, prefix: '2001:db8:1::/48', peering: 7, dstVrf: 1 },
    ],
    peeringSources: [
      { vrf: 1, peering: 7, prefix: '10.10.0.0/24' }, { vrf: 1, peering: 7, prefix: 'fd01:203:405::/48' },
      { vrf: 2, peering: 7, prefix: '10.20.0.0/16' }, { vrf: 2, peering: 7, prefix: '2001:db8:20::/48' },
    ],
    natStatic: [
      { peering: 7, vrf: 1, ips: '10.10.0.0/24', as: '203.0.113.0/24' },
      { peering: 7, vrf: 1, ips: 'fd01:203:405::/48', as: '2001:db8:1::/48' },
    ],
  };
}

/** A packet a leaf sends to our VTEP around `inner` (scapy, from IP/IPv6 on). */
function fromLeaf(leaf: keyof typeof LEAF, inner: string): string {
  const l = LEAF[leaf];
  return `Ether(src='${HOST_A_MAC}', dst='${GW0_MAC}')/IP(src='${l.vtep}', dst='${VTEP}', ttl=64)/UDP(sport=40000, dport=4789, chksum=0)/` +
    `VXLAN(flags=0x08, vni=${l.vni})/Ether(src='${l.rmac}', dst='${RMAC}')/${inner}`;
}

/** What leaves towards `leaf`: `inner` (built from scratch by scapy) in the outer headers the gateway writes. */
function towards(leaf: keyof typeof LEAF, sport: number, inner: string): string {
  const l = LEAF[leaf];
  return `Ether(src='${GW1_MAC}', dst='${NEXTHOP_MAC}')/IP(src='${VTEP}', dst='${l.vtep}', ttl=64, id=0, flags='DF', tos=0)/` +
    `UDP(sport=${sport}, dport=4789, chksum=0)/VXLAN(flags=0x08, vni=${l.vni})/Raw(bytes(Ether(src='${RMAC}', dst='${l.rmac}')/${inner}))`;
}

const sportOf = (pkts: string[]): number[] => scapy(pkts.map((pkt) => ({ pkt, expr: 'pkt[UDP].sport' }))).map((v) => Number(JSON.parse(v)));

const udp4 = (src: string, dst: string, ttl: number): string => `IP(src='${src}', dst='${dst}', ttl=${ttl}, id=7)/UDP(sport=1111, dport=7000)/Raw(b'static-nat')`;
const tcp6 = (src: string, dst: string, hlim: number): string => `IPv6(src='${src}', dst='${dst}', hlim=${hlim})/TCP(sport=2222, dport=80, flags='S', seq=1)`;

describe('dataplane pipeline: static NAT44 and NPTv6 on a peering', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  it('maps A\'s sources to its `as` prefixes and B\'s answers back, IPv4 and IPv6, byte for byte (RFC 1624 checksums, RFC 6296 /48 example)', () => {
    const pairs: [keyof typeof LEAF, string, keyof typeof LEAF, string][] = [
      ['A', udp4('10.10.0.5', '10.20.3.7', 64), 'B', udp4('203.0.113.5', '10.20.3.7', 63)],
      ['B', udp4('10.20.3.7', '203.0.113.5', 64), 'A', udp4('10.20.3.7', '10.10.0.5', 63)],
      ['A', tcp6('fd01:203:405:1::1234', '2001:db8:20::7', 64), 'B', tcp6('2001:db8:1:d550::1234', '2001:db8:20::7', 63)],
      ['B', tcp6('2001:db8:20::7', '2001:db8:1:d550::1234', 64), 'A', tcp6('2001:db8:20::7', 'fd01:203:405:1::1234', 63)],
    ];
    const inputs = scapy(pairs.map(([from, inner]) => fromLeaf(from, inner)));
    const out = bench.replay(config(), { eth0: inputs });
    expect(out.trace.map((t) => t.decision)).to.deep.equal(['forward', 'forward', 'forward', 'forward']);
    const sent = out.p('eth1');
    const sports = sportOf(sent);
    expect(sent).to.deep.equal(scapy(pairs.map(([, , to, inner], i) => towards(to, sports[i]!, inner))));
    expect(out.trace.map((t) => t.natStatic)).to.deep.equal([
      { source: true, destination: false, origSrc: '10.10.0.5', origDst: '10.20.3.7' },
      { source: false, destination: true, origSrc: '10.20.3.7', origDst: '203.0.113.5' },
      { source: true, destination: false, origSrc: 'fd01:203:405:1::1234', origDst: '2001:db8:20::7' },
      { source: false, destination: true, origSrc: '2001:db8:20::7', origDst: '2001:db8:1:d550::1234' },
    ]);
    expect(at(out.trace, 0).stages).to.include.members(['vpc_classify', 'nat_static', 'ip_lookup']);
  });

  it('maps an ICMP error from B about A\'s flow, embedded packet included (RFC 5508 section 4.2), and drops an untranslatable NPTv6 source by name (RFC 6296 section 3.5)', () => {
    const quoteIn = udp4('203.0.113.5', '10.20.3.7', 63);
    const quoteOut = udp4('10.10.0.5', '10.20.3.7', 63);
    const err = (dst: string, quote: string, ttl: number): string =>
      `IP(src='10.20.0.1', dst='${dst}', ttl=${ttl}, id=9)/ICMP(type=3, code=3)/Raw(bytes(${quote}))`;
    const inputs = scapy([fromLeaf('B', err('203.0.113.5', quoteIn, 64)), fromLeaf('A', tcp6('fd01:203:405:ffff::1', '2001:db8:20::7', 64))]);
    const out = bench.replay(config(), { eth0: inputs });
    expect(out.trace.map((t) => t.decision)).to.deep.equal(['forward', 'drop']);
    expect(at(out.trace, 1).reason).to.equal('nptv6_untranslatable');
    const sent = out.p('eth1');
    expect(sent).to.deep.equal(scapy([towards('A', sportOf(sent)[0]!, err('10.10.0.5', quoteOut, 63))]));
    expect(out.c('eth0').drops).to.deep.equal({ nptv6_untranslatable: 1 });
  });

  it('the gateway\'s own time exceeded about a NATed packet quotes it as A\'s host sent it (untranslated)', () => {
    const inputs = scapy([fromLeaf('A', udp4('10.10.0.5', '10.20.3.7', 1))]);
    const out = bench.replay(config(), { eth0: inputs });
    expect(at(out.trace, 0)).to.deep.include({ decision: 'icmp_error', reason: 'ttl_exceeded' });
    const [v] = scapy([{ pkt: at(out.p('eth1'), 0), expr: `[pkt[VXLAN].payload[IP].dst, pkt[VXLAN].payload[ICMP].type, pkt[VXLAN].payload[IPerror].src, pkt[VXLAN].payload[UDPerror].chksum]` }]);
    const [orig] = scapy([`IP(bytes(${udp4('10.10.0.5', '10.20.3.7', 1)}))[UDP].chksum`]);
    expect(JSON.parse(String(v))).to.deep.equal(['10.10.0.5', 11, '10.10.0.5', JSON.parse(String(orig))]);
  });

  it('refuses a natStatic item whose prefixes differ in length with REPLAY_INVALID_INPUT naming it', () => {
    const bad = { ...config(), natStatic: [{ peering: 7, vrf: 1, ips: '10.10.0.0/24', as: '203.0.113.0/25' }] };
    expect(() => bench.replay(bad, { eth0: [] })).to.throw(/natStatic\[0\]: ips and as must have the same family and length/);
  });
});
