// Scenario "runner" (containerlab/runner.clab.yml): the netns runner itself.
//
//   a --eth1--------eth1-- r (FRR) --eth2--------eth1-- b
//  192.0.2.2/30      .1 / 198.51.100.1             198.51.100.2/30
//
// Success: one netns per node named clab-<lab>-<node>, veths with the endpoint names (and the link MTU),
// binds visible at their /etc target inside the node only, exec lines run in order with the topology's env,
// FRR started for r from its own daemons file, the node cmd running; `up` again changes nothing; a lab whose
// state was lost (crash) is cleaned up and rebuilt; `down` leaves nothing behind.
import { expect } from 'chai';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { instanceRunDir } from '../../agent/src/features/frr/daemons.ts';
import { showJson } from '../../agent/src/features/frr/vtysh.ts';
import { LAB_RUN, down, netnsList, status, up } from '../../agent/src/lab/runner.ts';
import { run } from '../../agent/src/lab/sh.ts';
import { labScenario } from './scenario.ts';

describe('lab runner: containerlab file realized with namespaces', function () {
  this.timeout(120_000);
  const lab = labScenario('runner.clab.yml');
  const inNs = (node: string, ...argv: string[]) => run('ip', ['netns', 'exec', lab.netns(node), ...argv]);
  after(() => rmSync('/tmp/gwlab-runner-a.txt', { force: true }));

  it('creates one namespace per node and veths named after the endpoints, with the link MTU', async () => {
    const have = await netnsList();
    for (const n of ['a', 'r', 'b']) expect(have.has(`clab-gwlab-runner-${n}`), n).to.equal(true);
    expect((await run('ip', ['-n', lab.netns('r'), '-br', 'link'])).stdout).to.match(/^eth1@/m).and.match(/^eth2@/m);
    expect((await run('ip', ['-n', lab.netns('b'), 'link', 'show', 'eth1'])).stdout).to.contain('mtu 1400');
  });

  it('overlays binds inside the node only', async () => {
    expect((await inNs('a', 'cat', '/etc/hosts')).stdout).to.contain('b.lab');
    expect(readFileSync('/etc/hosts', 'utf8')).to.not.contain('b.lab');
    expect((await inNs('r', 'cat', '/etc/frr/frr.conf')).stdout).to.contain('ip route 203.0.113.0/24');
  });

  it('runs exec lines in order with the topology env, and routes between the nodes', async () => {
    expect(readFileSync('/tmp/gwlab-runner-a.txt', 'utf8')).to.equal('hello from a\nsecond\n');
    expect((await inNs('a', 'ping', '-c', '1', '-W', '2', '198.51.100.2')).code).to.equal(0);
  });

  it('starts FRR for the router node from its daemons file and applies its frr.conf', async () => {
    const st = await status('gwlab-runner');
    const r = st.nodes.find((n) => n.name === 'r')!;
    expect(r.processes.map((p) => p.replace(/\(\d+\)/, '')).sort()).to.deep.equal(['staticd', 'zebra']);
    const routes = await showJson<Record<string, unknown>>(lab.netns('r'), 'show ip route 203.0.113.0/24 json');
    expect(routes).to.have.property('203.0.113.0/24');
    expect(st.nodes.find((n) => n.name === 'b')!.processes.some((p) => p.startsWith('sleep'))).to.equal(true);
  });

  it('is idempotent: up on a running lab changes nothing', async () => {
    const pidBefore = readFileSync(`${instanceRunDir(lab.netns('r'))}/zebra.pid`, 'utf8');
    expect(await up(lab.topo)).to.equal('already-up');
    expect(readFileSync(`${instanceRunDir(lab.netns('r'))}/zebra.pid`, 'utf8')).to.equal(pidBefore);
  });

  it('rebuilds a lab whose state a crash lost, without leftovers', async () => {
    rmSync(`${LAB_RUN}/gwlab-runner/state.json`);
    expect(await up(lab.topo)).to.equal('created');
    const ps = (await run('pgrep', ['-f', `(zebra|staticd) -N ${lab.netns('r')} `])).stdout.trim().split('\n').filter(Boolean);
    expect(ps, 'one zebra + one staticd').to.have.length(2);
    expect((await inNs('a', 'ping', '-c', '1', '-W', '2', '198.51.100.2')).code).to.equal(0);
  });

  it('down removes namespaces, processes, overlays and FRR run dirs', async () => {
    const sleepPid = (await status('gwlab-runner')).nodes.find((n) => n.name === 'b')!.processes.find((p) => p.startsWith('sleep'))!;
    await down(lab.topo);
    const have = await netnsList();
    expect([...have].filter((n) => n.startsWith('clab-gwlab-runner-'))).to.deep.equal([]);
    for (const n of ['a', 'r', 'b']) expect(existsSync(`/etc/netns/${lab.netns(n)}`), n).to.equal(false);
    expect(existsSync(instanceRunDir(lab.netns('r')))).to.equal(false);
    expect(existsSync(`/proc/${/\((\d+)\)/.exec(sleepPid)![1]}`)).to.equal(false);
  });
});
