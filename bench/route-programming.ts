// Benchmark: 1M IPv4 routes into the FIB while traffic flows through the gateway. Reports routes/s with traffic
// against routes/s into an idle gateway (same process, same run) and the packets lost by a steady UDP flow
// A -> B while the FIB churns, next to the loss of the same flow without churn. Loss is split: `lostInGateway`
// (into eth1 minus out of eth2, must be 0) vs drops before the gateway (veth's XDP ring on the host side,
// reported per interface), which on a shared 2-core machine also happen without churn.
//   npx tsx bench/route-programming.ts [--json] [--routes 1000000] [--batch 10000] [--pps 50000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseBootConfig } from '../agent/src/boot/config.ts';
import { Registry } from '../agent/src/core/daemon.ts';
import type { DataplaneApi, RouteOp } from '../agent/src/dataplane/api.ts';
import { DataplaneComponent } from '../agent/src/features/underlay/component.ts';
import { DATAPLANE } from '../agent/src/core/keys.ts';
import { bootYaml, createLab, destroyLab, labNames, must, nsExec, until } from '../test/dataplane/lab.ts';
import { blast, buildGenerator, mac } from './forwarding-veth.ts';

const PREFIX = 'gwrt-r';
const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const ROUTES = arg('--routes', 1_000_000);
const BATCH = arg('--batch', 10_000);
const PPS = arg('--pps', 50_000);
const NH = 1;
const GROUP = 1;

function ops(op: 'add' | 'del', n: number): RouteOp[] {
  const out: RouteOp[] = new Array(n);
  for (let i = 0; i < n; i++) {
    // /24s from 11.0.0.0 upwards; the flow's own destination gets a more specific route halfway through.
    const a = 11 + (i >> 16);
    const prefix = i === n >> 1 ? '10.0.2.2/32' : `${a}.${(i >> 8) & 255}.${i & 255}.0/24`;
    out[i] = op === 'add' ? { op, vrf: 0, prefix, target: { kind: 'unicast', group: GROUP } } : { op, vrf: 0, prefix };
  }
  return out;
}

/** Applies ops in batches, yielding to the event loop between batches; returns ops per second. */
async function program(dp: DataplaneApi, all: RouteOp[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < all.length; i += BATCH) {
    const res = dp.applyRoutes(all.slice(i, i + BATCH));
    const bad = res.findIndex((r) => r !== 'ok');
    if (bad >= 0) throw new Error(`route ${JSON.stringify(all[i + bad])}: ${res[bad]}`);
    await new Promise((r) => setImmediate(r));
  }
  return all.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
  const lab = await createLab(PREFIX);
  const boot = parseBootConfig(bootYaml(lab, tmp, { memoryMb: 1536, routes4: ROUTES + 65536 }));
  const ctx = { boot, log: pino({ level: 'warn' }), registry: new Registry() };
  const comp = new DataplaneComponent(ctx);
  try {
    const gen = await buildGenerator(tmp);
    await comp.start();
    const dp = ctx.registry.get(DATAPLANE);
    const eth2 = dp.ports().find((p) => p.name === 'eth2')!;
    if (dp.setNexthops([{ id: NH, port: eth2.id, gateway: '10.0.2.2' }])[0] !== 'ok') throw new Error('nexthop');
    if (dp.setGroups([{ id: GROUP, members: [{ nexthop: NH, weight: 1 }] }])[0] !== 'ok') throw new Error('group');
    await until('B reachable through the gateway', async () => (await nsExec(lab.nsA, ['ping', '-c1', '-W1', '10.0.2.2'])).code === 0, 20_000, 200);
    const gaMac = await mac(lab.nsG, lab.gA);
    const adds = ops('add', ROUTES);
    const dels = ops('del', ROUTES);

    // Warm-up: the first pass pays the page faults of the FIB's memory; both measured passes find it mapped.
    await program(dp, adds);
    await program(dp, dels);
    // Baselines in this run: programming an idle gateway, and the flow without churn.
    const idleAdd = await program(dp, adds);
    const idleDel = await program(dp, dels);
    const calm = await blast(lab, gen, gaMac, 60, 4, PPS);

    // Churn while the flow runs: add all, then delete all, inside the generator's window.
    const seconds = Math.ceil((ROUTES / idleAdd + ROUTES / idleDel) * 2) + 3;
    const vethDrops = async (): Promise<Record<string, number>> => {
      const o: Record<string, number> = {};
      for (const [ns, dev] of [[lab.nsA, lab.hA], [lab.nsG, lab.gA], [lab.nsG, lab.gB], [lab.nsB, lab.hB]] as const) {
        const j = JSON.parse(await must('ip', ['-n', ns, '-s', '-j', 'link', 'show', dev])) as { stats64: { rx: { dropped: number }; tx: { dropped: number } } }[];
        o[`${dev}.rxDropped`] = j[0]!.stats64.rx.dropped;
        o[`${dev}.txDropped`] = j[0]!.stats64.tx.dropped;
      }
      return o;
    };
    const eth1 = dp.ports().find((p) => p.name === 'eth1')!;
    const snap = (): Record<string, number> => {
      const o: Record<string, number> = {};
      const pc = dp.portCounters();
      o.gatewayIn = Number(pc.find((c) => c.port === eth1.id)!.rxPackets);
      o.gatewayOut = Number(pc.find((c) => c.port === eth2.id)!.txPackets);
      for (const c of dp.portCounters()) {
        for (const [k, v] of Object.entries(c.drops)) if (v > 0n) o[`port${c.port}.${k}`] = Number(v);
        if (c.txDrops > 0n) o[`port${c.port}.txDrops`] = Number(c.txDrops);
      }
      for (const p of dp.ports()) {
        const st = dp.portStats(p.id);
        o[`${p.name}.rxMissed`] = Number(st.rxMissed);
        o[`${p.name}.rxNoMbuf`] = Number(st.rxNoMbuf);
      }
      return o;
    };
    const before = { ...snap(), ...(await vethDrops()) };
    const flow = blast(lab, gen, gaMac, 60, seconds, PPS);
    await new Promise((r) => setTimeout(r, 1000));
    const busyAdd = await program(dp, adds);
    const fib = dp.routes(0).length;
    const busyDel = await program(dp, dels);
    const churn = await flow;
    const after = { ...snap(), ...(await vethDrops()) };
    const delta = (k: string): number => (after[k] ?? 0) - (before[k] ?? 0);
    const gatewayDrops = Object.fromEntries(
      Object.keys(after).filter((k) => k !== 'gatewayIn' && k !== 'gatewayOut' && delta(k) !== 0).map((k) => [k, delta(k)]),
    );

    const out = {
      bench: 'route-programming',
      baseline: 'same routes into the same gateway without traffic; same flow without churn',
      routes: ROUTES,
      batch: BATCH,
      fibSizeAfterAdd: fib,
      idle: { addPerSec: Math.round(idleAdd), delPerSec: Math.round(idleDel) },
      underTraffic: { addPerSec: Math.round(busyAdd), delPerSec: Math.round(busyDel) },
      addRatio: +(busyAdd / idleAdd).toFixed(3),
      flow: { pps: PPS, seconds, sent: churn.sent, received: churn.received, lost: churn.sent - churn.received, lostInGateway: delta('gatewayIn') - delta('gatewayOut'), gatewayDrops },
      flowWithoutChurn: { sent: calm.sent, received: calm.received, lost: calm.sent - calm.received },
    };
    if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(out)}\n`);
    else console.log(out);
  } finally {
    await comp.stop();
    await destroyLab(labNames(PREFIX));
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
