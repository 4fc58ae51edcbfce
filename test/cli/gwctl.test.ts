// gwctl end to end against a running agent with a real dataplane (one af_packet port on a gwmg veth pair).
import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ALL_FEATURES, ROOT, startDaemon, type DaemonHandle } from '../api/harness.ts';
import { waitFor } from '../api/http.ts';

const TOKEN = 'gwmg-cli-token-0123456789';
const READ_TOKEN = 'gwmg-cli-read-token-0123456789';
const TCP = 'http://127.0.0.1:42480';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function gwctl(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'bin/gwctl'), args, { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const ip = (...a: string[]): void => void execFileSync('ip', a, { stdio: 'ignore' });
function delVeth(): void {
  try {
    ip('link', 'del', 'gwmgc0');
  } catch {
    // not there
  }
}

function doc(vni2 = 200) {
  return {
    gateway: {
      name: 'gw1', asn: 65001, routerId: '10.0.0.1', vtep: { ip: '10.0.0.1', mac: '02:00:00:00:00:01' },
      ports: [], neighbors: [{ ip: '10.98.0.2', asn: 65100 }], bfdProfiles: [],
    },
    vpcs: [
      { name: 'blue', id: 'b1', vni: 100, subnets: [{ name: 'a', cidr: '10.10.0.0/24' }] },
      { name: 'red', id: 'r1', vni: vni2, subnets: [{ name: 'a', cidr: '10.20.0.0/24' }] },
    ],
    peerings: [], groups: [], staticRoutes: [],
  };
}

describe('gwctl against a running agent', () => {
  let d: DaemonHandle;
  let s: string[];
  let file: (name: string, content: unknown) => string;

  before(async () => {
    delVeth();
    ip('link', 'add', 'gwmgc0', 'type', 'veth', 'peer', 'name', 'gwmgc1');
    ip('link', 'set', 'gwmgc0', 'up');
    ip('addr', 'add', '10.98.0.2/24', 'dev', 'gwmgc1');
    ip('link', 'set', 'gwmgc1', 'up');
    d = await startDaemon('cli', {
      config: { acceptUnrealized: ALL_FEATURES },
      api: { listen: '127.0.0.1:42480', tokens: [{ name: 'ci', token: TOKEN }, { name: 'viewer', token: READ_TOKEN, scope: 'read' }] },
      dataplane: {
        eal: { workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 1024, mbufs: 4095 },
        ports: [{ name: 'gwmgcp', device: 'net_af_packet0,iface=gwmgc0', mtu: 1500, addresses: ['10.98.0.1/24'] }],
        staticRoutes: [{ vrf: 0, prefix: '198.51.100.0/24', type: 'blackhole' }],
      },
      // The real CPI component, with no zebra plugin connecting: the link waits.
      cpi: { endpoint: 'ipc:///tmp/gwmg-cli/run/cpi.sock' },
    });
    s = ['-s', d.socket];
    file = (name, content) => {
      const f = join(d.dir, name);
      writeFileSync(f, stringify(content));
      return f;
    };
  });
  after(async () => {
    await d?.stop();
    delVeth();
  });

  it('says clearly when the daemon is unreachable (exit 2)', async () => {
    const r = await gwctl(['-s', '/tmp/gwmg-cli/none.sock', 'show', 'status']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/cannot reach the gateway API at \/tmp\/gwmg-cli\/none\.sock: ENOENT/);
    expect(r.stderr).to.include('is vpc-gatewayd running?');
  });

  // The agent listens for the plugin but no zebra runs here: status must say so (issue 10, truthful status).
  it('shows the status as aligned fields, degraded with the reason while no plugin is connected', async () => {
    const r = await gwctl([...s, 'show', 'status']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^state: +degraded$/m);
    expect(r.stdout).to.match(/^cpi\/epoch +\S+ +\S+ +PluginNotConnected\b/m);
    expect(r.stdout).to.match(/^store: +file healthy$/m);
  });

  it('applies a YAML document and shows it back', async () => {
    const r = await gwctl([...s, 'apply', '-f', file('v1.yaml', doc())]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^generation 1 applied$/m);
    const c = JSON.parse((await gwctl([...s, 'show', 'config', '-j'])).stdout);
    expect(c).to.deep.equal({ generation: 1, spec: doc() });
    const v = await gwctl([...s, 'show', 'vpcs']);
    expect(v.code, v.stderr).to.equal(0);
    expect(v.stdout).to.match(/^VPC blue \(id b1\)\n {2}VNI 100, VRF 1\b.*\n {2}Subnets: 10\.10\.0\.0\/24$/m);
    expect(v.stdout).to.match(/^VPC red \(id r1\)\n {2}VNI 200, VRF 2\b.*\n {2}Subnets: 10\.20\.0\.0\/24$/m);
    // Realized in the dataplane (its vxlan and classify tables), not only assigned.
    const j = JSON.parse((await gwctl([...s, 'show', 'vpcs', '-j'])).stdout) as { dataplane: boolean; items: { name: string; vrf: number }[] };
    expect(j.dataplane).to.equal(true);
    expect(j.items.map((x) => `${x.name}:${x.vrf}`)).to.deep.equal(['blue:1', 'red:2']);
    expect((await gwctl([...s, 'show', 'groups'])).stdout).to.equal('NAME  MEMBERS\n');
  });

  it('diffs without applying', async () => {
    const r = await gwctl([...s, 'diff', '-f', file('v2.yaml', doc(201))]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('dry run: would become generation 2');
    expect(r.stdout).to.match(/^replace +\/vpcs\/1\/vni +200 +201$/m);
    expect(JSON.parse((await gwctl([...s, 'show', 'status', '-j'])).stdout).generation).to.equal(1);
  });

  it('prints every problem of a refused document with its path (exit 1)', async () => {
    const r = await gwctl([...s, 'apply', '-f', file('bad.yaml', doc(100))]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^error: DUPLICATE: /m);
    expect(r.stderr).to.match(/^ {2}\/vpcs\/1\/vni: DUPLICATE: VNI 100 already used at \/vpcs\/0\/vni$/m);
    const y = await gwctl([...s, 'apply', '-f', file('broken.yaml', 'gateway: [')]);
    expect(y.code).to.equal(1);
    const j = await gwctl([...s, 'apply', '-f', join(d.dir, 'bad.yaml'), '-j']);
    expect(j.code).to.equal(1);
    expect(JSON.parse(j.stderr)).to.deep.include({ status: 422, code: 'DUPLICATE', path: '/vpcs/1/vni' });
  });

  it('rolls back to an earlier generation and shows history and audit', async () => {
    expect((await gwctl([...s, 'apply', '-f', join(d.dir, 'v2.yaml')])).stdout).to.match(/^generation 2 applied$/m);
    const r = await gwctl([...s, 'rollback', '1']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^generation 3 applied$/m);
    expect(JSON.parse((await gwctl([...s, 'show', 'config', '-j'])).stdout).spec).to.deep.equal(doc());
    const dd = await gwctl([...s, 'diff', '--from', '2', '--to', '3']);
    expect(dd.stdout).to.match(/^generation 2 -> 3$/m);
    expect(dd.stdout).to.match(/^replace +\/vpcs\/1\/vni +201 +200$/m);
    const g2 = await gwctl([...s, 'show', 'config', '-g', '2']);
    expect(g2.stdout).to.match(/^# generation 2$/m);
    expect(g2.stdout).to.match(/^ {4}vni: 201$/m);
    const h = JSON.parse((await gwctl([...s, 'show', 'history', '-j'])).stdout).items;
    expect(h[0]).to.include({ generation: 3, rollbackOf: 1, result: 'applied' });
    const t = (await gwctl([...s, 'show', 'history'])).stdout;
    expect(t.split('\n')[0]).to.match(/^GEN +CREATED +AUTHOR +RESULT +ROLLBACK-OF +ERROR$/);
    const a = JSON.parse((await gwctl([...s, 'show', 'audit', '-j'])).stdout).items;
    expect(a.find((e: { action: string }) => e.action === 'rollback')).to.include({ generation: 3, result: 'ok' });
    expect(a.find((e: { action: string }) => e.action === 'rollback').who).to.match(/^unix:/);
  });

  it('shows dataplane ports, routes and counters, and clears counters to a baseline', async () => {
    const p = await gwctl([...s, 'show', 'ports']);
    expect(p.code, p.stderr).to.equal(0);
    expect(p.stdout).to.match(/^ *0 +gwmgcp +net_af_packet0,iface=gwmgc0 +\S+ +1500 +0 +up +gwmgcp$/m);
    expect((await gwctl([...s, 'show', 'routes', '--vrf', '0'])).stdout).to.match(/^198\.51\.100\.0\/24 +blackhole/m);
    // Traffic from the veth peer reaches the port (ARP for the gateway is punted).
    const rx = async (): Promise<number> => {
      const c = JSON.parse((await gwctl([...s, 'show', 'counters', '-j'])).stdout);
      return Number(c.ports.find((x: { name: string }) => x.name === 'gwmgcp').rxPackets);
    };
    await waitFor('packets counted', async () => {
      try {
        execFileSync('ping', ['-c', '1', '-W', '0.3', '-I', 'gwmgc1', '10.98.0.1'], { stdio: 'ignore' });
      } catch {
        // the reply is not what we measure
      }
      return (await rx()) >= 3;
    }, 20000);
    const before = await rx();
    const c = await gwctl([...s, 'clear', 'counters']);
    expect(c.code, c.stderr).to.equal(0);
    expect(await rx()).to.be.below(before);
    const rates = JSON.parse((await gwctl([...s, 'show', 'counters', '-p', '0.5', '-j'])).stdout);
    expect(rates.periodSeconds).to.be.within(0.5, 5);
    expect(rates.ports[0]).to.include({ name: 'gwmgcp' });
    expect(rates.ports[0].rxPps).to.be.a('number').at.least(0);
    const text = (await gwctl([...s, 'show', 'counters'])).stdout;
    expect(text).to.match(/^since \d{4}-/m);
    expect(text).to.match(/^PORT +NAME +RX-PKTS/m);
    expect(text).to.match(/^WORKER +LCORE +BUSY-POLLS/m);
  });

  it('shows the real plugin link waiting for zebra, exports dataplane and CPI series, changes a log level, TCP needs a token', async () => {
    const cpi = await gwctl([...s, 'show', 'plugin']);
    expect(cpi.code, cpi.stderr).to.equal(0);
    expect(cpi.stdout).to.match(/^state: +waiting$/m);
    expect(cpi.stdout).to.match(/^endpoint: +ipc:\/\/\/tmp\/gwmg-cli\/run\/cpi\.sock$/m);
    const m = await new Promise<string>((resolve) =>
      execFile('curl', ['-s', '--unix-socket', d.socket, 'http://gw/metrics'], (_e, out) => resolve(String(out))),
    );
    expect(m).to.include('gw_cpi_state{state="waiting"} 1');
    expect(m).to.match(/^gw_dp_worker_idle_polls_total\{worker="0",lcore="1"\} \d+$/m);
    expect(m).to.match(/^gw_dp_drops_total\{port="0",iface="gwmgcp",reason="no_route"\} \d+$/m);
    const frr = await gwctl([...s, 'show', 'frr']);
    expect(frr.code).to.equal(1);
    expect(frr.stderr).to.match(/^error: NO_FRR: /m);
    expect((await gwctl([...s, 'set', 'log-level', 'api', 'debug'])).code).to.equal(0);
    expect(JSON.parse((await gwctl([...s, 'show', 'log-levels', '-j'])).stdout).levels.api).to.equal('debug');
    const ok = await gwctl(['--url', TCP, 'show', 'status', '-j'], { GWCTL_TOKEN: TOKEN });
    expect(ok.code, ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout).generation).to.equal(3);
    const no = await gwctl(['--url', TCP, 'apply', '-f', join(d.dir, 'v2.yaml')]);
    expect(no.code).to.equal(1);
    expect(no.stderr).to.match(/^error: UNAUTHORIZED/m);
    // A read-scope token shows, and cannot change anything (docs/management.md "Token scopes").
    const view = await gwctl(['--url', TCP, 'show', 'config', '-j'], { GWCTL_TOKEN: READ_TOKEN });
    expect(view.code, view.stderr).to.equal(0);
    expect(JSON.parse(view.stdout).generation).to.equal(3);
    const ro = await gwctl(['--url', TCP, 'clear', 'counters'], { GWCTL_TOKEN: READ_TOKEN });
    expect(ro.code).to.equal(1);
    expect(ro.stderr).to.match(/^error: INSUFFICIENT_SCOPE: token:viewer has the read scope; POST \/v1\/dataplane\/counters\/clear needs a token with the write scope$/m);
  });
});
