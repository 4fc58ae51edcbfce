// Cost of bringing the VPC overlay's control plane up on a real gateway (vpc-gatewayd with its FRR + zebra plugin,
// netns VRF backend, real dataplane on one net_ring port), as ratios to a baseline measured in the same run:
//   baseline      the same per-VPC kernel objects (N netns, N vxlan + bridge, enslaved, up) made by ONE `ip -batch`
//                 process: the kernel's own floor for what ifmgr does
//   doc.full      PUT of a document with N VPCs and 2N peerings, from nothing to traffic-ready: every VRF + L3VNI
//                 Up in zebra, every type-5 route in bgpd, every VPC and peering in /v1/overlay/* (dataplane)
//   doc.one       one peering added to that document: its type-5 routes in bgpd and it in /v1/overlay/peerings
// Shares (from the agent log's timestamps, ms after the PUT): 'overlay netdevs in place' (ifmgr done),
// 'FRR config applied' (frr-reload done), 'generation applied' (every consumer, dataplane included); ifmgr's
// debug 'reconcile pass' lines give its passes, `ip` processes and their summed time up to the netdevs in place.
// Needs root and the integration lock. Usage: flock /tmp/vpcgw-integration.lock node --import tsx
//   bench/overlay-control-plane.ts [--json] [--n 100]
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, terminate } from '../agent/src/features/frr/proc.ts';
import { showJson } from '../agent/src/features/frr/vtysh.ts';
import { apiGet, apiPutConfig } from '../agent/src/lab/observe.ts';
import { must, run, spawnDetached, waitFor } from '../agent/src/lab/sh.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const n = Number(args[args.indexOf('--n') + 1] ?? 0) || 100;
const GW = 'ocp-bench';
const RUN = `/run/vpc-gateway/${GW}`;
const API = `${RUN}/api.sock`;
const LOG = `/tmp/${GW}-agent.log`;
const BASE_NS = 'ocpb-base';

const vni = (i: number): number => 10_000 + i;
const cidr = (i: number): string => `10.${100 + (i >> 8)}.${i & 255}.0/24`;
const pairs = (count: number): [number, number][] => {
  const out: [number, number][] = [];
  for (let d = 1; out.length < count; d++) for (let i = 0; i < n && out.length < count; i++) out.push([i, (i + d) % n]);
  return out;
};
function doc(peerings: number): unknown {
  return {
    gateway: { name: 'gw', asn: 65000, routerId: '10.255.0.1', vtep: { ip: '10.255.0.1', mac: '02:00:00:00:aa:01' }, ports: [], neighbors: [], bfdProfiles: [] },
    vpcs: Array.from({ length: n }, (_, i) => ({ name: `v${i}`, id: `i${i}`, vni: vni(i), subnets: [{ name: 's', cidr: cidr(i) }] })),
    peerings: pairs(peerings).map(([a, b]) => ({ name: `p${a}-${b}`, sides: [{ vpc: `v${a}`, expose: [{ ips: [cidr(a)] }] }, { vpc: `v${b}`, expose: [{ ips: [cidr(b)] }] }] })),
    groups: [],
    staticRoutes: [],
  };
}

const now = (): number => Date.now();

async function upVrfs(): Promise<number> {
  const j = await showJson<{ vrfs?: { state: string }[] }>(GW, 'show vrf vni json');
  return (j?.vrfs ?? []).filter((v) => v.state === 'Up').length;
}
async function type5(): Promise<number> {
  const j = (await showJson<{ numPrefix?: number }>(GW, 'show bgp l2vpn evpn route type prefix json')) ?? {};
  return j.numPrefix ?? 0;
}
async function overlay(): Promise<{ vpcs: number; peerings: number }> {
  const v = await apiGet<{ items: unknown[] }>(API, '/v1/overlay/vpcs');
  const p = await apiGet<{ items: unknown[] }>(API, '/v1/overlay/peerings');
  return { vpcs: v.items.length, peerings: p.items.length };
}

/** The agent log's markers, ms after t0 (the last occurrence after t0), and ifmgr's reconcile passes up to
 *  'overlay netdevs in place': their time, `ip` processes and the summed wall time of those. */
function markers(t0: number): Record<string, number> {
  const out: Record<string, number> = { ifmgrPasses: 0, ifmgrPassMs: 0, ipCalls: 0, ipMs: 0 };
  for (const l of readFileSync(LOG, 'utf8').split('\n')) {
    if (!l.startsWith('{')) continue;
    const r = JSON.parse(l) as { time: number; msg: string; passMs?: number; ipCalls?: number; ipMs?: number };
    if (r.time < t0) continue;
    for (const [k, m] of [['ifmgr', 'overlay netdevs in place'], ['frr', 'FRR config applied'], ['generation', 'generation applied']] as const) if (r.msg === m) out[k] = r.time - t0;
    if (r.msg === 'reconcile pass' && out.ifmgr === undefined) {
      out.ifmgrPasses!++;
      out.ifmgrPassMs! += r.passMs ?? 0;
      out.ipCalls! += r.ipCalls ?? 0;
      out.ipMs! += r.ipMs ?? 0;
    }
  }
  return out;
}

/** Time from PUT to every condition met; each condition's first-seen time is recorded. */
async function applyAndWait(d: unknown, want: { vrfs: number; t5: number; vpcs: number; peerings: number }): Promise<{ total: number; seen: Record<string, number>; log: Record<string, number> }> {
  const t0 = now();
  const put = await apiPutConfig(API, d);
  if (put.status !== 200) throw new Error(`PUT ${put.status}: ${JSON.stringify(put.body)}`);
  const seen: Record<string, number> = { put: now() - t0 };
  await waitFor('traffic-ready', async () => {
    if (seen.vrfs === undefined && (await upVrfs()) >= want.vrfs) seen.vrfs = now() - t0;
    if (seen.type5 === undefined && (await type5()) >= want.t5) seen.type5 = now() - t0;
    if (seen.dataplane === undefined) {
      const o = await overlay();
      if (o.vpcs >= want.vpcs && o.peerings >= want.peerings) seen.dataplane = now() - t0;
    }
    return seen.vrfs !== undefined && seen.type5 !== undefined && seen.dataplane !== undefined;
  }, 600_000, 100);
  const total = now() - t0;
  await new Promise((r) => setTimeout(r, 300));
  return { total, seen, log: markers(t0) };
}

async function baseline(): Promise<number> {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`netns add ${BASE_NS}-${i}`);
  // `ip -batch` takes no `-n`: the vxlan + bridge pairs stay in one namespace (same object count, one process).
  for (let i = 0; i < n; i++) {
    lines.push(`link add vx${i} type vxlan id ${vni(i)} local 10.255.0.1 dstport 4789 nolearning`, `link add br${i} type bridge forward_delay 0`);
    lines.push(`link set vx${i} master br${i}`, `link set vx${i} up`, `link set br${i} up`);
  }
  const file = `/tmp/${BASE_NS}.batch`;
  writeFileSync(file, lines.join('\n') + '\n');
  await must('ip', ['netns', 'add', BASE_NS]);
  const t0 = now();
  await must('ip', ['-n', BASE_NS, '-batch', file]);
  const ms = now() - t0;
  await must('ip', ['netns', 'del', BASE_NS]);
  for (let i = 0; i < n; i++) await run('ip', ['netns', 'del', `${BASE_NS}-${i}`]);
  return ms;
}

async function cleanup(agentPid: number): Promise<void> {
  if (agentPid && alive(agentPid)) await terminate([agentPid], 30_000);
  const pids = (await run('ip', ['netns', 'pids', GW])).stdout.split('\n').filter(Boolean).map(Number);
  if (pids.length) await terminate(pids);
  await run('ip', ['netns', 'del', GW]);
  rmSync(RUN, { recursive: true, force: true });
  for (const l of (await run('ip', ['netns', 'list'])).stdout.split('\n')) {
    const name = l.split(' ')[0]!;
    if (name.startsWith(`${GW}-vpc-`) || name.startsWith(BASE_NS)) await run('ip', ['netns', 'del', name]);
  }
}

async function main(): Promise<void> {
  await cleanup(0);
  const base = await baseline();
  await must('ip', ['netns', 'add', GW]);
  await must('ip', ['-n', GW, 'link', 'set', 'lo', 'up']);
  await must('ip', ['-n', GW, 'addr', 'add', '10.255.0.1/32', 'dev', 'lo']);
  mkdirSync(RUN, { recursive: true });
  rmSync(LOG, { force: true });
  const fd = openSync(LOG, 'a');
  const env = { ...process.env, GW_LOG_LEVEL: 'debug', PATH: `${REPO}/bin:${process.env.PATH ?? ''}` };
  const agentPid = spawnDetached('ip', ['netns', 'exec', GW, 'vpc-gatewayd', '--config', join(HERE, 'overlay-control-plane/gw-boot.yaml')], fd, env);
  closeSync(fd);
  try {
    await waitFor('the agent API', async () => (await run('test', ['-S', API])).code === 0, 90_000);
    // FRR up and the boot generation in force before the clock starts.
    await waitFor('bgpd', async () => (await showJson(GW, 'show bgp l2vpn evpn summary json')) !== undefined, 60_000);
    const p = 2 * n;
    const full = await applyAndWait(doc(p), { vrfs: n, t5: 2 * p, vpcs: n, peerings: p });
    const one = await applyAndWait(doc(p + 1), { vrfs: n, t5: 2 * (p + 1), vpcs: n, peerings: p + 1 });
    const r = (ms: number): number => Math.round((ms / base) * 100) / 100;
    const out = {
      n,
      peerings: p,
      baselineMs: base,
      full: { ...full, ratio: r(full.total) },
      one: { ...one, ratio: r(one.total) },
      targets: { fullS: 60, oneS: 2, fullOk: full.total < 60_000, oneOk: one.total < 2_000 },
    };
    if (json) console.log(JSON.stringify(out));
    else {
      console.log(`baseline (one ip -batch, ${n} netns+vxlan+bridge): ${base} ms`);
      for (const [k, v] of [['doc.full', full], ['doc.one', one]] as const) console.log(`${k}: ${v.total} ms = ${r(v.total)}x baseline; seen ${JSON.stringify(v.seen)}; agent log ${JSON.stringify(v.log)}`);
    }
  } finally {
    if (!process.env.GWLAB_KEEP) await cleanup(agentPid);
  }
}

await main();
