// Scenario "evpn" (containerlab/evpn.clab.yml): the gateway as a VPC gateway between two EVPN leafs of
// different make.
//
//                 VRF A (netns leaf1-a)                                                hostb: VRF B  (vx6000+br6000)
//   hosta --eth1-- leaf1-a ~~vx5000~~ leaf1 --eth1------dp1-- gw --dp2------eth1-- leaf2 ~~vx6000~~ hostb  10.20.0.10
//   10.10.0.10     10.10.0.1          FRR AS 65001   10.0.1.0/31  AS 65000  10.0.2.0/31  gobgp    ~~vx7000~~ hostc  10.30.0.10
//   fd00:10::10    (br5000)           VTEP 10.11.0.1            VTEP 10.255.0.1      AS 65002             VRF C  (vx7000+br7000)
//                                                              RMAC 02:00:00:00:aa:01  VTEP 10.12.0.1
//
// VPC A (L3VNI 5000) behind leaf1 (FRR, netns VRF backend), VPC B (6000) behind leaf2 (gobgp type-5/type-2 routes,
// Linux kernel vxlan + bridge as data plane), VPC C (7000) in no peering. Peering a-b exposes 10.10.0.0/24 +
// fd00:10::/64 of A and 10.20.0.0/24 + fd00:20::/64 of B; B's host is also a type-2 MAC+IP route (fd00:20::10).
// Success: A's host reaches B's host (ping, byte-exact TCP, IPv4 and IPv6) through the DPDK workers with kernel
// forwarding off, counted per VPC and per peering; C reaches neither and each attempt is a `vpc_no_peering` drop
// of C; the peering removed through `gwctl apply` closes the path (type-5 routes withdrawn from leaf1) and
// applied again opens it; a type-5 route withdrawn by gobgp stops the IPv4 traffic (the type-2 /128 keeps IPv6);
// after zebra is killed (-9) and after the agent is killed (-9) the overlay converges again and follows changes.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { showJson } from '../../agent/src/features/frr/vtysh.ts';
import { apiGet, bgpState, forwardedDelta, ping, portCounters, reachable, tcpTransfer, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { must, run, waitFor } from '../../agent/src/lab/sh.ts';
import { labScenario, REPO } from './scenario.ts';

const GW_VTEP = '10.255.0.1';
const GW_RMAC = '02:00:00:00:aa:01';
const LEAF2_VTEP = '10.12.0.1';
const LEAF2_RMAC_B = '02:00:00:00:bb:02';
const HOST_A = ['10.10.0.10', 'fd00:10::10'] as const;
const HOST_B = ['10.20.0.10', 'fd00:20::10'] as const;

interface VpcCounters {
  rxPackets: string;
  txPackets: string;
  drops: Record<string, string>;
}
type OverlayVpcs = { items: { name: string; vrf: number; counters: VpcCounters }[] };
type OverlayRoutes = { items: { prefix: string; state: string; nexthops: { kind: string; vni?: number; vtep?: string; rmac?: string }[] }[] };
type Rib = Record<string, { protocol: string; selected?: boolean; nexthops: { ip?: string }[] }[]>;

// B's type-5 IPv4 route as leaf2 (gobgp) announces it (containerlab/evpn/leaf2/announce.sh) and withdraws it.
const T5_B4_KEY = ['etag', '0', 'label', '6000', 'rd', `${LEAF2_VTEP}:6000`];
const T5_B4_ADD = ['prefix', '10.20.0.0/24', 'gw', '0.0.0.0', ...T5_B4_KEY, 'rt', '65002:6000', 'encap', 'vxlan', 'router-mac', LEAF2_RMAC_B, 'nexthop', LEAF2_VTEP];
const T5_B4_DEL = ['prefix', '10.20.0.0/24', 'gw', '0.0.0.0', 'esi', '0', ...T5_B4_KEY, 'nexthop', LEAF2_VTEP];

describe('lab: evpn, VPC A (FRR leaf) and VPC B (gobgp + kernel VTEP) peered through the gateway, C unpeered', function () {
  this.timeout(240_000);
  const lab = labScenario('evpn.clab.yml');
  const ns = lab.netns;
  let gw: GatewayNode;
  const gobgp = (...args: string[]): Promise<string> => must('ip', ['netns', 'exec', ns('leaf2'), 'gobgp', ...args]);
  const vpcs = async (): Promise<Map<string, VpcCounters>> =>
    new Map((await apiGet<OverlayVpcs>(gw.apiSocket, '/v1/overlay/vpcs')).items.map((v) => [v.name, v.counters]));
  const overlayRoutes = async (vpc: string): Promise<OverlayRoutes['items']> =>
    (await apiGet<OverlayRoutes>(gw.apiSocket, `/v1/overlay/routes?vpc=${vpc}`)).items;
  const installed = async (vpc: string, prefix: string): Promise<boolean> =>
    (await overlayRoutes(vpc)).some((r) => r.prefix === prefix && r.state === 'installed');
  const vrfVni = async (): Promise<Record<string, { vni: number; state: string; routerMac: string }>> => {
    const j = await showJson<{ vrfs: { vrf: string; vni: number; state: string; routerMac: string }[] }>(gw.frrInstance, 'show vrf vni json');
    return Object.fromEntries((j?.vrfs ?? []).map((v) => [v.vrf, v]));
  };
  const allUp = async (): Promise<boolean> => {
    const v = await vrfVni();
    return ['A', 'B', 'C'].every((n) => v[n]?.state === 'Up');
  };
  /** leaf1's route for `prefix` in its VRF A (the gateway's type-5 routes land there). */
  const leaf1Route = async (family: 'ip' | 'ipv6', prefix: string): Promise<Rib[string] | undefined> =>
    (await showJson<Rib>(ns('leaf1'), `show ${family} route vrf A ${prefix} json`))?.[prefix];
  /** Both directions A -> B answer (IPv4 and IPv6). */
  const abReachable = async (timeoutMs: number): Promise<void> => {
    for (const dst of HOST_B) expect(await reachable(ns('hosta'), dst, timeoutMs), `hosta -> ${dst}`).to.equal(true);
  };
  /** None of 5 pings from `src` to `dst` is answered. */
  const silent = async (src: string, dst: string): Promise<void> => {
    expect(await ping(src, dst, 5), `${src} -> ${dst}`).to.deep.include({ received: 0 });
  };
  const gwctlApply = async (doc: unknown): Promise<void> => {
    const f = join(tmpdir(), `evpn-lab-doc-${process.pid}.json`);
    writeFileSync(f, JSON.stringify(doc));
    const r = await run(join(REPO, 'bin/gwctl'), ['-s', gw.apiSocket, 'apply', '-f', f]);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
  };
  const docFile = join(REPO, 'containerlab/evpn/gw/config.json');

  before(() => (gw = lab.gw()));

  it('converges: EVPN sessions with both leafs, every VPC an Up L3VNI, type-5/type-2 routes in the VPC FIBs', async () => {
    await waitFor('both sessions Established', async () => {
      const p = await bgpState(gw);
      return p.length === 2 && p.every((x) => x.state === 'Established');
    }, 90_000);
    await waitFor('VRFs A, B, C Up', allUp, 60_000);
    expect((await vrfVni()).B).to.deep.include({ vni: 6000, routerMac: GW_RMAC });
    // B's routes from gobgp: type-5 IPv4 and IPv6, type-2 MAC+IP as a /128 (symmetric IRB), each over the tunnel to
    // leaf2 with B's L3VNI and leaf2's router MAC.
    for (const p of ['10.20.0.0/24', 'fd00:20::/64', 'fd00:20::10/128']) await waitFor(`${p} installed in VPC B`, () => installed('B', p), 60_000);
    for (const r of (await overlayRoutes('B')).filter((x) => x.prefix.startsWith('10.20.') || x.prefix.startsWith('fd00:20:')))
      expect(r.nexthops, r.prefix).to.deep.equal([{ ...r.nexthops[0], kind: 'vxlan', vni: 6000, vtep: LEAF2_VTEP, rmac: LEAF2_RMAC_B }]);
    // A's subnets from leaf1 (FRR redistributing its connected VRF A subnets as type-5).
    for (const p of ['10.10.0.0/24', 'fd00:10::/64']) await waitFor(`${p} installed in VPC A`, () => installed('A', p), 60_000);
    // The gateway's type-5 routes for B's exposes, in leaf1's kernel-facing VRF A via our VTEP.
    const r = await waitFor('10.20.0.0/24 in leaf1 VRF A', () => leaf1Route('ip', '10.20.0.0/24'), 60_000);
    expect(r[0]!.nexthops.map((n) => n.ip)).to.deep.equal([GW_VTEP]);
  });

  it('carries ping and TCP from a host in A to a host in B, IPv4 and IPv6, through the workers (kernel forwarding off)', async () => {
    const fwd = await run('ip', ['netns', 'exec', gw.netns, 'sysctl', '-n', 'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding']);
    expect(fwd.stdout.trim().split(/\s+/)).to.deep.equal(['0', '0']);
    await abReachable(30_000);
    const ports0 = await portCounters(gw);
    const vpc0 = await vpcs();
    for (const dst of HOST_B) expect(await ping(ns('hosta'), dst, 20, 0.05), dst).to.deep.equal({ sent: 20, received: 20 });
    const bytes = 4 << 20;
    for (const dst of HOST_B) expect((await tcpTransfer(ns('hosta'), ns('hostb'), dst, bytes)).received, `TCP to ${dst}`).to.equal(bytes);
    const d = new Map(forwardedDelta(ports0, await portCounters(gw)).map((x) => [x.port, x]));
    // Every echo request and TCP segment came in encapsulated from leaf1 (eth1) and left encapsulated to leaf2
    // (eth2), with its outer header on top of the inner bytes; replies and ACKs came back the other way.
    expect(Number(d.get('eth1')!.forwardedIn)).to.be.at.least(40 + (2 * bytes) / 9000);
    expect(Number(d.get('eth2')!.txBytes)).to.be.at.least(2 * bytes);
    expect(Number(d.get('eth2')!.forwardedIn)).to.be.at.least(40);
    const vpc1 = await vpcs();
    const delta = (v: string, k: 'rxPackets' | 'txPackets'): number => Number(BigInt(vpc1.get(v)![k]) - BigInt(vpc0.get(v)![k]));
    // From A into B and back: the per-VPC counters of both sides saw the pings at least.
    for (const [v, k] of [['A', 'rxPackets'], ['B', 'txPackets'], ['B', 'rxPackets'], ['A', 'txPackets']] as const) expect(delta(v, k), `${v} ${k}`).to.be.at.least(40);
    expect(delta('C', 'rxPackets'), 'nothing from C').to.equal(0);
  });

  it('lets C reach neither A nor B, and counts each attempt as a vpc_no_peering drop of C', async () => {
    const drops0 = BigInt((await vpcs()).get('C')!.drops.vpc_no_peering ?? '0');
    for (const dst of [HOST_A[0], HOST_B[0], HOST_A[1], HOST_B[1]]) await silent(ns('hostc'), dst);
    const drops1 = BigInt((await vpcs()).get('C')!.drops.vpc_no_peering ?? '0');
    // hostc routes these to the gateway itself (its bridge's static neighbor): the gateway decapsulates each in C's
    // VRF and refuses it at classify.
    expect(Number(drops1 - drops0)).to.equal(20);
  });

  it('closes the path when the peering is removed through gwctl apply, and opens it again when it is added back', async () => {
    const doc = JSON.parse(readFileSync(docFile, 'utf8')) as { peerings: unknown[] };
    await gwctlApply({ ...doc, peerings: [] });
    await waitFor('the type-5 routes for B withdrawn from leaf1', async () => (await leaf1Route('ip', '10.20.0.0/24')) === undefined && (await leaf1Route('ipv6', 'fd00:20::/64')) === undefined, 60_000);
    expect((await apiGet<{ items: unknown[] }>(gw.apiSocket, '/v1/overlay/peerings')).items).to.deep.equal([]);
    for (const dst of HOST_B) await silent(ns('hosta'), dst);
    await gwctlApply(doc);
    await waitFor('the type-5 route for B back on leaf1', () => leaf1Route('ip', '10.20.0.0/24'), 60_000);
    await abReachable(30_000);
  });

  /** gobgp withdraws B's type-5 IPv4 route: IPv4 to B stops (IPv6 keeps its type-2 /128); announced again, it flows. */
  const withdrawAndAnnounce = async (): Promise<void> => {
    await gobgp('global', 'rib', '-a', 'evpn', 'del', ...T5_B4_DEL);
    await waitFor('10.20.0.0/24 gone from VPC B', async () => !(await installed('B', '10.20.0.0/24')), 30_000);
    await silent(ns('hosta'), HOST_B[0]);
    expect(await ping(ns('hosta'), HOST_B[1], 3), 'IPv6 over the type-2 host route').to.deep.include({ received: 3 });
    await gobgp('global', 'rib', '-a', 'evpn', 'add', ...T5_B4_ADD);
    await waitFor('10.20.0.0/24 back in VPC B', () => installed('B', '10.20.0.0/24'), 30_000);
    await abReachable(30_000);
  };

  it('stops the traffic when leaf2 withdraws the type-5 route, and carries it again once re-announced', withdrawAndAnnounce);

  it('keeps the overlay converging after zebra is killed (-9): traffic back, route changes followed', async () => {
    const pidFile = `/var/run/frr/${gw.frrInstance}/zebra.pid`;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await waitFor('a new zebra with A, B, C Up', async () => Number(readFileSync(pidFile, 'utf8').trim()) !== pid && (await allUp()), 60_000);
    for (const p of ['10.20.0.0/24', 'fd00:20::10/128', '10.10.0.0/24']) await waitFor(`${p} installed after the restart`, () => installed(p.startsWith('10.10') ? 'A' : 'B', p), 60_000);
    await abReachable(30_000);
    await withdrawAndAnnounce();
  });

  it('keeps the overlay converging after the agent is killed (-9) and restarted by its supervisor', async () => {
    const pidFile = `/run/gwlab/${lab.topo.name}/gw.pid`;
    // The supervisor rewrites the file for each start (absent in between).
    const pidNow = (): number => {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim());
      } catch {
        return 0;
      }
    };
    const pid = pidNow();
    process.kill(pid, 'SIGKILL');
    await waitFor('a new agent', async () => {
      const p = pidNow();
      return p > 0 && p !== pid && (await run('test', ['-S', gw.apiSocket])).code === 0 && (await apiGet<{ status?: string }>(gw.apiSocket, '/v1/status').catch(() => undefined)) !== undefined;
    }, 60_000);
    for (const p of ['10.20.0.0/24', 'fd00:20::/64', 'fd00:20::10/128']) await waitFor(`${p} installed in B again`, () => installed('B', p).catch(() => false), 90_000);
    await abReachable(60_000);
    await withdrawAndAnnounce();
  });
});
