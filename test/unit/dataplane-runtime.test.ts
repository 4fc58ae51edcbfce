import { expect } from 'chai';
import { pino } from 'pino';
import { BootConfigError } from '../../agent/src/boot/config.ts';
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { bootTables, clearStaleXsk, pciArgs, RESERVED_IDS } from '../../agent/src/features/underlay/component.ts';
import { ealArgs } from '../../agent/src/dataplane/hugepages.ts';
import { NeighborLearner } from '../../agent/src/features/underlay/neighbors.ts';
import { parseDataplaneSection } from '../../agent/src/features/underlay/section.ts';
import type { PortInfo } from '../../agent/src/dataplane/api.ts';

const section = {
  eal: { workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 256 },
  ports: [
    { name: 'eth1', device: 'net_af_xdp0,iface=veth1', netns: 'gw', addresses: ['10.0.1.1/24', '2001:db8:1::1/64'] },
    { name: 'eth2', device: '0000:00:04.0', addresses: ['10.0.2.1/24'] },
  ],
  staticRoutes: [
    { prefix: '10.9.0.0/16', nexthops: [{ via: '10.0.2.2', port: 'eth2' }, { via: '10.0.2.3', port: 'eth2', weight: 3 }] },
    { prefix: '192.0.2.0/24', type: 'blackhole' },
  ],
};

describe('dataplane boot section', () => {
  it('parses ports, addresses and static routes with defaults', () => {
    const s = parseDataplaneSection(section);
    expect(s.ports[0]).to.include({ name: 'eth1', tapName: 'eth1', mtu: 1500, vrf: 0, netns: 'gw' });
    expect(s.ports[0]!.hostAddresses).to.deep.equal(['10.0.1.1/24', '2001:db8:1::1/64']);
    expect(s.ports[0]!.addresses.map((a) => a.text)).to.deep.equal(['10.0.1.0/24', '2001:db8:1::/64']);
    expect(s.staticRoutes[0]).to.deep.include({ prefix: '10.9.0.0/16', type: 'unicast' });
    expect(s.eal.hugepages).to.equal('off');
  });

  const bad: [string, (o: typeof section) => unknown, string][] = [
    ['an address without length', (o) => ({ ...o, ports: [{ ...o.ports[0], addresses: ['10.0.1.1'] }] }), 'dataplane.ports[0].addresses[0]'],
    ['a duplicate port', (o) => ({ ...o, ports: [o.ports[0], o.ports[0]] }), 'dataplane.ports[1].name'],
    ['a route via an unknown port', (o) => ({ ...o, staticRoutes: [{ prefix: '10.0.0.0/8', via: '1.2.3.4', port: 'eth9' }] }), 'dataplane.staticRoutes[0].nexthops[0].port'],
    ['an IPv6 nexthop for an IPv4 route', (o) => ({ ...o, staticRoutes: [{ prefix: '10.0.0.0/8', via: '2001:db8::1', port: 'eth1' }] }), 'dataplane.staticRoutes[0].nexthops[0].via'],
    ['an unknown key', (o) => ({ ...o, eal: { ...o.eal, cores: 3 } }), 'dataplane.eal.cores'],
    ['a bad hugepages mode', (o) => ({ ...o, eal: { ...o.eal, hugepages: 'yes' } }), 'dataplane.eal.hugepages'],
    ['a tap name longer than IFNAMSIZ', (o) => ({ ...o, ports: [{ ...o.ports[0], tapName: 'a-very-long-tap-name' }] }), 'dataplane.ports[0].tapName'],
  ];
  for (const [what, mk, path] of bad) {
    it(`rejects ${what} with the exact path`, () => {
      let err: unknown;
      try {
        parseDataplaneSection(mk(section));
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(BootConfigError);
      expect((err as BootConfigError).code).to.equal('BOOT_CONFIG_INVALID');
      expect((err as BootConfigError).path).to.equal(path);
    });
  }
});

describe('dataplane boot tables', () => {
  const s = parseDataplaneSection(section);
  const info = (id: number, name: string): PortInfo => ({
    id, name, device: '', mac: '02:00:00:00:00:01', mtu: 1500, vrf: 0, linkUp: true, tapName: name, tapPortId: id + 1,
  });
  const ports = new Map([['eth1', info(0, 'eth1')], ['eth2', info(2, 'eth2')]]);

  it('makes addresses local, subnets connected and static routes ECMP, all accepted by the dataplane', () => {
    const t = bootTables(s, ports);
    const byPrefix = new Map(t.routes.map((r) => [r.prefix, r]));
    expect(byPrefix.get('10.0.1.1/32')).to.deep.include({ target: { kind: 'local' } });
    expect(byPrefix.get('2001:db8:1::1/128')).to.deep.include({ target: { kind: 'local' } });
    expect(byPrefix.get('192.0.2.0/24')).to.deep.include({ target: { kind: 'blackhole' } });
    const ecmp = byPrefix.get('10.9.0.0/16')!;
    if (ecmp.op !== 'add' || ecmp.target.kind !== 'unicast') throw new Error('not unicast');
    const g = t.groups.find((x) => x.id === (ecmp.target as { group: number }).group)!;
    expect(g.members.map((m) => m.weight)).to.deep.equal([1, 3]);
    // Ids come from the reserved top range, so the routing manager can allocate from 1 up.
    for (const n of t.nexthops) expect(n.id).to.be.above(65536 - RESERVED_IDS);

    const dp = new FakeDataplane();
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 256 });
    dp.addPort({ name: 'eth1', device: 'x', mtu: 1500, vrf: 0 });
    dp.addPort({ name: 'eth2', device: 'y', mtu: 1500, vrf: 0 });
    expect(dp.setNexthops(t.nexthops).every((r) => r === 'ok')).to.equal(true);
    expect(dp.setGroups(t.groups).every((r) => r === 'ok')).to.equal(true);
    expect(dp.applyRoutes(t.routes).every((r) => r === 'ok')).to.equal(true);
  });

  it('removes only the af_xdp default XDP program a crashed run left on the interface', async () => {
    const calls: string[] = [];
    const kernel = (prog: string) => async (_ns: string | undefined, args: string[]): Promise<string> => {
      calls.push(args.join(' '));
      return args[1] === 'show' ? `2: veth1@if3: <UP> mtu 1500 xdpgeneric qdisc noqueue\n    prog/xdp id 7 name ${prog} tag 00 jited\n` : '';
    };
    expect(await clearStaleXsk({ device: 'net_af_xdp0,iface=veth1', netns: 'gw' }, kernel('xsk_def_prog'))).to.equal(true);
    expect(calls).to.deep.equal(['link show dev veth1', 'link set dev veth1 xdp off']);
    calls.length = 0;
    expect(await clearStaleXsk({ device: 'net_af_xdp0,iface=veth1' }, kernel('operator_filter'))).to.equal(false);
    expect(calls).to.deep.equal(['link show dev veth1']);
    expect(await clearStaleXsk({ device: 'net_af_packet0,iface=veth1' }, kernel('xsk_def_prog'))).to.equal(false);
  });

  it('probes only configured PCI devices', () => {
    expect(pciArgs(s.ports)).to.deep.equal(['-a', '0000:00:04.0']);
    expect(pciArgs([s.ports[0]!])).to.deep.equal(['--no-pci']);
  });

  it('maps workers to lcores 1.. on their CPUs and picks the memory mode from the plan', () => {
    const cfg = { workerCores: [3, 5], controlCore: 1, hugepages: 'auto' as const, memoryMb: 512 };
    const huge = ealArgs(cfg, { use: true, dir: '/hp', reason: '', release: () => undefined });
    expect(huge.slice(0, 2)).to.deep.equal(['--lcores', '0@1,1@3,2@5']);
    expect(huge).to.include.members(['--in-memory', '--huge-dir=/hp']);
    const small = ealArgs(cfg, { use: false, reason: '', release: () => undefined });
    expect(small).to.include.members(['--no-huge', '--no-shconf']);
    expect(small).to.not.include('--in-memory');
  });
});

/** A kernel neighbor table the learner reads through `ip -j neigh show`; records resolution requests. */
class FakeKernel {
  rows: { dst: string; dev: string; lladdr?: string; state: string[] }[] = [];
  resolves: string[] = [];
  run = async (_ns: string | undefined, args: string[]): Promise<string> => {
    if (args[0] === '-j') return JSON.stringify(this.rows);
    if (args[0] === 'neigh' && args[1] === 'replace') this.resolves.push(`${args[2]}@${args[4]}`);
    return '';
  };
}

describe('kernel neighbor learning', () => {
  const setup = () => {
    const dp = new FakeDataplane();
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 256 });
    const p = dp.addPort({ name: 'eth1', device: 'x', mtu: 1500, vrf: 0, tapName: 'tap1' });
    const k = new FakeKernel();
    const l = new NeighborLearner(dp, [{ port: p.id, tap: 'tap1' }], pino({ level: 'silent' }), {
      resyncMs: 3_600_000, ip: k.run, monitor: false, eventPollMs: 5, missHoldMs: 60_000,
    });
    return { dp, p, k, l };
  };

  it('programs usable kernel entries of the taps and removes them when the kernel drops them', async () => {
    const { dp, p, k, l } = setup();
    k.rows = [
      { dst: '10.0.1.2', dev: 'tap1', lladdr: '02:AA:00:00:00:02', state: ['REACHABLE'] },
      { dst: '10.0.1.3', dev: 'tap1', state: ['INCOMPLETE'] },
      { dst: '10.0.1.4', dev: 'eth0', lladdr: '02:aa:00:00:00:04', state: ['STALE'] },
      { dst: 'fe80::1', dev: 'tap1', lladdr: '02:aa:00:00:00:05', state: ['STALE'] },
    ];
    await l.start();
    try {
      expect(dp.neighbors()).to.have.deep.members([
        { port: p.id, ip: '10.0.1.2', mac: '02:aa:00:00:00:02' },
        { port: p.id, ip: 'fe80::1', mac: '02:aa:00:00:00:05' },
      ]);
      k.rows = [{ dst: '10.0.1.2', dev: 'tap1', lladdr: '02:aa:00:00:00:09', state: ['STALE'] }];
      await l.resync();
      expect(dp.neighbors()).to.deep.equal([{ port: p.id, ip: '10.0.1.2', mac: '02:aa:00:00:00:09' }]);
      expect(l.stats.removed).to.equal(1);
    } finally {
      await l.stop();
    }
  });

  it('forgets the neighbors of a tap that goes away at once, and learns them again on a new tap', async () => {
    const { dp, p, k, l } = setup();
    k.rows = [{ dst: '10.0.1.2', dev: 'tap1', lladdr: '02:aa:00:00:00:02', state: ['REACHABLE'] }];
    await l.start();
    try {
      expect(dp.neighbors()).to.have.length(1);
      l.setTaps([]);
      expect(dp.neighbors(), 'removed with the port, before any resync').to.deep.equal([]);
      dp.removePort(p.id);
      const again = dp.addPort({ name: 'eth1', device: 'x', mtu: 9000, vrf: 0, tapName: 'tap1' });
      expect(again.id).to.equal(p.id);
      l.setTaps([{ port: again.id, tap: 'tap1' }]);
      await l.resync();
      expect(dp.neighbors()).to.deep.equal([{ port: again.id, ip: '10.0.1.2', mac: '02:aa:00:00:00:02' }]);
    } finally {
      await l.stop();
    }
  });

  it('turns a worker neighbor miss into one kernel resolution per address within the hold time', async () => {
    const { dp, p, k, l } = setup();
    await l.start();
    try {
      for (let i = 0; i < 5; i++) dp.fakeEvent({ type: 'neigh_miss', port: p.id, ip: '10.0.1.7' });
      dp.fakeEvent({ type: 'neigh_miss', port: p.id, ip: '10.0.1.8' });
      // An IPv4 route over an unnumbered port misses its IPv6 link-local next hop: resolved by ND on the tap.
      dp.fakeEvent({ type: 'neigh_miss', port: p.id, ip: 'fe80::7' });
      const end = Date.now() + 2000;
      while (l.stats.missEvents < 7 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(l.stats).to.include({ missEvents: 7, resolutions: 3, missSuppressed: 4 });
      expect(k.resolves).to.deep.equal(['10.0.1.7@tap1', '10.0.1.8@tap1', 'fe80::7@tap1']);
    } finally {
      await l.stop();
    }
  });
});
