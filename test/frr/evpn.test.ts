// The overlay's control plane on real FRR 8.4 with the netns VRF backend (these kernels have no VRF devices).
//
//      netns evpnfrr-gw (agent + its FRR)                   netns evpnfrr-leaf (FRR, own mount namespace)
//   VTEP/router-id 10.255.0.1 on lo, AS 65000            VTEP 10.11.0.1 on lo, AS 65001
//   VPC A vni 5000, B 6000, C 7000 (netns + vx + br)     VRF A = netns evpnfrr-leaf-A: vx5000 + br5000
//          eth1 10.0.1.1/31 ------------------------------ eth1 10.0.1.0/31
//
// The leaf announces 10.10.99.0/24 in VRF A (type-5, VNI 5000): a route the gateway learns and must never
// re-advertise into another VPC. Success (what the leaf's EVPN table shows): the gateway's type-5 routes carry
// exactly what the peerings expose, in the destination VPC's VNI, with the gateway's router MAC and VTEP; nothing
// for an unexposed subnet; a VPC added later comes up in zebra; a removed peering is withdrawn; zebra killed
// comes back with its VRFs; a VPC's bridge deleted behind the gateway's back comes back and its L3VNI is Up.
import { expect } from 'chai';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instanceRunDir } from '../../agent/src/features/frr/daemons.ts';
import { alive, terminate } from '../../agent/src/features/frr/proc.ts';
import { showJson, vtysh } from '../../agent/src/features/frr/vtysh.ts';
import { parseShowVrf } from '../../agent/src/features/evpn/zebra-vrfs.ts';
import { apiPutConfig } from '../../agent/src/lab/observe.ts';
import { must, run, spawnDetached, waitFor } from '../../agent/src/lab/sh.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '../..');
const GW = 'evpnfrr-gw';
const LEAF = 'evpnfrr-leaf';
const LEAF_VRF_NS = 'evpnfrr-leaf-A';
const WORK = '/run/vpc-gateway/evpnfrr-test';
const GW_MAC = '02:00:00:00:aa:01';
const GW_VTEP = '10.255.0.1';

type Side = { vpc: string; expose: { ips: string[]; default?: boolean }[] };
function doc(vpcs: string[], peerings: { name: string; sides: [Side, Side] }[]): unknown {
  const all = {
    A: { name: 'A', id: 'a1', vni: 5000, subnets: [{ name: 's', cidr: '10.10.0.0/16' }] },
    B: { name: 'B', id: 'b1', vni: 6000, subnets: [{ name: 's', cidr: '10.20.0.0/16' }, { name: 's6', cidr: 'fd00:20::/48' }] },
    C: { name: 'C', id: 'c1', vni: 7000, subnets: [{ name: 's', cidr: '10.30.0.0/16' }] },
  } as const;
  return {
    gateway: {
      name: 'gw',
      asn: 65000,
      routerId: GW_VTEP,
      vtep: { ip: GW_VTEP, mac: GW_MAC },
      ports: [],
      neighbors: [{ ip: '10.0.1.0', asn: 65001 }],
      bfdProfiles: [],
    },
    vpcs: vpcs.map((v) => all[v as keyof typeof all]),
    peerings,
    groups: [],
    staticRoutes: [],
  };
}
const AB = { name: 'a-b', sides: [{ vpc: 'A', expose: [{ ips: ['10.10.0.0/24'] }] }, { vpc: 'B', expose: [{ ips: ['10.20.0.0/24'] }, { ips: ['fd00:20:0:1::/64'] }] }] as [Side, Side] };
const AC = { name: 'a-c', sides: [{ vpc: 'A', expose: [{ ips: ['10.10.0.0/24'] }] }, { vpc: 'C', expose: [{ ips: [], default: true }] }] as [Side, Side] };

/** One type-5 route as the leaf sees it. */
interface T5 {
  prefix: string;
  vni: number | undefined;
  nexthop: string;
  rmac: string | undefined;
}

type EvpnJson = Record<string, Record<string, { paths?: { nexthops?: { ip: string }[]; extendedCommunity?: { string: string }; vni?: string | number; label?: string | number }[][] } | unknown>>;

/** The leaf's `show bgp l2vpn evpn route detail type prefix` (the detail carries the VNI): every path of every type-5 route. */
async function leafType5(): Promise<T5[]> {
  const j = (await showJson<EvpnJson>(LEAF, 'show bgp l2vpn evpn route detail type prefix json')) ?? {};
  const out: T5[] = [];
  for (const [rd, routes] of Object.entries(j)) {
    if (typeof routes !== 'object' || routes === null || !rd.includes(':')) continue;
    for (const [key, r] of Object.entries(routes)) {
      const m = /^\[5\]:\[\d+\]:\[(\d+)\]:\[([^\]]+)\]/.exec(key);
      if (!m) continue;
      for (const p of ((r as { paths?: unknown[][] }).paths ?? []).flat() as { nexthops?: { ip: string }[]; extendedCommunity?: { string: string }; vni?: unknown }[]) {
        const ec = p.extendedCommunity?.string ?? '';
        out.push({ prefix: `${m[2]}/${m[1]}`, vni: p.vni !== undefined ? Number(p.vni) : undefined, nexthop: p.nexthops?.[0]?.ip ?? '', rmac: /Rmac:(\S+)/.exec(ec)?.[1], ...{ rt: /RT:(\S+)/.exec(ec)?.[1] } });
      }
    }
  }
  return out;
}

/** The gateway's type-5 routes on the leaf as "prefix vni" (sorted), each checked for our router MAC and VTEP. */
async function fromGateway(): Promise<string[]> {
  const rs = (await leafType5()).filter((r) => r.nexthop === GW_VTEP);
  for (const r of rs) expect(r.rmac, JSON.stringify(r)).to.equal(GW_MAC);
  return rs.map((r) => `${r.prefix} ${r.vni}`).sort();
}

async function vrfVni(): Promise<Record<string, { vni: number; state: string; routerMac: string }>> {
  const j = await showJson<{ vrfs: { vrf: string; vni: number; state: string; routerMac: string }[] }>(GW, 'show vrf vni json');
  return Object.fromEntries((j?.vrfs ?? []).map((v) => [v.vrf, v]));
}

/** The agent's last 'FRR config applied' log record: how the change went in (features/frr/incremental.ts). */
function lastFrrApply(): Record<string, unknown> | undefined {
  const recs = readFileSync(join(WORK, 'agent.log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"FRR config applied"'));
  return recs.length ? (JSON.parse(recs[recs.length - 1]!) as Record<string, unknown>) : undefined;
}

describe('frr: EVPN control plane (netns VRF backend): VRFs, L3VNIs, type-5 origination from peerings', function () {
  this.timeout(240_000);
  let agentPid = 0;
  const api = `/run/vpc-gateway/${GW}/api.sock`;

  const cleanup = async (): Promise<void> => {
    if (agentPid && alive(agentPid)) await terminate([agentPid], 10_000);
    for (const d of ['bgpd', 'zebra']) {
      try {
        const pid = Number(readFileSync(`${instanceRunDir(LEAF)}/${d}.pid`, 'utf8').trim());
        if (pid && alive(pid)) await terminate([pid]);
      } catch {
        /* not running */
      }
    }
    for (const ns of [GW, LEAF, LEAF_VRF_NS]) {
      const pids = (await run('ip', ['netns', 'pids', ns])).stdout.split('\n').filter(Boolean).map(Number);
      if (pids.length) await terminate(pids);
      await run('ip', ['netns', 'del', ns]);
    }
    // The gateway's own VPC namespaces (its ifmgr removes them on stop; a crashed run leaves them).
    // A stored generation of an earlier run would be applied at start.
    rmSync(`/run/vpc-gateway/${GW}`, { recursive: true, force: true });
    for (const n of (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!)) if (n.startsWith(`${GW}-vpc-`)) await run('ip', ['netns', 'del', n]);
  };

  before(async function () {
    await cleanup();
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    for (const ns of [GW, LEAF, LEAF_VRF_NS]) {
      await must('ip', ['netns', 'add', ns]);
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await must('ip', ['link', 'add', 'eth1', 'netns', GW, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', LEAF]);
    await must('ip', ['-n', GW, 'addr', 'add', '10.0.1.1/31', 'dev', 'eth1']);
    await must('ip', ['-n', LEAF, 'addr', 'add', '10.0.1.0/31', 'dev', 'eth1']);
    for (const ns of [GW, LEAF]) await must('ip', ['-n', ns, 'link', 'set', 'eth1', 'up']);
    await must('ip', ['-n', LEAF, 'addr', 'add', '10.11.0.1/32', 'dev', 'lo']);
    // The leaf's L3VNI the way FRR documents the netns backend: vxlan made on the underlay side, moved into the VRF.
    await must('ip', ['-n', LEAF, 'link', 'add', 'vx5000', 'type', 'vxlan', 'id', '5000', 'local', '10.11.0.1', 'dstport', '4789', 'nolearning']);
    await must('ip', ['-n', LEAF, 'link', 'set', 'vx5000', 'netns', LEAF_VRF_NS]);
    await must('ip', ['-n', LEAF_VRF_NS, 'link', 'add', 'br5000', 'address', '02:00:00:00:bb:01', 'type', 'bridge', 'forward_delay', '0']);
    await must('ip', ['-n', LEAF_VRF_NS, 'link', 'set', 'vx5000', 'master', 'br5000']);
    for (const d of ['vx5000', 'br5000']) await must('ip', ['-n', LEAF_VRF_NS, 'link', 'set', d, 'up']);
    // The leaf's FRR in its own mount namespace whose /run/netns holds only "A" (shell, independent of the agent's code).
    const empty = join(WORK, 'empty.conf');
    writeFileSync(empty, '');
    const handle = join(WORK, 'leaf-A.ns');
    writeFileSync(handle, '');
    const script = [
      'set -e',
      `mount --bind /run/netns/${LEAF_VRF_NS} ${handle}`,
      'mount -t tmpfs tmpfs /run/netns',
      `touch /run/netns/A && mount --bind ${handle} /run/netns/A`,
      `/usr/lib/frr/zebra -d -n -N ${LEAF} -f ${empty} -P 0 --log file:${WORK}/leaf-zebra.log`,
      `/usr/lib/frr/bgpd -d -N ${LEAF} -f ${empty} -P 0 --log file:${WORK}/leaf-bgpd.log`,
    ].join('\n');
    await must('ip', ['netns', 'exec', LEAF, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script]);
    await waitFor('leaf bgpd', async () => (await vtysh(LEAF, ['-d', 'bgpd', '-c', 'show version'])).code === 0, 15_000);
    const r = await vtysh(LEAF, ['-f', join(HERE, 'evpn/leaf.conf')]);
    expect(r.code, r.stderr + r.stdout).to.equal(0);

    const fd = openSync(join(WORK, 'agent.log'), 'a');
    agentPid = spawnDetached('ip', ['netns', 'exec', GW, 'vpc-gatewayd', '--config', join(HERE, 'evpn/gw-boot.yaml')], fd, { ...process.env, PATH: `${REPO}/bin:${process.env.PATH ?? ''}` });
    closeSync(fd);
    await waitFor('the agent API', async () => (await run('test', ['-S', api])).code === 0, 60_000);
    const put = await apiPutConfig(api, doc(['A', 'B'], [AB]));
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
  });

  after(async function () {
    if (!process.env.GWLAB_KEEP) await cleanup();
  });

  it('logs the VRF backend it chose from probing the kernel', () => {
    expect(readFileSync(join(WORK, 'agent.log'), 'utf8')).to.match(/VRF backend: netns/);
  });

  it('brings each VPC up in zebra as a VRF with its L3VNI Up, its vxlan and SVI, and our router MAC', async () => {
    const v = await waitFor('VRFs A and B Up', async () => {
      const s = await vrfVni();
      return s.A?.state === 'Up' && s.B?.state === 'Up' && s;
    }, 60_000);
    expect(v.A).to.deep.include({ vni: 5000, vxlanIntf: 'vx-a1', sviIntf: 'br-a1', routerMac: GW_MAC });
    expect(v.B).to.deep.include({ vni: 6000, vxlanIntf: 'vx-b1', sviIntf: 'br-b1' });
    // zebra sees only this gateway's VPC namespaces, under the VPC names (not the lab's or the leaf's netns).
    const vrfs = parseShowVrf((await vtysh(GW, ['-c', 'show vrf'])).stdout);
    expect([...vrfs.keys()].sort()).to.deep.equal(['A', 'B']);
  });

  it("originates into each VPC exactly what the other side exposes, in that VPC's VNI, with our RMAC and VTEP", async () => {
    const want = ['10.10.0.0/24 6000', '10.20.0.0/24 5000', 'fd00:20:0:1::/64 5000'];
    await waitFor('the gateway type-5 routes on the leaf', async () => JSON.stringify(await fromGateway()) === JSON.stringify(want), 90_000);
    // Not exposed: the rest of B's subnets.
    expect((await leafType5()).filter((r) => r.prefix.startsWith('10.20.1.') || r.prefix === '10.20.0.0/16')).to.deep.equal([]);
  });

  it('never re-advertises a route learned from the fabric into another VPC', async () => {
    // The gateway did learn the leaf's route in A (so the check below can fail) ...
    await waitFor('10.10.99.0/24 in the gateway VRF A', async () => !!(await showJson<{ paths?: unknown[] }>(GW, 'show bgp vrf A ipv4 unicast 10.10.99.0/24 json'))?.paths?.length, 60_000);
    // ... and nothing for it comes back from the gateway, in any VNI.
    const leaked = (await leafType5()).filter((r) => r.prefix === '10.10.99.0/24' && r.nexthop !== '10.11.0.1');
    expect(leaked).to.deep.equal([]);
    expect((await fromGateway()).filter((r) => r.startsWith('10.10.99.'))).to.deep.equal([]);
  });

  it('brings up a VPC added later, and originates a default expose as 0.0.0.0/0 and ::/0', async () => {
    const put = await apiPutConfig(api, doc(['A', 'B', 'C'], [AB, AC]));
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    await waitFor('VRF C Up', async () => (await vrfVni()).C?.state === 'Up', 60_000);
    const want = ['0.0.0.0/0 5000', '10.10.0.0/24 6000', '10.10.0.0/24 7000', '10.20.0.0/24 5000', '::/0 5000', 'fd00:20:0:1::/64 5000'];
    await waitFor('the default expose on the leaf', async () => JSON.stringify(await fromGateway()) === JSON.stringify(want), 60_000);
    // A VPC and a peering more: their lines alone, through vtysh, not a reload of the whole config.
    expect(lastFrrApply()).to.deep.include({ how: 'incremental', vrfsAdded: ['C'], networksAdded: 2 });
  });

  it('withdraws the type-5 routes of a removed peering, keeping the others', async () => {
    const put = await apiPutConfig(api, doc(['A', 'B', 'C'], [AC]));
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    const want = ['0.0.0.0/0 5000', '10.10.0.0/24 7000', '::/0 5000'];
    await waitFor('only a-c routes on the leaf', async () => JSON.stringify(await fromGateway()) === JSON.stringify(want), 60_000);
    expect(lastFrrApply()).to.deep.include({ how: 'incremental', networksAdded: 0, networksRemoved: 3 });
  });

  it('restarts a killed zebra inside the mount namespace: the VRFs and L3VNIs come back Up', async () => {
    const pidFile = `${instanceRunDir(GW)}/zebra.pid`;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await waitFor('a new zebra with A, B, C Up', async () => {
      const p = Number(readFileSync(pidFile, 'utf8').trim());
      const s = p !== pid ? await vrfVni() : {};
      return s.A?.state === 'Up' && s.B?.state === 'Up' && s.C?.state === 'Up';
    }, 60_000);
    const want = ['0.0.0.0/0 5000', '10.10.0.0/24 7000', '::/0 5000'];
    await waitFor('routes again after the restart', async () => JSON.stringify(await fromGateway()) === JSON.stringify(want), 90_000);
  });

  it("puts back a VPC's SVI bridge deleted behind its back, and the L3VNI is Up again", async () => {
    // The agent runs under `ip netns exec`, so the VPC namespaces it makes are mounted in its mount namespace only.
    await must('nsenter', [`--mount=/proc/${agentPid}/ns/mnt`, 'ip', '-n', `${GW}-vpc-b1`, 'link', 'del', 'br-b1']);
    await waitFor('L3VNI 6000 Down', async () => (await vrfVni()).B?.state !== 'Up', 10_000, 50).catch(() => undefined);
    await waitFor('L3VNI 6000 Up again', async () => (await vrfVni()).B?.state === 'Up', 30_000);
    expect((await vrfVni()).B).to.deep.include({ sviIntf: 'br-b1', routerMac: GW_MAC });
  });

  it('removes a VPC: its VRF leaves zebra, its namespace goes, the other VPCs stay Up', async () => {
    // The peering first (its withdrawal is checked above), then the VPC: see docs/frr.md (known limits).
    let put = await apiPutConfig(api, doc(['A', 'B', 'C'], []));
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    await waitFor('no type-5 routes from the gateway', async () => (await fromGateway()).length === 0, 60_000);
    put = await apiPutConfig(api, doc(['A', 'B'], []));
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    await waitFor('VRF C gone, A and B Up', async () => {
      const s = await vrfVni();
      const vrfs = parseShowVrf((await vtysh(GW, ['-c', 'show vrf'])).stdout);
      return !s.C && !vrfs.has('C') && s.A?.state === 'Up' && s.B?.state === 'Up';
    }, 60_000);
    const ns = (await run('nsenter', [`--mount=/proc/${agentPid}/ns/mnt`, 'ip', 'netns', 'list'])).stdout;
    expect(ns).to.not.contain(`${GW}-vpc-c1`);
    expect(ns).to.contain(`${GW}-vpc-a1`);
  });
});
