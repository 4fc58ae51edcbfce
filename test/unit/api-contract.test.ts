// Contract tests of every endpoint, in process: the real express app (request and response validation against
// openapi/gateway.yaml) over a real unix socket and TCP, with FakeDataplane, a fake CPI and fake consumers.
import { expect } from 'chai';
import { statSync } from 'node:fs';
import type { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { call, type Target } from '../api/http.ts';
import { expectProblem, startApi, WRITE_TOKEN, type ApiFixture } from './api-fixture.ts';
import type { FakeRecordingConsumer } from './config-consumers.ts';
import { validDoc } from './config-fixtures.ts';

describe('management API contract', () => {
  let api: ApiFixture;
  let dp: FakeDataplane;
  let frr: FakeRecordingConsumer;
  let unix: Target;
  let tcp: Target;
  const U = { 'x-gw-user': 'tester' };

  before(async () => {
    api = await startApi();
    ({ dp, frr, unix, tcp } = api);
  });
  after(() => api.close());

  const put = (doc: unknown, etag?: string, q = '') => call(unix, 'PUT', `/v1/config${q}`, doc, { ...U, ...(etag ? { 'if-match': etag } : {}) });
  describe('desired state', () => {
    it('serves generation 0 with its ETag and a unix socket only its owner can open', async () => {
      const r = await call(unix, 'GET', '/v1/config');
      expect(r.status).to.equal(200);
      expect(r.headers.etag).to.equal('"0"');
      expect(r.body.generation).to.equal(0);
      expect(statSync(unix.socket!).mode & 0o777).to.equal(0o600);
    });

    it('refuses a write without If-Match (428) and with a malformed one (400)', async () => {
      expectProblem(await put(validDoc()), 428, 'PRECONDITION_REQUIRED');
      expectProblem(await put(validDoc(), 'yesterday'), 400, 'BAD_IF_MATCH', '/header/If-Match');
    });

    it('refuses wrong types and unknown fields with every path (400 SCHEMA)', async () => {
      const d = validDoc() as unknown as { gateway: Record<string, unknown>; vpcs: Record<string, unknown>[] };
      d.gateway.asn = 'sixty-five thousand';
      d.vpcs[0]!.color = 'blue';
      const r = await put(d, '"0"');
      expectProblem(r, 400, 'SCHEMA');
      const paths = (r.body.problems as { path: string; code: string }[]).map((p) => p.path);
      expect(paths).to.include.members(['/gateway/asn', '/vpcs/0/color']);
    });

    it('refuses a body that is not JSON (400 BAD_JSON)', async () => {
      expectProblem(await put('{"gateway": ', '"0"'), 400, 'BAD_JSON');
    });

    it('reports semantic conflicts with code and path (422)', async () => {
      const d = validDoc();
      d.vpcs[1]!.vni = 100;
      d.vpcs[1]!.subnets[0]!.cidr = '10.20.0.1/24';
      const r = await put(d, '"0"');
      expectProblem(r, 422, 'DUPLICATE', '/vpcs/1/vni');
      expect((r.body.problems as { code: string; path: string }[]).map((p) => `${p.code} ${p.path}`)).to.include('INVALID_VALUE /vpcs/1/subnets/0/cidr');
    });

    it('refuses features that are not realized yet (422 NOT_SUPPORTED), never ignores them', async () => {
      const d = validDoc();
      d.groups = [{ name: 'ab', members: [{ name: 'gw1', priority: 10 }] }];
      expectProblem(await put(d, '"0"'), 422, 'NOT_SUPPORTED', '/groups/0');
    });

    it('dry-run returns the diff and stores nothing', async () => {
      const r = await put(validDoc(), '"0"', '?dryRun=true');
      expect(r.status).to.equal(200);
      expect(r.body).to.include({ dryRun: true, applied: false, generation: 1 });
      expect(r.body.diff.map((e: { path: string }) => e.path)).to.include('/vpcs/0');
      expect((await call(unix, 'GET', '/v1/config')).body.generation).to.equal(0);
    });

    it('creates generation 1, then refuses the stale ETag (412) naming the current generation', async () => {
      const r = await put(validDoc(), '"0"');
      expect(r.status, r.text).to.equal(200);
      expect(r.headers.etag).to.equal('"1"');
      expect(r.body).to.include({ generation: 1, applied: true });
      expect(frr.realized?.vpcs.map((v) => v.name)).to.deep.equal(['blue', 'red']);
      const stale = await put(validDoc(), '"0"');
      expectProblem(stale, 412, 'STALE_GENERATION');
      expect(stale.body.currentGeneration).to.equal(1);
    });
  });

  describe('resources edit the same document', () => {
    it('lists, gets, creates, replaces and deletes VPCs under the generation rules', async () => {
      expect((await call(unix, 'GET', '/v1/vpcs')).body.items).to.have.length(2);
      const g = await call(unix, 'GET', '/v1/vpcs/blue');
      expect(g.body.vni).to.equal(100);
      expect(g.headers.etag).to.equal('"1"');
      const green = { name: 'green', id: 'g1', vni: 300, subnets: [{ name: 'a', cidr: '10.30.0.0/24' }] };
      const c = await call(unix, 'PUT', '/v1/vpcs/green', green, { 'if-match': '"1"' });
      expect(c.status, c.text).to.equal(200);
      expect(c.body.diff).to.deep.equal([{ op: 'add', path: '/vpcs/2', to: green }]);
      const rep = await call(unix, 'PUT', '/v1/vpcs/green', { ...green, vni: 301 }, { 'if-match': '"2"' });
      expect(rep.body.diff).to.deep.equal([{ op: 'replace', path: '/vpcs/2/vni', from: 300, to: 301 }]);
      const del = await call(unix, 'DELETE', '/v1/vpcs/green', undefined, { 'if-match': '"3"' });
      expect(del.body.generation).to.equal(4);
      expectProblem(await call(unix, 'GET', '/v1/vpcs/green'), 404, 'NOT_FOUND');
    });

    it('refuses a body whose name differs from the URL, unknown names, and deletes that break references', async () => {
      const blue = (await call(unix, 'GET', '/v1/vpcs/blue')).body;
      expectProblem(await call(unix, 'PUT', '/v1/vpcs/other', blue, { 'if-match': '"4"' }), 400, 'NAME_MISMATCH', '/name');
      expectProblem(await call(unix, 'DELETE', '/v1/vpcs/nope', undefined, { 'if-match': '"4"' }), 404, 'NOT_FOUND');
      // blue is used by the peering: deleting it would leave a dangling reference.
      expectProblem(await call(unix, 'DELETE', '/v1/vpcs/blue', undefined, { 'if-match': '"4"' }), 422, 'NO_SUCH_REF', '/peerings/0/sides/0/vpc');
      expectProblem(await call(unix, 'PUT', '/v1/vpcs/Bad%20Name', blue, { 'if-match': '"4"' }), 400, 'SCHEMA');
    });

    it('edits peerings (schema checks the two sides)', async () => {
      const p = (await call(unix, 'GET', '/v1/peerings/blue-red')).body;
      expect(p.sides).to.have.length(2);
      const one = { name: 'x', sides: [p.sides[0]] };
      expectProblem(await call(unix, 'PUT', '/v1/peerings/x', one, { 'if-match': '"4"' }), 400, 'SCHEMA', '/sides');
      const del = await call(unix, 'DELETE', '/v1/peerings/blue-red', undefined, { 'if-match': '"4"' });
      expect(del.status).to.equal(200);
      const back = await call(unix, 'PUT', '/v1/peerings/blue-red', p, { 'if-match': '"5"' });
      expect(back.body.generation).to.equal(6);
      expect((await call(unix, 'GET', '/v1/peerings')).body.items).to.deep.equal([p]);
    });
  });

  describe('history, rollback, refusal, status, audit', () => {
    it('lists history and serves any generation', async () => {
      const h = await call(unix, 'GET', '/v1/config/history?limit=3');
      expect(h.body.items.map((e: { generation: number }) => e.generation)).to.deep.equal([6, 5, 4]);
      expect(h.body.items[0]).to.include({ result: 'applied', author: 'unix:unknown' });
      expect((await call(unix, 'GET', '/v1/config/history/1')).body.spec.vpcs).to.have.length(2);
      expectProblem(await call(unix, 'GET', '/v1/config/history/999'), 404, 'NOT_FOUND');
      expectProblem(await call(unix, 'GET', '/v1/config/history/zero'), 400, 'BAD_PARAMETER', '/path/generation');
    });

    it('diffs any two generations', async () => {
      const r = (await call(unix, 'GET', '/v1/config/diff?from=2&to=3')).body;
      expect(r).to.deep.equal({ from: 2, to: 3, diff: [{ op: 'replace', path: '/vpcs/2/vni', from: 300, to: 301 }] });
      expect((await call(unix, 'GET', '/v1/config/diff?from=0')).body.to).to.equal(6);
      expectProblem(await call(unix, 'GET', '/v1/config/diff?from=77'), 404, 'NOT_FOUND', '/query/from');
      expectProblem(await call(unix, 'GET', '/v1/config/diff'), 400, 'SCHEMA');
    });

    it('rolls back to an older generation as a new generation', async () => {
      const dry = await call(unix, 'POST', '/v1/config/rollback?dryRun=true', { generation: 2 }, { 'if-match': '"6"' });
      expect(dry.body).to.include({ dryRun: true, generation: 7 });
      const r = await call(unix, 'POST', '/v1/config/rollback', { generation: 2 }, { ...U, 'if-match': '"6"' });
      expect(r.status, r.text).to.equal(200);
      expect((await call(unix, 'GET', '/v1/config')).body.spec).to.deep.equal((await call(unix, 'GET', '/v1/config/history/2')).body.spec);
      expect(frr.realized?.vpcs.map((v) => v.name)).to.deep.equal(['blue', 'red', 'green']);
      const h = await call(unix, 'GET', '/v1/config/history?limit=1');
      expect(h.body.items[0]).to.include({ generation: 7, rollbackOf: 2, author: 'unix:tester' });
      expectProblem(await call(unix, 'POST', '/v1/config/rollback', { generation: 99 }, { 'if-match': '"7"' }), 404, 'NOT_FOUND');
    });

    it('a generation the dataplane refuses is stored, not in force, and explained in the status', async () => {
      const d = (await call(unix, 'GET', '/v1/config')).body.spec;
      d.gateway.ports.push({ name: 'eth3', device: 'net_tap2,iface=gwmg2', mtu: 1500, addresses: ['10.1.0.5/31'] });
      const r = await put(d, '"7"');
      expectProblem(r, 409, 'REFUSED', '/gateway/ports/2');
      expect(r.body.currentGeneration).to.equal(8);
      expect(dp.ports().map((p) => p.name).sort()).to.deep.equal(['eth1', 'eth2']);
      const s = (await call(unix, 'GET', '/v1/status')).body;
      expect(s).to.include({ generation: 8, observedGeneration: 7, state: 'failed' });
      expect(s.lastError.problems[0]).to.include({ code: 'REFUSED', path: '/gateway/ports/2' });
      const cond = Object.fromEntries(s.conditions.map((c: { object: string; status: string; reason: string }) => [c.object, `${c.status} ${c.reason}`]));
      expect(cond['port/eth3']).to.equal('False REFUSED');
      expect(cond['port/eth1']).to.equal('True InForce');
      const h = (await call(unix, 'GET', '/v1/config/history?limit=2')).body.items;
      expect(h.map((e: { result: string }) => e.result)).to.deep.equal(['refused', 'applied']);
      // Fix forward from the refused generation.
      d.gateway.ports.pop();
      expect((await put(d, '"8"')).body).to.include({ generation: 9, applied: true });
      // In force, but FakeFrrNeighbors reports 10.1.0.2 Active: the running system is degraded, and says why.
      const after = (await call(unix, 'GET', '/v1/status')).body;
      expect(after).to.include({ state: 'degraded', observedGeneration: 9 });
      const health = Object.fromEntries(
        (after.conditions as { object: string; type: string; status: string; reason: string }[]).filter((c) => c.type === 'Healthy').map((c) => [c.object, `${c.status} ${c.reason}`]),
      );
      expect(health).to.deep.equal({ 'bgp/10.1.0.0': 'True Established', 'bfd/10.1.0.0': 'True Up', 'bgp/10.1.0.2': 'False PeerDown', 'cpi/epoch': 'True Synced' });
    });

    it('audits who changed what, including rejected attempts', async () => {
      const a = (await call(unix, 'GET', '/v1/audit?limit=50')).body.items as { who: string; action: string; result: string; generation?: number; diff?: unknown[]; code?: string }[];
      expect(a.find((e) => e.action === 'rollback' && e.result === 'ok')).to.include({ who: 'unix:tester', generation: 7 });
      expect(a.find((e) => e.action === 'apply' && e.generation === 8)).to.include({ result: 'refused', code: 'REFUSED' });
      expect(a.some((e) => e.result === 'rejected' && e.code === 'STALE_GENERATION')).to.equal(true);
      const g6 = (await call(unix, 'GET', '/v1/audit?generation=6')).body.items;
      expect(g6.map((e: { action: string }) => e.action).sort()).to.deep.equal(['apply', 'put-peering']);
    });
  });

  describe('dataplane and plugin tables', () => {
    it('shows ports, routes per VRF, nexthops and neighbors', async () => {
      const ports = (await call(unix, 'GET', '/v1/dataplane/ports')).body.items;
      expect(ports.map((p: { name: string }) => p.name).sort()).to.deep.equal(['eth1', 'eth2']);
      const eth1 = ports.find((p: { name: string }) => p.name === 'eth1').id as number;
      dp.setNexthops([{ id: 1, port: eth1, gateway: '10.1.0.0' }]);
      dp.setGroups([{ id: 1, members: [{ nexthop: 1, weight: 1 }] }]);
      dp.addVrf(7);
      dp.applyRoutes([
        { op: 'add', vrf: 7, prefix: '10.77.0.0/16', target: { kind: 'unicast', group: 1 } },
        { op: 'add', vrf: 0, prefix: '192.0.2.0/24', target: { kind: 'blackhole' } },
      ]);
      dp.setNeighbors([{ port: eth1, ip: '10.1.0.0', mac: '02:aa:00:00:00:01' }]);
      expect((await call(unix, 'GET', '/v1/dataplane/routes?vrf=7')).body).to.deep.equal({ vrf: 7, items: [{ prefix: '10.77.0.0/16', kind: 'unicast', group: 1 }] });
      expect((await call(unix, 'GET', '/v1/dataplane/routes')).body.items).to.deep.include({ prefix: '192.0.2.0/24', kind: 'blackhole' });
      expectProblem(await call(unix, 'GET', '/v1/dataplane/routes?vrf=-1'), 400, 'BAD_PARAMETER', '/query/vrf');
      expectProblem(await call(unix, 'GET', '/v1/dataplane/routes?vrf=70000'), 400, 'SCHEMA');
      // Pages in address order; a route added between pages neither shifts nor repeats entries.
      dp.applyRoutes(['10.9.0.0/16', '9.0.0.0/8', '10.10.0.0/16', '10.1.0.0/16'].map((prefix) => ({ op: 'add' as const, vrf: 7, prefix, target: { kind: 'blackhole' as const } })));
      const p1 = (await call(unix, 'GET', '/v1/dataplane/routes?vrf=7&page_size=2')).body;
      expect(p1.items.map((x: { prefix: string }) => x.prefix)).to.deep.equal(['9.0.0.0/8', '10.1.0.0/16']);
      dp.applyRoutes([{ op: 'add', vrf: 7, prefix: '10.0.0.0/16', target: { kind: 'blackhole' } }]);
      const p2 = (await call(unix, 'GET', `/v1/dataplane/routes?vrf=7&page_size=2&page_token=${p1.next_page_token}`)).body;
      expect(p2.items.map((x: { prefix: string }) => x.prefix)).to.deep.equal(['10.9.0.0/16', '10.10.0.0/16']);
      const p3 = (await call(unix, 'GET', `/v1/dataplane/routes?vrf=7&page_size=2&page_token=${p2.next_page_token}`)).body;
      expect(p3.items.map((x: { prefix: string }) => x.prefix)).to.deep.equal(['10.77.0.0/16']);
      expect(p3.next_page_token).to.equal(undefined);
      expectProblem(await call(unix, 'GET', '/v1/dataplane/routes?vrf=7&page_token=bm9wZQ'), 400, 'BAD_PAGE_TOKEN', '/query/page_token');
      dp.applyRoutes(['10.9.0.0/16', '9.0.0.0/8', '10.10.0.0/16', '10.1.0.0/16', '10.0.0.0/16'].map((prefix) => ({ op: 'del' as const, vrf: 7, prefix })));
      const nh = (await call(unix, 'GET', '/v1/dataplane/nexthops')).body;
      // Next to what the document realized (connected and static routes, ids from the reserved top range).
      expect(nh.nexthops).to.deep.include({ id: 1, port: eth1, gateway: '10.1.0.0' });
      expect(nh.groups).to.deep.include({ id: 1, members: [{ nexthop: 1, weight: 1 }] });
      expect(nh.nexthops.filter((n: { id: number }) => n.id !== 1).every((n: { id: number }) => n.id > 61440)).to.equal(true);
      expect((await call(unix, 'GET', '/v1/dataplane/neighbors')).body.items).to.deep.equal([{ port: eth1, ip: '10.1.0.0', mac: '02:aa:00:00:00:01' }]);
    });

    it('shows counters since the last clear while /metrics stays monotonic', async () => {
      const eth1 = dp.ports().find((p) => p.name === 'eth1')!.id;
      dp.fakeTraffic(eth1, { rxPackets: 100n, rxBytes: 6400n, drops: { no_route: 7n } });
      let c = (await call(unix, 'GET', '/v1/dataplane/counters')).body;
      const row = (x: { ports: { port: number; rxPackets: string; drops: Record<string, string> }[] }) => x.ports.find((p) => p.port === eth1)!;
      expect(row(c)).to.include({ rxPackets: '100' });
      expect(c.drops.no_route).to.equal('7');
      expect((await call(unix, 'POST', '/v1/dataplane/counters/clear', undefined, U)).status).to.equal(204);
      dp.fakeTraffic(eth1, { rxPackets: 5n, drops: { no_route: 1n } });
      c = (await call(unix, 'GET', '/v1/dataplane/counters')).body;
      expect(row(c).rxPackets).to.equal('5');
      expect(row(c).drops.no_route).to.equal('1');
      expect(c.clearedAt).to.be.a('string');
      const m = (await call(unix, 'GET', '/metrics')).text;
      expect(m).to.match(new RegExp(`gw_dp_port_rx_packets_total\\{port="${eth1}",iface="eth1"\\} 105`));
      expect(m).to.match(new RegExp(`gw_dp_drops_total\\{port="${eth1}",iface="eth1",reason="no_route"\\} 8`));
      dp.fakeRuntime('events_dropped', 3n);
      expect((await call(unix, 'GET', '/metrics')).text).to.include('gw_dp_runtime_events_dropped_total 3');
    });

    it('shows the plugin link and exports its counters', async () => {
      const c = (await call(unix, 'GET', '/v1/cpi')).body;
      expect(c).to.include({ state: 'established', epoch: 3 });
      const m = (await call(unix, 'GET', '/metrics')).text;
      expect(m).to.include('gw_cpi_ops_total{op="ROUTE_INSTALL",result="failed"} 1');
      expect(m).to.include('gw_cpi_malformed_total{code="BAD_TYPE"} 2');
      expect(m).to.include('gw_cpi_state{state="established"} 1');
      expect(m).to.include('gw_cpi_peer_refused_total{code="not_zebra"} 3');
      expect(m).to.include('gw_cpi_peer_connections_total{result="refused"} 3');
      expect(m).to.include('gw_cpi_peer_pid 4242');
    });

    it('shows FRR status and its rendered config, and exports FRR series', async () => {
      const f = await call(unix, 'GET', '/v1/frr');
      expect(f.status, f.text).to.equal(200);
      expect(f.body.lastApply).to.include({ ok: false, code: 'FRR_CONFIG_INVALID' });
      const c = await call(unix, 'GET', '/v1/frr/config');
      expect(c.headers['content-type']).to.match(/^text\/plain/);
      expect(c.text).to.equal('router bgp 65001\n');
      const m = (await call(unix, 'GET', '/metrics')).text;
      expect(m).to.include('gw_frr_daemon_up{daemon="bgpd"} 1');
      expect(m).to.include('gw_frr_applies_total{result="FRR_CONFIG_INVALID"} 1');
    });

    it('drains and undrains through PUT /v1/frr/drain (RFC 8326), refuses a body without drained at its path', async () => {
      expect((await call(unix, 'GET', '/v1/frr/drain')).body).to.deep.equal({ drained: false, since: null });
      const d = await call(unix, 'PUT', '/v1/frr/drain', { drained: true });
      expect(d.status, d.text).to.equal(200);
      expect(d.body.drained).to.equal(true);
      expect((await call(unix, 'GET', '/v1/frr')).body.drain).to.deep.include({ drained: true });
      const bad = await call(unix, 'PUT', '/v1/frr/drain', { drain: true });
      expect(bad.status).to.equal(400);
      expect(bad.text).to.contain('drained');
      expect((await call(unix, 'PUT', '/v1/frr/drain', { drained: false })).body).to.deep.equal({ drained: false, since: null });
    });

    it('shows BGP and BFD neighbor states from FRR and exports them', async () => {
      const n = (await call(unix, 'GET', '/v1/frr/neighbors')).body;
      expect(n.bgp).to.deep.include({ peer: '10.1.0.2', state: 'Active', pfxRcd: 0 });
      expect(n.bfd).to.deep.equal([{ peer: '10.1.0.0', status: 'up', iface: 'eth1' }]);
      const m = (await call(unix, 'GET', '/metrics')).text;
      expect(m).to.include('gw_bgp_neighbor_established{peer="10.1.0.0",state="Established"} 1');
      expect(m).to.include('gw_bgp_neighbor_established{peer="10.1.0.2",state="Active"} 0');
      expect(m).to.include('gw_bgp_neighbor_prefixes_received{peer="10.1.0.0"} 12');
      expect(m).to.include('gw_bfd_peer_up{peer="10.1.0.0",status="up"} 1');
    });

    it('exports config generation, apply results, rejections and API requests', async () => {
      const m = (await call(unix, 'GET', '/metrics')).text;
      expect(m).to.include('gw_config_generation 9');
      expect(m).to.include('gw_config_observed_generation 9');
      expect(m).to.include('gw_config_applies_total{result="refused"} 1');
      expect(m).to.match(/gw_config_rejected_total\{code="STALE_GENERATION"\} [1-9]/);
      expect(m).to.match(/gw_api_requests_total\{method="PUT",route="\/v1\/config",status="412"\} [1-9]/);
      expect(m).to.match(/gw_api_problems_total\{code="SCHEMA"\} [1-9]/);
      expect(m).to.match(/gw_api_problems_total\{code="BAD_JSON"\} 1/);
      expect(m).to.match(/gw_dp_worker_busy_polls_total|gw_dp_port_link_up/);
    });
  });

  describe('system', () => {
    it('changes per-component log levels at run time', async () => {
      const r = await call(unix, 'PUT', '/v1/log-levels', { levels: { cpi: 'debug' } });
      expect(r.body.levels.cpi).to.equal('debug');
      expect((await call(unix, 'GET', '/v1/log-levels')).body.levels.cpi).to.equal('debug');
      expectProblem(await call(unix, 'PUT', '/v1/log-levels', { levels: { cpi: 'loud' } }), 400, 'SCHEMA', '/levels/cpi');
    });

    it('answers unknown paths and methods with problems', async () => {
      expectProblem(await call(unix, 'GET', '/v1/nothing'), 404, 'NOT_FOUND');
      expectProblem(await call(unix, 'PATCH', '/v1/config', {}), 405, 'METHOD_NOT_ALLOWED');
      expectProblem(await call(unix, 'PUT', '/v1/config', 'x', { 'content-type': 'text/plain', 'if-match': '"9"' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await call(unix, 'PUT', '/v1/config', `{"pad":"${'x'.repeat(9 << 20)}"}`, { 'if-match': '"9"' }), 413, 'TOO_LARGE');
    });
  });

  describe('TCP requires bearer tokens', () => {
    it('refuses requests without a token or with a wrong one (401)', async () => {
      const r = await call(tcp, 'GET', '/v1/config');
      expectProblem(r, 401, 'UNAUTHORIZED');
      expect(r.headers['www-authenticate']).to.equal('Bearer');
      expectProblem(await call(tcp, 'PUT', '/v1/config', validDoc(), { authorization: 'Bearer wrong', 'if-match': '"9"' }), 401, 'UNAUTHORIZED');
      expect((await call(unix, 'GET', '/v1/config')).body.generation).to.equal(9);
    });

    it('accepts a valid token and audits its name', async () => {
      const auth = { authorization: `Bearer ${WRITE_TOKEN}` };
      const cur = (await call(tcp, 'GET', '/v1/config', undefined, auth)).body;
      cur.spec.gateway.asn = 65002;
      const r = await call(tcp, 'PUT', '/v1/config', cur.spec, { ...auth, 'if-match': '"9"' });
      expect(r.status, r.text).to.equal(200);
      expect((await call(unix, 'GET', '/v1/audit?limit=2')).body.items[1]).to.include({ who: 'token:ops', action: 'put-config', generation: 10 });
    });
  });

  describe('gateway groups', () => {
    it('are a resource of the document too, refused while nothing realizes them', async () => {
      const cur = (await call(unix, 'GET', '/v1/groups')).headers.etag as string;
      const g = { name: 'ab', members: [{ name: 'gw1', priority: 200 }, { name: 'gw2', priority: 100 }] };
      expectProblem(await call(unix, 'PUT', '/v1/groups/ab', g, { 'if-match': cur }), 422, 'NOT_SUPPORTED', '/groups/0');
      expectProblem(await call(unix, 'PUT', '/v1/groups/ab', { ...g, members: [{ name: 'gw1' }] }, { 'if-match': cur }), 400, 'SCHEMA', '/members/0/priority');
      expectProblem(await call(unix, 'GET', '/v1/groups/ab'), 404, 'NOT_FOUND');
      expect((await call(unix, 'GET', '/v1/groups')).body.items).to.deep.equal([]);
    });
  });

  describe('concurrent writers', () => {
    it('of concurrent HTTP writers on the same ETag exactly one wins, the others get 412', async () => {
      const cur = (await call(unix, 'GET', '/v1/vpcs')).headers.etag as string;
      const vpcs = [5, 6, 7, 8].map((n) => ({ name: `c${n}`, id: `c${n}`, vni: 500 + n, subnets: [{ name: 'a', cidr: `10.5${n}.0.0/24` }] }));
      const rs = await Promise.all(vpcs.map((v) => call(unix, 'PUT', `/v1/vpcs/${v.name}`, v, { 'if-match': cur })));
      expect(rs.map((r) => r.status).sort()).to.deep.equal([200, 412, 412, 412]);
      const winner = vpcs[rs.findIndex((r) => r.status === 200)]!;
      const names = (await call(unix, 'GET', '/v1/vpcs')).body.items.map((v: { name: string }) => v.name);
      expect(names.filter((n: string) => n.startsWith('c'))).to.deep.equal([winner.name]);
    });
  });
});
