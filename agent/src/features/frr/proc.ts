// Process helpers shared by the FRR supervisor and the lab runner: both stop daemons they did not start
// themselves (left by a crashed run), so they work from pids, not child handles.
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL whatever is still there after a grace period. */
export async function terminate(pids: number[], graceMs = 5000): Promise<void> {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const end = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < end) await sleep(50);
  for (const p of pids.filter(alive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* raced with exit */
    }
  }
}
