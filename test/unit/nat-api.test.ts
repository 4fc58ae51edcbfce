// NAT on the API and /metrics, in process: the real express app (requests and responses validated against
// openapi/gateway.yaml) and config service, with the real vpc and NAT consumers over FakeNatDataplane
// (FakeDataplane's napt tables and sessions + a fake natStatic) and a fake FRR consumer.
import { expect } from 'chai';
import type { NatSession } from '../../agent/src/dataplane/api.ts';
import { call, type Target } from '../api/http.ts';
import { expectProblem } from './api-fixture.ts';
import { startInProcessApi } from './api-inprocess.ts';
import { FakeRecordingConsumer } from './config-consumers.ts';
import { natDoc, natSetup, type FakeNatDataplane } from './nat-fakes.ts';

interface Fixture {
  unix: Target;
  dp: FakeNatDataplane;
  close(): Promise<void>;
}

async function start(withNat = true): Promise<Fixture> {
  const s = natSetup();
  const api = await startInProcessApi('nat-api', [new FakeRecordingConsumer('fake-frr', ['bgp', 'bfd']), s.vpc, s.nat], { vpcs: () => s.directory, vpcStatus: () => s.vpcStatus, ...(withNat ? { nat: () => s.status } : {}) });
  return { ...api, dp: s.dp };
}

const U = { 'x-gw-user': 'tester' };

function session(pool: number, proto: NatSession['proto'], inside: string, port: number, outside: string, remote: string): Omit<NatSession, 'id'> {
  return {
    peering: 0,
    vrf: 0,
    pool,
    proto,
    inside: { addr: inside, port },
    outside: { addr: outside, port: port + 1 },
    remote: { addr: remote, port: proto === 'icmp' ? 0 : 80 },
    state: proto === 'tcp' ? 'established' : 'active',
    idleSeconds: 3,
    expiresSeconds: proto === 'tcp' ? 7437 : 297,
    packetsOut: 10n,
    bytesOut: 1000n,
    packetsIn: 9n,
    bytesIn: 900n,
  };
}

describe('nat on the API and /metrics', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await start();
    expect((await call(f.unix, 'PUT', '/v1/config', natDoc(), { ...U, 'if-match': '"0"' })).status).to.equal(200);
  });
  afterEach(() => f.close());

  it('shows the realized pools with their addresses, inside prefixes, forwards and use', async () => {
    f.dp.fakeNatSession(session(1, 'tcp', '10.10.0.7', 40000, '203.0.113.1', '192.168.20.130'));
    f.dp.fakeNatExhausted(1, 4n);
    const r = await call(f.unix, 'GET', '/v1/nat/pools');
    expect(r.status, r.text).to.equal(200);
    expect(r.body.dataplane).to.equal(true);
    expect(r.body.items[0]).to.deep.equal({
      pool: 1,
      peering: 'blue-red',
      vpc: 'blue',
      vrf: 1,
      mode: 'masquerade',
      filtering: 'endpoint-independent',
      idleTimeoutSeconds: 0,
      prefixes: ['203.0.113.1/32'],
      inside: ['10.10.0.0/25'],
      forwards: [],
      stats: { addresses: 1, portsInUse: 1, sessions: 1, exhausted: '4' },
    });
    expect(r.body.items[1]).to.include({ pool: 2, filtering: 'address-dependent', idleTimeoutSeconds: 600 });
    expect(r.body.items[2].forwards).to.deep.equal([
      { proto: 'tcp', addr: '198.51.100.80', port: 80, inside: '10.10.0.200', insidePort: 8080 },
      { proto: 'udp', addr: '198.51.100.80', port: 53, inside: '10.10.0.200', insidePort: 5353 },
    ]);
  });

  it('shows the static mappings (NAT44 and NPTv6) named by peering and VPC', async () => {
    const r = await call(f.unix, 'GET', '/v1/nat/static');
    expect(r.status, r.text).to.equal(200);
    expect(r.body).to.deep.equal({
      dataplane: true,
      items: [
        { peering: 'blue-red', vpc: 'red', vrf: 2, ips: '10.20.0.128/25', as: '192.168.20.128/25' },
        { peering: 'blue-red', vpc: 'red', vrf: 2, ips: '2001:db8:20::/64', as: '2001:db8:f20::/64' },
      ],
    });
  });

  it('lists sessions by vpc, peering, proto and address, at most `limit`, and clears with the same filter', async () => {
    f.dp.fakeNatSession(session(1, 'tcp', '10.10.0.7', 40000, '203.0.113.1', '192.168.20.130'));
    f.dp.fakeNatSession(session(1, 'udp', '10.10.0.8', 5000, '203.0.113.1', '192.168.20.131'));
    f.dp.fakeNatSession(session(2, 'icmp', '2001:db8:10::7', 77, '2001:db8:f10::1', '2001:db8:f20::9'));
    const get = async (q: string): Promise<{ items: { inside: { addr: string } }[]; truncated: boolean }> => {
      const r = await call(f.unix, 'GET', `/v1/nat/sessions${q}`);
      expect(r.status, r.text).to.equal(200);
      return r.body;
    };
    const all = await call(f.unix, 'GET', '/v1/nat/sessions');
    expect(all.status, all.text).to.equal(200);
    expect(all.body.items[0]).to.deep.equal({
      id: '1',
      peering: 'blue-red',
      pool: 1,
      proto: 'tcp',
      inside: { addr: '10.10.0.7', port: 40000 },
      outside: { addr: '203.0.113.1', port: 40001 },
      remote: { addr: '192.168.20.130', port: 80 },
      state: 'established',
      idleSeconds: 3,
      expiresSeconds: 7437,
      packetsOut: '10',
      packetsIn: '9',
      bytesOut: '1000',
      bytesIn: '900',
    });
    expect((await get('?proto=udp')).items.map((s) => s.inside.addr)).to.deep.equal(['10.10.0.8']);
    expect((await get(`?addr=${encodeURIComponent('2001:db8:0f10::1')}`)).items.map((s) => s.inside.addr)).to.deep.equal(['2001:db8:10::7']);
    expect((await get('?vpc=blue&peering=blue-red')).items).to.have.length(3);
    // red hosts no inside endpoint: its sessions are blue's.
    expect((await get('?vpc=red')).items).to.deep.equal([]);
    expect(await get('?limit=2')).to.deep.include({ truncated: true });
    expect((await get('?limit=2')).items).to.have.length(2);
    expectProblem(await call(f.unix, 'GET', '/v1/nat/sessions?addr=10.1.2'), 400, 'INVALID_VALUE', '/query/addr');
    expectProblem(await call(f.unix, 'GET', '/v1/nat/sessions?vpc=green'), 404, 'NOT_FOUND', '/query/vpc');
    const c = await call(f.unix, 'DELETE', '/v1/nat/sessions?proto=tcp', undefined, U);
    expect(c.status, c.text).to.equal(200);
    expect(c.body).to.deep.equal({ cleared: 1 });
    expect((await get('')).items.map((s) => s.inside.addr)).to.deep.equal(['10.10.0.8', '2001:db8:10::7']);
    expect((await call(f.unix, 'DELETE', '/v1/nat/sessions', undefined, U)).body).to.deep.equal({ cleared: 2 });
  });

  it('exports sessions active, created, expired and translations per peering, and pool use, on /metrics', async () => {
    f.dp.fakeNatSession(session(1, 'tcp', '10.10.0.7', 40000, '203.0.113.1', '192.168.20.130'), 5n);
    f.dp.fakeNatSession(session(1, 'udp', '10.10.0.8', 5000, '203.0.113.1', '192.168.20.131'), 2n);
    await call(f.unix, 'DELETE', '/v1/nat/sessions?proto=udp', undefined, U);
    f.dp.fakeNatExhausted(1, 3n);
    f.dp.fakeNatStaticTraffic(1, 11n);
    const m = (await call(f.unix, 'GET', '/metrics')).text;
    expect(m).to.include('gw_nat_static_translations_total{peering="blue-red"} 11');
    expect(m).to.include('gw_nat_sessions_active{peering="blue-red"} 1');
    expect(m).to.include('gw_nat_sessions_created_total{peering="blue-red"} 2');
    expect(m).to.include('gw_nat_sessions_expired_total{peering="blue-red"} 1');
    expect(m).to.include('gw_nat_translations_total{peering="blue-red"} 7');
    expect(m).to.include('gw_nat_pool_ports_in_use{pool="1",peering="blue-red",vpc="blue"} 1');
    expect(m).to.include('gw_nat_pool_exhausted_total{pool="1",peering="blue-red",vpc="blue"} 3');
    expect(m).to.include('gw_nat_pools{mode="masquerade"} 2');
    expect(m).to.include('gw_nat_static_mappings 2');
  });

  it('refuses a document with NAT faults listing every problem at its path, and changes no table', async () => {
    const before = f.dp.natTables();
    const d = natDoc();
    d.peerings[0]!.sides[1].expose[0]!.as = ['192.168.20.0/24'];
    d.peerings[0]!.sides[0].expose[1]!.as = ['203.0.113.1/32'];
    d.peerings[0]!.sides[1].expose.push({ ips: ['10.20.0.5/32'], as: ['198.51.100.90/32'], nat: { mode: 'portForward', ports: [{ proto: 'tcp', port: 1, as: 1 }] } });
    const r = await call(f.unix, 'PUT', '/v1/config', d, { ...U, 'if-match': '"1"' });
    expect(r.status, r.text).to.equal(422);
    expect((r.body.problems as { code: string; path: string }[]).map((p) => `${p.code} ${p.path}`)).to.have.members([
      'NAT_INCOMPATIBLE /peerings/0/sides/1/expose/0/as/0',
      'NAT_INCOMPATIBLE /peerings/0/sides/0/expose/1/as',
      'OVERLAP /peerings/0/sides/0/expose/1/as/0',
      'NAT_INCOMPATIBLE /peerings/0/sides/1/expose',
    ]);
    expect(f.dp.natTables()).to.deep.equal(before);
  });
});

describe('nat API without the component', () => {
  it('answers 503 NO_NAT', async () => {
    const f = await start(false);
    try {
      for (const p of ['/v1/nat/sessions', '/v1/nat/pools', '/v1/nat/static']) expectProblem(await call(f.unix, 'GET', p), 503, 'NO_NAT');
    } finally {
      await f.close();
    }
  });
});
