// The addon in this mocha process (EAL once per process: one init for the whole file, shutdown in a root
// `after`). Ports are net_ring loopbacks, so nothing polls at full speed; their punt taps live in a private
// namespace. Checks the TS <-> C boundary: result codes, canonical show output, typed errors, port/tap setup.
import { expect } from 'chai';
import { FAKE_DROP_REASONS, FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { NativeDataplane } from '../../agent/src/dataplane/native.ts';
import type { DataplaneApi, PortInfo, RouteOp, TableErrorCode } from '../../agent/src/dataplane/api.ts';
import { must, sh, until } from './lab.ts';

const NS = 'gwrt-u';
let dp: NativeDataplane | undefined;

after(async () => {
  dp?.shutdown();
  await sh('ip', ['netns', 'del', NS]);
});

describe('dataplane addon in-process (net_ring ports)', function () {
  let port: PortInfo;

  before(async () => {
    await sh('ip', ['netns', 'del', NS]);
    await must('ip', ['netns', 'add', NS]);
    dp = new NativeDataplane();
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 512, tables: { maxRoutes4: 200_000, maxVrfs: 4 }, extraArgs: ['--no-pci'] });
  });

  it('lists the drop reasons compiled from gw_drop_reasons.h', () => {
    expect(dp!.dropReasons()).to.deep.equal(FAKE_DROP_REASONS);
  });

  it('refuses a second EAL init with a typed error', () => {
    expect(() => dp!.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 })).to.throw().with.property('code', 'DP_EAL_ALREADY');
    expect(() => new NativeDataplane().init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 }))
      .to.throw().with.property('code', 'DP_EAL_ALREADY');
  });

  it('creates a port with a kernel punt tap carrying its MAC and MTU in the namespace', async () => {
    port = dp!.addPort({ name: 'ring0', device: 'net_ring_gwrtu0', mtu: 1400, vrf: 0, netns: NS, tapName: 'gwrt-u0' });
    expect(port).to.include({ name: 'ring0', mtu: 1400, tapName: 'gwrt-u0' });
    expect(port.mac).to.match(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const link = (JSON.parse(await must('ip', ['-n', NS, '-j', 'link', 'show', 'gwrt-u0'])) as { address: string; mtu: number }[])[0]!;
    expect(link).to.include({ address: port.mac, mtu: 1400 });
    expect(dp!.ports().map((p) => p.name)).to.deep.equal(['ring0']);
    expect(() => dp!.addPort({ name: 'ring0', device: 'net_ring_gwrtu1', mtu: 1500, vrf: 0, netns: NS, tapName: 'gwrt-u1' }))
      .to.throw().with.property('code', 'DP_PORT_EXISTS');
    // A driver off the allow-list never reaches DPDK (issue 10: device strings were passed as given).
    expect(() => dp!.addPort({ name: 'bad', device: 'net_nonexistent0', mtu: 1500, vrf: 0, tapName: 'gwrt-u2' }))
      .to.throw().with.property('code', 'DP_BAD_CONFIG');
    // An allowed kind that DPDK cannot open is a port failure, and leaves the port list as it was.
    expect(() => dp!.addPort({ name: 'bad', device: 'net_af_packet_gwrtu,iface=gwrt-nosuch0', mtu: 1500, vrf: 0, tapName: 'gwrt-u2' }))
      .to.throw().with.property('code', 'DP_PORT_FAILED');
    expect(dp!.ports().map((p) => p.name)).to.deep.equal(['ring0']);
  });

  it('answers every item of a table batch with its own result code', () => {
    expect(dp!.setNexthops([{ id: 1, port: port.id, gateway: '10.1.0.2' }, { id: 2, port: 31 }, { id: 3, port: port.id, gateway: 'nope' }]))
      .to.deep.equal(['ok', 'invalid', 'invalid']);
    expect(dp!.setGroups([{ id: 1, members: [{ nexthop: 1, weight: 2 }] }, { id: 2, members: [{ nexthop: 9, weight: 1 }] }]))
      .to.deep.equal(['ok', 'no_nexthop']);
    const ops: RouteOp[] = [
      { op: 'add', vrf: 0, prefix: '192.168.7.9/24', target: { kind: 'unicast', group: 1 } },
      { op: 'add', vrf: 0, prefix: '2001:DB8::/32', target: { kind: 'reject' } },
      { op: 'add', vrf: 0, prefix: '10.0.0.0/33', target: { kind: 'blackhole' } },
      { op: 'add', vrf: 2, prefix: '10.0.0.0/8', target: { kind: 'blackhole' } },
      { op: 'add', vrf: 0, prefix: '10.0.0.0/8', target: { kind: 'unicast', group: 77 } },
      { op: 'del', vrf: 0, prefix: '172.16.0.0/12' },
    ];
    expect(dp!.applyRoutes(ops)).to.deep.equal(['ok', 'ok', 'invalid', 'no_vrf', 'no_nexthop', 'not_found']);
    expect(dp!.routes(0)).to.have.deep.members([
      { vrf: 0, prefix: '192.168.7.0/24', target: { kind: 'unicast', group: 1 } },
      { vrf: 0, prefix: '2001:db8::/32', target: { kind: 'reject' } },
    ]);
    expect(dp!.nexthops()).to.deep.equal([{ id: 1, port: port.id, gateway: '10.1.0.2' }]);
    expect(dp!.groups()).to.deep.equal([{ id: 1, members: [{ nexthop: 1, weight: 2 }] }]);
  });

  it('answers malformed items with invalid instead of crashing', () => {
    const junk = [null, 5, 'x', {}, { op: 'add' }, { op: 'add', vrf: -1, prefix: '1.0.0.0/8', target: { kind: 'local' } },
      { op: 'add', vrf: 0, prefix: '1.0.0.0/8', target: { kind: 'teleport' } }, { op: 'add', vrf: 1.5, prefix: '1.0.0.0/8', target: { kind: 'local' } }];
    expect(dp!.applyRoutes(junk as never)).to.deep.equal(Array(junk.length).fill('invalid'));
    expect(dp!.setNexthops([null, { id: 0, port: 0 }, { id: 1.5, port: 0 }, { id: 5, port: 'a' }] as never)).to.deep.equal(Array(4).fill('invalid'));
    expect(dp!.setGroups([{ id: 3, members: [] }, { id: 3, members: [{ nexthop: 1, weight: 0 }] }, { id: 3 }] as never)).to.deep.equal(Array(3).fill('invalid'));
    expect(dp!.setNeighbors([{ port: 0, ip: '1.2.3.4', mac: '02:00:00:00:00:0' }, { port: 0, ip: '1.2.3', mac: '02:00:00:00:00:01' }] as never))
      .to.deep.equal(['invalid', 'invalid']);
    expect(() => dp!.applyRoutes('nope' as never)).to.throw().with.property('code', 'DP_BAD_ARGUMENT');
    expect(dp!.runtimeCounters().table_rejects_invalid! >= 17n, 'rejects are counted').to.equal(true);
  });

  it('answers the same items with the same codes as FakeDataplane (both decode with tables.yaml decoders)', () => {
    const fake = new FakeDataplane({ maxVrfs: 4 });
    fake.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 });
    const fakePort = fake.addPort({ name: 'ring0', device: 'net_null0', mtu: 1400, vrf: 0 }).id;
    // One sequence of writes with valid, malformed and dangling items; `p` is the dataplane's port.
    const run = (d: DataplaneApi, p: number): TableErrorCode[][] => {
      const w = <T>(items: unknown[]): T[] => items as T[];
      const members65 = Array.from({ length: 65 }, () => ({ nexthop: 501, weight: 1 }));
      return [
        d.setNexthops(w([{ id: 501, port: p, gateway: '10.9.0.1' }, { id: 502, port: p }, { id: 503, port: 31 },
          { id: 504, port: p, gateway: 'nope' }, { id: 505, port: p, gateway: null }, { id: 0, port: p }, { id: 506 },
          { id: '507', port: p }, { id: 508, port: p, gateway: '2001:DB8::1' }, 'x'])),
        d.setGroups(w([{ id: 501, members: [{ nexthop: 501, weight: 1 }, { nexthop: 502, weight: 3 }] },
          { id: 502, members: [{ nexthop: 599, weight: 1 }] }, { id: 503, members: [] }, { id: 504, members: members65 },
          { id: 505, members: [{ nexthop: 501 }] }, { id: 506, members: [{ nexthop: 501, weight: 65536 }] },
          { id: 507, members: [{ nexthop: 502, weight: 2 }] }])),
        d.applyRoutes(w([{ op: 'add', vrf: 0, prefix: '198.18.1.0/24', target: { kind: 'unicast', group: 501 } },
          { op: 'add', vrf: 0, prefix: '198.18.2.7/24', target: { kind: 'blackhole' } },
          { op: 'add', vrf: 0, prefix: '198.18.3.0/33', target: { kind: 'reject' } },
          { op: 'add', vrf: 3, prefix: '198.18.4.0/24', target: { kind: 'reject' } },
          { op: 'add', vrf: 9, prefix: '198.18.4.0/24', target: { kind: 'reject' } },
          { op: 'add', vrf: 0, prefix: '198.18.5.0/24', target: { kind: 'unicast', group: 599 } },
          { op: 'add', vrf: 0, prefix: '198.18.6.0/24', target: { kind: 'teleport' } },
          { op: 'add', vrf: 0, prefix: '198.18.6.0/24', type: 'blackhole' },
          { op: 'del', vrf: 0, prefix: '198.18.9.0/24' }, { op: 'del', vrf: 0, prefix: '198.18.2.0/24' },
          { op: 'x', vrf: 0, prefix: '198.18.2.0/24' }, { op: 'del', vrf: 0 }])),
        d.setNeighbors(w([{ port: p, ip: '10.9.0.1', mac: '02:00:00:00:09:01' }, { port: 31, ip: '10.9.0.1', mac: '02:00:00:00:09:01' },
          { port: p, ip: '10.9.0.2', mac: '02:00:00:00:09' }, { port: p, ip: '2001:db8::9', mac: '02:AA:00:00:09:02' }])),
        d.delNeighbors(w([{ port: p, ip: '10.9.0.1' }, { port: p, ip: '10.9.0.1' }, { port: p, ip: 'x' }, { port: p, ip: '2001:DB8::9' }])),
        d.applyRoutes([{ op: 'del', vrf: 0, prefix: '198.18.1.0/24' }]),
        d.delGroups(w([501, 507, 501, 0, 'x'])),
        d.delNexthops(w([501, 502, 508, 501, 0])),
        [d.addVrf(3), d.addVrf(4), d.delVrf(0), d.delVrf(3), d.delVrf(3), d.addVrf(1.5), d.addVrf(-1)],
      ];
    };
    const native = run(dp!, port.id);
    expect(native).to.deep.equal(run(fake, fakePort));
    expect(native).to.deep.equal([
      ['ok', 'ok', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'ok', 'invalid'],
      ['ok', 'no_nexthop', 'invalid', 'invalid', 'invalid', 'invalid', 'ok'],
      ['ok', 'ok', 'invalid', 'no_vrf', 'no_vrf', 'no_nexthop', 'invalid', 'invalid', 'not_found', 'ok', 'invalid', 'invalid'],
      ['ok', 'invalid', 'invalid', 'ok'],
      ['ok', 'not_found', 'invalid', 'ok'],
      ['ok'],
      ['ok', 'ok', 'not_found', 'invalid', 'invalid'],
      ['ok', 'ok', 'ok', 'not_found', 'invalid'],
      ['ok', 'invalid', 'invalid', 'ok', 'not_found', 'invalid', 'invalid'],
    ]);
  });

  it('writes the vxlan tables (vteps, vnis, tunnels) with the same codes as FakeDataplane and shows them canonically', () => {
    const fake = new FakeDataplane({ maxVrfs: 4 });
    fake.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 });
    const w = <T>(items: unknown[]): T[] => items as T[];
    const run = (d: DataplaneApi): TableErrorCode[][] => [
      [d.addVrf(1)],
      // one VTEP: a second address is table_full; IPv6 as the VTEP, a bad MAC, 0.0.0.0 are invalid
      d.setVteps(w([{ ip: '192.0.2.1', mac: '02:AA:00:00:00:01' }, { ip: '192.0.2.2', mac: '02:aa:00:00:00:02' },
        { ip: '2001:db8::1', mac: '02:aa:00:00:00:01' }, { ip: '192.0.2.1', mac: 'x' }, { ip: '0.0.0.0', mac: '02:aa:00:00:00:01' },
        { ip: '192.0.2.1', mac: '02:aa:00:00:00:01', ip6: '10.0.0.1' }, { ip: '192.0.2.1', mac: '02:aa:00:00:00:01', ip6: '2001:DB8::1' }])),
      // VNI range 1..2^24-1; the VRF must exist
      d.setVnis(w([{ vni: 1000, vrf: 1 }, { vni: 0, vrf: 1 }, { vni: 16777216, vrf: 1 }, { vni: 16777215, vrf: 0 },
        { vni: 2000, vrf: 3 }, { vni: 1000, vrf: 0 }, { vni: 3000 }])),
      d.setTunnels(w([{ id: 601, vni: 2000, vtep: '198.51.100.7', mac: '02:bb:00:00:00:07' }, { id: 602, vni: 0, vtep: '198.51.100.7', mac: '02:bb:00:00:00:07' },
        { id: 603, vni: 2000, vtep: '2001:db8::7', mac: '02:bb:00:00:00:07' }, { id: 0, vni: 1, vtep: '198.51.100.7', mac: '02:bb:00:00:00:07' },
        { id: 604, vni: 2001, vtep: '198.51.100.8', mac: '02:bb:00:00:00:08' }])),
      // tunnels are members of ECMP groups like nexthops
      d.setGroups(w([{ id: 601, members: [{ nexthop: 601, weight: 1 }, { nexthop: 604, weight: 1 }] }])),
      d.applyRoutes(w([{ op: 'add', vrf: 1, prefix: '10.20.0.0/16', target: { kind: 'unicast', group: 601 } }])),
      d.delTunnels(w([604, 604, 0])),
      d.delVnis(w([16777215, 16777215, 0])),
      d.delVteps(w(['192.0.2.9', '300.1.1.1'])),
    ];
    const native = run(dp!);
    expect(native).to.deep.equal(run(fake));
    expect(native).to.deep.equal([
      ['ok'],
      ['ok', 'table_full', 'invalid', 'invalid', 'invalid', 'invalid', 'ok'],
      ['ok', 'invalid', 'invalid', 'ok', 'no_vrf', 'ok', 'invalid'],
      ['ok', 'invalid', 'invalid', 'invalid', 'ok'],
      ['ok'],
      ['ok'],
      ['ok', 'not_found', 'invalid'],
      ['ok', 'not_found', 'invalid'],
      ['not_found', 'invalid'],
    ]);
    for (const d of [dp!, fake]) {
      expect(d.vteps()).to.deep.equal([{ ip: '192.0.2.1', mac: '02:aa:00:00:00:01', ip6: '2001:db8::1' }]);
      expect(d.vnis()).to.deep.equal([{ vni: 1000, vrf: 0 }]);
      expect(d.tunnels()).to.deep.equal([{ id: 601, vni: 2000, vtep: '198.51.100.7', mac: '02:bb:00:00:00:07' }]);
    }
    expect(dp!.applyRoutes([{ op: 'del', vrf: 1, prefix: '10.20.0.0/16' }])).to.deep.equal(['ok']);
    expect(dp!.delGroups([601])).to.deep.equal(['ok']);
    expect(dp!.delTunnels([601])).to.deep.equal(['ok']);
    expect(dp!.delVnis([1000])).to.deep.equal(['ok']);
    expect(dp!.delVteps(['192.0.2.1'])).to.deep.equal(['ok']);
    expect(dp!.delVrf(1)).to.equal('ok');
    expect([dp!.vteps(), dp!.vnis(), dp!.tunnels()]).to.deep.equal([[], [], []]);
  });

  it('keeps VRFs apart', () => {
    expect(dp!.addVrf(2)).to.equal('ok');
    expect(dp!.addVrf(99)).to.equal('invalid');
    expect(dp!.applyRoutes([{ op: 'add', vrf: 2, prefix: '10.0.0.0/8', target: { kind: 'blackhole' } }])).to.deep.equal(['ok']);
    expect(dp!.routes(2).map((r) => r.prefix)).to.deep.equal(['10.0.0.0/8']);
    expect(dp!.routes(0).map((r) => r.prefix)).to.not.include('10.0.0.0/8');
    expect(dp!.delVrf(2)).to.equal('ok');
    expect(dp!.routes(2)).to.deep.equal([]);
  });

  it('programs the VPC classify tables (peeringRoutes, peeringSources) with the fake\'s codes, shows and counters', () => {
    const fake = new FakeDataplane({ maxVrfs: 4 });
    fake.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 });
    // One VPC VRF (1) next to the default VRF: this process's memory holds one more VRF of 200k routes, not two.
    const run = (d: DataplaneApi): TableErrorCode[][] => {
      const w = <T>(items: unknown[]): T[] => items as T[];
      return [
        [d.addVrf(1)],
        d.setPeeringRoutes(w([{ vrf: 1, prefix: '10.2.0.0/16', peering: 7, dstVrf: 0 }, { vrf: 1, prefix: '0.0.0.0/0', peering: 8, dstVrf: 1 },
          { vrf: 1, prefix: '2001:DB8:2::/48', peering: 7, dstVrf: 0 }, { vrf: 3, prefix: '10.0.0.0/8', peering: 7, dstVrf: 0 },
          { vrf: 1, prefix: '10.0.0.0/8', peering: 7, dstVrf: 3 }, { vrf: 1, prefix: '10.9.0.0/16', peering: 0, dstVrf: 0 },
          { vrf: 1, prefix: '10.9.0.0/16', peering: 65536, dstVrf: 0 }, { vrf: 1, prefix: '10.9.0.1/16', peering: 7, dstVrf: 0 },
          { vrf: 1, prefix: '10.9.0.0/16', peering: 7 }, { vrf: 1, prefix: '10.9.0.0/33', peering: 7, dstVrf: 0 }])),
        d.setPeeringSources(w([{ vrf: 1, peering: 7, prefix: '10.1.0.0/24' }, { vrf: 1, peering: 7, prefix: '10.1.0.0/24' },
          { vrf: 0, peering: 7, prefix: '10.2.0.0/16' }, { vrf: 3, peering: 7, prefix: '10.3.0.0/16' }, { vrf: 1, peering: 0, prefix: '10.1.0.0/24' },
          { vrf: 1, peering: 8, prefix: '::/0' }, { vrf: 1, prefix: '10.1.0.0/24' }])),
        d.delPeeringRoutes(w([{ vrf: 1, prefix: '0.0.0.0/0' }, { vrf: 1, prefix: '0.0.0.0/0' }, { vrf: 1, prefix: 'x' }])),
        d.delPeeringSources(w([{ vrf: 1, peering: 8, prefix: '::/0' }, { vrf: 1, peering: 9, prefix: '10.1.0.0/24' }, { vrf: 1, peering: 7 }])),
      ];
    };
    const native = run(dp!);
    expect(native).to.deep.equal(run(fake));
    expect(native).to.deep.equal([
      ['ok'],
      ['ok', 'ok', 'ok', 'no_vrf', 'no_vrf', 'invalid', 'invalid', 'ok', 'invalid', 'invalid'],
      ['ok', 'ok', 'ok', 'no_vrf', 'invalid', 'ok', 'invalid'],
      ['ok', 'not_found', 'invalid'],
      ['ok', 'not_found', 'invalid'],
    ]);
    const byKey = <T extends { vrf: number; prefix: string }>(a: T[]): T[] => [...a].sort((x, y) => `${x.vrf}${x.prefix}`.localeCompare(`${y.vrf}${y.prefix}`));
    expect(byKey(dp!.peeringRoutes())).to.deep.equal(byKey(fake.peeringRoutes()));
    expect(byKey(dp!.peeringRoutes())).to.deep.equal([
      { vrf: 1, prefix: '10.2.0.0/16', peering: 7, dstVrf: 0 },
      { vrf: 1, prefix: '10.9.0.0/16', peering: 7, dstVrf: 0 },
      { vrf: 1, prefix: '2001:db8:2::/48', peering: 7, dstVrf: 0 },
    ]);
    expect(byKey(dp!.peeringSources())).to.deep.equal([{ vrf: 0, peering: 7, prefix: '10.2.0.0/16' }, { vrf: 1, peering: 7, prefix: '10.1.0.0/24' }]);
    // No packets here: the counters exist per VPC VRF (not the underlay's 0) and per peering id in use, at zero,
    // named as the fake names them.
    const zero = { rxPackets: 0n, rxBytes: 0n, txPackets: 0n, txBytes: 0n, drops: { vpc_no_peering: 0n, vpc_source_not_exposed: 0n } };
    expect(dp!.vpcCounters()).to.deep.equal([{ vrf: 1, ...zero }]);
    expect(dp!.vpcCounters()).to.deep.equal(fake.vpcCounters());
    expect(dp!.peeringCounters()).to.deep.equal([{ peering: 7, packets: 0n, bytes: 0n }]);
    expect(dp!.peeringCounters()).to.deep.equal(fake.peeringCounters());
    // A deleted VRF takes its peering entries along, also when its id comes back.
    for (const d of [dp!, fake]) {
      expect([d.delVrf(1), d.addVrf(1)]).to.deep.equal(['ok', 'ok']);
      expect(d.peeringRoutes()).to.deep.equal([]);
      expect(d.peeringSources()).to.deep.equal([{ vrf: 0, peering: 7, prefix: '10.2.0.0/16' }]);
      expect(d.delPeeringSources([{ vrf: 0, peering: 7, prefix: '10.2.0.0/16' }])).to.deep.equal(['ok']);
      expect(d.delVrf(1)).to.equal('ok');
    }
  });

  it('programs the static NAT table (natStatic) with the fake\'s codes, shows it canonically, drops it with its VRF', () => {
    const fake = new FakeDataplane({ maxVrfs: 4 });
    fake.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 });
    const run = (d: DataplaneApi): TableErrorCode[][] => {
      const w = <T>(items: unknown[]): T[] => items as T[];
      return [
        [d.addVrf(1)],
        d.setNatStatic(w([{ peering: 7, vrf: 1, ips: '10.1.0.9/24', as: '203.0.113.0/24' }, { peering: 7, vrf: 1, ips: 'FD01:203:405::/48', as: '2001:db8:1::/48' },
          { peering: 7, vrf: 3, ips: '10.2.0.0/24', as: '203.0.114.0/24' }, { peering: 7, vrf: 1, ips: '10.3.0.0/24', as: '203.0.115.0/25' },
          { peering: 7, vrf: 1, ips: '10.3.0.0/24', as: '2001:db8::/24' }, { peering: 7, vrf: 1, ips: 'fd02::/120', as: '2001:db8:2::/120' },
          { peering: 0, vrf: 1, ips: '10.4.0.0/24', as: '203.0.116.0/24' }, { peering: 7, vrf: 1, ips: '10.5.0.0/24' },
          { peering: 7, vrf: 1, ips: '10.1.0.0/24', as: '198.51.100.0/24' }])),
        d.delNatStatic(w([{ peering: 7, vrf: 1, ips: 'fd01:203:405::/48' }, { peering: 7, vrf: 1, ips: 'fd01:203:405::/48' }, { peering: 7, vrf: 1 }])),
      ];
    };
    const native = run(dp!);
    expect(native).to.deep.equal(run(fake));
    expect(native).to.deep.equal([
      ['ok'],
      ['ok', 'ok', 'no_vrf', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'ok'],
      ['ok', 'not_found', 'invalid'],
    ]);
    expect(dp!.natStatic()).to.deep.equal([{ peering: 7, vrf: 1, ips: '10.1.0.0/24', as: '198.51.100.0/24' }]);
    expect(dp!.natStatic()).to.deep.equal(fake.natStatic());
    expect(dp!.natStaticCounters()).to.deep.equal([{ peering: 7, translations: 0n }]);
    for (const d of [dp!, fake]) {
      expect([d.delVrf(1), d.addVrf(1)]).to.deep.equal(['ok', 'ok']);
      expect(d.natStatic()).to.deep.equal([]);
      expect(d.delVrf(1)).to.equal('ok');
    }
  });

  it('takes 100k routes in one batch and removes them again', () => {
    const add: RouteOp[] = [];
    for (let i = 0; i < 100_000; i++) add.push({ op: 'add', vrf: 0, prefix: `${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`, target: { kind: 'unicast', group: 1 } });
    const res = dp!.applyRoutes(add);
    expect(res.filter((r) => r !== 'ok')).to.deep.equal([]);
    expect(dp!.routes(0).length).to.equal(100_002);
    const del = dp!.applyRoutes(add.map((r) => ({ op: 'del' as const, vrf: 0, prefix: r.prefix })));
    expect(del.every((r) => r === 'ok')).to.equal(true);
    expect(dp!.routes(0).length).to.equal(2);
  });

  it('stores neighbors canonically and reports missing ones', () => {
    expect(dp!.setNeighbors([{ port: port.id, ip: '10.1.0.2', mac: '02:AA:BB:CC:DD:01' }, { port: port.id, ip: '10.1.0.3', mac: 'zz' }]))
      .to.deep.equal(['ok', 'invalid']);
    expect(dp!.neighbors()).to.deep.equal([{ port: port.id, ip: '10.1.0.2', mac: '02:aa:bb:cc:dd:01' }]);
    expect(dp!.delNeighbors([{ port: port.id, ip: '10.1.0.2' }, { port: port.id, ip: '10.1.0.2' }])).to.deep.equal(['ok', 'not_found']);
  });

  it('runs a worker that backs off to sleeping when there is no traffic, and stops it', async () => {
    dp!.startWorkers();
    const w = await until('worker sleeping', async () => {
      const c = dp!.workerCounters()[0]!;
      return c.sleeps > 100n ? c : undefined;
    }, 5000, 50);
    expect(w.lcore).to.equal(1);
    const rc = dp!.runtimeCounters();
    expect(rc.worker_sleep_ns! > 10_000_000n, 'sleeping, not spinning').to.equal(true);
    expect(rc.events_dropped).to.equal(0n);
    dp!.stopWorkers();
    const s0 = dp!.workerCounters()[0]!.sleeps;
    await new Promise((r) => setTimeout(r, 100));
    expect(dp!.workerCounters()[0]!.sleeps).to.equal(s0);
  });

  it('removes the port and its tap', async () => {
    dp!.removePort(port.id);
    expect(dp!.ports()).to.deep.equal([]);
    expect((await sh('ip', ['-n', NS, 'link', 'show', 'gwrt-u0'])).code).to.not.equal(0);
    expect(() => dp!.removePort(port.id)).to.throw().with.property('code', 'DP_NO_PORT');
  });
});
