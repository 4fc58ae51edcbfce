// The API of a real agent running FRR as its real config consumer: features no component realizes are
// refused, the underlay reaches FRR, generations survive a restart, the unix socket's mode is the access
// control, and TCP never accepts a write without a token.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { call, waitFor, type Target } from './http.ts';
import { startDaemon, type DaemonHandle } from './harness.ts';

const BOOT = {
  frr: { plugin: false, daemons: ['bgpd', 'bfdd'] },
  api: { listen: '127.0.0.1:42481', anonymousReads: true, tokens: [{ name: 'ci', token: 'gwmg-api-token-0123456789' }] },
};
const TCP: Target = { host: '127.0.0.1', port: 42481 };
/** A host address no document of this test knows (TEST-NET-2). */
const LOCAL_ONLY = '198.51.100.254/32';

function underlay() {
  return {
    gateway: {
      name: 'gw1', asn: 65001, routerId: '10.255.0.1', ports: [],
      neighbors: [{ ip: '10.1.0.0', asn: 65100, bfdProfile: 'fast' }],
      bfdProfiles: [{ name: 'fast', detectMultiplier: 3, receiveIntervalMs: 300, transmitIntervalMs: 300 }],
    },
    vpcs: [], peerings: [], groups: [], staticRoutes: [],
  };
}

describe('agent API with FRR as a real consumer', () => {
  let d: DaemonHandle;
  let u: Target;
  before(async () => {
    d = await startDaemon('api', BOOT);
    u = { socket: d.socket };
  });
  after(async () => d?.stop());

  it('serves the unix socket with mode 0660 and lists FRR and its overlay control plane as consumers', async () => {
    expect(statSync(d.socket).mode & 0o777).to.equal(0o660);
    const s = (await call(u, 'GET', '/v1/status')).body;
    expect(s.consumers).to.deep.equal(['evpn', 'frr']);
    expect(s.features).to.deep.equal(['bgp', 'bfd', 'vtep', 'vpcs', 'peerings']);
  });

  it('refuses what no component of this agent realizes (dataplane ports, NAT) with NOT_SUPPORTED', async () => {
    const doc = underlay() as ReturnType<typeof underlay> & { gateway: { vtep?: unknown } };
    doc.gateway.vtep = { ip: '10.255.0.9', mac: '02:00:00:00:00:01' };
    (doc.vpcs as unknown[]).push({ name: 'blue', id: 'b1', vni: 100, subnets: [{ name: 'a', cidr: '10.10.0.0/24' }] });
    (doc.vpcs as unknown[]).push({ name: 'red', id: 'r1', vni: 200, subnets: [{ name: 'a', cidr: '10.20.0.0/24' }] });
    (doc.peerings as unknown[]).push({
      name: 'blue-red',
      sides: [
        { vpc: 'blue', expose: [{ ips: ['10.10.0.0/24'], as: ['172.16.50.0/24'], nat: { mode: 'static' } }] },
        { vpc: 'red', expose: [{ ips: ['10.20.0.0/24'] }] },
      ],
    });
    (doc.gateway.ports as unknown[]).push({ name: 'eth1', device: 'net_tap0', mtu: 1500, addresses: ['10.1.0.1/31'] });
    const r = await call(u, 'PUT', '/v1/config', doc, { 'if-match': '"0"' });
    expect(r.status).to.equal(422);
    const got = (r.body.problems as { code: string; path: string }[]).map((p) => `${p.code} ${p.path}`);
    // VPCs themselves are the overlay control plane's (features/evpn: VRFs, L3VNIs, type-5 in FRR).
    expect(got).to.include.members(['NOT_SUPPORTED /gateway/ports/0', 'NOT_SUPPORTED /peerings/0/sides/0/expose/0/nat']);
    expect(got.filter((p) => p.includes('/vpcs/') || p.includes('/vtep'))).to.deep.equal([]);
  });

  it('applies the underlay through FRR and reports it in force', async () => {
    const r = await call(u, 'PUT', '/v1/config', underlay(), { 'if-match': '"0"' });
    expect(r.status, r.text).to.equal(200);
    expect(r.body.applied).to.equal(true);
    const f = (await call(u, 'GET', '/v1/frr')).body;
    expect(f.generation).to.equal(1);
    const conf = (await call(u, 'GET', '/v1/frr/config')).text;
    expect(conf).to.match(/neighbor 10\.1\.0\.0 remote-as 65100/);
    const s = (await call(u, 'GET', '/v1/status')).body;
    // In force, but the neighbor is unreachable: the status says degraded and why, not ok.
    expect(s).to.include({ state: 'degraded', observedGeneration: 1 });
    expect(s.conditions).to.deep.include({ object: 'neighbor/10.1.0.0', type: 'Ready', status: 'True', reason: 'InForce' });
    const peer = (s.conditions as { object: string }[]).find((c) => c.object === 'bgp/10.1.0.0');
    expect(peer).to.include({ type: 'Healthy', status: 'False', reason: 'PeerDown' });
    expect((s.conditions as { object: string }[]).find((c) => c.object === 'bfd/10.1.0.0')).to.include({ status: 'False', reason: 'BfdDown' });
  });

  it('reads BGP and BFD neighbor states from FRR (the neighbor is unreachable: not Established, BFD down)', async () => {
    const n = await waitFor('FRR reports the neighbor', async () => {
      const b = (await call(u, 'GET', '/v1/frr/neighbors')).body;
      return b.bgp.length > 0 && b.bfd.length > 0 ? b : undefined;
    }, 30000);
    expect(n.bgp[0].peer).to.equal('10.1.0.0');
    expect(n.bgp[0].state).to.not.equal('Established');
    expect(n.bfd[0]).to.include({ peer: '10.1.0.0' });
    expect(n.bfd[0].status).to.not.equal('up');
    const m = (await call(u, 'GET', '/metrics')).text;
    expect(m).to.match(/^gw_bgp_neighbor_established\{peer="10\.1\.0\.0",state="\w+"\} 0$/m);
    expect(m).to.match(/^gw_bfd_peer_up\{peer="10\.1\.0\.0",status="\w+"\} 0$/m);
  });

  it('TCP: anonymous reads of /metrics, no write without a token', async () => {
    const m = await call(TCP, 'GET', '/metrics');
    expect(m.status).to.equal(200);
    expect(m.text).to.include('gw_config_observed_generation 1');
    expect(m.text).to.include('gw_frr_daemon_up{daemon="bgpd"} 1');
    expect(m.text).to.match(/^gw_ifmgr_restores_total \d+$/m);
    const w = await call(TCP, 'PUT', '/v1/config', underlay(), { 'if-match': '"1"' });
    expect(w.status).to.equal(401);
    expect(w.body.code).to.equal('UNAUTHORIZED');
  });

  it('a generation FRR refuses leaves the previous one in force in FRR itself', async () => {
    // FRR refuses a neighbor that is an address of the host. The router-id and port addresses are refused by
    // our validation already; an address on `lo` that the document does not know is only FRR's to find: a
    // refusal by the real consumer.
    execFileSync('ip', ['addr', 'replace', LOCAL_ONLY, 'dev', 'lo']);
    const vtysh = (cmd: string): string => execFileSync('vtysh', ['-N', 'gwmg-api', '-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    await waitFor('zebra knows the address', async () => vtysh('show interface lo').includes(LOCAL_ONLY));
    const doc = underlay();
    (doc.gateway.neighbors as { ip: string; asn: number }[]).push({ ip: LOCAL_ONLY.split('/')[0]!, asn: 65300 });
    const r = await call(u, 'PUT', '/v1/config', doc, { 'if-match': '"1"' }).finally(() => execFileSync('ip', ['addr', 'del', LOCAL_ONLY, 'dev', 'lo']));
    expect(r.status, r.text).to.equal(409);
    expect(r.body).to.include({ code: 'REFUSED', currentGeneration: 2 });
    expect(r.body.problems[0].detail).to.match(/^frr: FRR_/);
    const running = execFileSync('vtysh', ['-N', 'gwmg-api', '-c', 'show running-config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(running).to.match(/neighbor 10\.1\.0\.0 remote-as 65100/);
    expect(running).to.not.include(`${LOCAL_ONLY.split('/')[0]} remote-as`);
    const s = (await call(u, 'GET', '/v1/status')).body;
    expect(s).to.include({ generation: 2, observedGeneration: 1, state: 'failed' });
    expect((await call(u, 'GET', '/v1/frr')).body.generation).to.equal(1);
  });

  it('keeps generations across a restart and applies the newest one again', async () => {
    const doc = underlay();
    doc.gateway.neighbors[0]!.asn = 65200;
    expect((await call(u, 'PUT', '/v1/config', doc, { 'if-match': '"2"' })).body.generation).to.equal(3);
    await d.stop();
    d = await startDaemon('api', BOOT, false);
    u = { socket: d.socket };
    await waitFor('generation 3 in force', async () => (await call(u, 'GET', '/v1/status')).body.observedGeneration === 3);
    expect((await call(u, 'GET', '/v1/frr/config')).text).to.match(/neighbor 10\.1\.0\.0 remote-as 65200/);
    const h = (await call(u, 'GET', '/v1/config/history')).body.items;
    expect(h.map((e: { generation: number; result: string }) => `${e.generation} ${e.result}`)).to.deep.equal(['3 applied', '2 refused', '1 superseded']);
  });
});
