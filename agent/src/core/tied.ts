// Child processes that must not outlive the agent. A helper left by a killed agent keeps what it inherited or
// holds (an FRR daemon kept the ports' AF_XDP queues bound and the instance's FRR sockets taken), so the next
// agent could not start.
//
// Two mechanisms, because the kernel's parent-death signal does not survive a credential change:
// - spawnTied: a child that keeps its credentials (ip monitor) is spawned under `setpriv --pdeathsig KILL`.
// - Reaper: FRR daemons switch to the frr user after start, which clears their parent-death signal (measured:
//   bfdd spawned under setpriv survived its parent's SIGKILL). One reaper process per agent reads the
//   "<pid> <comm>" of each such child on a pipe from the agent; the pipe's end of input is the agent's exit,
//   however it died, and the reaper then stops every listed process that still runs under that name
//   (SIGTERM, SIGKILL after a grace period). Checking the name avoids signalling a recycled pid.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export function spawnTied(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn('setpriv', ['--pdeathsig', 'KILL', '--', cmd, ...args], opts);
}

/** The reaper's program (POSIX sh). $1: grace period in tenths of a second before SIGKILL. */
const REAPER_SH = `
list=""
while read -r pid comm; do list="$list $pid:$comm"; done
running() { [ "$(cat /proc/$1/comm 2>/dev/null)" = "$2" ]; }
signal() {
  n=0
  for e in $list; do
    if running "\${e%%:*}" "\${e#*:}"; then n=$((n + 1)); [ -n "$1" ] && kill "-$1" "\${e%%:*}" 2>/dev/null; fi
  done
  [ "$n" -gt 0 ]
}
signal TERM || exit 0
i=0
while [ "$i" -lt "$1" ]; do signal "" || exit 0; sleep 0.1; i=$((i + 1)); done
signal KILL
exit 0
`;

export class Reaper {
  private child: ChildProcess | null = null;

  constructor(private readonly graceMs = 3000) {}

  /** Lists a process to be stopped when the agent exits. */
  adopt(pid: number | undefined, comm: string): void {
    if (pid === undefined) return;
    if (!this.child) {
      // Not tied itself: it has to outlive the agent to do its job, and it exits right after.
      this.child = spawn('sh', ['-c', REAPER_SH, 'vpc-gw-reaper', String(Math.ceil(this.graceMs / 100))], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
      this.child.unref();
      this.child.on('exit', () => (this.child = null));
      // The agent's exit closes the pipe; until then it must not keep Node's event loop alive.
      (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      this.child.stdin?.on('error', () => undefined);
    }
    // /proc/<pid>/comm holds at most 15 characters.
    this.child.stdin?.write(`${pid} ${comm.slice(0, 15)}\n`);
  }
}
