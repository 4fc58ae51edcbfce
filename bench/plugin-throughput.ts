// Benchmark: BGP routes from a bird2 peer through zebra + our plugin + the agent into the DPDK worker FIB, as a
// ratio to zebra installing the same routes into the kernel alone (no plugin), measured in the same run.
// Both runs time the same thing: from the first route in zebra's RIB until zebra counts all of them in its
// FIB (with the plugin a route is FIB only after the agent answered that the dataplane accepted it).
//   npx tsx bench/plugin-throughput.ts [--json] [--v4 100000] [--v6 100000] [--rounds N] [--no-baseline]
// --rounds N alternates kernel-only and plugin runs N times (order swapped every round) and reports the
// median ratio with its min and max: the baseline alone swings 2x with the machine's load.
// --no-baseline skips the kernel run (for the 1M end-to-end figure, which reports the agent's memory).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as h from '../test/cpi/harness.ts';
import { cpuSeconds } from '../test/dataplane/lab.ts';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const V4 = arg('--v4', 100_000);
const V6 = arg('--v6', 100_000);
const JSON_OUT = process.argv.includes('--json');
const NO_BASELINE = process.argv.includes('--no-baseline');
const ROUNDS = arg('--rounds', 1);

function birdConf(): string {
  const r4: string[] = [];
  for (let i = 0; i < V4; i++) r4.push(`  route 10.${128 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 blackhole;`);
  const r6: string[] = [];
  for (let i = 0; i < V6; i++) r6.push(`  route 2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64 blackhole;`);
  return `router id 10.0.1.2;
protocol device {}
protocol static s4 { ipv4;
${r4.join('\n')}
}
protocol static s6 { ipv6;
${r6.join('\n')}
}
protocol bgp gw4 { local 10.0.1.2 as 65001; neighbor 10.0.1.1 as 65000; ipv4 { import none; export all; next hop self; }; }
protocol bgp gw6 { local fd00:1::2 as 65001; neighbor fd00:1::1 as 65000; ipv6 { import none; export all; next hop self; }; }
`;
}

interface Summary {
  routes?: { type: string; rib: number; fib: number }[];
  routesTotal?: number;
  routesTotalFib?: number;
}

async function bgpCounts(): Promise<{ rib: number; fib: number }> {
  let rib = 0;
  let fib = 0;
  for (const af of ['ip', 'ipv6']) {
    const s = await h.vtyshJson<Summary>(`show ${af} route summary json`);
    const b = s.routes?.find((r) => r.type === 'ebgp');
    rib += b?.rib ?? 0;
    fib += b?.fib ?? 0;
  }
  return { rib, fib };
}

/** Stops FRR and bird of the previous run (before an agent restart, so the old zebra does not talk to it). */
async function stopRouting(l: h.Lab): Promise<void> {
  h.killFrr('SIGKILL');
  await h.sh('ip', ['netns', 'exec', l.nsA, 'birdc', '-s', join(h.DIR, 'bird.ctl'), 'down']);
  await h.until('FRR gone', async () => h.zebraPid() === undefined || (await h.sh('kill', ['-0', String(h.zebraPid())])).code !== 0, 10_000);
}

async function runOnce(l: h.Lab, withPlugin: boolean, agentPid: number): Promise<{ seconds: number; rate: number; cpu: { zebra: number; agent: number } }> {
  await stopRouting(l);
  const { rmSync } = await import('node:fs');
  rmSync(`/var/run/frr/${h.INST}`, { recursive: true, force: true });
  // The kernel-only run leaves its 200k routes in G's kernel; a zebra started over them sweeps them as stale
  // self routes (100k extra ROUTE_DELETEs through the plugin). Both runs start from a clean kernel table.
  // zebra's routes hang off its kernel nexthop objects (nhid): deleting those removes the routes.
  await h.sh('ip', ['-n', l.nsG, 'nexthop', 'flush']);
  for (const fam of ['-4', '-6']) await h.sh('ip', ['-n', l.nsG, fam, 'route', 'flush', 'proto', 'bgp']);
  const left = (await h.sh('ip', ['-n', l.nsG, 'route', 'show', 'proto', 'bgp'])).out.trim();
  if (left) throw new Error(`kernel routes of an earlier run remain in ${l.nsG}: ${left.slice(0, 200)}`);
  if (withPlugin) await h.startZebra(l, `,max-inflight=20000${process.env.GWCP_PLUGIN_ARGS ?? ''}`);
  else {
    // Kernel only: the same zebra, no plugin.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(h.DIR, 'frr'), { recursive: true });
    writeFileSync(join(h.DIR, 'frr', 'zebra.conf'), h.zebraConf());
    await h.must('chown', ['-R', 'frr:frr', join(h.DIR, 'frr')]);
    await h.must('ip', ['netns', 'exec', l.nsG, '/usr/lib/frr/zebra', '-d', '-N', h.INST, '-f', join(h.DIR, 'frr', 'zebra.conf'), '-P', '0']);
    await h.until('zebra', async () => (await h.vtysh('show version')).includes('FRRouting'), 15_000);
  }
  await h.startBgpd(l);
  await h.must('ip', ['netns', 'exec', l.nsA, 'bird', '-c', join(h.DIR, 'bird.conf'), '-s', join(h.DIR, 'bird.ctl'), '-P', join(h.DIR, 'bird.pid')]);
  const total = V4 + V6;
  const zpid = h.zebraPid()!;
  const z0 = cpuSeconds(zpid);
  const a0 = cpuSeconds(agentPid);
  let t0 = 0;
  await h.until('first route', async () => {
    const c = await bgpCounts();
    if (c.rib > 0) t0 = performance.now();
    return c.rib > 0;
  }, 120_000, 20);
  // Each poll walks zebra's whole table (`route summary`): at 1M routes a 50 ms poll took a visible share of
  // zebra's CPU away from the work being timed, so the interval grows with the table (250 ms at 1M).
  await h.until(`all ${total} routes in zebra's FIB`, async () => (await bgpCounts()).fib >= total, 600_000, Math.max(50, total / 4000));
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, rate: total / seconds, cpu: { zebra: cpuSeconds(zpid) - z0, agent: cpuSeconds(agentPid) - a0 } };
}

interface Round {
  kernelOnly: { seconds: number; routesPerSecond: number; cpuSeconds: { zebra: number; agent: number } } | null;
  pluginToWorkerFib: { seconds: number; routesPerSecond: number; agentFibRoutes: number; batches: number; routeOps: Record<string, number>; cpuSeconds: { zebra: number; agent: number } };
  ratio: number | null;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const l = await h.setupLab();
  let d: h.Daemon | undefined;
  const tables = `{ maxRoutes4: ${V4 + 1024}, maxRoutes6: ${V6 + 1024} }`;
  try {
    (await import('node:fs')).mkdirSync(h.DIR, { recursive: true });
    writeFileSync(join(h.DIR, 'bird.conf'), birdConf());
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Odd rounds run the plugin first, so a drift in the machine's load does not favour one side.
      const order = NO_BASELINE ? [true] : r % 2 ? [true, false] : [false, true];
      let kernel: Awaited<ReturnType<typeof runOnce>> | undefined;
      let dataplane: Awaited<ReturnType<typeof runOnce>> | undefined;
      let st: { rib: { routes: number }; batchesAnswered: number; ops: Record<string, { received: number }> } | undefined;
      for (const withPlugin of order) {
        // Every plugin run starts with a fresh agent (empty FIB, zero counters); the kernel run needs one too,
        // because the DPDK worker carries the BGP sessions over the punt path.
        if (d && withPlugin) {
          await stopRouting(l);
          await h.killAgent9(d);
          d = undefined;
        }
        if (!d) {
          d = await h.startAgent(l, 8, tables);
          // A restarted agent recreates its punt taps. bgpd started while a tap's IPv6 link-local is still
          // tentative keeps resetting the IPv6 session ("does not have a v6 LL address") for ~40 s: one plugin
          // round in ten took 50 s that way, timing the tap and not the route path.
          for (const tap of [l.tapA, l.tapB]) {
            await h.until(`IPv6 link-local on ${tap}`, async () => {
              const a = (await h.sh('ip', ['-n', l.nsG, '-6', 'addr', 'show', 'dev', tap, 'scope', 'link'])).out;
              return a.includes('inet6 fe80') && !a.includes('tentative');
            }, 30_000, 100);
          }
        }
        if (withPlugin) {
          dataplane = await runOnce(l, true, d.child.pid!);
          st = await h.api(d, '/v1/cpi');
          // GWPERF_LOGS=<dir>: keep the agent's and zebra's logs of every plugin run (a slow round is explained there).
          const keep = process.env.GWPERF_LOGS;
          if (keep) for (const [src, name] of [[d.logFile, 'agent'], [join(h.DIR, 'frr', 'zebra.log'), 'zebra'], [join(h.DIR, 'frr', 'bgpd.log'), 'bgpd']] as const) await h.sh('cp', [src, join(keep, `round${r + 1}-${name}.log`)]);
        } else {
          kernel = await runOnce(l, false, d.child.pid!);
        }
      }
      rounds.push({
        kernelOnly: kernel ? { seconds: kernel.seconds, routesPerSecond: Math.round(kernel.rate), cpuSeconds: kernel.cpu } : null,
        pluginToWorkerFib: {
          seconds: dataplane!.seconds,
          routesPerSecond: Math.round(dataplane!.rate),
          agentFibRoutes: st!.rib.routes,
          batches: st!.batchesAnswered,
          routeOps: Object.fromEntries(Object.entries(st!.ops).filter(([k]) => k.startsWith('ROUTE_')).map(([k, c]) => [k, c.received])),
          cpuSeconds: dataplane!.cpu,
        },
        ratio: kernel ? dataplane!.rate / kernel.rate : null,
      });
      if (!JSON_OUT) console.log(`round ${r + 1}/${ROUNDS}`, rounds[r]);
    }
    const rss = Number(/VmRSS:\s+(\d+)/.exec((await h.sh('cat', [`/proc/${d!.child.pid}/status`])).out)?.[1] ?? 0) * 1024;
    const ratios = rounds.map((x) => x.ratio).filter((x): x is number => x !== null);
    const last = rounds[rounds.length - 1]!;
    const res = {
      routes: { v4: V4, v6: V6 },
      ...last,
      ratio: ratios.length ? median(ratios) : null,
      ratioMin: ratios.length ? Math.min(...ratios) : null,
      ratioMax: ratios.length ? Math.max(...ratios) : null,
      rounds: ROUNDS > 1 ? rounds : undefined,
      agentRssBytes: rss,
    };
    if (JSON_OUT) process.stdout.write(JSON.stringify(res) + '\n');
    else console.log(res);
  } finally {
    await h.sh('ip', ['netns', 'exec', l.nsA, 'birdc', '-s', join(h.DIR, 'bird.ctl'), 'down']);
    // Under GWCP_PROF the V8 profile is only written on a clean exit.
    if (d && process.env.GWCP_PROF) {
      d.child.kill('SIGTERM');
      await Promise.race([d.exited, new Promise((r) => setTimeout(r, 30_000))]);
    }
    if (d) await h.killAgent9(d);
    await h.teardown(l);
  }
}

void main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
