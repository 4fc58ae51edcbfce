// `gwctl lab up|down|status|exec` (agent/src/cli/commands/lab.ts) as an operator types it, on the runner's
// smoke lab (containerlab/runner.clab.yml: a -- r (FRR) -- b).
//
// Success: up creates the lab and says so (again: already-up, nothing restarted); status shows every node
// up with its processes and addresses (text and --json); exec runs in the node's namespace with its /etc
// overlay and returns the command's own exit status; down removes every namespace; a lab that is not up, an
// unknown node and a broken topology are refused with a message and a non-zero exit code.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { down, netnsList } from '../../agent/src/lab/runner.ts';
import { run } from '../../agent/src/lab/sh.ts';
import { loadTopology } from '../../agent/src/lab/topology.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = `${REPO}/containerlab/runner.clab.yml`;
const gwctl = (...args: string[]) => run(`${REPO}/bin/gwctl`, ['lab', ...args], { timeoutMs: 120_000 });

describe('lab: gwctl lab up|down|status|exec', function () {
  this.timeout(180_000);
  const topo = loadTopology(FILE);
  let tmp: string;
  before(async function () {
    this.timeout(60_000);
    tmp = mkdtempSync(join(tmpdir(), 'gwctl-lab-'));
    await down(topo);
  });
  after(async function () {
    this.timeout(60_000);
    rmSync(tmp, { recursive: true, force: true });
    rmSync('/tmp/gwlab-runner-a.txt', { force: true });
    await down(topo);
  });

  it('up creates the lab, and says already-up the second time', async () => {
    const r = await gwctl('up', FILE);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n').pop()).to.equal('lab gwlab-runner: created');
    const again = await gwctl('up', FILE);
    expect(again.code).to.equal(0);
    expect(again.stdout.trim().split('\n').pop()).to.equal('lab gwlab-runner: already-up');
  });

  it('status lists every node up with its processes and addresses (text and -j/--json)', async () => {
    const r = await gwctl('status', 'gwlab-runner');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^lab gwlab-runner \(.*runner\.clab\.yml\)$/m);
    expect(r.stdout).to.match(/^r +clab-gwlab-runner-r +up +.*zebra\(\d+\)/m);
    expect(r.stdout).to.match(/^ +eth1 +\S+ +192\.0\.2\.1\/30$/m);
    // gwctl's global -j/--json, in either place.
    const j = await gwctl('status', 'gwlab-runner', '--json');
    expect(JSON.parse((await gwctl('-j', 'status', 'gwlab-runner')).stdout)).to.have.property('lab', 'gwlab-runner');
    const s = JSON.parse(j.stdout) as { lab: string; nodes: { name: string; present: boolean; processes: string[] }[] };
    expect(s.nodes.map((n) => [n.name, n.present])).to.deep.equal([
      ['a', true],
      ['r', true],
      ['b', true],
    ]);
    expect(s.nodes.find((n) => n.name === 'b')!.processes.some((p) => p.startsWith('sleep('))).to.equal(true);
  });

  it("exec runs in the node's namespace with its /etc overlay and returns the command's exit status", async () => {
    const ping = await gwctl('exec', 'gwlab-runner', 'a', 'ping', '-c', '1', '-W', '2', '198.51.100.2');
    expect(ping.code, ping.stdout + ping.stderr).to.equal(0);
    expect((await gwctl('exec', 'gwlab-runner', 'a', 'cat', '/etc/hosts')).stdout).to.contain('b.lab');
    expect((await gwctl('exec', 'gwlab-runner', 'b', 'ip', '-br', 'addr', 'show', 'eth1')).stdout).to.contain('198.51.100.2/30');
    expect((await gwctl('exec', 'gwlab-runner', 'a', 'sh', '-c', 'exit 7')).code).to.equal(7);
  });

  it('refuses an unknown node, and a broken topology (exit 2)', async () => {
    const node = await gwctl('exec', 'gwlab-runner', 'nosuch', 'true');
    expect(node.code).to.equal(1);
    expect(node.stderr).to.contain('lab gwlab-runner has no node nosuch (nodes: a, r, b)');
    const bad = join(tmp, 'bad.clab.yml');
    writeFileSync(bad, 'name: bad\ntopology:\n  nodes:\n    x: { kind: linux }\n  links:\n    - endpoints: ["x:eth1", "y:eth1"]\n');
    const r = await gwctl('up', bad);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('unknown node "y"');
  });

  it('down removes every namespace; then status and exec say the lab is not up', async () => {
    const r = await gwctl('down', 'gwlab-runner');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n').pop()).to.equal('removed 3 namespaces');
    expect([...(await netnsList())].filter((n) => n.startsWith('clab-gwlab-runner-'))).to.deep.equal([]);
    const st = await gwctl('status', 'gwlab-runner');
    expect(st.code).to.equal(1);
    expect(st.stderr).to.contain('lab gwlab-runner is not up');
    const ex = await gwctl('exec', 'gwlab-runner', 'a', 'true');
    expect(ex.code).to.equal(1);
    expect(ex.stderr).to.contain('lab gwlab-runner is not up');
  });
});
