// One agent per state directory (agent/src/store/state-lock.ts): the pid file of an agent that died (kill -9
// leaves it behind) or whose pid now belongs to another program does not hold the lock; a live agent's does.
// Real processes and /proc; the "live agent" is a fake: a sleep whose argv[0] names the daemon.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireStateLock, StateLockError } from '../../agent/src/store/state-lock.ts';

function started(p: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    p.once('spawn', () => resolve(p.pid!));
    p.once('error', reject);
  });
}

/** A pid that no process has: one of a child that exited (checked against /proc, pids are reused). */
function deadPid(): number {
  for (;;) {
    const r = spawnSync('true');
    if (r.pid && !existsSync(`/proc/${r.pid}`)) return r.pid;
  }
}

describe('state directory lock: stale pid files are taken over, a live agent is refused', () => {
  let dir: string;
  let pidFile: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gwmg-unit-lock-'));
    pidFile = join(dir, 'agent.pid');
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const fakeAgentProcess = async (): Promise<number> => {
    const p = spawn('bash', ['-c', 'exec -a vpc-gatewayd sleep 60'], { stdio: 'ignore' });
    children.push(p);
    const pid = await started(p);
    // bash execs sleep under the daemon's name: wait until /proc shows it.
    for (let i = 0; i < 200 && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('vpc-gatewayd'); i++) await new Promise((r) => setTimeout(r, 10));
    return pid;
  };

  const holderInFile = (): number => Number(readFileSync(pidFile, 'utf8').trim());

  it('takes over the pid file of a dead agent (left by kill -9)', () => {
    const dead = deadPid();
    writeFileSync(pidFile, `${dead}\n`);
    const release = acquireStateLock(dir);
    expect(holderInFile()).to.equal(process.pid);
    release();
    expect(existsSync(pidFile)).to.equal(false);
  });

  it('takes over a pid file whose pid now belongs to another program (pid reuse after a crash)', async () => {
    const p = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(p);
    writeFileSync(pidFile, `${await started(p)}\n`);
    acquireStateLock(dir);
    expect(holderInFile()).to.equal(process.pid);
  });

  it('refuses while a live agent holds it, naming its pid, and leaves its pid file alone', async () => {
    const agent = await fakeAgentProcess();
    writeFileSync(pidFile, `${agent}\n`);
    let err: unknown;
    try {
      acquireStateLock(dir);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(StateLockError).with.property('code', 'STATE_LOCKED');
    expect((err as Error).message).to.equal(`another agent (pid ${agent}) uses ${dir}`);
    expect(holderInFile()).to.equal(agent);
  });

  it('releasing does not remove a pid file another live agent wrote meanwhile', async () => {
    const release = acquireStateLock(dir);
    const agent = await fakeAgentProcess();
    writeFileSync(pidFile, `${agent}\n`);
    release();
    expect(holderInFile()).to.equal(agent);
  });
});
