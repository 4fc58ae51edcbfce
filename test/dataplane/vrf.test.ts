// Integration: both gateway ports in VRF 1 (boot file), traffic through the DPDK workers over af_xdp. VRF 0 holds
// routes for the same prefixes that would give the opposite result (a blackhole where VRF 1 forwards, a route
// where VRF 1 has none), so every ping below tells which table the workers used, for IPv4 and IPv6.
import { expect } from 'chai';
import {
  type Daemon,
  type Lab,
  api,
  bootYaml,
  counters,
  createLab,
  destroyLab,
  killStale,
  labNames,
  must,
  nsExec,
  portCounters,
  startDaemon,
  stopDaemon,
  until,
} from './lab.ts';

const PREFIX = 'gwrt-v';

/** The lab's boot file with both ports in VRF 1, and static routes in VRF 1 and in VRF 0 for the same prefixes. */
function vrfBoot(l: Lab, dir: string): string {
  return `${bootYaml(l, dir).replace(/- \{ name: (eth\d),/g, '- { name: $1, vrf: 1,')}  staticRoutes:
    - { vrf: 1, prefix: 10.9.9.0/24, via: 10.0.2.2, port: eth2 }
    - { vrf: 1, prefix: "2001:db8:9::/64", via: "2001:db8:2::2", port: eth2 }
    - { vrf: 0, prefix: 10.9.9.0/24, type: blackhole }
    - { vrf: 0, prefix: "2001:db8:9::/64", type: blackhole }
    - { vrf: 0, prefix: 10.8.8.0/24, via: 10.0.2.2, port: eth2 }
    - { vrf: 0, prefix: "2001:db8:8::/64", via: "2001:db8:2::2", port: eth2 }
`;
}

const drops = async (d: Daemon, name: string): Promise<Record<string, string>> => portCounters(await counters(d), name).drops;
const n = (v: string | undefined): number => Number(v ?? 0);

describe('dataplane: a non-default VRF through the workers (ports in VRF 1, af_xdp)', function () {
  let lab: Lab;
  let d: Daemon | undefined;

  before(async function () {
    await killStale(PREFIX);
    lab = await createLab(PREFIX);
    for (const a of ['10.9.9.9/32', '10.8.8.8/32']) await must('ip', ['-n', lab.nsB, 'addr', 'add', a, 'dev', 'lo']);
    for (const a of ['2001:db8:9::9/128', '2001:db8:8::8/128']) await must('ip', ['-n', lab.nsB, 'addr', 'add', a, 'dev', 'lo']);
    d = await startDaemon(lab, {}, { boot: (dir) => vrfBoot(lab, dir) });
  });

  after(async function () {
    await stopDaemon(d, 'SIGKILL');
    await destroyLab(labNames(PREFIX));
    await killStale(PREFIX);
  });

  it("programs the ports' local and connected routes into VRF 1, not VRF 0", async () => {
    const prefixes = async (vrf: number) => (await api<{ items: { prefix: string }[] }>(d!, `/v1/dataplane/routes?vrf=${vrf}`)).items.map((r) => r.prefix);
    const v1 = await prefixes(1);
    const v0 = await prefixes(0);
    for (const p of ['10.0.1.1/32', '10.0.1.0/24', '10.0.2.0/24', '2001:db8:1::1/128', '2001:db8:2::/64', '10.9.9.0/24', '2001:db8:9::/64']) {
      expect(v1, `VRF 1 has ${p}`).to.include(p);
    }
    expect(v1).to.not.include('10.8.8.0/24');
    expect(v0).to.have.members(['10.9.9.0/24', '2001:db8:9::/64', '10.8.8.0/24', '2001:db8:8::/64']);
  });

  it('forwards between the VRF 1 ports by its connected routes (IPv4 and IPv6)', async () => {
    await until('IPv4 ping A -> B', async () => (await nsExec(lab.nsA, ['ping', '-c1', '-W1', '10.0.2.2'])).code === 0, 20_000, 200);
    await until('IPv6 ping A -> B', async () => (await nsExec(lab.nsA, ['ping', '-6', '-c1', '-W1', '2001:db8:2::2'])).code === 0, 20_000, 200);
    const r = await nsExec(lab.nsA, ['ping', '-c', '20', '-i', '0.01', '-W', '1', '10.0.2.2']);
    expect(r.out).to.match(/20 received/);
  });

  it("uses VRF 1's static route where VRF 0 has a blackhole for the same prefix (IPv4 and IPv6)", async () => {
    const before = n((await drops(d!, 'eth1')).blackhole);
    const r4 = await nsExec(lab.nsA, ['ping', '-c', '10', '-i', '0.02', '-W', '1', '10.9.9.9']);
    expect(r4.out, r4.out).to.match(/10 received/);
    const r6 = await nsExec(lab.nsA, ['ping', '-6', '-c', '10', '-i', '0.02', '-W', '1', '2001:db8:9::9']);
    expect(r6.out, r6.out).to.match(/10 received/);
    expect(n((await drops(d!, 'eth1')).blackhole)).to.equal(before);
  });

  it("answers net unreachable for a prefix only VRF 0 routes (IPv4 and IPv6)", async () => {
    const before = n((await drops(d!, 'eth1')).no_route);
    const r4 = await nsExec(lab.nsA, ['ping', '-c', '1', '-W', '2', '10.8.8.8']);
    expect(r4.code).to.not.equal(0);
    expect(r4.out).to.match(/From 10\.0\.1\.1 .*Destination Net Unreachable/);
    const r6 = await nsExec(lab.nsA, ['ping', '-6', '-c', '1', '-W', '2', '2001:db8:8::8']);
    expect(r6.code).to.not.equal(0);
    expect(r6.out).to.match(/From 2001:db8:1::1 .*(No route|Destination unreachable)/i);
    expect(n((await drops(d!, 'eth1')).no_route)).to.equal(before + 2);
  });
});
