// Scenario "restart" (containerlab/restart.clab.yml): vpc-gatewayd killed with SIGKILL while traffic crosses it.
//
//   h1 --eth1-----dp3-- gw --dp1-----eth1-- leaf1 --eth2-----eth1-- h2
//  10.3.3.10   10.3.3.1  AS 65000  10.0.1.0/31  AS 65001  10.2.2.1    10.2.2.10
//
// The lab runner supervises the gateway's cmd (as systemd does on a host). Success: no FRR daemon of the gateway
// holds a descriptor of the dataplane (tun queue, XDP socket or map); a killed agent takes its FRR daemons with
// it even when nothing restarts it; a kill -9 during a UDP flow h1 -> h2 costs at most 10 s of forwarding, the
// old instance's FRR daemons are gone, and the status is green again; `down` leaves nothing of the lab behind,
// so the next lab starts from generation 1, not from the removed lab's stored generations.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { apiGet, apiPutConfig, bgpState, fib, portCounters, reachable, udpFlow, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { cmdPid, down, netnsList, up } from '../../agent/src/lab/runner.ts';
import { run, waitFor } from '../../agent/src/lab/sh.ts';
import { labScenario } from './scenario.ts';

const H2 = '10.2.2.10';
const FRR_NAMES = ['zebra', 'bgpd', 'bfdd', 'staticd'];

function children(pid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // The comm field may hold spaces: the ppid is the second field after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(p), comm: readFileSync(`/proc/${p}/comm`, 'utf8').trim() });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function fdTargets(pid: number): string[] {
  const out: string[] = [];
  for (const f of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${f}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

const isAlive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

describe('lab: vpc-gatewayd killed (-9) while forwarding: supervised restart, no orphans, clean removal', function () {
  this.timeout(180_000);
  const lab = labScenario('restart.clab.yml');
  let gw: GatewayNode;
  const daemonPid = (): number => {
    const p = cmdPid(lab.topo.name, 'gw');
    if (p === undefined) throw new Error('gateway daemon not running');
    return p;
  };
  const frrChildren = (pid: number): { pid: number; comm: string }[] => children(pid).filter((c) => FRR_NAMES.includes(c.comm));
  const converged = async (): Promise<boolean> => {
    const peers = await bgpState(gw).catch(() => []);
    if (!(peers.length === 1 && peers[0]!.state === 'Established')) return false;
    return (await fib(gw).catch(() => [])).some((r) => r.prefix === '10.2.2.0/24');
  };
  const green = async (): Promise<boolean> => {
    const s = await apiGet<{ state: string; conditions: { status: string }[] }>(gw.apiSocket, '/v1/status').catch(() => undefined);
    return s?.state === 'ok' && s.conditions.every((c) => c.status === 'True');
  };
  before(() => (gw = lab.gw()));

  it('converges: BGP with leaf1, h2 network in the dataplane FIB, h1 reaches h2', async () => {
    await waitFor('BGP Established and 10.2.2.0/24 in the FIB', converged, 90_000, 250);
    expect(await reachable(lab.netns('h1'), H2)).to.equal(true);
  });

  it('reports degraded, naming the peer, while leaf1 shuts the BGP session; ok again once it is back', async () => {
    type Status = { state: string; conditions: { object: string; status: string; reason: string; message?: string }[] };
    await waitFor('green status', green, 30_000, 250);
    const leaf = `clab-${lab.topo.name}-leaf1`;
    const neighbor = async (no: string[]): Promise<void> => {
      const r = await run('vtysh', ['-N', leaf, '-c', 'configure terminal', '-c', 'router bgp 65001', '-c', [...no, 'neighbor 10.0.1.1 shutdown'].join(' ')]);
      expect(r.code, r.stderr).to.equal(0);
    };
    await neighbor([]);
    try {
      const s = await waitFor(
        'degraded status',
        async () => {
          const x = await apiGet<Status>(gw.apiSocket, '/v1/status');
          return x.state === 'degraded' ? x : undefined;
        },
        15_000,
        250,
      );
      const bgp = s.conditions.find((c) => c.object === 'bgp/10.0.1.0');
      expect(bgp, JSON.stringify(s.conditions)).to.include({ status: 'False', reason: 'PeerDown' });
      expect(bgp!.message).to.match(/10\.0\.1\.0 \(AS 65001\) is (Idle|Active|Connect)/);
    } finally {
      await neighbor(['no']);
    }
    await waitFor('green status with the session back', green, 60_000, 250);
  });

  it('leaves no dataplane descriptor (tun queue, XDP socket, BPF map) in the FRR daemons it spawned', async () => {
    const agent = daemonPid();
    const frr = frrChildren(agent);
    expect(frr.map((c) => c.comm).sort()).to.deep.equal(['bfdd', 'bgpd', 'staticd', 'zebra']);
    const agentFds = fdTargets(agent);
    // The agent itself holds them (the check is not vacuous) ...
    expect(agentFds, 'agent fds').to.include('/dev/net/tun');
    expect(agentFds, 'agent fds').to.include('anon_inode:bpf-map');
    const agentSockets = new Set(agentFds.filter((t) => t.startsWith('socket:')));
    for (const c of frr) {
      const fds = fdTargets(c.pid);
      // ... and none of its children: no tun queue, no BPF object, no socket shared with the agent (the XSKs).
      expect(fds.filter((t) => t === '/dev/net/tun' || t.startsWith('anon_inode:bpf')), `${c.comm} fds`).to.deep.equal([]);
      expect(fds.filter((t) => agentSockets.has(t)), `${c.comm} sockets shared with the agent`).to.deep.equal([]);
    }
  });

  it('takes its FRR daemons with it when it is killed, even while nothing restarts it', async () => {
    const sup = readStateSupervisor(lab.topo.name);
    const agent = daemonPid();
    const frr = frrChildren(agent);
    // Stopped, the supervisor cannot restart the agent: what ends the FRR daemons is the agent's death alone.
    process.kill(sup, 'SIGSTOP');
    try {
      process.kill(agent, 'SIGKILL');
      await waitFor('the killed agent FRR daemons to exit', async () => frr.every((c) => !isAlive(c.pid)), 5_000, 50);
    } finally {
      process.kill(sup, 'SIGCONT');
    }
    await waitFor('the supervised gateway back and converged', async () => cmdPid(lab.topo.name, 'gw') !== agent && (await converged()), 60_000, 250);
    await waitFor('green status after the restart', green, 30_000, 250);
  });

  it('forwards again within 10 s when killed during a UDP flow, without orphans, and reports ok afterwards', async () => {
    const INTERVAL_MS = 10;
    const agent = daemonPid();
    const oldFrr = frrChildren(agent);
    const tx0 = (await portCounters(gw)).find((p) => p.name === 'eth1')!.txPackets;
    const flow = udpFlow(lab.netns('h1'), lab.netns('h2'), H2, 2500, INTERVAL_MS);
    await flow.started;
    await waitFor('the flow through the gateway', async () => (await portCounters(gw)).find((p) => p.name === 'eth1')!.txPackets - tx0 >= 100n, 10_000, 50);
    process.kill(agent, 'SIGKILL');
    const r = await flow.done;
    const outageMs = r.longestGap * r.paceMs;
    process.stdout.write(`      outage after kill -9 of vpc-gatewayd: ${(outageMs / 1000).toFixed(2)} s (${r.longestGap} packets of ${r.sent} lost in a row, ${r.received} received)\n`);
    expect(r.longestGap, 'the flow was cut at all (the kill hit a forwarding gateway)').to.be.greaterThan(0);
    expect(outageMs, 'forwarding outage').to.be.at.most(10_000);
    expect(r.received, 'the flow resumed and ran to its end').to.be.greaterThan(r.sent - r.longestGap - 50);
    expect(oldFrr.filter((c) => isAlive(c.pid)).map((c) => `${c.comm}(${c.pid})`), 'FRR daemons of the killed agent').to.deep.equal([]);
    expect(cmdPid(lab.topo.name, 'gw')).to.not.equal(agent);
    await waitFor('green status after the restart', green, 30_000, 250);
  });

  it('down removes everything of the lab, so the next lab starts from generation 1', async () => {
    // A second generation in the store: it must not survive the lab.
    const doc = await apiGet<{ spec: { gateway: { bfdProfiles: { transmitIntervalMs: number }[] } } }>(gw.apiSocket, '/v1/config');
    doc.spec.gateway.bfdProfiles[0]!.transmitIntervalMs = 200;
    expect((await apiPutConfig(gw.apiSocket, doc.spec)).status).to.equal(200);
    expect((await apiGet<{ generation: number }>(gw.apiSocket, '/v1/status')).generation).to.equal(2);
    const sup = readStateSupervisor(lab.topo.name);

    await down(lab.topo);
    const ns = await netnsList();
    expect([...ns].filter((n) => n.startsWith('clab-gwlab-restart-')), 'namespaces').to.deep.equal([]);
    for (const p of [gw.runDir, gw.stateDir, `/var/run/frr/${gw.frrInstance}`, '/run/gwlab/gwlab-restart/gw.pid', '/run/gwlab/gwlab-restart/state.json']) {
      expect(existsSync(p), p).to.equal(false);
    }
    expect(isAlive(sup), 'the supervisor').to.equal(false);
    const left = await run('pgrep', ['-af', 'gwlab-restart']);
    expect(left.stdout.trim(), 'processes of the lab').to.equal('');

    await up(lab.topo);
    await waitFor('the new lab converged', converged, 90_000, 250);
    const h = await apiGet<{ items: { generation: number }[] }>(gw.apiSocket, '/v1/config/history');
    expect(h.items.map((i) => i.generation)).to.deep.equal([1]);
  });
});

function readStateSupervisor(lab: string): number {
  const st = JSON.parse(readFileSync(`/run/gwlab/${lab}/state.json`, 'utf8')) as { nodes: { name: string; cmdPid?: number }[] };
  const pid = st.nodes.find((n) => n.name === 'gw')?.cmdPid;
  if (!pid) throw new Error('no supervisor recorded for gw');
  return pid;
}
