// The FRR daemons' private mount namespace, for the netns VRF backend (kernels without VRF devices). zebra -n
// makes every entry of /run/netns a VRF named after the entry, and bgpd opens /run/netns/<vrf> to make its
// sockets in a VRF; so both (and every other daemon of the instance, for one rule) run in a mount namespace
// whose /run/netns is a tmpfs holding only this gateway's VPC namespaces, each under its VPC's name.
//
// A holder process (`unshare -m`, tied to the agent) keeps the namespace; every daemon (re)spawn enters it with
// `nsenter --mount` (which execs: the supervisor's child is the daemon itself). A VPC added later is bound into
// the tmpfs from outside (nsenter into the VPC's netns and the mount namespace, bind /proc/self/ns/net): zebra
// watches /run/netns with inotify and creates the VRF. Removing the entry deletes the VRF in zebra.
import { execFile, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import { spawnTied } from '../../core/tied.ts';

/** Run in the new mount namespace by the holder: detach the host's netns handles (copied in, they would keep
 *  those namespaces alive after `ip netns del`), put an empty tmpfs on /run/netns, report, then wait. */
const HOLDER_SH = `
set -e
mkdir -p /run/netns
awk '$5 ~ "^/run/netns(/|$)" { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" || true; done
mount -t tmpfs -o mode=0755,size=1m vpcgw-frr-netns /run/netns
echo ready
exec sleep infinity
`;
const BIND_SH = 'touch "/run/netns/$1" && mount --bind /proc/self/ns/net "/run/netns/$1"';
// Lazy: zebra holds the namespace open, a plain umount is EBUSY.
const UNBIND_SH = 'umount -l "/run/netns/$1" 2>/dev/null; rm -f "/run/netns/$1"';

function exec(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, _out, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`)) : resolve()));
  });
}

/** Inode of a network namespace handle in the agent's /run/netns (identity: a re-created netns has another). */
function netnsInode(netns: string): number | undefined {
  try {
    return statSync(`/run/netns/${netns}`).ino;
  } catch {
    return undefined;
  }
}

export class FrrMountNamespace {
  private holder: ChildProcess | null = null;
  private stopping = false;
  /** VRF name -> the netns bound under it and that netns's inode. */
  private readonly bound = new Map<string, { netns: string; ino: number }>();
  private wanted = new Map<string, string>();
  private syncing: Promise<void> = Promise.resolve();

  /** Called once a dead holder was replaced: the daemons still run in the old namespace, which nobody can add
   *  VRFs to any more, so the supervisor restarts them into the new one. */
  private replaced: () => void = () => undefined;

  constructor(private readonly log: Logger) {}

  onReplaced(cb: () => void): void {
    this.replaced = cb;
  }

  async start(): Promise<void> {
    this.stopping = false;
    const child = spawnTied('unshare', ['-m', '--propagation', 'private', 'sh', '-c', HOLDER_SH], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`FRR mount namespace holder exited ${code}: ${err.trim()}`)));
    });
    this.holder = child;
    this.bound.clear();
    this.log.info({ mod: 'frr', holder: child.pid }, 'FRR mount namespace ready (netns VRF backend)');
    child.once('exit', (code, sig) => {
      this.holder = null;
      if (this.stopping) return;
      this.log.error({ mod: 'frr', code, sig }, 'FRR mount namespace holder exited: making a new one and restarting FRR in it');
      void this.start()
        .then(() => this.set(this.wanted))
        .then(() => this.replaced())
        .catch((e: unknown) => this.log.error({ mod: 'frr', err: e }, 'FRR mount namespace not re-created'));
    });
  }

  private mnt(): string {
    if (!this.holder?.pid) throw new Error('FRR mount namespace not running');
    return `--mount=/proc/${this.holder.pid}/ns/mnt`;
  }

  /** The command line that runs `cmd args` inside the namespace. */
  wrap(cmd: string, args: string[]): [string, string[]] {
    return ['nsenter', [this.mnt(), '--', cmd, ...args]];
  }

  /** Makes /run/netns inside show exactly `views` (VRF name -> netns name in the agent's /run/netns). A netns
   *  that does not exist yet is bound by a later call (the caller repeats it after the netns is made). */
  set(views: ReadonlyMap<string, string>): Promise<void> {
    this.wanted = new Map(views);
    const run = this.syncing.then(() => this.sync());
    this.syncing = run.catch(() => undefined);
    return run;
  }

  private async sync(): Promise<void> {
    const problems: string[] = [];
    for (const [vrf, b] of [...this.bound]) {
      const netns = this.wanted.get(vrf);
      if (netns === b.netns && netnsInode(netns) === b.ino) continue;
      await exec('nsenter', [this.mnt(), '--', 'sh', '-c', UNBIND_SH, 'sh', vrf]).catch((e: Error) => problems.push(e.message));
      this.bound.delete(vrf);
    }
    for (const [vrf, netns] of this.wanted) {
      if (this.bound.has(vrf)) continue;
      const ino = netnsInode(netns);
      if (ino === undefined) continue;
      try {
        await exec('nsenter', [`--net=/run/netns/${netns}`, this.mnt(), '--', 'sh', '-c', BIND_SH, 'sh', vrf]);
        this.bound.set(vrf, { netns, ino });
        this.log.info({ mod: 'frr', vrf, netns }, 'VRF namespace visible to FRR');
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    if (problems.length) throw new Error(problems.join('; '));
  }

  /** VRF name -> netns currently bound. */
  views(): Map<string, string> {
    return new Map([...this.bound].map(([vrf, b]) => [vrf, b.netns]));
  }

  stop(): void {
    this.stopping = true;
    this.holder?.kill('SIGKILL');
    this.holder = null;
  }
}
