// Runs zebra (with the zebra plugin when present), bgpd and bfdd of one instance as children of the agent
// and restarts any that exits, together with the clients that lose their state with it (restart-policy.ts).
// Children run in the foreground (no -d) so their exit is seen at once; a restart re-applies the last good
// config, because a restarted daemon starts empty.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { daemonArgs, daemonPath, instanceRunDir, type FrrDaemon } from './daemons.ts';
import { Backoff, restartGroup, startOrder } from './restart-policy.ts';
import { Reaper } from '../../core/tied.ts';
import { killLeftoverDaemons } from './leftovers.ts';
import { sleep } from './proc.ts';
import { vtysh } from './vtysh.ts';
import type { FrrMountNamespace } from './mountns.ts';

export interface DaemonStatus {
  daemon: FrrDaemon;
  pid: number | null;
  running: boolean;
  restarts: number;
  lastExit: string | null;
}

export interface SupervisorOptions {
  instance: string;
  daemons: FrrDaemon[];
  /** Directory for the empty startup config and the daemons' logs. */
  dir: string;
  modules: string[];
  log: Logger;
  /** Called after a daemon (and the clients restarted with it) answers again. */
  onRestart: (d: FrrDaemon) => Promise<void>;
  onExit?: (d: FrrDaemon) => void;
  /** netns VRF backend: every daemon runs in this mount namespace and zebra with -n. */
  mountNamespace?: Pick<FrrMountNamespace, 'wrap'>;
}

interface Slot {
  status: DaemonStatus;
  child: ChildProcess | null;
  startedAt: number;
  backoff: Backoff;
  /** Set when the supervisor killed it because a daemon it depends on died: an expected exit. */
  killedFor: FrrDaemon | null;
}

export class FrrSupervisor {
  private readonly slots = new Map<FrrDaemon, Slot>();
  private stopping = false;
  private readonly empty: string;
  /** Daemons waiting for the scheduled restart (one timer for all: a group restarts in start order). */
  private readonly pending = new Set<FrrDaemon>();
  private pendingFor: FrrDaemon | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** FRR daemons drop to the frr user, which clears a parent-death signal: the reaper stops them if we die. */
  private readonly reaper = new Reaper();

  constructor(private readonly o: SupervisorOptions) {
    mkdirSync(o.dir, { recursive: true });
    this.empty = join(o.dir, 'empty.conf');
    writeFileSync(this.empty, '', { mode: 0o644 });
    for (const d of o.daemons) {
      this.slots.set(d, { status: { daemon: d, pid: null, running: false, restarts: 0, lastExit: null }, child: null, startedAt: 0, backoff: new Backoff(), killedFor: null });
    }
  }

  status(): DaemonStatus[] {
    return [...this.slots.values()].map((s) => ({ ...s.status }));
  }

  /** Daemons of this instance left by a crashed agent: same path space, so they must go before we start. The
   *  daemon runs this first of all (features' clearLeftovers); here it covers a supervisor started alone. */
  private async killLeftovers(): Promise<void> {
    await killLeftoverDaemons(this.o.instance, this.o.log);
  }

  async start(): Promise<void> {
    await this.killLeftovers();
    await this.spawnInOrder(this.o.daemons);
    await this.waitAnswering(10_000);
  }

  /**
   * Servers before their clients: bgpd registers its BFD sessions through zebra with bfdd, and a registration
   * sent before bfdd is connected to zebra can be lost.
   */
  private async spawnInOrder(daemons: readonly FrrDaemon[]): Promise<void> {
    for (const d of startOrder(daemons)) {
      // A restarted zebra unlinks and re-creates zserv.api: wait for the new one, not the old path.
      if (d === 'zebra') rmSync(join(instanceRunDir(this.o.instance), 'zserv.api'), { force: true });
      this.spawn(d);
      if (d === 'zebra') await this.waitFor(() => existsSync(join(instanceRunDir(this.o.instance), 'zserv.api')), 'zebra zserv.api', 10_000);
    }
  }

  async waitAnswering(timeoutMs: number): Promise<void> {
    for (const d of this.o.daemons) {
      await this.waitFor(async () => (await vtysh(this.o.instance, ['-d', d, '-c', 'show version'])).code === 0, `${d} vty`, timeoutMs);
    }
  }

  private async waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await cond())) {
      const dead = [...this.slots.values()].find((s) => s.status.lastExit && !s.status.running);
      if (Date.now() > end) throw new Error(`FRR ${this.o.instance}: timed out waiting for ${what}${dead ? ` (${dead.status.daemon}: ${dead.status.lastExit})` : ''}`);
      await sleep(50);
    }
  }

  private spawn(d: FrrDaemon): void {
    const slot = this.slots.get(d)!;
    const logFile = join(this.o.dir, `${d}.log`);
    const fd = openSync(logFile, 'a');
    const args = daemonArgs(d, { instance: this.o.instance, configFile: this.empty, daemonize: false, modules: this.o.modules, vrfNetns: !!this.o.mountNamespace });
    args.push('--log', 'stdout');
    const [cmd, argv] = this.o.mountNamespace ? this.o.mountNamespace.wrap(daemonPath(d), args) : [daemonPath(d), args];
    const child = spawn(cmd, argv, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.reaper.adopt(child.pid, d);
    slot.child = child;
    slot.status.pid = child.pid ?? null;
    slot.status.running = true;
    slot.startedAt = Date.now();
    slot.killedFor = null;
    this.o.log.info({ mod: 'frr', daemon: d, pid: child.pid, args }, 'started');
    child.on('exit', (code, sig) => {
      slot.child = null;
      slot.status.running = false;
      slot.status.pid = null;
      slot.status.lastExit = slot.killedFor ? `killed: ${slot.killedFor} restarts` : sig ? `signal ${sig}` : `exit ${code}`;
      if (this.stopping || slot.killedFor) return;
      this.o.onExit?.(d);
      this.scheduleRestart(d, logFile);
    });
  }

  /** `dead` exited on its own: restart it with its clients after its back-off (a pending restart absorbs it). */
  private scheduleRestart(dead: FrrDaemon, logFile: string): void {
    const slot = this.slots.get(dead)!;
    const delay = slot.backoff.next(slot.startedAt, Date.now());
    const group = restartGroup(dead, this.o.daemons);
    // Clients are killed, not stopped: a stopping bgpd sends its peers a Cease NOTIFICATION (they flush our
    // routes), a killed one only closes its TCP sessions, which graceful-restart helpers ride through.
    for (const d of group) {
      const s = this.slots.get(d)!;
      this.pending.add(d);
      if (d !== dead && s.child) {
        s.killedFor = dead;
        s.child.kill('SIGKILL');
      }
    }
    this.o.log.error({ mod: 'frr', daemon: dead, exit: slot.status.lastExit, restart: group, restartInMs: delay, log: logFile }, 'FRR daemon exited');
    if (this.timer) return;
    this.pendingFor = dead;
    this.timer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    this.timer = null;
    if (this.stopping) return;
    const group = startOrder([...this.pending]);
    const cause = this.pendingFor!;
    this.pending.clear();
    try {
      // The killed clients must be gone before their successors bind the same sockets.
      await this.waitFor(() => group.every((d) => !this.slots.get(d)!.child), `${group.join(', ')} to exit`, 5000);
      for (const d of group) this.slots.get(d)!.status.restarts++;
      await this.spawnInOrder(group);
      await this.waitAnswering(10_000);
      await this.o.onRestart(cause);
      this.o.log.info({ mod: 'frr', cause, restarted: group }, 'FRR daemons restarted');
    } catch (e) {
      this.o.log.error({ mod: 'frr', restarted: group, err: e }, 'restart did not complete');
    }
  }

  /** Kills `d` as if it crashed: it restarts with its clients (restart-policy.ts), e.g. into a new mount namespace. */
  restartGroupOf(d: FrrDaemon): void {
    this.slots.get(d)?.child?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const children: ChildProcess[] = [];
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.slots.values()) if (s.child) children.push(s.child);
    // Reverse start order: bgpd/bfdd first so zebra sees clean client disconnects.
    for (const c of children.reverse()) c.kill('SIGTERM');
    const end = Date.now() + 5000;
    while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < end) await sleep(50);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
