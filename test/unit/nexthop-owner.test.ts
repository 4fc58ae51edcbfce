// The one owner of nexthop and group ids (agent/src/core/nexthops.ts): what it hands out is what the
// dataplane accepts, entries are shared while referenced and freed with their last reference, ids come back.
import { expect } from 'chai';
import { IdRange, IdsExhausted, idPools, NexthopBatch, NexthopOwner, RESERVED_IDS, TABLE_DEFAULTS } from '../../agent/src/core/nexthops.ts';
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';

function fake(): FakeDataplane {
  const d = new FakeDataplane();
  d.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
  d.addPort({ name: 'eth1', device: 'x', mtu: 1500, vrf: 0 }); // port 0
  d.addPort({ name: 'eth2', device: 'y', mtu: 1500, vrf: 0 }); // port 2
  return d;
}

/** Writes a batch the way the owner's users do: new entries first, dead ones last; every write must succeed. */
function write(d: FakeDataplane, b: NexthopBatch): void {
  expect(d.setNexthops(b.newNexthops).every((r) => r === 'ok')).to.equal(true);
  expect(d.setGroups(b.newGroups).every((r) => r === 'ok')).to.equal(true);
  expect(d.delGroups(b.deadGroups).every((r) => r === 'ok')).to.equal(true);
  expect(d.delNexthops(b.deadNexthops).every((r) => r === 'ok')).to.equal(true);
}

describe('nexthop owner', () => {
  it('deduplicates nexthops and groups and frees them with their last reference', () => {
    const d = fake();
    const o = new NexthopOwner(idPools().fib);
    const b = new NexthopBatch();
    const a = o.hold([{ kind: 'gateway', port: 0, gateway: '10.0.1.9' }, { kind: 'connected', port: 2, weight: 3 }], b);
    // The same set in another order is the same group; one member in common shares that nexthop.
    const same = o.hold([{ kind: 'connected', port: 2, weight: 3 }, { kind: 'gateway', port: 0, gateway: '10.0.1.9' }], b);
    const other = o.hold([{ kind: 'gateway', port: 0, gateway: '10.0.1.9' }], b);
    expect(same).to.deep.equal(a);
    expect(other).to.not.deep.equal(a);
    expect(b.newNexthops).to.have.length(2);
    expect(b.newGroups).to.have.length(2);
    write(d, b);
    expect(d.nexthops()).to.have.length(2);
    expect(o.sizes()).to.deep.equal({ nexthops: 2, groups: 2 });

    const r1 = new NexthopBatch();
    o.releaseTarget(a!, r1);
    expect(r1.deadGroups, 'still held once').to.deep.equal([]);
    o.releaseTarget(same!, r1);
    // The group goes; of its nexthops only the connected one (the gateway is still in the other group).
    expect(r1.deadGroups).to.have.length(1);
    expect(r1.deadNexthops).to.have.length(1);
    write(d, r1);
    expect(d.groups()).to.have.length(1);
    expect(d.nexthops().map((n) => n.gateway)).to.deep.equal(['10.0.1.9']);
    const r2 = new NexthopBatch();
    o.releaseTarget(other!, r2);
    write(d, r2);
    expect(d.groups()).to.deep.equal([]);
    expect(d.nexthops()).to.deep.equal([]);
    expect(o.sizes()).to.deep.equal({ nexthops: 0, groups: 0 });
  });

  it('answers drop kinds without entries', () => {
    const o = new NexthopOwner(idPools().reserved);
    const b = new NexthopBatch();
    expect(o.hold([{ kind: 'blackhole' }], b)).to.deep.equal({ kind: 'blackhole' });
    expect(o.hold([{ kind: 'reject' }], b)).to.deep.equal({ kind: 'reject' });
    expect(b.newNexthops.length + b.newGroups.length).to.equal(0);
  });

  it('reuses freed ids, and reports exhaustion without holding anything', () => {
    const o = new NexthopOwner({ nexthops: new IdRange(1, 2), groups: new IdRange(1, 2) });
    const b = new NexthopBatch();
    const g1 = o.holdGroup([{ port: 0, weight: 1 }], b)!;
    const g2 = o.holdGroup([{ port: 2, weight: 1 }], b)!;
    expect([g1.id, g2.id]).to.deep.equal([1, 2]);
    // A third nexthop does not fit: nothing is created, nothing stays held.
    const full = new NexthopBatch();
    expect(o.holdGroup([{ port: 0, gateway: '10.0.1.1', weight: 1 }], full)).to.equal(undefined);
    expect(full.newNexthops).to.deep.equal([]);
    expect(o.available()).to.equal(0);
    expect(o.sizes()).to.deep.equal({ nexthops: 2, groups: 2 });
    const r = new NexthopBatch();
    o.release(g1.id, r);
    expect(o.available()).to.equal(1);
    const g3 = o.holdGroup([{ port: 0, gateway: '10.0.1.1', weight: 1 }], new NexthopBatch())!;
    expect(g3.id, 'the freed group id').to.equal(g1.id);
    expect(g3.value.members[0]!.nexthop, 'the freed nexthop id').to.equal(1);
    expect(() => new IdRange(5, 4).take()).to.throw(IdsExhausted);
  });

  it('splits each id space once: the FIB below, the boot tables and the document in the top RESERVED_IDS', () => {
    const p = idPools();
    expect(p.fib.nexthops.take()).to.equal(1);
    expect(p.fib.nexthops.available).to.equal(TABLE_DEFAULTS.maxNexthops - RESERVED_IDS - 1);
    expect(p.reserved.groups.take()).to.equal(TABLE_DEFAULTS.maxGroups - RESERVED_IDS + 1);
    expect(p.reserved.groups.available).to.equal(RESERVED_IDS - 1);
    expect(idPools({ maxGroups: 1 << 22 }, 2 ** 20 - 1).fib.groups.available).to.equal(2 ** 20 - 1);
  });

  it('vxlan members: one tunnel per (vni, VTEP) in the nexthop id space, a new router MAC rewrites it in place, freed with its last group', () => {
    const o = new NexthopOwner(idPools().fib);
    const b = new NexthopBatch();
    const port = o.holdGroup([{ port: 0, gateway: '10.0.1.2', weight: 1 }], b)!;
    const g1 = o.holdGroup([{ vxlan: { vni: 5000, vtep: '10.11.0.2', mac: '02:00:00:00:bb:02' }, weight: 1 }], b)!;
    const g2 = o.holdGroup([{ vxlan: { vni: 5000, vtep: '10.11.0.2', mac: '02:00:00:00:bb:02' }, weight: 1 }, { vxlan: { vni: 5000, vtep: '10.12.0.2', mac: '02:00:00:00:bb:03' }, weight: 1 }], b)!;
    expect(b.newTunnels.map((t) => t.vtep)).to.deep.equal(['10.11.0.2', '10.12.0.2']);
    expect(new Set([...b.newNexthops.map((n) => n.id), ...b.newTunnels.map((t) => t.id)]).size, 'one id space').to.equal(3);
    expect(g1.value.members[0]!.nexthop).to.equal(b.newTunnels[0]!.id);
    const r = new NexthopBatch();
    expect(o.setTunnelMac(5000, '10.11.0.2', '02:00:00:00:bb:09', r)).to.equal(true);
    expect(o.setTunnelMac(5000, '10.11.0.2', '02:00:00:00:bb:09', r), 'same MAC: nothing to write').to.equal(false);
    expect(r.newTunnels).to.deep.equal([{ id: b.newTunnels[0]!.id, vni: 5000, vtep: '10.11.0.2', mac: '02:00:00:00:bb:09' }]);
    expect(r.newGroups).to.deep.equal([]);
    const d = new NexthopBatch();
    o.release(g2.id, d);
    expect(d.deadTunnels, '10.11.0.2 is still in g1').to.deep.equal([b.newTunnels[1]!.id]);
    o.release(g1.id, d);
    o.release(port.id, d);
    expect(d.deadTunnels).to.have.length(2);
    expect(d.deadNexthops).to.have.length(1);
    expect(o.tunnels()).to.deep.equal([]);
  });
});
