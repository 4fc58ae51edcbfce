// An in-process API for unit tests: the real express app (auth, body bounds, request and response validation
// against openapi/gateway.yaml) over a real unix socket and TCP, around fakes — FakeDataplane, FakeCpi,
// FakeFrr, FakeFrrNeighbors, a fake FRR config consumer and the vpc consumer over FakeOverlayTables. TCP has a read and a write token and, when asked,
// anonymous reads; every log line is kept so tests can look for what must never be logged.
import { expect } from 'chai';
import { request, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildApp } from '../../agent/src/api/app.ts';
import { makeApiContext } from '../../agent/src/api/context.ts';
import { closeServer, listenTcp, listenUnix } from '../../agent/src/api/server.ts';
import { AuditLog } from '../../agent/src/audit/log.ts';
import { FEATURES } from '../../agent/src/config/features.ts';
import { ConfigService } from '../../agent/src/config/service.ts';
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import type { FrrNeighborSource } from '../../agent/src/features/frr/neighbors.ts';
import type { FrrSnapshot, FrrStatusSource } from '../../agent/src/features/frr/status.ts';
import type { CpiStatus, CpiStatusSource } from '../../agent/src/features/routing/status.ts';
import { LogLevels } from '../../agent/src/log/levels.ts';
import { FileStore } from '../../agent/src/store/file-store.ts';
import type { Reply, Target } from '../api/http.ts';
import { dataplaneConsumer, FakeRecordingConsumer } from './config-consumers.ts';
import { NatRealizer } from '../../agent/src/features/nat/realizer.ts';
import { NatStatusView } from '../../agent/src/features/nat/status.ts';
import { vpcConsumer } from './vpc-fakes.ts';

export class FakeCpi implements CpiStatusSource {
  snapshot(): CpiStatus {
    return {
      state: 'established', endpoint: 'ipc:///tmp/gwmg-fake.sock', schemaVersion: 1, peerSchemaVersion: 1, frrVersion: '8.4.4',
      pluginInstance: 'gwmg', epoch: 3, epochComplete: true, lastSweepRemoved: 0, lastMessageAt: null,
      stale: { entries: 4, sweepPending: true, reason: 'peer 10.0.1.0: Active', holding: null, since: '2026-01-01T00:00:00.000Z', maxSeconds: 120, lastSweep: null },
      ops: { ROUTE_INSTALL: { received: 10, ok: 9, failed: 1 } }, pendingOps: 0, malformed: { BAD_TYPE: 2 },
      peer: { pid: 4242, connections: { accepted: 1, refused: 3 }, refused: { not_zebra: 3 }, lastRefusal: { at: '2026-12-06T00:00:00.000Z', reason: 'pid 7 runs as uid 0' } },
      logSuppressed: 0, messagesReceived: 12, batchesAnswered: 11, recentFailures: [], rib: { vrfs: 1, routes: 9, nexthops: 2, groups: 1 },
      evpn: { macs: 0, neighbors: 0, vteps: 0, vnis: 0 },
    };
  }
}

export class FakeFrr implements FrrStatusSource {
  drain: FrrSnapshot['drain'] = { drained: false, since: null };
  snapshot(): FrrSnapshot {
    return {
      instance: 'gwmg', plugin: null, kernelForwarding: false, generation: 1,
      daemons: [{ daemon: 'bgpd', pid: 42, running: true, restarts: 1, lastExit: null }],
      lastApply: { ok: false, at: '2026-01-01T00:00:00.000Z', generation: 2, code: 'FRR_CONFIG_INVALID', detail: 'line 3' },
      counters: { applies: 1, applyFailures: { FRR_CONFIG_INVALID: 1 }, daemonRestarts: 1 },
      drain: this.drain,
      fragments: 0,
    };
  }
  config(): string {
    return 'router bgp 65001\n';
  }
  async setDrained(drained: boolean): Promise<FrrSnapshot['drain']> {
    this.drain = { drained, since: drained ? '2026-01-01T00:00:00.000Z' : null };
    return this.drain;
  }
}

export class FakeFrrNeighbors implements FrrNeighborSource {
  async bgp() {
    return [{ peer: '10.1.0.0', state: 'Established', pfxRcd: 12 }, { peer: '10.1.0.2', state: 'Active', pfxRcd: 0 }];
  }
  async bfd() {
    return [{ peer: '10.1.0.0', status: 'up', iface: 'eth1' }];
  }
}

export const WRITE_TOKEN = 'gwmg-test-token-0123456789';
export const READ_TOKEN = 'gwmg-read-token-9876543210';

export interface ApiFixture {
  dir: string;
  dp: FakeDataplane;
  frr: FakeRecordingConsumer;
  config: ConfigService;
  unix: Target;
  tcp: Target;
  /** Every log line the API wrote (debug and up), as text. */
  logText(): string;
  close(): Promise<void>;
}

export async function startApi(opts: { anonymousReads?: boolean; unixMode?: number } = {}): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'gwmg-api-'));
  const dp = new FakeDataplane({ maxPorts: 4 });
  dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const logs = new LogLevels({ level: 'debug', destination: sink });
  const log = logs.for('api');
  const store = new FileStore(dir);
  await store.open();
  const audit = new AuditLog(dir);
  audit.open();
  const config = new ConfigService(store, audit, pino({ level: 'silent' }));
  config.addConsumer(dataplaneConsumer(dp).consumer);
  const frr = new FakeRecordingConsumer('fake-frr', FEATURES.filter((f) => !['ports', 'groups', 'rateLimit'].includes(f)));
  config.addConsumer(frr);
  const vpc = vpcConsumer();
  config.addConsumer(vpc.consumer);
  await config.start();
  // NAT's view without NAT tables (the fake FRR consumer stands in for whoever realizes NAT documents here).
  const nat = new NatStatusView(new NatRealizer(undefined), { static: false, stateful: false }, () => undefined, () => undefined);
  const cpi = new FakeCpi();
  const frrSrc = new FakeFrr();
  const neighbors = new FakeFrrNeighbors();
  const ctx = makeApiContext({ config, audit, log, logs, dataplane: () => dp, cpi: () => cpi, frr: () => frrSrc, frrNeighbors: () => neighbors, vpcs: () => vpc.directory, vpcStatus: () => vpc.status, nat: () => nat });
  const sock = join(dir, 'api.sock');
  const servers: Server[] = [await listenUnix(buildApp(ctx, { transport: 'unix' }), sock, opts.unixMode ?? 0o600)];
  const tokens = [
    { name: 'ops', token: WRITE_TOKEN, scope: 'write' as const },
    { name: 'viewer', token: READ_TOKEN, scope: 'read' as const },
  ];
  const t = await listenTcp(buildApp(ctx, { transport: 'tcp', tokens, anonymousReads: opts.anonymousReads === true }), '127.0.0.1', 0);
  servers.push(t);
  return {
    dir,
    dp,
    frr,
    config,
    unix: { socket: sock },
    tcp: { host: '127.0.0.1', port: (t.address() as AddressInfo).port },
    logText: () => lines.join(''),
    close: async () => {
      await Promise.all(servers.map(closeServer));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An RFC 9457 problem+json answer with this status, code and (when given) JSON pointer. */
export function expectProblem(r: Pick<Reply, 'status' | 'headers' | 'body'>, status: number, code: string, path?: string): void {
  expect(r.status, JSON.stringify(r.body)).to.equal(status);
  expect(String(r.headers['content-type'])).to.match(/^application\/problem\+json/);
  expect(r.body).to.include({ status, code });
  expect(r.body.type).to.be.a('string');
  if (path !== undefined) expect(r.body.path).to.equal(path);
}

/** A request whose body is absent, sent as given (Buffer) or never ends (`endless`: chunks keep coming until the answer). */
export function send(t: Target, method: string, path: string, headers: Record<string, string>, body: Buffer | { endless: Buffer } | undefined): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const r = request({ ...(t.socket ? { socketPath: t.socket } : { host: t.host, port: t.port }), method, path, headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : undefined });
        r.destroy();
      });
    });
    r.on('error', (e) => (answered ? undefined : reject(e)));
    if (body === undefined) {
      r.end();
      return;
    }
    if (Buffer.isBuffer(body)) {
      r.setHeader('content-length', String(body.length));
      r.end(body);
      return;
    }
    // Chunked and endless: only an answer that does not wait for the end of the body can arrive.
    r.setHeader('transfer-encoding', 'chunked');
    const pump = (): void => {
      if (answered || r.destroyed) return;
      if (r.write(body.endless)) setImmediate(pump);
      else r.once('drain', pump);
    };
    pump();
  });
}

/**
 * Runs `fn` (requests to an in-process server) and measures the longest time this process's event loop went
 * without running a 5 ms heartbeat timer: what a synchronous stall of the server costs every other client.
 */
export async function stallWhile<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  let last = performance.now();
  let max = 0;
  const beat = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
  }, 5);
  try {
    const value = await fn();
    return { value, ms: Math.max(max, performance.now() - last) };
  } finally {
    clearInterval(beat);
  }
}
