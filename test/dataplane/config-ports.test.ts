// Integration: the desired-state document drives the dataplane. vpc-gatewayd starts with a dataplane section
// but no boot ports; `PUT /v1/config` then adds ports on the lab's veths (host A — gateway — host B), a static
// route, removes it, and tries a document with a device that does not exist. Checked the way an operator
// would: the tap carries the address, pings pass (punt path and DPDK workers, proven by the counters), and a
// refused document is explained by the API while the previous generation keeps forwarding.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, type Reply } from '../api/http.ts';
import {
  type Daemon,
  type Doc,
  type Lab,
  counters,
  createLab,
  destroyLab,
  docBoot,
  kind,
  killStale,
  labNames,
  must,
  nsExec,
  putDoc,
  startDaemon,
  stopDaemon,
  until,
} from './lab.ts';

const PREFIX = 'gwdc';
/** Kept across daemon restarts (the stored generations); killStale removes it with the run directories. */
const STATE = join(tmpdir(), `${PREFIX}-state`);

describe('dataplane ports and static routes from the desired-state document (netns, real daemon)', function () {
  let lab: Lab;
  let d: Daemon | undefined;
  let doc: Doc;
  const p1 = { name: `${PREFIX}-p1`, device: `${kind()}_${PREFIX}a,iface=${PREFIX}-ga`, mtu: 1500, addresses: ['10.0.1.1/24', '2001:db8:1::1/64'] };
  const p2 = { name: `${PREFIX}-p2`, device: `${kind()}_${PREFIX}b,iface=${PREFIX}-gb`, mtu: 1500, addresses: ['10.0.2.1/24'] };
  const route = { prefix: '10.9.0.0/16', nexthops: [{ ip: '10.0.2.2' }] };

  const put = (next: Doc): Promise<Reply> => putDoc(d!, next);
  const ping = async (ip: string, n = 1): Promise<boolean> => (await nsExec(lab.nsA, ['ping', '-c', String(n), '-i', '0.01', '-W1', ip])).code === 0;
  const txOf = async (port: string): Promise<bigint> => BigInt((await counters(d!)).ports.find((p) => p.name === port)?.txPackets ?? '0');

  before(async function () {
    await killStale(PREFIX);
    lab = await createLab(PREFIX);
    // B also owns 10.9.0.2: only the document's static route leads there.
    await must('ip', ['-n', lab.nsB, 'addr', 'add', '10.9.0.2/32', 'dev', 'lo']);
    d = await startDaemon(lab, {}, { boot: (dir) => docBoot(lab, dir, STATE), ports: 0 });
    doc = (await call({ socket: d.socket }, 'GET', '/v1/config')).body.spec as Doc;
  });

  after(async function () {
    await stopDaemon(d, 'SIGKILL');
    await destroyLab(labNames(PREFIX));
    await killStale(PREFIX);
  });

  it('adds a port from the document: its tap carries the address and the gateway answers ping (punt path)', async () => {
    doc.gateway.ports = [p1];
    const r = await put(doc);
    expect(r.status, r.text).to.equal(200);
    expect(r.body).to.include({ applied: true });
    const addrs = JSON.parse(await must('ip', ['-n', lab.nsG, '-j', 'addr', 'show', 'dev', p1.name])) as { addr_info: { local: string; prefixlen: number }[] }[];
    expect(addrs[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).to.include.members(['10.0.1.1/24', '2001:db8:1::1/64']);
    await until('ping to the gateway address', () => ping('10.0.1.1'), 20_000, 200);
    const c = (await counters(d!)).ports.find((p) => p.name === p1.name)!;
    expect(BigInt(c.puntPackets) > 0n, 'the echo request was punted by the workers').to.equal(true);
  });

  it('forwards A -> B through the workers once a second port and a static route are in the document', async () => {
    doc.gateway.ports = [p1, p2];
    const r = await put(doc);
    expect(r.status, r.text).to.equal(200);
    await until('ping A -> B over the connected route', () => ping('10.0.2.2'), 20_000, 200);
    expect(await ping('10.9.0.2'), 'no route to 10.9/16 yet').to.equal(false);
    doc.staticRoutes = [route];
    expect((await put(doc)).status).to.equal(200);
    await until('ping A -> 10.9.0.2 over the static route', () => ping('10.9.0.2'), 20_000, 200);
    const before = await txOf(p2.name);
    expect(await ping('10.9.0.2', 20)).to.equal(true);
    const sent = Number((await txOf(p2.name)) - before);
    expect(sent, 'echo requests left through the second port').to.be.within(20, 30);
    const routes = (await call({ socket: d!.socket }, 'GET', '/v1/dataplane/routes?vrf=0')).body as { items: { prefix: string }[] };
    expect(routes.items.map((x) => x.prefix)).to.include('10.9.0.0/16');
  });

  it('stops forwarding to the prefix when the static route leaves the document', async () => {
    doc.staticRoutes = [];
    expect((await put(doc)).status).to.equal(200);
    await until('10.9.0.2 unreachable', async () => !(await ping('10.9.0.2')), 10_000, 200);
    const r = await nsExec(lab.nsA, ['ping', '-c1', '-W2', '10.9.0.2']);
    expect(r.out, 'the gateway answers with ICMP unreachable').to.match(/From 10\.0\.1\.1 .*Unreachable/i);
    expect(await ping('10.0.2.2'), 'B itself is still reachable').to.equal(true);
  });

  it('refuses a document whose port device does not exist, explains why, and keeps the previous generation forwarding', async () => {
    doc.staticRoutes = [route];
    expect((await put(doc)).status).to.equal(200);
    await until('static route forwarding again', () => ping('10.9.0.2'), 20_000, 200);
    const bad = structuredClone(doc);
    bad.gateway.ports.push({ name: `${PREFIX}-p3`, device: `${kind()}_${PREFIX}c,iface=${PREFIX}-none`, mtu: 1500, addresses: ['10.0.3.1/24'] });
    bad.staticRoutes = [];
    const r = await put(bad);
    expect(r.status, r.text).to.equal(409);
    expect(r.body.code).to.equal('REFUSED');
    const problem = (r.body.problems as { code: string; path: string; detail: string }[])[0]!;
    expect(problem).to.include({ code: 'REFUSED', path: '/gateway/ports/2' });
    expect(problem.detail).to.match(/^dataplane: port gwdc-p3/);
    const status = (await call({ socket: d!.socket }, 'GET', '/v1/status')).body;
    expect(status.state).to.equal('failed');
    const ports = (await call({ socket: d!.socket }, 'GET', '/v1/dataplane/ports')).body.items as { name: string }[];
    expect(ports.map((p) => p.name).sort()).to.deep.equal([p1.name, p2.name]);
    expect((await nsExec(lab.nsG, ['ip', 'link', 'show', `${PREFIX}-p3`])).code, 'no tap left behind').to.not.equal(0);
    const before = await txOf(p2.name);
    expect(await ping('10.9.0.2', 10), 'the previous generation (with the static route) still forwards').to.equal(true);
    expect(Number((await txOf(p2.name)) - before)).to.be.at.least(10);
    const text = (await call({ socket: d!.socket }, 'GET', '/metrics')).text;
    expect(Number(/^gw_dp_runtime_config_apply_failures_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0)).to.be.at.least(1);
  });

  it('refuses a device off the allow-list (a pcap vdev writing a file as root) at the field, before DPDK sees it', async () => {
    const file = join(tmpdir(), `${PREFIX}-pcap-out`);
    const bad = structuredClone(doc);
    bad.gateway.ports.push({ name: `${PREFIX}-p4`, device: `net_pcap9,rx_iface=lo,tx_pcap=${file}`, mtu: 1500, addresses: [] });
    const r = await put(bad);
    expect(r.status, r.text).to.equal(422);
    const problems = r.body.problems as { code: string; path: string; detail: string }[];
    expect(problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['INVALID_VALUE /gateway/ports/2/device']);
    expect(problems[0]!.detail).to.match(/not a supported device/);
    expect(existsSync(file), 'no file written').to.equal(false);
    const ports = (await call({ socket: d!.socket }, 'GET', '/v1/dataplane/ports')).body.items as { name: string }[];
    expect(ports.map((p) => p.name).sort()).to.deep.equal([p1.name, p2.name]);
  });

  it('adds and removes an address on a port in place: the tap and the local route follow, the port stays', async () => {
    expect((await put(doc)).status).to.equal(200); // fix forward from the refused generation
    const portId = async (): Promise<number> =>
      ((await call({ socket: d!.socket }, 'GET', '/v1/dataplane/ports')).body.items as { name: string; id: number }[]).find((x) => x.name === p2.name)!.id;
    const tapAddrs = async (): Promise<string[]> =>
      (JSON.parse(await must('ip', ['-n', lab.nsG, '-j', 'addr', 'show', 'dev', p2.name])) as { addr_info: { local: string; prefixlen: number }[] }[])[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`);
    const routes = async (): Promise<string[]> =>
      ((await call({ socket: d!.socket }, 'GET', '/v1/dataplane/routes?vrf=0')).body.items as { prefix: string }[]).map((x) => x.prefix);
    const id = await portId();
    doc.gateway.ports[1] = { ...p2, addresses: ['10.0.2.1/24', '10.0.22.1/24'] };
    expect((await put(doc)).status).to.equal(200);
    expect(await tapAddrs()).to.include('10.0.22.1/24');
    expect(await routes()).to.include.members(['10.0.22.1/32', '10.0.22.0/24']);
    expect(await portId(), 'an address change keeps the port').to.equal(id);
    doc.gateway.ports[1] = p2;
    expect((await put(doc)).status).to.equal(200);
    expect(await tapAddrs()).to.not.include('10.0.22.1/24');
    expect(await routes()).to.not.include.members(['10.0.22.1/32']);
    expect(await routes()).to.not.include('10.0.22.0/24');
    expect(await ping('10.9.0.2', 3), 'forwarding untouched').to.equal(true);
  });

  it('brings the document ports and routes back after a restart (stored generation applied at start)', async () => {
    await stopDaemon(d, 'SIGTERM');
    d = undefined;
    d = await startDaemon(lab, {}, { boot: (dir) => docBoot(lab, dir, STATE), ports: 2 });
    await until('static route forwarding after restart', () => ping('10.9.0.2'), 30_000, 200);
    const before = await txOf(p2.name);
    expect(await ping('10.9.0.2', 10)).to.equal(true);
    expect(Number((await txOf(p2.name)) - before)).to.be.at.least(10);
  });
});
