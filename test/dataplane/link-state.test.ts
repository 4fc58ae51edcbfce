// Integration: port link state over real veths (host A — vpc-gatewayd, af_xdp ports — host B). Setting B's
// veth down takes the carrier off the gateway's port: the daemon must see it (the ports show says down, the
// punt tap loses its carrier so the kernel and FRR see it too), stop using the port (a static route over both
// ports keeps forwarding over the surviving one; a route only over the down port drops as port_down) and take
// it back when the link returns.
import { expect } from 'chai';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../api/http.ts';
import { type Daemon, type Doc, type Lab, counters, createLab, destroyLab, docBoot, kind, killStale, labNames, must, nsExec, putDoc, sh, startDaemon, stopDaemon, until } from './lab.ts';

const PREFIX = 'gwls';
const STATE = join(tmpdir(), `${PREFIX}-state`);

describe('dataplane port link state (netns, af_xdp, real daemon)', function () {
  let lab: Lab;
  let d: Daemon | undefined;
  const p1 = { name: `${PREFIX}-p1`, device: `${kind()}_${PREFIX}a,iface=${PREFIX}-ga`, mtu: 1500, addresses: ['10.0.1.1/24'] };
  const p2 = { name: `${PREFIX}-p2`, device: `${kind()}_${PREFIX}b,iface=${PREFIX}-gb`, mtu: 1500, addresses: ['10.0.2.1/24'] };
  // ECMP over both ports: flows to 10.9/16 leave towards B or back towards A.
  const ecmp = { prefix: '10.9.0.0/16', nexthops: [{ ip: '10.0.2.2' }, { ip: '10.0.1.2' }] };

  const ping = async (ip: string, n = 1): Promise<boolean> => (await nsExec(lab.nsA, ['ping', '-c', String(n), '-i', '0.01', '-W1', ip])).code === 0;
  const portOf = async (name: string) => (await counters(d!)).ports.find((p) => p.name === name)!;
  const linkUp = async (name: string): Promise<boolean> =>
    ((await call({ socket: d!.socket }, 'GET', '/v1/dataplane/ports')).body.items as { name: string; linkUp: boolean }[]).find((p) => p.name === name)!.linkUp;
  const tapFlags = async (name: string): Promise<string[]> =>
    (JSON.parse(await must('ip', ['-n', lab.nsG, '-j', 'link', 'show', 'dev', name])) as { flags: string[] }[])[0]!.flags;
  /** 64 UDP flows (one per destination port) from A to 10.9.0.2; returns the packets each port transmitted meanwhile. */
  const flows = async (): Promise<{ p1: number; p2: number }> => {
    const tx = async () => [BigInt((await portOf(p1.name)).txPackets), BigInt((await portOf(p2.name)).txPackets)];
    const [a1, a2] = await tx();
    await must('ip', ['netns', 'exec', lab.nsA, 'bash', '-c', 'for p in $(seq 5001 5064); do echo x > /dev/udp/10.9.0.2/$p; done']);
    await new Promise((r) => setTimeout(r, 200));
    const [b1, b2] = await tx();
    return { p1: Number(b1! - a1!), p2: Number(b2! - a2!) };
  };

  before(async function () {
    await killStale(PREFIX);
    lab = await createLab(PREFIX);
    await must('ip', ['-n', lab.nsB, 'addr', 'add', '10.9.0.2/32', 'dev', 'lo']);
    d = await startDaemon(lab, {}, { boot: (dir) => docBoot(lab, dir, STATE), ports: 0 });
    const doc = (await call({ socket: d.socket }, 'GET', '/v1/config')).body.spec as Doc;
    doc.gateway.ports = [p1, p2];
    doc.staticRoutes = [ecmp];
    const r = await putDoc(d, doc);
    expect(r.status, r.text).to.equal(200);
    await until('ping A -> B', () => ping('10.0.2.2'), 20_000, 200);
  });

  after(async function () {
    await stopDaemon(d, 'SIGKILL');
    await destroyLab(labNames(PREFIX));
    await killStale(PREFIX);
  });

  it('shows both ports up, their taps with carrier, and spreads ECMP flows over both', async () => {
    expect(await linkUp(p1.name)).to.equal(true);
    expect(await linkUp(p2.name)).to.equal(true);
    expect(await tapFlags(p2.name)).to.not.include('NO-CARRIER');
    // The first flows back towards A may miss A's neighbor entry; retry until both members carried some.
    await until('flows on both ECMP members', async () => {
      const f = await flows();
      return f.p1 > 0 && f.p2 > 0;
    }, 20_000, 300);
  });

  it('takes a port whose link went down out of use: shown down, tap without carrier, flows on the survivor, port_down counted', async () => {
    await must('ip', ['-n', lab.nsB, 'link', 'set', lab.hB, 'down']);
    await until('port 2 shown down', async () => !(await linkUp(p2.name)), 10_000, 100);
    expect(await linkUp(p1.name)).to.equal(true);
    await until('tap 2 without carrier', async () => (await tapFlags(p2.name)).includes('NO-CARRIER'), 5_000, 100);

    const f = await flows();
    expect(f.p2, 'nothing sent on the down port').to.equal(0);
    expect(f.p1, 'every flow left through the surviving member').to.be.at.least(60);

    // 10.0.2.0/24 has only the down port: its packets are the counted drop port_down (on the ingress port).
    const before = BigInt((await portOf(p1.name)).drops.port_down ?? '0');
    expect(await ping('10.0.2.2', 5)).to.equal(false);
    const dropped = BigInt((await portOf(p1.name)).drops.port_down ?? '0') - before;
    expect(Number(dropped)).to.be.at.least(5);
  });

  it('uses the port again when its link comes back', async () => {
    await must('ip', ['-n', lab.nsB, 'link', 'set', lab.hB, 'up']);
    // Taking B's veth down flushed B's routes through it.
    await sh('ip', ['-n', lab.nsB, 'route', 'replace', 'default', 'via', '10.0.2.1']);
    await until('port 2 shown up', () => linkUp(p2.name), 10_000, 100);
    await until('tap 2 with carrier', async () => !(await tapFlags(p2.name)).includes('NO-CARRIER'), 5_000, 100);
    await until('ping A -> B again', () => ping('10.0.2.2'), 20_000, 200);
    await until('flows on both ECMP members again', async () => {
      const f = await flows();
      return f.p1 > 0 && f.p2 > 0;
    }, 20_000, 300);
  });
});
