// Applying a rendered config to running daemons without dropping sessions: frr-reload.py computes the diff
// against `show running-config` and issues only the changed lines, so an unchanged neighbor keeps its
// session. The candidate is first checked with `vtysh --dryrun`, so a config FRR would reject never touches
// the running daemons; a reload that fails half way is reported and the caller re-applies the last good one.
import { execFile } from 'node:child_process';
import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vtysh } from './vtysh.ts';

export const FRR_RELOAD = '/usr/lib/frr/frr-reload.py';

export type FrrApplyErrorCode = 'FRR_CONFIG_INVALID' | 'FRR_RELOAD_FAILED';

export class FrrApplyError extends Error {
  constructor(
    readonly code: FrrApplyErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

function runReload(instance: string, file: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'python3',
      [FRR_RELOAD, '--reload', '--stdout', '--pathspace', instance, file],
      { timeout: 120_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, out: `${String(stdout)}${String(stderr)}` });
      },
    );
  });
}

/** Lines frr-reload.py / vtysh print for commands the daemons refused, without colour codes and noise. */
export function reloadFailures(out: string): string[] {
  return out
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
    .split(/\n|; /)
    .map((l) => l.replace(/^[\d-]+ [\d:,]+\s+/, '').trim())
    .filter((l) => /(^% |Unknown command|Invalid|ERROR|failed due to|Failure to communicate|Command incomplete|Configuration failed)/.test(l))
    .filter((l) => !l.includes("Can't open configuration file"))
    .slice(0, 10);
}

/**
 * Makes `text` the running config of `instance`. On success the text is saved as `<dir>/frr.conf` (what is
 * in force); the candidate stays in `<dir>/frr.conf.candidate` for post-mortem when it fails.
 */
export async function applyFrrConfig(instance: string, dir: string, text: string): Promise<void> {
  const candidate = join(dir, 'frr.conf.candidate');
  // Owner only: the text holds the neighbors' passwords.
  writeFileSync(candidate, text, { mode: 0o600 });
  chmodSync(candidate, 0o600);
  const dry = await vtysh(instance, ['--dryrun', '-f', candidate]);
  if (dry.code !== 0) throw new FrrApplyError('FRR_CONFIG_INVALID', (dry.stderr || dry.stdout).trim().split('\n').slice(0, 10).join('; '));
  const r = await runReload(instance, candidate);
  const bad = reloadFailures(r.out);
  if (r.code !== 0 || bad.length > 0) {
    throw new FrrApplyError('FRR_RELOAD_FAILED', bad.join('; ') || `frr-reload.py exited ${r.code}: ${r.out.trim().split('\n').slice(-3).join('; ')}`);
  }
  renameSync(candidate, join(dir, 'frr.conf'));
}

/** Records `text` as the config in force (`<dir>/frr.conf`; owner only: it holds the neighbors' passwords). */
export function saveInForce(dir: string, text: string): void {
  const tmp = join(dir, 'frr.conf.tmp');
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, join(dir, 'frr.conf'));
}

/**
 * Loads `<dir>/<file>` in one `vtysh -f` pass, into daemons that restarted empty (restore.ts says why not
 * frr-reload.py there). One pass is one configuration transaction: bgpd holds the peers it creates until it ends.
 */
export async function restoreFrrConfig(instance: string, dir: string, file = 'frr.conf'): Promise<void> {
  const r = await vtysh(instance, ['-f', join(dir, file)]);
  const bad = reloadFailures(`${r.stdout}\n${r.stderr}`);
  if (r.code !== 0 || bad.length > 0) throw new FrrApplyError('FRR_RELOAD_FAILED', bad.join('; ') || `vtysh -f exited ${r.code}`);
}
