// Overlay routes (EVPN nexthops) in the routing FIB: zebra VRF -> VPC -> dataplane VRF, groups of VXLAN tunnels
// (vni, VTEP, router MAC joined from the EVPN model), routes waiting for their router MAC, MAC changes, deletes
// in zebra's order (note section 11), resync. FakeDataplane holds the tunnels; FakeVpcs stands in for the VPC
// services (overlay-fixture.ts).
import { expect } from 'chai';
import { Packr, unpack } from 'msgpackr';
import { Fib } from '../../agent/src/features/routing/fib.ts';
import { EvpnModel } from '../../agent/src/features/routing/evpn.ts';
import { CpiSession } from '../../agent/src/features/routing/session.ts';
import { IDENTITY_VRFS, VpcVrfs } from '../../agent/src/features/routing/overlay-vrfs.ts';
import { FakeVpcs, tdp, type TunnelFake } from './overlay-fixture.ts';
import { FakePeers, ports } from './routing-fixture.ts';
import type { NeighBody, RouteOp } from '../../wire/gen/wire.gen.ts';
import { WIRE_VERSION } from '../../wire/gen/wire.gen.ts';

const RMAC = '02:00:00:00:bb:02';
const RMAC2 = '02:00:00:00:bb:03';
/** zebra VRF 7 is VPC "blue" (L3VNI 5000, dataplane VRF 3); zebra VRF 8 is nobody's. */
const vpcs = (): FakeVpcs => new FakeVpcs(new Map([[7, 'blue'], [9, 'gone']]), new Map([['blue', { vni: 5000, vrf: 3 }]]));
const vnis: Record<string, number> = { br5000: 5000, vx5000: 5000, br100: 100, vx100: 100 };

/** A route over EVPN nexthops as zebra sends it: gate = VTEP (v4-mapped for IPv6), ifindex = L3 SVI, flags EVPN. */
function evpnRoute(op: RouteOp['op'], dst: string, plen: number, vteps: string[], zvrf = 7, vni = 5000): RouteOp {
  const v6 = dst.includes(':');
  return {
    op, id: 1, vrf: zvrf, table: 254, dst, plen, proto: 9, distance: 20, metric: 0, nheId: 0,
    nexthops: vteps.map((vtep) => ({ type: v6 ? 5 : 3, vrf: zvrf, ifindex: 20, gate: v6 ? `::ffff:${vtep}` : vtep, weight: 0, flags: 0x109, vni, bhType: 0 })),
  };
}

const neigh = (ip: string, mac: string, ifname = 'br5000'): NeighBody => ({ vrf: 7, ifindex: 20, ifname, ip, mac, flags: 8, state: 0x40 });

function setup(d: TunnelFake = tdp()): { d: TunnelFake; f: Fib; evpn: EvpnModel } {
  d.addVrf(3);
  const v = vpcs();
  const evpn = new EvpnModel({ vniOf: (n) => vnis[n] });
  const f = new Fib(d, ports, {}, new Set(), { vrfs: new VpcVrfs(() => v, () => v), rmacs: evpn });
  return { d, f, evpn };
}

/** What the dataplane forwards a VRF's prefix to: its group's members as tunnels. */
function via(d: TunnelFake, vrf: number, prefix: string): { vni: number; vtep: string; mac: string }[] | undefined {
  const r = d.routes(vrf).find((x) => x.prefix === prefix);
  if (!r || r.target.kind !== 'unicast') return undefined;
  const g = r.target.group;
  return d.groups().find((x) => x.id === g)!.members.map((m) => {
    const t = d.tunnels().find((x) => x.id === m.nexthop)!;
    return { vni: t.vni, vtep: t.vtep, mac: t.mac };
  });
}

describe('routing FIB: overlay routes (EVPN nexthops -> VPC VRF over VXLAN tunnels)', () => {
  it('type-5 IPv4 and IPv6 and type-2 /32 /128 of a VPC\'s zebra VRF go to its dataplane VRF over one shared tunnel', () => {
    const { d, f, evpn } = setup();
    evpn.neigh('NEIGH_INSTALL', neigh('10.11.0.2', RMAC), 1);
    const r = f.apply([
      evpnRoute('ROUTE_INSTALL', '10.55.0.0', 24, ['10.11.0.2']),
      evpnRoute('ROUTE_INSTALL', '2001:db8:55::', 64, ['10.11.0.2']),
      evpnRoute('ROUTE_INSTALL', '10.100.0.20', 32, ['10.11.0.2']),
      evpnRoute('ROUTE_INSTALL', '2001:db8:100::20', 128, ['10.11.0.2']),
    ], 1);
    expect(r.map((x) => x.code)).to.deep.equal(['ok', 'ok', 'ok', 'ok']);
    const t = { vni: 5000, vtep: '10.11.0.2', mac: RMAC };
    for (const p of ['10.55.0.0/24', '2001:db8:55::/64', '10.100.0.20/32', '2001:db8:100::20/128']) expect(via(d, 3, p), p).to.deep.equal([t]);
    expect(d.routes(0), 'nothing in the underlay VRF').to.deep.equal([]);
    expect(d.tunnels()).to.have.length(1);
    expect(d.groups()).to.have.length(1);
    expect(f.tunnels()).to.deep.equal([{ id: d.tunnels()[0]!.id, vni: 5000, vtep: '10.11.0.2', rmac: RMAC, groups: 1 }]);
    expect(f.view(3, 1).map((v) => [v.prefix, v.state, v.nexthops])).to.deep.include(['10.55.0.0/24', 'installed', [{ kind: 'vxlan', vni: 5000, vtep: '10.11.0.2', rmac: RMAC, tunnel: d.tunnels()[0]!.id, weight: 1 }]]);
    // Withdrawn: route, group and tunnel leave (groups before the tunnels they list: the fake throws otherwise).
    f.apply(['10.55.0.0/24', '2001:db8:55::/64', '10.100.0.20/32', '2001:db8:100::20/128'].map((p) => {
      const [a, l] = p.split('/');
      return evpnRoute('ROUTE_DELETE', a!, Number(l), ['10.11.0.2']);
    }), 1);
    expect(d.routes(3)).to.deep.equal([]);
    expect(d.groups()).to.deep.equal([]);
    expect(d.tunnels()).to.deep.equal([]);
  });

  it('ECMP over two VTEPs is one group of two tunnels; tunnel ids and port nexthop ids never collide', () => {
    const { d, f, evpn } = setup();
    evpn.neigh('NEIGH_INSTALL', neigh('10.11.0.2', RMAC), 1);
    evpn.mac('MAC_INSTALL', { vrf: 7, ifindex: 21, ifname: 'vx5000', mac: RMAC2, vtep: '10.12.0.2', vlan: 0, brIfindex: 20, sticky: false, flags: 0 } as never, 1);
    const r = f.apply([
      evpnRoute('ROUTE_INSTALL', '10.56.0.0', 24, ['10.11.0.2', '10.12.0.2']),
      { ...evpnRoute('ROUTE_INSTALL', '10.1.0.0', 24, []), vrf: 0, nexthops: [{ type: 3, vrf: 0, ifindex: 7, gate: '10.0.1.2', weight: 0, flags: 1, vni: 0, bhType: 0 }] },
    ], 1);
    expect(r.map((x) => x.code)).to.deep.equal(['ok', 'ok']);
    expect(via(d, 3, '10.56.0.0/24')).to.have.deep.members([{ vni: 5000, vtep: '10.11.0.2', mac: RMAC }, { vni: 5000, vtep: '10.12.0.2', mac: RMAC2 }]);
    const ids = [...d.tunnels().map((t) => t.id), ...d.nexthops().map((n) => n.id)];
    expect(new Set(ids).size).to.equal(3);
  });

  it('a route whose router MAC is unknown is answered ok and waits; the MAC arriving installs it (session order)', () => {
    const { d, f, evpn } = setup();
    const s = new CpiSession('ipc:///x', f, evpn, { info: () => undefined, warn: () => undefined }, new FakePeers().connect(1));
    const packr = new Packr({ useRecords: false });
    const send = (m: unknown[]): unknown[] => s.handle('p', packr.pack(m)).map((b) => unpack(b) as unknown[]);
    const a4 = (x: string): Uint8Array => Uint8Array.from(x.split('.').map(Number));
    send([1, 1, WIRE_VERSION, '8.4.4', 'z', false, 1]);
    const route = [1, 1, 7, 254, a4('10.55.0.0'), 24, 9, 20, 0, 1, [[3, 7, 20, a4('10.11.0.2'), 0, 0x109, 5000, 0]]];
    expect(send([3, 2, 1, [route]])).to.deep.equal([[4, 2, [0]]]);
    expect(d.routes(3)).to.deep.equal([]);
    expect(f.waitingCount()).to.equal(1);
    expect(f.view(3, 1)).to.deep.equal([{ prefix: '10.55.0.0/24', state: 'waiting', target: 'unicast', nexthops: [{ kind: 'vxlan', vni: 5000, vtep: '10.11.0.2', rmac: null, tunnel: null, weight: 1 }], stale: false }]);
    // The RMAC neighbor on the L3 SVI (zebra: NEIGH_INSTALL br5000 ip=VTEP mac=RMAC).
    expect(send([3, 3, 1, [[8, 2, 7, 20, 'br5000', a4('10.11.0.2'), Uint8Array.from([2, 0, 0, 0, 0xbb, 2]), 8, 0x40]]])).to.deep.equal([[4, 3, [0]]]);
    expect(via(d, 3, '10.55.0.0/24')).to.deep.equal([{ vni: 5000, vtep: '10.11.0.2', mac: RMAC }]);
    expect(f.view(3, 1)[0]!.state).to.equal('installed');
    expect(f.waitingCount()).to.equal(0);
    expect(s.snapshot().recentFailures).to.deep.equal([]);
  });

  it('a router MAC change rewrites the tunnel in place; an RMAC delete before the route delete keeps it forwarding', () => {
    const { d, f, evpn } = setup();
    evpn.neigh('NEIGH_INSTALL', neigh('10.11.0.2', RMAC), 1);
    f.apply([evpnRoute('ROUTE_INSTALL', '10.55.0.0', 24, ['10.11.0.2'])], 1);
    const before = d.routes(3);
    const id = d.tunnels()[0]!.id;
    evpn.neigh('NEIGH_UPDATE', neigh('10.11.0.2', RMAC2), 1);
    const writes = d.tunnelWrites.length;
    f.rmacsChanged(evpn.drainRmacChanges());
    expect(d.tunnelWrites.slice(writes)).to.deep.equal([[{ id, vni: 5000, vtep: '10.11.0.2', mac: RMAC2 }]]);
    expect(d.routes(3)).to.deep.equal(before);
    // zebra: the RMAC neighbor goes first, the route after (note section 11).
    evpn.neigh('NEIGH_DELETE', neigh('10.11.0.2', RMAC2), 1);
    f.rmacsChanged(evpn.drainRmacChanges());
    expect(via(d, 3, '10.55.0.0/24')).to.deep.equal([{ vni: 5000, vtep: '10.11.0.2', mac: RMAC2 }]);
    // A new route to that VTEP meanwhile uses the live tunnel's last MAC rather than waiting.
    expect(f.apply([evpnRoute('ROUTE_INSTALL', '10.57.0.0', 24, ['10.11.0.2'])], 1)[0]!.code).to.equal('ok');
    expect(via(d, 3, '10.57.0.0/24')).to.deep.equal([{ vni: 5000, vtep: '10.11.0.2', mac: RMAC2 }]);
    f.apply([evpnRoute('ROUTE_DELETE', '10.55.0.0', 24, ['10.11.0.2']), evpnRoute('ROUTE_DELETE', '10.57.0.0', 24, ['10.11.0.2'])], 1);
    expect(d.tunnels()).to.deep.equal([]);
    // Without a live tunnel and without an RMAC, the next route waits.
    f.apply([evpnRoute('ROUTE_INSTALL', '10.58.0.0', 24, ['10.11.0.2'])], 1);
    expect(f.view(3, 1).map((v) => v.state)).to.deep.equal(['waiting']);
    // Its delete forgets it: an RMAC arriving later installs nothing.
    f.apply([evpnRoute('ROUTE_DELETE', '10.58.0.0', 24, ['10.11.0.2'])], 1);
    evpn.neigh('NEIGH_INSTALL', neigh('10.11.0.2', RMAC), 1);
    f.rmacsChanged(evpn.drainRmacChanges());
    expect(d.routes(3)).to.deep.equal([]);
  });

  it('refuses routes of a zebra VRF that maps to no VPC (no_vrf, with the reason) and EVPN in the underlay', () => {
    const { f, evpn } = setup();
    evpn.neigh('NEIGH_INSTALL', neigh('10.11.0.2', RMAC), 1);
    const r = f.apply([
      evpnRoute('ROUTE_INSTALL', '10.55.0.0', 24, ['10.11.0.2'], 8),
      evpnRoute('ROUTE_INSTALL', '10.55.0.0', 24, ['10.11.0.2'], 9),
      evpnRoute('ROUTE_INSTALL', '10.55.0.0', 24, ['10.11.0.2'], 0),
    ], 1);
    expect(r.map((x) => x.code)).to.deep.equal(['no_vrf', 'no_vrf', 'no_vrf']);
    expect(r[0]!.reason).to.equal('zebra VRF 8 maps to no VPC');
    expect(r[1]!.reason).to.equal('zebra VRF 9 maps to VPC gone, which does not exist');
    expect(r[2]!.reason).to.match(/zebra VRF 0, which is no VPC's/);
    // A zebra VRF's delete after it stopped mapping is answered ok (nothing of it is left to remove).
    expect(f.apply([evpnRoute('ROUTE_DELETE', '10.55.0.0', 24, ['10.11.0.2'], 8)], 1)[0]!.code).to.equal('ok');
    // Without the VPC services the agent behaves as before: zebra's VRF id is the dataplane VRF.
    expect(new VpcVrfs(() => undefined, () => undefined).resolve(4)).to.deep.equal(IDENTITY_VRFS.resolve(4));
  });

  it('resync: a new epoch keeps overlay routes and tunnels stale until the sweep, which removes what was not replayed', () => {
    const { d, f, evpn } = setup();
    evpn.neigh('NEIGH_INSTALL', neigh('10.11.0.2', RMAC), 1);
    evpn.neigh('NEIGH_INSTALL', neigh('10.12.0.2', RMAC2), 1);
    f.apply([
      evpnRoute('ROUTE_INSTALL', '10.55.0.0', 24, ['10.11.0.2']),
      evpnRoute('ROUTE_INSTALL', '10.56.0.0', 24, ['10.12.0.2']),
      evpnRoute('ROUTE_INSTALL', '10.57.0.0', 24, ['10.13.0.2']), // no RMAC: waits
    ], 1);
    expect(f.staleCount(2)).to.equal(3);
    // Epoch 2 replays 10.55/24 and its RMAC only.
    evpn.neigh('NEIGH_INSTALL', neigh('10.11.0.2', RMAC), 2);
    f.apply([evpnRoute('ROUTE_INSTALL', '10.55.0.0', 24, ['10.11.0.2'])], 2);
    expect(f.staleCount(2)).to.equal(2);
    expect(via(d, 3, '10.56.0.0/24'), 'stale keeps forwarding').to.deep.equal([{ vni: 5000, vtep: '10.12.0.2', mac: RMAC2 }]);
    expect(f.sweep(2) + evpn.sweep(2)).to.equal(3);
    expect(d.routes(3).map((r) => r.prefix)).to.deep.equal(['10.55.0.0/24']);
    expect(d.tunnels().map((t) => t.vtep)).to.deep.equal(['10.11.0.2']);
    expect(f.view(3, 2).map((v) => v.prefix)).to.deep.equal(['10.55.0.0/24']);
  });

  it('EVPN model: router MAC per (L3VNI, VTEP) from the SVI neighbor, else the L3VNI vxlan MAC; host entries of an L2VNI are not one', () => {
    const evpn = new EvpnModel({ vniOf: (n) => vnis[n] });
    evpn.mac('MAC_INSTALL', { vrf: 0, ifindex: 21, ifname: 'vx5000', mac: RMAC2, vtep: '10.11.0.2', vlan: 0, brIfindex: 20, sticky: false, flags: 0 } as never, 1);
    expect(evpn.rmac(5000, '10.11.0.2')).to.equal(RMAC2);
    evpn.neigh('NEIGH_INSTALL', neigh('::ffff:10.11.0.2', RMAC), 1);
    expect(evpn.rmac(5000, '10.11.0.2'), 'the neighbor wins').to.equal(RMAC);
    evpn.mac('MAC_INSTALL', { vrf: 0, ifindex: 11, ifname: 'vx100', mac: '02:00:00:00:0c:0c', vtep: '10.11.0.2', vlan: 0, brIfindex: 10, sticky: false, flags: 0 } as never, 1);
    expect(evpn.rmac(5000, '10.11.0.2')).to.equal(RMAC);
    expect(evpn.drainRmacChanges()).to.deep.include({ vni: 5000, vtep: '10.11.0.2', mac: RMAC });
    evpn.neigh('NEIGH_DELETE', neigh('10.11.0.2', RMAC), 1);
    expect(evpn.rmac(5000, '10.11.0.2'), 'back to the vxlan MAC').to.equal(RMAC2);
    evpn.neigh('NEIGH_INSTALL', neigh('10.11.0.2', RMAC), 1);
    expect(evpn.drainRmacChanges().filter((c) => c.vni === 5000), 'a value that came back is no change').to.deep.equal([]);
    expect(evpn.routerMacs().filter((m) => m.vni === 5000)).to.deep.equal([{ vni: 5000, vtep: '10.11.0.2', mac: RMAC, from: 'neighbor' }]);
    // zebra moving the VTEP to a new RMAC and back: the new MAC on the vxlan comes and goes, the old one stays.
    evpn.neigh('NEIGH_DELETE', neigh('10.11.0.2', RMAC), 1);
    evpn.mac('MAC_INSTALL', { vrf: 0, ifindex: 21, ifname: 'vx5000', mac: '02:00:00:00:bb:07', vtep: '10.11.0.2', vlan: 0, brIfindex: 20, sticky: false, flags: 0 } as never, 1);
    expect(evpn.rmac(5000, '10.11.0.2')).to.equal('02:00:00:00:bb:07');
    evpn.mac('MAC_DELETE', { vrf: 0, ifindex: 21, ifname: 'vx5000', mac: '02:00:00:00:bb:07', vtep: '10.11.0.2', vlan: 0, brIfindex: 20, sticky: false, flags: 0 } as never, 1);
    expect(evpn.rmac(5000, '10.11.0.2'), 'the MAC still installed for that VTEP').to.equal(RMAC2);
  });
});
