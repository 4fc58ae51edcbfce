// Integration: `hugepages: auto` on the real machine. The daemon grows /proc/sys/vm/nr_hugepages when too few
// 2 MiB pages are free, runs on them, and gives exactly what it added back at shutdown; where hugetlbfs cannot be
// mounted it falls back to --no-huge and still forwards. Whatever happens, the pages the daemon added are taken
// back in `after`. The hugepage pool is machine-wide: a concurrent user that resizes it (a benchmark in another
// shell) shows up here as a mismatch, so the test waits for a quiet pool before each start.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  type Daemon,
  type Lab,
  createLab,
  destroyLab,
  killStale,
  labNames,
  nsExec,
  startDaemon,
  stopDaemon,
  until,
} from './lab.ts';

const PREFIX = 'gwrt-h';
const NR = '/proc/sys/vm/nr_hugepages';

const nrHugepages = (): number => Number(readFileSync(NR, 'utf8').trim());
const freeHugepages = (): number => Number(/^HugePages_Free:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? NaN);
/** 2 MiB pages a process has mapped (HugetlbPages in /proc/<pid>/status, kB). */
const hugetlbKb = (pid: number): number => Number(/^HugetlbPages:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

/** The daemon's 'EAL up' log line: whether it runs on hugepages, why, and its EAL arguments. */
function ealUp(d: Daemon): { hugepages: boolean; reason: string; args: string[] } {
  for (const line of readFileSync(d.logFile, 'utf8').split('\n')) {
    if (!line.includes('"EAL up"')) continue;
    return JSON.parse(line) as { hugepages: boolean; reason: string; args: string[] };
  }
  throw new Error(`no 'EAL up' line in ${d.logFile}`);
}

/** Waits until nobody else is resizing the pool (unchanged for 3 s), so our before/after comparison is ours. */
async function quietPool(): Promise<number> {
  let last = `${nrHugepages()}/${freeHugepages()}`;
  let since = Date.now();
  return until('a quiet hugepage pool (another process keeps resizing it)', async () => {
    const now = `${nrHugepages()}/${freeHugepages()}`;
    if (now !== last) [last, since] = [now, Date.now()];
    return Date.now() - since >= 3000 ? nrHugepages() : false;
  }, 120_000, 250);
}

const ping = async (l: Lab): Promise<boolean> => (await nsExec(l.nsA, ['ping', '-c1', '-W1', '10.0.2.2'])).code === 0;

describe('dataplane: hugepages auto on the real machine (nr_hugepages, hugetlbfs, --no-huge fallback)', function () {
  let lab: Lab;
  let d: Daemon | undefined;
  /** the pool size before a start and what the running daemon added: undone in afterEach if it did not */
  let poolBefore: number | undefined;
  let added = 0;

  before(async function () {
    await killStale(PREFIX);
    lab = await createLab(PREFIX);
  });

  afterEach(async function () {
    await stopDaemon(d);
    d = undefined;
    // a daemon that died without giving its pages back: take back exactly what it added
    if (poolBefore !== undefined && added > 0 && nrHugepages() === poolBefore + added) writeFileSync(NR, String(poolBefore));
    poolBefore = undefined;
    added = 0;
  });

  after(async function () {
    await destroyLab(labNames(PREFIX));
    await killStale(PREFIX);
  });

  it('grows nr_hugepages when too few pages are free, runs on them, and gives back exactly those at shutdown', async () => {
    poolBefore = await quietPool();
    // EAL memory 64 pages beyond what is free (the plan adds 16 pages of headroom): the daemon must grow the pool
    const memoryMb = 2 * (freeHugepages() + 64);
    d = await startDaemon(lab, { memoryMb, hugepages: 'auto' });
    const eal = ealUp(d);
    const m = /\((\d+) added to the pool\)/.exec(eal.reason);
    added = Number(m?.[1] ?? 0);
    expect(eal.hugepages, eal.reason).to.equal(true);
    expect(added).to.be.at.least(64 + 16);
    expect(nrHugepages()).to.equal(poolBefore + added);
    expect(eal.args).to.include('--in-memory');
    expect(hugetlbKb(d.child.pid!)).to.be.at.least(memoryMb * 1024);
    await until('ping A -> B on hugepages', () => ping(lab), 20_000, 200);

    expect(await stopDaemon(d)).to.equal(0);
    d = undefined;
    expect(nrHugepages()).to.equal(poolBefore);
  });

  it('takes no pages and changes nothing when enough are free', async function () {
    poolBefore = await quietPool();
    const free = freeHugepages();
    if (free < 16 + 16) this.skip(); // not enough free pages on this machine to run small without growing
    d = await startDaemon(lab, { memoryMb: 2 * (free - 16 - 8), hugepages: 'auto' });
    const eal = ealUp(d);
    expect(eal.hugepages).to.equal(true);
    expect(eal.reason).to.match(/\(0 added to the pool\)/);
    expect(nrHugepages()).to.equal(poolBefore);
    expect(await stopDaemon(d)).to.equal(0);
    d = undefined;
    expect(nrHugepages()).to.equal(poolBefore);
  });

  it('falls back to --no-huge when hugetlbfs cannot be mounted, says why, forwards, and leaves the pool as it was', async () => {
    poolBefore = await quietPool();
    // In a private mount namespace: no hugetlbfs mounted and the default mount point on a read-only file system.
    const hide = [
      'grep hugetlbfs /proc/mounts | cut -d" " -f2 | xargs -r -n1 umount -l',
      'mkdir -p /run/vpc-gateway',
      'mount -t tmpfs -o ro,size=1m gwrt-h /run/vpc-gateway',
      'exec "$@"',
    ].join(' && ');
    d = await startDaemon(lab, { memoryMb: 256, hugepages: 'auto' }, { wrap: ['unshare', '-m', '--propagation', 'private', 'sh', '-c', hide, 'sh'] });
    const eal = ealUp(d);
    expect(eal.hugepages).to.equal(false);
    expect(eal.reason).to.match(/^cannot mount hugetlbfs/);
    expect(eal.args).to.include.members(['--no-huge', '--no-shconf']);
    expect(hugetlbKb(d.child.pid!)).to.equal(0);
    await until('ping A -> B without hugepages', () => ping(lab), 20_000, 200);
    expect(await stopDaemon(d)).to.equal(0);
    d = undefined;
    expect(nrHugepages()).to.equal(poolBefore);
  });
});
