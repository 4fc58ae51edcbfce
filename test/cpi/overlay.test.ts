// Overlay routes end to end: FRR's EVPN routes of a VPC's VRF become routes of that VPC's dataplane VRF over
// VXLAN tunnels (VNI, remote VTEP, router MAC), with the real zebra + plugin + agent (DPDK) + gobgp.
//
//   ovl-A (gobgpd AS 65001, 10.0.1.2 = VTEP 1;          ovl-G (agent: DPDK eth1/eth2 + punt taps;
//          VTEP 2 = 10.77.0.2/32 announced as            zebra -n + bgpd AS 65000 in a private mount ns
//          an underlay route)                             that shows only netns ovl-blue = VRF ovl-blue)
//     ── eBGP ipv4-unicast + l2vpn-evpn over eth1 ──>       ovl-blue: brovl (L3 SVI, MAC = our RMAC) + vxovl
//     type-5 10.55.0.0/24, 2001:db8:55::/64,                (L3VNI 6000, local 10.0.1.1; moved in from G)
//     type-2 MAC+IP 10.100.0.20, 2001:db8:100::20
//     (RT 65000:6000, router-mac 02:00:00:00:bb:02)
//
// The agent runs with a test feature (ovl-vpc-gatewayd.ts) standing in for features/evpn's zebra-VRF map and
// features/vpc's directory: VPC ovl-blue = L3VNI 6000 = dataplane VRF 3.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import * as h from './harness.ts';
import { apiText, ROOT } from '../dataplane/lab.ts';

const VPC = 'ovl-blue';
const VNI = 6000;
const DPVRF = 3;
const RMAC = '02:00:00:00:bb:02';
const RMAC_NEW = '02:00:00:00:bb:05';
const VTEP1 = '10.0.1.2';
const VTEP2 = '10.77.0.2';

/** This file's names (ovl-*), agent entry and VPC; the harness goes back to gwcp's after it. */
const scenario = (): void =>
  h.useScenario('ovl', {
    agentEntry: join(ROOT, 'test/cpi/ovl-vpc-gatewayd.ts'),
    env: { OVL_VPCS: JSON.stringify({ frr: 'ovl', vpcs: [{ name: VPC, vni: VNI, vrf: DPVRF }] }) },
    // The per-VPC netdevs live in the VRF's netns, not in cpi.netns: named here (o-frr's EVPN_VNIS in production).
    cpi: `  vnis: { vxovl: ${VNI}, brovl: ${VNI} }\n`,
  });

const ZEBRA_VRF = `vrf ${VPC}\n vni ${VNI}\nexit-vrf\n`;
const BGP = ` address-family ipv4 unicast
  network 10.0.1.1/32
 exit-address-family
 address-family l2vpn evpn
  neighbor 10.0.1.2 activate
  advertise-all-vni
 exit-address-family
router bgp 65000 vrf ${VPC}
 bgp router-id 10.0.1.1
 no bgp ebgp-requires-policy
 address-family l2vpn evpn
  advertise ipv4 unicast
  advertise ipv6 unicast
 exit-address-family
`;

async function vrfNetns(l: h.Lab): Promise<void> {
  await h.sh('ip', ['netns', 'del', VPC]);
  await h.must('ip', ['netns', 'add', VPC]);
  await h.must('ip', ['-n', VPC, 'link', 'set', 'lo', 'up']);
  // Created in G (its UDP socket stays there), then moved into the VRF (note section 12).
  await h.must('ip', ['-n', l.nsG, 'link', 'add', 'vxovl', 'type', 'vxlan', 'id', String(VNI), 'local', '10.0.1.1', 'dstport', '4789', 'nolearning']);
  await h.must('ip', ['-n', l.nsG, 'link', 'set', 'vxovl', 'netns', VPC]);
  await h.must('ip', ['-n', VPC, 'link', 'add', 'brovl', 'type', 'bridge', 'forward_delay', '0']);
  await h.must('ip', ['-n', VPC, 'link', 'set', 'brovl', 'address', '02:00:00:00:60:00']);
  await h.must('ip', ['-n', VPC, 'link', 'set', 'vxovl', 'master', 'brovl']);
  await h.must('ip', ['-n', VPC, 'link', 'set', 'vxovl', 'up']);
  await h.must('ip', ['-n', VPC, 'link', 'set', 'brovl', 'up']);
}

interface OverlayNh { kind: 'vxlan'; vni: number; vtep: string; rmac: string | null; tunnel: number | null; weight: number }
interface OverlayRoutes { vpc: string; vrf: number; vni: number; items: { prefix: string; state: string; stale: boolean; nexthops: OverlayNh[] }[] }

function gwctl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'bin/gwctl'), ['-s', join(h.DIR, 'run', 'api.sock'), ...args], (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }));
  });
}

async function vpcRoutes(): Promise<OverlayRoutes> {
  const r = await gwctl(['show', 'routes', '--vpc', VPC, '-j']);
  if (r.code !== 0) throw new Error(`gwctl show routes --vpc: ${r.code} ${r.err}`);
  return JSON.parse(r.out) as OverlayRoutes;
}

const byPrefix = (v: OverlayRoutes): Record<string, string> =>
  Object.fromEntries(v.items.map((x) => [x.prefix, `${x.state} ${x.nexthops.map((n) => `${n.vni}/${n.vtep}/${n.rmac}`).join(',')}`]));

const G = ['global', 'rib', '-a', 'evpn'];
const t5 = (pfx: string, rmac = RMAC, nh?: string): string[] => {
  const gw = pfx.includes(':') ? '::' : '0.0.0.0';
  return ['prefix', pfx, 'gw', gw, 'etag', '0', 'label', String(VNI), 'rd', `${nh ?? VTEP1}:${VNI}`, 'rt', `65000:${VNI}`, 'encap', 'vxlan', 'router-mac', rmac, ...(nh ? ['nexthop', nh] : [])];
};
const t5del = (pfx: string, nh?: string): string[] => ['prefix', pfx, 'gw', pfx.includes(':') ? '::' : '0.0.0.0', 'esi', '0', 'etag', '0', 'label', String(VNI), 'rd', `${nh ?? VTEP1}:${VNI}`, ...(nh ? ['nexthop', nh] : [])];
const t2 = (mac: string, ip: string, rmac = RMAC): string[] => ['macadv', mac, ip, 'etag', '0', 'label', `6100,${VNI}`, 'rd', `${VTEP1}:6100`, 'rt', `65000:${VNI}`, 'encap', 'vxlan', 'router-mac', rmac];

describe('overlay routes: EVPN type-5/type-2 of a VPC VRF (zebra netns backend) -> the VPC\'s dataplane VRF over VXLAN tunnels', function () {
  this.timeout(240_000);
  let l: h.Lab;
  let d: h.Daemon | undefined;
  let A: h.Peer;

  before(async () => {
    scenario();
    l = await h.setupLab();
    await vrfNetns(l);
    d = await h.startAgent(l);
    await h.startFrrNetnsVrfs(l, [VPC], ZEBRA_VRF, BGP);
    [A] = h.peers(l) as [h.Peer];
    await h.startPeer(A, '10.0.1.1', 'fd00:1::1', true);
    await h.until('EVPN session up', async () => (await h.vtysh('show bgp l2vpn evpn summary json')).includes('"Established"'), 60_000, 500);
    await h.until(`L3VNI ${VNI} up in VRF ${VPC}`, async () => /Up/.test(await h.vtysh('show vrf vni')), 30_000, 500);
  });

  after(async () => {
    if (d) await h.killAgent9(d).catch(() => undefined);
    await h.teardown(l);
    await h.sh('ip', ['netns', 'del', VPC]);
    h.useScenario('gwcp');
  });

  it('type-5 IPv4/IPv6 and type-2 /32 /128 land in the VPC with VNI, VTEP and router MAC; the dataplane holds them over one tunnel', async () => {
    for (const p of ['10.55.0.0/24', '2001:db8:55::/64']) await h.gobgp(A, [...G, 'add', ...t5(p)]);
    await h.gobgp(A, [...G, 'add', ...t2('02:00:00:00:0c:0c', '10.100.0.20')]);
    await h.gobgp(A, [...G, 'add', ...t2('02:00:00:00:0c:0d', '2001:db8:100::20')]);
    const want = `installed ${VNI}/${VTEP1}/${RMAC}`;
    let v: OverlayRoutes | undefined;
    await h.until('overlay routes in the VPC', async () => {
      v = await vpcRoutes();
      const m = byPrefix(v);
      return ['10.55.0.0/24', '2001:db8:55::/64', '10.100.0.20/32', '2001:db8:100::20/128'].every((p) => m[p] === want);
    }, 60_000, 500).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(v)} failures ${JSON.stringify((await h.api<{ recentFailures: unknown[] }>(d!, '/v1/cpi')).recentFailures.slice(-5))}`);
    });
    expect(v).to.include({ vpc: VPC, vrf: DPVRF, vni: VNI });
    // zebra installed them (not rejected): the plugin answered ok.
    const zr = await h.vtysh(`show ip route vrf ${VPC} 10.55.0.0/24 json`);
    expect(zr, zr).to.match(/"installed":true/);
    // The dataplane: VRF 3 routes over one group whose member is the tunnel gwctl names.
    const tunnels = JSON.parse((await gwctl(['show', 'vteps', '-j'])).out) as { items: { tunnel: number; vni: number; vtep: string; rmac: string; groups: number }[] };
    expect(tunnels.items).to.have.length(1);
    expect(tunnels.items[0]).to.include({ vni: VNI, vtep: VTEP1, rmac: RMAC });
    const dpr = await h.api<{ items: { prefix: string; kind: string; group?: number }[] }>(d!, `/v1/dataplane/routes?vrf=${DPVRF}`);
    expect(dpr.items.map((r) => r.prefix).sort()).to.include.members(['10.55.0.0/24', '10.100.0.20/32', '2001:db8:55::/64', '2001:db8:100::20/128']);
    const nh = await h.api<{ groups: { id: number; members: { nexthop: number }[] }[] }>(d!, '/v1/dataplane/nexthops');
    for (const r of dpr.items) expect(nh.groups.find((g) => g.id === r.group)?.members.map((m) => m.nexthop), r.prefix).to.deep.equal([tunnels.items[0]!.tunnel]);
    const rm = JSON.parse((await gwctl(['show', 'rmacs', '-j'])).out) as { items: { vni: number; vtep: string; mac: string }[] };
    expect(rm.items).to.deep.include({ vni: VNI, vtep: VTEP1, mac: RMAC, from: 'neighbor' });
    // Nothing of it in the underlay VRF.
    const u = await h.api<{ items: { prefix: string }[] }>(d!, '/v1/dataplane/routes?vrf=0');
    expect(u.items.map((r) => r.prefix)).to.not.include('10.55.0.0/24');
    const metrics = await apiText(d!, '/metrics');
    expect(metrics).to.match(/^gw_cpi_overlay_tunnels 1$/m);
    expect(metrics).to.match(/^gw_cpi_overlay_waiting_routes 0$/m);
    const bad = await gwctl(['show', 'routes', '--vpc', 'ovl-none', '-j']);
    expect(bad.code, 'unknown VPC').to.equal(1);
    expect(JSON.parse(bad.out || bad.err)).to.include({ status: 404, code: 'NOT_FOUND', path: '/query/vpc' });
  });

  it('a withdrawn type-5 leaves the VPC and the dataplane', async () => {
    await h.gobgp(A, [...G, 'del', ...t5del('10.55.0.0/24')]);
    await h.until('10.55.0.0/24 withdrawn', async () => !(await vpcRoutes()).items.some((x) => x.prefix === '10.55.0.0/24'), 30_000, 250);
    const dpr = await h.api<{ items: { prefix: string }[] }>(d!, `/v1/dataplane/routes?vrf=${DPVRF}`);
    expect(dpr.items.map((r) => r.prefix)).to.not.include('10.55.0.0/24');
    expect(dpr.items.map((r) => r.prefix)).to.include('2001:db8:55::/64');
  });

  it('a VTEP unreachable in the underlay takes its overlay routes down (bgpd nexthop tracking -> ROUTE_DELETE)', async () => {
    // VTEP 2 is reachable only through an underlay route gobgp announces.
    await h.gobgp(A, ['global', 'rib', '-a', 'ipv4', 'add', `${VTEP2}/32`, 'nexthop', VTEP1]);
    await h.gobgp(A, [...G, 'add', ...t5('10.66.0.0/24', RMAC, VTEP2)]);
    await h.until('10.66.0.0/24 via VTEP 2', async () => byPrefix(await vpcRoutes())['10.66.0.0/24'] === `installed ${VNI}/${VTEP2}/${RMAC}`, 30_000, 250).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await vpcRoutes())} ${await h.vtysh(`show bgp vrf ${VPC} ipv4 unicast`)}`);
    });
    await h.gobgp(A, ['global', 'rib', '-a', 'ipv4', 'del', `${VTEP2}/32`, 'nexthop', VTEP1]);
    await h.until('10.66.0.0/24 gone with its VTEP', async () => !(await vpcRoutes()).items.some((x) => x.prefix === '10.66.0.0/24'), 30_000, 250);
    const vteps = JSON.parse((await gwctl(['show', 'vteps', '-j'])).out) as { items: { vtep: string }[] };
    expect(vteps.items.map((t) => t.vtep), 'its tunnel went with its last route').to.deep.equal([VTEP1]);
    await h.gobgp(A, [...G, 'del', ...t5del('10.66.0.0/24', VTEP2)]);
  });

  // bgpd takes a route's new router MAC at once, but zebra 8.4 does not reliably move the VTEP to it while routes over
  // it remain (seen: the old RMAC kept, or both listed), so what is forwarded follows zebra: the tunnel carries
  // zebra's next-hop RMAC for the VTEP. Once every route of the VTEP was withdrawn and re-announced, zebra and the
  // tunnel have the new one.
  it('the tunnel carries zebra\'s router MAC of the VTEP, also across a router MAC change', async () => {
    const zebraRmacs = async (): Promise<string[]> => [...(await h.vtysh(`show evpn rmac vni ${VNI}`)).matchAll(/^([0-9a-f:]{17})\s+(\S+)/gm)].map((m) => `${m[2]} ${m[1]}`);
    const zebraNexthops = async (): Promise<string[]> => [...(await h.vtysh(`show evpn next-hops vni ${VNI}`)).matchAll(/^(\d+\.\d+\.\d+\.\d+)\s+([0-9a-f:]{17})/gm)].map((m) => `${m[1]} ${m[2]}`);
    const ours = async (): Promise<string[]> => (JSON.parse((await gwctl(['show', 'vteps', '-j'])).out) as { items: { vtep: string; rmac: string }[] }).items.map((t) => `${t.vtep} ${t.rmac}`);
    const routes: [string[], string[]][] = [
      [t5('2001:db8:55::/64', RMAC_NEW), t5del('2001:db8:55::/64')],
      [t2('02:00:00:00:0c:0c', '10.100.0.20', RMAC_NEW), ['macadv', '02:00:00:00:0c:0c', '10.100.0.20', 'etag', '0', 'label', `6100,${VNI}`, 'rd', `${VTEP1}:6100`]],
      [t2('02:00:00:00:0c:0d', '2001:db8:100::20', RMAC_NEW), ['macadv', '02:00:00:00:0c:0d', '2001:db8:100::20', 'etag', '0', 'label', `6100,${VNI}`, 'rd', `${VTEP1}:6100`]],
    ];
    // Re-announced with the new MAC over the old: bgpd has it, zebra (and so the tunnel) keeps the old one.
    for (const [add] of routes) await h.gobgp(A, [...G, 'add', ...add]);
    await h.until('bgpd has the new RMAC', async () => (await h.vtysh(`show bgp vrf ${VPC} ipv6 unicast 2001:db8:55::/64`)).includes(`Rmac:${RMAC_NEW}`), 20_000, 250);
    await new Promise((r) => setTimeout(r, 2000));
    // zebra may then list both MACs for the VTEP (its RMAC table); what the kernel would use is its next hop
    // (VTEP -> RMAC neighbor on the L3 SVI), and the tunnel has that one.
    const nh = await zebraNexthops();
    expect(await zebraRmacs()).to.include.members(await ours());
    if (nh.length) expect(await ours()).to.deep.equal(nh);
    // Every route of VTEP 1 withdrawn, then announced again with the new MAC.
    for (const [, del] of routes) await h.gobgp(A, [...G, 'del', ...del]);
    await h.until('VPC empty', async () => (await vpcRoutes()).items.length === 0, 30_000, 250);
    expect(await ours(), 'the tunnel left with its last route').to.deep.equal([]);
    for (const [add] of routes) await h.gobgp(A, [...G, 'add', ...add]);
    await h.until('routes back with the new RMAC', async () => {
      const m = byPrefix(await vpcRoutes());
      return ['2001:db8:55::/64', '10.100.0.20/32', '2001:db8:100::20/128'].every((p) => m[p] === `installed ${VNI}/${VTEP1}/${RMAC_NEW}`);
    }, 30_000, 250).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await vpcRoutes())} rmacs ${JSON.stringify(JSON.parse((await gwctl(['show', 'rmacs', '-j'])).out))} zebra ${JSON.stringify(await zebraRmacs())}`);
    });
    // (zebra's RMAC table may still list the old MAC for the VTEP: seen after this very sequence.)
    expect(await zebraRmacs()).to.include.members(await ours());
    expect(await ours()).to.deep.equal(await zebraNexthops());
    expect(await ours()).to.deep.equal([`${VTEP1} ${RMAC_NEW}`]);
  });

  it('after kill -9 of the agent the restarted one replays the VPC routes and tunnels; one withdrawn meanwhile stays gone', async () => {
    const before = byPrefix(await vpcRoutes());
    d = await h.crashAndRestart(d!, l, async () => {
      await h.gobgp(A, [...G, 'del', ...t5del('2001:db8:55::/64')]);
    });
    await h.until('epoch complete', async () => (await h.api<{ epochComplete: boolean }>(d!, '/v1/cpi')).epochComplete, 60_000);
    let now: Record<string, string> = {};
    await h.until('VPC routes back', async () => {
      now = byPrefix(await vpcRoutes());
      return now['10.100.0.20/32']?.startsWith('installed') && now['2001:db8:100::20/128']?.startsWith('installed') && !('2001:db8:55::/64' in now);
    }, 90_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}: before ${JSON.stringify(before)} now ${JSON.stringify(now)}`);
    });
    const dpr = await h.api<{ items: { prefix: string }[] }>(d!, `/v1/dataplane/routes?vrf=${DPVRF}`);
    expect(dpr.items.map((r) => r.prefix).sort()).to.deep.equal(['10.100.0.20/32', '2001:db8:100::20/128']);
    const t = JSON.parse((await gwctl(['show', 'vteps', '-j'])).out) as { items: { vtep: string; vni: number }[] };
    expect(t.items.map((x) => `${x.vni}/${x.vtep}`)).to.deep.equal([`${VNI}/${VTEP1}`]);
  });

  it('zebra and bgpd kill -9 and restart: the VPC routes keep forwarding meanwhile, the new epoch keeps what came back and sweeps what did not', async () => {
    await h.gobgp(A, [...G, 'add', ...t5('10.88.0.0/24', RMAC_NEW)]);
    await h.until('10.88.0.0/24 installed', async () => byPrefix(await vpcRoutes())['10.88.0.0/24']?.startsWith('installed'), 30_000, 250);
    const epoch = (await h.api<{ epoch: number }>(d!, '/v1/cpi')).epoch;
    const dpPrefixes = async (): Promise<string[]> => (await h.api<{ items: { prefix: string }[] }>(d!, `/v1/dataplane/routes?vrf=${DPVRF}`)).items.map((r) => r.prefix);
    const held = ['10.100.0.20/32', '2001:db8:100::20/128'];
    h.killFrr('SIGKILL');
    // Withdrawn while FRR is away: nobody will announce it in the next epoch.
    await h.gobgp(A, [...G, 'del', ...t5del('10.88.0.0/24')]);
    await h.startFrrNetnsVrfs(l, [VPC], ZEBRA_VRF, BGP);
    let missing: string[] = [];
    await h.until('new epoch swept', async () => {
      const now = await dpPrefixes();
      // Sampled throughout: the routes that come back never leave the dataplane.
      missing = missing.concat(held.filter((p) => !now.includes(p)));
      const st = await h.api<{ epoch: number; epochComplete: boolean }>(d!, '/v1/cpi');
      return st.epoch > epoch && st.epochComplete && !now.includes('10.88.0.0/24');
    }, 90_000, 250);
    expect(missing, 'routes gone while zebra restarted').to.deep.equal([]);
    const v = await vpcRoutes();
    expect(v.items.map((x) => `${x.prefix} ${x.state} ${x.stale}`).sort()).to.deep.equal(held.map((p) => `${p} installed false`));
    expect((JSON.parse((await gwctl(['show', 'vteps', '-j'])).out) as { items: { vtep: string; rmac: string }[] }).items.map((t) => `${t.vtep} ${t.rmac}`)).to.deep.equal([`${VTEP1} ${RMAC_NEW}`]);
  });
});
