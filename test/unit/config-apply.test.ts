import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AuditLog } from '../../agent/src/audit/log.ts';
import { ConfigError } from '../../agent/src/config/errors.ts';
import { FEATURES } from '../../agent/src/config/features.ts';
import type { DesiredState } from '../../agent/src/config/model.ts';
import { ConfigService } from '../../agent/src/config/service.ts';
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { FileStore } from '../../agent/src/store/file-store.ts';
import type { ConfigConsumer } from '../../agent/src/config/consumer.ts';
import { dataplaneConsumer, FakeRecordingConsumer } from './config-consumers.ts';
import { validDoc } from './config-fixtures.ts';

const log = pino({ level: 'silent' });

describe('config service: generations and atomic apply', () => {
  let dir: string;
  let dp: FakeDataplane;
  let ports: ConfigConsumer;
  let frr: FakeRecordingConsumer;
  let svc: ConfigService;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gwmg-unit-'));
    // Each port takes two slots (port + punt tap): room for exactly the fixture's two ports.
    dp = new FakeDataplane({ maxPorts: 4 });
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
    ports = dataplaneConsumer(dp).consumer;
    frr = new FakeRecordingConsumer('fake-frr', FEATURES.filter((f) => f !== 'ports'));
    const store = new FileStore(dir);
    await store.open();
    const audit = new AuditLog(dir);
    audit.open();
    svc = new ConfigService(store, audit, log);
    // Order matters: the dataplane is applied before FRR, as in the daemon.
    svc.addConsumer(ports);
    svc.addConsumer(frr);
    await svc.start();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const put = (doc: DesiredState, ifMatch: number | undefined, dryRun = false) =>
    svc.write({ who: 'test', action: 'put-config', ifMatch, dryRun, build: () => doc });

  it('numbers generations and requires If-Match of the newest one', async () => {
    const err = await put(validDoc(), undefined).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError).with.property('code', 'PRECONDITION_REQUIRED');
    expect((await put(validDoc(), 0)).generation).to.equal(1);
    const stale = await put(validDoc(), 0).catch((e: unknown) => e);
    expect(stale).to.be.instanceOf(ConfigError).with.property('code', 'STALE_GENERATION');
    expect((stale as ConfigError).extra.current).to.equal(1);
    expect(frr.generations).to.deep.equal([1]);
  });

  it('of concurrent writers with the same If-Match exactly one wins', async () => {
    await put(validDoc(), 0);
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((i) => {
        const d = validDoc();
        d.gateway.asn = 65010 + i;
        return put(d, 1);
      }),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).to.have.length(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as ConfigError).code)).to.deep.equal(
      Array(4).fill('STALE_GENERATION'),
    );
    expect(svc.status().generation).to.equal(2);
  });

  it('dry-run returns the diff and changes nothing', async () => {
    await put(validDoc(), 0);
    const d = validDoc();
    d.vpcs[0]!.vni = 101;
    const r = await put(d, 1, true);
    expect(r).to.deep.include({ dryRun: true, applied: false, generation: 2 });
    expect(r.diff).to.deep.equal([{ op: 'replace', path: '/vpcs/0/vni', from: 100, to: 101 }]);
    expect(svc.status().generation).to.equal(1);
    expect(frr.realized?.vpcs[0]?.vni).to.equal(100);
  });

  it('a generation the dataplane refuses leaves the previous one fully in force', async () => {
    await put(validDoc(), 0);
    const before = dp.ports().map((p) => p.name);
    expect(before).to.deep.equal(['eth1', 'eth2']);
    // A third port exceeds the fake dataplane's port limit; dropping eth2 first makes the rollback real work.
    const d = validDoc();
    d.gateway.ports[1]!.mtu = 9000;
    d.gateway.ports.push({ name: 'eth3', device: 'net_tap2,iface=gwmg2', mtu: 1500, addresses: ['10.1.0.5/31'] });
    const err = (await put(d, 1).catch((e: unknown) => e)) as ConfigError;
    expect(err.code).to.equal('REFUSED');
    expect(err.extra.problems?.[0]).to.include({ code: 'REFUSED', path: '/gateway/ports/2' });
    // Back to generation 1 everywhere: same ports with the same devices, FRR never saw generation 2.
    expect(dp.ports().map((p) => [p.name, p.device, p.mtu]).sort()).to.deep.equal([
      ['eth1', 'net_tap0,iface=gwmg0', 1500],
      ['eth2', 'net_tap1,iface=gwmg1', 1500],
    ]);
    expect(frr.generations).to.deep.equal([1]);
    const s = svc.status();
    expect(s).to.include({ generation: 2, observedGeneration: 1 });
    expect(s.lastError?.generation).to.equal(2);
    expect(s.lastError?.rollbackErrors).to.deep.equal([]);
  });

  it('a refusal by a later consumer re-applies the previous generation to earlier ones', async () => {
    await put(validDoc(), 0);
    const failing = new FakeRecordingConsumer('fake-refuser');
    failing.apply = async (next) => {
      if (next.generation === 2) throw new Error('no');
      failing.generations.push(next.generation);
    };
    svc.addConsumer(failing);
    const d = validDoc();
    d.gateway.ports.pop();
    expect(((await put(d, 1).catch((e: unknown) => e)) as ConfigError).code).to.equal('REFUSED');
    expect(dp.ports().map((p) => p.name).sort()).to.deep.equal(['eth1', 'eth2']);
    expect(frr.generations).to.deep.equal([1, 2, 1]);
  });

  it('re-applying the document in force is a no-op; re-sending a refused one retries it', async () => {
    await put(validDoc(), 0);
    expect(await put(validDoc(), 1)).to.deep.equal({ generation: 1, dryRun: false, applied: true, diff: [] });
    expect(svc.status().generation).to.equal(1);
    const d = validDoc();
    d.gateway.ports.push({ name: 'eth3', device: 'net_tap2,iface=gwmg2', mtu: 1500, addresses: ['10.1.0.5/31'] });
    await put(d, 1).catch(() => undefined);
    expect(svc.status()).to.include({ generation: 2, observedGeneration: 1 });
    // Same refused document again: a new generation, applied again (and refused again by the port limit).
    expect(((await put(d, 2).catch((e: unknown) => e)) as ConfigError).code).to.equal('REFUSED');
    expect(svc.status()).to.include({ generation: 3, observedGeneration: 1 });
  });

  it('booting into a refused generation runs the last generation applied successfully', async () => {
    await put(validDoc(), 0);
    const d = validDoc();
    d.gateway.ports.push({ name: 'eth3', device: 'net_tap2,iface=gwmg2', mtu: 1500, addresses: ['10.1.0.5/31'] });
    await put(d, 1).catch(() => undefined);
    // A restarted agent: same store and audit, fresh dataplane and FRR.
    const dp2 = new FakeDataplane({ maxPorts: 4 });
    dp2.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
    const frr2 = new FakeRecordingConsumer('fake-frr', FEATURES.filter((f) => f !== 'ports'));
    const audit = new AuditLog(dir);
    audit.open();
    const svc2 = new ConfigService(svc.store, audit, log);
    svc2.addConsumer(dataplaneConsumer(dp2).consumer);
    svc2.addConsumer(frr2);
    await svc2.start();
    expect(svc2.status()).to.include({ generation: 2, observedGeneration: 1 });
    expect(svc2.status().lastError?.generation).to.equal(2);
    expect(dp2.ports().map((p) => p.name).sort()).to.deep.equal(['eth1', 'eth2']);
    expect(frr2.generations.at(-1)).to.equal(1);
    expect(frr2.realized).to.deep.equal(validDoc());
  });

  it('rejects semantic problems before storing and counts them by code', async () => {
    const d = validDoc();
    d.vpcs[1]!.vni = 100;
    const err = (await put(d, 0).catch((e: unknown) => e)) as ConfigError;
    expect(err.code).to.equal('INVALID_CONFIG');
    expect(err.extra.problems?.map((p) => p.path)).to.deep.equal(['/vpcs/1/vni']);
    expect(svc.status().generation).to.equal(0);
    expect(svc.counters.rejected).to.deep.equal({ DUPLICATE: 1 });
  });

  it('refuses features no consumer realizes', async () => {
    const lonely = new ConfigService(svc.store, new AuditLog(dir), log);
    lonely.addConsumer(ports);
    const err = (await lonely.write({ who: 't', action: 'put', ifMatch: 0, dryRun: true, build: () => validDoc() }).catch((e: unknown) => e)) as ConfigError;
    expect(err.extra.problems?.every((p) => p.code === 'NOT_SUPPORTED')).to.equal(true);
    expect(err.extra.problems?.map((p) => p.path)).to.include('/gateway/neighbors/0');
  });
});
