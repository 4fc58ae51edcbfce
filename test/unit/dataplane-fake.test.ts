import { expect } from 'chai';
import { FakeDataplane, FAKE_DROP_REASONS } from '../../agent/src/dataplane/fake.ts';
import { parseIp, parsePrefix, parseMac } from '../../agent/src/dataplane/addr.ts';

describe('dataplane address parsing', () => {
  it('canonicalises prefixes and clears host bits', () => {
    expect(parsePrefix('10.1.2.3/8')?.text).to.equal('10.0.0.0/8');
    expect(parsePrefix('2001:DB8:0:0:1::1/64')?.text).to.equal('2001:db8::/64');
    expect(parsePrefix('::/0')?.text).to.equal('::/0');
    expect(parseIp('2001:db8:0:1:0:0:0:1')?.text).to.equal('2001:db8:0:1::1');
    expect(parseIp('::ffff:1.2.3.4')?.text).to.equal('::ffff:102:304');
  });
  it('rejects malformed input', () => {
    for (const s of ['10.0.0.0', '10.0.0.0/33', '1.2.3/8', 'x/1', '::/129', '10.0.0.0/08x', 42]) {
      expect(parsePrefix(s), String(s)).to.equal(undefined);
    }
    expect(parseMac('02:00:00:00:00:0G')).to.equal(undefined);
    expect(parseMac('02:AA:00:00:00:01')).to.equal('02:aa:00:00:00:01');
  });
});

describe('FakeDataplane', () => {
  const boot = (): FakeDataplane => {
    const dp = new FakeDataplane({ maxRoutes: 3 });
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 });
    return dp;
  };

  it('lists the drop reasons of the C header, in order', () => {
    expect(FAKE_DROP_REASONS.slice(0, 3)).to.deep.equal(['eth_too_short', 'eth_unknown_type', 'eth_not_for_us']);
    expect(FAKE_DROP_REASONS).to.include.members(['no_route', 'neigh_miss', 'ttl_exceeded']);
    expect(new FakeDataplane().dropReasons()).to.deep.equal(FAKE_DROP_REASONS);
  });

  it('initialises once', () => {
    const dp = boot();
    expect(() => dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 }))
      .to.throw().with.property('code', 'DP_EAL_ALREADY');
  });

  it('programs a route through nexthop and group with per-item results', () => {
    const dp = boot();
    const p = dp.addPort({ name: 'eth1', device: 'net_null0', mtu: 1500, vrf: 0 });
    expect(dp.setNexthops([{ id: 1, port: p.id, gateway: '10.0.0.2' }, { id: 2, port: 99 }])).to.deep.equal(['ok', 'invalid']);
    expect(dp.setGroups([{ id: 7, members: [{ nexthop: 1, weight: 1 }] }, { id: 8, members: [{ nexthop: 2, weight: 1 }] }]))
      .to.deep.equal(['ok', 'no_nexthop']);
    const res = dp.applyRoutes([
      { op: 'add', vrf: 0, prefix: '192.168.1.7/24', target: { kind: 'unicast', group: 7 } },
      { op: 'add', vrf: 0, prefix: '192.168.2.0/24', target: { kind: 'unicast', group: 8 } },
      { op: 'add', vrf: 5, prefix: '192.168.3.0/24', target: { kind: 'blackhole' } },
      { op: 'add', vrf: 0, prefix: 'nope', target: { kind: 'blackhole' } },
      { op: 'del', vrf: 0, prefix: '172.16.0.0/12' },
    ]);
    expect(res).to.deep.equal(['ok', 'no_nexthop', 'no_vrf', 'invalid', 'not_found']);
    expect(dp.routes(0)).to.deep.equal([{ vrf: 0, prefix: '192.168.1.0/24', target: { kind: 'unicast', group: 7 } }]);
  });

  it('keeps the vxlan tables as the addon does: one VTEP, VNIs of existing VRFs, tunnels in the nexthop id space', () => {
    const dp = boot();
    const p = dp.addPort({ name: 'eth1', device: 'net_null0', mtu: 1500, vrf: 0 });
    expect(dp.setVteps([{ ip: '192.0.2.1', mac: '02:aa:00:00:00:01' }, { ip: '192.0.2.2', mac: '02:aa:00:00:00:01' }]))
      .to.deep.equal(['ok', 'table_full']);
    expect(dp.addVrf(1)).to.equal('ok');
    expect(dp.setVnis([{ vni: 100, vrf: 1 }, { vni: 200, vrf: 2 }])).to.deep.equal(['ok', 'no_vrf']);
    expect(dp.setTunnels([{ id: 3, vni: 200, vtep: '198.51.100.7', mac: '02:bb:00:00:00:07' }])).to.deep.equal(['ok']);
    // a group takes the tunnel as a member; a nexthop of the same id replaces the tunnel
    expect(dp.setGroups([{ id: 1, members: [{ nexthop: 3, weight: 1 }] }])).to.deep.equal(['ok']);
    expect(dp.setNexthops([{ id: 3, port: p.id }])).to.deep.equal(['ok']);
    expect(dp.tunnels()).to.deep.equal([]);
    expect(dp.delTunnels([3])).to.deep.equal(['not_found']);
    expect(dp.vnis()).to.deep.equal([{ vni: 100, vrf: 1 }]);
    expect(dp.delVteps(['192.0.2.1'])).to.deep.equal(['ok']);
    expect(dp.vteps()).to.deep.equal([]);
  });

  it('reports table_full at the route limit', () => {
    const dp = boot();
    const ops = ['10.0.0.0/8', '11.0.0.0/8', '12.0.0.0/8', '13.0.0.0/8'].map((prefix) => ({
      op: 'add' as const, vrf: 0, prefix, target: { kind: 'reject' as const },
    }));
    expect(dp.applyRoutes(ops)).to.deep.equal(['ok', 'ok', 'ok', 'table_full']);
  });

  it('hands injected events and counters back', () => {
    const dp = boot();
    const p = dp.addPort({ name: 'eth1', device: 'net_null0', mtu: 1500, vrf: 0 });
    dp.fakeEvent({ type: 'neigh_miss', port: p.id, ip: '10.0.0.9' });
    dp.fakeTraffic(p.id, { rxPackets: 5n, drops: { no_route: 2n } });
    expect(dp.pollEvents(10)).to.deep.equal([{ type: 'neigh_miss', port: p.id, ip: '10.0.0.9' }]);
    expect(dp.pollEvents(10)).to.deep.equal([]);
    const c = dp.portCounters().find((x) => x.port === p.id)!;
    expect(c.rxPackets).to.equal(5n);
    expect(c.drops.no_route).to.equal(2n);
  });

  it('gives a port added after a removal a free id, never one in use', () => {
    const dp = boot();
    const a = dp.addPort({ name: 'eth1', device: 'net_null0', mtu: 1500, vrf: 0 });
    const b = dp.addPort({ name: 'eth2', device: 'net_null1', mtu: 1500, vrf: 0 });
    dp.removePort(a.id);
    const c = dp.addPort({ name: 'eth3', device: 'net_null2', mtu: 1500, vrf: 0 });
    expect(c.id).to.not.equal(b.id);
    expect(dp.ports().map((p) => p.name).sort()).to.deep.equal(['eth2', 'eth3']);
    expect(dp.ports().find((p) => p.id === b.id)!.name).to.equal('eth2');
  });

  it('hands out counter snapshots, not live objects', () => {
    const dp = boot();
    const p = dp.addPort({ name: 'eth1', device: 'net_null0', mtu: 1500, vrf: 0 });
    dp.fakeTraffic(p.id, { rxPackets: 1n, drops: { no_route: 1n } });
    const snap = dp.portCounters()[0]!;
    dp.fakeTraffic(p.id, { rxPackets: 4n, drops: { no_route: 4n } });
    expect(snap.rxPackets).to.equal(1n);
    expect(snap.drops.no_route).to.equal(1n);
    expect(dp.portCounters()[0]!.rxPackets).to.equal(5n);
  });
});

describe('FakeDataplane VPC classify tables and counters', () => {
  it('checks peering items like the addon and counts per VPC and per peering', () => {
    const dp = new FakeDataplane({ maxVrfs: 8 });
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 });
    expect([dp.addVrf(1), dp.addVrf(2)]).to.deep.equal(['ok', 'ok']);
    expect(dp.setPeeringRoutes([{ vrf: 1, prefix: '10.2.0.9/16', peering: 3, dstVrf: 2 }, { vrf: 1, prefix: '10.3.0.0/16', peering: 3, dstVrf: 5 }]))
      .to.deep.equal(['ok', 'no_vrf']);
    expect(dp.peeringRoutes()).to.deep.equal([{ vrf: 1, prefix: '10.2.0.0/16', peering: 3, dstVrf: 2 }]);
    expect(dp.setPeeringSources([{ vrf: 1, peering: 3, prefix: '10.1.0.0/24' }, { vrf: 1, peering: 70000, prefix: '10.1.0.0/24' }]))
      .to.deep.equal(['ok', 'invalid']);
    dp.fakeVpcTraffic(1, { rxPackets: 3n, rxBytes: 300n, drops: { vpc_no_peering: 1n } });
    dp.fakePeeringTraffic(3, 2n, 200n);
    const [a, b] = dp.vpcCounters();
    expect(a).to.deep.include({ vrf: 1, rxPackets: 3n, rxBytes: 300n, txPackets: 0n });
    expect(a!.drops).to.deep.equal({ vpc_no_peering: 1n, vpc_source_not_exposed: 0n });
    expect(b).to.deep.include({ vrf: 2, rxPackets: 0n });
    expect(dp.peeringCounters()).to.deep.equal([{ peering: 3, packets: 2n, bytes: 200n }]);
    expect(() => dp.fakeVpcTraffic(1, { drops: { no_route: 1n } })).to.throw(/not a VPC drop reason/);
  });
});

describe('FakeDataplane static NAT table', () => {
  it('checks natStatic items like the addon (family and length of ips/as, NPTv6 prefix bound, VRF) and lists them', () => {
    const dp = new FakeDataplane({ maxVrfs: 8 });
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 });
    expect(dp.addVrf(1)).to.equal('ok');
    expect(dp.setNatStatic([
      { peering: 3, vrf: 1, ips: '10.1.0.7/24', as: '192.0.2.0/24' },
      { peering: 3, vrf: 2, ips: '10.1.0.0/24', as: '192.0.2.0/24' },
      { peering: 3, vrf: 1, ips: '10.2.0.0/24', as: '192.0.3.0/25' },
      { peering: 3, vrf: 1, ips: 'fd00:1::/48', as: '192.0.3.0/24' },
      { peering: 3, vrf: 1, ips: 'fd00:1::/48', as: '2001:db8:1::/48' },
      { peering: 3, vrf: 1, ips: 'fd00:2::/120', as: '2001:db8:2::/120' },
      { peering: 0, vrf: 1, ips: '10.3.0.0/24', as: '192.0.4.0/24' },
    ])).to.deep.equal(['ok', 'no_vrf', 'invalid', 'invalid', 'ok', 'invalid', 'invalid']);
    expect(dp.natStatic()).to.deep.equal([
      { peering: 3, vrf: 1, ips: '10.1.0.0/24', as: '192.0.2.0/24' },
      { peering: 3, vrf: 1, ips: 'fd00:1::/48', as: '2001:db8:1::/48' },
    ]);
    dp.fakeNatStaticTraffic(3, 5n);
    expect(dp.natStaticCounters()).to.deep.equal([{ peering: 3, translations: 5n }]);
    expect(dp.delNatStatic([{ peering: 3, vrf: 1, ips: '10.1.0.0/24' }, { peering: 3, vrf: 1, ips: '10.1.0.0/24' }])).to.deep.equal(['ok', 'not_found']);
    expect(dp.delVrf(1)).to.equal('ok');
    expect(dp.natStatic()).to.deep.equal([]);
  });
});
