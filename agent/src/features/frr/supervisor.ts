// Runs zebra (with the zebra plugin when present), bgpd and bfdd of one instance as children of the agent
// and restarts any that exits. Children run in the foreground (no -d) so their exit is seen at once; a
// restart re-applies the last good config, because a restarted daemon starts empty.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { daemonArgs, daemonPath, instanceRunDir, type FrrDaemon } from './daemons.ts';
import { Reaper } from '../../core/tied.ts';
import { killLeftoverDaemons } from './leftovers.ts';
import { sleep } from './proc.ts';
import { vtysh } from './vtysh.ts';

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
  /** Called after a daemon was restarted and answers again. */
  onRestart: (d: FrrDaemon) => Promise<void>;
  onExit?: (d: FrrDaemon) => void;
}

interface Slot {
  status: DaemonStatus;
  child: ChildProcess | null;
  timer: NodeJS.Timeout | null;
}

const BACKOFF_MS = [200, 500, 1000, 2000, 5000, 10_000];

export class FrrSupervisor {
  private readonly slots = new Map<FrrDaemon, Slot>();
  private stopping = false;
  private readonly empty: string;
  /** FRR daemons drop to the frr user, which clears a parent-death signal: the reaper stops them if we die. */
  private readonly reaper = new Reaper();

  constructor(private readonly o: SupervisorOptions) {
    mkdirSync(o.dir, { recursive: true });
    this.empty = join(o.dir, 'empty.conf');
    writeFileSync(this.empty, '', { mode: 0o644 });
    for (const d of o.daemons) this.slots.set(d, { status: { daemon: d, pid: null, running: false, restarts: 0, lastExit: null }, child: null, timer: null });
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
    // Servers before their clients: bgpd registers its BFD sessions through zebra with bfdd, and a
    // registration sent before bfdd is connected to zebra can be lost.
    const rank = (d: FrrDaemon): number => (d === 'zebra' ? 0 : d === 'bgpd' ? 2 : 1);
    for (const d of [...this.o.daemons].sort((a, b) => rank(a) - rank(b))) {
      this.spawn(d);
      if (d === 'zebra') await this.waitFor(() => existsSync(join(instanceRunDir(this.o.instance), 'zserv.api')), 'zebra zserv.api', 10_000);
    }
    await this.waitAnswering(10_000);
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
    const args = daemonArgs(d, { instance: this.o.instance, configFile: this.empty, daemonize: false, modules: this.o.modules });
    args.push('--log', 'stdout');
    const child = spawn(daemonPath(d), args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.reaper.adopt(child.pid, d);
    slot.child = child;
    slot.status.pid = child.pid ?? null;
    slot.status.running = true;
    this.o.log.info({ mod: 'frr', daemon: d, pid: child.pid, args }, 'started');
    child.on('exit', (code, sig) => {
      slot.child = null;
      slot.status.running = false;
      slot.status.pid = null;
      slot.status.lastExit = sig ? `signal ${sig}` : `exit ${code}`;
      if (this.stopping) return;
      this.o.onExit?.(d);
      const delay = BACKOFF_MS[Math.min(slot.status.restarts, BACKOFF_MS.length - 1)]!;
      this.o.log.error({ mod: 'frr', daemon: d, exit: slot.status.lastExit, restartInMs: delay, log: logFile }, 'FRR daemon exited');
      slot.timer = setTimeout(() => void this.restart(d), delay);
    });
  }

  private async restart(d: FrrDaemon): Promise<void> {
    const slot = this.slots.get(d)!;
    slot.timer = null;
    if (this.stopping) return;
    slot.status.restarts++;
    this.spawn(d);
    try {
      await this.waitAnswering(10_000);
      await this.o.onRestart(d);
    } catch (e) {
      this.o.log.error({ mod: 'frr', daemon: d, err: e }, 'restart did not complete');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const children: ChildProcess[] = [];
    for (const s of this.slots.values()) {
      if (s.timer) clearTimeout(s.timer);
      if (s.child) children.push(s.child);
    }
    // Reverse start order: bgpd/bfdd first so zebra sees clean client disconnects.
    for (const c of children.reverse()) c.kill('SIGTERM');
    const end = Date.now() + 5000;
    while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < end) await sleep(50);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
