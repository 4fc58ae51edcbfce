// The routing FIB over FakeDataplane: zebra route ops -> dataplane routes/groups/nexthops with dedup, per-op
// results, refusals, sweeps.
import { expect } from 'chai';
import { Fib } from '../../agent/src/features/routing/fib.ts';
import { dp, ports } from './routing-fixture.ts';
import type { RouteOp } from '../../wire/gen/wire.gen.ts';



function route(op: RouteOp['op'], dst: string, plen: number, nhs: [number, string | null, number?][] = [[7, '10.0.1.2']], proto = 11): RouteOp {
  return {
    op, id: 1, vrf: 0, table: 254, dst, plen, proto, distance: 20, metric: 0, nheId: 0,
    nexthops: nhs.map(([ifindex, gate, weight]) => ({ type: gate?.includes(':') ? 5 : 3, vrf: 0, ifindex, gate, weight: weight ?? 0, flags: 1, vni: 0, bhType: 0 })),
  };
}

describe('routing FIB (zebra routes -> dataplane tables)', () => {
  it('installs, updates and deletes routes; ECMP routes share one group, nexthops are deduplicated', () => {
    const d = dp();
    const f = new Fib(d, ports);
    const r = f.apply([
      route('ROUTE_INSTALL', '10.1.0.0', 24),
      route('ROUTE_INSTALL', '10.2.0.0', 24, [[7, '10.0.1.2'], [8, '10.0.2.2']]),
      route('ROUTE_INSTALL', '10.3.0.0', 24, [[8, '10.0.2.2'], [7, '10.0.1.2']]),
      route('ROUTE_INSTALL', '2001:db8::', 32, [[7, 'fd00:1::2']]),
    ], 1);
    expect(r.map((x) => x.code)).to.deep.equal(['ok', 'ok', 'ok', 'ok']);
    const rs = d.routes(0);
    const g2 = rs.find((x) => x.prefix === '10.2.0.0/24')!.target;
    const g3 = rs.find((x) => x.prefix === '10.3.0.0/24')!.target;
    expect(g2).to.deep.equal(g3);
    expect(d.nexthops()).to.have.length(3);
    expect(d.groups()).to.have.length(3);
    // 10.1/24 moves to the ECMP group: its single-path group has no other user and is freed.
    f.apply([route('ROUTE_UPDATE', '10.1.0.0', 24, [[7, '10.0.1.2'], [8, '10.0.2.2']])], 1);
    expect(d.groups()).to.have.length(2);
    f.apply([route('ROUTE_DELETE', '10.1.0.0', 24), route('ROUTE_DELETE', '10.2.0.0', 24), route('ROUTE_DELETE', '10.3.0.0', 24)], 1);
    expect(d.routes(0).map((x) => x.prefix)).to.deep.equal(['2001:db8::/32']);
    expect(d.groups()).to.have.length(1);
    expect(d.nexthops()).to.have.length(1);
    expect(f.sizes()).to.deep.equal({ vrfs: 1, routes: 1, nexthops: 1, groups: 1 });
  });

  it('installs IPv4 routes over IPv6 link-local next hops (RFC 8950, unnumbered ports): one nexthop per port and address, shared with IPv6', () => {
    const d = dp();
    const f = new Fib(d, ports);
    // zebra hands an unnumbered peer's IPv4 routes over as IPV6_IFINDEX next hops (type 5): the peer's
    // link-local address and the tap it was learned on. Both leafs may use the same link-local address.
    const r = f.apply([
      route('ROUTE_INSTALL', '10.1.1.0', 24, [[7, 'fe80::1']]),
      route('ROUTE_INSTALL', '10.100.0.0', 24, [[7, 'fe80::1'], [8, 'fe80::1']]),
      route('ROUTE_INSTALL', 'fd01:1::', 64, [[7, 'fe80::1']]),
    ], 1);
    expect(r.map((x) => x.code)).to.deep.equal(['ok', 'ok', 'ok']);
    expect(r.every((x) => x.reason === undefined)).to.equal(true);
    const nhs = d.nexthops();
    expect(nhs.map((n) => `${n.port} ${n.gateway}`).sort()).to.deep.equal(['0 fe80::1', '2 fe80::1']);
    const via = (prefix: string): string[] => {
      const t = d.routes(0).find((x) => x.prefix === prefix)?.target;
      const g = d.groups().find((x) => t?.kind === 'unicast' && x.id === t.group);
      return (g?.members ?? []).map((m) => nhs.find((n) => n.id === m.nexthop)!).map((n) => `${n.port} ${n.gateway}`).sort();
    };
    expect(via('10.1.1.0/24')).to.deep.equal(['0 fe80::1']);
    expect(via('10.100.0.0/24')).to.deep.equal(['0 fe80::1', '2 fe80::1']);
    // The IPv4 and the IPv6 route through the same neighbour are one dataplane group: one MAC to follow.
    expect(d.routes(0).find((x) => x.prefix === 'fd01:1::/64')?.target).to.deep.equal(d.routes(0).find((x) => x.prefix === '10.1.1.0/24')?.target);
    f.apply([route('ROUTE_DELETE', '10.1.1.0', 24), route('ROUTE_DELETE', 'fd01:1::', 64), route('ROUTE_DELETE', '10.100.0.0', 24)], 1);
    expect([d.routes(0), d.groups(), d.nexthops()]).to.deep.equal([[], [], []]);
  });

  it('refuses a nexthop that is not a dataplane port and removes the prefix it replaced', () => {
    const d = dp();
    const f = new Fib(d, ports);
    f.apply([route('ROUTE_INSTALL', '10.9.0.0', 24)], 1);
    const r = f.apply([route('ROUTE_UPDATE', '10.9.0.0', 24, [[99, '10.0.9.2']])], 1);
    expect(r[0]!.code).to.equal('unsupported');
    expect(r[0]!.reason).to.match(/ifindex 99 .* not a dataplane port/);
    expect(d.routes(0)).to.deep.equal([]);
    expect(d.groups()).to.deep.equal([]);
  });

  it('reports table_full from the dataplane per route, blackhole/reject without groups, skips connected routes', () => {
    const d = dp({ maxRoutes: 1 });
    const f = new Fib(d, ports);
    const bh = route('ROUTE_INSTALL', '192.0.2.0', 24, []);
    bh.nexthops = [{ type: 6, vrf: 0, ifindex: 0, gate: null, weight: 0, flags: 1, vni: 0, bhType: 2 }];
    const r = f.apply([bh, route('ROUTE_INSTALL', '10.1.0.0', 24), route('ROUTE_INSTALL', '10.0.1.0', 24, [[7, null]], 2)], 1);
    expect(r.map((x) => x.code)).to.deep.equal(['ok', 'table_full', 'ok']);
    expect(d.routes(0)).to.deep.equal([{ vrf: 0, prefix: '192.0.2.0/24', target: { kind: 'reject' } }]);
    expect(d.groups(), 'the refused route released its group').to.deep.equal([]);
  });

  it("never replaces or deletes a boot file route: zebra's route for its prefix is refused", () => {
    const d = dp();
    // As the dataplane component installed it before FRR ran.
    d.applyRoutes([{ op: 'add', vrf: 0, prefix: '192.0.2.0/24', target: { kind: 'blackhole' } }]);
    const f = new Fib(d, ports, {}, new Set(['0 192.0.2.0/24']));
    const r = f.apply([route('ROUTE_INSTALL', '192.0.2.0', 24), route('ROUTE_INSTALL', '10.1.0.0', 24)], 1);
    expect(r.map((x) => x.code)).to.deep.equal(['unsupported', 'ok']);
    expect(r[0]!.reason).to.match(/boot file/);
    expect(f.apply([route('ROUTE_DELETE', '192.0.2.0', 24)], 1)[0]!.code).to.equal('ok');
    expect(d.routes(0).map((x) => `${x.prefix} ${x.target.kind}`).sort()).to.deep.equal(['10.1.0.0/24 unicast', '192.0.2.0/24 blackhole']);
  });

  it('refuses EVPN nexthops outside a VPC (the underlay VRF) and invalid prefixes with host bits', () => {
    const f = new Fib(dp(), ports);
    const e = route('ROUTE_INSTALL', '10.55.0.0', 24);
    e.nexthops[0]!.vni = 5000;
    const r = f.apply([e, route('ROUTE_INSTALL', '10.1.0.1', 24)], 1);
    expect(r.map((x) => x.code)).to.deep.equal(['no_vrf', 'invalid']);
  });

  it('a nexthop set seen before reuses its group only while that group lives, and follows port changes', () => {
    const d = dp();
    const byIfindex = new Map([[7, 0], [8, 2]]);
    const resolver = { version: 0, portFor: (_vrf: number, i: number) => byIfindex.get(i) };
    const f = new Fib(d, resolver);
    const groupOf = (p: string) => d.routes(0).find((x) => x.prefix === p)?.target;
    const gwOf = (p: string) => {
      const t = groupOf(p);
      const g = d.groups().find((x) => t?.kind === 'unicast' && x.id === t.group)!;
      return g.members.map((m) => d.nexthops().find((n) => n.id === m.nexthop)!.gateway);
    };
    f.apply([route('ROUTE_INSTALL', '10.1.0.0', 24, [[7, '10.0.1.2']])], 1);
    // The only user goes away: group and nexthop are freed, and their ids are taken by a different gateway.
    f.apply([route('ROUTE_DELETE', '10.1.0.0', 24)], 1);
    f.apply([route('ROUTE_INSTALL', '10.2.0.0', 24, [[7, '10.0.1.9']])], 1);
    f.apply([route('ROUTE_INSTALL', '10.3.0.0', 24, [[7, '10.0.1.2']])], 1);
    expect(gwOf('10.2.0.0/24')).to.deep.equal(['10.0.1.9']);
    expect(gwOf('10.3.0.0/24')).to.deep.equal(['10.0.1.2']);
    expect(d.groups()).to.have.length(2);
    // zebra's ifindex 7 now belongs to the other port: the same wire nexthop set resolves anew.
    byIfindex.set(7, 2);
    resolver.version++;
    f.apply([route('ROUTE_INSTALL', '10.4.0.0', 24, [[7, '10.0.1.2']])], 1);
    const t4 = groupOf('10.4.0.0/24');
    const g4 = d.groups().find((x) => t4?.kind === 'unicast' && x.id === t4.group)!;
    expect(d.nexthops().find((n) => n.id === g4.members[0]!.nexthop)!.port).to.equal(2);
  });

  it('sweep removes what the epoch did not re-announce', () => {
    const d = dp();
    const f = new Fib(d, ports);
    f.apply([route('ROUTE_INSTALL', '10.1.0.0', 24), route('ROUTE_INSTALL', '10.2.0.0', 24, [[8, '10.0.2.2']])], 1);
    f.apply([route('ROUTE_INSTALL', '10.1.0.0', 24)], 2);
    expect(f.sweep(2)).to.equal(1);
    expect(d.routes(0).map((x) => x.prefix)).to.deep.equal(['10.1.0.0/24']);
    expect(d.nexthops()).to.have.length(1);
  });
});

