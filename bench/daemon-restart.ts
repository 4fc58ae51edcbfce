// Forwarding outage when vpc-gatewayd dies, on the `restart` lab (containerlab/restart.clab.yml), the lab runner
// supervising the gateway. Each round runs a one-way UDP flow h1 -> h2 through the gateway (one packet every
// 10 ms) and measures the longest run of lost packets:
//   baseline   SIGTERM: a clean stop, then the supervisor's restart (what a planned restart costs)
//   kill -9    SIGKILL: the crash (start-up clean-up of what the dead agent left, then the same restart)
// Rounds alternate the two, so host noise hits both alike. Reported per round, median and max, and the medians'
// ratio kill -9 / baseline. Needs root; run it under the integration lock:
//   flock /tmp/vpcgw-integration.lock node --import tsx bench/daemon-restart.ts [--json] [--rounds 10] [--keep]
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bgpState, fib, gatewayNodes, portCounters, udpFlow, type GatewayNode } from '../agent/src/lab/observe.ts';
import { cmdPid, down, up } from '../agent/src/lab/runner.ts';
import { waitFor } from '../agent/src/lab/sh.ts';
import { loadTopology } from '../agent/src/lab/topology.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 0) || 10;
const INTERVAL_MS = 10;
const PACKETS = 2000; // 20 s per round: room for the outage and for the flow to run on after it

const topo = loadTopology(`${REPO}/containerlab/restart.clab.yml`);

async function converged(gw: GatewayNode): Promise<boolean> {
  const peers = await bgpState(gw).catch(() => []);
  return peers.length === 1 && peers[0]!.state === 'Established' && (await fib(gw).catch(() => [])).some((r) => r.prefix === '10.2.2.0/24');
}

/** One round: the flow starts, the daemon gets `sig` once the flow crosses it; returns the outage in ms. */
async function round(gw: GatewayNode, sig: NodeJS.Signals): Promise<number> {
  await waitFor('a converged gateway', () => converged(gw), 90_000, 250);
  const agent = cmdPid(topo.name, gw.node);
  if (agent === undefined) throw new Error('gateway daemon not running');
  const tx = async (): Promise<bigint> => (await portCounters(gw)).find((p) => p.name === 'eth1')!.txPackets;
  const tx0 = await tx();
  const flow = udpFlow(topo.nodes.find((n) => n.name === 'h1')!.netns, topo.nodes.find((n) => n.name === 'h2')!.netns, '10.2.2.10', PACKETS, INTERVAL_MS);
  await flow.started;
  await waitFor('the flow through the gateway', async () => (await tx()) - tx0 >= 100n, 10_000, 50);
  process.kill(agent, sig);
  const r = await flow.done;
  if (r.received < PACKETS - r.longestGap - 100) throw new Error(`the flow did not resume (${r.received}/${PACKETS} received, gap ${r.longestGap})`);
  // The next round starts from a gateway that is fully back (the restarted one converged, BFD keyed).
  await waitFor('the restarted gateway', async () => cmdPid(topo.name, gw.node) !== agent && (await converged(gw)), 60_000, 250);
  await new Promise((r) => setTimeout(r, 6000));
  return r.longestGap * r.paceMs;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  await down(topo);
  await up(topo);
  const gw = gatewayNodes(topo)[0]!;
  const term: number[] = [];
  const kill: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      term.push(await round(gw, 'SIGTERM'));
      kill.push(await round(gw, 'SIGKILL'));
      if (!json) process.stdout.write(`round ${String(i + 1).padStart(2)}: SIGTERM (baseline) ${(term[i]! / 1000).toFixed(2)} s   kill -9 ${(kill[i]! / 1000).toFixed(2)} s\n`);
    }
  } finally {
    if (!args.includes('--keep')) await down(topo);
  }
  const result = {
    bench: 'daemon-restart',
    rounds,
    flowIntervalMs: INTERVAL_MS,
    baselineSigtermMs: { perRound: term.map(Math.round), median: Math.round(median(term)), max: Math.round(Math.max(...term)) },
    kill9Ms: { perRound: kill.map(Math.round), median: Math.round(median(kill)), max: Math.round(Math.max(...kill)) },
    ratioMedian: Number((median(kill) / median(term)).toFixed(2)),
    ratioMax: Number((Math.max(...kill) / Math.max(...term)).toFixed(2)),
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`baseline (SIGTERM + restart): median ${(result.baselineSigtermMs.median / 1000).toFixed(2)} s, max ${(result.baselineSigtermMs.max / 1000).toFixed(2)} s\n`);
    process.stdout.write(`kill -9 + restart:            median ${(result.kill9Ms.median / 1000).toFixed(2)} s, max ${(result.kill9Ms.max / 1000).toFixed(2)} s\n`);
    process.stdout.write(`ratio kill -9 / baseline:     median ${result.ratioMedian}, max ${result.ratioMax}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`daemon-restart: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
