// The zebra plugin's load arguments and pass-through, with real zebra + plugin + agent + DPDK dataplane
// (docs/zebra-plugin.md): ops the plugin does not handle still reach zebra's kernel provider; `max-inflight`
// bounds the contexts the plugin holds while the agent is stalled, and zebra keeps answering meanwhile;
// `kernel=1` programs accepted routes into the kernel FIB as well, and a route the dataplane refuses into neither.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.ts';

/** FRR daemons these tests may start (the harness's teardown kills bgpd and zebra only). */
const STATICD = ['staticd', 'bgpd', 'zebra'];

async function startStaticd(l: h.Lab): Promise<void> {
  const conf = join(h.DIR, 'frr', 'staticd.conf');
  writeFileSync(conf, `hostname gwcp-gw\nlog file ${h.DIR}/frr/staticd.log\n`);
  await h.must('chown', ['-R', 'frr:frr', join(h.DIR, 'frr')]);
  await h.must('ip', ['netns', 'exec', l.nsG, '/usr/lib/frr/staticd', '-d', '-N', h.INST, '-f', conf, '-P', '0']);
  await h.until('staticd answers', async () => (await h.vtysh('show daemons')).includes('staticd'), 15_000);
}

/** vtysh configuration commands, many per call (each `-c` is one line). */
async function configure(lines: string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 500) {
    const r = await h.sh('vtysh', ['-N', h.INST, '-c', 'configure terminal', ...lines.slice(i, i + 500).flatMap((x) => ['-c', x])], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`vtysh: ${r.err || r.out}`);
  }
}

interface Provider {
  in: number;
  inQueued: number;
  out: number;
}

/** zebra's own counters for our provider: contexts it was given, still queued to it, and handed back. */
async function provider(): Promise<Provider & { held: number }> {
  const out = await h.vtysh('show zebra dplane providers');
  const m = /vpc-gateway \(\d+\): in: (\d+), q: (\d+), q_max: \d+, out: (\d+),/.exec(out);
  if (!m) throw new Error(`no vpc-gateway provider in: ${out}`);
  const p = { in: Number(m[1]), inQueued: Number(m[2]), out: Number(m[3]) };
  // zebra prints in, then q, then out: a context moving meanwhile only lowers this, never raises it.
  return { ...p, held: p.in - p.inQueued - p.out };
}

interface ZRoute {
  selected?: boolean;
  installed?: boolean;
  queued?: boolean;
  failed?: boolean;
  nexthopGroupId?: number;
  installedNexthopGroupId?: number;
}

async function zebraRoutes(cmd: string): Promise<Map<string, ZRoute>> {
  const j = await h.vtyshJson<Record<string, ZRoute[]>>(cmd);
  return new Map(Object.entries(j).map(([p, rs]) => [p, rs.find((r) => r.selected) ?? rs[0]!]));
}

async function dataplanePrefixes(): Promise<Set<string>> {
  return new Set((await h.debugView()).fib['0'] ?? []);
}

interface KRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}

async function kernelRoutes(l: h.Lab, family: '-4' | '-6', prefix: string): Promise<KRoute[]> {
  const r = await h.nsExec(l.nsG, ['ip', family, '-j', 'route', 'show', prefix]);
  return r.out.trim() ? (JSON.parse(r.out) as KRoute[]) : [];
}

describe('zebra plugin: ops it does not handle and the max-inflight bound (staticd routes)', function () {
  this.timeout(240_000);
  let l: h.Lab;
  let d: h.Daemon | undefined;
  const MAX = 100;

  before(async () => {
    h.killFrr('SIGKILL', STATICD);
    l = await h.setupLab();
    d = await h.startAgent(l);
    await h.startZebra(l, `,max-inflight=${MAX}`);
    await startStaticd(l);
    await h.until('plugin session', async () => ['syncing', 'established'].includes((await h.api<{ state: string }>(d!, '/v1/cpi')).state), 30_000);
  });

  after(async () => {
    if (d) {
      d.child.kill('SIGCONT');
      await h.killAgent9(d).catch(() => undefined);
    }
    h.killFrr('SIGKILL', STATICD);
    await h.teardown(l);
  });

  it('a nexthop object (an op the plugin does not handle) reaches the kernel while the route itself stays out of it', async () => {
    await configure(['ip route 10.100.1.0/24 10.0.1.2']);
    await h.until('10.100.1.0/24 in the dataplane', async () => (await dataplanePrefixes()).has('10.100.1.0/24'), 20_000);
    const z = (await zebraRoutes('show ip route 10.100.1.0/24 json')).get('10.100.1.0/24');
    expect(z, 'zebra route').to.include({ installed: true });
    const nhg = z!.installedNexthopGroupId ?? z!.nexthopGroupId;
    expect(nhg, 'zebra names the route\'s nexthop group').to.be.a('number');
    // Default mode: the route goes to the dataplane only (skip_kernel) ...
    expect(await kernelRoutes(l, '-4', '10.100.1.0/24')).to.deep.equal([]);
    // ... but zebra's NH_INSTALL, which the plugin passes on untouched, was programmed by the kernel provider.
    const nh = await h.until(`kernel nexthop id ${nhg}`, async () => {
      const r = await h.nsExec(l.nsG, ['ip', '-j', 'nexthop', 'show', 'id', String(nhg)]);
      return r.code === 0 && r.out.trim() ? (JSON.parse(r.out) as { id: number; gateway?: string; dev?: string; protocol?: string }[])[0] : undefined;
    }, 10_000);
    expect(nh).to.include({ id: nhg, gateway: '10.0.1.2', dev: l.tapA, protocol: 'zebra' });
  });

  it(`with the agent stalled the plugin holds at most max-inflight=${MAX} contexts, zebra keeps answering, and everything arrives once it resumes`, async () => {
    const N = 1000;
    const prefixes = Array.from({ length: N }, (_, i) => `10.${110 + Math.floor(i / 250)}.${i % 250}.0/24`);
    await h.until('nothing held before the stall', async () => (await provider()).held === 0, 20_000);
    const pid = d!.child.pid!;
    process.kill(pid, 'SIGSTOP');
    let resumed = false;
    try {
      await configure(prefixes.map((p) => `ip route ${p} 10.0.1.2`));
      // zebra hands our provider contexts until the bound; then they wait in zebra's queues.
      const atBound = await h.until('the plugin holds the bound', async () => {
        const p = await provider();
        return p.held >= MAX ? p : undefined;
      }, 30_000, 200);
      let maxHeld = atBound.held;
      let slowest = 0;
      // Stalled for a while: the bound holds at every sample and zebra answers every command.
      for (let i = 0; i < 10; i++) {
        const t0 = Date.now();
        const p = await provider();
        const v = await h.sh('vtysh', ['-N', h.INST, '-c', 'show version'], { timeoutMs: 10_000 });
        slowest = Math.max(slowest, Date.now() - t0);
        expect(v.out, 'zebra answers while the agent is stalled').to.include('FRRouting');
        maxHeld = Math.max(maxHeld, p.held);
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(maxHeld, 'contexts held by the plugin').to.equal(MAX);
      // The rest is zebra's, not lost: selected but not installed yet (zebra shows them queued).
      const z = await zebraRoutes('show ip route static json');
      const mine = prefixes.filter((p) => z.has(p));
      expect(mine.length, 'zebra has every static route').to.equal(N);
      expect(mine.filter((p) => z.get(p)!.installed).length, 'none installed while the agent is stalled').to.equal(0);
      console.log(`      stalled agent: ${maxHeld} contexts held, provider in-queue ${(await provider()).inQueued}, slowest zebra answer ${slowest} ms`);
      process.kill(pid, 'SIGCONT');
      resumed = true;
      // Draining: the bound holds throughout, and every route ends in the dataplane and installed in zebra.
      await h.until(`all ${N} routes in the dataplane and installed in zebra`, async () => {
        const p = await provider();
        maxHeld = Math.max(maxHeld, p.held);
        const dp = await dataplanePrefixes();
        if (!prefixes.every((x) => dp.has(x))) return false;
        const zz = await zebraRoutes('show ip route static json');
        return prefixes.every((x) => zz.get(x)?.installed === true && !zz.get(x)?.failed);
      }, 90_000, 250);
      expect(maxHeld, 'contexts held while draining').to.be.at.most(MAX);
      expect((await provider()).held).to.equal(0);
    } finally {
      if (!resumed) process.kill(pid, 'SIGCONT');
    }
  });
});

describe('zebra plugin with kernel=1 (real bgpd and gobgp peers)', function () {
  this.timeout(240_000);
  let l: h.Lab;
  let d: h.Daemon | undefined;
  let A: h.Peer;
  let B: h.Peer;

  before(async () => {
    h.killFrr('SIGKILL', STATICD);
    l = await h.setupLab();
    d = await h.startAgent(l);
    await h.startZebra(l, ',kernel=1');
    await h.startBgpd(l);
    [A, B] = h.peers(l) as [h.Peer, h.Peer];
    await h.startPeer(A, '10.0.1.1', 'fd00:1::1');
    await h.startPeer(B, '10.0.2.1', 'fd00:2::1');
    await h.until('4 BGP sessions established', async () => (await h.vtysh('show bgp summary json')).split('"Established"').length >= 5, 60_000, 500);
  });

  after(async () => {
    if (d) await h.killAgent9(d).catch(() => undefined);
    await h.teardown(l);
  });

  it('an accepted route is in the dataplane and the kernel FIB; a refused one in neither; a withdrawal leaves both', async () => {
    await h.gobgp(A, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.1.0/24']);
    await h.gobgp(A, ['global', 'rib', 'add', '-a', 'ipv6', '2001:db8:1::/48']);
    // B's route resolves over the gateway's plain veth: the dataplane refuses it.
    await h.gobgp(B, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.9.0/24', 'nexthop', h.FOREIGN.nh]);
    await h.until('both accepted routes in the dataplane', async () => {
      const dp = await dataplanePrefixes();
      return dp.has('10.100.1.0/24') && dp.has('2001:db8:1::/48');
    }, 30_000, 250);
    const k4 = await h.until('10.100.1.0/24 in the kernel', async () => (await kernelRoutes(l, '-4', '10.100.1.0/24'))[0], 10_000);
    expect(k4).to.include({ dst: '10.100.1.0/24', gateway: '10.0.1.2', dev: l.tapA, protocol: 'bgp' });
    const k6 = await h.until('2001:db8:1::/48 in the kernel', async () => (await kernelRoutes(l, '-6', '2001:db8:1::/48'))[0], 10_000);
    expect(k6).to.include({ dst: '2001:db8:1::/48', gateway: 'fd00:1::2', dev: l.tapA, protocol: 'bgp' });
    await h.until('zebra shows 10.100.9.0/24 rejected', async () => {
      const r = (await zebraRoutes('show ip route 10.100.9.0/24 json')).get('10.100.9.0/24');
      return r?.failed === true && !r.installed;
    }, 20_000);
    // The refusal vetoes the kernel too: a failed context never reaches the kernel provider.
    expect(await kernelRoutes(l, '-4', '10.100.9.0/24')).to.deep.equal([]);
    expect((await dataplanePrefixes()).has('10.100.9.0/24')).to.equal(false);
    await h.gobgp(A, ['global', 'rib', 'del', '-a', 'ipv4', '10.100.1.0/24']);
    await h.until('withdrawn from the dataplane and the kernel', async () => !(await dataplanePrefixes()).has('10.100.1.0/24') && (await kernelRoutes(l, '-4', '10.100.1.0/24')).length === 0, 20_000);
    expect((await dataplanePrefixes()).has('2001:db8:1::/48')).to.equal(true);
  });
});
