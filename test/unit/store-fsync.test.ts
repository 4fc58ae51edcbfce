// The embedded store's durability beyond kill -9 (docs/management.md "Store"): every generation is flushed file
// first, then its directory; a failed flush refuses the write and leaves the previous generation as the newest,
// now and after a restart; temp files a crash left are removed at open; audit lines survive a torn predecessor. The disk errors come from a fake fsync
// (the real one cannot be made to fail on demand); the files, renames and directory are real.
import { expect } from 'chai';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { AuditLog } from '../../agent/src/audit/log.ts';
import { ConfigError } from '../../agent/src/config/errors.ts';
import { FEATURES } from '../../agent/src/config/features.ts';
import { ConfigService } from '../../agent/src/config/service.ts';
import { FileStore } from '../../agent/src/store/file-store.ts';
import { appendLineDurable, realFsync, type Fsync } from '../../agent/src/store/fsync.ts';
import { StoreError, type NewGeneration } from '../../agent/src/store/store.ts';
import { FakeRecordingConsumer } from './config-consumers.ts';
import { validDoc } from './config-fixtures.ts';

const EIO = (): Error => Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });

/** A fake fsync: records what it flushed and what the directory looked like then; fails on demand. */
class FakeFsync implements Fsync {
  readonly calls: { what: 'file' | 'dir'; path: string; dirListing: string[] }[] = [];
  failFile = false;
  failDir = false;

  constructor(private readonly configDir: string) {}

  async file(fh: FileHandle, path: string): Promise<void> {
    this.calls.push({ what: 'file', path: basename(path), dirListing: readdirSync(this.configDir).sort() });
    if (this.failFile) throw EIO();
    await realFsync.file(fh, path);
  }

  async dir(path: string): Promise<void> {
    this.calls.push({ what: 'dir', path, dirListing: readdirSync(this.configDir).sort() });
    if (this.failDir) throw EIO();
    await realFsync.dir(path);
  }
}

const gen = (author: string): NewGeneration => ({ spec: validDoc(), createdAt: new Date().toISOString(), author });

describe('file store: fsync of the file and its directory, refused writes, torn temp files', () => {
  let state: string;
  let configDir: string;
  let fsync: FakeFsync;
  let store: FileStore;

  beforeEach(async () => {
    state = mkdtempSync(join(tmpdir(), 'gwmg-unit-fsync-'));
    configDir = join(state, 'config');
    fsync = new FakeFsync(configDir);
    store = new FileStore(state, fsync);
    await store.open();
  });
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  const reopened = async (): Promise<FileStore> => {
    const s = new FileStore(state);
    await s.open();
    return s;
  };

  it('flushes the temp file before its name appears, then the directory after the rename', async () => {
    await store.commit(0, gen('a'));
    expect(fsync.calls.map((c) => c.what)).to.deep.equal(['file', 'dir']);
    const [file, dir] = fsync.calls;
    expect(file!.path).to.match(/^gen-000000001\.json\.tmp-\d+$/);
    expect(file!.dirListing, 'at the file fsync the generation is not visible yet').to.deep.equal([file!.path]);
    expect(dir!.path).to.equal(configDir);
    expect(dir!.dirListing, 'at the directory fsync the rename is done').to.deep.equal(['gen-000000001.json']);
  });

  for (const which of ['file', 'dir'] as const) {
    it(`a failing ${which} fsync refuses the write with STORE_UNAVAILABLE; the old generation stays the newest, also after a restart`, async () => {
      await store.commit(0, gen('first'));
      if (which === 'file') fsync.failFile = true;
      else fsync.failDir = true;
      const err = await store.commit(1, gen('second')).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(StoreError);
      expect(err).to.have.property('code', 'STORE_UNAVAILABLE');
      expect((err as Error).message).to.match(which === 'file' ? /^cannot write generation 2: fsync failed: EIO/ : /^cannot write generation 2: directory fsync failed: EIO/);
      // Nothing of the refused write is left: no generation 2, no temp file.
      expect(readdirSync(configDir)).to.deep.equal(['gen-000000001.json']);
      expect((await store.latest())?.author).to.equal('first');
      const after = await reopened();
      expect((await after.latest())?.generation).to.equal(1);
      expect((await after.latest())?.author).to.equal('first');
      // The failure is not sticky: the next write with working flushes takes the number the refused one had.
      fsync.failFile = fsync.failDir = false;
      expect((await store.commit(1, gen('third'))).generation).to.equal(2);
      expect((await (await reopened()).latest())?.author).to.equal('third');
    });
  }

  it('removes temp files a crash left at open and serves the last complete generation', async () => {
    await store.commit(0, gen('complete'));
    // kill -9 between the write and the rename of generation 2 (by an earlier agent pid), cut mid-JSON.
    const torn = join(configDir, 'gen-000000002.json.tmp-4242');
    writeFileSync(torn, '{"generation":2,"spec":{"gateway":{"na');
    const s = await reopened();
    expect(existsSync(torn)).to.equal(false);
    expect(readdirSync(configDir)).to.deep.equal(['gen-000000001.json']);
    expect((await s.latest())?.author).to.equal('complete');
    expect((await s.commit(1, gen('next'))).generation).to.equal(2);
  });

  it('through the config service: the refused write answers STORE_UNAVAILABLE and the consumers keep the previous generation', async () => {
    const consumer = new FakeRecordingConsumer('fake-all', [...FEATURES]);
    const audit = new AuditLog(state);
    audit.open();
    const svc = new ConfigService(store, audit, pino({ level: 'silent' }));
    svc.addConsumer(consumer);
    await svc.start();
    const put = (ifMatch: number, name: string) =>
      svc.write({ who: 'test', action: 'put-config', ifMatch, dryRun: false, build: () => ({ ...validDoc(), gateway: { ...validDoc().gateway, name } }) });
    expect((await put(0, 'gw1')).generation).to.equal(1);
    fsync.failFile = true;
    const err = await put(1, 'gw2').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError).with.property('code', 'STORE_UNAVAILABLE');
    expect(svc.status()).to.include({ generation: 1, observedGeneration: 1 });
    expect(consumer.generations).to.deep.equal([1]);
    expect(consumer.realized?.gateway.name).to.equal('gw1');
    fsync.failFile = false;
    expect((await put(1, 'gw2')).generation).to.equal(2);
    expect(consumer.realized?.gateway.name).to.equal('gw2');
  });
});

describe('audit log appends: the creating append flushes the directory, a torn last line does not swallow the next entry', () => {
  let state: string;
  beforeEach(() => {
    state = mkdtempSync(join(tmpdir(), 'gwmg-unit-audit-'));
  });
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  it('flushes the file on every append and the directory on the one that created it', async () => {
    const file = join(state, 'audit.jsonl');
    const calls: string[] = [];
    const recording: Fsync = {
      file: async (fh, path) => {
        calls.push(`file ${basename(path)}`);
        await realFsync.file(fh, path);
      },
      dir: async (path) => {
        calls.push(`dir ${path}`);
        await realFsync.dir(path);
      },
    };
    await appendLineDurable(file, '{"seq":1}', recording);
    await appendLineDurable(file, '{"seq":2}', recording);
    expect(calls).to.deep.equal(['file audit.jsonl', `dir ${state}`, 'file audit.jsonl']);
    expect(readFileSync(file, 'utf8')).to.equal('{"seq":1}\n{"seq":2}\n');
  });

  it('an entry appended after a crash cut the last line is readable at the next start', async () => {
    const first = new AuditLog(state);
    first.open();
    await first.append({ who: 'unix:root', action: 'put-config', generation: 1, result: 'ok' });
    // kill -9 in the middle of the next append.
    appendFileSync(join(state, 'audit.jsonl'), '{"seq":2,"at":"2025-01-01T00:00:00.000Z","who":"un');
    const second = new AuditLog(state);
    second.open();
    await second.append({ who: 'agent', action: 'apply', generation: 1, result: 'ok' });
    const third = new AuditLog(state);
    third.open();
    expect(third.query({ limit: 10 }).map((e) => `${e.seq} ${e.who} ${e.action}`)).to.deep.equal(['2 agent apply', '1 unix:root put-config']);
  });
});
