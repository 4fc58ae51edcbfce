// The README's main job (`npm run lab`: agent/src/lab/job.ts after the set-up) on the real `underlay` lab:
// its ok/FAIL summary and exit code. The expected set comes from the topology (every host network in the
// gateway's FIB), so a route that is absent is a FAIL line and exit code 1, not a line that is missing.
//
// Success: a fresh run brings the lab up and ends with every line ok and exit code 0, leaving the lab running;
// with leaf2 no longer announcing fd02:2::/64 the next run reuses the lab, prints that network as missing
// (and the IPv6 ping to host2 as not sent), every other line still ok, exit code 1; --down removes the lab.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vtysh } from '../../agent/src/features/frr/vtysh.ts';
import { fib, gatewayNodes } from '../../agent/src/lab/observe.ts';
import { down, netnsList } from '../../agent/src/lab/runner.ts';
import { run, waitFor } from '../../agent/src/lab/sh.ts';
import { loadTopology } from '../../agent/src/lab/topology.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = `${REPO}/node_modules/tsx/dist/esm/index.mjs`;

async function job(...args: string[]): Promise<{ code: number; lines: string[]; out: string }> {
  const r = await run('node', ['--import', TSX, `${REPO}/agent/src/lab/job.ts`, ...args], { timeoutMs: 400_000 });
  const out = r.stdout + r.stderr;
  return { code: r.code, out, lines: r.stdout.split('\n').map((l) => l.trim()) };
}

/** The summary's check lines ("ok   X" / "FAIL X"), keyed by what they check. */
const checks = (lines: string[]): { ok: string[]; fail: string[] } => ({
  ok: lines.filter((l) => l.startsWith('ok ')).map((l) => l.slice(3).trim()),
  fail: lines.filter((l) => l.startsWith('FAIL ')).map((l) => l.slice(5).trim()),
});

describe('lab: the main job (npm run lab) summary and exit code', function () {
  this.timeout(420_000);
  const topo = loadTopology(`${REPO}/containerlab/underlay.clab.yml`);
  const leaf2 = topo.nodes.find((n) => n.name === 'leaf2')!.netns;
  before(async function () {
    this.timeout(60_000);
    await down(topo);
  });
  after(async function () {
    this.timeout(60_000);
    if (!process.env.GWLAB_KEEP) await down(topo);
  });

  it('brings the lab up and ends with every check ok and exit code 0, leaving the lab running', async () => {
    const r = await job();
    const c = checks(r.lines);
    expect(c.fail, r.out).to.deep.equal([]);
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.contain('lab created; waiting for convergence').and.contain('all checks passed');
    for (const peer of ['10.0.1.0', '10.0.2.0', 'fd00:1::1', 'fd00:2::1']) expect(c.ok.some((l) => new RegExp(`^BGP ${peer} +Established`).test(l)), peer).to.equal(true);
    expect(c.ok.filter((l) => /^BFD \S+ +\S* +up$/.test(l))).to.have.length(2);
    // Every host network of the topology, each through its leaf; the anycast prefix over both.
    expect(c.ok).to.include.members([
      'FIB 10.1.1.0/24      via 10.0.1.0',
      'FIB 10.2.2.0/24      via 10.0.2.0',
    ]);
    for (const net of ['fd01:1::/64', 'fd02:2::/64']) expect(c.ok.some((l) => l.startsWith(`FIB ${net.padEnd(16)} via fe80::`)), net).to.equal(true);
    expect(c.ok.some((l) => /^FIB 10\.100\.0\.0\/24 +via 10\.0\.[12]\.0, 10\.0\.[12]\.0 {2}\(ECMP\)$/.test(l))).to.equal(true);
    expect(c.ok).to.include.members(['ping host1 -> host2 10.2.2.10: 20/20 replies', 'ping host1 -> host2 fd02:2::10: 20/20 replies']);
    expect(c.ok.some((l) => /^TCP {2}host1 -> host2: 21\.0 MB received/.test(l))).to.equal(true);
    expect(c.ok.some((l) => /^traffic crossed the DPDK workers \([1-9]\d* packets\); kernel forwarding in \S+: off$/.test(l))).to.equal(true);
    expect((await netnsList()).has(topo.nodes.find((n) => n.name === 'gw')!.netns), 'lab left running').to.equal(true);
  });

  it('prints FAIL for a host network missing from the FIB and exits 1; --down removes the lab', async () => {
    await vtysh(leaf2, ['-c', 'conf t', '-c', 'router bgp 65002', '-c', 'address-family ipv6 unicast', '-c', 'no network fd02:2::/64']);
    const gw = gatewayNodes(topo)[0]!;
    await waitFor('fd02:2::/64 withdrawn from the gateway FIB', async () => !(await fib(gw)).some((x) => x.prefix === 'fd02:2::/64'), 30_000);
    const r = await job('--down');
    const c = checks(r.lines);
    expect(r.code, r.out).to.equal(1);
    expect(r.out).to.contain('lab was already up').and.contain('SOME CHECKS FAILED');
    expect(c.fail).to.deep.equal([
      'FIB fd02:2::/64      missing (a host network of the topology)',
      'ping host1 -> host2 fd02:2::10: not sent, fd02:2::/64 is missing from the FIB',
    ]);
    // What is still there is still reported ok: the FAIL is about the absent route only.
    expect(c.ok).to.include.members(['FIB 10.1.1.0/24      via 10.0.1.0', 'FIB 10.2.2.0/24      via 10.0.2.0', 'ping host1 -> host2 10.2.2.10: 20/20 replies']);
    expect(r.out).to.contain('removed (--down)');
    expect([...(await netnsList())].filter((n) => n.startsWith('clab-underlay-'))).to.deep.equal([]);
    // Nothing of the gateway either: its stored generations would be the next lab's starting point.
    for (const p of [gw.runDir, gw.stateDir, `/var/run/frr/${gw.frrInstance}`]) expect(existsSync(p), p).to.equal(false);
  });
});
