// One agent per state directory: two agents writing the same generations and audit log (or both driving the
// same FRR instance) would corrupt each other. The lock is a pid file; a pid that is gone, or that is not an
// agent any more (pid reuse after a crash), does not hold it.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class StateLockError extends Error {
  readonly code = 'STATE_LOCKED';
}

function holder(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!(pid > 0) || pid === process.pid) return undefined;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /vpc-gatewayd|agent\/src\/main\.ts/.test(cmd) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function acquireStateLock(stateDir: string): () => void {
  const file = join(stateDir, 'agent.pid');
  const other = holder(file);
  if (other !== undefined) throw new StateLockError(`another agent (pid ${other}) uses ${stateDir}`);
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    if (holder(file) === undefined) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  };
}
