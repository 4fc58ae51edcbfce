// iproute2 in a network namespace: the agent's only way of touching the kernel side of the punt path
// (addresses on taps, neighbor table). `ip -n` needs no setns in this process.
import { execFile, type ChildProcess } from 'node:child_process';
import { spawnTied } from '../../core/tied.ts';

export class IpCommandError extends Error {
  readonly code = 'DP_IP_COMMAND';
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`ip ${args.join(' ')}: ${stderr.trim()}`);
  }
}

function withNs(netns: string | undefined, args: string[]): string[] {
  return netns ? ['-n', netns, ...args] : args;
}

export function ip(netns: string | undefined, args: string[]): Promise<string> {
  const full = withNs(netns, args);
  return new Promise((resolve, reject) => {
    execFile('ip', full, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new IpCommandError(full, stderr || err.message));
      else resolve(stdout);
    });
  });
}

/** `ip monitor <what>`: calls onLine per line until the returned process is killed; it dies with the agent. */
export function ipMonitor(netns: string | undefined, what: string[], onLine: (l: string) => void): ChildProcess {
  const child = spawnTied('ip', withNs(netns, ['monitor', ...what]), { stdio: ['ignore', 'pipe', 'ignore'] });
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return child;
}
