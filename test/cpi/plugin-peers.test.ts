// Who may hold the plugin session (issue 10, found by a hostile tester: any process that could open zebra.sock
// took the session with the last HELLO, and its forged SYNC_END emptied the FIB). Real zebra + bgpd with the
// plugin, a gobgp peer, the real agent and DPDK dataplane; the attacker is test/cpi/attacker.ts, a forged plugin
// run as root and as a member of group frr (both can open the root:frr 0660 socket); the second peer is a
// real second zebra with the plugin, pointed at the same socket.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../dataplane/lab.ts';
import * as h from './harness.ts';

interface PeerStatus {
  pid: number | null;
  connections: { accepted: number; refused: number };
  refused: Record<string, number>;
  lastRefusal: { at: string; reason: string } | null;
}
interface Cpi {
  state: string;
  epoch: number;
  epochComplete: boolean;
  pluginInstance: string | null;
  peer: PeerStatus;
  logSuppressed: number;
}

const ROUTES = ['10.100.11.0/24', '10.100.12.0/24', '10.100.13.0/24'];
const SECOND = { inst: 'gwcp2', ns: 'gwcp-z2', dir: join(h.DIR, 'frr2') };

function idOf(file: string, name: string): number {
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  return Number(line!.split(':')[2]);
}

/** Runs the attacker as `uid`:`gid`; resolves with the answers it got (null = none). */
function attack(args: string[], ids: { uid: number; gid: number }): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'), join(ROOT, 'test/cpi/attacker.ts'), h.ENDPOINT, ...args], {
      cwd: '/tmp',
      env: { ...process.env, HOME: '/tmp', ATTACKER_UID: String(ids.uid), ATTACKER_GID: String(ids.gid) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`attacker exited ${code}: ${err}`);
        resolve(JSON.parse(out) as unknown[]);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

async function killSecond(): Promise<void> {
  try {
    const pid = Number(readFileSync(`/var/run/frr/${SECOND.inst}/zebra.pid`, 'utf8'));
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(SECOND.inst)) process.kill(pid, 'SIGKILL');
  } catch {
    // not running
  }
  await h.sh('ip', ['netns', 'del', SECOND.ns]);
  rmSync(`/var/run/frr/${SECOND.inst}`, { recursive: true, force: true });
}

describe('plugin socket peers: only the live zebra holds the session', function () {
  this.timeout(180_000);
  let l: h.Lab;
  let d: h.Daemon | undefined;
  let A: h.Peer;
  const root = { uid: 0, gid: 0 };
  const frrGroup = { uid: 65534, gid: idOf('/etc/group', 'frr') }; // nobody, in group frr: may open the socket
  const cpi = (): Promise<Cpi> => h.api<Cpi>(d!, '/v1/cpi');
  const fib = async (): Promise<string[]> => [...((await h.debugView()).fib['0'] ?? [])].sort();

  before(async () => {
    await killSecond();
    l = await h.setupLab();
    d = await h.startAgent(l);
    await h.startZebra(l);
    await h.startBgpd(l);
    [A] = h.peers(l) as [h.Peer];
    await h.startPeer(A, '10.0.1.1', 'fd00:1::1');
    for (const r of ROUTES) await h.gobgp(A, ['global', 'rib', 'add', '-a', 'ipv4', r]);
    // sync-delay is 15 s in the harness: the first epoch completes after it.
    await h.until('routes in the agent FIB and the epoch complete', async () => {
      const s = await cpi();
      return s.state === 'established' && JSON.stringify(await fib()) === JSON.stringify(ROUTES);
    }, 60_000, 250);
  });

  after(async () => {
    await killSecond();
    if (d) await h.killAgent9(d).catch(() => undefined);
    await h.teardown(l);
  });

  it('a forged plugin (root, then a non-zebra process in group frr) is refused at the connection: no answer, no epoch, no sweep, status keeps zebra', async () => {
    const zebra = h.zebraPid()!;
    const before = await cpi();
    const logFrom = readFileSync(d!.logFile, 'utf8').length;
    // It claims the live zebra's pid and tries to end the next epoch and the current one with nothing replayed.
    expect(await attack([String(zebra), String(before.epoch)], root)).to.deep.equal([null, null, null, null, null]);
    expect(await attack([String(zebra), String(before.epoch)], frrGroup)).to.deep.equal([null, null, null, null, null]);
    const after = await cpi();
    expect(after).to.include({ state: 'established', epoch: before.epoch, pluginInstance: before.pluginInstance });
    expect(after.peer.pid).to.equal(zebra);
    expect(after.peer.refused.not_zebra ?? 0).to.be.greaterThanOrEqual(2 + (before.peer.refused.not_zebra ?? 0));
    expect(after.peer.connections.refused).to.equal(after.peer.refused.not_zebra);
    expect(after.peer.lastRefusal?.reason).to.match(/runs as uid 65534, zebra runs as uid \d+/);
    expect(await fib()).to.deep.equal(ROUTES);
    // The attackers kept reconnecting (libzmq retries every 100 ms): every refusal counted, few logged.
    const lines = readFileSync(d!.logFile, 'utf8').slice(logFrom).split('\n').filter((x) => x.includes('plugin peer refused'));
    expect(lines.length).to.be.at.most(10);
  });

  it('a forged plugin sending 256 MiB cannot grow the agent (was +264 MB): refused before any byte of it is read', async () => {
    const pid = d!.child.pid!;
    const before = rssKiB(pid);
    expect(await attack([String(h.zebraPid()), '1', '256'], frrGroup)).to.deep.equal([null, null, null, null, null, null]);
    const grew = rssKiB(pid) - before;
    expect(grew, `agent RSS grew by ${grew} KiB`).to.be.lessThan(32 * 1024);
    expect(await fib()).to.deep.equal(ROUTES);
    expect((await cpi()).state).to.equal('established');
  });

  it('a second real zebra with the plugin on the same socket is refused peer_busy while the first lives, and ends nothing', async () => {
    const first = h.zebraPid()!;
    const before = await cpi();
    await h.sh('ip', ['netns', 'add', SECOND.ns]);
    mkdirSync(SECOND.dir, { recursive: true });
    writeFileSync(join(SECOND.dir, 'zebra.conf'), `hostname gwcp-z2\nlog file ${SECOND.dir}/zebra.log debugging\n`);
    await h.must('chown', ['-R', 'frr:frr', SECOND.dir]);
    // sync-delay=0: this zebra would end its first epoch at once, if it ever got one.
    await h.must('ip', ['netns', 'exec', SECOND.ns, '/usr/lib/frr/zebra', '-d', '-N', SECOND.inst, '-f', join(SECOND.dir, 'zebra.conf'), '-P', '0', '-M', `${h.PLUGIN}:endpoint=${h.ENDPOINT},sync-delay=0`]);
    const s = await h.until('the second zebra refused peer_busy', async () => {
      const x = await cpi();
      return (x.peer.refused.peer_busy ?? 0) > (before.peer.refused.peer_busy ?? 0) && x;
    }, 20_000, 200);
    expect(s.peer.lastRefusal?.reason).to.match(new RegExp(`zebra pid ${first} holds the session and is alive`));
    // It retries every second; three seconds later the first zebra still holds epoch and FIB.
    await new Promise((r) => setTimeout(r, 3000));
    const later = await cpi();
    expect(later).to.include({ state: 'established', epoch: before.epoch, pluginInstance: before.pluginInstance });
    expect(later.peer.pid).to.equal(first);
    expect(later.peer.refused.peer_busy).to.be.greaterThan(s.peer.refused.peer_busy!);
    expect(await fib()).to.deep.equal(ROUTES);
    expect(readFileSync(join(SECOND.dir, 'zebra.log'), 'utf8')).to.match(/agent refused HELLO .*holds the session/);
    await killSecond();
  });

  it('the real zebra kill -9ed and restarted is accepted again at once; the routes stay meanwhile', async () => {
    const before = await cpi();
    const old = h.zebraPid()!;
    h.killFrr('SIGKILL', ['zebra']);
    const t0 = Date.now();
    await h.startZebra(l);
    const fresh = h.zebraPid()!;
    expect(fresh).to.not.equal(old);
    const s = await h.until('the new zebra holds the session', async () => {
      const x = await cpi();
      return x.peer.pid === fresh && x.epoch > before.epoch && x;
    }, 10_000, 50);
    const took = Date.now() - t0;
    console.log(`    new zebra (pid ${fresh}) took the session ${took} ms after its start began (zebra start included)`);
    expect(took).to.be.lessThan(5000);
    expect(s.state).to.be.oneOf(['syncing', 'established']);
    // Its epoch has not ended (sync-delay): the lost epoch's routes are still forwarded.
    expect(await fib()).to.include.members(ROUTES);
  });
});
