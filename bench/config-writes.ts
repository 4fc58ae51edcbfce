// Cost of a durable config write, as ratios to a baseline measured in the same run:
//   baseline        write the same generation JSON to a file without fsync (what "not durable" would cost)
//   store.commit    FileStore.commit: temp file + fsync + rename + directory fsync
//   api.put         PUT /v1/vpcs/{name} over the unix socket: validation, store commit, apply, audit fsync
// Usage: node --import tsx bench/config-writes.ts [--json] [--n 200]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../agent/src/api/app.ts';
import { makeApiContext } from '../agent/src/api/context.ts';
import { closeServer, listenUnix } from '../agent/src/api/server.ts';
import { AuditLog } from '../agent/src/audit/log.ts';
import { FEATURES } from '../agent/src/config/features.ts';
import { emptyState } from '../agent/src/config/model.ts';
import { ConfigService } from '../agent/src/config/service.ts';
import { FileStore } from '../agent/src/store/file-store.ts';
import { call } from '../test/api/http.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const n = Number(args[args.indexOf('--n') + 1] ?? 0) || 200;

const ROUNDS = 5;

/** µs per op of one round of `n / ROUNDS` ops; `next` numbers ops across rounds. */
async function timeRound(fn: (i: number) => Promise<void> | void, next: { i: number }): Promise<number> {
  const k = Math.ceil(n / ROUNDS);
  const t0 = process.hrtime.bigint();
  for (let j = 0; j < k; j++) await fn(next.i++);
  return Number(process.hrtime.bigint() - t0) / 1e3 / k;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const vpc = (i: number) => ({ name: `v${i}`, id: `i${i}`, vni: 1000 + i, subnets: [{ name: 's', cidr: `10.${Math.floor(i / 250)}.${i % 250}.0/24` }] });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gwmg-bench-'));
  let server: Server | undefined;
  try {
    const doc = { ...emptyState(), vpcs: Array.from({ length: 50 }, (_, i) => vpc(i)) };
    const text = JSON.stringify({ generation: 1, spec: doc });
    const plainWrite = (i: number): void => writeFileSync(join(dir, `plain-${i % 8}.json`), text);

    const store = new FileStore(join(dir, 'store'));
    await store.open();
    const storeCommit = async (i: number): Promise<void> => {
      await store.commit(i, { spec: doc, createdAt: new Date().toISOString(), author: 'bench' });
    };

    const log = pino({ level: 'silent' });
    const apiStore = new FileStore(join(dir, 'api'));
    await apiStore.open();
    const audit = new AuditLog(join(dir, 'api'));
    const config = new ConfigService(apiStore, audit, log, [...FEATURES]);
    await config.start();
    const ctx = makeApiContext({ config, audit, log });
    const socket = join(dir, 'api.sock');
    server = await listenUnix(buildApp(ctx, { transport: 'unix' }), socket, 0o600);
    const first = emptyState();
    first.gateway.vtep = { ip: '10.0.0.1', mac: '02:00:00:00:00:01' };
    await call({ socket }, 'PUT', '/v1/config', first, { 'if-match': '"0"' });
    const apiPut = async (i: number): Promise<void> => {
      const r = await call({ socket }, 'PUT', `/v1/vpcs/v${i}`, vpc(i), { 'if-match': `"${i + 1}"` });
      if (r.status !== 200) throw new Error(`PUT ${i}: ${r.status} ${r.text}`);
    };
    // Interleaved rounds, medians: disk and CPU contention from other work hits all three alike.
    const rounds = { baseline: [] as number[], commit: [] as number[], put: [] as number[] };
    const seq = { plain: { i: 0 }, commit: { i: 0 }, put: { i: 0 } };
    for (let r = 0; r < ROUNDS; r++) {
      rounds.baseline.push(await timeRound(plainWrite, seq.plain));
      rounds.commit.push(await timeRound(storeCommit, seq.commit));
      rounds.put.push(await timeRound(apiPut, seq.put));
    }
    const [baseline, commit, put] = [median(rounds.baseline), median(rounds.commit), median(rounds.put)];

    const result = {
      n,
      baselineUsPerOp: Math.round(baseline),
      ratios: { storeCommit: +(commit / baseline).toFixed(1), apiPut: +(put / baseline).toFixed(1), apiPutOverCommit: +(put / commit).toFixed(2) },
    };
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(`baseline (no fsync) ${result.baselineUsPerOp} µs/op over ${n} writes\n`);
      process.stdout.write(`FileStore.commit    ${result.ratios.storeCommit}x baseline\n`);
      process.stdout.write(`API PUT /v1/vpcs    ${result.ratios.apiPut}x baseline (${result.ratios.apiPutOverCommit}x a bare commit)\n`);
    }
  } finally {
    if (server) await closeServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
