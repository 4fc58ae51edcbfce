// The dataplane as a config consumer, over FakeDataplane and fake port ops: what a document turns into, what
// the dataplane refuses, and that diffs (including the re-apply after a refusal) leave exactly the tables the
// target generation asks for.
import { expect } from 'chai';
import { pino } from 'pino';
import type { AuditLog } from '../../agent/src/audit/log.ts';
import { applyAtomically } from '../../agent/src/config/consumer.ts';
import { ConfigService } from '../../agent/src/config/service.ts';
import type { ConfigStore } from '../../agent/src/store/store.ts';
import { emptyState, type DesiredState, type Generation } from '../../agent/src/config/model.ts';
import { DataplaneConfigConsumer } from '../../agent/src/features/underlay/config-consumer.ts';
import { desiredTables, type DesiredLimits } from '../../agent/src/features/underlay/desired.ts';
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { IdRange, Realizer } from '../../agent/src/features/underlay/realizer.ts';
import { parseDataplaneSection } from '../../agent/src/features/underlay/section.ts';
import { FakePortOps } from './config-consumers.ts';

const LIMITS: DesiredLimits = { maxRoutes4: 100, maxRoutes6: 100, ids: 100, ports: 8 };
const boot = parseDataplaneSection({
  ports: [{ name: 'eth1', device: 'net_af_xdp0,iface=veth1', addresses: ['10.0.1.1/24'] }],
  staticRoutes: [{ prefix: '192.0.2.0/24', type: 'blackhole' }],
});

function doc(edit: (d: DesiredState) => void): DesiredState {
  const d = emptyState();
  edit(d);
  return d;
}

const port3 = { name: 'eth3', device: 'net_af_xdp3,iface=veth3', mtu: 1500, addresses: ['10.0.3.1/24', '2001:db8:3::1/64'] };

function setup(staticsViaZebra = false): { dp: FakeDataplane; ops: FakePortOps; consumer: DataplaneConfigConsumer; realizer: Realizer } {
  const dp = new FakeDataplane();
  dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 });
  const eth1 = dp.addPort({ name: 'eth1', device: 'net_af_xdp0,iface=veth1', mtu: 1500, vrf: 0 });
  const ops = new FakePortOps(dp);
  const realizer = new Realizer(dp, ops, { nexthops: new IdRange(61441, 65530), groups: new IdRange(61441, 65530) }, new Map([['eth1', eth1]]));
  return { dp, ops, realizer, consumer: new DataplaneConfigConsumer(realizer, boot, LIMITS, staticsViaZebra) };
}

/** The dataplane's tables with ids replaced by what they point at, so two realizations compare equal. */
function tables(dp: FakeDataplane): unknown {
  const nh = new Map(dp.nexthops().map((n) => [n.id, `${dp.ports().find((p) => p.id === n.port)?.name}/${n.gateway ?? ''}`]));
  const grp = new Map(dp.groups().map((g) => [g.id, g.members.map((m) => `${nh.get(m.nexthop)}*${m.weight}`).sort().join(' ')]));
  return {
    ports: dp.ports().map((p) => `${p.name} ${p.device} ${p.mtu}`).sort(),
    routes: dp.routes(0).map((r) => `${r.prefix} ${r.target.kind === 'unicast' ? grp.get(r.target.group) : r.target.kind}`).sort(),
    nexthops: dp.nexthops().length,
    groups: dp.groups().length,
  };
}

describe('dataplane desired tables (document -> ports and routes)', () => {
  it('turns port addresses into local and connected routes and static routes into unicast/blackhole/reject', () => {
    const { tables: t, problems } = desiredTables(
      doc((d) => {
        d.gateway.ports.push(port3);
        d.staticRoutes.push(
          { prefix: '10.9.0.0/16', nexthops: [{ ip: '10.0.3.7' }, { ip: '10.0.1.9', port: 'eth1' }] },
          { prefix: '10.66.0.0/16', nexthops: [], blackhole: true },
          { prefix: '10.77.0.0/16', nexthops: [], reject: true },
        );
      }),
      boot,
      { limits: LIMITS, netns: 'gw' },
    );
    expect(problems).to.deep.equal([]);
    expect(t.ports.get('eth3')).to.deep.equal({ ...port3, netns: 'gw' });
    expect(t.routes.get('10.0.3.1/32')).to.deep.equal({ prefix: '10.0.3.1/32', kind: 'local' });
    expect(t.routes.get('2001:db8:3::1/128')?.kind).to.equal('local');
    expect(t.routes.get('10.0.3.0/24')).to.deep.equal({ prefix: '10.0.3.0/24', kind: 'unicast', nexthops: [{ port: 'eth3', weight: 1 }] });
    // A next hop without a port goes out of the port whose subnet holds it; one with a port may use a boot port.
    expect(t.routes.get('10.9.0.0/16')).to.deep.equal({
      prefix: '10.9.0.0/16',
      kind: 'unicast',
      nexthops: [{ port: 'eth3', via: '10.0.3.7', weight: 1 }, { port: 'eth1', via: '10.0.1.9', weight: 1 }],
    });
    expect(t.routes.get('10.66.0.0/16')?.kind).to.equal('blackhole');
    expect(t.routes.get('10.77.0.0/16')?.kind).to.equal('reject');
  });

  it('refuses what the dataplane cannot realize, each with the path of the field', () => {
    const { problems } = desiredTables(
      doc((d) => {
        d.gateway.ports.push(
          { name: 'eth1', device: 'net_af_xdp9,iface=x', mtu: 1500, addresses: [] },
          { name: 'a-name-longer-than-15', device: '0000:03:00.0', mtu: 1500, addresses: ['10.0.1.200/25'] },
          { name: 'eth4', device: 'net_af_xdp0,iface=other', mtu: 1500, addresses: [] },
        );
        d.staticRoutes.push(
          { prefix: '10.9.0.0/16', nexthops: [{ ip: '172.16.0.1' }] },
          { prefix: '10.8.0.0/16', nexthops: [{ ip: '10.0.1.9', port: 'nope' }] },
          { vpc: 'v1', prefix: '10.7.0.0/16', nexthops: [], blackhole: true },
          { prefix: '192.0.2.0/24', nexthops: [], reject: true },
        );
      }),
      boot,
      { limits: LIMITS },
    );
    expect(problems.map((p) => `${p.code} ${p.path}`)).to.have.members([
      'DUPLICATE /gateway/ports/0/name',
      'INVALID_VALUE /gateway/ports/1/name',
      'INVALID_VALUE /gateway/ports/1/device',
      'OVERLAP /gateway/ports/1/addresses/0',
      'DUPLICATE /gateway/ports/2/device',
      'INVALID_VALUE /staticRoutes/0/nexthops/0/ip',
      'NO_SUCH_REF /staticRoutes/1/nexthops/0/port',
      'NOT_SUPPORTED /staticRoutes/2/vpc',
      'DUPLICATE /staticRoutes/3/prefix',
    ]);
  });

  it('refuses more routes or ports than the dataplane has room for', () => {
    const d = doc((x) => {
      x.gateway.ports.push(port3);
      for (let i = 0; i < 5; i++) x.staticRoutes.push({ prefix: `10.${100 + i}.0.0/16`, nexthops: [], blackhole: true });
    });
    const small = desiredTables(d, boot, { limits: { ...LIMITS, maxRoutes4: 6, ports: 0 } }).problems;
    expect(small.map((p) => `${p.code} ${p.path}`)).to.have.members(['REFUSED /gateway/ports', 'REFUSED /staticRoutes']);
    expect(desiredTables(d, boot, { limits: { ...LIMITS, maxRoutes4: 10 } }).problems).to.deep.equal([]);
  });
});

describe('dataplane id budget', () => {
  it('counts shared next hops and groups once: many routes through one gateway fit a small id range', () => {
    const many = doc((d) => {
      for (let i = 0; i < 50; i++) d.staticRoutes.push({ prefix: `10.200.${i}.0/24`, nexthops: [{ ip: '10.0.1.9' }] });
    });
    expect(desiredTables(many, boot, { limits: { ...LIMITS, ids: 1 } }).problems).to.deep.equal([]);
    const spread = doc((d) => {
      for (let i = 0; i < 3; i++) d.staticRoutes.push({ prefix: `10.200.${i}.0/24`, nexthops: [{ ip: `10.0.1.${10 + i}` }] });
    });
    expect(desiredTables(spread, boot, { limits: { ...LIMITS, ids: 2 } }).problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['REFUSED /staticRoutes']);
  });
});

describe('dataplane realizer (diffs applied to the dataplane)', () => {
  const g = (generation: number, spec: DesiredState): Generation => ({ generation, spec });
  const gen1 = g(1, doc((d) => {
    d.gateway.ports.push(port3);
    d.staticRoutes.push({ prefix: '10.9.0.0/16', nexthops: [{ ip: '10.0.3.7' }] }, { prefix: '10.66.0.0/16', nexthops: [], reject: true });
  }));
  const gen2 = g(2, doc((d) => {
    d.gateway.ports.push({ ...port3, addresses: ['10.0.4.1/24'] });
    d.staticRoutes.push({ prefix: '10.9.0.0/16', nexthops: [{ ip: '10.0.4.7' }, { ip: '10.0.1.9', port: 'eth1' }] });
  }));

  it('adds a port with its tap addresses and routes, and the learner follows its tap', async () => {
    const { dp, ops, consumer } = setup();
    await consumer.apply(gen1);
    expect(ops.taps.get('eth3')).to.deep.equal(['10.0.3.1/24', '2001:db8:3::1/64']);
    expect(ops.learnerTaps).to.deep.equal(['eth3']);
    expect(tables(dp)).to.deep.equal({
      ports: ['eth1 net_af_xdp0,iface=veth1 1500', 'eth3 net_af_xdp3,iface=veth3 1500'],
      routes: ['10.0.3.0/24 eth3/*1', '10.0.3.1/32 local', '10.66.0.0/16 reject', '10.9.0.0/16 eth3/10.0.3.7*1', '2001:db8:3::/64 eth3/*1', '2001:db8:3::1/128 local'],
      // The v4 and v6 subnets of eth3 share one connected nexthop and group.
      nexthops: 2,
      groups: 2,
    });
  });

  it('sends ICMPv4 errors of ports without an IPv4 address (unnumbered) from the router-id, and follows its changes', async () => {
    const dp = new FakeDataplane();
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 128 });
    const eth1 = dp.addPort({ name: 'eth1', device: 'net_af_xdp0,iface=veth1', mtu: 1500, vrf: 0 });
    const eth2 = dp.addPort({ name: 'eth2', device: 'net_af_xdp1,iface=veth2', mtu: 1500, vrf: 0 });
    const ops = new FakePortOps(dp);
    const bootAddrs = new Map([['eth1', ['10.0.1.1/24']], ['eth2', []]]);
    const realizer = new Realizer(dp, ops, { nexthops: new IdRange(61441, 65530), groups: new IdRange(61441, 65530) }, new Map([['eth1', eth1], ['eth2', eth2]]), bootAddrs);
    const c = new DataplaneConfigConsumer(realizer, boot, LIMITS);
    const v6only = { name: 'eth6', device: 'net_af_xdp6,iface=veth6', mtu: 1500, addresses: ['2001:db8:6::1/64'] };
    const g = (generation: number, rid: string): Generation => ({ generation, spec: doc((d) => { d.gateway.routerId = rid; d.gateway.ports.push(v6only, port3); }) });
    await c.apply(g(1, '10.255.0.1'));
    const id6 = dp.ports().find((p) => p.name === 'eth6')!.id;
    const id3 = dp.ports().find((p) => p.name === 'eth3')!.id;
    expect(dp.portAddresses.get(eth1.id), 'numbered boot port: its own').to.deep.equal(['10.0.1.1']);
    expect(dp.portAddresses.get(eth2.id), 'unnumbered boot port').to.deep.equal(['10.255.0.1']);
    expect(dp.portAddresses.get(id6), 'IPv6-only document port').to.deep.equal(['2001:db8:6::1', '10.255.0.1']);
    expect(dp.portAddresses.get(id3), 'numbered document port').to.deep.equal(['10.0.3.1', '2001:db8:3::1']);
    await c.apply(g(2, '10.255.0.9'));
    expect(dp.portAddresses.get(eth2.id)).to.deep.equal(['10.255.0.9']);
    expect(dp.portAddresses.get(id6)).to.deep.equal(['2001:db8:6::1', '10.255.0.9']);
  });

  it('moves addresses in place, replaces changed routes, removes what is gone and frees unused nexthops', async () => {
    const { dp, ops, consumer } = setup();
    await consumer.apply(gen1);
    const id = dp.ports().find((p) => p.name === 'eth3')!.id;
    await consumer.apply(gen2);
    expect(dp.ports().find((p) => p.name === 'eth3')!.id, 'an address change keeps the port').to.equal(id);
    expect(ops.taps.get('eth3')).to.deep.equal(['10.0.4.1/24']);
    expect(tables(dp)).to.deep.equal({
      ports: ['eth1 net_af_xdp0,iface=veth1 1500', 'eth3 net_af_xdp3,iface=veth3 1500'],
      routes: ['10.0.4.0/24 eth3/*1', '10.0.4.1/32 local', '10.9.0.0/16 eth1/10.0.1.9*1 eth3/10.0.4.7*1'],
      nexthops: 3,
      groups: 2,
    });
    await consumer.apply(g(3, emptyState()));
    expect(tables(dp)).to.deep.equal({ ports: ['eth1 net_af_xdp0,iface=veth1 1500'], routes: [], nexthops: 0, groups: 0 });
    expect(ops.learnerTaps).to.deep.equal([]);
  });

  it('re-creates a port whose MTU changes and points its routes at the new port', async () => {
    const { dp, consumer } = setup();
    await consumer.apply(gen1);
    const mtu = g(2, structuredClone(gen1.spec));
    mtu.spec.gateway.ports[0]!.mtu = 9000;
    await consumer.apply(mtu);
    const eth3 = dp.ports().find((p) => p.name === 'eth3')!;
    expect(eth3.mtu).to.equal(9000);
    const nh = dp.nexthops().find((n) => n.gateway === '10.0.3.7')!;
    expect(nh.port).to.equal(eth3.id);
    expect((tables(dp) as { routes: string[] }).routes).to.have.length(6);
  });

  it('after a refused generation, re-applying the previous one restores exactly its tables', async () => {
    const { dp, ops, consumer } = setup();
    const gen0 = g(1, doc((d) => d.staticRoutes.push({ prefix: '10.55.0.0/16', nexthops: [{ ip: '10.0.1.5' }] })));
    await applyAtomically([consumer], gen0, null);
    await applyAtomically([consumer], gen1, gen0);
    const before = tables(dp);
    const bad = g(3, structuredClone(gen2.spec));
    bad.spec.gateway.ports.push({ name: 'eth5', device: 'net_af_xdp5,iface=missing5', mtu: 1500, addresses: ['10.0.5.1/24'] });
    const r = await applyAtomically([consumer], bad, gen1);
    expect(r.ok).to.equal(false);
    expect(r.problems).to.have.length(1);
    expect(r.problems[0]).to.deep.include({ code: 'REFUSED', path: '/gateway/ports/1' });
    expect(r.problems[0]!.detail).to.match(/dataplane: port eth5 .*no such device/);
    expect(r.rollbackErrors).to.deep.equal([]);
    expect(tables(dp)).to.deep.equal(before);
    expect(ops.taps.get('eth3')).to.deep.equal(['10.0.3.1/24', '2001:db8:3::1/64']);
  });

  it('validate reports the dataplane problems before anything is applied', async () => {
    const { dp, consumer } = setup();
    const r = await applyAtomically([consumer], g(1, doc((d) => d.gateway.ports.push({ ...port3, device: 'eth3' }))), null);
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['INVALID_VALUE /gateway/ports/0/device']);
    expect(dp.ports().map((p) => p.name)).to.deep.equal(['eth1']);
  });

  it('with static routes going through zebra, writes only the ports\' routes but still checks the statics', async () => {
    const { dp, consumer } = setup(true);
    await consumer.apply(gen1);
    expect((tables(dp) as { routes: string[] }).routes).to.deep.equal(['10.0.3.0/24 eth3/*1', '10.0.3.1/32 local', '2001:db8:3::/64 eth3/*1', '2001:db8:3::1/128 local']);
    const bad = doc((d) => d.staticRoutes.push({ prefix: '10.9.0.0/16', nexthops: [{ ip: '10.0.77.1' }] }));
    expect(consumer.validate(bad).map((p) => `${p.code} ${p.path}`)).to.deep.equal(['INVALID_VALUE /staticRoutes/0/nexthops/0/ip']);
  });

  it('offers its boot ports to the document: their names as next-hop ports, their addresses as the gateway\'s own', () => {
    const { consumer } = setup();
    expect(consumer.fixedPorts).to.deep.equal([{ name: 'eth1', tapName: 'eth1', addresses: ['10.0.1.1/24'] }]);
    // check() reads neither the store nor the audit log.
    const svc = new ConfigService({ onExternalCommit: () => undefined } as unknown as ConfigStore, {} as AuditLog, pino({ level: 'silent' }), ['bgp']);
    svc.addConsumer(consumer);
    const d = doc((x) => {
      x.staticRoutes.push({ prefix: '2001:db8:9::/48', nexthops: [{ ip: 'fe80::7', port: 'eth1' }] });
      x.gateway.neighbors.push({ ip: '10.0.1.1', asn: 65001 });
    });
    expect(svc.check(d).map((p) => `${p.code} ${p.path}`)).to.deep.equal(['INVALID_VALUE /gateway/neighbors/0/ip']);
  });
});
