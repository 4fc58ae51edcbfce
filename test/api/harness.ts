// Runs a real vpc-gatewayd for integration tests (api, cli, store areas). Names carry the gwmg prefix; a
// daemon left by a crashed earlier run (pid file in its directory) is killed before a new one starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { call, waitFor } from './http.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const ALL_FEATURES = ['ports', 'bgp', 'bfd', 'vtep', 'staticRoutes', 'vpcs', 'peerings', 'groups', 'nat.static', 'nat.masquerade', 'nat.portForward', 'nat.nat64', 'rateLimit'];

export interface DaemonHandle {
  dir: string;
  socket: string;
  proc: ChildProcess;
  log(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills the daemon a crashed earlier run left in `dir` (only if its command line names that directory). */
export function killLeftover(dir: string, pidFile = 'daemon.pid'): void {
  const f = join(dir, pidFile);
  if (!existsSync(f)) return;
  const pid = Number(readFileSync(f, 'utf8'));
  try {
    if (pid > 0 && alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

/**
 * Starts a daemon in /tmp/gwmg-<name>. `fresh` removes the state of an earlier daemon of that name; false
 * keeps it (restart after kill -9).
 */
export async function startDaemon(name: string, sections: Record<string, unknown>, fresh = true): Promise<DaemonHandle> {
  const dir = `/tmp/gwmg-${name}`;
  killLeftover(dir);
  if (fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const boot = join(dir, 'boot.yaml');
  writeFileSync(boot, stringify({ instance: `gwmg-${name}`, runDir: join(dir, 'run'), stateDir: join(dir, 'state'), ...sections }));
  const logFile = join(dir, 'daemon.log');
  const fd = openSync(logFile, 'a');
  const proc = spawn(join(ROOT, 'bin/vpc-gatewayd'), ['--config', boot], { stdio: ['ignore', fd, fd], env: { ...process.env, GW_LOG_LEVEL: 'info' } });
  closeSync(fd);
  writeFileSync(join(dir, 'daemon.pid'), String(proc.pid));
  const socket = join(dir, 'run', 'api.sock');
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  await waitFor(`daemon ${name} API`, async () => {
    if (proc.exitCode !== null) throw new Error(`daemon exited ${proc.exitCode}: ${log().slice(-2000)}`);
    return (await call({ socket }, 'GET', '/v1/status')).status === 200;
  }, 30000);
  return {
    dir,
    socket,
    proc,
    log,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
      await exited(proc);
      clearTimeout(t);
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited(proc);
    },
  };
}
