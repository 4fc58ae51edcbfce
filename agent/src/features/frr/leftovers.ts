// FRR daemons of this instance left by an agent that died without stopping them (they share the instance's
// path space: sockets, pid files, the zebra plugin's endpoint). Cleared before anything of the new agent starts
// (features' clearLeftovers), so the dataplane binds its ports with no process of the old instance alive.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { instanceRunDir } from './daemons.ts';
import { terminate } from './proc.ts';

/** Stops every daemon named by a pid file of the instance that still runs as that daemon; returns their pids. */
export async function killLeftoverDaemons(instance: string, log: Logger): Promise<number[]> {
  const dir = instanceRunDir(instance);
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.pid'))) {
    const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    // Pid files outlive their process: only signal a process that still is that daemon.
    if (comm === f.slice(0, -4)) pids.push(pid);
  }
  await terminate(pids);
  if (pids.length > 0) log.warn({ mod: 'frr', pids }, 'killed FRR daemons left by an earlier run');
  return pids;
}
