// Thin wrapper over child processes: the runner drives iproute2 and FRR binaries, and needs their output and a
// typed error carrying stderr when they fail.
import { execFile, spawn } from 'node:child_process';
import { sleep } from '../features/frr/proc.ts';
import { LabError } from './errors.ts';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
  });
}

/** Runs and throws LAB_COMMAND_FAILED on a non-zero exit. */
export async function must(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new LabError('LAB_COMMAND_FAILED', `${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

/** Starts a long-running process that outlives the caller (the lab stays up after `gwctl lab up` exits). */
export function spawnDetached(cmd: string, args: string[], logFd: number, env: NodeJS.ProcessEnv): number {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', logFd, logFd], env });
  child.unref();
  if (child.pid === undefined) throw new LabError('LAB_COMMAND_FAILED', `cannot start ${cmd}`);
  return child.pid;
}

/** Polls `cond` until it returns a value other than undefined/false, or throws LAB_TIMEOUT. */
export async function waitFor<T>(what: string, cond: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new LabError('LAB_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
