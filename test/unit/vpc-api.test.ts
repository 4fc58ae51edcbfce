// The realized overlay on the API (/v1/overlay/vpcs, /v1/overlay/peerings) and /metrics, in process: the real
// express app (responses validated against openapi/gateway.yaml) and config service, with the real vpc consumer
// over FakeOverlayTables, the dataplane consumer over FakeDataplane and a fake FRR consumer.
import { expect } from 'chai';
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { call, type Target } from '../api/http.ts';
import { expectProblem } from './api-fixture.ts';
import { startInProcessApi } from './api-inprocess.ts';
import { dataplaneConsumer, FakeRecordingConsumer } from './config-consumers.ts';
import { overlayDoc, vpcConsumer, type FakeOverlayTables } from './vpc-fakes.ts';

interface Fixture {
  unix: Target;
  overlay: FakeOverlayTables;
  close(): Promise<void>;
}

async function start(withOverlay = true): Promise<Fixture> {
  const dp = new FakeDataplane({ maxPorts: 8 });
  dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
  const vpc = vpcConsumer();
  const api = await startInProcessApi('vpc-api', [dataplaneConsumer(dp).consumer, new FakeRecordingConsumer('fake-frr', ['bgp', 'bfd']), vpc.consumer], withOverlay ? { vpcStatus: () => vpc.status, vpcs: () => vpc.directory } : {});
  return { ...api, overlay: vpc.overlay };
}

describe('vpc overlay on the API and /metrics', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await start();
  });
  afterEach(() => f.close());
  const U = { 'x-gw-user': 'tester' };

  it('shows each applied VPC with its dataplane VRF, VNI, peerings and counters, and the VTEP', async () => {
    expect((await call(f.unix, 'PUT', '/v1/config', overlayDoc(), { ...U, 'if-match': '"0"' })).status).to.equal(200);
    f.overlay.counters.vpcs = [{ vrf: 1, rxPackets: 12n, rxBytes: 1500n, txPackets: 9n, txBytes: 900n, drops: { vpc_no_peering: 3n } }];
    const r = await call(f.unix, 'GET', '/v1/overlay/vpcs');
    expect(r.status, r.text).to.equal(200);
    expect(r.body).to.deep.equal({
      dataplane: true,
      vtep: { ip: '10.0.0.1', mac: '02:00:00:00:00:01' },
      items: [
        { name: 'blue', id: 'b1', vni: 100, vrf: 1, subnets: ['10.10.0.0/24', '2001:db8:10::/64'], peerings: ['blue-red'], counters: { rxPackets: '12', rxBytes: '1500', txPackets: '9', txBytes: '900', drops: { vpc_no_peering: '3' } } },
        { name: 'red', id: 'r1', vni: 200, vrf: 2, subnets: ['10.20.0.0/24'], peerings: ['blue-red'] },
      ],
    });
  });

  it('shows what each side of a peering reaches; a deleted peering disappears from the view and the tables', async () => {
    await call(f.unix, 'PUT', '/v1/config', overlayDoc(), { ...U, 'if-match': '"0"' });
    f.overlay.counters.peerings = [{ peering: 1, packets: 5n, bytes: 420n }];
    const r = await call(f.unix, 'GET', '/v1/overlay/peerings');
    expect(r.status, r.text).to.equal(200);
    expect(r.body.items).to.deep.equal([
      {
        name: 'blue-red',
        id: 1,
        sides: [
          { vpc: 'blue', vrf: 1, reaches: ['10.20.0.0/24'], sources: ['10.10.0.0/25', '2001:db8:10::/64'] },
          { vpc: 'red', vrf: 2, reaches: ['10.10.0.0/25', '2001:db8:10::/64'], sources: ['10.20.0.0/24'] },
        ],
        counters: { packets: '5', bytes: '420' },
      },
    ]);
    expect((await call(f.unix, 'DELETE', '/v1/peerings/blue-red', undefined, { ...U, 'if-match': '"1"' })).status).to.equal(200);
    expect((await call(f.unix, 'GET', '/v1/overlay/peerings')).body.items).to.deep.equal([]);
    expect(f.overlay.dump().routes).to.deep.equal([]);
  });

  it('refuses a document with NAT on a peering (NOT_SUPPORTED at the field) and changes nothing', async () => {
    const d = overlayDoc();
    d.peerings[0]!.sides[1].expose = [{ ips: ['10.20.0.0/24'], as: ['192.168.20.0/24'], nat: { mode: 'static' } }];
    const r = await call(f.unix, 'PUT', '/v1/config', d, { ...U, 'if-match': '"0"' });
    expectProblem(r, 422, 'NOT_SUPPORTED', '/peerings/0/sides/1/expose/0/nat');
    expect(f.overlay.calls).to.deep.equal([]);
  });

  it('exports traffic and drops per VPC and traffic per peering on /metrics', async () => {
    await call(f.unix, 'PUT', '/v1/config', overlayDoc(), { ...U, 'if-match': '"0"' });
    f.overlay.counters = {
      vpcs: [{ vrf: 2, rxPackets: 7n, rxBytes: 700n, txPackets: 3n, txBytes: 300n, drops: { vpc_no_peering: 2n, vpc_source_not_exposed: 1n } }],
      peerings: [{ peering: 1, packets: 4n, bytes: 400n }],
    };
    const m = (await call(f.unix, 'GET', '/metrics')).text;
    expect(m).to.include('gw_vpc_rx_packets_total{vpc="red",vrf="2"} 7');
    expect(m).to.include('gw_vpc_rx_bytes_total{vpc="red",vrf="2"} 700');
    expect(m).to.include('gw_vpc_tx_packets_total{vpc="red",vrf="2"} 3');
    expect(m).to.include('gw_vpc_tx_bytes_total{vpc="red",vrf="2"} 300');
    expect(m).to.include('gw_vpc_drops_total{vpc="red",vrf="2",reason="vpc_source_not_exposed"} 1');
    expect(m).to.include('gw_vpc_drops_total{vpc="red",vrf="2",reason="vpc_no_peering"} 2');
    expect(m).to.include('gw_vpc_peering_packets_total{peering="blue-red"} 4');
    expect(m).to.include('gw_vpc_peering_bytes_total{peering="blue-red"} 400');
    expect(m).to.include('gw_vpc_info{vpc="blue",vni="100",vrf="1"} 1');
    expect(m).to.include('gw_vpc_peering_entries{peering="blue-red",table="peeringRoutes"} 3');
  });
});

describe('vpc overlay API without the component', () => {
  it('answers 503 NO_OVERLAY', async () => {
    const f = await start(false);
    try {
      expectProblem(await call(f.unix, 'GET', '/v1/overlay/vpcs'), 503, 'NO_OVERLAY');
      expectProblem(await call(f.unix, 'GET', '/v1/overlay/peerings'), 503, 'NO_OVERLAY');
    } finally {
      await f.close();
    }
  });
});
