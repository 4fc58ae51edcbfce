// Does a /metrics scrape stall route programming? Route ops from the plugin (BATCH messages of 500 routes, one
// message per event-loop turn as they arrive from the socket) through CpiSession into the FIB over a
// FakeDataplane, with an EVPN model at overlay scale (--macs MACs, a tenth as many neighbors), once without
// scrapes and once with a full /metrics scrape every 100 ms, alternating, in the same run. Reports routes/s of
// both, their ratio, and what one scrape costs. The agent code comes from --root, so the same script measures
// another checkout (e.g. the pre-change baseline: a worktree with node_modules linked in).
//   NODE_OPTIONS=--expose-gc npx tsx bench/metrics-scrape.ts [--json] [--root DIR] [--routes 200000] [--macs 100000] [--rounds 3]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { benchPeers, hello, routeMessages } from './wire-messages.ts';

const arg = (name: string, d: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : d;
};
const ROOT = resolve(arg('--root', join(import.meta.dirname, '..')));
const N = Number(arg('--routes', '200000'));
const MACS = Number(arg('--macs', '100000'));
const ROUNDS = Number(arg('--rounds', '3'));
const SCRAPE_MS = 100;

/** A module of the checkout under test, from whichever layout it has (features/ since the feature modules). */
async function agent<T>(...paths: string[]): Promise<T> {
  const p = paths.map((x) => join(ROOT, 'agent/src', x)).find((x) => existsSync(x));
  if (!p) throw new Error(`none of ${paths.join(', ')} in ${ROOT}`);
  return (await import(pathToFileURL(p).href)) as T;
}

// Typed as this checkout's modules: the classes used here have the same shape in the older layout.
const { WIRE_VERSION } = (await import(pathToFileURL(join(ROOT, 'wire/gen/wire.gen.ts')).href)) as { WIRE_VERSION: number };
const { CpiSession } = await agent<typeof import('../agent/src/features/routing/session.ts')>('features/routing/session.ts', 'cpi/session.ts');
const { Fib } = await agent<typeof import('../agent/src/features/routing/fib.ts')>('features/routing/fib.ts', 'routing/fib.ts');
const { EvpnModel, KernelVniMap } = await agent<typeof import('../agent/src/features/routing/evpn.ts')>('features/routing/evpn.ts', 'routing/evpn.ts');
const { StaticPortResolver } = await agent<typeof import('../agent/src/features/routing/ports.ts')>('features/routing/ports.ts', 'routing/ports.ts');
const { FakeDataplane } = await agent<typeof import('../agent/src/dataplane/fake.ts')>('dataplane/fake.ts');
const { makeApiContext } = await agent<typeof import('../agent/src/api/context.ts')>('api/context.ts');
const { ConfigService } = await agent<typeof import('../agent/src/config/service.ts')>('config/service.ts');
const { FileStore } = await agent<typeof import('../agent/src/store/file-store.ts')>('store/file-store.ts');
const { AuditLog } = await agent<typeof import('../agent/src/audit/log.ts')>('audit/log.ts');

/** What the CPI component reads the VNI map with in production (the kernel's vxlan netdevs). */
function kernelVxlans(): { ifname: string; vni?: number; master?: string }[] {
  try {
    const out = execFileSync('ip', ['-d', '-j', 'link', 'show', 'type', 'vxlan'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return (JSON.parse(out) as { ifname: string; linkinfo?: { info_data?: { id?: number } } }[]).map((l) => ({
      ifname: l.ifname,
      ...(l.linkinfo?.info_data?.id !== undefined ? { vni: l.linkinfo.info_data.id } : {}),
    }));
  } catch {
    return [];
  }
}

const dir = mkdtempSync(join(tmpdir(), 'gwmg-bench-scrape-'));

async function setup(): Promise<{ handle: (m: Uint8Array) => void; scrape: () => Promise<number>; routes: () => number }> {
  const dp = new FakeDataplane({ maxRoutes: N + 1024 });
  dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
  dp.addPort({ name: 'eth1', device: 'x', mtu: 1500, vrf: 0 });
  const evpn = new EvpnModel(new KernelVniMap(kernelVxlans));
  for (let i = 0; i < MACS; i++) {
    const mac = `02:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:01`;
    evpn.mac('MAC_INSTALL', { vrf: 0, ifindex: 100 + (i % 64), ifname: `br${i % 64}`, mac, vtep: `192.0.2.${1 + (i % 200)}`, sticky: false, vlan: 0, brIfindex: 0 }, 1);
    if (i % 10 === 0) evpn.neigh('NEIGH_INSTALL', { vrf: 0, ifindex: 100 + (i % 64), ifname: `br${i % 64}`, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, mac, flags: 0, state: 0 }, 1);
  }
  // The checkout under test may predate wire schema 2: its fifth argument was firstEpoch (undefined = default),
  // its HELLO had no pid.
  const peers = WIRE_VERSION >= 2 ? benchPeers : (undefined as unknown as typeof benchPeers);
  const session = new CpiSession('ipc:///x', new Fib(dp, new StaticPortResolver(new Map([[7, 0]]))), evpn, { info: () => undefined, warn: () => undefined }, peers);
  session.handle('p', hello(WIRE_VERSION));
  const store = new FileStore(join(dir, `s${Math.random()}`));
  await store.open();
  const log = pino({ level: 'silent' });
  const audit = new AuditLog(join(dir, `a${Math.random()}`));
  const config = new ConfigService(store, audit, log);
  await config.start();
  const ctx = makeApiContext({ config, audit, log, dataplane: () => dp, cpi: () => session });
  return {
    handle: (m) => session.handle('p', m),
    scrape: async () => {
      ctx.metrics.beforeScrape();
      return (await ctx.metrics.registry.metrics()).length;
    },
    routes: () => session.snapshot().rib.routes,
  };
}

/** Programs the N routes one message per turn; with `scrapeEvery`, scrapes on a timer meanwhile. */
async function program(scrapeEvery: number | undefined): Promise<{ routesPerSec: number; scrapes: number; scrapeMs: number }> {
  const s = await setup();
  const msgs = routeMessages(N, 1);
  let scrapes = 0;
  let scrapeMs = 0;
  let busy = false;
  const timer =
    scrapeEvery === undefined
      ? undefined
      : setInterval(() => {
          if (busy) return;
          busy = true;
          const t = performance.now();
          void s.scrape().then(() => {
            scrapeMs += performance.now() - t;
            scrapes++;
            busy = false;
          });
        }, scrapeEvery);
  // The previous run's model is garbage now: collected before the clock starts, not during this run.
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  for (const m of msgs) {
    s.handle(m);
    await new Promise((r) => setImmediate(r));
  }
  const secs = (performance.now() - t0) / 1000;
  if (timer) clearInterval(timer);
  while (busy) await new Promise((r) => setTimeout(r, 5));
  if (s.routes() !== N) throw new Error(`FIB holds ${s.routes()} of ${N} routes`);
  return { routesPerSec: N / secs, scrapes, scrapeMs: scrapes ? scrapeMs / scrapes : 0 };
}

try {
  await program(undefined); // warm-up: JIT
  const none: number[] = [];
  const withScrapes: { routesPerSec: number; scrapes: number; scrapeMs: number }[] = [];
  // Alternating which goes first, so neither always runs right after the other's garbage.
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2) withScrapes.push(await program(SCRAPE_MS));
    none.push((await program(undefined)).routesPerSec);
    if (r % 2 === 0) withScrapes.push(await program(SCRAPE_MS));
  }
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  const res = {
    root: ROOT,
    routes: N,
    macs: MACS,
    rounds: ROUNDS,
    routesPerSecNoScrape: Math.round(median(none)),
    routesPerSecScrape100ms: Math.round(median(withScrapes.map((w) => w.routesPerSec))),
    ratio: median(withScrapes.map((w) => w.routesPerSec)) / median(none),
    scrapesPerRun: median(withScrapes.map((w) => w.scrapes)),
    msPerScrape: Number(median(withScrapes.map((w) => w.scrapeMs)).toFixed(2)),
    samples: { noScrape: none.map(Math.round), scrape100ms: withScrapes.map((w) => Math.round(w.routesPerSec)) },
  };
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(res) + '\n');
  else console.log(res);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
