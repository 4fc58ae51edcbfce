// VXLAN through the pipeline (gw-replay, the code the workers run): a VXLAN pcap in, the re-encapsulated packet
// out, byte for byte against what scapy builds (RFC 7348 5: outer headers, VNI, UDP source port from the inner
// flow, checksum 0), the named decap drops, and ICMP errors about overlay packets sent back through the source
// VPC's tunnel (time exceeded; frag-needed RFC 1191 / Packet Too Big RFC 8201 with MTU = port MTU - 50).
//
//   leaf A (VTEP 198.51.100.9, VNI 100) --eth0-- [gateway VTEP 192.0.2.1, RMAC 02:aa:..:01] --eth1-- 10.1.0.2 --
//     leaf B (VTEP 198.51.100.7, VNI 200)      VNI 100 -> VRF 1; in VRF 1: 10.20/16 + 2001:db8:20::/48 via tunnel 5
//                                               (to B), 10.10/16 + 2001:db8:10::/48 via tunnel 6 (back to A)
import { expect } from 'chai';
import { at, GW0_MAC, GW1_MAC, HOST_A_MAC, NEXTHOP_MAC, ReplayBench, scapy, unicast } from './harness.ts';
import { ReplayError } from '../../agent/src/cli/commands/replay.ts';

const RMAC = '02:aa:00:00:00:01';
const LEAF_A_RMAC = '02:bb:00:00:00:09';
const LEAF_B_RMAC = '02:bb:00:00:00:07';
const VTEP = '192.0.2.1';
const VTEP_A = '198.51.100.9';
const VTEP_B = '198.51.100.7';

function config(extra: { tunnels?: object[]; eth1Mtu?: number } = {}): object {
  const vpc = (prefix: string, group: number): object => ({ vrf: 1, prefix, target: { kind: 'unicast', group } });
  return {
    ports: [
      { name: 'eth0', mac: GW0_MAC, mtu: 1600, addresses: ['10.0.0.1'] },
      { name: 'eth1', mac: GW1_MAC, mtu: extra.eth1Mtu ?? 1500, addresses: ['10.1.0.1'] },
    ],
    vrfs: [1],
    nexthops: [{ id: 1, port: 'eth1', gateway: '10.1.0.2' }],
    vteps: [{ ip: VTEP, mac: RMAC, ip6: '2001:db8:ff::1' }],
    vnis: [{ vni: 100, vrf: 1 }],
    tunnels: extra.tunnels ?? [
      { id: 5, vni: 200, vtep: VTEP_B, mac: LEAF_B_RMAC },
      { id: 6, vni: 100, vtep: VTEP_A, mac: LEAF_A_RMAC },
    ],
    groups: [
      { id: 1, members: [{ nexthop: 1, weight: 1 }] },
      { id: 5, members: [{ nexthop: 5, weight: 1 }] },
      { id: 6, members: [{ nexthop: 6, weight: 1 }] },
    ],
    routes: [
      { vrf: 0, prefix: `${VTEP}/32`, target: { kind: 'local' } },
      unicast('198.51.100.0/24', 1),
      vpc('10.20.0.0/16', 5),
      vpc('2001:db8:20::/48', 5),
      vpc('10.10.0.0/16', 6),
      vpc('2001:db8:10::/48', 6),
    ],
    neighbors: [{ port: 'eth1', ip: '10.1.0.2', mac: NEXTHOP_MAC }],
    // VPC classify admits decapsulated packets through a peering only: VRF 1 exposes everything to itself.
    peeringRoutes: [{ vrf: 1, prefix: '0.0.0.0/0', peering: 1, dstVrf: 1 }, { vrf: 1, prefix: '::/0', peering: 1, dstVrf: 1 }],
    peeringSources: [{ vrf: 1, peering: 1, prefix: '0.0.0.0/0' }, { vrf: 1, peering: 1, prefix: '::/0' }],
  };
}

/** A packet leaf A sends: outer headers to our VTEP around `inner` (a scapy expression starting at IP/IPv6). */
function fromLeafA(inner: string, o: { vni?: number; flags?: number; innerDst?: string } = {}): string {
  return (
    `Ether(src='${HOST_A_MAC}', dst='${GW0_MAC}')/IP(src='${VTEP_A}', dst='${VTEP}', ttl=64)/` +
    `UDP(sport=40000, dport=4789, chksum=0)/VXLAN(flags=${o.flags ?? 0x08}, vni=${o.vni ?? 100})/` +
    `Ether(src='${LEAF_A_RMAC}', dst='${o.innerDst ?? RMAC}')/${inner}`
  );
}

/** What leaves towards leaf B for the arriving pkt: the routed inner frame in outer headers, with `sport`. */
function towardsB(sport: number): string {
  const tos = `((pkt[VXLAN][IP].tos if IP in pkt[VXLAN] else pkt[VXLAN][IPv6].tc) & 0xfc)`;
  return (
    `Ether(src='${GW1_MAC}', dst='${NEXTHOP_MAC}')/IP(src='${VTEP}', dst='${VTEP_B}', ttl=64, id=0, flags='DF', tos=${tos})/` +
    `UDP(sport=${sport}, dport=4789, chksum=0)/VXLAN(flags=0x08, vni=200)/` +
    `Raw(routed(pkt[VXLAN].payload, '${RMAC}', '${LEAF_B_RMAC}'))`
  );
}

const sportOf = (pkts: string[]): number[] =>
  scapy(pkts.map((pkt) => ({ pkt, expr: 'pkt[UDP].sport' }))).map((v) => Number(JSON.parse(v)));

/** The ICMP error inside what went back to leaf A: outer checks, then fields of the inner packet as JSON. */
function errorBack(pkt: string, fields: string): unknown {
  const [v] = scapy([
    {
      pkt,
      expr:
        `(lambda i: {'outer': [pkt[IP].src, pkt[IP].dst, pkt[VXLAN].vni, pkt[UDP].dport, pkt[UDP].chksum], ` +
        `'macs': [i.src, i.dst], 'ok': checksums_ok(i), ${fields}})(pkt[VXLAN].payload)`,
    },
  ]);
  return JSON.parse(String(v));
}

describe('dataplane pipeline: VXLAN decapsulation, VPC routing, encapsulation', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  it('re-encapsulates an IPv4 packet towards the route\'s tunnel, byte for byte (RFC 7348 5)', () => {
    const inputs = scapy([
      fromLeafA(`IP(src='10.10.0.5', dst='10.20.0.7', ttl=64, tos=0xb9, flags='DF')/UDP(sport=1111, dport=7000)/Raw(b'hello')`),
      fromLeafA(`IP(src='10.10.0.5', dst='10.20.0.7', ttl=9)/TCP(sport=2222, dport=80)`),
    ]);
    const out = bench.replay(config(), { eth0: inputs });
    const sent = out.p('eth1');
    expect(sent).to.have.length(2);
    const sports = sportOf(sent);
    const expected = scapy(inputs.map((pkt, i) => ({ pkt, expr: towardsB(sports[i]!) })));
    expect(sent).to.deep.equal(expected);
    for (const s of sports) expect(s).to.be.within(49152, 65535);
    const t = at(out.trace, 0);
    expect(t).to.deep.include({ in: 'eth0', out: 'eth1', decision: 'forward', nexthop: 5, reason: null });
    expect(t.stages).to.include.members(['eth_input', 'ip4_input', 'ip_lookup', 'vxlan_decap', 'ip_forward', 'vxlan_encap', 'neigh_resolve']);
  });

  it('takes the outer UDP source port from the inner flow: one port per flow, flows spread over the range', () => {
    const flows = Array.from({ length: 64 }, (_, i) => fromLeafA(`IP(src='10.10.0.5', dst='10.20.0.7')/UDP(sport=${3000 + i}, dport=53)`));
    const inputs = scapy([...flows, ...flows]);
    const ports = sportOf(bench.replay(config(), { eth0: inputs }).p('eth1'));
    expect(ports.slice(64)).to.deep.equal(ports.slice(0, 64));
    expect(new Set(ports).size).to.be.greaterThan(60);
    expect(Math.min(...ports)).to.be.at.least(49152);
  });

  it('re-encapsulates an IPv6 packet (hop limit decremented, DSCP of the traffic class copied)', () => {
    const inputs = scapy([fromLeafA(`IPv6(src='2001:db8:10::5', dst='2001:db8:20::7', hlim=64, tc=0x29, fl=77)/UDP(sport=5, dport=6)/Raw(b'x' * 100)`)]);
    const out = bench.replay(config(), { eth0: inputs });
    const sent = out.p('eth1');
    expect(sent).to.deep.equal(scapy([{ pkt: at(inputs, 0), expr: towardsB(at(sportOf(sent), 0)) }]));
    expect(at(out.trace, 0).stages).to.include.members(['vxlan_decap', 'ip6_input', 'vxlan_encap']);
  });

  it('drops with a named reason: unknown VNI, inner MAC not ours, no I flag; counts them on the ingress port', () => {
    const ip = `IP(src='10.10.0.5', dst='10.20.0.7')/UDP()`;
    const inputs = scapy([fromLeafA(ip, { vni: 101 }), fromLeafA(ip, { innerDst: '02:cc:00:00:00:01' }), fromLeafA(ip, { flags: 0 })]);
    const out = bench.replay(config(), { eth0: inputs });
    expect(out.trace.map((t) => t.reason)).to.deep.equal(['vxlan_vni_unknown', 'vxlan_inner_mac', 'vxlan_bad_flags']);
    expect(out.p('eth1')).to.deep.equal([]);
    expect(out.c('eth0').drops).to.deep.include({ vxlan_vni_unknown: 1, vxlan_inner_mac: 1, vxlan_bad_flags: 1 });
  });

  it('answers inner TTL 1 with time exceeded from the VTEP address, back through the source VPC\'s tunnel (RFC 792)', () => {
    const inputs = scapy([
      fromLeafA(`IP(src='10.10.0.5', dst='10.20.0.7', ttl=1)/UDP(sport=1, dport=2)`),
      fromLeafA(`IPv6(src='2001:db8:10::5', dst='2001:db8:20::7', hlim=1)/UDP(sport=1, dport=2)`),
    ]);
    const out = bench.replay(config(), { eth0: inputs });
    expect(out.trace.map((t) => [t.decision, t.reason, t.out, t.nexthop])).to.deep.equal([
      ['icmp_error', 'ttl_exceeded', 'eth1', 6],
      ['icmp_error', 'ttl_exceeded', 'eth1', 6],
    ]);
    const [v4, v6] = out.p('eth1');
    expect(errorBack(v4!, `'ip': [i[IP].src, i[IP].dst, i[IP].ttl, i[ICMP].type]`)).to.deep.equal({
      outer: [VTEP, VTEP_A, 100, 4789, 0], macs: [RMAC, LEAF_A_RMAC], ok: true, ip: [VTEP, '10.10.0.5', 64, 11],
    });
    expect(errorBack(v6!, `'ip': [i[IPv6].src, i[IPv6].dst, i[IPv6].nh, int(ICMPv6TimeExceeded in i)]`)).to.deep.equal({
      outer: [VTEP, VTEP_A, 100, 4789, 0], macs: [RMAC, LEAF_A_RMAC], ok: true, ip: ['2001:db8:ff::1', '2001:db8:10::5', 58, 1],
    });
  });

  it('sends frag-needed / Packet Too Big with MTU = underlay MTU - 50 back into the source VPC (RFC 1191, RFC 8201)', () => {
    const inputs = scapy([
      fromLeafA(`IP(src='10.10.0.5', dst='10.20.0.7', flags='DF')/UDP(sport=1, dport=2)/Raw(b'x' * (1450 - 28))`),
      fromLeafA(`IP(src='10.10.0.5', dst='10.20.0.7', flags='DF')/UDP(sport=1, dport=2)/Raw(b'x' * (1451 - 28))`),
      fromLeafA(`IPv6(src='2001:db8:10::5', dst='2001:db8:20::7')/UDP(sport=1, dport=2)/Raw(b'x' * (1451 - 48))`),
    ]);
    const out = bench.replay(config(), { eth0: inputs });
    expect(out.trace.map((t) => [t.decision, t.reason])).to.deep.equal([
      ['forward', null],
      ['icmp_error', 'mtu_exceeded'],
      ['icmp_error', 'mtu_exceeded'],
    ]);
    const [fits, fragNeeded, ptb] = out.p('eth1');
    expect(Buffer.from(fits!, 'hex').length).to.equal(14 + 1500);
    expect(errorBack(fragNeeded!, `'icmp': [i[IP].src, i[IP].dst, i[ICMP].type, i[ICMP].code, i[ICMP].nexthopmtu]`)).to.deep.include({
      outer: [VTEP, VTEP_A, 100, 4789, 0], ok: true, icmp: [VTEP, '10.10.0.5', 3, 4, 1450],
    });
    expect(errorBack(ptb!, `'icmp': [i[IPv6].dst, i[ICMPv6PacketTooBig].mtu]`)).to.deep.include({
      outer: [VTEP, VTEP_A, 100, 4789, 0], ok: true, icmp: ['2001:db8:10::5', 1450],
    });
  });

  it('fragments an inner IPv4 packet without DF to fit the tunnel (RFC 791), never the outer one (RFC 7348 4.3)', () => {
    const pkt = at(scapy([fromLeafA(`IP(src='10.10.0.5', dst='10.20.0.7', id=4242)/UDP(sport=7, dport=9)/Raw(bytes(range(256)) * 8)`)]), 0);
    const out = bench.replay(config(), { eth0: [pkt] });
    const sent = out.p('eth1');
    expect(sent).to.have.length(2);
    expect(at(out.trace, 0).stages).to.include.members(['ip4_fragment', 'vxlan_encap']);
    const [check] = scapy([
      {
        pkt,
        expr:
          `(lambda os: {'outer_len': [o[IP].len for o in os], 'df': [int(o[IP].flags.DF) for o in os], 'sports': len(set(o[UDP].sport for o in os)), ` +
          `'vni': [o[VXLAN].vni for o in os], 'inner_len': [o[VXLAN][IP].len for o in os], 'ok': all(checksum(bytes(o[VXLAN][IP])[:20]) == 0 for o in os), ` +
          `'ttl': [o[VXLAN][IP].ttl for o in os], 'same': bytes(defragment([o[VXLAN][IP] for o in os])[0][IP].payload) == bytes(pkt[VXLAN][IP].payload)})` +
          `([Ether(bytes.fromhex(h)) for h in ${JSON.stringify(sent)}])`,
      },
    ]);
    expect(JSON.parse(String(check).replace(/True/g, 'true').replace(/False/g, 'false'))).to.deep.equal({
      // 1450 bytes fit the tunnel: 1424 bytes of data (a multiple of 8) + 20 in the first fragment
      outer_len: [50 + 1444, 50 + 652], df: [1, 1], sports: 1, vni: [200, 200], inner_len: [1444, 652], ok: true, ttl: [63, 63], same: true,
    });
  });

  it('drops as vxlan_no_underlay when the remote VTEP has no route in VRF 0', () => {
    const cfg = config({ tunnels: [{ id: 5, vni: 200, vtep: '203.0.113.7', mac: LEAF_B_RMAC }, { id: 6, vni: 100, vtep: VTEP_A, mac: LEAF_A_RMAC }] });
    const out = bench.replay(cfg, { eth0: scapy([fromLeafA(`IP(src='10.10.0.5', dst='10.20.0.7')/UDP()`)]) });
    expect(at(out.trace, 0).reason).to.equal('vxlan_no_underlay');
  });

  it('refuses a replay config whose tunnel VTEP is not IPv4, naming the field', () => {
    const cfg = config({ tunnels: [{ id: 5, vni: 200, vtep: '2001:db8::7', mac: LEAF_B_RMAC }] });
    expect(() => bench.replay(cfg, { eth0: [] }))
      .to.throw(ReplayError, 'tunnels[0]: vtep: expected an IPv4 address')
      .with.property('code', 'REPLAY_INVALID_INPUT');
  });
});
