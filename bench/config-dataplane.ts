// Cost of realizing the document's static routes in the real dataplane (addon in this process, EAL without
// hugepages, one net_ring port), as ratios to a baseline measured in the same run:
//   baseline      the same N routes written directly: one applyRoutes batch (add), then one (del)
//   apply.full    DataplaneConfigConsumer.apply: empty -> N routes (validate, desired tables, diff, batch writes)
//   apply.one     N routes in force, one of them changes its next hop (the diff writes one route)
//   apply.clear   N routes -> none
// Needs root (netns for the port's tap). Usage: node --import tsx bench/config-dataplane.ts [--json] [--n 10000]
import { execFileSync } from 'node:child_process';
import { emptyState, type Generation } from '../agent/src/config/model.ts';
import { DataplaneConfigConsumer } from '../agent/src/features/underlay/config-consumer.ts';
import { NativeDataplane } from '../agent/src/dataplane/native.ts';
import { IdRange, Realizer } from '../agent/src/features/underlay/realizer.ts';
import { parseDataplaneSection } from '../agent/src/features/underlay/section.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const n = Number(args[args.indexOf('--n') + 1] ?? 0) || 10_000;
const ROUNDS = 3;
const NS = 'gwdc-bench';

const prefixOf = (i: number): string => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
const gen = (g: number, routes: number, via = '10.0.0.2'): Generation => {
  const spec = emptyState();
  for (let i = 0; i < routes; i++) spec.staticRoutes.push({ prefix: prefixOf(i), nexthops: [{ ip: via }] });
  return { generation: g, spec };
};
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function dropNs(): void {
  try {
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  } catch {
    // not there
  }
}

async function run(): Promise<void> {
  dropNs(); // a crashed earlier run
  execFileSync('ip', ['netns', 'add', NS]);
  const dp = new NativeDataplane();
  try {
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 512, tables: { maxRoutes4: 4 * n + 1024, maxVrfs: 2 }, extraArgs: ['--no-pci'] });
    const port = dp.addPort({ name: 'ring0', device: 'net_ring_gwdcb0', mtu: 1500, vrf: 0, netns: NS, tapName: 'gwdc-b0' });
    dp.startWorkers();
    const boot = parseDataplaneSection({ ports: [{ name: 'ring0', device: 'net_ring_gwdcb0', netns: NS, tapName: 'gwdc-b0', addresses: ['10.0.0.1/24'] }] });
    const noPorts = {
      async add(): Promise<never> {
        throw new Error('the bench document has no ports');
      },
      async remove(): Promise<void> {},
      async setTapAddresses(): Promise<void> {},
      portsChanged(): void {},
    };
    const realizer = new Realizer(dp, noPorts, { nexthops: new IdRange(61441, 65535), groups: new IdRange(61441, 65535) }, new Map([['ring0', port]]));
    const consumer = new DataplaneConfigConsumer(realizer, boot, { maxRoutes4: 4 * n + 1024, maxRoutes6: 4096, ids: 4000, ports: 8 });
    const full = gen(1, n);
    const one = gen(2, n);
    one.spec.staticRoutes[n >> 1]!.nexthops = [{ ip: '10.0.0.3' }];
    const empty: Generation = { generation: 3, spec: emptyState() };

    const res: Record<string, number[]> = { baselineAdd: [], baselineDel: [], applyFull: [], applyOne: [], applyClear: [] };
    for (let r = 0; r < ROUNDS; r++) {
      // Baseline: what the writes alone cost (one nexthop, one group, N routes in one batch).
      dp.setNexthops([{ id: 1, port: port.id, gateway: '10.0.0.2' }]);
      dp.setGroups([{ id: 1, members: [{ nexthop: 1, weight: 1 }] }]);
      const ops = Array.from({ length: n }, (_, i) => ({ op: 'add' as const, vrf: 0, prefix: prefixOf(i), target: { kind: 'unicast' as const, group: 1 } }));
      let t0 = process.hrtime.bigint();
      const added = dp.applyRoutes(ops);
      res.baselineAdd!.push(ms(t0));
      if (added.some((c) => c !== 'ok')) throw new Error(`baseline add: ${added.find((c) => c !== 'ok')}`);
      t0 = process.hrtime.bigint();
      dp.applyRoutes(ops.map((o) => ({ op: 'del' as const, vrf: 0, prefix: o.prefix })));
      res.baselineDel!.push(ms(t0));
      dp.delGroups([1]);
      dp.delNexthops([1]);

      t0 = process.hrtime.bigint();
      await consumer.apply(full);
      res.applyFull!.push(ms(t0));
      if (dp.routes(0).length < n) throw new Error(`apply.full left ${dp.routes(0).length} routes`);
      t0 = process.hrtime.bigint();
      await consumer.apply(one);
      res.applyOne!.push(ms(t0));
      t0 = process.hrtime.bigint();
      await consumer.apply(empty);
      res.applyClear!.push(ms(t0));
    }
    const m = { baselineAdd: median(res.baselineAdd!), baselineDel: median(res.baselineDel!), applyFull: median(res.applyFull!), applyOne: median(res.applyOne!), applyClear: median(res.applyClear!) };
    const out = {
      bench: 'config-dataplane',
      routes: n,
      rounds: ROUNDS,
      medianMs: m,
      ratios: {
        applyFullVsBaselineAdd: m.applyFull / m.baselineAdd,
        applyClearVsBaselineDel: m.applyClear / m.baselineDel,
        applyOneVsApplyFull: m.applyOne / m.applyFull,
      },
      routesPerSecond: { baseline: (n / m.baselineAdd) * 1000, apply: (n / m.applyFull) * 1000 },
    };
    if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else {
      console.log(`${n} static routes, median of ${ROUNDS} rounds (ms): ${JSON.stringify(m)}`);
      console.log(`apply.full / baseline add   ${out.ratios.applyFullVsBaselineAdd.toFixed(2)}`);
      console.log(`apply.clear / baseline del  ${out.ratios.applyClearVsBaselineDel.toFixed(2)}`);
      console.log(`apply.one / apply.full      ${out.ratios.applyOneVsApplyFull.toFixed(3)}`);
    }
  } finally {
    dp.shutdown();
    dropNs();
  }
}

void run();
