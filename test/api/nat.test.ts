// NAT through the API of a real agent with a DPDK dataplane (no ports: the tables are what is checked): a document
// with NAT exposes is applied, and what the dataplane holds is read back through /v1/nat/* and gwctl; a document
// with NAT faults is refused listing every problem at its path, and nothing changes.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startDaemon, type DaemonHandle } from './harness.ts';
import { call, type Target } from './http.ts';

const BOOT = {
  dataplane: { eal: { workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 512, mbufs: 4095, tables: { maxVrfs: 8 } }, ports: [] },
};

function gwctl(socket: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'bin/gwctl'), ['-s', socket, ...args], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

type Expose = { ips: string[]; as?: string[]; nat?: Record<string, unknown> };

function doc(blue: Expose[], red: Expose[]) {
  return {
    gateway: { name: 'gw1', asn: 65001, routerId: '10.0.0.1', vtep: { ip: '10.0.0.1', mac: '02:00:00:00:00:01' }, ports: [], neighbors: [], bfdProfiles: [] },
    vpcs: [
      { name: 'blue', id: 'b1', vni: 100, subnets: [{ name: 'a', cidr: '10.10.0.0/24' }, { name: 'v6', cidr: '2001:db8:10::/64' }] },
      { name: 'red', id: 'r1', vni: 200, subnets: [{ name: 'a', cidr: '10.20.0.0/24' }, { name: 'v6', cidr: '2001:db8:20::/64' }] },
    ],
    peerings: [{ name: 'blue-red', sides: [{ vpc: 'blue', expose: blue }, { vpc: 'red', expose: red }] }],
    groups: [],
    staticRoutes: [],
  };
}

const STATIC: Expose[] = [
  { ips: ['10.20.0.128/25'], as: ['192.168.20.128/25'], nat: { mode: 'static' } },
  { ips: ['2001:db8:20::/64'], as: ['2001:db8:f20::/64'], nat: { mode: 'static' } },
];
const STATEFUL: Expose[] = [
  { ips: ['10.10.0.0/25'], as: ['203.0.113.1/32'], nat: { mode: 'masquerade', filtering: 'endpoint-independent' } },
  { ips: ['2001:db8:10::/64'], as: ['2001:db8:f10::1/128'], nat: { mode: 'masquerade', idleTimeoutSeconds: 600 } },
  { ips: ['10.10.0.200/32'], as: ['198.51.100.80/32'], nat: { mode: 'portForward', ports: [{ proto: 'tcp', port: 8080, as: 80 }] } },
];

describe('NAT through the API of an agent with a DPDK dataplane', function () {
  this.timeout(60000);
  let d: DaemonHandle;
  let u: Target;
  let gen = 0;
  before(async () => {
    d = await startDaemon('nat', BOOT);
    u = { socket: d.socket };
  });
  after(async () => d?.stop());

  const put = async (body: unknown) => call(u, 'PUT', '/v1/config', body, { 'if-match': `"${gen}"` });

  it('applies static NAT44 and NPTv6: the dataplane holds the mappings, the other side routes the `as` prefixes', async () => {
    const r = await put(doc([{ ips: ['10.10.0.0/24'] }], STATIC));
    expect(r.status, r.text).to.equal(200);
    gen = r.body.generation;
    const s = await call(u, 'GET', '/v1/nat/static');
    expect(s.status, s.text).to.equal(200);
    expect(s.body).to.deep.equal({
      dataplane: true,
      items: [
        { peering: 'blue-red', vpc: 'red', vrf: 2, ips: '10.20.0.128/25', as: '192.168.20.128/25' },
        { peering: 'blue-red', vpc: 'red', vrf: 2, ips: '2001:db8:20::/64', as: '2001:db8:f20::/64' },
      ],
    });
    const p = (await call(u, 'GET', '/v1/overlay/peerings')).body.items[0];
    expect(p.sides[0].reaches).to.deep.equal(['192.168.20.128/25', '2001:db8:f20::/64']);
    expect(p.sides[1].sources).to.deep.equal(['10.20.0.128/25', '2001:db8:20::/64']);
    const t = await gwctl(d.socket, ['show', 'nat', 'static']);
    expect(t.code, t.stderr).to.equal(0);
    expect(t.stdout).to.match(/^blue-red +red +2 +10\.20\.0\.128\/25 +192\.168\.20\.128\/25$/m);
    const m = (await call(u, 'GET', '/metrics')).text;
    expect(m).to.include('gw_nat_static_mappings 2');
  });

  // napt's addon (n-napt) is not in this branch yet: the daemon refuses masquerade/portForward as NOT_SUPPORTED
  // until it is. Unskip with the merge of napt's native tables.
  it.skip('applies masquerade (NAT44, NAT66) and a port forward: pools and forwards read back, sessions empty', async () => {
    const r = await put(doc(STATEFUL, STATIC));
    expect(r.status, r.text).to.equal(200);
    gen = r.body.generation;
    const pools = (await call(u, 'GET', '/v1/nat/pools')).body;
    expect(pools.dataplane).to.equal(true);
    expect(pools.items.map((p: { pool: number; mode: string; prefixes: string[] }) => `${p.pool} ${p.mode} ${p.prefixes.join(',')}`)).to.deep.equal([
      '1 masquerade 203.0.113.1/32',
      '2 masquerade 2001:db8:f10::1/128',
      '3 portForward 198.51.100.80/32',
    ]);
    expect(pools.items[2].forwards).to.deep.equal([{ proto: 'tcp', addr: '198.51.100.80', port: 80, inside: '10.10.0.200', insidePort: 8080 }]);
    expect((await call(u, 'GET', '/v1/nat/sessions')).body).to.deep.equal({ items: [], truncated: false });
    const t = await gwctl(d.socket, ['show', 'nat', 'pools']);
    expect(t.stdout).to.include('Pool 3: portForward, peering blue-red, VPC blue (VRF 1)');
  });

  it('refuses a document with NAT faults listing every problem at its path, and keeps the tables', async () => {
    const before = (await call(u, 'GET', '/v1/nat/static')).body;
    const bad = doc(
      [{ ips: ['10.10.0.0/24'], as: ['192.168.20.200/32'], nat: { mode: 'portForward', ports: [{ proto: 'tcp', port: 80, as: 80 }, { proto: 'tcp', port: 81, as: 80 }] } }],
      [
        { ips: ['10.20.0.128/25'], as: ['192.168.20.0/24'], nat: { mode: 'static' } },
        { ips: ['10.20.0.0/26'], as: ['203.0.113.1/32'], nat: { mode: 'masquerade' } },
        { ips: ['2001:db8:20::/64'], as: ['64:ff9b::/96'], nat: { mode: 'nat64' } },
      ],
    );
    const r = await put(bad);
    expect(r.status, r.text).to.equal(422);
    expect(r.headers['content-type']).to.match(/^application\/problem\+json/);
    const got = (r.body.problems as { code: string; path: string }[]).map((p) => `${p.code} ${p.path}`);
    // Without napt in this dataplane build its modes are NOT_SUPPORTED too; those are the only other problems.
    const stateful = ['NOT_SUPPORTED /peerings/0/sides/0/expose/0/nat', 'NOT_SUPPORTED /peerings/0/sides/1/expose/1/nat'];
    expect(got.filter((x) => !stateful.includes(x))).to.have.members([
      // portForward publishes one address per service
      'NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/ips/0',
      // (tcp, 80) forwarded twice
      'DUPLICATE /peerings/0/sides/0/expose/0/nat/ports/1/as',
      // a static /25 cannot map onto a /24
      'NAT_INCOMPATIBLE /peerings/0/sides/1/expose/0/as/0',
      // the published address lies inside the static mapping's `as`
      'OVERLAP /peerings/0/sides/1/expose/0/as/0',
      // stateful NAT on both sides
      'NAT_INCOMPATIBLE /peerings/0/sides/1/expose',
      // nat64 within one family, and not realized
      'NAT_INCOMPATIBLE /peerings/0/sides/1/expose/2/nat',
      'NOT_SUPPORTED /peerings/0/sides/1/expose/2/nat',
    ]);
    expect((await call(u, 'GET', '/v1/nat/static')).body).to.deep.equal(before);
    expect((await call(u, 'GET', '/v1/status')).body.generation).to.equal(gen);
  });
});
