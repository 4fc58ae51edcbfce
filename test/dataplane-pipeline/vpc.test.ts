// VPC classify through gw-replay (the code the workers run): VXLAN from a VPC's leaf is decapsulated, admitted
// through a peering, routed in the DESTINATION VPC's VRF and re-encapsulated towards its leaf, byte for byte; what
// no peering allows is a named drop; the trace names source VRF, destination VRF and peering. The replay config
// carries the classify tables (peeringRoutes, peeringSources: the addon's items); underlay traffic is untouched.
//
//   leaf A (VTEP 198.51.100.9) --.                                      .-- 10.1.0.2 -- leaf A / leaf B
//   leaf B (VTEP 198.51.100.7) --+-- eth0 [gateway VTEP 192.0.2.1] eth1 -'   (198.51.100.0/24)
//   leaf C (VTEP 198.51.100.3) --'
//   VPC A: VNI 100 -> VRF 1 (10.10/16, 2001:db8:10::/48 via tunnel 6 to leaf A)
//   VPC B: VNI 200 -> VRF 2 (10.20/16, 2001:db8:20::/48 via tunnel 5 to leaf B)
//   VPC C: VNI 300 -> VRF 3 (no peering)
//   peering 7: A exposes 10.10.0.0/24 + 2001:db8:10::/64 to B, B exposes 10.20.0.0/16 + 2001:db8:20::/48 to A
import { expect } from 'chai';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runReplay, type TraceLine } from '../../agent/src/cli/commands/replay.ts';
import { at, baseConfig, FROM_A, GW0_MAC, GW1_MAC, HOST_A_MAC, NEXTHOP_MAC, ReplayBench, scapy, unicast } from './harness.ts';

const RMAC = '02:aa:00:00:00:01';
const VTEP = '192.0.2.1';
const LEAF = { A: { vtep: '198.51.100.9', rmac: '02:bb:00:00:00:09', vni: 100 }, B: { vtep: '198.51.100.7', rmac: '02:bb:00:00:00:07', vni: 200 },
  C: { vtep: '198.51.100.3', rmac: '02:bb:00:00:00:03', vni: 300 } };

function overlay(): object {
  const via = (vrf: number, prefix: string, group: number): object => ({ vrf, prefix, target: { kind: 'unicast', group } });
  return {
    ports: [
      { name: 'eth0', mac: GW0_MAC, mtu: 1600, addresses: ['10.0.0.1'] },
      { name: 'eth1', mac: GW1_MAC, mtu: 1600, addresses: ['10.1.0.1'] },
    ],
    vrfs: [1, 2, 3],
    nexthops: [{ id: 1, port: 'eth1', gateway: '10.1.0.2' }],
    vteps: [{ ip: VTEP, mac: RMAC, ip6: '2001:db8:ff::1' }],
    vnis: [{ vni: 100, vrf: 1 }, { vni: 200, vrf: 2 }, { vni: 300, vrf: 3 }],
    tunnels: [{ id: 5, vni: 200, vtep: LEAF.B.vtep, mac: LEAF.B.rmac }, { id: 6, vni: 100, vtep: LEAF.A.vtep, mac: LEAF.A.rmac }],
    groups: [1, 5, 6].map((id) => ({ id, members: [{ nexthop: id, weight: 1 }] })),
    routes: [
      { vrf: 0, prefix: `${VTEP}/32`, target: { kind: 'local' } },
      unicast('198.51.100.0/24', 1),
      via(1, '10.10.0.0/16', 6), via(1, '2001:db8:10::/48', 6),
      via(2, '10.20.0.0/16', 5), via(2, '2001:db8:20::/48', 5),
    ],
    neighbors: [{ port: 'eth1', ip: '10.1.0.2', mac: NEXTHOP_MAC }],
    peeringRoutes: [
      { vrf: 1, prefix: '10.20.0.0/16', peering: 7, dstVrf: 2 }, { vrf: 1, prefix: '2001:db8:20::/48', peering: 7, dstVrf: 2 },
      { vrf: 2, prefix: '10.10.0.0/24', peering: 7, dstVrf: 1 }, { vrf: 2, prefix: '2001:db8:10::/64', peering: 7, dstVrf: 1 },
    ],
    peeringSources: [
      { vrf: 1, peering: 7, prefix: '10.10.0.0/24' }, { vrf: 1, peering: 7, prefix: '2001:db8:10::/64' },
      { vrf: 2, peering: 7, prefix: '10.20.0.0/16' }, { vrf: 2, peering: 7, prefix: '2001:db8:20::/48' },
    ],
  };
}

/** A packet a leaf sends to our VTEP around `inner` (scapy, from IP/IPv6 on). */
function fromLeaf(leaf: keyof typeof LEAF, inner: string): string {
  const l = LEAF[leaf];
  return `Ether(src='${HOST_A_MAC}', dst='${GW0_MAC}')/IP(src='${l.vtep}', dst='${VTEP}', ttl=64)/UDP(sport=40000, dport=4789, chksum=0)/` +
    `VXLAN(flags=0x08, vni=${l.vni})/Ether(src='${l.rmac}', dst='${RMAC}')/${inner}`;
}

/** What leaves towards `leaf` for the arriving pkt: the routed inner frame in outer headers with source port sport. */
function towards(leaf: keyof typeof LEAF, sport: number): string {
  const l = LEAF[leaf];
  const tos = `((pkt[VXLAN][IP].tos if IP in pkt[VXLAN] else pkt[VXLAN][IPv6].tc) & 0xfc)`;
  return `Ether(src='${GW1_MAC}', dst='${NEXTHOP_MAC}')/IP(src='${VTEP}', dst='${l.vtep}', ttl=64, id=0, flags='DF', tos=${tos})/` +
    `UDP(sport=${sport}, dport=4789, chksum=0)/VXLAN(flags=0x08, vni=${l.vni})/Raw(routed(pkt[VXLAN].payload, '${RMAC}', '${l.rmac}'))`;
}

const sportOf = (pkts: string[]): number[] => scapy(pkts.map((pkt) => ({ pkt, expr: 'pkt[UDP].sport' }))).map((v) => Number(JSON.parse(v)));
const vpcOf = (t: TraceLine): TraceLine['vpc'] => t.vpc;

describe('dataplane pipeline: VPC classify (decap -> peering -> destination VPC route -> encap)', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  it('routes A -> B through the peering in B\'s VRF and re-encapsulates towards leaf B, IPv4 and IPv6, byte for byte', () => {
    const inputs = scapy([
      fromLeaf('A', `IP(src='10.10.0.5', dst='10.20.3.7', ttl=64)/UDP(sport=1111, dport=7000)/Raw(b'peer')`),
      fromLeaf('A', `IPv6(src='2001:db8:10::5', dst='2001:db8:20::7', hlim=64)/TCP(sport=2222, dport=80)`),
      fromLeaf('B', `IP(src='10.20.3.7', dst='10.10.0.5', ttl=64)/UDP(sport=7000, dport=1111)`),
    ]);
    const out = bench.replay(overlay(), { eth0: inputs });
    const sent = out.p('eth1');
    expect(out.trace.map((t) => t.decision)).to.deep.equal(['forward', 'forward', 'forward']);
    const sports = sportOf(sent);
    const want = scapy(inputs.map((pkt, i) => ({ pkt, expr: towards(i < 2 ? 'B' : 'A', sports[i]!) })));
    expect(sent).to.deep.equal(want);
    expect(out.trace.map(vpcOf)).to.deep.equal([
      { srcVrf: 1, dstVrf: 2, peering: 7 },
      { srcVrf: 1, dstVrf: 2, peering: 7 },
      { srcVrf: 2, dstVrf: 1, peering: 7 },
    ]);
    expect(at(out.trace, 0).stages).to.include.members(['vxlan_decap', 'vpc_classify', 'ip_lookup', 'vxlan_encap']);
    expect(out.trace.map((t) => t.nexthop)).to.deep.equal([5, 5, 6]);
  });

  it('drops what no peering allows with its own reason: unpeered VPC C, A\'s unexposed source, a destination B does not expose', () => {
    const inputs = scapy([
      fromLeaf('C', `IP(src='10.30.0.5', dst='10.20.0.7')/UDP()`),
      fromLeaf('A', `IP(src='10.10.1.5', dst='10.20.0.7')/UDP()`),
      fromLeaf('A', `IPv6(src='2001:db8:10:1::5', dst='2001:db8:20::7')/UDP()`),
      fromLeaf('B', `IP(src='10.20.0.7', dst='10.10.1.5')/UDP()`),
      fromLeaf('A', `IP(src='10.10.0.5', dst='10.10.0.6')/UDP()`),
    ]);
    const out = bench.replay(overlay(), { eth0: inputs });
    expect(out.p('eth1')).to.deep.equal([]);
    expect(out.trace.map((t) => t.reason)).to.deep.equal(['vpc_no_peering', 'vpc_source_not_exposed', 'vpc_source_not_exposed',
      'vpc_no_peering', 'vpc_no_peering']);
    expect(out.trace.map(vpcOf)).to.deep.equal([3, 1, 1, 2, 1].map((srcVrf) => ({ srcVrf, dstVrf: null, peering: null })));
    expect(out.c('eth0').drops).to.deep.equal({ vpc_no_peering: 3, vpc_source_not_exposed: 2 });
  });

  it('answers inner TTL 1 with time exceeded routed back into the SOURCE VPC (A), not the destination (RFC 792)', () => {
    const inputs = scapy([fromLeaf('A', `IP(src='10.10.0.5', dst='10.20.0.7', ttl=1)/UDP(sport=1, dport=2)`)]);
    const out = bench.replay(overlay(), { eth0: inputs });
    const t = at(out.trace, 0);
    expect(t).to.deep.include({ decision: 'icmp_error', reason: 'ttl_exceeded', vpc: { srcVrf: 1, dstVrf: 2, peering: 7 } });
    const [v] = scapy([{ pkt: at(out.p('eth1'), 0), expr: `[pkt[IP].dst, pkt[VXLAN].vni, pkt[VXLAN].payload[IP].src, pkt[VXLAN].payload[IP].dst, pkt[VXLAN].payload[ICMP].type]` }]);
    expect(JSON.parse(String(v))).to.deep.equal([LEAF.A.vtep, 100, VTEP, '10.10.0.5', 11]);
  });

});

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
