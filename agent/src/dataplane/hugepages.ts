// Hugepages for the EAL: with `auto`, reserve 2 MiB pages when the kernel can give them (mounting hugetlbfs
// if nothing is mounted) and fall back to --no-huge otherwise. The EAL always runs --in-memory with hugepages
// (pages are freed even on SIGKILL, no /var/run/dpdk files) and --no-huge --no-shconf without. Pages this
// process added to the pool are given back at shutdown so nothing stays reserved.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { EalConfig } from './api.ts';
import { DataplaneError } from './errors.ts';

export interface HugepagePlan {
  use: boolean;
  dir?: string;
  /** Why this choice: logged at start. */
  reason: string;
  /** Returns pages this process added to the kernel pool. Idempotent. */
  release(): void;
}

const NR = '/proc/sys/vm/nr_hugepages';
const PAGE_MB = 2;
export const HUGE_DIR = '/run/vpc-gateway/hugepages';

function meminfo(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : 0;
}

function hugetlbfsMount(): string | undefined {
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, dir, type, opts] = line.split(' ');
    if (type === 'hugetlbfs' && dir && !/pagesize=1G/i.test(opts ?? '')) return dir;
  }
  return undefined;
}

function fallback(mode: EalConfig['hugepages'], reason: string): HugepagePlan {
  if (mode === 'on') throw new DataplaneError('DP_BAD_CONFIG', `eal.hugepages=on but ${reason}`);
  return { use: false, reason, release: () => undefined };
}

export function planHugepages(mode: EalConfig['hugepages'], memoryMb: number): HugepagePlan {
  if (mode === 'off') return { use: false, reason: 'hugepages off by config', release: () => undefined };
  // The EAL needs its -m plus headroom for the pipeline's own allocations made through it.
  const need = Math.ceil(memoryMb / PAGE_MB) + 16;
  let added = 0;
  const free = meminfo('HugePages_Free');
  if (free < need) {
    try {
      const total = Number(readFileSync(NR, 'utf8').trim());
      writeFileSync(NR, String(total + (need - free)));
      added = Number(readFileSync(NR, 'utf8').trim()) - total;
    } catch (e) {
      return fallback(mode, `cannot grow ${NR}: ${(e as Error).message}`);
    }
  }
  let released = false;
  const release = (): void => {
    if (released || added <= 0) return;
    released = true;
    try {
      const total = Number(readFileSync(NR, 'utf8').trim());
      writeFileSync(NR, String(Math.max(0, total - added)));
    } catch {
      // Best effort: a pool we cannot shrink only wastes memory, it holds no state.
    }
  };
  if (meminfo('HugePages_Free') < need) {
    release();
    return fallback(mode, `only ${meminfo('HugePages_Free')} free 2 MiB pages, ${need} needed`);
  }
  let dir = hugetlbfsMount();
  if (!dir) {
    try {
      if (!existsSync(HUGE_DIR)) mkdirSync(HUGE_DIR, { recursive: true });
      execFileSync('mount', ['-t', 'hugetlbfs', '-o', 'pagesize=2M', 'nodev', HUGE_DIR], { stdio: 'pipe' });
      dir = HUGE_DIR;
    } catch (e) {
      release();
      return fallback(mode, `cannot mount hugetlbfs: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { use: true, dir, reason: `${need} pages of 2 MiB available (${added} added to the pool)`, release };
}

/** EAL arguments: main lcore on the control CPU, one lcore per worker CPU, memory mode from the plan. */
export function ealArgs(cfg: EalConfig, plan: HugepagePlan): string[] {
  const lcores = [`0@${cfg.controlCore}`, ...cfg.workerCores.map((c, i) => `${i + 1}@${c}`)].join(',');
  const mem = plan.use
    ? ['--in-memory', `--huge-dir=${plan.dir}`, '-m', String(cfg.memoryMb)]
    : ['--no-huge', '--no-shconf', '-m', String(cfg.memoryMb)];
  return ['--lcores', lcores, ...mem, '--no-telemetry', '--log-level=lib.eal:warning', ...(cfg.extraArgs ?? [])];
}
