// Scenario "frr-reload" (containerlab/frr-reload.clab.yml): the gateway's FRR under the agent, kernel path.
//
//   leaf1 --eth1--------eth1-- gw --eth2--------eth1-- leaf2
//  AS 65001    10.0.1.0/31   AS 65000   10.0.2.0/31    AS 65002
//
// gw starts peering with leaf1 only (config.json PUT by the topology). Success: a new generation adding leaf2
// brings that session up without resetting leaf1's; a generation FRR refuses is reported (HTTP 409, FRR
// error code) and the running config and sessions stay; a killed bgpd is restarted with its config; the
// router-id address on lo comes back when removed.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { instanceRunDir } from '../../agent/src/features/frr/daemons.ts';
import { showJson, vtysh } from '../../agent/src/features/frr/vtysh.ts';
import { apiPutConfig, bgpState, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { run, waitFor } from '../../agent/src/lab/sh.ts';
import { labScenario, REPO } from '../lab/scenario.ts';

type Doc = { gateway: { neighbors: { ip: string; asn: number; bfdProfile?: string }[]; bfdProfiles: { name: string; transmitIntervalMs: number }[] } };
const initial = JSON.parse(readFileSync(`${REPO}/containerlab/frr-reload/gw/config.json`, 'utf8')) as Doc;

/** An address of the gateway's host that no document of this test knows (TEST-NET-2). */
const HOST_ONLY = '198.51.100.254';

type Nb = Record<string, { bgpState: string; connectionsEstablished?: number; bgpTimerUpMsec?: number }>;

describe('frr: rendering, reload without session loss, refusal, supervision', function () {
  this.timeout(180_000);
  const lab = labScenario('frr-reload.clab.yml');
  let gw: GatewayNode;
  // 130 s: a leaf whose session dropped retries its own connects only every 120 s (FRR's connect-retry).
  const established = async (peers: string[], timeoutMs = 60_000): Promise<void> => {
    await waitFor(
      `BGP Established with ${peers.join(', ')}`,
      async () => {
        const s = new Map((await bgpState(gw)).map((p) => [p.peer, p.state]));
        return peers.every((p) => s.get(p) === 'Established');
      },
      timeoutMs,
    );
  };
  const neighbor = async (ip: string): Promise<Nb[string]> => (await showJson<Nb>(gw.frrInstance, `show bgp neighbors ${ip} json`))![ip]!;

  before(() => (gw = lab.gw()));

  it('peers with the neighbor of the first generation, and only with it', async () => {
    await established(['10.0.1.0']);
    expect((await bgpState(gw)).map((p) => p.peer)).to.deep.equal(['10.0.1.0']);
    // leaf1's network arrives in the gateway's RIB (RFC 8212 on: the document's import policy lets it in).
    await waitFor('10.11.0.0/24 from leaf1', async () => !!(await showJson<Record<string, unknown>>(gw.frrInstance, 'show ip route 10.11.0.0/24 json'))?.['10.11.0.0/24'], 30_000);
  });

  it('applies a new generation (add a neighbor, change a BFD profile) without resetting the running session', async () => {
    const before = await neighbor('10.0.1.0');
    const doc = structuredClone(initial);
    doc.gateway.neighbors.push({ ip: '10.0.2.0', asn: 65002, bfdProfile: 'fast' });
    doc.gateway.bfdProfiles[0]!.transmitIntervalMs = 400;
    const r = await apiPutConfig(gw.apiSocket, doc);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    await established(['10.0.1.0', '10.0.2.0']);
    const after = await neighbor('10.0.1.0');
    expect(after.connectionsEstablished).to.equal(before.connectionsEstablished);
    expect(after.bgpTimerUpMsec!).to.be.greaterThan(before.bgpTimerUpMsec!);
    const run = (await vtysh(gw.frrInstance, ['-c', 'show running-config'])).stdout;
    expect(run).to.match(/profile fast\n(.*\n)*?\s+transmit-interval 400/);
  });

  it('reports a generation FRR refuses and keeps the running config and sessions', async () => {
    const before = await neighbor('10.0.2.0');
    const runningBefore = (await vtysh(gw.frrInstance, ['-c', 'show running-config'])).stdout;
    const doc = structuredClone(initial);
    doc.gateway.neighbors.push({ ip: '10.0.2.0', asn: 65002, bfdProfile: 'fast' });
    // Valid for the agent, but FRR refuses to peer with an address of its own host: one on lo that the document
    // does not know (the router-id and port addresses are refused by validation already).
    await run('ip', ['-n', gw.netns, 'addr', 'replace', `${HOST_ONLY}/32`, 'dev', 'lo']);
    await waitFor('zebra knows the address', async () => (await vtysh(gw.frrInstance, ['-c', 'show interface lo'])).stdout.includes(HOST_ONLY), 10_000);
    doc.gateway.neighbors.push({ ip: HOST_ONLY, asn: 65009 });
    const r = await apiPutConfig(gw.apiSocket, doc).finally(() => run('ip', ['-n', gw.netns, 'addr', 'del', `${HOST_ONLY}/32`, 'dev', 'lo']));
    expect(r.status).to.equal(409);
    expect(JSON.stringify(r.body)).to.contain('FRR_RELOAD_FAILED');
    const runningAfter = (await vtysh(gw.frrInstance, ['-c', 'show running-config'])).stdout;
    expect(runningAfter).to.not.contain(`${HOST_ONLY} remote-as`);
    expect(runningAfter).to.contain('neighbor 10.0.2.0 remote-as 65002');
    expect(runningAfter.replace(/\n!\n/g, '\n')).to.equal(runningBefore.replace(/\n!\n/g, '\n'));
    expect((await neighbor('10.0.2.0')).connectionsEstablished).to.equal(before.connectionsEstablished);
  });

  it('restarts a killed bgpd and puts its config back', async () => {
    const pidFile = `${instanceRunDir(gw.frrInstance)}/bgpd.pid`;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await waitFor('a new bgpd', async () => {
      try {
        const p = Number(readFileSync(pidFile, 'utf8').trim());
        return p !== pid && (await vtysh(gw.frrInstance, ['-d', 'bgpd', '-c', 'show version'])).code === 0;
      } catch {
        return false;
      }
    }, 30_000);
    await established(['10.0.1.0', '10.0.2.0'], 130_000);
  });

  it('puts the router-id address back on lo when somebody removes it', async () => {
    const has = async (): Promise<boolean> => (await run('ip', ['-n', gw.netns, '-br', 'addr', 'show', 'dev', 'lo'])).stdout.includes('10.255.0.1/32');
    expect(await has()).to.equal(true);
    await run('ip', ['-n', gw.netns, 'addr', 'del', '10.255.0.1/32', 'dev', 'lo']);
    await waitFor('10.255.0.1/32 back on lo', has, 10_000, 50);
  });
});
