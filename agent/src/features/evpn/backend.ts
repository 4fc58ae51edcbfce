// Which VRF backend this kernel allows: VRF devices (CONFIG_NET_VRF, production) or, without them, FRR's
// netns backend (zebra -n, one network namespace per VPC). Decided by trying, not by guessing from versions.
import { execFile } from 'node:child_process';

export type VrfBackend = 'vrf' | 'netns';

export interface BackendChoice {
  backend: VrfBackend;
  /** Why: the kernel's answer to the probe. */
  reason: string;
}

function ip(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 10_000 }, (err, _out, stderr) => (err ? reject(new Error(String(stderr).trim() || err.message)) : resolve()));
  });
}

/** Creates and removes a VRF device in the agent's namespace; any refusal means the netns backend. */
export async function probeVrfBackend(pid = process.pid): Promise<BackendChoice> {
  const name = `gwvrfprobe${pid % 100000}`;
  try {
    await ip(['link', 'add', name, 'type', 'vrf', 'table', String(4_000_000_000 + (pid % 100000))]);
  } catch (e) {
    return { backend: 'netns', reason: `ip link add type vrf: ${(e as Error).message}` };
  }
  await ip(['link', 'del', name]).catch(() => undefined);
  return { backend: 'vrf', reason: 'the kernel creates VRF devices' };
}
